/**
 * The chain node (DESIGN.md §5), neither L1 nor L2: the canonical chain and its crash-safe log,
 * the state, transaction admission into a fee-ordered mempool, block production and import,
 * calls and execution witnesses. What makes the chain an L1 or an L2 comes in as its
 * `ChainRules` (src/node/rules.ts) and as arguments of block production (the anchor an L2 block
 * carries as its parent beacon root). Blocks are built with the rules the stateless verifier
 * applies, so each one re-verifies from its own witness.
 */
import { type Block, type BlockHeader, createBlockFromRLP } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import type { EVMResult } from "@ethereumjs/evm";
import {
  type Blob4844Tx,
  createBlob4844TxFromSerializedNetworkWrapper,
  createTxFromRLP,
  type TypedTransaction,
} from "@ethereumjs/tx";
import {
  Account,
  type Address,
  bytesToHex,
  createAddressFromString,
  equalsBytes,
  hexToBytes,
} from "@ethereumjs/util";
import type { VM } from "@ethereumjs/vm";
import type { ExecuteCallRecord } from "../execute/precompile.ts";
import { commonFor } from "../stateless/chain.ts";
import { type GeneratedWitness, generateStatelessInput } from "../stateless/generate.ts";
import type { StatelessInput } from "../stateless/ssz.ts";
import { createStateManager, type FailClosedStateManager } from "../stateless/state-manager.ts";
import { type BlockRules, createBlockVM, runBlockChecked } from "../stateless/vm.ts";
import { RecordingDB } from "../stateless/witness-db.ts";
import { type DevAccount, deriveDevAccounts } from "./accounts.ts";
import { type ChainBlock, ChainIndex } from "./chain-index.ts";
import { ChainStore } from "./chain-store.ts";
import type { ChainConfig } from "./config.ts";
import { createChainGenesis } from "./genesis.ts";
import { Mempool, type PoolTransaction, TransactionRejectedError } from "./mempool.ts";
import { type BlockRequest, produceBlockOn } from "./produce.ts";
import { storedReceipt } from "./receipts.ts";
import type { BlobStore, ChainRules } from "./rules.ts";

export type { ChainBlock } from "./chain-index.ts";
export type { BlockRequest } from "./produce.ts";

type LogRecord =
  | { type: "genesis"; hash: string }
  | { type: "tx"; raw: string }
  | {
      type: "block";
      rlp: string;
      receipts: ChainBlock["receipts"];
      executeCalls: ChainBlock["executeCalls"];
      nodes: [string, string][];
      blobs: [string, string][];
      preStateRoot?: string;
    }
  | { type: "state"; root: string; nodes: [string, string][] }
  | { type: "rewind"; number: string; root: string }
  | { type: "time"; offset: number };

export type NodeOptions = {
  /** What the chain adds to Ethereum's rules: `l1ChainRules(…)` or `l2ChainRules(…)`. */
  rules: ChainRules;
  /** Directory of the chain log; absent: in memory only (`--memory`). */
  dataDir?: string;
  log?: (line: string) => void;
};

export type CallParams = {
  from?: Address;
  to?: Address;
  data?: Uint8Array;
  value?: bigint;
  gas?: bigint;
  blobVersionedHashes?: `0x${string}`[];
};

export class NodeError extends Error {
  override name = "NodeError";
}

export type NewBlockListener = (entry: ChainBlock) => void;

/** A sequential lock: block production, state changes and restarts never interleave. */
class Lock {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

const nodeEntries = (db: RecordingDB): [string, string][] =>
  [...db.overlay].map(([k, v]) => [k, bytesToHex(v)]);

/**
 * The chain node.
 *
 * @example
 * const node = await ChainNode.open(config, { rules: l1ChainRules(config.execute), dataDir: ".nrx/l1" });
 * const hash = await node.sendRawTransaction(rawTx);
 * await node.mine();
 * await node.stop();
 */
export class ChainNode<C extends ChainConfig = ChainConfig> {
  readonly common: Common;
  readonly mempool: Mempool;
  readonly devAccounts: DevAccount[];
  readonly rules: ChainRules;
  private readonly index = new ChainIndex();
  private readonly nodes: Map<string, Uint8Array>;
  private readonly lock = new Lock();
  private readonly listeners = new Set<NewBlockListener>();
  private store: ChainStore | undefined;
  /** State root at the head: the head block's, unless dev methods changed the state since. */
  headStateRoot: Uint8Array;
  /** Seconds added to the wall clock for block timestamps (`evm_increaseTime`). */
  private offset = 0;
  private arrivals = 0;
  stopped = false;

