/**
 * The L1 devnet node (DESIGN.md §5): Osaka rules plus `EXECUTE` and its execute-gas market, one
 * block per slot from a fee-ordered mempool, blob transactions with their sidecars kept, a
 * crash-safe chain log, and the queries the JSON-RPC serves. Blocks are built with the same
 * rules the stateless verifier applies, so each one re-verifies from its own witness.
 */
import { type Block, type BlockHeader, createBlockFromRLP } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import type { EVMResult } from "@ethereumjs/evm";
import {
  Blob4844Tx,
  createBlob4844TxFromSerializedNetworkWrapper,
  createMinimal4844TxFromNetworkWrapper,
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
  setLengthLeft,
  utf8ToBytes,
} from "@ethereumjs/util";
import { type BlockBuilder, buildBlock, type RunTxResult, type VM } from "@ethereumjs/vm";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { mnemonicToAccount } from "viem/accounts";
import { encodeExecuteExtraData } from "../execute/market.ts";
import { type ExecuteCallRecord, ExecuteEnvironment } from "../execute/precompile.ts";
import { commonFor } from "../stateless/chain.ts";
import { type GeneratedWitness, generateStatelessInput } from "../stateless/generate.ts";
import type { StatelessInput } from "../stateless/ssz.ts";
import { createStateManager, type FailClosedStateManager } from "../stateless/state-manager.ts";
import {
  addTransaction,
  type BlockRules,
  createBlockVM,
  ExecutionFaultError,
  runBlockChecked,
} from "../stateless/vm.ts";
import { RecordingDB } from "../stateless/witness-db.ts";
import { ChainStore } from "./chain-store.ts";
import type { L1Config } from "./config.ts";
import { buildGenesisState, createGenesisBlock, systemContractAlloc } from "./genesis.ts";
import { Mempool, type PoolTransaction, TransactionRejectedError } from "./mempool.ts";
import { type StoredReceipt, storedReceipt } from "./receipts.ts";
import { executeBaseFeeAfter, executeExtraData, executeHeaderFields, l1BlockRules } from "./rules.ts";

/** The devnet runs Osaka rules; `EXECUTE` verifies Osaka L2 blocks. */
export const L1_FORK = "osaka";

export type DevAccount = { address: `0x${string}`; privateKey: `0x${string}` };

/** One call's record as stored and served (integers as decimal strings). */
export type StoredExecuteCall = Omit<ExecuteCallRecord, "l2BlockNumber" | "executeGas" | "fee"> & {
  l2BlockNumber?: string;
  executeGas: string;
  fee: string;
};

/** A block of the canonical chain with what the node keeps beside it. */
export type ChainBlock = {
  block: Block;
  receipts: StoredReceipt[];
  executeCalls: StoredExecuteCall[];
  /** Set when dev methods changed the state after the parent: the state the block was built on. */
  preStateRoot?: `0x${string}`;
};

type LogRecord =
  | { type: "genesis"; hash: string }
  | { type: "tx"; raw: string }
  | {
      type: "block";
      rlp: string;
      receipts: StoredReceipt[];
      executeCalls: StoredExecuteCall[];
      nodes: [string, string][];
      blobs: [string, string][];
      preStateRoot?: string;
    }
  | { type: "state"; root: string; nodes: [string, string][] }
  | { type: "rewind"; number: string; root: string }
  | { type: "time"; offset: number };

