/**
 * `EXECUTE` input carried in blobs, and the special inputs that are not a `StatelessInput`.
 *
 * Input bytes start with a `StatelessInput` schema id (`0x10`..`0x15`) or with `0xff`, which no
 * schema id uses, followed by a kind byte:
 * - `0xff 0x00`: the market query (exactly these two bytes);
 * - `0xff 0x01 ‖ n ‖ n × (versionedHash ‖ offset ‖ length)`: a blob reference.
 *
 * Blob packing: 31 data bytes per 32-byte field element, in bytes 1..31; byte 0 is always zero,
 * which keeps every element below the BLS12-381 modulus whatever the data. A blob's unpacked
 * byte stream is the concatenation of bytes 1..31 of its 4096 elements (126976 bytes).
 */
import { RLP } from "@ethereumjs/rlp";
import type { Blob4844Tx } from "@ethereumjs/tx";
import { bytesToHex, computeVersionedHash, concatBytes } from "@ethereumjs/util";
import { kzg } from "../stateless/chain.ts";
import { NrxError } from "../util/errors.ts";

/** Field elements in a blob (EIP-4844). */
export const FIELD_ELEMENTS_PER_BLOB = 4096;
/** Bytes per field element. */
export const BYTES_PER_FIELD_ELEMENT = 32;
/** Data bytes per field element: all but the leading zero byte. */
export const DATA_BYTES_PER_FIELD_ELEMENT = 31;
/** Size of a blob: 4096 × 32 = 131072 bytes. */
export const BLOB_BYTES = FIELD_ELEMENTS_PER_BLOB * BYTES_PER_FIELD_ELEMENT;
/** Data bytes one blob carries: 4096 × 31 = 126976. */
export const BLOB_DATA_BYTES = FIELD_ELEMENTS_PER_BLOB * DATA_BYTES_PER_FIELD_ELEMENT;

/** First byte of every non-`StatelessInput` input; schema ids are `0x10`..`0x15`. */
export const SPECIAL_INPUT_PREFIX = 0xff;
/** Kind byte of the market query. */
export const QUERY_KIND = 0x00;
/** Kind byte of a blob reference. */
export const BLOB_REFERENCE_KIND = 0x01;
/** The market query input: exactly `0xff 0x00`. */
export const EXECUTE_QUERY: Uint8Array = Uint8Array.of(SPECIAL_INPUT_PREFIX, QUERY_KIND);

/** `0xff 0x01 ‖ n`. */
const REFERENCE_HEADER_BYTES = 3;
/** `versionedHash (32) ‖ offset (4) ‖ length (4)`. */
export const BLOB_SEGMENT_BYTES = 40;
/** `n` is one byte and must be at least 1. */
export const MAX_BLOB_SEGMENTS = 255;

/** One piece of a referenced input: `length` unpacked bytes of a blob, starting at `offset`. */
export type BlobSegment = {
  /** The blob's EIP-4844 versioned hash (`0x01 ‖ sha256(commitment)[1:]`). */
  versionedHash: Uint8Array;
  /** Start in the blob's unpacked byte stream, `0 ≤ offset < 126976`. */
  offset: number;
  /** Bytes taken, `≥ 1`, with `offset + length ≤ 126976`. */
  length: number;
};

/** A blob that is not 131072 bytes or has a field element whose byte 0 is not zero. */
export class BlobPackingError extends NrxError {
  override name = "BlobPackingError";
  constructor(
    message: string,
    /** The offending field element, when the size was right. */
    readonly fieldElement?: number,
  ) {
    super(message);
  }
}

/** Why a blob reference was rejected. */
export type BlobReferenceErrorReason =
  | "prefix" // not `0xff 0x01`
  | "length" // truncated, or bytes after the last segment
  | "count" // n = 0 or more than 255 segments
  | "segment" // bad hash size, length 0 or a range outside the unpacked blob
  | "unknown_hash" // no blob with that versioned hash is available
  | "packing" // the referenced blob is not in the packing above
  | "blob_count"; // blobReferenceFor got the wrong number of versioned hashes

