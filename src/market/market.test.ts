import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng } from "../util/prng.ts";
import { reverseDutchPrice } from "./auction.ts";
import {
  AuctionNotOverError,
  DuplicateIdError,
  InsufficientFundsError,
  InvalidRequestError,
  TimeWentBackwardsError,
} from "./errors.ts";
import { ProofMarket } from "./market.ts";
import { TimerKind, TimerQueue } from "./timers.ts";
import { type BlockSpec, ETHER, type MarketEvent, type MarketParams, type ProofRequest } from "./types.ts";

const FINNEY = ETHER / 1000n;

/** A market with proposer "P" (100 ETH) and provers p1..p3 (10 ETH of stake each). */
function setup(params: Partial<MarketParams> = {}): ProofMarket {
  const m = new ProofMarket(params);
  m.deposit("P", 100n * ETHER);
  for (const p of ["p1", "p2", "p3"]) m.registerProver(p, 10n * ETHER);
  return m;
}

function openBlock(m: ProofMarket, block: number, now = block * 12, types = ["sp1"], required = 1): void {
  const spec: BlockSpec = { block, slot: block, proposer: "P", proofTypes: types, required };
  m.openBlock(spec, now);
}

/** A sealed-bid request for `type` of block `block` (slot = block): bids for 2 s, deadline 10 s in. */
function sealed(block: number, type = "sp1", over: Partial<ProofRequest> = {}): ProofRequest {
  const t = block * 12;
  return {
    id: `${block}/${type}`,
    block,
    proofType: type,
    gas: 30e6,
    maxPrice: 10n * FINNEY,
    collateral: ETHER,
    deadline: t + 10,
    expiresAt: t + 24,
    auction: { rule: "sealed-bid", biddingEnds: t + 2 },
    ...over,
  };
}

/** A Dutch request ramping 0 → maxPrice over 4 s from the block's slot start. */
function dutch(block: number, type = "sp1", over: Partial<ProofRequest> = {}): ProofRequest {
  const t = block * 12;
  return {
    ...sealed(block, type),
    auction: { rule: "dutch", startPrice: 0n, rampStart: t, rampDuration: 4 },
    ...over,
  };
}

function ofType<T extends MarketEvent["type"]>(events: MarketEvent[], type: T) {
  return events.filter((e): e is Extract<MarketEvent, { type: T }> => e.type === type);
}

