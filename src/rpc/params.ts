/**
 * Strict parsing of JSON-RPC params, as geth's `hexutil` does it: quantities are 0x-hex without
 * leading zeros, data is 0x-hex of whole bytes, addresses and hashes have their exact length.
 * A bad param is answered with `INVALID_PARAMS` and a message naming it, e.g.
 * `invalid argument 0 (address): expected a 20-byte 0x-hex address, got "0x12"`.
 */
import {
  type Address,
  createAddressFromString,
  equalsBytes,
  hexToBytes,
  setLengthLeft,
} from "@ethereumjs/util";
import type { Hex } from "viem";
import { NrxError } from "../util/errors.ts";
import { INVALID_PARAMS, RpcError } from "./errors.ts";

/** Why one value is not acceptable; `param` prefixes the argument's position and name. */
export class ParamProblem extends NrxError {
  override name = "ParamProblem";
}

/** A parser of one JSON value; throws `ParamProblem`. */
export type Parser<T> = (value: unknown) => T;

/** Block tags; on a devnet without consensus, "safe", "finalized" and "pending" all mean the head. */
export type BlockTag = "latest" | "pending" | "earliest" | "safe" | "finalized";

/** A block named by tag, number or hash (EIP-1898). */
export type BlockSpec = { tag: BlockTag } | { number: bigint } | { hash: Hex };

const MAX_QUOTED = 80;

/** A JSON value, shortened for an error message. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
}

function problem(message: string): never {
  throw new ParamProblem(message);
}

/**
 * Checks the number of params: at most `max`, at least `required`.
 *
 * @example
 * expectParams(params, 2, 1); // eth_getBalance: address, optional block
 */
export function expectParams(params: unknown[], max: number, required = max): void {
  if (params.length > max) {
    throw new RpcError(INVALID_PARAMS, `too many arguments, want at most ${max}, got ${params.length}`);
  }
  // A trailing null stands for an absent optional argument, as geth reads it.
  for (let i = 0; i < required; i++) {
    if (params[i] === undefined || params[i] === null) {
      throw new RpcError(INVALID_PARAMS, `missing value for required argument ${i}`);
    }
  }
}

/**
 * Required argument `index`, parsed; a problem becomes `INVALID_PARAMS` naming it.
 *
 * @example
 * const address = param(params, 0, "address", parseAddress);
 */
export function param<T>(params: unknown[], index: number, name: string, parse: Parser<T>): T {
  const value = params[index];
  if (value === undefined || value === null) {
    throw new RpcError(INVALID_PARAMS, `missing value for required argument ${index} (${name})`);
  }
  return parseAt(value, index, name, parse);
}

/**
 * Optional argument `index` (absent or null: `fallback`), parsed.
 *
 * @example
 * const block = optionalParam(params, 1, "block", parseBlockSpec, LATEST);
 */
export function optionalParam<T>(
  params: unknown[],
  index: number,
  name: string,
  parse: Parser<T>,
  fallback: T,
): T {
  const value = params[index];
  if (value === undefined || value === null) return fallback;
  return parseAt(value, index, name, parse);
}

function parseAt<T>(value: unknown, index: number, name: string, parse: Parser<T>): T {
  try {
    return parse(value);
  } catch (err) {
    if (err instanceof ParamProblem) {
      throw new RpcError(INVALID_PARAMS, `invalid argument ${index} (${name}): ${err.message}`);
    }
    throw err;
  }
}

const QUANTITY = /^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$/;
const DATA = /^0x([0-9a-fA-F]{2})*$/;

/** A 0x-hex quantity without leading zeros, at most 256 bits. */
export const parseQuantity: Parser<bigint> = (value) => {
  if (typeof value !== "string") return problem(`expected a 0x-hex quantity, got ${show(value)}`);
  if (!QUANTITY.test(value)) {
    if (/^0x0[0-9a-fA-F]+$/.test(value))
      return problem(`hex number with leading zero digits: ${show(value)}`);
    return problem(`expected a 0x-hex quantity, got ${show(value)}`);
  }
  if (value.length > 66) return problem(`quantity ${show(value)} exceeds 256 bits`);
  return BigInt(value);
};

