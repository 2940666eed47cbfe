/**
 * The L1 node's transaction pool. Transactions are validated against the head state on arrival,
 * kept per sender by nonce, and handed to the block builder best-paying first through a
 * `ReadyIterator` (geth's `TransactionsByPriceAndNonce`: a heap holding each sender's next
 * executable transaction). Blob transactions are held in network form, so the pool also serves
 * blob data by versioned hash to the `EXECUTE` precompile.
 */
import { isAccessList2930Tx, isBlob4844Tx, isLegacyTx, type TypedTransaction } from "@ethereumjs/tx";
import { type Address, bytesToHex, hexToBytes } from "@ethereumjs/util";
import { NrxError } from "../util/errors.ts";
import { Heap } from "../util/heap.ts";

/** An account at the head state. */
export type AccountView = (address: Address) => Promise<{ nonce: bigint; balance: bigint }>;

export type PoolTransaction = {
  /** Signed; blob transactions in network-wrapper form, with their blobs. */
  tx: TypedTransaction;
  hash: `0x${string}`;
  /** As received: the network form for blob transactions. */
  raw: Uint8Array;
  sender: Address;
  nonce: bigint;
  /** Monotonic arrival counter; breaks ties between equal tips. */
  arrival: number;
};

export type RejectionCode =
  | "nonce_too_low"
  | "insufficient_funds"
  | "underpriced"
  | "replacement_underpriced"
  | "gas_limit"
  | "intrinsic_gas"
  | "pool_full"
  | "fee_cap_too_low"
  | "already_known"
  | "wrong_chain_id"
  | "unprotected"
  | "invalid";

/** Why `Mempool.add` refused a transaction; `code` is stable, the message is for people. */
export class TransactionRejectedError extends NrxError {
  override name = "TransactionRejectedError";
  constructor(
    message: string,
    readonly code: RejectionCode,
  ) {
    super(message);
  }
}

export type MempoolOptions = {
  /** Most transactions held, queued ones included. */
  maxTransactions: number;
  /** A replacement must raise every fee cap by this many percent (geth: 10). */
  priceBumpPercent: number;
  /** A transaction asking for more gas than a block holds can never be included. */
  blockGasLimit: bigint;
  /** Smallest max priority fee (gas price for legacy) accepted; below it `underpriced`. Default 0. */
  minTipPerGas?: bigint;
  /** Smallest max fee per gas (gas price for legacy) accepted; below it `fee_cap_too_low`. Default 0. */
  minFeeCap?: bigint;
};

/** EIP-4844's floor on the blob base fee: a blob fee cap below it can never be paid. */
const MIN_BLOB_BASE_FEE = 1n;

/** The most a transaction may pay per gas: `maxFeePerGas`, or `gasPrice` before EIP-1559. */
export function feeCap(tx: TypedTransaction): bigint {
  return isLegacyTx(tx) || isAccessList2930Tx(tx) ? tx.gasPrice : tx.maxFeePerGas;
}

/** The most a transaction offers the proposer per gas: `maxPriorityFeePerGas`, or `gasPrice`. */
export function tipCap(tx: TypedTransaction): bigint {
  return isLegacyTx(tx) || isAccessList2930Tx(tx) ? tx.gasPrice : tx.maxPriorityFeePerGas;
}

/** Blob gas a transaction uses: 131072 per blob under Osaka, 0 without blobs. */
export function blobGas(tx: TypedTransaction): bigint {
  return isBlob4844Tx(tx) ? BigInt(tx.numBlobs()) * tx.common.param("blobGasPerBlob") : 0n;
}

/**
 * The most a transaction can take from its sender: `gasLimit * feeCap + value`, plus its blob
 * gas at `maxFeePerBlobGas`. The balance must cover it.
 *
 * @example
 * maxCost(createFeeMarket1559Tx({ gasLimit: 21000n, maxFeePerGas: 10n, value: 5n })) // 210005n
 */
export function maxCost(tx: TypedTransaction): bigint {
  const blobCost = isBlob4844Tx(tx) ? blobGas(tx) * tx.maxFeePerBlobGas : 0n;
  return tx.gasLimit * feeCap(tx) + tx.value + blobCost;
}

/**
 * What the proposer earns per gas at `baseFee`: `min(tipCap, feeCap - baseFee)`, or `undefined`
 * when the fee cap is below the base fee (the transaction cannot be included).
 *
 * @example
 * effectiveTip(tx, 7n) // tx with maxFeePerGas 10, maxPriorityFeePerGas 5 → 3n
 */
