/**
 * The L2 follower (docs/rollup.md, "L2 node"): rebuilds the L2 chain from L1 alone. For each
 * `Advanced` event of the rollup it takes the settled block from the `advance` transaction's
 * calldata or blobs, re-executes it on its own state and checks that it reaches the hash L1
 * settled. Its chain is always the one L1 settled: when L1 reorganises (a reorg, a dev revert, a
 * settlement undone), it rewinds to what L1 still settles and derives the rest again. It serves
 * the result over the same JSON-RPC as any node, with `safe` the block settled at L1's head and
 * `finalized` the block settled in L1's final block.
 */
import { bytesToHex } from "@ethereumjs/util";
import type { Forkchoice } from "../node/forkchoice.ts";
import type { ChainNode } from "../node/node.ts";
import { type L1BlockRef, RollupClient, type Settlement } from "../rollup/client.ts";
import type { RollupDeployment } from "../rollup/deployment.ts";
import type { L1Client } from "../rollup/l1-client.ts";
import { settledBlock } from "./derive.ts";
import { L1Link, type L2Status } from "./l1-link.ts";

export type FollowerOptions = {
  l1: L1Client;
  deployment: RollupDeployment;
  /** How often L1 is polled for new settlements (default 500 ms). */
  pollMs?: number;
  /** How long the L1 may be out of reach before the head is no longer served as current (default 8 polls). */
  staleAfterMs?: number;
  log?: (line: string) => void;
};

/**
 * @example
 * const follower = new Follower(node, { l1, deployment });
 * await follower.start();
 * follower.status; // { state: "following", since: … }
 */
export class Follower {
  /** The last L2 block settled at L1's head, as last read. */
  settled = 0n;
  /** The last L2 block settled in L1's final block, as last read. */
  finalized = 0n;
  private cursor: L1BlockRef | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<unknown> = Promise.resolve();
  private readonly client: RollupClient;
  private readonly link: L1Link;

  constructor(
    readonly node: ChainNode,
    private readonly options: FollowerOptions,
  ) {
    this.client = new RollupClient(options.l1, options.deployment);
    this.link = new L1Link(options.l1.url, (line) => this.log(line));
  }

  private log(line: string): void {
    this.options.log?.(`follower: ${line}`);
  }

  /** What the follower is doing, for `eth_syncing` and `nrx_rollup`. */
  get status(): L2Status {
    return this.link.status;
  }

  /**
   * The follower's blocks as its JSON-RPC tags them. Its head is not served as current while it
   * is halted, or cut off from L1 for longer than `staleAfterMs`.
   */
  forkchoice(): Forkchoice {
    const staleAfterMs = this.options.staleAfterMs ?? 8 * (this.options.pollMs ?? 500);
    return {
      safe: () => this.settled,
      finalized: () => this.finalized,
      stale: () => {
        const { state, reason, since } = this.status;
        if (state === "halted" || (state === "l1_unreachable" && Date.now() - since > staleAfterMs)) {
          return `the follower cannot derive from L1 since ${new Date(since).toISOString()} (${reason})`;
        }
        return undefined;
      },
    };
  }

  /** Polls L1 until stopped, backing off while rounds fail. */
  async start(): Promise<void> {
    this.stopped = false;
    const pollMs = this.options.pollMs ?? 500;
    const tick = (delay: number) => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.running = this.step()
          .then(
            () => this.link.succeeded(this.node.head.header.number < this.settled ? "syncing" : "following"),
            (err) => this.link.failed(err),
          )
          .finally(() => tick(this.link.delay(pollMs)));
      }, delay);
    };
    tick(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /**
   * One round: if L1 reorganised under the last block read, reads it again from the rollup's
   * deployment; imports every block settled up to L1's head, rewinding where L1 settled other
   * blocks than this node has; drops blocks L1 no longer settles. Returns how many it imported.
   */
  async step(): Promise<number> {
    const { head, from, reorged } = await this.client.nextRange(this.cursor);
    if (reorged) {
      this.log(
        `L1 block ${this.cursor?.number} is no longer on L1's chain; reading L1 again from the rollup's deployment`,
      );
      this.cursor = undefined;
    }
    let imported = 0;
    if (head.number >= from) {
      this.settled = await this.client.settledNumber(head.number);
      for (const settlement of await this.client.settlements(from, head.number)) {
        if (await this.derive(settlement)) imported++;
      }
      this.finalized = (await this.client.finalizedSettlement()).settled;
    }
    if (this.node.head.header.number > this.settled) {
      const dropped = this.node.head.header.number - this.settled;
      await this.node.rewind(this.settled);
      this.log(`L1 no longer settles L2 blocks after ${this.settled}; dropped ${dropped}`);
    }
    this.cursor = head;
    return imported;
  }

  /** Makes `settlement` this node's block at its number; true when it had to import it. */
  private async derive({ number, blockHash, transactionHash }: Settlement): Promise<boolean> {
    const local = this.node.blockByNumber(number);
    if (local !== undefined) {
      const localHash = bytesToHex(local.block.hash());
      if (localHash === blockHash) return false;
      this.log(
        `L1 settled ${blockHash} as L2 block ${number} where this node had ${localHash}; rewinding to ${number - 1n}`,
      );
    }
    if (this.node.head.header.number >= number) await this.node.rewind(number - 1n);
    const { l1 } = this.options;
    const tx = await l1.public.getTransaction({ hash: transactionHash });
    const block = await settledBlock(tx, blockHash, this.node.common, (hash) =>
      l1.public.request({ method: "nrx_getBlob", params: [hash] } as never),
    );
    await this.node.importBlock(block);
    return true;
  }
}
