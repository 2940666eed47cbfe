/**
 * Ancestor headers of a stateless input: the parent header (for the pre-state root and the
 * header rules) and the older ancestors `BLOCKHASH` reads. The witness headers must form one
 * chain ending at the payload's parent; a header is trusted only through that hash chain.
 */
import { type BlockHeader, createBlockHeaderFromRLP } from "@ethereumjs/block";
import { RLP } from "@ethereumjs/rlp";
import { bytesToBigInt, bytesToHex, equalsBytes } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { NrxError } from "../util/errors.ts";
import { commonFor, forksUpTo } from "./chain.ts";
import type { StatelessFork } from "./ssz.ts";

export class InvalidWitnessHeadersError extends NrxError {
  override name = "InvalidWitnessHeadersError";
  constructor(
    message: string,
    readonly reason: "malformed_header" | "missing_parent_header" | "unlinked_header",
  ) {
    super(message);
  }
}

export class MissingWitnessHeaderError extends NrxError {
  override name = "MissingWitnessHeaderError";
  constructor(readonly blockNumber: bigint) {
    super(`header of block ${blockNumber} (read by BLOCKHASH) is not in the witness`);
  }
}

type RawHeader = { hash: Uint8Array; parentHash: Uint8Array; number: bigint; rlp: Uint8Array };

function decodeRawHeader(rlp: Uint8Array): RawHeader {
  let fields: unknown;
  try {
    fields = RLP.decode(rlp);
  } catch (err) {
    throw new InvalidWitnessHeadersError(
      `header is not valid RLP: ${(err as Error).message}`,
      "malformed_header",
    );
  }
  if (!Array.isArray(fields) || fields.length < 15 || !fields.every((f) => f instanceof Uint8Array)) {
    throw new InvalidWitnessHeadersError("header is not an RLP list of byte strings", "malformed_header");
  }
  const [parentHash, , , , , , , , number] = fields as Uint8Array[];
  if (parentHash.length !== 32 || number.length > 8) {
    throw new InvalidWitnessHeadersError("header has a malformed parent hash or number", "malformed_header");
  }
  return { hash: keccak_256(rlp), parentHash, number: bytesToBigInt(number), rlp };
}

/** Decodes the parent with the newest fork layout that fits it (a fork boundary may lie between). */
function decodeParentHeader(rlp: Uint8Array, chainId: bigint, fork: StatelessFork): BlockHeader {
  let lastError: unknown;
  for (const f of forksUpTo(fork)) {
    try {
      return createBlockHeaderFromRLP(rlp, { common: commonFor(chainId, f) });
    } catch (err) {
      lastError = err;
    }
  }
  throw new InvalidWitnessHeadersError(
    `parent header does not decode: ${String(lastError)}`,
    "malformed_header",
  );
}

export type AncestorHeaders = {
  parent: BlockHeader;
  /** Hash of every witnessed ancestor, by block number: what `BLOCKHASH` may return. */
  hashes: Map<bigint, Uint8Array>;
  /** The oldest witnessed ancestor's number. */
  oldest: bigint;
};

/**
 * Checks that the witness headers are one contiguous chain in ascending order — each header
 * the parent of the next — ending at `parentHash`, and indexes it by block number.
 */
export function verifyAncestorHeaders(
  headers: Uint8Array[],
  parentHash: Uint8Array,
  chainId: bigint,
  fork: StatelessFork,
): AncestorHeaders {
  const chain = headers.map(decodeRawHeader);
  const parentRaw = chain.at(-1);
  if (parentRaw === undefined || !equalsBytes(parentRaw.hash, parentHash)) {
    const parentWitnessed = chain.some((h) => equalsBytes(h.hash, parentHash));
    throw new InvalidWitnessHeadersError(
      parentWitnessed
        ? "witness headers must end with the parent header"
        : `parent header ${bytesToHex(parentHash)} is not in the witness`,
      parentWitnessed ? "unlinked_header" : "missing_parent_header",
    );
  }
  const hashes = new Map<bigint, Uint8Array>();
  for (const [i, header] of chain.entries()) {
    const previous = chain[i - 1];
    if (
      previous !== undefined &&
      (!equalsBytes(header.parentHash, previous.hash) || header.number !== previous.number + 1n)
    ) {
      throw new InvalidWitnessHeadersError(
        `witness header ${i} (block ${header.number}) is not the child of header ${i - 1}`,
        "unlinked_header",
      );
    }
    hashes.set(header.number, header.hash);
  }
  return { parent: decodeParentHeader(parentRaw.rlp, chainId, fork), hashes, oldest: chain[0].number };
}

/** The block hash `BLOCKHASH` returns, served from the verified chain only (fail closed). */
export function ancestorHash(ancestors: AncestorHeaders, blockNumber: bigint): Uint8Array {
  const hash = ancestors.hashes.get(blockNumber);
  if (hash === undefined) throw new MissingWitnessHeaderError(blockNumber);
  return hash;
}

/** The oldest block `BLOCKHASH` read, or the parent when it read none: where witness headers start. */
export function oldestBlockRead(requested: Iterable<bigint>, parentNumber: bigint): bigint {
  let oldest = parentNumber;
  for (const n of requested) if (n < oldest) oldest = n;
  return oldest;
}

export class InvalidHeaderError extends NrxError {
  override name = "InvalidHeaderError";
}

/**
 * The header rules that depend on the parent (execution-specs `validate_header`): number,
 * timestamp, gas limit bounds, gas used, base fee (EIP-1559) and excess blob gas (EIP-4844/7918).
 */
export function validateHeader(header: BlockHeader, parent: BlockHeader): void {
  const fail = (what: string) => {
    throw new InvalidHeaderError(`invalid header: ${what}`);
  };
  if (!equalsBytes(header.parentHash, parent.hash())) fail("parent hash does not match the parent header");
  if (header.number !== parent.number + 1n) fail(`number ${header.number} does not follow ${parent.number}`);
  if (header.timestamp <= parent.timestamp) fail("timestamp is not greater than the parent's");
  if (header.gasUsed > header.gasLimit) fail("gas used exceeds the gas limit");
  if (header.gasLimit >= 2n ** 63n) fail("gas limit is not below 2^63");
  try {
    header.validateGasLimit(parent);
  } catch (err) {
    fail((err as Error).message);
  }
  const common = header.common;
  if (common.isActivatedEIP(1559)) {
    const expected = parent.common.isActivatedEIP(1559)
      ? parent.calcNextBaseFee()
      : common.param("initialBaseFee");
    if (header.baseFeePerGas !== expected) fail(`base fee ${header.baseFeePerGas}, expected ${expected}`);
  }
  if (common.isActivatedEIP(4844)) {
    const expected = parent.common.isActivatedEIP(4844) ? parent.calcNextExcessBlobGas(common) : 0n;
    if (header.excessBlobGas !== expected)
      fail(`excess blob gas ${header.excessBlobGas}, expected ${expected}`);
  }
}
