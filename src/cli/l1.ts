/**
 * `nrx l1`: run the L1 devnet node with its JSON-RPC, printing what a developer needs to
 * connect (endpoints, chain id, dev accounts and keys, EXECUTE parameters), as anvil does.
 */
import { parseArgs } from "node:util";
import { formatEther } from "viem";
import { EXECUTE_ADDRESS } from "../execute/result.ts";
import { ConfigError, type L1Config, loadL1Config, parseL1Config } from "../l1/config.ts";
import { type L1Node, openL1Node } from "../l1/node.ts";
import { startSlots } from "../l1/slots.ts";
import { DevChain } from "../node/dev.ts";
import { NodeError } from "../node/node.ts";
import { serveL1 } from "../rpc/l1.ts";
import { UsageError } from "../util/errors.ts";

export const L1_USAGE = `nrx l1 [options]

  --config FILE        chain config (JSON); every field is optional, defaults are built in
  --slot-time SECONDS  block time (default 12; fractions allowed, e.g. 0.5)
  --host HOST          JSON-RPC host (default 127.0.0.1)
  --port PORT          JSON-RPC port, HTTP and WebSocket (default 8545; 0 picks a free one)
  --data-dir DIR       where the chain log lives (default .nrx/l1)
  --memory             keep everything in memory (nothing survives a restart)
  --automine           also mine a block for every transaction received
  --allow-unprotected-txs  take legacy transactions signed without a chain id (they replay on any chain)
  --quiet              no per-block log lines`;

export type L1Options = {
  config: L1Config;
  dataDir?: string;
  automine: boolean;
  allowUnprotected: boolean;
  quiet: boolean;
};

/** Parses `nrx l1`'s arguments into a config (flags override the config file). */
export function parseL1Args(args: string[]): L1Options {
  let values: ReturnType<typeof parse>["values"];
  const parse = (a: string[]) =>
    parseArgs({
      args: a,
      options: {
        config: { type: "string" },
        "slot-time": { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        "data-dir": { type: "string" },
        memory: { type: "boolean" },
        automine: { type: "boolean" },
        "allow-unprotected-txs": { type: "boolean" },
        quiet: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    });
  try {
    values = parse(args).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const base = values.config !== undefined ? loadL1Config(values.config) : parseL1Config();
  const rpc = { ...base.rpc };
  if (values.host !== undefined) rpc.host = values.host;
  if (values.port !== undefined) {
    // Digits only: `Number` would read "" as 0 (a random port) and "0x10" as 16.
    const port = /^[0-9]+$/.test(values.port) ? Number(values.port) : Number.NaN;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port: not a port: ${values.port}`);
    rpc.port = port;
  }
  let slotTimeMs = base.slotTimeMs;
  if (values["slot-time"] !== undefined) {
    const seconds = Number(values["slot-time"]);
    if (!Number.isFinite(seconds) || seconds < 0.05 || seconds > 3600) {
      throw new UsageError(`--slot-time: expected seconds between 0.05 and 3600, got ${values["slot-time"]}`);
    }
    slotTimeMs = Math.round(seconds * 1000);
  }
  if (values.memory && values["data-dir"] !== undefined)
    throw new UsageError("--memory and --data-dir exclude each other");
  return {
    config: { ...base, rpc, slotTimeMs },
    ...(values.memory ? {} : { dataDir: values["data-dir"] ?? ".nrx/l1" }),
    automine: values.automine === true,
    allowUnprotected: values["allow-unprotected-txs"] === true,
    quiet: values.quiet === true,
  };
}

function banner(node: L1Node, urls: { url: string; wsUrl: string }, dataDir: string | undefined): string {
  const { config } = node;
  const lines = [
    "nrx L1 devnet (Osaka rules + EXECUTE)",
    "",
    "Available accounts",
    "==================",
    ...node.devAccounts.map((a, i) => `(${i}) ${a.address} (${formatEther(config.devAccounts.balance)} ETH)`),
    "",
    "Private keys",
    "==================",
    ...node.devAccounts.map((a, i) => `(${i}) ${a.privateKey}`),
    "",
    `Mnemonic:          ${config.devAccounts.mnemonic}`,
    `Chain id:          ${config.chainId}`,
    `Slot time:         ${config.slotTimeMs / 1000} s`,
    `Block gas limit:   ${config.gasLimit}`,
    `EXECUTE:           ${EXECUTE_ADDRESS}  cost ${config.execute.gasCost} gas + ${config.execute.gasPerInputByte} gas/byte`,
    `Execute gas:       limit ${config.execute.cumulativeGasLimit}, target ${config.execute.cumulativeGasTarget} per block`,
    `Chain data:        ${dataDir ?? "in memory"}`,
    `Head:              block ${node.head.header.number}`,
    "",
    `Listening on ${urls.url} and ${urls.wsUrl}`,
  ];
  return lines.join("\n");
}

/** Runs the node until SIGINT or SIGTERM. */
export async function runL1(args: string[]): Promise<number> {
  let options: L1Options;
  try {
    options = parseL1Args(args);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      console.error(`${err.message}\n\n${L1_USAGE}`);
      return 2;
    }
    throw err;
  }
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${line}`);
  let node: L1Node;
  try {
    node = await openL1Node(options.config, {
      ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
      allowUnprotected: options.allowUnprotected,
      log: options.quiet ? () => {} : log,
    });
  } catch (err) {
    if (err instanceof NodeError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  // A bug that escapes as an unhandled rejection is logged, not allowed to take the node down.
  process.on("unhandledRejection", (err) => log(`internal error: ${(err as Error)?.stack ?? String(err)}`));
  const dev = new DevChain(node);
  dev.automine = options.automine;
  let server: Awaited<ReturnType<typeof serveL1>>;
  try {
    server = await serveL1(node, { ...options.config.rpc, dev });
  } catch (err) {
    await node.stop(); // the chain log stays as it was; `main` prints the one line
    throw err;
  }
  console.log(banner(node, server, options.dataDir));
  const slots = startSlots(
    options.config.slotTimeMs,
    () => dev.produceBlock(),
    options.quiet ? () => {} : log,
  );
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log(`${signal}: stopping`);
      resolve();
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
  });
  slots.stop();
  await server.close();
  await node.stop();
  return 0;
}
