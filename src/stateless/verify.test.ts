/**
 * Bad inputs for `verifyStatelessNewPayload`: each one starts from a known-valid zkevm fixture
 * input, breaks one thing, and must be rejected with the reason that names that thing.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Block } from "@ethereumjs/block";
import { createBlockHeader, genTransactionsTrieRoot } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { createFeeMarket1559Tx, createTxFromBlockBodyData } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { computeRequestsHash } from "./payload.ts";
import type { StatelessInput } from "./ssz.ts";
import { type StatelessVerification, type VerifyOptions, verifyStatelessNewPayload } from "./verify.ts";
import { loadZkevmInput } from "./zkevm-fixtures.ts";

/** One transaction that SLOADs a slot: its witness has account and storage proofs, codes and one header. */
const VALID_FIXTURE =
  "amsterdam/eip8025_optional_proofs/witness_state_reads/witness_state_sload_contains_storage_proof.json";
const original = loadZkevmInput(VALID_FIXTURE);

/** A fresh copy of the valid input, for a test to break. */
function validInput(): StatelessInput {
  return structuredClone(original);
}

async function verify(input: StatelessInput, options: VerifyOptions = {}): Promise<StatelessVerification> {
  return verifyStatelessNewPayload(input, options);
}

function assertRejected(result: StatelessVerification, reason: string): void {
  assert.equal(result.successfulValidation, false, "expected the input to be rejected");
  assert.equal(result.reason, reason, `rejected for another reason: ${result.message}`);
}

/** Like `assertRejected`, and the message names `what` (a node or code hash). */
function assertRejectedNaming(result: StatelessVerification, reason: string, what: Uint8Array): void {
  assertRejected(result, reason);
  assert.match(result.message ?? "", new RegExp(bytesToHex(what).slice(2)));
}

async function validBlock(): Promise<Block> {
  const result = await verify(validInput());
  assert.ok(result.verified !== undefined);
  return result.verified.block;
}

/**
 * Changes header fields of the valid payload and recomputes its block hash, so that the change
 * gets past the block hash check and is caught by execution itself.
 */
async function withResealedHeader(change: {
  stateRoot?: Uint8Array;
  gasUsed?: bigint;
  timestamp?: bigint;
  blockAccessList?: Uint8Array;
}): Promise<StatelessInput> {
  const block = await validBlock();
  const { blockAccessList, ...fields } = change;
  const header = createBlockHeader(
    {
      ...block.header.toJSON(),
      ...fields,
      ...(blockAccessList !== undefined ? { blockAccessListHash: keccak_256(blockAccessList) } : {}),
    },
    { common: block.common, skipConsensusFormatValidation: true },
  );
  const input = validInput();
  const payload = input.newPayloadRequest.executionPayload;
  if (change.stateRoot !== undefined) payload.stateRoot = change.stateRoot;
  if (change.gasUsed !== undefined) payload.gasUsed = change.gasUsed;
  if (change.timestamp !== undefined) payload.timestamp = change.timestamp;
  if (blockAccessList !== undefined) payload.blockAccessList = blockAccessList;
  payload.blockHash = header.hash();
  return input;
}

test("the valid fixture input passes, under every option", async () => {
  for (const options of [{}, { rejectUnusedWitness: true }, { l2Constraints: true }]) {
    const result = await verify(validInput(), options);
    assert.equal(
      result.successfulValidation,
      true,
      `${JSON.stringify(options)}: ${result.reason} ${result.message}`,
    );
    assert.deepEqual(result.verified?.postStateRoot, original.newPayloadRequest.executionPayload.stateRoot);
  }
});

test("a tampered trie node no longer hashes to its reference: missing_witness_node", async () => {
  // Every node of this witness is read (the valid input passes with rejectUnusedWitness), so
  // each tampered node leaves a hole exactly where execution reads.
  for (let i = 0; i < original.witness.state.length; i++) {
    const input = validInput();
    const node = input.witness.state[i];
    const originalHash = keccak_256(node);
    node[node.length >> 1] ^= 0x01;
    assertRejectedNaming(await verify(input), "missing_witness_node", originalHash);
  }
});

