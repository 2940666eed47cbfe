/**
 * `StateProof` (contracts/StateProof.sol) through `StateProofHarness`, called with `eth_call` on an
 * in-memory node: accounts and storage slots of states built on another node, proven with the
 * `eth_getProof` proofs ethereumjs makes, present and absent; tampered and malformed proofs revert
 * with the library's errors; tries built directly (raw keys with long common prefixes) cover the
 * embedded nodes that hashed keys practically never produce; and the node's own `eth_getProof`
 * over JSON-RPC, read by viem, for absent accounts and slots.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { createMerkleProof, MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { getMerkleStateProof, type Proof } from "@ethereumjs/statemanager";
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import {
  bytesToHex,
  createAddressFromString,
  hexToBytes,
  KECCAK256_NULL_S,
  KECCAK256_RLP_S,
} from "@ethereumjs/util";
import {
  type Abi,
  createPublicClient,
  decodeErrorResult,
  decodeFunctionResult,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  http,
  keccak256,
  numberToHex,
  toHex,
} from "viem";
import { loadArtifact } from "../contracts/compile.ts";
import type { L1Node } from "../l1/node.ts";
import { DevChain } from "../node/dev.ts";
import { serveL1 } from "../rpc/l1.ts";
import { memoryNode, nextNonce } from "../testing/l1.ts";

const harness = loadArtifact("StateProofHarness");
const abi: Abi = harness.abi;
/** Where the verifier node keeps the harness's runtime code. */
const HARNESS = createAddressFromString("0x00000000000000000000000000000000005afe01");
const ABSENT: Hex = "0x000000000000000000000000000000000000dead";
const ZERO_WORD = bytesToHex(new Uint8Array(32));

type Account = { nonce: bigint; balance: bigint; storageRoot: Hex; codeHash: Hex };
type Outcome =
  | { ok: true; result: unknown; gas: bigint }
  | { ok: false; error: string; args: readonly unknown[] };

let verifier: L1Node;

/** Calls the harness with `eth_call`; a revert is decoded with the library's errors. */
async function harnessCall(functionName: string, args: readonly unknown[]): Promise<Outcome> {
  const data = hexToBytes(encodeFunctionData({ abi, functionName, args }));
  const { execResult } = await verifier.call({ to: HARNESS, data });
  const returned = bytesToHex(execResult.returnValue);
  if (execResult.exceptionError !== undefined) {
    assert.equal(execResult.exceptionError.error, "revert", "fails by reverting, not by running out of gas");
    const decoded = decodeErrorResult({ abi, data: returned });
    return { ok: false, error: decoded.errorName, args: decoded.args ?? [] };
  }
  const result = decodeFunctionResult({ abi, functionName, data: returned });
  return { ok: true, result, gas: execResult.executionGasUsed };
}

async function returns(functionName: string, args: readonly unknown[]): Promise<unknown> {
  const outcome = await harnessCall(functionName, args);
  assert.ok(outcome.ok, `${functionName} returns, got ${outcome.ok ? "" : outcome.error}`);
  return outcome.result;
}

/** Asserts that the call reverts (with `error` and `errorArgs` when given); returns the error's arguments. */
async function reverts(
  functionName: string,
  args: readonly unknown[],
  error?: string,
  errorArgs?: unknown[],
): Promise<readonly unknown[]> {
  const outcome = await harnessCall(functionName, args);
  if (outcome.ok) assert.fail(`${functionName} reverts, but returned ${String(outcome.result)}`);
  if (error !== undefined) assert.equal(outcome.error, error);
  if (errorArgs !== undefined) assert.deepEqual(outcome.args, errorArgs);
  return outcome.args;
}

/** One account's `eth_getProof` with a storage slot, as the harness takes it. */
type SlotProof = {
  root: Hex;
  address: Hex;
  slot: Hex;
  accountProof: Hex[];
  storageProof: Hex[];
  /** What ethereumjs reads from its state. */
  value: bigint;
};

