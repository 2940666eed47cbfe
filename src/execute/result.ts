/**
 * The result of the `EXECUTE` precompile (EIP-8079): decode the schema-prefixed `StatelessInput`,
 * verify it statelessly under L2 rules, and ABI-encode what the verification established, so a
 * rollup contract reads it with one `abi.decode`. Byte layouts are defined in docs/spec.md §4.
 *
 * Undecodable input halts the call (`ExecuteInputError`); a decodable input always yields an
 * `ExecuteResult`, with `valid = false` when the transition is wrong.
 */
import { equalsBytes } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, decodeAbiParameters, encodeAbiParameters, type Hex, hexToBytes } from "viem";
import { decodeStatelessInput, type StatelessInput, StatelessInputDecodeError } from "../stateless/ssz.ts";
import {
  type InvalidReason,
  type StatelessVerification,
  verifyStatelessNewPayload,
} from "../stateless/verify.ts";
import { NrxError } from "../util/errors.ts";

/** `EXECUTE`'s address, `0x0101` (as in the ethrex proof of concept). */
export const EXECUTE_ADDRESS: Hex = "0x0000000000000000000000000000000000000101";

/**
 * `(bool valid, bytes32 newPayloadRequestRoot, uint64 chainId, bytes32 preStateRoot,
 * bytes32 postStateRoot, uint64 blockNumber, bytes32 blockHash, bytes32 parentHash,
 * uint64 gasUsed, uint256 burnedFees, bytes32 anchor, bytes32 transactionsCommitment)`.
 * Every field is static, so the encoding is twelve 32-byte slots and no offsets.
 */
export const executeResultAbiParameters = [
  { name: "valid", type: "bool" },
  { name: "newPayloadRequestRoot", type: "bytes32" },
  { name: "chainId", type: "uint64" },
  { name: "preStateRoot", type: "bytes32" },
  { name: "postStateRoot", type: "bytes32" },
  { name: "blockNumber", type: "uint64" },
  { name: "blockHash", type: "bytes32" },
  { name: "parentHash", type: "bytes32" },
  { name: "gasUsed", type: "uint64" },
  { name: "burnedFees", type: "uint256" },
  { name: "anchor", type: "bytes32" },
  { name: "transactionsCommitment", type: "bytes32" },
] as const;

const SLOT_SIZE = 32;
/** Size of an encoded `ExecuteResult`: 12 slots of 32 bytes. */
export const EXECUTE_RESULT_SIZE = executeResultAbiParameters.length * SLOT_SIZE;

/** What `EXECUTE` returns; see docs/spec.md §4 for which fields are set when `valid` is false. */
export type ExecuteResult = {
  valid: boolean;
  /** `hash_tree_root(new_payload_request)`: the block's identity in proofs and claims. */
  newPayloadRequestRoot: Uint8Array;
  chainId: bigint;
  /** The parent header's state root (from the witness); zero when invalid. */
  preStateRoot: Uint8Array;
  /** The state root execution reached (equal to the payload's); zero when invalid. */
  postStateRoot: Uint8Array;
  blockNumber: bigint;
  blockHash: Uint8Array;
  parentHash: Uint8Array;
  /** Execution's gas used when valid; the payload's claim when invalid (what the call was charged for). */
  gasUsed: bigint;
  /** `gas_used × base_fee_per_gas` of the L2 block; zero when invalid. */
  burnedFees: bigint;
  /** The payload's `parent_beacon_block_root`, which a native rollup uses as its L1 anchor. */
  anchor: Uint8Array;
  /** Hash chain over the payload's transactions (`computeTransactionsCommitment`). */
  transactionsCommitment: Uint8Array;
};

/** Input `EXECUTE` cannot decode: the call halts (all gas consumed) instead of returning a result. */
export class ExecuteInputError extends NrxError {
  override name = "ExecuteInputError";
  constructor(
    message: string,
    readonly reason: StatelessInputDecodeError["reason"],
  ) {
    super(message);
  }
}

/** Bytes that are not exactly a canonical ABI encoding of an `ExecuteResult`. */
export class InvalidExecuteResultError extends NrxError {
  override name = "InvalidExecuteResultError";
}

/** Undecodable input: the call halts. */
export type ExecuteHalted = { halted: true; error: ExecuteInputError };

/**
 * A decodable input: the call returns `result`. `reason` and `message` explain an invalid result
 * in logs and RPC; they are not part of the ABI output, which stays fixed-size.
 */
export type ExecuteCompleted = {
  halted: false;
  result: ExecuteResult;
  reason?: InvalidReason;
  message?: string;
  verification: StatelessVerification;
};

/** What one `EXECUTE` call comes to. */
export type ExecuteOutcome = ExecuteHalted | ExecuteCompleted;

const MAX_UINT256 = 2n ** 256n - 1n;

