/**
 * The devnet as a library (`startDevnet`): the L1 node with its slot clock and JSON-RPC, one
 * native rollup deployed on it (or resumed from the data directory), and the rollup's sequencer
 * and follower. `nrx devnet` runs it; the end-to-end benchmark and the tests start it too.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseL1Config } from "../l1/config.ts";
import { type L1Node, openL1Node } from "../l1/node.ts";
import { startSlots } from "../l1/slots.ts";
import { type RunningL2, startL2Node } from "../l2/node.ts";
import type { Posting } from "../l2/sequencer.ts";
import { DevChain } from "../node/dev.ts";
import { deployRollup } from "../rollup/deploy.ts";
import { loadDeployment, type RollupDeployment, saveDeployment } from "../rollup/deployment.ts";
import { connectL1 } from "../rollup/l1-client.ts";
import { serveL1 } from "../rpc/l1.ts";
import type { RpcServer } from "../rpc/server.ts";

export type DevnetOptions = {
  /** Absent: in memory. */
  dataDir?: string;
  l1SlotMs: number;
  /** Blocks per epoch of the L1's finality rule (default 32, as mainnet's slots per epoch). */
  epochBlocks?: number;
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
  /** Admit legacy transactions without a chain id on L1 and L2 (`--allow-unprotected-txs`). */
  allowUnprotected?: boolean;
  log?: (line: string) => void;
};

export type Devnet = {
  l1: L1Node;
  /** The L1's dev controls, which its slot clock and JSON-RPC share. */
  dev: DevChain;
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
  const config = parseL1Config({
    slotTimeMs: options.l1SlotMs,
    ...(options.epochBlocks !== undefined ? { epochBlocks: options.epochBlocks } : {}),
    rpc: { port: options.port },
  });
  if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
  const dir = (name: string) => (options.dataDir !== undefined ? join(options.dataDir, name) : undefined);
  const l1DataDir = dir("l1");
  const l1Log = log !== undefined ? (line: string) => log(`L1: ${line}`) : undefined;
  const l1 = await openL1Node(config, {
    ...(l1DataDir !== undefined ? { dataDir: l1DataDir } : {}),
    ...(l1Log !== undefined ? { log: l1Log } : {}),
    ...(options.allowUnprotected ? { allowUnprotected: true } : {}),
  });
  const dev = new DevChain(l1);
  const l1Server = await serveL1(l1, { port: options.port, host: config.rpc.host, dev });
  const slots = startSlots(config.slotTimeMs, () => dev.produceBlock(), l1Log);
  const closers: (() => Promise<void>)[] = [
    async () => {
      slots.stop();
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
      ...(options.allowUnprotected ? { allowUnprotected: true } : {}),
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
    return { l1, dev, l1Server, deployment, sequencer, follower, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function pollInterval(options: DevnetOptions): number {
  return Math.max(50, Math.floor(options.l1SlotMs / 4));
}
