/**
 * The prover market of proof mode (DESIGN.md §7), as a deterministic library: execution proposers
 * buy proofs of their blocks from provers, per proof type (zkEL client), by a sealed-bid reverse
 * auction or a reverse Dutch auction; the winner locks collateral and is slashed if it misses its
 * deadline; a block is proven when proofs of `required` of its `proofTypes` arrived (k-of-n), and
 * its proposer pays a fixed penalty for every slot missed for lack of them.
 *
 * No wall clock and no randomness: every call takes `now` (seconds, non-decreasing) and applies
 * the rules due by then first. Amounts are bigint wei and are conserved: `checkConservation()`.
 * The rules, parameters and choices are written down in docs/market.md.
 */

import { NrxError } from "../util/errors.ts";
import { type Timer, TimerKind, TimerQueue } from "./timers.ts";

/** An amount of wei. */
export type Wei = bigint;

/** 1 ETH in wei. */
export const ETHER: Wei = 10n ** 18n;

/** The market's rules that are not per request. */
export type MarketParams = {
  /** Seconds per slot. */
  slotSeconds: number;
  /** When slot 0 starts: slot s spans `[genesisTime + s·slotSeconds, genesisTime + (s+1)·slotSeconds)`. */
  genesisTime: number;
  /** What a block's proposer pays for each slot missed because the block lacks its k-of-n proofs. */
  missedSlotPenalty: Wei;
  /** Share of a slashed collateral that is burned, in basis points; the rest goes to the rescuer. */
  slashBurnBasisPoints: bigint;
  /** Bonded stake per request a prover may hold at once (0: no limit beyond collateral). */
  stakePerRequest: Wei;
  /** Missed slots after which an unproven block is given up as a no-op (DESIGN.md §7). */
  slotsBeforeNoop: number;
};

/**
 * Defaults: 12 s slots, 1 ETH per missed slot (DESIGN.md §7), half of a slash burned (as
 * Boundless does), one concurrent request per ETH staked, and a block given up after two missed
 * slots: one for its own provers to be late in, one for the altruistic provers that start then.
 */
export const DEFAULT_MARKET_PARAMS: MarketParams = {
  slotSeconds: 12,
  genesisTime: 0,
  missedSlotPenalty: ETHER,
  slashBurnBasisPoints: 5000n,
  stakePerRequest: ETHER,
  slotsBeforeNoop: 2,
};

/** Sealed-bid reverse auction: bids are taken while `now < biddingEnds`; the lowest price wins. */
export type SealedBidAuction = { rule: "sealed-bid"; biddingEnds: number };

/**
 * Reverse Dutch auction: the offered price rises linearly from `startPrice` at `rampStart` to the
 * request's `maxPrice` at `rampStart + rampDuration`; the first prover to `lock` takes it at that price.
 */
export type DutchAuction = { rule: "dutch"; startPrice: Wei; rampStart: number; rampDuration: number };

/** A block whose `EXECUTE` claims need proofs: proofs of `required` distinct `proofTypes` (k-of-n). */
export type BlockSpec = {
  block: number;
  /** The slot the block was proposed in; its proofs are due by the end of that slot. */
  slot: number;
  /** The execution proposer: pays for the block's proof requests and its missed-slot penalties. */
  proposer: string;
  proofTypes: readonly string[];
  required: number;
};

/**
 * A request for the proof of one block by one proof type. The block's proposer escrows `maxPrice`
 * when it is opened. The winner holds it exclusively until `deadline` (exclusive: it must deliver
 * at `now < deadline`) and is slashed if it has not; from then until `expiresAt` anyone may deliver.
 */
export type ProofRequest = {
  id: string;
  block: number;
  proofType: string;
  /** Gas of the block: for the provers' cost models; the market does not price by it. */
  gas: number;
  maxPrice: Wei;
  /** Stake the winner locks; slashed if it misses `deadline`. */
  collateral: Wei;
  deadline: number;
  expiresAt: number;
  auction: SealedBidAuction | DutchAuction;
};

/** Why a sealed bid was refused. */
export type BidRejection =
  | "unknown-request"
  | "unknown-prover"
  | "wrong-rule"
  | "bidding-closed"
  | "negative-price"
  | "price-above-max"
  | "duplicate-bid"
  | "concurrency-limit"
  | "insufficient-stake";

/** Why a Dutch lock was refused. */
export type LockRejection =
  | "unknown-request"
  | "unknown-prover"
  | "wrong-rule"
  | "already-locked"
  | "past-deadline"
  | "concurrency-limit"
  | "insufficient-stake";

/** Why a proof was refused. `unknown-block` also covers blocks settled or given up. */
export type ProofRejection =
  | "unknown-block"
  | "unknown-prover"
  | "unknown-proof-type"
  | "duplicate-proof"
  | "auction-open"
  | "exclusive-window";

