import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadSimConfig } from "./config.ts";
import { parseSweep, runSweep, SweepError, withSweepValue } from "./sweep.ts";

const SP1 = loadSimConfig(new URL("../../examples/sp1-hypercube.json", import.meta.url));

describe("sweeps", () => {
  it("parses and refuses sweep arguments", () => {
    assert.deepEqual(parseSweep("penalty=0,0.1,1,10"), { key: "penalty", values: [0, 0.1, 1, 10] });
    assert.throws(() => parseSweep("gpus=1,2"), SweepError);
    assert.throws(() => parseSweep("provers=0,1"), SweepError);
  });

  it("misses fewer slots with more provers", () => {
    assert.equal(withSweepValue(SP1, "provers", 5).provers.length, 5);
    const [one, five] = runSweep(SP1, parseSweep("provers=1,5"), { slots: 3000 });
    assert.ok(five.missRate < one.missRate, `${five.missRate} vs ${one.missRate}`);
  });
});
