/**
 * The EEST zkevm fixtures (`blockchain_tests_zkevm/for_amsterdam`): every block carries the
 * bare-SSZ `StatelessInput` it was filled with and the `StatelessValidationResult` expected for it.
 * Tests and the mutation fuzzer take their known-good inputs from here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { hexToBytes } from "@ethereumjs/util";
import { decodeStatelessInputSsz, type StatelessInput } from "./ssz.ts";

/** The fixtures live in `shared/`, next to the repository root. */
export const ZKEVM_FIXTURES_DIR = fileURLToPath(
  new URL("../../../shared/fixtures/blockchain_tests_zkevm/for_amsterdam/", import.meta.url),
);

export type ZkevmBlock = {
  /** Path relative to `ZKEVM_FIXTURES_DIR`. */
  file: string;
  test: string;
  index: number;
  inputBytes: Uint8Array;
  outputBytes: Uint8Array;
};

type FixtureFile = Record<
  string,
  { blocks: { statelessInputBytes: string; statelessOutputBytes: string }[] }
>;

/** Fixture files relative to `ZKEVM_FIXTURES_DIR`, sorted so that runs are reproducible. */
export function zkevmFixtureFiles(): string[] {
  return (readdirSync(ZKEVM_FIXTURES_DIR, { recursive: true }) as string[])
    .filter((f) => f.endsWith(".json"))
    .sort();
}

export function loadZkevmBlocks(file: string): ZkevmBlock[] {
  const tests: FixtureFile = JSON.parse(readFileSync(ZKEVM_FIXTURES_DIR + file, "utf8"));
  return Object.entries(tests).flatMap(([test, { blocks }]) =>
    blocks.map((b, index) => ({
      file,
      test,
      index,
      inputBytes: hexToBytes(b.statelessInputBytes as `0x${string}`),
      outputBytes: hexToBytes(b.statelessOutputBytes as `0x${string}`),
    })),
  );
}

export function allZkevmBlocks(): ZkevmBlock[] {
  return zkevmFixtureFiles().flatMap(loadZkevmBlocks);
}

/**
 * The decoded input of block `index` of `file`, counting the blocks of all its tests in order
 * (all zkevm fixtures are Amsterdam).
 */
export function loadZkevmInput(file: string, index = 0): StatelessInput {
  const block = loadZkevmBlocks(file)[index];
  if (block === undefined) throw new Error(`${file} has no block ${index}`);
  return decodeStatelessInputSsz(block.inputBytes, "amsterdam");
}
