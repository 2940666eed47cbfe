/**
 * The simulator's agenda: a binary min-heap of timed events. Events at one instant come out in
 * the order they were scheduled, so a run depends only on its seed and configuration.
 */

import { NrxError } from "../util/errors.ts";
import { Heap } from "../util/heap.ts";

/** An agenda entry: `at` seconds, `seq` the scheduling order (the tie-break at equal times). */
type Entry<T> = { at: number; seq: number; event: T };

/** An event scheduled before the agenda's current time: a bug in the caller, never a simulation outcome. */
export class PastEventError extends NrxError {
  override name = "PastEventError";
  constructor(
    readonly at: number,
    readonly now: number,
  ) {
    super(`event at ${at} scheduled after time reached ${now}`);
  }
}

/**
 * Timed events ordered by (time, scheduling order): O(log n) to schedule or take.
 *
 * @example
 * const q = new EventQueue<string>();
 * q.schedule(2, "b");
 * q.schedule(1, "a");
 * q.next(); // { at: 1, event: "a" }
 */
export class EventQueue<T> {
  private readonly heap = new Heap<Entry<T>>(earlier);
  private seq = 0;
  private time = Number.NEGATIVE_INFINITY;

  /** Pending events. */
  get size(): number {
    return this.heap.size;
  }

  /** Adds `event` at time `at` (not before the last event taken). */
  schedule(at: number, event: T): void {
    if (!(at >= this.time)) throw new PastEventError(at, this.time);
    this.heap.push({ at, seq: this.seq++, event });
  }

  /** Removes and returns the earliest event, or undefined when none is left. */
  next(): { at: number; event: T } | undefined {
    const top = this.heap.pop();
    if (top === undefined) return undefined;
    this.time = top.at;
    return { at: top.at, event: top.event };
  }
}

function earlier<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.at !== b.at ? a.at < b.at : a.seq < b.seq;
}
