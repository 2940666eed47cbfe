/**
 * Witness generation (what `debug_executionWitness` returns): run a block statefully over the
 * full pre-state and record every trie node, code and ancestor header it reads. Verification
 * runs the same VM, so the recorded set is exactly what stateless execution needs: the proofs
 * of every account and slot touched, the siblings read when a deletion collapses a branch,
 * and the headers `BLOCKHASH` reaches back to.
 */
import type { Block, BlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { type Address, bytesToHex, type CLRequest, type CLRequestType } from "@ethereumjs/util";
import type { RunBlockResult } from "@ethereumjs/vm";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { oldestBlockRead } from "./headers.ts";
import { blockToNewPayloadRequest } from "./payload.ts";
import type { ExecutionWitnessValue, StatelessFork, StatelessInput } from "./ssz.ts";
import { createStateManager, FailClosedStateManager } from "./state-manager.ts";
import { type BlockRules, createBlockVM, runBlockChecked } from "./vm.ts";
import { RecordingDB } from "./witness-db.ts";

/** A witness plus the `keys` list of `debug_executionWitness`: preimages of the trie keys read. */
export type GeneratedWitness = ExecutionWitnessValue & { keys: Uint8Array[] };

export type WitnessSource = {
  /** Trie nodes and codes of the full state, keyed as ethereumjs stores them (unprefixed hex). */
  nodes: Map<string, Uint8Array>;
  parent: BlockHeader;
  /** RLP of the canonical header at `number`, for ancestors `BLOCKHASH` may read. */
  headerRlp: (number: bigint) => Uint8Array | undefined;
};

export type WitnessGeneration = {
  witness: GeneratedWitness;
  /** The stateful run's result, absent when the block failed to execute. */
  result?: RunBlockResult;
  error?: unknown;
  /** Post-state nodes and codes the block wrote; `commit` adds them to `source.nodes`. */
  commit: () => void;
};

/** Records the address and slot preimages that execution reads. */
class KeyRecordingStateManager extends FailClosedStateManager {
  readonly keys = new Map<string, Uint8Array>();
  override async getAccount(address: Address) {
    this.keys.set(address.toString(), address.bytes);
    return super.getAccount(address);
  }
  override async getStorage(address: Address, key: Uint8Array) {
    this.keys.set(address.toString(), address.bytes);
    this.keys.set(`${address.toString()}:${bytesToHex(key)}`, key);
    return super.getStorage(address, key);
  }
}

class RecordingBlockchain {
  readonly requested = new Set<bigint>();
  constructor(private readonly source: WitnessSource) {}
  async getBlock(blockNumber: number | bigint) {
    const n = BigInt(blockNumber);
    const rlp = this.source.headerRlp(n);
    if (rlp === undefined) throw new Error(`no canonical header for block ${n}`);
    this.requested.add(n);
    const hash = keccak_256(rlp);
    return { hash: () => hash };
  }
  async putBlock(): Promise<void> {}
  shallowCopy(): this {
    return this;
  }
}

/** The requests field of a payload: `type || data` for each request with data (EIP-7685). */
export function encodeExecutionRequests(requests: CLRequest<CLRequestType>[] | undefined): Uint8Array[] {
  return (requests ?? []).filter((r) => r.data.length > 0).map((r) => r.bytes);
}

/**
 * Runs `block` on top of `source.parent`'s state and returns the witness it needs. A block that
 * fails to execute still yields the witness of what it read up to the failure, so that a
 * verifier can reproduce the same failure.
 *
 * @example
 * const { witness, result, commit } = await generateExecutionWitness(block, common, source);
 * if (result) commit();
 */
export async function generateExecutionWitness(
  block: Block,
  common: Common,
  source: WitnessSource,
  rules?: BlockRules,
): Promise<WitnessGeneration> {
  const db = new RecordingDB(source.nodes);
  const stateManager = createStateManager(db, source.parent.stateRoot, common, KeyRecordingStateManager);
  const blockchain = new RecordingBlockchain(source);
  const instance = rules?.forBlock(block, source.parent);
  const vm = await createBlockVM(common, stateManager, blockchain, instance?.precompiles);
  instance?.attach(vm);
  let result: RunBlockResult | undefined;
  let error: unknown;
  try {
    const run = await runBlockChecked(vm, { block, skipHeaderValidation: true, skipBlockValidation: true });
    instance?.check(run);
    result = run;
  } catch (err) {
    error = err;
  }
  const oldest = oldestBlockRead(blockchain.requested, source.parent.number);
  const headers: Uint8Array[] = [];
  for (let n = oldest; n <= source.parent.number; n++) {
    const rlp = n === source.parent.number ? source.parent.serialize() : source.headerRlp(n);
    if (rlp !== undefined) headers.push(rlp);
  }
  const witness: GeneratedWitness = {
    state: [...db.nodes.values()],
    codes: [...db.codes.values()],
    headers,
    keys: [...stateManager.keys.values()],
  };
  return { witness, result, error, commit: () => db.commitOverlay() };
}

/**
 * The `StatelessInput` a validator needs for `block` under `fork`: its payload (with the requests
 * the run produced) and the witness recorded by `generateExecutionWitness`.
 *
 * @example
 * const { input, result } = await generateStatelessInput(block, common, "osaka", source);
 * const bytes = encodeStatelessInput(input); // what EXECUTE takes
 */
export async function generateStatelessInput(
  block: Block,
  common: Common,
  fork: StatelessFork,
  source: WitnessSource,
  rules?: BlockRules,
): Promise<WitnessGeneration & { input: StatelessInput }> {
  const generation = await generateExecutionWitness(block, common, source, rules);
  const { state, codes, headers } = generation.witness;
  const input: StatelessInput = {
    fork,
    newPayloadRequest: blockToNewPayloadRequest(block, encodeExecutionRequests(generation.result?.requests)),
    witness: { state, codes, headers },
    chainConfig: { chainId: common.chainId() },
    publicKeys: [],
  };
  return { ...generation, input };
}
