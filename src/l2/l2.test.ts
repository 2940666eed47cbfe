/**
 * L2 nodes on a running L1, through JSON-RPC as users reach them: the sequencer settles its blocks
 * with `advance` and the follower derives the same chain from L1 alone; deposits are relayed;
 * viem transacts on the L2; a second rollup on the same L1 posts in blobs; the L1 lists both;
 * nodes restart from their data directories.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  type Abi,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  parseEther,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { loadArtifact } from "../contracts/compile.ts";
import { type Devnet, SEQUENCER_ACCOUNT, startDevnet } from "../devnet/devnet.ts";
import { deployRollup } from "../rollup/deploy.ts";
import type { RollupDeployment } from "../rollup/deployment.ts";
import { connectL1 } from "../rollup/l1-client.ts";
import { claimWithdrawals } from "../rollup/withdrawal.ts";
import { until } from "../testing/until.ts";
import { type RunningL2, startL2Node } from "./node.ts";

const SLOT_MS = 400;
const BRIDGE_ABI = loadArtifact("L1Bridge").abi as Abi;
const ROLLUP_ABI = loadArtifact("NativeRollup").abi as Abi;

function client(url: string): PublicClient {
  return createPublicClient({ transport: http(url), pollingInterval: 100 }) as PublicClient;
}

async function settledNumber(
  l1: PublicClient,
  deployment: RollupDeployment,
  blockNumber?: bigint,
): Promise<bigint> {
  return (await l1.readContract({
    address: deployment.contracts.rollup,
    abi: ROLLUP_ABI,
    functionName: "number",
    ...(blockNumber !== undefined ? { blockNumber } : {}),
  })) as bigint;
}

/** Waits until L1 settled L2 block `n` and the follower holds it. */
async function settledAndFollowed(
  devnet: { l1: PublicClient; deployment: RollupDeployment; follower: RunningL2 },
  n: bigint,
) {
  await until(`L2 block ${n} settled`, async () =>
    (await settledNumber(devnet.l1, devnet.deployment)) >= n ? true : undefined,
  );
  await until(`the follower at ${n}`, async () =>
    devnet.follower.node.head.header.number >= n ? true : undefined,
  );
}

/** Every block both nodes hold has the same hash and state root on both RPCs. */
async function sameChain(a: PublicClient, b: PublicClient, upTo: bigint) {
  for (let n = 1n; n <= upTo; n++) {
    const [x, y] = await Promise.all([a.getBlock({ blockNumber: n }), b.getBlock({ blockNumber: n })]);
    assert.equal(y.hash, x.hash, `block ${n} hash`);
    assert.equal(y.stateRoot, x.stateRoot, `block ${n} state root`);
  }
}