async function proveSlots(node: L1Node, root: Uint8Array, address: Hex, slots: Hex[]): Promise<SlotProof[]> {
  const proof = await getMerkleStateProof(
    node.stateAt(root),
    createAddressFromString(address),
    slots.map((slot) => hexToBytes(slot)),
  );
  return slots.map((slot, i) => ({
    root: bytesToHex(root),
    address,
    slot,
    accountProof: proof.accountProof,
    storageProof: proof.storageProof[i]?.proof ?? [],
    value: BigInt(proof.storageProof[i]?.value ?? 0),
  }));
}

function storageArgs(p: SlotProof): readonly unknown[] {
  return [p.root, p.address, p.slot, p.accountProof, p.storageProof];
}

/** The Solidity mapping slot of `key` in a `mapping(uint256 => ...)` at slot `base`. */
function mappingSlot(key: bigint, base: bigint): Hex {
  return keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [key, base]));
}

const word = (n: bigint): Hex => numberToHex(n, { size: 32 });

/**
 * Creation code that stores each value at its slot (`PUSH32 value PUSH32 slot SSTORE`) and deploys
 * the one-byte runtime code `0x00`.
 */
function storingInitCode(slots: [Hex, bigint][]): Uint8Array {
  const parts = slots.map(([slot, value]) => `7f${word(value).slice(2)}7f${slot.slice(2)}55`);
  return hexToBytes(`0x${parts.join("")}60016000f3`);
}

/** The RLP items of a proof node (a branch has 17, an extension or a leaf 2). */
function itemsOf(node: Hex): Uint8Array[] {
  return RLP.decode(hexToBytes(node)) as Uint8Array[];
}

/** Whether a 2-item node is an extension (hex-prefix flag 0 or 1) rather than a leaf. */
function isExtension(node: Hex): boolean {
  const items = itemsOf(node);
  return items.length === 2 && items[0][0] >> 4 < 2;
}

function flipByte(node: Hex, at = Math.floor((node.length - 2) / 4)): Hex {
  const bytes = hexToBytes(node);
  bytes[at] ^= 0x01;
  return bytesToHex(bytes);
}

const STORE_BASE = 7n;
/** Slot → value of the storing contract: small, one-byte-RLP, 32-byte and mapping values. */
const STORED: [Hex, bigint][] = [
  [word(0n), 1n],
  [word(1n), 2n ** 256n - 1n],
  [word(2n), 0x7fn],
  [word(3n), 0x80n],
  [word(4n), 0xd8da6bf26964af9d7eed9e03e53415d37aa96045n],
  [word(5n), 2n ** 255n],
  ...[1n, 2n, 3n, 4n, 5n, 6n].map((id): [Hex, bigint] => [
    mappingSlot(id, STORE_BASE),
    BigInt(keccak256(toHex(`withdrawal ${id}`))),
  ]),
];

