/**
 * Log queries: the filter object of `eth_getLogs`, `eth_newFilter` and the `logs` subscription,
 * and matching logs against it. Addresses match any of a list; each topic position is a
 * wildcard (null), one topic, or any of a list (OR), as in geth.
 */
import type { Hex } from "viem";
import type { ChainBlock, ChainNode } from "../node/node.ts";
import type { StoredLog } from "../node/receipts.ts";
import { blockNumberOf } from "./blocks.ts";
import { INVALID_INPUT, RpcError } from "./errors.ts";
import { blockLogs, type Json } from "./format.ts";
import {
  type BlockSpec,
  LATEST,
  optionalField,
  ParamProblem,
  type Parser,
  parseAddress,
  parseBlockSpec,
  parseHash,
  parseObject,
  show,
} from "./params.ts";

/** geth's limit on topic positions. */
const MAX_TOPICS = 4;
/** The most blocks one `eth_getLogs` call scans; larger ranges must be split. */
export const MAX_LOG_BLOCK_RANGE = 10_000n;
/** EIP-1474 "limit exceeded". */
export const LIMIT_EXCEEDED = -32005;

/** Which logs: addresses (any of, lower-case; absent: all) and topics per position (null: any). */
export type LogCriteria = { addresses?: Set<string>; topics: (Set<string> | null)[] };

/** A log filter: criteria plus a block range or one block by hash. */
export type LogQuery = (LogCriteria & { blockHash: Hex }) | RangeLogQuery;
export type RangeLogQuery = LogCriteria & { fromBlock: BlockSpec; toBlock: BlockSpec };

const parseAddresses: Parser<Set<string>> = (value) => {
  if (typeof value === "string") return new Set([parseAddress(value).toString()]);
  if (!Array.isArray(value))
    throw new ParamProblem(`expected an address or an array of addresses, got ${show(value)}`);
  return new Set(
    value.map((a, i) => {
      try {
        return parseAddress(a).toString();
      } catch (err) {
        if (err instanceof ParamProblem) throw new ParamProblem(`[${i}]: ${err.message}`);
        throw err;
      }
    }),
  );
};

const parseTopics: Parser<(Set<string> | null)[]> = (value) => {
  if (!Array.isArray(value)) throw new ParamProblem(`expected an array, got ${show(value)}`);
  if (value.length > MAX_TOPICS) throw new ParamProblem(`exceed max topics: ${value.length} > ${MAX_TOPICS}`);
  return value.map((position, i) => {
    try {
      if (position === null) return null;
      if (Array.isArray(position)) {
        // An empty OR-list, or one holding null, matches anything at this position (geth).
        if (position.length === 0 || position.includes(null)) return null;
        return new Set(position.map((t) => parseHash(t)));
      }
      return new Set([parseHash(position)]);
    } catch (err) {
      if (err instanceof ParamProblem) throw new ParamProblem(`[${i}]: ${err.message}`);
      throw err;
    }
  });
};

/** Just the criteria (the `logs` subscription takes no block range). */
export const parseLogCriteria: Parser<LogCriteria> = (value) => {
  const object = parseObject(value);
  const addresses = optionalField(object, "address", parseAddresses);
  const topics = optionalField(object, "topics", parseTopics) ?? [];
  return addresses === undefined ? { topics } : { addresses, topics };
};

/** A filter object: criteria and `fromBlock`/`toBlock` (default latest) or `blockHash`. */
export const parseLogQuery: Parser<LogQuery> = (value) => {
  const object = parseObject(value);
  const criteria = parseLogCriteria(object);
  const blockHash = optionalField(object, "blockHash", parseHash);
  const fromBlock = optionalField(object, "fromBlock", parseBlockSpec);
  const toBlock = optionalField(object, "toBlock", parseBlockSpec);
  if (blockHash !== undefined) {
    if (fromBlock !== undefined || toBlock !== undefined) {
      throw new ParamProblem("cannot specify both blockHash and fromBlock/toBlock, choose one or the other");
    }
    return { ...criteria, blockHash };
  }
  return { ...criteria, fromBlock: fromBlock ?? LATEST, toBlock: toBlock ?? LATEST };
};

/** Whether a log passes the criteria. */
export function matchesLog(log: StoredLog, criteria: LogCriteria): boolean {
  if (criteria.addresses !== undefined && !criteria.addresses.has(log.address.toLowerCase())) return false;
  for (let i = 0; i < criteria.topics.length; i++) {
    const wanted = criteria.topics[i];
    if (wanted === null) continue;
    const topic = log.topics[i];
    if (topic === undefined || !wanted.has(topic.toLowerCase())) return false;
  }
  return true;
}

/** The matching logs of one block, with their positions. */
export function matchingLogs(entry: ChainBlock, criteria: LogCriteria): Json[] {
  return blockLogs(entry, (log) => matchesLog(log, criteria));
}

/** The matching logs of blocks `from` to `to` (inclusive, clipped to the chain). */
export function logsInRange(node: ChainNode, from: bigint, to: bigint, criteria: LogCriteria): Json[] {
  const logs: Json[] = [];
  const head = node.head.header.number;
  for (let n = from; n <= to && n <= head; n++) {
    const entry = node.blockByNumber(n);
    if (entry !== undefined && entry.receipts.length > 0) logs.push(...matchingLogs(entry, criteria));
  }
  return logs;
}

/**
 * The block range of a query: numbers past the head are clipped to it, and a range of more
 * than 10,000 blocks is refused.
 *
 * @throws {RpcError} -32000 "invalid block range params" when from > to; -32005 for too many blocks.
 */
export function queryRange(node: ChainNode, query: { fromBlock: BlockSpec; toBlock: BlockSpec }) {
  const head = node.head.header.number;
  const from =
    blockNumberOf(node, query.fromBlock) ?? ("number" in query.fromBlock ? query.fromBlock.number : head);
  const to = blockNumberOf(node, query.toBlock) ?? head;
  if (from > to && from <= head) throw new RpcError(INVALID_INPUT, "invalid block range params");
  if (to - from + 1n > MAX_LOG_BLOCK_RANGE) {
    throw new RpcError(
      LIMIT_EXCEEDED,
      `query covers ${to - from + 1n} blocks, more than the limit of ${MAX_LOG_BLOCK_RANGE}; split it into smaller ranges`,
    );
  }
  return { from, to };
}

/**
 * `eth_getLogs`.
 *
 * @example
 * getLogs(node, { topics: [[transferTopic]], fromBlock: { number: 0n }, toBlock: { tag: "latest" } });
 */
export function getLogs(node: ChainNode, query: LogQuery): Json[] {
  if ("blockHash" in query) {
    const entry = node.blockByHash(query.blockHash);
    if (entry === undefined) throw new RpcError(INVALID_INPUT, "unknown block");
    return matchingLogs(entry, query);
  }
  const { from, to } = queryRange(node, query);
  return logsInRange(node, from, to, query);
}
