/**
 * The simulator end to end: a seed replays a run exactly; the SP1 Hypercube calibration holds
 * through the market (auctions, queueing, slashes) and not only in the bare model; the market's
 * ledger is conserved at the end; rescues and altruistic provers keep blocks alive.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadSimConfig, type SimConfig } from "./config.ts";
import { runSimulation } from "./engine.ts";
import { buildReport } from "./report.ts";

const SP1 = loadSimConfig(new URL("../../examples/sp1-hypercube.json", import.meta.url));
const SEALED = loadSimConfig(new URL("../../examples/market-sealed-bid.json", import.meta.url));
const DUTCH = loadSimConfig(new URL("../../examples/market-dutch.json", import.meta.url));

function report(config: SimConfig, slots: number, seed = config.model.seed) {
  const outcome = runSimulation(config, { slots, seed });
  return { outcome, report: buildReport(config, outcome, 1, seed) };
}

describe("simulator", () => {
  it("is deterministic: the same seed gives an identical report", () => {
    for (const config of [SEALED, DUTCH]) {
      const a = report(config, 2000, 7).report;
      const b = report(config, 2000, 7).report;
      assert.deepEqual(a, b);
      assert.notDeepEqual(report(config, 2000, 8).report.latencySeconds, a.latencySeconds);
    }
  });

  it("reproduces the SP1 Hypercube calibration through the market (93% ± 5 pp under 12 s, 10.3 ± 1 s)", (t) => {
    const { report: r } = report(SP1, 20_000);
    t.diagnostic(
      `within 12 s ${(100 * r.shareWithin12s).toFixed(2)}%, mean ${r.latencySeconds?.mean.toFixed(2)} s`,
    );
    assert.ok(Math.abs(r.shareWithin12s - 0.93) <= 0.05, `share within 12 s ${r.shareWithin12s}`);
    assert.ok(
      r.latencySeconds && Math.abs(r.latencySeconds.mean - 10.3) <= 1,
      `mean ${r.latencySeconds?.mean}`,
    );
    assert.ok(Math.abs(r.costPerBlockUsd - 0.155) < 0.02, `cost per block ${r.costPerBlockUsd}`);
  });

  it("conserves the market's wei at the end of every scenario", () => {
    for (const config of [SP1, SEALED, DUTCH]) {
      const { outcome } = report(config, 3000);
      assert.equal(outcome.conserved, true); // runSimulation calls checkConservation, which throws
    }
  });

  it("slashes late winners, charges missed slots and lets others rescue", () => {
    const { report: r } = report(SEALED, 5000);
    assert.ok(r.slashes > 0 && r.missedSlots > 0);
    assert.equal(r.penaltiesPaid.eth, r.missedSlots); // 1 ETH per missed slot
    const rescues = Object.values(r.proverProfits).reduce((n, p) => n + p.rescues, 0);
    const altruist = r.proverProfits["altruist-sp1-320x4090"];
    assert.ok(rescues > 0 || altruist.delivered > 0, "nobody stepped in for a late block");
    assert.ok(altruist.delivered > 0, "the altruistic prover never proved");
    assert.equal(altruist.won, 0);
  });

  it("misses more slots when prover killers are injected", () => {
    const attacked: SimConfig = {
      ...SP1,
      model: {
        ...SP1.model,
        stream: { ...SP1.model.stream, adversarial: { ...SP1.model.stream.adversarial, share: 0.2 } },
      },
    };
    assert.ok(report(attacked, 2000).report.missedSlots > report(SP1, 2000).report.missedSlots);
  });
});

describe("simulator: outages", () => {
  it("a prover that goes down loses the work in hand; its blocks wait for others or miss the slot", () => {
    const flaky: SimConfig = {
      ...SP1,
      provers: SP1.provers.map((p) => ({
        ...p,
        model: { ...p.model, meanHoursBetweenOutages: 1, meanOutageHours: 0.1 },
      })),
    };
    const steady = report(SP1, 3000).report;
    const down = report(flaky, 3000).report;
    // About 9% of the 10 hours down: every block of an outage misses at least its slot.
    assert.ok(down.missedSlots > steady.missedSlots + 100, `${down.missedSlots} vs ${steady.missedSlots}`);
    assert.ok(down.unprovenAfter20min > steady.unprovenAfter20min);
    assert.equal(down.conserved, true);
  });
});
