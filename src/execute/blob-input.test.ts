import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bytesToHex, computeVersionedHash, hexToBytes } from "@ethereumjs/util";
import { sha256 } from "@noble/hashes/sha2.js";
import { kzg } from "../stateless/chain.ts";
import { Rng } from "../util/prng.ts";
import {
  BLOB_BYTES,
  BLOB_DATA_BYTES,
  BlobPackingError,
  BlobReferenceError,
  type BlobSegment,
  blobReferenceFor,
  decodeBlobReference,
  EXECUTE_QUERY,
  encodeBlobReference,
  isBlobReference,
  isExecuteQuery,
  packBlobs,
  resolveBlobReference,
  unpackBlob,
} from "./blob-input.ts";

const hash = (byte: number) => new Uint8Array(32).fill(byte);

/** Resolves hashes from a fixed list of blobs. */
function lookup(pairs: [Uint8Array, Uint8Array][]): (h: Uint8Array) => Uint8Array | undefined {
  const map = new Map(pairs.map(([h, blob]) => [bytesToHex(h), blob]));
  return (h) => map.get(bytesToHex(h));
}

function assertReferenceError(fn: () => unknown, reason: BlobReferenceError["reason"]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BlobReferenceError, `expected BlobReferenceError, got ${err}`);
    assert.equal(err.reason, reason, err.message);
    return true;
  });
}

describe("blob packing", () => {
  it("has the defined sizes", () => {
    assert.equal(BLOB_BYTES, 131072);
    assert.equal(BLOB_DATA_BYTES, 126976);
  });

  it("puts 31 bytes in bytes 1..31 of each field element", () => {
    const data = new Uint8Array(70).map((_, i) => i + 1);
    const [blob] = packBlobs(data);
    assert.equal(blob.length, BLOB_BYTES);
    assert.equal(blob[0], 0);
    assert.deepEqual(blob.subarray(1, 32), data.subarray(0, 31));
    assert.equal(blob[32], 0);
    assert.deepEqual(blob.subarray(33, 64), data.subarray(31, 62));
    assert.deepEqual(blob.subarray(65, 73), data.subarray(62, 70));
    assert.ok(blob.subarray(73).every((b) => b === 0));
  });

  it("round-trips at blob boundaries", () => {
    const rng = new Rng(7);
    for (const size of [1, 30, 31, 32, BLOB_DATA_BYTES - 1, BLOB_DATA_BYTES, BLOB_DATA_BYTES + 1]) {
      const data = rng.bytes(size);
      const blobs = packBlobs(data);
      assert.equal(blobs.length, Math.ceil(size / BLOB_DATA_BYTES), `size ${size}`);
      const stream = new Uint8Array(blobs.length * BLOB_DATA_BYTES);
      blobs.forEach((blob, i) => {
        stream.set(unpackBlob(blob), i * BLOB_DATA_BYTES);
      });
      assert.deepEqual(stream.subarray(0, size), data, `size ${size}`);
      assert.ok(
        stream.subarray(size).every((b) => b === 0),
        `padding of size ${size}`,
      );
    }
  });

  it("packs empty data into one zero blob", () => {
    const blobs = packBlobs(new Uint8Array(0));
    assert.equal(blobs.length, 1);
    assert.ok(blobs[0].every((b) => b === 0));
  });

  it("rejects a blob of the wrong size or with a nonzero leading byte", () => {
    assert.throws(() => unpackBlob(new Uint8Array(BLOB_BYTES - 1)), BlobPackingError);
    const blob = new Uint8Array(BLOB_BYTES);
    blob[32 * 4095] = 0x01;
    assert.throws(
      () => unpackBlob(blob),
      (err: unknown) => err instanceof BlobPackingError && err.fieldElement === 4095,
    );
  });
});

