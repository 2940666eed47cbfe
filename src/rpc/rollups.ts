/**
 * `nrx_listRollups`: the native rollups deployed on this L1 (docs/l1-node.md, "Rollups"). Every
 * `NativeRollup` announces itself in its constructor with
 * `RollupCreated(uint64 indexed chainId, bytes32 genesisBlockHash, bytes32 genesisStateRoot)`;
 * the node indexes that event over its chain, incrementally (each call scans only the blocks
 * mined since the last, and rescans what `evm_revert` replaced), and reads each rollup's settled
 * head live with its views `number()`, `stateRoot()` and `blockHash()`.
 *
 * Anything can emit the event: a contract whose views revert or answer garbage (a fake) is still
 * listed, with a null head, and never fails the call.
 */
import { bytesToHex, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import {
  type Abi,
  type AbiEvent,
  decodeEventLog,
  decodeFunctionResult,
  encodeFunctionData,
  type Hex,
  toEventSelector,
} from "viem";
import type { L1Node } from "../l1/node.ts";
import type { ChainBlock } from "../node/node.ts";
import { ROLLUP_ABIS } from "../rollup/client.ts";
import { INVALID_INPUT, RpcError } from "./errors.ts";
import { type Json, quantity } from "./format.ts";
import { expectParams } from "./params.ts";
import type { RpcMethods } from "./payload.ts";

/** Gas for each view call: plenty for a getter, little for a fake that burns gas. */
const VIEW_GAS = 100_000n;

/** A `RollupCreated` event: a rollup as its constructor announced it. */
export type RollupCreation = {
  /** The contract that emitted the event, lowercase. */
  address: Hex;
  chainId: bigint;
  genesisBlockHash: Hex;
  genesisStateRoot: Hex;
  /** The L1 block, transaction and block-wide log index of the event. */
  block: bigint;
  transactionHash: Hex;
  logIndex: number;
};

/**
 * A rollup and its settled head at the L1 head: the last settled L2 block's number, state root
 * and hash, or all three null when the contract's views revert or do not decode (a fake).
 */
export type RollupSummary = RollupCreation & {
  number: bigint | null;
  stateRoot: Hex | null;
  blockHash: Hex | null;
};

type RollupAbi = { abi: Abi; event: AbiEvent; topic0: Hex };

let rollupAbi: RollupAbi | undefined;

/** NativeRollup's ABI and the `RollupCreated` selector, loaded on first use (it may compile). */
function nativeRollupAbi(): RollupAbi {
  if (rollupAbi === undefined) {
    const abi = ROLLUP_ABIS.rollup;
    const event = abi.find(
      (item): item is AbiEvent => item.type === "event" && item.name === "RollupCreated",
    );
    if (event === undefined) throw new Error("NativeRollup's ABI has no RollupCreated event");
    rollupAbi = { abi, event, topic0: toEventSelector(event) };
  }
  return rollupAbi;
}

/** The `RollupCreated` events of one block, in log order; malformed look-alikes are skipped. */
function creationsIn(entry: ChainBlock, { abi, topic0 }: RollupAbi): RollupCreation[] {
  const found: RollupCreation[] = [];
  let logIndex = 0;
  entry.receipts.forEach((receipt, txIndex) => {
    for (const log of receipt.logs) {
      const index = logIndex++;
      // The event's exact shape: one indexed word, two data words.
      if (log.topics.length !== 2 || log.topics[0]?.toLowerCase() !== topic0 || log.data.length !== 130) {
        continue;
      }
      let args: { chainId: bigint; genesisBlockHash: Hex; genesisStateRoot: Hex };
      try {
        const decoded = decodeEventLog({
          abi,
          eventName: "RollupCreated",
          topics: log.topics as [Hex, ...Hex[]],
          data: log.data,
        });
        args = decoded.args as unknown as typeof args;
      } catch {
        continue;
      }
      found.push({
        address: log.address.toLowerCase() as Hex,
        chainId: args.chainId,
        genesisBlockHash: args.genesisBlockHash,
        genesisStateRoot: args.genesisStateRoot,
        block: entry.block.header.number,
        transactionHash: bytesToHex(entry.block.transactions[txIndex].hash()),
        logIndex: index,
      });
    }
  });
  return found;
}

/**
 * The `RollupCreated` events of one node's chain, kept up to date incrementally. It remembers
 * the blocks it scanned (references, so a block `evm_revert` dropped or replaced no longer
 * matches the chain): an update walks back to the last block still canonical, forgets what came
 * after it and scans from there to the head.
 *
 * @example
 * const index = new RollupIndex(node);
 * index.update(); // [] on a fresh node
 * // … deploy a NativeRollup and mine …
 * index.update(); // [{ address, chainId, genesisBlockHash, … }], scanning only the new blocks
 */
export class RollupIndex {
  /** `scanned[n]` is the block `n` that was scanned; a prefix of the chain when nothing reverted. */
  private readonly scanned: ChainBlock[] = [];
  private readonly found: RollupCreation[] = [];

  constructor(private readonly node: L1Node) {}

  /** How many blocks the index has scanned (its height + 1). */
  get scannedBlocks(): number {
    return this.scanned.length;
  }

  /** Scans the blocks not scanned yet; returns every creation, by block then log index. */
  update(): readonly RollupCreation[] {
    const chain = this.node.chain;
    let keep = Math.min(this.scanned.length, chain.length);
    while (keep > 0 && this.scanned[keep - 1] !== chain[keep - 1]) keep--;
    if (keep < this.scanned.length) {
      this.scanned.length = keep;
      const stale = this.found.findIndex((creation) => creation.block >= BigInt(keep));
      if (stale >= 0) this.found.length = stale;
    }
    if (keep < chain.length) {
      const abi = nativeRollupAbi();
      for (let n = keep; n < chain.length; n++) {
        this.found.push(...creationsIn(chain[n], abi));
        this.scanned.push(chain[n]);
      }
    }
    return this.found;
  }
}

const indexes = new WeakMap<L1Node, RollupIndex>();

/**
 * The node's `RollupIndex`, shared by every caller (the RPC methods and the CLI).
 *
 * @example
 * rollupIndex(node).update().length; // how many rollups were deployed
 */
export function rollupIndex(node: L1Node): RollupIndex {
  let index = indexes.get(node);
  if (index === undefined) {
    index = new RollupIndex(node);
    indexes.set(node, index);
  }
  return index;
}

type Head = Pick<RollupSummary, "number" | "stateRoot" | "blockHash">;
const NO_HEAD: Head = { number: null, stateRoot: null, blockHash: null };

/** Calls view `name()` of `address` at L1 block `at`; undefined when it reverts or does not decode. */
async function view(node: L1Node, address: Hex, name: string, at: bigint): Promise<unknown> {
  const { abi } = nativeRollupAbi();
  let result: Awaited<ReturnType<L1Node["call"]>>;
  try {
    result = await node.call(
      {
        to: createAddressFromString(address),
        data: hexToBytes(encodeFunctionData({ abi, functionName: name })),
        gas: VIEW_GAS,
      },
      at,
    );
  } catch (error) {
    throw new RpcError(
      INVALID_INPUT,
      `could not read rollup ${address} at block ${at} (did the chain change?): ${(error as Error).message}`,
    );
  }
  if (result.execResult.exceptionError !== undefined) return undefined;
  try {
    return decodeFunctionResult({ abi, functionName: name, data: bytesToHex(result.execResult.returnValue) });
  } catch {
    return undefined;
  }
}

/** A rollup's settled head at L1 block `at`, or `NO_HEAD` when any view fails. */
async function settledHead(node: L1Node, address: Hex, at: bigint): Promise<Head> {
  const number = await view(node, address, "number", at);
  const stateRoot = await view(node, address, "stateRoot", at);
  const blockHash = await view(node, address, "blockHash", at);
  if (typeof number !== "bigint" || typeof stateRoot !== "string" || typeof blockHash !== "string") {
    return NO_HEAD;
  }
  return { number, stateRoot: stateRoot as Hex, blockHash: blockHash as Hex };
}

/**
 * Every native rollup deployed on the node's chain, by deployment (L1 block, then log index),
 * with its settled head read at the L1 head (null for a contract whose views fail).
 *
 * @example
 * const [rollup] = await listRollups(node);
 * rollup.chainId; // 901n
 * rollup.number; // 0n until a block settles
 */
export async function listRollups(node: L1Node): Promise<RollupSummary[]> {
  const creations = [...rollupIndex(node).update()];
  const at = BigInt(node.chain.length - 1);
  const summaries: RollupSummary[] = [];
  for (const creation of creations) {
    summaries.push({ ...creation, ...(await settledHead(node, creation.address, at)) });
  }
  return summaries;
}

/**
 * A rollup as `nrx_listRollups` returns it: quantities as 0x-hex, the head fields possibly null.
 *
 * @example
 * formatRollup(summary); // { address: "0x…", chainId: "0x385", …, number: "0x0", … }
 */
export function formatRollup(rollup: RollupSummary): Json {
  return {
    address: rollup.address,
    chainId: quantity(rollup.chainId),
    genesisBlockHash: rollup.genesisBlockHash,
    genesisStateRoot: rollup.genesisStateRoot,
    createdAt: quantity(rollup.block),
    transactionHash: rollup.transactionHash,
    number: rollup.number === null ? null : quantity(rollup.number),
    stateRoot: rollup.stateRoot,
    blockHash: rollup.blockHash,
  };
}

/**
 * The rollup methods: `nrx_listRollups` (no params).
 *
 * @example
 * await rollupMethods(node).nrx_listRollups([], { transport: "http" });
 * // [{ address, chainId, genesisBlockHash, genesisStateRoot, createdAt, transactionHash, number, stateRoot, blockHash }]
 */
export function rollupMethods(node: L1Node): RpcMethods {
  return {
    nrx_listRollups: async (params) => {
      expectParams(params, 0);
      return (await listRollups(node)).map(formatRollup);
    },
  };
}