describe("StateProof against eth_getProof proofs", () => {
  let state: L1Node;
  let root: Uint8Array;
  let contract: Hex;
  let deployer: Hex;
  let proofs: SlotProof[];

  before(async () => {
    ({ node: verifier } = await memoryNode());
    await new DevChain(verifier).setCode(HARNESS, hexToBytes(harness.deployedBytecode));

    ({ node: state } = await memoryNode());
    deployer = state.devAccounts[0].address as Hex;
    const create = createFeeMarket1559Tx(
      {
        chainId: state.config.chainId,
        nonce: await nextNonce(state, 0),
        data: storingInitCode(STORED),
        gasLimit: 3_000_000n,
        maxFeePerGas: 100_000_000_000n,
        maxPriorityFeePerGas: 1_000_000_000n,
      },
      { common: state.common },
    ).sign(hexToBytes(state.devAccounts[0].privateKey));
    const hash = await state.sendRawTransaction(create.serialize());
    const [block] = await state.mine();
    const mined = state.minedTransaction(hash);
    assert.ok(mined);
    const receipt = mined.entry.receipts[mined.index];
    assert.equal(receipt.status, 1);
    contract = receipt.contractAddress as Hex;
    root = block.header.stateRoot;
    proofs = await proveSlots(
      state,
      root,
      contract,
      STORED.map(([slot]) => slot),
    );
  });

  it("reads present slots: small, single-byte, 32-byte and mapping values", async () => {
    for (const [i, [slot, value]] of STORED.entries()) {
      assert.equal(proofs[i].value, value, `ethereumjs stored slot ${slot}`);
      assert.equal(await returns("storageValue", storageArgs(proofs[i])), value, `slot ${slot}`);
    }
  });

  it("proves absent slots of an existing account zero, at an empty branch child and at a diverging leaf", async () => {
    const candidates = Array.from({ length: 64 }, (_, i) => word(100n + BigInt(i)));
    const absent = await proveSlots(state, root, contract, candidates);
    const endsAt = (p: SlotProof) => itemsOf(p.storageProof.at(-1)!).length;
    const atBranch = absent.find((p) => endsAt(p) === 17);
    const atLeaf = absent.find((p) => endsAt(p) === 2);
    assert.ok(atBranch && atLeaf, "both kinds of absence occur among the candidates");
    for (const p of [atBranch, atLeaf]) {
      assert.equal(p.value, 0n);
      assert.equal(await returns("storageValue", storageArgs(p)), 0n, `slot ${p.slot}`);
    }
  });

  it("reads account fields as ethereumjs reports them", async () => {
    const sm = state.stateAt(root);
    for (const address of [contract, deployer]) {
      const proof = await getMerkleStateProof(sm, createAddressFromString(address), []);
      const account = (await returns("account", [bytesToHex(root), address, proof.accountProof])) as Account;
      assert.deepEqual(account, {
        nonce: BigInt(proof.nonce),
        balance: BigInt(proof.balance),
        storageRoot: proof.storageHash,
        codeHash: proof.codeHash,
      });
    }
    const code = await sm.getCode(createAddressFromString(contract));
    assert.deepEqual(
      (await returns("account", [bytesToHex(root), contract, proofs[0].accountProof])) as Account,
      {
        nonce: 1n,
        balance: 0n,
        storageRoot: bytesToHex((await sm.getAccount(createAddressFromString(contract)))!.storageRoot),
        codeHash: keccak256(code),
      },
    );
    const eoa = (await returns("account", [
      bytesToHex(root),
      deployer,
      (await getMerkleStateProof(sm, createAddressFromString(deployer))).accountProof,
    ])) as Account;
    assert.equal(eoa.nonce, 1n);
    assert.ok(eoa.balance > 0n);
    assert.deepEqual([eoa.storageRoot, eoa.codeHash], [KECCAK256_RLP_S, KECCAK256_NULL_S]);
  });

  it("reads an account without storage: any slot is zero with an empty storage proof", async () => {
    const [p] = await proveSlots(state, root, deployer, [word(0n)]);
    assert.deepEqual(p.storageProof, [], "ethereumjs proves the empty trie with no nodes");
    assert.equal(await returns("storageValue", storageArgs(p)), 0n);
    const withEmptyRoot = { ...p, storageProof: ["0x80" as Hex] };
    assert.equal(await returns("storageValue", storageArgs(withEmptyRoot)), 0n, "RLP('') as the root node");
    await reverts(
      "storageValue",
      storageArgs({ ...p, storageProof: proofs[0].storageProof }),
      "ProofTooLong",
    );
  });

  it("proves an absent account: zero fields, empty storage root, every slot zero", async () => {
    const [p] = await proveSlots(state, root, ABSENT, [word(0n)]);
    assert.deepEqual(p.storageProof, []);
    const account = (await returns("account", [bytesToHex(root), ABSENT, p.accountProof])) as Account;
    assert.deepEqual(account, { nonce: 0n, balance: 0n, storageRoot: KECCAK256_RLP_S, codeHash: ZERO_WORD });
    assert.equal(await returns("storageValue", storageArgs(p)), 0n);
    await reverts(
      "storageValue",
      storageArgs({ ...p, storageProof: proofs[0].storageProof }),
      "ProofTooLong",
    );
  });

  it("serves eth_getProof by EIP-1186 for absent accounts and slots: one entry per key, read by viem and StateProof", async () => {
    const server = await serveL1(state, { port: 0 });
    try {
      const client = createPublicClient({ transport: http(server.url) });
      const blockNumber = state.head.header.number;
      const stateRoot = bytesToHex(state.head.header.stateRoot);
      const keys = [word(100n), word(101n), mappingSlot(9n, STORE_BASE)];
      for (const [name, address] of [
        ["an absent account", ABSENT],
        ["an account without storage", deployer],
        ["absent slots of a contract", contract],
      ] as const) {
        const proof = await client.getProof({ address, storageKeys: keys, blockNumber });
        assert.deepEqual(
          proof.storageProof.map((p) => [p.key, p.value]),
          keys.map((key) => [key, 0n]),
          `${name}: every key answered, each 0`,
        );
        for (const [i, slot] of keys.entries()) {
          const args = [stateRoot, address, slot, proof.accountProof, proof.storageProof[i].proof];
          assert.equal(
            await returns("storageValue", args),
            0n,
            `${name}: StateProof reads slot ${slot} as 0`,
          );
        }
        if (address === ABSENT) {
          assert.deepEqual(
            [proof.nonce, proof.balance, proof.storageHash, proof.codeHash],
            [0, 0n, KECCAK256_RLP_S, KECCAK256_NULL_S],
            "an absent account reads as geth reports it",
          );
          assert.ok(
            proof.storageProof.every((p) => p.proof.length === 0),
            "the empty trie has no node to prove",
          );
          const account = (await returns("account", [stateRoot, address, proof.accountProof])) as Account;
          assert.equal(account.codeHash, ZERO_WORD, "StateProof sees the account proof's absence");
        }
      }
    } finally {
      await server.close();
    }
  });

  it("rejects a flipped byte in any node of either proof", async () => {
    const p = proofs[6];
    assert.ok(p.accountProof.length >= 2 && p.storageProof.length >= 2, "proofs with several nodes");
    for (const [which, nodes] of [
      ["accountProof", p.accountProof],
      ["storageProof", p.storageProof],
    ] as const) {
      for (let i = 0; i < nodes.length; i++) {
        const tampered = nodes.map((node, j) => (j === i ? flipByte(node) : node));
        const [index, , actual] = await reverts(
          "storageValue",
          storageArgs({ ...p, [which]: tampered }),
          "BadHash",
        );
        assert.deepEqual([index, actual], [BigInt(i), keccak256(tampered[i])], `${which}[${i}] is named`);
      }
    }
  });

  it("rejects dropped, extra and foreign nodes", async () => {
    const p = proofs[6];
    const last = p.storageProof.length - 1;
    await reverts(
      "storageValue",
      storageArgs({ ...p, storageProof: p.storageProof.slice(0, last) }),
      "ProofTooShort",
    );
    await reverts(
      "storageValue",
      storageArgs({ ...p, accountProof: p.accountProof.slice(0, -1) }),
      "ProofTooShort",
    );
    await reverts("storageValue", storageArgs({ ...p, storageProof: p.storageProof.slice(1) }), "BadHash");
    await reverts("storageValue", storageArgs({ ...p, accountProof: p.accountProof.slice(1) }), "BadHash");
    await reverts(
      "storageValue",
      storageArgs({ ...p, storageProof: [...p.storageProof, p.storageProof[last]] }),
      "ProofTooLong",
      [1n],
    );
    // A node of another slot's path where this path continues.
    const other = proofs.find((q) => q.storageProof.at(-1) !== p.storageProof.at(-1))!;
    await reverts(
      "storageValue",
      storageArgs({ ...p, storageProof: [...p.storageProof.slice(0, last), other.storageProof.at(-1)!] }),
      "BadHash",
    );
  });

  it("rejects a wrong root, and a proof used for another slot or account", async () => {
    const p = proofs[6];
    const wrongRoot = keccak256(p.root);
    await reverts("storageValue", storageArgs({ ...p, root: wrongRoot }), "BadHash", [
      0n,
      wrongRoot,
      keccak256(p.accountProof[0]),
    ]);
    for (const slot of [word(0n), word(1n), mappingSlot(7n, STORE_BASE), mappingSlot(6n, STORE_BASE + 1n)]) {
      await reverts("storageValue", storageArgs({ ...p, slot }));
    }
    for (const address of [deployer, ABSENT, state.devAccounts[1].address as Hex]) {
      await reverts("storageValue", storageArgs({ ...p, address }));
    }
    // Another slot's proof for this slot, and this slot's proof under the previous state root.
    for (const q of proofs.filter((q) => q.slot !== p.slot)) {
      await reverts("storageValue", storageArgs({ ...p, storageProof: q.storageProof }));
    }
    const genesis = bytesToHex(state.chain[0].block.header.stateRoot);
    await reverts("storageValue", storageArgs({ ...p, root: genesis }), "BadHash");
  });

  it("reports the gas of verifying one storage slot", async (t) => {
    const p = proofs[6];
    const outcome = await harnessCall("storageValue", storageArgs(p));
    assert.ok(outcome.ok);
    const [value, libraryGas] = (await returns("storageValueGas", storageArgs(p))) as [bigint, bigint];
    assert.equal(value, p.value);
    const bytes = [...p.accountProof, ...p.storageProof].reduce((n, node) => n + (node.length - 2) / 2, 0);
    t.diagnostic(
      `storageValue: ${p.accountProof.length} + ${p.storageProof.length} nodes (${bytes} bytes): ` +
        `${outcome.gas} execution gas with ABI decoding, ${libraryGas} in the library`,
    );
    assert.ok(outcome.gas < 200_000n);
  });
});

