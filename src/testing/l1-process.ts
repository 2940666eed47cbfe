/** `nrx l1` as its own process, for tests that kill and restart it. */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const CLI = join(import.meta.dirname, "../../bin/nrx.js");

/**
 * Starts `nrx l1 ...args` and resolves with the process and its RPC URL once it listens; rejects
 * with its output if it exits first.
 *
 * @example
 * const { child, url } = await startL1Process(["--data-dir", dir, "--port", "0", "--quiet"]);
 */
export function startL1Process(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, "l1", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve({ child, url: match[1] });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code) =>
      reject(new Error(`nrx l1 exited with ${code} before listening:\n${output}`)),
    );
  });
}

/**
 * Kills `child` with SIGKILL (a crash, not a shutdown) and resolves once it has exited.
 *
 * @example
 * await killProcess(child);
 */
export function killProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}
