/**
 * The `eth_*`, `net_*` and `web3_*` methods on the chain itself: node info, blocks,
 * transactions, receipts, logs and filters, subscriptions and fees. Block getters answer null
 * for a block the node does not have; transactions are found mined or in the mempool.
 */
import { readFileSync } from "node:fs";
import { bytesToHex } from "@ethereumjs/util";
import type { ChainBlock, ChainNode } from "../node/node.ts";
import { chainBlockOf, currentHead, pendingBlockOf } from "./blocks.ts";
import { INVALID_PARAMS, RpcError } from "./errors.ts";
import { feeHistory, gasPrice, nextBlobBaseFee, suggestedTip } from "./fees.ts";
import type { FilterRegistry, Subscriptions } from "./filters.ts";
import {
  formatBlock,
  formatPendingBlock,
  formatReceipt,
  formatTransaction,
  type Json,
  quantity,
} from "./format.ts";
import { getLogs, parseLogCriteria, parseLogQuery } from "./logs.ts";
import {
  arrayOf,
  expectParams,
  optionalParam,
  ParamProblem,
  type Parser,
  param,
  parseBlockSpec,
  parseBool,
  parseHash,
  parseLooseInteger,
  parseUint64,
  show,
} from "./params.ts";
import type { RpcMethods } from "./payload.ts";

const PACKAGE_VERSION: string = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
).version;

/** `web3_clientVersion`: `nrx/<package version>/node-<Node.js version>`. */
export const CLIENT_VERSION = `nrx/${PACKAGE_VERSION}/node-${process.versions.node}`;

const parsePercentiles: Parser<number[]> = arrayOf((value) => {
  if (typeof value !== "number") throw new ParamProblem(`expected a number, got ${show(value)}`);
  return value;
}, 100);

function transactionAt(entry: ChainBlock | undefined, index: bigint): Json | null {
  if (entry === undefined || index >= BigInt(entry.block.transactions.length)) return null;
  const i = Number(index);
  return formatTransaction(entry.block.transactions[i], { block: entry.block, index: i });
}

/**
 * Chain data methods; `filters` and `subscriptions` hold the per-server state.
 *
 * @example
 * const methods = ethMethods(node, new FilterRegistry(node), new Subscriptions(node));
 */
