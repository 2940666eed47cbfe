/**
 * The JSON of blocks, transactions, receipts and logs, field for field as geth serves them, so
 * that viem, ethers and cast parse them unchanged. Quantities are 0x-hex without leading zeros,
 * data is 0x-hex. Blocks carry two extra fields, `executeGasUsed` and `executeBaseFee`, decoded
 * from `extraData` (the execute-gas market, docs/spec.md §4.4).
 */
import type { Block } from "@ethereumjs/block";
import {
  isAccessList2930Tx,
  isBlob4844Tx,
  isEOACode7702Tx,
  isFeeMarket1559Tx,
  isLegacyTx,
  type TypedTransaction,
} from "@ethereumjs/tx";
import { bytesToBigInt, bytesToHex } from "@ethereumjs/util";
import type { Hex } from "viem";
import { executeHeaderFields } from "../l1/rules.ts";
import type { ChainBlock } from "../node/node.ts";
import { effectiveGasPrice, type StoredLog, type StoredReceipt } from "../node/receipts.ts";

export type Json = Record<string, unknown>;

/**
 * A quantity: 0x-hex without leading zeros.
 *
 * @example
 * quantity(0n) // "0x0"; quantity(255) // "0xff"
 */
export function quantity(value: bigint | number): Hex {
  return `0x${value.toString(16)}`;
}

/** A quantity from the decimal strings the node stores. */
function decimalQuantity(value: string): Hex {
  return quantity(BigInt(value));
}

/** Where a mined transaction is: its block and index. */
export type TxLocation = { block: Block; index: number };

/** The price per gas a mined transaction paid; for a pending one, its fee cap (as geth). */
function gasPriceOf(tx: TypedTransaction, block: Block | undefined): bigint {
  if (isLegacyTx(tx) || isAccessList2930Tx(tx)) return tx.gasPrice;
  if (block === undefined) return tx.maxFeePerGas;
  return effectiveGasPrice(tx, block.header.baseFeePerGas ?? 0n);
}

function accessListJson(tx: TypedTransaction): Json[] {
  if (isLegacyTx(tx)) return [];
  return tx.accessList.map(([address, keys]) => ({
    address: bytesToHex(address),
    storageKeys: keys.map((key) => bytesToHex(key)),
  }));
}

/**
 * A transaction as `eth_getTransactionByHash` returns it; `blockHash`, `blockNumber` and
 * `transactionIndex` are null while it is pending.
 *
 * @example
 * formatTransaction(entry.block.transactions[0], { block: entry.block, index: 0 });
 */
export function formatTransaction(tx: TypedTransaction, location?: TxLocation): Json {
  const json: Json = {
    blockHash: location ? bytesToHex(location.block.hash()) : null,
    blockNumber: location ? quantity(location.block.header.number) : null,
    from: tx.getSenderAddress().toString(),
    gas: quantity(tx.gasLimit),
    gasPrice: quantity(gasPriceOf(tx, location?.block)),
    hash: bytesToHex(tx.hash()),
    input: bytesToHex(tx.data),
    nonce: quantity(tx.nonce),
    to: tx.to?.toString() ?? null,
    transactionIndex: location ? quantity(location.index) : null,
    value: quantity(tx.value),
    type: quantity(tx.type),
  };
  if (isLegacyTx(tx)) {
    const v = tx.v ?? 0n;
    // EIP-155: v = chainId * 2 + 35 + yParity; before it, v is 27 or 28 and there is no chain id.
    if (v >= 35n) json.chainId = quantity((v - 35n) / 2n);
  } else {
    json.chainId = quantity(tx.common.chainId());
    json.accessList = accessListJson(tx);
    if (isFeeMarket1559Tx(tx) || isBlob4844Tx(tx) || isEOACode7702Tx(tx)) {
      json.maxFeePerGas = quantity(tx.maxFeePerGas);
      json.maxPriorityFeePerGas = quantity(tx.maxPriorityFeePerGas);
    }
    if (isBlob4844Tx(tx)) {
      json.maxFeePerBlobGas = quantity(tx.maxFeePerBlobGas);
      json.blobVersionedHashes = tx.blobVersionedHashes.map((h) => h.toLowerCase());
    }
    if (isEOACode7702Tx(tx)) {
      json.authorizationList = tx.authorizationList.map(([chainId, address, nonce, yParity, r, s]) => ({
        chainId: quantity(bytesToBigInt(chainId)),
        address: bytesToHex(address),
        nonce: quantity(bytesToBigInt(nonce)),
        yParity: quantity(bytesToBigInt(yParity)),
        r: quantity(bytesToBigInt(r)),
        s: quantity(bytesToBigInt(s)),
      }));
    }
    json.yParity = quantity(tx.v ?? 0n);
  }
  json.v = quantity(tx.v ?? 0n);
  json.r = quantity(tx.r ?? 0n);
  json.s = quantity(tx.s ?? 0n);
  return json;
}

