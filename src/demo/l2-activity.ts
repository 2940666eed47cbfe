/** Step 2 of the demo: L2 activity. */

import type { Hex, TransactionReceipt } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  DEPOSIT,
  type DemoContext,
  DemoStepError,
  ETH_TRANSFER,
  MINTED,
  revertName,
  TOKEN,
  TOKEN_TRANSFERS,
} from "./context.ts";
import { type DemoReport, eth, short, tokens } from "./report.ts";

export async function l2Activity(demo: DemoContext): Promise<void> {
  demo.step(2, "Alice uses the L2, paying gas from her deposit: an ERC-20 and an ETH transfer");
  const wallet = demo.wallet("l2", demo.aliceKey);
  const bob = privateKeyToAccount(generatePrivateKey()).address;
  const carol = privateKeyToAccount(generatePrivateKey()).address;
  const receipts: TransactionReceipt[] = [];
  let deployHash: Hex;
  try {
    deployHash = await wallet.deployContract({ abi: TOKEN.abi, bytecode: TOKEN.bytecode, args: [] });
  } catch (err) {
    throw new DemoStepError(2, `deploying TestToken was refused: ${revertName(err)}`);
  }
  const deployed = await demo.mined(2, "l2", deployHash, "TestToken's deployment");
  receipts.push(deployed);
  const token = deployed.contractAddress;
  if (!token) throw new DemoStepError(2, "TestToken's deployment has no contract address");
  demo.line(`TestToken deployed at ${token}: L2 tx ${short(deployHash)}, L2 block ${deployed.blockNumber}`);
  const tokenCall = async (functionName: string, args: readonly unknown[], what: string) => {
    const receipt = await demo.call(
      2,
      "l2",
      demo.aliceKey,
      { address: token, abi: TOKEN.abi, functionName, args },
      what,
    );
    receipts.push(receipt);
    return receipt;
  };
  const minted = await tokenCall("mint", [demo.alice, MINTED], "mint");
  demo.line(
    `mint(alice, ${tokens(MINTED)}): L2 tx ${short(minted.transactionHash)}, L2 block ${minted.blockNumber}`,
  );
  const transfers: DemoReport["l2Activity"]["transfers"] = [];
  for (const [to, amount, name] of [
    [bob, TOKEN_TRANSFERS[0], "bob"],
    [carol, TOKEN_TRANSFERS[1], "carol"],
  ] as const) {
    const r = await tokenCall("transfer", [to, amount], `transfer to ${name}`);
    const [event] = demo.logsOf(r, TOKEN.abi, token, "Transfer");
    if (event?.value !== amount)
      throw new DemoStepError(2, `the transfer to ${name} emitted no Transfer of ${amount}`);
    transfers.push({ to, amount, tx: r.transactionHash });
    demo.line(
      `transfer(${name} ${short(to)}, ${tokens(amount)}): L2 tx ${short(r.transactionHash)}, L2 block ${r.blockNumber}, ${r.gasUsed} gas`,
    );
  }
  let ethHash: Hex;
  try {
    ethHash = await wallet.sendTransaction({ to: bob, value: ETH_TRANSFER });
  } catch (err) {
    throw new DemoStepError(2, `the ETH transfer was refused: ${revertName(err)}`);
  }
  const ethReceipt = await demo.mined(2, "l2", ethHash, "the ETH transfer");
  receipts.push(ethReceipt);
  const bobEth = await demo.l2.getBalance({ address: bob });
  demo.line(
    `${eth(ETH_TRANSFER)} to bob: L2 tx ${short(ethHash)}, L2 block ${ethReceipt.blockNumber}; bob has ${eth(bobEth)}`,
  );
  if (bobEth !== ETH_TRANSFER) throw new DemoStepError(2, `bob has ${bobEth} wei, expected ${ETH_TRANSFER}`);

  const expected = [
    { holder: demo.alice, expected: MINTED - TOKEN_TRANSFERS[0] - TOKEN_TRANSFERS[1] },
    { holder: bob, expected: TOKEN_TRANSFERS[0] },
    { holder: carol, expected: TOKEN_TRANSFERS[1] },
  ];
  const tokenBalances: DemoReport["l2Activity"]["tokenBalances"] = [];
  for (const [i, { holder, expected: want }] of expected.entries()) {
    const balance = (await demo.l2.readContract({
      address: token,
      abi: TOKEN.abi,
      functionName: "balanceOf",
      args: [holder],
    })) as bigint;
    tokenBalances.push({ holder, balance, expected: want });
    demo.line(`balanceOf(${["alice", "bob", "carol"][i]}) = ${tokens(balance)}`);
    if (balance !== want) throw new DemoStepError(2, `${holder} holds ${balance} tokens, expected ${want}`);
  }
  const gasPaid = receipts.reduce((sum, r) => sum + r.gasUsed * r.effectiveGasPrice, 0n);
  const balance = await demo.l2.getBalance({ address: demo.alice });
  const expectedBalance = DEPOSIT - ETH_TRANSFER - gasPaid;
  demo.line(
    `alice paid ${gasPaid} wei of L2 gas over ${receipts.length} transactions; her balance ${eth(balance)} = deposit − ${eth(ETH_TRANSFER)} − gas ✓`,
  );
  if (balance !== expectedBalance) {
    throw new DemoStepError(2, `alice has ${balance} wei, expected ${expectedBalance}`);
  }
  demo.report.l2Activity = {
    account: demo.alice,
    token,
    deployTx: deployHash,
    minted: MINTED,
    transfers,
    tokenBalances,
    ethTransfer: { to: bob, value: ETH_TRANSFER, tx: ethHash, balance: bobEth },
    gasPaid,
    balance,
    expectedBalance,
  };
}
