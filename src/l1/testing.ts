/**
 * Shared fixtures of the L1 tests and benchmarks: a valid L2 block as `EXECUTE` input (built on
 * the synthetic workload chain, Osaka rules, chain id 1337), signed L1 transactions from the dev
 * accounts, and a node in memory that mines on demand.
 */
import { type Block, createBlock } from "@ethereumjs/block";
import { createFeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import { type Address, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { EXECUTE_ADDRESS } from "../execute/result.ts";
import { commonFor } from "../stateless/chain.ts";
import { newPayloadRequestToBlock } from "../stateless/payload.ts";
import { decodeStatelessInput, encodeStatelessInput } from "../stateless/ssz.ts";
import { type StatelessVerification, verifyStatelessNewPayload } from "../stateless/verify.ts";
import { mixedTransfers, prepareStatelessInput } from "../workload/transfers.ts";
import { type L1Config, parseL1Config } from "./config.ts";
import { L1Node } from "./node.ts";

export type L2Block = { bytes: Uint8Array; gasUsed: bigint; blockNumber: bigint };

/** A valid L2 block with `eth` ETH and `erc20` token transfers, as `EXECUTE` input bytes. */
export async function validL2Block(eth = 2, erc20 = 1, accounts = 20): Promise<L2Block> {
  const prepared = await prepareStatelessInput(await mixedTransfers(eth, erc20, accounts));
  return {
    bytes: prepared.bytes,
    gasUsed: prepared.block.header.gasUsed,
    blockNumber: prepared.block.header.number,
  };
}

/**
 * The same block claiming a wrong post-state root, re-hashed so that only execution can tell:
 * what a lying sequencer posts. Well-formed, so `EXECUTE` returns `valid = false`.
 */
export async function withWrongStateRoot(block: L2Block): Promise<Uint8Array> {
  const input = decodeStatelessInput(block.bytes);
  const payload = input.newPayloadRequest.executionPayload;
  const common = commonFor(input.chainConfig.chainId, input.fork);
  const original = await newPayloadRequestToBlock(input.newPayloadRequest, input.fork, common);
  const stateRoot = new Uint8Array(payload.stateRoot);
  stateRoot[0] ^= 0xff;
  const lying = createBlock(
    {
      header: { ...original.header.toJSON(), stateRoot },
      transactions: original.transactions,
      withdrawals: [],
    },
    { common },
  );
  payload.stateRoot = stateRoot;
  payload.blockHash = lying.hash();
  return encodeStatelessInput(input);
}

/** A node in memory that only mines when told (`node.mine()`). */
export async function memoryNode(overrides: unknown = {}): Promise<{ node: L1Node; config: L1Config }> {
  const config = parseL1Config(overrides);
  return { node: await L1Node.open(config), config };
}

export type TxOptions = {
  to?: Address;
  data?: Uint8Array;
  value?: bigint;
  gasLimit?: bigint;
  nonce: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
};

/** An EIP-1559 transaction signed by dev account `index` of `node`. */
export function devTransaction(node: L1Node, index: number, options: TxOptions): TypedTransaction {
  return createFeeMarket1559Tx(
    {
      chainId: node.config.chainId,
      nonce: options.nonce,
      to: options.to ?? createAddressFromString(EXECUTE_ADDRESS),
      data: options.data ?? new Uint8Array(),
      value: options.value ?? 0n,
      gasLimit: options.gasLimit ?? 3_000_000n,
      maxFeePerGas: options.maxFeePerGas ?? 100_000_000_000n,
      maxPriorityFeePerGas: options.maxPriorityFeePerGas ?? 1_000_000_000n,
    },
    { common: node.common },
  ).sign(hexToBytes(node.devAccounts[index].privateKey));
}

/** The balance of `address` in the node's head state. */
export async function balanceOf(node: L1Node, address: Address | string): Promise<bigint> {
  const at = typeof address === "string" ? createAddressFromString(address) : address;
  return (await node.stateAt().getAccount(at))?.balance ?? 0n;
}

/** The next nonce of dev account `index`: its state nonce plus its transactions in the mempool. */
export async function nextNonce(node: L1Node, index: number): Promise<bigint> {
  const address = createAddressFromString(node.devAccounts[index].address);
  const stateNonce = (await node.stateAt().getAccount(address))?.nonce ?? 0n;
  return node.mempool.pendingNonce(address, stateNonce);
}

/**
 * Verifies mined block `block` statelessly from its own witness under the L1 rules (`EXECUTE`
 * and the execute-gas market), as a validator in re-execution mode would.
 */
export async function reverifyBlock(node: L1Node, block: Block): Promise<StatelessVerification> {
  const { input } = await node.statelessInput(block.header.number);
  return verifyStatelessNewPayload(input, { rules: node.rules() });
}