/** A blob reference that cannot be encoded, decoded or resolved; `EXECUTE` fails the call. */
export class BlobReferenceError extends NrxError {
  override name = "BlobReferenceError";
  constructor(
    message: string,
    readonly reason: BlobReferenceErrorReason,
    /** Index of the offending segment, when one is to blame. */
    readonly segment?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Packs bytes into blobs, 31 per field element, zero-padding the last blob. Always returns at
 * least one blob (an empty input gives one zero blob), since a blob transaction needs one.
 *
 * @example
 * const blobs = packBlobs(inputBytes); // ceil(inputBytes.length / 126976) blobs of 131072 bytes
 */
export function packBlobs(data: Uint8Array): Uint8Array[] {
  const count = Math.max(1, Math.ceil(data.length / BLOB_DATA_BYTES));
  const blobs: Uint8Array[] = [];
  for (let b = 0; b < count; b++) {
    const blob = new Uint8Array(BLOB_BYTES);
    const start = b * BLOB_DATA_BYTES;
    const end = Math.min(start + BLOB_DATA_BYTES, data.length);
    for (let src = start, dst = 1; src < end; src += DATA_BYTES_PER_FIELD_ELEMENT, dst += 32) {
      blob.set(data.subarray(src, Math.min(src + DATA_BYTES_PER_FIELD_ELEMENT, end)), dst);
    }
    blobs.push(blob);
  }
  return blobs;
}

/**
 * The unpacked byte stream of a blob (126976 bytes, trailing padding included). Rejects a blob
 * outside the packing rather than dropping byte 0, so one blob has one meaning.
 *
 * @example
 * const bytes = unpackBlob(packBlobs(data)[0]).subarray(0, data.length);
 */
export function unpackBlob(blob: Uint8Array): Uint8Array {
  if (blob.length !== BLOB_BYTES) {
    throw new BlobPackingError(`blob must be ${BLOB_BYTES} bytes, got ${blob.length}`);
  }
  const out = new Uint8Array(BLOB_DATA_BYTES);
  for (let i = 0; i < FIELD_ELEMENTS_PER_BLOB; i++) {
    const base = i * BYTES_PER_FIELD_ELEMENT;
    if (blob[base] !== 0) {
      throw new BlobPackingError(
        `field element ${i} starts with 0x${blob[base].toString(16).padStart(2, "0")}, not 0x00`,
        i,
      );
    }
    out.set(blob.subarray(base + 1, base + BYTES_PER_FIELD_ELEMENT), i * DATA_BYTES_PER_FIELD_ELEMENT);
  }
  return out;
}

/** True when the input starts with the blob reference prefix `0xff 0x01` (it may still not decode). */
export function isBlobReference(input: Uint8Array): boolean {
  return input.length >= 2 && input[0] === SPECIAL_INPUT_PREFIX && input[1] === BLOB_REFERENCE_KIND;
}

/**
 * True when the input is exactly the market query `0xff 0x00`.
 *
 * @example
 * isExecuteQuery(EXECUTE_QUERY); // true
 */
export function isExecuteQuery(input: Uint8Array): boolean {
  return input.length === 2 && input[0] === SPECIAL_INPUT_PREFIX && input[1] === QUERY_KIND;
}

function checkSegment(segment: BlobSegment, index: number): void {
  const { versionedHash, offset, length } = segment;
  if (versionedHash.length !== 32) {
    throw new BlobReferenceError(
      `segment ${index}: versioned hash must be 32 bytes, got ${versionedHash.length}`,
      "segment",
      index,
    );
  }
  if (!Number.isInteger(offset) || offset < 0 || offset > 0xffffffff) {
    throw new BlobReferenceError(`segment ${index}: offset ${offset} is not a uint32`, "segment", index);
  }
  if (!Number.isInteger(length) || length < 1 || length > 0xffffffff) {
    throw new BlobReferenceError(
      `segment ${index}: length ${length} is not a uint32 of at least 1`,
      "segment",
      index,
    );
  }
  if (offset + length > BLOB_DATA_BYTES) {
    throw new BlobReferenceError(
      `segment ${index}: range [${offset}, ${offset + length}) exceeds the ${BLOB_DATA_BYTES} data bytes of a blob`,
      "segment",
      index,
    );
  }
}

function checkCount(count: number): void {
  if (count < 1 || count > MAX_BLOB_SEGMENTS) {
    throw new BlobReferenceError(
      `a blob reference has 1 to ${MAX_BLOB_SEGMENTS} segments, got ${count}`,
      "count",
    );
  }
}

/**
 * Encodes a blob reference: `0xff 0x01 ‖ n (uint8) ‖ n × (versionedHash ‖ offset uint32 BE ‖
 * length uint32 BE)`. Validates exactly what `decodeBlobReference` checks.
 *
 * @example
 * const reference = encodeBlobReference([{ versionedHash, offset: 0, length: input.length }]);
 */
export function encodeBlobReference(segments: BlobSegment[]): Uint8Array {
  checkCount(segments.length);
  segments.forEach(checkSegment);
  const out = new Uint8Array(REFERENCE_HEADER_BYTES + segments.length * BLOB_SEGMENT_BYTES);
  const view = new DataView(out.buffer);
  out[0] = SPECIAL_INPUT_PREFIX;
  out[1] = BLOB_REFERENCE_KIND;
  out[2] = segments.length;
  segments.forEach((segment, i) => {
    const at = REFERENCE_HEADER_BYTES + i * BLOB_SEGMENT_BYTES;
    out.set(segment.versionedHash, at);
    view.setUint32(at + 32, segment.offset);
    view.setUint32(at + 36, segment.length);
  });
  return out;
}

/**
 * Decodes a blob reference. The length must be exactly `3 + 40 n`, `n ≥ 1`, and every segment a
 * non-empty range inside a blob's 126976 data bytes.
 *
 * @example
 * const segments = decodeBlobReference(input); // throws BlobReferenceError
 */
export function decodeBlobReference(input: Uint8Array): BlobSegment[] {
  if (!isBlobReference(input)) {
    const head = bytesToHex(input.subarray(0, 2));
    throw new BlobReferenceError(`a blob reference starts with 0xff01, got ${head}`, "prefix");
  }
  if (input.length < REFERENCE_HEADER_BYTES) {
    throw new BlobReferenceError("blob reference has no segment count", "length");
  }
  const count = input[2];
  checkCount(count);
  const expected = REFERENCE_HEADER_BYTES + count * BLOB_SEGMENT_BYTES;
  if (input.length !== expected) {
    throw new BlobReferenceError(
      `blob reference with ${count} segments must be ${expected} bytes, got ${input.length}`,
      "length",
    );
  }
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const segments: BlobSegment[] = [];
  for (let i = 0; i < count; i++) {
    const at = REFERENCE_HEADER_BYTES + i * BLOB_SEGMENT_BYTES;
    const segment: BlobSegment = {
      versionedHash: input.slice(at, at + 32),
      offset: view.getUint32(at + 32),
      length: view.getUint32(at + 36),
    };
    checkSegment(segment, i);
    segments.push(segment);
  }
  return segments;
}

/**
 * The reference covering all of `data` once packed with `packBlobs`: one segment per blob, in
 * order, `versionedHashes[i]` being the hash of blob `i`. Empty data cannot be referenced
 * (segments are non-empty).
 *
 * @example
 * const blobs = packBlobs(input);
 * const hashes = blobs.map((blob) => computeVersionedHash(kzg.blobToKzgCommitment(bytesToHex(blob)), 1));
 * const reference = blobReferenceFor(input, hashes.map(hexToBytes));
 */
export function blobReferenceFor(data: Uint8Array, versionedHashes: Uint8Array[]): Uint8Array {
  if (data.length === 0) throw new BlobReferenceError("empty data cannot be referenced", "segment");
  const blobCount = Math.ceil(data.length / BLOB_DATA_BYTES);
  if (versionedHashes.length !== blobCount) {
    throw new BlobReferenceError(
      `${data.length} bytes pack into ${blobCount} blobs, got ${versionedHashes.length} versioned hashes`,
      "blob_count",
    );
  }
  return encodeBlobReference(
    versionedHashes.map((versionedHash, i) => ({
      versionedHash,
      offset: 0,
      length: Math.min(BLOB_DATA_BYTES, data.length - i * BLOB_DATA_BYTES),
    })),
  );
}

/**
 * The input a reference stands for: the segments' byte ranges of their unpacked blobs,
 * concatenated in order. `blobByHash` returns the full blob for a versioned hash, or undefined
 * when the hash is not available (for `EXECUTE`: not a blob of the calling transaction). A blob
 * outside the packing is rejected as a whole, even outside the referenced range.
 *
 * @example
 * const input = resolveBlobReference(decodeBlobReference(reference), (hash) => sidecar.get(bytesToHex(hash)));
 */
export function resolveBlobReference(
  segments: BlobSegment[],
  blobByHash: (versionedHash: Uint8Array) => Uint8Array | undefined,
): Uint8Array {
  checkCount(segments.length);
  segments.forEach(checkSegment);
  const unpacked = new Map<string, Uint8Array>();
  const out = new Uint8Array(segments.reduce((sum, s) => sum + s.length, 0));
  let at = 0;
  segments.forEach((segment, i) => {
    const key = bytesToHex(segment.versionedHash);
    let data = unpacked.get(key);
    if (data === undefined) {
      const blob = blobByHash(segment.versionedHash);
      if (blob === undefined) {
        throw new BlobReferenceError(`segment ${i}: no blob with versioned hash ${key}`, "unknown_hash", i);
      }
      try {
        data = unpackBlob(blob);
      } catch (err) {
        throw new BlobReferenceError(`segment ${i}: blob ${key}: ${(err as Error).message}`, "packing", i, {
          cause: err,
        });
      }
      unpacked.set(key, data);
    }
    out.set(data.subarray(segment.offset, segment.offset + segment.length), at);
    at += segment.length;
  });
  return out;
}

/** A blob transaction's sidecar with EIP-4844 proofs, one per blob (hex, as ethereumjs and viem take them). */
export type BlobSidecar = {
  blobs: `0x${string}`[];
  kzgCommitments: `0x${string}`[];
  kzgProofs: `0x${string}`[];
  blobVersionedHashes: `0x${string}`[];
};

/**
 * The sidecar of `blobs` with EIP-4844 blob proofs: about 0.1 s a blob, where EIP-7594's 128 cell
 * proofs take seconds. Nodes accept both forms.
 *
 * @example
 * const sidecar = blobSidecar(packBlobs(input));
 * const reference = blobReferenceFor(input, sidecar.blobVersionedHashes.map(hexToBytes));
 */
export function blobSidecar(blobs: Uint8Array[]): BlobSidecar {
  const hex = blobs.map((b) => bytesToHex(b));
  const kzgCommitments = hex.map((b) => kzg.blobToKzgCommitment(b) as `0x${string}`);
  return {
    blobs: hex,
    kzgCommitments,
    kzgProofs: hex.map((b, i) => kzg.computeBlobProof(b, kzgCommitments[i]) as `0x${string}`),
    blobVersionedHashes: kzgCommitments.map((c) => computeVersionedHash(c, 1) as `0x${string}`),
  };
}

/**
 * A signed blob transaction in EIP-4844's network form (`0x03 ‖ rlp([tx, blobs, commitments,
 * proofs])`), what `eth_sendRawTransaction` takes. ethereumjs builds only EIP-7594's form once
 * Osaka is active.
 */
export function blobNetworkForm(tx: Blob4844Tx, sidecar: BlobSidecar): Uint8Array {
  return concatBytes(
    Uint8Array.of(0x03),
    RLP.encode([tx.raw(), sidecar.blobs, sidecar.kzgCommitments, sidecar.kzgProofs]),
  );
}
