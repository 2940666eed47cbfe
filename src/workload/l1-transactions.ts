/**
 * Workload pieces for an L1 node: transactions signed by its dev accounts, and valid and lying
 * `EXECUTE` inputs (an L2 block of the synthetic transfer workload, Osaka rules, chain id 1337).
 */
import { createBlock } from "@ethereumjs/block";
import { createFeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import { type Address, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { EXECUTE_ADDRESS } from "../execute/result.ts";
import type { ChainNode } from "../node/node.ts";
import { commonFor } from "../stateless/chain.ts";
import { newPayloadRequestToBlock } from "../stateless/payload.ts";
import { decodeStatelessInput, encodeStatelessInput } from "../stateless/ssz.ts";
import { mixedTransfers, prepareStatelessInput } from "./transfers.ts";

export type TxOptions = {
  to?: Address;
  data?: Uint8Array;
  value?: bigint;
  gasLimit?: bigint;
  nonce: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
};

/**
 * An EIP-1559 transaction signed by dev account `index` of `node`, to `EXECUTE` by default.
 *
 * @example
 * await node.sendRawTransaction(devTransaction(node, 0, { nonce: 0n, data: input }).serialize());
 */
export function devTransaction(node: ChainNode, index: number, options: TxOptions): TypedTransaction {
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

export type L2Block = { bytes: Uint8Array; gasUsed: bigint; blockNumber: bigint };

/**
 * A valid L2 block with `eth` ETH and `erc20` token transfers, as `EXECUTE` input bytes.
 *
 * @example
 * const { bytes, gasUsed } = await validL2Block(2, 1);
 */
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
 *
 * @example
 * const lying = await withWrongStateRoot(await validL2Block());
 */
export async function withWrongStateRoot(block: { bytes: Uint8Array }): Promise<Uint8Array> {
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
