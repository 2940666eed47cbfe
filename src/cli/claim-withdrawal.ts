/**
 * `nrx claim-withdrawal`: pay an L2 withdrawal on L1 — waits until the rollup settles the
 * withdrawal's L2 block, proves it with `eth_getProof` from an L2 node and calls
 * `L1Bridge.claimWithdrawal`.
 */
import { parseArgs } from "node:util";
import { createPublicClient, type Hex, http, type PublicClient } from "viem";
import { loadDeployment } from "../rollup/deployment.ts";
import { connectL1 } from "../rollup/l1-client.ts";
import { claimWithdrawals } from "../rollup/withdrawal.ts";
import { UsageError } from "../util/errors.ts";
import { DEV_KEY_0 } from "./deploy-rollup.ts";

export const CLAIM_WITHDRAWAL_USAGE = `nrx claim-withdrawal --tx L2_TX_HASH [options]

  --tx HASH        the L2 transaction that called L2Bridge.withdraw (required)
  --rollup FILE    the deployment (default .nrx/rollup-901.json, the devnet's)
  --l1 URL         the L1's JSON-RPC (default http://127.0.0.1:8545)
  --l2 URL         an L2 node's JSON-RPC (default http://127.0.0.1:9545)
  --key HEX        the L1 account that sends the claim (default dev account 0); anyone may claim,
                   the withdrawal fixes the recipient`;

export async function runClaimWithdrawal(args: string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args,
      options: {
        tx: { type: "string" },
        rollup: { type: "string" },
        l1: { type: "string" },
        l2: { type: "string" },
        key: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.tx === undefined || !/^0x[0-9a-fA-F]{64}$/.test(values.tx)) {
      throw new UsageError("--tx: the L2 transaction hash is required (0x and 64 hex digits)");
    }
    const key = (values.key ?? DEV_KEY_0) as Hex;
    if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new UsageError("--key: expected 0x and 64 hex digits");
    const deployment = loadDeployment(values.rollup ?? ".nrx/rollup-901.json");
    const l1 = await connectL1(values.l1 ?? "http://127.0.0.1:8545", key);
    const l2 = createPublicClient({ transport: http(values.l2 ?? "http://127.0.0.1:9545") }) as PublicClient;
    const hashes = await claimWithdrawals(l1, l2, deployment, values.tx as Hex, {
      log: (line) => console.log(line),
    });
    console.log(`claimed in ${hashes.join(", ")}`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`${(err as Error).message}\n\n${CLAIM_WITHDRAWAL_USAGE}`);
      return 2;
    }
    console.error(`nrx claim-withdrawal: ${(err as Error).message}`);
    return 1;
  }
}
