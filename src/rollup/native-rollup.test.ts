/**
 * `NativeRollup` (contracts/NativeRollup.sol) on the L1 node with its policies
 * (contracts/Anchors.sol, contracts/Sequencing.sol): its constructor announces it
 * (`RollupCreated`), L2 block 1 of the workload chain settles through `EXECUTE`, every rule of
 * `advance` rejects with its own error without moving the settled head, and the L1 blocks carrying
 * these calls re-verify statelessly.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Block } from "@ethereumjs/block";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { type Hex, keccak256, numberToHex, pad, toBytes } from "viem";
import type { L1Node } from "../l1/node.ts";
import { executeHeaderFields } from "../l1/rules.ts";
import { decodeStatelessInput } from "../stateless/ssz.ts";
import {
  balanceOf,
  type L2Block,
  memoryNode,
  reverifyBlock,
  validL2Block,
  withWrongStateRoot,
} from "../testing/l1.ts";
import { buildL2Block, createL2Genesis, l2Transaction } from "../testing/l2-chain.ts";
import {
  type Deployed,
  type Deployment,
  deploy,
  deployBridgedRollup,
  gasCost,
  type Revert,
  receiptOf,
  rollupDeployment,
} from "../testing/rollup.ts";
import { createGenesis, DEVNET_CHAIN_ID } from "../workload/transfers.ts";

/** Sent with every `advance`: far above the fee, since the rollup forwards the excess back. */
const PREPAYMENT = 10n ** 18n;
const ZERO = bytesToHex(new Uint8Array(32));
const ETHER = 10n ** 18n;

/** L2 block 1 of the workload chain and what settling it must record. */
type Fixture = {
  l2: L2Block;
  lying: Uint8Array;
  genesisHash: Hex;
  genesisStateRoot: Hex;
  blockHash: Hex;
  stateRoot: Hex;
  anchor: Hex;
  burnedFees: bigint;
};

let f: Fixture;

before(async () => {
  const l2 = await validL2Block();
  // validL2Block's workload: 20 funded accounts with the ERC-20.
  const genesis = await createGenesis({ accounts: 20 });
  const request = decodeStatelessInput(l2.bytes).newPayloadRequest;
  const payload = request.executionPayload;
  f = {
    l2,
    lying: await withWrongStateRoot(l2),
    genesisHash: bytesToHex(genesis.block.hash()),
    genesisStateRoot: bytesToHex(genesis.header.stateRoot),
    blockHash: bytesToHex(payload.blockHash),
    stateRoot: bytesToHex(payload.stateRoot),
    anchor: bytesToHex(request.parentBeaconBlockRoot),
    burnedFees: payload.gasUsed * payload.baseFeePerGas,
  };
  assert.equal(
    bytesToHex(payload.parentHash),
    f.genesisHash,
    "the L2 block is built on the workload genesis",
  );
  assert.notEqual(f.anchor, ZERO);
});

type Setup = { rollup: Deployed; registry: Deployed; sequencing: Deployed };

/**
 * Deploys an AnchorRegistry published to by dev account 0 (with the L2 block's anchor unless
 * `publish` is false), a sequencing policy (BasedSequencing unless given) and a NativeRollup on
 * the workload genesis.
 */
async function setUp(
  node: L1Node,
  options: { chainId?: bigint; publish?: boolean; sequencing?: Deployment } = {},
): Promise<Setup> {
  const [registry, sequencing] = await deploy(node, 0, [
    { name: "AnchorRegistry", args: [node.devAccounts[0].address] },
    options.sequencing ?? { name: "BasedSequencing" },
  ]);
  if (options.publish ?? true) {
    const hash = await registry.send(0, "publish", [f.anchor]);
    await node.mine();
    assert.equal(receiptOf(node, hash).status, 1, "the anchor is published");
  }
  const [rollup] = await deploy(node, 0, [
    rollupDeployment({
      chainId: options.chainId ?? DEVNET_CHAIN_ID,
      genesisBlockHash: f.genesisHash,
      genesisStateRoot: f.genesisStateRoot,
      sequencing: sequencing.address.toString(),
      anchors: registry.address.toString(),
    }),
  ]);
  return { rollup, registry, sequencing };
}

