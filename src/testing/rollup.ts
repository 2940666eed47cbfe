/**
 * Test helpers for the rollup contracts on an in-memory L1 node: deploy compiled contracts from
 * dev accounts, send calls, read views, and decode what a call reverts with (through `node.call`,
 * which returns the revert data a receipt does not keep); and, on the L2 side, calls to the L2
 * bridge and proofs of its withdrawals.
 */
import assert from "node:assert/strict";
import { getMerkleStateProof } from "@ethereumjs/statemanager";
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import { type Address, bytesToHex, createAddressFromString, hexToBytes, MapDB } from "@ethereumjs/util";
import {
  type Abi,
  decodeErrorResult,
  decodeEventLog,
  decodeFunctionResult,
  encodeDeployData,
  encodeFunctionData,
  type Hex,
} from "viem";
import { loadArtifact } from "../contracts/compile.ts";
import type { L1Node } from "../l1/node.ts";
import type { StoredReceipt } from "../node/receipts.ts";
import { L2_BRIDGE_ADDRESS } from "../rollup/genesis.ts";
import { type Withdrawal, withdrawalHash, withdrawalSlot } from "../rollup/message-tree.ts";
import { createStateManager } from "../stateless/state-manager.ts";
import { devTransaction, nextNonce } from "./l1.ts";
import { L2_CHAIN_ID, type L2Parent } from "./l2-chain.ts";

/** L1 gas for every transaction the helpers send: enough for `advance` with a ~6 KB input. */
export const GAS = 5_000_000n;
const MAX_FEE = 100_000_000_000n;
const TIP = 1_000_000_000n;

/**
 * The zero address: in `NativeRollup`, no inclusion policy, no fee policy or no governance; in
 * `L1Bridge`, ETH as the gas token (docs/rollup.md).
 */
export const NONE: Hex = "0x0000000000000000000000000000000000000000";

/** The rollup treasury `L1Bridge` credits burned L2 fees to unless told otherwise: an empty account. */
export const TREASURY: Hex = "0xfee0000000000000000000000000000000000001";

/** A custom error as viem decodes it, e.g. `{ errorName: "WrongNumber", args: [1n, 1n] }`. */
export type Revert = { errorName: string; args: readonly unknown[] };

/** A deployed contract: its address and ABI, with calls signed by the node's dev accounts. */
export class Deployed {
  constructor(
    readonly node: L1Node,
    readonly address: Address,
    readonly abi: Abi,
    /** The receipt of its deployment, when `deploy` deployed it (for constructor events). */
    readonly receipt?: StoredReceipt,
  ) {}

  calldata(functionName: string, args: readonly unknown[] = []): Uint8Array {
    return hexToBytes(encodeFunctionData({ abi: this.abi, functionName, args }));
  }

  /** A view at the head (`eth_call`); fails the test when it reverts. */
  async read(functionName: string, args: readonly unknown[] = []): Promise<unknown> {
    const { execResult } = await this.node.call({
      to: this.address,
      data: this.calldata(functionName, args),
    });
    assert.equal(execResult.exceptionError, undefined, `${functionName}() succeeds`);
    return decodeFunctionResult({ abi: this.abi, functionName, data: bytesToHex(execResult.returnValue) });
  }

  /** Queues a call from dev account `from` (its next nonce); returns the transaction hash. */
  async send(from: number, functionName: string, args: readonly unknown[] = [], value = 0n): Promise<Hex> {
    const tx = devTransaction(this.node, from, {
      to: this.address,
      data: this.calldata(functionName, args),
      value,
      nonce: await nextNonce(this.node, from),
      gasLimit: GAS,
    });
    return this.node.sendRawTransaction(tx.serialize());
  }

  /** What the call from dev account `from` reverts with at the head; fails the test when it succeeds. */
  async revertOf(
    from: number,
    functionName: string,
    args: readonly unknown[] = [],
    value = 0n,
  ): Promise<Revert> {
    const { execResult } = await this.node.call({
      from: createAddressFromString(this.node.devAccounts[from].address),
      to: this.address,
      data: this.calldata(functionName, args),
      value,
      gas: GAS,
    });
    assert.equal(execResult.exceptionError?.error, "revert", `${functionName}() reverts`);
    const { errorName, args: errorArgs } = decodeErrorResult({
      abi: this.abi,
      data: bytesToHex(execResult.returnValue),
    });
    return { errorName, args: errorArgs ?? [] };
  }

