/**
 * The ethereumjs VM both witness generation and stateless verification run, so that the two
 * read exactly the same state.
 */
import type { Block, BlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import {
  type CustomPrecompile,
  type EVMMockBlockchainInterface,
  type EVMOpts,
  type EVMResult,
  getOpcodesForHF,
  type Message,
  paramsEVM,
} from "@ethereumjs/evm";
import {
  type Address,
  bytesToBigInt,
  bytesToHex,
  createAddressFromBigInt,
  equalsBytes,
} from "@ethereumjs/util";
import { createVM, type RunBlockOpts, type RunBlockResult, runBlock, type VM } from "@ethereumjs/vm";
import { NrxError } from "../util/errors.ts";
import type { FailClosedStateManager } from "./state-manager.ts";

const EXTCODEHASH = 0x3f;
const ADDRESS_MASK = (1n << 160n) - 1n;

/**
 * The address a stack word names (execution-specs `to_address_masked`): its low 160 bits, as
 * the Yellow Paper takes the operand mod 2^160. The upper 96 bits are ignored, never an error.
 */
export function toAddressMasked(word: bigint): Address {
  return createAddressFromBigInt(word & ADDRESS_MASK);
}

type CustomOpcode = NonNullable<EVMOpts["customOpcodes"]>[number];

/**
 * EXTCODEHASH as the protocol defines it: the account's code hash, read from the account alone.
 * ethereumjs also loads the code (for an EOF check that no supported fork activates), which
 * would make a witness carry code that execution does not need.
 */
function extcodehashWithoutCodeRead(common: Common): CustomOpcode {
  common.updateParams(paramsEVM); // what the EVM does on creation; the opcode table needs it earlier
  const gasFunction = getOpcodesForHF(common).dynamicGasHandlers.get(EXTCODEHASH);
  return {
    opcode: EXTCODEHASH,
    opcodeName: "EXTCODEHASH",
    baseFee: Number(common.param("extcodehashGas")),
    gasFunction,
    // biome-ignore lint/suspicious/noExplicitAny: ethereumjs' RunState type is internal
    logicFunction: async (runState: any) => {
      const address = toAddressMasked(runState.stack.pop());
      if (common.isActivatedEIP(7928)) {
        runState.interpreter._evm.blockLevelAccessList?.addAddress(address.toString());
      }
      const account = await runState.stateManager.getAccount(address);
      const hash = account === undefined || account.isEmpty() ? 0n : bytesToBigInt(account.codeHash);
      runState.stack.push(hash);
    },
  };
}

/** Built once per Common: deriving it builds a whole opcode table, too much for every block. */
const extcodehashOverrides = new WeakMap<Common, CustomOpcode>();

function extcodehashOverrideFor(common: Common): CustomOpcode {
  let override = extcodehashOverrides.get(common);
  if (override === undefined) {
    override = extcodehashWithoutCodeRead(common);
    extcodehashOverrides.set(common, override);
  }
  return override;
}

export class SystemContractError extends NrxError {
  override name = "SystemContractError";
}

/**
 * Rules a chain adds to plain block execution, such as the L1's `EXECUTE` precompile and its
 * execute-gas market (src/l1/rules.ts). Builder, witness generator and verifier all run a block
 * with the same rules, so they read the same state and reach the same result.
 */
export type BlockRules = {
  /** The precompiles and listeners `block` runs with, and the check of its result. */
  forBlock(block: Block, parent: BlockHeader): BlockRulesInstance;
};

export type BlockRulesInstance = {
  precompiles: CustomPrecompile[];
  attach(vm: VM): void;
  /** Throws a `ChainRuleError` when the executed block breaks the chain's rules. */
  check(result: RunBlockResult): void;
};

/** A block breaks a rule of its chain (not of Ethereum): `reason` names the rule. */
export class ChainRuleError extends NrxError {
  override name = "ChainRuleError";
  constructor(
    message: string,
    readonly reason: "invalid_execute_gas" | "missing_blob",
  ) {
    super(message);
  }
}

/** What block execution found wrong with a block; each reason is decided by a typed check here. */
export type BlockExecutionReason =
  | "invalid_transaction"
  | "invalid_gas_used"
  | "invalid_state_root"
  | "invalid_receipts_root"
  | "invalid_logs_bloom"
  | "invalid_requests_hash"
  | "invalid_block_access_list"
  | "invalid_block";

/**
 * The block is invalid by the rules of block execution: a transaction that cannot be applied
 * (`details.transaction` is its index), or a header field that is not what execution computed.
 */
export class InvalidBlockError extends NrxError<{ reason: BlockExecutionReason; transaction?: number }> {
  override name = "InvalidBlockError";
  get reason(): BlockExecutionReason {
    return this.details.reason;
  }
}

/** The system contracts whose end-of-block calls must succeed (execution-specs: checked system calls). */
function requestPredeploys(common: Common): Address[] {
  const params = [
    common.isActivatedEIP(7002) ? "withdrawalRequestPredeployAddress" : undefined,
    common.isActivatedEIP(7251) ? "consolidationRequestPredeployAddress" : undefined,
  ];
  return params.filter((p) => p !== undefined).map((p) => createAddressFromBigInt(common.param(p)));
}

/**
 * Runs a block and decides whether it is valid, every rejection by a check of its own: an error
 * thrown before every transaction ran is the next transaction's (`invalid_transaction`); the
 * header's gas used, state root, receipts root, logs bloom, requests hash and block access list
 * hash are compared with what execution computed, in execution-specs' order; and the rule
 * ethereumjs leaves out of EIP-7002 / EIP-7251 is applied: the end-of-block system calls to the
 * request predeploys are checked — a predeploy without code, or a call to it that fails, makes
 * the block invalid (ethereumjs reads both as "no requests"). The code check reads only what the
 * system call itself read, so witnesses stay the same. Errors this project names (a missing
 * witness node, an execution fault, a chain rule) pass through unchanged.
 */
export async function runBlockChecked(vm: VM, opts: RunBlockOpts): Promise<RunBlockResult> {
  const { block } = opts;
  const predeploys = requestPredeploys(vm.common);
  // Only forks with request predeploys (Prague on) have a system address.
  const systemAddress =
    predeploys.length > 0 ? createAddressFromBigInt(vm.common.param("systemAddress")).toString() : undefined;
  const failures: string[] = [];
  let systemCall: Message | undefined;
  let finished = 0;
  const before = (m: Message) => {
    const isRequestCall = m.depth === 0 && m.caller.toString() === systemAddress;
    systemCall = isRequestCall && predeploys.some((p) => m.to?.equals(p)) ? m : undefined;
  };
  const after = (r: EVMResult) => {
    if (systemCall !== undefined && r.execResult.exceptionError !== undefined) {
      failures.push(`system contract call failed: ${systemCall.to} (${r.execResult.exceptionError.error})`);
    }
    systemCall = undefined;
  };
  const afterTx = () => {
    finished++;
  };
  vm.evm.events?.on("beforeMessage", before);
  vm.evm.events?.on("afterMessage", after);
  vm.events.on("afterTx", afterTx);
  try {
    let result: RunBlockResult;
    try {
      // `generate`: ethereumjs computes the header fields and leaves comparing them to us.
      result = await runBlock(vm, { ...opts, generate: true });
    } catch (err) {
      if (err instanceof NrxError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (finished < block.transactions.length) {
        throw new InvalidBlockError(message, {
          cause: err,
          details: { reason: "invalid_transaction", transaction: finished },
        });
      }
      throw new InvalidBlockError(message, { cause: err, details: { reason: "invalid_block" } });
    }
    if (failures.length > 0) throw new SystemContractError(failures[0]);
    for (const predeploy of predeploys) {
      if ((await vm.stateManager.getCode(predeploy)).length === 0) {
        throw new SystemContractError(`system contract empty: no code at ${predeploy}`);
      }
    }
    checkExecutedHeader(block, result);
    return result;
  } finally {
    vm.evm.events?.off("beforeMessage", before);
    vm.evm.events?.off("afterMessage", after);
    vm.events.off("afterTx", afterTx);
  }
}

/** The header's fields that commit to execution against what execution computed (execution-specs' order). */
function checkExecutedHeader(block: Block, result: RunBlockResult): void {
  const { header } = block;
  const mismatch = (reason: BlockExecutionReason, field: string, computed: string, claimed: string) =>
    new InvalidBlockError(`invalid ${field}: ${computed} after execution, ${claimed} in the header`, {
      details: { reason },
    });
  if (result.gasUsed !== header.gasUsed) {
    throw mismatch("invalid_gas_used", "gas used", String(result.gasUsed), String(header.gasUsed));
  }
  const roots: [BlockExecutionReason, string, Uint8Array | undefined, Uint8Array | undefined][] = [
    ["invalid_state_root", "state root", result.stateRoot, header.stateRoot],
    ["invalid_receipts_root", "receipts root", result.receiptsRoot, header.receiptTrie],
    ["invalid_logs_bloom", "logs bloom", result.logsBloom, header.logsBloom],
    ["invalid_requests_hash", "requests hash", result.requestsHash, header.requestsHash],
    [
      "invalid_block_access_list",
      "block access list hash",
      result.blockLevelAccessList?.hash(),
      header.blockAccessListHash,
    ],
  ];
  for (const [reason, field, computed, claimed] of roots) {
    if (computed === undefined && claimed === undefined) continue;
    if (computed === undefined || claimed === undefined || !equalsBytes(computed, claimed)) {
      const hex = (b: Uint8Array | undefined) => (b === undefined ? "none" : bytesToHex(b));
      throw mismatch(reason, field, hex(computed), hex(claimed));
    }
  }
}

export async function createBlockVM(
  common: Common,
  stateManager: FailClosedStateManager,
  blockchain: EVMMockBlockchainInterface,
  precompiles: CustomPrecompile[] = [],
): Promise<VM> {
  if (common.isActivatedEIP(3540)) throw new Error("EOF forks are not supported");
  const listening = new Set(common.events.listeners("hardforkChanged"));
  const vm = await createVM({
    common,
    stateManager,
    blockchain,
    evmOpts: { customOpcodes: [extcodehashOverrideFor(common)], customPrecompiles: precompiles },
  });
  // The EVM subscribes to `hardforkChanged` on the Common. The Commons of `commonFor` are shared
  // and never change hardfork, so that listener is useless and would keep every VM, with its
  // state and witness, alive for as long as the Common: drop it.
  for (const listener of common.events.listeners("hardforkChanged")) {
    if (!listening.has(listener))
      common.events.off("hardforkChanged", listener as (...args: unknown[]) => void);
  }
  nameExecutionFaults(vm);
  return vm;
}

/**
 * An exception escaped the EVM while it ran a message: thrown by an opcode, a precompile or a
 * state read, where an exceptional halt would have been a result. It says nothing about the
 * transaction, only that this node could not execute it; `cause` is what was thrown (a node
 * missing from a witness, for one).
 */
export class ExecutionFaultError extends NrxError {
  override name = "ExecutionFaultError";
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** Every exception out of `vm`'s EVM becomes an `ExecutionFaultError`, so callers can tell it from a rule. */
function nameExecutionFaults(vm: VM): void {
  const evm = vm.evm;
  const runCall = evm.runCall.bind(evm);
  evm.runCall = async (opts) => {
    try {
      return await runCall(opts);
    } catch (err) {
      throw err instanceof ExecutionFaultError ? err : new ExecutionFaultError(err);
    }
  };
}
