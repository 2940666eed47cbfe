/**
 * A representative, fast subset of `npm run conformance`: every fixture file of a few EIPs
 * through the stateless path (witness generation, SSZ round trip, stateless verification),
 * and the zkevm witness-validation tests byte for byte. The full run is `npm run conformance`.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runFolder } from "./run.ts";

const fixtures = fileURLToPath(new URL("../../../shared/fixtures/", import.meta.url));

const subsets = [
  { folder: "blockchain_tests/osaka/eip7939_count_leading_zeros", minPassed: 70 },
  { folder: "blockchain_tests/osaka/eip7918_blob_reserve_price", minPassed: 10 },
  { folder: "blockchain_tests/prague/eip7002_el_triggerable_withdrawals", minPassed: 40 },
  { folder: "blockchain_tests/prague/eip2935_historical_block_hashes_from_state", minPassed: 5 },
  { folder: "blockchain_tests/prague/eip7685_general_purpose_el_requests", minPassed: 20 },
  {
    folder:
      "blockchain_tests_zkevm/for_amsterdam/amsterdam/eip8025_optional_proofs/witness_validation_headers",
    minPassed: 5,
  },
  {
    folder: "blockchain_tests_zkevm/for_amsterdam/amsterdam/eip8025_optional_proofs/witness_validation_state",
    minPassed: 5,
  },
  {
    folder: "blockchain_tests_zkevm/for_amsterdam/amsterdam/eip8025_optional_proofs/witness_headers",
    minPassed: 5,
  },
];

for (const { folder, minPassed } of subsets) {
  test(`EEST ${folder} passes statelessly`, async () => {
    const summary = await runFolder(resolve(fixtures, folder));
    assert.deepEqual(summary.failures, []);
    assert.ok(summary.passed >= minPassed, `only ${summary.passed} passed (${summary.skipped} skipped)`);
  });
}
