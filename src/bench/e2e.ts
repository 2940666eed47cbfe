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
import { createBlockFromRLP } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import {
  type Address,
  bigIntToBytes,
  bytesToHex,
  concatBytes,
  createAddressFromPrivateKey,
  createAddressFromString,
  equalsBytes,
  hexToBytes,
  MapDB,
  setLengthLeft,
  utf8ToBytes,
  ValueEncoding,
} from "@ethereumjs/util";
import { createVM, runBlock } from "@ethereumjs/vm";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { type Abi, decodeEventLog, encodeFunctionData, getContractAddress, type Hex } from "viem";
import { loadArtifact } from "../contracts/compile.ts";
import { type Devnet, SEQUENCER_ACCOUNT, startDevnet } from "../devnet/devnet.ts";
import type { Posting } from "../l2/sequencer.ts";
import { createChainGenesis } from "../node/genesis.ts";
import type { ChainBlock, ChainNode } from "../node/node.ts";
import type { RollupDeployment } from "../rollup/deployment.ts";
import { L2_RULES } from "../rollup/genesis.ts";
import { commonFor } from "../stateless/chain.ts";
import { Rng } from "../util/prng.ts";
import { ethereumjsVersion, f1, table } from "./report.ts";

type Workload = "eth" | "erc20";
type ConfigName = "eth" | "erc20" | "blobs";

type Options = {
  /** L1 slot time. */
  slotMs: number;
  blocksPerSlot: number;
  /** L1 slots of load before the window opens (at the next settlement of workload blocks). */
  warmupSlots: number;
  /** L1 slots measured, at least (the window closes at the next settlement after them). */
  windowSlots: number;
  senders: number;
  /** Transactions kept in the sequencer's mempool, in full L2 blocks. */
  backlogBlocks: number;
  /** Most settled L2 tx/s the pre-signed transactions must cover (they are signed up front). */
  maxRate: number;
  /** Replays of the chain for the baseline (the median is reported). */
  baselineRuns: number;
  configs: ConfigName[];
  json?: string;
  verbose: boolean;
};

const USAGE = `usage: bench e2e [--quick] [--configs eth,erc20] [--slot-time S=4] [--blocks-per-slot N=2]
                 [--warmup SLOTS=1] [--window SLOTS=3] [--senders N=250] [--backlog BLOCKS=1.5]
                 [--max-rate TXS=60] [--baseline-runs N=3] [--verbose] [--json FILE]
  --configs      eth: ETH transfers posted in calldata; erc20: TestToken transfers in calldata;
                 blobs: ETH transfers posted in blobs (each on a fresh devnet, in this order)
  --slot-time    L1 slot time in seconds; the L2 block time is slot time / blocks per slot
  --warmup       L1 slots of load before the window, which opens at the next settlement
  --window       L1 slots measured, at least: the window closes at the first settlement after them
  --senders      L2 accounts sending the load (funded by the dev accounts)
  --backlog      transactions kept in the sequencer's mempool, in full L2 blocks (below 1, blocks
                 cannot fill)
  --max-rate     settled tx/s the pre-signed transactions cover (signing is kept out of the run)
  --baseline-runs  stock ethereumjs replays of the chain; the median replay is reported
  --verbose      print every node log line
  --quick        a check that everything works: eth and erc20, 1.5 s slots, warm-up 1, window 2,
                 100 senders, a backlog of a quarter block, 1 baseline run (options after it
                 override it)`;

