/**
 * The sequencer's L1 watcher: follows what L1 asks of the L2 (new deposits and the message tree
 * they build, forced transactions queued in the inbox) and how far the rollup has settled.
 */
import { createTxFromRLP, type FeeMarket1559Tx } from "@ethereumjs/tx";
import { hexToBytes } from "@ethereumjs/util";
import type { Hex } from "viem";
import type { ChainNode } from "../node/node.ts";
import type { RollupClient } from "../rollup/client.ts";
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
 * const l1Head = await watcher.sync();
 * watcher.settled; // the last L2 block settled on L1
 */
export class L1Watcher {
  /** The last L2 block settled on L1, as last read. */
  settled = 0n;
  readonly deposits: Deposit[] = [];
  /** The deposits' message tree: its root is the anchor of the blocks built after them. */
  readonly tree = new MessageTree();
  /** Queued forced transactions by inbox index. */
  readonly forced = new Map<bigint, ForcedEntry>();
  private scannedTo: bigint;

  constructor(
    private readonly client: RollupClient,
    private readonly node: ChainNode,
  ) {
    this.scannedTo = client.deployment.l1Block - 1n;
  }

  /** Reads new deposits, forced transactions and the settled head; returns the L1 head. */
  async sync(): Promise<bigint> {
    const head = await this.client.l1Head();
    if (head > this.scannedTo) {
      const { deposits, forced } = await this.client.events(this.scannedTo + 1n, head);
      for (const deposit of deposits) {
        if (deposit.index !== BigInt(this.deposits.length)) {
          throw new WatcherError(`deposit ${deposit.index} read out of order`);
        }
        this.deposits.push(deposit);
        this.tree.append(depositLeaf(deposit));
      }
      for (const queued of forced) {
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
      this.scannedTo = head;
    }
    this.settled = await this.client.settledNumber(head);
    return head;
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
