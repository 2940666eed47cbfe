/**
 * `nrx bench e2e`: the whole system under sustained load. For each configuration (ETH transfers
 * posted in calldata, ERC-20 transfers posted in calldata, ETH transfers posted in blobs) a fresh
 * in-memory devnet (`startDevnet`: the L1 node, the deployed rollup, the L2 sequencer and the
 * follower, each behind its JSON-RPC, all in this one process) takes pre-signed L2 transactions
 * through the sequencer's `eth_sendRawTransaction`, and the benchmark measures, over a window of
 * L1 slots after a warm-up (from a settling L1 block to the first settling one `--window` L1
 * blocks later, so that it spans whole settlement cycles):
 * - settled L2 tx/s: L2 transactions in the blocks whose `Advanced` event lies in an L1 block of
 *   the window, divided by the wall time between the window's first and last L1 blocks;
 * - settlement latency, in L1 slots and seconds: the L1 block whose `Advanced` settled the
 *   transaction's L2 block, minus the L1 head when the transaction was sent (the workload
 *   transactions of the blocks settled in the window);
 * - L1 gas per L2 tx (`gasUsed` of the `advance` transactions) and execute gas per L2 tx (the
 *   `executeGas` of the valid `EXECUTE` calls the L1 node records per block, `nrx_executeCalls`);
 * - whether the sequencer kept to its schedule of `blocksPerSlot` L2 blocks per L1 slot.
 *
 * Load: every sender is funded on L2 by the dev accounts (100 ETH each on L2), and for ERC-20 a
 * `TestToken` is deployed on L2 and minted to every sender. The workload transactions are signed
 * before the load starts; a feeder keeps the sequencer's mempool at `backlog` transactions (1.5
 * full L2 blocks by default) with JSON-RPC batches, so every block can fill while a transaction
 * waits only for the blocks ahead of it.
 *
 * Baseline, in the same process after the devnet stops: stock ethereumjs (`createVM` +
 * `runBlock` over a `MerkleStateManager` on the L2 genesis state) runs the same L2 blocks
 * statefully, from block 1 on; the blocks settled in the window are timed. No witness, no
 * `EXECUTE`, no posting, no follower: the ratio shows what the rest costs.
 *
 * @example
 * node bin/nrx.js bench e2e --quick
 * node bin/nrx.js bench e2e --json e2e.json
 */
import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { bytesToHex } from "@ethereumjs/util";
import { encodeFunctionData } from "viem";
import { SEQUENCER_ACCOUNT, startDevnet } from "../devnet/devnet.ts";
import type { Posting } from "../l2/sequencer.ts";
import {
  ABI,
  ETH_GAS,
  Feeder,
  progress,
  retriedSends,
  rpc,
  senders,
  setUp,
  signWorkload,
  sleep,
  startBenchClock,
} from "./e2e-load.ts";
import {
  type L1BlockRecord,
  type L2BlockRecord,
  LogWatch,
  observeL1Block,
  percentiles,
  Stopwatch,
  stockReplay,
} from "./e2e-observe.ts";
import { BENCH_E2E_USAGE, type ConfigName, type Options, parseArgs, type Workload } from "./e2e-options.ts";
import { type ConfigResult, type E2EBenchResult, report } from "./e2e-results.ts";
import { ethereumjsVersion } from "./report.ts";

const CONFIGS: Record<ConfigName, { workload: Workload; posting: Posting; label: string }> = {
  eth: { workload: "eth", posting: "calldata", label: "eth/calldata" },
  erc20: { workload: "erc20", posting: "calldata", label: "erc20/calldata" },
  blobs: { workload: "eth", posting: "blobs", label: "eth/blobs" },
};

/** Transactions per full L2 block, for the backlog and the pre-signed count. */
function txsPerBlock(workload: Workload, gasLimit: bigint): number {
  // A TestToken transfer uses ~38k gas on average over this mix (¼ to new holders).
  return Number(gasLimit / (workload === "eth" ? ETH_GAS : 38_000n));
}

