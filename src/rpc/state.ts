/**
 * The `eth_*` methods on accounts and execution: balances, code, storage, nonces, EIP-1186
 * proofs, calls and gas estimates, sending and signing (the dev accounts are unlocked).
 */
import { getMerkleStateProof } from "@ethereumjs/statemanager";
import { bytesToHex, setLengthLeft } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { privateKeyToAccount } from "viem/accounts";
import type { ChainNode } from "../node/node.ts";
import { stateOf } from "./blocks.ts";
import { INVALID_PARAMS, RpcError } from "./errors.ts";
import { quantity } from "./format.ts";
import {
  arrayOf,
  expectParams,
  LATEST,
  optionalParam,
  type Parser,
  param,
  parseAddress,
  parseBlockSpec,
  parseCallRequest,
  parseData,
  parseSlot,
  show,
} from "./params.ts";
import type { RpcMethods } from "./payload.ts";
import { devAccount, sendDevTransaction, sendRaw, signDevTransaction } from "./send.ts";
import { createAccessList, estimateGas, ethCall } from "./simulate.ts";

/** State and block overrides (argument 2 of `eth_call`) are not supported: refuse rather than ignore. */
function refuseOverrides(params: unknown[], from: number): void {
  for (let i = from; i < params.length; i++) {
    if (params[i] !== undefined && params[i] !== null) {
      throw new RpcError(
        INVALID_PARAMS,
        `invalid argument ${i}: state and block overrides are not supported`,
      );
    }
  }
}

/** EIP-712 typed data, as an object or as its JSON text (MetaMask sends text). */
const parseTypedData: Parser<Record<string, unknown>> = (value) => {
  let object = value;
  if (typeof value === "string") {
    try {
      object = JSON.parse(value);
    } catch {
      throw new RpcError(INVALID_PARAMS, "invalid argument 1 (typedData): not valid JSON");
    }
  }
  if (typeof object !== "object" || object === null || Array.isArray(object)) {
    throw new RpcError(
      INVALID_PARAMS,
      `invalid argument 1 (typedData): expected an object, got ${show(value)}`,
    );
  }
  return object as Record<string, unknown>;
};

/**
 * The account and execution methods of the L1 node.
 *
 * @example
 * const methods = stateMethods(node);
 * await methods.eth_getBalance([node.devAccounts[0].address, "latest"], { transport: "http" });
 */