describe("sealed-bid reverse auction", () => {
  it("the lowest price wins; the payer gets back maxPrice − price; losers' collateral is released", () => {
    const m = setup();
    openBlock(m, 0);
    m.openRequest(sealed(0), 0);
    assert.equal(m.accountOf("P").balance, 100n * ETHER - 10n * FINNEY);
    assert.deepEqual(m.submitBid("0/sp1", "p1", 7n * FINNEY, 0.1), { ok: true });
    assert.deepEqual(m.submitBid("0/sp1", "p2", 5n * FINNEY, 0.2), { ok: true });
    assert.deepEqual(m.submitBid("0/sp1", "p3", 6n * FINNEY, 0.3), { ok: true });
    // Bids reserve collateral until the auction ends.
    assert.equal(m.accountOf("p1").locked, ETHER);
    assert.throws(() => m.closeAuction("0/sp1", 1.9), AuctionNotOverError);
    assert.deepEqual(m.closeAuction("0/sp1", 2), { winner: "p2", price: 5n * FINNEY });
    assert.deepEqual(m.accountOf("p1"), { balance: 0n, stake: 10n * ETHER, locked: 0n, held: 0, limit: 10 });
    assert.deepEqual(m.accountOf("p2"), {
      balance: 0n,
      stake: 9n * ETHER,
      locked: ETHER,
      held: 1,
      limit: 10,
    });
    assert.equal(m.accountOf("P").balance, 100n * ETHER - 5n * FINNEY);
    m.checkConservation();
  });

  it("ties go to the earliest bid, then to the smaller prover id", () => {
    const m = setup();
    openBlock(m, 0, 0, ["a", "b"]);
    m.openRequest(sealed(0, "a"), 0);
    m.openRequest(sealed(0, "b"), 0);
    m.submitBid("0/a", "p3", 5n, 0.5);
    m.submitBid("0/a", "p2", 5n, 1);
    m.submitBid("0/b", "p3", 5n, 1);
    m.submitBid("0/b", "p2", 5n, 1);
    assert.equal(m.closeAuction("0/a", 2)?.winner, "p3");
    assert.equal(m.closeAuction("0/b", 2)?.winner, "p2");
  });

  it("rejects each invalid bid with its reason", () => {
    const m = setup({ stakePerRequest: 2n * ETHER });
    m.registerProver("poor", 2n * ETHER); // may hold one request, but not lock 3 ETH
    m.registerProver("busy", 3n * ETHER); // may hold one request
    openBlock(m, 0, 0, ["sp1", "zisk", "openvm"]);
    m.openRequest(sealed(0, "sp1", { collateral: 3n * ETHER }), 0);
    m.openRequest(sealed(0, "zisk"), 0);
    m.openRequest(dutch(0, "openvm"), 0);
    const bid = (req: string, prover: string, price: bigint, now = 1) => m.submitBid(req, prover, price, now);
    assert.deepEqual(bid("nope", "p1", 1n), { ok: false, reason: "unknown-request" });
    assert.deepEqual(bid("0/sp1", "stranger", 1n), { ok: false, reason: "unknown-prover" });
    assert.deepEqual(bid("0/sp1", "P", 1n), { ok: false, reason: "unknown-prover" }); // not a prover
    assert.deepEqual(bid("0/openvm", "p1", 1n), { ok: false, reason: "wrong-rule" });
    assert.deepEqual(bid("0/sp1", "p1", -1n), { ok: false, reason: "negative-price" });
    assert.deepEqual(bid("0/sp1", "p1", 10n * FINNEY + 1n), { ok: false, reason: "price-above-max" });
    assert.deepEqual(bid("0/sp1", "poor", 1n), { ok: false, reason: "insufficient-stake" });
    assert.deepEqual(bid("0/sp1", "busy", 1n), { ok: true });
    assert.deepEqual(bid("0/sp1", "busy", 2n), { ok: false, reason: "duplicate-bid" });
    assert.deepEqual(bid("0/zisk", "busy", 1n), { ok: false, reason: "concurrency-limit" });
    assert.deepEqual(bid("0/zisk", "p1", 1n, 2), { ok: false, reason: "bidding-closed" });
    m.checkConservation();
  });

  it("an auction without bids leaves the request open to anyone at maxPrice", () => {
    const m = setup();
    openBlock(m, 0);
    m.openRequest(sealed(0), 0);
    assert.equal(m.closeAuction("0/sp1", 2), null);
    assert.equal(m.requestOf("0/sp1")?.state, "unassigned");
    assert.deepEqual(m.deliverProof(0, "sp1", "p3", 5), {
      ok: true,
      kind: "paid",
      price: 10n * FINNEY,
      blockProven: true,
    });
    assert.equal(m.accountOf("p3").balance, 10n * FINNEY);
    m.checkConservation();
  });
});

