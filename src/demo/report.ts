/** What the demo showed, step by step, and its closing summary. */
import type { Hex } from "viem";
import { formatEther, formatUnits } from "viem";

/** What the demo showed, for its test to assert. */
/** Hashes and addresses, shortened for the printed lines. */
export const short = (hex: string) => (hex.length > 20 ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : hex);
export const eth = (wei: bigint) => `${formatEther(wei)} ETH`;
export const tokens = (units: bigint) => `${formatUnits(units, 18)} TT`;

export type DemoReport = {
  durationMs: number;
  endpoints: { l1: string; sequencer: string; follower: string };
  contracts: { rollup: Hex; bridge: Hex; inbox: Hex; timelock: Hex; sequencing: Hex };
  deposit: {
    depositor: Hex;
    recipient: Hex;
    amount: bigint;
    index: bigint;
    l1Tx: Hex;
    l1Block: bigint;
    /** The recipient's balance on the sequencer's L2 once relayed. */
    l2Balance: bigint;
    /** The L2 transaction that claimed it (`L2Bridge.claim`, sent by the sequencer). */
    claimTx: Hex;
    claimL2Block: bigint;
    claimedValue: bigint;
    claimedTo: Hex;
  };
  l2Activity: {
    account: Hex;
    token: Hex;
    deployTx: Hex;
    minted: bigint;
    transfers: { to: Hex; amount: bigint; tx: Hex }[];
    /** Token balances read back, by holder. */
    tokenBalances: { holder: Hex; balance: bigint; expected: bigint }[];
    ethTransfer: { to: Hex; value: bigint; tx: Hex; balance: bigint };
    /** L2 gas the account paid from its deposit, over its transactions. */
    gasPaid: bigint;
    /** Its ETH balance after, and what deposit − transfers − gas gives. */
    balance: bigint;
    expectedBalance: bigint;
  };
  withdrawal: {
    sender: Hex;
    recipient: Hex;
    value: bigint;
    index: bigint;
    hash: Hex;
    l2Tx: Hex;
    l2Block: bigint;
    /** The settled L2 block whose state root the proof is against. */
    provenAtL2Block: bigint;
    /** That block's state root on the follower, and as the rollup settled it. */
    followerStateRoot: Hex;
    settledStateRoot: Hex;
    slotValue: bigint;
    l1ClaimTx: Hex;
    recipientBefore: bigint;
    recipientAfter: bigint;
    paid: bigint;
    /** The decoded error of claiming it again. */
    secondClaimError: string;
  };
  forced: {
    account: Hex;
    /** What the sequencer's RPC answered to the signed transaction. */
    sequencerRefusal: string;
    txHash: Hex;
    l1Tx: Hex;
    queuedInL1Block: bigint;
    queueIndex: bigint;
    /** The last L1 block in which a settled L2 block may still leave it out. */
    deadline: bigint;
    l2Block: bigint;
    /** Its index in the L2 block (0: the block's first transaction). */
    position: number;
    l2Status: "success" | "reverted";
    /** The L1 block whose `advance` settled it (`ForcedTransactionIncluded`). */
    settledInL1Block: bigint;
    recipient: Hex;
    recipientBalance: bigint;
    value: bigint;
  };
  governance: {
    policyBefore: Hex;
    newPolicy: Hex;
    policyAfter: Hex;
    minimumBond: bigint;
    sequencer: Hex;
    sequencerBond: bigint;
    sequencerAllowed: boolean;
    scheduleTx: Hex;
    scheduledInL1Block: bigint;
    eta: bigint;
    /** The decoded error of executing before the eta, and its on-chain attempt. */
    earlyError: string;
    earlyTx: Hex;
    earlyStatus: "success" | "reverted";
    earlyL1Block: bigint;
    executeTx: Hex;
    executedInL1Block: bigint;
    settledAtExecution: bigint;
    settledAfter: bigint;
    /** Who sent an `advance` settled after the change. */
    advancedBy: Hex;
  };
  invalidBlock: {
    /** The settled L2 block whose EXECUTE input was tampered with. */
    l2Block: bigint;
    genuineStateRoot: Hex;
    tamperedStateRoot: Hex;
    /** The decoded error of `advance` with the tampered input. */
    error: string;
    /** The decoded error of replaying the untampered input (a continuity check). */
    replayError: string;
    l1Tx: Hex;
    status: "success" | "reverted";
    l1Block: bigint;
    /** The rollup's head before and after the L1 block of the attempt. */
    numberBefore: bigint;
    numberAfter: bigint;
    rootBefore: Hex;
    rootAfter: Hex;
    /** `Advanced` events in that L1 block (the sequencer's own posts may share it). */
    advancedInSameBlock: number;
    /** The rollup's state root for the tampered block's height after the attempt. */
    settledRootOfBlock: Hex;
    /** The attempt moved nothing: no event of its own, any change explained by the sequencer's posts. */
    unchanged: boolean;
  };
  roots: {
    settled: bigint;
    compared: number;
    allMatch: boolean;
    mismatches: bigint[];
    /** The follower's state root of the settled block equals `NativeRollup.stateRoot()`. */
    headMatchesRollup: boolean;
  };
};

/** A closing summary of the report. */
export function summarize(report: DemoReport): string[] {
  return [
    `deposit: ${eth(report.deposit.amount)} → fresh L2 account, L2 balance ${eth(report.deposit.l2Balance)}`,
    `L2 use: TestToken ${short(report.l2Activity.token)}, ${report.l2Activity.transfers.length} token transfers, ${eth(report.l2Activity.ethTransfer.value)} sent, ${report.l2Activity.gasPaid} wei gas paid`,
    `withdrawal: ${eth(report.withdrawal.paid)} paid on L1 against L2 block ${report.withdrawal.provenAtL2Block}; second claim: ${report.withdrawal.secondClaimError}`,
    `forced inclusion: refused by the sequencer, queued on L1, first transaction of L2 block ${report.forced.l2Block}`,
    `governance: ${report.governance.earlyError} before the eta (L1 block ${report.governance.eta}); then sequencing ${short(report.governance.policyBefore)} → ${short(report.governance.policyAfter)}, settled ${report.governance.settledAtExecution} → ${report.governance.settledAfter}`,
    `invalid block: ${report.invalidBlock.error}, rollup unmoved by it`,
    `follower: ${report.roots.compared} settled blocks compared, ${report.roots.allMatch ? "all equal" : "MISMATCH"}`,
  ];
}
