/**
 * A rollup with a custom gas token (docs/rollup.md, "Custom gas token"): `L1Bridge` escrows an
 * ERC-20 (contracts/TestToken.sol) instead of ETH, and the L2's native currency stands for it, one
 * token unit per wei, preminted in the L2 bridge as with ETH. The round trip: `depositToken` on L1
 * → an L2 block claims it as native balance, which pays the recipient's gas and withdrawal →
 * `advance` → `claimWithdrawal` pays tokens. The genesis backing and the fees count in tokens too.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Address, bytesToHex, createAddressFromString, hexToBytes, MapDB } from "@ethereumjs/util";
import { getAddress, type Hex } from "viem";
import type { L1Node } from "../l1/node.ts";
import { createStateManager } from "../stateless/state-manager.ts";
import { balanceOf, memoryNode } from "../testing/l1.ts";
import { buildL2Block, createL2Genesis, type L2Block, l2Transaction } from "../testing/l2-chain.ts";
import {
  bridgeDeployment,
  type Deployed,
  deploy,
  deployBridgedRollup,
  l2BridgeCall,
  receiptOf,
  TREASURY,
  withdrawalProof,
} from "../testing/rollup.ts";
import { devAccounts, type Genesis } from "../workload/transfers.ts";
import { L2_BRIDGE_ADDRESS } from "./genesis.ts";
import { type Deposit, depositClaimArgs, depositLeaf, MessageTree, type Withdrawal } from "./message-tree.ts";

const ETHER = 10n ** 18n;
const GWEI = 10n ** 9n;
const PREMINT = 1_000_000n * ETHER;
/** The two L2 genesis accounts' balances (1000 tokens each), escrowed by `backGenesis`. */
const GENESIS_BACKING = 2000n * ETHER;
const DEPOSIT = 5n * ETHER;
const WITHDRAWN = 2n * ETHER;
/** `advance`'s prepayment is L1 ETH for EXECUTE, whatever the L2's currency. */
const PREPAYMENT = ETHER;
const L1_RECIPIENT: Hex = "0xee00000000000000000000000000000000000001";
const L2_BRIDGE = createAddressFromString(L2_BRIDGE_ADDRESS);
/** An L2 account the genesis does not fund: all it has is the deposit. */
const carol = devAccounts(3)[2];

/** The L2 side: block 1 claims the deposit for carol (sent by alice) and carol withdraws. */
type L2 = { genesis: Genesis; deposit: Deposit; anchor: Hex; b1: L2Block; withdrawal: Withdrawal };

let l2Chain: Promise<L2> | undefined;

async function buildL2(deposit: Deposit): Promise<L2> {
  const genesis = await createL2Genesis({ premint: PREMINT, accounts: 2 });
  const [alice] = genesis.accounts;
  const tree = new MessageTree();
  const anchor = bytesToHex(tree.append(depositLeaf(deposit)));
  const claim = l2BridgeCall("claim", depositClaimArgs(deposit, tree.proof(0)));
  const b1 = await buildL2Block(
    genesis,
    [
      l2Transaction(genesis, alice, 0n, { to: L2_BRIDGE, data: claim }),
      l2Transaction(genesis, carol, 0n, {
        to: L2_BRIDGE,
        data: l2BridgeCall("withdraw", [L1_RECIPIENT]),
        value: WITHDRAWN,
      }),
    ],
    { anchor: hexToBytes(anchor) },
  );
  assert.deepEqual(
    b1.receipts.map((r) => ("status" in r ? r.status : undefined)),
    [1, 1],
    "the claim and carol's withdrawal succeed on L2",
  );
  const withdrawal = {
    index: 0n,
    sender: carol.address.toString() as Hex,
    to: L1_RECIPIENT,
    value: WITHDRAWN,
  };
  return { genesis, deposit, anchor, b1, withdrawal };
}

/** An L1 node with the token, the token bridge backing the genesis, the rollup, and the deposit made. */
type World = { node: L1Node; token: Deployed; bridge: Deployed; rollup: Deployed; l2: L2 };

async function world(): Promise<World> {
  const { node } = await memoryNode();
  const [token] = await deploy(node, 0, [{ name: "TestToken" }]);
  const minted = [
    await token.send(0, "mint", [node.devAccounts[0].address, GENESIS_BACKING]),
    await token.send(1, "mint", [node.devAccounts[1].address, DEPOSIT]),
  ];
  await node.mine();
  for (const hash of minted) assert.equal(receiptOf(node, hash).status, 1);
  const genesis = await createL2Genesis({ premint: PREMINT, accounts: 2 });
  const { bridge, rollup } = await deployBridgedRollup(node, 0, genesis, {
    gasToken: token,
    backing: GENESIS_BACKING,
  });
  const to = carol.address.toString() as Hex;
  const sent = [
    await token.send(1, "approve", [bridge.address.toString(), DEPOSIT]),
    await bridge.send(1, "depositToken", [to, DEPOSIT, "0x"]),
  ];
  await node.mine();
  for (const hash of sent) assert.equal(receiptOf(node, hash).status, 1, "approve and depositToken succeed");
  const sender = node.devAccounts[1].address.toLowerCase() as Hex;
  const deposit: Deposit = { index: 0n, sender, to, value: DEPOSIT, data: "0x" };
  assert.deepEqual(bridge.events(receiptOf(node, sent[1]), "Deposited")[0].value, DEPOSIT);
  l2Chain ??= buildL2(deposit);
  const l2 = await l2Chain;
  assert.equal(await bridge.read("root"), l2.anchor, "the L2 block's anchor is the bridge's root");
  return { node, token, bridge, rollup, l2 };
}