export type Rejected<R> = { ok: false; reason: R };

/**
 * A proof taken, and what it earned: `paid` the request's price (its winner on time, or anyone on
 * a request nobody won); `rescued` the unburned part of a slashed winner's collateral; `late` (the
 * slashed winner itself) and `unpaid` (no live request for that type: an altruistic proof) nothing.
 */
export type Delivery =
  | { ok: true; kind: "paid"; price: Wei; blockProven: boolean }
  | { ok: true; kind: "rescued"; reward: Wei; blockProven: boolean }
  | { ok: true; kind: "late" | "unpaid"; blockProven: boolean };

/** The typed event log; every amount that moves appears in one. */
export type MarketEvent =
  | { type: "request-opened"; at: number; request: string; block: number; proofType: string; escrow: Wei }
  /** A prover won the request: sealed-bid at its bidding end, Dutch at `lock`. */
  | { type: "locked"; at: number; request: string; prover: string; price: Wei; collateral: Wei; refund: Wei }
  /** A sealed-bid auction ended without bids: the request is open to anyone at `maxPrice`. */
  | { type: "unassigned"; at: number; request: string }
  | { type: "paid"; at: number; request: string; prover: string; price: Wei; refund: Wei }
  | { type: "slashed"; at: number; request: string; prover: string; burned: Wei; bounty: Wei }
  | { type: "rescued"; at: number; request: string; prover: string; reward: Wei; refund: Wei }
  /** A request ended undelivered (or delivered late by its slashed winner). */
  | { type: "expired"; at: number; request: string; refund: Wei; burned: Wei }
  | { type: "proof"; at: number; block: number; proofType: string; prover: string }
  | { type: "block-proven"; at: number; block: number }
  | { type: "slot-missed"; at: number; block: number; proposer: string; penalty: Wei; missed: number }
  /** The block lacked its proofs for a whole slot: altruistic provers should start on it now. */
  | { type: "altruistic-start"; at: number; block: number; missing: number }
  | { type: "block-abandoned"; at: number; block: number };

/** A party's funds: `balance` is free wei, `stake` free bonded stake, `locked` stake under collateral. */
export type AccountView = {
  balance: Wei;
  stake: Wei;
  locked: Wei;
  /** Requests held (won and not settled) plus sealed bids outstanding. */
  held: number;
  /** How many it may hold at once, from its bonded stake. */
  limit: number;
};

export type RequestView = {
  state: RequestState;
  winner: string | null;
  price: Wei;
  escrow: Wei;
  bounty: Wei;
};

/**
 * `bidding`: sealed auction running. `offered`: Dutch, not locked. `locked`: a winner holds it.
 * `unassigned`: sealed auction ended with no bid, open to anyone. `slashed`: the winner missed its
 * deadline, open to anyone for the bounty.
 */
export type RequestState = "bidding" | "offered" | "locked" | "unassigned" | "slashed";

/** An account, block or request the market does not know (or no longer holds). */
export class UnknownIdError extends NrxError {
  override name = "UnknownIdError";
  constructor(
    readonly kind: "account" | "block" | "request",
    readonly id: string | number,
  ) {
    super(`no ${kind} ${id}`);
  }
}

/** A prover registered twice, or a block or request id already live. */
export class DuplicateIdError extends NrxError {
  override name = "DuplicateIdError";
  constructor(
    readonly kind: "prover" | "block" | "request",
    readonly id: string | number,
  ) {
    super(`${kind} ${id} already exists`);
  }
}

/** A block or request the rules do not admit: `problem` says which rule. */
export class InvalidRequestError extends NrxError {
  override name = "InvalidRequestError";
  constructor(
    readonly id: string | number,
    readonly problem: string,
  ) {
    super(`invalid ${id}: ${problem}`);
  }
}

/** A deposit, escrow or stake movement larger than the free funds. */
export class InsufficientFundsError extends NrxError {
  override name = "InsufficientFundsError";
  constructor(
    readonly account: string,
    readonly needed: Wei,
    readonly available: Wei,
  ) {
    super(`${account} has ${available} wei, needs ${needed}`);
  }
}

/** `now` earlier than a time the market was already given: the market only moves forward. */
export class TimeWentBackwardsError extends NrxError {
  override name = "TimeWentBackwardsError";
  constructor(
    readonly now: number,
    readonly last: number,
  ) {
    super(`time ${now} is before the market's time ${last}`);
  }
}

/** `closeAuction` asked before the bidding end. */
export class AuctionNotOverError extends NrxError {
  override name = "AuctionNotOverError";
  constructor(
    readonly request: string,
    readonly biddingEnds: number,
  ) {
    super(`the auction of ${request} runs until ${biddingEnds}`);
  }
}

