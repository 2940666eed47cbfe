/**
 * `nrx`: the project's command line.
 */
import { readFileSync } from "node:fs";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { decodeStatelessInput, StatelessInputDecodeError } from "../stateless/ssz.ts";
import { describeVerification, verifyStatelessNewPayload } from "../stateless/verify.ts";

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

function readInputFile(path: string): Uint8Array {
  const raw = readFileSync(path);
  const text = raw.toString("utf8").trim();
  return /^0x[0-9a-fA-F]*$/.test(text) ? hexToBytes(text as `0x${string}`) : new Uint8Array(raw);
}

async function verifyCommand(args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith("--"));
  if (file === undefined) {
    console.error("usage: nrx verify FILE [--l2]");
    return 2;
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
    return i >= 0 ? Number(args[i + 1]) : fallback;
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

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case "l1": {
      const { runL1, L1_USAGE } = await import("./l1.ts");
      if (args.includes("--help") || args.includes("-h")) {
        console.log(L1_USAGE);
        return 0;
      }
      return runL1(args);
    }
    case "devnet": {
      const { runDevnet, DEVNET_USAGE } = await import("./devnet.ts");
      if (args.includes("--help") || args.includes("-h")) {
        console.log(DEVNET_USAGE);
        return 0;
      }
      return runDevnet(args);
    }
    case "l2": {
      const { runL2, L2_USAGE } = await import("./l2.ts");
      if (args.includes("--help") || args.includes("-h")) {
        console.log(L2_USAGE);
        return 0;
      }
      return runL2(args);
    }
    case "deploy-rollup": {
      const { runDeployRollup, DEPLOY_ROLLUP_USAGE } = await import("./deploy-rollup.ts");
      if (args.includes("--help") || args.includes("-h")) {
        console.log(DEPLOY_ROLLUP_USAGE);
        return 0;
      }
      return runDeployRollup(args);
    }
    case "claim-withdrawal": {
      const { runClaimWithdrawal, CLAIM_WITHDRAWAL_USAGE } = await import("./claim-withdrawal.ts");
      if (args.includes("--help") || args.includes("-h")) {
        console.log(CLAIM_WITHDRAWAL_USAGE);
        return 0;
      }
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
        console.error("usage: nrx bench stateless|l1|e2e [--json FILE]");
        return 2;
      }
      const { runStatelessBench } = await import("../bench/stateless.ts");
      await runStatelessBench(args.slice(1));
      return 0;
    }
    case "fuzz":
      return fuzzCommand(args);
    case "sim": {
      const { runSim, SIM_USAGE } = await import("./sim.ts");
      if (args.includes("--help") || args.includes("-h")) {
        console.log(SIM_USAGE);
        return 0;
      }
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
