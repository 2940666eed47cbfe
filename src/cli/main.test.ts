/**
 * The `nrx` command line's contract: `--help` on any command prints its usage and runs nothing,
 * wrong arguments exit 2 with the usage, and an expected failure (a port in use) prints one line,
 * never a stack trace.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { main } from "./main.ts";

/** Runs `main(argv)` with console output captured. */
async function runCaptured(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...parts: unknown[]) => out.push(parts.join(" "));
  console.error = (...parts: unknown[]) => err.push(parts.join(" "));
  try {
    return { code: await main(argv), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const COMMANDS = [
  ["l1"],
  ["devnet"],
  ["l2"],
  ["deploy-rollup"],
  ["claim-withdrawal"],
  ["l2-block"],
  ["demo"],
  ["demo", "stateless"],
  ["verify"],
  ["conformance"],
  ["bench"],
  ["bench", "stateless"],
  ["bench", "l1"],
  ["bench", "e2e"],
  ["fuzz"],
  ["sim"],
];

describe("nrx", () => {
  it("answers --help on every command with its usage and runs nothing", async () => {
    for (const command of COMMANDS) {
      const { code, out, err } = await runCaptured([...command, "--help"]);
      assert.equal(code, 0, command.join(" "));
      assert.equal(out.length, 1, `${command.join(" ")} printed only its usage`);
      assert.match(out[0], new RegExp(`${command.at(-1)}`), command.join(" "));
      assert.deepEqual(err, [], command.join(" "));
    }
  });

  it("exits 2 with the usage on wrong arguments, without a stack trace", async () => {
    for (const argv of [
      ["bench", "stateless", "--bogus"],
      ["bench", "nothing"],
      ["fuzz", "--iterations", "x"],
      ["verify"],
    ]) {
      const { code, err } = await runCaptured(argv);
      assert.equal(code, 2, argv.join(" "));
      assert.match(err.join("\n"), /usage/, argv.join(" "));
      assert.doesNotMatch(err.join("\n"), /\n\s+at /, argv.join(" "));
    }
  });

  it("nrx l1 on a port in use prints one line and exits 1", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, err } = await runCaptured(["l1", "--memory", "--quiet", "--port", String(port)]);
      assert.equal(code, 1);
      assert.equal(err.length, 1, err.join("\n"));
      assert.match(err[0], new RegExp(`nrx l1: .*${port}`));
      assert.doesNotMatch(err[0], /\n\s+at /);
    } finally {
      blocker.close();
    }
  });
});
