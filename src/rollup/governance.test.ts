/**
 * Governance of `NativeRollup` (contracts/NativeRollup.sol) through a `Timelock`
 * (contracts/Timelock.sol), docs/rollup.md: only the sequencing policy is governed, a change takes
 * effect only once its timelock has passed, and a rollup without governance cannot change at all.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { bytesToHex } from "@ethereumjs/util";
import { getAddress, type Hex } from "viem";
import type { L1Node } from "../l1/node.ts";
import { decodeStatelessInput } from "../stateless/ssz.ts";
import { type L2Block, memoryNode, validL2Block } from "../testing/l1.ts";
import { type Deployed, deploy, NONE, receiptOf, rollupDeployment } from "../testing/rollup.ts";
import { createGenesis, DEVNET_CHAIN_ID } from "../workload/transfers.ts";

/** The timelock's delay, in L1 blocks. */
const DELAY = 5n;
const PREPAYMENT = 10n ** 18n;
/** Dev account 0 deploys and administers; 1 is a stranger, never listed as a sequencer. */
const ADMIN = 0;
const STRANGER = 1;

type Fixture = { l2: L2Block; genesisHash: Hex; genesisStateRoot: Hex; anchor: Hex };
let f: Fixture;

before(async () => {
  const l2 = await validL2Block();
  const genesis = await createGenesis({ accounts: 20 });
  f = {
    l2,
    genesisHash: bytesToHex(genesis.block.hash()),
    genesisStateRoot: bytesToHex(genesis.header.stateRoot),
    anchor: bytesToHex(decodeStatelessInput(l2.bytes).newPayloadRequest.parentBeaconBlockRoot),
  };
});

type Setup = { rollup: Deployed; timelock: Deployed; allowlist: Deployed; based: Deployed };

/**
 * An AnchorRegistry with the L2 block's anchor, an AllowlistSequencing listing nobody, a
 * BasedSequencing, a Timelock administered by ADMIN, and a NativeRollup on the allowlist governed
 * by the timelock (or by nobody).
 */
async function setUp(node: L1Node, governed = true): Promise<Setup> {
  const admin = node.devAccounts[ADMIN].address;
  const [registry, allowlist, based, timelock] = await deploy(node, ADMIN, [
    { name: "AnchorRegistry", args: [admin] },
    { name: "AllowlistSequencing", args: [admin, 0n] },
    { name: "BasedSequencing" },
    { name: "Timelock", args: [admin, DELAY] },
  ]);
  const published = await registry.send(ADMIN, "publish", [f.anchor]);
  await node.mine();
  assert.equal(receiptOf(node, published).status, 1, "the anchor is published");
  const [rollup] = await deploy(node, ADMIN, [
    rollupDeployment({
      chainId: DEVNET_CHAIN_ID,
      genesisBlockHash: f.genesisHash,
      genesisStateRoot: f.genesisStateRoot,
      sequencing: allowlist.address.toString(),
      anchors: registry.address.toString(),
      governance: governed ? timelock.address.toString() : undefined,
    }),
  ]);
  return { rollup, timelock, allowlist, based };
}

/** Sends `functionName` from `from` in a block of its own; returns the receipt and the block number. */
async function mined(contract: Deployed, from: number, functionName: string, args: readonly unknown[] = []) {
  const hash = await contract.send(from, functionName, args);
  const [block] = await contract.node.mine();
  return { receipt: receiptOf(contract.node, hash), number: block.header.number };
}

/** The timelock operation calling `target.functionName(args)` without value. */
function operation(target: Deployed, functionName: string, args: readonly unknown[]) {
  return [target.address.toString(), 0n, bytesToHex(target.calldata(functionName, args))] as const;
}

const checksummed = (contract: Deployed) => getAddress(contract.address.toString());

