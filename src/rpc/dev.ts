/**
 * Dev methods under the names anvil, hardhat and ganache use (`anvil_*`, `hardhat_*`, `evm_*`),
 * as viem's test client calls them in "anvil" and "hardhat" mode, and the `txpool_*` methods.
 * State changes go through the node's dev controls (src/node/dev.ts), which the node logs; the
 * mempool is re-checked after each.
 */
import type { TypedTransaction } from "@ethereumjs/tx";
import { type Address, bytesToHex, setLengthLeft } from "@ethereumjs/util";
import { getAddress } from "viem";
import type { DevChain } from "../node/dev.ts";
import { type PoolTransaction, TransactionRejectedError } from "../node/mempool.ts";
import type { ChainNode } from "../node/node.ts";
import { INVALID_INPUT, INVALID_PARAMS, RpcError } from "./errors.ts";
import { formatTransaction, quantity } from "./format.ts";
import {
  expectParams,
  optionalField,
  optionalParam,
  ParamProblem,
  type Parser,
  param,
  parseAddress,
  parseBool,
  parseData,
  parseHash,
  parseLooseInteger,
  parseSlot,
  show,
} from "./params.ts";
import type { RpcHandler, RpcMethods } from "./payload.ts";
import { rejectionError } from "./send.ts";

/**
 * `anvil_reorg`'s transactions: `[[rawTransaction, blockOffset], …]`, each signed (anvil also takes
 * transaction requests to sign; here they are signed by the caller).
 */
const parseReorgTransactions: Parser<{ raw: Uint8Array; offset: bigint }[]> = (value) => {
  if (!Array.isArray(value))
    throw new ParamProblem(`expected [[rawTransaction, blockOffset], …], got ${show(value)}`);
  return value.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string") {
      throw new ParamProblem(
        `entry ${i}: expected [rawTransaction, blockOffset] with the transaction signed, as 0x-hex, got ${show(pair)}`,
      );
    }
    return { raw: parseData(pair[0]), offset: parseLooseInteger(pair[1]) };
  });
};

/** Most blocks one `anvil_mine` / `hardhat_mine` call produces: each is a real block here. */
export const MAX_MINE_BLOCKS = 10_000n;

/** A storage word: at most 32 bytes of 0x-hex, left-padded. */
const parseWord: Parser<Uint8Array> = (value) => {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{0,64}$/.test(value)) {
    throw new ParamProblem(`expected at most 32 bytes of 0x-hex, got ${show(value)}`);
  }
  return parseSlot(value === "0x" ? "0x0" : value);
};

/** `evm_mine`'s argument: a timestamp, or anvil's `{ timestamp, blocks }`. */
const parseMineOptions: Parser<{ timestamp?: bigint; blocks?: bigint }> = (value) => {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    const timestamp = optionalField(object, "timestamp", parseLooseInteger);
    const blocks = optionalField(object, "blocks", parseLooseInteger);
    return { ...(timestamp !== undefined ? { timestamp } : {}), ...(blocks !== undefined ? { blocks } : {}) };
  }
  return { timestamp: parseLooseInteger(value) };
};

/**
 * Mines `count` blocks; with `interval`, each after the first `interval` seconds after the one
 * before it (anvil's `anvil_mine`).
 */
async function mineBlocks(dev: DevChain, count: bigint, interval = 0n, timestamp?: bigint): Promise<void> {
  if (count > MAX_MINE_BLOCKS) {
    throw new RpcError(
      INVALID_PARAMS,
      `invalid argument 0 (blocks): at most ${MAX_MINE_BLOCKS} blocks per call, got ${count}`,
    );
  }
  for (let i = 0n; i < count; i++) {
    if (i === 0n && timestamp !== undefined) dev.setNextBlockTimestamp(timestamp);
    else if (i > 0n && interval > 0n) dev.setNextBlockTimestamp(dev.node.head.header.timestamp + interval);
    await dev.produceBlock();
  }
}

/** Rejects a timestamp the next block cannot have (anvil: "lower than or equal to previous block's"). */
function checkNextTimestamp(node: ChainNode, timestamp: bigint): void {
  const previous = node.head.header.timestamp;
  if (timestamp <= previous) {
    throw new RpcError(
      INVALID_INPUT,
      `timestamp ${timestamp} is lower than or equal to the previous block's timestamp ${previous}`,
    );
  }
}