async function runConfig(name: ConfigName, options: Options): Promise<ConfigResult> {
  const { workload, posting, label } = CONFIGS[name];
  const say = (line: string) => progress(`${label}: ${line}`);
  const setupStart = performance.now();
  const watch = new LogWatch(label, options.verbose);
  retriedSends.clear();
  say(
    `starting the devnet in memory: ${options.slotMs / 1000} s L1 slots, ${options.blocksPerSlot} L2 blocks per slot, posting in ${posting}`,
  );
  const devnet = await startDevnet({
    l1SlotMs: options.slotMs,
    port: 0,
    blocksPerSlot: options.blocksPerSlot,
    posting,
    log: watch.log,
  });
  const stopwatch = new Stopwatch();
  let feeder: Feeder | undefined;
  const unsubscribe: (() => void)[] = [];
  try {
    const l1 = devnet.l1;
    const l2 = devnet.sequencer.node;
    const sequencer = devnet.sequencer.sequencer!;
    const rollup = devnet.deployment.contracts.rollup.toLowerCase();
    const sequencerAddress = l1.devAccounts[SEQUENCER_ACCOUNT].address.toLowerCase();
    const gasLimit = devnet.deployment.chain.gasLimit;
    const accounts = senders(options.senders);
    say(
      `funding ${accounts.length} senders on L2${workload === "erc20" ? ", deploying TestToken and minting to them" : ""}…`,
    );
    const token = await setUp(devnet, workload, accounts);
    const setupS = (performance.now() - setupStart) / 1000;

    // Pre-signed load: `maxRate` tx/s over the run (with slots up to twice as long as configured
    // under load), at most what the L2 schedule takes, plus the backlog.
    const perBlock = txsPerBlock(workload, gasLimit);
    const backlog = Math.max(1, Math.round(options.backlogBlocks * perBlock));
    const runS = (2 * (options.warmupSlots + 2 + 3 * options.windowSlots) * options.slotMs) / 1000;
    const scheduleRate = (options.blocksPerSlot * perBlock) / (options.slotMs / 1000);
    const count = Math.ceil(Math.min(options.maxRate, scheduleRate) * runS) + backlog;
    say(`signing ${count} ${workload === "eth" ? "ETH" : "TestToken"} transfers (not measured)…`);
    let start = performance.now();
    const { raws, hashes } = signWorkload(l2, workload, accounts, count, token);
    const signS = (performance.now() - start) / 1000;
    const index = new Map(hashes.map((h, i) => [h, i]));
    say(`signed in ${signS.toFixed(1)} s; the load starts, keeping ${backlog} transactions in the mempool`);

    // Observation: every L1 block (settlements, gas), every L2 block, and the mempool at each build.
    const l1Blocks: L1BlockRecord[] = [];
    const l1At = new Map<bigint, number>();
    const l2Blocks = new Map<bigint, L2BlockRecord>();
    const poolAtBuild: number[] = [];
    const l1Start = l1.head.header.number;
    let phase = "warm-up" as "warm-up" | "window" | "done";
    let windowFrom = -1n;
    let windowTo = -1n;
    let lagAtStart = 0;
    let lagAtEnd = 0;
    let settledTo = 0n;
    const lag = () => Number(l2.head.header.number - sequencer.settled);
    /** Whether L2 block `n` holds workload transactions. */
    const loaded = (n: bigint) =>
      l2.blockByNumber(n)?.block.transactions.some((tx) => index.has(bytesToHex(tx.hash()))) ?? false;
    unsubscribe.push(
      l2.onBlock((entry) => {
        const { header } = entry.block;
        l2Blocks.set(header.number, {
          number: header.number,
          at: performance.now(),
          txs: entry.block.transactions.length,
          gasUsed: header.gasUsed,
          baseFee: header.baseFeePerGas ?? 0n,
        });
      }),
    );
    unsubscribe.push(
      l1.onBlock((entry) => {
        const record = observeL1Block(entry, rollup, sequencerAddress);
        l1Blocks.push(record);
        l1At.set(record.number, record.at);
        const slots = record.number - l1Start;
        const settles = record.settled.length > 0;
        if (settles) settledTo = record.settled.at(-1)!.number;
        // The window opens at a settlement of workload blocks after the warm-up slots, and closes
        // at the first settlement `windowSlots` L1 blocks later (or `3 × windowSlots` without
        // one): whole settlement cycles, so the rate has no quantization bias.
        if (
          phase === "warm-up" &&
          slots >= BigInt(options.warmupSlots) &&
          settles &&
          record.settled.some((b) => loaded(b.number))
        ) {
          phase = "window";
          windowFrom = record.number;
          lagAtStart = lag();
          stopwatch.counting = true;
        } else if (phase === "window") {
          const inWindow = record.number - windowFrom;
          if (
            (inWindow >= BigInt(options.windowSlots) && settles) ||
            inWindow >= BigInt(3 * options.windowSlots)
          ) {
            phase = "done";
            windowTo = record.number;
            lagAtEnd = lag();
            stopwatch.counting = false;
          }
        }
        const txs = record.settled.reduce(
          (s, b) => s + (l2.blockByNumber(b.number)?.block.transactions.length ?? 0),
          0,
        );
        const where =
          phase === "warm-up"
            ? `warm-up ${slots}/${options.warmupSlots}+`
            : phase === "window"
              ? `window ${record.number - windowFrom}/${options.windowSlots}+`
              : "window closed";
        say(
          `L1 #${record.number} [${where}] settled L2 #${settledTo} (+${record.settled.length} blocks, ${txs} txs), ` +
            `L2 head #${l2.head.header.number}, mempool ${l2.mempool.size}, sent ${feeder?.next ?? 0}/${raws.length}`,
        );
      }),
    );
    stopwatch.wrap(l2, "produceBlock", "L2 block building", () => {
      if (stopwatch.counting) poolAtBuild.push(l2.mempool.size);
    });
    stopwatch.wrap(l2, "statelessInput", "L2 witness generation");
    stopwatch.wrap(l2, "sendRawTransaction", "L2 transaction intake (JSON-RPC)");
    stopwatch.wrap(l1, "produceBlock", "L1 block production (EXECUTE inside)");
    stopwatch.wrap(devnet.follower.node, "importBlock", "follower re-execution");

    feeder = new Feeder(devnet, raws, backlog);
    feeder.start();
    const stallMs = options.slotMs * 4 + 120_000;
    let last = l1.head.header.number;
    let lastAt = Date.now();
    while (phase !== "done") {
      await sleep(50);
      if (l1.head.header.number !== last) {
        last = l1.head.header.number;
        lastAt = Date.now();
      } else if (Date.now() - lastAt > stallMs) throw new Error("the L1 stopped producing blocks");
    }
    await feeder.stop();
    for (const off of unsubscribe.splice(0)) off();
    stopwatch.unwrap();
    const windowStartAt = l1At.get(windowFrom)!;
    const windowEndAt = l1At.get(windowTo)!;
    const wallS = (windowEndAt - windowStartAt) / 1000;

    // The L2 blocks settled in the window, checked against the sequencer's chain and number().
    const windowRecords = l1Blocks.filter((b) => b.number > windowFrom && b.number <= windowTo);
    const settled: { number: bigint; l1Block: bigint }[] = [];
    for (const record of windowRecords) {
      for (const { number, hash } of record.settled) {
        const local = l2.blockByNumber(number);
        if (local === undefined || bytesToHex(local.block.hash()) !== hash) {
          throw new Error(`L1 settled L2 block ${number} ${hash}, not the sequencer's block`);
        }
        settled.push({ number, l1Block: record.number });
      }
    }
    const numberAt = async (block: bigint) =>
      BigInt(
        (await rpc(devnet.l1Server.url, "eth_call", [
          {
            to: devnet.deployment.contracts.rollup,
            data: encodeFunctionData({ abi: ABI.rollup, functionName: "number" }),
          },
          `0x${block.toString(16)}`,
        ])) as string,
      );
    const moved = (await numberAt(windowTo)) - (await numberAt(windowFrom));
    if (moved !== BigInt(settled.length)) {
      throw new Error(`number() moved by ${moved} in the window, but ${settled.length} Advanced events`);
    }
    let settledTxs = 0;
    let settledGas = 0n;
    const latencySlots: number[] = [];
    const latencyS: number[] = [];
    for (const { number, l1Block } of settled) {
      const { block } = l2.blockByNumber(number)!;
      settledTxs += block.transactions.length;
      settledGas += block.header.gasUsed;
      for (const tx of block.transactions) {
        const i = index.get(bytesToHex(tx.hash()));
        if (i === undefined || feeder.sentAt[i] === undefined) continue;
        latencySlots.push(Number(l1Block - feeder.sentHead[i]));
        latencyS.push((l1At.get(l1Block)! - feeder.sentAt[i]) / 1000);
      }
    }
    const sum = (f: (r: L1BlockRecord) => bigint) => windowRecords.reduce((s, r) => s + f(r), 0n);
    const perTx = (n: bigint | number) => Number(n) / Math.max(1, settledTxs);

    // The sequencer against its schedule of `blocksPerSlot` L2 blocks per L1 slot.
    const produced = [...l2Blocks.values()]
      .filter((b) => b.at > windowStartAt && b.at <= windowEndAt)
      .sort((a, b) => (a.number < b.number ? -1 : 1));
    const scheduled = windowRecords.length * options.blocksPerSlot;
    const keptUp = produced.length >= 0.9 * scheduled && lagAtEnd <= lagAtStart + options.blocksPerSlot;
    const gwei = (b: L2BlockRecord | undefined) => Number(b?.baseFee ?? 0n) / 1e9;
    const stepMsPerTx: Record<string, number> = {};
    for (const [step, t] of stopwatch.totals) stepMsPerTx[step] = perTx(t.ms);
    stepMsPerTx["  of which EXECUTE verification"] = perTx(
      windowRecords.reduce((s, r) => s + r.executeVerifyMs, 0),
    );
    const buildS = (stopwatch.totals.get("L2 block building")?.ms ?? 0) / 1000;
    const builds = stopwatch.totals.get("L2 block building")?.calls ?? 0;

    // The L2 blocks for the baseline; then the devnet stops, so that nothing else runs.
    const numbers = settled.map((b) => b.number);
    const firstSettled = numbers.reduce((m, n) => (n < m ? n : m), numbers[0] ?? 0n);
    const lastSettled = numbers.reduce((m, n) => (n > m ? n : m), 0n);
    const rlps: Uint8Array[] = [];
    for (let n = 1n; n <= lastSettled; n++) rlps.push(l2.blockByNumber(n)!.block.serialize());
    const deployment = devnet.deployment;
    const load = {
      presigned: raws.length,
      sent: feeder.next,
      ranOut: feeder.exhausted,
      rejected: Object.fromEntries(feeder.rejected),
      retried: Object.fromEntries(retriedSends),
    };
    say("stopping the devnet");
    await devnet.close();

    say(
      `baseline: stock ethereumjs runs L2 blocks 1…${lastSettled} statefully (${options.baselineRuns}×), timing ${firstSettled}…${lastSettled}`,
    );
    start = performance.now();
    const replays: Awaited<ReturnType<typeof stockReplay>>[] = [];
    for (let r = 0; r < options.baselineRuns; r++) {
      (globalThis as { gc?: () => void }).gc?.();
      replays.push(await stockReplay(deployment, rlps, (n) => numbers.includes(n)));
    }
    replays.sort((a, b) => a.ms - b.ms);
    const stock = replays[options.baselineRuns >> 1];
    stock.rootsMatch = replays.every((r) => r.rootsMatch);
    say(`baseline done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    const txsPerSec = settledTxs / wallS;
    const stockRate = stock.txs / (stock.ms / 1000);
    if (stock.txs !== settledTxs) throw new Error(`baseline timed ${stock.txs} txs, not ${settledTxs}`);
    const advanceTxs = windowRecords.reduce((s, r) => s + r.advanceTxs, 0);
    return {
      name: label,
      workload,
      posting,
      l1SlotMs: options.slotMs,
      blocksPerSlot: options.blocksPerSlot,
      l2BlockGasLimit: Number(gasLimit),
      senders: accounts.length,
      backlog,
      window: {
        l1Blocks: windowRecords.length,
        fromL1Block: Number(windowFrom),
        toL1Block: Number(windowTo),
        wallS,
        l1BlockIntervalS: wallS / Math.max(1, windowRecords.length),
      },
      settled: {
        l2Blocks: settled.length,
        l2Txs: settledTxs,
        txsPerSec,
        l2GasPerSec: Number(settledGas) / wallS,
        fill: settled.length === 0 ? 0 : Number(settledGas) / settled.length / Number(gasLimit),
      },
      latencySlots: percentiles(latencySlots),
      latencyS: percentiles(latencyS),
      perL2Tx: {
        l1Gas: perTx(sum((r) => r.advanceGas)),
        executeGas: perTx(sum((r) => r.executeGas)),
        l2Gas: perTx(settledGas),
        postedBytes: perTx(windowRecords.reduce((s, r) => s + r.advanceBytes, 0)),
        blobGas: perTx(sum((r) => r.blobGas)),
      },
      advance: {
        txs: advanceTxs,
        reverted: windowRecords.reduce((s, r) => s + r.advanceReverted, 0),
        meanGas: Number(sum((r) => r.advanceGas)) / Math.max(1, advanceTxs),
      },
      sequencer: {
        keptUp,
        l2BlocksProduced: produced.length,
        scheduledL2Blocks: scheduled,
        meanBuildS: builds === 0 ? Number.NaN : buildS / builds,
        lagAtStart,
        lagAtEnd,
        mempoolAtBuild: percentiles(poolAtBuild),
        l2BaseFeeGwei: { start: gwei(produced[0]), end: gwei(produced.at(-1)) },
        rewinds: watch.rewinds,
        failedSlots: watch.failedSlots,
        notBuildingSlots: watch.notBuilding,
        notable: watch.notable,
      },
      load,
      stepMsPerTx,
      baseline: {
        l2Blocks: stock.blocks,
        l2Txs: stock.txs,
        ms: stock.ms,
        txsPerSec: stockRate,
        stateRootsMatch: stock.rootsMatch,
      },
      ratio: txsPerSec / stockRate,
      setupS,
      signS,
    };
  } finally {
    for (const off of unsubscribe) off();
    await feeder?.stop();
    stopwatch.unwrap();
    if (!devnet.l1.stopped) await devnet.close().catch(() => undefined);
  }
}

/**
 * Runs the end-to-end benchmark; see {@link USAGE} for the arguments. Prints progress to stderr
 * and the report to stdout, unless `quiet`.
 */
export async function runE2EBench(
  args: string[],
  { quiet = false }: { quiet?: boolean } = {},
): Promise<E2EBenchResult | undefined> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(BENCH_E2E_USAGE);
    return undefined;
  }
  const options = parseArgs(args);
  startBenchClock(quiet);
  const total = performance.now();
  const configs: ConfigResult[] = [];
  for (const name of options.configs) configs.push(await runConfig(name, options));
  const { json: _json, verbose: _verbose, ...shown } = options;
  const result: E2EBenchResult = {
    node: process.version,
    ethereumjs: ethereumjsVersion(),
    cpus: availableParallelism(),
    date: new Date().toISOString().slice(0, 10),
    options: shown,
    configs,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    totalS: (performance.now() - total) / 1000,
  };
  progress(`done in ${result.totalS.toFixed(0)} s`);
  if (!quiet) process.stdout.write(`${report(result)}\n`);
  if (options.json !== undefined) {
    const json = JSON.stringify(
      result,
      (_k, v) =>
        typeof v === "bigint" ? v.toString() : typeof v === "number" && !Number.isFinite(v) ? String(v) : v,
      2,
    );
    writeFileSync(options.json, `${json}\n`);
    progress(`wrote ${options.json}`);
  }
  return result;
}
