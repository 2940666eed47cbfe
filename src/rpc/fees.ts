/**
 * Fee queries: `eth_feeHistory`, `eth_gasPrice`, `eth_maxPriorityFeePerGas`, `eth_blobBaseFee`.
 * Prices are those of the next block (the head's successor), since that is where a transaction
 * sent now lands; the suggested tip is the median tip of recent blocks, 1 gwei on an idle chain.
 */
import type { Block } from "@ethereumjs/block";
import type { ChainBlock, ChainNode } from "../node/node.ts";
import { blockNumberOf } from "./blocks.ts";
import { INVALID_INPUT, INVALID_PARAMS, RpcError } from "./errors.ts";
import { type Json, quantity } from "./format.ts";
import type { BlockSpec } from "./params.ts";

/** The tip suggested when recent blocks hold no transactions. */
export const DEFAULT_TIP = 1_000_000_000n;
/** Blocks the suggested tip looks back over. */
const TIP_BLOCKS = 20;
/** `eth_feeHistory` serves at most this many blocks per call (geth's limit). */
export const MAX_FEE_HISTORY_BLOCKS = 1024;

/** The base fee of the block after the head. */
export function nextBaseFee(node: ChainNode): bigint {
  return node.head.header.calcNextBaseFee();
}

/** The blob base fee of the block after the head. */
export function nextBlobBaseFee(node: ChainNode): bigint {
  const { header } = node.head;
  return header.calcNextBlobGasPrice(header.common);
}

/** What each transaction of a block paid the proposer per gas, with its gas used. */
function blockTips(entry: ChainBlock): { tip: bigint; gasUsed: bigint }[] {
  const baseFee = entry.block.header.baseFeePerGas ?? 0n;
  return entry.receipts.map((receipt) => ({
    tip: BigInt(receipt.effectiveGasPrice) - baseFee,
    gasUsed: BigInt(receipt.gasUsed),
  }));
}

/**
 * The median tip of the transactions in the last 20 blocks, or 1 gwei if there are none.
 *
 * @example
 * suggestedTip(node) // 1000000000n on a fresh chain
 */
export function suggestedTip(node: ChainNode): bigint {
  const tips: bigint[] = [];
  const head = Number(node.head.header.number);
  for (let n = head; n > 0 && n > head - TIP_BLOCKS; n--) {
    for (const { tip } of blockTips(node.chain[n])) tips.push(tip);
  }
  if (tips.length === 0) return DEFAULT_TIP;
  tips.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return tips[Math.floor(tips.length / 2)];
}

/** `eth_gasPrice`: the next base fee plus the suggested tip (geth's answer). */
export function gasPrice(node: ChainNode): bigint {
  return nextBaseFee(node) + suggestedTip(node);
}

/** The tip at each percentile of a block's gas, the transactions ordered by tip (geth's rule). */
function rewards(entry: ChainBlock, percentiles: number[]): bigint[] {
  const tips = blockTips(entry).sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0));
  if (tips.length === 0) return percentiles.map(() => 0n);
  const gasUsed = entry.block.header.gasUsed;
  let index = 0;
  let sum = tips[0].gasUsed;
  return percentiles.map((p) => {
    const threshold = (Number(gasUsed) * p) / 100;
    while (Number(sum) < threshold && index < tips.length - 1) {
      index++;
      sum += tips[index].gasUsed;
    }
    return tips[index].tip;
  });
}

function maxBlobGas(block: Block): bigint {
  return block.header.common.getBlobGasSchedule().maxBlobGasPerBlock;
}

/** Checks `rewardPercentiles`: numbers from 0 to 100, non-decreasing. */
export function checkPercentiles(percentiles: number[]): void {
  percentiles.forEach((p, i) => {
    if (typeof p !== "number" || !Number.isFinite(p) || p < 0 || p > 100) {
      throw new RpcError(
        INVALID_PARAMS,
        `invalid argument 2 (rewardPercentiles): ${p} is not between 0 and 100`,
      );
    }
    if (i > 0 && p < percentiles[i - 1]) {
      throw new RpcError(
        INVALID_PARAMS,
        `invalid argument 2 (rewardPercentiles): must be non-decreasing, ${percentiles[i - 1]} then ${p}`,
      );
    }
  });
}

/**
 * `eth_feeHistory`: base fees (one more than blocks: the next block's), gas used ratios, blob
 * base fees and ratios, and with percentiles the tips at each.
 *
 * @example
 * feeHistory(node, 4n, { tag: "latest" }, [25, 75]).baseFeePerGas.length; // 5 once 4 blocks exist
 */
export function feeHistory(
  node: ChainNode,
  blockCount: bigint,
  newest: BlockSpec,
  percentiles?: number[],
): Json {
  if (percentiles !== undefined) checkPercentiles(percentiles);
  const newestNumber = blockNumberOf(node, newest);
  if (newestNumber === undefined) {
    const head = node.head.header.number;
    throw new RpcError(
      INVALID_INPUT,
      `request beyond head block: requested ${JSON.stringify(newest)}, head ${head}`,
    );
  }
  let count = blockCount > BigInt(MAX_FEE_HISTORY_BLOCKS) ? BigInt(MAX_FEE_HISTORY_BLOCKS) : blockCount;
  if (count > newestNumber + 1n) count = newestNumber + 1n;
  if (count === 0n) return { oldestBlock: "0x0", baseFeePerGas: [], gasUsedRatio: [] };
  const oldest = newestNumber - count + 1n;
  const baseFeePerGas: string[] = [];
  const gasUsedRatio: number[] = [];
  const baseFeePerBlobGas: string[] = [];
  const blobGasUsedRatio: number[] = [];
  const reward: string[][] = [];
  for (let n = oldest; n <= newestNumber; n++) {
    const entry = node.blockByNumber(n)!;
    const h = entry.block.header;
    baseFeePerGas.push(quantity(h.baseFeePerGas ?? 0n));
    gasUsedRatio.push(Number(h.gasUsed) / Number(h.gasLimit));
    baseFeePerBlobGas.push(quantity(h.getBlobGasPrice()));
    blobGasUsedRatio.push(Number(h.blobGasUsed ?? 0n) / Number(maxBlobGas(entry.block)));
    if (percentiles !== undefined) reward.push(rewards(entry, percentiles).map(quantity));
  }
  const after = node.blockByNumber(newestNumber + 1n)?.block.header;
  baseFeePerGas.push(quantity(after?.baseFeePerGas ?? nextBaseFee(node)));
  baseFeePerBlobGas.push(quantity(after?.getBlobGasPrice() ?? nextBlobBaseFee(node)));
  return {
    oldestBlock: quantity(oldest),
    baseFeePerGas,
    gasUsedRatio,
    baseFeePerBlobGas,
    blobGasUsedRatio,
    ...(percentiles !== undefined ? { reward } : {}),
  };
}