export function stateMethods(node: ChainNode): RpcMethods {
  return {
    eth_getBalance: async (params) => {
      expectParams(params, 2, 1);
      const address = param(params, 0, "address", parseAddress);
      const { root } = stateOf(node, optionalParam(params, 1, "block", parseBlockSpec, LATEST));
      return quantity((await node.stateAt(root).getAccount(address))?.balance ?? 0n);
    },
    eth_getCode: async (params) => {
      expectParams(params, 2, 1);
      const address = param(params, 0, "address", parseAddress);
      const { root } = stateOf(node, optionalParam(params, 1, "block", parseBlockSpec, LATEST));
      return bytesToHex(await node.stateAt(root).getCode(address));
    },
    eth_getStorageAt: async (params) => {
      expectParams(params, 3, 2);
      const address = param(params, 0, "address", parseAddress);
      const slot = param(params, 1, "slot", parseSlot);
      const { root } = stateOf(node, optionalParam(params, 2, "block", parseBlockSpec, LATEST));
      const sm = node.stateAt(root);
      if ((await sm.getAccount(address)) === undefined) return bytesToHex(new Uint8Array(32));
      return bytesToHex(setLengthLeft(await sm.getStorage(address, slot), 32));
    },
    eth_getTransactionCount: async (params) => {
      expectParams(params, 2, 1);
      const address = param(params, 0, "address", parseAddress);
      const spec = optionalParam(params, 1, "block", parseBlockSpec, LATEST);
      const { root } = stateOf(node, spec);
      const nonce = (await node.stateAt(root).getAccount(address))?.nonce ?? 0n;
      // "pending" counts the sender's transactions waiting in the pool, as wallets need.
      return quantity(
        "tag" in spec && spec.tag === "pending" ? node.mempool.pendingNonce(address, nonce) : nonce,
      );
    },
    eth_getProof: async (params) => {
      expectParams(params, 3, 2);
      const address = param(params, 0, "address", parseAddress);
      const keys = param(
        params,
        1,
        "storageKeys",
        arrayOf((v) => ({ text: v as string, slot: parseSlot(v) }), 1000),
      );
      const { root } = stateOf(node, optionalParam(params, 2, "block", parseBlockSpec, LATEST));
      const state = node.stateAt(root);
      const proof = await getMerkleStateProof(
        state,
        address,
        keys.map((k) => k.slot),
      );
      // EIP-1186 answers every key. Of an absent account the account proof shows the absence,
      // and each slot is 0 in the empty storage trie, which has no node to prove (as geth).
      const absent = (await state.getAccount(address)) === undefined;
      return {
        ...proof,
        address: address.toString(),
        storageProof: keys.map((key, i) => {
          const item = absent ? { value: "0x0", proof: [] } : proof.storageProof[i];
          return {
            key: key.text,
            value: quantity(BigInt(item.value === "0x" ? 0 : item.value)),
            proof: item.proof,
          };
        }),
      };
    },
    eth_call: async (params) => {
      expectParams(params, 4, 1);
      refuseOverrides(params, 2);
      const request = param(params, 0, "transaction", parseCallRequest);
      return ethCall(node, request, optionalParam(params, 1, "block", parseBlockSpec, LATEST));
    },
    eth_estimateGas: async (params) => {
      expectParams(params, 3, 1);
      refuseOverrides(params, 2);
      const request = param(params, 0, "transaction", parseCallRequest);
      return quantity(
        await estimateGas(node, request, optionalParam(params, 1, "block", parseBlockSpec, LATEST)),
      );
    },
    eth_createAccessList: async (params) => {
      expectParams(params, 2, 1);
      const request = param(params, 0, "transaction", parseCallRequest);
      return createAccessList(node, request, optionalParam(params, 1, "block", parseBlockSpec, LATEST));
    },
    eth_sendRawTransaction: async (params) => {
      expectParams(params, 1);
      return sendRaw(node, param(params, 0, "transaction", parseData));
    },
    eth_sendTransaction: async (params) => {
      expectParams(params, 1);
      return sendDevTransaction(node, param(params, 0, "transaction", parseCallRequest));
    },
    eth_signTransaction: async (params) => {
      expectParams(params, 1);
      const tx = await signDevTransaction(node, param(params, 0, "transaction", parseCallRequest));
      return bytesToHex(tx.serialize());
    },
    eth_sign: async (params) => {
      expectParams(params, 2);
      const address = param(params, 0, "address", parseAddress);
      const message = param(params, 1, "message", parseData);
      const account = privateKeyToAccount(devAccount(node, address.toString()).privateKey);
      return account.signMessage({ message: { raw: message } });
    },
    personal_sign: async (params) => {
      expectParams(params, 3, 2);
      const message = param(params, 0, "message", parseData);
      const address = param(params, 1, "address", parseAddress);
      const account = privateKeyToAccount(devAccount(node, address.toString()).privateKey);
      return account.signMessage({ message: { raw: message } });
    },
    eth_signTypedData_v4: async (params) => {
      expectParams(params, 2);
      const address = param(params, 0, "address", parseAddress);
      const typedData = param(params, 1, "typedData", parseTypedData);
      const account = privateKeyToAccount(devAccount(node, address.toString()).privateKey);
      try {
        return await account.signTypedData(typedData as Parameters<typeof account.signTypedData>[0]);
      } catch (err) {
        throw new RpcError(
          INVALID_PARAMS,
          `invalid argument 1 (typedData): ${(err as Error).message.split("\n")[0]}`,
        );
      }
    },
    web3_sha3: (params) => {
      expectParams(params, 1);
      return bytesToHex(keccak_256(param(params, 0, "data", parseData)));
    },
  };
}
