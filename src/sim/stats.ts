/**
 * Summary statistics of simulated samples: mean and percentiles (nearest rank), and the points of
 * an empirical CDF for charts.
 */
import { NrxError } from "../util/errors.ts";

export type Summary = { count: number; mean: number; p50: number; p90: number; p99: number; max: number };

export class EmptySampleError extends NrxError {
  override name = "EmptySampleError";
}

/**
 * The `p`-th percentile (0 < p ≤ 100) of `sorted` (ascending) by nearest rank: the smallest value
 * with at least p% of the samples at or below it.
 *
 * @example
 * percentile([1, 2, 3, 4], 50) // 2
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new EmptySampleError("no samples");
  if (!(p > 0 && p <= 100)) throw new RangeError(`a percentile is in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1];
}

/**
 * Mean, median, p90, p99 and maximum of `samples` (not modified).
 *
 * @example
 * summarize([3, 1, 2]) // { count: 3, mean: 2, p50: 2, p90: 3, p99: 3, max: 3 }
 */
export function summarize(samples: ArrayLike<number>): Summary {
  if (samples.length === 0) throw new EmptySampleError("no samples");
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const x of sorted) sum += x;
  return {
    count: sorted.length,
    mean: sum / sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
  };
}

/** The share of `samples` at or below `limit`, in [0, 1]. */
export function shareAtMost(samples: ArrayLike<number>, limit: number): number {
  if (samples.length === 0) throw new EmptySampleError("no samples");
  let n = 0;
  for (let i = 0; i < samples.length; i++) if (samples[i] <= limit) n++;
  return n / samples.length;
}

/**
 * At most `points` points (x, share of samples ≤ x) of the empirical CDF of `samples`, evenly
 * spaced in rank, for a chart.
 *
 * @example
 * cdfPoints([1, 2, 3, 4], 2) // [[2, 0.5], [4, 1]]
 */
export function cdfPoints(samples: ArrayLike<number>, points = 200): [number, number][] {
  if (samples.length === 0) throw new EmptySampleError("no samples");
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  const out: [number, number][] = [];
  const count = Math.min(points, n);
  for (let i = 1; i <= count; i++) {
    const rank = Math.ceil((i / count) * n);
    out.push([sorted[rank - 1], rank / n]);
  }
  return out;
}
