/**
 * The L1→L2 bridge (contracts/L1Bridge.sol, contracts/L2Bridge.sol, contracts/MessageTree.sol) and
 * its TypeScript mirror (message-tree.ts). Both bridges run on one in-memory node — the EVM is
 * the same on L1 and L2 — whose blocks take the anchor the test chooses as their
 * `parent_beacon_block_root`, as an L2 block does. The L2 bridge is the genesis predeploy of
 * genesis.ts, holding the premint.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Address, bytesToHex, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import type { Hex } from "viem";
import { compileSolidity, loadArtifact } from "../contracts/compile.ts";
import { parseL1Config } from "../l1/config.ts";
import { type L1Node, openL1Node } from "../l1/node.ts";
import { DevChain } from "../node/dev.ts";
import { balanceOf } from "../testing/l1.ts";
import { bridgeDeployment, Deployed, deploy, receiptOf } from "../testing/rollup.ts";
import { L2_BRIDGE_ADDRESS, l2BridgeGenesisAccount } from "./genesis.ts";
import {
  type Deposit,
  depositLeaf,
  MESSAGE_TREE_DEPTH,
  MessageTree,
  verifyMessage,
  withdrawalHash,
  withdrawalSlot,
} from "./message-tree.ts";

const ETHER = 10n ** 18n;
const PREMINT = 1_000_000n * ETHER;
const EMPTY_ROOT = bytesToHex(new MessageTree().root());

/** `MessageTree.verify` exposed, and a claim target that records its call (or refuses it). */
const HARNESS_SOURCE = `
import {MessageTree} from "./MessageTree.sol";
contract MessageTreeHarness {
    address public lastSender;
    uint256 public lastValue;
    bytes32 public lastNote;
    error Refused();

    function verify(bytes32 leaf, uint256 index, bytes32[32] calldata proof, bytes32 root) external pure returns (bool) {
        return MessageTree.verify(leaf, index, proof, root);
    }

    /// A claim's target: records who called with what.
    function note(bytes32 what) external payable {
        (lastSender, lastValue, lastNote) = (msg.sender, msg.value, what);
    }

    function refuse() external payable {
        revert Refused();
    }
}`;
const harness = compileSolidity({ "MessageTreeHarness.sol": HARNESS_SOURCE }).MessageTreeHarness;
const HARNESS_ADDRESS = createAddressFromString("0x00000000000000000000000000000000000c0de1");

/** One node with both bridges; `anchor` is the `parent_beacon_block_root` of the blocks mined next. */
type World = {
  node: L1Node;
  l1Bridge: Deployed;
  l2Bridge: Deployed;
  harness: Deployed;
  anchor: Hex;
  /** Every deposit so far, mirrored. */
  tree: MessageTree;
};

async function world(): Promise<World> {
  const config = parseL1Config({});
  const genesis = { ...config.genesis, alloc: { [L2_BRIDGE_ADDRESS]: l2BridgeGenesisAccount(PREMINT) } };
  const w = { anchor: EMPTY_ROOT, tree: new MessageTree() } as World;
  w.node = await openL1Node({ ...config, genesis });
  // Every block of this world carries the anchor as its parent beacon root, as an L2 block does.
  const produce = w.node.produceBlock.bind(w.node);
  w.node.produceBlock = (request = {}) =>
    produce({ parentBeaconBlockRoot: hexToBytes(w.anchor), ...request });
  [w.l1Bridge] = await deploy(w.node, 0, [bridgeDeployment()]);
  w.l2Bridge = new Deployed(w.node, createAddressFromString(L2_BRIDGE_ADDRESS), loadArtifact("L2Bridge").abi);
  await new DevChain(w.node).setCode(HARNESS_ADDRESS, hexToBytes(harness.deployedBytecode));
  w.harness = new Deployed(w.node, HARNESS_ADDRESS, harness.abi);
  return w;
}

/** A fresh recipient with no balance. */
function recipient(n: number): Hex {
  return `0xee${"00".repeat(17)}${n.toString(16).padStart(4, "0")}`;
}

/**
 * Sends the deposits (each from its dev account) and mines them in one block; mirrors them into
 * `w.tree` in tree order (the block orders transactions by fee and sender, not as sent) and
 * returns them in that order, each with the root its `Deposited` event published.
 */
