/**
 * A real L2 chain in memory (docs/rollup.md, "The L2 chain"): an Osaka genesis with the system
 * contracts, the L2 bridge predeploy holding the premint and funded dev accounts, and the next
 * block built on any parent from signed L2 transactions with a chosen anchor (its
 * `parent_beacon_block_root`), together with the `StatelessInput` that `NativeRollup.advance`
 * hands to EXECUTE. The same builder and witness recorder as src/workload/transfers.ts.
 *
 * @example
 * const genesis = await createL2Genesis({ premint: 10n ** 27n });
 * const tx = l2Transaction(genesis, genesis.accounts[0], 0n, { to: L2_BRIDGE, data, value: 1n });
 * const b1 = await buildL2Block(genesis, [tx], { anchor: bridgeRoot });
 * await rollup.send(0, "advance", [bytesToHex(b1.bytes)], prepayment); // settles b1
 * const b2 = await buildL2Block(b1, [], { anchor: bridgeRoot });    // a built block is a parent
 */
import { createFeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import { type Address, bigIntToBytes, concatBytes, utf8ToBytes } from "@ethereumjs/util";
import type { TxReceipt } from "@ethereumjs/vm";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { type BlockParent, buildBlockOn } from "../node/builder.ts";
import type { GenesisAccount } from "../node/config.ts";
import { buildGenesisState, createGenesisBlock, systemContractAlloc } from "../node/genesis.ts";
import { L2_BRIDGE_ADDRESS, l2BridgeGenesisAccount } from "../rollup/genesis.ts";
import { commonFor } from "../stateless/chain.ts";
import { generateStatelessInput } from "../stateless/generate.ts";
import { encodeStatelessInput, type StatelessFork, type StatelessInput } from "../stateless/ssz.ts";
import {
  BLOCK_TIME,
  COINBASE,
  type DevAccount,
  devAccounts,
  GENESIS_BASE_FEE,
  GENESIS_GAS_LIMIT,
  type Genesis,
} from "../workload/transfers.ts";

/** The default L2 chain id (an OP-stack-style devnet number; any id not the L1's works). */
export const L2_CHAIN_ID = 901n;
/** The L2 runs the L1's rules (EXECUTE verifies under the L1's fork). */
export const L2_FORK: StatelessFork = "osaka";
const ETHER = 10n ** 18n;
const GWEI = 10n ** 9n;

export type L2GenesisOptions = {
  chainId?: bigint;
  /** The L2 bridge's balance: the gas-token supply deposits are paid from. */
  premint: bigint;
  /** Funded dev accounts, the workload's deterministic keys (default 4). */
  accounts?: number;
  /** Each dev account's balance (default 1000 ether). */
  balance?: bigint;
  /** The genesis block's gas limit (default GENESIS_GAS_LIMIT). */
  gasLimit?: bigint;
  /** More genesis accounts, by lowercase address; one here replaces a dev account's entry. */
  alloc?: Record<string, GenesisAccount>;
};

/**
 * The genesis of an L2: system contracts, the bridge predeploy and funded dev accounts.
 *
 * @example
 * const genesis = await createL2Genesis({ premint: 10n ** 27n, accounts: 2 });
 * rollupArgs = [L2_CHAIN_ID, bytesToHex(genesis.block.hash()), bytesToHex(genesis.header.stateRoot), seq, bridge];
 */
export async function createL2Genesis(options: L2GenesisOptions): Promise<Genesis> {
  const common = commonFor(options.chainId ?? L2_CHAIN_ID, L2_FORK);
  const accounts = devAccounts(options.accounts ?? 4);
  const alloc: Record<string, GenesisAccount> = {
    ...systemContractAlloc(),
    [L2_BRIDGE_ADDRESS]: l2BridgeGenesisAccount(options.premint),
  };
  for (const { address } of accounts)
    alloc[address.toString()] = { balance: options.balance ?? 1000n * ETHER };
  Object.assign(alloc, options.alloc);
  const { nodes, stateRoot } = await buildGenesisState(common, alloc);
  const { header, block } = createGenesisBlock(common, {
    stateRoot,
    gasLimit: options.gasLimit ?? GENESIS_GAS_LIMIT,
    baseFeePerGas: GENESIS_BASE_FEE,
    timestamp: 0n,
  });
  return { common, accounts, nodes, header, block };
}

/** What a block is built on: the parent block and the full state after it. */
export type L2Parent = BlockParent;

export type L2Block = L2Parent & {
  receipts: TxReceipt[];
  /** The EXECUTE input: `schema_id ‖ ssz(StatelessInput)`, witness recorded on the parent state. */
  bytes: Uint8Array;
  input: StatelessInput;
};

/** A signed EIP-1559 L2 transaction from dev account `from` (1 gwei fees, 300k gas by default). */
export function l2Transaction(
  chain: Pick<Genesis, "common">,
  from: DevAccount,
  nonce: bigint,
  call: { to: Address; data?: Uint8Array; value?: bigint; gasLimit?: bigint },
): TypedTransaction {
  return createFeeMarket1559Tx(
    {
      chainId: chain.common.chainId(),
      nonce,
      maxFeePerGas: GWEI,
      maxPriorityFeePerGas: GWEI,
      gasLimit: call.gasLimit ?? 300_000n,
      to: call.to,
      data: call.data ?? new Uint8Array(),
      value: call.value ?? 0n,
    },
    { common: chain.common },
  ).sign(from.privateKey);
}

/**
 * Builds the block after `parent` from `transactions` (each must be includable; a reverting one
 * is included with status 0) with `anchor` as its `parent_beacon_block_root`, and the EXECUTE
 * input that settles it. The result is itself a parent for the next block. `mixHash` (the
 * prevRandao) defaults to one derived from the number; another makes a sibling block with the
 * same state but another hash.
 *
 * @example
 * const b1 = await buildL2Block(genesis, [claimTx, withdrawTx], { anchor: hexToBytes(root) });
 * b1.receipts.map((r) => r.status); // [1, 1]
 */
export async function buildL2Block(
  parent: L2Parent,
  transactions: TypedTransaction[],
  options: { anchor: Uint8Array; timestamp?: bigint; mixHash?: Uint8Array },
): Promise<L2Block> {
  const { common } = parent;
  const number = parent.header.number + 1n;
  const { block, receipts, postNodes } = await buildBlockOn(parent, transactions, {
    coinbase: COINBASE,
    timestamp: options.timestamp ?? parent.header.timestamp + BLOCK_TIME,
    mixHash:
      options.mixHash ?? keccak_256(concatBytes(utf8ToBytes("nrx/l2/prev-randao/"), bigIntToBytes(number))),
    parentBeaconBlockRoot: options.anchor,
  });
  const parentRlp = parent.header.serialize();
  const generation = await generateStatelessInput(block, common, L2_FORK, {
    nodes: parent.nodes,
    parent: parent.header,
    headerRlp: (n) => (n === parent.header.number ? parentRlp : undefined),
  });
  if (generation.result === undefined) {
    throw new Error(`L2 block ${number} failed to re-execute: ${String(generation.error)}`);
  }
  const { input } = generation;
  return {
    common,
    nodes: postNodes,
    header: block.header,
    block,
    receipts,
    input,
    bytes: encodeStatelessInput(input),
  };
}
