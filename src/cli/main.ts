/**
 * `nrx`: the project's command line.
 */
import { readFileSync } from "node:fs";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { decodeStatelessInput, StatelessInputDecodeError } from "../stateless/ssz.ts";
import { describeVerification, verifyStatelessNewPayload } from "../stateless/verify.ts";
import { NrxError, UsageError } from "../util/errors.ts";

const USAGE = `nrx <command> [options]

commands:
  devnet [options]          L1 + one native rollup + its sequencer and a follower (npm start); nrx devnet --help
  l1 [options]              run the L1 devnet node (EXECUTE at 0x0101, JSON-RPC on :8545); nrx l1 --help
  l2 --rollup FILE          run an L2 node of a deployed rollup, sequencer or follower; nrx l2 --help
  deploy-rollup --chain-id ID   deploy another native rollup on a running L1; nrx deploy-rollup --help
  claim-withdrawal --tx HASH    pay an L2 withdrawal on L1 once settled, with its storage proof
  l2-block [--out FILE]     write a valid L2 block as EXECUTE input (hex), to try EXECUTE on the devnet
  demo [--slot-ms MS]       the native rollup end to end on its own devnet, through JSON-RPC (npm run demo):
                            deposit, L2 use, withdrawal, forced inclusion, governance, an invalid block
  demo stateless            build a block of ETH and ERC-20 transfers, witness it, verify it statelessly
  verify FILE [--l2]        verify a schema-prefixed StatelessInput (binary file, or 0x-hex text)
  conformance [DIR...]      run EEST blockchain tests through the stateless path
                            (default: ../shared/fixtures prague, osaka and zkevm folders)
      --filter TEXT         only fixture files whose path contains TEXT
  bench stateless           stateless verification benchmark against stateful ethereumjs
  bench l1 [--quick]        L1 blocks filling EXECUTE_CUMULATIVE_GAS_LIMIT: produce/verify time vs stock ethereumjs
  bench e2e [--quick]       L2 tx/s settled on L1 and settlement latency through the whole devnet, vs stock ethereumjs
  fuzz [--iterations N] [--seed S]   mutation fuzzing of the stateless verifier
  sim --config FILE [--slots N] [--seed S] [--out DIR] [--sweep K=V,..]   prover-market simulator; nrx sim --help
  help                      this text`;

const VERIFY_USAGE = "usage: nrx verify FILE [--l2]   (a schema-prefixed StatelessInput, binary or 0x-hex)";
const CONFORMANCE_USAGE = `usage: nrx conformance [DIR...] [--filter TEXT]
  runs the EEST blockchain tests in DIR (default: ../shared/fixtures prague, osaka and zkevm
  folders) through the stateless path; --filter keeps the fixture files whose path contains TEXT`;
const FUZZ_USAGE =
  "usage: nrx fuzz [--iterations N=100000] [--seed S]   mutation fuzzing of the stateless verifier";
const DEMO_USAGE = `usage: nrx demo [--slot-ms MS]   the native rollup end to end on its own devnet (MS: 200 to 60000, default 500)
       nrx demo stateless [--eth N=50] [--erc20 N=50] [--accounts N=1000]`;
const BENCH_USAGE =
  "usage: nrx bench stateless|l1|e2e [options] [--json FILE]   (nrx bench e2e --help for one's options)";

/** What `nrx <command> --help` prints; loaded on demand, as the commands are. */
async function usageOf(command: string, args: string[]): Promise<string | undefined> {
  switch (command) {
    case "l1":
      return (await import("./l1.ts")).L1_USAGE;
    case "devnet":
      return (await import("./devnet.ts")).DEVNET_USAGE;
    case "l2":
      return (await import("./l2.ts")).L2_USAGE;
    case "deploy-rollup":
      return (await import("./deploy-rollup.ts")).DEPLOY_ROLLUP_USAGE;
    case "claim-withdrawal":
      return (await import("./claim-withdrawal.ts")).CLAIM_WITHDRAWAL_USAGE;
    case "l2-block":
      return (await import("./l2-block.ts")).L2_BLOCK_USAGE;
    case "sim":
      return (await import("./sim.ts")).SIM_USAGE;
    case "demo":
      return args[0] === "stateless" ? (await import("./demo.ts")).DEMO_STATELESS_USAGE : DEMO_USAGE;
    case "bench":
      if (args[0] === "stateless") return (await import("../bench/stateless.ts")).BENCH_STATELESS_USAGE;
      if (args[0] === "l1") return (await import("../bench/l1.ts")).BENCH_L1_USAGE;
      if (args[0] === "e2e") return (await import("../bench/e2e-options.ts")).BENCH_E2E_USAGE;
      return BENCH_USAGE;
    case "verify":
      return VERIFY_USAGE;
    case "conformance":
      return CONFORMANCE_USAGE;
    case "fuzz":
      return FUZZ_USAGE;
    default:
      return undefined;
  }
}

