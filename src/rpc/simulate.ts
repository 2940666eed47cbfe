/**
 * `eth_call`, `eth_estimateGas` and `eth_createAccessList`: a call runs as a real transaction
 * would (ethereumjs `runTx` on a throwaway copy of the state, with `EXECUTE` and the execute
 * base fee of the next block), so that intrinsic gas, the EIP-7623 calldata floor, warm
 * addresses and refunds count exactly as they will when the transaction is mined. A bare EVM
 * call (`runCall`) warms neither the callee nor the precompiles, and its estimate would be off
 * by thousands of gas for a contract that calls `EXECUTE`.
 */
import type { Block } from "@ethereumjs/block";
import { createBlob4844Tx, createFeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import {
  Account,
  type Address,
  bytesToHex,
  createZeroAddress,
  equalsBytes,
  KECCAK256_NULL,
} from "@ethereumjs/util";
import { type RunTxResult, runTx } from "@ethereumjs/vm";
import { decodeAbiParameters, type Hex } from "viem";
import type { ExecuteCallRecord } from "../execute/precompile.ts";
import type { ChainBlock, ChainNode } from "../node/node.ts";
import { stateOf } from "./blocks.ts";
import { executionReverted, INVALID_INPUT, RpcError } from "./errors.ts";
import type { BlockSpec, CallRequest } from "./params.ts";

/** EIP-7825 (Osaka): no transaction may ask for more gas than 2^24. */
export const TX_GAS_LIMIT_CAP = 1n << 24n;

/** EIP-7702: code `0xef0100 ‖ address` delegates an account; it may still send transactions. */
const DELEGATION_PREFIX = Uint8Array.of(0xef, 0x01, 0x00);

/**
 * The most gas one transaction may use here: the block gas limit, and the EIP-7825 cap under Osaka.
 *
 * @example
 * maxTransactionGas(node) // 16777216n with the default 60M block gas limit
 */
export function maxTransactionGas(node: ChainNode): bigint {
  const cap = node.common.isActivatedEIP(7825) ? TX_GAS_LIMIT_CAP : node.config.gasLimit;
  return cap < node.config.gasLimit ? cap : node.config.gasLimit;
}

export type Simulation = {
  tx: TypedTransaction;
  result: RunTxResult;
  /** The `EXECUTE` calls the transaction made, to explain a failure. */
  executeCalls: ExecuteCallRecord[];
};

type At = { entry: ChainBlock; root: Uint8Array };

function serverError(message: string): RpcError {
  return new RpcError(INVALID_INPUT, message);
}

/** ethereumjs appends `(vm -> block -> tx)` context to its validation errors: keep the reason. */
function validationMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/ \([^()]*->[^()]*\)$/, "");
}

/** Fee cap and tip of a call: as given, else the block's base fee and no tip. */
function feesOf(request: CallRequest, block: Block, from: Address) {
  const baseFee = block.header.baseFeePerGas ?? 0n;
  const priced = request.gasPrice ?? request.maxFeePerGas;
  const tip = request.gasPrice ?? request.maxPriorityFeePerGas ?? 0n;
  const feeCap = priced ?? baseFee + tip;
  if (tip > feeCap) {
    throw serverError(
      `max priority fee per gas higher than max fee per gas: address ${from}, maxPriorityFeePerGas: ${tip}, maxFeePerGas: ${feeCap}`,
    );
  }
  if (priced !== undefined && feeCap < baseFee) {
    throw serverError(
      `max fee per gas less than block base fee: address ${from}, maxFeePerGas: ${feeCap}, baseFee: ${baseFee}`,
    );
  }
  return { feeCap, tip, priced: priced !== undefined };
}

/** An unsigned transaction from the call's fields that reports `from` as its sender. */
function impersonatedTx(
  node: ChainNode,
  request: CallRequest,
  gasLimit: bigint,
  fees: { feeCap: bigint; tip: bigint },
  nonce: bigint,
  block: Block,
): TypedTransaction {
  const from = request.from ?? createZeroAddress();
  const fields = {
    nonce,
    gasLimit,
    value: request.value ?? 0n,
    data: request.data ?? new Uint8Array(),
    maxFeePerGas: fees.feeCap,
    maxPriorityFeePerGas: fees.tip,
    accessList: (request.accessList ?? []).map((item) => ({
      address: item.address,
      storageKeys: item.storageKeys,
    })),
  };
  let tx: TypedTransaction;
  try {
    if (request.blobVersionedHashes !== undefined && request.blobVersionedHashes.length > 0) {
      if (request.to === undefined) throw new Error('missing "to" in blob transaction');
      tx = createBlob4844Tx(
        {
          ...fields,
          to: request.to,
          blobVersionedHashes: request.blobVersionedHashes,
          maxFeePerBlobGas: request.maxFeePerBlobGas ?? block.header.getBlobGasPrice(),
        },
        { common: node.common, freeze: false },
      );
    } else {
      tx = createFeeMarket1559Tx(
        { ...fields, ...(request.to ? { to: request.to } : {}) },
        { common: node.common, freeze: false },
      );
    }
  } catch (err) {
    throw serverError(`invalid transaction: ${validationMessage(err)}`);
  }
  // runTx reads the sender from the signature; a call has none.
  (tx as { getSenderAddress: () => Address }).getSenderAddress = () => from;
  return tx;
}

