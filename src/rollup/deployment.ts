/**
 * A rollup deployment (docs/rollup.md, "L2 node"): the L2 chain's configuration, from which every
 * node rebuilds the same genesis, and the L1 contracts that settle it. `nrx deploy-rollup` writes
 * it as JSON; `nrx l2 --rollup FILE` reads it, as a sequencer or a follower.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { Hex } from "viem";
import { type ChainConfig, configToJson, parseChainConfig } from "../node/config.ts";
import { NrxError } from "../util/errors.ts";
import { L2_BRIDGE_ADDRESS, l2BridgeGenesisAccount } from "./genesis.ts";

/** Parsed JSON, before validation. */
type Json = unknown;

const ETHER = 10n ** 18n;

export type RollupDeployment = {
  /** The L1's chain id, so a node refuses an L1 it was not deployed on. */
  l1ChainId: bigint;
  /** The L2 chain: chain id, block gas limit, genesis, dev accounts and mempool limits. */
  chain: ChainConfig;
  genesisHash: Hex;
  genesisStateRoot: Hex;
  contracts: {
    rollup: Hex;
    bridge: Hex;
    sequencing: Hex;
    inbox: Hex;
    timelock: Hex;
  };
  /** The L1 block the rollup was deployed in: followers read L1 from there. */
  l1Block: bigint;
};

export class DeploymentFileError extends NrxError {
  override name = "DeploymentFileError";
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

export type L2ChainOptions = {
  chainId: bigint;
  /** Gas-token supply held by the L2 bridge predeploy, paid out by deposits (default 10^9 ether). */
  premint?: bigint;
  /** Balance of each dev account in the L2 genesis, backed by the L1 bridge's escrow (default 100 ether). */
  devBalance?: bigint;
  /** L2 block gas limit (default 15M: two L2 blocks per slot fill `EXECUTE`'s 30M limit). */
  gasLimit?: bigint;
};

/**
 * The configuration of a new L2 chain: the L2 bridge predeploy holding the premint, and the dev
 * accounts of the default mnemonic funded with `devBalance` each.
 *
 * @example
 * const chain = l2ChainConfig({ chainId: 901n });
 * genesisBacking(chain); // 10 × 100 ether: what the deployer escrows in the L1 bridge
 */
export function l2ChainConfig(options: L2ChainOptions): ChainConfig {
  const config = parseChainConfig({
    chainId: options.chainId.toString(),
    gasLimit: (options.gasLimit ?? 15_000_000n).toString(),
    devAccounts: { count: 10, balance: (options.devBalance ?? 100n * ETHER).toString() },
  });
  const premint = options.premint ?? 10n ** 9n * ETHER;
  return {
    ...config,
    genesis: { ...config.genesis, alloc: { [L2_BRIDGE_ADDRESS]: l2BridgeGenesisAccount(premint) } },
  };
}

/**
 * The L2 value outside the bridge predeploy at genesis: what the L1 bridge must escrow at
 * deployment so that every withdrawal of it is backed.
 */
export function genesisBacking(chain: ChainConfig): bigint {
  let total = BigInt(chain.devAccounts.count) * chain.devAccounts.balance;
  for (const [address, account] of Object.entries(chain.genesis.alloc)) {
    if (address.toLowerCase() !== L2_BRIDGE_ADDRESS) total += account.balance;
  }
  return total;
}

/** The deployment as JSON (integers as decimal strings). */
export function deploymentToJson(deployment: RollupDeployment): Json {
  return {
    l1ChainId: deployment.l1ChainId.toString(),
    chain: configToJson(deployment.chain),
    genesisHash: deployment.genesisHash,
    genesisStateRoot: deployment.genesisStateRoot,
    contracts: deployment.contracts,
    l1Block: deployment.l1Block.toString(),
  };
}

export function saveDeployment(path: string, deployment: RollupDeployment): void {
  writeFileSync(path, `${JSON.stringify(deploymentToJson(deployment), null, 2)}\n`);
}

/**
 * A deployment's chain config without the L1-only fields that files written before the chain
 * config was split from the L1's carry (`slotTimeMs`, `execute`, `rpc`): they never applied.
 */
function withoutL1Fields(chain: unknown): Json {
  if (typeof chain !== "object" || chain === null || Array.isArray(chain)) return chain;
  const { slotTimeMs: _slot, execute: _execute, rpc: _rpc, ...rest } = chain as Record<string, unknown>;
  return rest;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;

/**
 * Reads a deployment file; an error names the file and what is wrong.
 *
 * @example
 * const deployment = loadDeployment(".nrx/rollup-901.json");
 */
export function loadDeployment(path: string): RollupDeployment {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new DeploymentFileError(path, `cannot read a deployment: ${(err as Error).message}`);
  }
  const fail = (field: string, expected: string): never => {
    throw new DeploymentFileError(path, `${field}: expected ${expected}`);
  };
  const contracts = (json.contracts ?? {}) as Record<string, unknown>;
  for (const name of ["rollup", "bridge", "sequencing", "inbox", "timelock"]) {
    if (typeof contracts[name] !== "string" || !ADDRESS.test(contracts[name] as string)) {
      fail(`contracts.${name}`, "an address");
    }
  }
  for (const field of ["genesisHash", "genesisStateRoot"]) {
    if (typeof json[field] !== "string" || !HASH.test(json[field] as string)) fail(field, "a 32-byte hash");
  }
  const integer = (field: string) => {
    const value = json[field];
    if (typeof value !== "string" || !/^[0-9]+$/.test(value)) fail(field, "a decimal integer string");
    return BigInt(value as string);
  };
  let chain: ChainConfig;
  try {
    chain = parseChainConfig(withoutL1Fields(json.chain));
  } catch (err) {
    throw new DeploymentFileError(path, (err as Error).message);
  }
  return {
    l1ChainId: integer("l1ChainId"),
    chain,
    genesisHash: json.genesisHash as Hex,
    genesisStateRoot: json.genesisStateRoot as Hex,
    contracts: contracts as RollupDeployment["contracts"],
    l1Block: integer("l1Block"),
  };
}
