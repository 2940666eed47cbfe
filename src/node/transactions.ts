/** Transaction admission: what a node accepts into its mempool, before fees and nonces. */
import type { Common } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import {
  type Blob4844Tx,
  createBlob4844TxFromSerializedNetworkWrapper,
  createTxFromRLP,
  type TypedTransaction,
} from "@ethereumjs/tx";
import { bytesToBigInt } from "@ethereumjs/util";
import { TransactionRejectedError } from "./mempool.ts";
import type { ChainRules } from "./rules.ts";

/** A raw transaction decoded; a blob transaction in its network form, with blobs, commitments and proofs. */
export function decodeRawTransaction(raw: Uint8Array, common: Common): TypedTransaction {
  if (raw[0] === 0x03) {
    try {
      return createBlob4844TxFromSerializedNetworkWrapper(raw, { common });
    } catch (err) {
      // The canonical form (no sidecar) is no network wrapper: decode it anyway, so that
      // admission can say what is missing instead of "expected 4 or 5 values".
      try {
        return createTxFromRLP(raw, { common });
      } catch {
        throw err;
      }
    }
  }
  return createTxFromRLP(raw, { common });
}

/**
 * The chain id a raw transaction is signed for, read from its encoding before anything else is
 * checked: a typed transaction's first field (EIP-2718), a legacy one's from `v` (EIP-155);
 * `null` for a legacy transaction signed without one (`v` 27 or 28), which replays on every chain;
 * `undefined` when the bytes are not a transaction's.
 *
 * @example
 * signedChainId(createLegacyTx({ ... }).sign(key).serialize()); // null: pre-EIP-155
 */
export function signedChainId(raw: Uint8Array): bigint | null | undefined {
  try {
    if (raw.length > 0 && raw[0] <= 0x7f) {
      const fields = RLP.decode(raw.subarray(1)) as unknown[];
      // A blob transaction in network form wraps its fields in a list of four.
      const body = raw[0] === 0x03 && Array.isArray(fields[0]) ? (fields[0] as unknown[]) : fields;
      return body[0] instanceof Uint8Array ? bytesToBigInt(body[0]) : undefined;
    }
    const fields = RLP.decode(raw) as unknown[];
    if (fields.length !== 9 || !(fields[6] instanceof Uint8Array)) return undefined;
    const v = bytesToBigInt(fields[6]);
    if (v === 27n || v === 28n) return null;
    return v >= 35n ? (v - 35n) / 2n : undefined;
  } catch {
    return undefined;
  }
}

/** What a node's admission allows beyond the default. */
export type AdmissionOptions = {
  /** Take legacy transactions signed without a chain id (geth's `--rpc.allow-unprotected-txs`). */
  allowUnprotected?: boolean;
};

/**
 * `raw` decoded, if the chain takes it: signed for this chain (EIP-155; unprotected legacy
 * transactions only when `options.allowUnprotected`), and a blob transaction only where the rules
 * allow them and with its blobs. Throws `TransactionRejectedError` otherwise: `wrong_chain_id`,
 * `unprotected` or `invalid`.
 */
export function admissibleTransaction(
  raw: Uint8Array,
  common: Common,
  rules: ChainRules,
  options: AdmissionOptions = {},
): TypedTransaction {
  const chainId = signedChainId(raw);
  if (chainId === null && !options.allowUnprotected) {
    throw new TransactionRejectedError(
      "the transaction has no chain id, so it would replay on every chain; sign it with EIP-155 (or start the node with --allow-unprotected-txs)",
      "unprotected",
    );
  }
  if (typeof chainId === "bigint" && chainId !== common.chainId()) {
    throw new TransactionRejectedError(
      `the transaction is signed for chain ${chainId}; this is chain ${common.chainId()}`,
      "wrong_chain_id",
    );
  }
  let tx: TypedTransaction;
  try {
    tx = decodeRawTransaction(raw, common);
  } catch (err) {
    throw new TransactionRejectedError(`invalid transaction: ${(err as Error).message}`, "invalid");
  }
  if (!tx.isSigned()) throw new TransactionRejectedError("transaction is not signed", "invalid");
  if (tx.type === 3 && rules.l2Constraints) {
    throw new TransactionRejectedError("blob transactions are not allowed on an L2", "invalid");
  }
  if (tx.type === 3 && (tx as Blob4844Tx).blobs === undefined) {
    throw new TransactionRejectedError(
      "blob transaction without its blobs: send the network form",
      "invalid",
    );
  }
  if (tx.common.chainId() !== common.chainId()) {
    throw new TransactionRejectedError(
      `chain id ${tx.common.chainId()} is not ${common.chainId()}`,
      "invalid",
    );
  }
  return tx;
}
