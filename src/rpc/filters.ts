/**
 * Polling filters (`eth_newFilter`, `eth_newBlockFilter`, `eth_newPendingTransactionFilter`,
 * `eth_getFilterChanges`, `eth_getFilterLogs`, `eth_uninstallFilter`), which viem's `watch*`
 * actions use over HTTP, and WebSocket subscriptions (`eth_subscribe` `newHeads` and `logs`).
 * Like geth, a filter not polled for five minutes is dropped.
 */
import { randomBytes } from "node:crypto";
import { bytesToHex } from "@ethereumjs/util";
import type { Hex } from "viem";
import type { ChainBlock, ChainNode } from "../node/node.ts";
import { INVALID_INPUT, INVALID_PARAMS, METHOD_NOT_FOUND, RpcError } from "./errors.ts";
import { formatHeader, type Json } from "./format.ts";
import { getLogs, type LogCriteria, type LogQuery, matchingLogs, type RangeLogQuery } from "./logs.ts";
import type { RpcContext } from "./payload.ts";

/** geth's filter timeout. */
export const FILTER_TIMEOUT_MS = 5 * 60 * 1000;

type Filter =
  | { kind: "logs"; query: RangeLogQuery; found: Json[]; polled: number }
  | { kind: "blocks"; found: Hex[]; polled: number }
  | { kind: "pending"; seen: Set<string>; polled: number };

/** A random 16-byte id, as geth's. */
function newId(): Hex {
  return `0x${randomBytes(16).toString("hex")}`;
}

function filterNotFound(): RpcError {
  return new RpcError(INVALID_INPUT, "filter not found");
}

/** Whether a new block falls in a log filter's range: only block numbers bound it, tags follow the head. */
function inRange(number: bigint, query: RangeLogQuery): boolean {
  if ("number" in query.fromBlock && number < query.fromBlock.number) return false;
  if ("number" in query.toBlock && number > query.toBlock.number) return false;
  return !("tag" in query.toBlock && query.toBlock.tag === "earliest");
}

/**
 * The polling filters of one server. Block and log filters collect from each new block (so
 * after `evm_revert` rewinds the chain, the blocks mined again are reported as new); they
 * listen to the node only while at least one filter is installed.
 *
 * @example
 * const filters = new FilterRegistry(node);
 * const id = filters.newBlockFilter();
 * await node.mine();
 * filters.changes(id); // [hash of the new block]
 */
export class FilterRegistry {
  private readonly filters = new Map<string, Filter>();
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly node: ChainNode,
    private readonly now: () => number = Date.now,
  ) {}

  private readonly onBlock = (entry: ChainBlock): void => {
    this.expire();
    const number = entry.block.header.number;
    for (const filter of this.filters.values()) {
      if (filter.kind === "blocks") filter.found.push(bytesToHex(entry.block.hash()));
      else if (filter.kind === "logs" && inRange(number, filter.query)) {
        filter.found.push(...matchingLogs(entry, filter.query));
      }
    }
  };

  private expire(): void {
    const deadline = this.now() - FILTER_TIMEOUT_MS;
    for (const [id, filter] of this.filters) if (filter.polled < deadline) this.remove(id);
  }

  private add(filter: Filter): Hex {
    this.expire();
    const id = newId();
    this.filters.set(id, filter);
    this.unlisten ??= this.node.onBlock(this.onBlock);
    return id;
  }

  private remove(id: string): boolean {
    const removed = this.filters.delete(id);
    if (this.filters.size === 0 && this.unlisten !== undefined) {
      this.unlisten();
      this.unlisten = undefined;
    }
    return removed;
  }

  newLogFilter(query: LogQuery): Hex {
    if ("blockHash" in query) {
      throw new RpcError(
        INVALID_PARAMS,
        "invalid argument 0 (filter): blockHash is not supported by eth_newFilter; use eth_getLogs",
      );
    }
    return this.add({ kind: "logs", query, found: [], polled: this.now() });
  }

  newBlockFilter(): Hex {
    return this.add({ kind: "blocks", found: [], polled: this.now() });
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
    if (filter.kind !== "pending") return filter.found.splice(0);
    const held = this.node.mempool.all().map((entry) => entry.hash);
    const fresh = held.filter((hash) => !filter.seen.has(hash));
    // Keep only what the pool still holds, so `seen` does not grow without bound.
    filter.seen = new Set(held);
    return fresh;
  }

  /** `eth_getFilterLogs`: every log the filter's range holds. */
  logs(id: string): Json[] {
    const filter = this.get(id);
    if (filter.kind !== "logs") throw filterNotFound();
    return getLogs(this.node, filter.query);
  }

  uninstall(id: string): boolean {
    return this.remove(id.toLowerCase());
  }

  /** Number of installed filters. */
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

  constructor(private readonly node: ChainNode) {}

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
      if (!this.active.has(id)) return; // unsubscribed meanwhile
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
