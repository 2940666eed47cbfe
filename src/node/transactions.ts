/** Transaction admission: what a node accepts into its mempool, before fees and nonces. */
import type { Common } from "@ethereumjs/common";
import {
  type Blob4844Tx,
  createBlob4844TxFromSerializedNetworkWrapper,
  createTxFromRLP,
  type TypedTransaction,
} from "@ethereumjs/tx";
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
 * `raw` decoded, if the chain takes it: signed, for this chain, and a blob transaction only where
 * the rules allow them and with its blobs. Throws `TransactionRejectedError` ("invalid") otherwise.
 */
export function admissibleTransaction(raw: Uint8Array, common: Common, rules: ChainRules): TypedTransaction {
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
