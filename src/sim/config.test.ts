import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ETHER } from "../market/types.ts";
import { ethToWei, parseSimConfig, weiToEth } from "./config.ts";
import { ModelConfigError } from "./model/config.ts";

const BASE = JSON.parse(readFileSync(new URL("../../examples/sp1-hypercube.json", import.meta.url), "utf8"));

function withField(patch: Record<string, unknown>): unknown {
  return { ...structuredClone(BASE), ...patch };
}

describe("simulator config", () => {
  it("reads a bare model file with the defaults", () => {
    const c = parseSimConfig(BASE);
    assert.equal(c.slotSeconds, 12);
    assert.equal(c.market.rule, "sealed-bid");
    assert.equal(c.market.missedSlotPenalty, ETHER);
    assert.deepEqual(c.market.proofTypes, ["sp1"]);
    assert.equal(c.market.required, 1);
    assert.equal(c.provers.length, 1);
  });

  it("expands a prover's count into distinct ids", () => {
    const json = structuredClone(BASE);
    json.provers[0].count = 3;
    assert.deepEqual(
      parseSimConfig(json).provers.map((p) => p.id),
      ["succinct-hypercube-160x4090#0", "succinct-hypercube-160x4090#1", "succinct-hypercube-160x4090#2"],
    );
  });

  it("names the bad field", () => {
    const cases: [unknown, string][] = [
      [withField({ market: { rule: "english" } }), "$.market.rule"],
      [withField({ market: { required: 2 } }), "$.market.required"],
      [withField({ market: { biddingSeconds: 20 } }), "$.market.biddingSeconds"],
      [withField({ fees: { ethUsd: "3000" } }), "$.fees.ethUsd"],
      [withField({ slots: -1 }), "$.slots"],
      [withField({ market: { proofTypes: ["sp1", "sp1"] } }), "$.market.proofTypes"],
    ];
    const badProver = structuredClone(BASE);
    badProver.provers[0].altruistic = "yes";
    cases.push([badProver, "$.provers[0].altruistic"]);
    for (const [json, path] of cases) {
      assert.throws(
        () => parseSimConfig(json),
        (err: unknown) => err instanceof ModelConfigError && err.path === path,
        `expected an error at ${path}`,
      );
    }
  });

  it("converts ETH and wei both ways", () => {
    assert.equal(ethToWei(0.5), ETHER / 2n);
    assert.equal(ethToWei(1234.25), 1234n * ETHER + ETHER / 4n);
    assert.equal(weiToEth(3n * ETHER + ETHER / 10n), 3.1);
  });
});
