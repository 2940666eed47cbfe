/**
 * `nrx_listRollups` (src/rpc/rollups.ts) on an in-memory L1 node: the rollups that
 * `deployBridgedRollup` deploys are listed by deployment with their genesis, a settled L2 block
 * moves its rollup's head, `evm_revert` drops what it reverted (also when the chain grows past the
 * old height again), a fake emitting `RollupCreated` is listed with a null head, and the method
 * answers through the real JSON-RPC server.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { type AbiEvent, createPublicClient, type Hex, http, pad, toEventSelector, toHex } from "viem";
import { loadArtifact } from "../contracts/compile.ts";
import type { L1Node } from "../l1/node.ts";
import { memoryNode, nextNonce } from "../testing/l1.ts";
import { buildL2Block, createL2Genesis } from "../testing/l2-chain.ts";
import { type BridgedRollup, deployBridgedRollup, GAS, receiptOf } from "../testing/rollup.ts";
import { INVALID_PARAMS, RpcError } from "./errors.ts";
import { serveL1 } from "./l1.ts";
import { listRollups, rollupIndex, rollupMethods } from "./rollups.ts";

const PREMINT = 10n ** 27n;
/** Sent with `advance`: far above the fee, since the rollup forwards the excess back. */
const PREPAYMENT = 10n ** 18n;
const CONTEXT = { transport: "http" } as const;

type Genesis = Awaited<ReturnType<typeof createL2Genesis>>;
type Rollup = BridgedRollup & { genesis: Genesis; chainId: bigint };

/** An L2 genesis of `chainId` and its bridged rollup, deployed from dev account 0. */
async function deployRollup(node: L1Node, chainId: bigint): Promise<Rollup> {
  const genesis = await createL2Genesis({ chainId, premint: PREMINT, accounts: 1 });
  return { ...(await deployBridgedRollup(node, 0, genesis, { chainId })), genesis, chainId };
}

/** What `nrx_listRollups` must say of a rollup still at its genesis. */
function atGenesis(r: Rollup) {
  const genesisBlockHash = bytesToHex(r.genesis.block.hash());
  const genesisStateRoot = bytesToHex(r.genesis.header.stateRoot);
  return {
    address: r.rollup.address.toString(),
    chainId: toHex(r.chainId),
    genesisBlockHash,
    genesisStateRoot,
    number: "0x0",
    stateRoot: genesisStateRoot,
    blockHash: genesisBlockHash,
  };
}

async function rpcList(node: L1Node): Promise<Record<string, unknown>[]> {
  return (await rollupMethods(node).nrx_listRollups([], CONTEXT)) as Record<string, unknown>[];
}

/** The fields `atGenesis` names, of each listed rollup (dropping `createdAt` and `transactionHash`). */
function heads(list: Record<string, unknown>[]) {
  return list.map(
    ({ address, chainId, genesisBlockHash, genesisStateRoot, number, stateRoot, blockHash }) => ({
      address,
      chainId,
      genesisBlockHash,
      genesisStateRoot,
      number,
      stateRoot,
      blockHash,
    }),
  );
}

/**
 * Init code that emits a look-alike `RollupCreated` with the chain id unindexed (to be skipped),
 * then the real shape for `chainId`, and deploys runtime code that reverts on every call.
 */
function fakeInitCode(chainId: bigint, genesisBlockHash: Hex, genesisStateRoot: Hex): Hex {
  const event = loadArtifact("NativeRollup").abi.find(
    (item): item is AbiEvent => item.type === "event" && item.name === "RollupCreated",
  );
  assert.ok(event);
  const topic0 = toEventSelector(event).slice(2);
  const word = (hex: Hex) => hex.slice(2);
  return `0x${[
    // memory: genesisBlockHash ‖ genesisStateRoot
    `7f${word(genesisBlockHash)}5f52`,
    `7f${word(genesisStateRoot)}602052`,
    // LOG1(0, 64, topic0): the chain id not indexed, skipped
    `7f${topic0}60405fa1`,
    // LOG2(0, 64, topic0, chainId)
    `7f${word(pad(toHex(chainId)))}7f${topic0}60405fa2`,
    // return runtime code PUSH0 PUSH0 REVERT
    "625f5ffd5f526003601df3",
  ].join("")}`;
}

/** Deploys `initCode` from dev account 1 and mines; returns the contract's address. */
async function deployCode(node: L1Node, initCode: Hex): Promise<Hex> {
  const tx = createFeeMarket1559Tx(
    {
      chainId: node.config.chainId,
      nonce: await nextNonce(node, 1),
      data: hexToBytes(initCode),
      gasLimit: GAS,
      maxFeePerGas: 100_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    },
    { common: node.common },
  ).sign(hexToBytes(node.devAccounts[1].privateKey));
  const hash = await node.sendRawTransaction(tx.serialize());
  await node.mine();
  const receipt = receiptOf(node, hash);
  assert.equal(receipt.status, 1, "the fake is deployed");
  assert.ok(receipt.contractAddress);
  return receipt.contractAddress.toLowerCase() as Hex;
}

