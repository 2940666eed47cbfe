/**
 * The `EXECUTE` precompile at `0x0101` (DESIGN.md §4, docs/spec.md §4), with its execute-gas
 * market, as it runs inside the L1's ethereumjs VM.
 *
 * One call:
 * 1. resolves its input: inline bytes, or a blob reference into the transaction's own blobs;
 * 2. charges L1 gas, `EXECUTE_GAS_COST` plus gas per input byte;
 * 3. decodes the `StatelessInput` (undecodable input halts the call);
 * 4. meters the L2 block's claimed `gas_used` as execute gas against the block's remaining
 *    `EXECUTE_CUMULATIVE_GAS_LIMIT` and takes `gas_used × execute_base_fee` from the call's
 *    value as the prepayment (the excess goes back to the caller);
 * 5. verifies the L2 block statelessly and returns the ABI-encoded result, `valid = false` for a
 *    well-formed wrong transition.
 * The prepayment is burned at the end of the transaction. If a reverting frame took the
 * prepayment back, the transaction's sender pays it then: execute gas is never free.
 */
import type { CustomPrecompile, EVMInterface, ExecResult, Message, PrecompileInput } from "@ethereumjs/evm";
import { EVMError } from "@ethereumjs/evm";
import type { TypedTransaction } from "@ethereumjs/tx";
import { Account, type Address, bytesToHex, createAddressFromString } from "@ethereumjs/util";
import type { VM } from "@ethereumjs/vm";
import { PROTOCOL_FORKS, SCHEMA_REVISION, type StatelessFork } from "../stateless/ssz.ts";
import { ChainRuleError } from "../stateless/vm.ts";
import { NrxError } from "../util/errors.ts";
import { decodeBlobReference, isBlobReference, isExecuteQuery, resolveBlobReference } from "./blob-input.ts";
import { type ExecuteParams, encodeExecuteMarketQuote, executeCallGas } from "./market.ts";
import { decodeExecuteInput, EXECUTE_ADDRESS, encodeExecuteResult, verifyExecuteInput } from "./result.ts";

export const EXECUTE = createAddressFromString(EXECUTE_ADDRESS);

/** L1 gas of the market query (`0xff00`): a few storage-free reads, priced like a warm SLOAD. */
export const EXECUTE_QUERY_GAS = 100n;

/** How one `EXECUTE` call ended, for logs, receipts and `nrx_executeMarket`. */
export type ExecuteCallRecord = {
  /** Index of the transaction in the block. */
  txIndex: number;
  caller: string;
  /** Inline bytes, a blob reference, or the market query (recorded only when it halts). */
  source: "inline" | "blob" | "query";
  inputBytes: number;
  outcome: "valid" | "invalid" | "halted";
  /** Why the call halted or the block is invalid. */
  reason?: string;
  message?: string;
  /** L2 block number and hash the input claims (absent when it did not decode). */
  l2BlockNumber?: bigint;
  l2BlockHash?: string;
  /** Execute gas metered for the call (the L2 block's claimed gas used); 0 when it halted first. */
  executeGas: bigint;
  /** Prepayment taken: `executeGas × executeBaseFee`. */
  fee: bigint;
  verifyMs: number;
};

/**
 * A blob the transaction carries and the call references is not held by this node. A validator
 * in re-execution mode must hold every blob it executes over, so the block cannot be processed
 * here (this is not a property of the call: it does not halt).
 */
export class BlobUnavailableError extends ChainRuleError {
  override name = "BlobUnavailableError";
  constructor(message: string) {
    super(message, "missing_blob");
  }
}

export type ExecuteEnvironmentOptions = {
  params: ExecuteParams;
  /** The block's execute base fee (from its parent, by the market rule). */
  baseFee: bigint;
  /** The fork `EXECUTE` verifies L2 blocks under: the L1's own, so L2 rules follow L1 forks. */
  fork: StatelessFork;
  /** Blob data by versioned hash: the sidecars of the block's transactions. */
  blobs: (versionedHash: Uint8Array) => Uint8Array | undefined;
  /**
   * Building a block: a transaction whose `EXECUTE` call would exceed the execute gas left,
   * after earlier transactions used some, throws `ExecuteGasDeferral` out of the EVM, so that
   * the builder (which adds transactions all or nothing) leaves it for a later block instead of
   * including it with a failed call. Otherwise the call halts.
   */
  building?: boolean;
  /** Called after every call, e.g. to log it. */
  onCall?: (record: ExecuteCallRecord) => void;
};

