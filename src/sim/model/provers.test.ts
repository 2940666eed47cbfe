/**
 * The prover: returns on GPUs are monotone but diminishing, flattening past ~30–40 GPUs; time
 * is overhead plus cycles over throughput; failures, outages and costs follow their parameters.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng } from "../../util/prng.ts";
import { type Block, type BlockStream, PROVER_KILLER_WORKLOADS, sampleBlock } from "./blocks.ts";
import {
  availability,
  effectiveGpus,
  hardwareCostUsd,
  nominalProvingSeconds,
  ownedGpuHourUsd,
  type Prover,
  provingCostUsd,
  provingThroughput,
  provingTime,
  sampleOutage,
} from "./provers.ts";
import { ZKVMS } from "./zkvm.ts";

const PROVER: Prover = {
  name: "test",
  zkvm: ZKVMS.sp1,
  gpuType: "RTX 4090",
  gpus: 160,
  cyclesPerSecondPerGpu: 6.5e6,
  serialFraction: 0.025,
  witnessSeconds: 0.5,
  recursionSeconds: 8,
  wrapSeconds: 0.25,
  latencySigma: 0.03,
  failureProbability: 0.01,
  meanHoursBetweenOutages: 720,
  meanOutageHours: 1,
  gpuHourUsd: 0.34,
  gpuPriceUsd: 1599,
  hostPriceUsdPerGpu: 600,
};

const STREAM: BlockStream = {
  gasLimit: 36_000_000,
  gasUsed: { emptyShare: 0.005, fullShare: 0.1, fullFloor: 0.95, bodyA: 2, bodyB: 3 },
  zkvm: ZKVMS.sp1,
  adversarial: { share: 0.1, gasFraction: 1, workloads: PROVER_KILLER_WORKLOADS },
};

const BLOCK: Block = {
  gas: 18_000_000,
  cyclesPerGas: 19.4,
  adversarial: false,
  workload: null,
  heaviness: 0,
  cycles: 18_000_000 * 19.4,
};

describe("effectiveGpus", () => {
  it("grows with every GPU added, by less each time", () => {
    let previousGain = Number.POSITIVE_INFINITY;
    for (let n = 1; n <= 512; n++) {
      const gain = effectiveGpus(n + 1, 0.025) - effectiveGpus(n, 0.025);
      assert.ok(gain > 0, `gain at ${n}`);
      assert.ok(gain < previousGain, `diminishing at ${n}`);
      previousGain = gain;
    }
  });

  it("flattens past ~30–40 GPUs: the next GPU adds under a third of one, 4× the GPUs under 2× the speed", () => {
    assert.equal(effectiveGpus(1, 0.025), 1);
    assert.ok(effectiveGpus(36, 0.025) - effectiveGpus(35, 0.025) < 1 / 3);
    assert.ok(effectiveGpus(160, 0.025) / effectiveGpus(40, 0.025) < 2);
    assert.ok(effectiveGpus(10_000, 0.025) < 40);
  });

  it("is linear with no serial work", () => {
    assert.equal(effectiveGpus(64, 0), 64);
  });
});

describe("provingTime", () => {
  it("is overheads plus cycles over throughput before noise", () => {
    const expected = 0.5 + 8 + 0.25 + BLOCK.cycles / provingThroughput(PROVER);
    assert.ok(Math.abs(nominalProvingSeconds(PROVER, BLOCK) - expected) < 1e-9);
  });

  it("is deterministic for a seed", () => {
    const run = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 200 }, () => provingTime(PROVER, sampleBlock(STREAM, rng), rng));
    };
    assert.deepEqual(run(1), run(1));
    assert.notDeepEqual(run(1), run(2));
  });

  it("gets faster with more GPUs and slower with more cycles", () => {
    const few = { ...PROVER, gpus: 8 };
    assert.ok(nominalProvingSeconds(few, BLOCK) > nominalProvingSeconds(PROVER, BLOCK));
    const heavy = { ...BLOCK, gas: 36_000_000 };
    assert.ok(nominalProvingSeconds(PROVER, heavy) > nominalProvingSeconds(PROVER, BLOCK));
  });

  it("fails at the configured rate, part-way through", () => {
    const rng = new Rng(3);
    let failures = 0;
    for (let i = 0; i < 20_000; i++) {
      const attempt = provingTime(PROVER, BLOCK, rng);
      if (attempt.failed) {
        failures++;
        assert.ok(attempt.seconds < nominalProvingSeconds(PROVER, BLOCK) * 1.2);
      }
    }
    assert.ok(Math.abs(failures / 20_000 - 0.01) < 0.003, `failure rate ${failures / 20_000}`);
  });

  it("spreads around the nominal time with median ≈ 1 multiplier", () => {
    const rng = new Rng(4);
    const ratios = Array.from(
      { length: 5001 },
      () => provingTime({ ...PROVER, failureProbability: 0 }, BLOCK, rng).seconds,
    ).sort((a, b) => a - b);
    const nominal = nominalProvingSeconds(PROVER, BLOCK);
    assert.ok(Math.abs(ratios[2500] / nominal - 1) < 0.01);
  });
});

describe("costs and outages", () => {
  it("prices GPU time and hardware", () => {
    assert.ok(Math.abs(provingCostUsd(PROVER, 3600) - 160 * 0.34) < 1e-9);
    assert.equal(hardwareCostUsd(PROVER), 160 * (1599 + 600));
    const hourly = ownedGpuHourUsd({
      gpuPriceUsd: 1599,
      hostPriceUsdPerGpu: 600,
      lifetimeHours: 3 * 8760,
      watts: 450,
      usdPerKwh: 0.15,
    });
    assert.ok(hourly > 0.14 && hourly < 0.17, `owned GPU-hour ${hourly}`);
  });

  it("is up the configured share of the time", () => {
    assert.ok(Math.abs(availability(PROVER) - 720 / 721) < 1e-12);
    const rng = new Rng(5);
    let up = 0;
    let down = 0;
    for (let i = 0; i < 20_000; i++) {
      const o = sampleOutage(PROVER, rng);
      up += o.upHours;
      down += o.downHours;
    }
    assert.ok(Math.abs(up / (up + down) - availability(PROVER)) < 0.001);
  });
});