/** The ledger does not add up: a bug, never a market outcome. */
export class ConservationError extends NrxError {
  override name = "ConservationError";
}

type Account = { id: string; balance: Wei; stake: Wei; locked: Wei; held: number; prover: boolean };
type Bid = { prover: Account; price: Wei; at: number };
type LiveBlock = {
  spec: BlockSpec;
  proposer: Account;
  delivered: string[];
  requests: LiveRequest[];
  proven: boolean;
  abandoned: boolean;
  missed: number;
};
type LiveRequest = {
  spec: ProofRequest;
  block: LiveBlock;
  state: RequestState;
  /** Payment held for the request (the payer's maxPrice, then the winning price once locked). */
  escrow: Wei;
  /** The rescuer's part of a slashed collateral, held until a rescue or expiry. */
  bounty: Wei;
  bids: Bid[];
  winner: Account | null;
  price: Wei;
  done: boolean;
};
type Target = LiveRequest | LiveBlock;

const BASIS_POINTS = 10_000n;
/** Dutch ramps interpolate in microseconds, so fractional seconds give exact, monotone prices. */
const MICROS = 1e6;

/**
 * The reverse Dutch price at `now`: `startPrice` until `rampStart`, then rising linearly (rounded
 * down) to `maxPrice` at `rampStart + rampDuration`, and `maxPrice` after.
 *
 * @example
 * reverseDutchPrice({ rule: "dutch", startPrice: 0n, rampStart: 0, rampDuration: 10 }, 100n, 2.5); // 25n
 */
export function reverseDutchPrice(auction: DutchAuction, maxPrice: Wei, now: number): Wei {
  const elapsed = now - auction.rampStart;
  if (elapsed <= 0) return auction.startPrice;
  if (elapsed >= auction.rampDuration) return maxPrice;
  const num = BigInt(Math.round(elapsed * MICROS));
  const den = BigInt(Math.round(auction.rampDuration * MICROS));
  return auction.startPrice + ((maxPrice - auction.startPrice) * num) / den;
}

/**
 * The market: accounts, blocks awaiting proofs, live requests, and the timers that apply the
 * rules. Every mutating call takes `now` and first applies whatever fell due by then.
 *
 * @example
 * const m = new ProofMarket();
 * m.deposit("proposer", 10n * ETHER);
 * m.registerProver("p1", 4n * ETHER);
 * m.openBlock({ block: 1, slot: 0, proposer: "proposer", proofTypes: ["sp1", "zisk"], required: 1 }, 0);
 * m.openRequest({ id: "1/sp1", block: 1, proofType: "sp1", gas: 30e6, maxPrice: ETHER / 100n,
 *   collateral: ETHER / 10n, deadline: 10, expiresAt: 24, auction: { rule: "sealed-bid", biddingEnds: 1 } }, 0);
 * m.submitBid("1/sp1", "p1", ETHER / 200n, 0.5); // { ok: true }
 * m.closeAuction("1/sp1", 1); // { winner: "p1", price: 5000000000000000n }
 * m.deliverProof(1, "sp1", "p1", 8); // { ok: true, kind: "paid", price: 5000000000000000n, blockProven: true }
 * m.checkConservation();
 */
export class ProofMarket {
  readonly params: MarketParams;
  private time = Number.NEGATIVE_INFINITY;
  private readonly accounts = new Map<string, Account>();
  private readonly blocks = new Map<number, LiveBlock>();
  private readonly requests = new Map<string, LiveRequest>();
  private readonly timers = new TimerQueue<Target>();
  private log: MarketEvent[] = [];
  /** Wei that entered the market (deposits, stake) less what left it (withdrawals). */
  private supply = 0n;
  private escrowed = 0n;
  private burnedTotal = 0n;
  private penaltiesTotal = 0n;

  constructor(params: Partial<MarketParams> = {}) {
    const p = { ...DEFAULT_MARKET_PARAMS, ...params };
    if (!(p.slotSeconds > 0)) throw new RangeError(`slotSeconds must be positive, got ${p.slotSeconds}`);
    if (p.slashBurnBasisPoints < 0n || p.slashBurnBasisPoints > BASIS_POINTS) {
      throw new RangeError(`slashBurnBasisPoints must be in [0, 10000], got ${p.slashBurnBasisPoints}`);
    }
    if (!Number.isInteger(p.slotsBeforeNoop) || p.slotsBeforeNoop < 1) {
      throw new RangeError(`slotsBeforeNoop must be a positive integer, got ${p.slotsBeforeNoop}`);
    }
    if (p.missedSlotPenalty < 0n || p.stakePerRequest < 0n) throw new RangeError("amounts must be >= 0");
    this.params = p;
  }

