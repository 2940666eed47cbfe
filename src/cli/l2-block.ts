/**
 * `nrx l2-block`: write a valid L2 block as `EXECUTE` input (`schema_id ‖ ssz(StatelessInput)`,
 * 0x-hex), built from transfers on the synthetic workload chain (Osaka rules, chain 1337), so
 * that `EXECUTE` can be tried on the devnet before any rollup exists.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { bytesToHex } from "@ethereumjs/util";
import { withWrongStateRoot } from "../workload/l1-transactions.ts";
import { mixedTransfers, prepareStatelessInput } from "../workload/transfers.ts";

export const L2_BLOCK_USAGE = `nrx l2-block [--eth N=2] [--erc20 N=1] [--invalid] [--out FILE]

  writes a valid L2 block's StatelessInput as 0x-hex (to FILE, or stdout), and prints its
  execute gas (the L2 gas used) on stderr; --invalid claims a wrong post-state root`;

export async function runL2Block(args: string[]): Promise<number> {
  let values: { eth?: string; erc20?: string; out?: string; invalid?: boolean };
  try {
    values = parseArgs({
      args,
      options: {
        eth: { type: "string" },
        erc20: { type: "string" },
        out: { type: "string" },
        invalid: { type: "boolean" },
      },
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${L2_BLOCK_USAGE}`);
    return 2;
  }
  const eth = Number(values.eth ?? 2);
  const erc20 = Number(values.erc20 ?? 1);
  if (!Number.isInteger(eth) || !Number.isInteger(erc20) || eth < 0 || erc20 < 0 || eth + erc20 === 0) {
    console.error(`--eth and --erc20 take counts, at least one transaction in all\n\n${L2_BLOCK_USAGE}`);
    return 2;
  }
  const prepared = await prepareStatelessInput(
    await mixedTransfers(eth, erc20, Math.max(20, 2 * (eth + erc20))),
  );
  let bytes = prepared.bytes;
  if (values.invalid) {
    bytes = await withWrongStateRoot({ bytes });
  }
  const hex = bytesToHex(bytes);
  if (values.out !== undefined) writeFileSync(values.out, `${hex}\n`);
  else console.log(hex);
  console.error(
    `L2 block ${prepared.block.header.number}: ${eth + erc20} transactions, ${bytes.length} input bytes, execute gas ${prepared.block.header.gasUsed}${values.invalid ? " (claims a wrong state root)" : ""}`,
  );
  return 0;
}