describe("reverse Dutch auction", () => {
  it("the price ramps from startPrice to maxPrice, rounding down, and stays there", () => {
    const a = { rule: "dutch", startPrice: 100n, rampStart: 10, rampDuration: 8 } as const;
    assert.equal(reverseDutchPrice(a, 900n, 0), 100n);
    assert.equal(reverseDutchPrice(a, 900n, 10), 100n);
    assert.equal(reverseDutchPrice(a, 900n, 12), 300n);
    assert.equal(reverseDutchPrice(a, 900n, 13.5), 450n);
    assert.equal(reverseDutchPrice(a, 900n, 18), 900n);
    assert.equal(reverseDutchPrice(a, 900n, 1e9), 900n);
    assert.equal(reverseDutchPrice({ ...a, rampDuration: 0 }, 900n, 10.000001), 900n);
    let last = 0n;
    for (let t = 9; t < 20; t += 0.37) {
      const p = reverseDutchPrice(a, 900n, t);
      assert.ok(p >= last && p <= 900n);
      last = p;
    }
  });

  it("locks at the ramp's price at that time, locks collateral, and refunds the payer the rest", () => {
    const m = setup();
    openBlock(m, 0);
    m.openRequest(dutch(0), 0);
    assert.equal(m.dutchPrice("0/sp1", 1), 2500n * (FINNEY / 1000n));
    assert.deepEqual(m.lock("0/sp1", "p1", 1), { ok: true, price: 2500n * (FINNEY / 1000n) });
    assert.deepEqual(m.requestOf("0/sp1"), {
      state: "locked",
      winner: "p1",
      price: 2500n * (FINNEY / 1000n),
      escrow: 2500n * (FINNEY / 1000n),
      bounty: 0n,
    });
    assert.equal(m.accountOf("P").balance, 100n * ETHER - 2500n * (FINNEY / 1000n));
    assert.equal(m.accountOf("p1").locked, ETHER);
    assert.deepEqual(m.lock("0/sp1", "p2", 2), { ok: false, reason: "already-locked" });
    m.checkConservation();
  });

  it("rejects each invalid lock with its reason", () => {
    const m = setup({ stakePerRequest: 10n * ETHER }); // p1..p3: one request each
    openBlock(m, 0, 0, ["a", "b", "c"]);
    m.openRequest(dutch(0, "a"), 0);
    m.openRequest(dutch(0, "b", { collateral: 20n * ETHER }), 0);
    m.openRequest(sealed(0, "c"), 0);
    assert.deepEqual(m.lock("x", "p1", 1), { ok: false, reason: "unknown-request" });
    assert.deepEqual(m.lock("0/a", "x", 1), { ok: false, reason: "unknown-prover" });
    assert.deepEqual(m.lock("0/c", "p1", 1), { ok: false, reason: "wrong-rule" });
    assert.deepEqual(m.lock("0/b", "p2", 1), { ok: false, reason: "insufficient-stake" });
    assert.equal(m.lock("0/a", "p1", 1).ok, true);
    assert.deepEqual(m.lock("0/b", "p1", 1), { ok: false, reason: "concurrency-limit" });
    assert.deepEqual(m.lock("0/b", "p2", 10), { ok: false, reason: "past-deadline" });
  });

  it("an unlocked Dutch request may be proven directly at the current price", () => {
    const m = setup();
    openBlock(m, 0);
    m.openRequest(dutch(0), 0);
    const d = m.deliverProof(0, "sp1", "p2", 2);
    assert.deepEqual(d, { ok: true, kind: "paid", price: 5n * FINNEY, blockProven: true });
    assert.equal(m.accountOf("P").balance, 100n * ETHER - 5n * FINNEY);
    m.checkConservation();
  });
});

