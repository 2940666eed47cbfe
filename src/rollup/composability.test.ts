/**
 * Synchronous composability (docs/rollup.md): because `EXECUTE` settles an L2 block in the L1
 * transaction that posts it, ONE L1 transaction (through `contracts/Composer.sol`) deposits into
 * `L1Bridge`, advances the rollup with an L2 block that claims that deposit and withdraws part of
 * it, and pays the withdrawal on L1. The L2 block is built beforehand, anchored at the message
 * root the deposit is about to publish: the TypeScript `MessageTree` computes it from the leaves
 * already in the bridge plus the coming one (sender: the Composer; index: the current count).
 * withdrawal.test.ts makes the same round trip over several L1 transactions.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Block } from "@ethereumjs/block";
import { bytesToHex, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { type Abi, decodeErrorResult, encodeFunctionData, type Hex, parseAbi } from "viem";
import { loadArtifact } from "../contracts/compile.ts";
import type { L1Node } from "../l1/node.ts";
import { executeHeaderFields } from "../l1/rules.ts";
import type { StoredReceipt } from "../node/receipts.ts";
import { balanceOf, memoryNode, reverifyBlock } from "../testing/l1.ts";
import { buildL2Block, createL2Genesis, type L2Block, l2Transaction } from "../testing/l2-chain.ts";
import {
  Deployed,
  deploy,
  deployBridgedRollup,
  gasCost,
  l2BridgeCall,
  receiptOf,
  withdrawalProof,
} from "../testing/rollup.ts";
import type { Genesis } from "../workload/transfers.ts";
import { L2_BRIDGE_ADDRESS } from "./genesis.ts";
import {
  type Deposit,
  depositClaimArgs,
  depositLeaf,
  MessageTree,
  type Withdrawal,
  withdrawalHash,
} from "./message-tree.ts";

const ETHER = 10n ** 18n;
const PREMINT = 1_000_000n * ETHER;
/** A deposit made before, in its own transaction: the composed one is leaf 1, not the first. */
const EARLIER = 3n * ETHER;
const DEPOSIT = 5n * ETHER;
const WITHDRAWN = 2n * ETHER;
/** `advance`'s prepayment: far above the fee, the rollup and the Composer forward the excess back. */
const PREPAYMENT = ETHER;
const L1_RECIPIENT: Hex = "0xee00000000000000000000000000000000000001";
/** The dev account that sends the composed transaction. */
const SENDER = 2;
const L2_BRIDGE = createAddressFromString(L2_BRIDGE_ADDRESS);
const rollupErrors = loadArtifact("NativeRollup").abi.filter((item) => item.type === "error");
/**
 * The bridge's errors plus the rollup's (`stateRootAt` reverts through `claimWithdrawal`): also
 * what decodes a `CallFailed` reason, since the composed calls go to the bridge and the rollup.
 */
const l1BridgeAbi: Abi = [...loadArtifact("L1Bridge").abi, ...rollupErrors];
/** `advance(bytes)` by its signature, whatever other overloads the rollup has. */
const advanceAbi = parseAbi(["function advance(bytes input) payable"]);

/** One call of `Composer.execute`. */
type Call = { target: Hex; value: bigint; data: Hex };

/** The L2 side: block 1, anchored at the root after the composed deposit, claims it and withdraws. */
type L2 = {
  genesis: Genesis;
  earlier: Deposit;
  deposit: Deposit;
  anchor: Hex;
  b1: L2Block;
  withdrawal: Withdrawal;
};

/** An L1 node with the bridge, the rollup bound to it, the Composer and the earlier deposit mined. */
type World = { node: L1Node; bridge: Deployed; rollup: Deployed; composer: Deployed; l2: L2 };

let l2Chain: Promise<L2> | undefined;

/**
 * Builds L2 block 1 before the deposit exists on L1: the tree of the deposits already made plus
 * the coming one gives the root the bridge will publish, which the block takes as its anchor.
 */
async function buildL2(genesis: Genesis, earlier: Deposit, deposit: Deposit): Promise<L2> {
  const [alice] = genesis.accounts;
  const tree = new MessageTree();
  tree.append(depositLeaf(earlier));
  const anchor = bytesToHex(tree.append(depositLeaf(deposit)));
  const claim = l2BridgeCall("claim", depositClaimArgs(deposit, tree.proof(Number(deposit.index))));
  const b1 = await buildL2Block(
    genesis,
    [
      l2Transaction(genesis, alice, 0n, { to: L2_BRIDGE, data: claim }),
      l2Transaction(genesis, alice, 1n, {
        to: L2_BRIDGE,
        data: l2BridgeCall("withdraw", [L1_RECIPIENT]),
        value: WITHDRAWN,
      }),
    ],
    { anchor: hexToBytes(anchor) },
  );
  assert.deepEqual(
    b1.receipts.map((r) => ("status" in r ? r.status : undefined)),
    [1, 1],
    "the claim and the withdrawal succeed on L2",
  );
  const withdrawal = {
    index: 0n,
    sender: alice.address.toString() as Hex,
    to: L1_RECIPIENT,
    value: WITHDRAWN,
  };
  return { genesis, earlier, deposit, anchor, b1, withdrawal };
}

