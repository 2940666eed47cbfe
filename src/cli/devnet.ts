/**
 * `nrx devnet` (`npm start`): the whole system in one process with embedded defaults: the L1
 * node, one native rollup deployed on it, the rollup's sequencer and a follower, printing the
 * endpoints, the contract addresses and the dev keys. State lives in `.nrx/` (or `--memory`); a
 * restart resumes the L1 and both L2 nodes, and redeploys only when the L1 has no rollup.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { formatEther } from "viem";
import { parseL1Config } from "../l1/config.ts";
import { L1Node } from "../l1/node.ts";
import { connectL1 } from "../l2/l1-client.ts";
import { type RunningL2, startL2Node } from "../l2/node.ts";
import type { Posting } from "../l2/sequencer.ts";
import { deployRollup } from "../rollup/deploy.ts";
import { loadDeployment, type RollupDeployment, saveDeployment } from "../rollup/deployment.ts";
import { serveL1 } from "../rpc/l1.ts";
import type { RpcServer } from "../rpc/server.ts";
import { UsageError } from "./l1.ts";

export const DEVNET_USAGE = `nrx devnet [options]      (npm start)

  --slot-time SECONDS    L1 slot time (default 12)
  --blocks-per-slot N    L2 blocks per L1 slot (default 2)
  --posting MODE         how the sequencer posts blocks: calldata (default) or blobs
  --chain-id ID          the rollup's L2 chain id (default 901)
  --port PORT            L1 JSON-RPC port (default 8545); the sequencer gets PORT+1000, the follower PORT+1001
  --data-dir DIR         where the chains live (default .nrx)
  --memory               keep everything in memory
  --quiet                no per-block log lines`;

export type DevnetOptions = {
  /** Absent: in memory. */
  dataDir?: string;
  l1SlotMs: number;
  blocksPerSlot?: number;
  posting?: Posting;
  chainId?: bigint;
  /** L1 JSON-RPC port; 0 picks free ports for all three nodes. */
  port: number;
  /** Deployment parameters (short delays for demos and tests). */
  forcedInclusionDelay?: bigint;
  timelockDelay?: bigint;
  /** Senders the sequencer refuses (to show forced inclusion). */
  refuseFrom?: string[];
  log?: (line: string) => void;
};

export type Devnet = {
  l1: L1Node;
  l1Server: RpcServer;
  deployment: RollupDeployment;
  sequencer: RunningL2;
  follower: RunningL2;
  close(): Promise<void>;
};

/** The dev account that deploys rollups (and is the timelock's admin and the fee treasury). */
export const DEPLOYER_ACCOUNT = 0;
/** The dev account the sequencer posts and relays with: the last, to leave the others to users. */
export const SEQUENCER_ACCOUNT = 9;

/**
 * Starts the L1, deploys the rollup (unless the data directory has one the L1 knows), and starts
 * the sequencer and the follower.
 *
 * @example
 * const devnet = await startDevnet({ l1SlotMs: 500, port: 0 });
 * devnet.sequencer.server.url; // the L2 JSON-RPC
 * await devnet.close();
 */