/** The address of name `name`: the last 20 bytes of its keccak256. */
const addressOf = (name: string): Hex => `0x${keccak256(toHex(name)).slice(26)}`;

/**
 * Two addresses whose state trie keys share their first 6 nibbles: unless a third key shares 5
 * nibbles with them (unlikely among a few hundred), an extension node leads to their branch.
 */
function twins(): [Hex, Hex] {
  const seen = new Map<string, Hex>();
  for (let i = 0; ; i++) {
    const address = addressOf(`twin ${i}`);
    const prefix = keccak256(address).slice(2, 8);
    const other = seen.get(prefix);
    if (other !== undefined) return [other, address];
    seen.set(prefix, address);
  }
}

describe("StateProof on a state of 200 accounts", () => {
  let state: L1Node;
  let root: Hex;
  const addresses = [...Array.from({ length: 198 }, (_, i) => addressOf(`account ${i}`)), ...twins()];
  const balanceOf = (i: number) => BigInt(i + 1) * 10n ** 15n;

  before(async () => {
    if (verifier === undefined) {
      ({ node: verifier } = await memoryNode());
      await new DevChain(verifier).setCode(HARNESS, hexToBytes(harness.deployedBytecode));
    }
    ({ node: state } = await memoryNode());
    for (const [i, address] of addresses.entries()) {
      await new DevChain(state).setBalance(createAddressFromString(address), balanceOf(i));
    }
    await new DevChain(state).setStorageAt(
      createAddressFromString(addresses[0]),
      hexToBytes(word(9n)),
      hexToBytes(word(99n)),
    );
    root = bytesToHex(state.stateRootOf(state.head.header.number));
  });

  it("reads accounts behind extension nodes, and others, and proves absent ones", async (t) => {
    const sm = state.stateAt(hexToBytes(root));
    const proofs: Proof[] = [];
    for (const address of addresses)
      proofs.push(await getMerkleStateProof(sm, createAddressFromString(address)));
    const behindExtension = addresses.filter((_, i) => proofs[i].accountProof.some(isExtension));
    assert.ok(behindExtension.includes(addresses[198]) && behindExtension.includes(addresses[199]));
    const depth = Math.max(...proofs.map((p) => p.accountProof.length));
    t.diagnostic(
      `account proofs of up to ${depth} nodes; ${behindExtension.length} accounts behind an extension`,
    );

    for (const i of [0, 1, 100, 197, 198, 199]) {
      const proof = proofs[i];
      const account = (await returns("account", [root, addresses[i], proof.accountProof])) as Account;
      assert.deepEqual(account, {
        nonce: BigInt(proof.nonce),
        balance: BigInt(proof.balance),
        storageRoot: proof.storageHash,
        codeHash: proof.codeHash,
      });
      assert.equal(account.balance, balanceOf(i));
      assert.equal(account.storageRoot === KECCAK256_RLP_S, i !== 0, "only account 0 has storage");
    }
    for (const address of [ABSENT, addressOf("account 200"), addressOf("twin 0")]) {
      if (addresses.includes(address)) continue;
      const { accountProof } = await getMerkleStateProof(sm, createAddressFromString(address));
      const account = (await returns("account", [root, address, accountProof])) as Account;
      assert.deepEqual(account, {
        nonce: 0n,
        balance: 0n,
        storageRoot: KECCAK256_RLP_S,
        codeHash: ZERO_WORD,
      });
    }
  });

  it("reads a slot set with setStorageAt, with gas for a deeper account proof", async (t) => {
    const [p] = await proveSlots(state, hexToBytes(root), addresses[0], [word(9n)]);
    const outcome = await harnessCall("storageValue", storageArgs(p));
    assert.ok(outcome.ok);
    assert.equal(outcome.result, 99n);
    t.diagnostic(
      `storageValue: ${p.accountProof.length} + ${p.storageProof.length} nodes: ${outcome.gas} execution gas`,
    );
  });
});

