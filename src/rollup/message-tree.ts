/**
 * The bridge's hashing off-chain, mirroring the contracts bit for bit: the L1 message tree of
 * `contracts/MessageTree.sol` (append-only keccak Merkle tree of depth 32) with the proofs
 * `L2Bridge.claim` checks, the leaf of an `L1Bridge.deposit`, and the hash and storage slot of an
 * `L2Bridge.withdraw` that L1 proves with `eth_getProof`.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { encodeAbiParameters, type Hex, hexToBytes, toHex } from "viem";

/** The tree's depth: a proof holds this many siblings, the tree at most 2^32 − 1 leaves. */
export const MESSAGE_TREE_DEPTH = 32;
const MAX_LEAVES = 2 ** MESSAGE_TREE_DEPTH - 1;

function hashPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  const both = new Uint8Array(64);
  both.set(left, 0);
  both.set(right, 32);
  return keccak_256(both);
}

/** `ZERO_HASHES[h]`: the root of an empty subtree of height h (zero for a leaf). */
const ZERO_HASHES: Uint8Array[] = [new Uint8Array(32)];
for (let h = 0; h < MESSAGE_TREE_DEPTH; h++) ZERO_HASHES.push(hashPair(ZERO_HASHES[h], ZERO_HASHES[h]));

/**
 * The L1 message tree with every node kept, so it can prove any leaf against its current root.
 * Roots equal `L1Bridge.root()` after the same appends.
 *
 * @example
 * const tree = new MessageTree();
 * const root = tree.append(depositLeaf({ index: 0n, sender, to, value: 1n, data: "0x" }));
 * verifyMessage(tree.leaf(0), 0, tree.proof(0), root); // true
 */
export class MessageTree {
  /** `layers[h][i]`: node i at height h, for the nodes with a leaf under them (others are zero). */
  private readonly layers: Uint8Array[][] = Array.from({ length: MESSAGE_TREE_DEPTH + 1 }, () => []);

  /** How many leaves were appended. */
  get count(): number {
    return this.layers[0].length;
  }

  /** Leaf `index`. */
  leaf(index: number): Uint8Array {
    this.check(index);
    return this.layers[0][index];
  }

  /** Appends a 32-byte leaf; returns the new root. */
  append(leaf: Uint8Array): Uint8Array {
    if (leaf.length !== 32) throw new RangeError(`a leaf is 32 bytes, got ${leaf.length}`);
    if (this.count >= MAX_LEAVES) throw new RangeError(`the message tree is full (${MAX_LEAVES} leaves)`);
    // Arithmetic, not bitwise operators: those work on signed 32-bit integers.
    let index = this.count;
    this.layers[0].push(leaf);
    for (let h = 0; h < MESSAGE_TREE_DEPTH; h++) {
      const left = index - (index % 2);
      const parent = left / 2;
      this.layers[h + 1][parent] = hashPair(this.node(h, left), this.node(h, left + 1));
      index = parent;
    }
    return this.root();
  }

  /** The current root (of the empty tree: the zero hash of height 32). */
  root(): Uint8Array {
    return this.node(MESSAGE_TREE_DEPTH, 0);
  }

  /** The 32 siblings from leaf `index` up to the current root, as `L2Bridge.claim` takes them. */
  proof(index: number): Uint8Array[] {
    this.check(index);
    const siblings: Uint8Array[] = [];
    for (let h = 0, at = index; h < MESSAGE_TREE_DEPTH; h++, at = Math.floor(at / 2)) {
      siblings.push(this.node(h, at % 2 === 0 ? at + 1 : at - 1));
    }
    return siblings;
  }

  private node(height: number, index: number): Uint8Array {
    return this.layers[height][index] ?? ZERO_HASHES[height];
  }

  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`no leaf ${index} in a tree of ${this.count}`);
    }
  }
}