function parseArgs(args: string[]): Options {
  const options: Options = {
    slotMs: 4000,
    blocksPerSlot: 2,
    warmupSlots: 1,
    windowSlots: 3,
    senders: 250,
    backlogBlocks: 1.5,
    maxRate: 60,
    baselineRuns: 3,
    configs: ["eth", "erc20"],
    verbose: false,
  };
  const number = (name: string, value: string | undefined, min: number, integer = true) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      throw new Error(`${name} needs ${integer ? "an integer" : "a number"} ≥ ${min}\n${USAGE}`);
    }
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = args[i + 1];
    switch (arg) {
      case "--quick":
        Object.assign(options, {
          slotMs: 1500,
          baselineRuns: 1,
          warmupSlots: 1,
          windowSlots: 2,
          senders: 100,
          backlogBlocks: 0.25,
          configs: ["eth", "erc20"],
        });
        continue;
      case "--verbose":
        options.verbose = true;
        continue;
      case "e2e":
        continue;
      case "--configs": {
        const configs = (value ?? "").split(",");
        if (configs.some((c) => c !== "eth" && c !== "erc20" && c !== "blobs")) {
          throw new Error(`--configs takes eth, erc20 and blobs, e.g. eth,erc20\n${USAGE}`);
        }
        options.configs = configs as ConfigName[];
        break;
      }
      case "--slot-time":
        options.slotMs = Math.round(number(arg, value, 0.5, false) * 1000);
        break;
      case "--blocks-per-slot":
        options.blocksPerSlot = number(arg, value, 1);
        break;
      case "--warmup":
        options.warmupSlots = number(arg, value, 0);
        break;
      case "--window":
        options.windowSlots = number(arg, value, 1);
        break;
      case "--senders":
        options.senders = number(arg, value, 2);
        break;
      case "--backlog":
        options.backlogBlocks = number(arg, value, 0.01, false);
        break;
      case "--max-rate":
        options.maxRate = number(arg, value, 1);
        break;
      case "--baseline-runs":
        options.baselineRuns = number(arg, value, 1);
        break;
      case "--json":
        if (value === undefined) throw new Error(`--json needs a file name\n${USAGE}`);
        options.json = value;
        break;
      default:
        throw new Error(`unknown argument ${arg}\n${USAGE}`);
    }
    i++;
  }
  return options;
}

let benchStart = performance.now();
const toStderr = (message: string) => {
  const s = ((performance.now() - benchStart) / 1000).toFixed(0).padStart(3);
  process.stderr.write(`[bench e2e ${s} s] ${message}\n`);
};
/** Where progress lines go (stderr; a test may silence them). */
let progress = toStderr;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ETHER = 10n ** 18n;
const GWEI = 10n ** 9n;
/**
 * Fee cap of the workload: full L2 blocks raise the base fee 12.5% a block, and the transactions
 * are signed before the run; 1000 gwei covers ~58 full blocks from the 1 gwei genesis base fee.
 */
const MAX_FEE_PER_GAS = 1000n * GWEI;
const TIP = GWEI;
const ETH_GAS = 21_000n;
/** A TestToken transfer to a new holder takes about 52k gas. */
const ERC20_GAS = 80_000n;
const SENDER_FUNDS = ETHER;
const TOKENS = 10n ** 24n;
/** The JSON-RPC server takes at most 1000 requests a batch. */
const BATCH = 250;

const ABI = {
  rollup: loadArtifact("NativeRollup").abi as Abi,
  token: loadArtifact("TestToken").abi as Abi,
};

type Sender = { key: Uint8Array; address: Address };

const senderCache: Sender[] = [];
/** Sender `i`'s key: `keccak256("nrx/bench/e2e/sender" ‖ uint256(i))`. */
function senders(count: number): Sender[] {
  for (let i = senderCache.length; i < count; i++) {
    const key = keccak_256(
      concatBytes(utf8ToBytes("nrx/bench/e2e/sender"), setLengthLeft(bigIntToBytes(BigInt(i)), 32)),
    );
    senderCache.push({ key, address: createAddressFromPrivateKey(key) });
  }
  return senderCache.slice(0, count);
}

/** An address nobody holds a key for: a transfer to it creates an account or a token holder. */
function freshAddress(i: number): Address {
  const hash = keccak_256(
    concatBytes(utf8ToBytes("nrx/bench/e2e/fresh"), setLengthLeft(bigIntToBytes(BigInt(i)), 32)),
  );
  return createAddressFromString(bytesToHex(hash.subarray(12)));
}