async function tokens(w: World, holder: Address | string): Promise<bigint> {
  return (await w.token.read("balanceOf", [holder.toString()])) as bigint;
}

/** Settles L2 block 1 from dev account 2; returns its burned fees. */
async function settle(w: World): Promise<bigint> {
  const hash = await w.rollup.send(2, "advance", [bytesToHex(w.l2.b1.bytes)], PREPAYMENT);
  await w.node.mine();
  const receipt = receiptOf(w.node, hash);
  assert.equal(receipt.status, 1, "L2 block 1 settles");
  return w.rollup.events(receipt, "Advanced")[0].burnedFees as bigint;
}

describe("custom gas token: an ERC-20 escrowed on L1 is the L2's native currency", () => {
  it("round trip: depositToken → native balance on L2 → withdraw → claimWithdrawal pays tokens", async () => {
    const w = await world();
    const { b1, withdrawal } = w.l2;
    assert.equal(
      await tokens(w, w.bridge.address),
      GENESIS_BACKING + DEPOSIT,
      "backing and deposit escrowed",
    );
    assert.equal(await w.bridge.read("escrow"), GENESIS_BACKING + DEPOSIT);
    assert.equal(await balanceOf(w.node, w.bridge.address), 0n, "no ETH in a token bridge");

    // On L2 the deposit is native balance: carol, unfunded at genesis, pays her gas with it.
    const sm = createStateManager(new MapDB<string, Uint8Array>(b1.nodes), b1.header.stateRoot, b1.common);
    const l2Balance = async (address: Address) => (await sm.getAccount(address))?.balance ?? 0n;
    const carolGas = (b1.receipts[1].cumulativeBlockGasUsed - b1.receipts[0].cumulativeBlockGasUsed) * GWEI;
    assert.equal(await l2Balance(carol.address), DEPOSIT - WITHDRAWN - carolGas);
    assert.equal(await l2Balance(L2_BRIDGE), PREMINT - DEPOSIT + WITHDRAWN);

    await settle(w);
    const proof = await withdrawalProof(b1, withdrawal);
    const args = [1n, withdrawal.index, withdrawal.sender, withdrawal.to, withdrawal.value, ...proof];
    const claimed = await w.bridge.send(3, "claimWithdrawal", args);
    await w.node.mine();
    assert.equal(receiptOf(w.node, claimed).status, 1);
    assert.equal(await tokens(w, L1_RECIPIENT), WITHDRAWN, "the recipient is paid in tokens");
    assert.equal(await balanceOf(w.node, L1_RECIPIENT), 0n, "and no ETH");
    assert.equal(await w.bridge.read("escrow"), GENESIS_BACKING + DEPOSIT - WITHDRAWN);
    assert.equal((await w.bridge.revertOf(3, "claimWithdrawal", args)).errorName, "AlreadyClaimed");
  });

  it("credits the burned fees in token units; the treasury withdraws tokens", async () => {
    const w = await world();
    const burned = await settle(w);
    assert.ok(burned > 0n);
    assert.equal(burned, w.l2.b1.header.gasUsed * (w.l2.b1.header.baseFeePerGas ?? 0n));
    assert.equal(await w.bridge.read("feesOwed"), burned);
    const hash = await w.bridge.send(3, "withdrawFees");
    await w.node.mine();
    assert.equal(receiptOf(w.node, hash).status, 1);
    assert.equal(await tokens(w, TREASURY), burned);
    assert.equal(await w.bridge.read("escrow"), GENESIS_BACKING + DEPOSIT - burned);
  });

  it("a token bridge refuses ETH in deposit but takes a deposit without value; an ETH bridge refuses tokens", async () => {
    const w = await world();
    const to = carol.address.toString();
    assert.deepEqual(await w.bridge.revertOf(1, "deposit", [to, "0x"], 1n), {
      errorName: "EtherNotAccepted",
      args: [1n],
    });
    const message = await w.bridge.send(1, "deposit", [to, "0x1234"]);
    await w.node.mine();
    const [event] = w.bridge.events(receiptOf(w.node, message), "Deposited");
    assert.deepEqual([event.index, event.value, event.data], [1n, 0n, "0x1234"], "a message without value");
    assert.equal(await balanceOf(w.node, w.bridge.address), 0n);

    const [ethBridge] = await deploy(w.node, 0, [bridgeDeployment()]);
    for (const [functionName, args] of [
      ["depositToken", [to, 1n, "0x"]],
      ["backGenesis", [1n]],
    ] as const) {
      assert.deepEqual(await ethBridge.revertOf(0, functionName, args), {
        errorName: "NoGasToken",
        args: [],
      });
    }
  });

  it("backGenesis: the deployer's, and only before the rollup is bound", async () => {
    const w = await world();
    const stranger = w.node.devAccounts[1].address;
    assert.deepEqual(await w.bridge.revertOf(1, "backGenesis", [1n]), {
      errorName: "NotDeployer",
      args: [stranger],
    });
    assert.deepEqual(await w.bridge.revertOf(0, "backGenesis", [1n]), {
      errorName: "RollupAlreadySet",
      args: [getAddress(w.rollup.address.toString())],
    });
  });
});
