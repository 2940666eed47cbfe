/**
 * Polling filters (`eth_newFilter`, `eth_newBlockFilter`, `eth_newPendingTransactionFilter`,
 * `eth_getFilterChanges`, `eth_getFilterLogs`, `eth_uninstallFilter`), which viem's `watch*`
 * actions use over HTTP, and WebSocket subscriptions (`eth_subscribe` `newHeads` and `logs`).
 * A filter remembers the last block it reported by number and hash, so after `evm_revert`
 * rewinds the chain it reports the replacement blocks. Like geth, a filter not polled for five
 * minutes is dropped.
 */
import { randomBytes } from "node:crypto";
import { bytesToHex } from "@ethereumjs/util";
import type { Hex } from "viem";
import type { ChainBlock, L1Node } from "../l1/node.ts";
import { INVALID_INPUT, INVALID_PARAMS, METHOD_NOT_FOUND, RpcError } from "./errors.ts";
import { formatHeader, type Json } from "./format.ts";
import {
  getLogs,
  type LogCriteria,
  type LogQuery,
  logsInRange,
  matchingLogs,
  queryRange,
  type RangeLogQuery,
} from "./logs.ts";
import type { RpcContext } from "./payload.ts";

/** geth's filter timeout. */
export const FILTER_TIMEOUT_MS = 5 * 60 * 1000;

/** The last block a filter reported. */
type Cursor = { number: bigint; hash: string };

type Filter =
  | { kind: "logs"; query: RangeLogQuery; cursor: Cursor; polled: number }
  | { kind: "blocks"; cursor: Cursor; polled: number }
  | { kind: "pending"; seen: Set<string>; polled: number };

/** A random 16-byte id, as geth's. */
function newId(): Hex {
  return `0x${randomBytes(16).toString("hex")}`;
}

function filterNotFound(): RpcError {
  return new RpcError(INVALID_INPUT, "filter not found");
}

function headCursor(node: L1Node): Cursor {
  return { number: node.head.header.number, hash: bytesToHex(node.head.hash()) };
}

/**
 * The first block a filter has not reported: after its cursor, or after the last block of its
 * cursor's chain that is still canonical when the chain was rewound.
 */
function nextUnreported(node: L1Node, cursor: Cursor): bigint {
  let { number } = cursor;
  if (bytesToHex(node.blockByNumber(number)?.block.hash() ?? new Uint8Array()) === cursor.hash)
    return number + 1n;
  // Rewound: blocks from the first changed number on are new to this filter.
  if (number > node.head.header.number) number = node.head.header.number + 1n;
  return number;
}

/**
 * The polling filters of one server.
 *
 * @example
 * const filters = new FilterRegistry(node);
 * const id = filters.newBlockFilter();
 * await node.mine();
 * filters.changes(id); // [hash of the new block]
 */
export class FilterRegistry {
  private readonly filters = new Map<string, Filter>();

  constructor(
    private readonly node: L1Node,
    private readonly now: () => number = Date.now,
  ) {}

  private expire(): void {
    const deadline = this.now() - FILTER_TIMEOUT_MS;
    for (const [id, filter] of this.filters) if (filter.polled < deadline) this.filters.delete(id);
  }

  private add(filter: Filter): Hex {
    this.expire();
    const id = newId();
    this.filters.set(id, filter);
    return id;
  }

  newLogFilter(query: LogQuery): Hex {
    if ("blockHash" in query) {
      throw new RpcError(
        INVALID_PARAMS,
        "invalid argument 0 (filter): blockHash is not supported by eth_newFilter; use eth_getLogs",
      );
    }
    return this.add({ kind: "logs", query, cursor: headCursor(this.node), polled: this.now() });
  }

  newBlockFilter(): Hex {
    return this.add({ kind: "blocks", cursor: headCursor(this.node), polled: this.now() });
  }

  newPendingTransactionFilter(): Hex {
    const seen = new Set(this.node.mempool.all().map((entry) => entry.hash));
    return this.add({ kind: "pending", seen, polled: this.now() });
  }

