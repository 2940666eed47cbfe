/**
 * `eth_sendRawTransaction` and `eth_sendTransaction`. The mempool's rejections are answered with
 * geth's messages (code -32000), which viem, ethers and cast turn into their typed errors
 * (`NonceTooLowError`, `InsufficientFundsError`...). `eth_sendTransaction` signs for the dev
 * accounts, filling nonce, gas and fees as a wallet does.
 */
import {
  createAccessList2930Tx,
  createFeeMarket1559Tx,
  createLegacyTx,
  type TypedTransaction,
} from "@ethereumjs/tx";
import { hexToBytes } from "@ethereumjs/util";
import type { Hex } from "viem";
import type { DevAccount } from "../node/accounts.ts";
import { type RejectionCode, TransactionRejectedError } from "../node/mempool.ts";
import type { ChainNode } from "../node/node.ts";
import { INVALID_INPUT, RpcError } from "./errors.ts";
import { nextBaseFee, suggestedTip } from "./fees.ts";
import { type CallRequest, LATEST } from "./params.ts";
import { estimateGas } from "./simulate.ts";

/** geth's message for each rejection; `detail`: whether geth appends the particulars. */
const GETH_MESSAGES: Record<RejectionCode, { message: string; detail: boolean }> = {
  nonce_too_low: { message: "nonce too low", detail: true },
  insufficient_funds: { message: "insufficient funds for gas * price + value", detail: true },
  underpriced: { message: "transaction underpriced", detail: true },
  replacement_underpriced: { message: "replacement transaction underpriced", detail: false },
  gas_limit: { message: "exceeds block gas limit", detail: false },
  intrinsic_gas: { message: "intrinsic gas too low", detail: true },
  pool_full: { message: "txpool is full", detail: false },
  fee_cap_too_low: { message: "max fee per gas less than block base fee", detail: true },
  already_known: { message: "already known", detail: false },
  wrong_chain_id: { message: "invalid chain id for signer", detail: true },
  unprotected: { message: "only replay-protected (EIP-155) transactions allowed over RPC", detail: false },
  invalid: { message: "invalid transaction", detail: true },
};

/** Messages of transactions ethereumjs refuses to decode, in geth's words. */
function invalidMessage(message: string): string {
  if (/chain id/i.test(message)) return `invalid chain id for signer: ${message}`;
  if (/EIP-7825/.test(message)) return `transaction gas limit too high: ${message}`;
  if (/maxFeePerGas cannot be less than maxPriorityFeePerGas/.test(message)) {
    return `max priority fee per gas higher than max fee per gas: ${message}`;
  }
  if (/not signed|signature|invalid (s|v|r)\b/i.test(message)) return `invalid sender: ${message}`;
  return message.startsWith("invalid transaction") ? message : `invalid transaction: ${message}`;
}

/**
 * The JSON-RPC error for a rejection: geth's message, with the node's particulars after a colon
 * where geth gives them too.
 *
 * @example
 * rejectionError(new TransactionRejectedError("nonce 0 is below the account nonce 1", "nonce_too_low"));
 * // RpcError(-32000, "nonce too low: nonce 0 is below the account nonce 1")
 */
export function rejectionError(err: TransactionRejectedError): RpcError {
  if (err.code === "invalid") return new RpcError(INVALID_INPUT, invalidMessage(err.message));
  const { message, detail } = GETH_MESSAGES[err.code];
  if (err.code === "fee_cap_too_low" && /blob/.test(err.message)) {
    return new RpcError(INVALID_INPUT, `max fee per blob gas less than block blob gas fee: ${err.message}`);
  }
  return new RpcError(INVALID_INPUT, detail ? `${message}: ${err.message}` : message);
}

/**
 * Hands a signed transaction to the node, answering rejections as geth does.
 *
 * @example
 * const hash = await sendRaw(node, hexToBytes(raw));
 */
export async function sendRaw(node: ChainNode, raw: Uint8Array): Promise<Hex> {
  try {
    return await node.sendRawTransaction(raw);
  } catch (err) {
    if (err instanceof TransactionRejectedError) throw rejectionError(err);
    throw err;
  }
}

/**
 * The dev account with this address, whose key the node holds.
 *
 * @throws {RpcError} -32000 "unknown account" (geth's words) for any other address.
 */
export function devAccount(node: ChainNode, address: string | undefined): DevAccount {
  if (address === undefined) throw new RpcError(INVALID_INPUT, 'missing "from" in the transaction');
  const account = node.devAccounts.find((a) => a.address.toLowerCase() === address.toLowerCase());
  if (account === undefined) throw new RpcError(INVALID_INPUT, `unknown account ${address}`);
  return account;
}

/**
 * Signs a transaction for a dev account (`eth_signTransaction`), filling what a wallet fills:
 * the nonce from the pending state, gas by estimate, an EIP-1559 fee cap of twice the next
 * base fee plus the suggested tip. With `gasPrice` it is legacy (type 1 with an access list).
 *
 * @example
 * const signed = await signDevTransaction(node, { from, to, value: 1n });
 */
export async function signDevTransaction(node: ChainNode, request: CallRequest): Promise<TypedTransaction> {
  const account = devAccount(node, request.from?.toString());
  if (request.chainId !== undefined && request.chainId !== node.config.chainId) {
    throw new RpcError(
      INVALID_INPUT,
      `invalid chain id for signer: have ${request.chainId} want ${node.config.chainId}`,
    );
  }
  if (request.blobVersionedHashes !== undefined) {
    throw new RpcError(
      INVALID_INPUT,
      "blob transactions need their blobs: sign them yourself and use eth_sendRawTransaction",
    );
  }
  const from = request.from!;
  const stateNonce = (await node.stateAt().getAccount(from))?.nonce ?? 0n;
  const nonce = request.nonce ?? node.mempool.pendingNonce(from, stateNonce);
  const gasLimit = request.gas ?? (await estimateGas(node, request, LATEST));
  const base = {
    nonce,
    gasLimit,
    value: request.value ?? 0n,
    data: request.data ?? new Uint8Array(),
    ...(request.to ? { to: request.to } : {}),
  };
  const accessList = request.accessList ?? [];
  const options = { common: node.common };
  let tx: TypedTransaction;
  try {
    if (request.gasPrice !== undefined) {
      tx =
        accessList.length > 0
          ? createAccessList2930Tx({ ...base, gasPrice: request.gasPrice, accessList }, options)
          : createLegacyTx({ ...base, gasPrice: request.gasPrice }, options);
    } else {
      const tip = request.maxPriorityFeePerGas ?? suggestedTip(node);
      const maxFeePerGas = request.maxFeePerGas ?? 2n * nextBaseFee(node) + tip;
      tx = createFeeMarket1559Tx({ ...base, maxFeePerGas, maxPriorityFeePerGas: tip, accessList }, options);
    }
  } catch (err) {
    throw new RpcError(INVALID_INPUT, invalidMessage((err as Error).message));
  }
  return tx.sign(hexToBytes(account.privateKey));
}

/**
 * `eth_sendTransaction` for the dev accounts: signs as `signDevTransaction` and sends.
 *
 * @example
 * const hash = await sendDevTransaction(node, { from, to, value: 1n });
 */
export async function sendDevTransaction(node: ChainNode, request: CallRequest): Promise<Hex> {
  return sendRaw(node, (await signDevTransaction(node, request)).serialize());
}
