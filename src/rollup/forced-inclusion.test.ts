/**
 * Forced inclusion (contracts/ForcedInclusion.sol, docs/rollup.md) with a real L2 chain
 * (l2-chain.ts): a user queues a signed L2 transfer on L1; until its deadline the sequencer settles
 * blocks without it; after it, `NativeRollup.advance` settles only a block that starts with it, or
 * one that drops it with a proof that the block could not include it: the sender's account in the
 * block's pre-state (nonce or balance; code that is not a delegation, with the code), or the
 * block's parent header (a base fee above the transaction's fee cap).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createBlockHeader } from "@ethereumjs/block";
import { RLP } from "@ethereumjs/rlp";
import {
  createFeeMarket1559Tx,
  createLegacyTx,
  type FeeMarketEIP1559TxData,
  getCalldataFloorGas,
  type TypedTransaction,
} from "@ethereumjs/tx";
import {
  bigIntToUnpaddedBytes,
  bytesToHex,
  concatBytes,
  createAddressFromString,
  hexToBytes,
} from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { type Abi, type AbiParameter, encodeAbiParameters, getAddress, type Hex } from "viem";
import { loadArtifact } from "../contracts/compile.ts";
import type { L1Node } from "../l1/node.ts";
import { commonFor } from "../stateless/chain.ts";
import { memoryNode } from "../testing/l1.ts";
import {
  buildL2Block,
  createL2Genesis,
  L2_CHAIN_ID,
  L2_FORK,
  type L2Block,
  l2Transaction,
} from "../testing/l2-chain.ts";
import { Deployed, deploy, deployBridgedRollup, type Revert, receiptOf } from "../testing/rollup.ts";
import { devAccounts, type Genesis } from "../workload/transfers.ts";
import { advanceArgs } from "./client.ts";
import {
  type Drop,
  DropReason,
  dropFor,
  dropForFeeCap,
  dropForGasLimit,
  dropForNonceOrBalance,
  dropForSenderCode,
  dropReasonOf,
  encodeDrops,
  forcedTransactionHashes,
  isDelegation,
  nextMaxGasLimit,
  restHashes,
  senderStateOf,
} from "./forced.ts";

const ETHER = 10n ** 18n;
const GWEI = 10n ** 9n;
/** L1 blocks a forced transaction may wait. */
const DELAY = 4n;
/** Sent with every `advance`: far above the fee, since the rollup forwards the excess back. */
const PREPAYMENT = ETHER;
const CAROL = createAddressFromString("0xca00000000000000000000000000000000000001");
const USER = 1;
const SEQUENCER = 2;

const inboxAbi = loadArtifact("ForcedInclusionInbox").abi;
const errors = (abi: Abi) => abi.filter((item) => item.type === "error");
/** The rollup's ABI with the inbox's errors, which `advance` passes through. */
const rollupAbi: Abi = [...loadArtifact("NativeRollup").abi, ...errors(inboxAbi)];

let l2Genesis: Promise<Genesis> | undefined;

/** An L1 node with the bridge (the anchor policy), the inbox and the rollup bound to both. */
type World = { node: L1Node; inbox: Deployed; rollup: Deployed; genesis: Genesis; anchor: Uint8Array };

/** The L2 genesis with dev accounts 0 and 1 (alice and bob), or `genesis`. */
async function world(genesis_?: Promise<Genesis>): Promise<World> {
  const { node } = await memoryNode();
  l2Genesis ??= createL2Genesis({ premint: ETHER, accounts: 2 });
  const genesis = await (genesis_ ?? l2Genesis);
  const [deployed] = await deploy(node, 0, [{ name: "ForcedInclusionInbox", args: [L2_CHAIN_ID, DELAY] }]);
  const inbox = new Deployed(node, deployed.address, inboxAbi);
  const { bridge, rollup } = await deployBridgedRollup(node, 0, genesis, {
    inclusion: inbox.address.toString(),
  });
  const bound = await inbox.send(0, "setRollup", [rollup.address.toString()]);
  await node.mine();
  assert.equal(receiptOf(node, bound).status, 1, "the inbox is bound to the rollup");
  const anchor = hexToBytes((await bridge.read("root")) as Hex);
  return { node, inbox, rollup: new Deployed(node, rollup.address, rollupAbi), genesis, anchor };
}

/** A 1-ether transfer to carol from L2 dev account `from`. */
function transfer(w: World, from: number, nonce: bigint, value = ETHER): TypedTransaction {
  return l2Transaction(w.genesis, w.genesis.accounts[from], nonce, { to: CAROL, value, gasLimit: 21_000n });
}

/** Queues `tx` from L1 dev account USER; returns its queue index and deadline. */
async function forceInclude(w: World, tx: TypedTransaction) {
  const hash = await w.inbox.send(USER, "forceInclude", [bytesToHex(tx.serialize())]);
  await w.node.mine();
  const receipt = receiptOf(w.node, hash);
  assert.equal(receipt.status, 1, "forceInclude succeeds");
  const [event] = w.inbox.events(receipt, "ForcedTransactionQueued");
  return { index: event.index as bigint, deadline: event.deadline as bigint };
}

/** Mines empty L1 blocks until the next call, mined or not, runs after `deadline`. */
async function untilDue(w: World, deadline: bigint): Promise<void> {
  while (w.node.head.header.number <= deadline) await w.node.mine();
}