  private constructor(
    readonly config: C,
    genesis: { nodes: Map<string, Uint8Array>; block: Block },
    private readonly options: NodeOptions,
  ) {
    this.rules = options.rules;
    this.common = commonFor(config.chainId, this.rules.fork);
    this.nodes = genesis.nodes;
    this.headStateRoot = genesis.block.header.stateRoot;
    this.index.append({ block: genesis.block, receipts: [], executeCalls: [] });
    this.mempool = new Mempool({
      maxTransactions: config.mempool.maxTransactions,
      priceBumpPercent: config.mempool.priceBumpPercent,
      blockGasLimit: config.gasLimit,
    });
    this.devAccounts = deriveDevAccounts(config);
  }

  /** Builds genesis and replays the chain log of `dataDir` if there is one. Blocks come from `produceBlock`. */
  static async open<C extends ChainConfig>(config: C, options: NodeOptions): Promise<ChainNode<C>> {
    const common = commonFor(config.chainId, options.rules.fork);
    const { nodes, block } = await createChainGenesis(config, common, options.rules.genesisExtraData);
    const node = new ChainNode(config, { nodes, block }, options);
    if (options.dataDir !== undefined) await node.replay(ChainStore.open(options.dataDir));
    return node;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  // ---------------------------------------------------------------- chain log

  private async replay(store: ChainStore): Promise<void> {
    const { records, truncatedBytes } = store.replay<LogRecord>();
    if (truncatedBytes > 0) this.log(`chain log: cut ${truncatedBytes} bytes of an unfinished record`);
    const genesisHash = bytesToHex(this.chain[0].block.hash());
    const pending: string[] = [];
    if (records.length === 0) store.append({ type: "genesis", hash: genesisHash });
    else if (records[0].type !== "genesis" || records[0].hash !== genesisHash) {
      store.close();
      throw new NodeError(
        `the data directory holds another chain (genesis ${records[0].type === "genesis" ? records[0].hash : "?"}, this config's is ${genesisHash}); use another --data-dir or the same config`,
      );
    }
    for (const record of records) {
      switch (record.type) {
        case "tx":
          pending.push(record.raw);
          break;
        case "block": {
          for (const [k, v] of record.nodes) this.nodes.set(k, hexToBytes(v as `0x${string}`));
          for (const [k, v] of record.blobs) this.index.blobs.set(k, hexToBytes(v as `0x${string}`));
          const block = createBlockFromRLP(hexToBytes(record.rlp as `0x${string}`), { common: this.common });
          this.index.append({
            block,
            receipts: record.receipts,
            executeCalls: record.executeCalls,
            ...(record.preStateRoot ? { preStateRoot: record.preStateRoot as `0x${string}` } : {}),
          });
          this.headStateRoot = block.header.stateRoot;
          break;
        }
        case "state":
          for (const [k, v] of record.nodes) this.nodes.set(k, hexToBytes(v as `0x${string}`));
          this.headStateRoot = hexToBytes(record.root as `0x${string}`);
          break;
        case "rewind":
          this.index.truncate(Number(record.number));
          this.headStateRoot = hexToBytes(record.root as `0x${string}`);
          break;
        case "time":
          this.offset = record.offset;
          break;
      }
    }
    this.store = store;
    let restored = 0;
    for (const rawHex of pending) {
      const raw = hexToBytes(rawHex as `0x${string}`);
      const tx = this.decodeTransaction(raw);
      if (this.index.isMined(bytesToHex(tx.hash()))) continue;
      try {
        await this.mempool.add(this.poolEntry(tx, raw), this.accountView());
        restored++;
      } catch (err) {
        if (!(err instanceof TransactionRejectedError)) throw err;
      }
    }
    if (records.length > 0) {
      this.log(
        `chain log: resumed at block ${this.head.header.number} with ${restored} pending transactions`,
      );
    }
  }

  private persist(record: LogRecord): void {
    this.store?.append(record);
  }

  // ---------------------------------------------------------------- chain

  /** The canonical chain, genesis first. */
  get chain(): readonly ChainBlock[] {
    return this.index.chain;
  }

  get head(): Block {
    return this.index.head;
  }

  blockByNumber(number: bigint): ChainBlock | undefined {
    return this.index.byNumber(number);
  }

  blockByHash(hash: string): ChainBlock | undefined {
    return this.index.blockByHash(hash);
  }

  /** A mined transaction and where it is. */
  minedTransaction(hash: string): { entry: ChainBlock; index: number } | undefined {
    return this.index.minedTransaction(hash);
  }

  /** A blob by versioned hash: of a mined transaction, or of one in the mempool. */
  blob: BlobStore = (versionedHash) =>
    this.index.blobs.get(bytesToHex(versionedHash)) ?? this.mempool.blob(versionedHash);

  onBlock(listener: NewBlockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The canonical chain as the VM reads it for `BLOCKHASH`. */
  blockchainView() {
    return {
      getBlock: async (n: number | bigint) => {
        const entry = this.blockByNumber(BigInt(n));
        if (entry === undefined) throw new NodeError(`no block ${n}`);
        return entry.block;
      },
      putBlock: async () => {},
      shallowCopy() {
        return this;
      },
    };
  }

  // ---------------------------------------------------------------- state

  /** A state manager over the state with `root`; writes go to a throwaway overlay. */
  stateAt(root: Uint8Array = this.headStateRoot): FailClosedStateManager {
    return createStateManager(new RecordingDB(this.nodes), root, this.common);
  }

  /** The state root a block tag refers to: the head's current state for the head. */
  stateRootOf(number: bigint): Uint8Array {
    const entry = this.blockByNumber(number);
    if (entry === undefined) throw new NodeError(`unknown block ${number}`);
    return number === this.head.header.number ? this.headStateRoot : entry.block.header.stateRoot;
  }

  private accountView() {
    const sm = this.stateAt();
    return async (address: Address) => {
      const account = await sm.getAccount(address);
      return { nonce: account?.nonce ?? 0n, balance: account?.balance ?? 0n };
    };
  }

  // ---------------------------------------------------------------- transactions

  private decodeTransaction(raw: Uint8Array): TypedTransaction {
    if (raw[0] === 0x03) {
      try {
        return createBlob4844TxFromSerializedNetworkWrapper(raw, { common: this.common });
      } catch (err) {
        // The canonical form (no sidecar) is no network wrapper: decode it anyway, so that
        // `sendRawTransaction` can say what is missing instead of "expected 4 or 5 values".
        try {
          return createTxFromRLP(raw, { common: this.common });
        } catch {
          throw err;
        }
      }
    }
    return createTxFromRLP(raw, { common: this.common });
  }

  private poolEntry(tx: TypedTransaction, raw: Uint8Array): PoolTransaction {
    return {
      tx,
      hash: bytesToHex(tx.hash()),
      raw,
      sender: tx.getSenderAddress(),
      nonce: tx.nonce,
      // Equal tips go first come, first served (replayed transactions keep their log order).
      arrival: this.arrivals++,
    };
  }

  /**
   * Validates a signed transaction (blob transactions in network form, with blobs, commitments
   * and proofs, which are verified), logs it durably and adds it to the mempool.
   */
  async sendRawTransaction(raw: Uint8Array): Promise<`0x${string}`> {
    let tx: TypedTransaction;
    try {
      tx = this.decodeTransaction(raw);
    } catch (err) {
      throw new TransactionRejectedError(`invalid transaction: ${(err as Error).message}`, "invalid");
    }
    if (!tx.isSigned()) throw new TransactionRejectedError("transaction is not signed", "invalid");
    if (tx.type === 3 && this.rules.l2Constraints) {
      throw new TransactionRejectedError("blob transactions are not allowed on an L2", "invalid");
    }
    if (tx.type === 3 && (tx as Blob4844Tx).blobs === undefined) {
      throw new TransactionRejectedError(
        "blob transaction without its blobs: send the network form",
        "invalid",
      );
    }
    if (tx.common.chainId() !== this.common.chainId()) {
      throw new TransactionRejectedError(
        `chain id ${tx.common.chainId()} is not ${this.common.chainId()}`,
        "invalid",
      );
    }
    const hash = bytesToHex(tx.hash());
    if (this.index.isMined(hash))
      throw new TransactionRejectedError("already known (mined)", "already_known");
    await this.mempool.add(this.poolEntry(tx, raw), this.accountView());
    this.persist({ type: "tx", raw: bytesToHex(raw) });
    return hash;
  }

  // ---------------------------------------------------------------- blocks

  /** Seconds the block clock runs ahead of the wall clock. */
  get timeOffset(): number {
    return this.offset;
  }

  /** Moves the block clock `seconds` ahead, durably; returns the new offset. */
  advanceClock(seconds: number): number {
    this.offset += seconds;
    this.persist({ type: "time", offset: this.offset });
    return this.offset;
  }

  /**
   * Produces the next block from the mempool, after `request.first` (an L2's due forced
   * transactions) in order. `firstIncluded` counts the leading ones that applied: the first that
   * does not apply ends them, since they must stay a prefix of the block.
   */
  produceBlock(request: BlockRequest = {}): Promise<{ block: Block; firstIncluded: number }> {
    return this.lock.run(async () => {
      const parent = this.head;
      const preStateRoot = this.headStateRoot;
      const db = new RecordingDB(this.nodes);
      const stateManager = createStateManager(db, preStateRoot, this.common);
      const produced = await produceBlockOn(
        {
          common: this.common,
          config: this.config,
          rules: this.rules,
          mempool: this.mempool,
          blobs: this.blob,
          blockchain: this.blockchainView(),
          accounts: () => this.accountView(),
          clockOffset: this.offset,
          log: (line) => this.log(line),
        },
        parent,
        stateManager,
        request,
      );
      const { block, receipts, executeCalls, blobs } = produced;
      const devChanged = bytesToHex(preStateRoot) !== bytesToHex(parent.header.stateRoot);
      const entry: ChainBlock = {
        block,
        receipts,
        executeCalls,
        ...(devChanged ? { preStateRoot: bytesToHex(preStateRoot) } : {}),
      };
      this.persist({
        type: "block",
        rlp: bytesToHex(block.serialize()),
        receipts,
        executeCalls,
        nodes: nodeEntries(db),
        blobs: [...blobs].map(([k, v]) => [k, bytesToHex(v)]),
        ...(entry.preStateRoot ? { preStateRoot: entry.preStateRoot } : {}),
      });
      db.commitOverlay();
      for (const [k, v] of blobs) this.index.blobs.set(k, v);
      await this.append(entry);
      return { block, firstIncluded: produced.firstIncluded };
    });
  }

  /** Produces `count` blocks now (the dev method `evm_mine` / `anvil_mine`). */
  async mine(count = 1): Promise<Block[]> {
    const blocks: Block[] = [];
    for (let i = 0; i < count; i++) blocks.push((await this.produceBlock()).block);
    return blocks;
  }

  /** Makes `entry` the head, takes its transactions out of the mempool and announces it. */
  private async append(entry: ChainBlock): Promise<void> {
    this.index.append(entry);
    this.headStateRoot = entry.block.header.stateRoot;
    for (const tx of entry.block.transactions) this.mempool.remove(bytesToHex(tx.hash()));
    await this.mempool.prune(this.accountView());
    const { header } = entry.block;
    const calls = entry.executeCalls.length;
    this.log(
      `block ${header.number} ${bytesToHex(entry.block.hash()).slice(0, 18)}… ${entry.block.transactions.length} txs, gas ${header.gasUsed}${this.rules.describe(header)}${calls > 0 ? `, ${calls} EXECUTE calls` : ""}`,
    );
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch (err) {
        this.log(`block listener failed: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Appends a block built elsewhere (an L2 follower's, derived from L1) after re-executing it on
   * the head state: its state root, receipts and gas must be the header's.
   */
  importBlock(block: Block): Promise<void> {
    return this.lock.run(async () => {
      const parent = this.head;
      if (
        block.header.number !== parent.header.number + 1n ||
        !equalsBytes(block.header.parentHash, parent.hash())
      ) {
        throw new NodeError(
          `block ${block.header.number} does not extend the head ${parent.header.number} ${bytesToHex(parent.hash())}`,
        );
      }
      const db = new RecordingDB(this.nodes);
      const stateManager = createStateManager(db, this.headStateRoot, this.common);
      const rules = this.blockRules()?.forBlock(block, parent.header);
      const vm = await createBlockVM(this.common, stateManager, this.blockchainView(), rules?.precompiles);
      rules?.attach(vm);
      let run: Awaited<ReturnType<typeof runBlockChecked>>;
      try {
        run = await runBlockChecked(vm, { block, skipHeaderValidation: true, skipBlockValidation: true });
        rules?.check(run);
      } catch (err) {
        throw new NodeError(`block ${block.header.number} does not re-execute: ${(err as Error).message}`);
      }
      const receipts = block.transactions.map((tx, i) => storedReceipt(tx, run.results[i], block));
      this.persist({
        type: "block",
        rlp: bytesToHex(block.serialize()),
        receipts,
        executeCalls: [],
        nodes: nodeEntries(db),
        blobs: [],
      });
      db.commitOverlay();
      await this.append({ block, receipts, executeCalls: [] });
    });
  }

  // ---------------------------------------------------------------- calls and witnesses

  /** Runs a call on the state of block `number` (or the head), as `eth_call` does. */
  async call(params: CallParams, number: bigint = this.head.header.number): Promise<EVMResult> {
    const entry = this.blockByNumber(number);
    if (entry === undefined) throw new NodeError(`unknown block ${number}`);
    const stateManager = this.stateAt(this.stateRootOf(number));
    const { vm } = await this.callVM(stateManager, entry.block.header);
    const from = params.from ?? createAddressFromString("0x0000000000000000000000000000000000000000");
    if ((await stateManager.getAccount(from)) === undefined)
      await stateManager.putAccount(from, new Account());
    return vm.evm.runCall({
      block: entry.block,
      caller: from,
      origin: from,
      ...(params.to ? { to: params.to } : {}),
      data: params.data ?? new Uint8Array(),
      value: params.value ?? 0n,
      gasLimit: params.gas ?? this.config.gasLimit,
      skipBalance: params.value === undefined || params.value === 0n,
      ...(params.blobVersionedHashes ? { blobVersionedHashes: params.blobVersionedHashes } : {}),
    });
  }

  /**
   * A VM for calls on `stateManager` in the context of `header`, with what the chain's rules add
   * (`EXECUTE` on an L1); `executeCalls` lists the calls it made.
   */
  async callVM(
    stateManager: FailClosedStateManager,
    header: BlockHeader,
  ): Promise<{ vm: VM; executeCalls: () => ExecuteCallRecord[] }> {
    const extension = this.rules.extend(header, this.blob, { building: false });
    const vm = await createBlockVM(this.common, stateManager, this.blockchainView(), extension?.precompiles);
    extension?.attach(vm);
    return { vm, executeCalls: () => extension?.calls() ?? [] };
  }

  /**
   * The rules this chain's blocks are executed and verified with beyond the fork's (`EXECUTE`
   * and its market on an L1, none on an L2); `onCall` hears every `EXECUTE` call.
   */
  blockRules(onCall?: (record: ExecuteCallRecord) => void): BlockRules | undefined {
    return this.rules.blockRules(this.blob, onCall);
  }

  /**
   * Block `number` as a validator verifies it: its `StatelessInput` (payload and the witness
   * recorded by re-running it on its pre-state) plus the `keys` of `debug_executionWitness`.
   * `error` is set when the re-run fails (e.g. after a dev state change, see docs/l1-node.md).
   */
  async statelessInput(
    number: bigint,
  ): Promise<{ input: StatelessInput; witness: GeneratedWitness; error?: unknown }> {
    const entry = this.blockByNumber(number);
    if (entry === undefined || number === 0n) throw new NodeError(`no block ${number} with a parent`);
    const parent = this.chain[Number(number) - 1].block.header;
    const generation = await generateStatelessInput(
      entry.block,
      this.common,
      this.rules.fork,
      { nodes: this.nodes, parent, headerRlp: (n) => this.blockByNumber(n)?.block.header.serialize() },
      this.blockRules(),
    );
    return {
      input: generation.input,
      witness: generation.witness,
      ...(generation.error !== undefined ? { error: generation.error } : {}),
    };
  }

  // ---------------------------------------------------------------- changes outside blocks

  /** Changes the head state outside any block (dev methods); logged like a block. */
  modifyState(change: (sm: FailClosedStateManager) => Promise<void>): Promise<void> {
    return this.lock.run(async () => {
      const db = new RecordingDB(this.nodes);
      const sm = createStateManager(db, this.headStateRoot, this.common);
      await sm.checkpoint();
      await change(sm);
      await sm.commit();
      await sm.flush();
      const root = await sm.getStateRoot();
      this.persist({ type: "state", root: bytesToHex(root), nodes: nodeEntries(db) });
      db.commitOverlay();
      this.headStateRoot = root;
      await this.mempool.prune(this.accountView());
    });
  }

  /**
   * Drops the blocks after `number` and returns their transactions, oldest first, for the caller
   * to send again (an L2 sequencer's unsettled blocks, to build them again). The head state
   * becomes `root`, by default block `number`'s.
   */
  rewind(number: bigint, root?: Uint8Array): Promise<TypedTransaction[]> {
    return this.lock.run(async () => {
      const entry = this.blockByNumber(number);
      if (entry === undefined) throw new NodeError(`unknown block ${number}`);
      const dropped = this.chain.slice(Number(number) + 1).flatMap((e) => e.block.transactions);
      this.index.truncate(Number(number));
      this.headStateRoot = root ?? entry.block.header.stateRoot;
      this.persist({ type: "rewind", number: number.toString(), root: bytesToHex(this.headStateRoot) });
      await this.mempool.prune(this.accountView());
      return dropped;
    });
  }

  /** Stops taking work and closes the chain log (after the block in progress, if any). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.lock.run(async () => {
      this.store?.close();
      this.store = undefined;
    });
  }
}
