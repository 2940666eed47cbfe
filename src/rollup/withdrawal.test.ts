/**
 * The L1→L2→L1 round trip at contract level, with a real L2 chain (l2-chain.ts): an L1 deposit
 * escrows ETH in `L1Bridge`; L2 block 1, anchored at the bridge's root after the deposit, claims
 * it from the L2 bridge's premint and withdraws; `NativeRollup.advance` settles the block through
 * EXECUTE; `L1Bridge.claimWithdrawal` proves the withdrawal's storage slot (`eth_getProof` from the
 * L2 post-state) against the settled state root and pays from the escrow, once.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Address, bytesToHex, createAddressFromString, hexToBytes, MapDB } from "@ethereumjs/util";
import { type Abi, getAddress, type Hex } from "viem";
import { loadArtifact } from "../contracts/compile.ts";
import type { L1Node } from "../l1/node.ts";
import { createStateManager } from "../stateless/state-manager.ts";
import { balanceOf, memoryNode } from "../testing/l1.ts";
import {
  buildL2Block,
  createL2Genesis,
  L2_CHAIN_ID,
  type L2Block,
  l2Transaction,
} from "../testing/l2-chain.ts";
import {
  bridgeDeployment,
  Deployed,
  deploy,
  deployBridgedRollup,
  l2BridgeCall,
  type Revert,
  receiptOf,
  rollupDeployment,
  withdrawalProof,
} from "../testing/rollup.ts";
import type { Genesis } from "../workload/transfers.ts";
import { L2_BRIDGE_ADDRESS } from "./genesis.ts";
import {
  type Deposit,
  depositClaimArgs,
  depositLeaf,
  MessageTree,
  type Withdrawal,
  withdrawalHash,
  withdrawalSlot,
} from "./message-tree.ts";

const ETHER = 10n ** 18n;
const PREMINT = 1_000_000n * ETHER;
/** Sent with every `advance`: far above the fee, since the rollup forwards the excess back. */
const PREPAYMENT = ETHER;
const DEPOSIT = 5n * ETHER;
const WITHDRAWN = 2n * ETHER;
/** More than the escrow holds: L2 genesis money that never came through the bridge. */
const UNBACKED = 50n * ETHER;
const L1_RECIPIENT: Hex = "0xee00000000000000000000000000000000000001";
const UNBACKED_RECIPIENT: Hex = "0xee00000000000000000000000000000000000002";
/** Both L2 genesis accounts' balances (1000 ether each): the genesis backing a deployer escrows. */
const GENESIS_BACKING = 2000n * ETHER;
const L2_BRIDGE = createAddressFromString(L2_BRIDGE_ADDRESS);
/** The bridge's errors plus the rollup's (`stateRootAt` reverts through `claimWithdrawal`). */
const l1BridgeAbi: Abi = [
  ...loadArtifact("L1Bridge").abi,
  ...loadArtifact("NativeRollup").abi.filter((item) => item.type === "error"),
];

/** The L2 side: genesis, block 1 (claim, withdraw, unbacked withdraw), block 2 (empty). */
type L2 = {
  genesis: Genesis;
  deposit: Deposit;
  anchor: Hex;
  b1: L2Block;
  b2: L2Block;
  withdrawal: Withdrawal;
  unbacked: Withdrawal;
};

let l2Chain: Promise<L2> | undefined;

/** Builds the L2 blocks once: they depend only on the deposit, which every world makes alike. */
async function buildL2(deposit: Deposit): Promise<L2> {
  const genesis = await createL2Genesis({ premint: PREMINT, accounts: 2 });
  const [alice, bob] = genesis.accounts;
  assert.equal(deposit.to, alice.address.toString(), "the deposit goes to alice on L2");
  const tree = new MessageTree();
  const anchor = bytesToHex(tree.append(depositLeaf(deposit)));
  const claim = l2BridgeCall("claim", depositClaimArgs(deposit, tree.proof(0)));
  const b1 = await buildL2Block(
    genesis,
    [
      l2Transaction(genesis, alice, 0n, { to: L2_BRIDGE, data: claim }),
      l2Transaction(genesis, alice, 1n, {
        to: L2_BRIDGE,
        data: l2BridgeCall("withdraw", [L1_RECIPIENT]),
        value: WITHDRAWN,
      }),
      l2Transaction(genesis, bob, 0n, {
        to: L2_BRIDGE,
        data: l2BridgeCall("withdraw", [UNBACKED_RECIPIENT]),
        value: UNBACKED,
      }),
    ],
    { anchor: hexToBytes(anchor) },
  );
  assert.deepEqual(
    b1.receipts.map((r) => ("status" in r ? r.status : undefined)),
    [1, 1, 1],
    "the claim and both withdrawals succeed on L2",
  );
  const b2 = await buildL2Block(b1, [], { anchor: hexToBytes(anchor) });
  const sender = (account: typeof alice) => account.address.toString() as Hex;
  return {
    genesis,
    deposit,
    anchor,
    b1,
    b2,
    withdrawal: { index: 0n, sender: sender(alice), to: L1_RECIPIENT, value: WITHDRAWN },
    unbacked: { index: 1n, sender: sender(bob), to: UNBACKED_RECIPIENT, value: UNBACKED },
  };
}

