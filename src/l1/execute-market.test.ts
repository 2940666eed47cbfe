/**
 * The execute-gas market over many L1 blocks, on a node whose target is one L2 block's gas and
 * whose limit is three: the EIP-1559 base fee rule, the per-block cumulative limit with the
 * builder leaving what does not fit for later blocks, and how prepayments are burned or refused.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Block } from "@ethereumjs/block";
import { bytesToHex } from "@ethereumjs/util";
import { type ExecuteParams, nextExecuteBaseFee } from "../execute/market.ts";
import type { StoredExecuteCall } from "../execute/precompile.ts";
import { EXECUTE_ADDRESS } from "../execute/result.ts";
import type { StoredReceipt } from "../node/receipts.ts";
import {
  balanceOf,
  devTransaction,
  type L2Block,
  memoryNode,
  nextNonce,
  reverifyBlock,
  validL2Block,
  withWrongStateRoot,
} from "../testing/l1.ts";
import type { L1Node } from "./node.ts";
import { executeHeaderFields } from "./rules.ts";

const GAS_LIMIT = 3_000_000n;

/** Sends `EXECUTE` on `input` from dev account `index` (next nonce) with `value` as prepayment. */
async function sendExecute(node: L1Node, index: number, input: Uint8Array, value: bigint): Promise<string> {
  const tx = devTransaction(node, index, {
    data: input,
    value,
    nonce: await nextNonce(node, index),
    gasLimit: GAS_LIMIT,
  });
  return node.sendRawTransaction(tx.serialize());
}

function mined(
  node: L1Node,
  hash: string,
): { receipt: StoredReceipt; call: StoredExecuteCall; block: Block } {
  const at = node.minedTransaction(hash);
  assert.ok(at, `transaction ${hash} was mined`);
  const calls = at.entry.executeCalls.filter((c) => c.txIndex === at.index);
  assert.equal(calls.length, 1, "one EXECUTE call per transaction");
  return { receipt: at.entry.receipts[at.index], call: calls[0], block: at.entry.block };
}

function gasCost(receipt: StoredReceipt): bigint {
  return BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice);
}

/** The execute base fee the next block will have, by the market rule from the head. */
function nextFee(node: L1Node): bigint {
  return nextExecuteBaseFee(executeHeaderFields(node.head.header), node.config.execute);
}

