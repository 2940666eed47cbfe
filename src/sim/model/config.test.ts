/** Reading a prover-model configuration: the example loads; each bad value names its path. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { loadModelConfig, ModelConfigError, parseModelConfig } from "./config.ts";

const EXAMPLE = new URL("../../../examples/sp1-hypercube.json", import.meta.url);

/** The parts of the example's JSON that the cases below change. */
interface ExampleJson {
  provers: Record<string, unknown>[];
  blocks: { adversarial: Record<string, unknown>; gasUsed: Record<string, unknown> };
  zkvms: Record<string, Record<string, unknown>>;
}

function withChange(change: (json: ExampleJson) => void): unknown {
  const json = JSON.parse(readFileSync(EXAMPLE, "utf8")) as ExampleJson;
  change(json);
  return json;
}

function errorPath(value: unknown): string {
  try {
    parseModelConfig(value);
  } catch (err) {
    assert.ok(err instanceof ModelConfigError, `a ModelConfigError, got ${String(err)}`);
    return err.path;
  }
  assert.fail("accepted");
}

describe("loadModelConfig", () => {
  it("loads the SP1 Hypercube example with its zkVMs linked by name", () => {
    const model = loadModelConfig(EXAMPLE);
    assert.equal(model.provers[0].gpus, 160);
    assert.equal(model.provers[0].zkvm, model.zkvms.sp1);
    assert.equal(model.stream.zkvm.medianCyclesPerGas, 19.4);
    assert.equal(model.stream.adversarial.workloads.length, 5);
  });

  it("names the path of a bad value", () => {
    assert.equal(errorPath(withChange((j) => (j.provers[0].gpus = "many"))), "$.provers[0].gpus");
    assert.equal(
      errorPath(withChange((j) => (j.blocks.adversarial.share = 1.5))),
      "$.blocks.adversarial.share",
    );
    assert.equal(errorPath(withChange((j) => (j.provers[0].zkvm = "jolt"))), "$.provers[0].zkvm");
    assert.equal(
      errorPath(withChange((j) => (j.zkvms.sp1.tailCyclesPerGas = 1))),
      "$.zkvms.sp1.tailCyclesPerGas",
    );
    assert.equal(errorPath(withChange((j) => (j.blocks.gasUsed.fullShare = 0.999))), "$.blocks.gasUsed");
    assert.equal(errorPath(null), "$");
  });

  it("reports an unreadable file as a ModelConfigError", () => {
    assert.throws(() => loadModelConfig("/nonexistent/model.json"), ModelConfigError);
  });
});