/** `advance(...args)` from the sequencer, mined; returns the receipt. */
async function settle(w: World, args: readonly unknown[]) {
  const hash = await w.rollup.send(SEQUENCER, "advance", args, PREPAYMENT);
  await w.node.mine();
  return receiptOf(w.node, hash);
}

async function settles(w: World, args: readonly unknown[], number: bigint) {
  const receipt = await settle(w, args);
  assert.equal(receipt.status, 1, `L2 block ${number} settles`);
  assert.equal(await w.rollup.read("number"), number);
  return receipt;
}

/** `advance(...args)` reverts with `expected` as `eth_call` and mined, and the settled root stays. */
async function rejected(w: World, args: readonly unknown[], expected: Revert | string) {
  const root = await w.rollup.read("stateRoot");
  const revert = await w.rollup.revertOf(SEQUENCER, "advance", args, PREPAYMENT);
  if (typeof expected === "string") assert.equal(revert.errorName, expected);
  else assert.deepEqual(revert, expected);
  assert.equal((await settle(w, args)).status, 0, "reverts on chain too");
  assert.equal(await w.rollup.read("stateRoot"), root, "the settled state root does not move");
}

describe("ForcedInclusionInbox.forceInclude", () => {
  it("queues a signed L2 transfer with its hash, sender, nonce, max cost and deadline", async () => {
    const w = await world();
    const tx = transfer(w, 0, 0n);
    const hash = await w.inbox.send(USER, "forceInclude", [bytesToHex(tx.serialize())]);
    const [block] = await w.node.mine();
    const [event] = w.inbox.events(receiptOf(w.node, hash), "ForcedTransactionQueued");
    const alice = getAddress(w.genesis.accounts[0].address.toString());
    const deadline = block.header.number + DELAY;
    assert.deepEqual(event, {
      index: 0n,
      txHash: bytesToHex(tx.hash()),
      sender: alice,
      nonce: 0n,
      deadline,
      transaction: bytesToHex(tx.serialize()),
    });
    assert.deepEqual(await w.inbox.read("entry", [0n]), {
      txHash: bytesToHex(tx.hash()),
      sender: alice,
      nonce: 0n,
      gasLimit: 21_000,
      maxFeePerGas: GWEI,
      maxCost: 21_000n * GWEI + ETHER,
      deadline,
    });
    assert.equal(await w.inbox.read("pending"), 1n);
  });

  it("recovers the sender of a transaction with call data and an access list (long RLP headers)", async () => {
    const w = await world();
    const bob = w.genesis.accounts[1];
    const tx = createFeeMarket1559Tx(
      {
        chainId: L2_CHAIN_ID,
        nonce: 300n,
        maxFeePerGas: 7n * GWEI,
        maxPriorityFeePerGas: GWEI,
        gasLimit: 100_000n,
        to: CAROL,
        value: 5n,
        data: new Uint8Array(100).fill(0xab),
        accessList: [{ address: CAROL.toString(), storageKeys: [bytesToHex(new Uint8Array(32).fill(1))] }],
      },
      { common: w.genesis.common },
    ).sign(bob.privateKey);
    const { index } = await forceInclude(w, tx);
    const entry = (await w.inbox.read("entry", [index])) as Record<string, unknown>;
    assert.equal(entry.sender, getAddress(bob.address.toString()));
    assert.equal(entry.nonce, 300n);
    assert.equal(entry.maxFeePerGas, 7n * GWEI);
    assert.equal(entry.gasLimit, 100_000);
    assert.equal(entry.maxCost, 100_000n * 7n * GWEI + 5n);
  });

  it("refuses a transaction for another chain, with a bad signature, not of type 2, or malformed", async () => {
    const w = await world();
    const alice = w.genesis.accounts[0];
    const refuses = async (tx: Uint8Array, errorName: string) => {
      const revert = await w.inbox.revertOf(USER, "forceInclude", [bytesToHex(tx)]);
      assert.equal(revert.errorName, errorName);
    };
    const signed = (chainId = L2_CHAIN_ID) =>
      createFeeMarket1559Tx(
        { chainId, maxFeePerGas: GWEI, maxPriorityFeePerGas: GWEI, gasLimit: 21_000n, to: CAROL },
        { common: commonFor(chainId, L2_FORK) },
      ).sign(alice.privateKey);
    assert.deepEqual(await w.inbox.revertOf(USER, "forceInclude", [bytesToHex(signed(1n).serialize())]), {
      errorName: "WrongChainId",
      args: [L2_CHAIN_ID, 1n],
    });

    // The same signature with s in the upper half (still a valid ECDSA signature), or r = 0.
    const tx = signed();
    const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    /** `tx` with field `i` (0 chainId … 11 s) replaced, signature unchanged. */
    const withField = (i: number, value: bigint | Uint8Array) => {
      const fields = tx.raw();
      fields[i] = typeof value === "bigint" ? bigIntToUnpaddedBytes(value) : value;
      return concatBytes(Uint8Array.of(2), RLP.encode(fields));
    };
    const withSignature = (v: bigint, r: bigint, s: bigint) =>
      concatBytes(
        Uint8Array.of(2),
        RLP.encode([...tx.raw().slice(0, 9), ...[v, r, s].map(bigIntToUnpaddedBytes)]),
      );
    await refuses(withSignature(1n - tx.v!, tx.r!, N - tx.s!), "InvalidSignature");
    await refuses(withSignature(tx.v!, 0n, tx.s!), "InvalidSignature");
    await refuses(withSignature(2n, tx.r!, tx.s!), "InvalidSignature");

    const legacy = createLegacyTx(
      { gasPrice: GWEI, gasLimit: 21_000n, to: CAROL },
      { common: w.genesis.common },
    ).sign(alice.privateKey);
    await refuses(legacy.serialize(), "NotEip1559");
    await refuses(concatBytes(Uint8Array.of(1), tx.serialize().subarray(1)), "NotEip1559");
    await refuses(tx.serialize().subarray(0, tx.serialize().length - 1), "InvalidRLP");
    await refuses(concatBytes(tx.serialize(), Uint8Array.of(0)), "InvalidRLP");
    await refuses(withField(1, Uint8Array.of(0, 1)), "InvalidRLP"); // a nonce with a leading zero
    // The nonce 1 as 0x8101 instead of 0x01 (the list is 56 to 255 bytes: header 0xf8 ‖ length).
    const payload = concatBytes(
      ...tx.raw().map((f, i) => (i === 1 ? Uint8Array.of(0x81, 1) : RLP.encode(f))),
    );
    await refuses(concatBytes(Uint8Array.of(2, 0xf8, payload.length), payload), "InvalidRLP");
    // Statically unincludable on the L2: below the intrinsic gas, above the EIP-7825 cap, a tip over the fee cap.
    assert.deepEqual(await w.inbox.revertOf(USER, "forceInclude", [bytesToHex(withField(4, 20_999n))]), {
      errorName: "IntrinsicGasTooHigh",
      args: [21_000n, 20_999n],
    });
    await refuses(withField(4, (1n << 24n) + 1n), "InvalidTransaction");
    await refuses(withField(2, GWEI + 1n), "InvalidTransaction");
    assert.equal(await w.inbox.read("pending"), 0n, "nothing refused was queued");

    // A changed signed field recovers another sender (whose transaction it then is), not alice.
    const hash = await w.inbox.send(USER, "forceInclude", [bytesToHex(withField(6, 1n))]);
    await w.node.mine();
    const [queued] = w.inbox.events(receiptOf(w.node, hash), "ForcedTransactionQueued");
    assert.notEqual(queued.sender, getAddress(alice.address.toString()));
  });
});

