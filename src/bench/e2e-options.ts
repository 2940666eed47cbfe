/** `bench e2e`'s options: its configurations, workloads and command line. */
import { UsageError } from "../util/errors.ts";

export type Workload = "eth" | "erc20";
export type ConfigName = "eth" | "erc20" | "blobs";

export type Options = {
  /** L1 slot time. */
  slotMs: number;
  blocksPerSlot: number;
  /** L1 slots of load before the window opens (at the next settlement of workload blocks). */
  warmupSlots: number;
  /** L1 slots measured, at least (the window closes at the next settlement after them). */
  windowSlots: number;
  senders: number;
  /** Transactions kept in the sequencer's mempool, in full L2 blocks. */
  backlogBlocks: number;
  /** Most settled L2 tx/s the pre-signed transactions must cover (they are signed up front). */
  maxRate: number;
  /** Replays of the chain for the baseline (the median is reported). */
  baselineRuns: number;
  configs: ConfigName[];
  json?: string;
  verbose: boolean;
};

export const BENCH_E2E_USAGE = `usage: bench e2e [--quick] [--configs eth,erc20] [--slot-time S=4] [--blocks-per-slot N=2]
                 [--warmup SLOTS=1] [--window SLOTS=3] [--senders N=250] [--backlog BLOCKS=1.5]
                 [--max-rate TXS=60] [--baseline-runs N=3] [--verbose] [--json FILE]
  --configs      eth: ETH transfers posted in calldata; erc20: TestToken transfers in calldata;
                 blobs: ETH transfers posted in blobs (each on a fresh devnet, in this order)
  --slot-time    L1 slot time in seconds; the L2 block time is slot time / blocks per slot
  --warmup       L1 slots of load before the window, which opens at the next settlement
  --window       L1 slots measured, at least: the window closes at the first settlement after them
  --senders      L2 accounts sending the load (funded by the dev accounts)
  --backlog      transactions kept in the sequencer's mempool, in full L2 blocks (below 1, blocks
                 cannot fill)
  --max-rate     settled tx/s the pre-signed transactions cover (signing is kept out of the run)
  --baseline-runs  stock ethereumjs replays of the chain; the median replay is reported
  --verbose      print every node log line
  --quick        a check that everything works: eth and erc20, 1.5 s slots, warm-up 1, window 2,
                 100 senders, a backlog of a quarter block, 1 baseline run (options after it
                 override it)`;

export function parseArgs(args: string[]): Options {
  const options: Options = {
    slotMs: 4000,
    blocksPerSlot: 2,
    warmupSlots: 1,
    windowSlots: 3,
    senders: 250,
    backlogBlocks: 1.5,
    maxRate: 60,
    baselineRuns: 3,
    configs: ["eth", "erc20"],
    verbose: false,
  };
  const number = (name: string, value: string | undefined, min: number, integer = true) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      throw new UsageError(
        `${name} needs ${integer ? "an integer" : "a number"} ≥ ${min}\n${BENCH_E2E_USAGE}`,
      );
    }
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = args[i + 1];
    switch (arg) {
      case "--quick":
        Object.assign(options, {
          slotMs: 1500,
          baselineRuns: 1,
          warmupSlots: 1,
          windowSlots: 2,
          senders: 100,
          backlogBlocks: 0.25,
          configs: ["eth", "erc20"],
        });
        continue;
      case "--verbose":
        options.verbose = true;
        continue;
      case "e2e":
        continue;
      case "--configs": {
        const configs = (value ?? "").split(",");
        if (configs.some((c) => c !== "eth" && c !== "erc20" && c !== "blobs")) {
          throw new UsageError(`--configs takes eth, erc20 and blobs, e.g. eth,erc20\n${BENCH_E2E_USAGE}`);
        }
        options.configs = configs as ConfigName[];
        break;
      }
      case "--slot-time":
        options.slotMs = Math.round(number(arg, value, 0.5, false) * 1000);
        break;
      case "--blocks-per-slot":
        options.blocksPerSlot = number(arg, value, 1);
        break;
      case "--warmup":
        options.warmupSlots = number(arg, value, 0);
        break;
      case "--window":
        options.windowSlots = number(arg, value, 1);
        break;
      case "--senders":
        options.senders = number(arg, value, 2);
        break;
      case "--backlog":
        options.backlogBlocks = number(arg, value, 0.01, false);
        break;
      case "--max-rate":
        options.maxRate = number(arg, value, 1);
        break;
      case "--baseline-runs":
        options.baselineRuns = number(arg, value, 1);
        break;
      case "--json":
        if (value === undefined) throw new UsageError(`--json needs a file name\n${BENCH_E2E_USAGE}`);
        options.json = value;
        break;
      default:
        throw new UsageError(`unknown argument ${arg}\n${BENCH_E2E_USAGE}`);
    }
    i++;
  }
  return options;
}