async function depositAll(
  w: World,
  messages: { from: number; to: Hex; value: bigint; data?: Hex }[],
): Promise<{ deposit: Deposit; root: Hex }[]> {
  const hashes: Hex[] = [];
  for (const { from, to, value, data = "0x" } of messages) {
    hashes.push(await w.l1Bridge.send(from, "deposit", [to, data], value));
  }
  await w.node.mine();
  const events = hashes.map((hash) => {
    const receipt = receiptOf(w.node, hash);
    assert.equal(receipt.status, 1, "deposit succeeded");
    return w.l1Bridge.events(receipt, "Deposited")[0];
  });
  events.sort((a, b) => Number((a.index as bigint) - (b.index as bigint)));
  return events.map((event) => {
    const deposit: Deposit = {
      index: event.index as bigint,
      sender: (event.sender as Hex).toLowerCase() as Hex,
      to: (event.to as Hex).toLowerCase() as Hex,
      value: event.value as bigint,
      data: event.data as Hex,
    };
    assert.equal(deposit.index, BigInt(w.tree.count), "indices count up from 0");
    const root = bytesToHex(w.tree.append(depositLeaf(deposit)));
    assert.equal(event.root, root, `the root after deposit ${deposit.index} is the TS tree's`);
    return { deposit, root };
  });
}

function claimArgs(d: Deposit, proof: Uint8Array[]): readonly unknown[] {
  return [d.index, d.sender, d.to, d.value, d.data, proof.map(bytesToHex)];
}

/** Mines one block anchored at `anchor` (the L2 block that would carry the claims). */
async function mineAnchoredAt(w: World, anchor: Hex): Promise<void> {
  w.anchor = anchor;
  await w.node.mine();
}

async function storageWord(node: L1Node, address: Address, slot: Uint8Array): Promise<Hex> {
  return bytesToHex(await node.stateAt().getStorage(address, slot));
}

describe("MessageTree in TypeScript", () => {
  it("proves every leaf of trees of 1 to 40 leaves, and no leaf at another index or root", () => {
    const tree = new MessageTree();
    for (let n = 1; n <= 40; n++) {
      const root = tree.append(
        depositLeaf({ index: BigInt(n), sender: recipient(1), to: recipient(2), value: 1n, data: "0x" }),
      );
      for (let i = 0; i < n; i++) {
        const proof = tree.proof(i);
        assert.equal(proof.length, MESSAGE_TREE_DEPTH);
        assert.ok(verifyMessage(tree.leaf(i), i, proof, root), `leaf ${i} of ${n}`);
        if (n > 1)
          assert.ok(!verifyMessage(tree.leaf(i), i ^ 1, proof, root), `leaf ${i} of ${n} at ${i ^ 1}`);
      }
    }
    assert.ok(!verifyMessage(tree.leaf(0), 0, tree.proof(0), hexToBytes(EMPTY_ROOT)));
  });

  it("refuses proofs of leaves it does not hold and leaves that are not 32 bytes", () => {
    const tree = new MessageTree();
    assert.throws(() => tree.proof(0), RangeError);
    tree.append(new Uint8Array(32).fill(1));
    assert.throws(() => tree.proof(1), RangeError);
    assert.throws(() => tree.append(new Uint8Array(31)), RangeError);
  });
});

