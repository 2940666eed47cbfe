/**
 * The genesis state and block of an Osaka chain: the system contracts every block calls, the
 * configured accounts, and a header with what the chain's rules add (the L1's `extraData`
 * starts its execute-gas market).
 */
import { type Block, type BlockHeader, createBlock, createBlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import {
  Account,
  createAddressFromString,
  hexToBytes,
  KECCAK256_RLP,
  MapDB,
  SHA256_NULL,
  ValueEncoding,
} from "@ethereumjs/util";
import { FailClosedStateManager } from "../stateless/state-manager.ts";
import { type DevAccount, deriveDevAccounts } from "./accounts.ts";
import type { ChainConfig, GenesisAccount } from "./config.ts";
import { SYSTEM_CONTRACTS } from "./system-contracts.ts";

export type GenesisState = {
  /** Trie nodes and codes, keyed as ethereumjs stores them. */
  nodes: Map<string, Uint8Array>;
  stateRoot: Uint8Array;
};

/** The accounts every Osaka genesis needs: the EIP-2935/4788/7002/7251 system contracts (nonce 1). */
export function systemContractAlloc(): Record<string, GenesisAccount> {
  const alloc: Record<string, GenesisAccount> = {};
  for (const contract of SYSTEM_CONTRACTS) {
    alloc[contract.address.toLowerCase()] = { balance: 0n, nonce: 1n, code: contract.code };
  }
  return alloc;
}

/**
 * Builds the state of `alloc` (address → account) in a fresh node store.
 *
 * @example
 * const { nodes, stateRoot } = await buildGenesisState(common, { ...systemContractAlloc(), [dev]: { balance: 10n ** 22n } });
 */
export async function buildGenesisState(
  common: Common,
  alloc: Record<string, GenesisAccount>,
): Promise<GenesisState> {
  const nodes = new Map<string, Uint8Array>();
  // Node pruning keeps only the nodes of the final trie (no intermediate versions from the inserts).
  const trie = new MerklePatriciaTrie({
    db: new MapDB<string, Uint8Array>(nodes),
    useKeyHashing: true,
    useNodePruning: true,
    common,
    valueEncoding: ValueEncoding.Bytes,
  });
  const sm = new FailClosedStateManager({ trie, common });
  await sm.checkpoint();
  for (const [hex, account] of Object.entries(alloc)) {
    const address = createAddressFromString(hex);
    await sm.putAccount(address, new Account(account.nonce ?? 0n, account.balance));
    if (account.code !== undefined) await sm.putCode(address, hexToBytes(account.code));
    for (const [slot, value] of Object.entries(account.storage ?? {})) {
      await sm.putStorage(address, hexToBytes(slot as `0x${string}`), hexToBytes(value));
    }
  }
  await sm.commit();
  return { nodes, stateRoot: await sm.getStateRoot() };
}

export type GenesisBlockOptions = {
  stateRoot: Uint8Array;
  gasLimit: bigint;
  baseFeePerGas: bigint;
  timestamp: bigint;
  /** What the chain's rules put in a header's `extraData` (the L1: its execute-gas market). */
  extraData?: Uint8Array;
};

/** The genesis block (number 0) of an Osaka chain over a built state. */
export function createGenesisBlock(
  common: Common,
  options: GenesisBlockOptions,
): { header: BlockHeader; block: Block } {
  const header = createBlockHeader(
    {
      number: 0n,
      stateRoot: options.stateRoot,
      gasLimit: options.gasLimit,
      gasUsed: 0n,
      timestamp: options.timestamp,
      baseFeePerGas: options.baseFeePerGas,
      excessBlobGas: 0n,
      blobGasUsed: 0n,
      parentBeaconBlockRoot: new Uint8Array(32),
      requestsHash: SHA256_NULL,
      withdrawalsRoot: KECCAK256_RLP,
      ...(options.extraData !== undefined ? { extraData: options.extraData } : {}),
    },
    { common },
  );
  const block = createBlock({ header, withdrawals: [] }, { common });
  return { header, block };
}

/**
 * The genesis of a chain as its node builds it: the system contracts, the funded dev accounts
 * and the configured alloc (which wins over both), and the genesis block with `extraData`.
 *
 * @example
 * const { block } = await createChainGenesis(config, common, new Uint8Array());
 * bytesToHex(block.hash()); // the chain's genesis hash
 */
export async function createChainGenesis(
  config: ChainConfig,
  common: Common,
  extraData: Uint8Array,
  devAccounts: DevAccount[] = deriveDevAccounts(config),
): Promise<GenesisState & { block: Block }> {
  const alloc = { ...systemContractAlloc() };
  for (const account of devAccounts)
    alloc[account.address.toLowerCase()] = { balance: config.devAccounts.balance };
  for (const [address, account] of Object.entries(config.genesis.alloc)) alloc[address] = account;
  const { nodes, stateRoot } = await buildGenesisState(common, alloc);
  const { block } = createGenesisBlock(common, {
    stateRoot,
    gasLimit: config.gasLimit,
    baseFeePerGas: config.genesis.baseFeePerGas,
    timestamp: config.genesis.timestamp,
    extraData,
  });
  return { nodes, stateRoot, block };
}
