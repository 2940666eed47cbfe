/**
 * The one block builder: the node's block production, the workload generator and the
 * benchmarks all build blocks here, with the same VM the stateless verifier runs
 * (src/stateless/vm.ts), so every built block re-verifies from its own witness. It assembles the
 * block as execution-specs' `apply_body` does, on ethereumjs' public API (`runTx`, the EVM's
 * `runCall`, the block and trie helpers): system transactions, then each transaction all or
 * nothing, then the requests, then the header. Time is linear in the block's transactions.
 */
import {
  type Block,
  createBlock,
  genRequestsRoot,
  genTransactionsTrieRoot,
  type HeaderData,
} from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import type { CustomPrecompile, EVM } from "@ethereumjs/evm";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { Blob4844Tx, createMinimal4844TxFromNetworkWrapper, type TypedTransaction } from "@ethereumjs/tx";
import { type Address, KECCAK256_RLP, MapDB } from "@ethereumjs/util";
import { Bloom, encodeReceipt, type RunTxResult, runTx, type TxReceipt, type VM } from "@ethereumjs/vm";
import { sha256 } from "@noble/hashes/sha2.js";
import { encodeExecutionRequests } from "../stateless/generate.ts";
import { createStateManager, type FailClosedStateManager } from "../stateless/state-manager.ts";
import { createBlockVM } from "../stateless/vm.ts";
import { NrxError } from "../util/errors.ts";
import { processBlockStart, processGeneralPurposeRequests } from "./system-calls.ts";

/** The header fields a block's producer chooses; the rest follow from the parent and the transactions. */
export type ProducerFields = {
  coinbase: Address;
  timestamp: bigint;
  mixHash: Uint8Array;
  /** EIP-4788's root: the beacon block root on an L1, the anchor on an L2. */
  parentBeaconBlockRoot: Uint8Array;
  gasLimit?: bigint;
  /** Known before the transactions run; one that depends on them is given to `finish`. */
  extraData?: Uint8Array;
};

/** The block has no room left for a transaction: its gas or its blob gas. The transaction may fit a later block. */
export class BlockFullError extends NrxError<{ resource: "gas" | "blob gas" }> {
  override name = "BlockFullError";
}

/**
 * Forks whose block rules this builder does not assemble (the stateless verifier still checks
 * them): EIP-7928's block access list, EIP-8037's two gas dimensions, EIP-8282's builder requests.
 */
const UNBUILT_EIPS = [7928, 8037, 8282];

/**
 * One block being built on `parent`.
 *
 * @example
 * const build = await BlockBuild.start(vm, parent, { coinbase, timestamp, mixHash, parentBeaconBlockRoot });
 * const result = await build.add(tx); // throws, leaving the state as it was, when tx cannot be included
 * const { block } = await build.finish();
 */
export class BlockBuild {
  private readonly transactions: TypedTransaction[] = [];
  private readonly receipts: TxReceipt[] = [];
  private readonly bloom: Bloom;
  private gasUsed = 0n;
  /** The receipts' cumulative gas (with refunds), as `runBlock` counts it. */
  private receiptGasUsed = 0n;
  private blobGasUsed = 0n;

  private constructor(
    readonly vm: VM,
    private readonly header: HeaderData,
    /** The block every transaction runs in: the header only (its transactions are not read). */
    private readonly environment: Block,
  ) {
    this.bloom = new Bloom(undefined, vm.common);
  }

