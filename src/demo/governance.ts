/** Step 5 of the demo: governance. */

import { encodeFunctionData, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { DEPLOYER_ACCOUNT, SEQUENCER_ACCOUNT } from "../devnet/devnet.ts";
import {
  ABI,
  ALLOWLIST,
  CLAIMER,
  type DemoContext,
  DemoStepError,
  MINIMUM_BOND,
  revertName,
} from "./context.ts";
import { eth, short } from "./report.ts";

export async function governance(demo: DemoContext): Promise<void> {
  demo.step(5, "Governance: replace the sequencing policy through the timelock");
  const adminKey = demo.keys[DEPLOYER_ACCOUNT];
  const admin = privateKeyToAccount(adminKey).address;
  const sequencer = privateKeyToAccount(demo.keys[SEQUENCER_ACCOUNT]).address;
  const stranger = privateKeyToAccount(demo.keys[CLAIMER]).address;
  const rollup = demo.contracts.rollup;
  const policyBefore = await demo.read<Hex>(rollup, ABI.rollup, "sequencing");
  demo.line(`rollup.sequencing() = ${policyBefore} (BasedSequencing: anyone may post)`);
  if (policyBefore.toLowerCase() !== demo.contracts.sequencing.toLowerCase()) {
    throw new DemoStepError(5, `the rollup's policy ${policyBefore} is not the deployed BasedSequencing`);
  }
  let deployHash: Hex;
  try {
    deployHash = await demo.wallet("l1", adminKey).deployContract({
      abi: ALLOWLIST.abi,
      bytecode: ALLOWLIST.bytecode,
      args: [admin, MINIMUM_BOND],
    });
  } catch (err) {
    throw new DemoStepError(5, `deploying AllowlistSequencing was refused: ${revertName(err)}`);
  }
  const deployed = await demo.mined(5, "l1", deployHash, "AllowlistSequencing's deployment");
  const policy = deployed.contractAddress;
  if (!policy) throw new DemoStepError(5, "AllowlistSequencing's deployment has no address");
  demo.line(
    `admin (dev account ${DEPLOYER_ACCOUNT}) deployed AllowlistSequencing(owner ${short(admin)}, bond ${eth(MINIMUM_BOND)}) at ${policy}, L1 block ${deployed.blockNumber}`,
  );
  const added = await demo.call(
    5,
    "l1",
    adminKey,
    { address: policy, abi: ALLOWLIST.abi, functionName: "add", args: [sequencer] },
    "AllowlistSequencing.add",
  );
  const bondHash = await demo.sendAsSequencer(
    5,
    {
      to: policy,
      data: encodeFunctionData({ abi: ALLOWLIST.abi, functionName: "bond" }),
      value: MINIMUM_BOND,
      gas: 100_000n,
    },
    "the sequencer's bond",
  );
  const bonded = await demo.mined(5, "l1", bondHash, "the sequencer's bond");
  const bond = await demo.read<bigint>(policy, ALLOWLIST.abi, "bondOf", [sequencer]);
  const allowed = await demo.read<boolean>(policy, ALLOWLIST.abi, "isAllowed", [sequencer]);
  demo.line(
    `add(sequencer ${short(sequencer)}): L1 block ${added.blockNumber}; the sequencer bonds ${eth(bond)}: L1 block ${bonded.blockNumber}; isAllowed(sequencer) = ${allowed}`,
  );
  if (!allowed) throw new DemoStepError(5, "the sequencer is not allowed by the new policy");

  const timelock = demo.contracts.timelock;
  const data = encodeFunctionData({ abi: ABI.rollup, functionName: "setSequencing", args: [policy] });
  const operation = [rollup, 0n, data] as const;
  const scheduled = await demo.call(
    5,
    "l1",
    adminKey,
    { address: timelock, abi: ABI.timelock, functionName: "schedule", args: operation },
    "Timelock.schedule",
  );
  const [event] = demo.logsOf(scheduled, ABI.timelock, timelock, "Scheduled");
  if (event === undefined) throw new DemoStepError(5, "schedule emitted no Scheduled event");
  const eta = event.eta as bigint;
  const delay = await demo.read<bigint>(timelock, ABI.timelock, "delayBlocks");
  demo.line(
    `Timelock.schedule(rollup, 0, setSequencing(${short(policy)})): L1 block ${scheduled.blockNumber}, delay ${delay} blocks, eta L1 block ${eta}`,
  );
  const execute = { address: timelock, abi: ABI.timelock, functionName: "execute", args: operation };
  const early = await demo.revertOf(5, "l1", stranger, execute, "executing before the eta");
  if (early.name !== "NotReady") throw new DemoStepError(5, `executing early reverts with ${early.name}`);
  // And on chain, with a fixed gas limit (estimating it would fail on the revert).
  const earlyHash = await demo.wallet("l1", demo.keys[CLAIMER]).writeContract({
    ...execute,
    gas: 300_000n,
  } as never);
  const earlyReceipt = await demo.l1.waitForTransactionReceipt({ hash: earlyHash, pollingInterval: 100 });
  demo.line(
    `execute before the eta: eth_call reverts with ${early.name}(eta ${early.args[1]}); sent anyway: tx ${short(earlyHash)}, L1 block ${earlyReceipt.blockNumber}, status ${earlyReceipt.status}`,
  );
  if (earlyReceipt.status !== "reverted" || earlyReceipt.blockNumber >= eta) {
    throw new DemoStepError(5, `executing in L1 block ${earlyReceipt.blockNumber} did not revert`);
  }
  if ((await demo.read<Hex>(rollup, ABI.rollup, "sequencing")) !== policyBefore) {
    throw new DemoStepError(5, "the policy changed before the eta");
  }
  await demo.until(5, `L1 block ${eta}`, async () =>
    (await demo.l1.getBlockNumber()) >= eta ? true : undefined,
  );
  const executed = await demo.call(5, "l1", demo.keys[CLAIMER], execute, "Timelock.execute");
  const policyAfter = await demo.read<Hex>(rollup, ABI.rollup, "sequencing");
  const settledAtExecution = await demo.settled(executed.blockNumber);
  demo.line(
    `Timelock.execute by anyone (dev account ${CLAIMER}) after the delay: tx ${short(executed.transactionHash)}, L1 block ${executed.blockNumber} ≥ eta; rollup.sequencing() = ${policyAfter} ✓`,
  );
  if (policyAfter.toLowerCase() !== policy.toLowerCase()) {
    throw new DemoStepError(5, `the policy is ${policyAfter}, not ${policy}`);
  }
  const target = settledAtExecution + 3n;
  const settledAfter = await demo.until(5, `the rollup to settle L2 block ${target}`, async () => {
    const n = await demo.settled();
    return n >= target ? n : undefined;
  });
  const [advanced] = await demo.l1.getContractEvents({
    address: rollup,
    abi: ABI.rollup,
    eventName: "Advanced",
    fromBlock: executed.blockNumber + 1n,
  });
  if (advanced === undefined) throw new DemoStepError(5, "no block settled after the change");
  const advancedBy = (await demo.l1.getTransaction({ hash: advanced.transactionHash as Hex })).from;
  demo.line(
    `the sequencer keeps settling under the new policy: number() ${settledAtExecution} → ${settledAfter} (advance from ${short(advancedBy)}) ✓`,
  );
  if (advancedBy.toLowerCase() !== sequencer.toLowerCase()) {
    throw new DemoStepError(5, `${advancedBy} advanced the rollup, not the sequencer`);
  }
  demo.report.governance = {
    policyBefore,
    newPolicy: policy,
    policyAfter,
    minimumBond: MINIMUM_BOND,
    sequencer,
    sequencerBond: bond,
    sequencerAllowed: allowed,
    scheduleTx: scheduled.transactionHash,
    scheduledInL1Block: scheduled.blockNumber,
    eta,
    earlyError: early.name,
    earlyTx: earlyHash,
    earlyStatus: earlyReceipt.status,
    earlyL1Block: earlyReceipt.blockNumber,
    executeTx: executed.transactionHash,
    executedInL1Block: executed.blockNumber,
    settledAtExecution,
    settledAfter,
    advancedBy,
  };
}
