/**
 * Running code on a node's state outside block production: a call (`eth_call`), and a block
 * built elsewhere re-executed on its parent's state before the node imports it.
 */
import type { Block } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import type { EVMMockBlockchainInterface, EVMResult } from "@ethereumjs/evm";
import { Account, type Address, createAddressFromString } from "@ethereumjs/util";
import type { RunBlockResult, VM } from "@ethereumjs/vm";
import type { FailClosedStateManager } from "../stateless/state-manager.ts";
import { type BlockRules, createBlockVM, runBlockChecked } from "../stateless/vm.ts";

export type CallParams = {
  from?: Address;
  to?: Address;
  data?: Uint8Array;
  value?: bigint;
  gas?: bigint;
  blobVersionedHashes?: `0x${string}`[];
};

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/**
 * Runs a call with `vm` on `stateManager` in the context of `block`, as `eth_call` does: from the
 * zero address by default, without a balance check unless it sends value.
 */
export async function runCall(
  vm: VM,
  stateManager: FailClosedStateManager,
  block: Block,
  params: CallParams,
  defaultGas: bigint,
): Promise<EVMResult> {
  const from = params.from ?? createAddressFromString(ZERO_ADDRESS);
  if ((await stateManager.getAccount(from)) === undefined) await stateManager.putAccount(from, new Account());
  return vm.evm.runCall({
    block,
    caller: from,
    origin: from,
    ...(params.to ? { to: params.to } : {}),
    data: params.data ?? new Uint8Array(),
    value: params.value ?? 0n,
    gasLimit: params.gas ?? defaultGas,
    skipBalance: params.value === undefined || params.value === 0n,
    ...(params.blobVersionedHashes ? { blobVersionedHashes: params.blobVersionedHashes } : {}),
  });
}

/**
 * Re-executes `block` on its parent's state in `stateManager` under the chain's `rules`: its
 * state root, receipts and gas must be the header's, or this throws.
 */
export async function reexecuteBlock(
  common: Common,
  stateManager: FailClosedStateManager,
  blockchain: EVMMockBlockchainInterface,
  block: Block,
  parent: Block,
  blockRules: BlockRules | undefined,
): Promise<RunBlockResult> {
  const rules = blockRules?.forBlock(block, parent.header);
  const vm = await createBlockVM(common, stateManager, blockchain, rules?.precompiles);
  rules?.attach(vm);
  const run = await runBlockChecked(vm, { block, skipHeaderValidation: true, skipBlockValidation: true });
  rules?.check(run);
  return run;
}
