/**
 * The simulated proposer's side of the market: the max price it offers for a block's proof,
 * the request it opens, and two questions a prover asks of a live request (what delivering it
 * pays now, when a Dutch ramp reaches a price).
 */
import type { ProofMarket } from "../market/market.ts";
import type { ProofRequest, Wei } from "../market/types.ts";
import type { SimConfig, SimMarketConfig } from "./config.ts";
import type { Block } from "./model/blocks.ts";
import { usdToWei } from "./units.ts";

/**
 * The max price of each request: fixed, or the fees' USD budget for the block's gas (after a
 * collapse, its share), plus the proposer's hedge against the missed-slot penalty.
 */
export function maxPriceOf(config: SimConfig, block: Block, slot: number): Wei {
  const m = config.market;
  const hedge =
    (m.missedSlotPenalty * BigInt(Math.round(m.penaltyHedge * 1e6))) / 1_000_000n / BigInt(m.required);
  if (m.maxPrice !== null) return m.maxPrice + hedge;
  const f = config.fees;
  const collapsed = f.collapse !== null && slot >= f.collapse.atSlot ? f.collapse.factor : 1;
  return usdToWei((f.baseUsd + (f.usdPerMgas * block.gas) / 1e6) * collapsed, f.ethUsd) + hedge;
}

/** The request for one proof type of the block of `slot`, opened at `now` under the configured auction. */
export function proofRequest(
  m: SimMarketConfig,
  r: { id: string; slot: number; proofType: string; gas: number; maxPrice: Wei },
  now: number,
): ProofRequest {
  return {
    id: r.id,
    block: r.slot,
    proofType: r.proofType,
    gas: r.gas,
    maxPrice: r.maxPrice,
    collateral: m.collateral,
    deadline: now + m.deadlineSeconds,
    expiresAt: now + m.expirySeconds,
    auction:
      m.rule === "sealed-bid"
        ? { rule: "sealed-bid", biddingEnds: now + m.biddingSeconds }
        : {
            rule: "dutch",
            startPrice: (r.maxPrice * BigInt(Math.round(m.dutchStartShare * 1e6))) / 1_000_000n,
            rampStart: now,
            rampDuration: m.biddingSeconds,
          },
  };
}

/** When the Dutch ramp of `request` (over `rampSeconds` from `now`) reaches `price`; it is linear between its ends. */
export function dutchLockTime(
  market: ProofMarket,
  request: string,
  price: Wei,
  now: number,
  rampSeconds: number,
): number {
  const start = market.dutchPrice(request, now);
  const max = market.dutchPrice(request, now + rampSeconds);
  if (max <= start || price <= start) return now;
  return now + (rampSeconds * Number(price - start)) / Number(max - start);
}

/** What delivering `request` now pays: the bounty of a slashed one, else its price or escrow. */
export function payFor(market: ProofMarket, request: string, now: number): Wei {
  const r = market.requestOf(request);
  if (r === undefined) return 0n;
  if (r.state === "slashed") return r.bounty;
  if (r.state === "offered") return market.dutchPrice(request, now);
  return r.escrow;
}