describe("an L2 sequencer and follower on one L1", () => {
  let devnet: Devnet;
  let l1: PublicClient;
  let sequencer: PublicClient;
  let follower: PublicClient;
  const ctx = () => ({ l1, deployment: devnet.deployment, follower: devnet.follower });

  before(async () => {
    devnet = await startDevnet({ l1SlotMs: SLOT_MS, port: 0 });
    l1 = client(devnet.l1Server.url);
    sequencer = client(devnet.sequencer.server.url);
    follower = client(devnet.follower.server.url);
  });
  after(() => devnet?.close());

  it("settles the sequencer's blocks on L1; the follower derives the same blocks and state roots from L1", async () => {
    await settledAndFollowed(ctx(), 3n);
    // The number and the root of one L1 block: the L1 goes on settling meanwhile.
    const at = await l1.getBlockNumber({ cacheTime: 0 });
    const settled = await settledNumber(l1, devnet.deployment, at);
    const onL1 = await l1.readContract({
      address: devnet.deployment.contracts.rollup,
      abi: ROLLUP_ABI,
      functionName: "stateRoot",
      blockNumber: at,
    });
    const block = await sequencer.getBlock({ blockNumber: settled });
    assert.equal(onL1, block.stateRoot, "L1's settled root is the sequencer's block's");
    await settledAndFollowed(ctx(), settled);
    await sameChain(sequencer, follower, settled);
  });

  it("relays a deposit to a fresh address: its L2 balance is the deposit, on both nodes", async () => {
    const user = privateKeyToAccount(generatePrivateKey());
    const l1Client = await connectL1(devnet.l1Server.url, devnet.l1.devAccounts[1].privateKey, 100);
    const hash = await l1Client.wallet!.writeContract({
      address: devnet.deployment.contracts.bridge,
      abi: BRIDGE_ABI,
      functionName: "deposit",
      args: [user.address, "0x"],
      value: parseEther("2"),
      chain: l1Client.wallet!.chain,
      account: l1Client.wallet!.account,
    });
    assert.equal((await l1.waitForTransactionReceipt({ hash })).status, "success");
    await until("the deposit on L2", async () =>
      (await sequencer.getBalance({ address: user.address })) > 0n ? true : undefined,
    );
    assert.equal(await sequencer.getBalance({ address: user.address }), parseEther("2"));
    const claimedIn = devnet.sequencer.node.head.header.number;
    await settledAndFollowed(ctx(), claimedIn);
    assert.equal(
      await follower.getBalance({ address: user.address, blockNumber: claimedIn }),
      parseEther("2"),
    );
  });

  it("includes a transaction sent with viem to its JSON-RPC; the follower refuses transactions", async () => {
    const chain = defineChain({
      id: Number(devnet.deployment.chain.chainId),
      name: "L2",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [devnet.sequencer.server.url] } },
    });
    const from = privateKeyToAccount(devnet.l1.devAccounts[2].privateKey);
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const wallet = createWalletClient({ chain, account: from, transport: http(devnet.sequencer.server.url) });
    const hash = await wallet.sendTransaction({ to, value: 12345n });
    const receipt = await sequencer.waitForTransactionReceipt({ hash, pollingInterval: 100 });
    assert.equal(receipt.status, "success");
    await settledAndFollowed(ctx(), receipt.blockNumber);
    assert.equal(await follower.getBalance({ address: to }), 12345n);
    const tx = await follower.getTransaction({ hash });
    assert.equal(tx.blockNumber, receipt.blockNumber);

    const signed = await wallet.signTransaction({
      to,
      value: 1n,
      nonce: 100,
      gas: 21_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
    });
    await assert.rejects(
      follower.request({ method: "eth_sendRawTransaction", params: [signed] }),
      /send them to the sequencer/,
    );
  });

  it("refuses a malformed transaction and a blob transaction with a clear error, and keeps sequencing", async () => {
    await assert.rejects(
      sequencer.request({ method: "eth_sendRawTransaction", params: ["0x02c0"] }),
      /invalid transaction/,
    );
    const before = devnet.sequencer.node.head.header.number;
    await until("a later block", async () =>
      devnet.sequencer.node.head.header.number > before ? true : undefined,
    );
    const status = (await sequencer.request({ method: "nrx_rollup" } as never)) as Record<string, string>;
    assert.equal(status.role, "sequencer");
    assert.equal(status.rollup, devnet.deployment.contracts.rollup);
  });
});

describe("two rollups on one L1, one posting in blobs", () => {
  let devnet: Devnet;
  let second: { deployment: RollupDeployment; sequencer: RunningL2; follower: RunningL2 };

  before(async () => {
    devnet = await startDevnet({ l1SlotMs: SLOT_MS, port: 0 });
    const deployer = await connectL1(devnet.l1Server.url, devnet.l1.devAccounts[3].privateKey, 100);
    const deployment = await deployRollup(deployer, { chainId: 902n });
    const common = { deployment, l1Url: devnet.l1Server.url, l1SlotMs: SLOT_MS, port: 0 };
    const seq = await startL2Node({
      ...common,
      role: "sequencer",
      key: devnet.l1.devAccounts[SEQUENCER_ACCOUNT - 1].privateKey,
      posting: "blobs",
    });
    const fol = await startL2Node({ ...common, role: "follower" });
    second = { deployment, sequencer: seq, follower: fol };
  });
  after(async () => {
    await second?.sequencer.close();
    await second?.follower.close();
    await devnet?.close();
  });

  it("both settle; the blob-posting rollup's follower derives its blocks from the blobs", async () => {
    const l1 = client(devnet.l1Server.url);
    await settledAndFollowed({ l1, deployment: second.deployment, follower: second.follower }, 2n);
    await settledAndFollowed({ l1, deployment: devnet.deployment, follower: devnet.follower }, 2n);
    // More may have settled since: the follower derives those too before the chains are compared.
    const settled = await settledNumber(l1, second.deployment);
    await settledAndFollowed({ l1, deployment: second.deployment, follower: second.follower }, settled);
    await sameChain(client(second.sequencer.server.url), client(second.follower.server.url), settled);
    // The advance transactions of the second rollup carry blobs.
    const [advanced] = await l1.getContractEvents({
      address: second.deployment.contracts.rollup,
      abi: ROLLUP_ABI,
      eventName: "Advanced",
      fromBlock: 0n,
    });
    assert.ok(advanced);
    const tx = await l1.getTransaction({ hash: advanced.transactionHash as Hex });
    assert.equal(tx.type, "eip4844");
    assert.ok((tx.blobVersionedHashes?.length ?? 0) >= 1);
  });

  it("the L1 lists both rollups with their chain ids and settled heads", async () => {
    const l1 = client(devnet.l1Server.url);
    const list = (await l1.request({ method: "nrx_listRollups" } as never)) as Record<string, string>[];
    assert.deepEqual(
      list.map((r) => [r.address.toLowerCase(), BigInt(r.chainId)]),
      [
        [devnet.deployment.contracts.rollup.toLowerCase(), 901n],
        [second.deployment.contracts.rollup.toLowerCase(), 902n],
      ],
    );
    for (const r of list) assert.ok(BigInt(r.number) >= 2n, `rollup ${r.chainId} settled blocks`);
  });
});

