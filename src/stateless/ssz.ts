/**
 * SSZ schema of the stateless state transition: `StatelessInput` and
 * `StatelessValidationResult`, as defined by execution-specs
 * (`forks/amsterdam/stateless_ssz.py`, the revision the EEST zkevm fixtures were filled with).
 *
 * Two wire forms exist (see docs/spec.md):
 * - the bare SSZ container (what the EEST fixtures carry in `statelessInputBytes`);
 * - the schema-prefixed form `schema_id (2 bytes, big-endian) || ssz`, which is what `EXECUTE` takes.
 *   `schema_id = fork_index << 8 | revision`; the fork index also selects the payload layout
 *   (Amsterdam adds `block_access_list` and `slot_number`).
 */
import {
  BooleanType,
  ByteListType,
  ByteVectorType,
  ContainerType,
  ListCompositeType,
  UintBigintType,
  type ValueOf,
} from "@chainsafe/ssz";
import { equalsBytes } from "@ethereumjs/util";
import { NrxError } from "../util/errors.ts";

// Limits of the fixture-era schema. Those that never show in a hash tree root of the
// fixtures (element sizes of empty lists) follow the execution-specs constants of that revision.
export const MAX_EXTRA_DATA_BYTES = 32;
export const MAX_BYTES_PER_TRANSACTION = 2 ** 30;
export const MAX_TRANSACTIONS_PER_PAYLOAD = 2 ** 20;
export const MAX_WITHDRAWALS_PER_PAYLOAD = 2 ** 16;
export const MAX_BLOB_COMMITMENTS_PER_BLOCK = 4096;
export const MAX_EXECUTION_REQUESTS = 16;
export const MAX_BYTES_PER_EXECUTION_REQUEST = 2 ** 23;
export const MAX_BLOCK_ACCESS_LIST_BYTES = 2 ** 24;
export const MAX_WITNESS_NODES = 2 ** 20;
export const MAX_BYTES_PER_WITNESS_NODE = 2 ** 20;
export const MAX_WITNESS_CODES = 2 ** 16;
export const MAX_BYTES_PER_CODE = 2 ** 24;
export const MAX_WITNESS_HEADERS = 256;
export const MAX_BYTES_PER_HEADER = 2 ** 10;
export const MAX_PUBLIC_KEYS = 2 ** 20;
export const MAX_BYTES_PER_PUBLIC_KEY = 65;

const Bytes20 = new ByteVectorType(20);
const Bytes32 = new ByteVectorType(32);
const Uint64 = new UintBigintType(8);
const Uint256 = new UintBigintType(32);

export const Withdrawal = new ContainerType(
  { index: Uint64, validatorIndex: Uint64, address: Bytes20, amount: Uint64 },
  { typeName: "Withdrawal" },
);

const payloadFieldsV3 = {
  parentHash: Bytes32,
  feeRecipient: Bytes20,
  stateRoot: Bytes32,
  receiptsRoot: Bytes32,
  logsBloom: new ByteVectorType(256),
  prevRandao: Bytes32,
  blockNumber: Uint64,
  gasLimit: Uint64,
  gasUsed: Uint64,
  timestamp: Uint64,
  extraData: new ByteListType(MAX_EXTRA_DATA_BYTES),
  baseFeePerGas: Uint256,
  blockHash: Bytes32,
  transactions: new ListCompositeType(
    new ByteListType(MAX_BYTES_PER_TRANSACTION),
    MAX_TRANSACTIONS_PER_PAYLOAD,
  ),
  withdrawals: new ListCompositeType(Withdrawal, MAX_WITHDRAWALS_PER_PAYLOAD),
  blobGasUsed: Uint64,
  excessBlobGas: Uint64,
};

/** Payload of Cancun through BPO2 (Prague and Osaka included): no block access list, no slot number. */
export const ExecutionPayloadV3 = new ContainerType(payloadFieldsV3, { typeName: "ExecutionPayloadV3" });

/** Amsterdam payload: adds the EIP-7928 block access list (RLP bytes) and the EIP-7843 slot number. */
export const ExecutionPayloadAmsterdam = new ContainerType(
  { ...payloadFieldsV3, blockAccessList: new ByteListType(MAX_BLOCK_ACCESS_LIST_BYTES), slotNumber: Uint64 },
  { typeName: "ExecutionPayloadAmsterdam" },
);

const requestFields = {
  versionedHashes: new ListCompositeType(Bytes32, MAX_BLOB_COMMITMENTS_PER_BLOCK),
  parentBeaconBlockRoot: Bytes32,
  // Requests travel as opaque `request_type || request_data` byte strings, in order (EIP-7685).
  executionRequests: new ListCompositeType(
    new ByteListType(MAX_BYTES_PER_EXECUTION_REQUEST),
    MAX_EXECUTION_REQUESTS,
  ),
};