/** A log with its position: `logIndex` counts the logs of the whole block. */
export function formatLog(log: StoredLog, entry: ChainBlock, txIndex: number, logIndex: number): Json {
  return {
    address: log.address.toLowerCase(),
    topics: log.topics,
    data: log.data,
    blockNumber: quantity(entry.block.header.number),
    blockHash: bytesToHex(entry.block.hash()),
    blockTimestamp: quantity(entry.block.header.timestamp),
    transactionHash: bytesToHex(entry.block.transactions[txIndex].hash()),
    transactionIndex: quantity(txIndex),
    logIndex: quantity(logIndex),
    removed: false,
  };
}

/** Index of the first log of transaction `txIndex` among the block's logs. */
function firstLogIndex(receipts: StoredReceipt[], txIndex: number): number {
  let index = 0;
  for (let i = 0; i < txIndex; i++) index += receipts[i].logs.length;
  return index;
}

/**
 * Every log of a block, in order, with positions; `keep` filters before formatting.
 *
 * @example
 * const logs = blockLogs(entry, (log) => log.address === watched);
 */
export function blockLogs(entry: ChainBlock, keep: (log: StoredLog) => boolean = () => true): Json[] {
  const logs: Json[] = [];
  let logIndex = 0;
  entry.receipts.forEach((receipt, txIndex) => {
    for (const log of receipt.logs) {
      if (keep(log)) logs.push(formatLog(log, entry, txIndex, logIndex));
      logIndex++;
    }
  });
  return logs;
}

/**
 * The receipt of transaction `index` of a block, as `eth_getTransactionReceipt` returns it.
 *
 * @example
 * const { entry, index } = node.minedTransaction(hash)!;
 * formatReceipt(entry, index).status; // "0x1"
 */
export function formatReceipt(entry: ChainBlock, index: number): Json {
  const tx = entry.block.transactions[index];
  const receipt = entry.receipts[index];
  const first = firstLogIndex(entry.receipts, index);
  const json: Json = {
    blockHash: bytesToHex(entry.block.hash()),
    blockNumber: quantity(entry.block.header.number),
    contractAddress: receipt.contractAddress?.toLowerCase() ?? null,
    cumulativeGasUsed: decimalQuantity(receipt.cumulativeGasUsed),
    effectiveGasPrice: decimalQuantity(receipt.effectiveGasPrice),
    from: tx.getSenderAddress().toString(),
    gasUsed: decimalQuantity(receipt.gasUsed),
    logs: receipt.logs.map((log, i) => formatLog(log, entry, index, first + i)),
    logsBloom: receipt.logsBloom,
    status: quantity(receipt.status),
    to: tx.to?.toString() ?? null,
    transactionHash: bytesToHex(tx.hash()),
    transactionIndex: quantity(index),
    type: quantity(tx.type),
  };
  if (isBlob4844Tx(tx)) {
    json.blobGasUsed = decimalQuantity(receipt.blobGasUsed ?? "0");
    json.blobGasPrice = decimalQuantity(receipt.blobGasPrice ?? "0");
  }
  return json;
}

