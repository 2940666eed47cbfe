/**
 * An L2 node (docs/rollup.md, "L2 node"): the L2 chain of a rollup deployment, kept by the same
 * chain node as the L1's under the L2's rules (no `EXECUTE`, no blobs), driven by a sequencer or
 * a follower, and served over the same JSON-RPC.
 */
import { bytesToHex } from "@ethereumjs/util";
import type { Hex } from "viem";
import { ChainNode } from "../node/node.ts";
import type { RollupDeployment } from "../rollup/deployment.ts";
import { L2_RULES } from "../rollup/genesis.ts";
import { connectL1 } from "../rollup/l1-client.ts";
import { serveL2 } from "../rpc/l2.ts";
import type { RpcServer } from "../rpc/server.ts";
import { NrxError } from "../util/errors.ts";
import { Follower } from "./follower.ts";
import { type Posting, Sequencer } from "./sequencer.ts";

export type L2Role = "sequencer" | "follower";

export type L2NodeOptions = {
  deployment: RollupDeployment;
  role: L2Role;
  /** The L1's JSON-RPC URL. */
  l1Url: string;
  /** The sequencer's key: it pays for `advance` on L1 and relays deposits on L2. */
  key?: Hex;
  /** Directory of the chain log; absent: in memory. */
  dataDir?: string;
  host?: string;
  /** JSON-RPC port (0 picks a free one). */
  port: number;
  /** The L1's slot time, from which the L2 block time follows. */
  l1SlotMs: number;
  blocksPerSlot?: number;
  posting?: Posting;
  /** Senders the sequencer refuses (to show forced inclusion). */
  refuseFrom?: string[];
  /** Admit legacy transactions without a chain id (sequencer; `--allow-unprotected-txs`). */
  allowUnprotected?: boolean;
  /** How often a follower polls L1 (default: a quarter slot). */
  pollMs?: number;
  log?: (line: string) => void;
};

export type RunningL2 = {
  node: ChainNode;
  sequencer?: Sequencer;
  follower?: Follower;
  server: RpcServer;
  close(): Promise<void>;
};

export class L2StartError extends NrxError {
  override name = "L2StartError";
}

/**
 * Opens the L2 chain of `deployment`, checks it against the L1 (chain id, genesis), starts the
 * sequencer or the follower and the JSON-RPC.
 *
 * @example
 * const l2 = await startL2Node({ deployment, role: "follower", l1Url: "http://127.0.0.1:8545", port: 9546, l1SlotMs: 12_000 });
 * // viem: createPublicClient({ transport: http(l2.server.url) })
 * await l2.close();
 */
export async function startL2Node(options: L2NodeOptions): Promise<RunningL2> {
  const { deployment, role } = options;
  if (role === "sequencer" && options.key === undefined) throw new L2StartError("a sequencer needs --key");
  const l1 = await connectL1(options.l1Url, options.key, Math.max(50, Math.floor(options.l1SlotMs / 4)));
  if (l1.chainId !== deployment.l1ChainId) {
    throw new L2StartError(
      `the L1 at ${options.l1Url} has chain id ${l1.chainId}; the rollup was deployed on ${deployment.l1ChainId}`,
    );
  }
  const code = await l1.public.getCode({ address: deployment.contracts.rollup });
  if (code === undefined || code === "0x") {
    throw new L2StartError(
      `no rollup contract at ${deployment.contracts.rollup} on the L1 at ${options.l1Url}`,
    );
  }
  let sequencer: Sequencer | undefined;
  const node = await ChainNode.open(deployment.chain, {
    rules: L2_RULES,
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    ...(options.allowUnprotected ? { allowUnprotected: true } : {}),
    ...(options.log !== undefined
      ? { log: (line: string) => options.log?.(`L2 ${deployment.chain.chainId} ${role}: ${line}`) }
      : {}),
  });
  if (bytesToHex(node.chain[0].block.hash()) !== deployment.genesisHash) {
    await node.stop();
    throw new L2StartError(
      `the deployment's chain config gives genesis ${bytesToHex(node.chain[0].block.hash())}, not ${deployment.genesisHash}`,
    );
  }
  let follower: Follower | undefined;
  const log = options.log;
  if (role === "sequencer") {
    sequencer = new Sequencer(node, {
      l1,
      key: options.key as Hex,
      deployment,
      l1SlotMs: options.l1SlotMs,
      ...(options.blocksPerSlot !== undefined ? { blocksPerSlot: options.blocksPerSlot } : {}),
      ...(options.posting !== undefined ? { posting: options.posting } : {}),
      ...(log !== undefined ? { log } : {}),
    });
  } else {
    follower = new Follower(node, {
      l1,
      deployment,
      pollMs: options.pollMs ?? Math.max(50, Math.floor(options.l1SlotMs / 4)),
      ...(log !== undefined ? { log } : {}),
    });
  }
  const driver = (sequencer ?? follower) as Sequencer | Follower;
  node.forkchoice = driver.forkchoice();
  const hex = (n: bigint) => `0x${n.toString(16)}`;
  const status = () => {
    const { state, reason, since } = driver.status;
    return {
      role,
      chainId: hex(deployment.chain.chainId),
      rollup: deployment.contracts.rollup,
      bridge: deployment.contracts.bridge,
      inbox: deployment.contracts.inbox,
      state,
      ...(reason !== undefined ? { reason } : {}),
      since: new Date(since).toISOString(),
      head: hex(node.head.header.number),
      settled: hex(driver.settled),
      finalized: hex(node.forkchoice.finalized()),
      ...(sequencer ? { anchor: bytesToHex(sequencer.anchor) } : {}),
    };
  };
  // eth_syncing: false while the node keeps up; else how far it is and why (geth's fields and ours).
  const syncing = () => {
    const { state, reason } = driver.status;
    if (state === "sequencing" || state === "following" || state === "waiting") return false;
    return {
      startingBlock: "0x0",
      currentBlock: hex(node.head.header.number),
      highestBlock: hex(driver.settled > node.head.header.number ? driver.settled : node.head.header.number),
      state,
      ...(reason !== undefined ? { reason } : {}),
    };
  };
  let server: RpcServer;
  try {
    server = await serveL2(node, {
      port: options.port,
      status,
      syncing,
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(role === "follower" ? { follower: true } : {}),
      ...(options.refuseFrom !== undefined ? { refuseFrom: options.refuseFrom } : {}),
    });
  } catch (err) {
    await node.stop();
    throw err;
  }
  try {
    await (sequencer ?? follower)?.start();
  } catch (err) {
    await server.close();
    await node.stop();
    throw err;
  }
  return {
    node,
    ...(sequencer ? { sequencer } : {}),
    ...(follower ? { follower } : {}),
    server,
    async close() {
      await (sequencer ?? follower)?.stop();
      await server.close();
      await node.stop();
    },
  };
}