test("a removed trie node: missing_witness_node", async () => {
  for (let i = 0; i < original.witness.state.length; i++) {
    const input = validInput();
    const [removed] = input.witness.state.splice(i, 1);
    assertRejectedNaming(await verify(input), "missing_witness_node", keccak_256(removed));
  }
});

test("an extra unrelated node: unused_witness_data with rejectUnusedWitness, accepted without it", async () => {
  // A well-formed leaf node that nothing in the state trie references.
  const extra = RLP.encode([hexToBytes(`0x20${"11".repeat(31)}`), RLP.encode(Uint8Array.of(1))]);
  const input = validInput();
  input.witness.state.push(extra);
  assertRejectedNaming(
    await verify(input, { rejectUnusedWitness: true }),
    "unused_witness_data",
    keccak_256(extra),
  );
  // execution-specs accepts a witness that carries more than execution reads.
  const lenient = await verify(input);
  assert.equal(lenient.successfulValidation, true, `${lenient.reason}: ${lenient.message}`);
});

test("a removed code the block reads: missing_witness_code", async () => {
  // The called contract's code and the system contracts' codes are all read.
  assert.ok(original.witness.codes.length > 0);
  for (let i = 0; i < original.witness.codes.length; i++) {
    const input = validInput();
    const [removed] = input.witness.codes.splice(i, 1);
    assertRejectedNaming(await verify(input), "missing_witness_code", keccak_256(removed));
  }
});

test("a removed parent header: missing_parent_header", async () => {
  const input = validInput();
  assert.equal(input.witness.headers.length, 1);
  input.witness.headers = [];
  assertRejected(await verify(input), "missing_parent_header");
});

test("a changed post state root breaks the payload's block hash: invalid_block_hash", async () => {
  const input = validInput();
  input.newPayloadRequest.executionPayload.stateRoot[0] ^= 0xff;
  assertRejected(await verify(input), "invalid_block_hash");
});

test("recomputing the block hash of an unchanged payload gives back its block hash", async () => {
  const resealed = await withResealedHeader({});
  assert.deepEqual(
    resealed.newPayloadRequest.executionPayload.blockHash,
    original.newPayloadRequest.executionPayload.blockHash,
  );
});

test("a wrong post state root under a recomputed block hash: invalid_state_root", async () => {
  const wrongRoot = original.newPayloadRequest.executionPayload.stateRoot.slice();
  wrongRoot[31] ^= 0x01;
  assertRejected(await verify(await withResealedHeader({ stateRoot: wrongRoot })), "invalid_state_root");
});

test("a changed gas used breaks the payload's block hash: invalid_block_hash", async () => {
  const input = validInput();
  input.newPayloadRequest.executionPayload.gasUsed += 1n;
  assertRejected(await verify(input), "invalid_block_hash");
});

test("a wrong gas used under a recomputed block hash: invalid_gas_used", async () => {
  const gasUsed = original.newPayloadRequest.executionPayload.gasUsed + 1n;
  assertRejected(await verify(await withResealedHeader({ gasUsed })), "invalid_gas_used");
});

test("a blob transaction in an L2 payload: l2_blob_transaction", async () => {
  const input = validInput();
  // Only the type byte matters: the L2 check runs before transactions are decoded.
  input.newPayloadRequest.executionPayload.transactions.push(Uint8Array.of(0x03, 0xc0));
  assertRejected(await verify(input, { l2Constraints: true }), "l2_blob_transaction");
  assert.notEqual(
    (await verify(input)).reason,
    "l2_blob_transaction",
    "the L2 rule applies only to L2 payloads",
  );
});