export const NewPayloadRequestV3 = new ContainerType(
  {
    executionPayload: ExecutionPayloadV3,
    versionedHashes: requestFields.versionedHashes,
    parentBeaconBlockRoot: requestFields.parentBeaconBlockRoot,
    executionRequests: requestFields.executionRequests,
  },
  { typeName: "NewPayloadRequestV3" },
);

export const NewPayloadRequestAmsterdam = new ContainerType(
  {
    executionPayload: ExecutionPayloadAmsterdam,
    versionedHashes: requestFields.versionedHashes,
    parentBeaconBlockRoot: requestFields.parentBeaconBlockRoot,
    executionRequests: requestFields.executionRequests,
  },
  { typeName: "NewPayloadRequestAmsterdam" },
);

export const ExecutionWitness = new ContainerType(
  {
    state: new ListCompositeType(new ByteListType(MAX_BYTES_PER_WITNESS_NODE), MAX_WITNESS_NODES),
    codes: new ListCompositeType(new ByteListType(MAX_BYTES_PER_CODE), MAX_WITNESS_CODES),
    headers: new ListCompositeType(new ByteListType(MAX_BYTES_PER_HEADER), MAX_WITNESS_HEADERS),
  },
  { typeName: "ExecutionWitness" },
);

export const ChainConfig = new ContainerType({ chainId: Uint64 }, { typeName: "ChainConfig" });

const publicKeys = new ListCompositeType(new ByteListType(MAX_BYTES_PER_PUBLIC_KEY), MAX_PUBLIC_KEYS);

export const StatelessInputV3 = new ContainerType(
  { newPayloadRequest: NewPayloadRequestV3, witness: ExecutionWitness, chainConfig: ChainConfig, publicKeys },
  { typeName: "StatelessInputV3" },
);

export const StatelessInputAmsterdam = new ContainerType(
  {
    newPayloadRequest: NewPayloadRequestAmsterdam,
    witness: ExecutionWitness,
    chainConfig: ChainConfig,
    publicKeys,
  },
  { typeName: "StatelessInputAmsterdam" },
);

export const StatelessValidationResult = new ContainerType(
  { newPayloadRequestRoot: Bytes32, successfulValidation: new BooleanType(), chainConfig: ChainConfig },
  { typeName: "StatelessValidationResult" },
);

export type ExecutionPayloadV3Value = ValueOf<typeof ExecutionPayloadV3>;
export type ExecutionPayloadAmsterdamValue = ValueOf<typeof ExecutionPayloadAmsterdam>;
/** An execution payload of any supported fork; Amsterdam-only fields are absent before Amsterdam. */
export type ExecutionPayload = ExecutionPayloadV3Value & {
  blockAccessList?: Uint8Array;
  slotNumber?: bigint;
};
export type WithdrawalValue = ValueOf<typeof Withdrawal>;
export type ExecutionWitnessValue = ValueOf<typeof ExecutionWitness>;
export type StatelessValidationResultValue = ValueOf<typeof StatelessValidationResult>;

export type NewPayloadRequest = {
  executionPayload: ExecutionPayload;
  versionedHashes: Uint8Array[];
  parentBeaconBlockRoot: Uint8Array;
  executionRequests: Uint8Array[];
};

/** Forks whose payloads the stateless schema can carry, with their execution-specs `ProtocolFork` index. */
export const PROTOCOL_FORKS = {
  cancun: 0x10,
  prague: 0x11,
  osaka: 0x12,
  bpo1: 0x13,
  bpo2: 0x14,
  amsterdam: 0x15,
} as const;
export type StatelessFork = keyof typeof PROTOCOL_FORKS;
export const SCHEMA_REVISION = 0x01;
export const SCHEMA_ID_SIZE = 2;

/** A decoded `StatelessInput`, tagged with the fork whose schema (and EVM rules) it uses. */
export type StatelessInput = {
  fork: StatelessFork;
  newPayloadRequest: NewPayloadRequest;
  witness: ExecutionWitnessValue;
  chainConfig: { chainId: bigint };
  publicKeys: Uint8Array[];
};

export class StatelessInputDecodeError extends NrxError {
  override name = "StatelessInputDecodeError";
  constructor(
    message: string,
    readonly reason: "schema_id" | "ssz" | "non_canonical",
  ) {
    super(message);
  }
}

export function isAmsterdamLayout(fork: StatelessFork): boolean {
  return PROTOCOL_FORKS[fork] >= PROTOCOL_FORKS.amsterdam;
}

/** `fork_index << 8 | revision`, e.g. `0x1501` for Amsterdam and `0x1201` for Osaka. */
export function schemaIdOf(fork: StatelessFork): number {
  return (PROTOCOL_FORKS[fork] << 8) | SCHEMA_REVISION;
}

