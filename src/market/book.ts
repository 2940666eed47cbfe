/**
 * The market's live state and the rules its timers apply: blocks awaiting proofs, live
 * requests, the ledger, and what happens when an auction closes, a deadline passes, a slot ends
 * or a request expires. `ProofMarket` checks each call and then acts through this book.
 */
import { type SealedBid, winningBid } from "./auction.ts";
import { ConservationError } from "./errors.ts";
import { type Account, Ledger } from "./ledger.ts";
import { type Timer, TimerKind, TimerQueue } from "./timers.ts";
import type { BlockSpec, MarketEvent, MarketParams, ProofRequest, RequestState, Wei } from "./types.ts";

export type Bid = SealedBid<Account>;
export type LiveBlock = {
  spec: BlockSpec;
  proposer: Account;
  delivered: string[];
  requests: LiveRequest[];
  proven: boolean;
  abandoned: boolean;
  missed: number;
};
export type LiveRequest = {
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

export const BASIS_POINTS = 10_000n;

export class RequestBook {
  readonly ledger: Ledger;
  readonly blocks = new Map<number, LiveBlock>();
  readonly requests = new Map<string, LiveRequest>();
  readonly timers = new TimerQueue<Target>();
  log: MarketEvent[] = [];

  constructor(readonly params: MarketParams) {
    this.ledger = new Ledger(params.stakePerRequest);
  }

  /**
   * Checks the ledger: balances + stakes + locked + escrow + burned + penalties = total supply;
   * escrow and each prover's locked stake and held count match the live requests; nothing
   * negative except a proposer's balance after penalties (a debt). O(accounts + live requests).
   */
  checkConservation(): void {
    let sum = this.ledger.escrowed + this.ledger.burned + this.ledger.penalties;
    const locked = new Map<Account, Wei>();
    const held = new Map<Account, number>();
    for (const a of this.ledger.accounts.values()) {
      if (a.stake < 0n || a.locked < 0n) throw new ConservationError(`${a.id} has negative stake`);
      sum += a.balance + a.stake + a.locked;
      locked.set(a, 0n);
      held.set(a, 0);
    }
    if (sum !== this.ledger.supply) {
      throw new ConservationError(`ledger holds ${sum} wei but ${this.ledger.supply} entered the market`);
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
    if (escrow !== this.ledger.escrowed)
      throw new ConservationError(`escrow is ${this.ledger.escrowed}, requests hold ${escrow}`);
    for (const a of this.ledger.accounts.values()) {
      if (a.locked !== locked.get(a) || a.held !== held.get(a)) {
        throw new ConservationError(`${a.id} locks ${a.locked} for ${a.held}, requests say ${locked.get(a)}`);
      }
    }
  }

  fire(t: Timer<Target>): void {
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

  /** The sealed auction ends: the winning bid is awarded, the others are released. */
  endBidding(r: LiveRequest, at: number): void {
    if (r.done || r.state !== "bidding") return;
    const best = winningBid(r.bids);
    for (const b of r.bids) if (b !== best) this.ledger.release(b.prover, r.spec.collateral);
    r.bids = [];
    if (best) this.award(r, best.prover, best.price, at);
    else {
      r.state = "unassigned";
      this.emit({ type: "unassigned", at, request: r.spec.id });
    }
  }

  /** `p` (collateral already reserved) wins `r` at `price`; the payer gets back what it escrowed above. */
  award(r: LiveRequest, p: Account, price: Wei, at: number): void {
    const refund = r.escrow - price;
    r.block.proposer.balance += refund;
    this.ledger.escrowed -= refund;
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
  slash(r: LiveRequest, at: number): void {
    if (r.done || r.state !== "locked") return;
    const p = r.winner!;
    const c = r.spec.collateral;
    const burned = (c * this.params.slashBurnBasisPoints) / BASIS_POINTS;
    const bounty = c - burned;
    p.locked -= c;
    p.held -= 1;
    this.ledger.burned += burned;
    this.ledger.escrowed += bounty;
    r.bounty = bounty;
    r.state = "slashed";
    this.emit({ type: "slashed", at, request: r.spec.id, prover: p.id, burned, bounty });
  }

  slotBoundary(b: LiveBlock, at: number): void {
    if (b.proven || b.abandoned) return;
    b.missed += 1;
    const penalty = this.params.missedSlotPenalty;
    b.proposer.balance -= penalty;
    this.ledger.penalties += penalty;
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
  pay(r: LiveRequest, p: Account, price: Wei, at: number): void {
    const refund = r.escrow - price;
    p.balance += price;
    r.block.proposer.balance += refund;
    this.ledger.escrowed -= r.escrow;
    r.escrow = 0n;
    if (r.winner) this.ledger.release(r.winner, r.spec.collateral);
    this.emit({ type: "paid", at, request: r.spec.id, prover: p.id, price, refund });
    this.finish(r);
  }

  /** Ends `r` undelivered: the payer is refunded, an unclaimed bounty burned, held collateral freed. */
  expire(r: LiveRequest, at: number): void {
    if (r.state === "bidding") for (const b of r.bids) this.ledger.release(b.prover, r.spec.collateral);
    if (r.state === "locked") this.ledger.release(r.winner!, r.spec.collateral);
    const refund = r.escrow;
    const burned = r.bounty;
    r.block.proposer.balance += refund;
    this.ledger.burned += burned;
    this.ledger.escrowed -= refund + burned;
    r.escrow = 0n;
    r.bounty = 0n;
    this.emit({ type: "expired", at, request: r.spec.id, refund, burned });
    this.finish(r);
  }

  finish(r: LiveRequest): void {
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
  closeIfSettled(b: LiveBlock): void {
    if (b.proven && b.requests.length === 0) this.blocks.delete(b.spec.block);
  }

  slotStart(slot: number): number {
    return this.params.genesisTime + slot * this.params.slotSeconds;
  }

  emit(e: MarketEvent): void {
    this.log.push(e);
  }
}