/**
 * Runs `request` as a transaction with `gasLimit` on the state `at`, in the context of its
 * block, and throws what geth throws before execution: intrinsic gas too low, insufficient
 * funds, fee caps below the base fee.
 *
 * @example
 * const { result } = await simulate(node, { to, data }, stateOf(node, LATEST), 100_000n);
 * result.execResult.returnValue;
 */
export async function simulate(
  node: ChainNode,
  request: CallRequest,
  at: At,
  gasLimit: bigint,
  options: { reportAccessList?: boolean } = {},
): Promise<Simulation> {
  const { block } = at.entry;
  const from = request.from ?? createZeroAddress();
  const sm = node.stateAt(at.root);
  const account = await sm.getAccount(from);
  const fees = feesOf(request, block, from);
  const tx = impersonatedTx(node, request, gasLimit, fees, account?.nonce ?? 0n, block);
  const minimum = tx.getMinimumGasLimit();
  if (gasLimit < minimum)
    throw serverError(`intrinsic gas too low: gas ${gasLimit}, minimum needed ${minimum}`);

  // Without a price, a call costs nothing (geth); with one, the balance must cover it.
  const balance = account?.balance ?? 0n;
  const value = request.value ?? 0n;
  const want = value + (fees.priced ? gasLimit * fees.feeCap : 0n);
  if (balance < want) {
    throw serverError(
      `insufficient funds for gas * price + value: address ${from} have ${balance} want ${want}`,
    );
  }
  if (account !== undefined && !equalsBytes(account.codeHash, KECCAK256_NULL)) {
    // EIP-3607 refuses transactions from contracts; calls from them are fine (geth skips the
    // check). In this throwaway state the sender is made an EOA, keeping nonce and balance.
    const code = await sm.getCode(from);
    if (!equalsBytes(code.subarray(0, 3), DELEGATION_PREFIX)) {
      await sm.putAccount(
        from,
        new Account(account.nonce, account.balance, account.storageRoot, KECCAK256_NULL),
      );
    }
  }

  const { vm, executeCalls } = await node.callVM(sm, block.header);
  let result: RunTxResult;
  try {
    result = await runTx(vm, {
      tx,
      block,
      skipNonce: true,
      skipBalance: true,
      skipBlockGasLimitValidation: true,
      skipHardForkValidation: true,
      ...(options.reportAccessList ? { reportAccessList: true } : {}),
    });
  } catch (err) {
    throw serverError(validationMessage(err));
  }
  return { tx, result, executeCalls: executeCalls() };
}

/**
 * The reason in revert data: `Error(string)` or `Panic(uint256)`, as geth decodes them.
 *
 * @example
 * revertReason(hexToBytes(encodeErrorResult({ abi: solidityError, args: ["no"] }))) // "no"
 */
export function revertReason(data: Uint8Array): string | undefined {
  const hex = bytesToHex(data);
  try {
    if (hex.startsWith("0x08c379a0")) {
      return decodeAbiParameters([{ type: "string" }], `0x${hex.slice(10)}` as Hex)[0];
    }
    if (hex.startsWith("0x4e487b71")) {
      const [code] = decodeAbiParameters([{ type: "uint256" }], `0x${hex.slice(10)}` as Hex);
      return `panic: 0x${code.toString(16).padStart(2, "0")}`;
    }
  } catch {}
  return undefined;
}

/** Why the last `EXECUTE` call halted, if it did: the cause behind an "out of gas". */
function executeHalt(calls: ExecuteCallRecord[]): string {
  const last = calls[calls.length - 1];
  if (last === undefined || last.outcome !== "halted") return "";
  return ` (EXECUTE halted: ${last.reason ?? "halted"}${last.message ? `: ${last.message}` : ""})`;
}

/**
 * The error for a failed run: code 3 with the revert data, else -32000 with the EVM error (and
 * why `EXECUTE` halted, when it did); `undefined` for a successful run.
 *
 * @example
 * const failure = failureOf(await simulate(node, request, at, gas));
 * if (failure) throw failure;
 */
export function failureOf(simulation: Simulation): RpcError | undefined {
  const { execResult } = simulation.result;
  const error = execResult.exceptionError;
  if (error === undefined) return undefined;
  if (error.error === "revert") {
    return executionReverted(bytesToHex(execResult.returnValue), revertReason(execResult.returnValue));
  }
  return serverError(`${error.error}${executeHalt(simulation.executeCalls)}`);
}

/**
 * `eth_call`: the return data, or the revert as error code 3. Without `gas`, the call may use
 * what one transaction may (a larger `gas` is lowered to it).
 *
 * @example
 * const output = await ethCall(node, { to, data }, { tag: "latest" });
 */