describe("special inputs", () => {
  it("recognises the query only as exactly 0xff00", () => {
    assert.ok(isExecuteQuery(EXECUTE_QUERY));
    assert.equal(bytesToHex(EXECUTE_QUERY), "0xff00");
    assert.ok(!isExecuteQuery(Uint8Array.of(0xff, 0x00, 0x00)));
    assert.ok(!isExecuteQuery(Uint8Array.of(0xff)));
    assert.ok(!isExecuteQuery(Uint8Array.of(0x15, 0x01)));
    assert.ok(!isBlobReference(EXECUTE_QUERY));
  });

  it("never takes a StatelessInput for a blob reference", () => {
    for (let schema = 0x10; schema <= 0x15; schema++) {
      assert.ok(!isBlobReference(Uint8Array.of(schema, 0x01, 0x01)));
    }
    assert.ok(isBlobReference(Uint8Array.of(0xff, 0x01)));
  });
});

describe("blob references", () => {
  const segments: BlobSegment[] = [
    { versionedHash: hash(0xaa), offset: 0, length: BLOB_DATA_BYTES },
    { versionedHash: hash(0xbb), offset: 0x0304, length: 5 },
  ];

  it("encodes the defined layout", () => {
    const reference = encodeBlobReference([{ versionedHash: hash(0xaa), offset: 0x0102, length: 0x0304 }]);
    assert.equal(bytesToHex(reference), `0xff0101${"aa".repeat(32)}0000010200000304`);
  });

  it("round-trips", () => {
    const reference = encodeBlobReference(segments);
    assert.equal(reference.length, 3 + 2 * 40);
    assert.deepEqual(decodeBlobReference(reference), segments);
  });

  it("rejects malformed references", () => {
    const reference = encodeBlobReference(segments);
    assertReferenceError(() => decodeBlobReference(Uint8Array.of(0xff, 0x00)), "prefix");
    assertReferenceError(() => decodeBlobReference(Uint8Array.of(0x15, 0x01, 0x01)), "prefix");
    assertReferenceError(() => decodeBlobReference(Uint8Array.of(0xff, 0x01)), "length");
    assertReferenceError(() => decodeBlobReference(Uint8Array.of(0xff, 0x01, 0x00)), "count");
    assertReferenceError(() => decodeBlobReference(reference.subarray(0, reference.length - 1)), "length");
    assertReferenceError(() => decodeBlobReference(Uint8Array.of(...reference, 0)), "length");
    const empty = encodeBlobReference([{ versionedHash: hash(1), offset: 0, length: 1 }]);
    empty[3 + 39] = 0; // length 0
    assertReferenceError(() => decodeBlobReference(empty), "segment");
    const beyond = encodeBlobReference([{ versionedHash: hash(1), offset: BLOB_DATA_BYTES - 1, length: 1 }]);
    beyond[3 + 39] = 2; // offset + length = 126977
    assertReferenceError(() => decodeBlobReference(beyond), "segment");
    // A huge offset must not wrap around into range.
    const wrap = encodeBlobReference([{ versionedHash: hash(1), offset: 0, length: 1 }]);
    wrap.set([0xff, 0xff, 0xff, 0xff], 3 + 32);
    assertReferenceError(() => decodeBlobReference(wrap), "segment");
  });

  it("refuses to encode what it would not decode", () => {
    assertReferenceError(() => encodeBlobReference([]), "count");
    const many = Array.from({ length: 256 }, () => segments[1]);
    assertReferenceError(() => encodeBlobReference(many), "count");
    assertReferenceError(() => encodeBlobReference([{ ...segments[1], length: 0 }]), "segment");
    assertReferenceError(() => encodeBlobReference([{ ...segments[1], offset: -1 }]), "segment");
    assertReferenceError(
      () => encodeBlobReference([{ ...segments[1], versionedHash: new Uint8Array(31) }]),
      "segment",
    );
    assertReferenceError(
      () => encodeBlobReference([{ ...segments[1], offset: BLOB_DATA_BYTES, length: 1 }]),
      "segment",
    );
  });

  it("resolves segments in order, across and within blobs", () => {
    const rng = new Rng(3);
    const a = rng.bytes(BLOB_DATA_BYTES);
    const b = rng.bytes(1000);
    const [blobA] = packBlobs(a);
    const [blobB] = packBlobs(b);
    const blobByHash = lookup([
      [hash(0xaa), blobA],
      [hash(0xbb), blobB],
    ]);
    const input = resolveBlobReference(
      [
        { versionedHash: hash(0xbb), offset: 10, length: 20 },
        { versionedHash: hash(0xaa), offset: BLOB_DATA_BYTES - 7, length: 7 },
        { versionedHash: hash(0xbb), offset: 0, length: 3 },
      ],
      blobByHash,
    );
    assert.deepEqual(
      input,
      Uint8Array.of(...b.subarray(10, 30), ...a.subarray(BLOB_DATA_BYTES - 7), ...b.subarray(0, 3)),
    );
  });

  it("fails on an unknown hash, a bad blob or a bad range", () => {
    const [blob] = packBlobs(Uint8Array.of(1, 2, 3));
    const blobByHash = lookup([[hash(0xaa), blob]]);
    assertReferenceError(
      () => resolveBlobReference([{ versionedHash: hash(0xbb), offset: 0, length: 1 }], blobByHash),
      "unknown_hash",
    );
    assertReferenceError(
      () =>
        resolveBlobReference([{ versionedHash: hash(0xaa), offset: BLOB_DATA_BYTES, length: 1 }], blobByHash),
      "segment",
    );
    assertReferenceError(() => resolveBlobReference([], blobByHash), "count");
    const unpacked = new Uint8Array(BLOB_BYTES);
    unpacked[64] = 0x73; // field element 2 is outside the packing, though not in the range read
    assertReferenceError(
      () =>
        resolveBlobReference(
          [{ versionedHash: hash(0xcc), offset: 0, length: 1 }],
          lookup([[hash(0xcc), unpacked]]),
        ),
      "packing",
    );
  });

  it("checks the number of hashes in blobReferenceFor", () => {
    const data = new Uint8Array(BLOB_DATA_BYTES + 1);
    assertReferenceError(() => blobReferenceFor(data, [hash(1)]), "blob_count");
    assertReferenceError(() => blobReferenceFor(data, [hash(1), hash(2), hash(3)]), "blob_count");
    assertReferenceError(() => blobReferenceFor(new Uint8Array(0), [hash(1)]), "segment");
  });

  it("round-trips ~200 KB through two real KZG-committed blobs", () => {
    const data = new Rng(0x8079).bytes(200_000);
    const blobs = packBlobs(data);
    assert.equal(blobs.length, 2);
    const versionedHashes = blobs.map((blob) => {
      const commitment = kzg.blobToKzgCommitment(bytesToHex(blob)) as `0x${string}`;
      const versionedHash = hexToBytes(computeVersionedHash(commitment, 1));
      // EIP-4844: 0x01 ‖ sha256(commitment)[1:]
      assert.deepEqual(versionedHash, Uint8Array.of(1, ...sha256(hexToBytes(commitment)).subarray(1)));
      return versionedHash;
    });
    const reference = blobReferenceFor(data, versionedHashes);
    assert.ok(isBlobReference(reference));
    assert.equal(reference.length, 3 + 2 * 40);
    const segments = decodeBlobReference(reference);
    assert.deepEqual(
      segments.map((s) => [s.offset, s.length]),
      [
        [0, BLOB_DATA_BYTES],
        [0, 200_000 - BLOB_DATA_BYTES],
      ],
    );
    const blobByHash = lookup(blobs.map((blob, i) => [versionedHashes[i], blob]));
    assert.deepEqual(resolveBlobReference(segments, blobByHash), data);
  });
});
