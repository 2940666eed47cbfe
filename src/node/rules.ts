/**
 * What makes a chain an L1 or an L2, as the chain node takes it: the rules a chain adds to
 * Ethereum's (the L1's `EXECUTE` and its execute-gas market) and the constraints it keeps (an
 * L2's blocks meet `EXECUTE`'s L2 constraints: no blob transactions). The node never asks which
 * chain it runs; it applies these.
 */
import type { BlockHeader } from "@ethereumjs/block";
import type { CustomPrecompile } from "@ethereumjs/evm";
import type { VM } from "@ethereumjs/vm";
import type { ExecuteCallRecord } from "../execute/precompile.ts";
import type { StatelessFork } from "../stateless/ssz.ts";
import type { BlockRules } from "../stateless/vm.ts";

/** Blob data by versioned hash, the sidecars a node holds. */
export type BlobStore = (versionedHash: Uint8Array) => Uint8Array | undefined;

/** What a chain adds to one block while the node builds it, or to a call in a block's context. */
export type BlockExtension = {
  precompiles: CustomPrecompile[];
  attach(vm: VM): void;
  /** Before a transaction: the returned function forgets what the extension recorded of it. */
  mark(): () => void;
  /** Whether `err`, thrown by a transaction while building, keeps it for a later block instead of dropping it. */
  postpones(err: unknown): boolean;
  /** The header's `extraData` once every transaction ran. */
  extraData(): Uint8Array;
  /** The block's `EXECUTE` calls so far. */
  calls(): ExecuteCallRecord[];
};

export type ChainRules = {
  /** The fork blocks run under (and that `EXECUTE` verifies L2 blocks under). */
  fork: StatelessFork;
  /** Blocks meet `EXECUTE`'s L2 constraints (no blob transactions), as an L2's must. */
  l2Constraints: boolean;
  /** The genesis header's `extraData` for the chain `chainId`. */
  genesisExtraData(chainId: bigint): Uint8Array;
  /** The rules blocks are executed and verified with beyond the fork's; `onCall` hears every `EXECUTE` call. */
  blockRules(blobs: BlobStore, onCall?: (record: ExecuteCallRecord) => void): BlockRules | undefined;
  /** The extension of the block after `parent` while building it, or of a call at `parent`. */
  extend(parent: BlockHeader, blobs: BlobStore, options: { building: boolean }): BlockExtension | undefined;
  /** What a new block's log line adds (the L1: its execute gas and base fee). */
  describe(header: BlockHeader): string;
};

/**
 * An L2 genesis commits to its chain id: its `extraData` is the id as 8 bytes, big-endian. Two
 * rollups with the same allocations (every devnet rollup) then still have different genesis
 * hashes, so one's data directory or settled blocks are never taken for another's.
 *
 * @example
 * l2GenesisExtraData(901n); // 0x0000000000000385
 */
export function l2GenesisExtraData(chainId: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, chainId);
  return bytes;
}

/**
 * The rules of an L2 of a native rollup (docs/rollup.md, "The L2 chain"): the fork's, nothing
 * added, no blob transactions. Its blocks are verified on L1 by `EXECUTE`.
 */
export function l2ChainRules(fork: StatelessFork): ChainRules {
  return {
    fork,
    l2Constraints: true,
    genesisExtraData: l2GenesisExtraData,
    blockRules: () => undefined,
    extend: () => undefined,
    describe: () => "",
  };
}