describe("collateral, exclusivity and slashing", () => {
  it("the winner's collateral is locked on win and released on delivery, and it is paid its price", () => {
    const m = setup();
    openBlock(m, 0);
    m.openRequest(sealed(0), 0);
    m.submitBid("0/sp1", "p1", 4n * FINNEY, 1);
    m.advanceTo(2);
    assert.deepEqual(m.accountOf("p1"), {
      balance: 0n,
      stake: 9n * ETHER,
      locked: ETHER,
      held: 1,
      limit: 10,
    });
    assert.deepEqual(m.deliverProof(0, "sp1", "p1", 9.99), {
      ok: true,
      kind: "paid",
      price: 4n * FINNEY,
      blockProven: true,
    });
    assert.deepEqual(m.accountOf("p1"), {
      balance: 4n * FINNEY,
      stake: 10n * ETHER,
      locked: 0n,
      held: 0,
      limit: 10,
    });
    assert.equal(m.requestOf("0/sp1"), undefined);
    assert.equal(m.escrow, 0n);
    m.checkConservation();
  });

  it("nobody but the winner may prove in the exclusive window; anyone after, for the bounty", () => {
    const m = setup();
    openBlock(m, 0);
    m.openRequest(sealed(0, "sp1", { collateral: 1001n }), 0);
    m.submitBid("0/sp1", "p1", 4n * FINNEY, 1);
    assert.deepEqual(m.deliverProof(0, "sp1", "p2", 5), { ok: false, reason: "exclusive-window" });
    assert.deepEqual(m.deliverProof(0, "sp1", "p2", 9.999), { ok: false, reason: "exclusive-window" });
    // At the deadline the winner is slashed: floor(1001 · 50%) = 500 burned, 501 held as the bounty.
    m.advanceTo(10);
    const slashed = ofType(m.takeEvents(), "slashed");
    assert.deepEqual(slashed, [
      { type: "slashed", at: 10, request: "0/sp1", prover: "p1", burned: 500n, bounty: 501n },
    ]);
    assert.deepEqual(m.accountOf("p1"), {
      balance: 0n,
      stake: 10n * ETHER - 1001n,
      locked: 0n,
      held: 0,
      limit: 9,
    });
    assert.equal(m.burned, 500n);
    const balanceBefore = m.accountOf("P").balance;
    assert.deepEqual(m.deliverProof(0, "sp1", "p2", 11), {
      ok: true,
      kind: "rescued",
      reward: 501n,
      blockProven: true,
    });
    // The rescuer gets the bounty; the payer gets back the price it escrowed.
    assert.equal(m.accountOf("p2").balance, 501n);
    assert.equal(m.accountOf("P").balance, balanceBefore + 4n * FINNEY);
    assert.equal(m.burned, 500n);
    m.checkConservation();
  });

  it("splits the slash by slashBurnBasisPoints exactly", () => {
    for (const [bps, collateral, burned] of [
      [0n, 999n, 0n],
      [10_000n, 999n, 999n],
      [2_500n, 999n, 249n],
      [5_000n, ETHER, ETHER / 2n],
    ] as const) {
      const m = setup({ slashBurnBasisPoints: bps });
      openBlock(m, 0);
      m.openRequest(dutch(0, "sp1", { collateral }), 0);
      m.lock("0/sp1", "p1", 0);
      m.advanceTo(10);
      assert.equal(m.burned, burned);
      assert.equal(m.requestOf("0/sp1")?.bounty, collateral - burned);
      const d = m.deliverProof(0, "sp1", "p3", 12);
      assert.ok(d.ok && d.kind === "rescued" && d.reward === collateral - burned);
      m.checkConservation();
    }
  });

  it("the slashed winner's own late proof counts for the block but earns nothing; the bounty burns", () => {
    const m = setup();
    openBlock(m, 0);
    m.openRequest(dutch(0, "sp1", { collateral: 100n }), 0);
    m.lock("0/sp1", "p1", 0);
    assert.deepEqual(m.deliverProof(0, "sp1", "p1", 10), { ok: true, kind: "late", blockProven: true });
    assert.equal(m.burned, 100n);
    assert.equal(m.accountOf("p1").balance, 0n);
    assert.equal(m.accountOf("P").balance, 100n * ETHER);
    m.checkConservation();
  });

  it("an undelivered request expires: the payer is refunded, the unclaimed bounty burned", () => {
    const m = setup({ slotsBeforeNoop: 5 });
    openBlock(m, 0);
    m.openRequest(dutch(0, "sp1", { collateral: 100n }), 0);
    m.lock("0/sp1", "p1", 0);
    m.advanceTo(24);
    const expired = ofType(m.takeEvents(), "expired");
    assert.deepEqual(expired, [{ type: "expired", at: 24, request: "0/sp1", refund: 0n, burned: 50n }]);
    assert.equal(m.burned, 100n);
    // Paid back in full (the price at lock time 0 was 0); penalties for slots 1 and 2 aside.
    assert.equal(m.accountOf("P").balance, 100n * ETHER - 2n * ETHER);
    m.checkConservation();
  });
});