class ExecuteHalt extends Error {}

/**
 * While building: the transaction's `EXECUTE` call does not fit the execute gas this block has
 * left, though it would fit an emptier block. Thrown out of the EVM for the builder to take the
 * transaction back out and keep it for a later block.
 */
export class ExecuteGasDeferral extends NrxError {
  override name = "ExecuteGasDeferral";
}

/** One call's record as a node stores and serves it (integers as decimal strings). */
export type StoredExecuteCall = Omit<ExecuteCallRecord, "l2BlockNumber" | "executeGas" | "fee"> & {
  l2BlockNumber?: string;
  executeGas: string;
  fee: string;
};

export function toStoredCall(record: ExecuteCallRecord): StoredExecuteCall {
  const { l2BlockNumber, executeGas, fee, ...rest } = record;
  return {
    ...rest,
    executeGas: executeGas.toString(),
    fee: fee.toString(),
    ...(l2BlockNumber !== undefined ? { l2BlockNumber: l2BlockNumber.toString() } : {}),
  };
}

/**
 * The per-block state of `EXECUTE`: the execute gas metered so far (block-level, not undone by
 * reverts, like gas) and the calls made. Create one per block, pass `precompile()` to the VM and
 * `attach(vm)` it.
 *
 * @example
 * const env = new ExecuteEnvironment({ params, baseFee, fork: "osaka", blobs: () => undefined });
 * const vm = await createBlockVM(common, stateManager, blockchain, { precompiles: [env.precompile()] });
 * env.attach(vm);
 * await runBlock(vm, { block });
 * env.gasUsed; // the block's executeGasUsed
 */
export class ExecuteEnvironment {
  gasUsed = 0n;
  readonly calls: ExecuteCallRecord[] = [];
  private txIndex = -1;
  private tx: TypedTransaction | undefined;
  private gasUsedBeforeTx = 0n;
  private feesDue = 0n;
  private heldBeforeTx: bigint | undefined;
  private message: Message | undefined;

  constructor(readonly options: ExecuteEnvironmentOptions) {}

  get baseFee(): bigint {
    return this.options.baseFee;
  }

  precompile(): CustomPrecompile {
    return { address: EXECUTE, function: (input: PrecompileInput) => this.run(input) };
  }

  /** Follows the transactions and messages of `vm`, which `EXECUTE` needs for value, caller and blobs. */
  attach(vm: VM): void {
    vm.events.on("beforeTx", (tx: TypedTransaction) => {
      this.txIndex++;
      this.tx = tx;
      this.gasUsedBeforeTx = this.gasUsed;
      this.feesDue = 0n;
      this.heldBeforeTx = undefined;
    });
    // Resolving with the settlement's promise makes ethereumjs await it, and a failure (a node
    // missing from a witness) fails the transaction instead of escaping as an unhandled rejection.
    vm.events.on("afterTx", (_result, resolve) => resolve?.(this.settleFees(vm.evm)));
    vm.evm.events?.on("beforeMessage", (message: Message) => {
      // A contract creation has neither `to` nor a code address (ethereumjs' getter throws).
      if (message.to === undefined) return;
      if (message.codeAddress.equals(EXECUTE) || message.to.equals(EXECUTE)) this.message = message;
    });
  }

  /** The metering state before a transaction; `restore` it when the builder leaves that transaction out. */
  mark(): { gasUsed: bigint; calls: number; txIndex: number } {
    return { gasUsed: this.gasUsed, calls: this.calls.length, txIndex: this.txIndex };
  }

  restore(mark: { gasUsed: bigint; calls: number; txIndex: number }): void {
    this.gasUsed = mark.gasUsed;
    this.calls.length = mark.calls;
    this.txIndex = mark.txIndex;
  }