/** A quantity that must fit in 64 bits (gas, nonces, block numbers). */
export const parseUint64: Parser<bigint> = (value) => {
  const n = parseQuantity(value);
  if (n >= 1n << 64n) problem(`quantity ${show(value)} exceeds 64 bits`);
  return n;
};

/** A 0x-hex quantity, a decimal string or a JSON integer, as anvil's and geth's dev methods take. */
export const parseLooseInteger: Parser<bigint> = (value) => {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0)
      problem(`expected a non-negative integer, got ${show(value)}`);
    return BigInt(value);
  }
  if (typeof value === "string" && /^[0-9]+$/.test(value)) return BigInt(value);
  if (typeof value === "string" && /^0x[0-9a-fA-F]+$/.test(value)) return BigInt(value);
  return problem(`expected an integer (0x-hex, decimal or number), got ${show(value)}`);
};

/** 0x-hex of whole bytes. */
export const parseData: Parser<Uint8Array> = (value) => {
  if (typeof value !== "string" || !DATA.test(value)) {
    return problem(`expected 0x-hex data of whole bytes, got ${show(value)}`);
  }
  return hexToBytes(value as Hex);
};

/** A 20-byte address (any case; no checksum check, like geth). */
export const parseAddress: Parser<Address> = (value) => {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    return problem(`expected a 20-byte 0x-hex address, got ${show(value)}`);
  }
  return createAddressFromString(value.toLowerCase());
};

/** A 32-byte hash, lower-cased. */
export const parseHash: Parser<Hex> = (value) => {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) {
    return problem(`expected a 32-byte 0x-hex hash, got ${show(value)}`);
  }
  return value.toLowerCase() as Hex;
};

/** A storage slot: up to 32 bytes of hex, left-padded (geth accepts "0x0" for slot zero). */
export const parseSlot: Parser<Uint8Array> = (value) => {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{1,64}$/.test(value)) {
    return problem(`expected a storage slot of at most 32 bytes of 0x-hex, got ${show(value)}`);
  }
  const digits = value.slice(2);
  return setLengthLeft(hexToBytes(`0x${digits.length % 2 === 1 ? "0" : ""}${digits}`), 32);
};

export const parseBool: Parser<boolean> = (value) => {
  if (typeof value !== "boolean") return problem(`expected true or false, got ${show(value)}`);
  return value;
};

const TAGS = new Set<string>(["latest", "pending", "earliest", "safe", "finalized"]);

export const LATEST: BlockSpec = { tag: "latest" };

/** A block tag, a 0x-hex number, or an EIP-1898 object `{ blockHash }` / `{ blockNumber }`. */
export const parseBlockSpec: Parser<BlockSpec> = (value) => {
  if (typeof value === "string") {
    if (TAGS.has(value)) return { tag: value as BlockTag };
    if (value.startsWith("0x")) return { number: parseUint64(value) };
    return problem(
      `expected a block number (0x-hex) or tag (latest, pending, earliest, safe, finalized), got ${show(value)}`,
    );
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    const hasHash = object.blockHash !== undefined;
    const hasNumber = object.blockNumber !== undefined;
    if (hasHash === hasNumber) return problem("expected an object with either blockHash or blockNumber");
    if (hasHash) {
      const canonical = object.requireCanonical;
      if (canonical !== undefined && typeof canonical !== "boolean")
        problem(`requireCanonical: expected true or false, got ${show(canonical)}`);
      return { hash: field(object, "blockHash", parseHash) };
    }
    return field(object, "blockNumber", parseBlockSpec);
  }
  return problem(`expected a block number, tag or {blockHash}/{blockNumber} object, got ${show(value)}`);
};

/** Field `name` of an object param, parsed, with the field named in a problem. */
export function field<T>(object: Record<string, unknown>, name: string, parse: Parser<T>): T {
  try {
    return parse(object[name]);
  } catch (err) {
    if (err instanceof ParamProblem) throw new ParamProblem(`${name}: ${err.message}`);
    throw err;
  }
}