  /** The arguments of this contract's `eventName` events in `receipt`, in order. */
  events(receipt: StoredReceipt, eventName: string): Record<string, unknown>[] {
    const own = receipt.logs.filter((log) => log.address.toLowerCase() === this.address.toString());
    return own
      .map((log) => decodeEventLog({ abi: this.abi, data: log.data, topics: log.topics as [Hex, ...Hex[]] }))
      .filter((event) => event.eventName === eventName)
      .map((event) => event.args as unknown as Record<string, unknown>);
  }
}

/** The receipt of mined transaction `hash`. */
export function receiptOf(node: L1Node, hash: string): StoredReceipt {
  const mined = node.minedTransaction(hash);
  assert.ok(mined, `transaction ${hash} was mined`);
  return mined.entry.receipts[mined.index];
}

/** What the sender paid for L1 gas. */
export function gasCost(receipt: StoredReceipt): bigint {
  return BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice);
}

/** A contract to deploy: its name in `contracts/`, its constructor arguments and value. */
export type Deployment = { name: string; args?: readonly unknown[]; value?: bigint };

/** `NativeRollup`'s constructor arguments; the optional policies and governance default to none. */
export type RollupArgs = {
  chainId: bigint;
  genesisBlockHash: Hex;
  genesisStateRoot: Hex;
  sequencing: string;
  anchors: string;
  inclusion?: string;
  fees?: string;
  governance?: string;
};

/** The one place naming `NativeRollup`'s constructor arguments, in order. */
export function rollupDeployment(a: RollupArgs): Deployment {
  return {
    name: "NativeRollup",
    args: [
      a.chainId,
      a.genesisBlockHash,
      a.genesisStateRoot,
      a.sequencing,
      a.anchors,
      a.inclusion ?? NONE,
      a.fees ?? NONE,
      a.governance ?? NONE,
    ],
  };
}

/** `L1Bridge`'s constructor arguments: ETH, `TREASURY` and no genesis backing by default. */
export type BridgeArgs = {
  /** The custom gas token's address; ETH when absent. */
  gasToken?: string;
  feeRecipient?: string;
  /** ETH escrowed at deployment for the L2 genesis balances outside the predeploy (ETH only). */
  backing?: bigint;
};

/** The one place naming `L1Bridge`'s constructor arguments, in order. */
export function bridgeDeployment(a: BridgeArgs = {}): Deployment {
  return { name: "L1Bridge", args: [a.gasToken ?? NONE, a.feeRecipient ?? TREASURY], value: a.backing };
}

/** Deploys the contracts from dev account `from`, in order, in one new block. */
export async function deploy(node: L1Node, from: number, deployments: Deployment[]): Promise<Deployed[]> {
  const hashes: Hex[] = [];
  const abis: Abi[] = [];
  for (const { name, args = [], value = 0n } of deployments) {
    const { abi, bytecode } = loadArtifact(name);
    const tx = createFeeMarket1559Tx(
      {
        chainId: node.config.chainId,
        nonce: await nextNonce(node, from),
        data: hexToBytes(encodeDeployData({ abi, bytecode, args })),
        value,
        gasLimit: GAS,
        maxFeePerGas: MAX_FEE,
        maxPriorityFeePerGas: TIP,
      },
      { common: node.common },
    ).sign(hexToBytes(node.devAccounts[from].privateKey));
    hashes.push(await node.sendRawTransaction(tx.serialize()));
    abis.push(abi);
  }
  await node.mine();
  return hashes.map((hash, i) => {
    const receipt = receiptOf(node, hash);
    assert.equal(receipt.status, 1, `${deployments[i].name} deployed`);
    assert.ok(receipt.contractAddress);
    return new Deployed(node, createAddressFromString(receipt.contractAddress), abis[i], receipt);
  });
}

