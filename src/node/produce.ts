/**
 * Block production: the next block from the mempool, best tip first, after the transactions a
 * caller needs first (an L2's due forced transactions), with what the chain's rules add (the
 * L1's `EXECUTE`, whose calls may postpone a transaction to a later block).
 */
import type { Block } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import type { EVMMockBlockchainInterface } from "@ethereumjs/evm";
import { Blob4844Tx, createMinimal4844TxFromNetworkWrapper, type TypedTransaction } from "@ethereumjs/tx";
import { type Address, bytesToHex, createAddressFromString, hexToBytes, utf8ToBytes } from "@ethereumjs/util";
import type { RunTxResult } from "@ethereumjs/vm";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { type StoredExecuteCall, toStoredCall } from "../execute/precompile.ts";
import type { FailClosedStateManager } from "../stateless/state-manager.ts";
import { createBlockVM, ExecutionFaultError } from "../stateless/vm.ts";
import { BlockBuild, BlockFullError } from "./builder.ts";
import type { ChainConfig } from "./config.ts";
import type { Mempool } from "./mempool.ts";
import { type StoredReceipt, storedReceipt } from "./receipts.ts";
import type { BlobStore, ChainRules } from "./rules.ts";

/** What the caller of block production decides. */
export type BlockRequest = {
  /** Transactions that go first, in order, while they apply (an L2's due forced transactions). */
  first?: TypedTransaction[];
  /** EIP-4788's root: an L2 block's anchor. Default: a deterministic stand-in (there is no beacon chain). */
  parentBeaconBlockRoot?: Uint8Array;
  /** The block's timestamp if later than its parent's (`evm_setNextBlockTimestamp`); default: the clock. */
  timestamp?: bigint;
};

/** What production reads of the node. */
export type ProductionContext = {
  common: Common;
  config: ChainConfig;
  rules: ChainRules;
  mempool: Mempool;
  blobs: BlobStore;
  blockchain: EVMMockBlockchainInterface;
  accounts: () => (address: Address) => Promise<{ nonce: bigint; balance: bigint }>;
  /** Seconds the block clock runs ahead of the wall clock. */
  clockOffset: number;
  log: (line: string) => void;
  /** Drops from the mempool a transaction that cannot execute (a preview of the pending block drops nothing). */
  drop: (hash: string, why: string) => void;
};

export type ProducedBlock = {
  block: Block;
  receipts: StoredReceipt[];
  executeCalls: StoredExecuteCall[];
  /** Sidecars of the block's blob transactions, by versioned hash (hex). */
  blobs: Map<string, Uint8Array>;
  firstIncluded: number;
};

/** The node's deterministic stand-ins for consensus values, per block (there is no beacon chain). */
export function consensusValue(label: string, number: bigint): Uint8Array {
  return keccak_256(utf8ToBytes(`nrx/l1/${label}/${number}`));
}

/** The timestamp of the block after `parent`: the one asked for, or the clock, and always later than the parent's. */
function timestampAfter(parent: Block, clockOffset: number, requested?: bigint): bigint {
  const candidate = requested ?? BigInt(Math.floor(Date.now() / 1000) + clockOffset);
  return candidate > parent.header.timestamp ? candidate : parent.header.timestamp + 1n;
}

/**
 * Builds the block after `parent` on `stateManager` (its pre-state). The mempool is read, not
 * changed, except that a transaction this node cannot execute is handed to `context.drop`.
 */
export async function produceBlockOn(
  context: ProductionContext,
  parent: Block,
  stateManager: FailClosedStateManager,
  request: BlockRequest,
): Promise<ProducedBlock> {
  const { common, config, rules, mempool } = context;
  const number = parent.header.number + 1n;
  const extension = rules.extend(parent.header, context.blobs, { building: true });
  const vm = await createBlockVM(common, stateManager, context.blockchain, extension?.precompiles);
  extension?.attach(vm);
  const build = await BlockBuild.start(vm, parent, {
    coinbase: createAddressFromString(config.coinbase),
    timestamp: timestampAfter(parent, context.clockOffset, request.timestamp),
    gasLimit: config.gasLimit,
    mixHash: consensusValue("prev-randao", number),
    parentBeaconBlockRoot: request.parentBeaconBlockRoot ?? consensusValue("beacon-root", number),
    ...(extension ? { extraData: extension.extraData() } : {}),
  });
  const included: { tx: TypedTransaction; result: RunTxResult }[] = [];
  const blobs = new Map<string, Uint8Array>();
  let firstIncluded = 0;
  for (const tx of request.first ?? []) {
    const forget = extension?.mark();
    try {
      included.push({ tx, result: await build.add(tx) });
      firstIncluded++;
    } catch (err) {
      forget?.();
      context.log(`could not start block ${number} with ${bytesToHex(tx.hash())}: ${(err as Error).message}`);
      break;
    }
  }
  const ready = await mempool.ready(
    parent.header.calcNextBaseFee(),
    parent.header.calcNextBlobGasPrice(common),
    context.accounts(),
  );
  for (const entry of ready) {
    const tx =
      entry.tx instanceof Blob4844Tx ? createMinimal4844TxFromNetworkWrapper(entry.tx, { common }) : entry.tx;
    const forget = extension?.mark();
    let result: RunTxResult;
    try {
      result = await build.add(tx, { allowNoBlobs: true });
    } catch (err) {
      forget?.();
      ready.skipSender(entry.sender);
      const message = (err as Error).message;
      // A transaction that no longer fits this block's gas or execute gas stays for a later
      // block; one that cannot execute at all (nonce, balance), or that this node fails to
      // execute (an exception out of the EVM, after which the state is as it was), is dropped.
      if (err instanceof BlockFullError || extension?.postpones(err)) continue;
      context.drop(
        entry.hash,
        err instanceof ExecutionFaultError ? `execution failed in this node: ${message}` : message,
      );
      continue;
    }
    included.push({ tx, result });
    if (entry.tx instanceof Blob4844Tx) {
      const sidecars = entry.tx.blobs ?? [];
      entry.tx.blobVersionedHashes.forEach((h, i) => {
        blobs.set(h.toLowerCase(), hexToBytes(sidecars[i] as `0x${string}`));
      });
    }
  }
  const { block } = await build.finish(extension?.extraData());
  return {
    block,
    receipts: included.map(({ tx, result }) => storedReceipt(tx, result, block)),
    executeCalls: (extension?.calls() ?? []).map(toStoredCall),
    blobs,
    firstIncluded,
  };
}
