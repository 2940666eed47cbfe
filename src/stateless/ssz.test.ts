/**
 * The `StatelessInput` codec against the EEST zkevm fixtures (byte compatibility), and against
 * malformed bytes: whatever the bytes, decoding either succeeds or throws `StatelessInputDecodeError`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../util/prng.ts";
import {
  decodeStatelessInput,
  decodeStatelessInputSsz,
  decodeStatelessValidationResult,
  encodeStatelessInput,
  encodeStatelessInputSsz,
  encodeStatelessValidationResult,
  hashNewPayloadRequest,
  MAX_BYTES_PER_HEADER,
  MAX_BYTES_PER_PUBLIC_KEY,
  MAX_EXTRA_DATA_BYTES,
  MAX_WITNESS_HEADERS,
  type StatelessInput,
  StatelessInputDecodeError,
  schemaIdOf,
} from "./ssz.ts";
import { allZkevmBlocks, loadZkevmInput, type ZkevmBlock } from "./zkevm-fixtures.ts";

const blocks = allZkevmBlocks();
const VALID_FIXTURE =
  "amsterdam/eip8025_optional_proofs/witness_state_reads/witness_state_sload_contains_storage_proof.json";
const amsterdamInput = loadZkevmInput(VALID_FIXTURE);

function where(b: ZkevmBlock): string {
  return `${b.file} ${b.test} block ${b.index}`;
}

/** The same block under the pre-Amsterdam payload layout: no block access list, no slot number. */
function asOsaka(input: StatelessInput): StatelessInput {
  const osaka = structuredClone(input);
  osaka.fork = "osaka";
  delete osaka.newPayloadRequest.executionPayload.blockAccessList;
  delete osaka.newPayloadRequest.executionPayload.slotNumber;
  return osaka;
}

/** Runs `decode` and returns the decode error it must throw; fails on success or on any other error. */
function decodeError(decode: () => unknown, what: string): StatelessInputDecodeError {
  try {
    decode();
  } catch (err) {
    if (err instanceof StatelessInputDecodeError) return err;
    assert.fail(
      `${what}: threw ${(err as Error).name} instead of StatelessInputDecodeError: ${(err as Error).message}`,
    );
  }
  assert.fail(`${what}: decoded`);
}

test("every zkevm fixture input decodes and re-encodes to the same bytes", () => {
  assert.ok(blocks.length >= 234, `only ${blocks.length} fixture blocks found`);
  for (const b of blocks) {
    const input = decodeStatelessInputSsz(b.inputBytes, "amsterdam");
    assert.deepEqual(encodeStatelessInputSsz(input), b.inputBytes, where(b));
  }
});

test("hash_tree_root(new_payload_request) of every zkevm fixture is the root in its expected output", () => {
  for (const b of blocks) {
    const input = decodeStatelessInputSsz(b.inputBytes, "amsterdam");
    assert.deepEqual(
      hashNewPayloadRequest(input.newPayloadRequest, "amsterdam"),
      b.outputBytes.subarray(0, 32),
      where(b),
    );
  }
});

test("the StatelessValidationResult encoding of every zkevm fixture matches its expected output", () => {
  for (const b of blocks) {
    const input = decodeStatelessInputSsz(b.inputBytes, "amsterdam");
    const result = {
      newPayloadRequestRoot: hashNewPayloadRequest(input.newPayloadRequest, "amsterdam"),
      successfulValidation: b.outputBytes[32] === 1,
      chainConfig: { chainId: input.chainConfig.chainId },
    };
    assert.deepEqual(encodeStatelessValidationResult(result), b.outputBytes, where(b));
    assert.deepEqual(decodeStatelessValidationResult(b.outputBytes), result, where(b));
  }
});

test("schema-prefixed round trip of an Amsterdam input", () => {
  const bytes = encodeStatelessInput(amsterdamInput);
  assert.equal((bytes[0] << 8) | bytes[1], schemaIdOf("amsterdam"));
  assert.equal((bytes[0] << 8) | bytes[1], 0x1501);
  assert.deepEqual(bytes.subarray(2), encodeStatelessInputSsz(amsterdamInput));
  const decoded = decodeStatelessInput(bytes);
  assert.deepEqual(decoded, amsterdamInput);
  assert.deepEqual(encodeStatelessInput(decoded), bytes);
});

test("schema-prefixed round trip of an Osaka input, whose payload has no Amsterdam fields", () => {
  const osaka = asOsaka(amsterdamInput);
  const bytes = encodeStatelessInput(osaka);
  assert.equal((bytes[0] << 8) | bytes[1], 0x1201);
  const decoded = decodeStatelessInput(bytes);
  assert.equal(decoded.fork, "osaka");
  assert.equal("blockAccessList" in decoded.newPayloadRequest.executionPayload, false);
  assert.equal("slotNumber" in decoded.newPayloadRequest.executionPayload, false);
  assert.deepEqual(decoded, osaka);
  assert.deepEqual(encodeStatelessInput(decoded), bytes);
  // The layouts differ, so the fork is part of the payload's identity.
  assert.notDeepEqual(
    hashNewPayloadRequest(osaka.newPayloadRequest, "osaka"),
    hashNewPayloadRequest(amsterdamInput.newPayloadRequest, "amsterdam"),
  );
  decodeError(
    () => decodeStatelessInputSsz(bytes.subarray(2), "amsterdam"),
    "Osaka body under the Amsterdam schema",
  );
});

