/**
 * The node's own methods (`nrx_*`: the execute-gas market, the `EXECUTE` calls of a block, and
 * stateless re-verification of a block) and the `debug_*` methods that serve raw chain data
 * and execution witnesses in the format of geth and reth.
 */
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { encodeReceipt } from "@ethereumjs/vm";
import type { StoredExecuteCall } from "../execute/precompile.ts";
import type { L1Node } from "../l1/node.ts";
import { executeBaseFeeAfter, executeHeaderFields } from "../l1/rules.ts";
import type { ChainBlock, ChainNode } from "../node/node.ts";
import { verifyStatelessNewPayload } from "../stateless/verify.ts";
import { chainBlockOf, headerNotFound } from "./blocks.ts";
import { INVALID_INPUT, INVALID_PARAMS, RpcError } from "./errors.ts";
import { type Json, quantity } from "./format.ts";
import {
  expectParams,
  optionalParam,
  param,
  parseBlockSpec,
  parseHash,
  parseLooseInteger,
} from "./params.ts";
import type { RpcMethods } from "./payload.ts";

/** `nrx_executeMarket` serves at most this many blocks. */
export const MAX_MARKET_BLOCKS = 1024n;
const DEFAULT_MARKET_BLOCKS = 16n;

function blockWithParent(node: ChainNode, params: unknown[]): ChainBlock {
  const entry = chainBlockOf(node, param(params, 0, "block", parseBlockSpec));
  if (entry === undefined) throw headerNotFound();
  if (entry.block.header.number === 0n) {
    throw new RpcError(INVALID_INPUT, "the genesis block has no parent to execute it on");
  }
  return entry;
}

function formatExecuteCall(call: StoredExecuteCall, entry: ChainBlock): Json {
  const tx = entry.block.transactions[call.txIndex];
  return {
    transactionHash: tx === undefined ? null : bytesToHex(tx.hash()),
    transactionIndex: quantity(call.txIndex),
    caller: call.caller.toLowerCase(),
    source: call.source,
    inputBytes: quantity(call.inputBytes),
    outcome: call.outcome,
    ...(call.reason !== undefined ? { reason: call.reason } : {}),
    ...(call.message !== undefined ? { message: call.message } : {}),
    ...(call.l2BlockNumber !== undefined ? { l2BlockNumber: quantity(BigInt(call.l2BlockNumber)) } : {}),
    ...(call.l2BlockHash !== undefined ? { l2BlockHash: call.l2BlockHash } : {}),
    executeGas: quantity(BigInt(call.executeGas)),
    fee: quantity(BigInt(call.fee)),
    verifyMs: call.verifyMs,
  };
}

/**
 * Re-verifies a mined block statelessly from its own witness under the L1 rules, as a
 * validator in re-execution mode would (`nrx_verifyBlock`).
 *
 * @example
 * await verifyBlock(node, node.chain[1]); // { valid: true, witnessBytes: "0x…" }
 */
export async function verifyBlock(node: ChainNode, entry: ChainBlock): Promise<Json> {
  const number = entry.block.header.number;
  const { input, witness } = await node.statelessInput(number);
  const verification = await verifyStatelessNewPayload(input, {
    rules: node.blockRules(),
    l2Constraints: node.rules.l2Constraints,
  });
  const witnessBytes = [...witness.state, ...witness.codes, ...witness.headers].reduce(
    (n, b) => n + b.length,
    0,
  );
  return {
    valid: verification.successfulValidation,
    ...(verification.reason !== undefined ? { reason: verification.reason } : {}),
    ...(verification.message !== undefined ? { message: verification.message } : {}),
    witnessBytes: quantity(witnessBytes),
    // Dev methods changed the state between the parent and this block: it cannot verify.
    ...(entry.preStateRoot !== undefined ? { preStateRoot: entry.preStateRoot } : {}),
  };
}

/** The EIP-2718 encoding of each receipt of a block (what its receipts root commits to). */
function rawReceipts(entry: ChainBlock): string[] {
  return entry.receipts.map((receipt, i) =>
    bytesToHex(
      encodeReceipt(
        {
          status: receipt.status,
          cumulativeBlockGasUsed: BigInt(receipt.cumulativeGasUsed),
          bitvector: hexToBytes(receipt.logsBloom),
          logs: receipt.logs.map((log) => [
            hexToBytes(log.address),
            log.topics.map((t) => hexToBytes(t)),
            hexToBytes(log.data),
          ]),
        },
        entry.block.transactions[i].type,
      ),
    ),
  );
}

