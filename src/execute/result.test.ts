import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { bytesToBigInt, bytesToHex, hexToBytes } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { decodeStatelessInputSsz, encodeStatelessInput, type StatelessInput } from "../stateless/ssz.ts";
import {
  computeExecuteResult,
  computeTransactionsCommitment,
  decodeExecuteResult,
  EXECUTE_RESULT_SIZE,
  ExecuteInputError,
  type ExecuteResult,
  encodeExecuteResult,
  InvalidExecuteResultError,
  toExecuteOutcome,
  transactionsCommitmentFromPrefix,
} from "./result.ts";

const FIXTURE = new URL(
  "../../../shared/fixtures/blockchain_tests_zkevm/for_amsterdam/amsterdam/eip8025_optional_proofs/witness_state_reads/witness_state_sload_contains_storage_proof.json",
  import.meta.url,
);

type FixtureTest = {
  genesisBlockHeader: { stateRoot: string };
  blocks: {
    statelessInputBytes: string;
    blockHeader: {
      hash: string;
      parentHash: string;
      stateRoot: string;
      gasUsed: string;
      baseFeePerGas: string;
    };
    receipts: { transactionHash: string }[];
  }[];
};

function loadFixture(): FixtureTest {
  const tests = JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<string, FixtureTest>;
  return Object.values(tests)[0];
}

/** The fixture's bare Amsterdam SSZ, decoded; re-encoded with a schema id it is EXECUTE's input. */
function fixtureInput(test: FixtureTest): StatelessInput {
  return decodeStatelessInputSsz(
    hexToBytes(test.blocks[0].statelessInputBytes as `0x${string}`),
    "amsterdam",
  );
}

const hash = (byte: number) => new Uint8Array(32).fill(byte);

const sampleResult: ExecuteResult = {
  valid: true,
  newPayloadRequestRoot: hash(0x11),
  chainId: 0x1234n,
  preStateRoot: hash(0x22),
  postStateRoot: hash(0x33),
  blockNumber: 0x4567n,
  blockHash: hash(0x44),
  parentHash: hash(0x55),
  gasUsed: 0x89abn,
  burnedFees: 2n ** 200n + 7n,
  anchor: hash(0x66),
  transactionsCommitment: hash(0x77),
};

const word = (bytes: Uint8Array, index: number) => bytes.subarray(index * 32, index * 32 + 32);

describe("ExecuteResult ABI encoding", () => {
  it("is 384 bytes with every field in its own slot", () => {
    const out = encodeExecuteResult(sampleResult);
    assert.equal(out.length, 384);
    assert.equal(EXECUTE_RESULT_SIZE, 384);
    assert.equal(bytesToBigInt(word(out, 0)), 1n); // valid at 0x000
    assert.deepEqual(word(out, 1), hash(0x11)); // newPayloadRequestRoot at 0x020
    assert.equal(bytesToBigInt(word(out, 2)), 0x1234n); // chainId at 0x040
    assert.deepEqual(word(out, 3), hash(0x22)); // preStateRoot at 0x060
    assert.deepEqual(word(out, 4), hash(0x33)); // postStateRoot at 0x080
    assert.equal(bytesToBigInt(word(out, 5)), 0x4567n); // blockNumber at 0x0a0
    assert.deepEqual(word(out, 6), hash(0x44)); // blockHash at 0x0c0
    assert.deepEqual(word(out, 7), hash(0x55)); // parentHash at 0x0e0
    assert.equal(bytesToBigInt(word(out, 8)), 0x89abn); // gasUsed at 0x100
    assert.equal(bytesToBigInt(word(out, 9)), 2n ** 200n + 7n); // burnedFees at 0x120
    assert.deepEqual(word(out, 10), hash(0x66)); // anchor at 0x140
    assert.deepEqual(word(out, 11), hash(0x77)); // transactionsCommitment at 0x160
  });

  it("round-trips", () => {
    assert.deepEqual(decodeExecuteResult(encodeExecuteResult(sampleResult)), sampleResult);
    const invalid = { ...sampleResult, valid: false, preStateRoot: hash(0), burnedFees: 0n };
    assert.deepEqual(decodeExecuteResult(encodeExecuteResult(invalid)), invalid);
  });

  it("rejects other lengths and non-canonical slots", () => {
    const out = encodeExecuteResult(sampleResult);
    assert.throws(() => decodeExecuteResult(out.subarray(0, 383)), InvalidExecuteResultError);
    assert.throws(() => decodeExecuteResult(new Uint8Array([...out, 0])), InvalidExecuteResultError);
    const badBool = out.slice();
    badBool[31] = 2;
    assert.throws(() => decodeExecuteResult(badBool), InvalidExecuteResultError);
    const dirtyUint64 = out.slice();
    dirtyUint64[2 * 32] = 1; // a bit above the uint64 chainId
    assert.throws(() => decodeExecuteResult(dirtyUint64), InvalidExecuteResultError);
  });
});