  /** The market's time: the latest `now` it was given. */
  get now(): number {
    return this.time;
  }

  // ── Accounts ──────────────────────────────────────────────────────────────────────────────

  /** Adds `amount` wei to `id`'s free balance (creating the account): wei entering the market. */
  deposit(id: string, amount: Wei): void {
    if (amount < 0n) throw new RangeError(`cannot deposit ${amount}`);
    this.account(id).balance += amount;
    this.supply += amount;
  }

  /** Takes `amount` wei of `id`'s free balance out of the market. */
  withdraw(id: string, amount: Wei): void {
    const a = this.existing(id);
    if (amount < 0n) throw new RangeError(`cannot withdraw ${amount}`);
    if (a.balance < amount) throw new InsufficientFundsError(id, amount, a.balance);
    a.balance -= amount;
    this.supply -= amount;
  }

  /** Makes `id` a prover bonding `stake` wei (entering the market); a prover registers once. */
  registerProver(id: string, stake: Wei): void {
    if (stake < 0n) throw new RangeError(`cannot stake ${stake}`);
    const a = this.account(id);
    if (a.prover) throw new DuplicateIdError("prover", id);
    a.prover = true;
    a.stake += stake;
    this.supply += stake;
  }

  /** Takes `amount` of `id`'s free (unlocked) stake out of the market. */
  unbond(id: string, amount: Wei): void {
    const a = this.existing(id);
    if (amount < 0n) throw new RangeError(`cannot unbond ${amount}`);
    if (a.stake < amount) throw new InsufficientFundsError(id, amount, a.stake);
    a.stake -= amount;
    this.supply -= amount;
  }

  /** `id`'s funds and how many requests it holds against its limit. */
  accountOf(id: string): AccountView {
    const a = this.existing(id);
    return { balance: a.balance, stake: a.stake, locked: a.locked, held: a.held, limit: this.limit(a) };
  }

  // ── Blocks and requests ───────────────────────────────────────────────────────────────────

  /**
   * Registers a block that needs `required` of `proofTypes`. From the end of its slot on, each
   * slot boundary it is still unproven charges its proposer `missedSlotPenalty`; the first also
   * signals altruistic provers; after `slotsBeforeNoop` of them the block is given up.
   */
  openBlock(spec: BlockSpec, now: number): void {
    this.advanceTo(now);
    if (this.blocks.has(spec.block)) throw new DuplicateIdError("block", spec.block);
    const n = spec.proofTypes.length;
    if (n === 0 || new Set(spec.proofTypes).size !== n) {
      throw new InvalidRequestError(spec.block, "proofTypes must be non-empty and distinct");
    }
    if (!Number.isInteger(spec.required) || spec.required < 1 || spec.required > n) {
      throw new InvalidRequestError(spec.block, `required must be in [1, ${n}], got ${spec.required}`);
    }
    if (!Number.isInteger(spec.slot)) throw new InvalidRequestError(spec.block, `slot ${spec.slot}`);
    const block: LiveBlock = {
      spec,
      proposer: this.account(spec.proposer),
      delivered: [],
      requests: [],
      proven: false,
      abandoned: false,
      missed: 0,
    };
    this.blocks.set(spec.block, block);
    this.timers.add(this.slotStart(spec.slot + 1), TimerKind.SlotBoundary, block);
  }

