/**
 * `nrx demo` (src/demo/): the rollup demo runs once on its own devnet, and each
 * fact it reports is checked here.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { keccak256, parseEther, toHex } from "viem";
import { withdrawalHash } from "../rollup/message-tree.ts";
import { runRollupDemo } from "./demo.ts";
import type { DemoReport } from "./report.ts";

const lower = (hex: string) => hex.toLowerCase();

describe("nrx demo: a native rollup end to end through JSON-RPC", () => {
  let report: DemoReport;
  const lines: string[] = [];

  before(async () => {
    report = await runRollupDemo({ log: (line) => lines.push(line), l1SlotMs: 400 });
  });

  it("prints numbered steps 1 to 7", () => {
    for (let step = 1; step <= 7; step++) {
      assert.ok(
        lines.some((line) => line.startsWith(`[${step}] `)),
        `step ${step} printed`,
      );
    }
  });

  it("1. relays an L1 deposit to a fresh L2 address, claimed on L2 for the deposited amount", () => {
    const { deposit } = report;
    assert.equal(deposit.amount, parseEther("2"));
    assert.equal(deposit.l2Balance, deposit.amount, "the L2 balance equals the deposit");
    assert.equal(deposit.claimedValue, deposit.amount);
    assert.equal(lower(deposit.claimedTo), lower(deposit.recipient));
    assert.notEqual(lower(deposit.recipient), lower(deposit.depositor), "a fresh address, not the depositor");
    assert.match(deposit.claimTx, /^0x[0-9a-f]{64}$/);
    assert.ok(deposit.claimL2Block > 0n);
  });

  it("2. the fresh account deploys an ERC-20, mints, transfers it and sends ETH, paying its own gas", () => {
    const a = report.l2Activity;
    assert.match(a.token, /^0x[0-9a-fA-F]{40}$/);
    assert.equal(a.transfers.length, 2);
    assert.equal(a.tokenBalances.length, 3);
    for (const { balance, expected } of a.tokenBalances) assert.equal(balance, expected);
    const total = a.tokenBalances.reduce((sum, b) => sum + b.balance, 0n);
    assert.equal(total, a.minted, "transfers move tokens, they create none");
    assert.equal(a.ethTransfer.balance, a.ethTransfer.value);
    assert.ok(a.gasPaid > 0n, "gas was paid from the deposit");
    assert.equal(a.balance, a.expectedBalance);
    assert.equal(a.balance, report.deposit.amount - a.ethTransfer.value - a.gasPaid);
  });

  it("3. pays a withdrawal on L1 once settled, proved with the follower's eth_getProof", () => {
    const w = report.withdrawal;
    assert.equal(w.value, parseEther("0.5"));
    assert.equal(
      w.hash,
      toHex(withdrawalHash({ index: w.index, sender: w.sender, to: w.recipient, value: w.value })),
    );
    assert.ok(w.provenAtL2Block >= w.l2Block, "proved against a settled block at or after the withdrawal");
    assert.equal(w.followerStateRoot, w.settledStateRoot, "the follower's root is the settled one");
    assert.equal(w.slotValue, 1n);
    assert.equal(w.recipientBefore, 0n);
    assert.equal(w.paid, w.value, "the recipient's L1 balance rises by exactly the value");
    assert.equal(w.recipientAfter, w.value);
  });

  it("3. refuses a second claim of the same withdrawal with AlreadyClaimed", () => {
    assert.equal(report.withdrawal.secondClaimError, "AlreadyClaimed");
  });

  it("4. the sequencer refuses the censored account at its RPC", () => {
    const f = report.forced;
    assert.match(f.sequencerRefusal, /refuses transactions from/);
    assert.ok(f.sequencerRefusal.toLowerCase().includes(lower(f.account)));
  });

  it("4. the forced transaction is included on L2 as its block's first transaction and settled", () => {
    const f = report.forced;
    assert.equal(f.deadline > f.queuedInL1Block, true, "the deadline lies after the queueing");
    assert.equal(f.position, 0, "the block's first transaction");
    assert.equal(f.l2Status, "success");
    assert.ok(f.l2Block > 0n);
    assert.ok(f.settledInL1Block > f.queuedInL1Block);
    assert.equal(f.recipientBalance, f.value);
    assert.match(f.txHash, /^0x[0-9a-f]{64}$/);
    assert.notEqual(f.txHash, keccak256("0x"));
  });

  it("5. governance: executing before the timelock's delay reverts with NotReady", () => {
    const g = report.governance;
    assert.equal(g.earlyError, "NotReady");
    assert.equal(g.earlyStatus, "reverted");
    assert.ok(g.earlyL1Block < g.eta);
    assert.equal(g.eta, g.scheduledInL1Block + 6n);
  });

  it("5. governance: after the delay the rollup's sequencing is the bonded allowlist, and settling goes on", () => {
    const g = report.governance;
    assert.equal(lower(g.policyBefore), lower(report.contracts.sequencing));
    assert.equal(lower(g.policyAfter), lower(g.newPolicy));
    assert.notEqual(lower(g.policyAfter), lower(g.policyBefore));
    assert.ok(g.executedInL1Block >= g.eta);
    assert.equal(g.sequencerAllowed, true);
    assert.ok(g.sequencerBond >= g.minimumBond);
    assert.ok(g.settledAfter > g.settledAtExecution, "number() advances after the change");
    assert.equal(lower(g.advancedBy), lower(g.sequencer));
  });

  it("6. a tampered L2 block reverts with InvalidBlock and does not move the rollup", () => {
    const b = report.invalidBlock;
    assert.equal(b.error, "InvalidBlock");
    assert.equal(b.status, "reverted");
    assert.notEqual(b.tamperedStateRoot, b.genuineStateRoot);
    assert.equal(
      b.settledRootOfBlock,
      b.genuineStateRoot,
      "the settled root of that height is the genuine one",
    );
    assert.notEqual(b.rootAfter, b.tamperedStateRoot);
    assert.equal(b.numberAfter - b.numberBefore, BigInt(b.advancedInSameBlock), "only valid posts moved it");
    if (b.advancedInSameBlock === 0) assert.equal(b.rootAfter, b.rootBefore);
    assert.equal(b.unchanged, true);
  });

  it("6. replaying the genuine input fails a continuity check", () => {
    assert.ok(
      ["WrongPreState", "WrongParent", "WrongNumber"].includes(report.invalidBlock.replayError),
      report.invalidBlock.replayError,
    );
  });

  it("7. the follower's state roots equal the sequencer's for every settled block", () => {
    const r = report.roots;
    assert.ok(r.settled >= report.governance.settledAfter);
    assert.equal(r.compared, Number(r.settled));
    assert.deepEqual(r.mismatches, []);
    assert.equal(r.allMatch, true);
    assert.equal(r.headMatchesRollup, true);
  });

  it("runs well within its time budget", () => {
    assert.ok(report.durationMs < 100_000, `${report.durationMs} ms`);
  });
});