describe("L1Bridge", () => {
  it("has the TS tree's root after 1, 2, 3 and 17 deposits, and escrows their value", async () => {
    const w = await world();
    assert.equal(await w.l1Bridge.read("root"), EMPTY_ROOT, "the empty tree's root");
    const message = (n: number) => ({
      from: n % 4,
      to: recipient(n),
      value: BigInt(n) * ETHER,
      data: `0x${"ab".repeat(n)}` as Hex,
    });
    let count = 0;
    let total = 0n;
    for (const checkpoint of [1, 2, 3, 17]) {
      const batch = Array.from({ length: checkpoint - count }, (_, k) => message(count + k));
      const deposits = await depositAll(w, batch);
      count = checkpoint;
      total += batch.reduce((sum, m) => sum + m.value, 0n);
      const root = bytesToHex(w.tree.root());
      assert.equal(await w.l1Bridge.read("root"), root, `root after ${count} deposits`);
      assert.equal(await w.l1Bridge.read("messageCount"), BigInt(count));
      assert.equal(deposits.at(-1)?.root, root);
    }
    assert.equal(await balanceOf(w.node, w.l1Bridge.address), total);
  });

  it("publishes the empty root at deployment and every root after, numbered by message count", async () => {
    const w = await world();
    assert.equal(await w.l1Bridge.read("isKnownRoot", [EMPTY_ROOT]), true);
    assert.equal(await w.l1Bridge.read("rootIndex", [EMPTY_ROOT]), 1n);
    const [first, second] = await depositAll(w, [
      { from: 0, to: recipient(1), value: 1n },
      { from: 1, to: recipient(2), value: 2n },
    ]);
    assert.equal(await w.l1Bridge.read("rootIndex", [first.root]), 2n);
    assert.equal(await w.l1Bridge.read("rootIndex", [second.root]), 3n);
    const unknown = bytesToHex(new Uint8Array(32).fill(7));
    assert.equal(await w.l1Bridge.read("isKnownRoot", [unknown]), false);
    assert.equal(await w.l1Bridge.read("rootIndex", [unknown]), 0n);
  });

  it("accepts as anchor a published root no older than the last anchor", async () => {
    const w = await world();
    const [first, second] = await depositAll(w, [
      { from: 0, to: recipient(1), value: 1n },
      { from: 0, to: recipient(2), value: 2n },
    ]);
    const zero = bytesToHex(new Uint8Array(32));
    const unknown = bytesToHex(new Uint8Array(32).fill(7));
    const cases: [Hex, Hex, boolean, string][] = [
      [EMPTY_ROOT, zero, true, "the empty root before a rollup's first block"],
      [second.root, zero, true, "any published root before the first block"],
      [first.root, first.root, true, "the same anchor again"],
      [second.root, first.root, true, "a newer anchor"],
      [first.root, second.root, false, "an older anchor"],
      [EMPTY_ROOT, first.root, false, "back to the empty root"],
      [unknown, zero, false, "a root never published"],
      [zero, zero, false, "no anchor at all"],
    ];
    for (const [anchor, last, expected, what] of cases) {
      assert.equal(await w.l1Bridge.read("isAcceptable", [anchor, last]), expected, what);
    }
  });
});

describe("MessageTree in Solidity", () => {
  it("verifies the TS proof of every leaf, and rejects a wrong leaf, index, sibling or root", async () => {
    const w = await world();
    const results = await depositAll(
      w,
      Array.from({ length: 17 }, (_, n) => ({ from: n % 3, to: recipient(n), value: BigInt(n) })),
    );
    const root = bytesToHex(w.tree.root());
    const verify = (leaf: Uint8Array, index: bigint, proof: Uint8Array[], r: Hex = root) =>
      w.harness.read("verify", [bytesToHex(leaf), index, proof.map(bytesToHex), r]);
    for (const [i, { deposit }] of results.entries()) {
      assert.equal(await verify(depositLeaf(deposit), BigInt(i), w.tree.proof(i)), true, `leaf ${i}`);
    }
    const leaf = depositLeaf(results[5].deposit);
    const proof = w.tree.proof(5);
    assert.equal(await verify(depositLeaf(results[6].deposit), 5n, proof), false, "another leaf");
    assert.equal(await verify(leaf, 4n, proof), false, "another index");
    assert.equal(await verify(leaf, 5n + (1n << 32n), proof), false, "the index plus 2^32");
    const tampered = [...proof];
    tampered[3] = new Uint8Array(32).fill(9);
    assert.equal(await verify(leaf, 5n, tampered), false, "a wrong sibling");
    assert.equal(await verify(leaf, 5n, proof, results[16].root), true, "still under the last root");
    assert.equal(await verify(leaf, 5n, proof, results[15].root), false, "an earlier root");
  });
});