export function forkOfSchemaId(schemaId: number): StatelessFork {
  const revision = schemaId & 0xff;
  const index = schemaId >> 8;
  const fork = (Object.keys(PROTOCOL_FORKS) as StatelessFork[]).find((f) => PROTOCOL_FORKS[f] === index);
  if (fork === undefined || revision !== SCHEMA_REVISION) {
    throw new StatelessInputDecodeError(
      `unsupported stateless input schema id 0x${schemaId.toString(16).padStart(4, "0")}`,
      "schema_id",
    );
  }
  return fork;
}

function inputType(fork: StatelessFork) {
  return isAmsterdamLayout(fork) ? StatelessInputAmsterdam : StatelessInputV3;
}

function newPayloadRequestType(fork: StatelessFork) {
  return isAmsterdamLayout(fork) ? NewPayloadRequestAmsterdam : NewPayloadRequestV3;
}

/** Strips fields the fork's layout lacks, so a value from any fork encodes under the chosen schema. */
function toSszValue(input: Omit<StatelessInput, "fork">, fork: StatelessFork) {
  const p = input.newPayloadRequest.executionPayload;
  const executionPayload = isAmsterdamLayout(fork)
    ? { ...p, blockAccessList: p.blockAccessList ?? new Uint8Array(), slotNumber: p.slotNumber ?? 0n }
    : (({ blockAccessList: _b, slotNumber: _s, ...rest }) => rest)(p);
  return { ...input, newPayloadRequest: { ...input.newPayloadRequest, executionPayload } };
}

/** Encodes the bare SSZ container (no schema id), as the EEST fixtures carry it. */
export function encodeStatelessInputSsz(input: StatelessInput): Uint8Array {
  // biome-ignore lint/suspicious/noExplicitAny: the value matches the type chosen for this fork
  return inputType(input.fork).serialize(toSszValue(input, input.fork) as any);
}

/**
 * Decodes the bare SSZ container under the given fork's schema. Rejects malformed and
 * non-canonical encodings (re-encoding must give back the same bytes), so one input has one meaning.
 */
export function decodeStatelessInputSsz(bytes: Uint8Array, fork: StatelessFork): StatelessInput {
  let value: ValueOf<typeof StatelessInputV3>;
  try {
    value = inputType(fork).deserialize(bytes);
  } catch (err) {
    throw new StatelessInputDecodeError(`malformed StatelessInput SSZ: ${(err as Error).message}`, "ssz");
  }
  const input: StatelessInput = { fork, ...value };
  if (!equalsBytes(encodeStatelessInputSsz(input), bytes)) {
    throw new StatelessInputDecodeError("non-canonical StatelessInput SSZ encoding", "non_canonical");
  }
  return input;
}

/** Encodes `schema_id || ssz`, the form `EXECUTE` and the CLI take. */
export function encodeStatelessInput(input: StatelessInput): Uint8Array {
  const body = encodeStatelessInputSsz(input);
  const out = new Uint8Array(SCHEMA_ID_SIZE + body.length);
  const id = schemaIdOf(input.fork);
  out[0] = id >> 8;
  out[1] = id & 0xff;
  out.set(body, SCHEMA_ID_SIZE);
  return out;
}

/** Decodes `schema_id || ssz`; the schema id selects the fork. */
export function decodeStatelessInput(bytes: Uint8Array): StatelessInput {
  if (bytes.length < SCHEMA_ID_SIZE) {
    throw new StatelessInputDecodeError("stateless input is missing its schema id", "schema_id");
  }
  const fork = forkOfSchemaId((bytes[0] << 8) | bytes[1]);
  return decodeStatelessInputSsz(bytes.subarray(SCHEMA_ID_SIZE), fork);
}

/** `hash_tree_root(new_payload_request)`: the payload's identity in proofs and in `EXECUTE`'s output. */
export function hashNewPayloadRequest(request: NewPayloadRequest, fork: StatelessFork): Uint8Array {
  const { newPayloadRequest } = toSszValue(
    {
      newPayloadRequest: request,
      witness: { state: [], codes: [], headers: [] },
      chainConfig: { chainId: 0n },
      publicKeys: [],
    },
    fork,
  );
  // biome-ignore lint/suspicious/noExplicitAny: the value matches the type chosen for this fork
  return newPayloadRequestType(fork).hashTreeRoot(newPayloadRequest as any);
}

export function encodeStatelessValidationResult(result: StatelessValidationResultValue): Uint8Array {
  return StatelessValidationResult.serialize(result);
}

export function decodeStatelessValidationResult(bytes: Uint8Array): StatelessValidationResultValue {
  return StatelessValidationResult.deserialize(bytes);
}