test("every truncation of a valid input is a decode error", () => {
  const smallest = blocks.reduce((a, b) => (b.inputBytes.length < a.inputBytes.length ? b : a));
  const bytes = encodeStatelessInput(decodeStatelessInputSsz(smallest.inputBytes, "amsterdam"));
  for (let length = 0; length < bytes.length; length++) {
    decodeError(() => decodeStatelessInput(bytes.subarray(0, length)), `prefix of ${length} bytes`);
  }
});

test("random bytes are a decode error, never another error", () => {
  const rng = new Rng(0x5eed);
  const ids = [schemaIdOf("amsterdam"), schemaIdOf("osaka")];
  let reachedSsz = 0;
  for (let i = 0; i < 2000; i++) {
    const bytes = rng.bytes(rng.int(4096));
    // Half of the buffers carry a valid schema id, so that they reach the SSZ decoder.
    if (i % 2 === 1 && bytes.length >= 2) {
      const id = rng.pick(ids);
      bytes[0] = id >> 8;
      bytes[1] = id & 0xff;
    }
    try {
      decodeStatelessInput(bytes);
    } catch (err) {
      assert.ok(
        err instanceof StatelessInputDecodeError,
        `buffer ${i}: ${(err as Error).name}: ${(err as Error).message}`,
      );
      if (err.reason === "ssz") reachedSsz++;
    }
  }
  assert.ok(reachedSsz >= 900, `only ${reachedSsz} buffers reached the SSZ decoder`);
});

test("a list or byte string over its limit is a decode error", () => {
  // Serialization does not enforce limits, so encoding an oversized value gives the bytes an
  // attacker could send; each must be rejected by the decoder, while the limit itself decodes.
  const cases: [string, (input: StatelessInput, n: number) => void, number][] = [
    [
      "witness headers",
      (input, n) => (input.witness.headers = Array.from({ length: n }, () => Uint8Array.of(0xc0))),
      MAX_WITNESS_HEADERS,
    ],
    ["header bytes", (input, n) => (input.witness.headers = [new Uint8Array(n)]), MAX_BYTES_PER_HEADER],
    [
      "extra data",
      (input, n) => (input.newPayloadRequest.executionPayload.extraData = new Uint8Array(n)),
      MAX_EXTRA_DATA_BYTES,
    ],
    ["public key bytes", (input, n) => (input.publicKeys = [new Uint8Array(n)]), MAX_BYTES_PER_PUBLIC_KEY],
  ];
  for (const [what, set, limit] of cases) {
    const atLimit = structuredClone(amsterdamInput);
    set(atLimit, limit);
    assert.deepEqual(decodeStatelessInput(encodeStatelessInput(atLimit)), atLimit, `${what} at the limit`);
    const over = structuredClone(amsterdamInput);
    set(over, limit + 1);
    const err = decodeError(() => decodeStatelessInput(encodeStatelessInput(over)), `${what} over the limit`);
    assert.equal(err.reason, "ssz");
  }
});

test("an unknown schema id is a schema_id decode error", () => {
  const body = encodeStatelessInputSsz(amsterdamInput);
  const withId = (id: number[]) => Uint8Array.of(...id, ...body);
  const cases: [string, Uint8Array][] = [
    ["unknown fork", withId([0x99, 0x01])],
    ["unknown revision", withId([0x15, 0x02])],
    ["zero id", withId([0x00, 0x00])],
    ["one byte", Uint8Array.of(0x15)],
    ["empty", new Uint8Array()],
  ];
  for (const [what, bytes] of cases) {
    assert.equal(decodeError(() => decodeStatelessInput(bytes), what).reason, "schema_id", what);
  }
});

test("trailing bytes are read as the last field, the public keys list", () => {
  // The fixture's public keys list is empty, so its offset points at the end of the input and
  // whatever follows is that list's content: malformed content is a decode error, and a
  // well-formed one is a different input (one empty public key), never silently ignored bytes.
  const bytes = encodeStatelessInput(amsterdamInput);
  for (const tail of [[0x00], [0x01, 0x02, 0x03, 0x04], new Array(65).fill(0x04)]) {
    decodeError(
      () => decodeStatelessInput(Uint8Array.of(...bytes, ...tail)),
      `${tail.length} trailing bytes`,
    );
  }
  const oneEmptyKey = decodeStatelessInput(Uint8Array.of(...bytes, 0x04, 0x00, 0x00, 0x00));
  assert.deepEqual(oneEmptyKey.publicKeys, [new Uint8Array()]);
});

test("a non-canonical encoding (a gap before the variable-size data) is a decode error", () => {
  // StatelessInput's fixed part is four 4-byte offsets and the 8-byte chain config: 20 bytes.
  // Moving every offset 4 bytes on and putting 4 bytes there leaves a gap no canonical encoding
  // has. (The SSZ library rejects every such encoding we could craft by itself, so the decoder's
  // re-encode check is a second line that these tests do not reach.)
  const body = encodeStatelessInputSsz(amsterdamInput);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  assert.equal(view.getUint32(0, true), 20);
  const gapped = Uint8Array.of(...body.subarray(0, 20), 0, 0, 0, 0, ...body.subarray(20));
  const gappedView = new DataView(gapped.buffer);
  for (const at of [0, 4, 16]) gappedView.setUint32(at, view.getUint32(at, true) + 4, true);
  const err = decodeError(() => decodeStatelessInputSsz(gapped, "amsterdam"), "gapped encoding");
  assert.equal(err.reason, "ssz");
});
