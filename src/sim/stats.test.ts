import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cdfPoints, EmptySampleError, percentile, shareAtMost, summarize } from "./stats.ts";

describe("simulation statistics", () => {
  it("takes percentiles by nearest rank", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(sorted, 50), 50);
    assert.equal(percentile(sorted, 90), 90);
    assert.equal(percentile(sorted, 99), 99);
    assert.equal(percentile(sorted, 100), 100);
    assert.equal(percentile([7], 1), 7);
    assert.throws(() => percentile(sorted, 0), RangeError);
  });

  it("summarizes without reordering the samples", () => {
    const samples = [5, 1, 4, 2, 3];
    assert.deepEqual(summarize(samples), { count: 5, mean: 3, p50: 3, p90: 5, p99: 5, max: 5 });
    assert.deepEqual(samples, [5, 1, 4, 2, 3]);
  });

  it("counts the share at or below a limit and draws a monotone CDF ending at 1", () => {
    const samples = [12, 3, 11.9, 12.1, 30];
    assert.equal(shareAtMost(samples, 12), 0.6);
    const cdf = cdfPoints(
      Array.from({ length: 1000 }, (_, i) => (i * 37) % 101),
      50,
    );
    assert.equal(cdf.length, 50);
    for (let i = 1; i < cdf.length; i++) {
      assert.ok(cdf[i][0] >= cdf[i - 1][0] && cdf[i][1] > cdf[i - 1][1]);
    }
    assert.equal(cdf[cdf.length - 1][1], 1);
  });

  it("refuses an empty sample", () => {
    assert.throws(() => summarize([]), EmptySampleError);
    assert.throws(() => shareAtMost([], 1), EmptySampleError);
    assert.throws(() => cdfPoints([]), EmptySampleError);
  });
});
