/**
 * Exceptions a node does not expect while it executes a transaction: from an opcode override
 * (the EXTCODEHASH repro: an operand with dirty upper bits once threw and wiped the node's
 * head state), from a precompile and from the state backend (both injected). On the L1 and on
 * an L2 chain the block builder leaves such a transaction out and nothing else changes; the
 * stateless verifier, on its own and inside `EXECUTE`, rejects with a named reason instead of
 * throwing, and the L1 block holding that `EXECUTE` call is mined and re-verifies.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createFeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import {
  type Address,
  bytesToBigInt,
  bytesToHex,
  createAddressFromString,
  hexToBytes,
} from "@ethereumjs/util";
import { decodeExecuteResult, EXECUTE_ADDRESS } from "../execute/result.ts";
import { parseChainConfig } from "../node/config.ts";
import { DevChain } from "../node/dev.ts";
import { ChainNode } from "../node/node.ts";
import { l2ChainRules } from "../node/rules.ts";
import { encodeStatelessInput } from "../stateless/ssz.ts";
import { verifyStatelessNewPayload } from "../stateless/verify.ts";
import { injectPrecompileFault, injectStorageReadFault } from "../testing/faults.ts";
import { balanceOf, devTransaction, reverifyBlock } from "../testing/l1.ts";
import { parseL1Config } from "./config.ts";
import { type L1Node, openL1Node } from "./node.ts";
import { L1_FORK } from "./rules.ts";

const GWEI = 10n ** 9n;
/** A generous prepayment for one `EXECUTE` call; the excess comes back. */
const PREPAYMENT = 10n ** 17n;
const RECIPIENT = createAddressFromString("0x00000000000000000000000000000000000b0b01");
/** Where the injected precompile fault sits (an empty account when no fault is injected). */
const FAULTY = createAddressFromString("0x000000000000000000000000000000000000fa17");
/** A contract that reads its own storage: `SLOAD(0)`; its reads fail when the fault is injected. */
const READER = createAddressFromString("0x0000000000000000000000000000000000005a11");
const READER_CODE = hexToBytes("0x6000545000");
/** The callers of the two faulty places, below. */
const CALLS_FAULTY = createAddressFromString("0x000000000000000000000000000000000000ca11");
const CALLS_READER = createAddressFromString("0x000000000000000000000000000000000000ca12");

/**
 * The caller: without calldata it sets transient slot 0 and storage slot 0 to 1, then calls
 * `target` (which fails); with calldata it stores `TLOAD(0) + 2` at slot 1, which shows whether
 * the failed transaction's transient storage leaked into a later one (3) or not (2).
 */
function callerCode(target: Address): Uint8Array {
  const to = target.toString().slice(-4);
  const code = [
    "36601b57", // CALLDATASIZE, JUMPI to the read
    "600160005d", // TSTORE(0, 1)
    "6001600055", // SSTORE(0, 1)
    `60008080808061${to}5af15000`, // CALL(gas, target, 0, 0, 0, 0, 0), POP, STOP
    "5b60005c600201600155", // JUMPDEST: SSTORE(1, TLOAD(0) + 2)
    "00",
  ];
  return hexToBytes(`0x${code.join("")}`);
}

/** The dev-account transaction that exposed the bug: EXTCODEHASH of dev account 9 with dirty upper bits. */
const REPRO_INIT_CODE = hexToBytes(
  "0x7f639f7f36862ba61c73435631a0ee7a142d267c1f36714e4a8f75612f20a797203f00",
);
const REPRO_GAS = 56_155n;

type Chain = "L1" | "L2";

async function openNode(chain: Chain, log?: (line: string) => void): Promise<ChainNode> {
  const options = log !== undefined ? { log } : {};
  return chain === "L1"
    ? openL1Node(parseL1Config({}), options)
    : ChainNode.open(parseChainConfig({ chainId: "901" }), { ...options, rules: l2ChainRules(L1_FORK) });
}

function tx(
  node: ChainNode,
  from: number,
  nonce: bigint,
  call: { to?: Address; data?: Uint8Array; value?: bigint; tip?: bigint; gasLimit?: bigint },
): TypedTransaction {
  return devTransaction(node, from, {
    nonce,
    ...(call.to !== undefined ? { to: call.to } : {}),
    data: call.data ?? new Uint8Array(),
    value: call.value ?? 0n,
    gasLimit: call.gasLimit ?? 300_000n,
    maxPriorityFeePerGas: call.tip ?? GWEI,
  });
}

async function send(node: ChainNode, transaction: TypedTransaction): Promise<string> {
  return node.sendRawTransaction(transaction.serialize());
}

async function storageOf(node: ChainNode, address: Address, slot: number): Promise<bigint> {
  const key = new Uint8Array(32);
  key[31] = slot;
  return bytesToBigInt(await node.stateAt().getStorage(address, key));
}