export function effectiveTip(tx: TypedTransaction, baseFee: bigint): bigint | undefined {
  const cap = feeCap(tx);
  if (cap < baseFee) return undefined;
  const tip = tipCap(tx);
  return tip < cap - baseFee ? tip : cap - baseFee;
}

/** Whether `tx` can be included in a block with these base fees. */
function payable(tx: TypedTransaction, baseFee: bigint, blobBaseFee: bigint): boolean {
  if (feeCap(tx) < baseFee) return false;
  return !isBlob4844Tx(tx) || tx.maxFeePerBlobGas >= blobBaseFee;
}

/** One sender's next transaction in a `ReadyIterator`, with the rest of its run behind it. */
type ReadyHead = { sender: string; run: PoolTransaction[]; index: number; tip: bigint };

/**
 * Ready transactions best first, as `Mempool.ready` found them. `next()` hands out the best
 * transaction and moves its sender on to the next nonce; a builder that cannot include it calls
 * `skipSender(sender)` so none of the sender's later nonces come out (they would fail on the gap).
 *
 * @example
 * const ready = await pool.ready(baseFee, blobBaseFee, account);
 * for (const entry of ready) {
 *   if (!(await tryInclude(entry))) ready.skipSender(entry.sender);
 * }
 */
export class ReadyIterator implements IterableIterator<PoolTransaction> {
  #heads: Heap<ReadyHead>;
  #skipped = new Set<string>();

  constructor(
    runs: PoolTransaction[][],
    private readonly baseFee: bigint,
  ) {
    // Higher effective tip first; the earlier arrival wins a tie.
    this.#heads = new Heap<ReadyHead>((a, b) =>
      a.tip !== b.tip ? a.tip > b.tip : a.run[a.index].arrival < b.run[b.index].arrival,
    );
    const heads: ReadyHead[] = [];
    for (const run of runs) {
      if (run.length === 0) continue;
      heads.push({ sender: run[0].sender.toString(), run, index: 0, tip: this.#tip(run[0]) });
    }
    this.#heads.reset(heads);
  }

  #tip(entry: PoolTransaction): bigint {
    // Runs only hold transactions payable at the base fee, so the tip is defined.
    return effectiveTip(entry.tx, this.baseFee) ?? 0n;
  }

  /** Drops heads of skipped senders off the top. */
  #top(): ReadyHead | undefined {
    let head = this.#heads.peek();
    while (head !== undefined && this.#skipped.has(head.sender)) {
      this.#heads.pop();
      head = this.#heads.peek();
    }
    return head;
  }

  /** The transaction `next()` would return, without taking it. */
  peek(): PoolTransaction | undefined {
    const head = this.#top();
    return head === undefined ? undefined : head.run[head.index];
  }

  /** The best remaining transaction; its sender's next nonce, if ready, takes its place. */
  next(): IteratorResult<PoolTransaction, undefined> {
    const head = this.#top();
    if (head === undefined) return { done: true, value: undefined };
    this.#heads.pop();
    const entry = head.run[head.index];
    if (head.index + 1 < head.run.length) {
      const following = head.run[head.index + 1];
      this.#heads.push({ ...head, index: head.index + 1, tip: this.#tip(following) });
    }
    return { done: false, value: entry };
  }

  /** No more transactions from `sender` in this iteration. */
  skipSender(sender: Address): void {
    this.#skipped.add(sender.toString());
  }

  [Symbol.iterator](): ReadyIterator {
    return this;
  }
}

/** A sender's transactions by nonce, and the address they came from. */
type SenderQueue = { address: Address; byNonce: Map<bigint, PoolTransaction> };

/**
 * The transaction pool. Every structure is keyed for direct lookup: by hash, by sender then
 * nonce, blobs by versioned hash; a lazily cleaned min-heap by tip finds the eviction victim.
 *
 * @example
 * const pool = new Mempool({ maxTransactions: 4096, priceBumpPercent: 10, blockGasLimit: 30_000_000n });
 * await pool.add({ tx, hash, raw, sender, nonce: tx.nonce, arrival: counter++ }, account);
 */
