/**
 * One EEST zkevm (EIP-8025) witness test: each block carries the reference `StatelessInput`
 * bytes and the expected `StatelessValidationResult` bytes; ours must be equal.
 *
 * Amsterdam is still a draft in ethereumjs. A block counts as unsupported (skipped, with the
 * reason) only when ethereumjs itself, executing statefully from the fixture's full pre-state
 * with no witness involved, does not reproduce the fixture's block; then no stateless
 * verifier built on it could. Everything else must match the fixture exactly.
 */
import { createBlockFromRLP } from "@ethereumjs/block";
import { bytesToHex, equalsBytes, hexToBytes } from "@ethereumjs/util";
import { commonFor } from "../stateless/chain.ts";
import { generateExecutionWitness } from "../stateless/generate.ts";
import {
  decodeStatelessInputSsz,
  encodeStatelessValidationResult,
  type StatelessFork,
} from "../stateless/ssz.ts";
import { verifyStatelessNewPayload } from "../stateless/verify.ts";
import type { TestOutcome } from "./blockchain.ts";
import { type BlockchainTest, buildGenesisState, chainIdOf } from "./fixtures.ts";

const ZKEVM_FORK: StatelessFork = "amsterdam";

/** Does stateful ethereumjs reproduce every valid block of the test? Returns why not, if not. */
async function statefulEthereumjsDisagreement(test: BlockchainTest): Promise<string | undefined> {
  const chainId = chainIdOf(test);
  const common = commonFor(chainId, ZKEVM_FORK);
  let parent = createBlockFromRLP(hexToBytes(test.genesisRLP as `0x${string}`), { common }).header;
  const { nodes } = await buildGenesisState(test.pre, common);
  const headers = new Map([[parent.number, parent.serialize()]]);
  for (const fixtureBlock of test.blocks) {
    if (fixtureBlock.expectException !== undefined) continue;
    let block: ReturnType<typeof createBlockFromRLP>;
    try {
      block = createBlockFromRLP(hexToBytes(fixtureBlock.rlp as `0x${string}`), { common });
    } catch (err) {
      return `ethereumjs cannot decode the Amsterdam block: ${(err as Error).message}`;
    }
    const run = await generateExecutionWitness(block, common, {
      nodes,
      parent,
      headerRlp: (n) => headers.get(n),
    });
    if (run.result === undefined) {
      return `ethereumjs rejects the block statefully: ${String((run.error as Error)?.message ?? run.error).slice(0, 160)}`;
    }
    const accessList = run.result.blockLevelAccessList;
    if (block.header.blockAccessListHash !== undefined && accessList !== undefined) {
      if (!equalsBytes(accessList.hash(), block.header.blockAccessListHash)) {
        return "ethereumjs builds a different EIP-7928 block access list statefully (its Amsterdam draft differs)";
      }
    }
    run.commit();
    headers.set(block.header.number, block.header.serialize());
    parent = block.header;
  }
  return undefined;
}

export async function runZkevmTest(test: BlockchainTest): Promise<TestOutcome> {
  let mismatch: string | undefined;
  for (const [index, fixtureBlock] of test.blocks.entries()) {
    if (fixtureBlock.statelessInputBytes === undefined || fixtureBlock.statelessOutputBytes === undefined) {
      return { status: "failed", reason: `block ${index} has no statelessInputBytes/statelessOutputBytes` };
    }
    const expected = fixtureBlock.statelessOutputBytes.toLowerCase();
    let actual: string;
    let detail = "";
    try {
      const input = decodeStatelessInputSsz(
        hexToBytes(fixtureBlock.statelessInputBytes as `0x${string}`),
        ZKEVM_FORK,
      );
      const result = await verifyStatelessNewPayload(input);
      detail = result.successfulValidation ? "valid" : `${result.reason}: ${result.message}`;
      actual = bytesToHex(
        encodeStatelessValidationResult({
          newPayloadRequestRoot: result.newPayloadRequestRoot,
          successfulValidation: result.successfulValidation,
          chainConfig: { chainId: result.chainId },
        }),
      );
    } catch (err) {
      return { status: "failed", reason: `block ${index}: ${(err as Error).message}` };
    }
    if (actual !== expected) {
      mismatch = `block ${index}: output ${actual.slice(0, 18)}… (${detail.slice(0, 200)}) != fixture ${expected.slice(0, 18)}…`;
      break;
    }
  }
  if (mismatch === undefined) return { status: "passed", blocks: test.blocks.length };
  const unsupported = await statefulEthereumjsDisagreement(test);
  if (unsupported !== undefined) return { status: "skipped", reason: unsupported };
  return { status: "failed", reason: mismatch };
}
