/**
 * The protocol's work in a block outside its transactions, as execution-specs' `apply_body`
 * does it (Prague and Osaka): the system transactions at the start of the block (EIP-4788's
 * beacon root, EIP-2935's parent hash) and the general-purpose requests at its end (EIP-6110
 * deposits from the receipts' logs, EIP-7002 withdrawal and EIP-7251 consolidation requests
 * from their predeploys). The block builder runs these on ethereumjs' public API; the stateless
 * verifier runs ethereumjs' `runBlock`, which does the same for the canonical system contracts.
 */
import type { Block } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { Mainnet } from "@ethereumjs/common";
import {
  type Address,
  bytesToBigInt,
  CLRequest,
  CLRequestType,
  concatBytes,
  createAddressFromBigInt,
  createAddressFromString,
  equalsBytes,
  hexToBytes,
} from "@ethereumjs/util";
import type { TxReceipt, VM } from "@ethereumjs/vm";
import { SystemContractError } from "../stateless/vm.ts";

const BEACON_ROOTS_ADDRESS = createAddressFromString("0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02");
/** The deposit contract of the devnet's chain parameters (mainnet's, as in `commonFor`). */
const DEPOSIT_CONTRACT_ADDRESS = hexToBytes(Mainnet.depositContractAddress as `0x${string}`);
const DEPOSIT_EVENT_SIGNATURE_HASH = hexToBytes(
  "0x649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5",
);

function systemAddress(common: Common): Address {
  return createAddressFromBigInt(common.param("systemAddress"));
}

/**
 * A message from the system address to `target` with `data` and the system transaction's gas
 * (execution-specs `process_system_transaction`). The system address is not an account of
 * the block: ethereumjs' EVM loads the caller of every message, so its account is put back as
 * it was.
 */
async function processSystemTransaction(vm: VM, block: Block, target: Address, data: Uint8Array) {
  const caller = systemAddress(vm.common);
  const before = await vm.stateManager.getAccount(caller);
  const result = await vm.evm.runCall({
    block,
    caller,
    to: target,
    data,
    gasLimit: vm.common.param("systemCallGasLimit"),
  });
  if (before === undefined) await vm.stateManager.deleteAccount(caller);
  else await vm.stateManager.putAccount(caller, before);
  return result.execResult;
}

/** A system transaction whose target may be absent: then nothing happens. */
async function processUncheckedSystemTransaction(
  vm: VM,
  block: Block,
  target: Address,
  data: Uint8Array,
): Promise<void> {
  if ((await vm.stateManager.getCode(target)).length === 0) return;
  await processSystemTransaction(vm, block, target, data);
  await vm.evm.journal.cleanup();
}

/** A system transaction that must succeed: an empty or failing target makes the block invalid. */
async function processCheckedSystemTransaction(vm: VM, block: Block, target: Address): Promise<Uint8Array> {
  if ((await vm.stateManager.getCode(target)).length === 0) {
    throw new SystemContractError(`system contract empty: no code at ${target}`);
  }
  const result = await processSystemTransaction(vm, block, target, new Uint8Array());
  if (result.exceptionError !== undefined) {
    throw new SystemContractError(`system contract call failed: ${target} (${result.exceptionError.error})`);
  }
  return result.returnValue;
}

/** The start of a block: EIP-4788 stores the parent beacon block root, EIP-2935 the parent hash. */
export async function processBlockStart(vm: VM, block: Block): Promise<void> {
  const { header } = block;
  if (vm.common.isActivatedEIP(4788)) {
    const root = header.parentBeaconBlockRoot ?? new Uint8Array(32); // always set under EIP-4788
    await processUncheckedSystemTransaction(vm, block, BEACON_ROOTS_ADDRESS, root);
  }
  if (vm.common.isActivatedEIP(2935)) {
    const history = createAddressFromBigInt(vm.common.param("historyStorageAddress"));
    await processUncheckedSystemTransaction(vm, block, history, header.parentHash);
  }
}

/** The ABI layout of the deposit event's data: five dynamic byte fields at fixed offsets. */
const DEPOSIT_FIELDS = [
  { offset: 160, size: 48 }, // pubkey
  { offset: 256, size: 32 }, // withdrawal credentials
  { offset: 320, size: 8 }, // amount
  { offset: 384, size: 96 }, // signature
  { offset: 512, size: 8 }, // index
];
const DEPOSIT_LOG_SIZE = 576;

/** EIP-6110's deposit request in a deposit event's data (execution-specs `extract_deposit_data`). */
function extractDepositData(data: Uint8Array): Uint8Array {
  const layoutMismatch = () => new SystemContractError("invalid deposit log: unsupported data layout");
  if (data.length !== DEPOSIT_LOG_SIZE) throw layoutMismatch();
  const word = (at: number) => bytesToBigInt(data.subarray(at, at + 32));
  const fields = DEPOSIT_FIELDS.map(({ offset, size }, i) => {
    if (word(i * 32) !== BigInt(offset) || word(offset) !== BigInt(size)) throw layoutMismatch();
    return data.subarray(offset + 32, offset + 32 + size);
  });
  return concatBytes(...fields);
}

/** EIP-6110: the deposit contract's events in the block's receipts, in order. */
function parseDepositRequests(receipts: TxReceipt[]): Uint8Array {
  const deposits: Uint8Array[] = [];
  for (const receipt of receipts) {
    for (const [address, topics, data] of receipt.logs) {
      const [topic] = topics;
      if (!equalsBytes(address, DEPOSIT_CONTRACT_ADDRESS) || topic === undefined) continue;
      if (equalsBytes(topic, DEPOSIT_EVENT_SIGNATURE_HASH)) deposits.push(extractDepositData(data));
    }
  }
  return concatBytes(...deposits);
}

/**
 * The end of a block (EIP-7685): deposits, then the withdrawal and consolidation requests the
 * predeploys dequeue, each typed, in type order (execution-specs `process_general_purpose_requests`).
 */
export async function processGeneralPurposeRequests(
  vm: VM,
  block: Block,
  receipts: TxReceipt[],
): Promise<CLRequest<CLRequestType>[]> {
  const { common } = vm;
  const requests: CLRequest<CLRequestType>[] = [];
  if (common.isActivatedEIP(6110)) {
    requests.push(new CLRequest(CLRequestType.Deposit, parseDepositRequests(receipts)));
  }
  const predeploys: [number, CLRequestType, string][] = [
    [7002, CLRequestType.Withdrawal, "withdrawalRequestPredeployAddress"],
    [7251, CLRequestType.Consolidation, "consolidationRequestPredeployAddress"],
  ];
  for (const [eip, type, param] of predeploys) {
    if (!common.isActivatedEIP(eip)) continue;
    const predeploy = createAddressFromBigInt(common.param(param));
    requests.push(new CLRequest(type, await processCheckedSystemTransaction(vm, block, predeploy)));
  }
  return requests;
}
