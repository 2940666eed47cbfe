import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { createBlockHeader } from "@ethereumjs/block";
import { bytesToHex, createAddressFromString } from "@ethereumjs/util";
import { encodeExecuteExtraData } from "../execute/market.ts";
import { decodeExecuteResult, EXECUTE_ADDRESS } from "../execute/result.ts";
import { verifyStatelessNewPayload } from "../stateless/verify.ts";
import { devTransaction, type L2Block, memoryNode, validL2Block, withWrongStateRoot } from "../testing/l1.ts";
import type { L1Node } from "./node.ts";
import { executeHeaderFields } from "./rules.ts";

const EXECUTE = createAddressFromString(EXECUTE_ADDRESS);

async function balanceOf(node: L1Node, address: string): Promise<bigint> {
  return (await node.stateAt().getAccount(createAddressFromString(address)))?.balance ?? 0n;
}

async function send(node: L1Node, index: number, options: Parameters<typeof devTransaction>[2]) {
  const tx = devTransaction(node, index, options);
  return node.sendRawTransaction(tx.serialize());
}

describe("L1 node with EXECUTE", () => {
  let l2: L2Block;
  before(async () => {
    l2 = await validL2Block();
  });

  it("mines an ETH transfer and keeps its receipt", async () => {
    const { node } = await memoryNode();
    const to = "0x00000000000000000000000000000000000000aa";
    const hash = await send(node, 0, {
      to: createAddressFromString(to),
      value: 12345n,
      nonce: 0n,
      gasLimit: 21_000n,
    });
    assert.ok(node.mempool.has(hash));
    const [block] = await node.mine();
    assert.equal(block.transactions.length, 1);
    assert.equal(await balanceOf(node, to), 12345n);
    const mined = node.minedTransaction(hash);
    assert.equal(mined?.entry.receipts[0].status, 1);
    assert.equal(mined?.entry.receipts[0].gasUsed, "21000");
    assert.equal(node.mempool.has(hash), false);
  });

  it("verifies a valid L2 block, meters its gas as execute gas and burns the prepayment", async () => {
    const { node, config } = await memoryNode();
    const [block1] = await node.mine();
    const baseFee = executeHeaderFields(block1.header).executeBaseFee;
    const nextBaseFee = (baseFee * 7n) / 8n; // block 1 used no execute gas: block 2 is 1/8 cheaper
    const fee = l2.gasUsed * nextBaseFee;
    const sender = node.devAccounts[1].address;
    const before = await balanceOf(node, sender);
    const hash = await send(node, 1, {
      data: l2.bytes,
      value: fee + 1000n,
      nonce: 0n,
      gasLimit: 10_000_000n,
    });
    const [block2] = await node.mine();
    const entry = node.minedTransaction(hash)!.entry;
    assert.equal(entry.receipts[0].status, 1);
    assert.deepEqual(
      entry.executeCalls.map((c) => [c.outcome, c.executeGas, c.fee]),
      [["valid", l2.gasUsed.toString(), fee.toString()]],
    );
    assert.deepEqual(executeHeaderFields(block2.header), {
      executeGasUsed: l2.gasUsed,
      executeBaseFee: nextBaseFee,
    });
    const gasCost = BigInt(entry.receipts[0].gasUsed) * BigInt(entry.receipts[0].effectiveGasPrice);
    assert.equal(
      before - (await balanceOf(node, sender)),
      gasCost + fee,
      "excess prepayment refunded, fee burned",
    );
    assert.equal(await balanceOf(node, EXECUTE_ADDRESS), 0n);
    assert.ok(config.execute.cumulativeGasLimit > l2.gasUsed);

    const result = await node.call({
      from: createAddressFromString(sender),
      to: EXECUTE,
      data: l2.bytes,
      value: l2.gasUsed * 10n ** 12n,
      gas: 10_000_000n,
    });
    assert.equal(result.execResult.exceptionError, undefined);
    const output = decodeExecuteResult(result.execResult.returnValue);
    assert.equal(output.valid, true);
    assert.equal(output.blockNumber, l2.blockNumber);
  });

  it("burns the prepayment of a well-formed wrong transition, which returns valid = false", async () => {
    const { node } = await memoryNode();
    const wrong = await withWrongStateRoot(l2);
    const fee = l2.gasUsed * node.config.execute.initialBaseFee;
    const sender = node.devAccounts[2].address;
    const before = await balanceOf(node, sender);
    const hash = await send(node, 2, { data: wrong, value: fee, nonce: 0n, gasLimit: 10_000_000n });
    const [block] = await node.mine();
    const entry = node.minedTransaction(hash)!.entry;
    assert.equal(entry.receipts[0].status, 1, "the call succeeds and returns valid = false");
    assert.equal(entry.executeCalls[0].outcome, "invalid");
    assert.equal(entry.executeCalls[0].reason, "invalid_state_root", entry.executeCalls[0].message);
    assert.equal(executeHeaderFields(block.header).executeGasUsed, l2.gasUsed);
    const gasCost = BigInt(entry.receipts[0].gasUsed) * BigInt(entry.receipts[0].effectiveGasPrice);
    const expectedFee = l2.gasUsed * executeHeaderFields(block.header).executeBaseFee;
    assert.equal(before - (await balanceOf(node, sender)), gasCost + expectedFee);
  });

  it("halts on undecodable input and on a missing prepayment, metering nothing", async () => {
    const { node } = await memoryNode();
    const garbage = new Uint8Array([0x12, 0x01, 1, 2, 3]);
    const h1 = await send(node, 3, { data: garbage, nonce: 0n, gasLimit: 1_000_000n });
    const h2 = await send(node, 3, { data: l2.bytes, value: 0n, nonce: 1n, gasLimit: 5_000_000n });
    const [block] = await node.mine();
    const receipts = node.minedTransaction(h1)!.entry.receipts;
    assert.deepEqual(
      receipts.map((r) => [r.status, r.gasUsed]),
      [
        [0, "1000000"],
        [0, "5000000"],
      ],
    );
    assert.equal(node.minedTransaction(h2)?.index, 1);
    assert.deepEqual(
      node.chain[1].executeCalls.map((c) => [c.outcome, c.reason]),
      [
        ["halted", "ssz"],
        ["halted", "insufficient_prepayment"],
      ],
    );
    assert.equal(executeHeaderFields(block.header).executeGasUsed, 0n);
  });

  it("keeps each block within EXECUTE_CUMULATIVE_GAS_LIMIT, leaving what does not fit for the next block", async () => {
    const limit = (l2.gasUsed * 3n) / 2n; // one L2 block fits, two do not
    const { node } = await memoryNode({
      execute: { cumulativeGasLimit: limit.toString(), cumulativeGasTarget: "1" },
    });
    const value = 10n ** 17n;
    const a = await send(node, 4, { data: l2.bytes, value, nonce: 0n, gasLimit: 10_000_000n });
    const b = await send(node, 5, { data: l2.bytes, value, nonce: 0n, gasLimit: 10_000_000n });
    const [first] = await node.mine();
    assert.equal(first.transactions.length, 1);
    assert.equal(executeHeaderFields(first.header).executeGasUsed, l2.gasUsed);
    const [second] = await node.mine();
    assert.equal(second.transactions.length, 1);
    assert.ok(node.minedTransaction(a) && node.minedTransaction(b));
    const fees = [first, second].map((b) => executeHeaderFields(b.header).executeBaseFee);
    assert.ok(fees[1] > fees[0], `base fee rises above target: ${fees}`);
  });

  it("re-verifies blocks with EXECUTE calls statelessly from their own witness", async () => {
    const { node } = await memoryNode();
    const fee = 10n ** 17n;
    await send(node, 6, { data: l2.bytes, value: fee, nonce: 0n, gasLimit: 10_000_000n });
    await send(node, 6, { data: await withWrongStateRoot(l2), value: fee, nonce: 1n, gasLimit: 10_000_000n });
    await send(node, 7, { to: createAddressFromString(node.devAccounts[8].address), value: 1n, nonce: 0n });
    const [block] = await node.mine();
    assert.equal(block.transactions.length, 3);
    const { input } = await node.statelessInput(block.header.number);
    const rules = node.blockRules();
    const verification = await verifyStatelessNewPayload(input, { rules });
    assert.equal(verification.successfulValidation, true, verification.message);
    assert.equal(bytesToHex(verification.verified!.blockHash), bytesToHex(block.hash()));

    // Without any one of its state nodes the block is rejected, never accepted, never a crash
    // (a node the end-of-transaction fee settlement reads included).
    const { state } = input.witness;
    for (let i = 0; i < state.length; i++) {
      const tampered = { ...input, witness: { ...input.witness, state: state.filter((_, j) => j !== i) } };
      const rejected = await verifyStatelessNewPayload(tampered, { rules });
      assert.equal(rejected.successfulValidation, false, `without state node ${i}`);
      assert.equal(rejected.reason, "missing_witness_node", `without state node ${i}: ${rejected.message}`);
    }

    // A header that claims other execute gas than its calls metered, resealed so that only the
    // chain rule can catch it: invalid_execute_gas.
    const market = executeHeaderFields(block.header);
    const extraData = encodeExecuteExtraData({ ...market, executeGasUsed: market.executeGasUsed + 1n });
    const resealed = createBlockHeader({ ...block.header.toJSON(), extraData }, { common: block.common });
    const payload = { ...input.newPayloadRequest.executionPayload, extraData, blockHash: resealed.hash() };
    const claimed = {
      ...input,
      newPayloadRequest: { ...input.newPayloadRequest, executionPayload: payload },
    };
    const wrongGas = await verifyStatelessNewPayload(claimed, { rules });
    assert.equal(wrongGas.reason, "invalid_execute_gas", wrongGas.message);
    assert.match(wrongGas.message ?? "", /executeGasUsed/);
  });
});
