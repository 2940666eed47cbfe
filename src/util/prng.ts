/**
 * A small deterministic PRNG (mulberry32) for fuzzing and randomized tests: the same seed gives
 * the same run, so any failure it finds can be replayed.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A number in `[0, 1)`. */
  float(): number {
    return this.uint32() / 2 ** 32;
  }

  /** An integer in `[0, n)`; `n` must be positive. */
  int(n: number): number {
    return Math.floor((this.uint32() / 2 ** 32) * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.uint32() / 2 ** 32 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.uint32() & 0xff;
    return out;
  }
}
