/**
 * The L2 sequencer (docs/rollup.md, "L2 node"): every L2 slot it reads what L1 asks of the next
 * block (new deposits, forced transactions coming due), relays deposits to their recipients on
 * L2, builds the block from its mempool on top of them, and posts it to `NativeRollup.advance`
 * with its `StatelessInput`, in calldata or in blobs. It follows its posts: a rejected one (the L1
 * moved on, a forced transaction came due) rewinds the unsettled blocks and builds them again.
 */
import type { Block } from "@ethereumjs/block";
import {
  createBlob4844Tx,
  createFeeMarket1559Tx,
  createTxFromRLP,
  type FeeMarket1559Tx,
} from "@ethereumjs/tx";
import { bytesToHex, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { type Abi, decodeEventLog, encodeFunctionData, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { loadArtifact } from "../contracts/compile.ts";
import {
  blobNetworkForm,
  blobReferenceFor,
  blobSidecar,
  EXECUTE_QUERY,
  packBlobs,
} from "../execute/blob-input.ts";
import type { ChainNode } from "../node/node.ts";
import type { RollupDeployment } from "../rollup/deployment.ts";
import {
  type Drop,
  dropFor,
  dropReasonOf,
  restHashes,
  type SenderState,
  senderStateOf,
} from "../rollup/forced.ts";
import { L2_BRIDGE_ADDRESS } from "../rollup/genesis.ts";
import type { L1Client } from "../rollup/l1-client.ts";
import { type Deposit, depositClaimArgs, depositLeaf, MessageTree } from "../rollup/message-tree.ts";
import { commonFor } from "../stateless/chain.ts";
import { encodeStatelessInput } from "../stateless/ssz.ts";
import { Follower } from "./follower.ts";

export type Posting = "calldata" | "blobs";

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

export class SequencerError extends Error {
  override name = "SequencerError";
}

type ForcedEntry = { index: bigint; tx: FeeMarket1559Tx; deadline: bigint; maxCost: bigint };
type Post = { l2Block: bigint; hash: Hex; sentAt: number };
/** What `advance` needs beside the block: its forced transactions and drops. */
type Plan = { forcedCount: number; drops: Drop[] };

const ABI = {
  rollup: loadArtifact("NativeRollup").abi as Abi,
  bridge: loadArtifact("L1Bridge").abi as Abi,
  inbox: loadArtifact("ForcedInclusionInbox").abi as Abi,
  l2Bridge: loadArtifact("L2Bridge").abi as Abi,
};
const EXECUTE_ADDRESS: Hex = "0x0000000000000000000000000000000000000101";
const GWEI = 10n ** 9n;
/** L2 gas of a deposit claim (a 32-level proof and the call to the recipient). */
const CLAIM_GAS = 300_000n;
/** Forced transactions due within this many L1 blocks are included now (early inclusion is allowed). */
const FORCED_MARGIN = 3n;
/** L1 slots a post may wait for inclusion before the sequencer posts again. */
const STUCK_SLOTS = 10;

/**
 * @example
 * const l1 = await connectL1("http://127.0.0.1:8545", key);
 * const sequencer = new Sequencer(node, { l1, key, deployment, l1SlotMs: 12_000 });
 * await sequencer.start(); // builds and posts until stop()
 */
export class Sequencer {
  /** The anchor of the blocks built now: the message root after every deposit read so far. */
  anchor: Uint8Array;
  /** The last L2 block settled on L1, as last read. */
  settled = 0n;
  private readonly tree = new MessageTree();
  private readonly deposits: Deposit[] = [];
  private relayed = 0;
  private readonly forced = new Map<bigint, ForcedEntry>();
  /** The inbox position after the local head: queue entries before it are in (or dropped by) our blocks. */
  private forcedNext = 0n;
  private scannedTo: bigint;
  private posts: Post[] = [];
  /** Built blocks not yet posted, by number. */
  private readonly plans = new Map<bigint, Plan>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<unknown> = Promise.resolve();
  private readonly address: Hex;
  private readonly blocksPerSlot: number;
  private readonly posting: Posting;

  constructor(
    readonly node: ChainNode,
    private readonly options: SequencerOptions,
  ) {
    this.anchor = this.tree.root();
    this.scannedTo = options.deployment.l1Block - 1n;
    this.address = privateKeyToAccount(options.key).address;
    this.blocksPerSlot = options.blocksPerSlot ?? 2;
    this.posting = options.posting ?? "calldata";
  }

  private log(line: string): void {
    this.options.log?.(`sequencer: ${line}`);
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
    await this.sync();
    await this.rebuildFrom(this.settled);
    this.relayed = await this.claimedPrefix();
    // L2 slots keep to the wall clock like the L1's: a slow step shortens the next wait.
    let next = Date.now() + this.blockTimeMs;
    const tick = () => {
      if (this.stopped) return;
      this.timer = setTimeout(
        () => {
          this.running = this.step()
            .catch((err) => this.log(`slot failed: ${(err as Error).stack ?? err}`))
            .finally(() => {
              next += this.blockTimeMs * Math.max(1, Math.ceil((Date.now() - next) / this.blockTimeMs));
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

  /** One L2 slot: read L1, follow the posts, then build and post a block. */
  async step(): Promise<Block | undefined> {
    const l1Head = await this.sync();
    if (!(await this.followPosts())) return undefined;
    if (this.settled > this.node.head.header.number) {
      await this.rebuildFrom(this.settled);
      return undefined;
    }
    await this.postBuilt();
    const unsettled = this.node.head.header.number - this.settled;
    if (unsettled >= BigInt(this.options.maxUnsettled ?? 4 * this.blocksPerSlot)) {
      this.log(`${unsettled} blocks wait for settlement; not building`);
      return undefined;
    }
    this.anchor = this.tree.root();
    await this.relayDeposits();
    const { drops, include } = await this.forcedForNextBlock(l1Head);
    const { block, firstIncluded } = await this.node.produceBlock({
      first: include.map((e) => e.tx),
      parentBeaconBlockRoot: this.anchor,
    });
    if (firstIncluded < include.length) {
      this.log(`forced transaction ${include[firstIncluded].index} does not apply; the rollup waits on it`);
    }
    this.forcedNext += BigInt(drops.length + firstIncluded);
    this.plans.set(block.header.number, { forcedCount: firstIncluded, drops });
    await this.postBuilt();
    return block;
  }

  // ------------------------------------------------------------------ L1

  private async read(contract: "rollup" | "bridge" | "inbox", functionName: string, blockNumber?: bigint) {
    return this.options.l1.public.readContract({
      address: this.options.deployment.contracts[contract],
      abi: ABI[contract],
      functionName,
      ...(blockNumber !== undefined ? { blockNumber } : {}),
    });
  }

  /** Reads new deposits and forced transactions, and the settled head; returns the L1 head. */
  private async sync(): Promise<bigint> {
    const { public: l1 } = this.options.l1;
    const { contracts } = this.options.deployment;
    const head = await l1.getBlockNumber();
    if (head > this.scannedTo) {
      const logs = await l1.getLogs({
        address: [contracts.bridge, contracts.inbox],
        fromBlock: this.scannedTo + 1n,
        toBlock: head,
      });
      for (const log of logs) {
        if (log.address.toLowerCase() === contracts.bridge.toLowerCase()) {
          const event = decodeEventLog({
            abi: ABI.bridge,
            data: log.data,
            topics: log.topics,
            strict: false,
          });
          if (event.eventName !== "Deposited") continue;
          const args = event.args as unknown as Deposit;
          const deposit: Deposit = {
            index: args.index,
            sender: args.sender,
            to: args.to,
            value: args.value,
            data: args.data,
          };
          if (deposit.index !== BigInt(this.deposits.length)) {
            throw new SequencerError(`deposit ${deposit.index} read out of order`);
          }
          this.deposits.push(deposit);
          this.tree.append(depositLeaf(deposit));
        } else {
          const event = decodeEventLog({ abi: ABI.inbox, data: log.data, topics: log.topics, strict: false });
          if (event.eventName !== "ForcedTransactionQueued") continue;
          const args = event.args as unknown as { index: bigint; deadline: bigint; transaction: Hex };
          const tx = createTxFromRLP(hexToBytes(args.transaction), {
            common: this.node.common,
          }) as FeeMarket1559Tx;
          this.forced.set(args.index, {
            index: args.index,
            tx,
            deadline: args.deadline,
            maxCost: tx.gasLimit * tx.maxFeePerGas + tx.value,
          });
        }
      }
      this.scannedTo = head;
    }
    this.settled = (await this.read("rollup", "number", head)) as bigint;
    return head;
  }

  /**
   * Checks the posted blocks' receipts. A rejected post means every later one fails too, and a
   * post L1 has not included for `STUCK_SLOTS` slots (dropped, or priced out) holds them up: then
   * the unsettled blocks are built again on the settled head. False when the slot should not build.
   */
  private async followPosts(): Promise<boolean> {
    this.posts = this.posts.filter((p) => p.l2Block > this.settled);
    for (const post of this.posts) {
      const receipt = await this.options.l1.public
        .getTransactionReceipt({ hash: post.hash })
        .catch(() => undefined);
      const stuck = Date.now() - post.sentAt > STUCK_SLOTS * this.options.l1SlotMs;
      if (receipt === undefined && !stuck) return true;
      if (receipt === undefined || receipt.status === "reverted") {
        const what = receipt === undefined ? `was not included for ${STUCK_SLOTS} slots` : "reverted";
        this.log(
          `advance of L2 block ${post.l2Block} ${what} (${post.hash}); rebuilding from ${this.settled}`,
        );
        await this.rebuildFrom(this.settled);
        return false;
      }
    }
    return true;
  }

  /** Posts the built blocks not posted yet, in order (a failed send is retried next slot). */
  private async postBuilt(): Promise<void> {
    const numbers = [...this.plans.keys()].sort((a, b) => (a < b ? -1 : 1));
    for (const number of numbers) {
      const plan = this.plans.get(number)!;
      await this.post(this.node.blockByNumber(number)!.block, plan.forcedCount, plan.drops);
      this.plans.delete(number);
    }
  }

  /**
   * Makes the local chain L1's settled chain and drops what is not settled: rewinds to the last
   * block L1 settled as this node has it, derives from L1 the blocks others settled after it (any
   * sender may advance under based sequencing), and sends the dropped blocks' transactions again.
   */
  private async rebuildFrom(settled: bigint): Promise<void> {
    this.posts = [];
    this.plans.clear();
    const head = this.node.head.header.number;
    const canonical = await this.settledHashes();
    let common = head < settled ? head : settled;
    while (
      common > 0n &&
      canonical.get(common) !== bytesToHex(this.node.blockByNumber(common)!.block.hash())
    ) {
      common--;
    }
    const dropped = common < head ? await this.node.rewind(common) : [];
    if (common < settled) {
      const follower = new Follower(this.node, { l1: this.options.l1, deployment: this.options.deployment });
      const derived = await follower.step();
      this.log(`derived ${derived} L2 blocks from L1 that another sender settled`);
    }
    this.forcedNext = (await this.read("inbox", "head")) as bigint;
    let resent = 0;
    for (const tx of dropped) {
      try {
        await this.node.sendRawTransaction(tx.serialize());
        resent++;
      } catch {
        // included in a derived block, or a relayed claim sent again when due
      }
    }
    this.relayed = await this.claimedPrefix();
    if (dropped.length > 0 || head > common) {
      this.log(
        `rewound ${head - common} unsettled blocks to ${common}; ${resent} transactions back in the mempool`,
      );
    }
  }

  /** The hash L1 settled for each L2 block number (its `Advanced` events). */
  private async settledHashes(): Promise<Map<bigint, Hex>> {
    const events = await this.options.l1.public.getContractEvents({
      address: this.options.deployment.contracts.rollup,
      abi: ABI.rollup,
      eventName: "Advanced",
      fromBlock: this.options.deployment.l1Block,
    });
    const hashes = new Map<bigint, Hex>();
    for (const event of events) {
      const { number, blockHash } = event.args as unknown as { number: bigint; blockHash: Hex };
      hashes.set(number, blockHash);
    }
    return hashes;
  }

  // ------------------------------------------------------------------ deposits

  /** How many deposits, from the first, are claimed on L2 at the head. */
  private async claimedPrefix(): Promise<number> {
    const l2Bridge = createAddressFromString(L2_BRIDGE_ADDRESS);
    let n = 0;
    while (n < this.deposits.length) {
      const { execResult } = await this.node.call({
        to: l2Bridge,
        data: hexToBytes(
          encodeFunctionData({ abi: ABI.l2Bridge, functionName: "claimed", args: [BigInt(n)] }),
        ),
      });
      if (execResult.returnValue[31] !== 1) break;
      n++;
    }
    return n;
  }

  /** Sends each new deposit's claim to the L2 mempool, paid by the sequencer's account. */
  private async relayDeposits(): Promise<void> {
    const { common } = this.node;
    const nextBaseFee = this.node.head.header.calcNextBaseFee();
    const state = this.node.stateAt();
    const account = await state.getAccount(createAddressFromString(this.address));
    let nonce = this.node.mempool.pendingNonce(createAddressFromString(this.address), account?.nonce ?? 0n);
    for (; this.relayed < this.deposits.length; this.relayed++) {
      const deposit = this.deposits[this.relayed];
      const tx = createFeeMarket1559Tx(
        {
          chainId: common.chainId(),
          nonce: nonce++,
          to: createAddressFromString(L2_BRIDGE_ADDRESS),
          gasLimit: CLAIM_GAS,
          maxFeePerGas: 2n * nextBaseFee + GWEI,
          maxPriorityFeePerGas: GWEI,
          data: hexToBytes(
            encodeFunctionData({
              abi: ABI.l2Bridge,
              functionName: "claim",
              args: depositClaimArgs(deposit, this.tree.proof(this.relayed)),
            }),
          ),
        },
        { common },
      ).sign(hexToBytes(this.options.key));
      await this.node.sendRawTransaction(tx.serialize());
      this.log(`relaying deposit ${deposit.index}: ${deposit.value} wei to ${deposit.to}`);
    }
  }

  // ------------------------------------------------------------------ forced inclusion

  /**
   * The queue entries the next block handles: first drops of due entries the head state shows
   * invalid (nonce used, or too little balance), then inclusions of entries due soon, in queue
   * order (docs/rollup.md, "Forced inclusion").
   */
  private async forcedForNextBlock(l1Head: bigint): Promise<{ drops: Drop[]; include: ForcedEntry[] }> {
    const drops: Drop[] = [];
    const include: ForcedEntry[] = [];
    // The next block's parent and pre-state: the head.
    const parentHeader = this.node.head.header;
    const state = this.node.stateAt();
    const views = new Map<string, SenderState>();
    for (let index = this.forcedNext; ; index++) {
      const entry = this.forced.get(index);
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

  // ------------------------------------------------------------------ posting

  /** Sends `advance` for `block` to L1. */
  private async post(block: Block, forcedCount: number, drops: Drop[]): Promise<void> {
    const { l1, deployment } = this.options;
    const number = block.header.number;
    const generation = await this.node.statelessInput(number);
    if (generation.error !== undefined) {
      throw new SequencerError(`L2 block ${number} does not re-execute: ${String(generation.error)}`);
    }
    const input = encodeStatelessInput(generation.input);
    const common = commonFor(l1.chainId, "osaka");
    const latest = await l1.public.getBlock();
    const market = await l1.public.call({ to: EXECUTE_ADDRESS, data: bytesToHex(EXECUTE_QUERY) as Hex });
    const executeBaseFee = BigInt((market.data ?? "0x0").slice(0, 66));
    // Twice the fee at today's base fee: the base fee may rise before inclusion; the rest is refunded.
    const prepayment = 2n * block.header.gasUsed * executeBaseFee;
    const maxFeePerGas = 2n * (latest.baseFeePerGas ?? GWEI) + GWEI;
    const nonce = BigInt(await l1.public.getTransactionCount({ address: this.address, blockTag: "pending" }));
    const args = (executeInput: Uint8Array) =>
      encodeFunctionData({
        abi: ABI.rollup,
        functionName: "advance",
        args: [bytesToHex(executeInput), BigInt(forcedCount), restHashes(block, forcedCount), drops],
      });
    const base = {
      chainId: l1.chainId,
      nonce,
      to: createAddressFromString(deployment.contracts.rollup),
      value: prepayment,
      maxFeePerGas,
      maxPriorityFeePerGas: GWEI,
    };
    let raw: Uint8Array;
    if (this.posting === "blobs") {
      const sidecar = blobSidecar(packBlobs(input));
      const reference = blobReferenceFor(
        input,
        sidecar.blobVersionedHashes.map((h) => hexToBytes(h)),
      );
      const data = hexToBytes(args(reference));
      const blobBaseFee = BigInt(await l1.public.request({ method: "eth_blobBaseFee" } as never));
      const tx = createBlob4844Tx(
        {
          ...base,
          data,
          gasLimit: advanceGas(data, input, drops.length),
          maxFeePerBlobGas: 2n * blobBaseFee + 1n,
          blobVersionedHashes: sidecar.blobVersionedHashes,
        },
        { common },
      ).sign(hexToBytes(this.options.key));
      raw = blobNetworkForm(tx, sidecar);
    } else {
      const data = hexToBytes(args(input));
      raw = createFeeMarket1559Tx(
        { ...base, data, gasLimit: advanceGas(data, input, drops.length) },
        { common },
      )
        .sign(hexToBytes(this.options.key))
        .serialize();
    }
    const hash = await l1.public.sendRawTransaction({ serializedTransaction: bytesToHex(raw) as Hex });
    this.posts.push({ l2Block: number, hash, sentAt: Date.now() });
    this.log(
      `L2 block ${number} (${block.transactions.length} txs, ${block.header.gasUsed} gas${forcedCount + drops.length > 0 ? `, ${forcedCount} forced, ${drops.length} dropped` : ""}) posted in ${this.posting}: ${input.length} bytes, ${hash}`,
    );
  }
}

/**
 * L1 gas for an `advance` with `data` as calldata and `input` for EXECUTE: the EIP-7623 calldata
 * floor (40 per byte, the most it can be), EXECUTE's per-byte and fixed gas, the contract's own
 * work, and an account proof per drop.
 */
function advanceGas(data: Uint8Array, input: Uint8Array, drops: number): bigint {
  return (
    21_000n + 40n * BigInt(data.length) + 8n * BigInt(input.length) + 700_000n + 150_000n * BigInt(drops)
  );
}
