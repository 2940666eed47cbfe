/**
 * L2 block tags mean settlement: `safe` is the highest L2 block settled at L1's head, `finalized`
 * the highest settled in L1's final block, read with viem and ethers on both L2 nodes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { JsonRpcProvider } from "ethers";
import { type Abi, createPublicClient, http, type PublicClient } from "viem";
import { loadArtifact } from "../contracts/compile.ts";
import { type Devnet, startDevnet } from "../devnet/devnet.ts";
import { until } from "../testing/until.ts";

const ROLLUP_ABI = loadArtifact("NativeRollup").abi as Abi;

describe("L2 safe and finalized", () => {
  let devnet: Devnet;
  let l1: PublicClient;
  before(async () => {
    devnet = await startDevnet({ l1SlotMs: 300, epochBlocks: 4, port: 0 });
    l1 = createPublicClient({ transport: http(devnet.l1Server.url) }) as PublicClient;
  });
  after(() => devnet?.close());

  const settledAt = async (blockNumber: bigint) =>
    blockNumber < devnet.deployment.l1Block
      ? 0n
      : ((await l1.readContract({
          address: devnet.deployment.contracts.rollup,
          abi: ROLLUP_ABI,
          functionName: "number",
          blockNumber,
        })) as bigint);

  it("are what L1 settled, on the sequencer and the follower, in viem and ethers", async () => {
    for (const node of [devnet.sequencer, devnet.follower]) {
      const viem = createPublicClient({ transport: http(node.server.url) }) as PublicClient;
      // Read L1 before and after the L2's tags: settlement only grows, so they lie in between.
      const l1Before = await l1.getBlock({ blockTag: "latest" });
      const finalBefore = await l1.getBlock({ blockTag: "finalized" });
      const safe = (await viem.getBlock({ blockTag: "safe" })).number;
      const finalized = (await viem.getBlock({ blockTag: "finalized" })).number;
      const l1After = await l1.getBlock({ blockTag: "latest" });
      const finalAfter = await l1.getBlock({ blockTag: "finalized" });
      assert.ok(finalized <= safe, `finalized ${finalized} ≤ safe ${safe}`);
      assert.ok(safe <= (await settledAt(l1After.number)), "safe is settled on L1");
      assert.ok(
        finalized <= (await settledAt(finalAfter.number)),
        "finalized is settled in a final L1 block",
      );
      assert.ok(safe >= (await settledAt(l1Before.number - 2n)), "safe keeps up with L1's head");
      assert.ok(
        finalized >= (await settledAt(finalBefore.number - 4n)),
        "finalized keeps up with L1's final block",
      );
    }
  });

  it("finalized moves past genesis once a settling L1 block is final, and ethers reads the same", async () => {
    const ethers = new JsonRpcProvider(devnet.follower.server.url, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
    });
    try {
      const viem = createPublicClient({ transport: http(devnet.follower.server.url) }) as PublicClient;
      await until("an L2 block finalized", async () =>
        (await viem.getBlock({ blockTag: "finalized" })).number > 0n ? true : undefined,
      );
      const [v, e] = [await viem.getBlock({ blockTag: "safe" }), await ethers.getBlock("safe")];
      assert.ok(e !== null && BigInt(e.number) >= v.number);
      const finalized = await ethers.getBlock("finalized");
      assert.ok(finalized !== null && finalized.number > 0 && BigInt(finalized.number) <= BigInt(e.number));
      const final = await l1.getBlock({ blockTag: "finalized" });
      assert.ok(BigInt(finalized.number) <= (await settledAt(final.number)));
    } finally {
      ethers.destroy();
    }
  });
});