/** `executeGasUsed` and `executeBaseFee` of a header, or nothing if its extraData is not the market's. */
function executeFields(block: Block): Json {
  try {
    const fields = executeHeaderFields(block.header);
    return {
      executeGasUsed: quantity(fields.executeGasUsed),
      executeBaseFee: quantity(fields.executeBaseFee),
    };
  } catch {
    return {};
  }
}

/**
 * The header fields of a block, as the `newHeads` subscription sends them (geth's header JSON
 * plus the execute-gas fields).
 *
 * @example
 * formatHeader(node.head).executeBaseFee; // "0x3b9aca00"
 */
export function formatHeader(block: Block): Json {
  const h = block.header;
  const json: Json = {
    hash: bytesToHex(block.hash()),
    parentHash: bytesToHex(h.parentHash),
    sha3Uncles: bytesToHex(h.uncleHash),
    miner: h.coinbase.toString(),
    stateRoot: bytesToHex(h.stateRoot),
    transactionsRoot: bytesToHex(h.transactionsTrie),
    receiptsRoot: bytesToHex(h.receiptTrie),
    logsBloom: bytesToHex(h.logsBloom),
    difficulty: quantity(h.difficulty),
    number: quantity(h.number),
    gasLimit: quantity(h.gasLimit),
    gasUsed: quantity(h.gasUsed),
    timestamp: quantity(h.timestamp),
    extraData: bytesToHex(h.extraData),
    mixHash: bytesToHex(h.mixHash),
    nonce: bytesToHex(h.nonce),
  };
  if (h.baseFeePerGas !== undefined) json.baseFeePerGas = quantity(h.baseFeePerGas);
  if (h.withdrawalsRoot !== undefined) json.withdrawalsRoot = bytesToHex(h.withdrawalsRoot);
  if (h.blobGasUsed !== undefined) json.blobGasUsed = quantity(h.blobGasUsed);
  if (h.excessBlobGas !== undefined) json.excessBlobGas = quantity(h.excessBlobGas);
  if (h.parentBeaconBlockRoot !== undefined) json.parentBeaconBlockRoot = bytesToHex(h.parentBeaconBlockRoot);
  if (h.requestsHash !== undefined) json.requestsHash = bytesToHex(h.requestsHash);
  return { ...json, ...executeFields(block) };
}

/**
 * A block as `eth_getBlockByNumber` returns it: with full transaction objects when `full`,
 * else their hashes.
 *
 * @example
 * formatBlock(node.chain[1], false).transactions; // ["0x…"]
 */
/**
 * The block being built, as geth shows it: no hash, nonce or miner yet (they come with its sealing),
 * its transactions without a block hash.
 *
 * @example
 * formatPendingBlock(await node.pendingBlock(), false).hash; // null
 */
export function formatPendingBlock(block: Block, full: boolean): Json {
  const json = formatBlock({ block, receipts: [], executeCalls: [] }, full) as Record<string, Json>;
  const transactions = full
    ? (json.transactions as unknown as Record<string, Json>[]).map((tx) => ({ ...tx, blockHash: null }))
    : json.transactions;
  return { ...json, hash: null, nonce: null, miner: null, transactions };
}

export function formatBlock(entry: ChainBlock, full: boolean): Json {
  const { block } = entry;
  const transactions = block.transactions.map((tx, index) =>
    full ? formatTransaction(tx, { block, index }) : bytesToHex(tx.hash()),
  );
  return {
    ...formatHeader(block),
    size: quantity(block.serialize().length),
    totalDifficulty: "0x0",
    transactions,
    uncles: [],
    withdrawals: (block.withdrawals ?? []).map((w) => ({
      index: quantity(w.index),
      validatorIndex: quantity(w.validatorIndex),
      address: w.address.toString(),
      amount: quantity(w.amount),
    })),
  };
}