describe("transactions commitment", () => {
  const txs = [hexToBytes("0x01"), hexToBytes("0x02c0ffee"), hexToBytes("0xf86c8085")];
  // c_i = keccak256(c_{i-1} || keccak256(tx_i)), c_0 = 0; values computed independently with viem.
  const expected = [
    `0x${"00".repeat(32)}`,
    "0xda3ec3047785a8790d22651e9558633c8f3e4b1944915624d08722693b7a37be",
    "0xaf89145f78ba4651a2b92b37296de4e73c0affd2023d26f83a2e6302571d59ea",
    "0xe6f5a7d1dceb06cc1cacfeb15e5f80749fdc02b0b7ec10145fbc7d512a6e3433",
  ];

  it("matches hand-computed values for 0, 1 and 3 transactions", () => {
    assert.equal(bytesToHex(computeTransactionsCommitment([])), expected[0]);
    assert.equal(bytesToHex(computeTransactionsCommitment(txs.slice(0, 1))), expected[1]);
    assert.equal(bytesToHex(computeTransactionsCommitment(txs)), expected[3]);
    const step = (c: Uint8Array, tx: Uint8Array) => keccak_256(new Uint8Array([...c, ...keccak_256(tx)]));
    assert.equal(bytesToHex(txs.reduce(step, new Uint8Array(32))), expected[3]);
  });

  it("agrees with the prefix helper for every split", () => {
    const hashes = txs.map((tx) => keccak_256(tx));
    for (let k = 0; k <= txs.length; k++) {
      const fromPrefix = transactionsCommitmentFromPrefix(txs.slice(0, k), hashes.slice(k));
      assert.equal(bytesToHex(fromPrefix), expected[3], `prefix of ${k}`);
      assert.equal(bytesToHex(transactionsCommitmentFromPrefix(txs.slice(0, k), [])), expected[k]);
    }
    assert.throws(() => transactionsCommitmentFromPrefix([], [new Uint8Array(31)]), RangeError);
  });

  it("chains the transaction hashes of a real block", () => {
    const test = loadFixture();
    const input = fixtureInput(test);
    const txHash = hexToBytes(test.blocks[0].receipts[0].transactionHash as `0x${string}`);
    assert.deepEqual(
      computeTransactionsCommitment(input.newPayloadRequest.executionPayload.transactions),
      keccak_256(new Uint8Array([...new Uint8Array(32), ...txHash])),
    );
  });
});

