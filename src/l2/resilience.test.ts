/**
 * L2 nodes on an L1 that fails them: the L1 process killed and restarted (they retry with
 * backoff, log one line per change of state, report it through eth_syncing and nrx_rollup, the
 * follower stops serving its head as current, and both resume by themselves); the L1 reverted
 * with evm_revert and reorganised with anvil_reorg so that a settling L1 block is dropped (the
 * sequencer rebuilds, the follower re-derives, and both end on the same hashes).
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type Abi, createPublicClient, type Hex, http, type PublicClient } from "viem";
import { loadArtifact } from "../contracts/compile.ts";
import { type Devnet, startDevnet } from "../devnet/devnet.ts";
import { parseL1Config } from "../l1/config.ts";
import { deriveDevAccounts } from "../node/accounts.ts";
import { deployRollup } from "../rollup/deploy.ts";
import type { RollupDeployment } from "../rollup/deployment.ts";
import { connectL1 } from "../rollup/l1-client.ts";
import { killProcess, startL1Process } from "../testing/l1-process.ts";
import { until } from "../testing/until.ts";
import { type RunningL2, startL2Node } from "./node.ts";

const SLOT_MS = 400;
const ROLLUP_ABI = loadArtifact("NativeRollup").abi as Abi;

async function rpc(url: string, method: string, params: unknown[] = []) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return (await response.json()) as { result?: unknown; error?: { code: number; message: string } };
}

function client(url: string): PublicClient {
  return createPublicClient({
    transport: http(url, { retryCount: 0 }),
    pollingInterval: 100,
  }) as PublicClient;
}

function settledNumber(l1: PublicClient, deployment: RollupDeployment): Promise<bigint> {
  return l1.readContract({
    address: deployment.contracts.rollup,
    abi: ROLLUP_ABI,
    functionName: "number",
  }) as Promise<bigint>;
}

/**
 * Every block up to `upTo` comes to have the same hash on both nodes (the follower takes a round
 * to see what L1 settles now).
 */