  static async start(vm: VM, parent: Block, fields: ProducerFields): Promise<BlockBuild> {
    const { common } = vm;
    if (!common.isActivatedEIP(4788)) throw new Error("the block builder needs EIP-4788 (Cancun or later)");
    const unbuilt = UNBUILT_EIPS.filter((eip) => common.isActivatedEIP(eip));
    if (unbuilt.length > 0)
      throw new Error(
        `the block builder builds Cancun to Osaka blocks; EIP-${unbuilt.join(", EIP-")} not built`,
      );
    const header: HeaderData = {
      ...fields,
      parentHash: parent.hash(),
      number: parent.header.number + 1n,
      gasLimit: fields.gasLimit ?? parent.header.gasLimit,
      baseFeePerGas: parent.header.calcNextBaseFee(),
      excessBlobGas: parent.header.calcNextExcessBlobGas(common),
      ...(common.isActivatedEIP(4895) ? { withdrawalsRoot: KECCAK256_RLP } : {}),
    };
    const environment = createBlock({ header }, { common });
    // The block's own checkpoint, committed by `finish`; each transaction's lies above it.
    await vm.evm.journal.checkpoint();
    await processBlockStart(vm, environment);
    return new BlockBuild(vm, header, environment);
  }

  /**
   * Adds `tx`, all or nothing: when it throws, the state is exactly what it was before `tx`, so
   * the caller can leave `tx` out and go on with the block.
   *
   * ethereumjs closes a message's state checkpoint only when the message returns. An exception
   * thrown out of the EVM (an `ExecutionFaultError`) leaves the checkpoints of every frame it
   * crossed open, and the transaction's own revert then undoes one of those instead of its own:
   * the block's state would never be written (a node lost its head state that way). Here the
   * checkpoints the transaction opened are reverted, down to where it started, and the transient
   * storage it wrote (cleared only when a message returns) is dropped.
   */
  async add(tx: TypedTransaction, options: { allowNoBlobs?: boolean } = {}): Promise<RunTxResult> {
    this.checkRoom(tx, options);
    const stateManager = this.vm.stateManager as FailClosedStateManager;
    const depth = stateManager.checkpointDepth;
    let result: RunTxResult;
    try {
      result = await runTx(this.vm, { tx, block: this.environment, blockGasUsed: this.receiptGasUsed });
    } catch (err) {
      while (stateManager.checkpointDepth > depth) await stateManager.revert();
      (this.vm.evm as EVM).transientStorage.clear();
      throw err;
    }
    // A block carries a blob transaction without its blobs (EIP-4844).
    const included =
      tx instanceof Blob4844Tx && tx.blobs !== undefined
        ? createMinimal4844TxFromNetworkWrapper(tx, { common: this.vm.common })
        : tx;
    this.transactions.push(included);
    this.receipts.push(result.receipt);
    this.bloom.or(result.bloom);
    this.gasUsed += result.blockGasSpent;
    this.receiptGasUsed += result.totalGasSpent;
    if (tx instanceof Blob4844Tx)
      this.blobGasUsed += BigInt(tx.numBlobs()) * this.vm.common.param("blobGasPerBlob");
    return result;
  }

  /** The block's gas and blob gas left must hold `tx`; a blob transaction carries its blobs unless told otherwise. */
  private checkRoom(tx: TypedTransaction, options: { allowNoBlobs?: boolean }): void {
    if (tx.gasLimit > this.environment.header.gasLimit - this.gasUsed) {
      throw new BlockFullError("tx has a higher gas limit than the remaining gas in the block", {
        details: { resource: "gas" },
      });
    }
    if (!(tx instanceof Blob4844Tx)) return;
    if (tx.blobs === undefined && options.allowNoBlobs !== true)
      throw new Error("blobs missing for 4844 transaction");
    const { common } = this.vm;
    const { maxBlobGasPerBlock } = common.getBlobGasSchedule();
    if (this.blobGasUsed + BigInt(tx.numBlobs()) * common.param("blobGasPerBlob") > maxBlobGasPerBlock) {
      throw new BlockFullError("block blob gas limit reached", { details: { resource: "blob gas" } });
    }
  }