describe("L2Bridge", () => {
  it("is a genesis predeploy holding the premint", async () => {
    const w = await world();
    assert.equal(await balanceOf(w.node, w.l2Bridge.address), PREMINT);
    const code = await w.node.stateAt().getCode(w.l2Bridge.address);
    assert.equal(bytesToHex(code), loadArtifact("L2Bridge").deployedBytecode);
    assert.equal(await w.l2Bridge.read("anchor"), EMPTY_ROOT, "reads the block's anchor from EIP-4788");
  });

  it("pays a deposit from the premint when claimed in a block anchored at a root that includes it", async () => {
    const w = await world();
    const [{ deposit, root }] = await depositAll(w, [{ from: 0, to: recipient(1), value: 3n * ETHER }]);
    const hash = await w.l2Bridge.send(2, "claim", claimArgs(deposit, w.tree.proof(0)));
    await mineAnchoredAt(w, root);
    const receipt = receiptOf(w.node, hash);
    assert.equal(receipt.status, 1, "claim succeeded");
    assert.equal(await balanceOf(w.node, deposit.to), 3n * ETHER);
    assert.equal(await balanceOf(w.node, w.l2Bridge.address), PREMINT - 3n * ETHER);
    assert.equal(await w.l2Bridge.read("claimed", [0n]), true);
    const [event] = w.l2Bridge.events(receipt, "Claimed");
    assert.equal(event.index, 0n);
    assert.equal((event.sender as Hex).toLowerCase(), deposit.sender);
    assert.equal((event.to as Hex).toLowerCase(), deposit.to);
    assert.equal(event.value, 3n * ETHER);
    assert.equal(event.anchor, root);
  });

  it("pays a deposit under any later anchor, the proof made for that anchor's tree", async () => {
    const w = await world();
    const [first] = await depositAll(w, [{ from: 0, to: recipient(1), value: 5n }]);
    const [, , last] = await depositAll(w, [
      { from: 1, to: recipient(2), value: 6n },
      { from: 1, to: recipient(3), value: 7n },
      { from: 1, to: recipient(4), value: 8n },
    ]);
    assert.notEqual(first.root, last.root);
    const hash = await w.l2Bridge.send(2, "claim", claimArgs(first.deposit, w.tree.proof(0)));
    await mineAnchoredAt(w, last.root);
    assert.equal(receiptOf(w.node, hash).status, 1);
    assert.equal(await balanceOf(w.node, recipient(1)), 5n);
  });

  it("refuses a second claim of the same message", async () => {
    const w = await world();
    const [{ deposit, root }] = await depositAll(w, [{ from: 0, to: recipient(1), value: ETHER }]);
    const args = claimArgs(deposit, w.tree.proof(0));
    await w.l2Bridge.send(2, "claim", args);
    await mineAnchoredAt(w, root);
    assert.deepEqual(await w.l2Bridge.revertOf(3, "claim", args), {
      errorName: "AlreadyClaimed",
      args: [0n],
    });
    const again = await w.l2Bridge.send(3, "claim", args);
    await w.node.mine();
    assert.equal(receiptOf(w.node, again).status, 0, "the second claim reverts on chain too");
    assert.equal(await balanceOf(w.node, deposit.to), ETHER, "paid once");
  });

  it("refuses a wrong proof or a message that was not deposited", async () => {
    const w = await world();
    const [a, b] = await depositAll(w, [
      { from: 0, to: recipient(1), value: ETHER },
      { from: 0, to: recipient(2), value: ETHER },
    ]);
    await mineAnchoredAt(w, b.root);
    const notIncluded = (index: bigint) => ({ errorName: "NotIncluded", args: [index, b.root] });
    const proofOfB = w.tree.proof(1);
    assert.deepEqual(
      await w.l2Bridge.revertOf(2, "claim", claimArgs(a.deposit, proofOfB)),
      notIncluded(0n),
      "b's proof for a",
    );
    const inflated = { ...a.deposit, value: 2n * ETHER };
    assert.deepEqual(
      await w.l2Bridge.revertOf(2, "claim", claimArgs(inflated, w.tree.proof(0))),
      notIncluded(0n),
      "a larger value",
    );
    const redirected = { ...a.deposit, to: recipient(9) };
    assert.deepEqual(
      await w.l2Bridge.revertOf(2, "claim", claimArgs(redirected, w.tree.proof(0))),
      notIncluded(0n),
      "another recipient",
    );
    const empty = Array.from({ length: MESSAGE_TREE_DEPTH }, () => new Uint8Array(32));
    assert.deepEqual(
      await w.l2Bridge.revertOf(2, "claim", claimArgs(b.deposit, empty)),
      notIncluded(1n),
      "no proof",
    );
    assert.equal(await w.l2Bridge.read("claimed", [0n]), false);
  });

  it("refuses a claim in a block anchored at a root from before the deposit", async () => {
    const w = await world();
    const [before] = await depositAll(w, [{ from: 0, to: recipient(1), value: ETHER }]);
    const [{ deposit }] = await depositAll(w, [{ from: 0, to: recipient(2), value: ETHER }]);
    await mineAnchoredAt(w, before.root);
    assert.deepEqual(await w.l2Bridge.revertOf(2, "claim", claimArgs(deposit, w.tree.proof(1))), {
      errorName: "NotIncluded",
      args: [1n, before.root],
    });
    const smallTree = new MessageTree();
    smallTree.append(depositLeaf(before.deposit));
    smallTree.append(depositLeaf(deposit)); // a proof made for a tree the anchor does not have
    assert.deepEqual(await w.l2Bridge.revertOf(2, "claim", claimArgs(deposit, smallTree.proof(1))), {
      errorName: "NotIncluded",
      args: [1n, before.root],
    });
  });

  it("calls the recipient with the message's data and value", async () => {
    const w = await world();
    const note = bytesToHex(new Uint8Array(32).fill(0x42));
    const data = w.harness.calldata("note", [note]);
    const [{ deposit, root }] = await depositAll(w, [
      { from: 1, to: HARNESS_ADDRESS.toString() as Hex, value: 7n, data: bytesToHex(data) },
    ]);
    const hash = await w.l2Bridge.send(2, "claim", claimArgs(deposit, w.tree.proof(0)));
    await mineAnchoredAt(w, root);
    assert.equal(receiptOf(w.node, hash).status, 1);
    assert.equal(await w.harness.read("lastNote"), note);
    assert.equal(await w.harness.read("lastValue"), 7n);
    assert.equal(
      ((await w.harness.read("lastSender")) as Hex).toLowerCase(),
      L2_BRIDGE_ADDRESS,
      "the bridge calls, not the L1 sender",
    );
  });

  it("leaves a message unclaimed when its recipient reverts", async () => {
    const w = await world();
    const data = bytesToHex(w.harness.calldata("refuse"));
    const [{ deposit, root }] = await depositAll(w, [
      { from: 1, to: HARNESS_ADDRESS.toString() as Hex, value: 7n, data },
    ]);
    await mineAnchoredAt(w, root);
    const revert = await w.l2Bridge.revertOf(2, "claim", claimArgs(deposit, w.tree.proof(0)));
    assert.equal(revert.errorName, "PaymentFailed");
    assert.equal((revert.args[0] as Hex).toLowerCase(), HARNESS_ADDRESS.toString());
    assert.equal(await w.l2Bridge.read("claimed", [0n]), false);
  });

  it("records a withdrawal's hash at the documented storage slot and keeps its value", async () => {
    const w = await world();
    const sender = w.node.devAccounts[1].address.toLowerCase() as Hex;
    const first = await w.l2Bridge.send(1, "withdraw", [recipient(1)], 2n * ETHER);
    const second = await w.l2Bridge.send(1, "withdraw", [recipient(2)], 3n);
    await w.node.mine();
    const expected = [
      { index: 0n, sender, to: recipient(1), value: 2n * ETHER },
      { index: 1n, sender, to: recipient(2), value: 3n },
    ];
    for (const [i, tx] of [first, second].entries()) {
      const receipt = receiptOf(w.node, tx);
      assert.equal(receipt.status, 1);
      const hash = withdrawalHash(expected[i]);
      const [event] = w.l2Bridge.events(receipt, "Withdrawn");
      assert.equal(event.index, expected[i].index);
      assert.equal(event.hash, bytesToHex(hash));
      assert.equal(await storageWord(w.node, w.l2Bridge.address, withdrawalSlot(hash)), "0x01");
      assert.equal(await w.l2Bridge.read("withdrawals", [bytesToHex(hash)]), true);
    }
    assert.equal(await w.l2Bridge.read("withdrawalCount"), 2n);
    assert.equal(await w.l2Bridge.read("WITHDRAWALS_SLOT"), 0n);
    assert.equal(await balanceOf(w.node, w.l2Bridge.address), PREMINT + 2n * ETHER + 3n);
    const other = withdrawalHash({ ...expected[0], value: 1n });
    assert.equal(await storageWord(w.node, w.l2Bridge.address, withdrawalSlot(other)), "0x");
  });
});