  private async run(input: PrecompileInput): Promise<ExecResult> {
    const message = this.message;
    this.message = undefined;
    const data = input.data;
    if (isExecuteQuery(data)) {
      // The query takes no value: ETH left at 0x0101 would blur what the prepayments paid.
      const problem = message?.value
        ? { reason: "query_value", message: "the market query takes no value" }
        : input.gasLimit < EXECUTE_QUERY_GAS
          ? { reason: "out_of_gas", message: `the market query needs ${EXECUTE_QUERY_GAS} gas` }
          : undefined;
      if (problem === undefined) return this.query();
      this.report({
        txIndex: this.txIndex,
        caller: message?.caller.toString() ?? "0x",
        source: "query",
        inputBytes: data.length,
        outcome: "halted",
        ...problem,
        executeGas: 0n,
        fee: 0n,
        verifyMs: 0,
      });
      return halt(input.gasLimit);
    }
    if (this.heldBeforeTx === undefined) {
      // What 0x0101 held before this transaction's first call: not a prepayment of this transaction.
      const held = (await input._EVM.stateManager.getAccount(EXECUTE))?.balance ?? 0n;
      this.heldBeforeTx = held - paidBy(message);
    }
    const record: ExecuteCallRecord = {
      txIndex: this.txIndex,
      caller: message?.caller.toString() ?? "0x",
      source: isBlobReference(data) ? "blob" : "inline",
      inputBytes: data.length,
      outcome: "halted",
      executeGas: 0n,
      fee: 0n,
      verifyMs: 0,
    };
    try {
      return await this.execute(input, message, record);
    } catch (err) {
      if (!(err instanceof ExecuteHalt)) throw err;
      record.reason = record.reason ?? "halted";
      record.message = err.message;
      return halt(input.gasLimit);
    } finally {
      this.report(record);
    }
  }

  private async execute(
    input: PrecompileInput,
    message: Message | undefined,
    record: ExecuteCallRecord,
  ): Promise<ExecResult> {
    const bytes = record.source === "blob" ? this.resolveBlobs(input.data, message, record) : input.data;
    record.inputBytes = bytes.length;
    const gas = executeCallGas(bytes.length, this.options.params);
    if (gas > input.gasLimit) {
      record.reason = "out_of_gas";
      throw new ExecuteHalt(
        `EXECUTE needs ${gas} gas for ${bytes.length} input bytes, ${input.gasLimit} given`,
      );
    }
    const decoded = decodeExecuteInput(bytes);
    if ("halted" in decoded) {
      record.reason = decoded.error.reason;
      throw new ExecuteHalt(decoded.error.message);
    }
    const l2 = decoded.input;
    const payload = l2.newPayloadRequest.executionPayload;
    record.l2BlockNumber = payload.blockNumber;
    record.l2BlockHash = bytesToHex(payload.blockHash);
    if (l2.fork !== this.options.fork) {
      record.reason = "schema_id";
      throw new ExecuteHalt(
        `EXECUTE on this L1 verifies ${this.options.fork} blocks (schema ${schemaIdHex(this.options.fork)}), got a ${l2.fork} input`,
      );
    }
    const executeGas = payload.gasUsed;
    const limit = this.options.params.cumulativeGasLimit;
    if (this.gasUsed + executeGas > limit) {
      record.reason = "execute_gas_limit";
      const problem = `L2 block uses ${executeGas} execute gas, ${limit - this.gasUsed} of ${limit} left in this L1 block`;
      if (this.options.building === true && this.gasUsedBeforeTx > 0n) throw new ExecuteGasDeferral(problem);
      throw new ExecuteHalt(problem);
    }
    const fee = executeGas * this.options.baseFee;
    const paid =
      message !== undefined && !message.delegatecall && message.to?.equals(EXECUTE) ? message.value : 0n;
    if (paid < fee) {
      record.reason = "insufficient_prepayment";
      throw new ExecuteHalt(
        `prepayment ${paid} wei is less than ${executeGas} execute gas × ${this.options.baseFee} wei = ${fee} wei`,
      );
    }
    if (paid > fee && message !== undefined) await refund(input._EVM, message.caller, paid - fee);
    this.gasUsed += executeGas;
    this.feesDue += fee;
    record.executeGas = executeGas;
    record.fee = fee;

    const start = performance.now();
    const outcome = await verifyExecuteInput(l2);
    record.verifyMs = performance.now() - start;
    record.outcome = outcome.result.valid ? "valid" : "invalid";
    if (outcome.reason !== undefined) record.reason = outcome.reason;
    if (outcome.message !== undefined) record.message = outcome.message;
    return { executionGasUsed: gas, returnValue: encodeExecuteResult(outcome.result) };
  }

