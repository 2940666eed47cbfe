/** Conversions between the simulator's USD figures and wei. */
import type { Wei } from "../market/types.ts";

/**
 * USD at `ethUsd` dollars per ETH, in wei.
 *
 * @example
 * usdToWei(3, 3000); // 1000000000000000n (0.001 ETH)
 */
export function usdToWei(usd: number, ethUsd: number): Wei {
  // Micro-ETH resolution keeps the conversion exact in integers and is far below any price here.
  return (BigInt(Math.round((usd / ethUsd) * 1e12)) * 10n ** 18n) / 10n ** 12n;
}