describe("computeExecuteResult", () => {
  it("halts on undecodable input", async () => {
    const cases: [Uint8Array, ExecuteInputError["reason"]][] = [
      [new Uint8Array(), "schema_id"],
      [new Uint8Array([0x15]), "schema_id"],
      [new Uint8Array([0x99, 0x01, 0, 0, 0, 0]), "schema_id"],
      [new Uint8Array([0x15, 0x02, 0, 0, 0, 0]), "schema_id"],
      [new Uint8Array([0x15, 0x01, 0xde, 0xad, 0xbe, 0xef]), "ssz"],
    ];
    for (const [bytes, reason] of cases) {
      const outcome = await computeExecuteResult(bytes);
      assert.ok(outcome.halted, bytesToHex(bytes));
      assert.ok(outcome.error instanceof ExecuteInputError);
      assert.equal(outcome.error.reason, reason, bytesToHex(bytes));
    }
  });

  it("returns a valid result for an EEST zkevm block", async () => {
    const test = loadFixture();
    const input = fixtureInput(test);
    const bytes = encodeStatelessInput(input);
    assert.deepEqual([...bytes.subarray(0, 2)], [0x15, 0x01]);
    const outcome = await computeExecuteResult(bytes);
    assert.ok(!outcome.halted);
    assert.equal(outcome.reason, undefined, outcome.message);
    const { result } = outcome;
    const header = test.blocks[0].blockHeader;
    const payload = input.newPayloadRequest.executionPayload;
    assert.equal(result.valid, true);
    assert.deepEqual(result.newPayloadRequestRoot, outcome.verification.newPayloadRequestRoot);
    assert.equal(result.chainId, 1n);
    assert.equal(bytesToHex(result.preStateRoot), test.genesisBlockHeader.stateRoot);
    assert.equal(bytesToHex(result.postStateRoot), header.stateRoot);
    assert.deepEqual(result.postStateRoot, payload.stateRoot);
    assert.equal(result.blockNumber, 1n);
    assert.equal(bytesToHex(result.blockHash), header.hash);
    assert.equal(bytesToHex(result.parentHash), header.parentHash);
    assert.equal(result.gasUsed, BigInt(header.gasUsed));
    assert.equal(result.burnedFees, BigInt(header.gasUsed) * BigInt(header.baseFeePerGas));
    assert.deepEqual(result.anchor, input.newPayloadRequest.parentBeaconBlockRoot);
    assert.deepEqual(result.transactionsCommitment, computeTransactionsCommitment(payload.transactions));
    assert.deepEqual(decodeExecuteResult(encodeExecuteResult(result)), result);
  });

  it("returns valid=false with the payload's claims when a witness node is missing", async () => {
    const test = loadFixture();
    const input = fixtureInput(test);
    const valid = await computeExecuteResult(encodeStatelessInput(input));
    assert.ok(!valid.halted);
    // Drop the node of the pre-state root: the first read of any account needs it.
    const preStateRoot = hexToBytes(test.genesisBlockHeader.stateRoot as `0x${string}`);
    const state = input.witness.state.filter(
      (node) => bytesToHex(keccak_256(node)) !== bytesToHex(preStateRoot),
    );
    assert.equal(state.length, input.witness.state.length - 1);
    const outcome = await computeExecuteResult(
      encodeStatelessInput({ ...input, witness: { ...input.witness, state } }),
    );
    assert.ok(!outcome.halted);
    assert.equal(outcome.reason, "missing_witness_node");
    assert.match(outcome.message ?? "", /not in the witness/);
    const payload = input.newPayloadRequest.executionPayload;
    assert.deepEqual(outcome.result, {
      valid: false,
      newPayloadRequestRoot: valid.result.newPayloadRequestRoot, // the witness is not part of the request
      chainId: 1n,
      preStateRoot: new Uint8Array(32),
      postStateRoot: new Uint8Array(32),
      blockNumber: payload.blockNumber,
      blockHash: payload.blockHash,
      parentHash: payload.parentHash,
      gasUsed: payload.gasUsed,
      burnedFees: 0n,
      anchor: input.newPayloadRequest.parentBeaconBlockRoot,
      transactionsCommitment: computeTransactionsCommitment(payload.transactions),
    } satisfies ExecuteResult);
  });

  it("reports burned fees beyond uint256 as invalid instead of failing to encode", async () => {
    const test = loadFixture();
    const input = fixtureInput(test);
    const outcome = await computeExecuteResult(encodeStatelessInput(input));
    assert.ok(!outcome.halted && outcome.verification.verified !== undefined);
    const verified = { ...outcome.verification.verified, burnedFees: 2n ** 256n };
    const overflowed = toExecuteOutcome(input, { ...outcome.verification, verified });
    assert.equal(overflowed.reason, "internal_error");
    assert.equal(overflowed.result.valid, false);
    assert.equal(overflowed.result.burnedFees, 0n);
    assert.equal(encodeExecuteResult(overflowed.result).length, 384);
  });
});
