/** Step 7 of the demo: follower = sequencer. */

import type { Hex } from "viem";
import { ABI, type DemoContext, DemoStepError } from "./context.ts";
import { short } from "./report.ts";

export async function compareRoots(demo: DemoContext): Promise<void> {
  demo.step(7, "The follower, rebuilt from L1 alone, agrees with the sequencer on every settled block");
  const settled = await demo.settled();
  await demo.until(7, `the follower to reach L2 block ${settled}`, async () =>
    (await demo.follower.getBlockNumber()) >= settled ? true : undefined,
  );
  const mismatches: bigint[] = [];
  const numbers = Array.from({ length: Number(settled) }, (_, i) => BigInt(i + 1));
  let last: { sequencer: Hex; follower: Hex } | undefined;
  for (let i = 0; i < numbers.length; i += 16) {
    await Promise.all(
      numbers.slice(i, i + 16).map(async (blockNumber) => {
        const [a, b] = await Promise.all([
          demo.l2.getBlock({ blockNumber }),
          demo.follower.getBlock({ blockNumber }),
        ]);
        if (a.stateRoot !== b.stateRoot || a.hash !== b.hash) mismatches.push(blockNumber);
        if (blockNumber === settled) last = { sequencer: a.stateRoot, follower: b.stateRoot };
      }),
    );
  }
  mismatches.sort((a, b) => (a < b ? -1 : 1));
  const rollupRoot = await demo.read<Hex>(demo.contracts.rollup, ABI.rollup, "stateRootAt", [settled]);
  const headMatchesRollup = last !== undefined && last.follower === rollupRoot;
  demo.line(
    `blocks 1…${settled}: ${numbers.length - mismatches.length} of ${numbers.length} state roots and hashes equal on both RPCs${mismatches.length > 0 ? `; differ: ${mismatches.join(", ")}` : " ✓"}`,
  );
  if (last) {
    demo.line(
      `block ${settled}: sequencer ${short(last.sequencer)}, follower ${short(last.follower)}, rollup.stateRootAt ${short(rollupRoot)}`,
    );
  }
  if (mismatches.length > 0)
    throw new DemoStepError(7, `the follower differs at L2 blocks ${mismatches.join(", ")}`);
  if (!headMatchesRollup) throw new DemoStepError(7, "the follower's settled state root is not the rollup's");
  demo.report.roots = {
    settled,
    compared: numbers.length,
    allMatch: mismatches.length === 0,
    mismatches,
    headMatchesRollup,
  };
}
