/**
 * The market's clock: a binary min-heap of the times at which a rule applies by itself (bidding
 * ends, a winner's deadline, a slot boundary, a request's expiry). The market owns no wall clock;
 * `ProofMarket.advanceTo(now)` pops every timer due by `now`, in a fixed order, so the same calls
 * give the same run.
 */
import { Heap } from "../util/heap.ts";

/**
 * What a timer does when it fires. The numeric value orders timers due at the same instant: an
 * auction closes before its winner's deadline is checked, a deadline slashes before the slot's
 * penalty is charged, and expiry comes last.
 */
export const TimerKind = { BiddingEnds: 0, Deadline: 1, SlotBoundary: 2, Expiry: 3 } as const;
export type TimerKind = (typeof TimerKind)[keyof typeof TimerKind];

/** A pending timer; `target` is the request or block it concerns (checked for staleness on firing). */
export type Timer<T> = { at: number; kind: TimerKind; seq: number; target: T };

function before<T>(a: Timer<T>, b: Timer<T>): boolean {
  if (a.at !== b.at) return a.at < b.at;
  if (a.kind !== b.kind) return a.kind < b.kind;
  return a.seq < b.seq;
}

/**
 * Timers ordered by (time, kind, insertion): O(log n) to add or pop.
 *
 * @example
 * const q = new TimerQueue<string>();
 * q.add(12, TimerKind.Expiry, "r1");
 * q.add(12, TimerKind.Deadline, "r2");
 * q.popDue(12)?.target; // "r2": at equal times a deadline fires before an expiry
 */
export class TimerQueue<T> {
  private readonly heap = new Heap<Timer<T>>(before);
  private seq = 0;

  get size(): number {
    return this.heap.size;
  }

  add(at: number, kind: TimerKind, target: T): void {
    this.heap.push({ at, kind, seq: this.seq++, target });
  }

  /** The earliest timer due at or before `now`, removed from the queue; undefined if none is due. */
  popDue(now: number): Timer<T> | undefined {
    const top = this.heap.peek();
    return top === undefined || top.at > now ? undefined : this.heap.pop();
  }
}
