/** `nrx demo`: the rollup demo of src/demo/ as a command. */
import { DemoStepError } from "../demo/context.ts";
import { runRollupDemo } from "../demo/demo.ts";
import { summarize } from "../demo/report.ts";

/** `nrx demo [--slot-ms MS]`: runs the demo, printing it; 0 on success, 1 on a failed step. */
export async function runRollupDemoCommand(args: string[]): Promise<number> {
  const i = args.indexOf("--slot-ms");
  const l1SlotMs = i >= 0 ? Number(args[i + 1]) : 500;
  if (!Number.isInteger(l1SlotMs) || l1SlotMs < 200 || l1SlotMs > 60_000) {
    console.error("usage: nrx demo [--slot-ms MS]   (MS from 200 to 60000; default 500)");
    return 2;
  }
  console.log("nrx demo: a native rollup end to end, through JSON-RPC only");
  try {
    const report = await runRollupDemo({ log: (line) => console.log(line), l1SlotMs });
    console.log("");
    console.log(`Summary (${(report.durationMs / 1000).toFixed(1)} s):`);
    for (const line of summarize(report)) console.log(`  ✓ ${line}`);
    return 0;
  } catch (err) {
    console.log("");
    if (err instanceof DemoStepError) {
      console.error(`FAILED at ${err.message}`);
      return 1;
    }
    console.error(`FAILED: ${(err as Error).stack ?? err}`);
    return 1;
  }
}
