/** An L2 genesis commits to its chain id, so rollups never share a genesis or a data directory. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bytesToHex } from "@ethereumjs/util";
import { ChainNode } from "../node/node.ts";
import { l2ChainConfig } from "./deployment.ts";
import { L2_RULES, l2Genesis } from "./genesis.ts";

describe("L2 genesis", () => {
  it("differs between two rollups with the same allocations and different chain ids", async () => {
    const a = await l2Genesis(l2ChainConfig({ chainId: 901n }));
    const b = await l2Genesis(l2ChainConfig({ chainId: 902n }));
    assert.deepEqual(a.header.stateRoot, b.header.stateRoot, "the same allocations");
    assert.notEqual(bytesToHex(a.hash()), bytesToHex(b.hash()));
    assert.equal(bytesToHex(a.header.extraData), "0x0000000000000385", "chain id 901, 8 bytes big-endian");
  });

  it("makes a node refuse another rollup's data directory", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "nrx-genesis-"));
    try {
      const first = await ChainNode.open(l2ChainConfig({ chainId: 901n }), { rules: L2_RULES, dataDir });
      await first.stop();
      await assert.rejects(
        ChainNode.open(l2ChainConfig({ chainId: 902n }), { rules: L2_RULES, dataDir }),
        (err: Error) =>
          err.name === "NodeError" && /the data directory holds another chain/.test(err.message),
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