export async function startDevnet(options: DevnetOptions): Promise<Devnet> {
  const log = options.log;
  const config = parseL1Config({ slotTimeMs: options.l1SlotMs, rpc: { port: options.port } });
  if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
  const dir = (name: string) => (options.dataDir !== undefined ? join(options.dataDir, name) : undefined);
  const l1DataDir = dir("l1");
  const l1 = await L1Node.open(config, {
    ...(l1DataDir !== undefined ? { dataDir: l1DataDir } : {}),
    ...(log !== undefined ? { log: (line) => log(`L1: ${line}`) } : {}),
  });
  const l1Server = await serveL1(l1, { port: options.port, host: config.rpc.host });
  l1.startSlots();
  const closers: (() => Promise<void>)[] = [
    async () => {
      await l1Server.close();
      await l1.stop();
    },
  ];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    const chainId = options.chainId ?? 901n;
    const deploymentFile = dir(`rollup-${chainId}.json`);
    const client = await connectL1(
      l1Server.url,
      l1.devAccounts[DEPLOYER_ACCOUNT].privateKey,
      pollInterval(options),
    );
    let deployment: RollupDeployment | undefined;
    if (deploymentFile !== undefined && existsSync(deploymentFile)) {
      deployment = loadDeployment(deploymentFile);
      const code = await client.public.getCode({ address: deployment.contracts.rollup });
      if (code === undefined || code === "0x") deployment = undefined;
      else log?.(`rollup ${chainId}: resuming the deployment in ${deploymentFile}`);
    }
    if (deployment === undefined) {
      // The L2 chains kept from a deployment this L1 does not have belong to no rollup now.
      const stale = dir(`l2-${chainId}`);
      if (stale !== undefined && existsSync(stale)) {
        log?.(`rollup ${chainId}: the L1 has no rollup of ${stale}; removing it and deploying anew`);
        rmSync(stale, { recursive: true, force: true });
      }
      deployment = await deployRollup(client, {
        chainId,
        ...(options.forcedInclusionDelay !== undefined
          ? { forcedInclusionDelay: options.forcedInclusionDelay }
          : {}),
        ...(options.timelockDelay !== undefined ? { timelockDelay: options.timelockDelay } : {}),
        ...(log !== undefined ? { log } : {}),
      });
      if (deploymentFile !== undefined) saveDeployment(deploymentFile, deployment);
    }
    const common = {
      deployment,
      l1Url: l1Server.url,
      l1SlotMs: options.l1SlotMs,
      host: config.rpc.host,
      pollMs: pollInterval(options),
      ...(log !== undefined ? { log } : {}),
    };
    const sequencerDataDir = dir(`l2-${chainId}/sequencer`);
    const sequencer = await startL2Node({
      ...common,
      role: "sequencer",
      key: l1.devAccounts[SEQUENCER_ACCOUNT].privateKey,
      port: options.port === 0 ? 0 : options.port + 1000,
      ...(sequencerDataDir !== undefined ? { dataDir: sequencerDataDir } : {}),
      ...(options.blocksPerSlot !== undefined ? { blocksPerSlot: options.blocksPerSlot } : {}),
      ...(options.posting !== undefined ? { posting: options.posting } : {}),
      ...(options.refuseFrom !== undefined ? { refuseFrom: options.refuseFrom } : {}),
    });
    closers.push(() => sequencer.close());
    const followerDataDir = dir(`l2-${chainId}/follower`);
    const follower = await startL2Node({
      ...common,
      role: "follower",
      port: options.port === 0 ? 0 : options.port + 1001,
      ...(followerDataDir !== undefined ? { dataDir: followerDataDir } : {}),
    });
    closers.push(() => follower.close());
    return { l1, l1Server, deployment, sequencer, follower, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function pollInterval(options: DevnetOptions): number {
  return Math.max(50, Math.floor(options.l1SlotMs / 4));
}

function banner(devnet: Devnet, dataDir: string | undefined): string {
  const { l1, deployment, sequencer, follower } = devnet;
  const c = deployment.contracts;
  const accounts = l1.devAccounts;
  return [
    "nrx devnet: an L1 with EXECUTE and one native rollup",
    "",
    `L1          ${devnet.l1Server.url}  (chain ${l1.config.chainId}, ${l1.config.slotTimeMs / 1000} s slots)`,
    `L2 sequencer ${sequencer.server.url}  (chain ${deployment.chain.chainId}; send L2 transactions here)`,
    `L2 follower  ${follower.server.url}  (rebuilds the L2 from L1 alone; read-only)`,
    "",
    "Contracts on L1",
    `  NativeRollup          ${c.rollup}`,
    `  L1Bridge              ${c.bridge}   deposit(to, data) payable; claimWithdrawal(...)`,
    `  ForcedInclusionInbox  ${c.inbox}`,
    `  Timelock (governance) ${c.timelock}`,
    `  BasedSequencing       ${c.sequencing}`,
    "On L2",
    "  L2Bridge predeploy    0x00000000000000000000000000000000000b71d9   withdraw(to) payable",
    "",
    `Dev accounts (same keys on both chains; ${formatEther(l1.config.devAccounts.balance)} ETH on L1, ${formatEther(deployment.chain.devAccounts.balance)} ETH on L2)`,
    ...accounts.map(
      (a, i) =>
        `(${i}) ${a.address} ${a.privateKey}${i === DEPLOYER_ACCOUNT ? "  deployer, timelock admin" : ""}${i === SEQUENCER_ACCOUNT ? "  sequencer" : ""}`,
    ),
    "",
    `Mnemonic: ${l1.config.devAccounts.mnemonic}`,
    `Chain data: ${dataDir ?? "in memory"}`,
  ].join("\n");
}

/** Parses `nrx devnet`'s arguments. */
export function parseDevnetArgs(args: string[]): DevnetOptions & { quiet: boolean } {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      options: {
        "slot-time": { type: "string" },
        "blocks-per-slot": { type: "string" },
        posting: { type: "string" },
        "chain-id": { type: "string" },
        port: { type: "string" },
        "data-dir": { type: "string" },
        memory: { type: "boolean" },
        quiet: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const number = (flag: string, fallback: number, min: number, max: number) => {
    const raw = values[flag];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (typeof raw !== "string" || !Number.isFinite(n) || n < min || n > max) {
      throw new UsageError(`--${flag}: expected a number from ${min} to ${max}, got ${raw}`);
    }
    return n;
  };
  const posting = values.posting ?? "calldata";
  if (posting !== "calldata" && posting !== "blobs") {
    throw new UsageError(`--posting: expected calldata or blobs, got ${posting}`);
  }
  if (values.memory && values["data-dir"] !== undefined) {
    throw new UsageError("--memory and --data-dir exclude each other");
  }
  const port = number("port", 8545, 0, 64534);
  if (!Number.isInteger(port)) throw new UsageError(`--port: not a port: ${values.port}`);
  const chainId = number("chain-id", 901, 1, Number.MAX_SAFE_INTEGER);
  if (!Number.isInteger(chainId)) throw new UsageError(`--chain-id: not an integer: ${values["chain-id"]}`);
  return {
    l1SlotMs: Math.round(number("slot-time", 12, 0.2, 3600) * 1000),
    blocksPerSlot: Math.floor(number("blocks-per-slot", 2, 1, 12)),
    posting,
    chainId: BigInt(chainId),
    port,
    ...(values.memory ? {} : { dataDir: (values["data-dir"] as string | undefined) ?? ".nrx" }),
    quiet: values.quiet === true,
  };
}

/** Runs the devnet until SIGINT or SIGTERM. */
export async function runDevnet(args: string[]): Promise<number> {
  let options: ReturnType<typeof parseDevnetArgs>;
  try {
    options = parseDevnetArgs(args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${DEVNET_USAGE}`);
      return 2;
    }
    throw err;
  }
  const stamp = () => new Date().toISOString().slice(11, 23);
  const log = (line: string) => {
    if (!options.quiet || !/: block \d+ /.test(line)) console.log(`[${stamp()}] ${line}`);
  };
  process.on("unhandledRejection", (err) => log(`internal error: ${(err as Error)?.stack ?? String(err)}`));
  let devnet: Devnet;
  try {
    devnet = await startDevnet({ ...options, log });
  } catch (err) {
    console.error(`devnet: ${(err as Error).message}`);
    return 1;
  }
  console.log(banner(devnet, options.dataDir));
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  log("stopping");
  await devnet.close();
  return 0;
}
