/**
 * JSON-RPC error codes and the error a method handler throws to answer with one. The standard
 * codes are JSON-RPC 2.0's; the Ethereum ones are those of EIP-1474 as geth uses them, which is
 * what viem and ethers map to their typed errors.
 */
import { NrxError } from "../util/errors.ts";

/** The body is not valid JSON. */
export const PARSE_ERROR = -32700;
/** Valid JSON that is not a JSON-RPC 2.0 request (or a batch that is empty or too large). */
export const INVALID_REQUEST = -32600;
/** No handler for the method. */
export const METHOD_NOT_FOUND = -32601;
/** The method exists but its params are wrong. */
export const INVALID_PARAMS = -32602;
/** The handler failed for a reason that is not the caller's fault. */
export const INTERNAL_ERROR = -32603;
/** EIP-1474 "invalid input", geth's generic server error: "nonce too low", "insufficient funds"... */
export const INVALID_INPUT = -32000;
/** The same code under geth's name for it. */
export const SERVER_ERROR = INVALID_INPUT;
/** EIP-1474 "resource unavailable": the node cannot serve it now (a follower cut off from L1 asked for its head). */
export const RESOURCE_UNAVAILABLE = -32002;
/** EIP-1474 "transaction rejected": a transaction the node will not accept into its pool. */
export const TRANSACTION_REJECTED = -32003;
/** geth's code for a reverted `eth_call` / `eth_estimateGas`; `data` holds the revert bytes as hex. */
export const EXECUTION_REVERTED = 3;

/** The `error` member of a JSON-RPC response. */
export type RpcErrorObject = { code: number; message: string; data?: unknown };

/**
 * An error a handler throws to answer with this code, message and data (sent only when defined).
 * Any other thrown value becomes `INTERNAL_ERROR` with its message.
 *
 * @example
 * throw new RpcError(INVALID_PARAMS, "expected a block number or tag");
 */
export class RpcError extends NrxError {
  override name = "RpcError";
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/**
 * The error geth returns for a reverted call: code 3, data = the revert bytes, and the decoded
 * `Error(string)` reason (when the caller has one) appended to the message.
 *
 * @example
 * throw executionReverted("0x08c379a0...", "not the owner"); // "execution reverted: not the owner"
 */
export function executionReverted(data: string, reason?: string): RpcError {
  return new RpcError(
    EXECUTION_REVERTED,
    reason ? `execution reverted: ${reason}` : "execution reverted",
    data,
  );
}

/**
 * The `error` member for any thrown value: an `RpcError` keeps its code, message and data;
 * anything else is `INTERNAL_ERROR` with its message only (never a stack).
 *
 * @example
 * toRpcErrorObject(new Error("disk full")); // { code: -32603, message: "disk full" }
 */
export function toRpcErrorObject(error: unknown): RpcErrorObject {
  if (error instanceof RpcError) {
    return error.data === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, data: error.data };
  }
  return { code: INTERNAL_ERROR, message: describe(error) || "internal error" };
}

/** A thrown value's message; `String()` itself throws for some objects (no prototype). */
function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return "";
  }
}
