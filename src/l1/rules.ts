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
import { type ExecuteCallRecord, ExecuteEnvironment } from "../execute/precompile.ts";
import type { StatelessFork } from "../stateless/ssz.ts";
import { type BlockRules, ChainRuleError } from "../stateless/vm.ts";

/** Blob data by versioned hash (hex), the sidecars a node holds. */
export type BlobStore = (versionedHash: Uint8Array) => Uint8Array | undefined;

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
      const environment = new ExecuteEnvironment({
        params,
        baseFee: executeBaseFeeAfter(parent, params),
        fork,
        blobs,
        ...(onCall ? { onCall } : {}),
      });
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
