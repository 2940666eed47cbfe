/**
 * Parameter sweeps: one run per value of the missed-slot penalty or of the number of provers, and
 * the chart of the miss rate against it (issue 5's "miss rate vs penalty / vs prover count").
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NrxError } from "../util/errors.ts";
import { ethToWei, type SimConfig, type SimProver } from "./config.ts";
import { runSimulation } from "./engine.ts";
import { buildReport } from "./report.ts";
import { lineChart } from "./svg.ts";

/** What a sweep varies: `penalty` (ETH per missed slot) or `provers` (copies of each bidding prover). */
export type SweepKey = "penalty" | "provers";
export type SweepSpec = { key: SweepKey; values: number[] };
/** One run of a sweep. `missRate`: missed slots per slot simulated. */
export type SweepPoint = {
  value: number;
  missRate: number;
  shareWithin12s: number;
  meanPriceEth: number | null;
};

/** A `--sweep` argument that cannot be read. */
export class SweepError extends NrxError {
  override name = "SweepError";
}

/**
 * Reads `key=v1,v2,...`.
 *
 * @example
 * parseSweep("provers=1,5,50"); // { key: "provers", values: [1, 5, 50] }
 */
export function parseSweep(text: string): SweepSpec {
  const eq = text.indexOf("=");
  const key = text.slice(0, eq);
  if (eq < 0 || (key !== "penalty" && key !== "provers")) {
    throw new SweepError(`--sweep must be penalty=... or provers=..., got "${text}"`);
  }
  const values = text
    .slice(eq + 1)
    .split(",")
    .map((v) => Number(v));
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new SweepError(`--sweep ${key} needs non-negative numbers, got "${text.slice(eq + 1)}"`);
  }
  if (key === "provers" && values.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new SweepError(`--sweep provers needs positive integers, got "${text.slice(eq + 1)}"`);
  }
  return { key, values };
}

/**
 * The configuration of one sweep point.
 *
 * @example
 * withSweepValue(config, "provers", 5).provers.length; // 5 × the bidding provers + altruists
 */
export function withSweepValue(config: SimConfig, key: SweepKey, value: number): SimConfig {
  if (key === "penalty")
    return { ...config, market: { ...config.market, missedSlotPenalty: ethToWei(value) } };
  const provers: SimProver[] = [];
  const seen = new Set<string>();
  for (const p of config.provers) {
    if (p.altruistic) {
      provers.push(p);
      continue;
    }
    if (seen.has(p.model.name)) continue; // a `count` in the file is replaced by the sweep's
    seen.add(p.model.name);
    for (let i = 0; i < value; i++)
      provers.push({ ...p, id: value > 1 ? `${p.model.name}#${i}` : p.model.name });
  }
  return { ...config, provers };
}

/**
 * Runs the sweep, one simulation per value, all with the same seed (common random numbers).
 *
 * @example
 * runSweep(config, parseSweep("penalty=0,1,10"), { slots: 10_000 });
 */
export function runSweep(
  config: SimConfig,
  spec: SweepSpec,
  options: { seed?: number; slots?: number; onProgress?: (done: number, total: number) => void } = {},
): SweepPoint[] {
  const seed = options.seed ?? config.model.seed;
  return spec.values.map((value, i) => {
    options.onProgress?.(i, spec.values.length);
    const c = withSweepValue(config, spec.key, value);
    const outcome = runSimulation(c, { seed, slots: options.slots });
    const report = buildReport(c, outcome, 1, seed);
    if (i === spec.values.length - 1) options.onProgress?.(spec.values.length, spec.values.length);
    return {
      value,
      missRate: outcome.missedSlots / outcome.slots,
      shareWithin12s: report.shareWithin12s,
      meanPriceEth: report.clearingPrice?.mean.eth ?? null,
    };
  });
}

/**
 * Writes `sweep-KEY.json` and `miss-rate-KEY.svg` into `dir`.
 *
 * @example
 * writeSweep("out", spec, points);
 */
export function writeSweep(dir: string, spec: SweepSpec, points: SweepPoint[]): string[] {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `sweep-${spec.key}.json`);
  writeFileSync(json, `${JSON.stringify({ key: spec.key, points }, null, 2)}\n`);
  const svg = join(dir, `miss-rate-${spec.key}.svg`);
  writeFileSync(
    svg,
    lineChart({
      title: `Missed slots against ${spec.key === "penalty" ? "the missed-slot penalty" : "the prover count"}`,
      xLabel: spec.key === "penalty" ? "penalty (ETH per missed slot)" : "provers per configured prover",
      yLabel: "missed slots per slot",
      series: [{ name: "miss rate", points: points.map((p) => [p.value, p.missRate]) }],
    }),
  );
  return [json, svg];
}