function readInputFile(path: string): Uint8Array {
  const raw = readFileSync(path);
  const text = raw.toString("utf8").trim();
  return /^0x[0-9a-fA-F]*$/.test(text) ? hexToBytes(text as `0x${string}`) : new Uint8Array(raw);
}

async function verifyCommand(args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith("--"));
  if (file === undefined) {
    throw new UsageError(VERIFY_USAGE);
  }
  try {
    const input = decodeStatelessInput(readInputFile(file));
    const l2 = args.includes("--l2");
    const result = await verifyStatelessNewPayload(input, { l2Constraints: l2, rejectUnusedWitness: l2 });
    console.log(
      `fork ${input.fork}, chain ${input.chainConfig.chainId}, request root ${bytesToHex(result.newPayloadRequestRoot)}`,
    );
    console.log(describeVerification(result));
    return result.successfulValidation ? 0 : 1;
  } catch (err) {
    if (err instanceof StatelessInputDecodeError) {
      console.error(`undecodable input (${err.reason}): ${err.message}`);
      return 1;
    }
    throw err;
  }
}

async function fuzzCommand(args: string[]): Promise<number> {
  const { fuzzStatelessVerifier } = await import("../stateless/fuzz.ts");
  const value = (flag: string, fallback: number) => {
    const i = args.indexOf(flag);
    const n = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isSafeInteger(n) || n < 0)
      throw new UsageError(`${flag} takes a whole number\n${FUZZ_USAGE}`);
    return n;
  };
  const iterations = value("--iterations", 100_000);
  const report = await fuzzStatelessVerifier({
    iterations,
    seed: value("--seed", Date.now() % 2 ** 31),
    onProgress: (done) => process.stderr.write(`\r  ${done}/${iterations} mutants`),
  });
  process.stderr.write("\n");
  console.log(report);
  return report.crashes.length === 0 && report.falseAccepts.length === 0 ? 0 : 1;
}

/**
 * Runs `nrx <command>`: `--help` on any command prints its usage and runs nothing; wrong
 * arguments print the usage (exit 2); an expected failure, an error this project names, prints
 * one line (exit 1). Only a bug shows a stack trace.
 */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command !== undefined && (args.includes("--help") || args.includes("-h"))) {
    const usage = await usageOf(command, args);
    if (usage !== undefined) {
      console.log(usage);
      return 0;
    }
  }
  try {
    return await run(command, args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.message);
      return 2;
    }
    if (err instanceof NrxError) {
      console.error(`nrx ${command}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

async function run(command: string | undefined, args: string[]): Promise<number> {
  switch (command) {
    case "l1": {
      const { runL1 } = await import("./l1.ts");
      return runL1(args);
    }
    case "devnet": {
      const { runDevnet } = await import("./devnet.ts");
      return runDevnet(args);
    }
    case "l2": {
      const { runL2 } = await import("./l2.ts");
      return runL2(args);
    }
    case "deploy-rollup": {
      const { runDeployRollup } = await import("./deploy-rollup.ts");
      return runDeployRollup(args);
    }
    case "claim-withdrawal": {
      const { runClaimWithdrawal } = await import("./claim-withdrawal.ts");
      return runClaimWithdrawal(args);
    }
    case "l2-block": {
      const { runL2Block } = await import("./l2-block.ts");
      return runL2Block(args);
    }
    case "demo": {
      if (args[0] === "stateless") {
        const { runDemo } = await import("./demo.ts");
        await runDemo(args.slice(1));
        return 0;
      }
      const { runRollupDemoCommand } = await import("./rollup-demo.ts");
      return runRollupDemoCommand(args);
    }
    case "verify":
      return verifyCommand(args);
    case "conformance": {
      const { runConformance } = await import("../conformance/run.ts");
      return runConformance(args);
    }
    case "bench": {
      if (args[0] === "l1") {
        const { runL1Bench } = await import("../bench/l1.ts");
        await runL1Bench(args.slice(1));
        return 0;
      }
      if (args[0] === "e2e") {
        const { runE2EBench } = await import("../bench/e2e.ts");
        await runE2EBench(args.slice(1));
        return 0;
      }
      if (args[0] !== "stateless") {
        throw new UsageError(BENCH_USAGE);
      }
      const { runStatelessBench } = await import("../bench/stateless.ts");
      await runStatelessBench(args.slice(1));
      return 0;
    }
    case "fuzz":
      return fuzzCommand(args);
    case "sim": {
      const { runSim } = await import("./sim.ts");
      return runSim(args);
    }
    case undefined:
    case "help":
    case "--help":
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command ${command}\n\n${USAGE}`);
      return 2;
  }
}
