/**
 * Synthetic but realistic blocks on the devnet fork (Osaka rules), for the demo and the
 * benchmarks: a genesis state with many funded EOAs and an ERC-20 token, and block 1 built
 * from EIP-1559 ETH or token transfers signed with deterministic keys.
 *
 * Everything is deterministic: the same arguments give the same genesis, block and witness.
 *
 * @example
 * const workload = await ethTransfers(1000, 10_000);
 * const prepared = await prepareStatelessInput(workload);
 * const result = await verifyStatelessNewPayload(decodeStatelessInput(prepared.bytes));
 */
import type { Block, BlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { createFeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import {
  Address,
  bigIntToBytes,
  bytesToBigInt,
  bytesToHex,
  concatBytes,
  createAddressFromPrivateKey,
  createAddressFromString,
  hexToBytes,
  MapDB,
  setLengthLeft,
  utf8ToBytes,
} from "@ethereumjs/util";
import type { RunBlockResult } from "@ethereumjs/vm";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { type BuiltBlock, buildBlockOn } from "../node/builder.ts";
import type { GenesisAccount } from "../node/config.ts";
import { buildGenesisState, createGenesisBlock, systemContractAlloc } from "../node/genesis.ts";
import { commonFor } from "../stateless/chain.ts";
import { generateStatelessInput } from "../stateless/generate.ts";
import { encodeStatelessInput, type StatelessFork, type StatelessInput } from "../stateless/ssz.ts";
import { createStateManager, type FailClosedStateManager } from "../stateless/state-manager.ts";
import { Rng } from "../util/prng.ts";

/** Chain id of the synthetic devnet these workloads run on. */
export const DEVNET_CHAIN_ID = 1337n;
/** The devnet's fork: Osaka rules, V3 payload layout, schema id 0x1201. */
export const DEVNET_FORK: StatelessFork = "osaka";
export const GENESIS_GAS_LIMIT = 60_000_000n;
export const GENESIS_BASE_FEE = 7n;
export const BLOCK_TIME = 12n;

const ETHER = 10n ** 18n;
const GWEI = 10n ** 9n;
/** ETH every genesis account starts with. */
export const ACCOUNT_BALANCE = 1_000n * ETHER;
/** Tokens (18 decimals) every genesis account holds when the genesis has the ERC-20. */
export const TOKEN_BALANCE = 1_000_000n * ETHER;
const MAX_FEE_PER_GAS = 1n * GWEI;
const MAX_PRIORITY_FEE_PER_GAS = 1n * GWEI;
const ETH_TRANSFER_GAS = 21_000n;
const ERC20_TRANSFER_GAS = 100_000n;

/** Fee recipient of the built blocks. */
export const COINBASE = createAddressFromString("0x00000000000000000000000000000000c0ffee00");

/** Where the ERC-20 lives; its code and balances are written straight into genesis state. */
export const TOKEN_ADDRESS = createAddressFromString("0x00000000000000000000000000000000000e2c20");

/**
 * Runtime bytecode of a minimal ERC-20, hand-assembled (solc is not available) for Osaka
 * (it uses PUSH0). Storage follows Solidity's layout: `mapping(address => uint256) balanceOf`
 * at slot 0 (a holder's balance is at `keccak256(pad32(holder) ‖ pad32(0))`) and `totalSupply`
 * at slot 2. Non-payable; an unknown selector, short calldata or an address argument with dirty
 * upper bits reverts. Functions:
 * - `transfer(address to, uint256 amount)` (0xa9059cbb): reverts (empty data) when
 *   `amount > balanceOf[msg.sender]`; otherwise `balanceOf[msg.sender] -= amount`,
 *   `balanceOf[to] += amount` (unchecked, like OpenZeppelin: the total supply bounds every
 *   balance), emits `Transfer(msg.sender, to, amount)` and returns `true`;
 * - `balanceOf(address)` (0x70a08231) and `totalSupply()` (0x18160ddd).
 *
 * ```
 * 0000 CALLVALUE PUSH2 revert JUMPI                    ; non-payable
 * 0005 PUSH1 04 CALLDATASIZE LT PUSH2 revert JUMPI     ; calldata has a selector
 * 000d PUSH0 CALLDATALOAD PUSH1 e0 SHR                 ; [sel]
 * 0012 DUP1 PUSH4 a9059cbb EQ PUSH2 transfer JUMPI
 * 001d DUP1 PUSH4 70a08231 EQ PUSH2 balanceOf JUMPI
 * 0028 DUP1 PUSH4 18160ddd EQ PUSH2 totalSupply JUMPI
 * 0033 revert: JUMPDEST PUSH0 PUSH0 REVERT
 * 0037 transfer: JUMPDEST
 * 0038 PUSH1 44 CALLDATASIZE LT PUSH2 revert JUMPI
 * 0040 PUSH1 04 CALLDATALOAD DUP1 PUSH1 a0 SHR PUSH2 revert JUMPI   ; [sel to]
 * 004b PUSH1 24 CALLDATALOAD                                        ; [sel to amount]
 * 004e CALLER PUSH0 MSTORE PUSH0 PUSH1 20 MSTORE PUSH1 40 PUSH0 SHA3 ; [.. fromSlot]
 * 0059 DUP1 SLOAD                                                   ; [.. fromSlot fromBal]
 * 005b DUP1 DUP4 GT PUSH2 revert JUMPI                              ; amount > fromBal: revert
 * 0062 DUP3 SWAP1 SUB SWAP1 SSTORE                                  ; balanceOf[from] = fromBal - amount
 * 0067 DUP2 PUSH0 MSTORE PUSH1 40 PUSH0 SHA3                        ; [sel to amount toSlot]
 * 006e DUP1 SLOAD DUP3 ADD SWAP1 SSTORE                             ; balanceOf[to] += amount
 * 0074 PUSH0 MSTORE CALLER PUSH32 ddf252ad…b3ef PUSH1 20 PUSH0 LOG3  ; Transfer(from, to, amount)
 * 009c PUSH1 01 PUSH0 MSTORE PUSH1 20 PUSH0 RETURN                  ; return true
 * 00a4 balanceOf: JUMPDEST
 * 00a5 PUSH1 24 CALLDATASIZE LT PUSH2 revert JUMPI
 * 00ad PUSH1 04 CALLDATALOAD DUP1 PUSH1 a0 SHR PUSH2 revert JUMPI
 * 00b8 PUSH0 MSTORE PUSH0 PUSH1 20 MSTORE PUSH1 40 PUSH0 SHA3 SLOAD
 * 00c3 PUSH0 MSTORE PUSH1 20 PUSH0 RETURN
 * 00c9 totalSupply: JUMPDEST PUSH1 02 SLOAD PUSH0 MSTORE PUSH1 20 PUSH0 RETURN
 * ```
 */
export const ERC20_RUNTIME_CODE =
  "0x346100335760043610610033575f3560e01c8063a9059cbb1461003757806370a08231146100a457806318160ddd146100c9575b5f5ffd5b60443610610033576004358060a01c61003357602435335f525f60205260405f208054808311610033578290039055815f5260405f208054820190555f52337fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef60205fa360015f5260205ff35b60243610610033576004358060a01c610033575f525f60205260405f20545f5260205ff35b6002545f5260205ff3";

/** `keccak256("Transfer(address,address,uint256)")`. */
export const TRANSFER_EVENT_TOPIC = hexToBytes(
  "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
);
const TRANSFER_SELECTOR = hexToBytes("0xa9059cbb");
const TOTAL_SUPPLY_SLOT = setLengthLeft(bigIntToBytes(2n), 32);

const KEY_SEED = utf8ToBytes("nrx/workload/account");
const FRESH_SEED = utf8ToBytes("nrx/workload/fresh-recipient");

/** The Common of the devnet (shared; do not change its hardfork). */
export function devnetCommon(): Common {
  return commonFor(DEVNET_CHAIN_ID, DEVNET_FORK);
}

/** Private key of devnet account `index`: `keccak256("nrx/workload/account" ‖ uint256(index))`. */
export function accountPrivateKey(index: number): Uint8Array {
  return keccak_256(concatBytes(KEY_SEED, setLengthLeft(bigIntToBytes(BigInt(index)), 32)));
}

/** An address nobody funded (no key): a transfer to it creates a new account or token holder. */
export function freshAddress(index: number): Address {
  const hash = keccak_256(concatBytes(FRESH_SEED, setLengthLeft(bigIntToBytes(BigInt(index)), 32)));
  return new Address(hash.subarray(12));
}

/** Storage slot of `balanceOf[holder]` in the token (Solidity mapping at slot 0). */
export function tokenBalanceSlot(holder: Address): Uint8Array {
  return keccak_256(concatBytes(setLengthLeft(holder.bytes, 32), new Uint8Array(32)));
}

export type DevAccount = { index: number; privateKey: Uint8Array; address: Address };

export type Genesis = {
  common: Common;
  accounts: DevAccount[];
  /** Trie nodes and codes of the genesis state (keyed as ethereumjs stores them). Never written to. */
  nodes: Map<string, Uint8Array>;
  header: BlockHeader;
  block: Block;
  /** The ERC-20's address when the genesis has it. */
  token?: Address;
};

export type GenesisOptions = {
  /** Funded EOAs (default 10,000). */
  accounts?: number;
  /** Deploy the ERC-20 with a balance for every account (default true). */
  erc20?: boolean;
};

const accountCache: DevAccount[] = [];

/** Devnet accounts `0 .. count-1` (deriving an address costs a secp256k1 multiplication; cached). */
export function devAccounts(count: number): DevAccount[] {
  for (let i = accountCache.length; i < count; i++) {
    const privateKey = accountPrivateKey(i);
    accountCache.push({ index: i, privateKey, address: createAddressFromPrivateKey(privateKey) });
  }
  return accountCache.slice(0, count);
}

const genesisCache = new Map<string, Promise<Genesis>>();

/** The genesis state and header (cached per options; callers must not modify the result). */
export function createGenesis(options: GenesisOptions = {}): Promise<Genesis> {
  const accounts = options.accounts ?? 10_000;
  const erc20 = options.erc20 ?? true;
  const key = `${accounts}:${erc20}`;
  let genesis = genesisCache.get(key);
  if (genesis === undefined) {
    genesis = buildGenesis(accounts, erc20);
    genesisCache.set(key, genesis);
  }
  return genesis;
}

async function buildGenesis(count: number, erc20: boolean): Promise<Genesis> {
  const common = devnetCommon();
  const accounts = devAccounts(count);
  const alloc: Record<string, GenesisAccount> = systemContractAlloc();
  for (const { address } of accounts) alloc[address.toString()] = { balance: ACCOUNT_BALANCE };
  let token: Address | undefined;
  if (erc20) {
    token = TOKEN_ADDRESS;
    const balance = bytesToHex(setLengthLeft(bigIntToBytes(TOKEN_BALANCE), 32));
    const storage: Record<string, `0x${string}`> = {};
    for (const { address } of accounts) storage[bytesToHex(tokenBalanceSlot(address))] = balance;
    storage[bytesToHex(TOTAL_SUPPLY_SLOT)] = bytesToHex(
      setLengthLeft(bigIntToBytes(TOKEN_BALANCE * BigInt(count)), 32),
    );
    alloc[token.toString()] = { balance: 0n, nonce: 1n, code: ERC20_RUNTIME_CODE, storage };
  }
  const { nodes, stateRoot } = await buildGenesisState(common, alloc);
  const { header, block } = createGenesisBlock(common, {
    stateRoot,
    gasLimit: GENESIS_GAS_LIMIT,
    baseFeePerGas: GENESIS_BASE_FEE,
    timestamp: 0n,
  });
  return { common, accounts, nodes, header, block, ...(token ? { token } : {}) };
}

/** A signed EIP-1559 ETH transfer from devnet account `from`. */
export function ethTransferTx(genesis: Genesis, from: DevAccount, to: Address, value: bigint, nonce: bigint) {
  return createFeeMarket1559Tx(
    {
      chainId: DEVNET_CHAIN_ID,
      nonce,
      maxFeePerGas: MAX_FEE_PER_GAS,
      maxPriorityFeePerGas: MAX_PRIORITY_FEE_PER_GAS,
      gasLimit: ETH_TRANSFER_GAS,
      to,
      value,
    },
    { common: genesis.common },
  ).sign(from.privateKey);
}

/** Calldata of `transfer(to, amount)`. */
export function erc20TransferCalldata(to: Address, amount: bigint): Uint8Array {
  return concatBytes(
    TRANSFER_SELECTOR,
    setLengthLeft(to.bytes, 32),
    setLengthLeft(bigIntToBytes(amount), 32),
  );
}

/** A signed EIP-1559 call of the token's `transfer(to, amount)` from devnet account `from`. */
export function erc20TransferTx(
  genesis: Genesis,
  from: DevAccount,
  to: Address,
  amount: bigint,
  nonce: bigint,
) {
  if (genesis.token === undefined) throw new Error("this genesis has no ERC-20");
  return createFeeMarket1559Tx(
    {
      chainId: DEVNET_CHAIN_ID,
      nonce,
      maxFeePerGas: MAX_FEE_PER_GAS,
      maxPriorityFeePerGas: MAX_PRIORITY_FEE_PER_GAS,
      gasLimit: ERC20_TRANSFER_GAS,
      to: genesis.token,
      data: erc20TransferCalldata(to, amount),
    },
    { common: genesis.common },
  ).sign(from.privateKey);
}

export type Workload = {
  name: string;
  genesis: Genesis;
  transactions: TypedTransaction[];
};

/**
 * Recipient of transfer `i`: three in four go to another funded account, one in four to a fresh
 * address (a new account or a new token holder), as on a live chain.
 */
function recipientPicker(genesis: Genesis, seed: number): (i: number, sender: number) => Address {
  const rng = new Rng(seed);
  const random = () => rng.float();
  const n = genesis.accounts.length;
  return (i, sender) => {
    if (random() < 0.25 || n < 2) return freshAddress(i);
    let to = Math.floor(random() * n);
    if (to === sender) to = (to + 1) % n;
    return genesis.accounts[to].address;
  };
}

/**
 * Transfer `i` is sent by account `i mod accounts`, so senders are distinct while
 * `count ≤ accounts` and otherwise reuse accounts with increasing nonces.
 */
function senderOf(genesis: Genesis, i: number): { from: DevAccount; nonce: bigint } {
  const n = genesis.accounts.length;
  return { from: genesis.accounts[i % n], nonce: BigInt(Math.floor(i / n)) };
}

/** `count` ETH transfers among `accounts` funded accounts (workload a). */
export async function ethTransfers(count = 1000, accounts = 10_000): Promise<Workload> {
  const genesis = await createGenesis({ accounts });
  const pick = recipientPicker(genesis, 0xe7);
  const transactions = Array.from({ length: count }, (_, i) => {
    const { from, nonce } = senderOf(genesis, i);
    return ethTransferTx(genesis, from, pick(i, from.index), GWEI * BigInt(i + 1), nonce);
  });
  return { name: `eth-transfers-${count}`, genesis, transactions };
}

/** `count` ERC-20 `transfer` calls among `accounts` token holders (workload b). */
export async function erc20Transfers(count = 500, accounts = 10_000): Promise<Workload> {
  const genesis = await createGenesis({ accounts });
  const pick = recipientPicker(genesis, 0x20);
  const transactions = Array.from({ length: count }, (_, i) => {
    const { from, nonce } = senderOf(genesis, i);
    return erc20TransferTx(genesis, from, pick(i, from.index), ETHER * BigInt(i + 1), nonce);
  });
  return { name: `erc20-transfers-${count}`, genesis, transactions };
}

/** `eth` ETH transfers then `erc20` token transfers, from distinct senders where possible. */
export async function mixedTransfers(eth = 50, erc20 = 50, accounts = 1_000): Promise<Workload> {
  const genesis = await createGenesis({ accounts });
  const pick = recipientPicker(genesis, 0x31);
  const transactions = Array.from({ length: eth + erc20 }, (_, i) => {
    const { from, nonce } = senderOf(genesis, i);
    const to = pick(i, from.index);
    return i < eth
      ? ethTransferTx(genesis, from, to, GWEI * BigInt(i + 1), nonce)
      : erc20TransferTx(genesis, from, to, ETHER * BigInt(i + 1), nonce);
  });
  return { name: `mixed-${eth}-eth-${erc20}-erc20`, genesis, transactions };
}

/** Builds block 1 of the workload chain on its genesis (`buildBlockOn`). */
export function buildTransferBlock(genesis: Genesis, transactions: TypedTransaction[]): Promise<BuiltBlock> {
  return buildBlockOn(genesis, transactions, {
    coinbase: COINBASE,
    timestamp: genesis.header.timestamp + BLOCK_TIME,
    mixHash: keccak_256(utf8ToBytes("nrx/workload/prev-randao/1")),
    parentBeaconBlockRoot: keccak_256(utf8ToBytes("nrx/workload/beacon-root/1")),
  });
}

/** The token balance of `holder` in the state rooted at `stateRoot` within `nodes`. */
export async function tokenBalanceOf(
  genesis: Genesis,
  nodes: Map<string, Uint8Array>,
  stateRoot: Uint8Array,
  holder: Address,
): Promise<bigint> {
  if (genesis.token === undefined) throw new Error("this genesis has no ERC-20");
  const sm: FailClosedStateManager = createStateManager(
    new MapDB<string, Uint8Array>(nodes),
    stateRoot,
    genesis.common,
  );
  return bytesToBigInt(await sm.getStorage(genesis.token, tokenBalanceSlot(holder)));
}

export type PreparedInput = {
  workload: Workload;
  built: BuiltBlock;
  block: Block;
  input: StatelessInput;
  /** `schema_id ‖ ssz` of `input`: what `EXECUTE` takes. */
  bytes: Uint8Array;
  /** Sum of the witness' state nodes, codes and headers, in bytes. */
  witnessBytes: number;
  /** Result of the witness-generating stateful run (receipts, gas, requests). */
  result: RunBlockResult;
  /** Preimages of the trie keys the block read (`debug_executionWitness`' `keys`). */
  keys: Uint8Array[];
  /** Wall-clock time of building the block and of generating its witness. */
  timings: { buildMs: number; witnessMs: number };
};

/**
 * Builds the workload's block, records its execution witness by re-running it over the genesis
 * state, and assembles the `StatelessInput` (fork "osaka", no public keys).
 */
export async function prepareStatelessInput(workload: Workload): Promise<PreparedInput> {
  const { genesis } = workload;
  let start = performance.now();
  const built = await buildTransferBlock(genesis, workload.transactions);
  const buildMs = performance.now() - start;
  start = performance.now();
  const genesisRlp = genesis.header.serialize();
  const generation = await generateStatelessInput(built.block, genesis.common, DEVNET_FORK, {
    nodes: genesis.nodes,
    parent: genesis.header,
    headerRlp: (n) => (n === 0n ? genesisRlp : undefined),
  });
  const witnessMs = performance.now() - start;
  if (generation.result === undefined) {
    throw new Error(`block of workload ${workload.name} failed to execute: ${String(generation.error)}`);
  }
  const { input } = generation;
  const { state, codes, headers, keys } = generation.witness;
  const witnessBytes = [...state, ...codes, ...headers].reduce((sum, b) => sum + b.length, 0);
  return {
    workload,
    built,
    block: built.block,
    input,
    bytes: encodeStatelessInput(input),
    witnessBytes,
    result: generation.result,
    keys,
    timings: { buildMs, witnessMs },
  };
}
