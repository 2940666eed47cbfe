/**
 * The L1 node under bad input, through its JSON-RPC: every kind of bad `EXECUTE` input (through
 * `eth_call` and mined in blocks), byte-flipped mutants of a valid input, malformed JSON-RPC
 * bodies and invalid raw transactions. The node must answer each clearly (a 384-byte result, a
 * named halt, or a JSON-RPC error with a spec code), never crash or hang, and keep serving:
 * afterwards it still mines, and the blocks holding the bad calls re-verify statelessly.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RLP } from "@ethereumjs/rlp";
import { type Blob4844Tx, createBlob4844Tx, createFeeMarket1559Tx } from "@ethereumjs/tx";
import { bytesToHex, concatBytes, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import type { Hex } from "viem";
import {
  BLOB_DATA_BYTES,
  type BlobSidecar,
  blobNetworkForm,
  blobSidecar,
  EXECUTE_QUERY,
  encodeBlobReference,
  packBlobs,
} from "../execute/blob-input.ts";
import { executeCallGas } from "../execute/market.ts";
import { decodeExecuteResult, EXECUTE_ADDRESS, EXECUTE_RESULT_SIZE } from "../execute/result.ts";
import { serveL1 } from "../rpc/l1.ts";
import type { RpcServer } from "../rpc/server.ts";
import { commonFor } from "../stateless/chain.ts";
import { PROTOCOL_FORKS, SCHEMA_REVISION } from "../stateless/ssz.ts";
import { devTransaction, type L2Block, validL2Block, withWrongStateRoot } from "../testing/l1.ts";
import { Rng } from "../util/prng.ts";
import { parseL1Config } from "./config.ts";
import { type L1Node, openL1Node } from "./node.ts";

/** A generous prepayment: far above any execute fee here (~10^14 wei); the excess comes back. */
const PREPAYMENT = 10n ** 17n;
/** The request limit of the second server, which the oversized-body cases run against. */
const SMALL_LIMIT = 64 * 1024;
const TX_GAS = 1_000_000n;
const MAX_FEE = 100_000_000_000n;
const TIP = 1_000_000_000n;
const RECIPIENT = "0x00000000000000000000000000000000000b0b00";

type RpcErrorObject = { code: number; message: string; data?: unknown };
type Reply = { id?: unknown; result?: unknown; error?: RpcErrorObject };

/** What an `EXECUTE` input must come to. */
type Expect =
  | { halt: string; message?: RegExp } // the call halts, with this reason
  | { valid: boolean } // a 384-byte result
  | { error: RegExp }; // a JSON-RPC error that is not a halt

type InputCase = {
  name: string;
  data: Uint8Array;
  value?: bigint;
  gas?: bigint;
  /** eth_call only: the versioned hashes the call carries. */
  blobVersionedHashes?: Hex[];
  expect: Expect;
};

/** `0xff 0x01 ‖ n ‖ segments`, written by hand so that invalid segments can be encoded. */
function rawBlobReference(segments: { hash: Uint8Array; offset: number; length: number }[]): Uint8Array {
  const out = new Uint8Array(3 + 40 * segments.length);
  const view = new DataView(out.buffer);
  out.set([0xff, 0x01, segments.length]);
  segments.forEach(({ hash, offset, length }, i) => {
    out.set(hash, 3 + 40 * i);
    view.setUint32(3 + 40 * i + 32, offset);
    view.setUint32(3 + 40 * i + 36, length);
  });
  return out;
}

/** A versioned hash of no blob anyone has. */
function unknownVersionedHash(tag: number): Uint8Array {
  const hash = new Uint8Array(32);
  hash[0] = 0x01;
  hash[31] = tag;
  return hash;
}

function withSchemaId(bytes: Uint8Array, schemaId: number): Uint8Array {
  const out = bytes.slice();
  out[0] = schemaId >> 8;
  out[1] = schemaId & 0xff;
  return out;
}

/** The regular expression of a halted call's eth_call error: the EVM error and the named reason. */
function haltMessage(reason: string): RegExp {
  return new RegExp(`^out of gas \\(EXECUTE halted: ${reason}: .+\\)$`, "s");
}

