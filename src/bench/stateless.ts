/**
 * `nrx bench stateless`: stateless verification throughput and witness size for the synthetic
 * transfer workloads, next to stock ethereumjs stateful execution of the same block.
 *
 * Measured path, stateless: `decodeStatelessInput(schema_id ‖ ssz)` then
 * `verifyStatelessNewPayload` (which decodes the transactions, checks the header, builds the
 * witness-backed state and executes the block). Stateful baseline: decode the block's RLP, then a
 * plain `createVM` over a `MerkleStateManager` on a copy of the full genesis node store (the copy
 * is made outside the timer: a stateful node already has its database) and
 * `runBlock(vm, { block, skipHeaderValidation: true })`, which checks the same roots.
 *
 * @example
 * node --expose-gc bin/nrx.js bench stateless --reps 5 --json bench.json
 */
import { writeFileSync } from "node:fs";
import { createBlockFromRLP } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { bytesToHex, equalsBytes, MapDB, ValueEncoding } from "@ethereumjs/util";
import { createVM, runBlock } from "@ethereumjs/vm";
import { decodeStatelessInput, schemaIdOf } from "../stateless/ssz.ts";
import { verifyStatelessNewPayload } from "../stateless/verify.ts";
import { UsageError } from "../util/errors.ts";
import {
  createGenesis,
  DEVNET_FORK,
  erc20Transfers,
  ethTransfers,
  type PreparedInput,
  prepareStatelessInput,
  type Workload,
} from "../workload/transfers.ts";
import { ethereumjsVersion, f1, table } from "./report.ts";

type Options = {
  reps: number;
  warmup: number;
  eth: number;
  erc20: number;
  accounts: number;
  workloads: ("eth" | "erc20")[];
  json?: string;
};

export const BENCH_STATELESS_USAGE = `usage: bench stateless [--reps N=5] [--warmup N=1] [--eth N=1000] [--erc20 N=500]
                       [--accounts N=10000] [--workloads eth,erc20] [--json FILE]`;

