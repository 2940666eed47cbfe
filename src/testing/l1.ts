/**
 * Test kit of the L1 tests: a node in memory that mines on demand, its dev accounts' balances
 * and nonces, the re-verification of a mined block, and the workload's signed transactions and
 * `EXECUTE` inputs.
 */
import type { Block } from "@ethereumjs/block";
import { type Address, createAddressFromString } from "@ethereumjs/util";
import { type L1Config, parseL1Config } from "../l1/config.ts";
import { type L1Node, openL1Node } from "../l1/node.ts";
import { DevChain } from "../node/dev.ts";
import type { ChainNode } from "../node/node.ts";
import { type StatelessVerification, verifyStatelessNewPayload } from "../stateless/verify.ts";

export {
  devTransaction,
  type L2Block,
  type TxOptions,
  validL2Block,
  withWrongStateRoot,
} from "../workload/l1-transactions.ts";

/** A node in memory that only mines when told (`node.mine()`), with its dev controls. */
export async function memoryNode(
  overrides: unknown = {},
): Promise<{ node: L1Node; config: L1Config; dev: DevChain }> {
  const config = parseL1Config(overrides);
  const node = await openL1Node(config);
  return { node, config, dev: new DevChain(node) };
}

/** The balance of `address` in the node's head state. */
export async function balanceOf(node: ChainNode, address: Address | string): Promise<bigint> {
  const at = typeof address === "string" ? createAddressFromString(address) : address;
  return (await node.stateAt().getAccount(at))?.balance ?? 0n;
}

/** The next nonce of dev account `index`: its state nonce plus its transactions in the mempool. */
export async function nextNonce(node: ChainNode, index: number): Promise<bigint> {
  const address = createAddressFromString(node.devAccounts[index].address);
  const stateNonce = (await node.stateAt().getAccount(address))?.nonce ?? 0n;
  return node.mempool.pendingNonce(address, stateNonce);
}

/**
 * Verifies mined block `block` statelessly from its own witness under the node's rules (on an
 * L1, `EXECUTE` and the execute-gas market), as a validator in re-execution mode would.
 */
export async function reverifyBlock(node: ChainNode, block: Block): Promise<StatelessVerification> {
  const { input } = await node.statelessInput(block.header.number);
  return verifyStatelessNewPayload(input, { rules: node.blockRules() });
}
