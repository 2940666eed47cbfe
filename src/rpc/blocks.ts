/**
 * Which block a `BlockSpec` names on the node's chain. "safe" and "finalized" are the node's
 * forkchoice (src/node/forkchoice.ts: the L1's finality rule, an L2's settlement on L1); state
 * reads at "pending" read the head state. A node whose driver cannot tell whether its head is
 * current (a follower cut off from L1) refuses "latest" and "pending" instead of serving a stale
 * head as current. Unknown blocks are `undefined` for block getters, which answer null, and the
 * geth error "header not found" for state queries.
 */
import type { Block } from "@ethereumjs/block";
import type { ChainBlock, ChainNode } from "../node/node.ts";
import { INVALID_INPUT, RESOURCE_UNAVAILABLE, RpcError } from "./errors.ts";
import type { BlockSpec } from "./params.ts";

/**
 * The head's number, if the node can serve it as current.
 *
 * @throws {RpcError} -32002 with the driver's reason when the head may be stale.
 * @example
 * quantity(currentHead(node)); // eth_blockNumber
 */
export function currentHead(node: ChainNode): bigint {
  const stale = node.forkchoice.stale();
  if (stale !== undefined) {
    throw new RpcError(
      RESOURCE_UNAVAILABLE,
      `${stale}; block ${node.head.header.number} may not be the head: ask for blocks by number or hash, or see eth_syncing`,
    );
  }
  return node.head.header.number;
}

/**
 * The block being built (the `pending` tag), if the node can serve its head as current.
 *
 * @example
 * const block = await pendingBlockOf(node); // number: head + 1
 */
export function pendingBlockOf(node: ChainNode): Promise<Block> {
  currentHead(node);
  return node.pendingBlock();
}

/** The block number a spec names, or `undefined` for an unknown hash or a number past the head. */
export function blockNumberOf(node: ChainNode, spec: BlockSpec): bigint | undefined {
  if ("tag" in spec) {
    const head = node.head.header.number;
    const atMost = (n: bigint) => (n < head ? n : head);
    switch (spec.tag) {
      case "earliest":
        return 0n;
      case "safe":
        return atMost(node.forkchoice.safe());
      case "finalized":
        return atMost(node.forkchoice.finalized());
      default:
        return currentHead(node);
    }
  }
  if ("number" in spec) return spec.number <= node.head.header.number ? spec.number : undefined;
  return node.blockByHash(spec.hash)?.block.header.number;
}

/**
 * The chain block a spec names, if the node has it.
 *
 * @example
 * const entry = chainBlockOf(node, { tag: "latest" })!;
 */
export function chainBlockOf(node: ChainNode, spec: BlockSpec): ChainBlock | undefined {
  const number = blockNumberOf(node, spec);
  return number === undefined ? undefined : node.blockByNumber(number);
}

/** geth's answer to a state query on a block it does not have. */
export function headerNotFound(): RpcError {
  return new RpcError(INVALID_INPUT, "header not found");
}

/**
 * A block and the state root to read for it: the head's current state (dev methods may have
 * changed it since the head was built), else the block's post-state.
 *
 * @throws {RpcError} "header not found" (-32000) for an unknown block.
 * @example
 * const { root } = stateOf(node, { tag: "latest" });
 * const account = await node.stateAt(root).getAccount(address);
 */
export function stateOf(node: ChainNode, spec: BlockSpec): { entry: ChainBlock; root: Uint8Array } {
  const number = blockNumberOf(node, spec);
  const entry = number === undefined ? undefined : node.blockByNumber(number);
  if (number === undefined || entry === undefined) throw headerNotFound();
  return { entry, root: node.stateRootOf(number) };
}
