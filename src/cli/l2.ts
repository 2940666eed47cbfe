/**
 * `nrx l2`: run an L2 node of a deployed rollup, as its sequencer or as a follower, with the
 * same JSON-RPC as the L1 node.
 */
import { parseArgs } from "node:util";
import type { Hex } from "viem";
import { startL2Node } from "../l2/node.ts";
import { DeploymentFileError, loadDeployment } from "../rollup/deployment.ts";
import { UsageError } from "../util/errors.ts";

export const L2_USAGE = `nrx l2 --rollup FILE [options]

  --rollup FILE          the deployment (written by nrx deploy-rollup or nrx devnet)
  --role ROLE            sequencer or follower (default follower)
  --l1 URL               the L1's JSON-RPC (default http://127.0.0.1:8545)
  --key HEX              the sequencer's key: pays for advance on L1 and relays deposits on L2
  --l1-slot-time SECONDS the L1's slot time (default 12)
  --blocks-per-slot N    L2 blocks per L1 slot (sequencer; default 2)
  --posting MODE         calldata (default) or blobs (sequencer)
  --refuse ADDRESS       refuse this sender's transactions (sequencer; repeatable; to show forced inclusion)
  --host HOST            JSON-RPC host (default 127.0.0.1)
  --port PORT            JSON-RPC port (default 9545)
  --data-dir DIR         the chain log (default .nrx/l2-<chain id>/<role>)
  --memory               keep the chain in memory
  --allow-unprotected-txs  take legacy transactions signed without a chain id (sequencer)`;

/** Runs an L2 node until SIGINT or SIGTERM. */
export async function runL2(args: string[]): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args,
      options: {
        rollup: { type: "string" },
        role: { type: "string" },
        l1: { type: "string" },
        key: { type: "string" },
        "l1-slot-time": { type: "string" },
        "blocks-per-slot": { type: "string" },
        posting: { type: "string" },
        refuse: { type: "string", multiple: true },
        host: { type: "string" },
        port: { type: "string" },
        "data-dir": { type: "string" },
        memory: { type: "boolean" },
        "allow-unprotected-txs": { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
    if (typeof values.rollup !== "string") throw new UsageError("--rollup FILE is required");
    const role = values.role ?? "follower";
    if (role !== "sequencer" && role !== "follower")
      throw new UsageError(`--role: sequencer or follower, got ${role}`);
    const key = values.key as string | undefined;
    if (key !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(key))
      throw new UsageError("--key: expected 0x and 64 hex digits");
    if (role === "sequencer" && key === undefined) throw new UsageError("a sequencer needs --key");
    const posting = values.posting ?? "calldata";
    if (posting !== "calldata" && posting !== "blobs")
      throw new UsageError(`--posting: calldata or blobs, got ${posting}`);
    const seconds = Number(values["l1-slot-time"] ?? 12);
    if (!Number.isFinite(seconds) || seconds < 0.05)
      throw new UsageError(`--l1-slot-time: not a slot time: ${values["l1-slot-time"]}`);
    const blocksPerSlot = Number(values["blocks-per-slot"] ?? 2);
    if (!Number.isInteger(blocksPerSlot) || blocksPerSlot < 1)
      throw new UsageError("--blocks-per-slot: expected a positive integer");
    const port = /^[0-9]+$/.test(String(values.port ?? "9545")) ? Number(values.port ?? 9545) : Number.NaN;
    if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port: not a port: ${values.port}`);
    if (values.memory && values["data-dir"] !== undefined)
      throw new UsageError("--memory and --data-dir exclude each other");
    const deployment = loadDeployment(values.rollup);
    const dataDir = values.memory
      ? undefined
      : ((values["data-dir"] as string | undefined) ?? `.nrx/l2-${deployment.chain.chainId}/${role}`);
    const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${line}`);
    process.on("unhandledRejection", (err) => log(`internal error: ${(err as Error)?.stack ?? String(err)}`));
    const l2 = await startL2Node({
      deployment,
      role,
      l1Url: (values.l1 as string | undefined) ?? "http://127.0.0.1:8545",
      ...(key !== undefined ? { key: key as Hex } : {}),
      port,
      ...(typeof values.host === "string" ? { host: values.host } : {}),
      l1SlotMs: Math.round(seconds * 1000),
      blocksPerSlot,
      posting,
      ...(values.refuse !== undefined ? { refuseFrom: values.refuse as string[] } : {}),
      ...(dataDir !== undefined ? { dataDir } : {}),
      ...(values["allow-unprotected-txs"] === true ? { allowUnprotected: true } : {}),
      log,
    });
    console.log(
      `nrx L2 ${role} of rollup ${deployment.contracts.rollup} (chain ${deployment.chain.chainId}), head ${l2.node.head.header.number}\nListening on ${l2.server.url} and ${l2.server.wsUrl}`,
    );
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    await l2.close();
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${L2_USAGE}`);
      return 2;
    }
    if (err instanceof DeploymentFileError || (err as Error).name.endsWith("Error")) {
      console.error(`nrx l2: ${(err as Error).message}`);
      return 1;
    }
    throw err;
  }
}