  private get(id: string): Filter {
    this.expire();
    const filter = this.filters.get(id.toLowerCase());
    if (filter === undefined) throw filterNotFound();
    filter.polled = this.now();
    return filter;
  }

  /** `eth_getFilterChanges`: what happened since the last poll. */
  changes(id: string): unknown[] {
    const filter = this.get(id);
    const node = this.node;
    if (filter.kind === "pending") {
      const fresh = node.mempool.all().filter((entry) => !filter.seen.has(entry.hash));
      // Keep only what the pool still holds, so `seen` does not grow without bound.
      filter.seen = new Set(node.mempool.all().map((entry) => entry.hash));
      return fresh.map((entry) => entry.hash);
    }
    const from = nextUnreported(node, filter.cursor);
    const head = node.head.header.number;
    filter.cursor = headCursor(node);
    if (filter.kind === "blocks") {
      const hashes: Hex[] = [];
      for (let n = from; n <= head; n++) hashes.push(bytesToHex(node.blockByNumber(n)!.block.hash()));
      return hashes;
    }
    const { query } = filter;
    const lower = "number" in query.fromBlock ? query.fromBlock.number : 0n;
    const upper = "number" in query.toBlock ? query.toBlock.number : head;
    return logsInRange(node, from > lower ? from : lower, upper < head ? upper : head, query);
  }

  /** `eth_getFilterLogs`: every log the filter's range holds. */
  logs(id: string): Json[] {
    const filter = this.get(id);
    if (filter.kind !== "logs") throw filterNotFound();
    queryRange(this.node, filter.query);
    return getLogs(this.node, filter.query);
  }

  uninstall(id: string): boolean {
    return this.filters.delete(id.toLowerCase());
  }

  /** Number of installed filters (for tests). */
  get size(): number {
    return this.filters.size;
  }
}

/** geth's answer to `eth_subscribe` over HTTP. */
export function notificationsUnsupported(): RpcError {
  return new RpcError(METHOD_NOT_FOUND, "notifications not supported");
}

type Subscription = { context: RpcContext; dispose: () => void };

export type SubscriptionKind = { kind: "newHeads" } | { kind: "logs"; criteria: LogCriteria };

/**
 * WebSocket subscriptions. Notifications are held back until the subscription id has been
 * sent: a block mined while the `eth_subscribe` answer is still on its way is delivered after it.
 *
 * @example
 * const id = subscriptions.subscribe({ kind: "newHeads" }, context);
 * subscriptions.unsubscribe(id, context); // true
 */
export class Subscriptions {
  private readonly active = new Map<string, Subscription>();

  constructor(private readonly node: L1Node) {}

  subscribe(kind: SubscriptionKind, context: RpcContext): Hex {
    const notify = context.notify;
    if (context.transport !== "ws" || notify === undefined || context.onClose === undefined) {
      throw notificationsUnsupported();
    }
    const id = newId();
    // The answer goes out in the microtasks after the handler returns; setImmediate runs later.
    let held: unknown[] | undefined = [];
    const send = (result: unknown) => {
      if (held !== undefined) held.push(result);
      else notify(id, result);
    };
    setImmediate(() => {
      const queued = held ?? [];
      held = undefined;
      for (const result of queued) notify(id, result);
    });
    const onBlock = (entry: ChainBlock) => {
      if (kind.kind === "newHeads") send(formatHeader(entry.block));
      else for (const log of matchingLogs(entry, kind.criteria)) send(log);
    };
    const off = this.node.onBlock(onBlock);
    this.active.set(id, { context, dispose: off });
    context.onClose(() => this.drop(id));
    return id;
  }

  /** `eth_unsubscribe`: false for an unknown id or one of another connection. */
  unsubscribe(id: string, context: RpcContext): boolean {
    const subscription = this.active.get(id.toLowerCase());
    if (subscription === undefined || subscription.context !== context) return false;
    this.drop(id.toLowerCase());
    return true;
  }

  private drop(id: string): void {
    this.active.get(id)?.dispose();
    this.active.delete(id);
  }

  /** Number of live subscriptions (for tests). */
  get size(): number {
    return this.active.size;
  }
}
