/**
 * Conversions between a `NewPayloadRequest` (the consensus layer's view of a block) and an
 * ethereumjs block (execution-specs `new_payload_request_to_block`), with the checks the
 * engine API makes on the way: block hash, versioned hashes and request ordering.
 */
import {
  type Block,
  createBlock,
  genTransactionsTrieRoot,
  genWithdrawalsTrieRoot,
  type HeaderData,
} from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { createTxFromRLP, isBlob4844Tx, type TypedTransaction } from "@ethereumjs/tx";
import {
  bytesToHex,
  concatBytes,
  createWithdrawal,
  equalsBytes,
  hexToBytes,
  KECCAK256_RLP_ARRAY,
} from "@ethereumjs/util";
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { NrxError } from "../util/errors.ts";
import {
  type ExecutionPayload,
  isAmsterdamLayout,
  type NewPayloadRequest,
  type StatelessFork,
} from "./ssz.ts";

export class InvalidPayloadError extends NrxError {
  override name = "InvalidPayloadError";
  constructor(
    message: string,
    readonly reason:
      | "invalid_transaction_encoding"
      | "invalid_block_hash"
      | "invalid_versioned_hashes"
      | "invalid_execution_requests"
      | "invalid_payload_fields",
  ) {
    super(message);
  }
}

/** EIP-7685: `sha256(sha256(r_0) || sha256(r_1) || ...)` over the non-empty requests, in type order. */
export function computeRequestsHash(requests: Uint8Array[]): Uint8Array {
  return sha256(concatBytes(...requests.map((r) => sha256(r))));
}

function checkExecutionRequests(requests: Uint8Array[]): void {
  let previousType = -1;
  for (const request of requests) {
    // A request is `type || data`; empty data must be left out, and types appear once, ascending.
    if (request.length <= 1 || request[0] <= previousType) {
      throw new InvalidPayloadError(
        "execution requests must be non-empty and ordered by type",
        "invalid_execution_requests",
      );
    }
    previousType = request[0];
  }
}

function decodeTransactions(transactions: Uint8Array[], common: Common): TypedTransaction[] {
  return transactions.map((bytes, index) => {
    try {
      return createTxFromRLP(bytes, { common });
    } catch (err) {
      throw new InvalidPayloadError(
        `transaction ${index} does not decode: ${(err as Error).message}`,
        "invalid_transaction_encoding",
      );
    }
  });
}

/** Builds the block a payload describes and checks it hashes to the payload's `block_hash`. */
export async function newPayloadRequestToBlock(
  request: NewPayloadRequest,
  fork: StatelessFork,
  common: Common,
): Promise<Block> {
  const payload = request.executionPayload;
  checkExecutionRequests(request.executionRequests);
  const transactions = decodeTransactions(payload.transactions, common);
  const blobHashes = transactions.flatMap((tx) =>
    isBlob4844Tx(tx) ? tx.blobVersionedHashes.map((h) => hexToBytes(h)) : [],
  );
  if (
    blobHashes.length !== request.versionedHashes.length ||
    !blobHashes.every((h, i) => equalsBytes(h, request.versionedHashes[i]))
  ) {
    throw new InvalidPayloadError(
      "versioned hashes do not match the blob transactions",
      "invalid_versioned_hashes",
    );
  }
  const withdrawals = payload.withdrawals.map((w) => createWithdrawal(w));
  const header: HeaderData = {
    parentHash: payload.parentHash,
    uncleHash: KECCAK256_RLP_ARRAY,
    coinbase: payload.feeRecipient,
    stateRoot: payload.stateRoot,
    transactionsTrie: await genTransactionsTrieRoot(transactions, new MerklePatriciaTrie({ common })),
    receiptTrie: payload.receiptsRoot,
    logsBloom: payload.logsBloom,
    difficulty: 0n,
    number: payload.blockNumber,
    gasLimit: payload.gasLimit,
    gasUsed: payload.gasUsed,
    timestamp: payload.timestamp,
    extraData: payload.extraData,
    mixHash: payload.prevRandao,
    nonce: new Uint8Array(8),
    baseFeePerGas: payload.baseFeePerGas,
    withdrawalsRoot: await genWithdrawalsTrieRoot(withdrawals, new MerklePatriciaTrie({ common })),
    blobGasUsed: payload.blobGasUsed,
    excessBlobGas: payload.excessBlobGas,
    parentBeaconBlockRoot: request.parentBeaconBlockRoot,
  };
  if (common.isActivatedEIP(7685)) {
    header.requestsHash = computeRequestsHash(request.executionRequests);
  } else if (request.executionRequests.length > 0) {
    throw new InvalidPayloadError("execution requests before Prague", "invalid_execution_requests");
  }
  if (isAmsterdamLayout(fork)) {
    header.blockAccessListHash = keccak_256(payload.blockAccessList ?? new Uint8Array());
    header.slotNumber = payload.slotNumber ?? 0n;
  }
  let block: Block;
  try {
    block = createBlock({ header, transactions, withdrawals }, { common });
  } catch (err) {
    throw new InvalidPayloadError(
      `payload fields are invalid: ${(err as Error).message}`,
      "invalid_payload_fields",
    );
  }
  if (!equalsBytes(block.hash(), payload.blockHash)) {
    throw new InvalidPayloadError(
      `block hash ${bytesToHex(block.hash())} does not match the payload's ${bytesToHex(payload.blockHash)}`,
      "invalid_block_hash",
    );
  }
  return block;
}

/** The payload of a block (engine API `getPayload`), with its requests and versioned hashes. */
export function blockToNewPayloadRequest(
  block: Block,
  executionRequests: Uint8Array[] = [],
  blockAccessList?: Uint8Array,
): NewPayloadRequest {
  const h = block.header;
  const executionPayload: ExecutionPayload = {
    parentHash: h.parentHash,
    feeRecipient: h.coinbase.bytes,
    stateRoot: h.stateRoot,
    receiptsRoot: h.receiptTrie,
    logsBloom: h.logsBloom,
    prevRandao: h.mixHash,
    blockNumber: h.number,
    gasLimit: h.gasLimit,
    gasUsed: h.gasUsed,
    timestamp: h.timestamp,
    extraData: h.extraData,
    baseFeePerGas: h.baseFeePerGas ?? 0n,
    blockHash: block.hash(),
    transactions: block.transactions.map((tx) => tx.serialize()),
    withdrawals: (block.withdrawals ?? []).map((w) => ({
      index: w.index,
      validatorIndex: w.validatorIndex,
      address: w.address.bytes,
      amount: w.amount,
    })),
    blobGasUsed: h.blobGasUsed ?? 0n,
    excessBlobGas: h.excessBlobGas ?? 0n,
  };
  if (h.slotNumber !== undefined) {
    executionPayload.blockAccessList = blockAccessList ?? new Uint8Array();
    executionPayload.slotNumber = h.slotNumber;
  }
  return {
    executionPayload,
    versionedHashes: block.transactions.flatMap((tx) =>
      isBlob4844Tx(tx) ? tx.blobVersionedHashes.map((h) => hexToBytes(h)) : [],
    ),
    parentBeaconBlockRoot: h.parentBeaconBlockRoot ?? new Uint8Array(32),
    executionRequests,
  };
}
