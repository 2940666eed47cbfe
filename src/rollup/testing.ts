/**
 * Test helpers for the rollup contracts on an in-memory L1 node: deploy compiled contracts from
 * dev accounts, send calls, read views, and decode what a call reverts with (through `node.call`,
 * which returns the revert data a receipt does not keep).
 */
import assert from "node:assert/strict";
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import { type Address, bytesToHex, createAddressFromString, hexToBytes } from "@ethereumjs/util";
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
import type { StoredReceipt } from "../l1/receipts.ts";
import { devTransaction, nextNonce } from "../l1/testing.ts";
import { L2_CHAIN_ID } from "./l2-chain.ts";

/** L1 gas for every transaction the helpers send: enough for `advance` with a ~6 KB input. */
export const GAS = 5_000_000n;
const MAX_FEE = 100_000_000_000n;
const TIP = 1_000_000_000n;

/** `NativeRollup`'s inclusion policy when no transaction is forced (docs/rollup.md). */
export const NO_INCLUSION_POLICY: Hex = "0x0000000000000000000000000000000000000000";

/** `NativeRollup`'s governance when none may change its parameters (docs/rollup.md). */
export const NO_GOVERNANCE: Hex = "0x0000000000000000000000000000000000000000";

/** A custom error as viem decodes it, e.g. `{ errorName: "WrongNumber", args: [1n, 1n] }`. */
export type Revert = { errorName: string; args: readonly unknown[] };

/** A deployed contract: its address and ABI, with calls signed by the node's dev accounts. */
export class Deployed {
  constructor(
    readonly node: L1Node,
    readonly address: Address,
    readonly abi: Abi,
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

/** A contract to deploy: its name in `contracts/` and its constructor arguments. */
export type Deployment = { name: string; args?: readonly unknown[] };

/** Deploys the contracts from dev account `from`, in order, in one new block. */
export async function deploy(node: L1Node, from: number, deployments: Deployment[]): Promise<Deployed[]> {
  const hashes: Hex[] = [];
  const abis: Abi[] = [];
  for (const { name, args = [] } of deployments) {
    const { abi, bytecode } = loadArtifact(name);
    const tx = createFeeMarket1559Tx(
      {
        chainId: node.config.chainId,
        nonce: await nextNonce(node, from),
        data: hexToBytes(encodeDeployData({ abi, bytecode, args })),
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
    return new Deployed(node, createAddressFromString(receipt.contractAddress), abis[i]);
  });
}

/** `L1Bridge`, based sequencing and a `NativeRollup` anchored on the bridge and bound to it. */
export type BridgedRollup = { bridge: Deployed; sequencing: Deployed; rollup: Deployed };

/**
 * Deploys from dev account `from` an `L1Bridge`, a `BasedSequencing` and a `NativeRollup` settling
 * the L2 chain that starts at `genesis` (anchored on the bridge), then binds the bridge to the rollup
 * (`setRollup`); mines two blocks. The one place these helpers name the rollup's constructor.
 * `inclusion` is the rollup's inclusion policy (none by default; a `ForcedInclusionInbox` is bound
 * by its own `setRollup` afterwards).
 */
export async function deployBridgedRollup(
  node: L1Node,
  from: number,
  genesis: { block: { hash(): Uint8Array }; header: { stateRoot: Uint8Array } },
  chainId: bigint = L2_CHAIN_ID,
  inclusion: string = NO_INCLUSION_POLICY,
): Promise<BridgedRollup> {
  const [bridge, sequencing] = await deploy(node, from, [{ name: "L1Bridge" }, { name: "BasedSequencing" }]);
  const [rollup] = await deploy(node, from, [
    {
      name: "NativeRollup",
      args: [
        chainId,
        bytesToHex(genesis.block.hash()),
        bytesToHex(genesis.header.stateRoot),
        sequencing.address.toString(),
        bridge.address.toString(),
        inclusion,
        NO_GOVERNANCE,
      ],
    },
  ]);
  const bound = await bridge.send(from, "setRollup", [rollup.address.toString()]);
  await node.mine();
  assert.equal(receiptOf(node, bound).status, 1, "setRollup succeeded");
  return { bridge, sequencing, rollup };
}
