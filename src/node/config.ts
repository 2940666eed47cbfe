/**
 * What every chain the node runs is configured with, L1 or L2: chain id, gas limit, fee
 * recipient, genesis, dev accounts and mempool limits, with built-in defaults. An L1 adds its
 * slot, `EXECUTE` market and RPC (src/l1/config.ts). Integers are given as JSON numbers or as
 * decimal or 0x-hex strings, so values past 2^53 survive.
 */
import { NrxError } from "../util/errors.ts";

export type GenesisAccount = {
  balance: bigint;
  nonce?: bigint;
  /** Runtime code, 0x-hex. */
  code?: `0x${string}`;
  /** Storage slot → value, both 0x-hex 32-byte words. */
  storage?: Record<string, `0x${string}`>;
};

export type ChainConfig = {
  chainId: bigint;
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
  mempool: {
    /** Most transactions held; past it the lowest-paying one is dropped. */
    maxTransactions: number;
    /** A replacement must raise both fee caps by this many percent (geth: 10). */
    priceBumpPercent: number;
  };
};

const ETHER = 10n ** 18n;

/** anvil's and hardhat's default mnemonic, so the usual dev keys and addresses work. */
export const DEFAULT_MNEMONIC = "test test test test test test test test test test test junk";

export const DEFAULT_CHAIN_CONFIG: ChainConfig = {
  chainId: 31337n,
  gasLimit: 60_000_000n,
  coinbase: "0x0000000000000000000000000000000000000000",
  genesis: { timestamp: 0n, baseFeePerGas: 1_000_000_000n, alloc: {} },
  devAccounts: { mnemonic: DEFAULT_MNEMONIC, count: 10, balance: 10_000n * ETHER },
  mempool: { maxTransactions: 10_000, priceBumpPercent: 10 },
};

/** A configuration value is missing, of the wrong type or out of range; `field` is its JSON path. */
export class ConfigError extends NrxError {
  override name = "ConfigError";
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`config ${field}: ${problem}`);
  }
}

export type Json = unknown;

export function integer(value: Json, field: string, min = 0n, max?: bigint): bigint {
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

export function smallInteger(value: Json, field: string, min: number, max: number): number {
  return Number(integer(value, field, BigInt(min), BigInt(max)));
}

export function hex(value: Json, field: string, bytes?: number): `0x${string}` {
  const ok = typeof value === "string" && /^0x([0-9a-fA-F]{2})*$/.test(value);
  if (!ok || (bytes !== undefined && value.length !== 2 + 2 * bytes)) {
    throw new ConfigError(
      field,
      `expected 0x-hex${bytes ? ` of ${bytes} bytes` : ""}, got ${JSON.stringify(value)}`,
    );
  }
  return value.toLowerCase() as `0x${string}`;
}

export function object(value: Json, field: string): Record<string, Json> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(field, `expected an object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, Json>;
}

/** Reads `overrides[key]` if present, else keeps `fallback`; rejects keys this config does not have. */
export function fields<T extends object>(
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

export const U64 = (1n << 64n) - 1n;

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

/** The parsers of `ChainConfig`'s fields, for configs that extend it. */
export const CHAIN_CONFIG_FIELDS: {
  [K in keyof ChainConfig]: (value: Json, field: string) => ChainConfig[K];
} = {
  chainId: (v, f) => integer(v, f, 1n, BigInt(Number.MAX_SAFE_INTEGER)),
  gasLimit: (v, f) => integer(v, f, 5000n, U64),
  coinbase: (v, f) => hex(v, f, 20),
  genesis: (v, f) =>
    fields(v, f, DEFAULT_CHAIN_CONFIG.genesis, {
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
    fields(v, f, DEFAULT_CHAIN_CONFIG.devAccounts, {
      mnemonic: (x, g) => {
        if (typeof x !== "string" || x.trim().split(/\s+/).length < 12) {
          throw new ConfigError(g, "expected a BIP-39 mnemonic of at least 12 words");
        }
        return x.trim();
      },
      count: (x, g) => smallInteger(x, g, 0, 1000),
      balance: (x, g) => integer(x, g),
    }),
  mempool: (v, f) =>
    fields(v, f, DEFAULT_CHAIN_CONFIG.mempool, {
      maxTransactions: (x, g) => smallInteger(x, g, 1, 1_000_000),
      priceBumpPercent: (x, g) => smallInteger(x, g, 0, 1000),
    }),
};

/**
 * A chain configuration with `overrides` (parsed JSON) applied to `defaults`.
 *
 * @example
 * const chain = parseChainConfig({ chainId: "901" });
 */
export function parseChainConfig(
  overrides: Json = {},
  defaults: ChainConfig = DEFAULT_CHAIN_CONFIG,
): ChainConfig {
  return fields(overrides, "config", defaults, CHAIN_CONFIG_FIELDS);
}

/** A configuration as JSON (integers as decimal strings), e.g. to print or to save next to the chain data. */
export function configToJson(config: object): Json {
  return JSON.parse(JSON.stringify(config, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}
