/**
 * The L2 follower (docs/rollup.md, "L2 node"): rebuilds the L2 chain from L1 alone. For each
 * `Advanced` event of the rollup it takes the settled block from the `advance` transaction's
 * calldata or blobs, re-executes it on its own state and checks that it reaches the hash L1
 * settled. It serves the result over the same JSON-RPC as any node.
 */
import { bytesToHex } from "@ethereumjs/util";
import type { ChainNode } from "../node/node.ts";
import { RollupClient } from "../rollup/client.ts";
import type { RollupDeployment } from "../rollup/deployment.ts";
import type { L1Client } from "../rollup/l1-client.ts";
import { DerivationError, settledBlock } from "./derive.ts";

export type FollowerOptions = {
  l1: L1Client;
  deployment: RollupDeployment;
  /** How often L1 is polled for new settlements (default 500 ms). */
  pollMs?: number;
  log?: (line: string) => void;
};

/**
 * @example
 * const follower = new Follower(node, { l1, deployment });
 * await follower.start();
 */
export class Follower {
  /** L1 blocks read so far. */
  scannedTo: bigint;
  /** Set when derivation stopped: what went wrong. */
  halted: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<unknown> = Promise.resolve();
  private readonly client: RollupClient;

  constructor(
    readonly node: ChainNode,
    private readonly options: FollowerOptions,
  ) {
    this.scannedTo = options.deployment.l1Block - 1n;
    this.client = new RollupClient(options.l1, options.deployment);
  }

  private log(line: string): void {
    this.options.log?.(`follower: ${line}`);
  }

  async start(): Promise<void> {
    const tick = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.running = this.step()
          .catch((err) => {
            this.halted = (err as Error).message;
            this.log(`derivation stopped: ${this.halted}`);
          })
          .finally(() => {
            if (this.halted === undefined) tick();
          });
      }, this.options.pollMs ?? 500);
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Reads L1 up to its head and imports every block settled there; returns how many it imported. */
  async step(): Promise<number> {
    const { l1 } = this.options;
    const head = await this.client.l1Head();
    if (head <= this.scannedTo) return 0;
    let imported = 0;
    for (const { number, blockHash, transactionHash } of await this.client.settlements(
      this.scannedTo + 1n,
      head,
    )) {
      const local = this.node.blockByNumber(number);
      if (local !== undefined) {
        if (bytesToHex(local.block.hash()) !== blockHash) {
          throw new DerivationError(
            `L1 settled ${blockHash} as L2 block ${number}; this node has ${bytesToHex(local.block.hash())}`,
          );
        }
        continue;
      }
      const tx = await l1.public.getTransaction({ hash: transactionHash });
      const block = await settledBlock(tx, blockHash, this.node.common, (hash) =>
        l1.public.request({ method: "nrx_getBlob", params: [hash] } as never),
      );
      await this.node.importBlock(block);
      imported++;
    }
    this.scannedTo = head;
    return imported;
  }
}