  private resolveBlobs(
    data: Uint8Array,
    message: Message | undefined,
    record: ExecuteCallRecord,
  ): Uint8Array {
    let segments: ReturnType<typeof decodeBlobReference>;
    try {
      segments = decodeBlobReference(data);
    } catch (err) {
      record.reason = "blob_reference";
      throw new ExecuteHalt((err as Error).message);
    }
    const carried = (message?.blobVersionedHashes ?? []).map((h) => h.toLowerCase());
    for (const { versionedHash } of segments) {
      if (!carried.includes(bytesToHex(versionedHash))) {
        record.reason = "blob_reference";
        throw new ExecuteHalt(`blob ${bytesToHex(versionedHash)} is not carried by this transaction`);
      }
      if (this.options.blobs(versionedHash) === undefined) {
        throw new BlobUnavailableError(`blob ${bytesToHex(versionedHash)} is not held by this node`);
      }
    }
    try {
      return resolveBlobReference(segments, this.options.blobs);
    } catch (err) {
      record.reason = "blob_reference";
      throw new ExecuteHalt((err as Error).message);
    }
  }

  private report(record: ExecuteCallRecord): void {
    this.calls.push(record);
    this.options.onCall?.(record);
  }

  private query(): ExecResult {
    const { cumulativeGasLimit, cumulativeGasTarget } = this.options.params;
    const returnValue = encodeExecuteMarketQuote({
      executeBaseFee: this.options.baseFee,
      executeGasUsed: this.gasUsed,
      cumulativeGasLimit,
      cumulativeGasTarget,
    });
    return { executionGasUsed: EXECUTE_QUERY_GAS, returnValue };
  }

  /**
   * End of a transaction: burn what `EXECUTE` holds (the prepayments that stayed paid) and take
   * from the sender what reverting frames took back.
   */
  private async settleFees(evm: EVMInterface): Promise<void> {
    if (this.feesDue === 0n) return;
    const sm = evm.stateManager;
    const held = (await sm.getAccount(EXECUTE))?.balance ?? 0n;
    if (held > 0n) await setBalance(evm, EXECUTE, 0n);
    const paid = held - (this.heldBeforeTx ?? 0n);
    const unpaid = this.feesDue - (paid > 0n ? paid : 0n);
    if (unpaid > 0n && this.tx !== undefined) {
      const sender = this.tx.getSenderAddress();
      const balance = (await sm.getAccount(sender))?.balance ?? 0n;
      await setBalance(evm, sender, balance > unpaid ? balance - unpaid : 0n);
    }
    this.feesDue = 0n;
  }
}

/** Value a message transfers to `EXECUTE`: only a plain CALL to `0x0101` moves value there. */
function paidBy(message: Message | undefined): bigint {
  return message !== undefined && !message.delegatecall && message.to?.equals(EXECUTE) ? message.value : 0n;
}

function halt(gasLimit: bigint): ExecResult {
  return {
    returnValue: new Uint8Array(0),
    executionGasUsed: gasLimit,
    exceptionError: new EVMError(EVMError.errorMessages.OUT_OF_GAS),
  };
}

function schemaIdHex(fork: StatelessFork): string {
  return `0x${PROTOCOL_FORKS[fork].toString(16)}${SCHEMA_REVISION.toString(16).padStart(2, "0")}`;
}

async function setBalance(evm: EVMInterface, address: Address, balance: bigint): Promise<void> {
  const account = (await evm.stateManager.getAccount(address)) ?? new Account();
  account.balance = balance;
  // An account left empty is removed, as EIP-161 does for touched empty accounts.
  if (account.isEmpty()) await evm.journal.deleteAccount(address);
  else await evm.journal.putAccount(address, account);
}

async function refund(evm: EVMInterface, to: Address, amount: bigint): Promise<void> {
  const held = (await evm.stateManager.getAccount(EXECUTE))?.balance ?? 0n;
  await setBalance(evm, EXECUTE, held - amount);
  const account = (await evm.stateManager.getAccount(to)) ?? new Account();
  await setBalance(evm, to, account.balance + amount);
}