/** The rollup's settled head. */
async function settled(rollup: Deployed) {
  return {
    number: await rollup.read("number"),
    blockHash: await rollup.read("blockHash"),
    stateRoot: await rollup.read("stateRoot"),
    lastAnchor: await rollup.read("lastAnchor"),
  };
}

const GENESIS_HEAD = () => ({
  number: 0n,
  blockHash: f.genesisHash,
  stateRoot: f.genesisStateRoot,
  lastAnchor: ZERO,
});
const BLOCK_1_HEAD = () => ({
  number: 1n,
  blockHash: f.blockHash,
  stateRoot: f.stateRoot,
  lastAnchor: f.anchor,
});

/** The execute-gas fee of `l2` in `block`: what EXECUTE burns of the prepayment. */
/** The execute fee the block charged: none when the rollup refused the sender before EXECUTE. */
function executeFee(block: Block): bigint {
  return executeHeaderFields(block.header).executeGasUsed * executeHeaderFields(block.header).executeBaseFee;
}

/**
 * `advance(input)` from dev account `from` reverts with `expected`, both as `eth_call` and mined:
 * the transaction fails, the settled head stays, and the sender pays L1 gas plus the execute fee
 * of the calls EXECUTE ran (none for a refused sequencer); the rest of the prepayment comes back.
 */
async function expectRejected(rollup: Deployed, from: number, input: Uint8Array, expected: Revert) {
  const { node } = rollup;
  const head = await settled(rollup);
  const args = [bytesToHex(input)];
  assert.deepEqual(await rollup.revertOf(from, "advance", args, PREPAYMENT), expected);
  const sender = node.devAccounts[from].address;
  const balance = await balanceOf(node, sender);
  const hash = await rollup.send(from, "advance", args, PREPAYMENT);
  const [block] = await node.mine();
  const receipt = receiptOf(node, hash);
  assert.equal(receipt.status, 0, `${expected.errorName} reverts the transaction`);
  assert.deepEqual(await settled(rollup), head, "the settled head does not move");
  assert.equal(balance - (await balanceOf(node, sender)), gasCost(receipt) + executeFee(block));
  if (expected.errorName === "NotSequencer") {
    assert.deepEqual(node.chain[Number(block.header.number)].executeCalls, [], "refused before EXECUTE");
  }
  assert.equal(await balanceOf(node, rollup.address), 0n);
}

/** Re-verifies every block of `node` after genesis statelessly, as a validator would. */
async function reverifyChain(node: L1Node): Promise<void> {
  for (const { block } of node.chain.slice(1)) {
    const verification = await reverifyBlock(node, block);
    assert.equal(verification.successfulValidation, true, verification.message);
    assert.equal(bytesToHex(verification.verified!.blockHash), bytesToHex(block.hash()));
  }
}

