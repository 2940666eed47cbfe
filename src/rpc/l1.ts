/**
 * The L1 node's JSON-RPC API: the `eth_*`, `net_*` and `web3_*` methods wallets and libraries
 * use (viem, ethers, cast), the dev methods of anvil and hardhat, `txpool_*`, `debug_*` and the
 * node's own `nrx_*`. Served over HTTP and WebSocket on one port by `startRpcServer`.
 *
 * Block tags: "safe" and "finalized" follow the devnet's finality rule (src/l1/finality.ts),
 * "pending" is the block being built (state reads there read the head state); the dev accounts are unlocked for `eth_sendTransaction` and the signing methods.
 */
import type { L1Node } from "../l1/node.ts";
import { DevChain } from "../node/dev.ts";
import { devMethods } from "./dev.ts";
import { ethMethods } from "./eth.ts";
import { FilterRegistry, Subscriptions } from "./filters.ts";
import { nrxMethods } from "./nrx.ts";
import type { RpcMethods } from "./payload.ts";
import { rollupMethods } from "./rollups.ts";
import { type RpcServer, startRpcServer } from "./server.ts";
import { stateMethods } from "./state.ts";

/**
 * Every method of the L1 node, over one node and its dev controls; filters and subscriptions
 * live as long as the returned object. With automine on, each accepted transaction is mined
 * before its hash is answered.
 *
 * @example
 * const methods = l1RpcMethods(node);
 * await methods.eth_blockNumber([], { transport: "http" }); // "0x0"
 */
export function l1RpcMethods(node: L1Node, dev: DevChain = new DevChain(node)): RpcMethods {
  const methods: RpcMethods = {
    ...ethMethods(node, new FilterRegistry(node), new Subscriptions(node)),
    ...stateMethods(node),
    ...devMethods(dev),
    ...nrxMethods(node),
    ...rollupMethods(node),
  };
  for (const name of ["eth_sendRawTransaction", "eth_sendTransaction"]) {
    const send = methods[name];
    methods[name] = async (params, context) => {
      const hash = await send(params, context);
      if (dev.automine) await dev.mine();
      return hash;
    };
  }
  return methods;
}

export type ServeL1Options = {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  maxRequestBytes?: number;
  /** One line per request and per transport problem. */
  log?: (line: string) => void;
  /** The node's dev controls, shared with whatever else produces its blocks (the slot clock). */
  dev?: DevChain;
};

/**
 * Serves the node's JSON-RPC API over HTTP and WebSocket on one port.
 *
 * @example
 * const node = await openL1Node(parseL1Config({}));
 * const dev = new DevChain(node);
 * const slots = startSlots(node.config.slotTimeMs, () => dev.produceBlock());
 * const server = await serveL1(node, { port: 8545, dev });
 * // cast block-number --rpc-url http://127.0.0.1:8545
 * await server.close();
 */
export function serveL1(node: L1Node, options: ServeL1Options): Promise<RpcServer> {
  return startRpcServer({
    port: options.port,
    methods: l1RpcMethods(node, options.dev),
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.maxRequestBytes !== undefined ? { maxRequestBytes: options.maxRequestBytes } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
  });
}