function parseArgs(args: string[]): Options {
  const options: Options = {
    reps: 5,
    warmup: 1,
    eth: 1000,
    erc20: 500,
    accounts: 10_000,
    workloads: ["eth", "erc20"],
  };
  const positiveInt = (name: string, value: string | undefined, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(`${name} needs an integer ≥ ${min}\n${BENCH_STATELESS_USAGE}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = args[i + 1];
    switch (arg) {
      case "--reps":
        options.reps = positiveInt(arg, value, 1);
        break;
      case "--warmup":
        options.warmup = positiveInt(arg, value, 0);
        break;
      case "--eth":
        options.eth = positiveInt(arg, value, 1);
        break;
      case "--erc20":
        options.erc20 = positiveInt(arg, value, 1);
        break;
      case "--accounts":
        options.accounts = positiveInt(arg, value, 2);
        break;
      case "--workloads": {
        const names = (value ?? "").split(",").filter((w) => w !== "");
        if (names.length === 0 || names.some((w) => w !== "eth" && w !== "erc20")) {
          throw new UsageError(`--workloads takes eth, erc20 or eth,erc20\n${BENCH_STATELESS_USAGE}`);
        }
        options.workloads = names as Options["workloads"];
        break;
      }
      case "--json":
        if (value === undefined) throw new UsageError(`--json needs a file name\n${BENCH_STATELESS_USAGE}`);
        options.json = value;
        break;
      case "stateless": // `nrx bench stateless ...` may pass the subcommand through
        continue;
      default:
        throw new UsageError(`unknown argument ${arg}\n${BENCH_STATELESS_USAGE}`);
    }
    i++;
  }
  return options;
}

const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const gc = (globalThis as { gc?: () => void }).gc;
const MB = 1024 * 1024;

type Memory = {
  rssBeforeMB: number;
  rssPeakMB: number;
  rssDeltaMB: number;
  heapUsedBeforeMB: number;
  heapUsedPeakMB: number;
  heapUsedDeltaMB: number;
};

type Timing = {
  runs: number;
  medianMs: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  samplesMs: number[];
  txPerSec: number;
  mgasPerSec: number;
  memory: Memory;
};

export type WorkloadResult = {
  workload: string;
  transactions: number;
  gasUsed: number;
  blockHash: string;
  /** Setup, not measured repeatedly: building the block with `buildBlock`, generating its witness. */
  setup: { buildMs: number; witnessGenerationMs: number };
  witness: {
    stateNodes: number;
    codes: number;
    headers: number;
    bytes: number;
    bytesPerTx: number;
    inputBytes: number;
    inputBytesPerTx: number;
  };
  stateless: Timing;
  stateful: Timing;
  /** Stateless median time over stateful median time. */
  ratio: number;
};

export type StatelessBenchResult = {
  fork: string;
  schemaId: string;
  node: string;
  ethereumjs: string;
  gcExposed: boolean;
  reps: number;
  warmup: number;
  accounts: number;
  results: WorkloadResult[];
  maxRssMB: number;
};

/**
 * Times `run` `reps` times after `warmup` untimed runs. `setup` runs before each, outside the
 * timer. Memory is sampled after every run, before any collection, so the peak includes the
 * run's garbage; with `--expose-gc` the "before" figures follow a full collection.
 */
async function measure<T>(
  label: string,
  options: Options,
  txs: number,
  gas: bigint,
  setup: () => T,
  run: (prepared: T) => Promise<void>,
): Promise<Timing> {
  for (let i = 0; i < options.warmup; i++) await run(setup());
  gc?.();
  const before = process.memoryUsage();
  let rssPeak = before.rss;
  let heapPeak = before.heapUsed;
  const samplesMs: number[] = [];
  for (let i = 0; i < options.reps; i++) {
    const prepared = setup();
    const start = performance.now();
    await run(prepared);
    samplesMs.push(performance.now() - start);
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  }
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  progress(`${label}: median ${medianMs.toFixed(1)} ms over ${options.reps} runs`);
  return {
    runs: options.reps,
    medianMs,
    meanMs: samplesMs.reduce((a, b) => a + b, 0) / samplesMs.length,
    minMs: sorted[0],
    maxMs: sorted[sorted.length - 1],
    samplesMs,
    txPerSec: txs / (medianMs / 1000),
    mgasPerSec: Number(gas) / 1e6 / (medianMs / 1000),
    memory: {
      rssBeforeMB: before.rss / MB,
      rssPeakMB: rssPeak / MB,
      rssDeltaMB: (rssPeak - before.rss) / MB,
      heapUsedBeforeMB: before.heapUsed / MB,
      heapUsedPeakMB: heapPeak / MB,
      heapUsedDeltaMB: (heapPeak - before.heapUsed) / MB,
    },
  };
}

async function benchWorkload(prepared: PreparedInput, options: Options): Promise<WorkloadResult> {
  const { block, bytes, input, workload } = prepared;
  const { genesis } = workload;
  const txs = block.transactions.length;
  const gas = block.header.gasUsed;

  const stateless = await measure(
    `${workload.name} stateless`,
    options,
    txs,
    gas,
    () => bytes,
    async (inputBytes) => {
      const result = await verifyStatelessNewPayload(decodeStatelessInput(inputBytes));
      if (!result.successfulValidation) {
        throw new Error(`stateless verification failed: ${result.reason}: ${result.message}`);
      }
    },
  );

  const blockRlp = block.serialize();
  const stateful = await measure(
    `${workload.name} stateful`,
    options,
    txs,
    gas,
    // A Common of its own per run: the EVM subscribes to the Common's events, which would keep
    // every run's VM alive on a shared one.
    () => ({ nodes: new Map(genesis.nodes), common: genesis.common.copy() }),
    async ({ nodes, common }) => {
      const fresh = createBlockFromRLP(blockRlp, { common });
      const trie = new MerklePatriciaTrie({
        db: new MapDB<string, Uint8Array>(nodes),
        useKeyHashing: true,
        common,
        valueEncoding: ValueEncoding.Bytes,
      });
      trie.root(genesis.header.stateRoot);
      const vm = await createVM({ common, stateManager: new MerkleStateManager({ trie, common }) });
      const result = await runBlock(vm, { block: fresh, skipHeaderValidation: true });
      if (!equalsBytes(result.stateRoot, block.header.stateRoot))
        throw new Error("stateful run: state root differs");
    },
  );

  const witness = input.witness;
  return {
    workload: workload.name,
    transactions: txs,
    gasUsed: Number(gas),
    blockHash: bytesToHex(block.hash()),
    setup: { buildMs: prepared.timings.buildMs, witnessGenerationMs: prepared.timings.witnessMs },
    witness: {
      stateNodes: witness.state.length,
      codes: witness.codes.length,
      headers: witness.headers.length,
      bytes: prepared.witnessBytes,
      bytesPerTx: prepared.witnessBytes / txs,
      inputBytes: bytes.length,
      inputBytesPerTx: bytes.length / txs,
    },
    stateless,
    stateful,
    ratio: stateless.medianMs / stateful.medianMs,
  };
}

const f0 = (n: number) => Math.round(n).toLocaleString("en-US");

function report(result: StatelessBenchResult): string {
  const rows = result.results;
  const throughput = table(
    ["workload", "txs", "Mgas", "mode", "median ms", "min ms", "tx/s", "Mgas/s", "stateless/stateful"],
    rows.flatMap((r) => [
      [
        r.workload,
        r.transactions,
        f1(r.gasUsed / 1e6),
        "stateless",
        f1(r.stateless.medianMs),
        f1(r.stateless.minMs),
        f0(r.stateless.txPerSec),
        f1(r.stateless.mgasPerSec),
        `${r.ratio.toFixed(2)}x`,
      ],
      [
        "",
        "",
        "",
        "stateful",
        f1(r.stateful.medianMs),
        f1(r.stateful.minMs),
        f0(r.stateful.txPerSec),
        f1(r.stateful.mgasPerSec),
        "",
      ],
    ]),
  );
  const witness = table(
    ["workload", "nodes", "codes", "headers", "witness B", "witness B/tx", "input B", "input B/tx"],
    rows.map((r) => [
      r.workload,
      r.witness.stateNodes,
      r.witness.codes,
      r.witness.headers,
      f0(r.witness.bytes),
      f0(r.witness.bytesPerTx),
      f0(r.witness.inputBytes),
      f0(r.witness.inputBytesPerTx),
    ]),
  );
  const memory = table(
    ["workload", "mode", "rss before", "rss peak", "Δ rss", "heap before", "heap peak", "Δ heap"],
    rows.flatMap((r) =>
      (["stateless", "stateful"] as const).map((mode) => {
        const m = r[mode].memory;
        return [
          mode === "stateless" ? r.workload : "",
          mode,
          f1(m.rssBeforeMB),
          f1(m.rssPeakMB),
          f1(m.rssDeltaMB),
          f1(m.heapUsedBeforeMB),
          f1(m.heapUsedPeakMB),
          f1(m.heapUsedDeltaMB),
        ];
      }),
    ),
  );
  return [
    `Stateless verification vs stateful execution — fork ${result.fork} (schema ${result.schemaId}), ethereumjs ${result.ethereumjs}, Node ${result.node}`,
    `${result.accounts.toLocaleString("en-US")} funded accounts; ${result.reps} timed runs after ${result.warmup} warm-up; figures from the median run`,
    "",
    throughput,
    "",
    "Witness (state nodes + codes + headers) and full schema-prefixed StatelessInput",
    witness,
    "",
    `Memory (MiB), sampled after each timed run${result.gcExposed ? ", 'before' after a full GC" : " (run with node --expose-gc for cleaner 'before' figures)"}; process max RSS ${f1(result.maxRssMB)} MiB`,
    memory,
  ].join("\n");
}

/** Runs the stateless benchmark; see {@link BENCH_STATELESS_USAGE} for the arguments. */
export async function runStatelessBench(args: string[]): Promise<void> {
  const options = parseArgs(args);
  const start = performance.now();
  progress(`building genesis with ${options.accounts} funded accounts and the ERC-20…`);
  await createGenesis({ accounts: options.accounts });
  progress(`genesis ready in ${((performance.now() - start) / 1000).toFixed(1)} s`);

  const makers: Record<Options["workloads"][number], () => Promise<Workload>> = {
    eth: () => ethTransfers(options.eth, options.accounts),
    erc20: () => erc20Transfers(options.erc20, options.accounts),
  };
  const results: WorkloadResult[] = [];
  for (const name of options.workloads) {
    const workload = await makers[name]();
    progress(
      `${workload.name}: signed ${workload.transactions.length} txs; building block 1 (buildBlock is` +
        ` quadratic in the tx count: 1,000 txs take tens of seconds) and its witness…`,
    );
    const prepared = await prepareStatelessInput(workload);
    progress(
      `${workload.name}: block built in ${(prepared.timings.buildMs / 1000).toFixed(1)} s, ` +
        `witness generated in ${(prepared.timings.witnessMs / 1000).toFixed(1)} s ` +
        `(${prepared.input.witness.state.length} nodes, ${prepared.bytes.length} input bytes)`,
    );
    results.push(await benchWorkload(prepared, options));
  }

  const result: StatelessBenchResult = {
    fork: DEVNET_FORK,
    schemaId: `0x${schemaIdOf(DEVNET_FORK).toString(16).padStart(4, "0")}`,
    node: process.version,
    ethereumjs: ethereumjsVersion(),
    gcExposed: gc !== undefined,
    reps: options.reps,
    warmup: options.warmup,
    accounts: options.accounts,
    results,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${report(result)}\n`);
  if (options.json !== undefined) {
    writeFileSync(options.json, `${JSON.stringify(result, null, 2)}\n`);
    progress(`wrote ${options.json}`);
  }
}
