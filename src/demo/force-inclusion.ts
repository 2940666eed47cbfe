/** Step 4 of the demo: forced inclusion. */

import { keccak256 } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  ABI,
  CENSORED_FUNDING,
  type DemoContext,
  DemoStepError,
  FORCED_VALUE,
  FORCER,
  GWEI,
  L2_FUNDER,
  revertName,
} from "./context.ts";
import { eth, short } from "./report.ts";

export async function forceInclusion(demo: DemoContext): Promise<void> {
  demo.step(4, "Forced inclusion: the sequencer censors an account; L1 forces its transaction in");
  const account = privateKeyToAccount(demo.censoredKey);
  const funding = await demo.wallet("l2", demo.keys[L2_FUNDER]).sendTransaction({
    to: account.address,
    value: CENSORED_FUNDING,
  });
  const funded = await demo.mined(4, "l2", funding, "the censored account's funding");
  demo.line(
    `censored account ${account.address} funded on L2 by dev account ${L2_FUNDER}: ${eth(CENSORED_FUNDING)}, L2 tx ${short(funding)}, L2 block ${funded.blockNumber}`,
  );
  const recipient = privateKeyToAccount(generatePrivateKey()).address;
  const baseFee = (await demo.l2.getBlock()).baseFeePerGas ?? GWEI;
  const signed = await account.signTransaction({
    type: "eip1559",
    chainId: demo.l2Chain.id,
    nonce: 0,
    to: recipient,
    value: FORCED_VALUE,
    gas: 21_000n,
    // Far above the base fee, so the transaction is still includable when it falls due.
    maxFeePerGas: 2n * baseFee + GWEI,
    maxPriorityFeePerGas: GWEI,
  });
  const txHash = keccak256(signed);
  let refusal: string | undefined;
  try {
    await demo.l2.sendRawTransaction({ serializedTransaction: signed });
  } catch (err) {
    refusal = revertName(err);
  }
  if (refusal === undefined) throw new DemoStepError(4, "the sequencer accepted the censored transaction");
  demo.line(
    `signed L2 tx ${txHash} (${eth(FORCED_VALUE)} to ${short(recipient)}) sent to the sequencer's RPC:`,
  );
  demo.line(`  refused: "${refusal}"`);
  const queued = await demo.call(
    4,
    "l1",
    demo.keys[FORCER],
    { address: demo.contracts.inbox, abi: ABI.inbox, functionName: "forceInclude", args: [signed] },
    "ForcedInclusionInbox.forceInclude",
  );
  const [event] = demo.logsOf(queued, ABI.inbox, demo.contracts.inbox, "ForcedTransactionQueued");
  if (event === undefined) throw new DemoStepError(4, "forceInclude emitted no ForcedTransactionQueued");
  if (event.txHash !== txHash) throw new DemoStepError(4, `the inbox queued ${event.txHash}, not ${txHash}`);
  const queueIndex = event.index as bigint;
  const deadline = event.deadline as bigint;
  demo.line(
    `ForcedInclusionInbox.forceInclude(tx) on L1 from dev account ${FORCER}: tx ${queued.transactionHash}, L1 block ${queued.blockNumber}, queue index ${queueIndex}, deadline L1 block ${deadline}`,
  );
  const included = await demo.until(4, "the forced transaction on L2", () =>
    demo.l2.getTransactionReceipt({ hash: txHash }),
  );
  const block = await demo.l2.getBlock({ blockNumber: included.blockNumber });
  const position = block.transactions.indexOf(txHash);
  demo.line(
    `included in L2 block ${included.blockNumber} at position ${position} of ${block.transactions.length} (status ${included.status})`,
  );
  if (position !== 0 || included.transactionIndex !== 0) {
    throw new DemoStepError(4, `the forced transaction is at position ${position}, not the block's first`);
  }
  if (included.status !== "success") throw new DemoStepError(4, "the forced transaction reverted on L2");
  await demo.until(4, `the rollup to settle L2 block ${included.blockNumber}`, async () =>
    (await demo.settled()) >= included.blockNumber ? true : undefined,
  );
  const [settledLog] = await demo.l1.getContractEvents({
    address: demo.contracts.inbox,
    abi: ABI.inbox,
    eventName: "ForcedTransactionIncluded",
    args: { index: queueIndex },
    fromBlock: queued.blockNumber,
  });
  if (settledLog === undefined) throw new DemoStepError(4, "no ForcedTransactionIncluded event on L1");
  const recipientBalance = await demo.l2.getBalance({ address: recipient });
  demo.line(
    `settled on L1 in block ${settledLog.blockNumber} (ForcedTransactionIncluded ${queueIndex}; deadline ${deadline}); recipient has ${eth(recipientBalance)} on L2 ✓`,
  );
  if (recipientBalance !== FORCED_VALUE) {
    throw new DemoStepError(4, `the forced transfer's recipient has ${recipientBalance} wei`);
  }
  demo.report.forced = {
    account: account.address,
    sequencerRefusal: refusal,
    txHash,
    l1Tx: queued.transactionHash,
    queuedInL1Block: queued.blockNumber,
    queueIndex,
    deadline,
    l2Block: included.blockNumber,
    position,
    l2Status: included.status,
    settledInL1Block: settledLog.blockNumber as bigint,
    recipient,
    recipientBalance,
    value: FORCED_VALUE,
  };
}