async function world(): Promise<World> {
  const { node } = await memoryNode();
  const genesis = await createL2Genesis({ premint: PREMINT, accounts: 2 });
  const deployed = await deployBridgedRollup(node, 0, genesis);
  const bridge = new Deployed(node, deployed.bridge.address, l1BridgeAbi);
  const [composer] = await deploy(node, 0, [{ name: "Composer" }]);
  const [alice, bob] = genesis.accounts.map((account) => account.address.toString() as Hex);
  const sent = await bridge.send(1, "deposit", [bob, "0x"], EARLIER);
  await node.mine();
  assert.equal(receiptOf(node, sent).status, 1, "the earlier deposit succeeded");
  const earlier: Deposit = {
    index: 0n,
    sender: node.devAccounts[1].address.toLowerCase() as Hex,
    to: bob,
    value: EARLIER,
    data: "0x",
  };
  // The composed deposit: made by the Composer, at the next index.
  const deposit: Deposit = {
    index: (await bridge.read("messageCount")) as bigint,
    sender: composer.address.toString() as Hex,
    to: alice,
    value: DEPOSIT,
    data: "0x",
  };
  l2Chain ??= buildL2(genesis, earlier, deposit);
  const l2 = await l2Chain;
  assert.deepEqual([l2.earlier, l2.deposit], [earlier, deposit], "every world makes the same deposits");
  const before = new MessageTree();
  before.append(depositLeaf(earlier));
  assert.equal(bytesToHex(before.root()), await bridge.read("root"), "the TS tree mirrors the bridge's");
  assert.equal(await bridge.read("isKnownRoot", [l2.anchor]), false, "the anchor is not published yet");
  return { node, bridge, rollup: deployed.rollup, composer, l2 };
}

/** The three calls: deposit, advance with L2 block 1, claim of `withdrawal` at block 1. */
async function roundTrip(w: World, withdrawal = w.l2.withdrawal): Promise<Record<string, Call>> {
  const { bridge, rollup, l2 } = w;
  const [accountProof, storageProof] = await withdrawalProof(l2.b1, withdrawal);
  const { index, sender, to, value } = withdrawal;
  return {
    deposit: {
      target: bridge.address.toString() as Hex,
      value: DEPOSIT,
      data: bytesToHex(bridge.calldata("deposit", [l2.deposit.to, l2.deposit.data])),
    },
    advance: {
      target: rollup.address.toString() as Hex,
      value: PREPAYMENT,
      data: encodeFunctionData({ abi: advanceAbi, functionName: "advance", args: [bytesToHex(l2.b1.bytes)] }),
    },
    claim: {
      target: bridge.address.toString() as Hex,
      value: 0n,
      data: bytesToHex(
        bridge.calldata("claimWithdrawal", [1n, index, sender, to, value, accountProof, storageProof]),
      ),
    },
  };
}

const total = (calls: Call[]) => calls.reduce((sum, call) => sum + call.value, 0n);

/** Sends `Composer.execute(calls)` from SENDER, alone in a new L1 block; returns its receipt. */
async function compose(w: World, calls: Call[]): Promise<{ receipt: StoredReceipt; block: Block }> {
  const hash = await w.composer.send(SENDER, "execute", [calls], total(calls));
  const [block] = await w.node.mine();
  assert.equal(block.transactions.length, 1, "the block holds the one composed transaction");
  return { receipt: receiptOf(w.node, hash), block };
}

/** What EXECUTE burned in `block`, charged whether or not the transaction then reverted. */
function executeFee(block: Block): bigint {
  const { executeGasUsed, executeBaseFee } = executeHeaderFields(block.header);
  return executeGasUsed * executeBaseFee;
}

/** The EXECUTE calls of `block`: who called and what EXECUTE found. */
function executeCalls(w: World, block: Block): string[][] {
  return w.node.chain[Number(block.header.number)].executeCalls.map((c) => [c.caller, c.outcome]);
}

/** What `Composer.execute(calls)` reverts with: the failing call's index and its decoded error. */
async function failure(w: World, calls: Call[]) {
  const revert = await w.composer.revertOf(SENDER, "execute", [calls], total(calls));
  assert.equal(revert.errorName, "CallFailed");
  const [index, reason] = revert.args as [bigint, Hex];
  const { errorName, args } = decodeErrorResult({ abi: l1BridgeAbi, data: reason });
  return { index, errorName, args: args ?? [] };
}

