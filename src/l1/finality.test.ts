/**
 * The L1's block tags through viem and ethers: `safe` and `finalized` by the devnet's finality
 * rule (src/l1/finality.ts), `pending` the block being built from the mempool.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { JsonRpcProvider, Network } from "ethers";
import { createPublicClient, type Hex, http, type PublicClient, parseGwei } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { serveL1 } from "../rpc/l1.ts";
import type { RpcServer } from "../rpc/server.ts";
import { parseL1Config } from "./config.ts";
import { epochCheckpoints } from "./finality.ts";
import { type L1Node, openL1Node } from "./node.ts";

describe("the L1's finality rule", () => {
  it("justifies the previous epoch's first block and finalizes the one before", () => {
    assert.deepEqual(epochCheckpoints(0n, 32n), { safe: 0n, finalized: 0n });
    assert.deepEqual(epochCheckpoints(63n, 32n), { safe: 0n, finalized: 0n });
    assert.deepEqual(epochCheckpoints(64n, 32n), { safe: 32n, finalized: 0n });
    assert.deepEqual(epochCheckpoints(100n, 32n), { safe: 64n, finalized: 32n });
    assert.deepEqual(epochCheckpoints(13n, 4n), { safe: 8n, finalized: 4n });
  });
});

describe("L1 block tags over JSON-RPC", () => {
  let node: L1Node;
  let server: RpcServer;
  let viem: PublicClient;
  let ethers: JsonRpcProvider;
  before(async () => {
    node = await openL1Node(parseL1Config({ epochBlocks: 4 }));
    server = await serveL1(node, { port: 0 });
    viem = createPublicClient({ transport: http(server.url) }) as PublicClient;
    ethers = new JsonRpcProvider(server.url, Network.from(31337), { staticNetwork: true, cacheTimeout: -1 });
  });
  after(async () => {
    ethers.destroy();
    await server.close();
    await node.stop();
  });

  it("safe and finalized follow the rule as the head moves, in viem and ethers", async () => {
    const read = async () => ({
      viemSafe: (await viem.getBlock({ blockTag: "safe" })).number,
      viemFinalized: (await viem.getBlock({ blockTag: "finalized" })).number,
      ethersSafe: BigInt((await ethers.getBlock("safe"))!.number),
      ethersFinalized: BigInt((await ethers.getBlock("finalized"))!.number),
    });
    await node.mine(10);
    assert.deepEqual(await read(), { viemSafe: 4n, viemFinalized: 0n, ethersSafe: 4n, ethersFinalized: 0n });
    await node.mine(3);
    assert.deepEqual(await read(), { viemSafe: 8n, viemFinalized: 4n, ethersSafe: 8n, ethersFinalized: 4n });
    const safeBlock = await viem.getBlock({ blockTag: "safe" });
    assert.equal(safeBlock.hash, (await viem.getBlock({ blockNumber: 8n })).hash);
  });

  it("pending is the next block, built from the mempool and not sealed", async () => {
    const account = privateKeyToAccount(node.devAccounts[1].privateKey);
    const raw = await account.signTransaction({
      chainId: 31337,
      nonce: 0,
      to: "0x00000000000000000000000000000000000e1177",
      value: 5n,
      gas: 21_000n,
      maxFeePerGas: parseGwei("20"),
      maxPriorityFeePerGas: parseGwei("1"),
    });
    const hash = (await viem.sendRawTransaction({ serializedTransaction: raw })) as Hex;
    const head = node.head.header.number;
    const pending = await viem.getBlock({ blockTag: "pending" });
    assert.equal(pending.number, head + 1n);
    assert.equal(pending.hash, null, "not sealed");
    assert.deepEqual(pending.transactions, [hash]);
    assert.equal((await ethers.getBlock("pending"))?.transactions[0], hash);
    assert.equal(await viem.getBlockTransactionCount({ blockTag: "pending" }), 1);
    assert.equal(node.head.header.number, head, "nothing was mined");
    assert.equal(node.mempool.size, 1, "nothing left the mempool");
    const [mined] = await node.mine();
    assert.equal(mined.transactions.length, 1);
    assert.deepEqual((await viem.getBlock({ blockTag: "pending" })).transactions, []);
  });
});
