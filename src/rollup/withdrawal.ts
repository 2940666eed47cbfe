/**
 * Claiming an L2 withdrawal on L1 (docs/rollup.md, "Bridge"): find the `Withdrawn` events of an L2
 * transaction, wait until the rollup settles a block at or after it, prove the L2 bridge's storage
 * slot with `eth_getProof` at that block, and call `L1Bridge.claimWithdrawal`.
 */
import {
  type Abi,
  decodeEventLog,
  encodeFunctionData,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { NrxError } from "../util/errors.ts";
import { ROLLUP_ABIS } from "./client.ts";
import type { RollupDeployment } from "./deployment.ts";
import { L2_BRIDGE_ADDRESS } from "./genesis.ts";
import { type L1Client, revertOf } from "./l1-client.ts";
import { type Withdrawal, withdrawalHash, withdrawalSlot } from "./message-tree.ts";

/** The bridge's ABI with the rollup's errors, which a claim can revert with (`UnknownStateRoot`). */
/** The bridge's ABI with the rollup's errors, which a claim may revert with. */
const claimAbi = () =>
  [...ROLLUP_ABIS.l1Bridge, ...ROLLUP_ABIS.rollup.filter((item) => item.type === "error")] as Abi;

/** A contract call's failure as `ErrorName(args)` when the revert data decodes, else viem's message. */
function revertReason(err: unknown): string {
  const revert = revertOf(err);
  if (revert !== undefined) return `${revert.name}(${revert.args.map(String).join(", ")})`;
  return (err as { shortMessage?: string }).shortMessage ?? String(err);
}

export class WithdrawalError extends NrxError {
  override name = "WithdrawalError";
}

/**
 * The withdrawals an L2 transaction made (`L2Bridge.Withdrawn` events of its receipt).
 *
 * @example
 * const [withdrawal] = withdrawalsOf(await l2.getTransactionReceipt({ hash }));
 */
export function withdrawalsOf(receipt: TransactionReceipt): Withdrawal[] {
  const found: Withdrawal[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== L2_BRIDGE_ADDRESS) continue;
    const event = decodeEventLog({
      abi: ROLLUP_ABIS.l2Bridge,
      data: log.data,
      topics: log.topics,
      strict: false,
    });
    if (event.eventName !== "Withdrawn") continue;
    const { index, sender, to, value } = event.args as unknown as Withdrawal;
    found.push({ index, sender, to, value });
  }
  return found;
}

/**
 * `L1Bridge.claimWithdrawal`'s arguments for `withdrawal`, proved at settled L2 block `l2Block`
 * with `eth_getProof` from an L2 node holding that block.
 *
 * @example
 * const args = await withdrawalClaimArgs(l2, withdrawal, 12n);
 * await wallet.writeContract({ address: bridge, abi, functionName: "claimWithdrawal", args });
 */
export async function withdrawalClaimArgs(l2: PublicClient, withdrawal: Withdrawal, l2Block: bigint) {
  const slot = withdrawalSlot(withdrawalHash(withdrawal));
  const proof = await l2.getProof({
    address: L2_BRIDGE_ADDRESS,
    storageKeys: [`0x${Buffer.from(slot).toString("hex")}`],
    blockNumber: l2Block,
  });
  return [
    l2Block,
    withdrawal.index,
    withdrawal.sender,
    withdrawal.to,
    withdrawal.value,
    proof.accountProof,
    proof.storageProof[0].proof,
  ] as const;
}

export type ClaimOptions = {
  /** How long to wait for the rollup to settle the withdrawal's block (default 5 minutes). */
  timeoutMs?: number;
  log?: (line: string) => void;
};

/**
 * Claims every withdrawal of L2 transaction `l2TxHash` on L1 from `l1`'s account, once the rollup
 * settled its block; returns the L1 transaction hashes.
 *
 * @example
 * const l1 = await connectL1("http://127.0.0.1:8545", key);
 * await claimWithdrawals(l1, createPublicClient({ transport: http(l2Url) }), deployment, hash);
 */
export async function claimWithdrawals(
  l1: L1Client,
  l2: PublicClient,
  deployment: RollupDeployment,
  l2TxHash: Hex,
  options: ClaimOptions = {},
): Promise<Hex[]> {
  const wallet = l1.wallet;
  if (wallet === undefined) throw new WithdrawalError("claiming needs an L1 account (a key)");
  const receipt = await l2.getTransactionReceipt({ hash: l2TxHash }).catch(() => undefined);
  if (receipt === undefined) throw new WithdrawalError(`no L2 transaction ${l2TxHash} (not mined yet?)`);
  const withdrawals = withdrawalsOf(receipt);
  if (withdrawals.length === 0) throw new WithdrawalError(`L2 transaction ${l2TxHash} made no withdrawal`);
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  let settled: bigint;
  for (;;) {
    settled = (await l1.public.readContract({
      address: deployment.contracts.rollup,
      abi: ROLLUP_ABIS.rollup,
      functionName: "number",
    })) as bigint;
    if (settled >= receipt.blockNumber) break;
    if (Date.now() > deadline) {
      throw new WithdrawalError(
        `L2 block ${receipt.blockNumber} was not settled in time (settled: ${settled})`,
      );
    }
    options.log?.(`waiting for L2 block ${receipt.blockNumber} to settle on L1 (settled: ${settled})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const hashes: Hex[] = [];
  for (const withdrawal of withdrawals) {
    const args = await withdrawalClaimArgs(l2, withdrawal, settled);
    // Simulate first: a refused claim (already claimed, not backed) says why instead of wasting gas.
    try {
      await l1.public.simulateContract({
        account: wallet.account.address,
        address: deployment.contracts.bridge,
        abi: claimAbi(),
        functionName: "claimWithdrawal",
        args,
      });
    } catch (err) {
      throw new WithdrawalError(`withdrawal ${withdrawal.index} cannot be claimed: ${revertReason(err)}`);
    }
    const hash = await wallet.sendTransaction({
      chain: wallet.chain,
      account: wallet.account,
      to: deployment.contracts.bridge,
      data: encodeFunctionData({ abi: ROLLUP_ABIS.l1Bridge, functionName: "claimWithdrawal", args }),
    });
    const l1Receipt = await l1.public.waitForTransactionReceipt({ hash });
    if (l1Receipt.status !== "success") throw new WithdrawalError(`claimWithdrawal ${hash} reverted`);
    options.log?.(
      `withdrawal ${withdrawal.index}: ${withdrawal.value} wei paid to ${withdrawal.to} on L1 (${hash})`,
    );
    hashes.push(hash);
  }
  return hashes;
}