/** Pending (executable now) and queued transactions per sender, as `txpool_content` groups them. */
async function poolBySender(node: ChainNode) {
  const sm = node.stateAt();
  const senders = new Map<string, Address>();
  for (const entry of node.mempool.all()) senders.set(entry.sender.toString(), entry.sender);
  const pending: Record<string, PoolTransaction[]> = {};
  const queued: Record<string, PoolTransaction[]> = {};
  for (const sender of senders.values()) {
    let next = (await sm.getAccount(sender))?.nonce ?? 0n;
    const key = getAddress(sender.toString());
    for (const entry of node.mempool.forSender(sender)) {
      const bucket = entry.nonce === next ? pending : queued;
      if (entry.nonce === next) next++;
      bucket[key] = [...(bucket[key] ?? []), entry];
    }
  }
  return { pending, queued };
}

function byNonce(groups: Record<string, PoolTransaction[]>, format: (tx: TypedTransaction) => unknown) {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [sender, entries] of Object.entries(groups)) {
    out[sender] = Object.fromEntries(entries.map((e) => [e.nonce.toString(), format(e.tx)]));
  }
  return out;
}

function summary(tx: TypedTransaction): string {
  const price = "maxFeePerGas" in tx ? tx.maxFeePerGas : (tx as { gasPrice: bigint }).gasPrice;
  return `${tx.to?.toString() ?? "contract creation"}: ${tx.value} wei + ${tx.gasLimit} gas × ${price} wei`;
}

/**
 * The dev and txpool methods.
 *
 * @example
 * const methods = devMethods(new DevChain(node));
 * await methods.anvil_setBalance([address, "0xde0b6b3a7640000"], { transport: "http" });
 */
