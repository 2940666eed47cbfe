/**
 * The sequencer's poster: posts each built block to `NativeRollup.advance` with its
 * `StatelessInput`, in calldata or in blobs, follows the posts, and when one is rejected or
 * stuck (the L1 moved on, a forced transaction came due, the post was priced out) rewinds the
 * unsettled blocks to what L1 settled, derives what others settled, and hands the dropped
 * transactions back to the mempool to be built again.
 */
import type { Block } from "@ethereumjs/block";
import { type Address, bytesToHex, createAddressFromString } from "@ethereumjs/util";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { ChainNode } from "../node/node.ts";
import type { Posting, RollupClient } from "../rollup/client.ts";
import { encodeStatelessInput } from "../stateless/ssz.ts";
import { NrxError } from "../util/errors.ts";
import { Follower } from "./follower.ts";
import type { BlockProducer, Plan } from "./producer.ts";
import type { L1Watcher } from "./watcher.ts";

/** L1 slots a post may wait for inclusion before the sequencer posts again. */
const STUCK_SLOTS = 10;

export class PosterError extends NrxError {
  override name = "PosterError";
}

type Post = { l2Block: bigint; hash: Hex; sentAt: number };

export type PosterOptions = {
  key: Hex;
  posting: Posting;
  l1SlotMs: number;
  log: (line: string) => void;
};

/**
 * @example
 * const poster = new Poster(node, client, watcher, producer, { key, posting: "calldata", l1SlotMs, log });
 * poster.plan(block, plan);
 * await poster.postBuilt();
 */
export class Poster {
  private posts: Post[] = [];
  /** Built blocks not yet posted, by number. */
  private readonly plans = new Map<bigint, Plan>();
  /** The sequencer's account, which posts and relays deposit claims. */
  private readonly own: Address;

  constructor(
    private readonly node: ChainNode,
    private readonly client: RollupClient,
    private readonly watcher: L1Watcher,
    private readonly producer: BlockProducer,
    private readonly options: PosterOptions,
  ) {
    this.own = createAddressFromString(privateKeyToAccount(options.key).address);
  }

  /** Remembers what `advance` needs for `block`, to post it with `postBuilt`. */
  plan(block: Block, plan: Plan): void {
    this.plans.set(block.header.number, plan);
  }

  /**
   * Checks the posted blocks' receipts. A rejected post means every later one fails too, and a
   * post L1 has not included for `STUCK_SLOTS` slots (dropped, or priced out) holds them up: then
   * the unsettled blocks are built again on the settled head. False when the slot should not build.
   */
  async followPosts(): Promise<boolean> {
    const settled = this.watcher.settled;
    this.posts = this.posts.filter((p) => p.l2Block > settled);
    const head = this.node.head.header.number;
    if (head > settled && this.posts.length === 0 && this.plans.size === 0) {
      // Built, neither posted nor settled: L1 lost their posts (a restart, a revert, a reorg).
      this.options.log(
        `L2 blocks ${settled + 1n} to ${head} are posted nowhere L1 keeps; rebuilding from ${settled}`,
      );
      await this.rebuildFrom(settled);
      return false;
    }
    for (const post of this.posts) {
      const receipt = await this.client.l1.public
        .getTransactionReceipt({ hash: post.hash })
        .catch(() => undefined);
      const stuck = Date.now() - post.sentAt > STUCK_SLOTS * this.options.l1SlotMs;
      if (receipt === undefined && !stuck) return true;
      if (receipt === undefined || receipt.status === "reverted") {
        const what = receipt === undefined ? `was not included for ${STUCK_SLOTS} slots` : "reverted";
        this.options.log(
          `advance of L2 block ${post.l2Block} ${what} (${post.hash}); rebuilding from ${settled}`,
        );
        await this.rebuildFrom(settled);
        return false;
      }
    }
    return true;
  }

  /** Posts the built blocks not posted yet, in order (a failed send is retried next slot). */
  async postBuilt(): Promise<void> {
    const numbers = [...this.plans.keys()].sort((a, b) => (a < b ? -1 : 1));
    for (const number of numbers) {
      await this.post(this.node.blockByNumber(number)!.block, this.plans.get(number)!);
      this.plans.delete(number);
    }
  }

  /**
   * Makes the local chain L1's settled chain and drops what is not settled: rewinds to the last
   * block L1 settled as this node has it, derives from L1 the blocks others settled after it (any
   * sender may advance under based sequencing), and sends the dropped blocks' transactions again.
   */
  async rebuildFrom(settled: bigint): Promise<void> {
    this.posts = [];
    this.plans.clear();
    const head = this.node.head.header.number;
    const canonical = await this.watcher.settledHashes();
    let common = head < settled ? head : settled;
    while (
      common > 0n &&
      canonical.get(common) !== bytesToHex(this.node.blockByNumber(common)!.block.hash())
    ) {
      common--;
    }
    const dropped = common < head ? await this.node.rewind(common) : [];
    if (common < settled) {
      const follower = new Follower(this.node, { l1: this.client.l1, deployment: this.client.deployment });
      const derived = await follower.step();
      this.options.log(`derived ${derived} L2 blocks from L1 that another sender settled`);
    }
    const inboxHead = await this.client.inboxHead();
    // The sequencer's own transactions are its deposit claims, relayed again from L1's deposits
    // (which a reorg may have changed): none is sent again, and those waiting are withdrawn.
    for (const entry of this.node.mempool.forSender(this.own)) this.node.mempool.remove(entry.hash);
    let resent = 0;
    for (const tx of dropped) {
      if (tx.getSenderAddress().equals(this.own)) continue;
      try {
        await this.node.sendRawTransaction(tx.serialize());
        resent++;
      } catch {
        // included in a derived block, or a relayed claim sent again when due
      }
    }
    await this.producer.reset(inboxHead);
    if (dropped.length > 0 || head > common) {
      this.options.log(
        `rewound ${head - common} unsettled blocks to ${common}; ${resent} transactions back in the mempool`,
      );
    }
  }

  /** Sends `advance` for `block` to L1. */
  private async post(block: Block, plan: Plan): Promise<void> {
    const number = block.header.number;
    const generation = await this.node.statelessInput(number);
    if (generation.error !== undefined) {
      throw new PosterError(`L2 block ${number} does not re-execute: ${String(generation.error)}`, {
        cause: generation.error,
      });
    }
    const input = encodeStatelessInput(generation.input);
    const { forcedCount, drops } = plan;
    const raw = await this.client.advanceTransaction(this.options.key, {
      block,
      input,
      forcedCount,
      drops,
      posting: this.options.posting,
    });
    const hash = await this.client.sendRawTransaction(raw);
    this.posts.push({ l2Block: number, hash, sentAt: Date.now() });
    this.options.log(
      `L2 block ${number} (${block.transactions.length} txs, ${block.header.gasUsed} gas${forcedCount + drops.length > 0 ? `, ${forcedCount} forced, ${drops.length} dropped` : ""}) posted in ${this.options.posting}: ${input.length} bytes, ${hash}`,
    );
  }
}
