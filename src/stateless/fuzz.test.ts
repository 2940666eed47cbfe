/**
 * The mutation fuzzer over 10,000 mutants of valid zkevm inputs: no crash, no false accept, and
 * every kind of outcome occurs, so that the run cannot pass without reaching the verifier.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fuzzStatelessVerifier } from "./fuzz.ts";

const ITERATIONS = 10_000;

test(`${ITERATIONS} mutants of valid inputs: no crash, no false accept`, { timeout: 300_000 }, async () => {
  const report = await fuzzStatelessVerifier({ iterations: ITERATIONS, seed: 0x8025 });
  assert.deepEqual(report.crashes, []);
  assert.deepEqual(report.falseAccepts, []);
  assert.equal(report.iterations, ITERATIONS);
  assert.equal(report.decodeErrors + report.rejected + report.accepted, ITERATIONS);
  assert.ok(report.decodeErrors > 0, "no mutant failed to decode");
  assert.ok(report.rejected > 0, "no mutant was rejected");
  assert.ok(report.accepted > 0, "no mutant was accepted");
  // Mutants must get past the block hash into execution, where the commitments are checked.
  for (const reason of [
    "missing_witness_node",
    "missing_witness_code",
    "invalid_state_root",
    "invalid_block_access_list",
  ]) {
    assert.ok((report.outcomes[`rejected:${reason}`] ?? 0) > 0, `no mutant was rejected with ${reason}`);
  }
});

test("the fuzzer is deterministic in its seed and reports progress", async () => {
  const progress: number[] = [];
  const a = await fuzzStatelessVerifier({
    iterations: 250,
    seed: 7,
    onProgress: (done) => progress.push(done),
  });
  const b = await fuzzStatelessVerifier({ iterations: 250, seed: 7 });
  assert.deepEqual(a, b);
  assert.deepEqual(progress, [100, 200, 250]);
});
