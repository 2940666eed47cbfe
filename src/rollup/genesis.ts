/**
 * The L2 bridge predeploy of an L2 genesis (docs/rollup.md, "The L2 chain"): `L2Bridge`'s
 * runtime code at a fixed address, holding the whole preminted gas-token supply.
 */
import type { Hex } from "viem";
import { loadArtifact } from "../contracts/compile.ts";
import type { GenesisAccount } from "../l1/config.ts";

/**
 * Where the L2 bridge lives on every L2: a low address no precompile, system contract or
 * deployment will take (the hex digits spell "b71d9", "bridge" if you squint).
 */
export const L2_BRIDGE_ADDRESS: Hex = "0x00000000000000000000000000000000000b71d9";

/**
 * The genesis account of the L2 bridge: `premint` wei (the gas-token supply deposits are paid
 * from) and `L2Bridge`'s runtime code. No constructor runs in a genesis, so the contract has
 * none: its storage starts empty, which is its initial state (no withdrawals, nothing claimed).
 *
 * @example
 * const alloc = { [L2_BRIDGE_ADDRESS]: l2BridgeGenesisAccount(10n ** 27n), ...systemContractAlloc() };
 */
export function l2BridgeGenesisAccount(premint: bigint): GenesisAccount {
  if (premint < 0n) throw new RangeError(`the premint is a balance, got ${premint}`);
  return { balance: premint, nonce: 1n, code: loadArtifact("L2Bridge").deployedBytecode, storage: {} };
}