describe("ForcedInclusionInbox.forceInclude: intrinsic gas", () => {
  /** Call data of `zeros` zero and `nonzeros` nonzero bytes, interleaved. */
  const bytes = (zeros: number, nonzeros: number) => {
    const data = new Uint8Array(zeros + nonzeros).fill(0x5a);
    for (let i = 0; i < zeros; i++) data[Math.floor((i * (zeros + nonzeros)) / zeros)] = 0;
    return data;
  };
  const key = (b: number) => bytesToHex(new Uint8Array(32).fill(b));
  const OTHER = "0xca00000000000000000000000000000000000002";
  /** Transactions, with what they need by hand: Osaka intrinsic gas and the EIP-7623 floor. */
  const cases: { name: string; fields: FeeMarketEIP1559TxData; intrinsic: bigint; floor: bigint }[] = [
    { name: "a transfer", fields: { to: CAROL }, intrinsic: 21_000n, floor: 21_000n },
    {
      name: "call data (the floor above the intrinsic gas)",
      fields: { to: CAROL, data: bytes(40, 60) },
      intrinsic: 21_000n + 40n * 4n + 60n * 16n,
      floor: 21_000n + 10n * (40n + 4n * 60n),
    },
    {
      name: "call data and an access list (duplicates count)",
      fields: {
        to: CAROL,
        data: bytes(3, 5),
        accessList: [
          { address: CAROL.toString(), storageKeys: [key(1), key(2)] },
          { address: OTHER, storageKeys: [] },
          { address: CAROL.toString(), storageKeys: [key(1)] },
        ],
      },
      intrinsic: 21_000n + 3n * 4n + 5n * 16n + 3n * 2_400n + 3n * 1_900n,
      floor: 21_000n + 10n * (3n + 4n * 5n),
    },
    {
      name: "a creation (33 bytes: 2 words of init code)",
      fields: { data: bytes(1, 32) },
      intrinsic: 21_000n + 4n + 32n * 16n + 32_000n + 2n * 2n,
      floor: 21_000n + 10n * (1n + 4n * 32n),
    },
    {
      name: "a creation whose init code makes the floor higher",
      fields: { data: bytes(100, 2_000) },
      intrinsic: 21_000n + 100n * 4n + 2_000n * 16n + 32_000n + 2n * 66n,
      floor: 21_000n + 10n * (100n + 4n * 2_000n),
    },
  ];

  it("refuses a gas limit 1 below the intrinsic gas or the EIP-7623 floor; accepts exactly that", async () => {
    const w = await world();
    const alice = w.genesis.accounts[0];
    const signed = (fields: FeeMarketEIP1559TxData, gasLimit: bigint) =>
      createFeeMarket1559Tx(
        { chainId: L2_CHAIN_ID, maxFeePerGas: GWEI, maxPriorityFeePerGas: GWEI, ...fields, gasLimit },
        { common: w.genesis.common },
      ).sign(alice.privateKey);
    for (const [i, { name, fields, intrinsic, floor }] of cases.entries()) {
      const need = intrinsic > floor ? intrinsic : floor;
      // ethereumjs (Osaka) agrees with the figures by hand.
      const probe = signed(fields, need);
      assert.equal(probe.getIntrinsicGas(), intrinsic, `${name}: ethereumjs intrinsic gas`);
      assert.equal(getCalldataFloorGas(probe), floor, `${name}: ethereumjs floor`);
      assert.equal(probe.getMinimumGasLimit(), need, `${name}: ethereumjs minimum gas limit`);

      const short = signed(fields, need - 1n);
      assert.deepEqual(
        await w.inbox.revertOf(USER, "forceInclude", [bytesToHex(short.serialize())]),
        { errorName: "IntrinsicGasTooHigh", args: [need, need - 1n] },
        `${name}: 1 gas short`,
      );
      const { index } = await forceInclude(w, probe);
      assert.equal(index, BigInt(i), `${name}: queued with exactly the gas it needs`);
    }
    assert.equal(await w.inbox.read("pending"), BigInt(cases.length));
  });
});

