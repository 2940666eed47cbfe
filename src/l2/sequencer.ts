/**
 * The L2 sequencer (docs/rollup.md, "L2 node"), in three parts as ethrex splits its
 * native-rollup sequencer, each owning its state: the L1 watcher (src/l2/watcher.ts: deposits,
 * forced transactions, the settled head), the block producer (src/l2/producer.ts: the next L2
 * block, deposits relayed and forced transactions first) and the poster (src/l2/poster.ts: the
 * block's `StatelessInput` posted to `NativeRollup.advance` in calldata or blobs, followed, and
 * rewound when rejected). The sequencer runs them once per L2 slot. When a slot fails because
 * the L1 is out of reach, it says so once and retries with backoff; when L1 reorganises under
 * it, it rebuilds from what L1 still settles (docs/rollup.md, "When the L1 fails or reorganises").
 */
import type { Block } from "@ethereumjs/block";
import type { Hex } from "viem";
import type { Forkchoice } from "../node/forkchoice.ts";
import type { ChainNode } from "../node/node.ts";
import { type Posting, RollupClient } from "../rollup/client.ts";
import type { RollupDeployment } from "../rollup/deployment.ts";
import type { L1Client } from "../rollup/l1-client.ts";
import { L1Link, type L2Status } from "./l1-link.ts";
import { Poster } from "./poster.ts";
import { BlockProducer } from "./producer.ts";
import { L1Watcher } from "./watcher.ts";

export type { Posting } from "../rollup/client.ts";

export type SequencerOptions = {
  /** The L1, connected with the sequencer's key (it pays for `advance` and relays deposits on L2). */
  l1: L1Client;
  key: Hex;
  deployment: RollupDeployment;
  /** L2 blocks per L1 slot (default 2). */
  blocksPerSlot?: number;
  /** The L1's slot time; the L2 block time is `l1SlotMs / blocksPerSlot`. */
  l1SlotMs: number;
  posting?: Posting;
  /** Most blocks built ahead of the settled head (default 4 slots' worth). */
  maxUnsettled?: number;
  log?: (line: string) => void;
};

/**
 * @example
 * const l1 = await connectL1("http://127.0.0.1:8545", key);
 * const sequencer = new Sequencer(node, { l1, key, deployment, l1SlotMs: 12_000 });
 * await sequencer.start(); // builds and posts until stop()
 */
export class Sequencer {
  /** The anchor of the blocks built now: the message root after every deposit read so far. */
  anchor: Uint8Array;
  readonly watcher: L1Watcher;
  private readonly producer: BlockProducer;
  private readonly poster: Poster;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<unknown> = Promise.resolve();
  private readonly blocksPerSlot: number;
  private readonly link: L1Link;
  /** Set by a slot that did not build because too many blocks wait for settlement: why. */
  private waiting: string | undefined;

  constructor(
    readonly node: ChainNode,
    private readonly options: SequencerOptions,
  ) {
    const client = new RollupClient(options.l1, options.deployment);
    const log = (line: string) => this.log(line);
    this.watcher = new L1Watcher(client, node);
    this.producer = new BlockProducer(node, this.watcher, options.key, log);
    this.poster = new Poster(node, client, this.watcher, this.producer, {
      key: options.key,
      posting: options.posting ?? "calldata",
      l1SlotMs: options.l1SlotMs,
      log,
    });
    this.anchor = this.watcher.anchor();
    this.blocksPerSlot = options.blocksPerSlot ?? 2;
    this.link = new L1Link(options.l1.url, log);
  }

  /** What the sequencer is doing, for `eth_syncing` and `nrx_rollup`. */
  get status(): L2Status {
    return this.link.status;
  }

  /** The sequencer's blocks as its JSON-RPC tags them: `safe` settled at L1's head, `finalized` in L1's final block. */
  forkchoice(): Forkchoice {
    return {
      safe: () => this.watcher.settled,
      finalized: () => this.watcher.finalized,
      stale: () => undefined,
    };
  }

  private log(line: string): void {
    this.options.log?.(`sequencer: ${line}`);
  }

  /** The last L2 block settled on L1, as last read. */
  get settled(): bigint {
    return this.watcher.settled;
  }

  /** The L2 block time. */
  get blockTimeMs(): number {
    return Math.max(50, Math.floor(this.options.l1SlotMs / this.blocksPerSlot));
  }

  /**
   * Catches up with L1 (deposits, forced transactions, the settled head), drops blocks built
   * but not settled (they are built again, their transactions back in the mempool), and starts
   * one block per L2 slot.
   */
  async start(): Promise<void> {
    this.stopped = false;
    await this.watcher.sync();
    await this.poster.rebuildFrom(this.settled);
    this.link.succeeded("sequencing");
    // L2 slots keep to the wall clock like the L1's: a slow step shortens the next wait. While
    // slots fail, the wait backs off instead.
    let next = Date.now() + this.blockTimeMs;
    const tick = () => {
      if (this.stopped) return;
      this.timer = setTimeout(
        () => {
          this.running = this.step()
            .then(
              () => this.link.succeeded(this.waiting === undefined ? "sequencing" : "waiting", this.waiting),
              (err) => this.link.failed(err),
            )
            .finally(() => {
              const backoff = this.link.delay(this.blockTimeMs);
              next =
                backoff > this.blockTimeMs
                  ? Date.now() + backoff
                  : next + this.blockTimeMs * Math.max(1, Math.ceil((Date.now() - next) / this.blockTimeMs));
              tick();
            });
        },
        Math.max(0, next - Date.now()),
      );
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /**
   * One L2 slot: read L1 (and rebuild from what it settles if it reorganised), follow the posts,
   * then build and post a block.
   */
  async step(): Promise<Block | undefined> {
    this.waiting = undefined;
    const { head: l1Head, reorged } = await this.watcher.sync();
    if (reorged) {
      this.log(
        `L1 reorganised under the blocks read; rebuilding on L2 block ${this.settled}, the last L1 settles`,
      );
      await this.poster.rebuildFrom(this.settled);
      return undefined;
    }
    if (!(await this.poster.followPosts())) return undefined;
    if (this.settled > this.node.head.header.number) {
      await this.poster.rebuildFrom(this.settled);
      return undefined;
    }
    await this.poster.postBuilt();
    const unsettled = this.node.head.header.number - this.settled;
    if (unsettled >= BigInt(this.options.maxUnsettled ?? 4 * this.blocksPerSlot)) {
      this.waiting = `${unsettled} blocks wait for settlement; not building`;
      return undefined;
    }
    this.anchor = this.watcher.anchor();
    const { block, plan } = await this.producer.produce(l1Head, this.anchor);
    this.poster.plan(block, plan);
    await this.poster.postBuilt();
    return block;
  }
}