export function devMethods(dev: DevChain): RpcMethods {
  const { node } = dev;
  const setBalance: RpcHandler = async (params) => {
    expectParams(params, 2);
    await dev.setBalance(
      param(params, 0, "address", parseAddress),
      param(params, 1, "balance", parseLooseInteger),
    );
    return null;
  };
  const setCode: RpcHandler = async (params) => {
    expectParams(params, 2);
    await dev.setCode(param(params, 0, "address", parseAddress), param(params, 1, "code", parseData));
    return null;
  };
  const setStorageAt: RpcHandler = async (params) => {
    expectParams(params, 3);
    const address = param(params, 0, "address", parseAddress);
    const slot = param(params, 1, "slot", parseSlot);
    const value = param(params, 2, "value", parseWord);
    await dev.setStorageAt(address, slot, setLengthLeft(value, 32));
    return true;
  };
  const setNonce: RpcHandler = async (params) => {
    expectParams(params, 2);
    await dev.setNonce(
      param(params, 0, "address", parseAddress),
      param(params, 1, "nonce", parseLooseInteger),
    );
    return null;
  };
  const mine: RpcHandler = async (params) => {
    expectParams(params, 2, 0);
    const count = optionalParam(params, 0, "blocks", parseLooseInteger, 1n);
    const interval = optionalParam(params, 1, "interval", parseLooseInteger, 0n);
    await mineBlocks(dev, count, interval);
    return null;
  };
  const setAutomine: RpcHandler = (params) => {
    expectParams(params, 1);
    dev.automine = param(params, 0, "enabled", parseBool);
    return null;
  };
  const getAutomine: RpcHandler = () => dev.automine;
  const depthOf = (params: unknown[]) => {
    const depth = param(params, 0, "depth", parseLooseInteger);
    const head = node.head.header.number;
    if (depth < 1n || depth > head) {
      throw new RpcError(INVALID_PARAMS, `invalid argument 0 (depth): expected 1 to ${head}, got ${depth}`);
    }
    return depth;
  };
  const dropTransaction: RpcHandler = (params) => {
    expectParams(params, 1);
    const hash = param(params, 0, "transactionHash", parseHash);
    return node.mempool.remove(hash) ? hash : null;
  };

  return {
    anvil_setBalance: setBalance,
    hardhat_setBalance: setBalance,
    anvil_setCode: setCode,
    hardhat_setCode: setCode,
    anvil_setStorageAt: setStorageAt,
    hardhat_setStorageAt: setStorageAt,
    anvil_setNonce: setNonce,
    hardhat_setNonce: setNonce,
    anvil_mine: mine,
    hardhat_mine: mine,
    evm_mine: async (params) => {
      expectParams(params, 1, 0);
      const options = optionalParam(params, 0, "timestamp", parseMineOptions, {});
      if (options.timestamp !== undefined) checkNextTimestamp(node, options.timestamp);
      await mineBlocks(dev, options.blocks ?? 1n, 0n, options.timestamp);
      return "0x0";
    },
    anvil_rollback: async (params) => {
      expectParams(params, 1);
      await dev.rollback(depthOf(params));
      return null;
    },
    anvil_reorg: async (params) => {
      expectParams(params, 2, 1);
      const depth = depthOf(params);
      const transactions = optionalParam(params, 1, "txBlockPairs", parseReorgTransactions, []);
      for (const { offset } of transactions) {
        if (offset >= depth) {
          throw new RpcError(
            INVALID_PARAMS,
            `invalid argument 1: block offset ${offset} is past the ${depth} new blocks`,
          );
        }
      }
      try {
        await dev.reorg(depth, transactions);
      } catch (err) {
        if (err instanceof TransactionRejectedError) throw rejectionError(err);
        throw err;
      }
      return null;
    },
    evm_snapshot: (params) => {
      expectParams(params, 0);
      return quantity(dev.snapshot());
    },
    evm_revert: (params) => {
      expectParams(params, 1);
      const id = param(params, 0, "snapshotId", parseLooseInteger);
      return id > BigInt(Number.MAX_SAFE_INTEGER) ? false : dev.revert(Number(id));
    },
    evm_increaseTime: (params) => {
      expectParams(params, 1);
      const seconds = param(params, 0, "seconds", parseLooseInteger);
      if (seconds > 1n << 40n)
        throw new RpcError(INVALID_PARAMS, `invalid argument 0 (seconds): ${seconds} is too large`);
      // anvil answers with the total offset, as a number.
      return dev.increaseTime(Number(seconds));
    },
    evm_setNextBlockTimestamp: (params) => {
      expectParams(params, 1);
      const timestamp = param(params, 0, "timestamp", parseLooseInteger);
      checkNextTimestamp(node, timestamp);
      dev.setNextBlockTimestamp(timestamp);
      return null;
    },
    evm_setAutomine: setAutomine,
    anvil_setAutomine: setAutomine,
    anvil_getAutomine: getAutomine,
    hardhat_getAutomine: getAutomine,
    anvil_dropTransaction: dropTransaction,
    hardhat_dropTransaction: dropTransaction,
    anvil_nodeInfo: () => {
      const h = node.head.header;
      return {
        currentBlockNumber: quantity(h.number),
        currentBlockTimestamp: Number(h.timestamp),
        currentBlockHash: bytesToHex(node.head.hash()),
        hardFork: "osaka",
        transactionOrder: "fees",
        environment: {
          baseFee: quantity(h.calcNextBaseFee()),
          chainId: quantity(node.config.chainId),
          gasLimit: quantity(node.config.gasLimit),
          gasPrice: quantity(h.calcNextBaseFee()),
        },
        network: "nrx-l1",
      };
    },
    txpool_status: async (params) => {
      expectParams(params, 0);
      const { pending, queued } = await poolBySender(node);
      const count = (groups: Record<string, PoolTransaction[]>) =>
        Object.values(groups).reduce((n, entries) => n + entries.length, 0);
      return { pending: quantity(count(pending)), queued: quantity(count(queued)) };
    },
    txpool_content: async (params) => {
      expectParams(params, 0);
      const { pending, queued } = await poolBySender(node);
      return {
        pending: byNonce(pending, (tx) => formatTransaction(tx)),
        queued: byNonce(queued, (tx) => formatTransaction(tx)),
      };
    },
    txpool_inspect: async (params) => {
      expectParams(params, 0);
      const { pending, queued } = await poolBySender(node);
      return { pending: byNonce(pending, summary), queued: byNonce(queued, summary) };
    },
  };
}