  /**
   * Opens a request for one proof type of an open block; its proposer escrows `maxPrice` now.
   * One live request per (block, proof type), and none for a type already delivered.
   */
  openRequest(spec: ProofRequest, now: number): void {
    this.advanceTo(now);
    const id = spec.id;
    if (this.requests.has(id)) throw new DuplicateIdError("request", id);
    const block = this.blocks.get(spec.block);
    if (!block || block.abandoned) throw new UnknownIdError("block", spec.block);
    if (!block.spec.proofTypes.includes(spec.proofType)) {
      throw new InvalidRequestError(id, `block ${spec.block} takes no proof type ${spec.proofType}`);
    }
    if (block.delivered.includes(spec.proofType)) {
      throw new InvalidRequestError(id, `${spec.proofType} of block ${spec.block} is already proven`);
    }
    if (block.requests.some((r) => r.spec.proofType === spec.proofType)) {
      throw new InvalidRequestError(id, `a request for ${spec.proofType} of block ${spec.block} is open`);
    }
    if (spec.maxPrice < 0n || spec.collateral < 0n) throw new InvalidRequestError(id, "negative amount");
    if (!(now < spec.deadline && spec.deadline <= spec.expiresAt)) {
      throw new InvalidRequestError(id, "times must satisfy now < deadline <= expiresAt");
    }
    const auction = spec.auction;
    if (auction.rule === "sealed-bid") {
      if (!(now < auction.biddingEnds && auction.biddingEnds <= spec.deadline)) {
        throw new InvalidRequestError(id, "times must satisfy now < biddingEnds <= deadline");
      }
    } else if (
      auction.startPrice < 0n ||
      auction.startPrice > spec.maxPrice ||
      !(auction.rampDuration >= 0)
    ) {
      throw new InvalidRequestError(
        id,
        "a Dutch ramp needs 0 <= startPrice <= maxPrice and rampDuration >= 0",
      );
    }
    const payer = block.proposer;
    if (payer.balance < spec.maxPrice)
      throw new InsufficientFundsError(payer.id, spec.maxPrice, payer.balance);
    payer.balance -= spec.maxPrice;
    this.escrowed += spec.maxPrice;
    const request: LiveRequest = {
      spec,
      block,
      state: auction.rule === "sealed-bid" ? "bidding" : "offered",
      escrow: spec.maxPrice,
      bounty: 0n,
      bids: [],
      winner: null,
      price: 0n,
      done: false,
    };
    this.requests.set(id, request);
    block.requests.push(request);
    if (auction.rule === "sealed-bid") this.timers.add(auction.biddingEnds, TimerKind.BiddingEnds, request);
    this.timers.add(spec.expiresAt, TimerKind.Expiry, request);
    this.emit({
      type: "request-opened",
      at: now,
      request: id,
      block: spec.block,
      proofType: spec.proofType,
      escrow: spec.maxPrice,
    });
  }

  /** The live request's state, winner, price and escrow; undefined once settled. */
  requestOf(id: string): RequestView | undefined {
    const r = this.requests.get(id);
    if (!r) return undefined;
    return {
      state: r.state,
      winner: r.winner?.id ?? null,
      price: r.price,
      escrow: r.escrow,
      bounty: r.bounty,
    };
  }

  /** Whether block `block` has its k-of-n proofs; undefined once settled or given up. */
  isProven(block: number): boolean | undefined {
    return this.blocks.get(block)?.proven;
  }

  // ── Sealed-bid reverse auction ────────────────────────────────────────────────────────────

  /**
   * A sealed bid: `prover` commits to deliver by the deadline for `price`. An accepted bid
   * reserves the collateral and one unit of the prover's concurrency until the auction ends
   * (released if it loses), so a winner can always lock.
   */
  submitBid(
    requestId: string,
    proverId: string,
    price: Wei,
    now: number,
  ): { ok: true } | Rejected<BidRejection> {
    this.advanceTo(now);
    const r = this.requests.get(requestId);
    if (!r) return { ok: false, reason: "unknown-request" };
    const p = this.accounts.get(proverId);
    if (!p?.prover) return { ok: false, reason: "unknown-prover" };
    if (r.spec.auction.rule !== "sealed-bid") return { ok: false, reason: "wrong-rule" };
    if (r.state !== "bidding") return { ok: false, reason: "bidding-closed" };
    if (price < 0n) return { ok: false, reason: "negative-price" };
    if (price > r.spec.maxPrice) return { ok: false, reason: "price-above-max" };
    for (const b of r.bids) if (b.prover === p) return { ok: false, reason: "duplicate-bid" };
    const refused = this.canHold(p, r.spec.collateral);
    if (refused) return { ok: false, reason: refused };
    this.reserve(p, r.spec.collateral);
    r.bids.push({ prover: p, price, at: now });
    return { ok: true };
  }

  /**
   * The outcome of a sealed-bid auction, once `now` reached its bidding end (where the market
   * closed it by itself): the lowest price wins, ties to the earliest bid, then the smaller prover id.
   */
  closeAuction(requestId: string, now: number): { winner: string; price: Wei } | null {
    this.advanceTo(now);
    const r = this.requests.get(requestId);
    if (!r) throw new UnknownIdError("request", requestId);
    const auction = r.spec.auction;
    if (auction.rule !== "sealed-bid") throw new InvalidRequestError(requestId, "not a sealed-bid auction");
    if (r.state === "bidding") throw new AuctionNotOverError(requestId, auction.biddingEnds);
    return r.winner ? { winner: r.winner.id, price: r.price } : null;
  }

  // ── Reverse Dutch auction ─────────────────────────────────────────────────────────────────

  /**
   * The price a Dutch request offers at `now` (a query: it applies no rules).
   *
   * @example
   * market.dutchPrice("7/zisk", 3); // rises to maxPrice over the ramp
   */
  dutchPrice(requestId: string, now: number): Wei {
    const r = this.requests.get(requestId);
    if (!r) throw new UnknownIdError("request", requestId);
    const auction = r.spec.auction;
    if (auction.rule !== "dutch") throw new InvalidRequestError(requestId, "not a Dutch auction");
    return reverseDutchPrice(auction, r.spec.maxPrice, now);
  }

