/**
 * An L2 node's JSON-RPC API: the L1 node's `eth_*`, `net_*`, `web3_*`, `debug_*` and
 * `nrx_verifyBlock` methods over the L2 chain, so wallets and viem work unchanged, plus
 * `nrx_rollup` (the node's role and settlement). No dev methods: changing the state outside blocks
 * would make the chain underivable from L1. A follower takes no transactions.
 */
import { createTxFromRLP } from "@ethereumjs/tx";
import type { ChainNode } from "../node/node.ts";
import { RpcError, TRANSACTION_REJECTED } from "./errors.ts";
import { ethMethods } from "./eth.ts";
import { FilterRegistry, Subscriptions } from "./filters.ts";
import type { Json } from "./format.ts";
import { chainMethods } from "./nrx.ts";
import { param, parseCallRequest, parseData } from "./params.ts";
import type { RpcMethods } from "./payload.ts";
import { type RpcServer, startRpcServer } from "./server.ts";
import { stateMethods } from "./state.ts";

export type L2RpcOptions = {
  /** `nrx_rollup`'s answer: the node's role, rollup, state and settlement. */
  status: () => Json;
  /** `eth_syncing`'s answer: false while the node keeps up, else its progress and state. */
  syncing?: () => Json | false;
  /** A follower: transactions go to the sequencer. */
  follower?: boolean;
  /** Senders whose transactions are refused (a censoring sequencer, to show forced inclusion). */
  refuseFrom?: string[];
};

/**
 * @example
 * const methods = l2RpcMethods(node, { status: () => ({ role: "sequencer" }) });
 */
export function l2RpcMethods(node: ChainNode, options: L2RpcOptions): RpcMethods {
  const methods: RpcMethods = {
    ...ethMethods(node, new FilterRegistry(node), new Subscriptions(node)),
    ...stateMethods(node),
    ...chainMethods(node),
    nrx_rollup: () => options.status(),
  };
  const { syncing } = options;
  if (syncing !== undefined) methods.eth_syncing = () => syncing();
  if (options.follower) {
    const refuse = () => {
      throw new RpcError(
        TRANSACTION_REJECTED,
        "this node follows L1 and takes no transactions: send them to the sequencer",
      );
    };
    methods.eth_sendRawTransaction = refuse;
    methods.eth_sendTransaction = refuse;
  }
  const refused = new Set((options.refuseFrom ?? []).map((a) => a.toLowerCase()));
  if (refused.size > 0) {
    const censor = (sender: string) => {
      if (refused.has(sender.toLowerCase())) {
        throw new RpcError(TRANSACTION_REJECTED, `the sequencer refuses transactions from ${sender}`);
      }
    };
    const sendRaw = methods.eth_sendRawTransaction;
    const send = methods.eth_sendTransaction;
    methods.eth_sendRawTransaction = (params, context) => {
      try {
        censor(
          createTxFromRLP(param(params, 0, "transaction", parseData), { common: node.common })
            .getSenderAddress()
            .toString(),
        );
      } catch (err) {
        if (err instanceof RpcError) throw err;
        // undecodable: the method itself says why
      }
      return sendRaw(params, context);
    };
    methods.eth_sendTransaction = (params, context) => {
      const from = param(params, 0, "transaction", parseCallRequest).from;
      if (from !== undefined) censor(from.toString());
      return send(params, context);
    };
  }
  return methods;
}

export type ServeL2Options = L2RpcOptions & { host?: string; port: number; log?: (line: string) => void };

/**
 * Serves an L2 node's JSON-RPC over HTTP and WebSocket on one port.
 *
 * @example
 * const server = await serveL2(node, { port: 9545, status: () => sequencer.status() });
 */
export function serveL2(node: ChainNode, options: ServeL2Options): Promise<RpcServer> {
  return startRpcServer({
    port: options.port,
    methods: l2RpcMethods(node, options),
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
  });
}