describe("L2 nodes restart from their data directories", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "nrx-l2-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a restarted sequencer and follower resume their chains and keep settling", async () => {
    const first = await startDevnet({ l1SlotMs: SLOT_MS, port: 0, dataDir: dir });
    const l1 = client(first.l1Server.url);
    await settledAndFollowed({ l1, deployment: first.deployment, follower: first.follower }, 3n);
    const rollup = first.deployment.contracts.rollup;
    const head = first.sequencer.node.head.header.number;
    const followed = first.follower.node.head.header.number;
    await first.close();

    const second = await startDevnet({ l1SlotMs: SLOT_MS, port: 0, dataDir: dir });
    try {
      assert.equal(second.deployment.contracts.rollup, rollup, "the deployment was kept, not redeployed");
      assert.ok(second.follower.node.head.header.number >= followed, "the follower resumed at its head");
      const l1Again = client(second.l1Server.url);
      const target = head + 2n;
      await settledAndFollowed(
        { l1: l1Again, deployment: second.deployment, follower: second.follower },
        target,
      );
      await sameChain(client(second.sequencer.server.url), client(second.follower.server.url), target);
    } finally {
      await second.close();
    }
  });
});

describe("two sequencers on one based rollup", () => {
  it("each adopts from L1 the blocks the other settled, and settles its own on top", async () => {
    const devnet = await startDevnet({ l1SlotMs: SLOT_MS, port: 0 });
    const l1 = client(devnet.l1Server.url);
    const ours = devnet.sequencer.sequencer!;
    let rival: RunningL2 | undefined;
    const settledBy = async () => {
      const events = await l1.getContractEvents({
        address: devnet.deployment.contracts.rollup,
        abi: ROLLUP_ABI,
        eventName: "Advanced",
        fromBlock: 0n,
      });
      const senders = new Map<bigint, { sender: string; hash: Hex }>();
      for (const event of events) {
        const tx = await l1.getTransaction({ hash: event.transactionHash as Hex });
        const { number, blockHash } = event.args as unknown as { number: bigint; blockHash: Hex };
        senders.set(number, { sender: tx.from.toLowerCase(), hash: blockHash });
      }
      return senders;
    };
    try {
      await settledAndFollowed({ l1, deployment: devnet.deployment, follower: devnet.follower }, 2n);
      await ours.stop();
      const handover = await settledNumber(l1, devnet.deployment);
      rival = await startL2Node({
        deployment: devnet.deployment,
        l1Url: devnet.l1Server.url,
        l1SlotMs: SLOT_MS,
        port: 0,
        role: "sequencer",
        key: devnet.l1.devAccounts[SEQUENCER_ACCOUNT - 2].privateKey,
      });
      const ourAddress = devnet.l1.devAccounts[SEQUENCER_ACCOUNT].address.toLowerCase();
      const rivalAddress = devnet.l1.devAccounts[SEQUENCER_ACCOUNT - 2].address.toLowerCase();
      const lastBy = (settled: Map<bigint, { sender: string }>, sender: string) =>
        [...settled].reduce((max, [n, v]) => (v.sender === sender && n > max ? n : max), -1n);
      // Ours may still land blocks it posted before it stopped; then the rival settles on top.
      const rivalLast = await until("the rival to settle blocks", async () => {
        const n = lastBy(await settledBy(), rivalAddress);
        return n >= handover + 2n ? n : undefined;
      });
      await rival.sequencer!.stop();
      await ours.start();
      const settled = await until("ours to settle on top of the rival's blocks", async () => {
        const s = await settledBy();
        return lastBy(s, ourAddress) > lastBy(s, rivalAddress) ? s : undefined;
      });
      assert.ok(rivalLast > 2n, "the rival built on the blocks ours settled");
      // Both nodes hold L1's settled chain: what the other settled was derived, not rebuilt.
      for (const node of [devnet.sequencer.node, rival.node]) {
        for (const [number, { hash }] of settled) {
          const local = node.blockByNumber(number);
          if (local === undefined) continue;
          assert.equal(`0x${Buffer.from(local.block.hash()).toString("hex")}`, hash, `block ${number}`);
        }
      }
      await settledAndFollowed(
        { l1, deployment: devnet.deployment, follower: devnet.follower },
        lastBy(settled, ourAddress),
      );
    } finally {
      await rival?.close();
      await devnet.close();
    }
  });
});