  /** `prover` takes a Dutch request at the ramp's price at `now`, locking the collateral. */
  lock(requestId: string, proverId: string, now: number): { ok: true; price: Wei } | Rejected<LockRejection> {
    this.advanceTo(now);
    const r = this.requests.get(requestId);
    if (!r) return { ok: false, reason: "unknown-request" };
    const p = this.accounts.get(proverId);
    if (!p?.prover) return { ok: false, reason: "unknown-prover" };
    const auction = r.spec.auction;
    if (auction.rule !== "dutch") return { ok: false, reason: "wrong-rule" };
    if (r.state !== "offered") return { ok: false, reason: "already-locked" };
    if (now >= r.spec.deadline) return { ok: false, reason: "past-deadline" };
    const refused = this.canHold(p, r.spec.collateral);
    if (refused) return { ok: false, reason: refused };
    const price = reverseDutchPrice(auction, r.spec.maxPrice, now);
    this.reserve(p, r.spec.collateral);
    this.award(r, p, price, now);
    return { ok: true, price };
  }

  // ── Proofs ────────────────────────────────────────────────────────────────────────────────

  /**
   * A proof of `block` by `proofType` from `prover`, settling the live request for that type if
   * there is one: during a winner's exclusive window only the winner may deliver; on a request
   * nobody won anyone may, at its current price; after a slash anyone but the slashed winner
   * earns the bounty. A proof for a type with no live request is taken unpaid (altruistic).
   */
  deliverProof(
    block: number,
    proofType: string,
    proverId: string,
    now: number,
  ): Delivery | Rejected<ProofRejection> {
    this.advanceTo(now);
    const b = this.blocks.get(block);
    if (!b || b.abandoned) return { ok: false, reason: "unknown-block" };
    const p = this.accounts.get(proverId);
    if (!p?.prover) return { ok: false, reason: "unknown-prover" };
    if (!b.spec.proofTypes.includes(proofType)) return { ok: false, reason: "unknown-proof-type" };
    if (b.delivered.includes(proofType)) return { ok: false, reason: "duplicate-proof" };
    let r: LiveRequest | undefined;
    for (const x of b.requests) if (x.spec.proofType === proofType) r = x;
    if (r?.state === "bidding") return { ok: false, reason: "auction-open" };
    if (r?.state === "locked" && r.winner !== p) return { ok: false, reason: "exclusive-window" };

    this.emit({ type: "proof", at: now, block, proofType, prover: proverId });
    b.delivered.push(proofType);
    if (!b.proven && b.delivered.length >= b.spec.required) {
      b.proven = true;
      this.emit({ type: "block-proven", at: now, block });
    }
    const blockProven = b.proven;
    if (!r) {
      this.closeIfSettled(b);
      return { ok: true, kind: "unpaid", blockProven };
    }
    const req = r;
    switch (req.state) {
      case "locked":
        this.pay(req, p, req.price, now);
        return { ok: true, kind: "paid", price: req.price, blockProven };
      case "offered":
      case "unassigned": {
        const auction = req.spec.auction;
        const price =
          auction.rule === "dutch" ? reverseDutchPrice(auction, req.spec.maxPrice, now) : req.spec.maxPrice;
        this.pay(req, p, price, now);
        return { ok: true, kind: "paid", price, blockProven };
      }
      default: {
        if (req.winner === p) {
          this.expire(req, now);
          return { ok: true, kind: "late", blockProven };
        }
        const reward = req.bounty;
        const refund = req.escrow;
        p.balance += reward;
        req.block.proposer.balance += refund;
        this.escrowed -= reward + refund;
        req.bounty = 0n;
        req.escrow = 0n;
        this.emit({ type: "rescued", at: now, request: req.spec.id, prover: p.id, reward, refund });
        this.finish(req);
        return { ok: true, kind: "rescued", reward, blockProven };
      }
    }
  }