/** An L1 node with the bridge, the rollup bound to it, the deposit made and L2 block 1 settled. */
type World = { node: L1Node; bridge: Deployed; rollup: Deployed; l2: L2 };

/** `backing`: what the deployer escrows for the L2 genesis accounts (none by default). */
async function world(options: { settle?: boolean; backing?: bigint } = {}): Promise<World> {
  const { node } = await memoryNode();
  const l2Genesis = await createL2Genesis({ premint: PREMINT, accounts: 2 });
  const deployed = await deployBridgedRollup(node, 0, l2Genesis, { backing: options.backing });
  const bridge = new Deployed(node, deployed.bridge.address, l1BridgeAbi);
  const { rollup } = deployed;
  const to = l2Genesis.accounts[0].address.toString();
  const deposited = await bridge.send(1, "deposit", [to, "0x"], DEPOSIT);
  await node.mine();
  assert.equal(receiptOf(node, deposited).status, 1, "deposit succeeded");
  const deposit: Deposit = {
    index: 0n,
    sender: node.devAccounts[1].address.toLowerCase() as Hex,
    to: to as Hex,
    value: DEPOSIT,
    data: "0x",
  };
  l2Chain ??= buildL2(deposit);
  const l2 = await l2Chain;
  assert.deepEqual(l2.deposit, deposit, "every world makes the same deposit");
  assert.equal(await bridge.read("root"), l2.anchor, "the L2 block's anchor is the bridge's root");
  const w = { node, bridge, rollup, l2 };
  if (options.settle ?? true) await advance(w, l2.b1);
  return w;
}

/** Settles `block` on L1 with `advance` from dev account 2. */
async function advance(w: World, block: L2Block): Promise<void> {
  const hash = await w.rollup.send(2, "advance", [bytesToHex(block.bytes)], PREPAYMENT);
  await w.node.mine();
  const receipt = receiptOf(w.node, hash);
  assert.equal(receipt.status, 1, `L2 block ${block.header.number} settles`);
  const [event] = w.rollup.events(receipt, "Advanced");
  assert.equal(event.stateRoot, bytesToHex(block.header.stateRoot));
}

function claimArgs(l2Block: bigint, w: Withdrawal, [accountProof, storageProof]: [Hex[], Hex[]]) {
  return [l2Block, w.index, w.sender, w.to, w.value, accountProof, storageProof] as const;
}

/** Claims from dev account 3 and mines; returns the receipt. */
async function claim(w: World, args: readonly unknown[]) {
  const hash = await w.bridge.send(3, "claimWithdrawal", args);
  await w.node.mine();
  return receiptOf(w.node, hash);
}

/** A proof that does not fit the state root or the slot: the `StateProof` errors. */
const BAD_PROOF = ["BadHash", "InvalidProofNode", "ProofTooShort", "ProofTooLong"];

/** The claim reverts with `expected` (or one of the error names) as `eth_call`, and pays nothing. */
async function refused(w: World, args: readonly unknown[], expected: Revert | string[]): Promise<void> {
  const before = await balanceOf(w.node, w.bridge.address);
  const revert = await w.bridge.revertOf(3, "claimWithdrawal", args);
  if (Array.isArray(expected))
    assert.ok(expected.includes(revert.errorName), `${revert.errorName} is expected`);
  else assert.deepEqual(revert, expected);
  assert.equal((await claim(w, args)).status, 0, "reverts on chain too");
  assert.equal(await balanceOf(w.node, w.bridge.address), before, "the escrow keeps its value");
}