async function sameChain(a: RunningL2, b: RunningL2, upTo: bigint) {
  const hashes = (node: RunningL2) =>
    Array.from({ length: Number(upTo) }, (_, i) =>
      node.node
        .blockByNumber(BigInt(i + 1))
        ?.block.hash()
        .join(),
    );
  try {
    await until(
      "the same hashes",
      () => (JSON.stringify(hashes(a)) === JSON.stringify(hashes(b)) ? true : undefined),
      20_000,
    );
  } catch {
    const [x, y] = [hashes(a), hashes(b)];
    const first = x.findIndex((h, i) => h !== y[i]);
    assert.fail(
      `block ${first + 1} differs: ${a.node.head.header.number} vs ${b.node.head.header.number} held`,
    );
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `nrx l1` as its own process on `dir` and `port`. */
async function startL1(dir: string, port: number): Promise<ChildProcess> {
  const args = ["--data-dir", dir, "--port", String(port), "--slot-time", String(SLOT_MS / 1000), "--quiet"];
  return (await startL1Process(args)).child;
}

describe("L2 nodes when their L1 process is killed and restarted", () => {
  const dir = mkdtempSync(join(tmpdir(), "nrx-l1-outage-"));
  let l1Process: ChildProcess | undefined;
  const nodes: RunningL2[] = [];
  after(async () => {
    for (const node of nodes) await node.close();
    if (l1Process) await killProcess(l1Process);
    rmSync(dir, { recursive: true, force: true });
  });

  it("retry with backoff, say so once, stop serving a stale head as current, and resume by themselves", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    l1Process = await startL1(dir, port);
    const keys = deriveDevAccounts(parseL1Config()).map((a) => a.privateKey);
    const deployment = await deployRollup(await connectL1(url, keys[0], 100), { chainId: 905n });
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const common = { deployment, l1Url: url, port: 0, l1SlotMs: SLOT_MS, log };
    const sequencer = await startL2Node({ ...common, role: "sequencer", key: keys[9] });
    nodes.push(sequencer);
    const follower = await startL2Node({ ...common, role: "follower" });
    nodes.push(follower);
    const l1 = client(url);
    await until("two L2 blocks settled and followed", async () =>
      (await settledNumber(l1, deployment)) >= 2n && follower.node.head.header.number >= 2n
        ? true
        : undefined,
    );

    await killProcess(l1Process);
    const killedAt = lines.length;
    await until("the sequencer to notice", () =>
      sequencer.sequencer?.status.state === "l1_unreachable" ? true : undefined,
    );
    await until("the follower to notice", () =>
      follower.follower?.status.state === "l1_unreachable" ? true : undefined,
    );
    // Past the grace period the follower no longer answers for its head, and says why.
    const refused = await until("the follower to refuse its head", async () => {
      const { error } = await rpc(follower.server.url, "eth_blockNumber");
      return error?.code === -32002 ? error : undefined;
    });
    assert.match(refused.message, /cannot derive from L1 .* may not be the head/);
    const syncing = (await rpc(follower.server.url, "eth_syncing")).result as Record<string, string>;
    assert.equal(syncing.state, "l1_unreachable");
    assert.equal(syncing.currentBlock, `0x${follower.node.head.header.number.toString(16)}`);
    const status = (await rpc(sequencer.server.url, "nrx_rollup")).result as Record<string, string>;
    assert.equal(status.state, "l1_unreachable");
    assert.match(status.reason, /no answer from the L1/);
    assert.notEqual((await rpc(follower.server.url, "eth_getBlockByNumber", ["0x1", false])).result, null);
    // Several retries later: one line per node, no stack trace.
    await new Promise((r) => setTimeout(r, 4 * SLOT_MS));
    const whileDown = lines.slice(killedAt);
    assert.equal(whileDown.filter((l) => /no answer from the L1/.test(l)).length, 2, whileDown.join("\n"));
    assert.ok(!whileDown.some((l) => /\n\s+at /.test(l)), "no stack trace");

    const before = await Promise.resolve(sequencer.sequencer!.settled);
    l1Process = await startL1(dir, port);
    await until("both to resume", () =>
      sequencer.sequencer?.status.state === "sequencing" && follower.follower?.status.state === "following"
        ? true
        : undefined,
    );
    assert.equal(lines.filter((l) => /answers again after \d+ s; resuming/.test(l)).length, 2);
    const target = before + 2n;
    await until("settlement to go on", async () =>
      (await settledNumber(l1, deployment)) >= target && follower.node.head.header.number >= target
        ? true
        : undefined,
    );
    await sameChain(sequencer, follower, target);
    assert.equal((await rpc(follower.server.url, "eth_syncing")).result, false);
    assert.equal((await rpc(follower.server.url, "eth_blockNumber")).error, undefined);
  });
});

describe("L2 nodes when L1 changes its mind", () => {
  let devnet: Devnet;
  const lines: string[] = [];
  after(() => devnet?.close());

  const settled = () => settledNumber(client(devnet.l1Server.url), devnet.deployment);
  const converged = async (atLeast: bigint) => {
    const n = await until(`settlement past ${atLeast} and the follower there`, async () => {
      const s = await settled();
      return s >= atLeast && devnet.follower.node.head.header.number >= s ? s : undefined;
    });
    await sameChain(devnet.sequencer, devnet.follower, n);
    assert.equal(devnet.follower.follower?.status.state, "following");
  };

  it("rebuilds and re-derives after evm_revert undoes settlements", async () => {
    devnet = await startDevnet({ l1SlotMs: SLOT_MS, port: 0, log: (line) => lines.push(line) });
    const l1 = devnet.l1Server.url;
    await converged(2n);
    const snapshot = (await rpc(l1, "evm_snapshot")).result as Hex;
    const undone = await settled();
    await converged(undone + 3n);
    const high = await settled();
    assert.equal((await rpc(l1, "evm_revert", [snapshot])).result, true);
    assert.ok((await settled()) < high, "the revert undid settlements");
    await converged(high + 2n);
    assert.ok(lines.some((l) => /sequencer: L1 reorganised under the blocks read/.test(l)));
    assert.ok(lines.some((l) => /follower: L1 block \d+ is no longer on L1's chain/.test(l)));
    assert.ok(
      !lines.some((l) => /halted/.test(l)),
      lines.filter((l) => /halted|retrying/.test(l)).join("\n"),
    );
  });

  it("rebuilds and re-derives after a reorg drops the L1 block that settled the last block", async () => {
    const l1 = client(devnet.l1Server.url);
    await converged((await settled()) + 1n);
    const logs = await l1.getContractEvents({
      address: devnet.deployment.contracts.rollup,
      abi: ROLLUP_ABI,
      eventName: "Advanced",
      fromBlock: 0n,
    });
    const last = logs[logs.length - 1];
    const head = await l1.getBlockNumber({ cacheTime: 0 });
    const before = await settled();
    // Replace every block from the one that settled the last L2 block, at the same height.
    const depth = head - last.blockNumber + 1n;
    assert.deepEqual(await rpc(devnet.l1Server.url, "anvil_reorg", [`0x${depth.toString(16)}`, []]), {
      jsonrpc: "2.0",
      id: 1,
      result: null,
    });
    assert.equal(
      await l1.getTransactionReceipt({ hash: last.transactionHash }).catch(() => undefined),
      undefined,
      "the settling transaction is gone",
    );
    assert.ok((await settled()) < before);
    await converged(before + 2n);
  });
});
