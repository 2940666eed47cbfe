/**
 * The sequencer's block producer: builds the next L2 block on the head, anchored to the message
 * root the watcher read, after relaying new deposits to their recipients and with the forced
 * transactions that come due first (docs/rollup.md, "Forced inclusion").
 */
import type { Block } from "@ethereumjs/block";
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import { createAddressFromString, hexToBytes } from "@ethereumjs/util";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { ChainNode } from "../node/node.ts";
import { claimDepositCalldata, claimedCalldata } from "../rollup/client.ts";
import { type Drop, dropFor, dropReasonOf, type SenderState, senderStateOf } from "../rollup/forced.ts";
import { L2_BRIDGE_ADDRESS } from "../rollup/genesis.ts";
import type { ForcedEntry, L1Watcher } from "./watcher.ts";

const GWEI = 10n ** 9n;
/** L2 gas of a deposit claim (a 32-level proof and the call to the recipient). */
const CLAIM_GAS = 300_000n;
/** Forced transactions due within this many L1 blocks are included now (early inclusion is allowed). */
const FORCED_MARGIN = 3n;

/** What `advance` needs beside a block: the forced transactions it starts with and the drops. */
export type Plan = { forcedCount: number; drops: Drop[] };

/**
 * @example
 * const producer = new BlockProducer(node, watcher, key, log);
 * const { block, plan } = await producer.produce(l1Head, watcher.anchor());
 */
export class BlockProducer {
  /** Deposits, from the first, whose claim is in the mempool or the chain. */
  private relayed = 0;
  /** The inbox position after the head: queue entries before it are in (or dropped by) our blocks. */
  private forcedNext = 0n;
  private readonly address: Hex;

  constructor(
    private readonly node: ChainNode,
    private readonly watcher: L1Watcher,
    private readonly key: Hex,
    private readonly log: (line: string) => void,
  ) {
    this.address = privateKeyToAccount(key).address;
  }

  /** Starts over from the head: the inbox position L1 has reached, and the deposits claimed so far. */
  async reset(inboxHead: bigint): Promise<void> {
    this.forcedNext = inboxHead;
    this.relayed = await this.claimedPrefix();
  }

  /**
   * Relays new deposits, then builds the next block on `anchor` (the message root it lets the L2
   * bridge prove deposits against) with its due forced transactions first.
   */
  async produce(l1Head: bigint, anchor: Uint8Array): Promise<{ block: Block; plan: Plan }> {
    await this.relayDeposits();
    const { drops, include } = await this.forcedForNextBlock(l1Head);
    const { block, firstIncluded } = await this.node.produceBlock({
      first: include.map((e) => e.tx),
      parentBeaconBlockRoot: anchor,
    });
    if (firstIncluded < include.length) {
      this.log(`forced transaction ${include[firstIncluded].index} does not apply; the rollup waits on it`);
    }
    this.forcedNext += BigInt(drops.length + firstIncluded);
    return { block, plan: { forcedCount: firstIncluded, drops } };
  }

  /** How many deposits, from the first, are claimed on L2 at the head. */
  private async claimedPrefix(): Promise<number> {
    const l2Bridge = createAddressFromString(L2_BRIDGE_ADDRESS);
    let n = 0;
    while (n < this.watcher.deposits.length) {
      const { execResult } = await this.node.call({ to: l2Bridge, data: claimedCalldata(BigInt(n)) });
      if (execResult.returnValue[31] !== 1) break;
      n++;
    }
    return n;
  }

  /** Sends each new deposit's claim to the L2 mempool, paid by the sequencer's account. */
  private async relayDeposits(): Promise<void> {
    const { common } = this.node;
    const { deposits, tree } = this.watcher;
    const nextBaseFee = this.node.head.header.calcNextBaseFee();
    const sender = createAddressFromString(this.address);
    const account = await this.node.stateAt().getAccount(sender);
    let nonce = this.node.mempool.pendingNonce(sender, account?.nonce ?? 0n);
    for (; this.relayed < deposits.length; this.relayed++) {
      const deposit = deposits[this.relayed];
      const tx = createFeeMarket1559Tx(
        {
          chainId: common.chainId(),
          nonce: nonce++,
          to: createAddressFromString(L2_BRIDGE_ADDRESS),
          gasLimit: CLAIM_GAS,
          maxFeePerGas: 2n * nextBaseFee + GWEI,
          maxPriorityFeePerGas: GWEI,
          data: claimDepositCalldata(deposit, tree.proof(this.relayed)),
        },
        { common },
      ).sign(hexToBytes(this.key));
      await this.node.sendRawTransaction(tx.serialize());
      this.log(`relaying deposit ${deposit.index}: ${deposit.value} wei to ${deposit.to}`);
    }
  }

  /**
   * The queue entries the next block handles: first drops of due entries the head state shows
   * invalid (nonce used, or too little balance), then inclusions of entries due soon, in queue
   * order.
   */
  private async forcedForNextBlock(l1Head: bigint): Promise<{ drops: Drop[]; include: ForcedEntry[] }> {
    const drops: Drop[] = [];
    const include: ForcedEntry[] = [];
    // The next block's parent and pre-state: the head.
    const parentHeader = this.node.head.header;
    const state = this.node.stateAt();
    const views = new Map<string, SenderState>();
    for (let index = this.forcedNext; ; index++) {
      const entry = this.watcher.forced.get(index);
      if (entry === undefined || entry.deadline >= l1Head + FORCED_MARGIN) break;
      const { tx } = entry;
      const sender = tx.getSenderAddress();
      const key = sender.toString();
      if (!views.has(key)) views.set(key, await senderStateOf(state, sender));
      const view = views.get(key)!;
      const fields = {
        nonce: tx.nonce,
        gasLimit: tx.gasLimit,
        maxFeePerGas: tx.maxFeePerGas,
        maxCost: entry.maxCost,
      };
      const reason = dropReasonOf(fields, view, parentHeader);
      if (reason === undefined) {
        include.push(entry);
        views.set(key, { ...view, nonce: view.nonce + 1n, balance: view.balance - entry.maxCost });
        continue;
      }
      // A drop must be due when the block settles (in a later L1 block), and precede inclusions.
      if (include.length > 0 || entry.deadline > l1Head) break;
      drops.push(await dropFor(reason, index, sender, state, parentHeader));
      this.log(`dropping forced transaction ${index}: reason ${reason}`);
    }
    return { drops, include };
  }
}