/**
 * The `nrx_*` and `debug_*` methods of an L1 node: its `EXECUTE` market, calls and blobs, and
 * those of every chain (`chainMethods`).
 *
 * @example
 * const market = await nrxMethods(node).nrx_executeMarket(["0x4"], { transport: "http" });
 */
export function nrxMethods(node: L1Node): RpcMethods {
  return {
    ...chainMethods(node),
    nrx_executeMarket: (params) => {
      expectParams(params, 1, 0);
      const count = optionalParam(params, 0, "blocks", parseLooseInteger, DEFAULT_MARKET_BLOCKS);
      if (count < 1n || count > MAX_MARKET_BLOCKS) {
        throw new RpcError(
          INVALID_PARAMS,
          `invalid argument 0 (blocks): expected 1 to ${MAX_MARKET_BLOCKS}, got ${count}`,
        );
      }
      const market = node.config.execute;
      const head = node.head.header;
      const blocks: Json[] = [];
      const oldest = head.number + 1n > count ? head.number + 1n - count : 0n;
      for (let n = oldest; n <= head.number; n++) {
        const entry = node.blockByNumber(n)!;
        const fields = executeHeaderFields(entry.block.header);
        blocks.push({
          number: quantity(n),
          executeGasUsed: quantity(fields.executeGasUsed),
          executeBaseFee: quantity(fields.executeBaseFee),
          calls: quantity(entry.executeCalls.length),
        });
      }
      return {
        executeBaseFee: quantity(executeHeaderFields(head).executeBaseFee),
        nextExecuteBaseFee: quantity(executeBaseFeeAfter(head, market)),
        cumulativeGasTarget: quantity(market.cumulativeGasTarget),
        cumulativeGasLimit: quantity(market.cumulativeGasLimit),
        gasCost: quantity(market.gasCost),
        gasPerInputByte: quantity(market.gasPerInputByte),
        baseFeeChangeDenominator: quantity(market.baseFeeChangeDenominator),
        blocks,
      };
    },
    nrx_executeCalls: (params) => {
      expectParams(params, 1);
      const entry = chainBlockOf(node, param(params, 0, "block", parseBlockSpec));
      return entry === undefined ? null : entry.executeCalls.map((call) => formatExecuteCall(call, entry));
    },
    nrx_getBlob: (params) => {
      expectParams(params, 1);
      const blob = node.blob(hexToBytes(param(params, 0, "versionedHash", parseHash)));
      return blob === undefined ? null : bytesToHex(blob);
    },
  };
}

/**
 * The methods of any chain's node that serve its blocks as a verifier needs them:
 * `nrx_verifyBlock`, `debug_executionWitness` and the raw encodings.
 *
 * @example
 * await chainMethods(node).nrx_verifyBlock(["0x1"], { transport: "http" }); // { valid: true, … }
 */
export function chainMethods(node: ChainNode): RpcMethods {
  return {
    nrx_verifyBlock: async (params) => {
      expectParams(params, 1);
      return verifyBlock(node, blockWithParent(node, params));
    },
    debug_executionWitness: async (params) => {
      expectParams(params, 1);
      const entry = blockWithParent(node, params);
      const { witness } = await node.statelessInput(entry.block.header.number);
      const hex = (items: Uint8Array[]) => items.map((item) => bytesToHex(item));
      return {
        state: hex(witness.state),
        codes: hex(witness.codes),
        keys: hex(witness.keys),
        headers: hex(witness.headers),
      };
    },
    debug_getRawBlock: (params) => {
      expectParams(params, 1);
      const entry = chainBlockOf(node, param(params, 0, "block", parseBlockSpec));
      if (entry === undefined) throw headerNotFound();
      return bytesToHex(entry.block.serialize());
    },
    debug_getRawHeader: (params) => {
      expectParams(params, 1);
      const entry = chainBlockOf(node, param(params, 0, "block", parseBlockSpec));
      if (entry === undefined) throw headerNotFound();
      return bytesToHex(entry.block.header.serialize());
    },
    debug_getRawReceipts: (params) => {
      expectParams(params, 1);
      const entry = chainBlockOf(node, param(params, 0, "block", parseBlockSpec));
      if (entry === undefined) throw headerNotFound();
      return rawReceipts(entry);
    },
  };
}
