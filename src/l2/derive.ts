/**
 * Derivation (docs/rollup.md, "L2 node"): an L2 block from the L1 transaction that settled it.
 * The block is the payload of the `StatelessInput` handed to `NativeRollup.advance`, taken from
 * the transaction's calldata or, for a blob reference, from its blobs.
 */
import type { Block } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { hexToBytes } from "@ethereumjs/util";
import { type Abi, decodeFunctionData, type Hex, type Transaction } from "viem";
import { loadArtifact } from "../contracts/compile.ts";
import { decodeBlobReference, isBlobReference, resolveBlobReference } from "../execute/blob-input.ts";
import { newPayloadRequestToBlock } from "../stateless/payload.ts";
import { decodeStatelessInput } from "../stateless/ssz.ts";

const ROLLUP_ABI = loadArtifact("NativeRollup").abi as Abi;

export class DerivationError extends Error {
  override name = "DerivationError";
}

/**
 * The `EXECUTE` input of an `advance` call in `tx`, resolved from its blobs (`blob` fetches one
 * by versioned hash) when it is a blob reference.
 *
 * @example
 * const input = await advanceInput(tx, rollup, (hash) => l1.request({ method: "nrx_getBlob", params: [hash] }));
 */
export async function advanceInput(
  tx: Pick<Transaction, "to" | "input" | "hash">,
  rollup: Hex,
  blob: (versionedHash: Hex) => Promise<Hex | null>,
): Promise<Uint8Array> {
  if (tx.to?.toLowerCase() !== rollup.toLowerCase()) {
    throw new DerivationError(
      `transaction ${tx.hash} calls ${tx.to}, not the rollup: this follower derives blocks from direct advance calls only`,
    );
  }
  let args: readonly unknown[] | undefined;
  try {
    const call = decodeFunctionData({ abi: ROLLUP_ABI, data: tx.input });
    if (call.functionName === "advance") args = call.args;
  } catch {}
  if (args === undefined) throw new DerivationError(`transaction ${tx.hash} is not an advance call`);
  const input = hexToBytes(args[0] as Hex);
  if (!isBlobReference(input)) return input;
  const segments = decodeBlobReference(input);
  const blobs = new Map<string, Uint8Array>();
  for (const { versionedHash } of segments) {
    const hex = `0x${Buffer.from(versionedHash).toString("hex")}` as Hex;
    const data = await blob(hex);
    if (data === null) throw new DerivationError(`the L1 node does not hold blob ${hex} of ${tx.hash}`);
    blobs.set(hex, hexToBytes(data));
  }
  return resolveBlobReference(segments, (h) => blobs.get(`0x${Buffer.from(h).toString("hex")}`));
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
