/**
 * The fee policy (contracts/Fees.sol; `L1Bridge` implements it): L2 base fees burned by a settled
 * block leave the L2 supply while their backing stays in the bridge's escrow. With the bridge as
 * the rollup's fee policy, `advance` credits EXECUTE's `burnedFees` to the treasury, who withdraws
 * them from the escrow; without a fee policy the backing stays locked, burned for good.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bytesToHex } from "@ethereumjs/util";
import { getAddress } from "viem";
import type { L1Node } from "../l1/node.ts";
import type { StoredReceipt } from "../node/receipts.ts";
import { balanceOf, memoryNode } from "../testing/l1.ts";
import { buildL2Block, createL2Genesis, type L2Block, l2Transaction } from "../testing/l2-chain.ts";
import { type Deployed, deployBridgedRollup, NONE, receiptOf, TREASURY } from "../testing/rollup.ts";
import type { Genesis } from "../workload/transfers.ts";
import { MessageTree } from "./message-tree.ts";

const ETHER = 10n ** 18n;
const PREMINT = 1_000_000n * ETHER;
/** The two L2 genesis accounts' balances (1000 ether each), escrowed at deployment. */
const GENESIS_BACKING = 2000n * ETHER;
/** Sent with every `advance`: far above the execute fee, since the rollup forwards the excess back. */
const PREPAYMENT = ETHER;
const TRANSFERS = 3n;

let l2Chain: Promise<{ genesis: Genesis; b1: L2Block }> | undefined;

/** L2 block 1: alice's transfers to bob, anchored at the bridge's first root (the empty tree's). */
async function buildL2() {
  const genesis = await createL2Genesis({ premint: PREMINT, accounts: 2 });
  const [alice, bob] = genesis.accounts;
  const transfers = [];
  for (let nonce = 0n; nonce < TRANSFERS; nonce++) {
    transfers.push(
      l2Transaction(genesis, alice, nonce, { to: bob.address, value: ETHER, gasLimit: 21_000n }),
    );
  }
  const b1 = await buildL2Block(genesis, transfers, { anchor: new MessageTree().root() });
  assert.deepEqual(
    b1.receipts.map((r) => ("status" in r ? r.status : undefined)),
    [1, 1, 1],
  );
  return { genesis, b1 };
}

type World = { node: L1Node; bridge: Deployed; rollup: Deployed; b1: L2Block };

async function world(options: { fees?: boolean; backing?: bigint } = {}): Promise<World> {
  const { node } = await memoryNode();
  l2Chain ??= buildL2();
  const { genesis, b1 } = await l2Chain;
  const { bridge, rollup } = await deployBridgedRollup(node, 0, genesis, options);
  return { node, bridge, rollup, b1 };
}

/** Settles L2 block 1 from dev account 2; returns the receipt and the `burnedFees` it reported. */
async function settle(w: World): Promise<{ receipt: StoredReceipt; burned: bigint }> {
  const hash = await w.rollup.send(2, "advance", [bytesToHex(w.b1.bytes)], PREPAYMENT);
  await w.node.mine();
  const receipt = receiptOf(w.node, hash);
  assert.equal(receipt.status, 1, "L2 block 1 settles");
  const [advanced] = w.rollup.events(receipt, "Advanced");
  const burned = advanced.burnedFees as bigint;
  const { gasUsed, baseFeePerGas } = w.b1.header;
  assert.equal(gasUsed, TRANSFERS * 21_000n);
  assert.ok(baseFeePerGas !== undefined && baseFeePerGas > 0n);
  assert.equal(
    burned,
    gasUsed * baseFeePerGas,
    "EXECUTE's burnedFees: the L2 block's gasUsed × baseFeePerGas",
  );
  return { receipt, burned };
}

/** `withdrawFees` from dev account 3 (anyone may call); returns what it paid the treasury. */
async function withdrawFees(w: World): Promise<bigint> {
  const hash = await w.bridge.send(3, "withdrawFees");
  await w.node.mine();
  const receipt = receiptOf(w.node, hash);
  assert.equal(receipt.status, 1, "withdrawFees succeeds");
  const [event] = w.bridge.events(receipt, "FeesWithdrawn");
  assert.equal(event.recipient, getAddress(TREASURY));
  return event.amount as bigint;
}

describe("fee policy: burned L2 base fees credited from the bridge's escrow", () => {
  it("credits exactly the block's burnedFees to the treasury, which withdraws them from the escrow", async () => {
    const w = await world({ backing: GENESIS_BACKING });
    assert.equal(await w.rollup.read("fees"), getAddress(w.bridge.address.toString()));
    assert.equal(await w.bridge.read("escrow"), GENESIS_BACKING, "the genesis backing is escrowed");
    const { receipt, burned } = await settle(w);
    assert.deepEqual(w.bridge.events(receipt, "FeesCredited"), [{ amount: burned, owed: burned }]);
    assert.equal(await w.bridge.read("feesOwed"), burned);
    assert.equal(await w.bridge.read("escrow"), GENESIS_BACKING, "crediting moves nothing");

    assert.equal(await withdrawFees(w), burned);
    assert.equal(await balanceOf(w.node, TREASURY), burned);
    assert.equal(await w.bridge.read("feesOwed"), 0n);
    assert.equal(await w.bridge.read("escrow"), GENESIS_BACKING - burned);
    assert.equal(await withdrawFees(w), 0n, "paid once");
    assert.equal(await balanceOf(w.node, TREASURY), burned);
  });

  it("never pays more than the escrow holds: the rest stays owed", async () => {
    const w = await world();
    const { burned } = await settle(w);
    assert.equal(await withdrawFees(w), 0n, "an unbacked genesis leaves nothing to pay from");
    assert.equal(await w.bridge.read("feesOwed"), burned);
    const partial = burned / 3n;
    const deposited = await w.bridge.send(1, "deposit", [w.node.devAccounts[1].address, "0x"], partial);
    await w.node.mine();
    assert.equal(receiptOf(w.node, deposited).status, 1);
    assert.equal(await withdrawFees(w), partial);
    assert.equal(await w.bridge.read("feesOwed"), burned - partial);
    assert.equal(await w.bridge.read("escrow"), 0n);
    assert.equal(await balanceOf(w.node, TREASURY), partial);
  });

  it("refuses credit from anyone but the bound rollup", async () => {
    const w = await world({ backing: GENESIS_BACKING });
    for (const from of [0, 3]) {
      const caller = w.node.devAccounts[from].address;
      assert.deepEqual(await w.bridge.revertOf(from, "credit", [caller, ETHER]), {
        errorName: "NotRollup",
        args: [caller],
      });
    }
    assert.equal(await w.bridge.read("feesOwed"), 0n);
  });

  it("a rollup without a fee policy credits nothing: the burned fees stay locked in the escrow", async () => {
    const w = await world({ fees: false, backing: GENESIS_BACKING });
    assert.equal(await w.rollup.read("fees"), getAddress(NONE));
    const { receipt, burned } = await settle(w);
    assert.ok(burned > 0n, "the block burned fees all the same");
    assert.deepEqual(w.bridge.events(receipt, "FeesCredited"), []);
    assert.equal(await w.bridge.read("feesOwed"), 0n);
    assert.equal(await withdrawFees(w), 0n);
    assert.equal(await w.bridge.read("escrow"), GENESIS_BACKING);
    assert.equal(await balanceOf(w.node, TREASURY), 0n);
  });
});
