/**
 * `nrx bench l1`: how long the L1 node takes to produce and to re-verify blocks whose `EXECUTE`
 * calls fill `EXECUTE_CUMULATIVE_GAS_LIMIT`, the largest limit it can verify within a third of a
 * 12 s slot, next to stock ethereumjs executing the same L2 blocks statefully.
 *
 * One L2 block is built once (the synthetic transfer workload) and its `StatelessInput` is the
 * input of every call; its `gasUsed` g is the execute gas per call. For each limit L, a fresh
 * in-memory node with `cumulativeGasLimit = L` (target L/2) gets floor(L/g) `EXECUTE`
 * transactions and mines one L1 block, which must include them all, `valid`, with
 * `executeGasUsed = calls × g ≤ L`. Measured, as the median of `--runs` repetitions:
 * - produce: `node.mine()` (mempool, building, every call's L2 verification, roots);
 * - verify: `verifyStatelessNewPayload` of that L1 block from its own witness
 *   (`node.executionWitness`), with the L1 rules, as a validator without state would;
 * - stock: the same L2 block run `calls` times by a plain `createVM` + `runBlock` over a copy of
 *   the L2 genesis node store (copies made outside the timer), as in `bench stateless`.
 * A least-squares line time = a + b × executeGas over the limits gives the largest limit that
 * fits in 4 s.
 *
 * @example
 * node bin/nrx.js bench l1 --limits 15,30,60 --runs 3 --json l1-bench.json
 */
import { writeFileSync } from "node:fs";
import { createBlockFromRLP } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { equalsBytes, MapDB, ValueEncoding } from "@ethereumjs/util";
import { createVM, runBlock } from "@ethereumjs/vm";
import { executeCallGas } from "../execute/market.ts";
import type { ExecuteCallRecord } from "../execute/precompile.ts";
import { decodeExecuteInput, verifyExecuteInput } from "../execute/result.ts";
import { parseL1Config } from "../l1/config.ts";
import { L1_FORK, type L1Node, openL1Node } from "../l1/node.ts";
import { executeHeaderFields } from "../l1/rules.ts";
import { TX_GAS_LIMIT_CAP } from "../rpc/simulate.ts";
import { encodeStatelessInput } from "../stateless/ssz.ts";
import { verifyStatelessNewPayload } from "../stateless/verify.ts";
import { UsageError } from "../util/errors.ts";
import { devTransaction } from "../workload/l1-transactions.ts";
import { mixedTransfers, type PreparedInput, prepareStatelessInput } from "../workload/transfers.ts";
import { ethereumjsVersion, f1, table } from "./report.ts";

/** A third of a 12 s slot: the time a validator may spend verifying a block. */
const BUDGET_MS = 4000;

type Options = {
  limitsMgas: number[];
  runs: number;
  eth: number;
  erc20: number;
  accounts: number;
  json?: string;
};

export const BENCH_L1_USAGE = `usage: bench l1 [--limits 15,30,60] [--runs N=3] [--eth N=100] [--erc20 N=100]
                [--accounts N=1000] [--quick] [--json FILE]
  --limits   EXECUTE_CUMULATIVE_GAS_LIMIT values to measure, in Mgas of execute gas
  --runs     timed repetitions per figure (the median is reported)
  --eth/--erc20/--accounts   the L2 block reused by every EXECUTE call (mixedTransfers)
  --quick    limits 5,10, 1 run, a 50 + 50 transfer L2 block: a check that everything works
             (options after it override it)`;

