/**
 * What a chain's driver holds of its blocks besides the head, as the Engine API's
 * `forkchoiceUpdated` tells an execution client: the `safe` and `finalized` blocks (the L1: by
 * its finality rule, src/l1/finality.ts; an L2: by what the rollup settled on L1, src/l2/), and
 * whether the head can be served as current at all (a follower cut off from L1 cannot tell). The
 * JSON-RPC's block tags read it.
 */

export type Forkchoice = {
  /** The number of the highest block held safe from reorgs. */
  safe(): bigint;
  /** The number of the highest block held final. */
  finalized(): bigint;
  /** Why the head may not be current, when the driver cannot tell; undefined when it is. */
  stale(): string | undefined;
};

/**
 * The forkchoice of a chain nothing drives (a node in a test): every block up to the head is
 * safe and final, and the head is current.
 *
 * @example
 * node.forkchoice = headForkchoice(() => node.head.header.number);
 */
export function headForkchoice(head: () => bigint): Forkchoice {
  return { safe: head, finalized: head, stale: () => undefined };
}