// ---------------------------------------------------------------- JSON-RPC

type RpcReply = { id: number; result?: unknown; error?: { code: number; message: string } };

/** Network failures (not JSON-RPC errors) of the batches sent, by cause; each was sent again. */
const retriedSends = new Map<string, number>();

/**
 * One JSON-RPC batch over HTTP. A request the connection lost (the server closes an idle
 * keep-alive socket while the request is on its way, "fetch failed") is sent again, up to 3
 * times; transactions that did arrive are then answered "already known".
 */
async function rpcBatch(url: string, calls: { method: string; params: unknown[] }[]): Promise<RpcReply[]> {
  const body = JSON.stringify(calls.map((c, id) => ({ jsonrpc: "2.0", id, ...c })));
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    } catch (err) {
      const cause = (err as Error & { cause?: { message?: string; code?: string } }).cause;
      const why = `${(err as Error).message}: ${cause?.code ?? cause?.message ?? "?"}`;
      retriedSends.set(why, (retriedSends.get(why) ?? 0) + 1);
      if (attempt >= 3) throw new Error(why);
      continue;
    }
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
    const replies = (await response.json()) as RpcReply[] | RpcReply;
    if (!Array.isArray(replies)) throw new Error(`${url}: ${JSON.stringify(replies)}`);
    return replies.sort((a, b) => a.id - b.id);
  }
}

async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const [reply] = await rpcBatch(url, [{ method, params }]);
  if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
  return reply.result;
}

/** Sends raw transactions in batches; throws on the first rejection. */
async function sendAll(url: string, raws: Hex[]): Promise<void> {
  for (let i = 0; i < raws.length; i += BATCH) {
    const replies = await rpcBatch(
      url,
      raws.slice(i, i + BATCH).map((raw) => ({ method: "eth_sendRawTransaction", params: [raw] })),
    );
    const failed = replies.find((r) => r.error);
    if (failed) throw new Error(`set-up transaction refused: ${failed.error?.message}`);
  }
}