describe("NativeRollup governance through a Timelock", () => {
  it("a sequencing change takes effect only after its timelock: allowlist, then based", async () => {
    const { node } = await memoryNode();
    const { rollup, timelock, allowlist, based } = await setUp(node);
    const admin = node.devAccounts[ADMIN].address;
    const stranger = node.devAccounts[STRANGER].address;
    const advance = [bytesToHex(f.l2.bytes)];
    const notSequencer = { errorName: "NotSequencer", args: [stranger] };
    assert.equal(await rollup.read("governance"), checksummed(timelock));
    assert.equal(await rollup.read("sequencing"), checksummed(allowlist));
    assert.deepEqual(await rollup.revertOf(STRANGER, "advance", advance, PREPAYMENT), notSequencer);

    // Nobody but the timelock sets the policy, nobody but the admin schedules.
    const change = operation(rollup, "setSequencing", [based.address.toString()]);
    for (const [from, address] of [
      [ADMIN, admin],
      [STRANGER, stranger],
    ] as const) {
      assert.deepEqual(await rollup.revertOf(from, "setSequencing", [based.address.toString()]), {
        errorName: "NotGovernance",
        args: [address],
      });
    }
    assert.deepEqual(await timelock.revertOf(STRANGER, "schedule", change), {
      errorName: "NotAdmin",
      args: [],
    });

    const scheduled = await mined(timelock, ADMIN, "schedule", change);
    assert.equal(scheduled.receipt.status, 1);
    const eta = scheduled.number + DELAY;
    const id = await timelock.read("operationId", change);
    assert.deepEqual(timelock.events(scheduled.receipt, "Scheduled"), [
      { id, target: checksummed(rollup), value: 0n, data: change[2], eta },
    ]);
    assert.equal(await timelock.read("etaOf", [id]), eta);
    assert.deepEqual(await timelock.revertOf(ADMIN, "schedule", change), {
      errorName: "AlreadyScheduled",
      args: [id],
    });

    // Too early: right after scheduling and in the block before the eta.
    assert.deepEqual(await timelock.revertOf(STRANGER, "execute", change), {
      errorName: "NotReady",
      args: [id, eta],
    });
    const early = await mined(timelock, STRANGER, "execute", change);
    assert.equal(early.receipt.status, 0, "executing right after scheduling fails");
    while (node.chain.length - 1 < Number(eta) - 2) await node.mine();
    const last = await mined(timelock, STRANGER, "execute", change);
    assert.equal(last.number, eta - 1n);
    assert.equal(last.receipt.status, 0, "executing one block before the eta fails");
    assert.equal(await rollup.read("sequencing"), checksummed(allowlist), "the old policy still applies");
    assert.deepEqual(await rollup.revertOf(STRANGER, "advance", advance, PREPAYMENT), notSequencer);

    // At the eta anyone executes it, once.
    const executed = await mined(timelock, STRANGER, "execute", change);
    assert.equal(executed.number, eta);
    assert.equal(executed.receipt.status, 1);
    assert.deepEqual(timelock.events(executed.receipt, "Executed"), [{ id }]);
    assert.deepEqual(rollup.events(executed.receipt, "SequencingChanged"), [
      { previous: checksummed(allowlist), next: checksummed(based) },
    ]);
    assert.equal(await rollup.read("sequencing"), checksummed(based));
    assert.deepEqual(await timelock.revertOf(STRANGER, "execute", change), {
      errorName: "UnknownOperation",
      args: [id],
    });

    // Now anyone advances.
    const hash = await rollup.send(STRANGER, "advance", advance, PREPAYMENT);
    await node.mine();
    assert.equal(receiptOf(node, hash).status, 1, "a non-listed sender advances under based sequencing");
    assert.equal(await rollup.read("number"), 1n);
  });

  it("the admin cancels a scheduled change; the delay changes only through the timelock", async () => {
    const { node } = await memoryNode();
    const { rollup, timelock, allowlist, based } = await setUp(node);
    const change = operation(rollup, "setSequencing", [based.address.toString()]);
    const scheduled = await mined(timelock, ADMIN, "schedule", change);
    assert.equal(scheduled.receipt.status, 1);
    const id = await timelock.read("operationId", change);

    assert.deepEqual(await timelock.revertOf(STRANGER, "cancel", [id]), { errorName: "NotAdmin", args: [] });
    const cancelled = await mined(timelock, ADMIN, "cancel", [id]);
    assert.equal(cancelled.receipt.status, 1);
    assert.deepEqual(timelock.events(cancelled.receipt, "Cancelled"), [{ id }]);
    assert.deepEqual(await timelock.revertOf(ADMIN, "cancel", [id]), {
      errorName: "UnknownOperation",
      args: [id],
    });
    for (let i = 0n; i < DELAY; i++) await node.mine();
    assert.deepEqual(await timelock.revertOf(STRANGER, "execute", change), {
      errorName: "UnknownOperation",
      args: [id],
    });
    assert.equal(await rollup.read("sequencing"), checksummed(allowlist), "a cancelled change never applies");

    // setDelay: refused when called directly, even by the admin; applied through schedule/execute.
    assert.deepEqual(await timelock.revertOf(ADMIN, "setDelay", [1n]), {
      errorName: "NotTimelock",
      args: [],
    });
    const shorten = operation(timelock, "setDelay", [1n]);
    assert.equal((await mined(timelock, ADMIN, "schedule", shorten)).receipt.status, 1);
    for (let i = 0n; i < DELAY; i++) await node.mine();
    const executed = await mined(timelock, STRANGER, "execute", shorten);
    assert.equal(executed.receipt.status, 1);
    assert.deepEqual(timelock.events(executed.receipt, "DelayChanged"), [{ previous: DELAY, next: 1n }]);
    assert.equal(await timelock.read("delayBlocks"), 1n);
  });

  it("a failing call reverts execute with CallFailed and leaves the operation scheduled", async () => {
    const { node } = await memoryNode();
    const { rollup, timelock, based } = await setUp(node, false);
    // This rollup has no governance, so the timelock's call to it fails.
    const change = operation(rollup, "setSequencing", [based.address.toString()]);
    assert.equal((await mined(timelock, ADMIN, "schedule", change)).receipt.status, 1);
    for (let i = 0n; i < DELAY; i++) await node.mine();
    const revert = await timelock.revertOf(STRANGER, "execute", change);
    assert.equal(revert.errorName, "CallFailed");
    const id = await timelock.read("operationId", change);
    assert.ok((await timelock.read("etaOf", [id])) !== 0n);
  });

  it("a rollup deployed without governance cannot change its sequencing policy", async () => {
    const { node } = await memoryNode();
    const { rollup, allowlist, based } = await setUp(node, false);
    assert.equal(await rollup.read("governance"), getAddress(NONE));
    for (const from of [ADMIN, STRANGER]) {
      assert.deepEqual(await rollup.revertOf(from, "setSequencing", [based.address.toString()]), {
        errorName: "NotGovernance",
        args: [node.devAccounts[from].address],
      });
    }
    assert.equal(await rollup.read("sequencing"), checksummed(allowlist));
  });
});
