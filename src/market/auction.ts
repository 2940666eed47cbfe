/** The two reverse auctions' rules: the Dutch ramp's price and the sealed-bid winner. */
import type { DutchAuction, Wei } from "./types.ts";

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

export type SealedBid<P extends { id: string }> = { prover: P; price: Wei; at: number };

/**
 * The winning sealed bid: the lowest price, ties to the earliest bid, then the smaller prover id.
 *
 * @example
 * winningBid([{ prover: { id: "b" }, price: 5n, at: 1 }, { prover: { id: "a" }, price: 5n, at: 1 }]); // a's
 */
export function winningBid<P extends { id: string }>(bids: SealedBid<P>[]): SealedBid<P> | undefined {
  let best: SealedBid<P> | undefined;
  for (const b of bids) {
    if (
      !best ||
      b.price < best.price ||
      (b.price === best.price && (b.at < best.at || (b.at === best.at && b.prover.id < best.prover.id)))
    ) {
      best = b;
    }
  }
  return best;
}