  /**
   * Seals the block: the requests, the post-state root and the roots of the transactions and
   * receipts. `extraData`, when given, replaces the header's: a field that depends on the
   * transactions (the L1's execute gas used). No opcode reads `extraData`, so the execution is
   * the same.
   */
  async finish(extraData?: Uint8Array): Promise<{ block: Block; requests: Uint8Array[] }> {
    const { vm } = this;
    const { common } = vm;
    const requests = common.isActivatedEIP(7685)
      ? await processGeneralPurposeRequests(vm, this.environment, this.receipts)
      : undefined;
    const stateRoot = await vm.stateManager.getStateRoot();
    await vm.evm.journal.commit();
    const block = createBlock(
      {
        header: {
          ...this.header,
          ...(extraData === undefined ? {} : { extraData }),
          stateRoot,
          transactionsTrie: await genTransactionsTrieRoot(
            this.transactions,
            new MerklePatriciaTrie({ common }),
          ),
          receiptTrie: await this.receiptTrie(),
          logsBloom: this.bloom.bitvector,
          gasUsed: this.gasUsed,
          blobGasUsed: this.blobGasUsed,
          ...(requests === undefined
            ? {}
            : { requestsHash: genRequestsRoot(requests, common.customCrypto.sha256 ?? sha256) }),
        },
        transactions: this.transactions,
        withdrawals: common.isActivatedEIP(4895) ? [] : undefined,
      },
      { common },
    );
    return { block, requests: encodeExecutionRequests(requests) };
  }

  private async receiptTrie(): Promise<Uint8Array> {
    if (this.receipts.length === 0) return KECCAK256_RLP;
    const trie = new MerklePatriciaTrie({ common: this.vm.common });
    for (const [i, receipt] of this.receipts.entries()) {
      await trie.put(RLP.encode(i), encodeReceipt(receipt, (this.transactions[i] as TypedTransaction).type));
    }
    return trie.root();
  }
}

/** What a block is built on outside a node: the parent block and the full state after it (never written to). */
export type BlockParent = {
  common: Common;
  nodes: Map<string, Uint8Array>;
  block: Block;
  header: Block["header"];
};

export type BuiltBlock = {
  block: Block;
  /** EIP-7685 requests the block produced. */
  executionRequests: Uint8Array[];
  receipts: TxReceipt[];
  /** The parent's nodes plus everything the build wrote: the post-state is readable from here. */
  postNodes: Map<string, Uint8Array>;
};

/** `BLOCKHASH` and the builder's block store: only the parent (older blocks fail). */
class ParentOnlyBlockchain {
  constructor(private readonly parent: BlockParent) {}
  async getBlock(blockNumber: number | bigint) {
    if (BigInt(blockNumber) !== this.parent.header.number) throw new Error(`no block ${blockNumber}`);
    return this.parent.block;
  }
  async putBlock(): Promise<void> {}
  shallowCopy(): this {
    return this;
  }
}

/**
 * Builds the block after `parent` over a copy of the parent's node store (which stays
 * untouched, so the block can be re-run from it). Every transaction must be includable;
 * reverting ones are included with status 0.
 *
 * @example
 * const built = await buildBlockOn(genesis, txs, { coinbase, timestamp: 12n, mixHash, parentBeaconBlockRoot });
 */
export async function buildBlockOn(
  parent: BlockParent,
  transactions: TypedTransaction[],
  fields: ProducerFields,
  precompiles: CustomPrecompile[] = [],
): Promise<BuiltBlock> {
  const { common } = parent;
  const postNodes = new Map(parent.nodes);
  const stateManager = createStateManager(
    new MapDB<string, Uint8Array>(postNodes),
    parent.header.stateRoot,
    common,
  );
  const vm = await createBlockVM(common, stateManager, new ParentOnlyBlockchain(parent), precompiles);
  const build = await BlockBuild.start(vm, parent.block, fields);
  // Keep only the receipts: a contract call's `RunTxResult` holds its EVM run state, which
  // references the builder's block of all earlier transactions (quadratic memory over a block).
  const receipts: TxReceipt[] = [];
  for (const tx of transactions) receipts.push((await build.add(tx)).receipt);
  const { block, requests } = await build.finish();
  return { block, executionRequests: requests, receipts, postNodes };
}
