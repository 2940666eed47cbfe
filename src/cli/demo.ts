/**
 * `npm start`: one block of ETH and ERC-20 transfers, taken through the whole stateless path:
 * build it, record its execution witness, encode the `StatelessInput`, decode it, verify it
 * with nothing but the input, and show that a witness missing one node is rejected.
 */
import { bytesToHex, equalsBytes } from "@ethereumjs/util";
import type { TxReceipt } from "@ethereumjs/vm";
import { decodeStatelessInput, encodeStatelessInput, schemaIdOf } from "../stateless/ssz.ts";
import { verifyStatelessNewPayload } from "../stateless/verify.ts";
import { UsageError } from "../util/errors.ts";
import {
  DEVNET_CHAIN_ID,
  DEVNET_FORK,
  mixedTransfers,
  prepareStatelessInput,
  TOKEN_ADDRESS,
  TRANSFER_EVENT_TOPIC,
} from "../workload/transfers.ts";

export const DEMO_STATELESS_USAGE =
  "usage: nrx demo stateless [--eth N=50] [--erc20 N=50] [--accounts N=1000]";

function parseArgs(args: string[]): { eth: number; erc20: number; accounts: number } {
  const options = { eth: 50, erc20: 50, accounts: 1000 };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i].replace(/^--/, "");
    const value = Number(args[i + 1]);
    if (!(name in options) || !Number.isInteger(value) || value < (name === "accounts" ? 2 : 0)) {
      throw new UsageError(`bad argument ${args[i]} ${args[i + 1] ?? ""}\n${DEMO_STATELESS_USAGE}`);
    }
    options[name as keyof typeof options] = value;
  }
  return options;
}

const n = (x: number | bigint) => x.toLocaleString("en-US");
const short = (b: Uint8Array) => {
  const hex = bytesToHex(b);
  return `${hex.slice(0, 10)}…${hex.slice(-6)}`;
};
const ms = (start: number) => `${(performance.now() - start).toFixed(0)} ms`;
const succeeded = (r: TxReceipt) => "status" in r && r.status === 1;

/** Runs the demo; prints about 20 lines. */
export async function runDemo(args: string[]): Promise<void> {
  const options = parseArgs(args);
  const out = (line = "") => process.stdout.write(`${line}\n`);
  const schemaId = `0x${schemaIdOf(DEVNET_FORK).toString(16).padStart(4, "0")}`;
  out(`Stateless block verification — devnet chain ${DEVNET_CHAIN_ID}, ${DEVNET_FORK} rules`);
  out();

  let start = performance.now();
  const workload = await mixedTransfers(options.eth, options.erc20, options.accounts);
  const { genesis } = workload;
  out(
    `Genesis    ${n(genesis.accounts.length)} funded accounts + ERC-20 at ${TOKEN_ADDRESS} (root ${short(genesis.header.stateRoot)})`,
  );
  const prepared = await prepareStatelessInput(workload);
  const { block, input, result } = prepared;
  const receipts = result.receipts;
  const transferLogs = receipts
    .flatMap((r) => r.logs)
    .filter((log) => equalsBytes(log[1][0], TRANSFER_EVENT_TOPIC));
  out(
    `Block #${block.header.number}   ${short(block.hash())}: ${block.transactions.length} txs (${options.eth} ETH + ${options.erc20} ERC-20 transfers)`,
  );
  out(
    `           gas used ${n(block.header.gasUsed)} of ${n(block.header.gasLimit)}; ${receipts.filter(succeeded).length}/${receipts.length} succeeded, ${transferLogs.length} Transfer logs; genesis, block and witness in ${ms(start)}`,
  );
  const w = input.witness;
  out(
    `Witness    ${n(w.state.length)} trie nodes + ${w.codes.length} codes + ${w.headers.length} header = ${n(prepared.witnessBytes)} bytes (${n(Math.round(prepared.witnessBytes / block.transactions.length))} B/tx)`,
  );

  const bytes = encodeStatelessInput(input);
  out(`Input      StatelessInput, schema id ${schemaId} (${DEVNET_FORK}), ${n(bytes.length)} bytes SSZ`);
  start = performance.now();
  const decoded = decodeStatelessInput(bytes);
  const verification = await verifyStatelessNewPayload(decoded);
  const elapsed = ms(start);
  out();
  if (verification.successfulValidation && verification.verified !== undefined) {
    const v = verification.verified;
    const rootMatches = equalsBytes(v.postStateRoot, block.header.stateRoot);
    out(`Verify     VALID in ${elapsed} (decode + stateless execution, witness only)`);
    out(
      `           state root ${short(v.preStateRoot)} → ${short(v.postStateRoot)} ${rootMatches ? "(matches the block header)" : "(DOES NOT match the header!)"}`,
    );
    out(
      `           new_payload_request_root ${short(verification.newPayloadRequestRoot)}, burned ${n(v.burnedFees)} wei`,
    );
  } else {
    out(`Verify     INVALID (${verification.reason}): ${verification.message}`);
  }

  // Fail closed: the verifier must reject a witness missing a node it needs, not treat it as empty.
  const dropped = decoded.witness.state.length - 1;
  const tampered = {
    ...decoded,
    witness: { ...decoded.witness, state: decoded.witness.state.filter((_, i) => i !== dropped) },
  };
  const rejection = await verifyStatelessNewPayload(decodeStatelessInput(encodeStatelessInput(tampered)));
  out();
  out(`Fail-closed: dropped 1 of ${n(decoded.witness.state.length)} witness nodes and verified again:`);
  out(
    rejection.successfulValidation
      ? "           ACCEPTED — the verifier did not notice the missing node!"
      : `           REJECTED, reason ${rejection.reason}: ${rejection.message}`,
  );
  if (!verification.successfulValidation || rejection.successfulValidation) {
    throw new Error("demo failed: the valid block must verify and the tampered witness must be rejected");
  }
}