describe("NativeRollup on the L1 node", () => {
  it("the constructor emits RollupCreated(uint64 indexed chainId, bytes32 genesisBlockHash, bytes32 genesisStateRoot)", async () => {
    const { node } = await memoryNode();
    const chainId = DEVNET_CHAIN_ID + 7n;
    const { rollup } = await setUp(node, { chainId });
    assert.ok(rollup.receipt, "deployed by deploy()");
    assert.deepEqual(rollup.events(rollup.receipt, "RollupCreated"), [
      { chainId, genesisBlockHash: f.genesisHash, genesisStateRoot: f.genesisStateRoot },
    ]);
    // What an L1 node indexes: this exact signature, with the chain id as the first topic.
    const [log] = rollup.receipt.logs;
    assert.equal(log.address.toLowerCase(), rollup.address.toString());
    assert.deepEqual(log.topics, [
      keccak256(toBytes("RollupCreated(uint64,bytes32,bytes32)")),
      pad(numberToHex(chainId)),
    ]);
  });

  it("advance settles L2 block 1: head, state root history, Advanced, and the excess prepayment back to the sender", async () => {
    const { node } = await memoryNode();
    const { rollup } = await setUp(node);
    assert.deepEqual(await settled(rollup), GENESIS_HEAD());
    assert.equal(await rollup.read("stateRootAt", [0n]), f.genesisStateRoot);

    const sender = node.devAccounts[1].address;
    const balance = await balanceOf(node, sender);
    const hash = await rollup.send(1, "advance", [bytesToHex(f.l2.bytes)], PREPAYMENT);
    const [block] = await node.mine();

    const receipt = receiptOf(node, hash);
    assert.equal(receipt.status, 1);
    assert.deepEqual(rollup.events(receipt, "Advanced"), [
      {
        number: 1n,
        blockHash: f.blockHash,
        stateRoot: f.stateRoot,
        anchor: f.anchor,
        burnedFees: f.burnedFees,
      },
    ]);
    assert.ok(f.burnedFees > 0n);
    assert.deepEqual(await settled(rollup), BLOCK_1_HEAD());
    assert.equal(await rollup.read("stateRootAt", [1n]), f.stateRoot);
    assert.equal(await rollup.read("stateRootAt", [0n]), f.genesisStateRoot, "the genesis root is kept");
    assert.deepEqual(await rollup.revertOf(1, "stateRootAt", [2n]), {
      errorName: "UnknownStateRoot",
      args: [2n],
    });

    const fee = executeFee(block);
    assert.ok(fee > 0n && fee < PREPAYMENT);
    assert.equal(await balanceOf(node, rollup.address), 0n, "the rollup keeps no ETH");
    assert.equal(balance - (await balanceOf(node, sender)), gasCost(receipt) + fee, "only gas and the fee");
    assert.deepEqual(
      node.chain[Number(block.header.number)].executeCalls.map((c) => [c.caller, c.outcome, c.fee]),
      [[rollup.address.toString(), "valid", fee.toString()]],
    );
    await reverifyChain(node);
  });

  it("a lying block (wrong post-state root) is rejected with InvalidBlock", async () => {
    const { node } = await memoryNode();
    const { rollup } = await setUp(node);
    await expectRejected(rollup, 1, f.lying, { errorName: "InvalidBlock", args: [] });
    assert.deepEqual(await settled(rollup), GENESIS_HEAD());
    await reverifyChain(node);
  });

  it("replaying block 1 after it settled is rejected with WrongPreState, the first continuity check", async () => {
    const { node } = await memoryNode();
    const { rollup } = await setUp(node);
    const hash = await rollup.send(1, "advance", [bytesToHex(f.l2.bytes)], PREPAYMENT);
    await node.mine();
    assert.equal(receiptOf(node, hash).status, 1);

    await expectRejected(rollup, 2, f.l2.bytes, {
      errorName: "WrongPreState",
      args: [f.stateRoot, f.genesisStateRoot],
    });
    assert.deepEqual(await settled(rollup), BLOCK_1_HEAD());
  });

  it("a block on the settled state root but another parent is rejected with WrongParent", async () => {
    const { node } = await memoryNode();
    const genesis = await createL2Genesis({ premint: ETHER, accounts: 2 });
    const { bridge, rollup } = await deployBridgedRollup(node, 0, genesis);
    const anchor = hexToBytes((await bridge.read("root")) as Hex);
    const [alice, bob] = genesis.accounts;
    const transfer = l2Transaction(genesis, alice, 0n, { to: bob.address, value: ETHER, gasLimit: 21_000n });
    // Two blocks 1 alike (parent, timestamp, anchor, transactions) but for prevRandao: nothing
    // here reads it, so they reach the same state, yet their hashes differ.
    const sibling = (randao: number) =>
      buildL2Block(genesis, [transfer], { anchor, mixHash: new Uint8Array(32).fill(randao) });
    const [a, b] = [await sibling(1), await sibling(2)];
    assert.equal(bytesToHex(a.header.stateRoot), bytesToHex(b.header.stateRoot), "the same post-state root");
    assert.notEqual(bytesToHex(a.block.hash()), bytesToHex(b.block.hash()), "different block hashes");

    const settledA = await rollup.send(1, "advance", [bytesToHex(a.bytes)], PREPAYMENT);
    await node.mine();
    assert.equal(receiptOf(node, settledA).status, 1, "block 1 = A settles");
    // Block 2 on B: its pre-state root is A's post-state root, its parent is not A.
    const onB = await buildL2Block(b, [], { anchor });
    await expectRejected(rollup, 2, onB.bytes, {
      errorName: "WrongParent",
      args: [bytesToHex(a.block.hash()), bytesToHex(b.block.hash())],
    });
    const onA = await buildL2Block(a, [], { anchor });
    const settledOnA = await rollup.send(2, "advance", [bytesToHex(onA.bytes)], PREPAYMENT);
    await node.mine();
    assert.equal(receiptOf(node, settledOnA).status, 1, "block 2 on A settles");
    assert.equal(await rollup.read("blockHash"), bytesToHex(onA.block.hash()));
  });

  it("a rollup of another chain id rejects the block with WrongChain", async () => {
    const { node } = await memoryNode();
    const { rollup } = await setUp(node, { chainId: DEVNET_CHAIN_ID + 1n });
    await expectRejected(rollup, 1, f.l2.bytes, {
      errorName: "WrongChain",
      args: [DEVNET_CHAIN_ID + 1n, DEVNET_CHAIN_ID],
    });
  });

  it("an anchor the registry never published is rejected with StaleAnchor", async () => {
    const { node } = await memoryNode();
    const { rollup, registry } = await setUp(node, { publish: false });
    assert.equal(await registry.read("isAcceptable", [f.anchor, ZERO]), false);
    await expectRejected(rollup, 1, f.l2.bytes, { errorName: "StaleAnchor", args: [f.anchor, ZERO] });
  });

  it("AnchorRegistry accepts a published anchor unless it was published before the last one", async () => {
    const { node } = await memoryNode();
    const [registry] = await deploy(node, 0, [
      { name: "AnchorRegistry", args: [node.devAccounts[0].address] },
    ]);
    const [a, b, unknown] = ["0xaa", "0xbb", "0xcc"].map((byte) => `0x${byte.slice(2).repeat(32)}`);
    assert.deepEqual(await registry.revertOf(1, "publish", [a]), {
      errorName: "NotPublisher",
      args: [node.devAccounts[1].address],
    });
    assert.deepEqual(await registry.revertOf(0, "publish", [ZERO]), { errorName: "ZeroRoot", args: [] });

    const hashes = [await registry.send(0, "publish", [a]), await registry.send(0, "publish", [b])];
    await node.mine();
    assert.deepEqual(
      hashes.map((hash) => registry.events(receiptOf(node, hash), "Published")),
      [[{ root: a, position: 1n }], [{ root: b, position: 2n }]],
    );
    assert.deepEqual(await registry.revertOf(0, "publish", [a]), {
      errorName: "AlreadyPublished",
      args: [a],
    });

    const cases: [string, string, string, boolean][] = [
      ["the first anchor after genesis", a, ZERO, true],
      ["a newer anchor", b, a, true],
      ["the same anchor again", b, b, true],
      ["an anchor older than the last", a, b, false],
      ["an unpublished anchor", unknown, ZERO, false],
      ["an unpublished anchor after a published one", unknown, a, false],
    ];
    for (const [name, anchor, lastAnchor, acceptable] of cases) {
      assert.equal(await registry.read("isAcceptable", [anchor, lastAnchor]), acceptable, name);
    }
  });

  it("AllowlistSequencing: only listed sequencers holding the minimum bond advance; a removed one is refused and withdraws its bond", async () => {
    const { node } = await memoryNode();
    const minimumBond = ETHER;
    const { rollup, sequencing: allowlist } = await setUp(node, {
      sequencing: { name: "AllowlistSequencing", args: [node.devAccounts[0].address, minimumBond] },
    });
    const address = (index: number) => node.devAccounts[index].address;
    // 1 and 2: listed and bonded; 3: listed with half a bond; 4: bonded, not listed.
    const hashes = [
      await allowlist.send(1, "bond", [], minimumBond),
      await allowlist.send(2, "bond", [], minimumBond),
      await allowlist.send(3, "bond", [], minimumBond / 2n),
      await allowlist.send(4, "bond", [], minimumBond),
    ];
    for (const i of [1, 2, 3]) hashes.push(await allowlist.send(0, "add", [address(i)]));
    await node.mine();
    for (const hash of hashes) assert.equal(receiptOf(node, hash).status, 1);
    assert.deepEqual(allowlist.events(receiptOf(node, hashes[0]), "Bonded"), [
      { sequencer: address(1), amount: minimumBond, total: minimumBond },
    ]);

    assert.deepEqual(await allowlist.revertOf(4, "add", [address(4)]), {
      errorName: "NotOwner",
      args: [address(4)],
    });
    assert.deepEqual(await allowlist.revertOf(1, "bond"), { errorName: "EmptyBond", args: [] });
    assert.deepEqual(await allowlist.revertOf(1, "withdrawBond"), {
      errorName: "StillListed",
      args: [address(1)],
    });
    const allowed = [];
    for (const i of [1, 2, 3, 4]) allowed.push(await allowlist.read("isAllowed", [address(i)]));
    assert.deepEqual(allowed, [true, true, false, false]);
    for (const i of [3, 4]) {
      assert.deepEqual(
        await rollup.revertOf(i, "advance", [bytesToHex(f.l2.bytes)], PREPAYMENT),
        { errorName: "NotSequencer", args: [address(i)] },
        `sequencer ${i}`,
      );
    }

    // Removal: 2 is refused at once, then gets its bond back.
    const removal = await allowlist.send(0, "remove", [address(2)]);
    await node.mine();
    assert.equal(receiptOf(node, removal).status, 1);
    assert.equal(await allowlist.read("isAllowed", [address(2)]), false);
    await expectRejected(rollup, 2, f.l2.bytes, { errorName: "NotSequencer", args: [address(2)] });

    const balance = await balanceOf(node, address(2));
    const withdrawal = await allowlist.send(2, "withdrawBond");
    await node.mine();
    const receipt = receiptOf(node, withdrawal);
    assert.equal(receipt.status, 1);
    assert.deepEqual(allowlist.events(receipt, "BondWithdrawn"), [
      { sequencer: address(2), amount: minimumBond },
    ]);
    assert.equal((await balanceOf(node, address(2))) - balance, minimumBond - gasCost(receipt));
    assert.equal(await allowlist.read("bondOf", [address(2)]), 0n);
    assert.deepEqual(await allowlist.revertOf(2, "withdrawBond"), {
      errorName: "NoBond",
      args: [address(2)],
    });

    // A listed, bonded sequencer advances.
    const hash = await rollup.send(1, "advance", [bytesToHex(f.l2.bytes)], PREPAYMENT);
    await node.mine();
    assert.equal(receiptOf(node, hash).status, 1);
    assert.deepEqual(await settled(rollup), BLOCK_1_HEAD());
    assert.equal(await balanceOf(node, allowlist.address), 2n * minimumBond + minimumBond / 2n);
    await reverifyChain(node);
  });
});
