/**
 * The L1 chain configuration: every parameter of the devnet, with built-in defaults. A JSON
 * file may override any of them (`nrx l1 --config FILE`); integers are given as JSON numbers
 * or as decimal or 0x-hex strings, so values past 2^53 survive.
 */
import { readFileSync } from "node:fs";
import { DEFAULT_EXECUTE_PARAMS, type ExecuteParams } from "../execute/market.ts";

export type GenesisAccount = {
  balance: bigint;
  nonce?: bigint;
  /** Runtime code, 0x-hex. */
  code?: `0x${string}`;
  /** Storage slot → value, both 0x-hex 32-byte words. */
  storage?: Record<string, `0x${string}`>;
};

export type L1Config = {
  chainId: bigint;
  /** Slot length: one block per slot. Sub-second slots are for tests. */
  slotTimeMs: number;
  /** Block gas limit. */
  gasLimit: bigint;
  /** Fee recipient of produced blocks. */
  coinbase: `0x${string}`;
  genesis: {
    timestamp: bigint;
    baseFeePerGas: bigint;
    alloc: Record<string, GenesisAccount>;
  };
  /** Prefunded accounts derived from a BIP-39 mnemonic (path m/44'/60'/0'/0/i), as anvil does. */
  devAccounts: { mnemonic: string; count: number; balance: bigint };
  /** `EXECUTE` and its execute-gas market. */
  execute: ExecuteParams;
  mempool: {
    /** Most transactions held; past it the lowest-paying one is dropped. */
    maxTransactions: number;
    /** A replacement must raise both fee caps by this many percent (geth: 10). */
    priceBumpPercent: number;
  };
  rpc: { host: string; port: number; maxRequestBytes: number };
};

const ETHER = 10n ** 18n;

/** anvil's and hardhat's default mnemonic, so the usual dev keys and addresses work. */
export const DEFAULT_MNEMONIC = "test test test test test test test test test test test junk";

export const DEFAULT_L1_CONFIG: L1Config = {
  chainId: 31337n,
  slotTimeMs: 12_000,
  gasLimit: 60_000_000n,
  coinbase: "0x0000000000000000000000000000000000000000",
  genesis: { timestamp: 0n, baseFeePerGas: 1_000_000_000n, alloc: {} },
  devAccounts: { mnemonic: DEFAULT_MNEMONIC, count: 10, balance: 10_000n * ETHER },
  execute: DEFAULT_EXECUTE_PARAMS,
  mempool: { maxTransactions: 10_000, priceBumpPercent: 10 },
  rpc: { host: "127.0.0.1", port: 8545, maxRequestBytes: 16 * 1024 * 1024 },
};

/** A configuration value is missing, of the wrong type or out of range; `field` is its JSON path. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`config ${field}: ${problem}`);
  }
}

type Json = unknown;

function integer(value: Json, field: string, min = 0n, max?: bigint): bigint {
  let n: bigint;
  if (typeof value === "number" && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === "string" && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) n = BigInt(value);
  else
    throw new ConfigError(
      field,
      `expected an integer (number, decimal or 0x-hex string), got ${JSON.stringify(value)}`,
    );
  if (n < min) throw new ConfigError(field, `must be at least ${min}, got ${n}`);
  if (max !== undefined && n > max) throw new ConfigError(field, `must be at most ${max}, got ${n}`);
  return n;
}

function smallInteger(value: Json, field: string, min: number, max: number): number {
  return Number(integer(value, field, BigInt(min), BigInt(max)));
}

function hex(value: Json, field: string, bytes?: number): `0x${string}` {
  const ok = typeof value === "string" && /^0x([0-9a-fA-F]{2})*$/.test(value);
  if (!ok || (bytes !== undefined && value.length !== 2 + 2 * bytes)) {
    throw new ConfigError(
      field,
      `expected 0x-hex${bytes ? ` of ${bytes} bytes` : ""}, got ${JSON.stringify(value)}`,
    );
  }
  return value.toLowerCase() as `0x${string}`;
}

function object(value: Json, field: string): Record<string, Json> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(field, `expected an object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, Json>;
}

/** Reads `overrides[key]` if present, else keeps `fallback`; rejects keys this config does not have. */
function fields<T extends object>(
  overrides: Json,
  path: string,
  fallback: T,
  parse: { [K in keyof T]: (value: Json, field: string) => T[K] },
): T {
  if (overrides === undefined) return fallback;
  const given = object(overrides, path);
  for (const key of Object.keys(given)) {
    // `hasOwn`, not `in`: "constructor", "toString" or "__proto__" are not fields of this config.
    if (!Object.hasOwn(parse, key))
      throw new ConfigError(`${path}.${key}`, `unknown field (known: ${Object.keys(parse).join(", ")})`);
  }
  const out = { ...fallback };
  for (const key of Object.keys(parse) as (keyof T)[]) {
    if (given[key as string] !== undefined)
      out[key] = parse[key](given[key as string], `${path}.${String(key)}`);
  }
  return out;
}

