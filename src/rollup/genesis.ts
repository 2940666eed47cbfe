/**
 * An L2's chain (docs/rollup.md, "The L2 chain"): its rules, the L1's fork with nothing added and
 * no blobs, and its genesis, with the L2 bridge predeploy (`L2Bridge`'s runtime code at a fixed
 * address) holding the whole preminted gas-token supply.
 */
import type { Hex } from "viem";
import { loadArtifact } from "../contracts/compile.ts";
import { L1_FORK } from "../l1/rules.ts";
import type { ChainConfig, GenesisAccount } from "../node/config.ts";
import { createChainGenesis } from "../node/genesis.ts";
import { type ChainRules, l2ChainRules } from "../node/rules.ts";
import { commonFor } from "../stateless/chain.ts";

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

/** The rules of every L2: the fork `EXECUTE` verifies on the L1 (L2 rules follow L1 forks), nothing added. */
export const L2_RULES: ChainRules = l2ChainRules(L1_FORK);

/**
 * The genesis block of the L2 chain `config`, exactly as every L2 node builds it.
 *
 * @example
 * const genesis = await l2Genesis(deployment.chain);
 * bytesToHex(genesis.hash()) === deployment.genesisHash;
 */
export async function l2Genesis(config: ChainConfig) {
  const common = commonFor(config.chainId, L2_RULES.fork);
  return (await createChainGenesis(config, common, L2_RULES.genesisExtraData(config.chainId))).block;
}
