/**
 * The block stream: same seed, same blocks; cycles per gas medians and tails per zkVM as
 * published; mainnet-like gas used; adversarial blocks at the configured share, injected
 * without disturbing the organic blocks around them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng } from "../../util/prng.ts";
import {
  type Block,
  type BlockStream,
  cyclesPerGasFor,
  meanOrganicGas,
  PROVER_KILLER_WORKLOADS,
  sampleBlock,
  withAdversarialShare,
} from "./blocks.ts";
import { ZKVMS, type ZkvmProfile } from "./zkvm.ts";

const STREAM: BlockStream = {
  gasLimit: 36_000_000,
  gasUsed: { emptyShare: 0.005, fullShare: 0.1, fullFloor: 0.95, bodyA: 2, bodyB: 3 },
  zkvm: ZKVMS.sp1,
  adversarial: { share: 0, gasFraction: 1, workloads: PROVER_KILLER_WORKLOADS },
};

function draw(stream: BlockStream, seed: number, n: number): Block[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => sampleBlock(stream, rng));
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

describe("sampleBlock", () => {
  it("gives the same blocks for the same seed and different ones for another", () => {
    assert.deepEqual(draw(STREAM, 42, 100), draw(STREAM, 42, 100));
    assert.notDeepEqual(draw(STREAM, 42, 100), draw(STREAM, 43, 100));
  });

  it("reports cycles as gas times cycles per gas, with gas within the limit", () => {
    for (const b of draw(withAdversarialShare(STREAM, 0.2), 1, 2000)) {
      assert.equal(b.cycles, b.gas * b.cyclesPerGas);
      assert.ok(b.gas >= 0 && b.gas <= STREAM.gasLimit);
    }
  });

  for (const zkvm of Object.values(ZKVMS) as ZkvmProfile[]) {
    it(`draws ${zkvm.name}'s cycles per gas with the published median and tail`, () => {
      const cpg = draw({ ...STREAM, zkvm }, 7, 20_000).map((b) => b.cyclesPerGas);
      const median = quantile(cpg, 0.5);
      assert.ok(Math.abs(median / zkvm.medianCyclesPerGas - 1) < 0.02, `median ${median}`);
      const p998 = quantile(cpg, 0.998);
      assert.ok(Math.abs(p998 / zkvm.tailCyclesPerGas - 1) < 0.1, `p99.8 ${p998}`);
    });
  }

  it("keeps the gas used mainnet-like: mean near half the limit, some full and some empty blocks", () => {
    const gas = draw(STREAM, 3, 20_000).map((b) => b.gas);
    const mean = gas.reduce((a, b) => a + b, 0) / gas.length;
    assert.ok(Math.abs(mean / meanOrganicGas(STREAM) - 1) < 0.02, `mean ${mean}`);
    assert.ok(Math.abs(mean / STREAM.gasLimit - 0.5) < 0.03);
    const full = gas.filter((g) => g >= 0.95 * STREAM.gasLimit).length / gas.length;
    assert.ok(full > 0.09 && full < 0.13, `full share ${full}`);
    assert.ok(gas.some((g) => g === 0));
  });
});

describe("adversarial blocks", () => {
  it("are injected at the configured share, full, with a prover-killer workload's cycles per gas", () => {
    const blocks = draw(withAdversarialShare(STREAM, 0.05), 11, 20_000);
    const adversarial = blocks.filter((b) => b.adversarial);
    const share = adversarial.length / blocks.length;
    assert.ok(Math.abs(share - 0.05) < 0.005, `share ${share}`);
    const names = new Set(adversarial.map((b) => b.workload?.name));
    assert.equal(names.size, PROVER_KILLER_WORKLOADS.length);
    for (const b of adversarial) {
      assert.equal(b.gas, STREAM.gasLimit);
      assert.equal(b.cyclesPerGas, b.workload?.cyclesPerGas);
    }
  });

  it("replace blocks without reshuffling the organic ones around them", () => {
    const clean = draw(STREAM, 5, 2000);
    const attacked = draw(withAdversarialShare(STREAM, 0.1), 5, 2000);
    attacked.forEach((b, i) => {
      if (!b.adversarial) assert.deepEqual(b, clean[i]);
    });
  });

  it("are never drawn at share 0 and always at share 1", () => {
    assert.ok(draw(STREAM, 9, 1000).every((b) => !b.adversarial));
    assert.ok(draw(withAdversarialShare(STREAM, 1), 9, 1000).every((b) => b.adversarial));
  });
});

describe("cyclesPerGasFor", () => {
  it("agrees with the stream's own zkVM and orders zkVMs block by block as their medians", () => {
    for (const b of draw(withAdversarialShare(STREAM, 0.1), 13, 500)) {
      assert.equal(cyclesPerGasFor(b, STREAM.zkvm), b.cyclesPerGas);
      if (!b.adversarial && b.heaviness > 0) {
        assert.ok(cyclesPerGasFor(b, ZKVMS.risc0) > cyclesPerGasFor(b, ZKVMS.sp1));
      }
    }
  });
});