describe("forced inclusion at settlement", () => {
  it("before the deadline the sequencer settles blocks without it", async () => {
    const w = await world();
    const { deadline } = await forceInclude(w, transfer(w, 0, 0n));
    const b1 = await buildL2Block(w.genesis, [transfer(w, 1, 0n)], { anchor: w.anchor });
    assert.ok(w.node.head.header.number + 1n <= deadline, "not due yet");
    await settles(w, [bytesToHex(b1.bytes)], 1n);
    assert.equal(await w.inbox.read("pending"), 1n, "still queued");
  });

  it("after the deadline a block that does not start with it is rejected; one that does settles and empties the queue", async () => {
    const w = await world();
    const forced = transfer(w, 0, 0n);
    const { deadline } = await forceInclude(w, forced);
    await untilDue(w, deadline);

    // The sequencer censors: a block without it, or with it but not first.
    const without = await buildL2Block(w.genesis, [transfer(w, 1, 0n)], { anchor: w.anchor });
    const skipped = { errorName: "ForcedTransactionSkipped", args: [0n] };
    await rejected(w, [bytesToHex(without.bytes)], skipped);
    await rejected(w, advanceArgs(without, 0), skipped);
    const second = await buildL2Block(w.genesis, [transfer(w, 1, 0n), forced], { anchor: w.anchor });
    await rejected(w, advanceArgs(second, 1), "WrongTransactions");
    await rejected(w, advanceArgs(second, 0), skipped);
    await rejected(w, advanceArgs(second, 2), { errorName: "NotQueued", args: [2n, 1n] });

    const b1 = await buildL2Block(w.genesis, [forced, transfer(w, 1, 0n)], { anchor: w.anchor });
    assert.deepEqual(forcedTransactionHashes(b1.block, 1), [bytesToHex(forced.hash())]);
    await rejected(w, [bytesToHex(b1.bytes), 1n, [], []], "WrongTransactions");
    const receipt = await settles(w, advanceArgs(b1, 1), 1n);
    assert.deepEqual(w.inbox.events(receipt, "ForcedTransactionIncluded"), [
      { index: 0n, txHash: bytesToHex(forced.hash()) },
    ]);
    assert.equal(await w.inbox.read("pending"), 0n);
    assert.equal(await w.inbox.read("head"), 1n);

    // Nothing is due any more: plain `advance` works again.
    const b2 = await buildL2Block(b1, [], { anchor: w.anchor });
    await settles(w, [bytesToHex(b2.bytes)], 2n);
  });

  it("includes a forced transaction before its deadline, and a later one stays queued", async () => {
    const w = await world();
    const first = transfer(w, 0, 0n);
    const later = transfer(w, 1, 0n);
    await forceInclude(w, first);
    await forceInclude(w, later);
    const b1 = await buildL2Block(w.genesis, [first], { anchor: w.anchor });
    assert.deepEqual(restHashes(b1.block, 1), []);
    await settles(w, advanceArgs(b1, 1), 1n);
    assert.equal(await w.inbox.read("pending"), 1n);
    assert.equal(await w.inbox.read("head"), 1n);
  });

  it("drops a stale forced transaction (its nonce used) with an account proof against the pre-state", async () => {
    const w = await world();
    const forced = transfer(w, 0, 0n);
    const { deadline } = await forceInclude(w, forced);
    // Alice spends nonce 0 on another transaction, which the sequencer settles before the deadline.
    const b1 = await buildL2Block(w.genesis, [transfer(w, 0, 0n, 2n * ETHER)], { anchor: w.anchor });
    await settles(w, [bytesToHex(b1.bytes)], 1n);
    await untilDue(w, deadline);

    const b2 = await buildL2Block(b1, [transfer(w, 1, 0n)], { anchor: w.anchor });
    const alice = w.genesis.accounts[0].address;
    await rejected(w, [bytesToHex(b2.bytes)], { errorName: "ForcedTransactionSkipped", args: [0n] });
    // A proof of alice's account at genesis does not fit the block's pre-state.
    await rejected(w, advanceArgs(b2, 0, [await dropForNonceOrBalance(w.genesis, 0n, alice)]), "BadHash");
    const drop = await dropForNonceOrBalance(b1, 0n, alice);
    await rejected(w, advanceArgs(b2, 0, [{ ...drop, index: 1n }]), { errorName: "NotNext", args: [1n, 0n] });
    const receipt = await settles(w, advanceArgs(b2, 0, [drop]), 2n);
    assert.deepEqual(w.inbox.events(receipt, "ForcedTransactionDropped"), [
      { index: 0n, txHash: bytesToHex(forced.hash()) },
    ]);
    assert.equal(await w.inbox.read("pending"), 0n);
  });

  it("refuses a drop whose proof shows the sender's nonce and balance fit, and a drop before the deadline", async () => {
    const w = await world();
    const { deadline } = await forceInclude(w, transfer(w, 0, 0n));
    const b1 = await buildL2Block(w.genesis, [], { anchor: w.anchor });
    const drop = await dropForNonceOrBalance(w.genesis, 0n, w.genesis.accounts[0].address);
    await rejected(w, advanceArgs(b1, 0, [drop]), { errorName: "NotDue", args: [0n] });
    await untilDue(w, deadline);
    await rejected(w, advanceArgs(b1, 0, [drop]), { errorName: "NotDroppable", args: [0n] });
    assert.equal(await w.inbox.read("pending"), 1n);
  });

  it("a forced transaction its sender cannot afford is dropped by a proof of the balance", async () => {
    const w = await world();
    const tooMuch = transfer(w, 0, 0n, 2000n * ETHER);
    const { deadline } = await forceInclude(w, tooMuch);
    await untilDue(w, deadline);
    const b1 = await buildL2Block(w.genesis, [], { anchor: w.anchor });
    await settles(
      w,
      advanceArgs(b1, 0, [await dropForNonceOrBalance(w.genesis, 0n, w.genesis.accounts[0].address)]),
      1n,
    );
    assert.equal(await w.inbox.read("pending"), 0n);
  });
});