  // ── Time ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Applies every rule due by `now`, in time order (at one instant: auctions close, then
   * deadlines slash, then slot boundaries charge penalties, then requests expire).
   */
  advanceTo(now: number): void {
    if (Number.isNaN(now)) throw new RangeError("now is NaN");
    if (now < this.time) throw new TimeWentBackwardsError(now, this.time);
    this.time = now;
    for (let t = this.timers.popDue(now); t; t = this.timers.popDue(now)) this.fire(t);
  }

  // ── Ledger ────────────────────────────────────────────────────────────────────────────────

  /** Wei in the market: deposits and stakes in, less withdrawals and unbonds. Burns stay counted. */
  totalSupply(): Wei {
    return this.supply;
  }

  /** Wei burned by slashing (and unclaimed bounties). */
  get burned(): Wei {
    return this.burnedTotal;
  }

  /** Wei collected as missed-slot penalties (removed from circulation like a burn). */
  get penalties(): Wei {
    return this.penaltiesTotal;
  }

  /** Wei held for live requests: payments and bounties. */
  get escrow(): Wei {
    return this.escrowed;
  }

  /**
   * Checks the ledger: balances + stakes + locked + escrow + burned + penalties = total supply;
   * escrow and each prover's locked stake and held count match the live requests; nothing
   * negative except a proposer's balance after penalties (a debt). O(accounts + live requests).
   */
  checkConservation(): void {
    let sum = this.escrowed + this.burnedTotal + this.penaltiesTotal;
    const locked = new Map<Account, Wei>();
    const held = new Map<Account, number>();
    for (const a of this.accounts.values()) {
      if (a.stake < 0n || a.locked < 0n) throw new ConservationError(`${a.id} has negative stake`);
      sum += a.balance + a.stake + a.locked;
      locked.set(a, 0n);
      held.set(a, 0);
    }
    if (sum !== this.supply) {
      throw new ConservationError(`ledger holds ${sum} wei but ${this.supply} entered the market`);
    }
    let escrow = 0n;
    for (const r of this.requests.values()) {
      if (r.escrow < 0n || r.bounty < 0n) throw new ConservationError(`${r.spec.id} has negative escrow`);
      escrow += r.escrow + r.bounty;
      const holders =
        r.state === "bidding" ? r.bids.map((b) => b.prover) : r.state === "locked" ? [r.winner!] : [];
      for (const a of holders) {
        locked.set(a, locked.get(a)! + r.spec.collateral);
        held.set(a, held.get(a)! + 1);
      }
    }
    if (escrow !== this.escrowed)
      throw new ConservationError(`escrow is ${this.escrowed}, requests hold ${escrow}`);
    for (const a of this.accounts.values()) {
      if (a.locked !== locked.get(a) || a.held !== held.get(a)) {
        throw new ConservationError(`${a.id} locks ${a.locked} for ${a.held}, requests say ${locked.get(a)}`);
      }
    }
  }

  /** The events since the last call, oldest first; the market keeps no copy. */
  takeEvents(): MarketEvent[] {
    const out = this.log;
    this.log = [];
    return out;
  }

  // ── Internals ─────────────────────────────────────────────────────────────────────────────

  private fire(t: Timer<Target>): void {
    switch (t.kind) {
      case TimerKind.BiddingEnds:
        this.endBidding(t.target as LiveRequest, t.at);
        return;
      case TimerKind.Deadline:
        this.slash(t.target as LiveRequest, t.at);
        return;
      case TimerKind.SlotBoundary:
        this.slotBoundary(t.target as LiveBlock, t.at);
        return;
      case TimerKind.Expiry: {
        const r = t.target as LiveRequest;
        if (!r.done) this.expire(r, t.at);
        return;
      }
    }
  }

  /** Lowest price wins; ties to the earliest bid, then the smaller prover id. Losers are released. */
  private endBidding(r: LiveRequest, at: number): void {
    if (r.done || r.state !== "bidding") return;
    let best: Bid | undefined;
    for (const b of r.bids) {
      if (
        !best ||
        b.price < best.price ||
        (b.price === best.price && (b.at < best.at || (b.at === best.at && b.prover.id < best.prover.id)))
      ) {
        best = b;
      }
    }
    for (const b of r.bids) if (b !== best) this.release(b.prover, r.spec.collateral);
    r.bids = [];
    if (best) this.award(r, best.prover, best.price, at);
    else {
      r.state = "unassigned";
      this.emit({ type: "unassigned", at, request: r.spec.id });
    }
  }

  /** `p` (collateral already reserved) wins `r` at `price`; the payer gets back what it escrowed above. */
  private award(r: LiveRequest, p: Account, price: Wei, at: number): void {
    const refund = r.escrow - price;
    r.block.proposer.balance += refund;
    this.escrowed -= refund;
    r.escrow = price;
    r.price = price;
    r.winner = p;
    r.state = "locked";
    this.timers.add(r.spec.deadline, TimerKind.Deadline, r);
    this.emit({
      type: "locked",
      at,
      request: r.spec.id,
      prover: p.id,
      price,
      collateral: r.spec.collateral,
      refund,
    });
  }

  /** The winner missed its deadline: its collateral is burned in part, the rest held as a bounty. */
  private slash(r: LiveRequest, at: number): void {
    if (r.done || r.state !== "locked") return;
    const p = r.winner!;
    const c = r.spec.collateral;
    const burned = (c * this.params.slashBurnBasisPoints) / BASIS_POINTS;
    const bounty = c - burned;
    p.locked -= c;
    p.held -= 1;
    this.burnedTotal += burned;
    this.escrowed += bounty;
    r.bounty = bounty;
    r.state = "slashed";
    this.emit({ type: "slashed", at, request: r.spec.id, prover: p.id, burned, bounty });
  }

  private slotBoundary(b: LiveBlock, at: number): void {
    if (b.proven || b.abandoned) return;
    b.missed += 1;
    const penalty = this.params.missedSlotPenalty;
    b.proposer.balance -= penalty;
    this.penaltiesTotal += penalty;
    this.emit({
      type: "slot-missed",
      at,
      block: b.spec.block,
      proposer: b.proposer.id,
      penalty,
      missed: b.missed,
    });
    if (b.missed === 1) {
      this.emit({
        type: "altruistic-start",
        at,
        block: b.spec.block,
        missing: b.spec.required - b.delivered.length,
      });
    }
    if (b.missed < this.params.slotsBeforeNoop) {
      this.timers.add(this.slotStart(b.spec.slot + b.missed + 1), TimerKind.SlotBoundary, b);
      return;
    }
    // Given up: the block is a no-op, so its requests end now, without fault for a winner.
    b.abandoned = true;
    this.emit({ type: "block-abandoned", at, block: b.spec.block });
    while (b.requests.length > 0) this.expire(b.requests[b.requests.length - 1], at);
    this.blocks.delete(b.spec.block);
  }

  /** Pays `p` `price` from the escrow, refunds the rest, and frees a winner's collateral. */
  private pay(r: LiveRequest, p: Account, price: Wei, at: number): void {
    const refund = r.escrow - price;
    p.balance += price;
    r.block.proposer.balance += refund;
    this.escrowed -= r.escrow;
    r.escrow = 0n;
    if (r.winner) this.release(r.winner, r.spec.collateral);
    this.emit({ type: "paid", at, request: r.spec.id, prover: p.id, price, refund });
    this.finish(r);
  }

  /** Ends `r` undelivered: the payer is refunded, an unclaimed bounty burned, held collateral freed. */
  private expire(r: LiveRequest, at: number): void {
    if (r.state === "bidding") for (const b of r.bids) this.release(b.prover, r.spec.collateral);
    if (r.state === "locked") this.release(r.winner!, r.spec.collateral);
    const refund = r.escrow;
    const burned = r.bounty;
    r.block.proposer.balance += refund;
    this.burnedTotal += burned;
    this.escrowed -= refund + burned;
    r.escrow = 0n;
    r.bounty = 0n;
    this.emit({ type: "expired", at, request: r.spec.id, refund, burned });
    this.finish(r);
  }

  private finish(r: LiveRequest): void {
    r.done = true;
    r.bids = [];
    this.requests.delete(r.spec.id);
    const list = r.block.requests;
    const i = list.indexOf(r);
    list[i] = list[list.length - 1];
    list.pop();
    this.closeIfSettled(r.block);
  }

  /** A proven block with no live request left is forgotten (an abandoned one is, by slotBoundary). */
  private closeIfSettled(b: LiveBlock): void {
    if (b.proven && b.requests.length === 0) this.blocks.delete(b.spec.block);
  }

  /** Requests a prover may hold at once: its bonded stake over `stakePerRequest`. */
  private limit(a: Account): number {
    const unit = this.params.stakePerRequest;
    if (unit === 0n) return Number.POSITIVE_INFINITY;
    return Number((a.stake + a.locked) / unit);
  }

  private canHold(p: Account, collateral: Wei): "concurrency-limit" | "insufficient-stake" | undefined {
    if (p.held >= this.limit(p)) return "concurrency-limit";
    if (p.stake < collateral) return "insufficient-stake";
    return undefined;
  }

  private reserve(p: Account, collateral: Wei): void {
    p.stake -= collateral;
    p.locked += collateral;
    p.held += 1;
  }

  private release(p: Account, collateral: Wei): void {
    p.locked -= collateral;
    p.stake += collateral;
    p.held -= 1;
  }

  private slotStart(slot: number): number {
    return this.params.genesisTime + slot * this.params.slotSeconds;
  }

  private account(id: string): Account {
    let a = this.accounts.get(id);
    if (!a) {
      a = { id, balance: 0n, stake: 0n, locked: 0n, held: 0, prover: false };
      this.accounts.set(id, a);
    }
    return a;
  }

  private existing(id: string): Account {
    const a = this.accounts.get(id);
    if (!a) throw new UnknownIdError("account", id);
    return a;
  }

  private emit(e: MarketEvent): void {
    this.log.push(e);
  }
}
