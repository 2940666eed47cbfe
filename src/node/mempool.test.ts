import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Common, Mainnet } from "@ethereumjs/common";
import {
  createBlob4844Tx,
  createFeeMarket1559Tx,
  createLegacyTx,
  isBlob4844Tx,
  type TypedTransaction,
} from "@ethereumjs/tx";
import { type Address, bytesToHex, createAddressFromPrivateKey, hexToBytes } from "@ethereumjs/util";
import { kzg } from "../stateless/chain.ts";
import {
  type AccountView,
  effectiveTip,
  Mempool,
  type MempoolOptions,
  maxCost,
  type PoolTransaction,
  type ReadyIterator,
  type RejectionCode,
  TransactionRejectedError,
} from "./mempool.ts";

const common = new Common({
  chain: { ...Mainnet, chainId: 31337 },
  hardfork: "osaka",
  customCrypto: { kzg },
});

const keyA = hexToBytes(`0x${"11".repeat(32)}`);
const keyB = hexToBytes(`0x${"22".repeat(32)}`);
const keyC = hexToBytes(`0x${"33".repeat(32)}`);
const keyD = hexToBytes(`0x${"44".repeat(32)}`);
const A = createAddressFromPrivateKey(keyA);
const B = createAddressFromPrivateKey(keyB);
const D = createAddressFromPrivateKey(keyD);
const recipient: `0x${string}` = `0x${"aa".repeat(20)}`;

let arrivals = 0;

/** A signed EIP-1559 transfer; fees default to a 100 wei cap with a 1 wei tip. */
function tx1559(
  key: Uint8Array,
  nonce: bigint,
  fees: { maxFee?: bigint; tip?: bigint; gasLimit?: bigint; value?: bigint; data?: Uint8Array } = {},
): TypedTransaction {
  return createFeeMarket1559Tx(
    {
      nonce,
      to: recipient,
      gasLimit: fees.gasLimit ?? 21000n,
      maxFeePerGas: fees.maxFee ?? 100n,
      maxPriorityFeePerGas: fees.tip ?? 1n,
      value: fees.value ?? 0n,
      data: fees.data,
    },
    { common },
  ).sign(key);
}

function entry(tx: TypedTransaction): PoolTransaction {
  return {
    tx,
    hash: bytesToHex(tx.hash()),
    raw: isBlob4844Tx(tx) && tx.blobs !== undefined ? tx.serializeNetworkWrapper() : tx.serialize(),
    sender: tx.getSenderAddress(),
    nonce: tx.nonce,
    arrival: arrivals++,
  };
}

/** In-memory head state: every account starts with nonce 0 and 10^20 wei. */
class State {
  readonly accounts = new Map<string, { nonce: bigint; balance: bigint }>();
  readonly view: AccountView = async (address) => this.get(address);

  get(address: Address): { nonce: bigint; balance: bigint } {
    return this.accounts.get(address.toString()) ?? { nonce: 0n, balance: 10n ** 20n };
  }

  set(address: Address, account: Partial<{ nonce: bigint; balance: bigint }>): void {
    this.accounts.set(address.toString(), { ...this.get(address), ...account });
  }

  nonce = (address: Address): bigint => this.get(address).nonce;
}

function pool(options: Partial<MempoolOptions> = {}): Mempool {
  return new Mempool({ maxTransactions: 100, priceBumpPercent: 10, blockGasLimit: 30_000_000n, ...options });
}

/** The hashes an iterator hands out, in order (hashes keep assertion diffs readable). */
function drain(ready: ReadyIterator): string[] {
  return [...ready].map((e) => e.hash);
}

function hashes(...entries: PoolTransaction[]): string[] {
  return entries.map((e) => e.hash);
}