async function accountOf(node: ChainNode, index: number) {
  const account = await node.stateAt().getAccount(createAddressFromString(node.devAccounts[index].address));
  return { nonce: account?.nonce, balance: account?.balance };
}

/** The two callers and the reader, in the state of a block (not only a dev change). */
async function withCallers(node: ChainNode): Promise<void> {
  const dev = new DevChain(node);
  await dev.setCode(READER, READER_CODE);
  await dev.setCode(CALLS_FAULTY, callerCode(FAULTY));
  await dev.setCode(CALLS_READER, callerCode(READER));
  await node.mine();
}

const FAULTS = {
  "a throwing precompile": { inject: () => injectPrecompileFault(FAULTY), caller: CALLS_FAULTY },
  "a throwing state read": { inject: () => injectStorageReadFault(READER), caller: CALLS_READER },
} as const;

/** The repro: a contract creation with `REPRO_INIT_CODE` from dev account `from`, its first transaction. */
function sendRepro(node: ChainNode, from: number) {
  const creation = createFeeMarket1559Tx(
    {
      chainId: node.config.chainId,
      nonce: 0n,
      data: REPRO_INIT_CODE,
      gasLimit: 100_000n,
      maxFeePerGas: 100n * GWEI,
      maxPriorityFeePerGas: GWEI,
    },
    { common: node.common },
  ).sign(hexToBytes(node.devAccounts[from].privateKey));
  return send(node, creation);
}

describe("EXTCODEHASH of an operand with dirty upper bits (the repro)", () => {
  for (const chain of ["L1", "L2"] as const) {
    it(`mines with status 1 and ${REPRO_GAS} gas on the ${chain}, and the node keeps its state`, async () => {
      const lines: string[] = [];
      const node = await openNode(chain, (line) => lines.push(line));
      const sender = node.devAccounts[0].address;
      const before = await balanceOf(node, sender);
      const hash = await sendRepro(node, 0);
      const [block] = await node.mine();
      const mined = node.minedTransaction(hash);
      assert.ok(mined, `mined; the node logged ${JSON.stringify(lines)}`);
      const receipt = mined.entry.receipts[mined.index];
      assert.deepEqual([receipt.status, receipt.gasUsed], [1, REPRO_GAS.toString()]);
      assert.equal(
        before - (await balanceOf(node, sender)),
        REPRO_GAS * BigInt(receipt.effectiveGasPrice),
        "the sender paid the gas and kept the rest",
      );
      assert.deepEqual(bytesToHex(node.headStateRoot), bytesToHex(block.header.stateRoot));
      const transfer = await send(node, tx(node, 1, 0n, { to: RECIPIENT, value: 5n, gasLimit: 21_000n }));
      const [next] = await node.mine();
      assert.equal(node.minedTransaction(transfer)?.entry.receipts[0].status, 1);
      assert.equal(await balanceOf(node, RECIPIENT), 5n);
      for (const b of [block, next]) {
        const verification = await reverifyBlock(node, b);
        assert.ok(verification.successfulValidation, `block ${b.header.number}: ${verification.message}`);
      }
      await node.stop();
    });
  }

  it(`settles through EXECUTE: the L2 block holding it verifies valid with ${REPRO_GAS} gas`, async () => {
    const l2 = await openNode("L2");
    await sendRepro(l2, 0);
    const [l2Block] = await l2.mine();
    const { input } = await l2.statelessInput(1n);
    const l1 = await openNode("L1");
    const call = { to: createAddressFromString(EXECUTE_ADDRESS), data: encodeStatelessInput(input) };
    const from = createAddressFromString(l1.devAccounts[1].address);
    const { execResult } = await l1.call({ ...call, from, value: PREPAYMENT });
    assert.equal(execResult.exceptionError, undefined);
    const result = decodeExecuteResult(execResult.returnValue);
    assert.deepEqual(
      [result.valid, result.gasUsed, bytesToHex(result.postStateRoot)],
      [true, REPRO_GAS, bytesToHex(l2Block.header.stateRoot)],
    );
    const hash = await send(l1, tx(l1, 1, 0n, { ...call, value: PREPAYMENT, gasLimit: 5_000_000n }));
    const [block] = await l1.mine();
    const mined = l1.minedTransaction(hash);
    assert.equal(mined?.entry.receipts[0].status, 1);
    assert.deepEqual(
      mined?.entry.executeCalls.map((c) => [c.outcome, c.executeGas]),
      [["valid", REPRO_GAS.toString()]],
    );
    assert.ok((await reverifyBlock(l1, block)).successfulValidation);
    await Promise.all([l1.stop(), l2.stop()]);
  });
});