/**
 * What one eth_call to `EXECUTE` came to: `valid`, `invalid` (a canonical 384-byte result) or
 * `halted:<reason>`; fails on anything else (a crash, an unnamed failure, a malformed result).
 */
function classify(reply: Reply, label: string): string {
  if (reply.error === undefined) {
    assert.equal(typeof reply.result, "string", `${label}: a result or an error`);
    const output = hexToBytes(reply.result as Hex);
    assert.equal(output.length, EXECUTE_RESULT_SIZE, `${label}: a 384-byte result`);
    return decodeExecuteResult(output).valid ? "valid" : "invalid";
  }
  assert.equal(reply.error.code, -32000, `${label}: ${JSON.stringify(reply.error)}`);
  const match = /^out of gas \(EXECUTE halted: ([a-z_]+): .+\)$/s.exec(reply.error.message);
  assert.ok(match, `${label}: a named halt, got ${JSON.stringify(reply.error.message)}`);
  return `halted:${match[1]}`;
}

describe("the L1 node under bad input", { timeout: 120_000 }, () => {
  let node: L1Node;
  let server: RpcServer;
  let small: RpcServer;
  let l2: L2Block;
  let lying: Uint8Array;
  /** The L2 input packed into one blob, with its commitment and a version-0 proof (~0.5 s to compute). */
  let sidecar: BlobSidecar & { versionedHash: Hex };
  const nonces = new Map<number, bigint>();
  /** Blocks mined with bad EXECUTE calls in them; they must still re-verify. */
  const badBlocks: bigint[] = [];
  let id = 0;

  before(async () => {
    node = await openL1Node(parseL1Config({}));
    server = await serveL1(node, { port: 0 });
    small = await serveL1(node, { port: 0, maxRequestBytes: SMALL_LIMIT });
    l2 = await validL2Block();
    lying = await withWrongStateRoot(l2);
    const [blob] = packBlobs(l2.bytes);
    const one = blobSidecar([blob]);
    sidecar = { ...one, versionedHash: one.blobVersionedHashes[0] };
  });
  after(async () => {
    await small?.close();
    await server?.close();
    await node?.stop();
  });

  /** POSTs a raw body; the HTTP status and the parsed reply (undefined for an empty body). */
  async function post(
    body: string | Uint8Array,
    url = server.url,
  ): Promise<{ status: number; reply: unknown }> {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
    });
    const text = await response.text();
    return { status: response.status, reply: text === "" ? undefined : JSON.parse(text) };
  }

  async function rpc(method: string, params: unknown[] = []): Promise<Reply> {
    const { reply } = await post(JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }));
    return reply as Reply;
  }

  async function result<T>(method: string, params: unknown[] = []): Promise<T> {
    const reply = await rpc(method, params);
    assert.equal(reply.error, undefined, `${method}: ${JSON.stringify(reply.error)}`);
    return reply.result as T;
  }

  function nextNonce(index: number): bigint {
    const nonce = nonces.get(index) ?? 0n;
    nonces.set(index, nonce + 1n);
    return nonce;
  }

  function executeCall(c: Omit<InputCase, "name" | "expect">): Promise<Reply> {
    return rpc("eth_call", [
      {
        from: node.devAccounts[0].address,
        to: EXECUTE_ADDRESS,
        data: bytesToHex(c.data),
        value: `0x${(c.value ?? PREPAYMENT).toString(16)}`,
        ...(c.gas !== undefined ? { gas: `0x${c.gas.toString(16)}` } : {}),
        ...(c.blobVersionedHashes !== undefined ? { blobVersionedHashes: c.blobVersionedHashes } : {}),
      },
      "latest",
    ]);
  }

  /** Signs an EIP-1559 call to `EXECUTE` from dev account `index` and sends it raw. */
  async function sendExecute(index: number, c: Omit<InputCase, "name" | "expect">): Promise<Hex> {
    const tx = devTransaction(node, index, {
      nonce: nextNonce(index),
      data: c.data,
      value: c.value ?? PREPAYMENT,
      gasLimit: c.gas ?? TX_GAS,
    });
    return result<Hex>("eth_sendRawTransaction", [bytesToHex(tx.serialize())]);
  }

  function blobTx(index: number, data: Uint8Array, versionedHash: Hex, nonce: bigint): Blob4844Tx {
    return createBlob4844Tx(
      {
        chainId: node.config.chainId,
        nonce,
        to: createAddressFromString(EXECUTE_ADDRESS),
        data,
        value: PREPAYMENT,
        gasLimit: TX_GAS,
        maxFeePerGas: MAX_FEE,
        maxPriorityFeePerGas: TIP,
        maxFeePerBlobGas: 1_000_000_000n,
        blobVersionedHashes: [versionedHash],
      },
      { common: node.common },
    ).sign(hexToBytes(node.devAccounts[index].privateKey));
  }

  /** EIP-4844's network form of `tx` with the L2 input's blob (and `commitment`, to forge one). */
  function networkForm(tx: Blob4844Tx, commitment = sidecar.kzgCommitments[0]): Uint8Array {
    return blobNetworkForm(tx, { ...sidecar, kzgCommitments: [commitment] });
  }

  /** Mines one block and returns its number, its EXECUTE call records and its receipts by tx hash. */
  async function mineBlock() {
    await result("evm_mine");
    const number = await result<Hex>("eth_blockNumber");
    const calls = await result<
      { transactionHash: Hex; outcome: string; reason?: string; message?: string; source: string }[]
    >("nrx_executeCalls", [number]);
    const receipts = await result<{ transactionHash: Hex; status: Hex }[]>("eth_getBlockReceipts", [number]);
    return {
      number: BigInt(number),
      calls,
      status: new Map(receipts.map((r) => [r.transactionHash, r.status])),
    };
  }

  /** The bad (and two good) inputs, each with what it must come to. */
  function inputCases(): InputCase[] {
    const need = executeCallGas(l2.bytes.length, node.config.execute);
    const probe = devTransaction(node, 0, { nonce: 0n, data: l2.bytes, value: PREPAYMENT });
    const intrinsic = probe.getIntrinsicGas();
    // Too little gas for the input, though enough for the transaction itself (EIP-7623's floor).
    const shortGas = intrinsic + need - 1n;
    assert.ok(shortGas >= probe.getMinimumGasLimit(), "the short gas still passes the intrinsic checks");
    const ownHash = hexToBytes(sidecar.versionedHash);
    return [
      { name: "the valid input", data: l2.bytes, expect: { valid: true } },
      { name: "a wrong post-state root", data: lying, expect: { valid: false } },
      { name: "an empty input", data: new Uint8Array(), expect: { halt: "schema_id" } },
      { name: "one byte", data: Uint8Array.of(0x12), expect: { halt: "schema_id" } },
      {
        name: "an unknown schema id",
        data: withSchemaId(l2.bytes, 0x9901),
        expect: { halt: "schema_id", message: /unsupported stateless input schema id 0x9901/ },
      },
      {
        name: "a known fork with an unknown schema revision",
        data: withSchemaId(l2.bytes, (PROTOCOL_FORKS.osaka << 8) | (SCHEMA_REVISION + 1)),
        expect: { halt: "schema_id" },
      },
      {
        name: "a StatelessInput of another fork (Prague's schema id 0x1101)",
        data: withSchemaId(l2.bytes, 0x1101),
        expect: { halt: "schema_id", message: /verifies osaka blocks \(schema 0x1201\), got a prague input/ },
      },
      { name: "the schema id alone", data: l2.bytes.slice(0, 2), expect: { halt: "ssz" } },
      {
        name: "the input truncated by half",
        data: l2.bytes.slice(0, l2.bytes.length >> 1),
        expect: { halt: "ssz" },
      },
      {
        name: "the input less its last byte",
        data: l2.bytes.slice(0, l2.bytes.length - 1),
        expect: { halt: "ssz" },
      },
      {
        name: "a blob reference with zero segments",
        data: Uint8Array.of(0xff, 0x01, 0x00),
        expect: { halt: "blob_reference", message: /1 to 255 segments, got 0/ },
      },
      {
        name: "a blob reference without its segment count",
        data: Uint8Array.of(0xff, 0x01),
        expect: { halt: "blob_reference" },
      },
      {
        name: "a blob reference to a hash the transaction does not carry",
        data: encodeBlobReference([{ versionedHash: unknownVersionedHash(1), offset: 0, length: 100 }]),
        expect: { halt: "blob_reference", message: /is not carried by this transaction/ },
      },
      {
        name: "a blob reference with an offset past the blob",
        data: rawBlobReference([{ hash: ownHash, offset: BLOB_DATA_BYTES, length: 1 }]),
        expect: { halt: "blob_reference", message: /exceeds the 126976 data bytes/ },
      },
      {
        name: "a blob reference with a range running past the blob",
        data: rawBlobReference([{ hash: ownHash, offset: 100, length: BLOB_DATA_BYTES }]),
        expect: { halt: "blob_reference", message: /exceeds the 126976 data bytes/ },
      },
      {
        name: "a blob reference with offset and length at 2^32 - 1",
        data: rawBlobReference([{ hash: ownHash, offset: 0xffffffff, length: 0xffffffff }]),
        expect: { halt: "blob_reference" },
      },
      {
        name: "a blob reference with length 0",
        data: rawBlobReference([{ hash: ownHash, offset: 0, length: 0 }]),
        expect: { halt: "blob_reference", message: /length 0/ },
      },
      {
        name: "a blob reference with a byte after its last segment",
        data: concatBytes(rawBlobReference([{ hash: ownHash, offset: 0, length: 1 }]), Uint8Array.of(0)),
        expect: { halt: "blob_reference", message: /must be 43 bytes, got 44/ },
      },
      {
        name: "too little gas for the input size",
        data: l2.bytes,
        gas: shortGas,
        expect: {
          halt: "out_of_gas",
          message: new RegExp(`needs ${need} gas for ${l2.bytes.length} input bytes`),
        },
      },
      {
        name: "exactly the gas the input size needs",
        data: l2.bytes,
        gas: shortGas + 1n,
        expect: { valid: true },
      },
      {
        name: "too little prepayment",
        data: l2.bytes,
        value: 1n,
        expect: { halt: "insufficient_prepayment", message: /prepayment 1 wei is less than/ },
      },
      {
        name: "no prepayment for a wrong block",
        data: lying,
        value: 0n,
        expect: { halt: "insufficient_prepayment" },
      },
    ];
  }

  it("answers every kind of bad EXECUTE input through eth_call with a 384-byte result or a named halt", async () => {
    for (const c of inputCases()) {
      const reply = await executeCall(c);
      const outcome = classify(reply, c.name);
      if ("valid" in c.expect) {
        assert.equal(outcome, c.expect.valid ? "valid" : "invalid", c.name);
      } else if ("halt" in c.expect) {
        assert.equal(outcome, `halted:${c.expect.halt}`, `${c.name}: ${reply.error?.message}`);
        assert.match(reply.error!.message, haltMessage(c.expect.halt), c.name);
        if (c.expect.message) assert.match(reply.error!.message, c.expect.message, c.name);
      }
    }
  });

  it("answers eth_calls that fail outside the input with a clear -32000 error", async () => {
    // The call carries a versioned hash whose blob this node does not hold: not a property of the
    // call (a validator could not process it at all), so an error rather than a halt.
    const hash = unknownVersionedHash(2);
    const notHeld = await executeCall({
      data: encodeBlobReference([{ versionedHash: hash, offset: 0, length: 10 }]),
      blobVersionedHashes: [bytesToHex(hash)],
    });
    assert.equal(notHeld.error?.code, -32000);
    assert.match(notHeld.error!.message, /blob 0x01[0-9a-f]+ is not held by this node/);

    // The market query takes no value.
    const paidQuery = await executeCall({ data: EXECUTE_QUERY, value: 1n });
    assert.equal(paidQuery.error?.code, -32000);
    assert.match(paidQuery.error!.message, /query_value: the market query takes no value/);
    const query = await executeCall({ data: EXECUTE_QUERY, value: 0n });
    assert.equal(hexToBytes(query.result as Hex).length, 4 * 32, "the unpaid query answers");

    // Not even the intrinsic gas of the calldata.
    const starved = await executeCall({ data: l2.bytes, gas: 21_000n });
    assert.equal(starved.error?.code, -32000);
    assert.match(starved.error!.message, /^intrinsic gas too low: gas 21000, minimum needed \d+/);
  });

  it("answers a few hundred byte-flipped mutants of a valid input with a result or a named halt", async (t) => {
    const outcomes = new Map<string, number>();
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(seed);
      for (let i = 0; i < 100; i++) {
        const bytes = l2.bytes.slice();
        const flips = 1 + rng.int(3);
        for (let f = 0; f < flips; f++) bytes[rng.int(bytes.length)] ^= 1 + rng.int(255);
        const outcome = classify(await executeCall({ data: bytes }), `seed ${seed} mutant ${i}`);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
    }
    const summary = JSON.stringify(Object.fromEntries(outcomes));
    t.diagnostic(`mutant outcomes: ${summary}`);
    // The mutants reached both the decoder and the verifier, and none verified as valid.
    assert.ok(
      [...outcomes.keys()].some((o) => o.startsWith("halted:")),
      summary,
    );
    assert.ok((outcomes.get("invalid") ?? 0) > 0, summary);
    assert.equal(outcomes.get("valid"), undefined, summary);
  });

  it("mines the same inputs in transactions: every halted call has a named reason and the block re-verifies", async () => {
    const cases = inputCases();
    const sent: { hash: Hex; c: InputCase }[] = [];
    for (const c of cases) sent.push({ hash: await sendExecute(1, c), c });
    const paidQuery = await sendExecute(1, { data: EXECUTE_QUERY, value: 1n });
    // A few mutants too, from a seed of their own.
    const rng = new Rng(4);
    const mutants: Hex[] = [];
    for (let i = 0; i < 8; i++) {
      const bytes = l2.bytes.slice();
      bytes[rng.int(bytes.length)] ^= 1 + rng.int(255);
      mutants.push(await sendExecute(2, { data: bytes }));
    }
    // Blob transactions referencing their own blob: whole, out of range, and a hash they do not carry.
    const own = hexToBytes(sidecar.versionedHash);
    const blobCases: { name: string; data: Uint8Array; outcome: string; reason?: string }[] = [
      {
        name: "its own blob, whole",
        data: encodeBlobReference([{ versionedHash: own, offset: 0, length: l2.bytes.length }]),
        outcome: "valid",
      },
      {
        name: "a range past its own blob",
        data: rawBlobReference([{ hash: own, offset: BLOB_DATA_BYTES - 10, length: 11 }]),
        outcome: "halted",
        reason: "blob_reference",
      },
      {
        name: "a hash it does not carry",
        data: encodeBlobReference([{ versionedHash: unknownVersionedHash(3), offset: 0, length: 10 }]),
        outcome: "halted",
        reason: "blob_reference",
      },
      {
        name: "zero segments",
        data: Uint8Array.of(0xff, 0x01, 0x00),
        outcome: "halted",
        reason: "blob_reference",
      },
      {
        name: "part of its own blob, which is no StatelessInput",
        data: encodeBlobReference([{ versionedHash: own, offset: 2, length: 100 }]),
        outcome: "halted",
        reason: "schema_id",
      },
    ];
    const blobSent: Hex[] = [];
    for (const c of blobCases) {
      const tx = blobTx(3, c.data, sidecar.versionedHash, nextNonce(3));
      blobSent.push(await result<Hex>("eth_sendRawTransaction", [bytesToHex(networkForm(tx))]));
    }
    const pending = await result<{ pending: Hex }>("txpool_status");
    assert.equal(BigInt(pending.pending), BigInt(sent.length + 1 + mutants.length + blobCases.length));

    const block = await mineBlock();
    badBlocks.push(block.number);
    const byHash = new Map(block.calls.map((call) => [call.transactionHash, call]));
    assert.equal((await result<{ pending: Hex }>("txpool_status")).pending, "0x0", "all were mined");

    for (const { hash, c } of sent) {
      const call = byHash.get(hash);
      assert.ok(call, `${c.name}: a call record`);
      if ("valid" in c.expect) {
        assert.equal(call.outcome, c.expect.valid ? "valid" : "invalid", c.name);
        assert.equal(block.status.get(hash), "0x1", c.name);
      } else if ("halt" in c.expect) {
        assert.deepEqual(
          [call.outcome, call.reason],
          ["halted", c.expect.halt],
          `${c.name}: ${call.message}`,
        );
        if (c.expect.message) assert.match(call.message ?? "", c.expect.message, c.name);
        assert.equal(block.status.get(hash), "0x0", `${c.name}: the halt fails the transaction`);
      }
    }
    assert.equal(block.status.get(paidQuery), "0x0", "the paid market query fails its transaction");
    assert.deepEqual(
      [byHash.get(paidQuery)?.source, byHash.get(paidQuery)?.reason],
      ["query", "query_value"],
    );
    for (const hash of mutants) {
      const call = byHash.get(hash);
      assert.ok(call && call.outcome !== "valid", `mutant ${hash}: ${call?.outcome}`);
    }
    blobCases.forEach((c, i) => {
      const call = byHash.get(blobSent[i]);
      assert.ok(call, c.name);
      assert.equal(call.source, "blob", c.name);
      assert.deepEqual([call.outcome, call.reason], [c.outcome, c.reason], `${c.name}: ${call.message}`);
    });
    for (const call of block.calls) {
      if (call.outcome !== "halted") continue;
      assert.match(call.reason ?? "", /^[a-z_]+$/, `${call.transactionHash}: a named reason`);
      assert.notEqual(call.reason, "halted", `${call.transactionHash}: a specific reason`);
      assert.ok((call.message ?? "").length > 0, `${call.transactionHash}: a message`);
    }

    const verified = await result<{ valid: boolean; message?: string }>("nrx_verifyBlock", [
      `0x${block.number.toString(16)}`,
    ]);
    assert.equal(verified.valid, true, verified.message);
  });

  it("answers malformed JSON-RPC with the spec's error codes and keeps answering", async () => {
    const blockNumber = await result<Hex>("eth_blockNumber");
    const expectError = async (body: string | Uint8Array, code: number, message: RegExp, url = small.url) => {
      const { status, reply } = await post(body, url);
      assert.equal(status, 200);
      const { id: replyId, error } = reply as Reply;
      assert.equal(replyId, null);
      assert.equal(error?.code, code, `${String(body).slice(0, 40)}: ${JSON.stringify(reply)}`);
      assert.match(error!.message, message);
    };
    for (const body of ["{nope", "", "[1, 2", '{"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber"']) {
      await expectError(body, -32700, /parse error/);
    }
    await expectError(Uint8Array.of(0xff, 0xfe, 0x00, 0x80, 0xc3), -32700, /parse error/);
    for (const body of ["42", "null", "true", '"eth_blockNumber"']) {
      await expectError(body, -32600, /expected an object/);
    }
    await expectError("[]", -32600, /empty batch/);

    // A batch mixing good and bad requests: answered in order, the notification not at all.
    const batch = [
      { jsonrpc: "2.0", id: 1, method: "eth_blockNumber" },
      7,
      { jsonrpc: "1.0", id: 2, method: "eth_blockNumber" },
      { jsonrpc: "2.0", id: 3, method: "eth_noSuchMethod" },
      { jsonrpc: "2.0", method: "eth_blockNumber" },
      { jsonrpc: "2.0", id: 4, method: "eth_blockNumber", params: [1] },
      { jsonrpc: "2.0", id: 5, method: "eth_chainId", params: { by: "name" } },
      { jsonrpc: "2.0", id: { not: "an id" }, method: "eth_chainId" },
      { jsonrpc: "2.0", id: 6 },
      { jsonrpc: "2.0", id: "seven", method: "eth_chainId", params: [] },
    ];
    const { reply } = await post(JSON.stringify(batch), small.url);
    const replies = reply as Reply[];
    assert.deepEqual(
      replies.map((r) => [r.id, r.error?.code ?? r.result]),
      [
        [1, blockNumber],
        [null, -32600],
        [2, -32600],
        [3, -32601],
        [4, -32602],
        [5, -32602],
        [null, -32600],
        [6, -32600],
        ["seven", "0x7a69"],
      ],
    );
    assert.match(replies[3].error!.message, /the method eth_noSuchMethod does not exist/);
    assert.match(replies[5].error!.message, /by-position params/);
    assert.match(replies[7].error!.message, /method must be a string/);

    // Huge params: refused by position and kind, without echoing them back.
    const manyParams = await rpc("eth_blockNumber", new Array(100_000).fill(0));
    assert.deepEqual(manyParams.error, {
      code: -32602,
      message: "too many arguments, want at most 0, got 100000",
    });
    const hugeAddress = await rpc("eth_getBalance", [`0x${"ab".repeat(500_000)}`, "latest"]);
    assert.equal(hugeAddress.error?.code, -32602);
    assert.match(hugeAddress.error!.message, /^invalid argument 0 \(address\)/);
    assert.ok(hugeAddress.error!.message.length < 200, "the megabyte is not echoed");
    const hugeOddData = await rpc("eth_call", [{ to: EXECUTE_ADDRESS, data: `0x${"1".repeat(1_000_001)}` }]);
    assert.equal(hugeOddData.error?.code, -32602);
    assert.ok(hugeOddData.error!.message.length < 300);

    // A body over maxRequestBytes: 413 with a JSON-RPC error, and the next request is answered.
    const oversized = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "eth_sendRawTransaction",
      params: [`0x${"00".repeat(SMALL_LIMIT)}`],
    });
    const tooLarge = await post(oversized, small.url);
    assert.equal(tooLarge.status, 413);
    assert.deepEqual(tooLarge.reply, {
      jsonrpc: "2.0",
      id: null,
      error: { code: -32600, message: `request body exceeds the limit of ${SMALL_LIMIT} bytes` },
    });
    // Just under the limit is read and parsed as usual.
    const padded = `{"jsonrpc":"2.0","id":9,"method":"eth_blockNumber"}`;
    const underLimit = await post(padded + " ".repeat(SMALL_LIMIT - padded.length), small.url);
    assert.deepEqual(underLimit.reply, { jsonrpc: "2.0", id: 9, result: blockNumber });

    for (const url of [small.url, server.url]) {
      const { reply: next } = await post(
        JSON.stringify({ jsonrpc: "2.0", id: 10, method: "eth_blockNumber" }),
        url,
      );
      assert.deepEqual(next, { jsonrpc: "2.0", id: 10, result: blockNumber });
    }
  });

  it("rejects invalid raw transactions with -32000 or -32602 and leaves the mempool as it was", async () => {
    const poolBefore = await result("txpool_content");
    const statusBefore = await result("txpool_status");
    const index = 4;
    const key = hexToBytes(node.devAccounts[index].privateKey);
    const good = devTransaction(node, index, {
      nonce: 0n,
      to: createAddressFromString(RECIPIENT),
      value: 1n,
      gasLimit: 21_000n,
    });
    const serialized = good.serialize();
    const fields = RLP.decode(serialized.subarray(1)) as Uint8Array[];
    const withS = (s: Uint8Array) =>
      concatBytes(Uint8Array.of(0x02), RLP.encode([...fields.slice(0, 11), s]));
    const highS = fields[11].slice();
    highS[0] ^= 0x80; // s above n/2 (EIP-2)
    const otherS = fields[11].slice();
    otherS[otherS.length - 1] ^= 0x01; // recovers some other, unfunded, address
    const unsigned = createFeeMarket1559Tx(
      {
        chainId: node.config.chainId,
        nonce: 0n,
        to: createAddressFromString(RECIPIENT),
        gasLimit: 21_000n,
        maxFeePerGas: MAX_FEE,
      },
      { common: node.common },
    );
    const otherChain = createFeeMarket1559Tx(
      {
        chainId: 1n,
        nonce: 0n,
        to: createAddressFromString(RECIPIENT),
        gasLimit: 21_000n,
        maxFeePerGas: MAX_FEE,
      },
      { common: commonFor(1n, "osaka") },
    ).sign(key);
    const blob = blobTx(index, new Uint8Array(), sidecar.versionedHash, 0n);
    const wrongHash = hexToBytes(sidecar.versionedHash);
    wrongHash[31] ^= 0x01;
    const mismatched = blobTx(index, new Uint8Array(), bytesToHex(wrongHash), 0n);
    const forged = hexToBytes(sidecar.kzgCommitments[0]);
    forged[47] ^= 0x01;
    const badCommitment = bytesToHex(forged);

    const cases: [string, string, number, RegExp][] = [
      ["not hex", "zz", -32602, /^invalid argument 0 \(transaction\)/],
      ["odd-length hex", "0x123", -32602, /^invalid argument 0 \(transaction\)/],
      ["no bytes", "0x", -32000, /^invalid transaction/],
      ["garbage bytes", "0xdeadbeef", -32000, /^invalid transaction: invalid RLP/],
      ["an unknown transaction type", "0x7fc0", -32000, /^invalid transaction/],
      [
        "a truncated RLP",
        bytesToHex(serialized.subarray(0, serialized.length - 10)),
        -32000,
        /^invalid transaction: invalid RLP/,
      ],
      [
        "trailing bytes after the RLP",
        bytesToHex(concatBytes(serialized, Uint8Array.of(0))),
        -32000,
        /^invalid transaction/,
      ],
      [
        "an unsigned transaction",
        bytesToHex(unsigned.serialize()),
        -32000,
        /^invalid sender: transaction is not signed/,
      ],
      [
        "a signature with a high s",
        bytesToHex(withS(highS)),
        -32000,
        /^invalid sender: .*s-values greater than secp256k1n\/2/,
      ],
      [
        "a signature with a flipped byte of s",
        bytesToHex(withS(otherS)),
        -32000,
        /^(insufficient funds for gas \* price \+ value|invalid sender)/,
      ],
      ["another chain id", bytesToHex(otherChain.serialize()), -32000, /^invalid chain id for signer/],
      [
        "a blob transaction without its sidecar",
        bytesToHex(blob.serialize()),
        -32000,
        /blob transaction without its blobs/,
      ],
      [
        "a blob whose commitment does not match the versioned hash",
        bytesToHex(networkForm(mismatched)),
        -32000,
        /commitment for blob at index 0 does not match versionedHash/,
      ],
      [
        "a KZG proof that does not verify",
        bytesToHex(networkForm(blob, badCommitment)),
        -32000,
        /^invalid transaction: .*KZG/,
      ],
    ];
    for (const [name, raw, code, message] of cases) {
      const reply = await rpc("eth_sendRawTransaction", [raw]);
      assert.equal(reply.result, undefined, `${name} was accepted`);
      assert.equal(reply.error?.code, code, `${name}: ${JSON.stringify(reply.error)}`);
      assert.match(reply.error!.message, message, name);
    }
    assert.deepEqual(await result("txpool_status"), statusBefore);
    assert.deepEqual(await result("txpool_content"), poolBefore);
  });

  it("still mines a plain transfer afterwards, and every block with bad EXECUTE calls re-verifies", async () => {
    const before = BigInt(await result<Hex>("eth_blockNumber"));
    assert.equal(before, node.head.header.number);
    const transfer = devTransaction(node, 5, {
      nonce: nextNonce(5),
      to: createAddressFromString(RECIPIENT),
      value: 1234n,
      gasLimit: 21_000n,
    });
    const hash = await result<Hex>("eth_sendRawTransaction", [bytesToHex(transfer.serialize())]);
    await result("evm_mine");
    assert.equal(BigInt(await result<Hex>("eth_blockNumber")), before + 1n);
    const receipt = await result<{ status: Hex; blockNumber: Hex }>("eth_getTransactionReceipt", [hash]);
    assert.equal(receipt.status, "0x1");
    assert.equal(await result("eth_getBalance", [RECIPIENT, "latest"]), "0x4d2");

    assert.ok(badBlocks.length > 0);
    for (const number of [...badBlocks, BigInt(receipt.blockNumber)]) {
      const verified = await result<{ valid: boolean; message?: string }>("nrx_verifyBlock", [
        `0x${number.toString(16)}`,
      ]);
      assert.equal(verified.valid, true, `block ${number}: ${verified.message}`);
    }
  });
});
