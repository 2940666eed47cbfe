/**
 * `EXECUTE` called from contract code with its call operands at their edges: an address word
 * with dirty upper bits, zero-length input at a huge offset, an offset whose memory cannot be
 * paid for, return buffers of every size at any offset, and each call kind. What each must come
 * to is docs/spec.md §4 and the EVM's own CALL rules (the Yellow Paper: an address operand is
 * taken mod 2^160, a zero-length range expands no memory); where two operand sets must mean the
 * same call, their results, gas and metered execute gas are compared with each other.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  bytesToBigInt,
  bytesToHex,
  concatBytes,
  createAddressFromString,
  hexToBytes,
} from "@ethereumjs/util";
import type { L1Node } from "../l1/node.ts";
import { DevChain } from "../node/dev.ts";
import {
  balanceOf,
  devTransaction,
  type L2Block,
  memoryNode,
  reverifyBlock,
  validL2Block,
} from "../testing/l1.ts";
import { EXECUTE_QUERY } from "./blob-input.ts";
import { EXECUTE_ADDRESS, EXECUTE_RESULT_SIZE } from "./result.ts";

const PREPAYMENT = 10n ** 17n;
const UPPER_96 = ((1n << 96n) - 1n) << 160n;
const MAX_WORD = (1n << 256n) - 1n;
/** Gas the caller's code runs with, after the transaction's intrinsic gas. */
const EXECUTION_GAS = 10_000_000n;

const OPCODES = { CALL: "f1", CALLCODE: "f2", DELEGATECALL: "f4", STATICCALL: "fa" } as const;
type Kind = keyof typeof OPCODES;

/**
 * A caller that makes one call of `kind` with its operands from calldata (words 0–5: address,
 * value, argsOffset, argsSize, retOffset, retSize; the input from byte 192 on, copied to memory
 * at 0) and stores: 0 success, 1 gas the call took, 2 RETURNDATASIZE, 3 keccak of the return
 * data, 4 the memory word at 0 after the call, 5 the gas left after it.
 */
function callerCode(kind: Kind): Uint8Array {
  const withValue = kind === "CALL" || kind === "CALLCODE";
  const code = [
    "60c0360360c0600037", // CALLDATACOPY(0, 192, CALLDATASIZE - 192)
    "5a", // GAS: before
    "60a035608035606035604035", // retSize, retOffset, argsSize, argsOffset
    withValue ? "602035" : "", // value
    `6000355a${OPCODES[kind]}`, // address, gas, the call
    "5a8060055590600055", // slot 5 = gas after; slot 0 = success
    "9003600155", // slot 1 = before - after
    "600051600455", // slot 4 = MLOAD(0)
    "3d600255", // slot 2 = RETURNDATASIZE
    "3d600060003e3d600020600355", // slot 3 = keccak256(return data)
    "00",
  ];
  return hexToBytes(`0x${code.join("")}`);
}

type Operands = {
  address?: bigint;
  value?: bigint;
  argsOffset?: bigint;
  /** Default: the input's length. */
  argsSize?: bigint;
  retOffset?: bigint;
  retSize?: bigint;
  input?: Uint8Array;
};

type Outcome = {
  status: number;
  success: bigint;
  gasTaken: bigint;
  gasLeft: bigint;
  returnDataSize: bigint;
  returnDataHash: string;
  memoryWord0: string;
  /** `EXECUTE`'s records (the fee is left out: the execute base fee moves from block to block). */
  calls: { outcome: string; reason?: string; executeGas: string }[];
};

const word = (n: bigint) => hexToBytes(`0x${n.toString(16).padStart(64, "0")}`);

