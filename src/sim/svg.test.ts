import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ChartError, lineChart } from "./svg.ts";

describe("lineChart", () => {
  it("draws one polyline per series with every point inside the plot, a legend and escaped text", () => {
    const svg = lineChart({
      title: "Latency <CDF> & more",
      xLabel: "seconds",
      yLabel: "share",
      series: [
        {
          name: "a",
          points: [
            [0, 0],
            [6, 0.5],
            [12, 1],
          ],
        },
        {
          name: "b",
          points: [
            [1, 0.1],
            [20, 1],
          ],
        },
      ],
      markers: [{ x: 12, label: "slot" }],
    });
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.trimEnd().endsWith("</svg>"));
    assert.ok(svg.includes("Latency &lt;CDF&gt; &amp; more"));
    const polylines = [...svg.matchAll(/<polyline[^>]*points="([^"]*)"/g)].map((m) => m[1].split(" "));
    assert.deepEqual(
      polylines.map((p) => p.length),
      [3, 2],
    );
    for (const point of polylines.flat()) {
      const [x, y] = point.split(",").map(Number);
      assert.ok(x >= 70 && x <= 700 && y >= 40 && y <= 365, `point ${point} inside the plot`);
    }
    assert.ok(svg.includes(">slot</text>"));
  });

  it("refuses a chart without points or with a non-finite one", () => {
    assert.throws(() => lineChart({ title: "t", xLabel: "x", yLabel: "y", series: [] }), ChartError);
    assert.throws(
      () =>
        lineChart({
          title: "t",
          xLabel: "x",
          yLabel: "y",
          series: [{ name: "n", points: [[0, Number.NaN]] }],
        }),
      /not a finite number/,
    );
  });
});