describe("stake-limited concurrency", () => {
  it("a prover holds at most floor(bonded stake / stakePerRequest) requests, bids included", () => {
    const m = setup({ stakePerRequest: 3n * ETHER }); // 10 ETH → 3 at once
    openBlock(m, 0, 0, ["a", "b", "c", "d"]);
    for (const t of ["a", "b", "c", "d"]) m.openRequest(sealed(0, t, { collateral: FINNEY }), 0);
    for (const t of ["a", "b", "c"]) assert.deepEqual(m.submitBid(`0/${t}`, "p1", 1n, 0), { ok: true });
    assert.deepEqual(m.submitBid("0/d", "p1", 1n, 0), { ok: false, reason: "concurrency-limit" });
    assert.equal(m.accountOf("p1").held, 3);
    // A delivery frees a unit.
    m.advanceTo(2);
    m.deliverProof(0, "a", "p1", 3);
    assert.equal(m.accountOf("p1").held, 2);
    m.checkConservation();
  });

  it("collateral comes from free stake: locked stake cannot back a second request", () => {
    const m = setup({ stakePerRequest: 0n });
    openBlock(m, 0, 0, ["a", "b"]);
    m.openRequest(sealed(0, "a", { collateral: 6n * ETHER }), 0);
    m.openRequest(sealed(0, "b", { collateral: 6n * ETHER }), 0);
    assert.deepEqual(m.submitBid("0/a", "p1", 1n, 0), { ok: true });
    assert.deepEqual(m.submitBid("0/b", "p1", 1n, 0), { ok: false, reason: "insufficient-stake" });
  });
});

describe("blocks: k-of-n, missed slots, altruistic provers", () => {
  it("a block is proven when proofs of `required` distinct types arrived", () => {
    const m = setup();
    openBlock(m, 0, 0, ["sp1", "zisk", "openvm"], 2);
    assert.deepEqual(m.deliverProof(0, "sp1", "p1", 3), { ok: true, kind: "unpaid", blockProven: false });
    assert.deepEqual(m.deliverProof(0, "sp1", "p2", 4), { ok: false, reason: "duplicate-proof" });
    assert.deepEqual(m.deliverProof(0, "risc0", "p2", 4), { ok: false, reason: "unknown-proof-type" });
    assert.deepEqual(m.deliverProof(0, "sp1", "nobody", 4), { ok: false, reason: "unknown-prover" });
    assert.deepEqual(m.deliverProof(7, "sp1", "p2", 4), { ok: false, reason: "unknown-block" });
    assert.equal(m.isProven(0), false);
    assert.deepEqual(m.deliverProof(0, "openvm", "p2", 5), { ok: true, kind: "unpaid", blockProven: true });
    assert.deepEqual(ofType(m.takeEvents(), "block-proven"), [{ type: "block-proven", at: 5, block: 0 }]);
    m.advanceTo(100);
    assert.equal(m.penalties, 0n);
  });

  it("nobody may prove a type while its sealed auction runs", () => {
    const m = setup();
    openBlock(m, 0);
    m.openRequest(sealed(0), 0);
    assert.deepEqual(m.deliverProof(0, "sp1", "p1", 1), { ok: false, reason: "auction-open" });
  });

  it("charges the proposer once per missed slot, then gives the block up", () => {
    const m = setup();
    openBlock(m, 3); // slot 3: [36, 48); proofs due by 48
    m.advanceTo(47.9);
    assert.equal(m.penalties, 0n);
    m.advanceTo(48);
    m.advanceTo(48);
    m.advanceTo(59);
    assert.equal(m.penalties, ETHER);
    m.advanceTo(60);
    m.advanceTo(1000);
    assert.equal(m.penalties, 2n * ETHER);
    assert.equal(m.accountOf("P").balance, 98n * ETHER);
    const events = m.takeEvents();
    assert.deepEqual(
      ofType(events, "slot-missed").map((e) => [e.at, e.missed, e.penalty]),
      [
        [48, 1, ETHER],
        [60, 2, ETHER],
      ],
    );
    assert.deepEqual(ofType(events, "block-abandoned"), [{ type: "block-abandoned", at: 60, block: 3 }]);
    assert.deepEqual(m.deliverProof(3, "sp1", "p1", 1000), { ok: false, reason: "unknown-block" });
    m.checkConservation();
  });

  it("a block proven in its second slot costs one penalty; in its own slot, none", () => {
    const m = setup({ slotsBeforeNoop: 10 });
    openBlock(m, 0);
    openBlock(m, 1, 12);
    m.deliverProof(0, "sp1", "p1", 13);
    m.deliverProof(1, "sp1", "p1", 23.5);
    m.advanceTo(500);
    assert.deepEqual(
      ofType(m.takeEvents(), "slot-missed").map((e) => e.block),
      [0],
    );
  });

  it("signals altruistic provers once, one slot after the block, only if it is still unproven", () => {
    const m = setup();
    openBlock(m, 0, 0, ["a", "b"], 2);
    m.deliverProof(0, "a", "p1", 1);
    m.advanceTo(11.99);
    assert.deepEqual(ofType(m.takeEvents(), "altruistic-start"), []);
    openBlock(m, 1, 11.99, ["a", "b"], 2);
    m.deliverProof(1, "a", "p1", 13);
    m.deliverProof(1, "b", "p1", 14); // block 1 proven within its slot [12, 24)
    m.advanceTo(100);
    assert.deepEqual(ofType(m.takeEvents(), "altruistic-start"), [
      { type: "altruistic-start", at: 12, block: 0, missing: 1 },
    ]);
  });

  it("giving a block up ends its requests without fault: winners get their collateral back", () => {
    const m = setup({ slotsBeforeNoop: 1 });
    openBlock(m, 0, 0, ["a", "b"]);
    m.openRequest(dutch(0, "a", { deadline: 100, expiresAt: 200 }), 0);
    m.openRequest(
      sealed(0, "b", { deadline: 100, expiresAt: 200, auction: { rule: "sealed-bid", biddingEnds: 50 } }),
      0,
    );
    m.lock("0/a", "p1", 0);
    m.submitBid("0/b", "p2", 1n, 1);
    m.advanceTo(12);
    assert.equal(m.requestOf("0/a"), undefined);
    assert.equal(m.requestOf("0/b"), undefined);
    assert.deepEqual(m.accountOf("p1"), { balance: 0n, stake: 10n * ETHER, locked: 0n, held: 0, limit: 10 });
    assert.deepEqual(m.accountOf("p2"), { balance: 0n, stake: 10n * ETHER, locked: 0n, held: 0, limit: 10 });
    assert.equal(m.burned, 0n);
    assert.equal(m.accountOf("P").balance, 99n * ETHER);
    m.checkConservation();
  });
});

