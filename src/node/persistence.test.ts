/**
 * Crash safety of `nrx l1`: the node runs as its own process on a data directory, takes
 * transactions (transfers and EXECUTE calls, so block production takes a while), and is killed
 * with SIGKILL at a random moment, repeatedly. After each restart every block a client saw is
 * still there with the same hash, every transaction whose hash the node returned is mined or
 * pending, balances match the mined transfers, and the head re-verifies from its own witness.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Hex, hexToBigInt, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { EXECUTE_ADDRESS } from "../execute/result.ts";
import { parseL1Config } from "../l1/config.ts";
import { type L2Block, validL2Block } from "../testing/l1.ts";
import { killProcess, startL1Process } from "../testing/l1-process.ts";
import { Rng } from "../util/prng.ts";
import { deriveDevAccounts } from "./accounts.ts";

const ROUNDS = 5;

type Rpc = (method: string, params?: unknown[]) => Promise<unknown>;

function rpcClient(url: string): Rpc {
  let id = 0;
  return async (method, params = []) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  };
}

/** Starts `nrx l1` on `dir` and resolves with its RPC URL once it listens. */
function startNode(dir: string): Promise<{ child: ChildProcess; url: string }> {
  return startL1Process(["--data-dir", dir, "--port", "0", "--slot-time", "0.2", "--quiet"]);
}

describe("nrx l1 killed with SIGKILL and restarted on its data directory", () => {
  const dir = mkdtempSync(join(tmpdir(), "nrx-l1-crash-"));
  const config = parseL1Config();
  const [sender, executor] = deriveDevAccounts(config).map((a) => privateKeyToAccount(a.privateKey));
  const recipient = "0x00000000000000000000000000000000000c0ffe";
  let l2: L2Block;
  let child: ChildProcess | undefined;

  before(async () => {
    l2 = await validL2Block();
  });
  after(() => {
    child?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps every block seen and every transaction accepted, across repeated kills", async () => {
    const random = new Rng(7);
    const seenBlocks = new Map<bigint, Hex>();
    const accepted: { hash: Hex; value: bigint }[] = [];
    let senderNonce = 0n;
    let executorNonce = 0n;
    for (let round = 0; round < ROUNDS; round++) {
      const started = await startNode(dir);
      child = started.child;
      const rpc = rpcClient(started.url);

      // Everything from before the crash is still there.
      for (const [number, hash] of seenBlocks) {
        const block = (await rpc("eth_getBlockByNumber", [toHex(number), false])) as { hash: Hex } | null;
        assert.equal(block?.hash, hash, `round ${round}: block ${number} changed or vanished`);
      }
      // Balances match exactly the transfers mined up to a fixed block (new blocks keep coming).
      const at = (await rpc("eth_blockNumber")) as Hex;
      let minedValue = 0n;
      for (const { hash, value } of accepted) {
        const tx = await rpc("eth_getTransactionByHash", [hash]);
        assert.ok(tx, `round ${round}: accepted transaction ${hash} was lost`);
        const receipt = (await rpc("eth_getTransactionReceipt", [hash])) as { blockNumber: Hex } | null;
        if (receipt && hexToBigInt(receipt.blockNumber) <= hexToBigInt(at)) minedValue += value;
      }
      assert.equal(hexToBigInt((await rpc("eth_getBalance", [recipient, at])) as Hex), minedValue);
      if (hexToBigInt(at) > 0n) {
        const verified = (await rpc("nrx_verifyBlock", [at])) as { valid: boolean; message?: string };
        assert.equal(
          verified.valid,
          true,
          `round ${round}: block ${at} does not re-verify: ${verified.message}`,
        );
      }

      // New work: transfers and an EXECUTE call, then a kill at a random moment.
      for (let i = 0; i < 3; i++) {
        const value = BigInt(round * 10 + i + 1);
        const raw = await sender.signTransaction({
          chainId: Number(config.chainId),
          type: "eip1559",
          nonce: Number(senderNonce++),
          to: recipient,
          value,
          gas: 21_000n,
          maxFeePerGas: 100_000_000_000n,
          maxPriorityFeePerGas: 1_000_000_000n,
        });
        accepted.push({ hash: (await rpc("eth_sendRawTransaction", [raw])) as Hex, value });
      }
      const executeRaw = await executor.signTransaction({
        chainId: Number(config.chainId),
        type: "eip1559",
        nonce: Number(executorNonce++),
        to: EXECUTE_ADDRESS,
        data: toHex(l2.bytes),
        value: 10n ** 17n,
        gas: 10_000_000n,
        maxFeePerGas: 100_000_000_000n,
        maxPriorityFeePerGas: 1_000_000_000n,
      });
      accepted.push({ hash: (await rpc("eth_sendRawTransaction", [executeRaw])) as Hex, value: 0n });

      // Let the node mine for a random while, so the kill lands anywhere, often mid-block.
      await new Promise((resolve) => setTimeout(resolve, random.int(600)));
      const head = hexToBigInt((await rpc("eth_blockNumber")) as Hex);
      for (let n = head > 3n ? head - 3n : 0n; n <= head; n++) {
        const block = (await rpc("eth_getBlockByNumber", [toHex(n), false])) as { hash: Hex };
        seenBlocks.set(n, block.hash);
      }
      await killProcess(child);
      child = undefined;
    }
  });
});
