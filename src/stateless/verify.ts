/**
 * `verify_stateless_new_payload`: validate a payload using only what its `StatelessInput`
 * carries. State comes from the witness alone and fails closed; the block is executed with
 * ethereumjs and every commitment in the payload is checked against the result.
 *
 * The function never throws on bad input: any failure is an invalid result with a named reason.
 */
import type { Block } from "@ethereumjs/block";
import {
  type BlockLevelAccessList,
  bytesToHex,
  createBlockLevelAccessListFromRLP,
  equalsBytes,
  validateBlockAccessListStructure,
} from "@ethereumjs/util";
import { NrxError } from "../util/errors.ts";
import { commonFor } from "./chain.ts";
import {
  type AncestorHeaders,
  ancestorHash,
  InvalidHeaderError,
  InvalidWitnessHeadersError,
  MissingWitnessHeaderError,
  oldestBlockRead,
  validateHeader,
  verifyAncestorHeaders,
} from "./headers.ts";
import { InvalidPayloadError, newPayloadRequestToBlock } from "./payload.ts";
import { hashNewPayloadRequest, type StatelessInput } from "./ssz.ts";
import { createStateManager } from "./state-manager.ts";
import {
  type BlockRules,
  ChainRuleError,
  createBlockVM,
  ExecutionFaultError,
  InvalidBlockError,
  runBlockChecked,
  SystemContractError,
} from "./vm.ts";
import { indexWitness, MissingWitnessCodeError, MissingWitnessNodeError, WitnessDB } from "./witness-db.ts";

export type InvalidReason =
  | InvalidPayloadError["reason"]
  | InvalidWitnessHeadersError["reason"]
  | "missing_witness_node"
  | "missing_witness_code"
  | "missing_witness_header"
  | "unused_witness_data"
  | "invalid_public_keys"
  | "invalid_header"
  | "invalid_block"
  | "invalid_transaction"
  | "invalid_state_root"
  | "invalid_receipts_root"
  | "invalid_logs_bloom"
  | "invalid_gas_used"
  | "invalid_requests_hash"
  | "invalid_block_access_list"
  | "invalid_system_call"
  | "l2_blob_transaction"
  | "l2_withdrawals"
  | "l2_execution_requests"
  | ChainRuleError["reason"]
  | "internal_error";

export type VerifyOptions = {
  /** Reject what an L2 block may not carry: blob transactions, withdrawals and execution requests. */
  l2Constraints?: boolean;
  /** Reject witness nodes, codes or headers that execution did not read (a canonical, minimal witness). */
  rejectUnusedWitness?: boolean;
  /** Rules of the chain beyond Ethereum's, e.g. the L1's `EXECUTE` and execute-gas market. */
  rules?: BlockRules;
};

/** What a successful verification establishes about the block; `EXECUTE` returns these. */
export type VerifiedBlock = {
  preStateRoot: Uint8Array;
  postStateRoot: Uint8Array;
  blockNumber: bigint;
  blockHash: Uint8Array;
  parentHash: Uint8Array;
  gasUsed: bigint;
  baseFeePerGas: bigint;
  /** Base fee burned by the block's transactions: `gas_used × base_fee_per_gas`. */
  burnedFees: bigint;
  block: Block;
};

export type StatelessVerification = {
  newPayloadRequestRoot: Uint8Array;
  chainId: bigint;
  successfulValidation: boolean;
  reason?: InvalidReason;
  message?: string;
  verified?: VerifiedBlock;
};

const BLOB_TX_TYPE = 0x03;

class InvalidInputError extends NrxError {
  override name = "InvalidInputError";
  constructor(
    message: string,
    readonly reason: InvalidReason,
  ) {
    super(message);
  }
}

