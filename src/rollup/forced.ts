/**
 * What a sequencer needs to settle a block under forced inclusion (contracts/ForcedInclusion.sol,
 * docs/rollup.md "Forced inclusion"): the hashes that prove which forced transactions open the
 * block, the hashes of the rest of it, and drops of due forced transactions the block could not
 * have included, each with the proof of its reason (`DropReason`): the sender's account in the
 * block's pre-state (nonce or balance; code, with the code), or the block's parent header (a base
 * fee above the transaction's fee cap, or a gas limit that cannot reach the transaction's).
 *
 * @example
 * // the block starts with the forced transaction at the head of the queue; entry 0 was stale
 * const block = await buildL2Block(parent, [forcedTx, ...others], { anchor });
 * const drops = [await dropForNonceOrBalance(parent, 0n, staleSender)];
 * await rollup.send(0, "advance", advanceArgs(block, 1, drops), prepayment);
 */
import type { Block, BlockHeader } from "@ethereumjs/block";
import { getMerkleStateProof, type MerkleStateManager } from "@ethereumjs/statemanager";
import { type Address, bytesToHex, equalsBytes, MapDB } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { encodeAbiParameters, type Hex } from "viem";
import type { BlockParent } from "../node/builder.ts";
import { createStateManager } from "../stateless/state-manager.ts";