describe("nrx_listRollups", () => {
  it("lists nothing on a fresh node and takes no params", async () => {
    const { node } = await memoryNode();
    assert.deepEqual(await rpcList(node), []);
    assert.deepEqual(await listRollups(node), []);
    await assert.rejects(
      async () => rollupMethods(node).nrx_listRollups(["0x1"], CONTEXT),
      (error: unknown) => error instanceof RpcError && error.code === INVALID_PARAMS,
    );
  });

  it("lists two rollups by deployment with their chain ids and genesis, then a settled block", async () => {
    const { node } = await memoryNode();
    const a = await deployRollup(node, 901n);
    const b = await deployRollup(node, 902n);
    const listed = await rpcList(node);
    assert.deepEqual(heads(listed), [atGenesis(a), atGenesis(b)]);
    const created = receiptOf(node, listed[1].transactionHash as string);
    assert.equal(created.contractAddress?.toLowerCase(), b.rollup.address.toString());
    assert.ok(BigInt(listed[0].createdAt as string) < BigInt(listed[1].createdAt as string));

    // L2 block 1 of rollup b, anchored at its bridge's root, settles.
    const anchor = (await b.bridge.read("root")) as Hex;
    const b1 = await buildL2Block(b.genesis, [], { anchor: hexToBytes(anchor) });
    const hash = await b.rollup.send(1, "advance", [bytesToHex(b1.bytes)], PREPAYMENT);
    await node.mine();
    assert.equal(receiptOf(node, hash).status, 1, "L2 block 1 settles");

    const settled = {
      ...atGenesis(b),
      number: "0x1",
      stateRoot: bytesToHex(b1.header.stateRoot),
      blockHash: bytesToHex(b1.block.hash()),
    };
    assert.deepEqual(heads(await rpcList(node)), [atGenesis(a), settled]);

    const typed = await listRollups(node);
    assert.deepEqual(
      typed.map((r) => [r.chainId, r.number]),
      [
        [901n, 0n],
        [902n, 1n],
      ],
    );
    assert.equal(rollupIndex(node).scannedBlocks, node.chain.length, "the index is at the head");
  });

  it("forgets rollups that evm_revert dropped, also when the chain grows past them again", async () => {
    const { node, dev } = await memoryNode();
    const a = await deployRollup(node, 901n);
    assert.equal((await rpcList(node)).length, 1);

    const snapshot = dev.snapshot();
    const b = await deployRollup(node, 902n);
    assert.deepEqual(heads(await rpcList(node)), [atGenesis(a), atGenesis(b)]);

    // Shorter chain: rescanned from the new head.
    assert.equal(await dev.revert(snapshot), true);
    assert.ok(rollupIndex(node).scannedBlocks > node.chain.length);
    assert.deepEqual(heads(await rpcList(node)), [atGenesis(a)]);
    assert.equal(rollupIndex(node).scannedBlocks, node.chain.length);

    // Reverted, then longer than before: the replaced blocks are rescanned too.
    const again = dev.snapshot();
    await deployRollup(node, 903n);
    const height = node.chain.length;
    assert.equal((await rpcList(node)).length, 2);
    assert.equal(await dev.revert(again), true);
    for (let i = 0; i < height; i++) await node.mine();
    assert.ok(node.chain.length > height);
    assert.deepEqual(heads(await rpcList(node)), [atGenesis(a)]);
  });

  it("lists a contract that emits the event but whose views revert with a null head", async () => {
    const { node } = await memoryNode();
    const genesisBlockHash = pad("0xaa") as Hex;
    const genesisStateRoot = pad("0xbb") as Hex;
    const fake = await deployCode(node, fakeInitCode(77n, genesisBlockHash, genesisStateRoot));
    const listed = await rpcList(node);
    assert.deepEqual(heads(listed), [
      {
        address: fake,
        chainId: "0x4d",
        genesisBlockHash,
        genesisStateRoot,
        number: null,
        stateRoot: null,
        blockHash: null,
      },
    ]);
  });

  it("answers through the JSON-RPC server", async () => {
    const { node } = await memoryNode();
    const a = await deployRollup(node, 901n);
    const server = await serveL1(node, { port: 0 });
    try {
      const client = createPublicClient({ transport: http(server.url) });
      const listed = (await client.request({ method: "nrx_listRollups" } as never)) as Record<
        string,
        unknown
      >[];
      assert.deepEqual(heads(listed), [atGenesis(a)]);
      assert.equal(listed[0].createdAt, toHex(BigInt(node.chain.length - 2)));
    } finally {
      await server.close();
    }
  });
});
