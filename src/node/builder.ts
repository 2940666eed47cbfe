/**
 * The one block builder: the node's block production, the workload generator and the
 * benchmarks all build blocks here, on ethereumjs' `BlockBuilder`, with the same VM the
 * stateless verifier runs (src/stateless/vm.ts), so every built block re-verifies from its own
 * witness. A transaction is added all or nothing, in time linear in the block's transactions.
 */
import { type Block, createBlock } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import type { CustomPrecompile, EVM } from "@ethereumjs/evm";
import type { TypedTransaction } from "@ethereumjs/tx";
import { type Address, equalsBytes, MapDB } from "@ethereumjs/util";
import { type BlockBuilder, buildBlock, type RunTxResult, type TxReceipt, type VM } from "@ethereumjs/vm";
import { encodeExecutionRequests } from "../stateless/generate.ts";
import { createStateManager, type FailClosedStateManager } from "../stateless/state-manager.ts";
import { createBlockVM } from "../stateless/vm.ts";

/** The header fields a block's producer chooses; the rest follow from the parent and the transactions. */
export type ProducerFields = {
  coinbase: Address;
  timestamp: bigint;
  mixHash: Uint8Array;
  /** EIP-4788's root: the beacon block root on an L1, the anchor on an L2. */
  parentBeaconBlockRoot: Uint8Array;
  gasLimit?: bigint;
  /** Known before the transactions run; one that depends on them is given to `finish`. */
  extraData?: Uint8Array;
};

/**
 * One block being built on `parent`.
 *
 * @example
 * const build = await BlockBuild.start(vm, parent, { coinbase, timestamp, mixHash, parentBeaconBlockRoot });
 * const result = await build.add(tx); // throws, leaving the state as it was, when tx cannot be included
 * const { block } = await build.finish();
 */
export class BlockBuild {
  private constructor(
    readonly vm: VM,
    private readonly builder: BlockBuilder,
    private readonly common: Common,
  ) {}

  static async start(vm: VM, parent: Block, fields: ProducerFields): Promise<BlockBuild> {
    // EIP-4788's system call at the start of the block opens the builder's block checkpoint, so
    // every transaction finds it open: `add` relies on that.
    if (!vm.common.isActivatedEIP(4788))
      throw new Error("the block builder needs EIP-4788 (Cancun or later)");
    const builder = await buildBlock(vm, {
      parentBlock: parent,
      withdrawals: [],
      headerData: { number: parent.header.number + 1n, ...fields },
      blockOpts: { putBlockIntoBlockchain: false, common: vm.common },
    });
    return new BlockBuild(vm, builder, vm.common);
  }

  /**
   * Adds `tx`, all or nothing: when it throws, the state is exactly what it was before `tx`, so
   * the caller can leave `tx` out and go on with the block.
   *
   * ethereumjs closes a message's state checkpoint only when the message returns. An exception
   * thrown out of the EVM (an `ExecutionFaultError`) leaves the checkpoints of every frame it
   * crossed open, and the transaction's own revert then undoes one of those instead of its own:
   * the block's state would never be written (a node lost its head state that way). Here the
   * checkpoints the transaction opened are reverted, down to where it started, and the transient
   * storage it wrote (cleared only when a message returns) is dropped.
   */
  async add(tx: TypedTransaction, options: { allowNoBlobs?: boolean } = {}): Promise<RunTxResult> {
    const stateManager = this.vm.stateManager as FailClosedStateManager;
    const depth = stateManager.checkpointDepth;
    try {
      return await this.addInLinearTime(tx, options);
    } catch (err) {
      while (stateManager.checkpointDepth > depth) await stateManager.revert();
      (this.vm.evm as EVM).transientStorage.clear();
      throw err;
    }
  }

