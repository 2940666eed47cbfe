/**
 * Which block a `BlockSpec` names on the node's chain. A devnet has no consensus layer: "safe",
 * "finalized" and "pending" are the head ("pending" reads the head state, not a pending block,
 * which the node does not build ahead of its slot). Unknown blocks are `undefined` for block
 * getters, which answer null, and the geth error "header not found" for state queries.
 */
import type { ChainBlock, ChainNode } from "../node/node.ts";
import { INVALID_INPUT, RpcError } from "./errors.ts";
import type { BlockSpec } from "./params.ts";

/** The block number a spec names, or `undefined` for an unknown hash or a number past the head. */
export function blockNumberOf(node: ChainNode, spec: BlockSpec): bigint | undefined {
  if ("tag" in spec) return spec.tag === "earliest" ? 0n : node.head.header.number;
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
