/** Step 3 of the demo: withdrawal. */

import { type Hex, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { L2_BRIDGE_ADDRESS } from "../rollup/genesis.ts";
import { withdrawalHash, withdrawalSlot } from "../rollup/message-tree.ts";
import { ABI, CLAIMER, type DemoContext, DemoStepError, WITHDRAWN } from "./context.ts";
import { eth, short } from "./report.ts";

export async function withdraw(demo: DemoContext): Promise<void> {
  demo.step(3, "Alice withdraws to L1; L1 pays once the rollup settled it, against a follower's proof");
  const recipient = privateKeyToAccount(generatePrivateKey()).address;
  const receipt = await demo.call(
    3,
    "l2",
    demo.aliceKey,
    {
      address: L2_BRIDGE_ADDRESS,
      abi: ABI.l2Bridge,
      functionName: "withdraw",
      args: [recipient],
      value: WITHDRAWN,
    },
    "L2Bridge.withdraw",
  );
  const [withdrawn] = demo.logsOf(receipt, ABI.l2Bridge, L2_BRIDGE_ADDRESS, "Withdrawn");
  if (withdrawn === undefined) throw new DemoStepError(3, "the withdrawal emitted no Withdrawn event");
  const withdrawal = {
    index: withdrawn.index as bigint,
    sender: demo.alice,
    to: recipient,
    value: WITHDRAWN,
  };
  const hash = toHex(withdrawalHash(withdrawal));
  if (hash !== withdrawn.hash)
    throw new DemoStepError(3, `Withdrawn's hash ${withdrawn.hash} is not ${hash}`);
  demo.line(
    `L2Bridge.withdraw(${short(recipient)}) with ${eth(WITHDRAWN)}: L2 tx ${receipt.transactionHash}, L2 block ${receipt.blockNumber}, Withdrawn(index ${withdrawal.index}, hash ${short(hash)})`,
  );
  const provenAt = await demo.until(3, `the rollup to settle L2 block ${receipt.blockNumber}`, async () => {
    const n = await demo.settled();
    return n >= receipt.blockNumber ? n : undefined;
  });
  demo.line(
    `NativeRollup.number() on L1 = ${provenAt} ≥ ${receipt.blockNumber}: the withdrawal's block is settled`,
  );
  await demo.until(3, `the follower to import L2 block ${provenAt}`, async () =>
    (await demo.follower.getBlockNumber()) >= provenAt ? true : undefined,
  );
  const slot = toHex(withdrawalSlot(withdrawalHash(withdrawal)));
  const proof = await demo.follower.getProof({
    address: L2_BRIDGE_ADDRESS,
    storageKeys: [slot],
    blockNumber: provenAt,
  });
  const followerRoot = (await demo.follower.getBlock({ blockNumber: provenAt })).stateRoot;
  const settledRoot = await demo.read<Hex>(demo.contracts.rollup, ABI.rollup, "stateRootAt", [provenAt]);
  const slotValue = proof.storageProof[0].value;
  demo.line(
    `eth_getProof(L2Bridge, [${short(slot)}], ${provenAt}) from the follower: ${proof.accountProof.length} account nodes, ${proof.storageProof[0].proof.length} storage nodes, value ${slotValue}`,
  );
  demo.line(
    `state root of L2 block ${provenAt}: follower ${short(followerRoot)}, rollup.stateRootAt ${short(settledRoot)}`,
  );
  if (followerRoot !== settledRoot) {
    throw new DemoStepError(3, `the follower's state root ${followerRoot} is not the settled ${settledRoot}`);
  }
  if (slotValue !== 1n) throw new DemoStepError(3, `the withdrawal's slot holds ${slotValue}, not 1`);
  const before = await demo.l1.getBalance({ address: recipient });
  const args = [
    provenAt,
    withdrawal.index,
    withdrawal.sender,
    withdrawal.to,
    withdrawal.value,
    proof.accountProof,
    proof.storageProof[0].proof,
  ];
  const claim = { address: demo.contracts.bridge, abi: ABI.bridge, functionName: "claimWithdrawal", args };
  const claimed = await demo.call(3, "l1", demo.keys[CLAIMER], claim, "L1Bridge.claimWithdrawal");
  const after = await demo.l1.getBalance({ address: recipient });
  const [event] = demo.logsOf(claimed, ABI.bridge, demo.contracts.bridge, "WithdrawalClaimed");
  demo.line(
    `L1Bridge.claimWithdrawal(${provenAt}, ${withdrawal.index}, …) from dev account ${CLAIMER}: tx ${claimed.transactionHash}, L1 block ${claimed.blockNumber}${event ? `, WithdrawalClaimed(${eth(event.value as bigint)})` : ""}`,
  );
  demo.line(`recipient's L1 balance: ${eth(before)} → ${eth(after)} (+${eth(after - before)}) ✓`);
  if (after - before !== WITHDRAWN) {
    throw new DemoStepError(3, `the recipient got ${after - before} wei, expected ${WITHDRAWN}`);
  }
  const again = await demo.revertOf(
    3,
    "l1",
    privateKeyToAccount(demo.keys[CLAIMER]).address,
    claim,
    "a second claim",
  );
  demo.line(`claiming it again: reverts with ${again.name}(${again.args.map(String).join(", ")}) ✓`);
  if (again.name !== "AlreadyClaimed")
    throw new DemoStepError(3, `a second claim reverts with ${again.name}`);
  demo.report.withdrawal = {
    sender: demo.alice,
    recipient,
    value: WITHDRAWN,
    index: withdrawal.index,
    hash,
    l2Tx: receipt.transactionHash,
    l2Block: receipt.blockNumber,
    provenAtL2Block: provenAt,
    followerStateRoot: followerRoot,
    settledStateRoot: settledRoot,
    slotValue,
    l1ClaimTx: claimed.transactionHash,
    recipientBefore: before,
    recipientAfter: after,
    paid: after - before,
    secondClaimError: again.name,
  };
}