function parseArgs(args: string[]): Options {
  const options: Options = { limitsMgas: [15, 30, 60], runs: 3, eth: 100, erc20: 100, accounts: 1000 };
  const integer = (name: string, value: string | undefined, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(`${name} needs an integer ≥ ${min}\n${BENCH_L1_USAGE}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = args[i + 1];
    switch (arg) {
      case "--quick":
        Object.assign(options, { limitsMgas: [5, 10], runs: 1, eth: 50, erc20: 50 });
        continue;
      case "--limits": {
        const limits = (value ?? "").split(",").map(Number);
        if (limits.length === 0 || limits.some((l) => !Number.isFinite(l) || l <= 0)) {
          throw new UsageError(`--limits takes positive Mgas values, e.g. 15,30,60\n${BENCH_L1_USAGE}`);
        }
        options.limitsMgas = limits;
        break;
      }
      case "--runs":
        options.runs = integer(arg, value, 1);
        break;
      case "--eth":
        options.eth = integer(arg, value, 0);
        break;
      case "--erc20":
        options.erc20 = integer(arg, value, 0);
        break;
      case "--accounts":
        options.accounts = integer(arg, value, 2);
        break;
      case "--json":
        if (value === undefined) throw new UsageError(`--json needs a file name\n${BENCH_L1_USAGE}`);
        options.json = value;
        break;
      case "l1": // `nrx bench l1 ...` may pass the subcommand through
        continue;
      default:
        throw new UsageError(`unknown argument ${arg}\n${BENCH_L1_USAGE}`);
    }
    i++;
  }
  if (options.eth + options.erc20 === 0)
    throw new UsageError(`the L2 block needs transactions\n${BENCH_L1_USAGE}`);
  return options;
}

const progress = (message: string) => process.stderr.write(`[bench l1] ${message}\n`);
const gc = (globalThis as { gc?: () => void }).gc;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

type Timing = { medianMs: number; samplesMs: number[] };
const timing = (samplesMs: number[]): Timing => ({ medianMs: median(samplesMs), samplesMs });

/** A line time = a + b × gas through the points; a single point gives a line through the origin. */
export type Fit = { interceptMs: number; msPerMgas: number; r2: number };

function fitLine(points: { gas: number; ms: number }[]): Fit {
  const n = points.length;
  const xs = points.map((p) => p.gas / 1e6);
  const ys = points.map((p) => p.ms);
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  if (n < 2 || sxx === 0) return { interceptMs: 0, msPerMgas: my / mx, r2: 1 };
  const b = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / sxx;
  const a = my - b * mx;
  const ssTot = ys.reduce((s, y) => s + (y - my) ** 2, 0);
  const ssRes = ys.reduce((s, y, i) => s + (y - (a + b * xs[i])) ** 2, 0);
  return { interceptMs: a, msPerMgas: b, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot };
}

/** Execute gas (Mgas) the fitted line allows within `budgetMs`; NaN when it never fits. */
function gasWithin(fit: Fit, budgetMs: number): number {
  if (fit.msPerMgas <= 0) return Number.POSITIVE_INFINITY;
  const mgas = (budgetMs - fit.interceptMs) / fit.msPerMgas;
  return mgas > 0 ? mgas : Number.NaN;
}

export type LimitResult = {
  limitMgas: number;
  calls: number;
  executeGas: number;
  l1GasUsed: number;
  l1GasLimit: number;
  /** Size of the L1 block's own StatelessInput (schema id + SSZ), which carries the calls' inputs. */
  l1InputBytes: number;
  witness: { stateNodes: number; codes: number; headers: number; bytes: number };
  witnessGenerationMs: number;
  produce: Timing;
  verify: Timing;
  stock: Timing;
  /** Time spent inside `EXECUTE` verifying the L2 blocks, summed over the calls (median run). */
  verifyInExecuteMs: number;
  produceInExecuteMs: number;
  /** Verify median / stock median. */
  ratio: number;
  /** Execute gas per second of verification, in Mgas/s. */
  verifyMgasPerSec: number;
};

export type L1BenchResult = {
  node: string;
  ethereumjs: string;
  runs: number;
  budgetMs: number;
  l2Block: {
    workload: string;
    transactions: number;
    gasUsed: number;
    inputBytes: number;
    buildMs: number;
    /** One call's L1 gas: `EXECUTE_GAS_COST` + per-byte gas; and the transaction gas limit used. */
    executeCallL1Gas: number;
    txGasLimit: number;
    /** Warm-up measurements of one L2 block alone. */
    decodeMs: number;
    statelessVerifyMs: number;
    stockMs: number;
  };
  limits: LimitResult[];
  fits: { produce: Fit; verify: Fit; stock: Fit };
  /** Largest EXECUTE_CUMULATIVE_GAS_LIMIT (Mgas) within the budget, by the fitted lines. */
  maxLimitMgas: { produce: number; verify: number; stock: number };
  costModel: {
    msPerMgas: number;
    msPerInputKB: number;
    perCallMs: number;
    perCallInExecuteMs: number;
    perCallDecodeMs: number;
    decodeMsPerKB: number;
  };
  maxRssMB: number;
};

/** Runs the L2 block `count` times statefully, each on its own copy of the genesis nodes. */
async function stockRuns(prepared: PreparedInput, count: number, runs: number): Promise<number[]> {
  const { genesis } = prepared.workload;
  const blockRlp = prepared.block.serialize();
  const expectedRoot = prepared.block.header.stateRoot;
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    // Copies outside the timer: a stateful node already has its database. A Common per run,
    // as the EVM subscribes to its events.
    const setups = Array.from({ length: count }, () => ({
      nodes: new Map(genesis.nodes),
      common: genesis.common.copy(),
    }));
    gc?.();
    const start = performance.now();
    for (const { nodes, common } of setups) {
      const block = createBlockFromRLP(blockRlp, { common });
      const trie = new MerklePatriciaTrie({
        db: new MapDB<string, Uint8Array>(nodes),
        useKeyHashing: true,
        common,
        valueEncoding: ValueEncoding.Bytes,
      });
      trie.root(genesis.header.stateRoot);
      const vm = await createVM({ common, stateManager: new MerkleStateManager({ trie, common }) });
      const result = await runBlock(vm, { block, skipHeaderValidation: true });
      if (!equalsBytes(result.stateRoot, expectedRoot)) throw new Error("stock run: state root differs");
    }
    samples.push(performance.now() - start);
  }
  return samples;
}

async function benchLimit(
  prepared: PreparedInput,
  limitMgas: number,
  txGasLimit: bigint,
  options: Options,
): Promise<LimitResult> {
  const g = prepared.block.header.gasUsed;
  const limit = BigInt(Math.round(limitMgas * 1e6));
  const calls = Number(limit / g);
  const l1GasLimit = BigInt(Math.max(300_000_000, Math.ceil(Number(txGasLimit) * calls * 1.1)));
  const overrides = {
    gasLimit: l1GasLimit.toString(),
    devAccounts: { count: 1 },
    execute: { cumulativeGasLimit: limit.toString(), cumulativeGasTarget: (limit / 2n).toString() },
  };
  const label = `${limitMgas} Mgas`;

  // (a) Production: a fresh node per run, so that every run mines block 1 on the same genesis.
  const produceSamples: number[] = [];
  let node: L1Node | undefined;
  for (let r = 0; r < options.runs; r++) {
    node = await openL1Node(parseL1Config(overrides));
    const value = g * node.config.execute.initialBaseFee; // ≥ the fee; the excess is refunded
    for (let i = 0; i < calls; i++) {
      const tx = devTransaction(node, 0, {
        data: prepared.bytes,
        value,
        nonce: BigInt(i),
        gasLimit: txGasLimit,
      });
      await node.sendRawTransaction(tx.serialize());
    }
    gc?.();
    progress(`${label}: producing an L1 block with ${calls} EXECUTE calls (run ${r + 1}/${options.runs})…`);
    const start = performance.now();
    await node.mine();
    produceSamples.push(performance.now() - start);
  }
  if (node === undefined) throw new Error("no run");
  const entry = node.chain[1];
  const block = entry.block;
  const fields = executeHeaderFields(block.header);
  const executeGas = BigInt(calls) * g;
  const problems: string[] = [];
  if (block.transactions.length !== calls)
    problems.push(`${block.transactions.length} of ${calls} transactions included`);
  const notValid = entry.executeCalls.filter((c) => c.outcome !== "valid");
  if (entry.executeCalls.length !== calls || notValid.length > 0) {
    problems.push(
      `${entry.executeCalls.length} calls, not valid: ${notValid.map((c) => `${c.outcome} ${c.reason}: ${c.message}`).join("; ")}`,
    );
  }
  if (entry.receipts.some((r) => r.status !== 1)) problems.push("a transaction failed");
  if (fields.executeGasUsed !== executeGas || executeGas > limit)
    problems.push(`executeGasUsed ${fields.executeGasUsed}, expected ${executeGas} ≤ ${limit}`);
  if (problems.length > 0) throw new Error(`${label}: ${problems.join("; ")}`);
  const produceInExecuteMs = entry.executeCalls.reduce((s, c) => s + c.verifyMs, 0);

  // (b) Stateless re-verification from the block's own witness.
  progress(`${label}: generating the L1 block's witness (re-runs the block)…`);
  let start = performance.now();
  const generated = await node.statelessInput(block.header.number);
  const witnessGenerationMs = performance.now() - start;
  if (generated.error !== undefined) throw new Error(`witness generation: ${String(generated.error)}`);
  const { input, witness } = generated;
  const l1InputBytes = encodeStatelessInput(input).length;
  const verifySamples: number[] = [];
  const inExecute: number[] = [];
  for (let r = 0; r < options.runs; r++) {
    const records: ExecuteCallRecord[] = [];
    const rules = node.blockRules((record) => records.push(record));
    gc?.();
    progress(`${label}: verifying the L1 block statelessly (run ${r + 1}/${options.runs})…`);
    start = performance.now();
    const verification = await verifyStatelessNewPayload(input, { rules });
    verifySamples.push(performance.now() - start);
    if (!verification.successfulValidation) {
      throw new Error(`${label}: verification failed: ${verification.reason}: ${verification.message}`);
    }
    if (records.length !== calls || records.some((c) => c.outcome !== "valid"))
      throw new Error(`${label}: verification saw ${records.length} calls, not all valid`);
    inExecute.push(records.reduce((s, c) => s + c.verifyMs, 0));
  }

  // (c) Stock ethereumjs, stateful, the same L2 block `calls` times.
  progress(`${label}: stock ethereumjs runs the L2 block ${calls} times × ${options.runs}…`);
  const stockSamples = await stockRuns(prepared, calls, options.runs);

  const produce = timing(produceSamples);
  const verify = timing(verifySamples);
  const stock = timing(stockSamples);
  progress(
    `${label}: produce ${(produce.medianMs / 1000).toFixed(2)} s, verify ${(verify.medianMs / 1000).toFixed(2)} s, stock ${(stock.medianMs / 1000).toFixed(2)} s`,
  );
  const witnessBytes = [...witness.state, ...witness.codes, ...witness.headers].reduce(
    (s, b) => s + b.length,
    0,
  );
  // The in-EXECUTE time of the median verification run.
  const medianRun = verifySamples.indexOf(
    [...verifySamples].sort((a, b) => a - b)[(verifySamples.length - 1) >> 1],
  );
  return {
    limitMgas,
    calls,
    executeGas: Number(executeGas),
    l1GasUsed: Number(block.header.gasUsed),
    l1GasLimit: Number(l1GasLimit),
    l1InputBytes,
    witness: {
      stateNodes: witness.state.length,
      codes: witness.codes.length,
      headers: witness.headers.length,
      bytes: witnessBytes,
    },
    witnessGenerationMs,
    produce,
    verify,
    stock,
    verifyInExecuteMs: inExecute[medianRun],
    produceInExecuteMs,
    ratio: verify.medianMs / stock.medianMs,
    verifyMgasPerSec: Number(executeGas) / 1e6 / (verify.medianMs / 1000),
  };
}

const s2 = (ms: number) => (ms / 1000).toFixed(2);
const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const mgas = (n: number) =>
  Number.isNaN(n)
    ? "none (the fixed cost alone exceeds it)"
    : !Number.isFinite(n)
      ? "unbounded"
      : `${f1(n)}M`;

function report(result: L1BenchResult): string {
  const l2 = result.l2Block;
  const rows = result.limits;
  const main = table(
    [
      "limit",
      "calls",
      "execute gas",
      "produce s",
      "verify s",
      "stock s",
      "verify/stock",
      "verify Mgas/s",
      "stock Mgas/s",
    ],
    rows.map((r) => [
      `${r.limitMgas}M`,
      r.calls,
      `${f1(r.executeGas / 1e6)}M`,
      s2(r.produce.medianMs),
      s2(r.verify.medianMs),
      s2(r.stock.medianMs),
      `${r.ratio.toFixed(2)}x`,
      f1(r.verifyMgasPerSec),
      f1(r.executeGas / 1e6 / (r.stock.medianMs / 1000)),
    ]),
  );
  const detail = table(
    [
      "limit",
      "L1 gas used",
      "L1 input KB",
      "witness nodes",
      "witness KB",
      "witness gen s",
      "verify in EXECUTE s",
      "share",
      "produce in EXECUTE s",
    ],
    rows.map((r) => [
      `${r.limitMgas}M`,
      `${f1(r.l1GasUsed / 1e6)}M`,
      kb(r.l1InputBytes),
      r.witness.stateNodes,
      kb(r.witness.bytes),
      s2(r.witnessGenerationMs),
      s2(r.verifyInExecuteMs),
      `${Math.round((100 * r.verifyInExecuteMs) / r.verify.medianMs)}%`,
      s2(r.produceInExecuteMs),
    ]),
  );
  const { fits, maxLimitMgas: max, costModel: cm } = result;
  const fitLineText = (name: string, fit: Fit) =>
    `  ${name.padEnd(8)} ${f1(fit.interceptMs).padStart(8)} ms + ${fit.msPerMgas.toFixed(1).padStart(7)} ms/Mgas   (R² ${fit.r2.toFixed(4)})`;
  const fastest = Math.min(...rows.map((r) => r.verify.medianMs));
  // A negative intercept cannot be a cost: like a small one, it is noise in the fit.
  const fixedIsNoise = fits.verify.interceptMs < 0.05 * fastest;
  const callsFor = (m: number) =>
    Number.isFinite(m) ? ` ≈ ${Math.floor((m * 1e6) / l2.gasUsed)} calls of this L2 block` : "";
  return [
    `L1 blocks filled with EXECUTE calls — fork ${L1_FORK}, ethereumjs ${result.ethereumjs}, Node ${result.node}`,
    `L2 block (every call's input): ${l2.workload}, ${l2.transactions} txs, ${f1(l2.gasUsed / 1e6)} Mgas, ` +
      `${kb(l2.inputBytes)} KB input (${f1(l2.inputBytes / 1024 / (l2.gasUsed / 1e6))} KB/Mgas); ` +
      `L1 gas per call ${f1(l2.executeCallL1Gas / 1e6)}M in EXECUTE, tx gas limit ${f1(l2.txGasLimit / 1e6)}M`,
    `  alone: SSZ decode ${f1(l2.decodeMs)} ms, stateless verify in EXECUTE ${f1(l2.statelessVerifyMs)} ms, stock ethereumjs ${f1(l2.stockMs)} ms`,
    `Medians of ${result.runs} run(s). produce = node.mine(); verify = verifyStatelessNewPayload of the L1 block from its own witness;`,
    "stock = plain createVM + runBlock of the same L2 block, `calls` times, on copies of its genesis state (stateful).",
    "",
    main,
    "",
    "Where the time goes (witness = the L1 block's state nodes, codes and headers; the L2 inputs travel in its transactions)",
    detail,
    "",
    `Fitted time = a + b × execute gas, least squares over ${rows.length} limit(s):`,
    fitLineText("produce", fits.produce),
    fitLineText("verify", fits.verify),
    fitLineText("stock", fits.stock),
    "",
    `Largest EXECUTE_CUMULATIVE_GAS_LIMIT within ${result.budgetMs / 1000} s (a third of a 12 s slot):`,
    `  stateless re-verification of the L1 block   ${mgas(max.verify)} execute gas${callsFor(max.verify)}`,
    `  stock ethereumjs, same L2 blocks, stateful   ${mgas(max.stock)} execute gas${callsFor(max.stock)}`,
    `  (block production                            ${mgas(max.produce)} execute gas${callsFor(max.produce)})`,
    "",
    "Verification cost model (this L2 block's mix; its input size is proportional to its gas, so the two rates are one slope):",
    `  ${cm.msPerMgas.toFixed(1)} ms per Mgas of execute gas = ${cm.msPerInputKB.toFixed(2)} ms per KB of EXECUTE input, ` +
      `fixed ${f1(fits.verify.interceptMs)} ms per L1 block${fixedIsNoise ? " (zero within the noise)" : ""}`,
    `  per call of ${f1(l2.gasUsed / 1e6)} Mgas / ${kb(l2.inputBytes)} KB: ${f1(cm.perCallMs)} ms, of which ` +
      `${f1(cm.perCallInExecuteMs)} ms L2 stateless verification inside EXECUTE, ` +
      `${f1(cm.perCallDecodeMs)} ms SSZ decode of the input (${cm.decodeMsPerKB.toFixed(3)} ms/KB), ` +
      `${f1(cm.perCallMs - cm.perCallInExecuteMs - cm.perCallDecodeMs)} ms the rest (L1 transaction, calldata, EVM)`,
    `Process max RSS ${f1(result.maxRssMB)} MiB`,
  ].join("\n");
}

/** Runs the L1 benchmark; see {@link BENCH_L1_USAGE} for the arguments. */
export async function runL1Bench(args: string[]): Promise<void> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(BENCH_L1_USAGE);
    return;
  }
  const options = parseArgs(args);
  const total = performance.now();
  progress(
    `building the L2 block: ${options.eth} ETH + ${options.erc20} ERC-20 transfers among ${options.accounts} accounts…`,
  );
  const workload = await mixedTransfers(options.eth, options.erc20, options.accounts);
  const prepared = await prepareStatelessInput(workload);
  const g = prepared.block.header.gasUsed;
  const bytes = prepared.bytes;
  progress(
    `L2 block built in ${(prepared.timings.buildMs / 1000).toFixed(1)} s: ${g} gas, ${bytes.length} input bytes`,
  );

  // One call's transaction: intrinsic (≤ 16 gas/byte) or the EIP-7623 floor (≤ 40 gas/byte),
  // plus EXECUTE's own L1 gas, with room to spare; it must fit under the EIP-7825 cap.
  const { execute } = parseL1Config({});
  const callGas = executeCallGas(bytes.length, execute);
  const txGasLimit = 21_000n + 40n * BigInt(bytes.length) + callGas + 100_000n;
  if (txGasLimit > TX_GAS_LIMIT_CAP) {
    throw new Error(
      `the L2 input (${bytes.length} bytes) needs ${txGasLimit} gas per EXECUTE transaction, above the ` +
        `EIP-7825 cap of ${TX_GAS_LIMIT_CAP}: use a smaller L2 block`,
    );
  }

  // Warm-up, and the L2 block's costs alone.
  progress("warm-up: one L2 block alone, stateless and stock…");
  const decoded = decodeExecuteInput(bytes);
  if ("halted" in decoded) throw new Error(`L2 input does not decode: ${decoded.error.message}`);
  let start = 0;
  const decodeSamples: number[] = [];
  for (let i = 0; i < 5; i++) {
    start = performance.now();
    decodeExecuteInput(bytes);
    decodeSamples.push(performance.now() - start);
  }
  const verifySamples: number[] = [];
  for (let i = 0; i < 2; i++) {
    start = performance.now();
    const outcome = await verifyExecuteInput(decoded.input);
    verifySamples.push(performance.now() - start);
    if (!outcome.result.valid) throw new Error(`L2 block does not verify: ${outcome.message}`);
  }
  const stockWarm = await stockRuns(prepared, 1, 2);
  const l2Decode = median(decodeSamples);

  const limits: LimitResult[] = [];
  for (const limitMgas of options.limitsMgas) {
    if (limitMgas * 1e6 < Number(g)) {
      progress(`skipping limit ${limitMgas} Mgas: below one L2 block's ${g} gas`);
      continue;
    }
    limits.push(await benchLimit(prepared, limitMgas, txGasLimit, options));
  }
  if (limits.length === 0)
    throw new UsageError(`every limit is below one L2 block's ${g} gas\n${BENCH_L1_USAGE}`);

  const fits = {
    produce: fitLine(limits.map((r) => ({ gas: r.executeGas, ms: r.produce.medianMs }))),
    verify: fitLine(limits.map((r) => ({ gas: r.executeGas, ms: r.verify.medianMs }))),
    stock: fitLine(limits.map((r) => ({ gas: r.executeGas, ms: r.stock.medianMs }))),
  };
  const gMgas = Number(g) / 1e6;
  const totalCalls = limits.reduce((s, r) => s + r.calls, 0);
  const perCallInExecuteMs = limits.reduce((s, r) => s + r.verifyInExecuteMs, 0) / totalCalls;
  const perCallMs = fits.verify.msPerMgas * gMgas;
  const result: L1BenchResult = {
    node: process.version,
    ethereumjs: ethereumjsVersion(),
    runs: options.runs,
    budgetMs: BUDGET_MS,
    l2Block: {
      workload: workload.name,
      transactions: prepared.block.transactions.length,
      gasUsed: Number(g),
      inputBytes: bytes.length,
      buildMs: prepared.timings.buildMs,
      executeCallL1Gas: Number(callGas),
      txGasLimit: Number(txGasLimit),
      decodeMs: l2Decode,
      statelessVerifyMs: median(verifySamples),
      stockMs: median(stockWarm),
    },
    limits,
    fits,
    maxLimitMgas: {
      produce: gasWithin(fits.produce, BUDGET_MS),
      verify: gasWithin(fits.verify, BUDGET_MS),
      stock: gasWithin(fits.stock, BUDGET_MS),
    },
    costModel: {
      msPerMgas: fits.verify.msPerMgas,
      msPerInputKB: perCallMs / (bytes.length / 1024),
      perCallMs,
      perCallInExecuteMs,
      perCallDecodeMs: l2Decode,
      decodeMsPerKB: l2Decode / (bytes.length / 1024),
    },
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
  progress(`done in ${((performance.now() - total) / 1000).toFixed(0)} s`);
  process.stdout.write(`${report(result)}\n`);
  if (options.json !== undefined) {
    const json = JSON.stringify(
      result,
      (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v),
      2,
    );
    writeFileSync(options.json, `${json}\n`);
    progress(`wrote ${options.json}`);
  }
}
