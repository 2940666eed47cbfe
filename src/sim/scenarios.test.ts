import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runScenarios } from "./scenarios.ts";

describe("the scenarios of docs/scenarios.md", () => {
  it("draw one chart per scenario and record their figures; the penalty lowers missed slots, fee collapse raises them", () => {
    const dir = mkdtempSync(join(tmpdir(), "nrx-scenarios-"));
    try {
      // Past slot 10,000, where fee-collapse.json collapses the fees.
      const files = runScenarios("examples", dir, 12_000);
      const names = files.map((f) => f.slice(dir.length + 1)).sort();
      assert.deepEqual(names, [
        "fee-collapse.svg",
        "penalty.svg",
        "prover-killers.svg",
        "provers.svg",
        "scenarios.json",
        "two-of-three.svg",
      ]);
      for (const f of files.filter((f) => f.endsWith(".svg")))
        assert.match(readFileSync(f, "utf8"), /<polyline/);
      const figures = JSON.parse(readFileSync(join(dir, "scenarios.json"), "utf8"));
      const penalty = figures.penalty.sweep as { value: number; missRate: number }[];
      assert.ok(
        penalty[penalty.length - 1].missRate < penalty[0].missRate / 2,
        "a penalty the proposers hedge cuts misses",
      );
      const k = figures["two-of-three"];
      assert.ok(k["1-of-3"].shareWithin12s > k["2-of-3"].shareWithin12s);
      assert.ok(k["2-of-3"].shareWithin12s > k["3-of-3"].shareWithin12s);
      const killers = figures["prover-killers"];
      assert.ok(killers["1% prover killers"].missedSlots > killers["no prover killers"].missedSlots);
      assert.ok(
        figures["fee-collapse"].all.missedSlots > 0.3 * 3000,
        "after the collapse no one is paid to prove in time",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