/**
 * Whether `leaf` is leaf `index` under `root` with sibling path `proof`: `MessageTree.verify`.
 *
 * @example
 * verifyMessage(tree.leaf(2), 2, tree.proof(2), tree.root()); // true
 */
export function verifyMessage(
  leaf: Uint8Array,
  index: number,
  proof: Uint8Array[],
  root: Uint8Array,
): boolean {
  if (proof.length !== MESSAGE_TREE_DEPTH || !Number.isInteger(index) || index < 0 || index > MAX_LEAVES) {
    return false;
  }
  let node = leaf;
  for (let h = 0, at = index; h < MESSAGE_TREE_DEPTH; h++, at = Math.floor(at / 2)) {
    node = at % 2 === 1 ? hashPair(proof[h], node) : hashPair(node, proof[h]);
  }
  return toHex(node) === toHex(root);
}

/** An L1→L2 message, as `L1Bridge.deposit` emits it in `Deposited` and `L2Bridge.claim` takes it. */
export type Deposit = { index: bigint; sender: Hex; to: Hex; value: bigint; data: Hex };

/**
 * The tree leaf of a deposit: `keccak256(abi.encode(index, sender, to, value, data))`.
 *
 * @example
 * tree.append(depositLeaf({ index: 0n, sender: "0xf39f…", to: "0x7099…", value: 10n ** 18n, data: "0x" }));
 */
export function depositLeaf(deposit: Deposit): Uint8Array {
  const encoded = encodeAbiParameters(
    [{ type: "uint256" }, { type: "address" }, { type: "address" }, { type: "uint256" }, { type: "bytes" }],
    [deposit.index, deposit.sender, deposit.to, deposit.value, deposit.data],
  );
  return keccak_256(hexToBytes(encoded));
}

/**
 * `L2Bridge.claim`'s arguments for `deposit`, proved by `proof` (`MessageTree.proof`) against the
 * anchor of the block that claims it.
 *
 * @example
 * encodeFunctionData({ abi: l2BridgeAbi, functionName: "claim", args: depositClaimArgs(deposit, tree.proof(0)) });
 */
export function depositClaimArgs(deposit: Deposit, proof: Uint8Array[]) {
  return [
    deposit.index,
    deposit.sender,
    deposit.to,
    deposit.value,
    deposit.data,
    proof.map((p) => toHex(p)),
  ] as const;
}

/** An L2→L1 message, as `L2Bridge.withdraw` emits it in `Withdrawn`. */
export type Withdrawal = { index: bigint; sender: Hex; to: Hex; value: bigint };

/**
 * The key `L2Bridge.withdraw` records: `keccak256(abi.encode(index, sender, to, value))`.
 *
 * @example
 * const hash = withdrawalHash({ index: 0n, sender, to, value: 5n });
 */
export function withdrawalHash(withdrawal: Withdrawal): Uint8Array {
  const encoded = encodeAbiParameters(
    [{ type: "uint256" }, { type: "address" }, { type: "address" }, { type: "uint256" }],
    [withdrawal.index, withdrawal.sender, withdrawal.to, withdrawal.value],
  );
  return keccak_256(hexToBytes(encoded));
}

/** The storage slot of `L2Bridge.withdrawals` (its layout is documented in `contracts/L2Bridge.sol`). */
export const WITHDRAWALS_SLOT = 0n;

/**
 * The storage slot of `withdrawals[hash]` in the L2 bridge, `keccak256(hash ‖ uint256(0))`: the
 * key of the storage proof L1 checks (it holds 1 once the withdrawal is recorded).
 *
 * @example
 * await node.stateAt().getStorage(l2Bridge, withdrawalSlot(hash)); // Uint8Array [1]
 */
export function withdrawalSlot(hash: Uint8Array): Uint8Array {
  const encoded = encodeAbiParameters(
    [{ type: "bytes32" }, { type: "uint256" }],
    [toHex(hash), WITHDRAWALS_SLOT],
  );
  return keccak_256(hexToBytes(encoded));
}
