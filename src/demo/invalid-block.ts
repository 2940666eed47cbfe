/** Step 6 of the demo: invalid block. */

import { encodeFunctionData, type Hex, parseEther, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { SEQUENCER_ACCOUNT } from "../devnet/devnet.ts";
import { advanceInput } from "../l2/derive.ts";
import { decodeStatelessInput, encodeStatelessInput } from "../stateless/ssz.ts";
import { ABI, type DemoContext, DemoStepError, ROLLUP_ERRORS } from "./context.ts";
import { short } from "./report.ts";

export async function invalidBlock(demo: DemoContext): Promise<void> {
  demo.step(6, "An invalid L2 block is refused: a settled block's EXECUTE input with a forged state root");
  const rollup = demo.contracts.rollup;
  const head = await demo.l1.getBlockNumber();
  const logs = await demo.l1.getContractEvents({
    address: rollup,
    abi: ABI.rollup,
    eventName: "Advanced",
    fromBlock: head > 20n ? head - 20n : 0n,
  });
  const last = logs.at(-1);
  if (last === undefined) throw new DemoStepError(6, "no recent Advanced event on L1");
  const tx = await demo.l1.getTransaction({ hash: last.transactionHash as Hex });
  const input = await advanceInput(tx, rollup, (hash) =>
    demo.l1.request({ method: "nrx_getBlob", params: [hash] } as never),
  );
  const stateless = decodeStatelessInput(input);
  const payload = stateless.newPayloadRequest.executionPayload;
  const l2Block = payload.blockNumber;
  const genuine = toHex(payload.stateRoot);
  const forged = Uint8Array.from(payload.stateRoot);
  forged[31] ^= 0xff;
  const tampered = encodeStatelessInput({
    ...stateless,
    newPayloadRequest: {
      ...stateless.newPayloadRequest,
      executionPayload: { ...payload, stateRoot: forged },
    },
  });
  demo.line(
    `took L2 block ${l2Block}'s input from advance tx ${short(tx.hash)} (${input.length} bytes); state root ${short(genuine)} → forged ${short(toHex(forged))}`,
  );
  const sequencer = privateKeyToAccount(demo.keys[SEQUENCER_ACCOUNT]).address;
  // Under the new policy only the listed sequencer may post: it is the one that tries.
  const prepayment = parseEther("1");
  const advance = (bytes: Uint8Array) => ({
    address: rollup,
    abi: ROLLUP_ERRORS,
    functionName: "advance",
    args: [toHex(bytes)],
    value: prepayment,
  });
  const refused = await demo.revertOf(6, "l1", sequencer, advance(tampered), "advance with the forged block");
  const replay = await demo.revertOf(6, "l1", sequencer, advance(input), "replaying the settled block");
  demo.line(`eth_call advance(forged) from the sequencer's account: reverts with ${refused.name}`);
  demo.line(`(for comparison, replaying the genuine input: ${replay.name}, a continuity check)`);
  if (refused.name !== "InvalidBlock")
    throw new DemoStepError(6, `the forged block reverts with ${refused.name}`);
  const data = encodeFunctionData({ abi: ABI.rollup, functionName: "advance", args: [toHex(tampered)] });
  const hash = await demo.sendAsSequencer(
    6,
    { to: rollup, data, value: prepayment, gas: 1_500_000n + 48n * BigInt(tampered.length) },
    "advance(forged)",
  );
  const receipt = await demo.l1.waitForTransactionReceipt({ hash, pollingInterval: 100 });
  const at = receipt.blockNumber;
  const [numberBefore, numberAfter, rootBefore, rootAfter] = await Promise.all([
    demo.settled(at - 1n),
    demo.settled(at),
    demo.read<Hex>(rollup, ABI.rollup, "stateRoot", [], at - 1n),
    demo.read<Hex>(rollup, ABI.rollup, "stateRoot", [], at),
  ]);
  const advancedInSameBlock = (
    await demo.l1.getContractEvents({
      address: rollup,
      abi: ABI.rollup,
      eventName: "Advanced",
      fromBlock: at,
      toBlock: at,
    })
  ).length;
  const settledRootOfBlock = await demo.read<Hex>(rollup, ABI.rollup, "stateRootAt", [l2Block]);
  const ownEvents = receipt.logs.length;
  const unchanged =
    receipt.status === "reverted" &&
    ownEvents === 0 &&
    numberAfter - numberBefore === BigInt(advancedInSameBlock) &&
    (advancedInSameBlock > 0 || rootAfter === rootBefore) &&
    rootAfter !== toHex(forged) &&
    settledRootOfBlock === genuine;
  demo.line(`sent on L1: tx ${hash}, L1 block ${at}, status ${receipt.status}, ${ownEvents} events`);
  demo.line(
    `rollup around it: number ${numberBefore} → ${numberAfter}, stateRoot ${short(rootBefore)} → ${short(rootAfter)}${advancedInSameBlock > 0 ? ` (only the sequencer's ${advancedInSameBlock} valid post${advancedInSameBlock > 1 ? "s" : ""} in that block)` : ""}`,
  );
  demo.line(`stateRootAt(${l2Block}) is still the genuine ${short(settledRootOfBlock)} ✓`);
  if (!unchanged) throw new DemoStepError(6, "the forged block moved the rollup");
  demo.report.invalidBlock = {
    l2Block,
    genuineStateRoot: genuine,
    tamperedStateRoot: toHex(forged),
    error: refused.name,
    replayError: replay.name,
    l1Tx: hash,
    status: receipt.status,
    l1Block: at,
    numberBefore,
    numberAfter,
    rootBefore,
    rootAfter,
    advancedInSameBlock,
    settledRootOfBlock,
    unchanged,
  };
}