/** Waits until the L2 (sequencer) has mined every one of `hashes`. */
async function waitMined(l2: ChainNode, hashes: Hex[], what: string, timeoutMs: number): Promise<void> {
  const start = Date.now();
  for (;;) {
    const missing = hashes.filter((h) => l2.minedTransaction(h) === undefined);
    if (missing.length === 0) break;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: ${missing.length} transactions not mined`);
    await sleep(100);
  }
  const failed = hashes.filter((h) => {
    const mined = l2.minedTransaction(h);
    return mined !== undefined && mined.entry.receipts[mined.index].status !== 1;
  });
  if (failed.length > 0)
    throw new Error(`${what}: ${failed.length} transactions reverted, e.g. ${failed[0]}`);
}

// ---------------------------------------------------------------- set-up and load

type Signer = { key: Uint8Array; nonce: bigint };

function signTx(
  l2: ChainNode,
  from: Signer,
  fields: { to?: Address; value?: bigint; data?: Uint8Array; gasLimit: bigint },
): { raw: Hex; hash: Hex } {
  const tx = createFeeMarket1559Tx(
    {
      chainId: l2.common.chainId(),
      nonce: from.nonce++,
      maxFeePerGas: MAX_FEE_PER_GAS,
      maxPriorityFeePerGas: TIP,
      ...fields,
    },
    { common: l2.common },
  ).sign(from.key);
  return { raw: bytesToHex(tx.serialize()) as Hex, hash: bytesToHex(tx.hash()) as Hex };
}

/** Funds the senders from the dev accounts (all but the sequencer's) and, for ERC-20, deploys and mints. */
async function setUp(devnet: Devnet, workload: Workload, accounts: Sender[]): Promise<Address | undefined> {
  const l2 = devnet.sequencer.node;
  const url = devnet.sequencer.server.url;
  const funders: Signer[] = devnet.l1.devAccounts
    .filter((_, i) => i !== SEQUENCER_ACCOUNT)
    .map((a) => ({ key: hexToBytes(a.privateKey), nonce: 0n }));
  const timeout = 60_000 + 20 * devnet.sequencer.sequencer!.blockTimeMs;
  const funding = accounts.map((s, i) =>
    signTx(l2, funders[i % funders.length], { to: s.address, value: SENDER_FUNDS, gasLimit: ETH_GAS }),
  );
  await sendAll(
    url,
    funding.map((t) => t.raw),
  );
  await waitMined(
    l2,
    funding.map((t) => t.hash),
    "funding the senders",
    timeout,
  );
  if (workload === "eth") return undefined;
  const { bytecode } = loadArtifact("TestToken");
  const deployer = funders[0];
  const token = createAddressFromString(
    getContractAddress({
      from: createAddressFromPrivateKey(deployer.key).toString() as Hex,
      nonce: deployer.nonce,
    }),
  );
  const deploy = signTx(l2, deployer, { data: hexToBytes(bytecode), gasLimit: 2_000_000n });
  await sendAll(url, [deploy.raw]);
  await waitMined(l2, [deploy.hash], "deploying TestToken", timeout);
  const mints = accounts.map((s, i) =>
    signTx(l2, funders[i % funders.length], {
      to: token,
      data: hexToBytes(
        encodeFunctionData({ abi: ABI.token, functionName: "mint", args: [s.address.toString(), TOKENS] }),
      ),
      gasLimit: 100_000n,
    }),
  );
  await sendAll(
    url,
    mints.map((t) => t.raw),
  );
  await waitMined(
    l2,
    mints.map((t) => t.hash),
    "minting TestToken",
    timeout,
  );
  return token;
}

/**
 * `count` workload transactions: transaction k from sender k mod S (nonces in order), to another
 * sender three times in four and to a fresh address otherwise.
 */
function signWorkload(l2: ChainNode, workload: Workload, accounts: Sender[], count: number, token?: Address) {
  const signers: Signer[] = accounts.map((s) => ({ key: s.key, nonce: 0n }));
  const rng = new Rng(workload === "eth" ? 0xe7 : 0x20);
  const random = () => rng.float();
  const raws: Hex[] = [];
  const hashes: Hex[] = [];
  for (let k = 0; k < count; k++) {
    const from = k % accounts.length;
    let to: Address;
    if (random() < 0.25) to = freshAddress(k);
    else {
      let j = Math.floor(random() * accounts.length);
      if (j === from) j = (j + 1) % accounts.length;
      to = accounts[j].address;
    }
    const tx =
      workload === "eth"
        ? signTx(l2, signers[from], { to, value: GWEI + BigInt(k), gasLimit: ETH_GAS })
        : signTx(l2, signers[from], {
            to: token!,
            data: concatBytes(
              hexToBytes("0xa9059cbb"),
              setLengthLeft(to.bytes, 32),
              setLengthLeft(bigIntToBytes(ETHER + BigInt(k)), 32),
            ),
            gasLimit: ERC20_GAS,
          });
    raws.push(tx.raw);
    hashes.push(tx.hash);
  }
  return { raws, hashes };
}

/**
 * Keeps the sequencer's mempool at `backlog` transactions, in JSON-RPC batches, recording when
 * each transaction was sent and the L1 head then.
 */
class Feeder {
  next = 0;
  readonly sentAt: number[] = [];
  readonly sentHead: bigint[] = [];
  readonly rejected = new Map<string, number>();
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly devnet: Devnet,
    private readonly raws: Hex[],
    private readonly backlog: number,
  ) {}

  get exhausted(): boolean {
    return this.next >= this.raws.length;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    const pool = this.devnet.sequencer.node.mempool;
    const url = this.devnet.sequencer.server.url;
    while (!this.stopped) {
      const size = pool.size;
      const want = Math.min(this.backlog - size, BATCH, this.raws.length - this.next);
      if (want <= 0) {
        await sleep(25);
        continue;
      }
      const first = this.next;
      this.next += want;
      const now = performance.now();
      const head = this.devnet.l1.head.header.number;
      for (let i = first; i < this.next; i++) {
        this.sentAt[i] = now;
        this.sentHead[i] = head;
      }
      const replies = await rpcBatch(
        url,
        this.raws.slice(first, this.next).map((raw) => ({ method: "eth_sendRawTransaction", params: [raw] })),
      ).catch((err: Error) => [{ id: 0, error: { code: 0, message: err.message } }] as RpcReply[]);
      for (const reply of replies) {
        if (reply.error === undefined || /already known/.test(reply.error.message)) continue;
        const reason = reply.error.message.replace(/[0-9]+/g, "N").slice(0, 80);
        this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
      }
    }
  }
}

// ---------------------------------------------------------------- observation

type L1BlockRecord = {
  number: bigint;
  /** performance.now() when the L1 node announced the block. */
  at: number;
  /** L2 blocks its `Advanced` events settled. */
  settled: { number: bigint; hash: Hex }[];
  advanceGas: bigint;
  advanceTxs: number;
  advanceReverted: number;
  advanceBytes: number;
  blobGas: bigint;
  executeGas: bigint;
  executeVerifyMs: number;
  executeCalls: number;
  l1GasUsed: bigint;
};

type L2BlockRecord = { number: bigint; at: number; txs: number; gasUsed: bigint; baseFee: bigint };

/** Wall time inside an instance's method (async: includes whatever else ran while it awaited). */
class Stopwatch {
  readonly totals = new Map<string, { ms: number; calls: number }>();
  private readonly restore: (() => void)[] = [];
  counting = false;

  wrap<T extends object>(target: T, method: keyof T & string, label: string, before?: () => void): void {
    const original = (target[method] as (...args: unknown[]) => Promise<unknown>).bind(target);
    (target as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      before?.();
      const start = performance.now();
      try {
        return await original(...args);
      } finally {
        if (this.counting) {
          const t = this.totals.get(label) ?? { ms: 0, calls: 0 };
          t.ms += performance.now() - start;
          t.calls++;
          this.totals.set(label, t);
        }
      }
    };
    this.restore.push(() => {
      delete (target as Record<string, unknown>)[method];
    });
  }

  unwrap(): void {
    for (const r of this.restore) r();
  }
}

function observeL1Block(entry: ChainBlock, rollup: string, sequencer: string): L1BlockRecord {
  const record: L1BlockRecord = {
    number: entry.block.header.number,
    at: performance.now(),
    settled: [],
    advanceGas: 0n,
    advanceTxs: 0,
    advanceReverted: 0,
    advanceBytes: 0,
    blobGas: 0n,
    executeGas: 0n,
    executeVerifyMs: 0,
    executeCalls: 0,
    l1GasUsed: entry.block.header.gasUsed,
  };
  entry.block.transactions.forEach((tx, i) => {
    if (tx.to?.toString() !== rollup || tx.getSenderAddress().toString() !== sequencer) return;
    const receipt = entry.receipts[i];
    record.advanceTxs++;
    record.advanceGas += BigInt(receipt.gasUsed);
    record.blobGas += BigInt(receipt.blobGasUsed ?? "0");
    record.advanceBytes += tx.data.length;
    if (receipt.status !== 1) record.advanceReverted++;
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== rollup) continue;
      try {
        const event = decodeEventLog({ abi: ABI.rollup, data: log.data, topics: log.topics as [Hex] });
        if (event.eventName !== "Advanced") continue;
        const args = event.args as unknown as { number: bigint; blockHash: Hex };
        record.settled.push({ number: args.number, hash: args.blockHash });
      } catch {
        // another event
      }
    }
  });
  for (const call of entry.executeCalls) {
    if (call.outcome !== "valid") continue;
    record.executeCalls++;
    record.executeGas += BigInt(call.executeGas);
    record.executeVerifyMs += call.verifyMs;
  }
  return record;
}

// ---------------------------------------------------------------- results

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

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.ceil(q * sorted.length) - 1]);
  return {
    min: sorted[0] ?? Number.NaN,
    median: at(0.5),
    p90: at(0.9),
    max: sorted.at(-1) ?? Number.NaN,
    count: sorted.length,
  };
}

// ---------------------------------------------------------------- baseline

/**
 * Stock ethereumjs, stateful: the L2 genesis state in a plain `MerkleStateManager`, then every
 * L2 block from 1 in order with `runBlock`; the blocks in `timed` are timed.
 */
async function stockReplay(
  deployment: RollupDeployment,
  blocks: Uint8Array[],
  timed: (number: bigint) => boolean,
): Promise<{ ms: number; txs: number; blocks: number; rootsMatch: boolean }> {
  const config = deployment.chain;
  const common = commonFor(config.chainId, L2_RULES.fork);
  const {
    nodes,
    stateRoot,
    block: genesis,
  } = await createChainGenesis(config, common, L2_RULES.genesisExtraData);
  if (bytesToHex(genesis.hash()) !== deployment.genesisHash) {
    throw new Error("baseline: the rebuilt L2 genesis is not the deployment's");
  }
  const trie = new MerklePatriciaTrie({
    db: new MapDB<string, Uint8Array>(nodes),
    useKeyHashing: true,
    common,
    valueEncoding: ValueEncoding.Bytes,
  });
  trie.root(stateRoot);
  const vm = await createVM({ common, stateManager: new MerkleStateManager({ trie, common }) });
  let ms = 0;
  let txs = 0;
  let count = 0;
  let rootsMatch = true;
  for (const rlp of blocks) {
    const block = createBlockFromRLP(rlp, { common });
    const measure = timed(block.header.number);
    const start = performance.now();
    const result = await runBlock(vm, { block, skipHeaderValidation: true });
    if (measure) {
      ms += performance.now() - start;
      txs += block.transactions.length;
      count++;
    }
    if (!equalsBytes(result.stateRoot, block.header.stateRoot)) rootsMatch = false;
  }
  return { ms, txs, blocks: count, rootsMatch };
}

// ---------------------------------------------------------------- one configuration

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

/** Counts and echoes the node log lines that say something went wrong. */
class LogWatch {
  rewinds = 0;
  failedSlots = 0;
  notBuilding = 0;
  readonly notable: string[] = [];

  constructor(
    private readonly label: string,
    private readonly verbose: boolean,
  ) {}

  readonly log = (line: string): void => {
    if (this.verbose) progress(`${this.label}:   ${line}`);
    if (/wait for settlement; not building/.test(line)) {
      this.notBuilding++;
      return;
    }
    if (/rewound/.test(line)) this.rewinds++;
    if (/slot failed/.test(line)) this.failedSlots++;
    if (
      /rewound|rebuilding|dropped|does not|stopped|error|revert|could not|failed|not included/i.test(line)
    ) {
      const short = line.split("\n")[0].slice(0, 240);
      if (this.notable.length < 20) this.notable.push(short);
      if (!this.verbose) progress(`${this.label}:   ${short}`);
    }
  };
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

// ---------------------------------------------------------------- report

const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "—");
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "—");

function report(result: E2EBenchResult): string {
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

/**
 * Runs the end-to-end benchmark; see {@link USAGE} for the arguments. Prints progress to stderr
 * and the report to stdout, unless `quiet`.
 */
export async function runE2EBench(
  args: string[],
  { quiet = false }: { quiet?: boolean } = {},
): Promise<E2EBenchResult | undefined> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return undefined;
  }
  const options = parseArgs(args);
  progress = quiet ? () => {} : toStderr;
  benchStart = performance.now();
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