test("withdrawals in an L2 payload: l2_withdrawals", async () => {
  const input = validInput();
  input.newPayloadRequest.executionPayload.withdrawals.push({
    index: 0n,
    validatorIndex: 1n,
    address: new Uint8Array(20).fill(0x42),
    amount: 1n,
  });
  assertRejected(await verify(input, { l2Constraints: true }), "l2_withdrawals");
  assert.notEqual((await verify(input)).reason, "l2_withdrawals");
});

test("execution requests in an L2 payload: l2_execution_requests", async () => {
  const input = validInput();
  // A well-formed deposit request (type 0x00 followed by data).
  input.newPayloadRequest.executionRequests.push(Uint8Array.of(0x00, ...new Uint8Array(192).fill(1)));
  assertRejected(await verify(input, { l2Constraints: true }), "l2_execution_requests");
  assert.notEqual((await verify(input)).reason, "l2_execution_requests");
});

test("a wrong block access list under a recomputed block hash: invalid_block_access_list", async () => {
  assertRejected(
    await verify(await withResealedHeader({ blockAccessList: RLP.encode([]) })),
    "invalid_block_access_list",
  );
});

test("a malformed block access list is invalid_block_access_list, not internal_error", async () => {
  // Regression (found by the fuzzer): ethereumjs' decoder threw TypeErrors on RLP of the wrong
  // shape, which the verifier reported as internal_error.
  const malformed = [
    Uint8Array.of(0x01),
    RLP.encode([[]]),
    RLP.encode([[new Uint8Array(20), [[Uint8Array.of(1), Uint8Array.of(2)]], [], [], [], []]]),
    RLP.encode([[new Uint8Array(20), [], [[Uint8Array.of(1)]], [], [], []]]),
  ];
  for (const blockAccessList of malformed) {
    const result = await verify(await withResealedHeader({ blockAccessList }));
    assertRejected(result, "invalid_block_access_list");
  }
});

/**
 * Changes fields of the valid payload that only execution can check, reseals the header over
 * them, and returns the input: execution, not the block hash, must catch the change.
 */
async function withResealedPayload(change: {
  receiptsRoot?: Uint8Array;
  logsBloom?: Uint8Array;
  executionRequests?: Uint8Array[];
  transactions?: Uint8Array[];
}): Promise<StatelessInput> {
  const block = await validBlock();
  const input = validInput();
  const request = input.newPayloadRequest;
  const payload = request.executionPayload;
  if (change.receiptsRoot !== undefined) payload.receiptsRoot = change.receiptsRoot;
  if (change.logsBloom !== undefined) payload.logsBloom = change.logsBloom;
  if (change.executionRequests !== undefined) request.executionRequests = change.executionRequests;
  if (change.transactions !== undefined) payload.transactions = change.transactions;
  const transactions = payload.transactions.map((bytes) =>
    createTxFromBlockBodyData(bytes, { common: block.common }),
  );
  const header = createBlockHeader(
    {
      ...block.header.toJSON(),
      receiptTrie: payload.receiptsRoot,
      logsBloom: payload.logsBloom,
      requestsHash: computeRequestsHash(request.executionRequests),
      transactionsTrie: await genTransactionsTrieRoot(
        transactions,
        new MerklePatriciaTrie({ common: block.common }),
      ),
    },
    { common: block.common, skipConsensusFormatValidation: true },
  );
  payload.blockHash = header.hash();
  return input;
}

test("each field execution commits to, wrong in a resealed header, is rejected by a typed check naming it", async () => {
  const payload = original.newPayloadRequest.executionPayload;
  const flipped = (bytes: Uint8Array) => {
    const copy = new Uint8Array(bytes);
    copy[copy.length - 1] ^= 0x01;
    return copy;
  };
  assertRejected(
    await verify(await withResealedPayload({ receiptsRoot: flipped(payload.receiptsRoot) })),
    "invalid_receipts_root",
  );
  assertRejected(
    await verify(await withResealedPayload({ logsBloom: flipped(payload.logsBloom) })),
    "invalid_logs_bloom",
  );
  // A consolidation request that no predeploy produced: the requests hash no longer matches.
  const request = Uint8Array.of(0x02, ...new Uint8Array(116).fill(0x11));
  assertRejected(
    await verify(await withResealedPayload({ executionRequests: [request] })),
    "invalid_requests_hash",
  );
  // The same transaction twice: the second one's nonce is used.
  const [first] = payload.transactions;
  const twice = await verify(await withResealedPayload({ transactions: [first, first] }));
  assertRejected(twice, "invalid_transaction");
  assert.match(twice.message ?? "", /nonce/);
});

