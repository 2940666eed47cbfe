/**
 * The dev controls of a chain, as anvil and hardhat offer them: state set outside blocks,
 * snapshots to return to, a clock to move, the next block's timestamp, and mining on every
 * transaction. They live beside the node, which keeps them durable through its chain log, and
 * only the dev JSON-RPC methods (src/rpc/dev.ts) use them: an L2 has none, since a state changed
 * outside blocks could not be derived from L1.
 */
import type { Block } from "@ethereumjs/block";
import { Account, type Address, setLengthLeft } from "@ethereumjs/util";
import type { FailClosedStateManager } from "../stateless/state-manager.ts";
import type { ChainNode } from "./node.ts";

type Snapshot = { number: bigint; root: Uint8Array; timeOffset: number };

/**
 * @example
 * const dev = new DevChain(node);
 * await dev.setBalance(address, 10n ** 18n);
 * const id = dev.snapshot();
 * await dev.mine(3);
 * await dev.revert(id); // back to the chain and state of the snapshot
 */
export class DevChain {
  /** Mine a block after every transaction the RPC accepts (`evm_setAutomine`). */
  automine = false;
  private nextTimestamp: bigint | undefined;
  private snapshots: Snapshot[] = [];

  constructor(readonly node: ChainNode) {}

  /** The timestamp the next block gets (`evm_setNextBlockTimestamp`), if later than its parent's. */
  setNextBlockTimestamp(timestamp: bigint): void {
    this.nextTimestamp = timestamp;
  }

  /** The next block, at the timestamp asked for, if any. */
  async produceBlock(): Promise<Block> {
    const timestamp = this.nextTimestamp;
    this.nextTimestamp = undefined;
    return (await this.node.produceBlock(timestamp !== undefined ? { timestamp } : {})).block;
  }

  /** Produces `count` blocks now (`evm_mine` / `anvil_mine`). */
  async mine(count = 1): Promise<Block[]> {
    const blocks: Block[] = [];
    for (let i = 0; i < count; i++) blocks.push(await this.produceBlock());
    return blocks;
  }

  private change(change: (sm: FailClosedStateManager) => Promise<void>): Promise<void> {
    return this.node.modifyState(change);
  }

  setBalance(address: Address, balance: bigint): Promise<void> {
    return this.change(async (sm) => {
      const account = (await sm.getAccount(address)) ?? new Account();
      account.balance = balance;
      await sm.putAccount(address, account);
    });
  }

  setNonce(address: Address, nonce: bigint): Promise<void> {
    return this.change(async (sm) => {
      const account = (await sm.getAccount(address)) ?? new Account();
      account.nonce = nonce;
      await sm.putAccount(address, account);
    });
  }

  setCode(address: Address, code: Uint8Array): Promise<void> {
    return this.change(async (sm) => {
      if ((await sm.getAccount(address)) === undefined) await sm.putAccount(address, new Account());
      await sm.putCode(address, code);
    });
  }

  setStorageAt(address: Address, slot: Uint8Array, value: Uint8Array): Promise<void> {
    return this.change(async (sm) => {
      if ((await sm.getAccount(address)) === undefined) await sm.putAccount(address, new Account());
      await sm.putStorage(address, setLengthLeft(slot, 32), value);
    });
  }

  /** Moves the block clock `seconds` ahead (`evm_increaseTime`); returns the total offset. */
  increaseTime(seconds: number): number {
    return this.node.advanceClock(seconds);
  }

  /** `evm_snapshot`: an id to return to with `revert`. */
  snapshot(): number {
    this.snapshots.push({
      number: this.node.head.header.number,
      root: this.node.headStateRoot,
      timeOffset: this.node.timeOffset,
    });
    return this.snapshots.length - 1;
  }

  /**
   * `anvil_rollback`: drops the last `depth` blocks, and their transactions with them (they are
   * not back in the mempool), as the losing side of a reorg.
   */
  async rollback(depth: bigint): Promise<void> {
    const head = this.node.head.header.number;
    if (depth < 1n || depth > head)
      throw new RangeError(`depth must be from 1 to the head's number ${head}, got ${depth}`);
    await this.node.rewind(head - depth);
    this.snapshots = this.snapshots.filter((s) => s.number <= head - depth);
  }

  /**
   * `anvil_reorg`: a reorg of `depth` blocks: the last `depth` blocks and their transactions are
   * dropped, and `depth` new blocks mined in their place, back to the same height, with each of
   * `transactions` sent before the new block at its `offset` (0 is the first).
   */
  async reorg(depth: bigint, transactions: { raw: Uint8Array; offset: bigint }[] = []): Promise<void> {
    await this.rollback(depth);
    for (let offset = 0n; offset < depth; offset++) {
      for (const tx of transactions) if (tx.offset === offset) await this.node.sendRawTransaction(tx.raw);
      await this.produceBlock();
    }
  }

  /** `evm_revert`: back to the chain, state and clock of snapshot `id` (dropping it and later ones). */
  async revert(id: number): Promise<boolean> {
    const snapshot = this.snapshots[id];
    if (snapshot === undefined) return false;
    this.snapshots = this.snapshots.slice(0, id);
    await this.node.rewind(snapshot.number, snapshot.root);
    if (this.node.timeOffset !== snapshot.timeOffset)
      this.node.advanceClock(snapshot.timeOffset - this.node.timeOffset);
    return true;
  }
}
