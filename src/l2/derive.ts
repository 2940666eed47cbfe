/**
 * Derivation (docs/rollup.md, "L2 node"): an L2 block from the L1 transaction that settled it.
 * The block is the payload of the `StatelessInput` handed to `EXECUTE` through
 * `NativeRollup.advance`, taken from the transaction's calldata or, for a blob reference, from its
 * blobs. The rollup may have been called directly or through another contract (a multicall, the
 * `Composer` of a synchronous L1 transaction): the input is then one of the ABI `bytes` values in
 * the calldata, and the one that yields the settled block hash is it.
 */
import type { Block } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { bytesToBigInt, bytesToHex, hexToBytes } from "@ethereumjs/util";
import type { Hex, Transaction } from "viem";
import { decodeBlobReference, isBlobReference, resolveBlobReference } from "../execute/blob-input.ts";
import { advanceInputOf } from "../rollup/client.ts";
import { newPayloadRequestToBlock } from "../stateless/payload.ts";
import { decodeStatelessInput } from "../stateless/ssz.ts";
import { NrxError } from "../util/errors.ts";

export class DerivationError extends NrxError {
  override name = "DerivationError";
}

/** Fetches an L1 blob by versioned hash (`nrx_getBlob`); null when the node does not hold it. */
export type BlobSource = (versionedHash: Hex) => Promise<Hex | null>;

/**
 * L2 block `blockHash` as L1 transaction `tx` settled it.
 *
 * @example
 * const block = await settledBlock(tx, blockHash, node.common, (hash) =>
 *   l1.request({ method: "nrx_getBlob", params: [hash] }));
 */
export async function settledBlock(
  tx: Pick<Transaction, "to" | "input" | "hash">,
  blockHash: Hex,
  common: Common,
  blob: BlobSource,
): Promise<Block> {
  for (const candidate of inputCandidates(tx.input)) {
    let block: Block;
    try {
      block = await blockOfInput(
        isBlobReference(candidate) ? await resolve(candidate, tx.hash, blob) : candidate,
        common,
      );
    } catch (err) {
      if (err instanceof DerivationError) throw err;
      continue;
    }
    if (bytesToHex(block.hash()) === blockHash.toLowerCase()) return block;
  }
  throw new DerivationError(`transaction ${tx.hash} carries no input of L2 block ${blockHash}`);
}

/**
 * The `EXECUTE` input of an `advance` call in `tx` (resolved from its blobs when it is a blob
 * reference), for a transaction sent to the rollup itself.
 *
 * @example
 * const input = await advanceInput(tx, rollup, blobSource);
 */
export async function advanceInput(
  tx: Pick<Transaction, "to" | "input" | "hash">,
  rollup: Hex,
  blob: BlobSource,
): Promise<Uint8Array> {
  const input = tx.to?.toLowerCase() === rollup.toLowerCase() ? advanceInputOf(tx.input) : undefined;
  if (input === undefined)
    throw new DerivationError(`transaction ${tx.hash} is not an advance call to ${rollup}`);
  return isBlobReference(input) ? resolve(input, tx.hash, blob) : input;
}

/**
 * The L2 block an `EXECUTE` input carries.
 *
 * @example
 * const block = await blockOfInput(input, node.common);
 */
export async function blockOfInput(input: Uint8Array, common: Common): Promise<Block> {
  const stateless = decodeStatelessInput(input);
  return newPayloadRequestToBlock(stateless.newPayloadRequest, stateless.fork, common);
}

/**
 * What may be the input in `calldata`: `advance`'s argument first, then every ABI `bytes` value
 * (a 32-byte-aligned length word followed by that many bytes) that starts like an input — a
 * `StatelessInput` schema id or a blob reference — and, since such a value may itself be the
 * calldata of a nested call (a multicall's), the candidates within it, a few levels deep.
 */
function* inputCandidates(calldata: Hex): Generator<Uint8Array> {
  yield* candidatesIn(hexToBytes(calldata), 0);
}

function* candidatesIn(data: Uint8Array, depth: number): Generator<Uint8Array> {
  const direct = advanceInputOf(bytesToHex(data) as Hex);
  if (direct !== undefined) yield direct;
  if (depth >= MAX_NESTING) return;
  for (let at = 4; at + 32 <= data.length; at += 32) {
    const length = bytesToBigInt(data.subarray(at, at + 32));
    if (length < 2n || length > BigInt(data.length - at - 32)) continue;
    const value = data.subarray(at + 32, at + 32 + Number(length));
    const looksLikeInput = (value[0] >= 0x10 && value[0] <= 0x15) || isBlobReference(value);
    if (looksLikeInput && (direct === undefined || !equal(value, direct))) yield value;
    else if (value.length >= 4 + 32) yield* candidatesIn(value, depth + 1);
  }
}

/** Calls within calls the follower looks into (a multicall in a multicall is 2). */
const MAX_NESTING = 3;

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function resolve(reference: Uint8Array, txHash: Hex, blob: BlobSource): Promise<Uint8Array> {
  const segments = decodeBlobReference(reference);
  const blobs = new Map<string, Uint8Array>();
  for (const { versionedHash } of segments) {
    const hex = bytesToHex(versionedHash);
    const data = await blob(hex);
    if (data === null) throw new DerivationError(`the L1 node does not hold blob ${hex} of ${txHash}`);
    blobs.set(hex, hexToBytes(data));
  }
  return resolveBlobReference(segments, (h) => blobs.get(bytesToHex(h)));
}
