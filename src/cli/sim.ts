/**
 * `nrx sim`: runs the proof-mode market simulator (src/sim/engine.ts) on a configuration and
 * writes its report and charts.
 */
import { loadSimConfig } from "../sim/config.ts";
import { runSimulation } from "../sim/engine.ts";
import { ModelConfigError } from "../sim/model/config.ts";
import { progressBar } from "../sim/progress.ts";
import { buildReport, writeReport } from "../sim/report.ts";
import { runScenarios } from "../sim/scenarios.ts";
import { parseSweep, runSweep, SweepError, writeSweep } from "../sim/sweep.ts";
import { NrxError } from "../util/errors.ts";

export const SIM_USAGE = `nrx sim --config FILE [--slots N] [--seed S] [--out DIR] [--sweep penalty=0,0.1,1|provers=1,5,50]

  --config FILE   model + market configuration (e.g. examples/sp1-hypercube.json; docs/prover-model.md)
  --slots N       slots to simulate (default: the file's "slots", else 10000)
  --seed S        PRNG seed (default: the file's "seed")
  --out DIR       where report.json and the SVG charts go (default: sim-out)
  --sweep K=V,..  run once per value of the missed-slot penalty (ETH) or of the prover count
                  and chart the miss rate against it (DIR/sweep-K.json, DIR/miss-rate-K.svg)

nrx sim --scenarios DIR [--examples DIR] [--slots N]
                  re-run the scenarios of docs/scenarios.md from the example configs: one SVG
                  chart per scenario and DIR/scenarios.json with the figures (default 20000 slots)`;

/** A command-line value that is missing or malformed. */
export class SimArgumentError extends NrxError {
  override name = "SimArgumentError";
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith("--")) throw new SimArgumentError(`${name} needs a value`);
  return v;
}

function integer(args: string[], name: string): number | undefined {
  const v = flag(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new SimArgumentError(`${name} must be a non-negative integer, got ${v}`);
  return n;
}

/**
 * Runs `nrx sim` with its arguments; returns the exit code.
 *
 * @example
 * await runSim(["--config", "examples/sp1-hypercube.json", "--slots", "1000", "--out", "out"]);
 */
export async function runSim(args: string[]): Promise<number> {
  try {
    const scenarios = flag(args, "--scenarios");
    if (scenarios !== undefined) {
      const files = runScenarios(
        flag(args, "--examples") ?? "examples",
        scenarios,
        integer(args, "--slots") ?? 20_000,
        (line) => console.error(`scenario: ${line}`),
      );
      for (const f of files) console.log(`wrote ${f}`);
      return 0;
    }
    const path = flag(args, "--config");
    if (path === undefined) throw new SimArgumentError("--config FILE is required");
    const config = loadSimConfig(path);
    const slots = integer(args, "--slots");
    if (slots === 0) throw new SimArgumentError("--slots must be at least 1");
    const seed = integer(args, "--seed") ?? config.model.seed;
    const out = flag(args, "--out") ?? "sim-out";
    const sweep = flag(args, "--sweep");
    if (sweep !== undefined) {
      const spec = parseSweep(sweep);
      const points = runSweep(config, spec, {
        seed,
        slots,
        onProgress: progressBar(process.stderr, `runs (${spec.key})`),
      });
      for (const f of writeSweep(out, spec, points)) console.log(`wrote ${f}`);
      for (const p of points)
        console.log(
          `${spec.key}=${p.value}: miss rate ${(100 * p.missRate).toFixed(3)}%, within 12 s ${(100 * p.shareWithin12s).toFixed(2)}%`,
        );
      return 0;
    }
    const started = performance.now();
    const outcome = runSimulation(config, { seed, slots, onProgress: progressBar(process.stderr, "slots") });
    const seconds = (performance.now() - started) / 1000;
    const report = buildReport(config, outcome, seconds, seed);
    for (const f of writeReport(out, report, outcome)) console.log(`wrote ${f}`);
    printSummary(report);
    return 0;
  } catch (err) {
    if (err instanceof ModelConfigError || err instanceof SimArgumentError || err instanceof SweepError) {
      console.error(`nrx sim: ${err.message}\n\n${SIM_USAGE}`);
      return 2;
    }
    throw err;
  }
}

function printSummary(r: ReturnType<typeof buildReport>): void {
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const l = r.latencySeconds;
  console.log(
    `${r.slots} slots in ${r.runSeconds.toFixed(2)} s (${Math.round(r.slotsPerSecond)} slots/s), ${r.rule}`,
  );
  console.log(`proven within 10 s ${pct(r.shareWithin10s)}, within 12 s ${pct(r.shareWithin12s)}`);
  if (l)
    console.log(
      `latency mean ${l.mean.toFixed(2)} s, p50 ${l.p50.toFixed(2)}, p90 ${l.p90.toFixed(2)}, p99 ${l.p99.toFixed(2)}`,
    );
  console.log(
    `prover cost per block $${r.costPerBlockUsd.toFixed(4)}, paid per block $${r.paidPerBlock.usd.toFixed(4)}`,
  );
  if (r.clearingPrice) {
    const c = r.clearingPrice;
    console.log(
      `clearing price mean ${c.mean.eth.toExponential(3)} ETH ($${c.mean.usd.toFixed(4)}), median $${c.median.usd.toFixed(4)}`,
    );
  }
  console.log(
    `slashes ${r.slashes}, missed slots ${r.missedSlots}, penalties ${r.penaltiesPaid.eth} ETH, ` +
      `abandoned ${r.abandonedBlocks}, unproven after 20 min ${r.unprovenAfter20min}`,
  );
}