/** The `BLOCKHASH` source: the witness headers' hash chain, and a record of what was read. */
export class WitnessBlockchain {
  readonly requested = new Set<bigint>();
  constructor(private readonly ancestors: AncestorHeaders) {}
  async getBlock(blockNumber: number | bigint) {
    const n = BigInt(blockNumber);
    this.requested.add(n);
    const hash = ancestorHash(this.ancestors, n);
    return { hash: () => hash };
  }
  async putBlock(): Promise<void> {}
  shallowCopy(): this {
    return this;
  }
}

/** An L2 block is plain execution: no blobs, no validator withdrawals, no consensus-layer requests. */
function checkL2Constraints(input: StatelessInput): void {
  const payload = input.newPayloadRequest.executionPayload;
  if (payload.transactions.some((tx) => tx[0] === BLOB_TX_TYPE)) {
    throw new InvalidInputError("an L2 block may not carry blob transactions", "l2_blob_transaction");
  }
  if (payload.withdrawals.length > 0) {
    throw new InvalidInputError("an L2 block may not carry withdrawals", "l2_withdrawals");
  }
  if (input.newPayloadRequest.executionRequests.length > 0) {
    throw new InvalidInputError("an L2 block may not carry execution requests", "l2_execution_requests");
  }
}

/** Supplied public keys stand for the senders; each must be the key that signed its transaction. */
function checkPublicKeys(block: Block, publicKeys: Uint8Array[]): void {
  if (publicKeys.length === 0) return;
  if (publicKeys.length !== block.transactions.length) {
    throw new InvalidInputError(
      `${publicKeys.length} public keys for ${block.transactions.length} transactions`,
      "invalid_public_keys",
    );
  }
  block.transactions.forEach((tx, i) => {
    const key = publicKeys[i];
    const recovered = tx.getSenderPublicKey();
    const matches = key.length === 65 && key[0] === 0x04 && equalsBytes(key.subarray(1), recovered);
    if (!matches)
      throw new InvalidInputError(
        `public key ${i} is not the signer of its transaction`,
        "invalid_public_keys",
      );
  });
}

/**
 * Decodes the payload's block access list. ethereumjs' decoder assumes RLP of the right shape
 * and fails with TypeErrors on anything else (which would read as `internal_error`), so any
 * failure to decode it is mapped here to the reason it stands for.
 */
function parseBlockAccessList(bytes: Uint8Array): BlockLevelAccessList {
  try {
    const bal = createBlockLevelAccessListFromRLP(bytes);
    validateBlockAccessListStructure(bal);
    bal.hash(); // re-encodes it, which fails on values of the wrong type
    return bal;
  } catch (err) {
    throw new InvalidInputError(
      `malformed block access list: ${(err as Error).message}`,
      "invalid_block_access_list",
    );
  }
}

/** The reason a typed error stands for; undefined for an error of no known kind. */
function reasonOf(err: unknown): InvalidReason | undefined {
  if (err instanceof InvalidInputError) return err.reason;
  if (err instanceof InvalidPayloadError) return err.reason;
  if (err instanceof InvalidWitnessHeadersError) return err.reason;
  if (err instanceof MissingWitnessNodeError) return "missing_witness_node";
  if (err instanceof MissingWitnessCodeError) return "missing_witness_code";
  if (err instanceof MissingWitnessHeaderError) return "missing_witness_header";
  if (err instanceof InvalidHeaderError) return "invalid_header";
  if (err instanceof SystemContractError) return "invalid_system_call";
  if (err instanceof ChainRuleError) return err.reason;
  if (err instanceof InvalidBlockError) return err.reason;
  return undefined;
}

function classify(err: unknown): { reason: InvalidReason; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  // An exception out of the EVM is a witness that fails closed, a chain rule, or a fault of
  // this implementation, never a property of the block that ethereumjs' messages could name.
  if (err instanceof ExecutionFaultError) return { reason: reasonOf(err.cause) ?? "internal_error", message };
  // Every rejection is a typed error of this project; anything else is a fault of this implementation.
  return { reason: reasonOf(err) ?? "internal_error", message };
}

