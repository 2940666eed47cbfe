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

import { reverseDutchPrice } from "./auction.ts";
import { BASIS_POINTS, type LiveBlock, type LiveRequest, RequestBook } from "./book.ts";
import {
  AuctionNotOverError,
  DuplicateIdError,
  InsufficientFundsError,
  InvalidRequestError,
  TimeWentBackwardsError,
  UnknownIdError,
} from "./errors.ts";
import { TimerKind } from "./timers.ts";
import {
  type AccountView,
  type BidRejection,
  type BlockSpec,
  DEFAULT_MARKET_PARAMS,
  type Delivery,
  type LockRejection,
  type MarketEvent,
  type MarketParams,
  type ProofRejection,
  type ProofRequest,
  type Rejected,
  type RequestView,
  type Wei,
} from "./types.ts";

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
  private readonly book: RequestBook;

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
    this.book = new RequestBook(p);
  }

  /** The market's time: the latest `now` it was given. */
  get now(): number {
    return this.time;
  }

  // ── Accounts ──────────────────────────────────────────────────────────────────────────────

  /** Adds `amount` wei to `id`'s free balance (creating the account): wei entering the market. */
  deposit(id: string, amount: Wei): void {
    this.book.ledger.deposit(id, amount);
  }

  /** Takes `amount` wei of `id`'s free balance out of the market. */
  withdraw(id: string, amount: Wei): void {
    this.book.ledger.withdraw(id, amount);
  }

  /** Makes `id` a prover bonding `stake` wei (entering the market); a prover registers once. */
  registerProver(id: string, stake: Wei): void {
    this.book.ledger.registerProver(id, stake);
  }

  /** Takes `amount` of `id`'s free (unlocked) stake out of the market. */
  unbond(id: string, amount: Wei): void {
    this.book.ledger.unbond(id, amount);
  }

  /** `id`'s funds and how many requests it holds against its limit. */
  accountOf(id: string): AccountView {
    return this.book.ledger.view(id);
  }

  // ── Blocks and requests ───────────────────────────────────────────────────────────────────

  /**
   * Registers a block that needs `required` of `proofTypes`. From the end of its slot on, each
   * slot boundary it is still unproven charges its proposer `missedSlotPenalty`; the first also
   * signals altruistic provers; after `slotsBeforeNoop` of them the block is given up.
   */
  openBlock(spec: BlockSpec, now: number): void {
    this.advanceTo(now);
    if (this.book.blocks.has(spec.block)) throw new DuplicateIdError("block", spec.block);
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
      proposer: this.book.ledger.account(spec.proposer),
      delivered: [],
      requests: [],
      proven: false,
      abandoned: false,
      missed: 0,
    };
    this.book.blocks.set(spec.block, block);
    this.book.timers.add(this.book.slotStart(spec.slot + 1), TimerKind.SlotBoundary, block);
  }

  /**
   * Opens a request for one proof type of an open block; its proposer escrows `maxPrice` now.
   * One live request per (block, proof type), and none for a type already delivered.
   */
  openRequest(spec: ProofRequest, now: number): void {
    this.advanceTo(now);
    const id = spec.id;
    if (this.book.requests.has(id)) throw new DuplicateIdError("request", id);
    const block = this.book.blocks.get(spec.block);
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
    this.book.ledger.escrowed += spec.maxPrice;
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
    this.book.requests.set(id, request);
    block.requests.push(request);
    if (auction.rule === "sealed-bid")
      this.book.timers.add(auction.biddingEnds, TimerKind.BiddingEnds, request);
    this.book.timers.add(spec.expiresAt, TimerKind.Expiry, request);
    this.book.emit({
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
    const r = this.book.requests.get(id);
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
    return this.book.blocks.get(block)?.proven;
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
    const r = this.book.requests.get(requestId);
    if (!r) return { ok: false, reason: "unknown-request" };
    const p = this.book.ledger.prover(proverId);
    if (!p) return { ok: false, reason: "unknown-prover" };
    if (r.spec.auction.rule !== "sealed-bid") return { ok: false, reason: "wrong-rule" };
    if (r.state !== "bidding") return { ok: false, reason: "bidding-closed" };
    if (price < 0n) return { ok: false, reason: "negative-price" };
    if (price > r.spec.maxPrice) return { ok: false, reason: "price-above-max" };
    for (const b of r.bids) if (b.prover === p) return { ok: false, reason: "duplicate-bid" };
    const refused = this.book.ledger.canHold(p, r.spec.collateral);
    if (refused) return { ok: false, reason: refused };
    this.book.ledger.reserve(p, r.spec.collateral);
    r.bids.push({ prover: p, price, at: now });
    return { ok: true };
  }

  /**
   * The outcome of a sealed-bid auction, once `now` reached its bidding end (where the market
   * closed it by itself): the lowest price wins, ties to the earliest bid, then the smaller prover id.
   */
  closeAuction(requestId: string, now: number): { winner: string; price: Wei } | null {
    this.advanceTo(now);
    const r = this.book.requests.get(requestId);
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
    const r = this.book.requests.get(requestId);
    if (!r) throw new UnknownIdError("request", requestId);
    const auction = r.spec.auction;
    if (auction.rule !== "dutch") throw new InvalidRequestError(requestId, "not a Dutch auction");
    return reverseDutchPrice(auction, r.spec.maxPrice, now);
  }

  /** `prover` takes a Dutch request at the ramp's price at `now`, locking the collateral. */
  lock(requestId: string, proverId: string, now: number): { ok: true; price: Wei } | Rejected<LockRejection> {
    this.advanceTo(now);
    const r = this.book.requests.get(requestId);
    if (!r) return { ok: false, reason: "unknown-request" };
    const p = this.book.ledger.prover(proverId);
    if (!p) return { ok: false, reason: "unknown-prover" };
    const auction = r.spec.auction;
    if (auction.rule !== "dutch") return { ok: false, reason: "wrong-rule" };
    if (r.state !== "offered") return { ok: false, reason: "already-locked" };
    if (now >= r.spec.deadline) return { ok: false, reason: "past-deadline" };
    const refused = this.book.ledger.canHold(p, r.spec.collateral);
    if (refused) return { ok: false, reason: refused };
    const price = reverseDutchPrice(auction, r.spec.maxPrice, now);
    this.book.ledger.reserve(p, r.spec.collateral);
    this.book.award(r, p, price, now);
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
    const b = this.book.blocks.get(block);
    if (!b || b.abandoned) return { ok: false, reason: "unknown-block" };
    const p = this.book.ledger.prover(proverId);
    if (!p) return { ok: false, reason: "unknown-prover" };
    if (!b.spec.proofTypes.includes(proofType)) return { ok: false, reason: "unknown-proof-type" };
    if (b.delivered.includes(proofType)) return { ok: false, reason: "duplicate-proof" };
    let r: LiveRequest | undefined;
    for (const x of b.requests) if (x.spec.proofType === proofType) r = x;
    if (r?.state === "bidding") return { ok: false, reason: "auction-open" };
    if (r?.state === "locked" && r.winner !== p) return { ok: false, reason: "exclusive-window" };

    this.book.emit({ type: "proof", at: now, block, proofType, prover: proverId });
    b.delivered.push(proofType);
    if (!b.proven && b.delivered.length >= b.spec.required) {
      b.proven = true;
      this.book.emit({ type: "block-proven", at: now, block });
    }
    const blockProven = b.proven;
    if (!r) {
      this.book.closeIfSettled(b);
      return { ok: true, kind: "unpaid", blockProven };
    }
    const req = r;
    switch (req.state) {
      case "locked":
        this.book.pay(req, p, req.price, now);
        return { ok: true, kind: "paid", price: req.price, blockProven };
      case "offered":
      case "unassigned": {
        const auction = req.spec.auction;
        const price =
          auction.rule === "dutch" ? reverseDutchPrice(auction, req.spec.maxPrice, now) : req.spec.maxPrice;
        this.book.pay(req, p, price, now);
        return { ok: true, kind: "paid", price, blockProven };
      }
      default: {
        if (req.winner === p) {
          this.book.expire(req, now);
          return { ok: true, kind: "late", blockProven };
        }
        const reward = req.bounty;
        const refund = req.escrow;
        p.balance += reward;
        req.block.proposer.balance += refund;
        this.book.ledger.escrowed -= reward + refund;
        req.bounty = 0n;
        req.escrow = 0n;
        this.book.emit({ type: "rescued", at: now, request: req.spec.id, prover: p.id, reward, refund });
        this.book.finish(req);
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
    for (let t = this.book.timers.popDue(now); t; t = this.book.timers.popDue(now)) this.book.fire(t);
  }

  // ── Ledger ────────────────────────────────────────────────────────────────────────────────

  /** Wei in the market: deposits and stakes in, less withdrawals and unbonds. Burns stay counted. */
  totalSupply(): Wei {
    return this.book.ledger.supply;
  }

  /** Wei burned by slashing (and unclaimed bounties). */
  get burned(): Wei {
    return this.book.ledger.burned;
  }

  /** Wei collected as missed-slot penalties (removed from circulation like a burn). */
  get penalties(): Wei {
    return this.book.ledger.penalties;
  }

  /** Wei held for live requests: payments and bounties. */
  get escrow(): Wei {
    return this.book.ledger.escrowed;
  }

  /** Checks the ledger against the live requests (see `RequestBook.checkConservation`). */
  checkConservation(): void {
    this.book.checkConservation();
  }

  /** The events since the last call, oldest first; the market keeps no copy. */
  takeEvents(): MarketEvent[] {
    const out = this.book.log;
    this.book.log = [];
    return out;
  }
}