/** Dev accounts 2 and 3 of the code genesis: one with code, one with an EIP-7702 delegation. */
const [, , CODED, DELEGATED] = devAccounts(4);
const CODE: Hex = "0x600160005260206000f3";
const DELEGATION: Hex = `0xef0100${CAROL.toString().slice(2)}`;
let codeGenesis: Promise<Genesis> | undefined;
let gasLimitGenesis: Promise<Genesis> | undefined;

/** The L2 genesis of `world()` plus a dev account with code and one with a delegation. */
function genesisWithCode(): Promise<Genesis> {
  codeGenesis ??= createL2Genesis({
    premint: ETHER,
    accounts: 4,
    alloc: {
      [CODED.address.toString()]: { balance: 1000n * ETHER, code: CODE },
      [DELEGATED.address.toString()]: { balance: 1000n * ETHER, code: DELEGATION },
    },
  });
  return codeGenesis;
}

/** A 1-wei transfer to carol from `from` with the fee cap `maxFeePerGas` (and no tip). */
function transferWithFeeCap(w: World, from: number, nonce: bigint, maxFeePerGas: bigint) {
  return createFeeMarket1559Tx(
    {
      chainId: L2_CHAIN_ID,
      nonce,
      maxFeePerGas,
      maxPriorityFeePerGas: 0n,
      gasLimit: 21_000n,
      to: CAROL,
      value: 1n,
    },
    { common: w.genesis.common },
  ).sign(w.genesis.accounts[from].privateKey);
}

/** What the sequencer does for due entry `index`: the reason it applies, and the drop that proves it. */
async function sequencerDrop(w: World, parent: L2Block | Genesis, index: bigint) {
  const entry = (await w.inbox.read("entry", [index])) as {
    sender: Hex;
    nonce: bigint;
    gasLimit: number;
    maxFeePerGas: bigint;
    maxCost: bigint;
  };
  const sender = createAddressFromString(entry.sender);
  const fields = { ...entry, gasLimit: BigInt(entry.gasLimit) };
  const reason = dropReasonOf(fields, await senderStateOf(parent, sender), parent.header);
  return {
    reason,
    drop: reason === undefined ? undefined : await dropFor(reason, index, sender, parent, parent.header),
  };
}

