/**
 * One EEST blockchain test, run through the stateless path: for each block, generate the
 * witness from the stateful pre-state, round-trip the `StatelessInput` through its SSZ
 * encoding, verify it statelessly, and hold the result to the fixture — valid blocks must
 * reach the fixture's state and receipts roots, blocks with `expectException` must be rejected.
 */
import { type Block, type BlockHeader, createBlockFromRLP } from "@ethereumjs/block";
import { RLP } from "@ethereumjs/rlp";
import { bytesToBigInt, bytesToHex, equalsBytes, hexToBytes } from "@ethereumjs/util";
import { commonFor } from "../stateless/chain.ts";
import { encodeExecutionRequests, generateExecutionWitness } from "../stateless/generate.ts";
import { blockToNewPayloadRequest } from "../stateless/payload.ts";
import { decodeStatelessInput, encodeStatelessInput, type StatelessInput } from "../stateless/ssz.ts";
import { verifyStatelessNewPayload } from "../stateless/verify.ts";
import {
  type BlockchainTest,
  buildGenesisState,
  chainIdOf,
  type FixtureBlock,
  forkScheduleOf,
} from "./fixtures.ts";

export type TestOutcome =
  | { status: "passed"; blocks: number }
  | { status: "failed"; reason: string }
  | { status: "skipped"; reason: string };

const TIMESTAMP_FIELD = 11;

function timestampOfBlockRlp(rlp: Uint8Array): bigint {
  const [header] = RLP.decode(rlp) as unknown as [Uint8Array[]];
  return bytesToBigInt(header[TIMESTAMP_FIELD]);
}

type Chain = { nodes: Map<string, Uint8Array>; head: BlockHeader; headers: Map<bigint, Uint8Array> };

/** Verifies one fixture block statelessly; returns an error string, or undefined when it behaves as the fixture says. */
async function checkBlock(
  test: BlockchainTest,
  fixtureBlock: FixtureBlock,
  chain: Chain,
): Promise<string | undefined> {
  const expectInvalid = fixtureBlock.expectException !== undefined;
  const rlp = hexToBytes(fixtureBlock.rlp as `0x${string}`);
  const { fork } = forkScheduleOf(test.network)(timestampOfBlockRlp(rlp));
  if (fork === undefined) return undefined;
  const chainId = chainIdOf(test);
  const common = commonFor(chainId, fork);
  let block: Block;
  try {
    block = createBlockFromRLP(rlp, { common });
  } catch (err) {
    return expectInvalid ? undefined : `block does not decode: ${(err as Error).message}`;
  }
  const generation = await generateExecutionWitness(block, common, {
    nodes: chain.nodes,
    parent: chain.head,
    headerRlp: (n) => chain.headers.get(n),
  });
  const { state, codes, headers } = generation.witness;
  const input: StatelessInput = {
    fork,
    newPayloadRequest: blockToNewPayloadRequest(block, encodeExecutionRequests(generation.result?.requests)),
    witness: { state, codes, headers },
    chainConfig: { chainId },
    publicKeys: [],
  };
  const verification = await verifyStatelessNewPayload(decodeStatelessInput(encodeStatelessInput(input)));
  if (expectInvalid) {
    if (verification.successfulValidation) {
      return `block ${block.header.number} was accepted but the fixture expects ${fixtureBlock.expectException}`;
    }
    return undefined;
  }
  if (!verification.successfulValidation) {
    return `block ${block.header.number} rejected: ${verification.reason}: ${verification.message}`;
  }
  const expectedRoot = hexToBytes((fixtureBlock.blockHeader?.stateRoot ?? "0x") as `0x${string}`);
  if (!equalsBytes(verification.verified!.postStateRoot, expectedRoot)) {
    return `block ${block.header.number} post-state root ${bytesToHex(verification.verified!.postStateRoot)} != fixture ${bytesToHex(expectedRoot)}`;
  }
  const expectedReceipts = hexToBytes((fixtureBlock.blockHeader?.receiptTrie ?? "0x") as `0x${string}`);
  if (!equalsBytes(block.header.receiptTrie, expectedReceipts)) {
    return `block ${block.header.number} receipts root differs from the fixture`;
  }
  generation.commit();
  chain.head = block.header;
  chain.headers.set(block.header.number, block.header.serialize());
  return undefined;
}

export async function runBlockchainTest(test: BlockchainTest): Promise<TestOutcome> {
  const schedule = forkScheduleOf(test.network);
  const forks = test.blocks.map((b) => {
    try {
      return schedule(timestampOfBlockRlp(hexToBytes(b.rlp as `0x${string}`)));
    } catch {
      return schedule(0n);
    }
  });
  const unsupported = [schedule(0n), ...forks].find((f) => f.fork === undefined);
  if (unsupported !== undefined) {
    return {
      status: "skipped",
      reason: `${unsupported.name} has no StatelessInput schema (execution-specs ProtocolFork covers Cancun through BPO2 and Amsterdam)`,
    };
  }
  const genesisFork = schedule(0n).fork!;
  const chainId = chainIdOf(test);
  const genesisBlock = createBlockFromRLP(hexToBytes(test.genesisRLP as `0x${string}`), {
    common: commonFor(chainId, genesisFork),
  });
  const { nodes, stateRoot } = await buildGenesisState(test.pre, commonFor(chainId, genesisFork));
  if (!equalsBytes(stateRoot, genesisBlock.header.stateRoot)) {
    return {
      status: "failed",
      reason: `genesis state root ${bytesToHex(stateRoot)} differs from the fixture's`,
    };
  }
  const chain: Chain = {
    nodes,
    head: genesisBlock.header,
    headers: new Map([[0n, genesisBlock.header.serialize()]]),
  };
  for (const fixtureBlock of test.blocks) {
    const error = await checkBlock(test, fixtureBlock, chain);
    if (error !== undefined) return { status: "failed", reason: error };
  }
  if (bytesToHex(chain.head.hash()) !== test.lastblockhash) {
    return {
      status: "failed",
      reason: `head ${bytesToHex(chain.head.hash())} is not the fixture's lastblockhash`,
    };
  }
  return { status: "passed", blocks: test.blocks.length };
}