describe("withdrawal round trip: L1 deposit → L2 claim and withdraw → settle → claim on L1", () => {
  it("settles the L2 block and pays the withdrawal from the escrow against its state root", async () => {
    const w = await world();
    const { withdrawal, b1 } = w.l2;
    assert.equal(await balanceOf(w.node, w.bridge.address), DEPOSIT, "the deposit is escrowed");
    const receipt = await claim(w, claimArgs(1n, withdrawal, await withdrawalProof(b1, withdrawal)));
    assert.equal(receipt.status, 1);
    const hash = bytesToHex(withdrawalHash(withdrawal));
    const [event] = w.bridge.events(receipt, "WithdrawalClaimed");
    assert.deepEqual(
      { ...event, sender: (event.sender as Hex).toLowerCase(), to: (event.to as Hex).toLowerCase() },
      {
        ...withdrawal,
        hash,
        l2Block: 1n,
      },
    );
    assert.equal(await balanceOf(w.node, L1_RECIPIENT), WITHDRAWN, "the recipient is paid on L1");
    assert.equal(await balanceOf(w.node, w.bridge.address), DEPOSIT - WITHDRAWN);
    assert.equal(await w.bridge.read("withdrawalClaimed", [hash]), true);
  });

  it("L2 block 1 pays the deposit from the premint and records the withdrawals in the bridge's storage", async () => {
    const { b1, genesis, withdrawal } = (await world({ settle: false })).l2;
    const sm = createStateManager(new MapDB<string, Uint8Array>(b1.nodes), b1.header.stateRoot, b1.common);
    const balance = async (address: Address) => (await sm.getAccount(address))?.balance;
    assert.equal(await balance(L2_BRIDGE), PREMINT - DEPOSIT + WITHDRAWN + UNBACKED);
    // Alice sent the first two transactions; each paid gasUsed × 1 gwei (its max fee).
    const aliceGas = (b1.receipts[1].cumulativeBlockGasUsed as bigint) * 10n ** 9n;
    assert.equal(await balance(genesis.accounts[0].address), 1000n * ETHER + DEPOSIT - WITHDRAWN - aliceGas);
    const slot = withdrawalSlot(withdrawalHash(withdrawal));
    assert.deepEqual(await sm.getStorage(L2_BRIDGE, slot), Uint8Array.of(1));
  });

  it("refuses a second claim of the same withdrawal", async () => {
    const w = await world();
    const { withdrawal, b1 } = w.l2;
    const args = claimArgs(1n, withdrawal, await withdrawalProof(b1, withdrawal));
    assert.equal((await claim(w, args)).status, 1);
    await refused(w, args, { errorName: "AlreadyClaimed", args: [bytesToHex(withdrawalHash(withdrawal))] });
    assert.equal(await balanceOf(w.node, L1_RECIPIENT), WITHDRAWN, "paid once");
  });

  it("proves against any later settled block with its own proof, and refuses another block's proof", async () => {
    const w = await world();
    const { withdrawal, b1, b2 } = w.l2;
    await advance(w, b2);
    const proof1 = await withdrawalProof(b1, withdrawal);
    await refused(w, claimArgs(2n, withdrawal, proof1), ["BadHash"]);
    await refused(w, claimArgs(0n, withdrawal, proof1), ["BadHash"]);
    assert.equal(
      (await claim(w, claimArgs(2n, withdrawal, await withdrawalProof(b2, withdrawal)))).status,
      1,
    );
    assert.equal(await balanceOf(w.node, L1_RECIPIENT), WITHDRAWN);
  });

  it("refuses a forged value or recipient, with the genuine proof or a proof of the forged slot", async () => {
    const w = await world();
    const { withdrawal, b1 } = w.l2;
    const genuine = await withdrawalProof(b1, withdrawal);
    for (const forged of [
      { ...withdrawal, value: withdrawal.value + 1n },
      { ...withdrawal, to: UNBACKED_RECIPIENT },
      { ...withdrawal, index: 1n },
    ]) {
      // Where the forged slot's path leaves the genuine one decides which check fails first.
      await refused(w, claimArgs(1n, forged, genuine), [...BAD_PROOF, "NotWithdrawn"]);
      await refused(w, claimArgs(1n, forged, await withdrawalProof(b1, forged)), {
        errorName: "NotWithdrawn",
        args: [bytesToHex(withdrawalHash(forged))],
      });
    }
    assert.equal(await balanceOf(w.node, L1_RECIPIENT), 0n);
  });

  it("refuses a withdrawal made in a block not settled yet, then pays it once settled", async () => {
    const w = await world({ settle: false });
    const { withdrawal, b1 } = w.l2;
    const args = claimArgs(1n, withdrawal, await withdrawalProof(b1, withdrawal));
    await refused(w, args, { errorName: "UnknownStateRoot", args: [1n] });
    const atGenesis = claimArgs(0n, withdrawal, await withdrawalProof(w.l2.genesis, withdrawal));
    await refused(w, atGenesis, {
      errorName: "NotWithdrawn",
      args: [bytesToHex(withdrawalHash(withdrawal))],
    });
    await advance(w, b1);
    assert.equal((await claim(w, args)).status, 1);
  });

  it("refuses a withdrawal the escrow cannot cover (L2 value never bridged), leaving it unclaimed", async () => {
    const w = await world();
    const { unbacked, b1 } = w.l2;
    const args = claimArgs(1n, unbacked, await withdrawalProof(b1, unbacked));
    await refused(w, args, { errorName: "PaymentFailed", args: [getAddress(UNBACKED_RECIPIENT), UNBACKED] });
    assert.equal(await w.bridge.read("withdrawalClaimed", [bytesToHex(withdrawalHash(unbacked))]), false);
  });

  it("pays a genesis-funded account's withdrawal from the genesis backing escrowed at deployment", async () => {
    const w = await world({ backing: GENESIS_BACKING });
    const { unbacked: genesisFunded, b1 } = w.l2;
    assert.equal(await balanceOf(w.node, w.bridge.address), GENESIS_BACKING + DEPOSIT);
    assert.equal(await w.bridge.read("escrow"), GENESIS_BACKING + DEPOSIT);
    const receipt = await claim(w, claimArgs(1n, genesisFunded, await withdrawalProof(b1, genesisFunded)));
    assert.equal(receipt.status, 1, "bob's genesis balance is backed");
    assert.equal(await balanceOf(w.node, UNBACKED_RECIPIENT), UNBACKED);
    assert.equal(await balanceOf(w.node, w.bridge.address), GENESIS_BACKING + DEPOSIT - UNBACKED);
  });
});

