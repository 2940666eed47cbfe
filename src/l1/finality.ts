/**
 * The devnet L1's finality rule (docs/l1-node.md, "Finality"). It has one block producer and no
 * attestations, so it takes the rule a healthy beacon chain follows in steady state, with a block
 * for each slot: epoch `e` holds blocks `e·E` to `e·E + E − 1`; while the head is in epoch `e`,
 * the first block of epoch `e − 1` is justified (`safe`) and the first block of epoch `e − 2` is
 * finalized. Mainnet's `E` is 32; the default here is the same. Dev methods that rewind the chain
 * (`evm_revert`) can still undo such blocks: the rule is what a client may rely on, not a
 * guarantee the devnet enforces.
 */
import type { Forkchoice } from "../node/forkchoice.ts";

/**
 * The safe and finalized block numbers while `head` is the head.
 *
 * @example
 * epochCheckpoints(100n, 32n); // { safe: 64n, finalized: 32n }
 */
export function epochCheckpoints(head: bigint, epochBlocks: bigint): { safe: bigint; finalized: bigint } {
  const epoch = head / epochBlocks;
  const start = (e: bigint) => (e > 0n ? e * epochBlocks : 0n);
  return { safe: start(epoch - 1n), finalized: start(epoch - 2n) };
}

/**
 * The L1's forkchoice by the rule above; its head is always current.
 *
 * @example
 * node.forkchoice = l1Forkchoice(() => node.head.header.number, 32n);
 */
export function l1Forkchoice(head: () => bigint, epochBlocks: bigint): Forkchoice {
  return {
    safe: () => epochCheckpoints(head(), epochBlocks).safe,
    finalized: () => epochCheckpoints(head(), epochBlocks).finalized,
    stale: () => undefined,
  };
}
