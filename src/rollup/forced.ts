/**
 * What a sequencer needs to settle a block under forced inclusion (contracts/ForcedInclusion.sol,
 * docs/rollup.md "Forced inclusion"): the hashes that prove which forced transactions open the
 * block, the hashes of the rest of it, and drops of forced transactions the block's pre-state
 * shows invalid, with their account proofs.
 *
 * @example
 * // the block starts with the forced transaction at the head of the queue; entry 0 was stale
 * const block = await buildL2Block(parent, [forcedTx, ...others], { anchor });
 * const drops = [await dropProof(parent, 0n, staleSender)];
 * await rollup.send(0, "advance", advanceArgs(block, 1, drops), prepayment);
 */
import type { Block } from "@ethereumjs/block";
import { getMerkleStateProof } from "@ethereumjs/statemanager";
import { type Address, bytesToHex, MapDB } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { encodeAbiParameters, type Hex } from "viem";
import { createStateManager } from "../stateless/state-manager.ts";
import type { L2Block, L2Parent } from "./l2-chain.ts";

/** A forced transaction left out of a block, as `NativeRollup.advance` takes it (`Drop`). */
export type Drop = { index: bigint; accountProof: Hex[] };

/** The hashes of `block`'s transactions (keccak256 of their EIP-2718 bytes), in order. */
export function transactionHashes(block: Pick<Block, "transactions">): Hex[] {
  return block.transactions.map((tx) => bytesToHex(keccak_256(tx.serialize())));
}

/**
 * The hashes of the first `forcedCount` transactions of `block`: what the inbox's queue must hold
 * from its head (after the drops), in order, for the block to settle with that `forcedCount`.
 */
export function forcedTransactionHashes(block: Pick<Block, "transactions">, forcedCount: number): Hex[] {
  if (forcedCount > block.transactions.length) {
    throw new Error(
      `the block has ${block.transactions.length} transactions, not ${forcedCount} forced ones`,
    );
  }
  return transactionHashes(block).slice(0, forcedCount);
}

/** The hashes of `block`'s transactions after the first `forcedCount`: `advance`'s `restHashes`. */
export function restHashes(block: Pick<Block, "transactions">, forcedCount: number): Hex[] {
  forcedTransactionHashes(block, forcedCount);
  return transactionHashes(block).slice(forcedCount);
}

/**
 * A drop of queue entry `index`, whose sender is `sender`, proved by the sender's account in the
 * state after `preState` (the parent of the block that drops it): `eth_getProof(sender).accountProof`.
 */
export async function dropProof(preState: L2Parent, index: bigint, sender: Address): Promise<Drop> {
  const stateManager = createStateManager(
    new MapDB<string, Uint8Array>(preState.nodes),
    preState.header.stateRoot,
    preState.common,
  );
  const { accountProof } = await getMerkleStateProof(stateManager, sender);
  return { index, accountProof };
}

/** `advance(input, forcedCount, restHashes, drops)`'s arguments for `block`. */
export function advanceArgs(block: L2Block, forcedCount: number, drops: Drop[] = []) {
  return [bytesToHex(block.bytes), BigInt(forcedCount), restHashes(block.block, forcedCount), drops] as const;
}

/** The ABI type of `Drop[]`. */
const DROPS = [
  {
    type: "tuple[]",
    components: [
      { name: "index", type: "uint256" },
      { name: "accountProof", type: "bytes[]" },
    ],
  },
] as const;

/** `drops` ABI-encoded as a `Drop[]` argument, for tooling that builds calldata by hand. */
export function encodeDrops(drops: Drop[]): Hex {
  return encodeAbiParameters(DROPS, [drops]);
}