const U64 = (1n << 64n) - 1n;

function genesisAccount(value: Json, field: string): GenesisAccount {
  const account = fields(value, field, { balance: 0n } as GenesisAccount, {
    balance: (v, f) => integer(v, f),
    nonce: (v, f) => integer(v, f, 0n, U64),
    code: (v, f) => hex(v, f),
    storage: (v, f) => {
      const out: Record<string, `0x${string}`> = {};
      for (const [slot, word] of Object.entries(object(v, f))) {
        out[hex(slot, `${f}.<key>`, 32)] = hex(word, `${f}.${slot}`, 32);
      }
      return out;
    },
  });
  return account;
}

/**
 * The configuration with `overrides` (parsed JSON) applied to the defaults.
 *
 * @example
 * const config = parseL1Config({ slotTimeMs: 500, execute: { cumulativeGasLimit: "30000000" } });
 */
export function parseL1Config(overrides: Json = {}): L1Config {
  const config = fields(overrides, "config", DEFAULT_L1_CONFIG, {
    chainId: (v, f) => integer(v, f, 1n, BigInt(Number.MAX_SAFE_INTEGER)),
    slotTimeMs: (v, f) => smallInteger(v, f, 50, 3_600_000),
    gasLimit: (v, f) => integer(v, f, 5000n, U64),
    coinbase: (v, f) => hex(v, f, 20),
    genesis: (v, f) =>
      fields(v, f, DEFAULT_L1_CONFIG.genesis, {
        timestamp: (x, g) => integer(x, g, 0n, U64),
        baseFeePerGas: (x, g) => integer(x, g, 1n),
        alloc: (x, g) => {
          const alloc: Record<string, GenesisAccount> = {};
          for (const [address, account] of Object.entries(object(x, g))) {
            alloc[hex(address, `${g}.<address>`, 20)] = genesisAccount(account, `${g}.${address}`);
          }
          return alloc;
        },
      }),
    devAccounts: (v, f) =>
      fields(v, f, DEFAULT_L1_CONFIG.devAccounts, {
        mnemonic: (x, g) => {
          if (typeof x !== "string" || x.trim().split(/\s+/).length < 12) {
            throw new ConfigError(g, "expected a BIP-39 mnemonic of at least 12 words");
          }
          return x.trim();
        },
        count: (x, g) => smallInteger(x, g, 0, 1000),
        balance: (x, g) => integer(x, g),
      }),
    execute: (v, f) =>
      fields(v, f, DEFAULT_EXECUTE_PARAMS, {
        gasCost: (x, g) => integer(x, g, 0n, U64),
        gasPerInputByte: (x, g) => integer(x, g, 0n, U64),
        cumulativeGasLimit: (x, g) => integer(x, g, 1n, U64),
        cumulativeGasTarget: (x, g) => integer(x, g, 1n, U64),
        baseFeeChangeDenominator: (x, g) => integer(x, g, 1n, 1024n),
        initialBaseFee: (x, g) => integer(x, g, 1n, (1n << 192n) - 1n),
      }),
    mempool: (v, f) =>
      fields(v, f, DEFAULT_L1_CONFIG.mempool, {
        maxTransactions: (x, g) => smallInteger(x, g, 1, 1_000_000),
        priceBumpPercent: (x, g) => smallInteger(x, g, 0, 1000),
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
  return JSON.parse(JSON.stringify(config, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}