/** Why a forced transaction could not have been included (`DropReason` in the contract). */
export const DropReason = {
  /** The sender's nonce is not the transaction's, or its balance is below its max cost. */
  NonceOrBalance: 0,
  /** Its `maxFeePerGas` is below the block's base fee. */
  FeeCap: 1,
  /** Its sender has code that is not an EIP-7702 delegation (EIP-3607). */
  SenderCode: 2,
  /** Its gas limit is above the largest gas limit the block may have. */
  GasLimit: 3,
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/**
 * A forced transaction left out of a block, as `NativeRollup.advance` takes it (`Drop`): the fields
 * `reason` does not use are empty (`accountProof` for FeeCap and GasLimit, `code` but for
 * SenderCode, `parentHeader` but for FeeCap and GasLimit).
 */
export type Drop = {
  index: bigint;
  reason: DropReason;
  accountProof: Hex[];
  code: Hex;
  parentHeader: Hex;
};

/**
 * The L2 state a drop's account proof is read from: a state manager at the block's pre-state (the
 * L2 node's `node.stateAt()`), or the parent block with its state (a built `L2Block`, a genesis).
 */
export type PreState = MerkleStateManager | BlockParent;

/** A forced transaction's fields that decide whether the L2 could include it. */
export type ForcedFields = { nonce: bigint; gasLimit: bigint; maxFeePerGas: bigint; maxCost: bigint };

/** The sender's account in the block's pre-state with its code (all zero or empty when absent). */
export type SenderState = { nonce: bigint; balance: bigint; code: Uint8Array };

const DELEGATION_PREFIX = Uint8Array.of(0xef, 0x01, 0x00);

/** Whether `code` is an EIP-7702 delegation, `0xef0100 ‖ address` (23 bytes). */
export function isDelegation(code: Uint8Array): boolean {
  return code.length === 23 && equalsBytes(code.subarray(0, 3), DELEGATION_PREFIX);
}

/**
 * The largest gas limit a block on `parentHeader` may have: less than the parent's plus 1/1024 of
 * it (`BlockHeader.validateGasLimit`).
 */
export function nextMaxGasLimit(parentHeader: Pick<BlockHeader, "gasLimit">): bigint {
  return parentHeader.gasLimit + parentHeader.gasLimit / 1024n - 1n;
}

/**
 * Which reason, if any, proves that the block on `parentHeader`, whose pre-state shows the sender
 * as `sender`, cannot start with the forced transaction `entry`; undefined when it can. The
 * cheapest proof first: the parent header (no state), then the account, then account and code.
 */
export function dropReasonOf(
  entry: ForcedFields,
  sender: SenderState | undefined,
  parentHeader: Pick<BlockHeader, "calcNextBaseFee" | "gasLimit">,
): DropReason | undefined {
  if (entry.maxFeePerGas < parentHeader.calcNextBaseFee()) return DropReason.FeeCap;
  if (entry.gasLimit > nextMaxGasLimit(parentHeader)) return DropReason.GasLimit;
  const nonce = sender?.nonce ?? 0n;
  const balance = sender?.balance ?? 0n;
  if (nonce !== entry.nonce || balance < entry.maxCost) return DropReason.NonceOrBalance;
  const code = sender?.code ?? new Uint8Array();
  if (code.length > 0 && !isDelegation(code)) return DropReason.SenderCode;
  return undefined;
}

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

/** A state manager over `preState`: itself, or one over a parent block's state. */
export function stateManagerOf(preState: PreState): MerkleStateManager {
  if (!("nodes" in preState)) return preState;
  return createStateManager(
    new MapDB<string, Uint8Array>(preState.nodes),
    preState.header.stateRoot,
    preState.common,
  );
}

/** `sender`'s account and code in `preState`, as `dropReasonOf` takes them. */
export async function senderStateOf(preState: PreState, sender: Address): Promise<SenderState> {
  const state = stateManagerOf(preState);
  const account = await state.getAccount(sender);
  if (account === undefined) return { nonce: 0n, balance: 0n, code: new Uint8Array() };
  return { nonce: account.nonce, balance: account.balance, code: await state.getCode(sender) };
}

/** `eth_getProof(sender).accountProof` in `preState`. */
async function accountProofOf(preState: PreState, sender: Address): Promise<Hex[]> {
  const { accountProof } = await getMerkleStateProof(stateManagerOf(preState), sender);
  return accountProof as Hex[];
}

/**
 * A drop of queue entry `index`, whose sender is `sender`, because the sender's nonce is not the
 * transaction's or its balance is below its max cost in `preState`, the state the block that drops
 * it starts from: proved by `eth_getProof(sender).accountProof` there.
 */
export async function dropForNonceOrBalance(
  preState: PreState,
  index: bigint,
  sender: Address,
): Promise<Drop> {
  const accountProof = await accountProofOf(preState, sender);
  return { index, reason: DropReason.NonceOrBalance, accountProof, code: "0x", parentHeader: "0x" };
}

/**
 * A drop of queue entry `index` because its `maxFeePerGas` is below the base fee of the block
 * that drops it: proved by that block's parent header (`parentHeader.calcNextBaseFee()` is the
 * base fee), given as a header or its RLP.
 */
export function dropForFeeCap(index: bigint, parentHeader: BlockHeader | Uint8Array): Drop {
  return headerDrop(DropReason.FeeCap, index, parentHeader);
}

/**
 * A drop of queue entry `index` because its gas limit is above `nextMaxGasLimit(parentHeader)`,
 * the most the block that drops it may have: proved by that block's parent header (or its RLP).
 */
export function dropForGasLimit(index: bigint, parentHeader: BlockHeader | Uint8Array): Drop {
  return headerDrop(DropReason.GasLimit, index, parentHeader);
}

function headerDrop(reason: DropReason, index: bigint, parentHeader: BlockHeader | Uint8Array): Drop {
  const rlp = parentHeader instanceof Uint8Array ? parentHeader : parentHeader.serialize();
  return { index, reason, accountProof: [], code: "0x", parentHeader: bytesToHex(rlp) };
}

/**
 * A drop of queue entry `index`, whose sender is `sender`, because the sender has code in
 * `preState` that is not an EIP-7702 delegation: proved by its account proof and its code.
 */
export async function dropForSenderCode(preState: PreState, index: bigint, sender: Address): Promise<Drop> {
  const accountProof = await accountProofOf(preState, sender);
  const code = await stateManagerOf(preState).getCode(sender);
  return { index, reason: DropReason.SenderCode, accountProof, code: bytesToHex(code), parentHeader: "0x" };
}

/**
 * The drop for `reason` (from `dropReasonOf`) of entry `index` from `sender`, in the block on
 * `parent` (its header) with pre-state `preState` (the state after `parent`).
 */
export async function dropFor(
  reason: DropReason,
  index: bigint,
  sender: Address,
  preState: PreState,
  parentHeader: BlockHeader,
): Promise<Drop> {
  switch (reason) {
    case DropReason.NonceOrBalance:
      return dropForNonceOrBalance(preState, index, sender);
    case DropReason.FeeCap:
      return dropForFeeCap(index, parentHeader);
    case DropReason.SenderCode:
      return dropForSenderCode(preState, index, sender);
    case DropReason.GasLimit:
      return dropForGasLimit(index, parentHeader);
  }
}

/** The ABI type of `Drop[]`. */
const DROPS = [
  {
    type: "tuple[]",
    components: [
      { name: "index", type: "uint256" },
      { name: "reason", type: "uint8" },
      { name: "accountProof", type: "bytes[]" },
      { name: "code", type: "bytes" },
      { name: "parentHeader", type: "bytes" },
    ],
  },
] as const;

/** `drops` ABI-encoded as a `Drop[]` argument, for tooling that builds calldata by hand. */
export function encodeDrops(drops: Drop[]): Hex {
  return encodeAbiParameters(DROPS, [drops]);
}
