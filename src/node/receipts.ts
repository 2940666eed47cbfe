/**
 * What the node keeps of each executed transaction beyond the block itself: the receipt fields
 * clients read (`eth_getTransactionReceipt`, `eth_getLogs`), in a JSON form the chain log stores.
 */
import type { Block } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex } from "@ethereumjs/util";
import type { RunTxResult } from "@ethereumjs/vm";
import type { Hex } from "viem";
import { effectiveTip } from "./mempool.ts";

export type StoredLog = { address: Hex; topics: Hex[]; data: Hex };

export type StoredReceipt = {
  status: 0 | 1;
  cumulativeGasUsed: string;
  gasUsed: string;
  effectiveGasPrice: string;
  logsBloom: Hex;
  logs: StoredLog[];
  contractAddress?: Hex;
  blobGasUsed?: string;
  blobGasPrice?: string;
};

/** The price per gas a mined transaction paid: the base fee plus its effective tip. */
export function effectiveGasPrice(tx: TypedTransaction, baseFee: bigint): bigint {
  return baseFee + (effectiveTip(tx, baseFee) ?? 0n);
}

export function storedReceipt(tx: TypedTransaction, result: RunTxResult, block: Block): StoredReceipt {
  const receipt = result.receipt as RunTxResult["receipt"] & {
    status?: 0 | 1;
    blobGasUsed?: bigint;
    blobGasPrice?: bigint;
  };
  const baseFee = block.header.baseFeePerGas ?? 0n;
  return {
    status: receipt.status ?? 1,
    cumulativeGasUsed: receipt.cumulativeBlockGasUsed.toString(),
    gasUsed: result.totalGasSpent.toString(),
    effectiveGasPrice: effectiveGasPrice(tx, baseFee).toString(),
    logsBloom: bytesToHex(receipt.bitvector),
    logs: receipt.logs.map(([address, topics, data]) => ({
      address: bytesToHex(address),
      topics: topics.map((t) => bytesToHex(t)),
      data: bytesToHex(data),
    })),
    ...(result.createdAddress ? { contractAddress: result.createdAddress.toString() as Hex } : {}),
    ...(receipt.blobGasUsed !== undefined
      ? { blobGasUsed: receipt.blobGasUsed.toString(), blobGasPrice: (receipt.blobGasPrice ?? 0n).toString() }
      : {}),
  };
}