function nextTransactionsCommitment(previous: Uint8Array, txHash: Uint8Array): Uint8Array {
  if (txHash.length !== 32) throw new RangeError(`transaction hash must be 32 bytes, got ${txHash.length}`);
  const preimage = new Uint8Array(64);
  preimage.set(previous, 0);
  preimage.set(txHash, 32);
  return keccak_256(preimage);
}

/**
 * The transactions commitment: `c_0 = 0x00…00`, `c_i = keccak256(c_{i-1} || keccak256(tx_i))`
 * over the payload's transactions in EIP-2718 form, and the result is `c_n`. `keccak256(tx_i)`
 * is the transaction hash. A hash chain (not the MPT transactions root) because a contract can
 * check a prefix with plain keccak: no RLP or trie code in Solidity.
 *
 * @example
 * const commitment = computeTransactionsCommitment(payload.transactions);
 * computeTransactionsCommitment([]); // 32 zero bytes
 */
export function computeTransactionsCommitment(transactions: Uint8Array[]): Uint8Array {
  return transactionsCommitmentFromPrefix(transactions, []);
}

/**
 * The commitment of a block whose first transactions are `prefixTxs` (full EIP-2718 bytes) and
 * whose remaining ones have the hashes `restTxHashes`: how a contract proves that forced
 * transactions open a block without being given the whole block.
 *
 * @example
 * const c = transactionsCommitmentFromPrefix([forcedTx], otherTxs.map((tx) => keccak_256(tx)));
 * equalsBytes(c, computeTransactionsCommitment([forcedTx, ...otherTxs])); // true
 */
export function transactionsCommitmentFromPrefix(
  prefixTxs: Uint8Array[],
  restTxHashes: Uint8Array[],
): Uint8Array {
  let commitment: Uint8Array = new Uint8Array(32);
  for (const tx of prefixTxs) commitment = nextTransactionsCommitment(commitment, keccak_256(tx));
  for (const hash of restTxHashes) commitment = nextTransactionsCommitment(commitment, hash);
  return commitment;
}

/**
 * The `ExecuteResult` of a decoded input and its verification. When invalid, only what the
 * payload itself states is filled in (identity, claims, anchor, commitment): a contract can tell
 * which block was rejected, e.g. to refute a claim about it, but gets no state root or fee that
 * execution did not establish.
 */
function toExecuteResult(input: StatelessInput, verification: StatelessVerification): ExecuteResult {
  const request = input.newPayloadRequest;
  const payload = request.executionPayload;
  const claimed = {
    newPayloadRequestRoot: verification.newPayloadRequestRoot,
    chainId: input.chainConfig.chainId,
    blockNumber: payload.blockNumber,
    blockHash: payload.blockHash,
    parentHash: payload.parentHash,
    anchor: request.parentBeaconBlockRoot,
    transactionsCommitment: computeTransactionsCommitment(payload.transactions),
  };
  const verified = verification.verified;
  if (!verification.successfulValidation || verified === undefined) {
    return {
      valid: false,
      ...claimed,
      preStateRoot: new Uint8Array(32),
      postStateRoot: new Uint8Array(32),
      gasUsed: payload.gasUsed,
      burnedFees: 0n,
    };
  }
  return {
    valid: true,
    ...claimed,
    preStateRoot: verified.preStateRoot,
    postStateRoot: verified.postStateRoot,
    blockNumber: verified.blockNumber,
    blockHash: verified.blockHash,
    parentHash: verified.parentHash,
    gasUsed: verified.gasUsed,
    burnedFees: verified.burnedFees,
  };
}

/**
 * What `EXECUTE` returns for a decoded input and its verification. Every value must fit its ABI
 * slot; the only one that can overflow is `burnedFees` (a uint256 base fee times gas used, over
 * a crafted state), and such a block is reported invalid (`internal_error`) rather than crash
 * the encoder.
 *
 * @example
 * const verification = await verifyStatelessNewPayload(input, { l2Constraints: true, rejectUnusedWitness: true });
 * const { result, reason } = toExecuteOutcome(input, verification);
 */
export function toExecuteOutcome(
  input: StatelessInput,
  verification: StatelessVerification,
): ExecuteCompleted {
  let settled = verification;
  const burnedFees = verification.verified?.burnedFees ?? 0n;
  if (verification.successfulValidation && burnedFees > MAX_UINT256) {
    const { verified: _verified, ...rest } = verification;
    settled = {
      ...rest,
      successfulValidation: false,
      reason: "internal_error",
      message: `burned fees ${burnedFees} do not fit in uint256`,
    };
  }
  return {
    halted: false,
    result: toExecuteResult(input, settled),
    ...(settled.reason !== undefined ? { reason: settled.reason } : {}),
    ...(settled.message !== undefined ? { message: settled.message } : {}),
    verification: settled,
  };
}

