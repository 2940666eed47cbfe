/**
 * The rollup demo behind `nrx demo` (`npm run demo`): the native rollup end to end (issue 4), as a user sees it. It
 * starts an in-memory devnet (L1, one rollup, its sequencer and a follower) and then talks to it
 * only through JSON-RPC, with viem, exactly as a wallet would:
 *
 * 1. an L1 deposit to a fresh address, relayed to L2 by the sequencer;
 * 2. that account deploys an ERC-20 on L2, mints, transfers it and sends ETH, paying its own gas;
 * 3. it withdraws to L1: once the rollup settles the block, an `eth_getProof` from the follower
 *    proves the withdrawal on L1, which pays it, once;
 * 4. a censored account's transaction, refused by the sequencer, is forced in through L1;
 * 5. governance replaces the sequencing policy through the timelock, not before its delay;
 * 6. a tampered L2 block is refused by `NativeRollup.advance` (EXECUTE finds it invalid);
 * 7. the follower, which rebuilt the L2 from L1 alone, agrees with the sequencer on every block.
 *
 * Every step checks what it shows; a failed check throws `DemoStepError`, nothing is faked.
 */
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { startDevnet } from "../devnet/devnet.ts";
import { compareRoots } from "./compare-roots.ts";
import { DemoContext } from "./context.ts";
import { deposit } from "./deposit.ts";
import { forceInclusion } from "./force-inclusion.ts";
import { governance } from "./governance.ts";
import { invalidBlock } from "./invalid-block.ts";
import { l2Activity } from "./l2-activity.ts";
import type { DemoReport } from "./report.ts";
import { withdraw } from "./withdraw.ts";

/** The steps in order; each checks what it shows and adds it to the report. */
const DEMO_STEPS = [deposit, l2Activity, withdraw, forceInclusion, governance, invalidBlock, compareRoots];

export type RollupDemoOptions = {
  /** Where the numbered steps are printed. */
  log: (line: string) => void;
  /** The L1 slot time (default 500 ms; the L2 makes two blocks per slot). */
  l1SlotMs?: number;
};

/**
 * Runs the demo on a devnet of its own, which it closes at the end (also on failure).
 *
 * @example
 * const report = await runRollupDemo({ log: console.log });
 * report.withdrawal.paid; // 500000000000000000n
 */
export async function runRollupDemo(options: RollupDemoOptions): Promise<DemoReport> {
  const started = performance.now();
  const print = options.log;
  const l1SlotMs = options.l1SlotMs ?? 500;
  const censoredKey = generatePrivateKey();
  const censored = privateKeyToAccount(censoredKey);
  const devnetLines: string[] = [];
  print(`Starting an in-memory devnet (L1 slot ${l1SlotMs} ms, 2 L2 blocks per slot)…`);
  const devnet = await startDevnet({
    l1SlotMs,
    port: 0,
    forcedInclusionDelay: 4n,
    timelockDelay: 6n,
    refuseFrom: [censored.address],
    log: (line) => {
      devnetLines.push(line);
      if (devnetLines.length > 40) devnetLines.shift();
      if (/fail|error|stopped|rewound|reverted|not included/i.test(line)) print(`    ! devnet: ${line}`);
    },
  });
  try {
    const demo = await DemoContext.connect(devnet, print, l1SlotMs, censoredKey);
    for (const step of DEMO_STEPS) await step(demo);
    const report = demo.report;
    report.durationMs = Math.round(performance.now() - started);
    return report;
  } catch (err) {
    print("  last devnet log lines:");
    for (const line of devnetLines.slice(-15)) print(`    ${line}`);
    throw err;
  } finally {
    await devnet.close();
  }
}
