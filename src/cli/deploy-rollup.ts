/**
 * `nrx deploy-rollup`: deploy another native rollup on a running L1 and write its deployment
 * file, which `nrx l2 --rollup FILE` runs.
 */
import { parseArgs } from "node:util";
import type { Hex } from "viem";
import { deployRollup } from "../rollup/deploy.ts";
import { saveDeployment } from "../rollup/deployment.ts";
import { connectL1 } from "../rollup/l1-client.ts";
import { UsageError } from "../util/errors.ts";

export const DEPLOY_ROLLUP_USAGE = `nrx deploy-rollup --chain-id ID [options]

  --chain-id ID            the L2's chain id (required; not the L1's)
  --l1 URL                 the L1's JSON-RPC (default http://127.0.0.1:8545)
  --key HEX                the deployer's key (default: dev account 0 of the default mnemonic)
  --out FILE               where to write the deployment (default .nrx/rollup-<chain id>.json)
  --forced-delay BLOCKS    L1 blocks before a forced transaction must be included (default 10)
  --timelock-delay BLOCKS  L1 blocks between scheduling and executing a governance change (default 20)
  --gas-token ADDRESS      an ERC-20 on L1 as the L2's gas token (default ETH)`;

/** anvil's dev account 0, which the devnet funds. */
export const DEV_KEY_0: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

export async function runDeployRollup(args: string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args,
      options: {
        "chain-id": { type: "string" },
        l1: { type: "string" },
        key: { type: "string" },
        out: { type: "string" },
        "forced-delay": { type: "string" },
        "timelock-delay": { type: "string" },
        "gas-token": { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    });
    const integer = (flag: string, raw: string | undefined): bigint | undefined => {
      if (raw === undefined) return undefined;
      if (!/^[0-9]+$/.test(raw)) throw new UsageError(`--${flag}: expected a decimal integer, got ${raw}`);
      return BigInt(raw);
    };
    const chainId = integer("chain-id", values["chain-id"]);
    if (chainId === undefined || chainId === 0n) throw new UsageError("--chain-id ID is required");
    const key = (values.key ?? DEV_KEY_0) as Hex;
    if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new UsageError("--key: expected 0x and 64 hex digits");
    const gasToken = values["gas-token"];
    if (gasToken !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(gasToken))
      throw new UsageError("--gas-token: not an address");
    const forcedInclusionDelay = integer("forced-delay", values["forced-delay"]);
    const timelockDelay = integer("timelock-delay", values["timelock-delay"]);
    const l1 = await connectL1(values.l1 ?? "http://127.0.0.1:8545", key);
    const deployment = await deployRollup(l1, {
      chainId,
      ...(forcedInclusionDelay !== undefined ? { forcedInclusionDelay } : {}),
      ...(timelockDelay !== undefined ? { timelockDelay } : {}),
      ...(gasToken !== undefined ? { gasToken: gasToken as Hex } : {}),
      log: (line) => console.error(line),
    });
    const out = values.out ?? `.nrx/rollup-${chainId}.json`;
    saveDeployment(out, deployment);
    console.log(
      [
        `rollup ${chainId} deployed in L1 block ${deployment.l1Block}; deployment written to ${out}`,
        ...Object.entries(deployment.contracts).map(([name, address]) => `  ${name.padEnd(11)} ${address}`),
        `run its sequencer: nrx l2 --rollup ${out} --role sequencer --key <key> --port 9547`,
      ].join("\n"),
    );
    return 0;
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`${(err as Error).message}\n\n${DEPLOY_ROLLUP_USAGE}`);
      return 2;
    }
    console.error(`nrx deploy-rollup: ${(err as Error).message}`);
    return 1;
  }
}
