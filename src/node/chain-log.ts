/**
 * What a node writes to its chain log (src/node/chain-store.ts) and how it reads it back on
 * restart: every accepted transaction, every block with the trie nodes and blobs it added, state
 * changes outside blocks (dev methods), rewinds and the block clock's offset.
 */
import { type Block, createBlockFromRLP } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { NrxError } from "../util/errors.ts";
import type { ChainBlock, ChainIndex } from "./chain-index.ts";
import type { ChainStore } from "./chain-store.ts";

export type LogRecord =
  | { type: "genesis"; hash: string }
  | { type: "tx"; raw: string }
  | {
      type: "block";
      rlp: string;
      receipts: ChainBlock["receipts"];
      executeCalls: ChainBlock["executeCalls"];
      nodes: [string, string][];
      blobs: [string, string][];
      preStateRoot?: string;
    }
  | { type: "state"; root: string; nodes: [string, string][] }
  | { type: "rewind"; number: string; root: string }
  | { type: "time"; offset: number };

/** The data directory holds another chain than the one configured. */
export class ChainLogMismatchError extends NrxError<{ logged: string; configured: string }> {
  override name = "ChainLogMismatchError";
}

/** The block record of `entry`, with the trie nodes and blobs it added. */
export function blockRecord(
  entry: ChainBlock,
  nodes: Iterable<[string, Uint8Array]>,
  blobs: Iterable<[string, Uint8Array]> = [],
): LogRecord {
  return {
    type: "block",
    rlp: bytesToHex(entry.block.serialize()),
    receipts: entry.receipts,
    executeCalls: entry.executeCalls,
    nodes: [...nodes].map(([k, v]) => [k, bytesToHex(v)]),
    blobs: [...blobs].map(([k, v]) => [k, bytesToHex(v)]),
    ...(entry.preStateRoot ? { preStateRoot: entry.preStateRoot } : {}),
  };
}

/** What replaying a log rebuilds. */
export type ReplayedChain = {
  /** The head state root. */
  headStateRoot: Uint8Array;
  timeOffset: number;
  /** Raw transactions accepted, in order; the mined ones among them are skipped by the caller. */
  transactions: Uint8Array[];
  /** Whether the log had records before this replay (a resumed chain). */
  resumed: boolean;
};

/**
 * Replays `store` onto `index` and `nodes`, which hold genesis. A new log gets the genesis
 * record; a log of another genesis is refused.
 */
export function replayChainLog(
  store: ChainStore,
  target: { index: ChainIndex; nodes: Map<string, Uint8Array>; common: Common; headStateRoot: Uint8Array },
  log: (line: string) => void,
): ReplayedChain {
  const { records, truncatedBytes } = store.replay<LogRecord>();
  if (truncatedBytes > 0) log(`chain log: cut ${truncatedBytes} bytes of an unfinished record`);
  const genesisHash = bytesToHex(target.index.chain[0].block.hash());
  if (records.length === 0) store.append({ type: "genesis", hash: genesisHash });
  else if (records[0].type !== "genesis" || records[0].hash !== genesisHash) {
    const logged = records[0].type === "genesis" ? records[0].hash : "?";
    throw new ChainLogMismatchError(
      `the data directory holds another chain (genesis ${logged}, this config's is ${genesisHash}); use another --data-dir or the same config`,
      { details: { logged, configured: genesisHash } },
    );
  }
  const replayed: ReplayedChain = {
    headStateRoot: target.headStateRoot,
    timeOffset: 0,
    transactions: [],
    resumed: records.length > 0,
  };
  const addNodes = (nodes: [string, string][]) => {
    for (const [k, v] of nodes) target.nodes.set(k, hexToBytes(v as `0x${string}`));
  };
  for (const record of records) {
    switch (record.type) {
      case "tx":
        replayed.transactions.push(hexToBytes(record.raw as `0x${string}`));
        break;
      case "block": {
        addNodes(record.nodes);
        for (const [k, v] of record.blobs) target.index.blobs.set(k, hexToBytes(v as `0x${string}`));
        const block: Block = createBlockFromRLP(hexToBytes(record.rlp as `0x${string}`), {
          common: target.common,
        });
        target.index.append({
          block,
          receipts: record.receipts,
          executeCalls: record.executeCalls,
          ...(record.preStateRoot ? { preStateRoot: record.preStateRoot as `0x${string}` } : {}),
        });
        replayed.headStateRoot = block.header.stateRoot;
        break;
      }
      case "state":
        addNodes(record.nodes);
        replayed.headStateRoot = hexToBytes(record.root as `0x${string}`);
        break;
      case "rewind":
        target.index.truncate(Number(record.number));
        replayed.headStateRoot = hexToBytes(record.root as `0x${string}`);
        break;
      case "time":
        replayed.timeOffset = record.offset;
        break;
    }
  }
  return replayed;
}