/**
 * Decodes `EXECUTE`'s input bytes (`schema_id || ssz(StatelessInput)`). Anything the decoder
 * rejects means the bytes have no meaning: the call halts.
 *
 * @example
 * const decoded = decodeExecuteInput(inputBytes);
 * if ("error" in decoded) throw decoded.error;
 */
export function decodeExecuteInput(inputBytes: Uint8Array): { input: StatelessInput } | ExecuteHalted {
  try {
    return { input: decodeStatelessInput(inputBytes) };
  } catch (err) {
    const reason = err instanceof StatelessInputDecodeError ? err.reason : "ssz";
    return { halted: true, error: new ExecuteInputError((err as Error).message ?? String(err), reason) };
  }
}

/**
 * Verifies a decoded input as `EXECUTE` does: L2 constraints and a minimal witness.
 *
 * @example
 * const { result, reason } = await verifyExecuteInput(input);
 */
export async function verifyExecuteInput(input: StatelessInput): Promise<ExecuteCompleted> {
  const verification = await verifyStatelessNewPayload(input, {
    l2Constraints: true,
    rejectUnusedWitness: true,
  });
  return toExecuteOutcome(input, verification);
}

/**
 * Runs `EXECUTE` on its input bytes: decode, verify with the L2 constraints and a minimal
 * witness, and build the result. Never throws on bad input.
 *
 * @example
 * const outcome = await computeExecuteResult(inputBytes);
 * if (outcome.halted) throw outcome.error; // the precompile consumes all gas
 * const output = encodeExecuteResult(outcome.result);
 */
export async function computeExecuteResult(inputBytes: Uint8Array): Promise<ExecuteOutcome> {
  const decoded = decodeExecuteInput(inputBytes);
  if ("halted" in decoded) return decoded;
  return verifyExecuteInput(decoded.input);
}

/**
 * ABI-encodes a result: 384 bytes, one 32-byte slot per field (offsets in docs/spec.md §4).
 * Solidity reads it with `abi.decode(output, (bool, bytes32, uint64, ...))` or into a struct.
 *
 * @example
 * const output = encodeExecuteResult(outcome.result); // output.length === 384
 */
export function encodeExecuteResult(result: ExecuteResult): Uint8Array {
  const hex = encodeAbiParameters(executeResultAbiParameters, [
    result.valid,
    bytesToHex(result.newPayloadRequestRoot),
    result.chainId,
    bytesToHex(result.preStateRoot),
    bytesToHex(result.postStateRoot),
    result.blockNumber,
    bytesToHex(result.blockHash),
    bytesToHex(result.parentHash),
    result.gasUsed,
    result.burnedFees,
    bytesToHex(result.anchor),
    bytesToHex(result.transactionsCommitment),
  ]);
  return hexToBytes(hex);
}

/**
 * Decodes `EXECUTE`'s output. Only the exact canonical encoding is accepted (384 bytes, bool 0 or
 * 1, no bits above a uint64), so one output has one meaning.
 *
 * @example
 * const { valid, postStateRoot } = decodeExecuteResult(output);
 */
export function decodeExecuteResult(bytes: Uint8Array): ExecuteResult {
  if (bytes.length !== EXECUTE_RESULT_SIZE) {
    throw new InvalidExecuteResultError(
      `execute result must be ${EXECUTE_RESULT_SIZE} bytes, got ${bytes.length}`,
    );
  }
  let values: ReturnType<typeof decodeAbiParameters<typeof executeResultAbiParameters>>;
  try {
    values = decodeAbiParameters(executeResultAbiParameters, bytesToHex(bytes));
  } catch (err) {
    throw new InvalidExecuteResultError(`execute result does not decode: ${(err as Error).message}`);
  }
  const [
    valid,
    newPayloadRequestRoot,
    chainId,
    preStateRoot,
    postStateRoot,
    blockNumber,
    blockHash,
    parentHash,
    gasUsed,
    burnedFees,
    anchor,
    transactionsCommitment,
  ] = values;
  const result: ExecuteResult = {
    valid,
    newPayloadRequestRoot: hexToBytes(newPayloadRequestRoot),
    chainId,
    preStateRoot: hexToBytes(preStateRoot),
    postStateRoot: hexToBytes(postStateRoot),
    blockNumber,
    blockHash: hexToBytes(blockHash),
    parentHash: hexToBytes(parentHash),
    gasUsed,
    burnedFees,
    anchor: hexToBytes(anchor),
    transactionsCommitment: hexToBytes(transactionsCommitment),
  };
  // The ABI decoder tolerates dirty high bits in narrow integers; re-encoding exposes them.
  let canonical: boolean;
  try {
    canonical = equalsBytes(encodeExecuteResult(result), bytes);
  } catch {
    canonical = false;
  }
  if (!canonical) throw new InvalidExecuteResultError("execute result is not canonically encoded");
  return result;
}