/** Nothing of the composed transaction took effect: L1 as after the earlier deposit only. */
async function nothingSettled(w: World): Promise<void> {
  assert.equal(await w.rollup.read("number"), 0n, "the rollup stays at genesis");
  assert.equal(await w.bridge.read("messageCount"), 1n, "no deposit was recorded");
  assert.equal(
    await balanceOf(w.node, w.bridge.address),
    EARLIER,
    "the escrow holds the earlier deposit only",
  );
  assert.equal(await balanceOf(w.node, L1_RECIPIENT), 0n, "nothing is paid");
  assert.equal(await balanceOf(w.node, w.composer.address), 0n);
  assert.equal(await balanceOf(w.node, w.rollup.address), 0n);
}

describe("synchronous composability: deposit, settle and withdraw in one L1 transaction", () => {
  it("deposits, settles an L2 block spending the deposit and pays its withdrawal, all in one L1 transaction", async () => {
    const w = await world();
    const calls = await roundTrip(w);
    const sender = w.node.devAccounts[SENDER].address;
    const before = await balanceOf(w.node, sender);
    const { receipt, block } = await compose(w, [calls.deposit, calls.advance, calls.claim]);
    assert.equal(receipt.status, 1);
    assert.deepEqual(executeCalls(w, block), [[w.rollup.address.toString(), "valid"]]);

    const [deposited] = w.bridge.events(receipt, "Deposited");
    assert.equal(deposited.index, w.l2.deposit.index);
    assert.equal((deposited.sender as Hex).toLowerCase(), w.l2.deposit.sender, "the Composer deposited");
    assert.equal(deposited.root, w.l2.anchor, "the deposit published the root computed in advance");
    const [advanced] = w.rollup.events(receipt, "Advanced");
    assert.deepEqual(
      [advanced.number, advanced.stateRoot, advanced.anchor],
      [1n, bytesToHex(w.l2.b1.header.stateRoot), w.l2.anchor],
    );
    const [claimed] = w.bridge.events(receipt, "WithdrawalClaimed");
    assert.deepEqual([claimed.value, claimed.l2Block], [WITHDRAWN, 1n]);

    assert.equal(await w.rollup.read("number"), 1n, "the rollup settled block 1");
    assert.equal(await w.rollup.read("stateRoot"), bytesToHex(w.l2.b1.header.stateRoot));
    assert.equal(await balanceOf(w.node, L1_RECIPIENT), WITHDRAWN, "the L1 recipient got the withdrawal");
    assert.equal(await balanceOf(w.node, w.bridge.address), EARLIER + DEPOSIT - WITHDRAWN, "the escrow");
    // The sender paid the deposit, L1 gas and the execute fee; the rest of the prepayment came back.
    assert.equal(await balanceOf(w.node, w.composer.address), 0n, "the Composer keeps nothing");
    assert.equal(await balanceOf(w.node, w.rollup.address), 0n, "the rollup keeps nothing");
    const spent = DEPOSIT + gasCost(receipt) + executeFee(block);
    assert.equal(await balanceOf(w.node, sender), before - spent);

    const verification = await reverifyBlock(w.node, block);
    assert.equal(verification.successfulValidation, true, verification.message);
    assert.equal(bytesToHex(verification.verified!.blockHash), bytesToHex(block.hash()));
  });

  it("without the deposit, the block's anchor is unpublished: the whole transaction reverts with StaleAnchor", async () => {
    const w = await world();
    const calls = await roundTrip(w);
    const withoutDeposit = [calls.advance, calls.claim];
    assert.deepEqual(await failure(w, withoutDeposit), {
      index: 0n,
      errorName: "StaleAnchor",
      args: [w.l2.anchor, bytesToHex(new Uint8Array(32))],
    });
    const sender = w.node.devAccounts[SENDER].address;
    const before = await balanceOf(w.node, sender);
    const { receipt, block } = await compose(w, withoutDeposit);
    assert.equal(receipt.status, 0, "reverts on chain too");
    await nothingSettled(w);
    // EXECUTE ran (the anchor is checked after it), so its fee is burned like L1 gas.
    assert.deepEqual(executeCalls(w, block), [[w.rollup.address.toString(), "valid"]]);
    const paid = gasCost(receipt) + executeFee(block);
    assert.equal(
      await balanceOf(w.node, sender),
      before - paid,
      "the sender pays only gas and the execute fee",
    );
  });

  it("a failing withdrawal claim undoes the deposit and the settlement made before it", async () => {
    const w = await world();
    const forged = { ...w.l2.withdrawal, value: WITHDRAWN + 1n };
    const calls = await roundTrip(w, forged);
    const all = [calls.deposit, calls.advance, calls.claim];
    assert.deepEqual(await failure(w, all), {
      index: 2n,
      errorName: "NotWithdrawn",
      args: [bytesToHex(withdrawalHash(forged))],
    });
    const sender = w.node.devAccounts[SENDER].address;
    const before = await balanceOf(w.node, sender);
    const { receipt, block } = await compose(w, all);
    assert.equal(receipt.status, 0);
    await nothingSettled(w);
    const paid = gasCost(receipt) + executeFee(block);
    assert.equal(await balanceOf(w.node, sender), before - paid, "the deposit came back to the sender");
  });
});