async function assertRejected(promise: Promise<unknown>, code: RejectionCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof TransactionRejectedError, `expected TransactionRejectedError, got ${err}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

describe("fee helpers", () => {
  it("caps the tip at feeCap - baseFee and refuses a fee cap below the base fee", () => {
    const tx = tx1559(keyA, 0n, { maxFee: 10n, tip: 5n });
    assert.equal(effectiveTip(tx, 0n), 5n);
    assert.equal(effectiveTip(tx, 7n), 3n);
    assert.equal(effectiveTip(tx, 10n), 0n);
    assert.equal(effectiveTip(tx, 11n), undefined);
    const legacy = createLegacyTx(
      { nonce: 0n, to: recipient, gasLimit: 21000n, gasPrice: 30n },
      { common },
    ).sign(keyA);
    assert.equal(effectiveTip(legacy, 12n), 18n);
  });

  it("counts gas, value and blob gas in the maximum cost", () => {
    assert.equal(maxCost(tx1559(keyA, 0n, { maxFee: 10n, value: 5n })), 210005n);
  });
});

describe("mempool add", () => {
  it("adds a valid transaction and finds it by hash", async () => {
    const state = new State();
    const p = pool();
    const e = entry(tx1559(keyA, 0n));
    assert.equal(await p.add(e, state.view), e.hash);
    assert.equal(p.size, 1);
    assert.ok(p.has(e.hash));
    assert.ok(p.has(e.hash.toUpperCase().replace("0X", "0x")));
    assert.equal(p.get(e.hash)?.tx, e.tx);
    assert.deepEqual(p.all(), [e]);
    await assertRejected(p.add(e, state.view), "already_known");
  });

  it("rejects a nonce below the state nonce", async () => {
    const state = new State();
    state.set(A, { nonce: 5n });
    await assertRejected(pool().add(entry(tx1559(keyA, 4n)), state.view), "nonce_too_low");
  });

  it("rejects what the balance cannot cover", async () => {
    const state = new State();
    state.set(A, { balance: 21000n * 100n + 7n - 1n });
    const p = pool();
    await assertRejected(p.add(entry(tx1559(keyA, 0n, { value: 7n })), state.view), "insufficient_funds");
    state.set(A, { balance: 21000n * 100n + 7n });
    await p.add(entry(tx1559(keyA, 0n, { value: 7n })), state.view);
  });

  it("rejects a gas limit over the block gas limit", async () => {
    const p = pool({ blockGasLimit: 1_000_000n });
    await assertRejected(
      p.add(entry(tx1559(keyA, 0n, { gasLimit: 1_000_001n })), new State().view),
      "gas_limit",
    );
  });

  it("rejects a gas limit below the intrinsic gas and the calldata floor", async () => {
    const p = pool();
    const state = new State();
    await assertRejected(p.add(entry(tx1559(keyA, 0n, { gasLimit: 20_999n })), state.view), "intrinsic_gas");
    // 100 nonzero bytes: intrinsic 21000 + 1600, EIP-7623 floor 21000 + 4000.
    const data = new Uint8Array(100).fill(1);
    await assertRejected(
      p.add(entry(tx1559(keyA, 0n, { gasLimit: 24_000n, data })), state.view),
      "intrinsic_gas",
    );
    await p.add(entry(tx1559(keyA, 0n, { gasLimit: 25_000n, data })), state.view);
  });

  it("rejects an unsigned transaction and a mismatched entry", async () => {
    const p = pool();
    const state = new State();
    const unsigned = createFeeMarket1559Tx(
      { nonce: 0n, to: recipient, gasLimit: 21000n, maxFeePerGas: 1n },
      { common },
    );
    await assertRejected(p.add({ ...entry(tx1559(keyA, 0n)), tx: unsigned }, state.view), "invalid");
    await assertRejected(p.add({ ...entry(tx1559(keyA, 0n)), nonce: 1n }, state.view), "invalid");
    await assertRejected(
      p.add({ ...entry(tx1559(keyA, 0n)), hash: `0x${"00".repeat(32)}` }, state.view),
      "invalid",
    );
  });

  it("applies the configured minimum tip and fee cap", async () => {
    const p = pool({ minTipPerGas: 2n, minFeeCap: 50n });
    const state = new State();
    await assertRejected(p.add(entry(tx1559(keyA, 0n, { tip: 1n })), state.view), "underpriced");
    await assertRejected(
      p.add(entry(tx1559(keyA, 0n, { maxFee: 49n, tip: 2n })), state.view),
      "fee_cap_too_low",
    );
    await p.add(entry(tx1559(keyA, 0n, { maxFee: 50n, tip: 2n })), state.view);
  });
});

describe("mempool replacement", () => {
  it("needs both fee caps raised by the price bump", async () => {
    const state = new State();
    const p = pool();
    const original = entry(tx1559(keyA, 0n, { maxFee: 100n, tip: 10n }));
    await p.add(original, state.view);
    await assertRejected(
      p.add(entry(tx1559(keyA, 0n, { maxFee: 109n, tip: 11n })), state.view),
      "replacement_underpriced",
    );
    await assertRejected(
      p.add(entry(tx1559(keyA, 0n, { maxFee: 110n, tip: 10n })), state.view),
      "replacement_underpriced",
    );
    assert.ok(p.has(original.hash));

    const replacement = entry(tx1559(keyA, 0n, { maxFee: 110n, tip: 11n }));
    await p.add(replacement, state.view);
    assert.equal(p.size, 1);
    assert.ok(!p.has(original.hash));
    assert.equal(p.forSender(A)[0], replacement);
  });

  it("does not count as a new transaction when the pool is full", async () => {
    const state = new State();
    const p = pool({ maxTransactions: 1 });
    await p.add(entry(tx1559(keyA, 0n, { tip: 10n })), state.view);
    await p.add(entry(tx1559(keyA, 0n, { maxFee: 200n, tip: 20n })), state.view);
    assert.equal(p.size, 1);
  });
});

describe("mempool eviction", () => {
  it("drops the lowest tip for a better-paying transaction, else refuses", async () => {
    const state = new State();
    const p = pool({ maxTransactions: 2 });
    const five = entry(tx1559(keyA, 0n, { tip: 5n }));
    const three = entry(tx1559(keyB, 0n, { tip: 3n }));
    await p.add(five, state.view);
    await p.add(three, state.view);

    const four = entry(tx1559(keyC, 0n, { tip: 4n }));
    await p.add(four, state.view);
    assert.equal(p.size, 2);
    assert.ok(!p.has(three.hash));
    assert.ok(p.has(four.hash) && p.has(five.hash));

    // The cheapest is now 4: equal pays no more.
    await assertRejected(p.add(entry(tx1559(keyD, 0n, { tip: 4n })), state.view), "pool_full");
    await assertRejected(p.add(entry(tx1559(keyD, 0n, { tip: 2n })), state.view), "pool_full");
    assert.equal(p.size, 2);
  });

  it("skips entries removed since they were pushed", async () => {
    const state = new State();
    const p = pool({ maxTransactions: 2 });
    const cheap = entry(tx1559(keyA, 0n, { tip: 1n }));
    await p.add(cheap, state.view);
    await p.add(entry(tx1559(keyB, 0n, { tip: 6n })), state.view);
    assert.ok(p.remove(cheap.hash));
    assert.ok(!p.remove(cheap.hash));
    await p.add(entry(tx1559(keyC, 0n, { tip: 2n })), state.view);
    // Full again; the cheapest live one is C (2), not the removed A (1).
    await p.add(entry(tx1559(keyD, 0n, { tip: 3n })), state.view);
    assert.deepEqual(
      p
        .all()
        .map((e) => e.sender.toString())
        .sort(),
      [B.toString(), D.toString()].sort(),
    );
  });
});

describe("mempool ready", () => {
  it("orders by effective tip across senders and by nonce within a sender", async () => {
    const state = new State();
    const p = pool();
    const a0 = entry(tx1559(keyA, 0n, { tip: 3n }));
    const a1 = entry(tx1559(keyA, 1n, { tip: 10n }));
    const b0 = entry(tx1559(keyB, 0n, { tip: 5n }));
    const c0 = entry(tx1559(keyC, 0n, { tip: 1n }));
    // Tip 8 but a fee cap of 12: at base fee 10 it earns only 2.
    const d0 = entry(tx1559(keyD, 0n, { maxFee: 12n, tip: 8n }));
    for (const e of [a1, c0, d0, b0, a0]) await p.add(e, state.view);

    // B tips 5, A's first 3; once a0 is out, a1 (tip 10) competes; then D (2) and C (1).
    assert.deepEqual(drain(await p.ready(10n, 1n, state.view)), hashes(b0, a0, a1, d0, c0));
  });

  it("breaks tip ties by arrival and prices legacy transactions by gas price", async () => {
    const state = new State();
    const p = pool();
    const first = entry(tx1559(keyB, 0n, { tip: 4n }));
    const second = entry(tx1559(keyC, 0n, { tip: 4n }));
    const legacy = entry(
      createLegacyTx({ nonce: 0n, to: recipient, gasLimit: 21000n, gasPrice: 14n }, { common }).sign(keyA),
    );
    await p.add(second, state.view);
    await p.add(first, state.view);
    await p.add(legacy, state.view);
    // Legacy at base fee 10 tips 4 too; arrival counters (not add order) put B before C.
    assert.deepEqual(drain(await p.ready(10n, 1n, state.view)), hashes(first, second, legacy));
  });

  it("holds a transaction behind a nonce gap until the gap fills", async () => {
    const state = new State();
    const p = pool();
    const a0 = entry(tx1559(keyA, 0n));
    const a2 = entry(tx1559(keyA, 2n));
    await p.add(a0, state.view);
    await p.add(a2, state.view);
    assert.deepEqual(drain(await p.ready(0n, 1n, state.view)), hashes(a0));
    assert.deepEqual(p.status(state.nonce), { pending: 1, queued: 1 });
    assert.equal(p.pendingNonce(A, 0n), 1n);

    const a1 = entry(tx1559(keyA, 1n));
    await p.add(a1, state.view);
    assert.deepEqual(drain(await p.ready(0n, 1n, state.view)), hashes(a0, a1, a2));
    assert.deepEqual(p.status(state.nonce), { pending: 3, queued: 0 });
    assert.equal(p.pendingNonce(A, 0n), 3n);
  });

  it("starts each sender at its state nonce", async () => {
    const state = new State();
    const p = pool();
    state.set(A, { nonce: 1n });
    const a1 = entry(tx1559(keyA, 1n));
    await p.add(a1, state.view);
    assert.deepEqual(drain(await p.ready(0n, 1n, state.view)), hashes(a1));
    // The state moves past it before a prune: it is no longer ready.
    state.set(A, { nonce: 2n });
    assert.deepEqual(drain(await p.ready(0n, 1n, state.view)), hashes());
  });

  it("lets the builder skip the rest of a sender", async () => {
    const state = new State();
    const p = pool();
    const a0 = entry(tx1559(keyA, 0n, { tip: 9n }));
    const a1 = entry(tx1559(keyA, 1n, { tip: 9n }));
    const b0 = entry(tx1559(keyB, 0n, { tip: 1n }));
    for (const e of [a0, a1, b0]) await p.add(e, state.view);

    const ready = await p.ready(0n, 1n, state.view);
    assert.equal(ready.peek(), a0);
    const first = ready.next();
    assert.equal(first.value, a0);
    ready.skipSender(A);
    assert.equal(ready.peek(), b0);
    assert.deepEqual(ready.next(), { done: false, value: b0 });
    assert.deepEqual(ready.next(), { done: true, value: undefined });
  });

  it("keeps a transaction whose fee cap is below the base fee, and its later nonces, out", async () => {
    const state = new State();
    const p = pool();
    const a0 = entry(tx1559(keyA, 0n, { maxFee: 5n, tip: 1n }));
    const a1 = entry(tx1559(keyA, 1n, { maxFee: 100n, tip: 50n }));
    const b0 = entry(tx1559(keyB, 0n, { maxFee: 100n, tip: 1n }));
    const b1 = entry(tx1559(keyB, 1n, { maxFee: 9n, tip: 1n }));
    for (const e of [a0, a1, b0, b1]) await p.add(e, state.view);
    assert.deepEqual(drain(await p.ready(10n, 1n, state.view)), hashes(b0));
    // At base fee 5, a0 tips 0 and holds back a1 (tip 50); b1 is capped to 4 but still tips 1.
    assert.deepEqual(drain(await p.ready(5n, 1n, state.view)), hashes(b0, b1, a0, a1));
  });

  it("keeps a transaction the balance cannot cover out", async () => {
    const state = new State();
    const p = pool();
    const a0 = entry(tx1559(keyA, 0n, { value: 1000n }));
    await p.add(a0, state.view);
    state.set(A, { balance: 1000n });
    assert.deepEqual(drain(await p.ready(0n, 1n, state.view)), hashes());
  });

  it("is a snapshot", async () => {
    const state = new State();
    const p = pool();
    const a0 = entry(tx1559(keyA, 0n));
    await p.add(a0, state.view);
    const ready = await p.ready(0n, 1n, state.view);
    await p.add(entry(tx1559(keyB, 0n, { tip: 50n })), state.view);
    p.remove(a0.hash);
    assert.deepEqual(drain(ready), hashes(a0));
  });
});

describe("mempool prune", () => {
  it("drops nonces below the state nonce and what can no longer be paid", async () => {
    const state = new State();
    const p = pool();
    const a = [0n, 1n, 2n].map((n) => entry(tx1559(keyA, n)));
    const b0 = entry(tx1559(keyB, 0n, { value: 10n ** 18n }));
    for (const e of [...a, b0]) await p.add(e, state.view);

    state.set(A, { nonce: 2n });
    state.set(B, { balance: 10n ** 18n });
    const dropped = await p.prune(state.view);
    assert.deepEqual(dropped.sort(), [a[0].hash, a[1].hash, b0.hash].sort());
    assert.deepEqual(p.all(), [a[2]]);
    assert.equal(p.pendingNonce(A, 2n), 3n);
    assert.deepEqual(await p.prune(state.view), []);
  });
});

describe("mempool pendingNonce", () => {
  it("is the state nonce for an unknown sender and the end of the run otherwise", async () => {
    const state = new State();
    const p = pool();
    assert.equal(p.pendingNonce(A, 4n), 4n);
    state.set(A, { nonce: 3n });
    for (const n of [3n, 4n, 6n]) await p.add(entry(tx1559(keyA, n)), state.view);
    assert.equal(p.pendingNonce(A, 3n), 5n);
    assert.equal(p.pendingNonce(A, 6n), 7n);
    assert.equal(p.pendingNonce(A, 7n), 7n);
    assert.equal(p.pendingNonce(B, 0n), 0n);
  });
});

describe("mempool blobs", () => {
  /** One blob with its commitment and cell proofs, computed once: proofs take seconds. */
  type Hex = `0x${string}`;
  let sidecar: { blobs: Hex[]; kzgCommitments: Hex[]; kzgProofs: Hex[]; blobVersionedHashes: Hex[] };
  const blobTx = (nonce: bigint, maxFeePerBlobGas: bigint, maxFee = 100n, tip = 1n) => {
    const fields = {
      nonce,
      to: recipient,
      gasLimit: 21000n,
      maxFeePerGas: maxFee,
      maxPriorityFeePerGas: tip,
    };
    if (sidecar === undefined) {
      const first = createBlob4844Tx(
        { ...fields, maxFeePerBlobGas, blobsData: ["native rollups"] },
        { common },
      );
      sidecar = {
        blobs: first.blobs!,
        kzgCommitments: first.kzgCommitments!,
        kzgProofs: first.kzgProofs!,
        blobVersionedHashes: first.blobVersionedHashes as Hex[],
      };
    }
    return createBlob4844Tx({ ...fields, maxFeePerBlobGas, ...sidecar }, { common }).sign(keyA);
  };

  it("serves blobs by versioned hash while the transaction is held", async () => {
    const state = new State();
    const p = pool();
    const tx = blobTx(0n, 10n);
    assert.ok(isBlob4844Tx(tx));
    const e = entry(tx);
    await p.add(e, state.view);
    const versioned = hexToBytes(tx.blobVersionedHashes[0] as `0x${string}`);
    assert.deepEqual(p.blob(versioned), hexToBytes(tx.blobs![0] as `0x${string}`));
    assert.equal(p.blob(new Uint8Array(32)), undefined);

    // Blob gas counts in the cost: 131072 blob gas at 10 wei.
    assert.equal(maxCost(tx), 21000n * 100n + 131072n * 10n);

    // Not ready while the blob base fee is above its cap.
    assert.deepEqual(drain(await p.ready(0n, 11n, state.view)), hashes());
    assert.deepEqual(drain(await p.ready(0n, 10n, state.view)), hashes(e));

    // A replacement must bump the blob fee cap too; the blob stays available across it.
    await assertRejected(p.add(entry(blobTx(0n, 10n, 200n, 2n)), state.view), "replacement_underpriced");
    const replacement = entry(blobTx(0n, 11n, 200n, 2n));
    await p.add(replacement, state.view);
    assert.ok(p.blob(versioned) !== undefined);
    p.remove(replacement.hash);
    assert.equal(p.blob(versioned), undefined);
  });

  it("rejects a blob transaction without its blobs", async () => {
    blobTx(0n, 10n);
    // The canonical form: versioned hashes only.
    const canonical = createBlob4844Tx(
      {
        nonce: 0n,
        to: recipient,
        gasLimit: 21000n,
        maxFeePerGas: 100n,
        maxPriorityFeePerGas: 1n,
        maxFeePerBlobGas: 10n,
        blobVersionedHashes: sidecar.blobVersionedHashes,
      },
      { common },
    ).sign(keyA);
    assert.equal(canonical.blobs, undefined);
    await assertRejected(pool().add(entry(canonical), new State().view), "invalid");
  });
});
