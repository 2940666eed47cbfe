/**
 * The client of a native rollup's L1 contracts (docs/rollup.md): the one place that knows them.
 * Their ABIs, the events the L2 nodes follow (deposits, forced transactions, settlements), the
 * `advance` call with its gas, the execute-gas market query through `EXECUTE`, and the fork the
 * L2 follows (the L1's: `EXECUTE` verifies L2 blocks under it). The sequencer, the follower,
 * `nrx_listRollups`, `nrx claim-withdrawal` and the demo read and write the rollup through it.
 */
import type { Block } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { createBlob4844Tx, createFeeMarket1559Tx } from "@ethereumjs/tx";
import { bytesToHex, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import {
  type Abi,
  BlockNotFoundError,
  decodeEventLog,
  decodeFunctionData,
  encodeFunctionData,
  type Hex,
  type Log,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { loadArtifact } from "../contracts/compile.ts";
import {
  blobNetworkForm,
  blobReferenceFor,
  blobSidecar,
  EXECUTE_QUERY,
  packBlobs,
} from "../execute/blob-input.ts";
import { decodeExecuteMarketQuote } from "../execute/market.ts";
import { EXECUTE_ADDRESS } from "../execute/result.ts";
import { L1_FORK } from "../l1/rules.ts";
import { commonFor } from "../stateless/chain.ts";
import type { RollupDeployment } from "./deployment.ts";
import { type Drop, restHashes } from "./forced.ts";
import type { L1Client } from "./l1-client.ts";
import type { Deposit } from "./message-tree.ts";

const abis = new Map<string, Abi>();

/** A contract's ABI, loaded on first use (loading may compile the contracts). */
function abiOf(contract: string): Abi {
  let abi = abis.get(contract);
  if (abi === undefined) {
    abi = loadArtifact(contract).abi as Abi;
    abis.set(contract, abi);
  }
  return abi;
}

/** The ABIs of the rollup's contracts: on L1 the rollup, its bridge and inbox; on L2 the bridge predeploy. */
export const ROLLUP_ABIS = {
  get rollup(): Abi {
    return abiOf("NativeRollup");
  },
  get l1Bridge(): Abi {
    return abiOf("L1Bridge");
  },
  get inbox(): Abi {
    return abiOf("ForcedInclusionInbox");
  },
  get timelock(): Abi {
    return abiOf("Timelock");
  },
  get stateProof(): Abi {
    return abiOf("StateProof");
  },
  get l2Bridge(): Abi {
    return abiOf("L2Bridge");
  },
};

/** The custom errors of `abi`, to decode reverts that come from a contract it calls. */
export function errorsOf(abi: Abi): Abi {
  return abi.filter((item) => item.type === "error");
}

/** How the sequencer posts a block's `StatelessInput`: in the calldata of `advance`, or in blobs it references. */
export type Posting = "calldata" | "blobs";

/** A forced transaction as the inbox queued it. */
export type QueuedForcedTransaction = { index: bigint; deadline: bigint; transaction: Hex };

/** An L2 block the rollup settled: its `Advanced` event. */
export type Settlement = { number: bigint; blockHash: Hex; transactionHash: Hex };

/** An L1 block by number and hash: where an L2 node has read L1 to, to tell when L1 reorganises under it. */
export type L1BlockRef = { number: bigint; hash: Hex };

const GWEI = 10n ** 9n;

/**
 * `advance(input, forcedCount, restHashes, drops)`'s arguments for `block`, whose `EXECUTE`
 * input is `bytes` (inline, or a blob reference to it).
 *
 * @example
 * await rollup.send(0, "advance", advanceArgs(b1, 1), prepayment);
 */
export function advanceArgs(
  block: { bytes: Uint8Array; block: Block },
  forcedCount: number,
  drops: Drop[] = [],
) {
  return [bytesToHex(block.bytes), BigInt(forcedCount), restHashes(block.block, forcedCount), drops] as const;
}

/** The `EXECUTE` input argument of `advance` calldata; undefined for other calldata. */
export function advanceInputOf(calldata: Hex): Uint8Array | undefined {
  try {
    const call = decodeFunctionData({ abi: ROLLUP_ABIS.rollup, data: calldata });
    if (call.functionName === "advance" && call.args !== undefined) return hexToBytes(call.args[0] as Hex);
  } catch {}
  return undefined;
}

/**
 * L1 gas for an `advance` with `data` as calldata and `input` for `EXECUTE`: the EIP-7623
 * calldata floor (40 per byte, the most it can be), `EXECUTE`'s per-byte and fixed gas, the
 * contract's own work, and an account proof per drop.
 */
export function advanceGas(data: Uint8Array, input: Uint8Array, drops: number): bigint {
  return (
    21_000n + 40n * BigInt(data.length) + 8n * BigInt(input.length) + 700_000n + 150_000n * BigInt(drops)
  );
}

/** L2 calldata of `L2Bridge.claim` for `deposit` with its message-tree `proof`. */
export function claimDepositCalldata(deposit: Deposit, proof: Uint8Array[]): Uint8Array {
  const args = [
    deposit.index,
    deposit.sender,
    deposit.to,
    deposit.value,
    deposit.data,
    proof.map((p) => bytesToHex(p)),
  ];
  return hexToBytes(encodeFunctionData({ abi: ROLLUP_ABIS.l2Bridge, functionName: "claim", args }));
}

/** L2 calldata of `L2Bridge.claimed(index)`: whether deposit `index` was claimed. */
export function claimedCalldata(index: bigint): Uint8Array {
  return hexToBytes(
    encodeFunctionData({ abi: ROLLUP_ABIS.l2Bridge, functionName: "claimed", args: [index] }),
  );
}

/** What one block is posted with: its input, the forced transactions it includes first and its drops. */
export type AdvancePost = {
  block: Block;
  /** `schema_id ‖ ssz(StatelessInput)` of `block`. */
  input: Uint8Array;
  forcedCount: number;
  drops: Drop[];
  posting: Posting;
};

/**
 * @example
 * const client = new RollupClient(await connectL1(url, key), deployment);
 * const { deposits, forced } = await client.events(from, await client.l1Head());
 */
export class RollupClient {
  /** The L1's transactions are signed for its own fork. */
  private readonly l1Common: Common;

  constructor(
    readonly l1: L1Client,
    readonly deployment: RollupDeployment,
  ) {
    this.l1Common = commonFor(l1.chainId, L1_FORK);
  }

  get contracts(): RollupDeployment["contracts"] {
    return this.deployment.contracts;
  }

  /** The L1's head block. */
  async l1Head(): Promise<L1BlockRef> {
    const block = await this.l1.public.getBlock({ blockTag: "latest" });
    return { number: block.number, hash: block.hash };
  }

  /**
   * The L1 blocks an L2 node reads next, having read up to `cursor`: from the block after it to
   * the head; from the rollup's deployment block when there is no cursor yet, or when L1
   * reorganised under it (`reorged`: everything read before is to be read again).
   */
  async nextRange(
    cursor: L1BlockRef | undefined,
  ): Promise<{ head: L1BlockRef; from: bigint; reorged: boolean }> {
    const head = await this.l1Head();
    const reorged = cursor !== undefined && !(await this.isCanonical(cursor));
    const from = cursor === undefined || reorged ? this.deployment.l1Block : cursor.number + 1n;
    return { head, from, reorged };
  }

  /** Whether `ref` is still on the L1's chain: false once a reorg (or a dev revert) replaced or removed it. */
  private async isCanonical(ref: L1BlockRef): Promise<boolean> {
    const block = await this.l1.public.getBlock({ blockNumber: ref.number }).catch((err: unknown) => {
      if (err instanceof BlockNotFoundError) return undefined;
      throw err;
    });
    return block?.hash === ref.hash;
  }

  /**
   * The last L2 block settled in an L1 block the L1 holds final (its `finalized` tag), and that
   * L1 block's number; 0 while the final L1 block precedes the rollup's deployment.
   */
  async finalizedSettlement(): Promise<{ l1Block: bigint; settled: bigint }> {
    const final = await this.l1.public.getBlock({ blockTag: "finalized" });
    const settled = final.number < this.deployment.l1Block ? 0n : await this.settledNumber(final.number);
    return { l1Block: final.number, settled };
  }

  /** The deposits and the forced transactions queued in L1 blocks `fromBlock` to `toBlock`, in order. */
  async events(
    fromBlock: bigint,
    toBlock: bigint,
  ): Promise<{ deposits: Deposit[]; forced: QueuedForcedTransaction[] }> {
    const { bridge, inbox } = this.contracts;
    const logs = await this.l1.public.getLogs({ address: [bridge, inbox], fromBlock, toBlock });
    const deposits: Deposit[] = [];
    const forced: QueuedForcedTransaction[] = [];
    for (const log of logs) {
      if (log.address.toLowerCase() === bridge.toLowerCase()) {
        const event = decode(ROLLUP_ABIS.l1Bridge, log);
        if (event.eventName !== "Deposited") continue;
        const { index, sender, to, value, data } = event.args as unknown as Deposit;
        deposits.push({ index, sender, to, value, data });
      } else {
        const event = decode(ROLLUP_ABIS.inbox, log);
        if (event.eventName !== "ForcedTransactionQueued") continue;
        const { index, deadline, transaction } = event.args as unknown as QueuedForcedTransaction;
        forced.push({ index, deadline, transaction });
      }
    }
    return { deposits, forced };
  }

  /** The L2 blocks settled in L1 blocks `fromBlock` to `toBlock` (default: the head), in order. */
  async settlements(fromBlock: bigint, toBlock?: bigint): Promise<Settlement[]> {
    const logs = await this.l1.public.getLogs({
      address: this.contracts.rollup,
      fromBlock,
      ...(toBlock !== undefined ? { toBlock } : {}),
    });
    const settlements: Settlement[] = [];
    for (const log of logs) {
      const event = decode(ROLLUP_ABIS.rollup, log);
      if (event.eventName !== "Advanced") continue;
      const { number, blockHash } = event.args as unknown as { number: bigint; blockHash: Hex };
      settlements.push({ number, blockHash, transactionHash: log.transactionHash as Hex });
    }
    return settlements;
  }

  /** The number of the last L2 block settled, at L1 block `blockNumber` (default: the head). */
  async settledNumber(blockNumber?: bigint): Promise<bigint> {
    return (await this.l1.public.readContract({
      address: this.contracts.rollup,
      abi: ROLLUP_ABIS.rollup,
      functionName: "number",
      ...(blockNumber !== undefined ? { blockNumber } : {}),
    })) as bigint;
  }

  /** The inbox position of the next forced transaction the rollup has not handled. */
  async inboxHead(): Promise<bigint> {
    return (await this.l1.public.readContract({
      address: this.contracts.inbox,
      abi: ROLLUP_ABIS.inbox,
      functionName: "head",
    })) as bigint;
  }

  /** The execute base fee of the next L1 block, by the market query. */
  async executeBaseFee(): Promise<bigint> {
    const answer = await this.l1.public.call({ to: EXECUTE_ADDRESS, data: bytesToHex(EXECUTE_QUERY) as Hex });
    return decodeExecuteMarketQuote(answer.data ?? "0x").executeBaseFee;
  }

  /**
   * The signed `advance` transaction that settles `post.block`, from `key`'s account: prepaid for
   * twice the execute gas at today's execute base fee (the fee may rise before inclusion; the rest
   * is refunded), in network form with its sidecar when posted in blobs.
   */
  async advanceTransaction(key: Hex, post: AdvancePost): Promise<Uint8Array> {
    const { l1 } = this;
    const { block, input, forcedCount, drops } = post;
    const latest = await l1.public.getBlock();
    const prepayment = 2n * block.header.gasUsed * (await this.executeBaseFee());
    const address = privateKeyToAccount(key).address;
    const nonce = BigInt(await l1.public.getTransactionCount({ address, blockTag: "pending" }));
    const base = {
      chainId: l1.chainId,
      nonce,
      to: createAddressFromString(this.contracts.rollup),
      value: prepayment,
      maxFeePerGas: 2n * (latest.baseFeePerGas ?? GWEI) + GWEI,
      maxPriorityFeePerGas: GWEI,
    };
    const calldata = (executeInput: Uint8Array) =>
      hexToBytes(
        encodeFunctionData({
          abi: ROLLUP_ABIS.rollup,
          functionName: "advance",
          args: advanceArgs({ bytes: executeInput, block }, forcedCount, drops),
        }),
      );
    if (post.posting === "blobs") {
      const sidecar = blobSidecar(packBlobs(input));
      const data = calldata(
        blobReferenceFor(
          input,
          sidecar.blobVersionedHashes.map((h) => hexToBytes(h)),
        ),
      );
      const blobBaseFee = BigInt(await l1.public.request({ method: "eth_blobBaseFee" } as never));
      const tx = createBlob4844Tx(
        {
          ...base,
          data,
          gasLimit: advanceGas(data, input, drops.length),
          maxFeePerBlobGas: 2n * blobBaseFee + 1n,
          blobVersionedHashes: sidecar.blobVersionedHashes,
        },
        { common: this.l1Common },
      ).sign(hexToBytes(key));
      return blobNetworkForm(tx, sidecar);
    }
    const data = calldata(input);
    return createFeeMarket1559Tx(
      { ...base, data, gasLimit: advanceGas(data, input, drops.length) },
      { common: this.l1Common },
    )
      .sign(hexToBytes(key))
      .serialize();
  }

  /** Sends a signed L1 transaction; returns its hash. */
  sendRawTransaction(raw: Uint8Array): Promise<Hex> {
    return this.l1.public.sendRawTransaction({ serializedTransaction: bytesToHex(raw) as Hex });
  }
}

function decode(abi: Abi, log: Log) {
  return decodeEventLog({ abi, data: log.data, topics: log.topics, strict: false });
}
