/**
 * The execute-gas market (DESIGN.md §4): the gas used by the L2 blocks that `EXECUTE` verifies is
 * "execute gas", a resource of its own, metered per L1 block against a cumulative limit and
 * priced by an EIP-1559 base fee that moves toward a target. The two header fields it adds,
 * `executeGasUsed` and `executeBaseFee`, travel in the header's `extraData` (docs/spec.md §4.4),
 * so that the block hash commits to them while every client still parses the header.
 */
import { bigIntToBytes, bytesToBigInt, concatBytes, setLengthLeft } from "@ethereumjs/util";
import { decodeAbiParameters, encodeAbiParameters, type Hex, hexToBytes } from "viem";
import { NrxError } from "../util/errors.ts";

/** Parameters of `EXECUTE` and its market; part of the L1 chain config. */
export type ExecuteParams = {
  /** `EXECUTE_GAS_COST`: fixed L1 gas of every call. */
  gasCost: bigint;
  /** L1 gas per byte of input (of the resolved bytes, for a blob reference). */
  gasPerInputByte: bigint;
  /** `EXECUTE_CUMULATIVE_GAS_LIMIT`: execute gas an L1 block may use, summed over its calls. */
  cumulativeGasLimit: bigint;
  /** `EXECUTE_CUMULATIVE_GAS_TARGET`: execute gas per block the base fee steers toward. */
  cumulativeGasTarget: bigint;
  /** EIP-1559's `BASE_FEE_MAX_CHANGE_DENOMINATOR` for the execute base fee (8: ±12.5% a block). */
  baseFeeChangeDenominator: bigint;
  /** The genesis block's execute base fee, in wei per execute gas. */
  initialBaseFee: bigint;
};

/**
 * Defaults. The limit is what this implementation re-verifies within a third of a 12 s slot on a
 * 2-core machine (`npm run bench -- l1` measured about 29M execute gas), rounded to 30M.
 */
export const DEFAULT_EXECUTE_PARAMS: ExecuteParams = {
  gasCost: 100_000n,
  gasPerInputByte: 8n,
  cumulativeGasLimit: 30_000_000n,
  cumulativeGasTarget: 15_000_000n,
  baseFeeChangeDenominator: 8n,
  initialBaseFee: 1_000_000_000n,
};

/** The two header fields of the market. */
export type ExecuteHeaderFields = { executeGasUsed: bigint; executeBaseFee: bigint };

const GAS_USED_BYTES = 8;
const BASE_FEE_BYTES = 24;
/** `extraData` = `executeGasUsed` (uint64) ‖ `executeBaseFee` (uint192), big-endian: 32 bytes. */
export const EXECUTE_EXTRA_DATA_BYTES = GAS_USED_BYTES + BASE_FEE_BYTES;
const MAX_BASE_FEE = (1n << BigInt(BASE_FEE_BYTES * 8)) - 1n;

export class InvalidExecuteHeaderError extends NrxError {
  override name = "InvalidExecuteHeaderError";
}

export function encodeExecuteExtraData(fields: ExecuteHeaderFields): Uint8Array {
  if (fields.executeGasUsed < 0n || fields.executeGasUsed >= 1n << 64n) {
    throw new RangeError(`executeGasUsed ${fields.executeGasUsed} does not fit in 64 bits`);
  }
  if (fields.executeBaseFee < 0n || fields.executeBaseFee > MAX_BASE_FEE) {
    throw new RangeError(`executeBaseFee ${fields.executeBaseFee} does not fit in 192 bits`);
  }
  return concatBytes(
    setLengthLeft(bigIntToBytes(fields.executeGasUsed), GAS_USED_BYTES),
    setLengthLeft(bigIntToBytes(fields.executeBaseFee), BASE_FEE_BYTES),
  );
}

export function decodeExecuteExtraData(extraData: Uint8Array): ExecuteHeaderFields {
  if (extraData.length !== EXECUTE_EXTRA_DATA_BYTES) {
    throw new InvalidExecuteHeaderError(
      `extraData must be ${EXECUTE_EXTRA_DATA_BYTES} bytes (executeGasUsed ‖ executeBaseFee), got ${extraData.length}`,
    );
  }
  return {
    executeGasUsed: bytesToBigInt(extraData.subarray(0, GAS_USED_BYTES)),
    executeBaseFee: bytesToBigInt(extraData.subarray(GAS_USED_BYTES)),
  };
}

/**
 * The execute base fee of a block, from its parent's, by the EIP-1559 rule: up by at most
 * 1/denominator when the parent used more than the target, down when it used less. It never
 * drops below 1 wei (at 1 wei the downward step rounds to zero, as in EIP-1559).
 *
 * @example
 * nextExecuteBaseFee({ executeGasUsed: 30_000_000n, executeBaseFee: 8n }, DEFAULT_EXECUTE_PARAMS) // 9n
 */
export function nextExecuteBaseFee(parent: ExecuteHeaderFields, params: ExecuteParams): bigint {
  const { executeGasUsed: used, executeBaseFee: fee } = parent;
  const target = params.cumulativeGasTarget;
  const denominator = params.baseFeeChangeDenominator;
  let next: bigint;
  if (used === target) next = fee;
  else if (used > target) {
    const delta = (fee * (used - target)) / target / denominator;
    next = fee + (delta > 1n ? delta : 1n);
  } else {
    next = fee - (fee * (target - used)) / target / denominator;
  }
  if (next < 1n) return 1n;
  return next > MAX_BASE_FEE ? MAX_BASE_FEE : next;
}

/** L1 gas of one `EXECUTE` call on `inputBytes` bytes of `StatelessInput`. */
export function executeCallGas(inputBytes: number, params: ExecuteParams): bigint {
  return params.gasCost + params.gasPerInputByte * BigInt(inputBytes);
}

/** What the market query (`EXECUTE` called with `0xff00`) answers, for the block it runs in. */
export type ExecuteMarketQuote = {
  executeBaseFee: bigint;
  /** Execute gas used so far in this block. */
  executeGasUsed: bigint;
  cumulativeGasLimit: bigint;
  cumulativeGasTarget: bigint;
};

const QUOTE_ABI = [{ type: "uint256" }, { type: "uint64" }, { type: "uint64" }, { type: "uint64" }] as const;

/** The market query's answer: `abi.encode(uint256 baseFee, uint64 gasUsed, uint64 limit, uint64 target)`. */
export function encodeExecuteMarketQuote(quote: ExecuteMarketQuote): Uint8Array {
  return hexToBytes(
    encodeAbiParameters(QUOTE_ABI, [
      quote.executeBaseFee,
      quote.executeGasUsed,
      quote.cumulativeGasLimit,
      quote.cumulativeGasTarget,
    ]),
  );
}

/**
 * Reads the market query's answer, as `eth_call` to `EXECUTE` with `0xff00` returns it.
 *
 * @example
 * const { executeBaseFee } = decodeExecuteMarketQuote(await l1.call({ to: EXECUTE_ADDRESS, data: "0xff00" }).data);
 */
export function decodeExecuteMarketQuote(data: Hex): ExecuteMarketQuote {
  const [executeBaseFee, executeGasUsed, cumulativeGasLimit, cumulativeGasTarget] = decodeAbiParameters(
    QUOTE_ABI,
    data,
  );
  return { executeBaseFee, executeGasUsed, cumulativeGasLimit, cumulativeGasTarget };
}