describe("a rollup whose gas token is an ERC-20 on L1", () => {
  it("relays a token deposit as native L2 balance; a withdrawal is claimed on L1 in tokens", async () => {
    const devnet = await startDevnet({ l1SlotMs: SLOT_MS, port: 0 });
    const owner = await connectL1(devnet.l1Server.url, devnet.l1.devAccounts[4].privateKey, 100);
    const wallet = owner.wallet!;
    const l1 = client(devnet.l1Server.url);
    const token = loadArtifact("TestToken");
    const send = async (request: Parameters<typeof wallet.writeContract>[0]) => {
      const hash = await wallet.writeContract(request);
      assert.equal((await l1.waitForTransactionReceipt({ hash })).status, "success");
    };
    let l2: RunningL2 | undefined;
    try {
      const deployHash = await wallet.deployContract({
        abi: token.abi as Abi,
        bytecode: token.bytecode,
        chain: wallet.chain,
        account: wallet.account,
      });
      const tokenAddress = (await l1.waitForTransactionReceipt({ hash: deployHash })).contractAddress as Hex;
      const call = {
        address: tokenAddress,
        abi: token.abi as Abi,
        chain: wallet.chain,
        account: wallet.account,
      };
      await send({ ...call, functionName: "mint", args: [wallet.account.address, parseEther("5000")] });
      const deployment = await deployRollup(owner, { chainId: 903n, gasToken: tokenAddress });
      l2 = await startL2Node({
        deployment,
        l1Url: devnet.l1Server.url,
        l1SlotMs: SLOT_MS,
        port: 0,
        role: "sequencer",
        key: devnet.l1.devAccounts[SEQUENCER_ACCOUNT - 3].privateKey,
      });
      const user = privateKeyToAccount(generatePrivateKey());
      await send({ ...call, functionName: "approve", args: [deployment.contracts.bridge, parseEther("3")] });
      await send({
        address: deployment.contracts.bridge,
        abi: BRIDGE_ABI,
        functionName: "depositToken",
        args: [user.address, parseEther("3"), "0x"],
        chain: wallet.chain,
        account: wallet.account,
      });
      const l2Client = client(l2.server.url);
      await until("the token deposit on L2", async () =>
        (await l2Client.getBalance({ address: user.address })) > 0n ? true : undefined,
      );
      assert.equal(await l2Client.getBalance({ address: user.address }), parseEther("3"));

      // The user withdraws 1 of its 3 (paying L2 gas in the token) to an L1 address of its own.
      const chain = defineChain({
        id: 903,
        name: "L2",
        nativeCurrency: { name: "Token", symbol: "TT", decimals: 18 },
        rpcUrls: { default: { http: [l2.server.url] } },
      });
      const l2Wallet = createWalletClient({ chain, account: user, transport: http(l2.server.url) });
      const withdrawHash = await l2Wallet.writeContract({
        address: "0x00000000000000000000000000000000000b71d9",
        abi: loadArtifact("L2Bridge").abi as Abi,
        functionName: "withdraw",
        args: [user.address],
        value: parseEther("1"),
      });
      await l2Client.waitForTransactionReceipt({ hash: withdrawHash, pollingInterval: 100 });
      await claimWithdrawals(owner, l2Client, deployment, withdrawHash);
      const balance = await l1.readContract({
        address: tokenAddress,
        abi: token.abi as Abi,
        functionName: "balanceOf",
        args: [user.address],
      });
      assert.equal(balance, parseEther("1"), "the withdrawal was paid in tokens on L1");
      await assert.rejects(claimWithdrawals(owner, l2Client, deployment, withdrawHash), /AlreadyClaimed/);
    } finally {
      await l2?.close();
      await devnet.close();
    }
  });
});
