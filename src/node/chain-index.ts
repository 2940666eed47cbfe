/**
 * The canonical chain as a node holds it in memory: blocks by number and hash, mined
 * transactions by hash, and the blob sidecars of mined blob transactions.
 */
import type { Block } from "@ethereumjs/block";
import { bytesToHex } from "@ethereumjs/util";
import type { StoredExecuteCall } from "../execute/precompile.ts";
import type { StoredReceipt } from "./receipts.ts";

/** A block of the canonical chain with what the node keeps beside it. */
export type ChainBlock = {
  block: Block;
  receipts: StoredReceipt[];
  /** The block's `EXECUTE` calls (none on an L2). */
  executeCalls: StoredExecuteCall[];
  /** Set when dev methods changed the state after the parent: the state the block was built on. */
  preStateRoot?: `0x${string}`;
};

export class ChainIndex {
  readonly chain: ChainBlock[] = [];
  private readonly byHash = new Map<string, number>();
  private readonly txIndex = new Map<string, { number: number; index: number }>();
  readonly blobs = new Map<string, Uint8Array>();

  get head(): Block {
    return this.chain[this.chain.length - 1].block;
  }

  append(entry: ChainBlock): void {
    const number = this.chain.length;
    this.chain.push(entry);
    this.byHash.set(bytesToHex(entry.block.hash()), number);
    entry.block.transactions.forEach((tx, index) => {
      this.txIndex.set(bytesToHex(tx.hash()), { number, index });
    });
  }

  /** Drops the blocks after `number`. */
  truncate(number: number): void {
    while (this.chain.length > number + 1) {
      const entry = this.chain.pop()!;
      this.byHash.delete(bytesToHex(entry.block.hash()));
      for (const tx of entry.block.transactions) this.txIndex.delete(bytesToHex(tx.hash()));
    }
  }

  byNumber(number: bigint): ChainBlock | undefined {
    return number >= 0n && number < BigInt(this.chain.length) ? this.chain[Number(number)] : undefined;
  }

  blockByHash(hash: string): ChainBlock | undefined {
    const number = this.byHash.get(hash.toLowerCase());
    return number === undefined ? undefined : this.chain[number];
  }

  isMined(hash: string): boolean {
    return this.txIndex.has(hash.toLowerCase());
  }

  /** The chain as the VM reads it for `BLOCKHASH`. */
  blockchainView() {
    return {
      getBlock: async (n: number | bigint) => {
        const entry = this.byNumber(BigInt(n));
        if (entry === undefined) throw new Error(`no block ${n}`);
        return entry.block;
      },
      putBlock: async () => {},
      shallowCopy() {
        return this;
      },
    };
  }

  /** A mined transaction and where it is. */
  minedTransaction(hash: string): { entry: ChainBlock; index: number } | undefined {
    const at = this.txIndex.get(hash.toLowerCase());
    return at === undefined ? undefined : { entry: this.chain[at.number], index: at.index };
  }
}
