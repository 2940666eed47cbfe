/**
 * The L1 chain configuration: every parameter of the devnet, with built-in defaults. A JSON
 * file may override any of them (`nrx l1 --config FILE`); integers are given as JSON numbers
 * or as decimal or 0x-hex strings, so values past 2^53 survive. What any chain has is
 * `ChainConfig` (src/node/config.ts); an L1 adds its slot, `EXECUTE` market and RPC.
 */
import { readFileSync } from "node:fs";
import { DEFAULT_EXECUTE_PARAMS, type ExecuteParams } from "../execute/market.ts";
import {
  CHAIN_CONFIG_FIELDS,
  type ChainConfig,
  ConfigError,
  configToJson,
  DEFAULT_CHAIN_CONFIG,
  fields,
  integer,
  type Json,
  smallInteger,
  U64,
} from "../node/config.ts";

export { ConfigError, DEFAULT_MNEMONIC, type GenesisAccount } from "../node/config.ts";

export type L1Config = ChainConfig & {
  /** Slot length: one block per slot. Sub-second slots are for tests. */
  slotTimeMs: number;
  /** Blocks per epoch of the finality rule (src/l1/finality.ts): `safe` lags one to two epochs, `finalized` two to three. */
  epochBlocks: number;
  /** `EXECUTE` and its execute-gas market. */
  execute: ExecuteParams;
  rpc: { host: string; port: number; maxRequestBytes: number };
};

export const DEFAULT_L1_CONFIG: L1Config = {
  ...DEFAULT_CHAIN_CONFIG,
  slotTimeMs: 12_000,
  epochBlocks: 32,
  execute: DEFAULT_EXECUTE_PARAMS,
  rpc: { host: "127.0.0.1", port: 8545, maxRequestBytes: 16 * 1024 * 1024 },
};

/**
 * The configuration with `overrides` (parsed JSON) applied to the defaults.
 *
 * @example
 * const config = parseL1Config({ slotTimeMs: 500, execute: { cumulativeGasLimit: "30000000" } });
 */
export function parseL1Config(overrides: Json = {}): L1Config {
  const config = fields(overrides, "config", DEFAULT_L1_CONFIG, {
    ...CHAIN_CONFIG_FIELDS,
    slotTimeMs: (v, f) => smallInteger(v, f, 50, 3_600_000),
    epochBlocks: (v, f) => smallInteger(v, f, 1, 1_000_000),
    execute: (v, f) =>
      fields(v, f, DEFAULT_EXECUTE_PARAMS, {
        gasCost: (x, g) => integer(x, g, 0n, U64),
        gasPerInputByte: (x, g) => integer(x, g, 0n, U64),
        cumulativeGasLimit: (x, g) => integer(x, g, 1n, U64),
        cumulativeGasTarget: (x, g) => integer(x, g, 1n, U64),
        baseFeeChangeDenominator: (x, g) => integer(x, g, 1n, 1024n),
        initialBaseFee: (x, g) => integer(x, g, 1n, (1n << 192n) - 1n),
      }),
    rpc: (v, f) =>
      fields(v, f, DEFAULT_L1_CONFIG.rpc, {
        host: (x, g) => {
          if (typeof x !== "string" || x.length === 0)
            throw new ConfigError(g, "expected a host name or address");
          return x;
        },
        port: (x, g) => smallInteger(x, g, 0, 65535),
        maxRequestBytes: (x, g) => smallInteger(x, g, 1024, 1024 * 1024 * 1024),
      }),
  });
  if (config.execute.cumulativeGasTarget > config.execute.cumulativeGasLimit) {
    throw new ConfigError(
      "config.execute.cumulativeGasTarget",
      `must not exceed cumulativeGasLimit (${config.execute.cumulativeGasLimit})`,
    );
  }
  return config;
}

/**
 * Reads a JSON config file; errors name the file and the field.
 *
 * @example
 * const config = loadL1Config("devnet.json");
 */
export function loadL1Config(path: string): L1Config {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(path, `cannot read: ${(err as Error).message}`);
  }
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, `not valid JSON: ${(err as Error).message}`);
  }
  return parseL1Config(json);
}

/** The configuration as JSON (integers as decimal strings), e.g. to print or to save next to the chain data. */
export function l1ConfigToJson(config: L1Config): Json {
  return configToJson(config);
}
