/**
 * The chain node (DESIGN.md §5), neither L1 nor L2: the canonical chain and its crash-safe log,
 * the state, transaction admission into a fee-ordered mempool, block production and import,
 * calls and execution witnesses. What makes the chain an L1 or an L2 comes in as its
 * `ChainRules` (src/node/rules.ts) and as arguments of block production (the anchor an L2 block
 * carries as its parent beacon root). Blocks are built with the rules the stateless verifier
 * applies, so each one re-verifies from its own witness.
 */
import type { Block, BlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import type { EVMResult } from "@ethereumjs/evm";
import type { TypedTransaction } from "@ethereumjs/tx";
import { type Address, bytesToHex, equalsBytes } from "@ethereumjs/util";
import type { RunBlockResult, VM } from "@ethereumjs/vm";
import type { ExecuteCallRecord } from "../execute/precompile.ts";
import { commonFor } from "../stateless/chain.ts";
import { type GeneratedWitness, generateStatelessInput } from "../stateless/generate.ts";
import type { StatelessInput } from "../stateless/ssz.ts";
import { createStateManager, type FailClosedStateManager } from "../stateless/state-manager.ts";
import { type BlockRules, createBlockVM } from "../stateless/vm.ts";
import { RecordingDB } from "../stateless/witness-db.ts";
import { NrxError } from "../util/errors.ts";
import { type DevAccount, deriveDevAccounts } from "./accounts.ts";
import { type CallParams, reexecuteBlock, runCall } from "./calls.ts";
import { type ChainBlock, ChainIndex } from "./chain-index.ts";
import { blockRecord, replayChainLog } from "./chain-log.ts";
import { ChainStore } from "./chain-store.ts";
import type { ChainConfig } from "./config.ts";
import { type Forkchoice, headForkchoice } from "./forkchoice.ts";
import { createChainGenesis } from "./genesis.ts";
import { Mempool, type PoolTransaction, TransactionRejectedError } from "./mempool.ts";
import { type BlockRequest, type ProductionContext, produceBlockOn } from "./produce.ts";
import { storedReceipt } from "./receipts.ts";
import type { BlobStore, ChainRules } from "./rules.ts";
import { admissibleTransaction, decodeRawTransaction } from "./transactions.ts";

export type { CallParams } from "./calls.ts";
export type { ChainBlock } from "./chain-index.ts";
export type { BlockRequest } from "./produce.ts";

export type NodeOptions = {
  /** What the chain adds to Ethereum's rules: `l1ChainRules(…)` or `l2ChainRules(…)`. */
  rules: ChainRules;
  /** Directory of the chain log; absent: in memory only (`--memory`). */
  dataDir?: string;
  /** Admit legacy transactions signed without a chain id (geth's `--rpc.allow-unprotected-txs`); default off. */
  allowUnprotected?: boolean;
  log?: (line: string) => void;
};

export class NodeError extends NrxError {
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

/** Nonce and balance of accounts in `sm`'s state, as the mempool reads them. */
function accountReader(sm: FailClosedStateManager) {
  return async (address: Address) => {
    const account = await sm.getAccount(address);
    return { nonce: account?.nonce ?? 0n, balance: account?.balance ?? 0n };
  };
}

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
  /** The safe and finalized blocks, as the chain's driver sets them (the L1's finality rule, an L2's settlement). */
  forkchoice: Forkchoice = headForkchoice(() => this.head.header.number);
  private readonly index = new ChainIndex();
  private readonly nodes: Map<string, Uint8Array>;
  private readonly lock = new Lock();
  private readonly listeners = new Set<NewBlockListener>();
  private store: ChainStore | undefined;
  /** State root at the head: the head block's, unless dev methods changed the state since. */
  headStateRoot: Uint8Array;
  /** Seconds added to the wall clock for block timestamps (`evm_increaseTime`). */
  private offset = 0;
  private pending: { key: string; block: Promise<Block> } | undefined;
  private arrivals = 0;
  stopped = false;

  private constructor(
    readonly config: C,
    genesis: { nodes: Map<string, Uint8Array>; block: Block; devAccounts: DevAccount[] },
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
    this.devAccounts = genesis.devAccounts;
  }

  /** Builds genesis and replays the chain log of `dataDir` if there is one. Blocks come from `produceBlock`. */
  static async open<C extends ChainConfig>(config: C, options: NodeOptions): Promise<ChainNode<C>> {
    const common = commonFor(config.chainId, options.rules.fork);
    const devAccounts = deriveDevAccounts(config); // PBKDF2 per account: derived once
    const genesis = await createChainGenesis(
      config,
      common,
      options.rules.genesisExtraData(config.chainId),
      devAccounts,
    );
    const node = new ChainNode(config, { ...genesis, devAccounts }, options);
    if (options.dataDir !== undefined) await node.replay(ChainStore.open(options.dataDir));
    return node;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  // ---------------------------------------------------------------- chain log

  private async replay(store: ChainStore): Promise<void> {
    let replayed: ReturnType<typeof replayChainLog>;
    try {
      replayed = replayChainLog(
        store,
        { index: this.index, nodes: this.nodes, common: this.common, headStateRoot: this.headStateRoot },
        (line) => this.log(line),
      );
    } catch (err) {
      store.close();
      throw new NodeError((err as Error).message, { cause: err });
    }
    this.headStateRoot = replayed.headStateRoot;
    this.offset = replayed.timeOffset;
    this.store = store;
    let restored = 0;
    for (const raw of replayed.transactions) {
      const tx = decodeRawTransaction(raw, this.common);
      if (this.index.isMined(bytesToHex(tx.hash()))) continue;
      try {
        await this.mempool.add(this.poolEntry(tx, raw), this.accountView());
        restored++;
      } catch (err) {
        if (!(err instanceof TransactionRejectedError)) throw err;
      }
    }
    if (replayed.resumed) {
      this.log(
        `chain log: resumed at block ${this.head.header.number} with ${restored} pending transactions`,
      );
    }
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
    return accountReader(this.stateAt());
  }

  // ---------------------------------------------------------------- transactions

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
    const tx = admissibleTransaction(raw, this.common, this.rules, {
      allowUnprotected: this.options.allowUnprotected === true,
    });
    const hash = bytesToHex(tx.hash());
    if (this.index.isMined(hash))
      throw new TransactionRejectedError("already known (mined)", "already_known");
    await this.mempool.add(this.poolEntry(tx, raw), this.accountView());
    this.store?.append({ type: "tx", raw: bytesToHex(raw) });
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
    this.store?.append({ type: "time", offset: this.offset });
    return this.offset;
  }

  /**
   * Produces the next block from the mempool, after `request.first` (an L2's due forced
   * transactions) in order; `firstIncluded` counts those that applied (they stay a prefix).
   */
  produceBlock(request: BlockRequest = {}): Promise<{ block: Block; firstIncluded: number }> {
    return this.lock.run(async () => {
      const parent = this.head;
      const preStateRoot = this.headStateRoot;
      const db = new RecordingDB(this.nodes);
      const stateManager = createStateManager(db, preStateRoot, this.common);
      const produced = await produceBlockOn(
        this.productionContext((hash, why) => {
          this.mempool.remove(hash);
          this.log(`dropped ${hash}: ${why}`);
        }),
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
      this.store?.append(blockRecord(entry, db.overlay, blobs));
      db.commitOverlay();
      for (const [k, v] of blobs) this.index.blobs.set(k, v);
      await this.append(entry);
      return { block, firstIncluded: produced.firstIncluded };
    });
  }

  /**
   * The block being built (the `pending` tag): the next block as it would be produced now from
   * the mempool, on a throwaway overlay of the head state, dropping nothing. It is not sealed by
   * consensus and never becomes the next block itself. Built again when the head or the mempool
   * has changed.
   */
  pendingBlock(): Promise<Block> {
    const key = `${bytesToHex(this.head.hash())}/${bytesToHex(this.headStateRoot)}/${this.arrivals}/${this.mempool.size}`;
    if (this.pending?.key !== key) {
      const preview = { ...this.productionContext(() => {}), log: () => {} };
      const build = produceBlockOn(preview, this.head, this.stateAt(), {}).then(
        (produced) => produced.block,
        (err: unknown) => {
          this.pending = undefined;
          throw err;
        },
      );
      this.pending = { key, block: build };
    }
    return this.pending.block;
  }

  private productionContext(drop: ProductionContext["drop"]): ProductionContext {
    return {
      common: this.common,
      config: this.config,
      rules: this.rules,
      mempool: this.mempool,
      blobs: this.blob,
      blockchain: this.index.blockchainView(),
      accounts: () => this.accountView(),
      clockOffset: this.offset,
      log: (line) => this.log(line),
      drop,
    };
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
      let run: RunBlockResult;
      try {
        run = await reexecuteBlock(
          this.common,
          stateManager,
          this.index.blockchainView(),
          block,
          parent,
          this.blockRules(),
        );
      } catch (err) {
        const message = `block ${block.header.number} does not re-execute: ${(err as Error).message}`;
        throw new NodeError(message, { cause: err });
      }
      const entry: ChainBlock = {
        block,
        receipts: block.transactions.map((tx, i) => storedReceipt(tx, run.results[i], block)),
        executeCalls: [],
      };
      this.store?.append(blockRecord(entry, db.overlay));
      db.commitOverlay();
      await this.append(entry);
    });
  }

  // ---------------------------------------------------------------- calls and witnesses

  /** Runs a call on the state of block `number` (or the head), as `eth_call` does. */
  async call(params: CallParams, number: bigint = this.head.header.number): Promise<EVMResult> {
    const entry = this.blockByNumber(number);
    if (entry === undefined) throw new NodeError(`unknown block ${number}`);
    const stateManager = this.stateAt(this.stateRootOf(number));
    const { vm } = await this.callVM(stateManager, entry.block.header);
    return runCall(vm, stateManager, entry.block, params, this.config.gasLimit);
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
    const vm = await createBlockVM(
      this.common,
      stateManager,
      this.index.blockchainView(),
      extension?.precompiles,
    );
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
    const headerRlp = (n: bigint) => this.blockByNumber(n)?.block.header.serialize();
    const { input, witness, error } = await generateStatelessInput(
      entry.block,
      this.common,
      this.rules.fork,
      { nodes: this.nodes, parent, headerRlp },
      this.blockRules(),
    );
    return { input, witness, ...(error !== undefined ? { error } : {}) };
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
      this.store?.append({
        type: "state",
        root: bytesToHex(root),
        nodes: [...db.overlay].map(([k, v]) => [k, bytesToHex(v)]),
      });
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
      this.store?.append({ type: "rewind", number: number.toString(), root: bytesToHex(this.headStateRoot) });
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
