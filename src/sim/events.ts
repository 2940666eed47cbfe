/**
 * The simulator's agenda: a binary min-heap of timed events. Events at one instant come out in
 * the order they were scheduled, so a run depends only on its seed and configuration.
 */

/** An agenda entry: `at` seconds, `seq` the scheduling order (the tie-break at equal times). */
type Entry<T> = { at: number; seq: number; event: T };

/** An event scheduled before the agenda's current time: a bug in the caller, never a simulation outcome. */
export class PastEventError extends Error {
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
  private readonly heap: Entry<T>[] = [];
  private seq = 0;
  private time = Number.NEGATIVE_INFINITY;

  /** Pending events. */
  get size(): number {
    return this.heap.length;
  }

  /** Adds `event` at time `at` (not before the last event taken). */
  schedule(at: number, event: T): void {
    if (!(at >= this.time)) throw new PastEventError(at, this.time);
    const heap = this.heap;
    const entry: Entry<T> = { at, seq: this.seq++, event };
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(entry, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = entry;
  }

  /** Removes and returns the earliest event, or undefined when none is left. */
  next(): { at: number; event: T } | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && earlier(heap[right], heap[left]) ? right : left;
        if (!earlier(heap[child], last)) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    this.time = top.at;
    return { at: top.at, event: top.event };
  }
}

function earlier<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.at !== b.at ? a.at < b.at : a.seq < b.seq;
}
