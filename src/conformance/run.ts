/**
 * `nrx conformance [DIR...]`: runs every EEST blockchain test under each folder through the
 * stateless path and prints `N passed, N failed, N skipped` per folder. Folders of zkevm
 * witness tests (blocks carrying `statelessInputBytes`) are compared byte for byte instead.
 */
import { existsSync } from "node:fs";
import { basename, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runBlockchainTest, type TestOutcome } from "./blockchain.ts";
import { type BlockchainTest, findFixtureFiles, loadFixtureFile } from "./fixtures.ts";
import { runZkevmTest } from "./zkevm.ts";

const SHARED_FIXTURES = fileURLToPath(new URL("../../../shared/fixtures/", import.meta.url));

/** The folders `npm run conformance` covers. */
export const DEFAULT_FOLDERS = [
  "blockchain_tests/prague",
  "blockchain_tests/osaka",
  "blockchain_tests_zkevm",
].map((f) => resolve(SHARED_FIXTURES, f));

export type FolderSummary = {
  folder: string;
  passed: number;
  failed: number;
  skipped: number;
  failures: { name: string; reason: string }[];
  skips: Map<string, number>;
};

function isZkevmTest(test: BlockchainTest): boolean {
  return test.blocks.some((b) => b.statelessInputBytes !== undefined);
}

async function runOne(test: BlockchainTest): Promise<TestOutcome> {
  try {
    return isZkevmTest(test) ? await runZkevmTest(test) : await runBlockchainTest(test);
  } catch (err) {
    return { status: "failed", reason: `runner error: ${(err as Error).stack ?? err}` };
  }
}

export async function runFolder(
  folder: string,
  opts: { filter?: string; onTest?: (done: number, total: number) => void } = {},
): Promise<FolderSummary> {
  const summary: FolderSummary = { folder, passed: 0, failed: 0, skipped: 0, failures: [], skips: new Map() };
  const files = findFixtureFiles(folder).filter((f) => opts.filter === undefined || f.includes(opts.filter));
  let done = 0;
  for (const file of files) {
    for (const [name, test] of Object.entries(loadFixtureFile(file))) {
      const outcome = await runOne(test);
      summary[outcome.status]++;
      if (outcome.status === "failed") summary.failures.push({ name, reason: outcome.reason });
      if (outcome.status === "skipped")
        summary.skips.set(outcome.reason, (summary.skips.get(outcome.reason) ?? 0) + 1);
    }
    opts.onTest?.(++done, files.length);
  }
  return summary;
}

export async function runConformance(args: string[]): Promise<number> {
  const filterAt = args.indexOf("--filter");
  const filter = filterAt >= 0 ? args[filterAt + 1] : undefined;
  const dirs = args.filter((a, i) => !a.startsWith("--") && (filterAt < 0 || i !== filterAt + 1));
  const folders = (dirs.length > 0 ? dirs : DEFAULT_FOLDERS).map((d) => resolve(d));
  let failed = 0;
  for (const folder of folders) {
    if (!existsSync(folder)) {
      console.error(`conformance: no such folder ${folder}`);
      return 2;
    }
    const started = Date.now();
    const summary = await runFolder(folder, {
      filter,
      onTest: (done, total) => {
        if (process.stderr.isTTY) process.stderr.write(`\r  ${basename(folder)}: ${done}/${total} files`);
      },
    });
    if (process.stderr.isTTY) process.stderr.write("\n");
    const name = relative(process.cwd(), folder) || folder;
    for (const f of summary.failures) console.log(`  FAIL ${f.name}\n       ${f.reason}`);
    for (const [reason, count] of summary.skips) console.log(`  skipped ${count}: ${reason}`);
    console.log(
      `${name}: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    failed += summary.failed;
  }
  return failed > 0 ? 1 : 0;
}