test("invalid witnesses of the EEST zkevm fixtures: malformed_header, unlinked_header, missing_witness_header", async () => {
  // The last block of each of these files carries the broken witness its name says.
  const dir = "amsterdam/eip8025_optional_proofs/witness_validation_headers/";
  const cases: [string, string][] = [
    ["validation_headers_malformed_rlp_header.json", "malformed_header"],
    ["validation_headers_non_contiguous_chain.json", "unlinked_header"],
    ["validation_headers_missing_oldest_blockhash_ancestor.json", "missing_witness_header"],
  ];
  for (const [file, reason] of cases) {
    assertRejected(await verify(loadZkevmInput(dir + file, 5)), reason);
  }
});

test("a transaction that does not decode: invalid_transaction_encoding", async () => {
  const input = validInput();
  input.newPayloadRequest.executionPayload.transactions = [Uint8Array.of(0x02, 0xc0)];
  assertRejected(await verify(input), "invalid_transaction_encoding");
});

test("a versioned hash without its blob transaction: invalid_versioned_hashes", async () => {
  const input = validInput();
  input.newPayloadRequest.versionedHashes = [new Uint8Array(32).fill(0x01)];
  assertRejected(await verify(input), "invalid_versioned_hashes");
});

test("an execution request of no data, or out of type order: invalid_execution_requests", async () => {
  for (const requests of [[Uint8Array.of(0x01)], [Uint8Array.of(0x02, 0xaa), Uint8Array.of(0x01, 0xaa)]]) {
    const input = validInput();
    input.newPayloadRequest.executionRequests = requests;
    assertRejected(await verify(input), "invalid_execution_requests");
  }
});

test("extra data longer than a header holds: invalid_payload_fields", async () => {
  const input = validInput();
  input.newPayloadRequest.executionPayload.extraData = new Uint8Array(33);
  assertRejected(await verify(input), "invalid_payload_fields");
});

test("public keys that are not the senders': invalid_public_keys", async () => {
  const count = original.newPayloadRequest.executionPayload.transactions.length;
  const notTheSigner = Uint8Array.of(0x04, ...new Uint8Array(64).fill(0x07));
  // One key too many, and the right count of keys that signed nothing here.
  for (const publicKeys of [Array(count + 1).fill(notTheSigner), Array(count).fill(notTheSigner)]) {
    const input = validInput();
    input.publicKeys = publicKeys;
    assertRejected(await verify(input), "invalid_public_keys");
  }
});

test("a timestamp that does not follow the parent's under a recomputed block hash: invalid_header", async () => {
  const block = await validBlock();
  const result = await verify(await withResealedHeader({ timestamp: block.header.timestamp - 12n }));
  assertRejected(result, "invalid_header");
  assert.match(result.message ?? "", /timestamp/);
});

test("a transaction below its intrinsic gas under a recomputed block hash: invalid_block", async () => {
  const block = await validBlock();
  const tx = createFeeMarket1559Tx(
    { to: new Uint8Array(20), gasLimit: 20_000n, maxFeePerGas: 10n ** 12n, chainId: block.common.chainId() },
    { common: block.common },
  ).sign(keccak_256(Uint8Array.of(1)));
  const result = await verify(await withResealedPayload({ transactions: [tx.serialize()] }));
  assertRejected(result, "invalid_block");
  assert.match(result.message ?? "", /gas/);
});