describe("a transaction the EVM faults on while a block is built", () => {
  for (const chain of ["L1", "L2"] as const) {
    for (const [name, fault] of Object.entries(FAULTS)) {
      it(`${chain}, ${name}: is left out with a logged reason; state, pool and later blocks are untouched`, async () => {
        const lines: string[] = [];
        const node = await openNode(chain, (line) => lines.push(line));
        await withCallers(node);
        const faulting = tx(node, 2, 0n, { to: fault.caller, tip: 2n * GWEI });
        const remove = fault.inject();
        let block: Awaited<ReturnType<L1Node["mine"]>>[number];
        const senderBefore = await accountOf(node, 2);
        const queued = tx(node, 5, 1n, { to: RECIPIENT, value: 1n, gasLimit: 21_000n }); // nonce gap: waits
        try {
          const first = await send(node, tx(node, 1, 0n, { to: RECIPIENT, value: 1n, tip: 3n * GWEI }));
          await send(node, faulting);
          const last = await send(node, tx(node, 3, 0n, { to: fault.caller, data: Uint8Array.of(1) }));
          await send(node, queued);
          [block] = await node.mine();
          assert.deepEqual(
            block.transactions.map((t) => bytesToHex(t.hash())),
            [first, last],
            "the transactions before and after it are in the block",
          );
          const hash = bytesToHex(faulting.hash());
          assert.ok(
            lines.some((line) =>
              new RegExp(`^dropped ${hash}: execution failed in this node: .*failed$`).test(line),
            ),
            `one line says why: ${JSON.stringify(lines.filter((l) => l.includes(hash)))}`,
          );
          assert.equal(node.mempool.has(hash), false, "it is dropped from the pool");
          assert.ok(node.mempool.has(bytesToHex(queued.hash())), "the rest of the pool stays");
          assert.equal(bytesToHex(node.headStateRoot), bytesToHex(block.header.stateRoot));
          assert.deepEqual(await accountOf(node, 2), senderBefore, "its sender is as before");
          assert.equal(await storageOf(node, fault.caller, 0), 0n, "its storage write is undone");
          assert.equal(await storageOf(node, fault.caller, 1), 2n, "its transient storage did not leak");
          assert.equal(await balanceOf(node, RECIPIENT), 1n);
        } finally {
          remove();
        }
        const verification = await reverifyBlock(node, block);
        assert.ok(verification.successfulValidation, verification.message);

        // Once the fault is gone the same transaction is mined, on the state the block left.
        await send(node, faulting);
        const [next] = await node.mine();
        assert.deepEqual(
          next.transactions.map((t) => bytesToHex(t.hash())),
          [bytesToHex(faulting.hash())],
        );
        assert.equal(await storageOf(node, fault.caller, 0), 1n);
        assert.equal((await accountOf(node, 2)).nonce, 1n);
        assert.ok((await reverifyBlock(node, next)).successfulValidation);
        await node.stop();
      });
    }
  }
});

describe("a fault inside stateless verification", () => {
  for (const [name, fault] of Object.entries(FAULTS)) {
    it(`${name}: the verifier rejects with internal_error, EXECUTE returns valid = false and its L1 block re-verifies`, async () => {
      // An L2 block that calls the faulty place, built while nothing fails.
      const l2 = await openNode("L2");
      await withCallers(l2);
      await send(l2, tx(l2, 2, 0n, { to: fault.caller }));
      const [l2Block] = await l2.mine();
      assert.equal(l2Block.transactions.length, 1);
      const { input } = await l2.statelessInput(l2Block.header.number);
      const bytes = encodeStatelessInput(input);
      const l1 = await openNode("L1");
      const execute = (nonce: bigint) =>
        send(
          l1,
          tx(l1, 1, nonce, {
            to: createAddressFromString(EXECUTE_ADDRESS),
            data: bytes,
            value: PREPAYMENT,
            gasLimit: 5_000_000n,
          }),
        );

      const remove = fault.inject();
      try {
        const verification = await verifyStatelessNewPayload(input, { l2Constraints: true });
        assert.deepEqual(
          [verification.successfulValidation, verification.reason],
          [false, "internal_error"],
          verification.message,
        );
        assert.match(verification.message ?? "", /failed$/);

        const hash = await execute(0n);
        const [block] = await l1.mine();
        const mined = l1.minedTransaction(hash);
        assert.equal(mined?.entry.receipts[0].status, 1, "the L1 transaction succeeds");
        assert.deepEqual(
          mined?.entry.executeCalls.map((c) => [c.outcome, c.reason, c.executeGas]),
          [["invalid", "internal_error", l2Block.header.gasUsed.toString()]],
          "EXECUTE answers valid = false and meters the work",
        );
        assert.ok((await reverifyBlock(l1, block)).successfulValidation, "the L1 block re-verifies");
      } finally {
        remove();
      }
      const verification = await verifyStatelessNewPayload(input, { l2Constraints: true });
      assert.ok(verification.successfulValidation, "the same input verifies without the fault");
      const hash = await execute(1n);
      await l1.mine();
      assert.deepEqual(
        l1.minedTransaction(hash)?.entry.executeCalls.map((c) => c.outcome),
        ["valid"],
      );
      await Promise.all([l1.stop(), l2.stop()]);
    });
  }
});