describe("forced inclusion: drop reasons", () => {
  it("the inbox's base fee and largest gas limit after a parent header are ethereumjs's", async () => {
    const w = await world();
    const cases: [gasLimit: bigint, gasUsed: bigint, baseFee: bigint][] = [];
    for (const gasLimit of [60_000_000n, 30_000_001n, 5_000n])
      for (const baseFee of [0n, 1n, 7n, 8n, GWEI + 3n, 123_456_789_012_345n, 1n << 200n])
        for (const gasUsed of [
          0n,
          1n,
          gasLimit / 2n - 1n,
          gasLimit / 2n,
          gasLimit / 2n + 1n,
          (gasLimit * 3n) / 4n,
          gasLimit,
        ])
          cases.push([gasLimit, gasUsed, baseFee]);
    for (const [gasLimit, gasUsed, baseFeePerGas] of cases) {
      const header = createBlockHeader(
        { ...w.genesis.header.toJSON(), number: 5n, gasLimit, gasUsed, baseFeePerGas },
        { common: w.genesis.common },
      );
      assert.equal(
        await w.inbox.read("nextBaseFee", [bytesToHex(header.serialize())]),
        header.calcNextBaseFee(),
        `gas limit ${gasLimit}, gas used ${gasUsed}, base fee ${baseFeePerGas}`,
      );
    }
    for (const gasLimit of [60_000_000n, 10_000_000n, 30_000_001n, 1_048_575n, 5_000n]) {
      const parent = createBlockHeader(
        { ...w.genesis.header.toJSON(), gasLimit },
        { common: w.genesis.common },
      );
      const max = (await w.inbox.read("nextMaxGasLimit", [bytesToHex(parent.serialize())])) as bigint;
      assert.equal(max, nextMaxGasLimit(parent));
      const child = (limit: bigint) =>
        createBlockHeader({ number: 1n, gasLimit: limit, baseFeePerGas: 7n }, { common: w.genesis.common });
      child(max).validateGasLimit(parent);
      assert.throws(() => child(max + 1n).validateGasLimit(parent), /gas limit increased too much/);
    }
    // And on a real L2 block, whose child's base fee EXECUTE checked.
    const b1 = await buildL2Block(w.genesis, [transfer(w, 0, 0n)], { anchor: w.anchor });
    const b2 = await buildL2Block(b1, [], { anchor: w.anchor });
    assert.equal(
      await w.inbox.read("nextBaseFee", [bytesToHex(b1.header.serialize())]),
      b2.header.baseFeePerGas,
    );
    // A header without a base fee (pre-London: 15 fields) is no parent of an L2 block.
    const preLondon = RLP.encode(w.genesis.header.raw().slice(0, 15));
    assert.equal(
      (await w.inbox.revertOf(USER, "nextBaseFee", [bytesToHex(preLondon)])).errorName,
      "InvalidRLP",
    );
  });

  it("drops a forced transaction whose fee cap is below the L2 base fee by the parent header; the rollup moves on", async () => {
    const w = await world();
    const baseFee = w.genesis.header.calcNextBaseFee();
    const forced = transferWithFeeCap(w, 0, 0n, baseFee - 1n);
    const { index, deadline } = await forceInclude(w, forced);
    await untilDue(w, deadline);
    await assert.rejects(
      buildL2Block(w.genesis, [forced], { anchor: w.anchor }),
      /less than the block's baseFeePerGas/,
    );

    const b1 = await buildL2Block(w.genesis, [transfer(w, 1, 0n)], { anchor: w.anchor });
    assert.equal(b1.header.baseFeePerGas, baseFee);
    await rejected(w, [bytesToHex(b1.bytes)], { errorName: "ForcedTransactionSkipped", args: [index] });
    // Alice's nonce and balance fit, and she has no code: only the fee cap drops it.
    const alice = w.genesis.accounts[0].address;
    const notDroppable = { errorName: "NotDroppable", args: [index] };
    await rejected(
      w,
      advanceArgs(b1, 0, [await dropForNonceOrBalance(w.genesis, index, alice)]),
      notDroppable,
    );
    await rejected(w, advanceArgs(b1, 0, [await dropForSenderCode(w.genesis, index, alice)]), notDroppable);

    const { reason, drop } = await sequencerDrop(w, w.genesis, index);
    assert.equal(reason, DropReason.FeeCap);
    assert.deepEqual(drop, dropForFeeCap(index, w.genesis.header));
    const receipt = await settles(w, advanceArgs(b1, 0, [drop!]), 1n);
    assert.deepEqual(w.inbox.events(receipt, "ForcedTransactionDropped"), [
      { index, txHash: bytesToHex(forced.hash()) },
    ]);
    assert.equal(await w.inbox.read("pending"), 0n);
    const b2 = await buildL2Block(b1, [], { anchor: w.anchor });
    await settles(w, [bytesToHex(b2.bytes)], 2n);
  });

  it("refuses a fee-cap drop with another header than the parent, or when the base fee is not above the cap", async () => {
    const w = await world();
    const baseFee = w.genesis.header.calcNextBaseFee();
    // Exactly the base fee: includable.
    const forced = transferWithFeeCap(w, 0, 0n, baseFee);
    const { index, deadline } = await forceInclude(w, forced);
    await untilDue(w, deadline);
    const b1 = await buildL2Block(w.genesis, [], { anchor: w.anchor });
    assert.equal((await sequencerDrop(w, w.genesis, index)).reason, undefined, "nothing to drop");
    await rejected(w, advanceArgs(b1, 0, [dropForFeeCap(index, w.genesis.header)]), {
      errorName: "NotDroppable",
      args: [index],
    });
    // The parent header with a base fee that would drop it does not hash to the parent hash.
    const genesisHash = bytesToHex(w.genesis.block.hash());
    const forged = createBlockHeader(
      { ...w.genesis.header.toJSON(), baseFeePerGas: 100n * baseFee },
      { common: w.genesis.common },
    );
    assert.ok(((await w.inbox.read("nextBaseFee", [bytesToHex(forged.serialize())])) as bigint) > baseFee);
    await rejected(w, advanceArgs(b1, 0, [dropForFeeCap(index, forged)]), {
      errorName: "WrongParentHeader",
      args: [genesisHash, bytesToHex(keccak_256(forged.serialize()))],
    });
    // Nor does any other real header: the block's own.
    await rejected(w, advanceArgs(b1, 0, [dropForFeeCap(index, b1.header)]), {
      errorName: "WrongParentHeader",
      args: [genesisHash, bytesToHex(b1.block.hash())],
    });
    // The L2 includes it.
    const included = await buildL2Block(w.genesis, [forced], { anchor: w.anchor });
    assert.ok("status" in included.receipts[0] && included.receipts[0].status === 1, "it succeeds");
    await settles(w, advanceArgs(included, 1), 1n);
    assert.equal(await w.inbox.read("pending"), 0n);
  });

  it("drops a forced transaction whose sender has code by its account proof and code", async () => {
    const w = await world(genesisWithCode());
    const forced = l2Transaction(w.genesis, CODED, 0n, { to: CAROL, value: 1n, gasLimit: 21_000n });
    const { index, deadline } = await forceInclude(w, forced);
    await untilDue(w, deadline);
    await assert.rejects(buildL2Block(w.genesis, [forced], { anchor: w.anchor }), /EIP-3607/);

    const b1 = await buildL2Block(w.genesis, [transfer(w, 0, 0n)], { anchor: w.anchor });
    const notDroppable = { errorName: "NotDroppable", args: [index] };
    await rejected(
      w,
      advanceArgs(b1, 0, [await dropForNonceOrBalance(w.genesis, index, CODED.address)]),
      notDroppable,
    );
    await rejected(w, advanceArgs(b1, 0, [dropForFeeCap(index, w.genesis.header)]), notDroppable);
    const drop = await dropForSenderCode(w.genesis, index, CODED.address);
    assert.equal(drop.code, CODE);
    const codeHash = bytesToHex(keccak_256(hexToBytes(CODE)));
    await rejected(w, advanceArgs(b1, 0, [{ ...drop, code: "0x6000" }]), {
      errorName: "WrongCode",
      args: [codeHash, bytesToHex(keccak_256(Uint8Array.of(0x60, 0)))],
    });
    await rejected(w, advanceArgs(b1, 0, [{ ...drop, code: "0x" }]), "WrongCode");
    // The proof of another account (alice's, without code) does not prove this sender's.
    const other = await dropForSenderCode(w.genesis, index, w.genesis.accounts[0].address);
    await rejected(w, advanceArgs(b1, 0, [{ ...drop, accountProof: other.accountProof }]), "BadHash");

    const { reason, drop: planned } = await sequencerDrop(w, w.genesis, index);
    assert.equal(reason, DropReason.SenderCode);
    assert.deepEqual(planned, drop);
    const receipt = await settles(w, advanceArgs(b1, 0, [drop]), 1n);
    assert.deepEqual(w.inbox.events(receipt, "ForcedTransactionDropped"), [
      { index, txHash: bytesToHex(forced.hash()) },
    ]);
    assert.equal(await w.inbox.read("pending"), 0n);
  });

  it("a sender with an EIP-7702 delegation is not droppable by its code; its forced transaction is included", async () => {
    const w = await world(genesisWithCode());
    const forced = l2Transaction(w.genesis, DELEGATED, 0n, { to: CAROL, value: 1n, gasLimit: 21_000n });
    const { index, deadline } = await forceInclude(w, forced);
    await untilDue(w, deadline);
    const b1 = await buildL2Block(w.genesis, [], { anchor: w.anchor });
    const drop = await dropForSenderCode(w.genesis, index, DELEGATED.address);
    assert.equal(drop.code, DELEGATION);
    await rejected(w, advanceArgs(b1, 0, [drop]), { errorName: "NotDroppable", args: [index] });
    assert.equal((await sequencerDrop(w, w.genesis, index)).reason, undefined, "nothing to drop");

    const included = await buildL2Block(w.genesis, [forced], { anchor: w.anchor });
    assert.ok("status" in included.receipts[0] && included.receipts[0].status === 1, "it succeeds");
    await settles(w, advanceArgs(included, 1), 1n);
    assert.equal(await w.inbox.read("pending"), 0n);
  });

  it("drops a forced transaction whose gas limit no block on the parent may have, by the parent header", async () => {
    gasLimitGenesis ??= createL2Genesis({ premint: ETHER, accounts: 2, gasLimit: 10_000_000n });
    const w = await world(gasLimitGenesis);
    const max = nextMaxGasLimit(w.genesis.header);
    assert.equal(max, 10_009_764n);
    const forced = l2Transaction(w.genesis, w.genesis.accounts[0], 0n, { to: CAROL, gasLimit: max + 1n });
    const { index, deadline } = await forceInclude(w, forced);
    await untilDue(w, deadline);
    await assert.rejects(buildL2Block(w.genesis, [forced], { anchor: w.anchor }), /gas limit/);

    const b1 = await buildL2Block(w.genesis, [transfer(w, 1, 0n)], { anchor: w.anchor });
    const notDroppable = { errorName: "NotDroppable", args: [index] };
    const alice = w.genesis.accounts[0].address;
    await rejected(
      w,
      advanceArgs(b1, 0, [await dropForNonceOrBalance(w.genesis, index, alice)]),
      notDroppable,
    );
    await rejected(w, advanceArgs(b1, 0, [dropForFeeCap(index, w.genesis.header)]), notDroppable);
    await rejected(w, advanceArgs(b1, 0, [dropForGasLimit(index, b1.header)]), "WrongParentHeader");
    const { reason, drop } = await sequencerDrop(w, w.genesis, index);
    assert.equal(reason, DropReason.GasLimit);
    assert.deepEqual(drop, dropForGasLimit(index, w.genesis.header));
    await settles(w, advanceArgs(b1, 0, [drop!]), 1n);
    assert.equal(await w.inbox.read("pending"), 0n);
  });

  it("refuses a gas-limit drop of a transaction within the block's largest gas limit", async () => {
    const w = await world();
    const { index, deadline } = await forceInclude(w, transfer(w, 0, 0n));
    await untilDue(w, deadline);
    const b1 = await buildL2Block(w.genesis, [], { anchor: w.anchor });
    await rejected(w, advanceArgs(b1, 0, [dropForGasLimit(index, w.genesis.header)]), {
      errorName: "NotDroppable",
      args: [index],
    });
  });

  it("dropReasonOf: the header's base fee and gas limit first, then nonce or balance, then code that is not a delegation", () => {
    const entry = { nonce: 3n, gasLimit: 1_024_000n, maxFeePerGas: 10n, maxCost: 100n };
    /** A parent header giving its child base fee `baseFee` and at most 1,024,999 gas. */
    const parent = (baseFee: bigint) => ({ calcNextBaseFee: () => baseFee, gasLimit: 1_024_000n });
    const eoa = { nonce: 3n, balance: 100n, code: new Uint8Array() };
    const delegation = hexToBytes(DELEGATION);
    assert.equal(dropReasonOf(entry, eoa, parent(10n)), undefined);
    assert.equal(dropReasonOf(entry, eoa, parent(11n)), DropReason.FeeCap);
    assert.equal(
      dropReasonOf(entry, { ...eoa, nonce: 4n, code: hexToBytes(CODE) }, parent(11n)),
      DropReason.FeeCap,
    );
    assert.equal(dropReasonOf(entry, { ...eoa, nonce: 2n }, parent(10n)), DropReason.NonceOrBalance);
    assert.equal(dropReasonOf(entry, { ...eoa, balance: 99n }, parent(10n)), DropReason.NonceOrBalance);
    assert.equal(dropReasonOf(entry, undefined, parent(10n)), DropReason.NonceOrBalance);
    assert.equal(dropReasonOf({ ...entry, nonce: 0n, maxCost: 0n }, undefined, parent(10n)), undefined);
    assert.equal(dropReasonOf(entry, { ...eoa, code: hexToBytes(CODE) }, parent(10n)), DropReason.SenderCode);
    assert.equal(dropReasonOf(entry, { ...eoa, code: delegation }, parent(10n)), undefined);
    assert.equal(dropReasonOf({ ...entry, gasLimit: 1_024_999n }, eoa, parent(10n)), undefined);
    assert.equal(dropReasonOf({ ...entry, gasLimit: 1_025_000n }, eoa, parent(10n)), DropReason.GasLimit);
    assert.equal(dropReasonOf({ ...entry, gasLimit: 1_025_000n }, eoa, parent(11n)), DropReason.FeeCap);
    assert.ok(isDelegation(delegation));
    assert.ok(!isDelegation(delegation.subarray(0, 22)));
    assert.ok(!isDelegation(concatBytes(delegation, Uint8Array.of(0))));
    assert.equal(
      dropReasonOf(entry, { ...eoa, code: concatBytes(delegation, Uint8Array.of(0)) }, parent(10n)),
      DropReason.SenderCode,
    );
  });
});

