/**
 * The execution-spec-tests blockchain test format, and the pieces of it every runner needs:
 * fork schedules, genesis state, test discovery.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Common } from "@ethereumjs/common";
import {
  Account,
  bigIntToBytes,
  bigIntToUnpaddedBytes,
  createAddressFromString,
  hexToBytes,
  KECCAK256_RLP,
  MapDB,
  setLengthLeft,
} from "@ethereumjs/util";
import { FORK_ORDER } from "../stateless/chain.ts";
import type { StatelessFork } from "../stateless/ssz.ts";
import { createStateManager } from "../stateless/state-manager.ts";

export type FixtureAccount = {
  nonce: string;
  balance: string;
  code: string;
  storage: Record<string, string>;
};

export type FixtureBlock = {
  rlp: string;
  expectException?: string;
  blockHeader?: { stateRoot: string; receiptTrie: string; hash: string };
  statelessInputBytes?: string;
  statelessOutputBytes?: string;
};

export type BlockchainTest = {
  network: string;
  pre: Record<string, FixtureAccount>;
  genesisRLP: string;
  genesisBlockHeader: { stateRoot: string; hash: string };
  blocks: FixtureBlock[];
  lastblockhash: string;
  config?: { chainid?: string };
};

/** Every `.json` file under `dir`, sorted, so runs are reproducible. */
export function findFixtureFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith(".json")) out.push(path);
    }
  };
  walk(dir);
  return out;
}

export function loadFixtureFile(path: string): Record<string, BlockchainTest> {
  return JSON.parse(readFileSync(path, "utf8"));
}

export function chainIdOf(test: BlockchainTest): bigint {
  return BigInt(test.config?.chainid ?? "0x01");
}

/** A fixture fork name as ethereumjs names it; undefined when the stateless schema has none. */
function statelessForkOf(name: string): StatelessFork | undefined {
  const fork = name.toLowerCase() as StatelessFork;
  return FORK_ORDER.includes(fork) ? fork : undefined;
}

/** The fork in force at each block, for networks like `Osaka` or `PragueToOsakaAtTime15k`. */
export type ForkSchedule = (timestamp: bigint) => { name: string; fork: StatelessFork | undefined };

export function forkScheduleOf(network: string): ForkSchedule {
  const transition = /^(\w+?)To(\w+)AtTime(\d+)k$/.exec(network);
  if (transition === null) return () => ({ name: network, fork: statelessForkOf(network) });
  const [, before, after, thousands] = transition;
  const at = BigInt(thousands) * 1000n;
  return (timestamp) => {
    const name = timestamp >= at ? after : before;
    return { name, fork: statelessForkOf(name) };
  };
}

/** Writes the fixture's `pre` accounts into a fresh node store; returns the store and its root. */
export async function buildGenesisState(pre: Record<string, FixtureAccount>, common: Common) {
  const nodes = new Map<string, Uint8Array>();
  const sm = createStateManager(new MapDB<string, Uint8Array>(nodes), KECCAK256_RLP, common);
  for (const [addressHex, account] of Object.entries(pre)) {
    const address = createAddressFromString(addressHex);
    await sm.putAccount(address, new Account(BigInt(account.nonce), BigInt(account.balance)));
    const code = hexToBytes(account.code as `0x${string}`);
    if (code.length > 0) await sm.putCode(address, code);
    for (const [slot, value] of Object.entries(account.storage)) {
      if (BigInt(value) === 0n) continue;
      await sm.putStorage(
        address,
        setLengthLeft(bigIntToBytes(BigInt(slot)), 32),
        bigIntToUnpaddedBytes(BigInt(value)),
      );
    }
  }
  return { nodes, stateRoot: await sm.getStateRoot() };
}
