/** `bench e2e`'s results (what `--json` writes) and the report it prints. */
import type { Posting } from "../l2/sequencer.ts";
import type { Options, Workload } from "./e2e-options.ts";
import { f1, table } from "./report.ts";

export type Percentiles = { min: number; median: number; p90: number; max: number; count: number };

export type ConfigResult = {
  name: string;
  workload: Workload;
  posting: Posting;
  l1SlotMs: number;
  blocksPerSlot: number;
  l2BlockGasLimit: number;
  senders: number;
  backlog: number;
  window: {
    l1Blocks: number;
    fromL1Block: number;
    toL1Block: number;
    wallS: number;
    /** Mean L1 block interval in the window (the slot timer restarts after each block's production). */
    l1BlockIntervalS: number;
  };
  settled: {
    l2Blocks: number;
    l2Txs: number;
    txsPerSec: number;
    l2GasPerSec: number;
    /** Mean gas used of the settled L2 blocks ÷ the L2 block gas limit. */
    fill: number;
  };
  /** Of the workload transactions in the blocks settled in the window. */
  latencySlots: Percentiles;
  latencyS: Percentiles;
  perL2Tx: {
    l1Gas: number;
    executeGas: number;
    l2Gas: number;
    postedBytes: number;
    blobGas: number;
  };
  advance: { txs: number; reverted: number; meanGas: number };
  sequencer: {
    keptUp: boolean;
    l2BlocksProduced: number;
    scheduledL2Blocks: number;
    /** Mean wall time of one L2 block's building in the window. */
    meanBuildS: number;
    lagAtStart: number;
    lagAtEnd: number;
    /** The sequencer's mempool when it started building each block of the window. */
    mempoolAtBuild: Percentiles;
    l2BaseFeeGwei: { start: number; end: number };
    rewinds: number;
    failedSlots: number;
    notBuildingSlots: number;
    notable: string[];
  };
  load: {
    presigned: number;
    sent: number;
    ranOut: boolean;
    rejected: Record<string, number>;
    /** Batches the connection lost and the feeder sent again, by cause. */
    retried: Record<string, number>;
  };
  /** Wall ms inside each step during the window, per settled L2 tx (steps overlap while they await). */
  stepMsPerTx: Record<string, number>;
  baseline: { l2Blocks: number; l2Txs: number; ms: number; txsPerSec: number; stateRootsMatch: boolean };
  /** settled tx/s ÷ baseline tx/s. */
  ratio: number;
  setupS: number;
  signS: number;
};

export type E2EBenchResult = {
  node: string;
  ethereumjs: string;
  cpus: number;
  date: string;
  options: Omit<Options, "json" | "verbose">;
  /** Process max RSS. */
  maxRssMB: number;
  configs: ConfigResult[];
  totalS: number;
};

export const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "—");
export const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "—");