export class Mempool {
  readonly #options: Required<MempoolOptions>;
  readonly #byHash = new Map<string, PoolTransaction>();
  readonly #bySender = new Map<string, SenderQueue>();
  readonly #blobs = new Map<string, { blob: Uint8Array; refs: number }>();
  /** Lowest tip first, the newest of equals first; holds stale entries until they surface. */
  readonly #cheapest = new Heap<PoolTransaction>((a, b) => {
    const ta = tipCap(a.tx);
    const tb = tipCap(b.tx);
    return ta !== tb ? ta < tb : a.arrival > b.arrival;
  });

  constructor(options: MempoolOptions) {
    this.#options = { minTipPerGas: 0n, minFeeCap: 0n, ...options };
  }

  get size(): number {
    return this.#byHash.size;
  }

  /**
   * Validates `entry` against the head state and adds it; returns its hash. A transaction with
   * the sender and nonce of one already held replaces it only if it raises every fee cap by
   * `priceBumpPercent`. A nonce gap is allowed: the transaction waits, queued, until it fills.
   * When the pool is full, the transaction with the lowest max priority fee makes room if the
   * new one offers more.
   *
   * @throws {TransactionRejectedError} with the reason in `code`.
   * @example
   * const hash = await pool.add(entry, (address) => state.account(address));
   */
  async add(entry: PoolTransaction, account: AccountView): Promise<`0x${string}`> {
    const hash = entry.hash.toLowerCase() as `0x${string}`;
    const { tx } = entry;
    this.#validateStatic(entry, hash);

    const state = await account(entry.sender);
    // Another add may have run while the state was read: everything below is synchronous.
    if (this.#byHash.has(hash))
      throw new TransactionRejectedError(`${hash} is already known`, "already_known");
    if (entry.nonce < state.nonce) {
      throw new TransactionRejectedError(
        `nonce ${entry.nonce} is below the account nonce ${state.nonce}`,
        "nonce_too_low",
      );
    }
    const cost = maxCost(tx);
    if (state.balance < cost) {
      throw new TransactionRejectedError(
        `balance ${state.balance} cannot cover the maximum cost ${cost}`,
        "insufficient_funds",
      );
    }

    const key = entry.sender.toString();
    const existing = this.#bySender.get(key)?.byNonce.get(entry.nonce);
    if (existing !== undefined) {
      this.#checkReplacement(existing.tx, tx);
      this.#delete(existing);
    } else if (this.#byHash.size >= this.#options.maxTransactions) {
      this.#evictFor(tx);
    }
    this.#insert(hash === entry.hash ? entry : { ...entry, hash });
    return hash;
  }

  /** Checks that need no state. */
  #validateStatic(entry: PoolTransaction, hash: `0x${string}`): void {
    const { tx } = entry;
    const reject = (message: string, code: RejectionCode): never => {
      throw new TransactionRejectedError(message, code);
    };
    if (this.#byHash.has(hash)) reject(`${hash} is already known`, "already_known");
    if (!tx.isSigned()) reject("transaction is not signed", "invalid");
    if (tx.nonce !== entry.nonce)
      reject(`entry nonce ${entry.nonce} differs from tx nonce ${tx.nonce}`, "invalid");
    if (bytesToHex(tx.hash()) !== hash) reject(`entry hash ${hash} is not the transaction's hash`, "invalid");
    if (isBlob4844Tx(tx)) {
      // The precompile reads blobs from the pool, so a blob tx without them is of no use.
      if (tx.blobs === undefined) reject("blob transaction without its blobs (not network form)", "invalid");
      if (tx.blobs!.length !== tx.blobVersionedHashes.length) {
        reject(`${tx.blobs!.length} blobs for ${tx.blobVersionedHashes.length} versioned hashes`, "invalid");
      }
      if (tx.maxFeePerBlobGas < MIN_BLOB_BASE_FEE) {
        reject(
          `max fee per blob gas ${tx.maxFeePerBlobGas} is below ${MIN_BLOB_BASE_FEE}`,
          "fee_cap_too_low",
        );
      }
    }
    if (tx.gasLimit > this.#options.blockGasLimit) {
      reject(
        `gas limit ${tx.gasLimit} exceeds the block gas limit ${this.#options.blockGasLimit}`,
        "gas_limit",
      );
    }
    // Intrinsic gas or, under EIP-7623, the calldata floor if higher: what the VM demands.
    const minimum = tx.getMinimumGasLimit();
    if (tx.gasLimit < minimum)
      reject(`gas limit ${tx.gasLimit} is below the intrinsic ${minimum}`, "intrinsic_gas");
    if (feeCap(tx) < this.#options.minFeeCap) {
      reject(`fee cap ${feeCap(tx)} is below the minimum ${this.#options.minFeeCap}`, "fee_cap_too_low");
    }
    if (tipCap(tx) < this.#options.minTipPerGas) {
      reject(`tip ${tipCap(tx)} is below the minimum ${this.#options.minTipPerGas}`, "underpriced");
    }
  }

  /** A replacement must beat every fee cap of `old` by the price bump (geth's rule). */
  #checkReplacement(old: TypedTransaction, tx: TypedTransaction): void {
    const bump = BigInt(this.#options.priceBumpPercent);
    const raised = (before: bigint, after: bigint) =>
      after > before && after >= (before * (100n + bump)) / 100n;
    const fees: [string, bigint, bigint][] = [
      ["max fee per gas", feeCap(old), feeCap(tx)],
      ["max priority fee per gas", tipCap(old), tipCap(tx)],
    ];
    // Blob fees only compare between two blob transactions.
    if (isBlob4844Tx(old) && isBlob4844Tx(tx)) {
      fees.push(["max fee per blob gas", old.maxFeePerBlobGas, tx.maxFeePerBlobGas]);
    }
    for (const [field, before, after] of fees) {
      if (!raised(before, after)) {
        throw new TransactionRejectedError(
          `replacement ${field} ${after} must be at least ${bump}% above ${before}`,
          "replacement_underpriced",
        );
      }
    }
  }

  /** Makes room for `tx` by dropping the lowest-tip transaction, if `tx` pays more. */
  #evictFor(tx: TypedTransaction): void {
    const victim = this.#cheapestLive();
    if (victim === undefined || tipCap(tx) <= tipCap(victim.tx)) {
      throw new TransactionRejectedError(
        `pool holds ${this.#byHash.size} transactions and none pays less than tip ${tipCap(tx)}`,
        "pool_full",
      );
    }
    this.#delete(victim);
  }

  /** The held transaction with the lowest tip, discarding stale heap entries on the way. */
  #cheapestLive(): PoolTransaction | undefined {
    for (let top = this.#cheapest.peek(); top !== undefined; top = this.#cheapest.peek()) {
      if (this.#byHash.get(top.hash) === top) return top;
      this.#cheapest.pop();
    }
    return undefined;
  }

  #insert(entry: PoolTransaction): void {
    this.#byHash.set(entry.hash, entry);
    const key = entry.sender.toString();
    let queue = this.#bySender.get(key);
    if (queue === undefined) {
      queue = { address: entry.sender, byNonce: new Map() };
      this.#bySender.set(key, queue);
    }
    queue.byNonce.set(entry.nonce, entry);
    // Removed entries stay in the heap until they surface; rebuild before they dominate it.
    if (this.#cheapest.size > 2 * this.#byHash.size + 64) this.#cheapest.reset([...this.#byHash.values()]);
    else this.#cheapest.push(entry);
    const { tx } = entry;
    if (isBlob4844Tx(tx) && tx.blobs !== undefined) {
      tx.blobVersionedHashes.forEach((versioned, i) => {
        const key = versioned.toLowerCase();
        const held = this.#blobs.get(key);
        if (held !== undefined) held.refs++;
        else this.#blobs.set(key, { blob: hexToBytes(tx.blobs![i]), refs: 1 });
      });
    }
  }

  #delete(entry: PoolTransaction): void {
    this.#byHash.delete(entry.hash);
    const key = entry.sender.toString();
    const queue = this.#bySender.get(key);
    if (queue?.byNonce.get(entry.nonce) === entry) {
      queue.byNonce.delete(entry.nonce);
      if (queue.byNonce.size === 0) this.#bySender.delete(key);
    }
    const { tx } = entry;
    if (isBlob4844Tx(tx) && tx.blobs !== undefined) {
      for (const versioned of tx.blobVersionedHashes) {
        const key = versioned.toLowerCase();
        const held = this.#blobs.get(key);
        if (held !== undefined && --held.refs === 0) this.#blobs.delete(key);
      }
    }
  }

  /** The sender's run of consecutive nonces from `stateNonce`. */
  #run(queue: SenderQueue, stateNonce: bigint): PoolTransaction[] {
    const run: PoolTransaction[] = [];
    for (let nonce = stateNonce; ; nonce++) {
      const entry = queue.byNonce.get(nonce);
      if (entry === undefined) return run;
      run.push(entry);
    }
  }

  /**
   * The transactions a block at `baseFee` and `blobBaseFee` can take, best first: per sender
   * the consecutive nonces from its state nonce, up to the first one whose fee caps are below
   * the base fees or whose maximum cost is above the balance; across senders by effective tip,
   * ties by arrival. The iterator is a snapshot: later adds and removals do not affect it.
   *
   * @example
   * const ready = await pool.ready(header.baseFeePerGas!, header.getBlobGasPrice(), account);
   * for (let entry = ready.next(); !entry.done; entry = ready.next()) { ... }
   */
  async ready(baseFee: bigint, blobBaseFee: bigint, account: AccountView): Promise<ReadyIterator> {
    const queues = [...this.#bySender.values()];
    const states = await Promise.all(queues.map((queue) => account(queue.address)));
    const runs = queues.map((queue, i) => {
      const { nonce, balance } = states[i];
      const run = this.#run(queue, nonce);
      const stop = run.findIndex(
        (entry) => !payable(entry.tx, baseFee, blobBaseFee) || maxCost(entry.tx) > balance,
      );
      return stop === -1 ? run : run.slice(0, stop);
    });
    return new ReadyIterator(runs, baseFee);
  }

  /**
   * After a new head: drops transactions whose nonce is below the sender's state nonce (mined
   * or replaced) and those whose maximum cost the balance no longer covers. A sender's later
   * nonces stay, queued behind the gap. Returns the dropped hashes.
   *
   * @example
   * const dropped = await pool.prune(account); // after importing a block
   */
  async prune(account: AccountView): Promise<`0x${string}`[]> {
    const queues = [...this.#bySender.values()];
    const states = await Promise.all(queues.map((queue) => account(queue.address)));
    const dropped: `0x${string}`[] = [];
    queues.forEach((queue, i) => {
      const { nonce, balance } = states[i];
      for (const entry of [...queue.byNonce.values()]) {
        if (entry.nonce < nonce || maxCost(entry.tx) > balance) {
          this.#delete(entry);
          dropped.push(entry.hash);
        }
      }
    });
    return dropped;
  }

  /** Removes a transaction by hash; false if it was not held. */
  remove(hash: string): boolean {
    const entry = this.#byHash.get(hash.toLowerCase());
    if (entry === undefined) return false;
    this.#delete(entry);
    return true;
  }

  get(hash: string): PoolTransaction | undefined {
    return this.#byHash.get(hash.toLowerCase());
  }

  has(hash: string): boolean {
    return this.#byHash.has(hash.toLowerCase());
  }

  /**
   * The nonce after the sender's consecutive run from `stateNonce`: what
   * `eth_getTransactionCount(sender, "pending")` answers.
   *
   * @example
   * pool.pendingNonce(sender, 3n) // 5n with nonces 3 and 4 held (and 6, behind a gap)
   */
  pendingNonce(sender: Address, stateNonce: bigint): bigint {
    const queue = this.#bySender.get(sender.toString());
    return queue === undefined ? stateNonce : stateNonce + BigInt(this.#run(queue, stateNonce).length);
  }

  /**
   * Counts for `txpool_status`: pending are the consecutive runs from each sender's state nonce,
   * queued everything else (behind a gap, or stale until the next prune).
   *
   * @example
   * pool.status((address) => nonces.get(address.toString()) ?? 0n) // { pending: 2, queued: 1 }
   */
  status(stateNonce: (address: Address) => bigint): { pending: number; queued: number } {
    let pending = 0;
    for (const queue of this.#bySender.values())
      pending += this.#run(queue, stateNonce(queue.address)).length;
    return { pending, queued: this.#byHash.size - pending };
  }

  /** Every transaction held, in the order they were added. */
  all(): PoolTransaction[] {
    return [...this.#byHash.values()];
  }

  /** One sender's transactions in nonce order (for `txpool_content`). */
  forSender(sender: Address): PoolTransaction[] {
    const queue = this.#bySender.get(sender.toString());
    if (queue === undefined) return [];
    return [...queue.byNonce.values()].sort((a, b) => (a.nonce < b.nonce ? -1 : a.nonce > b.nonce ? 1 : 0));
  }

  /**
   * The blob with this versioned hash, from any blob transaction held. An arrow property, so
   * it can be passed on as a `BlobStore` without binding.
   *
   * @example
   * const blob = pool.blob(hexToBytes(tx.blobVersionedHashes[0]));
   */
  readonly blob = (versionedHash: Uint8Array): Uint8Array | undefined =>
    this.#blobs.get(bytesToHex(versionedHash))?.blob;
}
