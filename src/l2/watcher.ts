/**
 * The sequencer's L1 watcher: follows what L1 asks of the L2 (new deposits and the message tree
 * they build, forced transactions queued in the inbox) and how far the rollup has settled, at
 * L1's head and in L1's final block. When L1 reorganises under what it read, it forgets it all
 * and reads L1 again from the rollup's deployment, and says so.
 */
import { createTxFromRLP, type FeeMarket1559Tx } from "@ethereumjs/tx";
import { hexToBytes } from "@ethereumjs/util";
import type { Hex } from "viem";
import type { ChainNode } from "../node/node.ts";
import type { L1BlockRef, RollupClient } from "../rollup/client.ts";
import { type Deposit, depositLeaf, MessageTree } from "../rollup/message-tree.ts";
import { NrxError } from "../util/errors.ts";

export class WatcherError extends NrxError {
  override name = "WatcherError";
}

/** A queued forced transaction, decoded, with the most it can cost its sender. */
export type ForcedEntry = { index: bigint; tx: FeeMarket1559Tx; deadline: bigint; maxCost: bigint };

/**
 * @example
 * const watcher = new L1Watcher(client, node);
 * const { head, reorged } = await watcher.sync();
 * watcher.settled; // the last L2 block settled on L1
 */
export class L1Watcher {
  /** The last L2 block settled at L1's head, as last read. */
  settled = 0n;
  /** The last L2 block settled in L1's final block, as last read. */
  finalized = 0n;
  readonly deposits: Deposit[] = [];
  /** The deposits' message tree: its root is the anchor of the blocks built after them. */
  tree = new MessageTree();
  /** Queued forced transactions by inbox index. */
  readonly forced = new Map<bigint, ForcedEntry>();
  /** The L1 block read up to. */
  private cursor: L1BlockRef | undefined;

  constructor(
    private readonly client: RollupClient,
    private readonly node: ChainNode,
  ) {}

  /**
   * Reads new deposits, forced transactions and the settled heads; returns L1's head and whether
   * L1 reorganised under the block read last (then all was read again from the deployment).
   */
  async sync(): Promise<{ head: bigint; reorged: boolean }> {
    // Everything is read before anything changes: a round the L1 cuts short leaves no trace.
    const { head, from, reorged } = await this.client.nextRange(this.cursor);
    const read =
      head.number >= from
        ? {
            events: await this.client.events(from, head.number),
            finalized: (await this.client.finalizedSettlement()).settled,
          }
        : undefined;
    const settled = await this.client.settledNumber(head.number);
    if (reorged) {
      this.deposits.length = 0;
      this.tree = new MessageTree();
      this.forced.clear();
    }
    if (read !== undefined) {
      for (const deposit of read.events.deposits) {
        if (deposit.index !== BigInt(this.deposits.length)) {
          throw new WatcherError(`deposit ${deposit.index} read out of order`);
        }
        this.deposits.push(deposit);
        this.tree.append(depositLeaf(deposit));
      }
      for (const queued of read.events.forced) {
        const tx = createTxFromRLP(hexToBytes(queued.transaction), {
          common: this.node.common,
        }) as FeeMarket1559Tx;
        this.forced.set(queued.index, {
          index: queued.index,
          tx,
          deadline: queued.deadline,
          maxCost: tx.gasLimit * tx.maxFeePerGas + tx.value,
        });
      }
      this.finalized = read.finalized;
    }
    this.settled = settled;
    this.cursor = head;
    return { head: head.number, reorged };
  }

  /** The anchor of the next block: the message root after every deposit read so far. */
  anchor(): Uint8Array {
    return this.tree.root();
  }

  /** The hash L1 settled for each L2 block number. */
  async settledHashes(): Promise<Map<bigint, Hex>> {
    const hashes = new Map<bigint, Hex>();
    for (const { number, blockHash } of await this.client.settlements(this.client.deployment.l1Block)) {
      hashes.set(number, blockHash);
    }
    return hashes;
  }
}
