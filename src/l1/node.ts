/**
 * The L1 devnet node (DESIGN.md §5): the chain node (src/node/) under the L1's rules, Osaka plus
 * `EXECUTE` and its execute-gas market, with blob transactions and their sidecars kept.
 */
import { ChainNode } from "../node/node.ts";
import type { L1Config } from "./config.ts";
import { l1Forkchoice } from "./finality.ts";
import { l1ChainRules } from "./rules.ts";

export { L1_FORK } from "./rules.ts";

export type L1Node = ChainNode<L1Config>;

export type L1NodeOptions = {
  /** Directory of the chain log; absent: in memory only (`--memory`). */
  dataDir?: string;
  /** Admit legacy transactions without a chain id (`--allow-unprotected-txs`); default off. */
  allowUnprotected?: boolean;
  log?: (line: string) => void;
};

/**
 * Opens the L1 node of `config`, replaying the chain log of `dataDir` if there is one. Blocks
 * come from `node.produceBlock()`, once per slot with `startSlots` (src/l1/slots.ts).
 *
 * @example
 * const node = await openL1Node(parseL1Config({ slotTimeMs: 500 }), { dataDir: ".nrx/l1" });
 * const hash = await node.sendRawTransaction(rawTx);
 * await node.mine();
 * await node.stop();
 */
export async function openL1Node(config: L1Config, options: L1NodeOptions = {}): Promise<L1Node> {
  const node = await ChainNode.open(config, { ...options, rules: l1ChainRules(config.execute) });
  node.forkchoice = l1Forkchoice(() => node.head.header.number, BigInt(config.epochBlocks));
  return node;
}