  /**
   * ethereumjs' `BlockBuilder` creates a `Block` of every transaction so far for each one it
   * adds, only to hand its header to `runTx`, which is quadratic in the block's transactions (a
   * block of 700 transfers took over 20 s to build). Here it sees none while the transaction
   * runs. Not under EIP-7928, whose access-list index counts them. This reads the builder's
   * `transactions` field, the one place the builder goes past ethereumjs' public API.
   */
  private async addInLinearTime(
    tx: TypedTransaction,
    options: { allowNoBlobs?: boolean },
  ): Promise<RunTxResult> {
    if (this.common.isActivatedEIP(7928)) return this.builder.addTransaction(tx, options);
    const internals = this.builder as unknown as { transactions: TypedTransaction[] };
    const included = internals.transactions;
    internals.transactions = [];
    try {
      return await this.builder.addTransaction(tx, options);
    } finally {
      included.push(...internals.transactions);
      internals.transactions = included;
    }
  }

  /**
   * Seals the block. `extraData`, when given, replaces the header's: a field that depends on
   * the transactions (the L1's execute gas used). No opcode reads `extraData`, so the execution
   * is the same; only the header and hash change.
   */
  async finish(extraData?: Uint8Array): Promise<{ block: Block; requests: Uint8Array[] }> {
    const { block, requests } = await this.builder.build();
    const encoded = encodeExecutionRequests(requests);
    if (extraData === undefined || equalsBytes(extraData, block.header.extraData))
      return { block, requests: encoded };
    const sealed = createBlock(
      { header: { ...block.header.toJSON(), extraData }, transactions: block.transactions, withdrawals: [] },
      { common: this.common },
    );
    return { block: sealed, requests: encoded };
  }
}

/** What a block is built on outside a node: the parent block and the full state after it (never written to). */
export type BlockParent = {
  common: Common;
  nodes: Map<string, Uint8Array>;
  block: Block;
  header: Block["header"];
};

export type BuiltBlock = {
  block: Block;
  /** EIP-7685 requests the block produced. */
  executionRequests: Uint8Array[];
  receipts: TxReceipt[];
  /** The parent's nodes plus everything the build wrote: the post-state is readable from here. */
  postNodes: Map<string, Uint8Array>;
};

/** `BLOCKHASH` and the builder's block store: only the parent (older blocks fail). */
class ParentOnlyBlockchain {
  constructor(private readonly parent: BlockParent) {}
  async getBlock(blockNumber: number | bigint) {
    if (BigInt(blockNumber) !== this.parent.header.number) throw new Error(`no block ${blockNumber}`);
    return this.parent.block;
  }
  async putBlock(): Promise<void> {}
  shallowCopy(): this {
    return this;
  }
}

/**
 * Builds the block after `parent` over a copy of the parent's node store (which stays
 * untouched, so the block can be re-run from it). Every transaction must be includable;
 * reverting ones are included with status 0.
 *
 * @example
 * const built = await buildBlockOn(genesis, txs, { coinbase, timestamp: 12n, mixHash, parentBeaconBlockRoot });
 */
export async function buildBlockOn(
  parent: BlockParent,
  transactions: TypedTransaction[],
  fields: ProducerFields,
  precompiles: CustomPrecompile[] = [],
): Promise<BuiltBlock> {
  const { common } = parent;
  const postNodes = new Map(parent.nodes);
  const stateManager = createStateManager(
    new MapDB<string, Uint8Array>(postNodes),
    parent.header.stateRoot,
    common,
  );
  const vm = await createBlockVM(common, stateManager, new ParentOnlyBlockchain(parent), precompiles);
  const build = await BlockBuild.start(vm, parent.block, fields);
  // Keep only the receipts: a contract call's `RunTxResult` holds its EVM run state, which
  // references the builder's block of all earlier transactions (quadratic memory over a block).
  const receipts: TxReceipt[] = [];
  for (const tx of transactions) receipts.push((await build.add(tx)).receipt);
  const { block, requests } = await build.finish();
  return { block, executionRequests: requests, receipts, postNodes };
}
