/**
 * The L1's rules beyond Osaka: the `EXECUTE` precompile and its execute-gas market. A block's
 * `executeBaseFee` follows from its parent's header fields; its `executeGasUsed` must equal what
 * its `EXECUTE` calls metered. The same rules drive the block builder, the witness generator and
 * the stateless verifier, so every L1 block re-verifies from its own witness.
 */
import type { Block, BlockHeader } from "@ethereumjs/block";
import type { RunBlockResult } from "@ethereumjs/vm";
import {
  decodeExecuteExtraData,
  type ExecuteHeaderFields,
  type ExecuteParams,
  encodeExecuteExtraData,
  InvalidExecuteHeaderError,
  nextExecuteBaseFee,
} from "../execute/market.ts";
import { type ExecuteCallRecord, ExecuteEnvironment, ExecuteGasDeferral } from "../execute/precompile.ts";
import type { BlobStore, ChainRules } from "../node/rules.ts";
import type { StatelessFork } from "../stateless/ssz.ts";
import { type BlockRules, ChainRuleError, ExecutionFaultError } from "../stateless/vm.ts";

/** The devnet runs Osaka rules; `EXECUTE` verifies Osaka L2 blocks. */
export const L1_FORK: StatelessFork = "osaka";

export function executeHeaderFields(header: BlockHeader): ExecuteHeaderFields {
  try {
    return decodeExecuteExtraData(header.extraData);
  } catch (err) {
    if (err instanceof InvalidExecuteHeaderError)
      throw new ChainRuleError(err.message, "invalid_execute_gas");
    throw err;
  }
}

/** The execute base fee of the block after `parent`. */
export function executeBaseFeeAfter(parent: BlockHeader, params: ExecuteParams): bigint {
  return nextExecuteBaseFee(executeHeaderFields(parent), params);
}

/** The `extraData` a block must carry for its execute base fee and metered execute gas. */
export function executeExtraData(environment: ExecuteEnvironment): Uint8Array {
  return encodeExecuteExtraData({ executeGasUsed: environment.gasUsed, executeBaseFee: environment.baseFee });
}

/**
 * The `EXECUTE` environment of the block after `parent`: the one place it is made, for building,
 * calls, witness generation and verification alike.
 */
export function executeEnvironment(
  params: ExecuteParams,
  fork: StatelessFork,
  parent: BlockHeader,
  blobs: BlobStore,
  options: { building?: boolean; onCall?: (record: ExecuteCallRecord) => void } = {},
): ExecuteEnvironment {
  return new ExecuteEnvironment({
    params,
    baseFee: executeBaseFeeAfter(parent, params),
    fork,
    blobs,
    ...(options.building ? { building: true } : {}),
    ...(options.onCall ? { onCall: options.onCall } : {}),
  });
}

/**
 * The L1's chain rules for the chain node: `EXECUTE` at `0x0101` and its execute-gas market,
 * whose fields every header carries in `extraData`, and blob transactions.
 *
 * @example
 * const node = await ChainNode.open(config, { rules: l1ChainRules(config.execute) });
 */
export function l1ChainRules(params: ExecuteParams, fork: StatelessFork = L1_FORK): ChainRules {
  return {
    fork,
    l2Constraints: false,
    genesisExtraData: () =>
      encodeExecuteExtraData({ executeGasUsed: 0n, executeBaseFee: params.initialBaseFee }),
    blockRules: (blobs, onCall) => l1BlockRules(params, fork, blobs, onCall),
    extend(parent, blobs, { building }) {
      const environment = executeEnvironment(params, fork, parent, blobs, { building });
      return {
        precompiles: [environment.precompile()],
        attach: (vm) => environment.attach(vm),
        mark() {
          const mark = environment.mark();
          return () => environment.restore(mark);
        },
        postpones: (err) => err instanceof ExecutionFaultError && err.cause instanceof ExecuteGasDeferral,
        extraData: () => executeExtraData(environment),
        calls: () => environment.calls,
      };
    },
    describe(header) {
      const market = executeHeaderFields(header);
      return `, execute gas ${market.executeGasUsed} at ${market.executeBaseFee} wei`;
    },
  };
}

/**
 * The L1 block rules with `EXECUTE` at `0x0101`, for one chain configuration.
 *
 * @example
 * const rules = l1BlockRules(config.execute, "osaka", (hash) => sidecars.get(bytesToHex(hash)));
 * await verifyStatelessNewPayload(input, { rules });
 */
export function l1BlockRules(
  params: ExecuteParams,
  fork: StatelessFork,
  blobs: BlobStore,
  onCall?: (record: ExecuteCallRecord) => void,
): BlockRules {
  return {
    forBlock(block: Block, parent: BlockHeader) {
      const environment = executeEnvironment(params, fork, parent, blobs, onCall ? { onCall } : {});
      return {
        precompiles: [environment.precompile()],
        attach: (vm) => environment.attach(vm),
        check: (_result: RunBlockResult) => {
          const claimed = executeHeaderFields(block.header);
          if (claimed.executeBaseFee !== environment.baseFee) {
            throw new ChainRuleError(
              `executeBaseFee ${claimed.executeBaseFee} in the header, ${environment.baseFee} by the market rule`,
              "invalid_execute_gas",
            );
          }
          if (claimed.executeGasUsed !== environment.gasUsed) {
            throw new ChainRuleError(
              `executeGasUsed ${claimed.executeGasUsed} in the header, ${environment.gasUsed} metered`,
              "invalid_execute_gas",
            );
          }
        },
      };
    },
  };
}