describe("ForcedInclusionInbox binding", () => {
  it("only the bound rollup checks inclusion; binds once, by the deployer, to a rollup using it", async () => {
    const w = await world();
    const zero = bytesToHex(new Uint8Array(32));
    const check = [zero, zero, zero, 0n, [], []];
    assert.deepEqual(await w.inbox.revertOf(USER, "checkInclusion", check), {
      errorName: "NotRollup",
      args: [getAddress(w.node.devAccounts[USER].address)],
    });
    assert.equal(
      (await w.inbox.revertOf(0, "setRollup", [w.rollup.address.toString()])).errorName,
      "RollupAlreadySet",
    );
    const [other] = await deploy(w.node, 0, [{ name: "ForcedInclusionInbox", args: [L2_CHAIN_ID, DELAY] }]);
    const unbound = new Deployed(w.node, other.address, inboxAbi);
    assert.equal(
      (await unbound.revertOf(1, "setRollup", [w.rollup.address.toString()])).errorName,
      "NotDeployer",
    );
    assert.equal(
      (await unbound.revertOf(0, "setRollup", [w.rollup.address.toString()])).errorName,
      "WrongRollup",
    );
  });

  it("encodes drops as the contract's Drop[] (advance's last parameter)", () => {
    const proof: Hex[] = [bytesToHex(keccak_256(new Uint8Array()))];
    const drops: Drop[] = [
      { index: 3n, reason: DropReason.NonceOrBalance, accountProof: proof, code: "0x", parentHeader: "0x" },
      { index: 4n, reason: DropReason.FeeCap, accountProof: [], code: "0x", parentHeader: "0xc0" },
      { index: 5n, reason: DropReason.SenderCode, accountProof: proof, code: "0x6000", parentHeader: "0x" },
    ];
    const advance = loadArtifact("NativeRollup").abi.find(
      (item) => item.type === "function" && item.name === "advance" && item.inputs.length === 4,
    );
    assert.ok(advance?.type === "function");
    const param = advance.inputs[3] as AbiParameter & { components: readonly AbiParameter[] };
    assert.deepEqual(
      param.components.map((c) => [c.name, c.type]),
      [
        ["index", "uint256"],
        ["reason", "uint8"],
        ["accountProof", "bytes[]"],
        ["code", "bytes"],
        ["parentHeader", "bytes"],
      ],
    );
    assert.equal(encodeDrops(drops), encodeAbiParameters([param], [drops]));
    // offset, length 3, three tuple offsets, then the first tuple: index 3, reason 0.
    assert.equal(BigInt(`0x${encodeDrops(drops).slice(2 + 5 * 64, 2 + 6 * 64)}`), 3n);
  });
});
