/**
 * What `bench e2e` watches while it runs: the L1 blocks (settlements, EXECUTE calls), the L2
 * blocks, the node log, and the stock-ethereumjs replay of the L2 chain that is its baseline.
 */
import { createBlockFromRLP } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { bytesToHex, equalsBytes, MapDB, ValueEncoding } from "@ethereumjs/util";
import { createVM, runBlock } from "@ethereumjs/vm";
import { decodeEventLog, type Hex } from "viem";
import { createChainGenesis } from "../node/genesis.ts";
import type { ChainBlock } from "../node/node.ts";
import type { RollupDeployment } from "../rollup/deployment.ts";
import { L2_RULES } from "../rollup/genesis.ts";
import { commonFor } from "../stateless/chain.ts";
import { ABI, progress } from "./e2e-load.ts";
import type { Percentiles } from "./e2e-results.ts";

export type L1BlockRecord = {
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

export type L2BlockRecord = { number: bigint; at: number; txs: number; gasUsed: bigint; baseFee: bigint };

/** Wall time inside an instance's method (async: includes whatever else ran while it awaited). */
export class Stopwatch {
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

export function observeL1Block(entry: ChainBlock, rollup: string, sequencer: string): L1BlockRecord {
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

export function percentiles(samples: number[]): Percentiles {
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
export async function stockReplay(
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
  } = await createChainGenesis(config, common, L2_RULES.genesisExtraData(config.chainId));
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

/** Counts and echoes the node log lines that say something went wrong. */
export class LogWatch {
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