describe("L1Bridge binding to its rollup", () => {
  it("binds once, by the deployer, only to a rollup anchored on it; claims wait for it", async () => {
    const { node } = await memoryNode();
    const [deployed, other, sequencing] = await deploy(node, 0, [
      bridgeDeployment(),
      bridgeDeployment(),
      { name: "BasedSequencing" },
    ]);
    const bridge = new Deployed(node, deployed.address, l1BridgeAbi);
    const zero = bytesToHex(new Uint8Array(32));
    const rollupOn = (anchors: Deployed) =>
      rollupDeployment({
        chainId: L2_CHAIN_ID,
        genesisBlockHash: zero,
        genesisStateRoot: zero,
        sequencing: sequencing.address.toString(),
        anchors: anchors.address.toString(),
      });
    const [rollup, foreign] = await deploy(node, 0, [rollupOn(bridge), rollupOn(other)]);
    const none = claimArgs(0n, { index: 0n, sender: L1_RECIPIENT, to: L1_RECIPIENT, value: 0n }, [[], []]);
    assert.deepEqual(await bridge.revertOf(0, "claimWithdrawal", none), {
      errorName: "RollupNotSet",
      args: [],
    });
    const stranger = node.devAccounts[1].address;
    assert.deepEqual(await bridge.revertOf(1, "setRollup", [rollup.address.toString()]), {
      errorName: "NotDeployer",
      args: [stranger],
    });
    const foreignAddress = foreign.address.toString();
    const wrong = await bridge.revertOf(0, "setRollup", [foreignAddress]);
    assert.deepEqual(
      [wrong.errorName, (wrong.args[0] as Hex).toLowerCase()],
      ["WrongRollup", foreignAddress],
    );
    await bridge.send(0, "setRollup", [rollup.address.toString()]);
    await node.mine();
    assert.equal(((await bridge.read("rollup")) as Hex).toLowerCase(), rollup.address.toString());
    const again = await bridge.revertOf(0, "setRollup", [rollup.address.toString()]);
    assert.equal(again.errorName, "RollupAlreadySet");
  });
});
