/**
 * Mutation fuzzing of the stateless verifier. Known-valid zkevm fixture inputs, in their
 * schema-prefixed form, are mutated at the byte level and at the decoded level, and each mutant
 * goes through `decodeStatelessInput` and `verifyStatelessNewPayload` the way `EXECUTE` would
 * take it. Two things must never happen:
 *
 * - a crash: decoding throws anything but `StatelessInputDecodeError`, verification throws or
 *   never settles, or verification reports `internal_error` (an exception it did not expect);
 * - a false accept: a mutant is accepted although it is not a known-valid block. The rule is
 *   deliberately simple and sound: an accepted mutant must have the
 *   `hash_tree_root(new_payload_request)` of one of the valid seed inputs, and that seed's
 *   post-state root. Mutants that only reorder, duplicate or add witness entries keep both, and
 *   are legitimately accepted.
 */
import { createBlockHeader, type HeaderData, type JSONHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { bytesToHex, concatBytes, equalsBytes } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { Rng } from "../util/prng.ts";
import {
  decodeStatelessInput,
  decodeStatelessInputSsz,
  encodeStatelessInput,
  PROTOCOL_FORKS,
  type StatelessFork,
  type StatelessInput,
  StatelessInputDecodeError,
} from "./ssz.ts";
import { type StatelessVerification, type VerifyOptions, verifyStatelessNewPayload } from "./verify.ts";
import { loadZkevmBlocks } from "./zkevm-fixtures.ts";

export type FuzzOptions = {
  iterations: number;
  seed: number;
  /** Called with the number of mutants done, every 100 mutants and at the end. */
  onProgress?: (done: number) => void;
};

export type FuzzReport = {
  iterations: number;
  /** Mutants `decodeStatelessInput` rejected (crashes while decoding count here too). */
  decodeErrors: number;
  /** Mutants that decoded and that verification rejected (crashes while verifying count here too). */
  rejected: number;
  /** Mutants that decoded and verified (false accepts count here too). */
  accepted: number;
  falseAccepts: string[];
  crashes: string[];
  /** How often each outcome occurred: `decode:<reason>`, `rejected:<reason>`, `accepted`. */
  outcomes: Record<string, number>;
};

/** Known-valid blocks the mutants start from: storage reads, EIP-7702 delegation, BLOCKHASH over several headers, an empty block. */
const SEED_BLOCKS: { file: string; index: number }[] = [
  {
    file: "amsterdam/eip8025_optional_proofs/witness_state_reads/witness_state_sload_contains_storage_proof.json",
    index: 0,
  },
  { file: "amsterdam/eip8025_optional_proofs/witness_7702/witness_codes_delegation_chain.json", index: 0 },
  {
    file: "amsterdam/eip8025_optional_proofs/witness_headers/witness_headers_max_wins_across_multiple_transactions.json",
    index: 5,
  },
  { file: "amsterdam/eip8025_optional_proofs/witness_headers/witness_headers_empty_block.json", index: 0 },
];

/** A verification that has not settled after this long is a hang (e.g. a promise that never resolves). */
const VERIFY_TIMEOUT_MS = 10_000;

const VERIFY_OPTIONS: VerifyOptions[] = [{}, { rejectUnusedWitness: true }, { l2Constraints: true }];

type Seed = {
  label: string;
  input: StatelessInput;
  /** The schema-prefixed encoding. */
  bytes: Uint8Array;
  root: Uint8Array;
  postStateRoot: Uint8Array;
  /** `0x04 || public key` of each transaction's signer, the valid `public_keys` of this input. */
  signerKeys: Uint8Array[];
  /** The block's header and rules, to recompute the block hash of a changed payload. */
  header: JSONHeader;
  common: Common;
};

async function loadSeed(file: string, index: number): Promise<Seed> {
  const input = decodeStatelessInputSsz(loadZkevmBlocks(file)[index].inputBytes, "amsterdam");
  const result = await verifyStatelessNewPayload(input, { rejectUnusedWitness: true });
  // A seed that does not verify would make every mutant a trivial reject.
  if (!result.successfulValidation || result.verified === undefined) {
    throw new Error(`fuzz seed ${file} block ${index} does not verify: ${result.reason} ${result.message}`);
  }
  const { block } = result.verified;
  const seed: Seed = {
    label: `${file.split("/").pop()}#${index}`,
    input,
    bytes: encodeStatelessInput(input),
    root: result.newPayloadRequestRoot,
    postStateRoot: result.verified.postStateRoot,
    signerKeys: block.transactions.map((tx) => concatBytes(Uint8Array.of(0x04), tx.getSenderPublicKey())),
    header: block.header.toJSON(),
    common: block.common,
  };
  const resealed = structuredClone(input);
  reseal(seed, resealed);
  if (!equalsBytes(resealed.newPayloadRequest.executionPayload.blockHash, block.hash())) {
    throw new Error(`fuzz seed ${seed.label}: recomputing its block hash does not give back its block hash`);
  }
  return seed;
}

/**
 * Recomputes the block hash of a payload whose header fields changed, so that the change gets
 * past the block hash check and must be caught by the header rules or by execution. Leaves the
 * old hash when ethereumjs will not build the header (the mutant then fails the hash check).
 */
function reseal(seed: Seed, input: StatelessInput): void {
  const p = input.newPayloadRequest.executionPayload;
  const fields: HeaderData = {
    ...seed.header,
    parentHash: p.parentHash,
    stateRoot: p.stateRoot,
    receiptTrie: p.receiptsRoot,
    logsBloom: p.logsBloom,
    number: p.blockNumber,
    gasUsed: p.gasUsed,
    baseFeePerGas: p.baseFeePerGas,
    blobGasUsed: p.blobGasUsed,
    excessBlobGas: p.excessBlobGas,
    blockAccessListHash: keccak_256(p.blockAccessList ?? new Uint8Array()),
  };
  try {
    p.blockHash = createBlockHeader(fields, {
      common: seed.common,
      skipConsensusFormatValidation: true,
    }).hash();
  } catch {
    // keep the old hash
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

type Mutate = (rng: Rng, seed: Seed, seeds: Seed[]) => Uint8Array;
type Mutation = { name: string; weight: number; mutate: Mutate };

/** A mutation of the decoded input; the result is re-encoded, so it always decodes. */
function structural(edit: (rng: Rng, input: StatelessInput, seed: Seed, seeds: Seed[]) => void): Mutate {
  return (rng, seed, seeds) => {
    const input = structuredClone(seed.input);
    edit(rng, input, seed, seeds);
    return encodeStatelessInput(input);
  };
}

function flipByte(rng: Rng, bytes: Uint8Array): void {
  if (bytes.length > 0) bytes[rng.int(bytes.length)] ^= 1 + rng.int(255);
}

function insertAt<T>(list: T[], index: number, item: T): void {
  list.splice(index, 0, item);
}

/** The lists of a decoded input, for element-level mutations. */
function listsOf(input: StatelessInput): unknown[][] {
  const request = input.newPayloadRequest;
  return [
    input.witness.state,
    input.witness.codes,
    input.witness.headers,
    request.executionPayload.transactions,
    request.executionPayload.withdrawals,
    request.versionedHashes,
    request.executionRequests,
    input.publicKeys,
  ];
}

function witnessLists(input: StatelessInput): Uint8Array[][] {
  return [input.witness.state, input.witness.codes, input.witness.headers];
}

function nonEmpty<T>(lists: T[][]): T[][] {
  return lists.filter((l) => l.length > 0);
}

const BYTES32_FIELDS = ["parentHash", "stateRoot", "receiptsRoot", "prevRandao", "blockHash"] as const;
const UINT64_FIELDS = [
  "blockNumber",
  "gasLimit",
  "gasUsed",
  "timestamp",
  "blobGasUsed",
  "excessBlobGas",
] as const;

function swapPayloadField(rng: Rng, input: StatelessInput): void {
  const p = input.newPayloadRequest.executionPayload;
  const fields = rng.chance(0.5) ? BYTES32_FIELDS : UINT64_FIELDS;
  const a = rng.pick(fields);
  const b = rng.pick(fields.filter((f) => f !== a));
  // biome-ignore lint/suspicious/noExplicitAny: both fields have the same type
  const payload = p as any;
  [payload[a], payload[b]] = [payload[b], payload[a]];
}

function tweakScalar(rng: Rng, input: StatelessInput): void {
  const p = input.newPayloadRequest.executionPayload;
  const delta = BigInt(rng.pick([-1, 1, 2, 1000]));
  const clamp = (v: bigint, max = 2n ** 64n - 1n) => (v < 0n ? 0n : v > max ? max : v);
  const field = rng.pick([...UINT64_FIELDS, "baseFeePerGas", "slotNumber", "chainId"] as const);
  if (field === "chainId") input.chainConfig.chainId = clamp(input.chainConfig.chainId + delta);
  else if (field === "baseFeePerGas") p.baseFeePerGas = clamp(p.baseFeePerGas + delta, 2n ** 256n - 1n);
  else if (field === "slotNumber") p.slotNumber = clamp((p.slotNumber ?? 0n) + delta);
  else p[field] = clamp(p[field] + delta);
}

function swapWithinOrAcross(rng: Rng, input: StatelessInput, seeds: Seed[]): void {
  const choice = rng.int(3);
  if (choice === 0) {
    // Reorder one witness list: the witness is a set, so this keeps the meaning.
    const list = rng.pick(nonEmpty(witnessLists(input)));
    const i = rng.int(list.length);
    const j = rng.int(list.length);
    [list[i], list[j]] = [list[j], list[i]];
  } else if (choice === 1) {
    [input.witness.state, input.witness.codes] = [input.witness.codes, input.witness.state];
  } else {
    // Another block's witness (or payload) under this block's payload (or witness).
    const other = structuredClone(rng.pick(seeds).input);
    if (rng.chance(0.5)) input.witness = other.witness;
    else input.newPayloadRequest = other.newPayloadRequest;
  }
}

function shuffle<T>(rng: Rng, list: T[]): void {
  for (let i = list.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [list[i], list[j]] = [list[j], list[i]];
  }
}

/**
 * Changes one header-level commitment of the payload and reseals it. Only fields whose change
 * must invalidate the block are chosen: changing e.g. the timestamp, gas limit, extra data or
 * fee recipient can make a different *valid* block, which the root-based false-accept rule
 * could not tell from a false accept.
 */
function changeCommitmentAndReseal(rng: Rng, input: StatelessInput, seed: Seed): void {
  const p = input.newPayloadRequest.executionPayload;
  const bal = p.blockAccessList ?? new Uint8Array();
  switch (rng.int(9)) {
    case 0:
      flipByte(rng, p.stateRoot);
      break;
    case 1:
      flipByte(rng, p.receiptsRoot);
      break;
    case 2:
      p.logsBloom[rng.int(256)] ^= 1 << rng.int(8);
      break;
    case 3:
      p.gasUsed =
        p.gasUsed + BigInt(rng.pick([1, 21000])) * (p.gasUsed > 21000n && rng.chance(0.5) ? -1n : 1n);
      break;
    case 4:
      p.blockNumber += rng.chance(0.5) ? 1n : -1n;
      break;
    case 5:
      p.baseFeePerGas += rng.chance(0.5) || p.baseFeePerGas === 0n ? 1n : -1n;
      break;
    case 6:
      if (rng.chance(0.5)) p.excessBlobGas += 1n;
      else p.blobGasUsed += rng.pick([1n, 131072n]);
      break;
    case 7:
      flipByte(rng, p.parentHash);
      break;
    default:
      // The block access list must be exactly the one execution produces.
      if (bal.length > 0 && rng.chance(0.7)) {
        p.blockAccessList = bal.slice();
        flipByte(rng, p.blockAccessList);
      } else {
        p.blockAccessList = rng.chance(0.5) ? new Uint8Array() : Uint8Array.of(0xc0);
        if (equalsBytes(p.blockAccessList, bal)) p.blockAccessList = Uint8Array.of(0xc1, 0xc0);
      }
  }
  reseal(seed, input);
}

/**
 * Weights favour mutations that survive decoding and reach the verifier's deeper checks:
 * random byte edits mostly break the block hash or the SSZ structure, which is cheap to reject,
 * while witness-level edits make the verifier execute the block.
 */
const MUTATIONS: Mutation[] = [
  {
    name: "flip a byte",
    weight: 12,
    mutate: (rng, seed) => {
      const out = seed.bytes.slice();
      flipByte(rng, out);
      return out;
    },
  },
  {
    name: "flip a bit",
    weight: 6,
    mutate: (rng, seed) => {
      const out = seed.bytes.slice();
      out[rng.int(out.length)] ^= 1 << rng.int(8);
      return out;
    },
  },
  {
    name: "insert bytes",
    weight: 5,
    mutate: (rng, seed) => {
      const at = rng.int(seed.bytes.length + 1);
      return concatBytes(seed.bytes.subarray(0, at), rng.bytes(1 + rng.int(4)), seed.bytes.subarray(at));
    },
  },
  {
    name: "delete bytes",
    weight: 5,
    mutate: (rng, seed) => {
      const at = rng.int(seed.bytes.length);
      return concatBytes(seed.bytes.subarray(0, at), seed.bytes.subarray(at + 1 + rng.int(4)));
    },
  },
  { name: "truncate", weight: 4, mutate: (rng, seed) => seed.bytes.slice(0, rng.int(seed.bytes.length)) },
  {
    name: "splice two inputs",
    weight: 4,
    mutate: (rng, seed, seeds) => {
      const other = rng.pick(seeds).bytes;
      return concatBytes(
        seed.bytes.subarray(0, rng.int(seed.bytes.length)),
        other.subarray(rng.int(other.length)),
      );
    },
  },
  {
    name: "overwrite a 32-bit word",
    weight: 4,
    mutate: (rng, seed) => {
      // Offsets and lengths are 32-bit little-endian words: boundary values stress the decoder.
      const out = seed.bytes.slice();
      const at = rng.int(out.length - 3);
      const value = rng.pick([0, 1, 4, out.length, out.length + 1, 0x7fffffff, 0xffffffff, rng.uint32()]);
      new DataView(out.buffer).setUint32(at, value >>> 0, true);
      return out;
    },
  },
  {
    name: "change the schema id",
    weight: 2,
    mutate: (rng, seed) => {
      const out = seed.bytes.slice();
      const fork = rng.pick(Object.keys(PROTOCOL_FORKS) as StatelessFork[]);
      out[0] = rng.chance(0.8) ? PROTOCOL_FORKS[fork] : rng.int(256);
      out[1] = rng.chance(0.8) ? 0x01 : rng.int(256);
      return out;
    },
  },
  {
    name: "flip a byte inside a witness entry",
    weight: 8,
    mutate: structural((rng, input) => {
      flipByte(rng, rng.pick(rng.pick(nonEmpty(witnessLists(input)))));
    }),
  },
  {
    name: "flip a byte inside a transaction",
    weight: 3,
    mutate: structural((rng, input) => {
      const txs = input.newPayloadRequest.executionPayload.transactions;
      if (txs.length > 0) flipByte(rng, rng.pick(txs));
      else txs.push(rng.bytes(1 + rng.int(100)));
    }),
  },
  {
    name: "duplicate a witness entry",
    weight: 6,
    mutate: structural((rng, input) => {
      const list = rng.pick(nonEmpty(witnessLists(input)));
      insertAt(list, rng.int(list.length + 1), rng.pick(list).slice());
    }),
  },
  {
    name: "add an unrelated witness entry",
    weight: 4,
    mutate: structural((rng, input) => {
      const list = rng.pick(witnessLists(input));
      insertAt(list, rng.int(list.length + 1), rng.bytes(1 + rng.int(120)));
    }),
  },
  {
    name: "delete a list element",
    weight: 8,
    mutate: structural((rng, input) => {
      const list = rng.pick(nonEmpty(listsOf(input)));
      list.splice(rng.int(list.length), 1);
    }),
  },
  { name: "swap payload fields", weight: 4, mutate: structural(swapPayloadField) },
  {
    name: "swap witness entries or sections",
    weight: 6,
    mutate: structural((rng, input, _seed, seeds) => swapWithinOrAcross(rng, input, seeds)),
  },
  {
    name: "shuffle the witness",
    weight: 4,
    mutate: structural((rng, input) => {
      for (const list of witnessLists(input)) shuffle(rng, list);
    }),
  },
  { name: "tweak a number", weight: 5, mutate: structural(tweakScalar) },
  {
    name: "change a commitment and reseal",
    weight: 10,
    mutate: structural((rng, input, seed) => changeCommitmentAndReseal(rng, input, seed)),
  },
  {
    name: "supply public keys",
    weight: 4,
    mutate: structural((rng, input, seed) => {
      input.publicKeys = seed.signerKeys.map((k) => k.slice());
      // Half the time, a wrong key, a missing key or an extra key.
      if (rng.chance(0.5) && input.publicKeys.length > 0) flipByte(rng, rng.pick(input.publicKeys));
      else if (rng.chance(0.5)) input.publicKeys.push(rng.bytes(65));
    }),
  },
  {
    name: "re-encode under another fork",
    weight: 2,
    mutate: structural((rng, input) => {
      input.fork = rng.pick(Object.keys(PROTOCOL_FORKS) as StatelessFork[]);
    }),
  },
];

const TOTAL_WEIGHT = MUTATIONS.reduce((sum, m) => sum + m.weight, 0);

function pickMutation(rng: Rng): Mutation {
  let r = rng.int(TOTAL_WEIGHT);
  for (const m of MUTATIONS) {
    if (r < m.weight) return m;
    r -= m.weight;
  }
  return MUTATIONS[MUTATIONS.length - 1];
}

// ---------------------------------------------------------------------------------------------
// Running a mutant
// ---------------------------------------------------------------------------------------------

type Outcome =
  | { kind: "decodeError"; reason: string }
  | { kind: "rejected"; reason: string }
  | { kind: "accepted" }
  | { kind: "falseAccept"; why: string }
  | { kind: "decodeCrash" | "verifyCrash"; why: string };

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

async function verifyWithTimeout(
  input: StatelessInput,
  options: VerifyOptions,
): Promise<StatelessVerification> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`did not settle within ${VERIFY_TIMEOUT_MS} ms`)),
      VERIFY_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([verifyStatelessNewPayload(input, options), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Why an accepted mutant is not a known-valid block, or undefined when it is. A mutant may
 * legitimately turn into another seed (a splice that keeps all of the other input), so it is
 * compared with every seed, not only the one it came from.
 */
function meaningChange(
  result: StatelessVerification,
  input: StatelessInput,
  seeds: Seed[],
): string | undefined {
  const root = result.newPayloadRequestRoot;
  const seed = seeds.find((s) => equalsBytes(s.root, root));
  if (seed === undefined) return `new_payload_request root ${bytesToHex(root)} is none of the seeds'`;
  const post = result.verified?.postStateRoot;
  const claimed = input.newPayloadRequest.executionPayload.stateRoot;
  if (post === undefined || !equalsBytes(post, seed.postStateRoot) || !equalsBytes(post, claimed)) {
    return `post-state root ${post === undefined ? "missing" : bytesToHex(post)} differs from ${bytesToHex(seed.postStateRoot)}`;
  }
  return undefined;
}

async function runMutant(bytes: Uint8Array, seeds: Seed[], options: VerifyOptions): Promise<Outcome> {
  let input: StatelessInput;
  try {
    input = decodeStatelessInput(bytes);
  } catch (err) {
    if (err instanceof StatelessInputDecodeError) return { kind: "decodeError", reason: err.reason };
    return { kind: "decodeCrash", why: `decode threw ${describeError(err)}` };
  }
  let result: StatelessVerification;
  try {
    result = await verifyWithTimeout(input, options);
  } catch (err) {
    return { kind: "verifyCrash", why: `verify threw ${describeError(err)}` };
  }
  if (result.reason === "internal_error")
    return { kind: "verifyCrash", why: `internal_error: ${result.message}` };
  if (!result.successfulValidation) return { kind: "rejected", reason: result.reason ?? "unknown" };
  const why = meaningChange(result, input, seeds);
  return why === undefined ? { kind: "accepted" } : { kind: "falseAccept", why };
}

/**
 * Cost trade-off: a mutant that fails to decode, or fails the block hash or header checks, costs
 * well under a millisecond; one that reaches block execution costs ~5-20 ms. Rather than verify
 * only a sample of the mutants that decode (which would leave most of them unchecked), every one
 * is verified in full and the cost is bounded by the mutation weights instead: about half of the
 * mutants execute, and 10,000 take ~40 s on a two-core machine. Verification is deterministic,
 * so a mutant identical to an earlier one (common among element deletions and swaps, which have
 * few distinct results per seed) reuses the earlier outcome instead of being verified again.
 */
export async function fuzzStatelessVerifier(opts: FuzzOptions): Promise<FuzzReport> {
  const rng = new Rng(opts.seed);
  const seeds = await Promise.all(SEED_BLOCKS.map(({ file, index }) => loadSeed(file, index)));
  const report: FuzzReport = {
    iterations: 0,
    decodeErrors: 0,
    rejected: 0,
    accepted: 0,
    falseAccepts: [],
    crashes: [],
    outcomes: {},
  };
  const seen = new Map<string, Outcome>();
  let current = "";
  // An error that escapes verification as an unhandled rejection (a fire-and-forget promise in
  // the EVM) would otherwise end the process or go unnoticed.
  const onUnhandled = (err: unknown) =>
    report.crashes.push(`${current}: unhandled rejection ${describeError(err)}`);
  process.on("unhandledRejection", onUnhandled);
  try {
    for (let i = 0; i < opts.iterations; i++) {
      const seed = rng.pick(seeds);
      const mutation = pickMutation(rng);
      const options = rng.pick(VERIFY_OPTIONS);
      const bytes = mutation.mutate(rng, seed, seeds);
      current = `seed ${opts.seed} iteration ${i} (${mutation.name} on ${seed.label}, options ${JSON.stringify(options)})`;
      const key = `${JSON.stringify(options)}:${bytesToHex(keccak_256(bytes))}`;
      let outcome = seen.get(key);
      if (outcome === undefined) {
        outcome = await runMutant(bytes, seeds, options);
        seen.set(key, outcome);
      }
      record(report, outcome, current);
      if ((i + 1) % 100 === 0) opts.onProgress?.(i + 1);
    }
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
  if (opts.iterations % 100 !== 0) opts.onProgress?.(opts.iterations);
  return report;
}

function record(report: FuzzReport, outcome: Outcome, where: string): void {
  report.iterations++;
  const name =
    outcome.kind === "decodeError"
      ? `decode:${outcome.reason}`
      : outcome.kind === "rejected"
        ? `rejected:${outcome.reason}`
        : outcome.kind;
  report.outcomes[name] = (report.outcomes[name] ?? 0) + 1;
  switch (outcome.kind) {
    case "decodeError":
      report.decodeErrors++;
      break;
    case "decodeCrash":
      report.decodeErrors++;
      report.crashes.push(`${where}: ${outcome.why}`);
      break;
    case "rejected":
      report.rejected++;
      break;
    case "verifyCrash":
      report.rejected++;
      report.crashes.push(`${where}: ${outcome.why}`);
      break;
    case "accepted":
      report.accepted++;
      break;
    case "falseAccept":
      report.accepted++;
      report.falseAccepts.push(`${where}: ${outcome.why}`);
      break;
  }
}