export type NodeOptions = {
  /** Directory of the chain log; absent: in memory only (`--memory`). */
  dataDir?: string;
  log?: (line: string) => void;
  /**
   * The `parent_beacon_block_root` of block `number`, which the EIP-4788 contract exposes to
   * contracts. Default: a deterministic stand-in (there is no beacon chain). An L2 sets it to its
   * anchor, the L1 message root its bridge reads.
   */
  parentBeaconBlockRoot?: (number: bigint) => Uint8Array;
  /**
   * Run an L2 chain (docs/rollup.md, "The L2 chain"): the same rules without `EXECUTE` and its
   * header fields, and no blob transactions, as `EXECUTE`'s L2 constraints require. Its blocks
   * are verified on L1 by `EXECUTE` instead.
   */
  l2?: boolean;
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

/** A sequential lock: block production, dev methods and restarts never interleave. */
class Lock {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

function toStoredCall(record: ExecuteCallRecord): StoredExecuteCall {
  const { l2BlockNumber, executeGas, fee, ...rest } = record;
  return {
    ...rest,
    executeGas: executeGas.toString(),
    fee: fee.toString(),
    ...(l2BlockNumber !== undefined ? { l2BlockNumber: l2BlockNumber.toString() } : {}),
  };
}

/** The node's own random-free stand-ins for consensus values: deterministic per block. */
function consensusValue(label: string, number: bigint): Uint8Array {
  return keccak_256(utf8ToBytes(`nrx/l1/${label}/${number}`));
}

/**
 * The L1 node.
 *
 * @example
 * const node = await L1Node.open(parseL1Config({ slotTimeMs: 500 }), { dataDir: ".nrx/l1" });
 * node.startSlots();
 * const hash = await node.sendRawTransaction(rawTx);
 * await node.mine();
 * await node.stop();
 */
export class L1Node {
  readonly common: Common;
  readonly mempool: Mempool;
  readonly devAccounts: DevAccount[];
  readonly chain: ChainBlock[] = [];
  private readonly byHash = new Map<string, number>();
  private readonly txIndex = new Map<string, { number: number; index: number }>();
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly nodes: Map<string, Uint8Array>;
  private readonly lock = new Lock();
  private readonly listeners = new Set<NewBlockListener>();
  private store: ChainStore | undefined;
  private timer: NodeJS.Timeout | undefined;
  private snapshots: { number: number; root: Uint8Array; timeOffset: number }[] = [];
  /** State root at the head: the head block's, unless dev methods changed the state since. */
  headStateRoot: Uint8Array;
  timeOffset = 0;
  nextTimestamp: bigint | undefined;
  automine = false;
  private arrivals = 0;
  stopped = false;

  private constructor(
    readonly config: L1Config,
    genesis: { nodes: Map<string, Uint8Array>; block: Block },
    private readonly options: NodeOptions,
  ) {
    this.common = commonFor(config.chainId, L1_FORK);
    this.nodes = genesis.nodes;
    this.headStateRoot = genesis.block.header.stateRoot;
    this.appendBlock({ block: genesis.block, receipts: [], executeCalls: [] });
    this.mempool = new Mempool({
      maxTransactions: config.mempool.maxTransactions,
      priceBumpPercent: config.mempool.priceBumpPercent,
      blockGasLimit: config.gasLimit,
    });
    this.devAccounts = deriveDevAccounts(config);
  }

  /**
   * Builds genesis and replays the chain log of `dataDir` if there is one. Blocks come from
   * `mine()`, and once `startSlots()` is called, one per slot.
   */
  static async open(config: L1Config, options: NodeOptions = {}): Promise<L1Node> {
    const common = commonFor(config.chainId, L1_FORK);
    const devAccounts = deriveDevAccounts(config);
    const alloc = { ...systemContractAlloc() };
    for (const account of devAccounts)
      alloc[account.address.toLowerCase()] = { balance: config.devAccounts.balance };
    for (const [address, account] of Object.entries(config.genesis.alloc)) alloc[address] = account;
    const { nodes, stateRoot } = await buildGenesisState(common, alloc);
    const { block } = createGenesisBlock(common, {
      stateRoot,
      gasLimit: config.gasLimit,
      baseFeePerGas: config.genesis.baseFeePerGas,
      timestamp: config.genesis.timestamp,
      ...(options.l2 ? {} : { executeBaseFee: config.execute.initialBaseFee }),
    });
    const node = new L1Node(config, { nodes, block }, options);
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
          for (const [k, v] of record.blobs) this.blobs.set(k, hexToBytes(v as `0x${string}`));
          const block = createBlockFromRLP(hexToBytes(record.rlp as `0x${string}`), { common: this.common });
          this.appendBlock({
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
          this.truncate(Number(record.number));
          this.headStateRoot = hexToBytes(record.root as `0x${string}`);
          break;
        case "time":
          this.timeOffset = record.offset;
          break;
      }
    }
    this.store = store;
    let restored = 0;
    for (const rawHex of pending) {
      const raw = hexToBytes(rawHex as `0x${string}`);
      const tx = this.decodeTransaction(raw);
      if (this.txIndex.has(bytesToHex(tx.hash()))) continue;
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

  get head(): Block {
    return this.chain[this.chain.length - 1].block;
  }

  private appendBlock(entry: ChainBlock): void {
    const number = this.chain.length;
    this.chain.push(entry);
    this.byHash.set(bytesToHex(entry.block.hash()), number);
    entry.block.transactions.forEach((tx, index) => {
      this.txIndex.set(bytesToHex(tx.hash()), { number, index });
    });
  }

  private truncate(number: number): void {
    while (this.chain.length > number + 1) {
      const entry = this.chain.pop()!;
      this.byHash.delete(bytesToHex(entry.block.hash()));
      for (const tx of entry.block.transactions) this.txIndex.delete(bytesToHex(tx.hash()));
    }
  }

  blockByNumber(number: bigint): ChainBlock | undefined {
    return number >= 0n && number < BigInt(this.chain.length) ? this.chain[Number(number)] : undefined;
  }

  blockByHash(hash: string): ChainBlock | undefined {
    const number = this.byHash.get(hash.toLowerCase());
    return number === undefined ? undefined : this.chain[number];
  }

  /** A mined transaction and where it is. */
  minedTransaction(hash: string): { entry: ChainBlock; index: number } | undefined {
    const at = this.txIndex.get(hash.toLowerCase());
    return at === undefined ? undefined : { entry: this.chain[at.number], index: at.index };
  }

  blob(versionedHash: Uint8Array): Uint8Array | undefined {
    const hex = bytesToHex(versionedHash);
    return this.blobs.get(hex) ?? this.mempool.blob(versionedHash);
  }

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
    if (tx.type === 3 && this.options.l2) {
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
    if (this.txIndex.has(hash)) throw new TransactionRejectedError("already known (mined)", "already_known");
    const rawHex = bytesToHex(raw);
    await this.mempool.add(this.poolEntry(tx, raw), this.accountView());
    this.persist({ type: "tx", raw: rawHex });
    if (this.automine) await this.mine();
    return hash;
  }

  // ---------------------------------------------------------------- blocks

  /** Starts producing one block per slot (`config.slotTimeMs`). */
  startSlots(): void {
    // Slots keep to the wall clock: a block that takes long to build shortens the wait for the
    // next one instead of pushing every later slot back. A slot whose start has passed while a
    // block was being built is skipped, as a missed slot is on a real chain.
    const slot = this.config.slotTimeMs;
    let next = Date.now() + slot;
    const tick = () => {
      if (this.stopped) return;
      this.timer = setTimeout(
        async () => {
          try {
            await this.produceBlock();
          } catch (err) {
            this.log(`block production failed: ${(err as Error).stack ?? err}`);
          }
          const now = Date.now();
          next += slot * Math.max(1, Math.ceil((now - next) / slot));
          tick();
        },
        Math.max(0, next - Date.now()),
      );
    };
    tick();
  }

  /** Produces `count` blocks now (the dev method `evm_mine` / `anvil_mine`). */
  async mine(count = 1): Promise<Block[]> {
    const blocks: Block[] = [];
    for (let i = 0; i < count; i++) blocks.push(await this.produceBlock());
    return blocks;
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

  private nextTimestampFor(parent: BlockHeader): bigint {
    const wall = BigInt(Math.floor(Date.now() / 1000) + this.timeOffset);
    const requested = this.nextTimestamp;
    this.nextTimestamp = undefined;
    const candidate = requested ?? wall;
    return candidate > parent.timestamp ? candidate : parent.timestamp + 1n;
  }

  produceBlock(): Promise<Block> {
    return this.lock.run(async () => (await this.buildNextBlock([])).block);
  }

  /**
   * Produces the next block starting with `first` (an L2's due forced transactions), in order,
   * then the mempool. `firstIncluded` counts the leading ones that applied: the first that does
   * not apply ends them, since they must stay a prefix of the block.
   */
  produceBlockStartingWith(first: TypedTransaction[]): Promise<{ block: Block; firstIncluded: number }> {
    return this.lock.run(() => this.buildNextBlock(first));
  }

  private async buildNextBlock(first: TypedTransaction[]): Promise<{ block: Block; firstIncluded: number }> {
    const parent = this.head;
    const number = parent.header.number + 1n;
    const db = new RecordingDB(this.nodes);
    const preStateRoot = this.headStateRoot;
    const stateManager = createStateManager(db, preStateRoot, this.common);
    const executeBaseFee = this.options.l2 ? 0n : executeBaseFeeAfter(parent.header, this.config.execute);
    const calls: ExecuteCallRecord[] = [];
    const environment = this.options.l2
      ? undefined
      : new ExecuteEnvironment({
          params: this.config.execute,
          baseFee: executeBaseFee,
          fork: L1_FORK,
          blobs: (hash) => this.blob(hash),
          building: true,
          onCall: (record) => calls.push(record),
        });
    const vm = await createBlockVM(
      this.common,
      stateManager,
      this.blockchainView(),
      environment ? [environment.precompile()] : [],
    );
    environment?.attach(vm);
    const builder = await buildBlock(vm, {
      parentBlock: parent,
      withdrawals: [],
      headerData: {
        number,
        coinbase: createAddressFromString(this.config.coinbase),
        timestamp: this.nextTimestampFor(parent.header),
        gasLimit: this.config.gasLimit,
        mixHash: consensusValue("prev-randao", number),
        parentBeaconBlockRoot:
          this.options.parentBeaconBlockRoot?.(number) ?? consensusValue("beacon-root", number),
        extraData: environment
          ? encodeExecuteExtraData({ executeGasUsed: 0n, executeBaseFee })
          : new Uint8Array(),
      },
      blockOpts: { putBlockIntoBlockchain: false, common: this.common },
    });
    const baseFee = parent.header.calcNextBaseFee();
    const blobBaseFee = parent.header.calcNextBlobGasPrice(this.common);
    const included: { tx: TypedTransaction; result: RunTxResult }[] = [];
    const blobsOfBlock = new Map<string, Uint8Array>();
    let firstIncluded = 0;
    for (const tx of first) {
      await vm.stateManager.checkpoint();
      try {
        included.push({ tx, result: await addTransaction(builder, tx) });
        await vm.stateManager.commit();
        firstIncluded++;
      } catch (err) {
        await vm.stateManager.revert();
        this.log(`could not start block ${number} with ${bytesToHex(tx.hash())}: ${(err as Error).message}`);
        break;
      }
    }
    const ready = await this.mempool.ready(baseFee, blobBaseFee, this.accountView());
    for (const entry of ready) {
      const mark = environment?.mark();
      const tx =
        entry.tx instanceof Blob4844Tx
          ? createMinimal4844TxFromNetworkWrapper(entry.tx, { common: this.common })
          : entry.tx;
      await vm.stateManager.checkpoint();
      let result: RunTxResult;
      try {
        result = await addTransaction(builder, tx, { allowNoBlobs: true });
      } catch (err) {
        await vm.stateManager.revert();
        if (mark !== undefined) environment?.restore(mark);
        ready.skipSender(entry.sender);
        const message = (err as Error).message;
        // A transaction that no longer fits this block's gas stays for a later block; one
        // that cannot execute at all (nonce, balance), or that this node fails to execute
        // (an exception out of the EVM, after which the state is as it was), is dropped.
        if (/remaining gas|blob gas limit/.test(message)) continue;
        this.mempool.remove(entry.hash);
        this.log(
          `dropped ${entry.hash}: ${err instanceof ExecutionFaultError ? `execution failed in this node: ${message}` : message}`,
        );
        continue;
      }
      if (environment?.deferred && mark !== undefined) {
        // Its EXECUTE call does not fit the execute gas left: take it back out for a later block.
        await vm.stateManager.revert();
        takeBackLastTransaction(builder, tx, result, this.common);
        environment.restore(mark);
        ready.skipSender(entry.sender);
        continue;
      }
      await vm.stateManager.commit();
      included.push({ tx, result });
      if (entry.tx instanceof Blob4844Tx) {
        const blobs = entry.tx.blobs ?? [];
        entry.tx.blobVersionedHashes.forEach((h, i) => {
          blobsOfBlock.set(h.toLowerCase(), hexToBytes(blobs[i] as `0x${string}`));
        });
      }
    }
    if (environment) internalsOf(builder).headerData.extraData = executeExtraData(environment);
    const { block } = await builder.build();
    const receipts = included.map(({ tx, result }) => storedReceipt(tx, result, block));
    const executeCalls = environment ? environment.calls.map(toStoredCall) : [];
    const devChanged = bytesToHex(preStateRoot) !== bytesToHex(parent.header.stateRoot);
    this.persist({
      type: "block",
      rlp: bytesToHex(block.serialize()),
      receipts,
      executeCalls,
      nodes: [...db.overlay].map(([k, v]) => [k, bytesToHex(v)]),
      blobs: [...blobsOfBlock].map(([k, v]) => [k, bytesToHex(v)]),
      ...(devChanged ? { preStateRoot: bytesToHex(preStateRoot) } : {}),
    });
    db.commitOverlay();
    for (const [k, v] of blobsOfBlock) this.blobs.set(k, v);
    const entry: ChainBlock = {
      block,
      receipts,
      executeCalls,
      ...(devChanged ? { preStateRoot: bytesToHex(preStateRoot) } : {}),
    };
    this.appendBlock(entry);
    this.headStateRoot = block.header.stateRoot;
    for (const { tx } of included) this.mempool.remove(bytesToHex(tx.hash()));
    await this.mempool.prune(this.accountView());
    this.announce(entry, calls.length);
    return { block, firstIncluded };
  }

  private announce(entry: ChainBlock, executeCalls: number): void {
    const { header } = entry.block;
    const market = this.options.l2 ? undefined : executeHeaderFields(header);
    this.log(
      `block ${header.number} ${bytesToHex(entry.block.hash()).slice(0, 18)}… ${entry.block.transactions.length} txs, gas ${header.gasUsed}${market ? `, execute gas ${market.executeGasUsed} at ${market.executeBaseFee} wei` : ""}${executeCalls > 0 ? `, ${executeCalls} EXECUTE calls` : ""}`,
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
      const rules = this.rules()?.forBlock(block, parent.header);
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
        nodes: [...db.overlay].map(([k, v]) => [k, bytesToHex(v)]),
        blobs: [],
      });
      db.commitOverlay();
      const entry: ChainBlock = { block, receipts, executeCalls: [] };
      this.appendBlock(entry);
      this.headStateRoot = block.header.stateRoot;
      for (const tx of block.transactions) this.mempool.remove(bytesToHex(tx.hash()));
      await this.mempool.prune(this.accountView());
      this.announce(entry, 0);
    });
  }

  // ---------------------------------------------------------------- calls

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

  // ---------------------------------------------------------------- witness

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
      L1_FORK,
      { nodes: this.nodes, parent, headerRlp: (n) => this.blockByNumber(n)?.block.header.serialize() },
      this.rules(),
    );
    return {
      input: generation.input,
      witness: generation.witness,
      ...(generation.error !== undefined ? { error: generation.error } : {}),
    };
  }

  /**
   * The rules this chain's blocks are executed and verified with beyond the fork's: `EXECUTE`
   * and its market on an L1, none on an L2.
   */
  rules(onCall?: (record: ExecuteCallRecord) => void): BlockRules | undefined {
    if (this.options.l2) return undefined;
    return l1BlockRules(this.config.execute, L1_FORK, (hash) => this.blob(hash), onCall);
  }

  /** Whether this node runs an L2 chain (`NodeOptions.l2`). */
  get isL2(): boolean {
    return this.options.l2 === true;
  }

  /**
   * A VM for calls on `stateManager` in the context of `header`, with `EXECUTE` (whose
   * environment records the calls) on an L1.
   */
  async callVM(
    stateManager: FailClosedStateManager,
    header: BlockHeader,
  ): Promise<{ vm: VM; environment?: ExecuteEnvironment }> {
    if (this.options.l2) return { vm: await createBlockVM(this.common, stateManager, this.blockchainView()) };
    const environment = new ExecuteEnvironment({
      params: this.config.execute,
      baseFee: executeBaseFeeAfter(header, this.config.execute),
      fork: L1_FORK,
      blobs: (hash) => this.blob(hash),
    });
    const vm = await createBlockVM(this.common, stateManager, this.blockchainView(), [
      environment.precompile(),
    ]);
    environment.attach(vm);
    return { vm, environment };
  }

  // ---------------------------------------------------------------- dev methods

  /** Changes the head state outside any block, as anvil's dev methods do; logged like a block. */
  modifyState(change: (sm: FailClosedStateManager) => Promise<void>): Promise<void> {
    return this.lock.run(async () => {
      const db = new RecordingDB(this.nodes);
      const sm = createStateManager(db, this.headStateRoot, this.common);
      await sm.checkpoint();
      await change(sm);
      await sm.commit();
      await sm.flush();
      const root = await sm.getStateRoot();
      this.persist({
        type: "state",
        root: bytesToHex(root),
        nodes: [...db.overlay].map(([k, v]) => [k, bytesToHex(v)]),
      });
      db.commitOverlay();
      this.headStateRoot = root;
      await this.mempool.prune(this.accountView());
    });
  }

  setBalance(address: Address, balance: bigint): Promise<void> {
    return this.modifyState(async (sm) => {
      const account = (await sm.getAccount(address)) ?? new Account();
      account.balance = balance;
      await sm.putAccount(address, account);
    });
  }

  setNonce(address: Address, nonce: bigint): Promise<void> {
    return this.modifyState(async (sm) => {
      const account = (await sm.getAccount(address)) ?? new Account();
      account.nonce = nonce;
      await sm.putAccount(address, account);
    });
  }

  setCode(address: Address, code: Uint8Array): Promise<void> {
    return this.modifyState(async (sm) => {
      if ((await sm.getAccount(address)) === undefined) await sm.putAccount(address, new Account());
      await sm.putCode(address, code);
    });
  }

  setStorageAt(address: Address, slot: Uint8Array, value: Uint8Array): Promise<void> {
    return this.modifyState(async (sm) => {
      if ((await sm.getAccount(address)) === undefined) await sm.putAccount(address, new Account());
      await sm.putStorage(address, setLengthLeft(slot, 32), value);
    });
  }

  increaseTime(seconds: number): number {
    this.timeOffset += seconds;
    this.persist({ type: "time", offset: this.timeOffset });
    return this.timeOffset;
  }

  /** `evm_snapshot`: an id to return to with `revert`. */
  snapshot(): number {
    this.snapshots.push({
      number: this.chain.length - 1,
      root: this.headStateRoot,
      timeOffset: this.timeOffset,
    });
    return this.snapshots.length - 1;
  }

  /** `evm_revert`: back to the chain and state of snapshot `id` (dropping it and later ones). */
  revert(id: number): Promise<boolean> {
    return this.lock.run(async () => {
      const snapshot = this.snapshots[id];
      if (snapshot === undefined) return false;
      this.snapshots = this.snapshots.slice(0, id);
      this.truncate(snapshot.number);
      this.headStateRoot = snapshot.root;
      this.timeOffset = snapshot.timeOffset;
      this.persist({ type: "rewind", number: String(snapshot.number), root: bytesToHex(snapshot.root) });
      await this.mempool.prune(this.accountView());
      return true;
    });
  }

  /**
   * Drops the blocks after `number` (an L2 sequencer's unsettled blocks, to build them again) and
   * returns their transactions, oldest first, for the caller to send again.
   */
  rewind(number: bigint): Promise<TypedTransaction[]> {
    return this.lock.run(async () => {
      const entry = this.blockByNumber(number);
      if (entry === undefined) throw new NodeError(`unknown block ${number}`);
      const dropped = this.chain.slice(Number(number) + 1).flatMap((e) => e.block.transactions);
      this.truncate(Number(number));
      this.headStateRoot = entry.block.header.stateRoot;
      this.persist({ type: "rewind", number: number.toString(), root: bytesToHex(this.headStateRoot) });
      await this.mempool.prune(this.accountView());
      return dropped;
    });
  }

  /** Stops producing blocks and closes the chain log (after the block in progress, if any). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.lock.run(async () => {
      this.store?.close();
      this.store = undefined;
    });
  }
}

/**
 * The fields of ethereumjs' BlockBuilder the node needs beyond its API: the header data, to set
 * `extraData` once the block's execute gas is known, and the running totals, to take a
 * transaction back out (which the builder has no method for).
 */
function internalsOf(builder: BlockBuilder) {
  return builder as unknown as {
    headerData: { extraData?: Uint8Array };
    transactions: TypedTransaction[];
    transactionResults: RunTxResult[];
    gasUsed: bigint;
    _minerValue: bigint;
    blobGasUsed: bigint;
  };
}

/** Undoes what `addTransaction` recorded for the last transaction (the caller reverts the state). */
function takeBackLastTransaction(
  builder: BlockBuilder,
  tx: TypedTransaction,
  result: RunTxResult,
  common: Common,
) {
  const internals = internalsOf(builder);
  internals.transactions.pop();
  internals.transactionResults.pop();
  internals.gasUsed -= result.blockGasSpent;
  internals._minerValue -= result.minerValue;
  if (tx instanceof Blob4844Tx) {
    internals.blobGasUsed -= BigInt(tx.blobVersionedHashes.length) * common.param("blobGasPerBlob");
  }
}

/** The prefunded accounts: `m/44'/60'/0'/0/i` of the configured mnemonic. */
export function deriveDevAccounts(config: L1Config): DevAccount[] {
  const accounts: DevAccount[] = [];
  for (let i = 0; i < config.devAccounts.count; i++) {
    const account = mnemonicToAccount(config.devAccounts.mnemonic, { addressIndex: i });
    const key = account.getHdKey().privateKey;
    if (key === null) throw new NodeError(`no private key for dev account ${i}`);
    accounts.push({ address: account.address, privateKey: bytesToHex(key) });
  }
  return accounts;
}
