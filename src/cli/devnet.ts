/**
 * `nrx devnet` (`npm start`): the whole system in one process with embedded defaults: the L1
 * node, one native rollup deployed on it, the rollup's sequencer and a follower, printing the
 * endpoints, the contract addresses and the dev keys. State lives in `.nrx/` (or `--memory`); a
 * restart resumes the L1 and both L2 nodes, and redeploys only when the L1 has no rollup.
 */
import { parseArgs } from "node:util";
import { formatEther } from "viem";
import {
  DEPLOYER_ACCOUNT,
  type Devnet,
  type DevnetOptions,
  SEQUENCER_ACCOUNT,
  startDevnet,
} from "../devnet/devnet.ts";
import { UsageError } from "../util/errors.ts";

export const DEVNET_USAGE = `nrx devnet [options]      (npm start)

  --slot-time SECONDS    L1 slot time (default 12)
  --blocks-per-slot N    L2 blocks per L1 slot (default 2)
  --epoch-blocks N       L1 blocks per epoch of the finality rule (default 32): safe lags 1-2 epochs, finalized 2-3
  --posting MODE         how the sequencer posts blocks: calldata (default) or blobs
  --chain-id ID          the rollup's L2 chain id (default 901)
  --port PORT            L1 JSON-RPC port (default 8545); the sequencer gets PORT+1000, the follower PORT+1001
  --data-dir DIR         where the chains live (default .nrx)
  --memory               keep everything in memory
  --allow-unprotected-txs  take legacy transactions signed without a chain id, on L1 and L2
  --quiet                no per-block log lines`;

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
        "epoch-blocks": { type: "string" },
        posting: { type: "string" },
        "chain-id": { type: "string" },
        port: { type: "string" },
        "data-dir": { type: "string" },
        memory: { type: "boolean" },
        "allow-unprotected-txs": { type: "boolean" },
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
    epochBlocks: Math.floor(number("epoch-blocks", 32, 1, 1_000_000)),
    posting,
    chainId: BigInt(chainId),
    port,
    ...(values.memory ? {} : { dataDir: (values["data-dir"] as string | undefined) ?? ".nrx" }),
    quiet: values.quiet === true,
    ...(values["allow-unprotected-txs"] === true ? { allowUnprotected: true } : {}),
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
