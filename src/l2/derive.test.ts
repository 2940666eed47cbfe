/**
 * Derivation of an L2 block from the L1 transaction that settled it (src/l2/derive.ts): from a
 * direct `advance` call, from calls through a `Composer` (a multicall, nested), in calldata or
 * behind a blob reference; and a clear error when the transaction carries no such block.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { type Abi, encodeFunctionData, type Hex } from "viem";
import { loadArtifact } from "../contracts/compile.ts";
import { blobReferenceFor, blobSidecar, packBlobs } from "../execute/blob-input.ts";
import { MessageTree } from "../rollup/message-tree.ts";
import { buildL2Block, createL2Genesis, type L2Block } from "../testing/l2-chain.ts";
import { type BlobSource, DerivationError, settledBlock } from "./derive.ts";

const ROLLUP_ABI = loadArtifact("NativeRollup").abi as Abi;
const COMPOSER_ABI = loadArtifact("Composer").abi as Abi;
const BRIDGE_ABI = loadArtifact("L1Bridge").abi as Abi;
const ROLLUP: Hex = "0x00000000000000000000000000000000000000aa";
const COMPOSER: Hex = "0x00000000000000000000000000000000000000bb";
const TX_HASH: Hex = `0x${"11".repeat(32)}`;
const NO_BLOBS: BlobSource = async () => null;

const advance = (input: Uint8Array): Hex =>
  encodeFunctionData({ abi: ROLLUP_ABI, functionName: "advance", args: [bytesToHex(input)] });
const compose = (calls: { target: Hex; value: bigint; data: Hex }[]): Hex =>
  encodeFunctionData({ abi: COMPOSER_ABI, functionName: "execute", args: [calls] });

describe("settledBlock", () => {
  let b1: L2Block;
  let b2: L2Block;
  let hash1: Hex;

  before(async () => {
    const genesis = await createL2Genesis({ premint: 10n ** 27n, accounts: 1 });
    const anchor = new MessageTree().root();
    b1 = await buildL2Block(genesis, [], { anchor });
    b2 = await buildL2Block(b1, [], { anchor });
    hash1 = bytesToHex(b1.block.hash()) as Hex;
  });

  it("takes the block from a direct advance call", async () => {
    const tx = { to: ROLLUP, input: advance(b1.bytes), hash: TX_HASH };
    const block = await settledBlock(tx, hash1, b1.common, NO_BLOBS);
    assert.equal(bytesToHex(block.hash()), hash1);
  });

  it("finds it inside a Composer call after a deposit, and inside a Composer call nested in another", async () => {
    const deposit = encodeFunctionData({
      abi: BRIDGE_ABI,
      functionName: "deposit",
      args: [ROLLUP, "0x1234"],
    });
    const inner = compose([
      { target: ROLLUP, value: 1n, data: deposit },
      { target: ROLLUP, value: 10n ** 18n, data: advance(b1.bytes) },
    ]);
    for (const input of [inner, compose([{ target: COMPOSER, value: 0n, data: inner }])]) {
      const block = await settledBlock({ to: COMPOSER, input, hash: TX_HASH }, hash1, b1.common, NO_BLOBS);
      assert.equal(bytesToHex(block.hash()), hash1);
    }
  });

  it("picks the block with the settled hash among several inputs in one call", async () => {
    const input = compose([
      { target: ROLLUP, value: 0n, data: advance(b1.bytes) },
      { target: ROLLUP, value: 0n, data: advance(b2.bytes) },
    ]);
    const hash2 = bytesToHex(b2.block.hash()) as Hex;
    const block = await settledBlock({ to: COMPOSER, input, hash: TX_HASH }, hash2, b2.common, NO_BLOBS);
    assert.equal(bytesToHex(block.hash()), hash2);
  });

  it("resolves a blob reference from the transaction's blobs, and says which blob is missing", async () => {
    const sidecar = blobSidecar(packBlobs(b1.bytes));
    const reference = blobReferenceFor(
      b1.bytes,
      sidecar.blobVersionedHashes.map((h) => hexToBytes(h)),
    );
    const blobs: BlobSource = async (hash) => {
      const i = sidecar.blobVersionedHashes.indexOf(hash);
      return i < 0 ? null : sidecar.blobs[i];
    };
    const input = compose([{ target: ROLLUP, value: 0n, data: advance(reference) }]);
    const tx = { to: COMPOSER, input, hash: TX_HASH };
    assert.equal(bytesToHex((await settledBlock(tx, hash1, b1.common, blobs)).hash()), hash1);
    await assert.rejects(settledBlock(tx, hash1, b1.common, NO_BLOBS), /does not hold blob/);
  });

  it("refuses a transaction that carries no input of the settled block", async () => {
    const other = { to: ROLLUP, input: advance(b2.bytes), hash: TX_HASH };
    await assert.rejects(settledBlock(other, hash1, b1.common, NO_BLOBS), DerivationError);
    const unrelated = { to: ROLLUP, input: "0xdeadbeef" as Hex, hash: TX_HASH };
    await assert.rejects(settledBlock(unrelated, hash1, b1.common, NO_BLOBS), /carries no input of L2 block/);
  });
});