describe("StateProof on tries built directly", () => {
  before(async () => {
    if (verifier === undefined) {
      ({ node: verifier } = await memoryNode());
      await new DevChain(verifier).setCode(HARNESS, hexToBytes(harness.deployedBytecode));
    }
  });

  /** Checks trieGet on `key` against the trie, with ethereumjs's proof and geth's (no embedded nodes). */
  async function checkGet(trie: MerklePatriciaTrie, key: Hex): Promise<Hex[]> {
    const expected = await trie.get(hexToBytes(key));
    const proof = (await createMerkleProof(trie, hexToBytes(key))).map((node) => bytesToHex(node));
    const withoutEmbedded = proof.filter((node, i) => i === 0 || (node.length - 2) / 2 >= 32);
    for (const nodes of [proof, withoutEmbedded]) {
      const [found, value] = (await returns("trieGet", [bytesToHex(trie.root()), key, nodes])) as [
        boolean,
        Hex,
      ];
      assert.deepEqual([found, value], expected === null ? [false, "0x"] : [true, bytesToHex(expected)], key);
    }
    return proof;
  }

  it("follows embedded nodes, with or without their repetition in the proof", async () => {
    const trie = new MerklePatriciaTrie({ useKeyHashing: false });
    const keys = ["1111", "1112", "1121", "2201", "2202", "2301"].map(
      (tail) => `0x${"11".repeat(30)}${tail}` as Hex,
    );
    for (const [i, key] of keys.entries()) await trie.put(hexToBytes(key), Uint8Array.of(i + 1));
    let embedded = 0;
    for (const key of keys) {
      const proof = await checkGet(trie, key);
      embedded += proof.filter((node, i) => i > 0 && (node.length - 2) / 2 < 32).length;
    }
    assert.ok(embedded > 0, "the proofs go through embedded nodes");
    for (const tail of ["1113", "2203", "2401", "1211"]) await checkGet(trie, `0x${"11".repeat(30)}${tail}`);
    await checkGet(trie, `0x${"22".repeat(32)}`);

    // A tampered repetition of an embedded node is not skipped, and is left over.
    const key = keys[3];
    const proof = (await createMerkleProof(trie, hexToBytes(key))).map((node) => bytesToHex(node));
    const at = proof.findIndex((node, i) => i > 0 && (node.length - 2) / 2 < 32);
    const tampered = proof.map((node, i) => (i === at ? flipByte(node, 1) : node));
    await reverts("trieGet", [bytesToHex(trie.root()), key, tampered]);
  });

  it("agrees with ethereumjs on a trie of clustered keys and values of every length", async () => {
    // Keys sharing their first 26 to 31 bytes: short leaves and extensions deep down, embedded or
    // hashed depending on the value's length.
    const trie = new MerklePatriciaTrie({ useKeyHashing: false });
    const base = keccak256(toHex("base"));
    const keyOf = (i: number): Hex => {
      const shared = 2 + 2 * (26 + (i % 6));
      return `0x${base.slice(2, shared)}${keccak256(toHex(i)).slice(shared)}`;
    };
    const present = Array.from({ length: 48 }, (_, i) => keyOf(i));
    for (const [i, key] of present.entries()) {
      await trie.put(hexToBytes(key), hexToBytes(keccak256(key)).subarray(0, 1 + (i % 32)));
    }
    const absent = Array.from({ length: 6 }, (_, i) => keyOf(100 + i));
    let embedded = 0;
    for (const key of [...present.filter((_, i) => i % 3 === 0), ...absent]) {
      const proof = await checkGet(trie, key);
      embedded += proof.filter((node, i) => i > 0 && (node.length - 2) / 2 < 32).length;
    }
    assert.ok(embedded > 0, "some proofs go through embedded nodes");
  });

  it("rejects malformed nodes that hash to the root", async () => {
    const nested = (items: unknown[]) => bytesToHex(RLP.encode(items as Uint8Array[]));
    const cases: [string, Hex][] = [
      ["not RLP", "0xff01"],
      ["a string, not a list", bytesToHex(RLP.encode(new Uint8Array(40)))],
      ["a list of three", nested([Uint8Array.of(0x20), Uint8Array.of(1), Uint8Array.of(2)])],
      ["a list with trailing bytes", `${nested([Uint8Array.of(0x20), Uint8Array.of(1)])}00`],
      ["a hex-prefix flag of 4", nested([Uint8Array.of(0x40), new Uint8Array(32)])],
      ["an extension with an empty path", nested([Uint8Array.of(0x00), new Uint8Array(32)])],
      ["an even path with a nonzero pad nibble", nested([Uint8Array.of(0x05, 0x12), new Uint8Array(32)])],
      ["a child reference of 5 bytes", nested([Uint8Array.of(0x11), new Uint8Array(5)])],
      [
        "an embedded child of 32 bytes or more",
        nested([Uint8Array.of(0x11), [Uint8Array.of(0x20), new Uint8Array(29)]]),
      ],
      ["a list of sixteen", nested(Array(16).fill(new Uint8Array()))],
      ["a leaf ending before the key does", nested([Uint8Array.of(0x20), Uint8Array.of(1)])],
      ["an extension as long as the key", nested([hexToBytes(`0x00${"11".repeat(32)}`), new Uint8Array(32)])],
    ];
    for (const [what, node] of cases) {
      const outcome = await harnessCall("trieGet", [keccak256(node), `0x${"11".repeat(32)}`, [node]]);
      assert.deepEqual(outcome, { ok: false, error: "InvalidProofNode", args: [0n] }, what);
    }
  });

  it("rejects values that are not accounts or storage integers", async () => {
    const address = "0x00000000000000000000000000000000000000aa";
    const slot = word(1n);
    const storage = new MerklePatriciaTrie({ useKeyHashing: true });
    await storage.put(hexToBytes(slot), RLP.encode(new Uint8Array(33)));
    const state = new MerklePatriciaTrie({ useKeyHashing: true });
    const accountRlp = (storageRoot: Uint8Array) =>
      RLP.encode([new Uint8Array(), Uint8Array.of(1), storageRoot, hexToBytes(KECCAK256_NULL_S)]);
    await state.put(hexToBytes(address), accountRlp(storage.root()));
    const other = "0x00000000000000000000000000000000000000bb";
    await state.put(hexToBytes(other), RLP.encode([Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)]));
    const proofOf = async (trie: MerklePatriciaTrie, key: Hex) =>
      (await createMerkleProof(trie, hexToBytes(key))).map((node) => bytesToHex(node));
    const stateRoot = bytesToHex(state.root());

    await reverts("account", [stateRoot, other, await proofOf(state, other)], "InvalidAccount");
    const account = (await returns("account", [
      stateRoot,
      address,
      await proofOf(state, address),
    ])) as Account;
    assert.equal(account.storageRoot, bytesToHex(storage.root()));
    await reverts(
      "storageValue",
      [stateRoot, address, slot, await proofOf(state, address), await proofOf(storage, slot)],
      "InvalidStorageValue",
    );
  });
});