describe("EXECUTE's call operands at their edges (docs/spec.md §4)", () => {
  let node: L1Node;
  let l2: L2Block;
  let nonce = 0n;
  const callers = new Map<Kind, ReturnType<typeof createAddressFromString>>();

  before(async () => {
    ({ node } = await memoryNode());
    l2 = await validL2Block();
    for (const [i, kind] of (Object.keys(OPCODES) as Kind[]).entries()) {
      const address = createAddressFromString(`0x${"00".repeat(19)}${(0xc0 + i).toString(16)}`);
      await new DevChain(node).setCode(address, callerCode(kind));
      callers.set(kind, address);
    }
    await node.mine();
  });

  /** One call of `kind` with `operands`, mined in its own block (which must re-verify). */
  async function run(kind: Kind, operands: Operands): Promise<Outcome> {
    const input = operands.input ?? l2.bytes;
    const caller = callers.get(kind)!;
    const data = concatBytes(
      word(operands.address ?? BigInt(EXECUTE_ADDRESS)),
      word(operands.value ?? (kind === "CALL" || kind === "CALLCODE" ? PREPAYMENT : 0n)),
      word(operands.argsOffset ?? 0n),
      word(operands.argsSize ?? BigInt(input.length)),
      word(operands.retOffset ?? 0n),
      word(operands.retSize ?? 0n),
      input,
    );
    // The caller's code starts with EXECUTION_GAS whatever the calldata costs, so gas figures of
    // the same call with other operand words compare exactly.
    const options = { nonce: nonce++, to: caller, data, value: PREPAYMENT };
    const intrinsic = devTransaction(node, 1, options).getIntrinsicGas();
    const tx = devTransaction(node, 1, { ...options, gasLimit: EXECUTION_GAS + intrinsic });
    const hash = await node.sendRawTransaction(tx.serialize());
    const [block] = await node.mine();
    const mined = node.minedTransaction(hash);
    assert.ok(mined, "mined");
    const verification = await reverifyBlock(node, block);
    assert.ok(verification.successfulValidation, `the block re-verifies: ${verification.message}`);
    const slot = async (i: number) => {
      const key = new Uint8Array(32);
      key[31] = i;
      return node.stateAt().getStorage(caller, key);
    };
    return {
      status: mined.entry.receipts[mined.index].status,
      success: bytesToBigInt(await slot(0)),
      gasTaken: bytesToBigInt(await slot(1)),
      gasLeft: bytesToBigInt(await slot(5)),
      returnDataSize: bytesToBigInt(await slot(2)),
      returnDataHash: bytesToHex(await slot(3)),
      memoryWord0: bytesToHex(await slot(4)),
      calls: mined.entry.executeCalls.map((c) => ({
        outcome: c.outcome,
        ...(c.reason !== undefined ? { reason: c.reason } : {}),
        executeGas: c.executeGas,
      })),
    };
  }

  /** A halted call consumed all the gas it was given: what is left is the 1/64 the caller kept. */
  function assertHalted(outcome: Outcome, reason: string, label: string) {
    assert.equal(outcome.status, 1, `${label}: the caller goes on`);
    assert.equal(outcome.success, 0n, `${label}: the call fails`);
    assert.equal(outcome.returnDataSize, 0n, `${label}: no data`);
    assert.deepEqual(
      outcome.calls.map((c) => [c.outcome, c.reason, c.executeGas]),
      [["halted", reason, "0"]],
      `${label}: halted (${reason}), no execute gas metered`,
    );
    assert.ok(outcome.gasTaken > 62n * outcome.gasLeft, `${label}: the call's gas is consumed`);
  }

  it("verifies the input from memory, and an address word with dirty upper bits is the same call", async () => {
    const clean = await run("CALL", {});
    assert.deepEqual(
      [clean.status, clean.success, clean.returnDataSize],
      [1, 1n, BigInt(EXECUTE_RESULT_SIZE)],
    );
    assert.equal(clean.calls[0].outcome, "valid");
    assert.ok(clean.gasTaken < clean.gasLeft, "a verifying call takes what it is priced at, not all");
    for (const upper of [UPPER_96, 1n << 255n, 1n << 160n]) {
      const dirty = await run("CALL", { address: BigInt(EXECUTE_ADDRESS) | upper });
      assert.deepEqual(dirty, clean, `upper bits 0x${upper.toString(16)}: the same result, gas and metering`);
    }
  });

  it("takes a zero-length input at any offset as empty (it halts) without expanding memory", async () => {
    const atZero = await run("CALL", { input: new Uint8Array(), argsSize: 0n });
    assertHalted(atZero, "schema_id", "empty input");
    for (const argsOffset of [1n << 64n, MAX_WORD]) {
      const far = await run("CALL", { input: new Uint8Array(), argsOffset, argsSize: 0n });
      assert.deepEqual(far, atZero, `argsOffset ${argsOffset}: the same call, no memory paid for`);
    }
  });

  it("fails in the caller, before EXECUTE, when the input's memory cannot be paid for", async () => {
    for (const argsOffset of [1n << 32n, 1n << 64n, MAX_WORD]) {
      const outcome = await run("CALL", { argsOffset, argsSize: 1n, input: new Uint8Array(1) });
      assert.equal(outcome.status, 0, `argsOffset ${argsOffset}: the transaction fails`);
      assert.deepEqual(outcome.calls, [], "EXECUTE is never reached");
    }
  });

  it("returns the whole result to RETURNDATA whatever the return buffer, and copies what fits", async () => {
    const none = await run("CALL", {});
    for (const retOffset of [1n << 64n, MAX_WORD]) {
      const far = await run("CALL", { retOffset, retSize: 0n });
      assert.deepEqual(far, none, `retOffset ${retOffset}, size 0: the same call`);
    }
    const oneWord = await run("CALL", { retSize: 32n });
    assert.equal(oneWord.returnDataSize, BigInt(EXECUTE_RESULT_SIZE));
    assert.equal(oneWord.returnDataHash, none.returnDataHash, "the same result");
    assert.equal(BigInt(oneWord.memoryWord0), 1n, "its first word, valid = 1, is copied");
    assert.equal(oneWord.gasTaken, none.gasTaken, "into memory already paid for");
  });

  it("halts without a prepayment through STATICCALL, DELEGATECALL and CALLCODE, and answers the query statically", async () => {
    assertHalted(await run("STATICCALL", {}), "insufficient_prepayment", "STATICCALL");
    assertHalted(await run("DELEGATECALL", {}), "insufficient_prepayment", "DELEGATECALL");
    assertHalted(await run("CALLCODE", {}), "insufficient_prepayment", "CALLCODE with value");
    const query = await run("STATICCALL", { input: EXECUTE_QUERY });
    assert.deepEqual([query.status, query.success, query.returnDataSize], [1, 1n, 128n]);
    assert.deepEqual(query.calls, [], "a query that answers is not an EXECUTE call record");
  });

  it("gives a halted call's value back to its caller", async () => {
    const caller = callers.get("CALL")!;
    const before = await balanceOf(node, caller);
    const outcome = await run("CALL", { input: new Uint8Array(), argsSize: 0n });
    assertHalted(outcome, "schema_id", "empty input with value");
    assert.equal(
      await balanceOf(node, caller),
      before + PREPAYMENT,
      "the transaction's value stays, the call's comes back",
    );
    assert.equal(await balanceOf(node, EXECUTE_ADDRESS), 0n);
  });
});