/** `L1Bridge`, based sequencing and a `NativeRollup` anchored on the bridge and bound to it. */
export type BridgedRollup = { bridge: Deployed; sequencing: Deployed; rollup: Deployed };

export type BridgedRollupOptions = {
  chainId?: bigint;
  /** The rollup's inclusion policy (none by default). */
  inclusion?: string;
  /** Whether the bridge is the rollup's fee policy (default true); false for none. */
  fees?: boolean;
  feeRecipient?: string;
  /** The custom gas token (ETH when absent). */
  gasToken?: Deployed;
  /**
   * The genesis backing: ETH sent with the bridge's deployment or, with a gas token, tokens of
   * `from` (who must hold them) escrowed by `backGenesis` before `setRollup`.
   */
  backing?: bigint;
};

/**
 * Deploys from dev account `from` an `L1Bridge`, a `BasedSequencing` and a `NativeRollup` settling
 * the L2 chain that starts at `genesis` (anchored on the bridge, and by default with the bridge as
 * its fee policy crediting `TREASURY`), backs the genesis, then binds the bridge to the rollup
 * (`setRollup`). A `ForcedInclusionInbox` given as `inclusion` is bound by its own `setRollup`
 * afterwards.
 */
export async function deployBridgedRollup(
  node: L1Node,
  from: number,
  genesis: { block: { hash(): Uint8Array }; header: { stateRoot: Uint8Array } },
  options: BridgedRollupOptions = {},
): Promise<BridgedRollup> {
  const { gasToken, backing = 0n } = options;
  const [bridge, sequencing] = await deploy(node, from, [
    bridgeDeployment({
      gasToken: gasToken?.address.toString(),
      feeRecipient: options.feeRecipient,
      backing: gasToken === undefined ? backing : undefined,
    }),
    { name: "BasedSequencing" },
  ]);
  const [rollup] = await deploy(node, from, [
    rollupDeployment({
      chainId: options.chainId ?? L2_CHAIN_ID,
      genesisBlockHash: bytesToHex(genesis.block.hash()),
      genesisStateRoot: bytesToHex(genesis.header.stateRoot),
      sequencing: sequencing.address.toString(),
      anchors: bridge.address.toString(),
      inclusion: options.inclusion,
      fees: (options.fees ?? true) ? bridge.address.toString() : undefined,
    }),
  ]);
  const hashes: Hex[] = [];
  if (gasToken !== undefined && backing > 0n) {
    hashes.push(await gasToken.send(from, "approve", [bridge.address.toString(), backing]));
    hashes.push(await bridge.send(from, "backGenesis", [backing]));
  }
  hashes.push(await bridge.send(from, "setRollup", [rollup.address.toString()]));
  await node.mine();
  for (const hash of hashes) assert.equal(receiptOf(node, hash).status, 1, "the bridge is backed and bound");
  return { bridge, sequencing, rollup };
}

const l2BridgeAbi = loadArtifact("L2Bridge").abi;

/** Calldata of `L2Bridge.functionName(args)`, for an L2 transaction to the bridge predeploy. */
export function l2BridgeCall(functionName: string, args: readonly unknown[]): Uint8Array {
  return hexToBytes(encodeFunctionData({ abi: l2BridgeAbi, functionName, args }));
}

/**
 * `eth_getProof(L2_BRIDGE, [withdrawalSlot(hash)])` on the L2 state after `state`, as
 * `L1Bridge.claimWithdrawal` takes it: `[accountProof, storageProof]`.
 */
export async function withdrawalProof(state: L2Parent, withdrawal: Withdrawal): Promise<[Hex[], Hex[]]> {
  const sm = createStateManager(
    new MapDB<string, Uint8Array>(state.nodes),
    state.header.stateRoot,
    state.common,
  );
  const slot = withdrawalSlot(withdrawalHash(withdrawal));
  const proof = await getMerkleStateProof(sm, createAddressFromString(L2_BRIDGE_ADDRESS), [slot]);
  return [proof.accountProof, proof.storageProof[0].proof];
}