async function executeStatelessly(input: StatelessInput, options: VerifyOptions): Promise<VerifiedBlock> {
  const { fork, newPayloadRequest, witness } = input;
  const chainId = input.chainConfig.chainId;
  const common = commonFor(chainId, fork);
  if (options.l2Constraints === true) checkL2Constraints(input);
  const block = await newPayloadRequestToBlock(newPayloadRequest, fork, common);
  checkPublicKeys(block, input.publicKeys);

  const ancestors = verifyAncestorHeaders(witness.headers, block.header.parentHash, chainId, fork);
  validateHeader(block.header, ancestors.parent);
  try {
    await block.validateData(false, true);
  } catch (err) {
    throw new InvalidInputError((err as Error).message, "invalid_block");
  }

  const db = new WitnessDB(indexWitness(witness.state, witness.codes));
  const preStateRoot = ancestors.parent.stateRoot;
  const stateManager = createStateManager(db, preStateRoot, common);
  const blockchain = new WitnessBlockchain(ancestors);
  const rules = options.rules?.forBlock(block, ancestors.parent);
  const vm = await createBlockVM(common, stateManager, blockchain, rules?.precompiles);
  rules?.attach(vm);
  const blockAccessList = newPayloadRequest.executionPayload.blockAccessList;
  const result = await runBlockChecked(vm, {
    block,
    skipHeaderValidation: true,
    skipBlockValidation: true,
    ...(common.isActivatedEIP(7928) && blockAccessList !== undefined
      ? { blockAccessList: parseBlockAccessList(blockAccessList) }
      : {}),
  });
  rules?.check(result);

  if (options.rejectUnusedWitness === true) {
    const unused = db.unusedEntries();
    const oldestRead = oldestBlockRead(blockchain.requested, ancestors.parent.number);
    if (unused.length > 0 || ancestors.oldest < oldestRead) {
      throw new InvalidInputError(
        unused.length > 0
          ? `witness carries ${unused.length} entries execution did not read, e.g. ${unused[0]}`
          : `witness carries headers older than block ${oldestRead}, the oldest BLOCKHASH read`,
        "unused_witness_data",
      );
    }
  }
  const baseFeePerGas = block.header.baseFeePerGas ?? 0n;
  return {
    preStateRoot,
    postStateRoot: result.stateRoot,
    blockNumber: block.header.number,
    blockHash: block.hash(),
    parentHash: block.header.parentHash,
    gasUsed: result.gasUsed,
    baseFeePerGas,
    burnedFees: result.gasUsed * baseFeePerGas,
    block,
  };
}

/**
 * Statelessly validates the payload in `input` (execution-specs `verify_stateless_new_payload`).
 *
 * @example
 * const input = decodeStatelessInput(bytes);
 * const result = await verifyStatelessNewPayload(input, { l2Constraints: true });
 * if (!result.successfulValidation) console.log(result.reason, result.message);
 */
export async function verifyStatelessNewPayload(
  input: StatelessInput,
  options: VerifyOptions = {},
): Promise<StatelessVerification> {
  const chainId = input.chainConfig.chainId;
  let newPayloadRequestRoot: Uint8Array;
  try {
    newPayloadRequestRoot = hashNewPayloadRequest(input.newPayloadRequest, input.fork);
  } catch (err) {
    return {
      newPayloadRequestRoot: new Uint8Array(32),
      chainId,
      successfulValidation: false,
      reason: "internal_error",
      message: `cannot hash the payload request: ${(err as Error).message}`,
    };
  }
  try {
    const verified = await executeStatelessly(input, options);
    return { newPayloadRequestRoot, chainId, successfulValidation: true, verified };
  } catch (err) {
    return { newPayloadRequestRoot, chainId, successfulValidation: false, ...classify(err) };
  }
}

export function describeVerification(v: StatelessVerification): string {
  if (v.successfulValidation) {
    return `valid: block ${v.verified?.blockNumber} ${bytesToHex(v.verified?.blockHash ?? new Uint8Array())}`;
  }
  return `invalid (${v.reason}): ${v.message}`;
}
