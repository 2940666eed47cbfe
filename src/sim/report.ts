/**
 * The simulator's report: the figures issue 5 asks for (share of blocks proven within 10 s and
 * 12 s, latency, cost per block, clearing prices, per-prover profit, slashes, misses, penalties,
 * blocks never proven) as JSON, and the latency CDF and price-over-time charts as SVG.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Wei } from "../market/types.ts";
import { type SimConfig, weiToEth } from "./config.ts";
import type { SimOutcome } from "./engine.ts";
import { cdfPoints, shareAtMost, summarize } from "./stats.ts";
import { lineChart } from "./svg.ts";

/** An amount in both units. */
export type Amount = { eth: number; usd: number };

/** The JSON report (`DIR/report.json`). */
export interface SimReport {
  readonly slots: number;
  readonly seed: number;
  readonly rule: string;
  readonly shareWithin10s: number;
  readonly shareWithin12s: number;
  /** Block time (its slot start) → its k-th proof, over the proven blocks. */
  readonly latencySeconds: { mean: number; p50: number; p90: number; p99: number; max: number } | null;
  readonly provenBlocks: number;
  /** Provers' GPU spend per block, aborted and failed attempts included. */
  readonly costPerBlockUsd: number;
  /** What the proposer paid per block (prices and nothing for rescued proofs). */
  readonly paidPerBlock: Amount;
  readonly clearingPrice: { count: number; mean: Amount; median: Amount } | null;
  readonly proverProfits: Record<
    string,
    {
      revenue: Amount;
      costUsd: number;
      profitUsd: number;
      won: number;
      delivered: number;
      failures: number;
      slashes: number;
      slashedEth: number;
      rescues: number;
    }
  >;
  readonly slashes: number;
  readonly missedSlots: number;
  readonly penaltiesPaid: Amount;
  readonly burnedEth: number;
  readonly abandonedBlocks: number;
  readonly unprovenAfter20min: number;
  readonly conserved: boolean;
  readonly runSeconds: number;
  readonly slotsPerSecond: number;
}

/**
 * Summarizes a run.
 *
 * @example
 * const report = buildReport(config, runSimulation(config), 1.2, config.model.seed);
 * report.shareWithin12s; // e.g. 0.93
 */
export function buildReport(
  config: SimConfig,
  outcome: SimOutcome,
  runSeconds: number,
  seed: number,
): SimReport {
  const ethUsd = config.fees.ethUsd;
  const amount = (wei: Wei): Amount => ({ eth: weiToEth(wei), usd: weiToEth(wei) * ethUsd });
  const proven = provenLatencies(outcome.latencies);
  const within = (limit: number): number =>
    proven.length === 0 ? 0 : (shareAtMost(proven, limit) * proven.length) / outcome.slots;
  const summary = proven.length === 0 ? null : summarize(proven);
  const profits: SimReport["proverProfits"] = {};
  let cost = 0;
  let paid = 0n;
  for (const p of outcome.provers) {
    cost += p.costUsd;
    paid += p.revenue;
    const revenue = amount(p.revenue);
    profits[p.id] = {
      revenue,
      costUsd: p.costUsd,
      profitUsd: revenue.usd - p.costUsd - weiToEth(p.slashedWei) * ethUsd,
      won: p.won,
      delivered: p.delivered,
      failures: p.failures,
      slashes: p.slashes,
      slashedEth: weiToEth(p.slashedWei),
      rescues: p.rescues,
    };
  }
  let late = 0;
  for (const l of outcome.latencies) if (!(l <= 1200)) late++;
  return {
    slots: outcome.slots,
    seed,
    rule: config.market.rule,
    shareWithin10s: within(10),
    shareWithin12s: within(12),
    latencySeconds: summary && {
      mean: summary.mean,
      p50: summary.p50,
      p90: summary.p90,
      p99: summary.p99,
      max: summary.max,
    },
    provenBlocks: proven.length,
    costPerBlockUsd: cost / outcome.slots,
    paidPerBlock: amount(paid / BigInt(outcome.slots)),
    clearingPrice: clearingSummary(outcome, amount),
    proverProfits: profits,
    slashes: outcome.slashes,
    missedSlots: outcome.missedSlots,
    penaltiesPaid: amount(outcome.penaltiesPaid),
    burnedEth: weiToEth(outcome.burned),
    abandonedBlocks: outcome.abandonedBlocks,
    unprovenAfter20min: late,
    conserved: outcome.conserved,
    runSeconds,
    slotsPerSecond: outcome.slots / runSeconds,
  };
}

/**
 * Writes `report.json`, `latency-cdf.svg` and `price.svg` into `dir` (created if missing).
 *
 * @example
 * writeReport("out", report, outcome);
 */
export function writeReport(dir: string, report: SimReport, outcome: SimOutcome): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, "report.json")];
  writeFileSync(files[0], `${JSON.stringify(report, null, 2)}\n`);
  const proven = provenLatencies(outcome.latencies);
  if (proven.length > 0) {
    files.push(join(dir, "latency-cdf.svg"));
    writeFileSync(
      files[1],
      lineChart({
        title: "Block time to k-th proof (CDF)",
        xLabel: "seconds",
        yLabel: "share of proven blocks",
        series: [{ name: "proven blocks", points: cdfPoints(proven) }],
        y: [0, 1],
        markers: [{ x: 12, label: "12 s slot" }],
      }),
    );
  }
  const prices = priceSeries(outcome, 500);
  if (prices.length > 0) {
    const file = join(dir, "price.svg");
    files.push(file);
    writeFileSync(
      file,
      lineChart({
        title: "Mean winning price over time",
        xLabel: "slot",
        yLabel: "ETH per proof",
        series: [{ name: "clearing price", points: prices }],
      }),
    );
  }
  return files;
}

/** The finite latencies (blocks that were proven). */
function provenLatencies(latencies: Float64Array): Float64Array {
  return latencies.filter((l) => !Number.isNaN(l));
}

function clearingSummary(outcome: SimOutcome, amount: (wei: Wei) => Amount): SimReport["clearingPrice"] {
  const n = outcome.clearing.length;
  if (n === 0) return null;
  let sum = 0n;
  for (const c of outcome.clearing) sum += c.price;
  const sorted = outcome.clearing.map((c) => c.price).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { count: n, mean: amount(sum / BigInt(n)), median: amount(sorted[Math.ceil(n / 2) - 1]) };
}

/** The winning prices averaged over about `buckets` equal runs of slots (so the chart stays small). */
function priceSeries(outcome: SimOutcome, buckets: number): [number, number][] {
  const width = Math.max(1, Math.ceil(outcome.slots / buckets));
  const sums = new Map<number, { sum: number; n: number }>();
  for (const c of outcome.clearing) {
    const b = Math.floor(c.slot / width);
    const s = sums.get(b) ?? { sum: 0, n: 0 };
    s.sum += weiToEth(c.price);
    s.n++;
    sums.set(b, s);
  }
  return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([b, s]) => [b * width, s.sum / s.n]);
}
