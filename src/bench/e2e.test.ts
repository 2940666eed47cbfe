/**
 * `nrx bench e2e` as a smoke test: one small ETH-transfer configuration through the whole devnet
 * (L1, rollup, sequencer, follower, JSON-RPC), with the baseline; the figures must be consistent.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runE2EBench } from "./e2e.ts";

describe("bench e2e", () => {
  it("settles pre-signed L2 transfers on L1 and measures them against stock ethereumjs", async () => {
    const result = await runE2EBench(
      [
        "--quick",
        "--configs",
        "eth",
        "--slot-time",
        "1",
        "--senders",
        "12",
        "--backlog",
        "0.05",
        "--max-rate",
        "20",
      ],
      { quiet: true },
    );
    assert.ok(result);
    const [eth] = result.configs;
    assert.equal(eth.name, "eth/calldata");
    assert.ok(eth.settled.l2Blocks >= 1 && eth.settled.l2Txs >= 1, "something settled in the window");
    assert.ok(eth.settled.txsPerSec > 0 && eth.baseline.txsPerSec > 0);
    assert.equal(eth.baseline.l2Txs, eth.settled.l2Txs, "the baseline timed the settled blocks");
    assert.ok(eth.baseline.stateRootsMatch);
    assert.ok(Math.abs(eth.ratio - eth.settled.txsPerSec / eth.baseline.txsPerSec) < 1e-9);
    // Every transaction is a plain transfer, so EXECUTE meters 21,000 gas a transaction.
    assert.equal(eth.perL2Tx.executeGas, 21_000);
    assert.equal(eth.perL2Tx.l2Gas, 21_000);
    assert.ok(eth.perL2Tx.l1Gas > 0 && eth.advance.reverted === 0);
    assert.ok(eth.latencySlots.count > 0 && eth.latencySlots.median >= 1);
    assert.deepEqual(eth.load.rejected, {});
  });
});