/** Field `name` if present and not null. */
export function optionalField<T>(
  object: Record<string, unknown>,
  name: string,
  parse: Parser<T>,
): T | undefined {
  const value = object[name];
  return value === undefined || value === null ? undefined : field(object, name, parse);
}

export function parseObject(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return problem(`expected an object, got ${show(value)}`);
  }
  return value as Record<string, unknown>;
}

/** An array whose elements are parsed with `parse`; problems name the element's index. */
export function arrayOf<T>(parse: Parser<T>, maxLength = 10_000): Parser<T[]> {
  return (value) => {
    if (!Array.isArray(value)) return problem(`expected an array, got ${show(value)}`);
    if (value.length > maxLength) return problem(`at most ${maxLength} elements, got ${value.length}`);
    return value.map((element, i) => {
      try {
        return parse(element);
      } catch (err) {
        if (err instanceof ParamProblem) throw new ParamProblem(`[${i}]: ${err.message}`);
        throw err;
      }
    });
  };
}

/** An EIP-2930 access list: `[{ address, storageKeys }]`. */
export type AccessListParam = { address: Hex; storageKeys: Hex[] }[];

export const parseAccessList: Parser<AccessListParam> = arrayOf((item) => {
  const object = parseObject(item);
  return {
    address: field(object, "address", parseAddress).toString() as Hex,
    storageKeys: optionalField(object, "storageKeys", arrayOf(parseHash)) ?? [],
  };
});

/** The transaction object of `eth_call`, `eth_estimateGas` and `eth_sendTransaction`. */
export type CallRequest = {
  from?: Address;
  to?: Address;
  gas?: bigint;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  maxFeePerBlobGas?: bigint;
  value?: bigint;
  data?: Uint8Array;
  nonce?: bigint;
  chainId?: bigint;
  accessList?: AccessListParam;
  blobVersionedHashes?: Hex[];
};

/**
 * A call or transaction object. `data` and `input` are synonyms (both set: they must agree);
 * `gasPrice` excludes the EIP-1559 fee fields, as in geth. Unknown fields are ignored, since
 * wallets add their own (`type`, `authorizationList`...).
 */
export const parseCallRequest: Parser<CallRequest> = (value) => {
  const object = parseObject(value);
  const request: CallRequest = {};
  const set = <K extends keyof CallRequest>(key: K, parsed: CallRequest[K] | undefined) => {
    if (parsed !== undefined) request[key] = parsed;
  };
  set("from", optionalField(object, "from", parseAddress));
  set("to", optionalField(object, "to", parseAddress));
  set("gas", optionalField(object, "gas", parseUint64));
  set("gasPrice", optionalField(object, "gasPrice", parseQuantity));
  set("maxFeePerGas", optionalField(object, "maxFeePerGas", parseQuantity));
  set("maxPriorityFeePerGas", optionalField(object, "maxPriorityFeePerGas", parseQuantity));
  set("maxFeePerBlobGas", optionalField(object, "maxFeePerBlobGas", parseQuantity));
  set("value", optionalField(object, "value", parseQuantity));
  set("nonce", optionalField(object, "nonce", parseUint64));
  set("chainId", optionalField(object, "chainId", parseQuantity));
  set("accessList", optionalField(object, "accessList", parseAccessList));
  set("blobVersionedHashes", optionalField(object, "blobVersionedHashes", arrayOf(parseHash, 64)));
  const data = optionalField(object, "data", parseData);
  const input = optionalField(object, "input", parseData);
  if (data !== undefined && input !== undefined && !equalsBytes(data, input)) {
    problem('both "data" and "input" are set and not equal; use "input"');
  }
  set("data", input ?? data);
  if (
    request.gasPrice !== undefined &&
    (request.maxFeePerGas !== undefined || request.maxPriorityFeePerGas !== undefined)
  ) {
    problem("both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified");
  }
  return request;
};