export async function ethCall(node: ChainNode, request: CallRequest, spec: BlockSpec): Promise<Hex> {
  const cap = maxTransactionGas(node);
  const gas = request.gas !== undefined && request.gas < cap ? request.gas : cap;
  const simulation = await simulate(node, request, stateOf(node, spec), gas);
  const failure = failureOf(simulation);
  if (failure !== undefined) throw failure;
  return bytesToHex(simulation.result.execResult.returnValue);
}

/**
 * `eth_estimateGas`: the smallest gas limit with which the transaction succeeds, by binary
 * search like geth, but to the exact gas (geth stops within 1.5%). The search starts from the
 * gas the run at the upper bound consumed, which no lower limit can reach, and first tries
 * that exactly, then with room for the 63/64 rule, so a simple call takes two or three runs.
 *
 * @throws {RpcError} code 3 with the revert data when the call reverts at the upper bound;
 *   -32000 "gas required exceeds allowance" when it runs out of gas there.
 * @example
 * const gas = await estimateGas(node, { from, to, data, value }, { tag: "latest" });
 */
export async function estimateGas(node: ChainNode, request: CallRequest, spec: BlockSpec): Promise<bigint> {
  const at = stateOf(node, spec);
  const cap = maxTransactionGas(node);
  let hi = request.gas !== undefined && request.gas < cap ? request.gas : cap;
  const priced = request.gasPrice ?? request.maxFeePerGas;
  if (priced !== undefined && priced > 0n) {
    // With a price, the balance bounds the gas: geth's "allowance".
    const from = request.from ?? createZeroAddress();
    const balance = (await node.stateAt(at.root).getAccount(from))?.balance ?? 0n;
    const value = request.value ?? 0n;
    if (value > balance) {
      throw serverError(`insufficient funds for transfer: address ${from} have ${balance} want ${value}`);
    }
    const allowance = (balance - value) / priced;
    if (allowance < hi) hi = allowance;
  }
  const run = (gas: bigint) => simulate(node, request, at, gas);
  const first = await run(hi);
  const failure = failureOf(first);
  if (failure !== undefined) {
    if (failure.code !== INVALID_INPUT || !failure.message.startsWith("out of gas")) throw failure;
    throw serverError(`gas required exceeds allowance (${hi})${executeHalt(first.executeCalls)}`);
  }
  const succeeds = async (gas: bigint) => failureOf(await run(gas)) === undefined;
  const minimum = first.tx.getMinimumGasLimit();
  // What the run consumed before refunds: intrinsic gas plus execution.
  const consumed = first.tx.getIntrinsicGas() + first.result.execResult.executionGasUsed;
  let lo = (consumed > minimum ? consumed : minimum) - 1n;
  if (lo + 1n >= hi) return hi;
  if (await succeeds(lo + 1n)) return lo + 1n;
  lo += 1n;
  // geth's optimistic guess: what a call forwarding 63/64 of its gas needs, with a stipend.
  const optimistic = ((consumed + 2300n) * 64n) / 63n;
  if (optimistic < hi) {
    if (await succeeds(optimistic)) hi = optimistic;
    else lo = optimistic;
  }
  while (lo + 1n < hi) {
    const mid = (lo + hi) / 2n;
    if (await succeeds(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * `eth_createAccessList`: the addresses and slots the call touches (less its sender, its
 * recipient and the precompiles, which are warm anyway) and the gas it uses with that list.
 *
 * @example
 * const { accessList, gasUsed } = await createAccessList(node, { from, to, data }, { tag: "latest" });
 */
export async function createAccessList(
  node: ChainNode,
  request: CallRequest,
  spec: BlockSpec,
): Promise<{ accessList: { address: Hex; storageKeys: Hex[] }[]; gasUsed: Hex; error?: string }> {
  const at = stateOf(node, spec);
  const cap = maxTransactionGas(node);
  const gas = request.gas !== undefined && request.gas < cap ? request.gas : cap;
  const traced = await simulate(node, request, at, gas, { reportAccessList: true });
  const excluded = new Set([(request.from ?? createZeroAddress()).toString(), request.to?.toString()]);
  // Ethereum's precompiles (0x01 to 0x11 under Osaka) and EXECUTE at 0x0101.
  const isPrecompile = (address: string) => {
    const n = BigInt(address);
    return (n > 0n && n <= 0x11n) || n === 0x101n;
  };
  const accessList = (traced.result.accessList ?? [])
    .map((item) => ({ address: item.address.toLowerCase() as Hex, storageKeys: item.storageKeys as Hex[] }))
    .filter((item) => !excluded.has(item.address) || item.storageKeys.length > 0)
    .filter((item) => !isPrecompile(item.address));
  const withList = await simulate(node, { ...request, accessList }, at, gas);
  const failure = failureOf(withList);
  return {
    accessList,
    gasUsed: `0x${withList.result.totalGasSpent.toString(16)}`,
    ...(failure !== undefined ? { error: failure.message } : {}),
  };
}
