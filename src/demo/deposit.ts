/** Step 1 of the demo: deposit. */

import type { Hex, Log } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { L2_BRIDGE_ADDRESS } from "../rollup/genesis.ts";
import { ABI, DEPOSIT, DEPOSITOR, type DemoContext, DemoStepError } from "./context.ts";
import { eth, short } from "./report.ts";

export async function deposit(demo: DemoContext): Promise<void> {
  demo.step(1, "Deposit ETH on L1 to a fresh address; the sequencer relays it to L2");
  demo.aliceKey = generatePrivateKey();
  const alice = privateKeyToAccount(demo.aliceKey).address;
  demo.alice = alice;
  const depositor = privateKeyToAccount(demo.keys[DEPOSITOR]).address;
  demo.line(
    `fresh L2 account (alice): ${alice}, L2 balance ${eth(await demo.l2.getBalance({ address: alice }))}`,
  );
  const receipt = await demo.call(
    1,
    "l1",
    demo.keys[DEPOSITOR],
    {
      address: demo.contracts.bridge,
      abi: ABI.bridge,
      functionName: "deposit",
      args: [alice, "0x"],
      value: DEPOSIT,
    },
    "L1Bridge.deposit",
  );
  const [deposited] = demo.logsOf(receipt, ABI.bridge, demo.contracts.bridge, "Deposited");
  if (deposited === undefined) throw new DemoStepError(1, "the deposit emitted no Deposited event");
  const index = deposited.index as bigint;
  demo.line(
    `L1Bridge.deposit(${short(alice)}) from dev account ${DEPOSITOR} (${short(depositor)}), ${eth(DEPOSIT)}: tx ${receipt.transactionHash}, L1 block ${receipt.blockNumber}, message ${index}, root ${short(deposited.root as Hex)}`,
  );
  const l2Balance = await demo.until(1, "the deposit to arrive on L2", async () => {
    const balance = await demo.l2.getBalance({ address: alice });
    return balance === DEPOSIT ? balance : undefined;
  });
  const claimed = await demo.until(1, "the L2Bridge Claimed event", async () => {
    const logs = await demo.l2.getContractEvents({
      address: L2_BRIDGE_ADDRESS,
      abi: ABI.l2Bridge,
      eventName: "Claimed",
      args: { index },
      fromBlock: 0n,
    });
    return logs[0] as (Log & { args: Record<string, unknown> }) | undefined;
  });
  const claimReceipt = await demo.mined(1, "l2", claimed.transactionHash as Hex, "the claim");
  if (claimed.args.value !== DEPOSIT || (claimed.args.to as Hex).toLowerCase() !== alice.toLowerCase()) {
    throw new DemoStepError(1, `the L2 claim pays ${claimed.args.value} to ${claimed.args.to}`);
  }
  demo.line(
    `L2Bridge.claim relayed by the sequencer: L2 tx ${claimReceipt.transactionHash}, L2 block ${claimReceipt.blockNumber}, Claimed(index ${index}, to ${short(alice)}, ${eth(claimed.args.value as bigint)}, anchor ${short(claimed.args.anchor as Hex)})`,
  );
  demo.line(`alice's L2 balance (sequencer RPC): ${eth(l2Balance)} ✓`);
  demo.report.deposit = {
    depositor,
    recipient: alice,
    amount: DEPOSIT,
    index,
    l1Tx: receipt.transactionHash,
    l1Block: receipt.blockNumber,
    l2Balance,
    claimTx: claimReceipt.transactionHash,
    claimL2Block: claimReceipt.blockNumber,
    claimedValue: claimed.args.value as bigint,
    claimedTo: claimed.args.to as Hex,
  };
}
