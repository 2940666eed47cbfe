/**
 * The prover market's vocabulary: its parameters, what a proposer asks for (blocks and proof
 * requests), what a call may be refused for, the events it reports and the views it gives.
 */

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