export function report(result: E2EBenchResult): string {
  const rows = result.configs;
  const main = table(
    [
      "config",
      "settled tx/s",
      "stock tx/s",
      "settled/stock",
      "latency p50 (p90)",
      "L1 gas/tx",
      "execute gas/tx",
      "posted/tx",
      "L2 fill",
      "kept up",
    ],
    rows.map((r) => [
      r.name,
      f1(r.settled.txsPerSec),
      f1(r.baseline.txsPerSec),
      `${r.ratio.toFixed(3)}x`,
      `${r.latencySlots.median} (${r.latencySlots.p90}) slots, ${f1(r.latencyS.median)} (${f1(r.latencyS.p90)}) s`,
      f0(r.perL2Tx.l1Gas),
      f0(r.perL2Tx.executeGas),
      r.posting === "blobs" ? `${f0(r.perL2Tx.blobGas)} blob gas` : `${f0(r.perL2Tx.postedBytes)} B`,
      `${Math.round(100 * r.settled.fill)}%`,
      r.sequencer.keptUp ? "yes" : "no",
    ]),
  );
  const detail = table(
    [
      "config",
      "window",
      "L1 block every",
      "settled",
      "L2 blocks made/scheduled",
      "build s/block",
      "unsettled L2 blocks",
      "mempool at build",
      "L2 base fee gwei",
      "advances (reverted)",
    ],
    rows.map((r) => [
      r.name,
      `L1 #${r.window.fromL1Block}…#${r.window.toL1Block}, ${f1(r.window.wallS)} s`,
      `${f2(r.window.l1BlockIntervalS)} s`,
      `${r.settled.l2Blocks} blocks, ${r.settled.l2Txs} txs`,
      `${r.sequencer.l2BlocksProduced}/${r.sequencer.scheduledL2Blocks}`,
      f1(r.sequencer.meanBuildS),
      `${r.sequencer.lagAtStart}→${r.sequencer.lagAtEnd}`,
      `min ${r.sequencer.mempoolAtBuild.min}, median ${r.sequencer.mempoolAtBuild.median}`,
      `${f2(r.sequencer.l2BaseFeeGwei.start)}→${f2(r.sequencer.l2BaseFeeGwei.end)}`,
      `${r.advance.txs} (${r.advance.reverted})`,
    ]),
  );
  const steps = [...new Set(rows.flatMap((r) => Object.keys(r.stepMsPerTx)))];
  const stepTable = table(
    ["ms per settled L2 tx", ...rows.map((r) => r.name)],
    [
      ...steps.map((s) => [s, ...rows.map((r) => f2(r.stepMsPerTx[s] ?? Number.NaN))]),
      ["wall time per settled tx", ...rows.map((r) => f2(1000 / r.settled.txsPerSec))],
      ["stock ethereumjs runBlock (baseline)", ...rows.map((r) => f2(1000 / r.baseline.txsPerSec))],
    ],
  );
  const first = rows[0];
  const lines = [
    `End to end: L2 transactions settled on L1 — ${result.cpus} CPUs, Node ${result.node}, ethereumjs ${result.ethereumjs}, ${result.date}`,
    `L1 slot ${first.l1SlotMs / 1000} s, ${first.blocksPerSlot} L2 blocks per slot (L2 block time ${first.l1SlotMs / first.blocksPerSlot / 1000} s), ` +
      `L2 block gas limit ${f1(first.l2BlockGasLimit / 1e6)}M, ${first.senders} senders, ` +
      `mempool kept at ${rows.map((r) => r.backlog).join("/")} txs (${result.options.backlogBlocks} full blocks)`,
    "Everything (L1 node, sequencer, follower, JSON-RPC, load generator) runs in this one process.",
    "settled tx/s: L2 txs in the blocks whose Advanced event is in the window ÷ its wall time (from a settling L1 block",
    `to the first settling one ≥ ${result.options.windowSlots} L1 blocks later); latency: L1 block (and time) that settled the`,
    "tx's L2 block − L1 head (and time) when it was sent; stock: plain createVM + runBlock of the same L2 blocks, stateful",
    "from the L2 genesis (no witness, no EXECUTE, no posting, no follower).",
    "",
    main,
    "",
    detail,
    "",
    "Where the time goes: wall time inside each step during the window (steps await, so they overlap) per settled tx",
    stepTable,
  ];
  for (const r of rows) {
    const problems: string[] = [];
    if (!r.sequencer.keptUp)
      problems.push(
        `the sequencer did not keep up: ${r.sequencer.l2BlocksProduced} L2 blocks for ${r.sequencer.scheduledL2Blocks} scheduled ` +
          `(${r.window.l1Blocks} L1 slots × ${r.blocksPerSlot}), unsettled L2 blocks ${r.sequencer.lagAtStart}→${r.sequencer.lagAtEnd}`,
      );
    if (r.load.ranOut) problems.push("the pre-signed transactions ran out (raise --max-rate)");
    if (Object.keys(r.load.rejected).length > 0)
      problems.push(`transactions refused: ${JSON.stringify(r.load.rejected)}`);
    if (Object.keys(r.load.retried).length > 0)
      problems.push(
        `JSON-RPC batches lost by the connection and sent again: ${JSON.stringify(r.load.retried)}`,
      );
    if (!r.baseline.stateRootsMatch) problems.push("the baseline reached different state roots");
    if (r.sequencer.notBuildingSlots > 0)
      problems.push(
        `${r.sequencer.notBuildingSlots} L2 slots skipped: too many blocks waiting for settlement`,
      );
    for (const line of r.sequencer.notable.slice(0, 5)) problems.push(`log: ${line}`);
    if (problems.length > 0) lines.push("", `${r.name}:`, ...problems.map((p) => `  ${p}`));
  }
  lines.push("", `Process max RSS ${f0(result.maxRssMB)} MiB; ${f0(result.totalS)} s in all`);
  return lines.join("\n");
}