describe("execute-gas market over many blocks", () => {
  let l2: L2Block;
  /** One L2 block's execute gas: the target of the market nodes; their limit is three. */
  let G: bigint;

  before(async () => {
    l2 = await validL2Block();
    G = l2.gasUsed;
  });

  function marketNode(execute: Partial<Record<keyof ExecuteParams, bigint>> = {}) {
    const params = {
      cumulativeGasTarget: G,
      cumulativeGasLimit: 3n * G,
      initialBaseFee: 1_000_000_000n,
      ...execute,
    };
    return memoryNode({
      execute: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.toString()])),
    });
  }

  it("raises the base fee by the EIP-1559 rule while blocks use more than the target", async () => {
    const { node } = await marketNode();
    const fees: bigint[] = [];
    for (let i = 0; i < 6; i++) {
      const parent = executeHeaderFields(node.head.header);
      const fee = nextFee(node);
      // Exactly the prepayment of the block they land in: a node that priced it otherwise halts them.
      const hashes = [
        await sendExecute(node, 0, l2.bytes, G * fee),
        await sendExecute(node, 1, l2.bytes, G * fee),
      ];
      const [block] = await node.mine();
      const fields = executeHeaderFields(block.header);
      assert.deepEqual(fields, { executeGasUsed: 2n * G, executeBaseFee: fee });
      assert.equal(fields.executeBaseFee, nextExecuteBaseFee(parent, node.config.execute));
      for (const hash of hashes) {
        const { receipt, call } = mined(node, hash);
        assert.equal(receipt.status, 1);
        assert.deepEqual(
          [call.outcome, call.executeGas, call.fee],
          ["valid", G.toString(), (G * fee).toString()],
        );
      }
      fees.push(fields.executeBaseFee);
    }
    // Block 1 follows the empty genesis: 1/8 below the initial fee.
    assert.equal(fees[0], node.config.execute.initialBaseFee - node.config.execute.initialBaseFee / 8n);
    for (let i = 1; i < fees.length; i++) {
      // Twice the target: up by (used - target) / target / 8 = 1/8.
      assert.equal(fees[i], fees[i - 1] + fees[i - 1] / 8n, `block ${i + 1}: ${fees}`);
      assert.ok(fees[i] > fees[i - 1]);
    }
  });

  it("keeps the base fee at the target, and lowers it by 1/8 per block below it", async () => {
    const { node } = await marketNode();
    const atTarget = nextFee(node);
    await sendExecute(node, 0, l2.bytes, G * atTarget);
    const [used] = await node.mine();
    assert.deepEqual(executeHeaderFields(used.header), { executeGasUsed: G, executeBaseFee: atTarget });
    const blocks = await node.mine(12);
    let previous = atTarget;
    let parent = executeHeaderFields(used.header);
    for (const [i, block] of blocks.entries()) {
      const fields = executeHeaderFields(block.header);
      assert.equal(fields.executeGasUsed, 0n);
      assert.equal(fields.executeBaseFee, nextExecuteBaseFee(parent, node.config.execute));
      // The block after the one at target keeps its fee; every empty one after it is 7/8 of its parent's.
      const expected = i === 0 ? previous : previous - previous / 8n;
      assert.equal(fields.executeBaseFee, expected, `block ${block.header.number}`);
      assert.ok(fields.executeBaseFee < atTarget || i === 0);
      previous = fields.executeBaseFee;
      parent = fields;
    }
  });

  it("never lowers the base fee below 1 wei, and raises it from 1 wei by at least 1", async () => {
    const { node } = await marketNode({ initialBaseFee: 9n });
    const empty = await node.mine(6);
    const fees = empty.map((b) => executeHeaderFields(b.header).executeBaseFee);
    // 9 → 8 → 7, then 7/8 rounds down to no change, as in EIP-1559.
    assert.deepEqual(fees, [8n, 7n, 7n, 7n, 7n, 7n]);

    const { node: floor } = await marketNode({ initialBaseFee: 1n });
    const blocks = await floor.mine(3);
    assert.deepEqual(
      blocks.map((b) => executeHeaderFields(b.header).executeBaseFee),
      [1n, 1n, 1n],
    );
    await sendExecute(floor, 0, l2.bytes, G);
    await sendExecute(floor, 1, l2.bytes, G);
    const [busy, after] = await floor.mine(2);
    assert.deepEqual(executeHeaderFields(busy.header), { executeGasUsed: 2n * G, executeBaseFee: 1n });
    // (1 × G / G) / 8 rounds to 0: the minimum step up is 1 wei.
    assert.equal(executeHeaderFields(after.header).executeBaseFee, 2n);
  });

  it("keeps every block within the cumulative limit, leaving the calls that do not fit for later blocks", async () => {
    const { node, config } = await marketNode();
    const limit = config.execute.cumulativeGasLimit;
    const senders = [0, 1, 2, 3, 4, 5, 6, 7];
    // The fee rises at most 1/4 a block at 3 × target: 2× covers three blocks; the excess is refunded.
    const value = 2n * G * nextFee(node);
    const before = new Map<number, bigint>();
    const hashes: string[] = [];
    for (const index of senders) {
      before.set(index, await balanceOf(node, node.devAccounts[index].address));
      hashes.push(await sendExecute(node, index, l2.bytes, value));
    }
    const blocks: Block[] = [];
    while (node.mempool.size > 0) {
      assert.ok(blocks.length < senders.length, "every transaction is eventually mined");
      blocks.push(...(await node.mine()));
    }
    assert.deepEqual(
      blocks.map((b) => executeHeaderFields(b.header).executeGasUsed),
      [3n * G, 3n * G, 2n * G],
    );
    for (const block of blocks) {
      const entry = node.chain[Number(block.header.number)];
      assert.ok(executeHeaderFields(block.header).executeGasUsed <= limit);
      assert.equal(entry.executeCalls.length, block.transactions.length, "only included calls are recorded");
      assert.ok(entry.executeCalls.every((c) => c.outcome === "valid"));
      assert.equal(entry.receipts.at(-1)?.cumulativeGasUsed, block.header.gasUsed.toString());
    }
    for (const [i, hash] of hashes.entries()) {
      const { receipt, call, block } = mined(node, hash);
      assert.equal(receipt.status, 1);
      const fee = G * executeHeaderFields(block.header).executeBaseFee;
      assert.equal(call.fee, fee.toString());
      const address = node.devAccounts[senders[i]].address;
      assert.equal(
        before.get(senders[i])! - (await balanceOf(node, address)),
        gasCost(receipt) + fee,
        "a deferred transaction was charged nothing in the block that left it out",
      );
    }
    // The builder took deferred transactions back out: the blocks still re-verify.
    for (const block of blocks) {
      const verification = await reverifyBlock(node, block);
      assert.equal(verification.successfulValidation, true, verification.message);
      assert.equal(bytesToHex(verification.verified!.blockHash), bytesToHex(block.hash()));
    }
  });

  it("halts a call whose L2 gas alone exceeds the limit (execute_gas_limit), including its transaction", async () => {
    const { node } = await marketNode({ cumulativeGasLimit: G - 1n, cumulativeGasTarget: G - 1n });
    const value = G * nextFee(node);
    const sender = node.devAccounts[0].address;
    const balance = await balanceOf(node, sender);
    const first = await sendExecute(node, 0, l2.bytes, value);
    const second = await sendExecute(node, 1, l2.bytes, value);
    const [block] = await node.mine();
    assert.equal(block.transactions.length, 2, "not deferred: it would never fit");
    for (const hash of [first, second]) {
      const { receipt, call } = mined(node, hash);
      assert.equal(receipt.status, 0);
      assert.equal(receipt.gasUsed, GAS_LIMIT.toString(), "a halt consumes all gas");
      assert.deepEqual(
        [call.outcome, call.reason, call.executeGas, call.fee],
        ["halted", "execute_gas_limit", "0", "0"],
      );
    }
    assert.equal(executeHeaderFields(block.header).executeGasUsed, 0n);
    assert.equal(node.mempool.size, 0);
    const { receipt } = mined(node, first);
    assert.equal(balance - (await balanceOf(node, sender)), gasCost(receipt), "the value came back");
  });

  it("burns the prepayment of an invalid result and meters nothing for a call with too little", async () => {
    const { node, config } = await marketNode();
    const coinbase = config.coinbase;
    const fee = G * nextFee(node);
    const wrong = await withWrongStateRoot(l2);
    const invalidSender = node.devAccounts[2].address;
    const shortSender = node.devAccounts[3].address;
    const balances = {
      invalid: await balanceOf(node, invalidSender),
      short: await balanceOf(node, shortSender),
      coinbase: await balanceOf(node, coinbase),
    };
    const invalid = await sendExecute(node, 2, wrong, fee);
    const short = await sendExecute(node, 3, l2.bytes, fee - 1n);
    const [block] = await node.mine();

    const a = mined(node, invalid);
    assert.equal(a.receipt.status, 1, "valid = false is a result");
    assert.deepEqual(
      [a.call.outcome, a.call.executeGas, a.call.fee],
      ["invalid", G.toString(), fee.toString()],
    );
    const b = mined(node, short);
    assert.equal(b.receipt.status, 0);
    assert.deepEqual(
      [b.call.outcome, b.call.reason, b.call.executeGas],
      ["halted", "insufficient_prepayment", "0"],
    );

    assert.equal(executeHeaderFields(block.header).executeGasUsed, G, "only the invalid call was metered");
    assert.equal(balances.invalid - (await balanceOf(node, invalidSender)), gasCost(a.receipt) + fee);
    assert.equal(balances.short - (await balanceOf(node, shortSender)), gasCost(b.receipt));
    assert.equal(await balanceOf(node, EXECUTE_ADDRESS), 0n);
    // Burned, not paid out: the coinbase gets the priority fees and nothing else.
    const baseFee = block.header.baseFeePerGas ?? 0n;
    const tips = [a.receipt, b.receipt].reduce(
      (sum, r) => sum + BigInt(r.gasUsed) * (BigInt(r.effectiveGasPrice) - baseFee),
      0n,
    );
    assert.equal((await balanceOf(node, coinbase)) - balances.coinbase, tips);
  });
});
