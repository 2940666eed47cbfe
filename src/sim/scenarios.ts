/**
 * The scenarios of docs/scenarios.md, re-run by `nrx sim --scenarios DIR`: each runs example
 * configurations (same seed, so runs differ only by what the scenario changes) and draws one
 * chart; `scenarios.json` holds the figures the page quotes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSimConfig, type SimConfig, weiToEth } from "./config.ts";
import { runSimulation } from "./engine.ts";
import { buildReport, type SimReport } from "./report.ts";
import { cdfPoints } from "./stats.ts";
import { lineChart, type Series } from "./svg.ts";
import { runSweep, type SweepPoint } from "./sweep.ts";

type Run = { label: string; config: SimConfig };
export type ScenarioFigures = Record<string, Record<string, SimReport | SweepPoint[]>>;

function run(config: SimConfig, slots: number) {
  const outcome = runSimulation(config, { slots });
  return { outcome, report: buildReport(config, outcome, 1, config.model.seed) };
}

/** The latency CDFs of `runs` on one chart; their reports by label. */
function latencyChart(title: string, runs: Run[], slots: number) {
  const series: Series[] = [];
  const reports: Record<string, SimReport> = {};
  for (const { label, config } of runs) {
    const { outcome, report } = run(config, slots);
    series.push({ name: label, points: cdfPoints(outcome.latencies.filter((l) => !Number.isNaN(l))) });
    reports[label] = report;
  }
  const svg = lineChart({
    title,
    xLabel: "seconds from the block to its k-th proof",
    yLabel: "share of proven blocks",
    series,
    x: [0, 30],
    y: [0, 1],
    markers: [{ x: 12, label: "12 s slot" }],
  });
  return { svg, reports };
}

/**
 * Runs every scenario with the example configurations in `examples` and writes one SVG per
 * scenario and `scenarios.json` into `dir`; returns the written files.
 *
 * @example
 * runScenarios("examples", "docs/scenarios", 20_000);
 */
export function runScenarios(
  examples: string,
  dir: string,
  slots: number,
  log: (line: string) => void = () => {},
): string[] {
  mkdirSync(dir, { recursive: true });
  const load = (name: string) => loadSimConfig(join(examples, `${name}.json`));
  const figures: ScenarioFigures = {};
  const files: string[] = [];
  const write = (name: string, svg: string) => {
    const file = join(dir, `${name}.svg`);
    writeFileSync(file, svg);
    files.push(file);
  };

  log("prover killers at 1% of blocks");
  const killers = latencyChart(
    "Prover killers at 1% of blocks (SP1, 160 RTX 4090s)",
    [
      { label: "no prover killers", config: load("sp1-hypercube") },
      { label: "1% prover killers", config: load("prover-killers") },
    ],
    slots,
  );
  write("prover-killers", killers.svg);
  figures["prover-killers"] = killers.reports;

  log("fees collapsing below the proving cost");
  const collapse = load("fee-collapse");
  const { outcome, report } = run(collapse, slots);
  const width = Math.max(1, Math.ceil(slots / 200));
  const missed = new Map<number, number>();
  outcome.latencies.forEach((l, slot) => {
    const bucket = Math.floor(slot / width);
    missed.set(bucket, (missed.get(bucket) ?? 0) + (Number.isNaN(l) || l > 12 ? 1 : 0));
  });
  write(
    "fee-collapse",
    lineChart({
      title: `Fees fall to 5% of their level at slot ${collapse.fees.collapse?.atSlot}`,
      xLabel: "slot",
      yLabel: "share of blocks not proven within 12 s",
      series: [
        { name: "late or unproven blocks", points: [...missed].map(([b, n]) => [b * width, n / width]) },
      ],
      y: [0, 1],
    }),
  );
  figures["fee-collapse"] = { all: report };

  log("three zkEL clients, k of 3");
  const twoOfThree = load("two-of-three");
  const k = (required: number): Run => ({
    label: `${required}-of-3`,
    config: { ...twoOfThree, market: { ...twoOfThree.market, required } },
  });
  const clients = latencyChart(
    "Three zkEL clients (SP1, ZisK, RISC Zero): k-of-3",
    [k(1), k(2), k(3)],
    slots,
  );
  write("two-of-three", clients.svg);
  figures["two-of-three"] = clients.reports;

  log("5 against 50 provers");
  const provers = runSweep(load("provers-5"), { key: "provers", values: [1, 2, 3, 5, 10, 50] }, { slots });
  const five = run(load("provers-5"), slots).report;
  const fifty = run(load("provers-50"), slots).report;
  write(
    "provers",
    lineChart({
      title: "Missed slots against the number of provers (SP1, 64 RTX 4090s each)",
      xLabel: "provers",
      yLabel: "missed slots per slot",
      series: [{ name: "miss rate", points: provers.map((p) => [p.value, p.missRate]) }],
      y: [0, Math.max(...provers.map((p) => p.missRate)) * 1.1],
    }),
  );
  figures.provers = { sweep: provers, "5 provers": five, "50 provers": fifty };

  log("the missed-slot penalty");
  const penalties = runSweep(
    load("penalty"),
    { key: "penalty", values: [0, 0.01, 0.03, 0.1, 0.3, 1, 3, 10] },
    { slots },
  );
  write(
    "penalty",
    lineChart({
      title: "Missed slots against the penalty (proposers hedge 0.02% of it per proof)",
      xLabel: "penalty (ETH per missed slot)",
      yLabel: "missed slots per slot",
      series: [{ name: "miss rate", points: penalties.map((p) => [p.value, p.missRate]) }],
      y: [0, Math.max(...penalties.map((p) => p.missRate)) * 1.1],
    }),
  );
  figures.penalty = { sweep: penalties };

  const json = join(dir, "scenarios.json");
  writeFileSync(
    json,
    `${JSON.stringify(figures, (_k, v) => (typeof v === "bigint" ? weiToEth(v) : v), 2)}\n`,
  );
  files.push(json);
  return files;
}