export function ethMethods(
  node: ChainNode,
  filters: FilterRegistry,
  subscriptions: Subscriptions,
): RpcMethods {
  const noParams = (params: unknown[]) => expectParams(params, 0);
  return {
    // ------------------------------------------------------------ node
    eth_chainId: (params) => {
      noParams(params);
      return quantity(node.config.chainId);
    },
    net_version: (params) => {
      noParams(params);
      return node.config.chainId.toString();
    },
    net_listening: () => true,
    net_peerCount: () => "0x0",
    web3_clientVersion: () => CLIENT_VERSION,
    eth_syncing: () => false,
    eth_mining: () => !node.stopped,
    eth_hashrate: () => "0x0",
    eth_protocolVersion: () => "0x44",
    eth_coinbase: () => node.config.coinbase,
    eth_accounts: () => node.devAccounts.map((a) => a.address.toLowerCase()),
    eth_requestAccounts: () => node.devAccounts.map((a) => a.address.toLowerCase()),
    eth_blockNumber: (params) => {
      noParams(params);
      return quantity(currentHead(node));
    },

    // ------------------------------------------------------------ blocks
    eth_getBlockByNumber: async (params) => {
      expectParams(params, 2, 1);
      const spec = param(params, 0, "block", parseBlockSpec);
      const full = optionalParam(params, 1, "fullTransactions", parseBool, false);
      if ("tag" in spec && spec.tag === "pending")
        return formatPendingBlock(await pendingBlockOf(node), full);
      const entry = chainBlockOf(node, spec);
      return entry === undefined ? null : formatBlock(entry, full);
    },
    eth_getBlockByHash: (params) => {
      expectParams(params, 2, 1);
      const entry = node.blockByHash(param(params, 0, "blockHash", parseHash));
      const full = optionalParam(params, 1, "fullTransactions", parseBool, false);
      return entry === undefined ? null : formatBlock(entry, full);
    },
    eth_getBlockTransactionCountByNumber: async (params) => {
      expectParams(params, 1);
      const spec = param(params, 0, "block", parseBlockSpec);
      if ("tag" in spec && spec.tag === "pending") {
        return quantity((await pendingBlockOf(node)).transactions.length);
      }
      const entry = chainBlockOf(node, spec);
      return entry === undefined ? null : quantity(entry.block.transactions.length);
    },
    eth_getBlockTransactionCountByHash: (params) => {
      expectParams(params, 1);
      const entry = node.blockByHash(param(params, 0, "blockHash", parseHash));
      return entry === undefined ? null : quantity(entry.block.transactions.length);
    },
    eth_getUncleCountByBlockNumber: (params) => {
      expectParams(params, 1);
      return chainBlockOf(node, param(params, 0, "block", parseBlockSpec)) === undefined ? null : "0x0";
    },
    eth_getUncleCountByBlockHash: (params) => {
      expectParams(params, 1);
      return node.blockByHash(param(params, 0, "blockHash", parseHash)) === undefined ? null : "0x0";
    },
    eth_getUncleByBlockNumberAndIndex: () => null,
    eth_getUncleByBlockHashAndIndex: () => null,

    // ------------------------------------------------------------ transactions
    eth_getTransactionByHash: (params) => {
      expectParams(params, 1);
      const hash = param(params, 0, "transactionHash", parseHash);
      const mined = node.minedTransaction(hash);
      if (mined !== undefined) return transactionAt(mined.entry, BigInt(mined.index));
      const pending = node.mempool.get(hash);
      return pending === undefined ? null : formatTransaction(pending.tx);
    },
    eth_getRawTransactionByHash: (params) => {
      expectParams(params, 1);
      const hash = param(params, 0, "transactionHash", parseHash);
      const mined = node.minedTransaction(hash);
      if (mined !== undefined) return bytesToHex(mined.entry.block.transactions[mined.index].serialize());
      const pending = node.mempool.get(hash);
      return pending === undefined ? null : bytesToHex(pending.raw);
    },
    eth_getTransactionByBlockHashAndIndex: (params) => {
      expectParams(params, 2);
      const entry = node.blockByHash(param(params, 0, "blockHash", parseHash));
      return transactionAt(entry, param(params, 1, "index", parseUint64));
    },
    eth_getTransactionByBlockNumberAndIndex: (params) => {
      expectParams(params, 2);
      const entry = chainBlockOf(node, param(params, 0, "block", parseBlockSpec));
      return transactionAt(entry, param(params, 1, "index", parseUint64));
    },
    eth_getTransactionReceipt: (params) => {
      expectParams(params, 1);
      const mined = node.minedTransaction(param(params, 0, "transactionHash", parseHash));
      return mined === undefined ? null : formatReceipt(mined.entry, mined.index);
    },
    eth_getBlockReceipts: (params) => {
      expectParams(params, 1);
      const entry = chainBlockOf(node, param(params, 0, "block", parseBlockSpec));
      return entry === undefined ? null : entry.receipts.map((_, i) => formatReceipt(entry, i));
    },

    // ------------------------------------------------------------ logs, filters, subscriptions
    eth_getLogs: (params) => {
      expectParams(params, 1);
      return getLogs(node, param(params, 0, "filter", parseLogQuery));
    },
    eth_newFilter: (params) => {
      expectParams(params, 1);
      return filters.newLogFilter(param(params, 0, "filter", parseLogQuery));
    },
    eth_newBlockFilter: (params) => {
      noParams(params);
      return filters.newBlockFilter();
    },
    eth_newPendingTransactionFilter: (params) => {
      expectParams(params, 1, 0);
      return filters.newPendingTransactionFilter();
    },
    eth_getFilterChanges: (params) => {
      expectParams(params, 1);
      return filters.changes(param(params, 0, "filterId", parseFilterId));
    },
    eth_getFilterLogs: (params) => {
      expectParams(params, 1);
      return filters.logs(param(params, 0, "filterId", parseFilterId));
    },
    eth_uninstallFilter: (params) => {
      expectParams(params, 1);
      return filters.uninstall(param(params, 0, "filterId", parseFilterId));
    },
    eth_subscribe: (params, context) => {
      expectParams(params, 2, 1);
      const kind = param(params, 0, "subscriptionType", (v) => {
        if (typeof v !== "string") throw new ParamProblem(`expected a subscription name, got ${show(v)}`);
        return v;
      });
      if (kind === "newHeads") {
        expectParams(params, 1);
        return subscriptions.subscribe({ kind: "newHeads" }, context);
      }
      if (kind === "logs") {
        const criteria = optionalParam(params, 1, "filter", parseLogCriteria, { topics: [] });
        return subscriptions.subscribe({ kind: "logs", criteria }, context);
      }
      throw new RpcError(
        INVALID_PARAMS,
        `invalid argument 0 (subscriptionType): unsupported subscription ${show(kind)} (supported: newHeads, logs)`,
      );
    },
    eth_unsubscribe: (params, context) => {
      expectParams(params, 1);
      return subscriptions.unsubscribe(param(params, 0, "subscriptionId", parseFilterId), context);
    },

    // ------------------------------------------------------------ fees
    eth_gasPrice: (params) => {
      noParams(params);
      return quantity(gasPrice(node));
    },
    eth_maxPriorityFeePerGas: (params) => {
      noParams(params);
      return quantity(suggestedTip(node));
    },
    eth_blobBaseFee: (params) => {
      noParams(params);
      return quantity(nextBlobBaseFee(node));
    },
    eth_feeHistory: (params) => {
      expectParams(params, 3, 2);
      const count = param(params, 0, "blockCount", parseLooseInteger);
      const newest = param(params, 1, "newestBlock", parseBlockSpec);
      const percentiles = optionalParam<number[] | undefined>(
        params,
        2,
        "rewardPercentiles",
        parsePercentiles,
        undefined,
      );
      return feeHistory(node, count, newest, percentiles);
    },
  };
}

/** A filter or subscription id: 0x-hex. */
const parseFilterId: Parser<string> = (value) => {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{1,64}$/.test(value)) {
    throw new ParamProblem(`expected a 0x-hex id, got ${show(value)}`);
  }
  return value.toLowerCase();
};