describe("inputs the market refuses", () => {
  it("throws named errors for time going back, bad requests and missing funds", () => {
    const m = setup();
    openBlock(m, 0, 0);
    assert.throws(() => m.openRequest(sealed(0, "sp1", { deadline: 0 }), 0), InvalidRequestError);
    assert.throws(() => m.openRequest(sealed(0, "zisk"), 0), InvalidRequestError);
    assert.throws(
      () => m.openRequest(sealed(0, "sp1", { maxPrice: 1000n * ETHER }), 0),
      InsufficientFundsError,
    );
    m.openRequest(sealed(0), 0);
    assert.throws(() => m.openRequest(sealed(0, "sp1", { id: "again" }), 0), InvalidRequestError);
    assert.throws(() => m.openRequest(sealed(0), 0), DuplicateIdError);
    m.advanceTo(5);
    assert.throws(() => m.advanceTo(4), TimeWentBackwardsError);
    assert.throws(() => m.submitBid("0/sp1", "p1", 1n, 4), TimeWentBackwardsError);
    assert.throws(() => new ProofMarket({ slashBurnBasisPoints: 10_001n }), RangeError);
  });
});

describe("invariants under random operation sequences", () => {
  it("conserves every wei, respects stake limits and exclusivity, and settles every request", () => {
    const TYPES = ["sp1", "zisk", "openvm"];
    const seen = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5]) {
      const rng = new Rng(seed);
      const m = new ProofMarket({
        stakePerRequest: ETHER,
        slashBurnBasisPoints: BigInt(rng.int(10_001)),
        slotsBeforeNoop: 1 + rng.int(3),
      });
      const provers = ["p0", "p1", "p2", "p3", "p4", "p5"];
      m.deposit("P", 10_000n * ETHER);
      for (const p of provers) m.registerProver(p, BigInt(rng.int(5)) * ETHER + BigInt(rng.int(1000)));
      let now = 0;
      const live: string[] = [];
      for (let slot = 0; slot < 300; slot++) {
        const start = slot * 12;
        now = Math.max(now, start);
        const required = 1 + rng.int(TYPES.length);
        openBlock(m, slot, now, TYPES, required);
        for (const t of TYPES) {
          if (!rng.chance(0.8)) continue;
          const auction =
            rng.int(2) === 0
              ? ({ rule: "sealed-bid", biddingEnds: start + 1 + rng.int(3) } as const)
              : ({
                  rule: "dutch",
                  startPrice: BigInt(rng.int(100)),
                  rampStart: start,
                  rampDuration: rng.int(6),
                } as const);
          m.openRequest(
            {
              id: `${slot}/${t}`,
              block: slot,
              proofType: t,
              gas: 1e6,
              maxPrice: 100n + BigInt(rng.int(1000)),
              collateral: BigInt(rng.int(3)) * ETHER + BigInt(rng.int(999)),
              deadline: start + 6 + rng.int(6),
              expiresAt: start + 12 + rng.int(30),
              auction,
            },
            now,
          );
          live.push(`${slot}/${t}`);
        }
        for (let op = 0; op < 12; op++) {
          now += rng.int(3) * 0.5;
          const id = rng.pick(live.length > 0 ? live : ["none"]);
          const prover = rng.pick(provers);
          const choice = rng.int(3);
          if (choice === 0) {
            const view = m.requestOf(id);
            const r = m.submitBid(id, prover, BigInt(rng.int(1200)) - 50n, now);
            if (r.ok) {
              assert.equal(view?.state, "bidding");
              const a = m.accountOf(prover);
              assert.ok(a.held <= a.limit, "a prover acquired a request beyond its stake limit");
            }
          } else if (choice === 1) {
            const r = m.lock(id, prover, now);
            if (r.ok) {
              const a = m.accountOf(prover);
              assert.ok(a.held <= a.limit, "a prover acquired a request beyond its stake limit");
              assert.equal(r.price, m.dutchPrice(id, now));
            }
          } else {
            const [b, t] = id.split("/");
            m.advanceTo(now);
            const before = m.requestOf(id);
            const r = m.deliverProof(Number(b), t ?? "sp1", prover, now);
            if (before?.state === "locked" && before.winner !== prover) {
              assert.deepEqual(r, { ok: false, reason: "exclusive-window" });
            }
            if (r.ok && r.kind === "rescued") assert.equal(before?.state, "slashed");
          }
          m.checkConservation();
        }
        for (let i = live.length - 1; i >= 0; i--) if (!m.requestOf(live[i])) live.splice(i, 1);
      }
      m.advanceTo(now + 10_000);
      m.checkConservation();
      assert.equal(m.escrow, 0n, "every request settled");
      // The event log accounts for every burned and penalised wei.
      const events = m.takeEvents();
      const burned = events.reduce(
        (s, e) => s + (e.type === "slashed" || e.type === "expired" ? e.burned : 0n),
        0n,
      );
      assert.equal(burned, m.burned);
      assert.equal(
        ofType(events, "slot-missed").reduce((s, e) => s + e.penalty, 0n),
        m.penalties,
      );
      for (const p of provers) assert.equal(m.accountOf(p).locked, 0n);
      for (const e of events) seen.add(e.type);
    }
    // The sequences reached every rule.
    assert.deepEqual([...seen].sort(), [
      "altruistic-start",
      "block-abandoned",
      "block-proven",
      "expired",
      "locked",
      "paid",
      "proof",
      "request-opened",
      "rescued",
      "slashed",
      "slot-missed",
      "unassigned",
    ]);
  });
});

describe("TimerQueue", () => {
  it("pops by time, then kind, then insertion order", () => {
    const q = new TimerQueue<string>();
    const rng = new Rng(9);
    const added: [number, number, number, string][] = [];
    for (let i = 0; i < 500; i++) {
      const at = rng.int(50);
      const kind = rng.pick([
        TimerKind.BiddingEnds,
        TimerKind.Deadline,
        TimerKind.SlotBoundary,
        TimerKind.Expiry,
      ]);
      q.add(at, kind, `t${i}`);
      added.push([at, kind, i, `t${i}`]);
    }
    added.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    assert.equal(q.popDue(-1), undefined);
    const popped: string[] = [];
    for (let t = q.popDue(1e9); t; t = q.popDue(1e9)) popped.push(t.target);
    assert.deepEqual(
      popped,
      added.map((a) => a[3]),
    );
  });
});
