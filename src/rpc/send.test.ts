/**
 * Rejected transactions as users meet them: each rejection is a short geth-worded message with
 * code -32000, which viem and ethers turn into their typed errors where they have one, and
 * replay protection (EIP-155) on every chain, with geth's opt-out.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { JsonRpcProvider, Network, Wallet } from "ethers";
import {
  BaseError,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  InsufficientFundsError,
  IntrinsicGasTooLowError,
  NonceTooLowError,
  parseGwei,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { parseL1Config } from "../l1/config.ts";
import { type L1Node, openL1Node } from "../l1/node.ts";
import { ChainNode } from "../node/node.ts";
import { L2_RULES } from "../rollup/genesis.ts";
import { serveL1 } from "./l1.ts";
import type { RpcServer } from "./server.ts";

const TO = "0x00000000000000000000000000000000000e1177" as Hex;

async function rpcError(url: string, method: string, params: unknown[]) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return ((await response.json()) as { error?: { code: number; message: string } }).error;
}

type EthersError = { code?: string; shortMessage?: string; error?: { code: number; message: string } };

/** The error `sent` fails with; a transaction that goes through fails the test. */
function refusal(sent: Promise<unknown>): Promise<EthersError> {
  return sent.then(
    () => assert.fail("the node took the transaction"),
    (err: EthersError) => err,
  );
}

/** A legacy transfer signed without a chain id (pre-EIP-155: `v` is 27 or 28). */
function unprotected(key: Hex, nonce: number): Promise<Hex> {
  return privateKeyToAccount(key).signTransaction({
    type: "legacy",
    nonce,
    to: TO,
    gas: 21_000n,
    gasPrice: parseGwei("10"),
    value: 1n,
  });
}

describe("rejected transactions over JSON-RPC", () => {
  let node: L1Node;
  let server: RpcServer;
  let key: Hex;
  const chain = (id: number) =>
    defineChain({
      id,
      name: "nrx",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [server.url] } },
    });
  const viemWallet = (k: Hex, chainId = 31337) =>
    createWalletClient({
      account: privateKeyToAccount(k),
      chain: chain(chainId),
      transport: http(server.url),
    });
  const ethersWallet = (k: Hex) =>
    new Wallet(k, new JsonRpcProvider(server.url, Network.from(31337), { staticNetwork: true }));

  before(async () => {
    node = await openL1Node(parseL1Config({}));
    server = await serveL1(node, { port: 0 });
    key = node.devAccounts[1].privateKey;
  });
  after(async () => {
    await server.close();
    await node.stop();
  });

  it("says insufficient funds, and viem and ethers know it", async () => {
    const poor = generatePrivateKey();
    const viemError = await viemWallet(poor)
      .sendTransaction({ to: TO, value: 1n, gas: 21_000n })
      .catch((e: unknown) => e);
    assert.ok(viemError instanceof BaseError && viemError.walk((e) => e instanceof InsufficientFundsError));
    const ethersError = await refusal(
      ethersWallet(poor).sendTransaction({ to: TO, value: 1n, gasLimit: 21_000n }),
    );
    assert.equal(ethersError.code, "INSUFFICIENT_FUNDS");
  });

  it("says nonce too low, and viem and ethers know it", async () => {
    const own = node.devAccounts[2].privateKey;
    await node.sendRawTransaction(
      Buffer.from(
        (
          await viemWallet(own).signTransaction({ to: TO, nonce: 0, gas: 21_000n, gasPrice: parseGwei("10") })
        ).slice(2),
        "hex",
      ),
    );
    await node.mine();
    const viemError = await viemWallet(own)
      .sendTransaction({ to: TO, nonce: 0, gas: 21_000n })
      .catch((e: unknown) => e);
    assert.ok(viemError instanceof BaseError && viemError.walk((e) => e instanceof NonceTooLowError));
    const ethersError = await refusal(
      ethersWallet(own).sendTransaction({ to: TO, nonce: 0, gasLimit: 21_000n }),
    );
    assert.equal(ethersError.code, "NONCE_EXPIRED");
  });

  it("says replacement transaction underpriced, and ethers knows it", async () => {
    const own = node.devAccounts[3].privateKey;
    const fees = { maxFeePerGas: parseGwei("20"), maxPriorityFeePerGas: parseGwei("2") };
    await ethersWallet(own).sendTransaction({ to: TO, nonce: 0, gasLimit: 21_000n, ...fees });
    const again = { to: TO, nonce: 0, gasLimit: 21_000n, value: 1n, ...fees };
    const ethersError = await refusal(ethersWallet(own).sendTransaction(again));
    assert.equal(ethersError.code, "REPLACEMENT_UNDERPRICED");
    // viem has no class for it; its error carries the node's words.
    const viemError = await viemWallet(own)
      .sendTransaction({ to: TO, nonce: 0, gas: 21_000n, value: 2n, ...fees })
      .catch((e: unknown) => e);
    assert.ok(viemError instanceof BaseError);
    assert.match(viemError.details, /^replacement transaction underpriced$/);
  });

  it("says intrinsic gas too low, and viem knows it", async () => {
    const viemError = await viemWallet(key)
      .sendTransaction({ to: TO, value: 1n, gas: 20_000n })
      .catch((e: unknown) => e);
    assert.ok(viemError instanceof BaseError && viemError.walk((e) => e instanceof IntrinsicGasTooLowError));
    // ethers has no class for it: it keeps the node's error, short and readable.
    const ethersError = await refusal(
      ethersWallet(key).sendTransaction({ to: TO, value: 1n, gasLimit: 20_000n }),
    );
    assert.equal(ethersError.error?.code, -32000);
    assert.match(ethersError.error?.message ?? "", /^intrinsic gas too low: /);
  });

  it("says a transaction for another chain is for another chain, in words, for legacy and typed ones", async () => {
    const other = privateKeyToAccount(key);
    const legacy = await other.signTransaction({
      type: "legacy",
      chainId: 1,
      nonce: 0,
      to: TO,
      gas: 21_000n,
      gasPrice: parseGwei("10"),
    });
    const typed = await other.signTransaction({
      chainId: 1,
      nonce: 0,
      to: TO,
      gas: 21_000n,
      maxFeePerGas: parseGwei("10"),
      maxPriorityFeePerGas: 1n,
    });
    for (const raw of [legacy, typed]) {
      const error = await rpcError(server.url, "eth_sendRawTransaction", [raw]);
      assert.deepEqual(error, {
        code: -32000,
        message: "invalid chain id for signer: the transaction is signed for chain 1; this is chain 31337",
      });
    }
    // ethers checks the chain id before it signs, from eth_chainId; viem signs with the chain it
    // is given, and its error carries the node's words.
    const ethersError = await refusal(
      ethersWallet(key).sendTransaction({ to: TO, chainId: 1n, gasLimit: 21_000n }),
    );
    assert.equal(ethersError.code, "INVALID_ARGUMENT");
    assert.match(ethersError.shortMessage ?? "", /chainId/);
    const viemError = await viemWallet(key, 1)
      .sendTransaction({ to: TO, gas: 21_000n })
      .catch((e: unknown) => e);
    assert.ok(viemError instanceof BaseError);
    assert.equal(
      viemError.details,
      "invalid chain id for signer: the transaction is signed for chain 1; this is chain 31337",
    );
  });

  it("refuses transactions without replay protection, as geth does, and ethers knows it", async () => {
    const raw = await unprotected(key, 0);
    const error = await rpcError(server.url, "eth_sendRawTransaction", [raw]);
    assert.deepEqual(error, {
      code: -32000,
      message: "only replay-protected (EIP-155) transactions allowed over RPC",
    });
    const ethersError = await refusal(ethersWallet(key).provider!.broadcastTransaction(raw));
    assert.equal(ethersError.code, "UNSUPPORTED_OPERATION");
    assert.equal(node.mempool.size, 1, "only the replaceable transaction of the test before waits");
  });
});

describe("replay protection on every chain", () => {
  it("an L2 node refuses an unprotected transaction; --allow-unprotected-txs admits it", async () => {
    const config = parseL1Config({ chainId: 901 });
    const strict = await ChainNode.open(config, { rules: L2_RULES });
    const key = strict.devAccounts[0].privateKey;
    const raw = Buffer.from((await unprotected(key, 0)).slice(2), "hex");
    await assert.rejects(strict.sendRawTransaction(raw), { code: "unprotected" });
    await strict.stop();

    const open = await ChainNode.open(config, { rules: L2_RULES, allowUnprotected: true });
    await open.sendRawTransaction(raw);
    const { block } = await open.produceBlock();
    assert.equal(block.transactions.length, 1, "mined");
    assert.equal(block.transactions[0].type, 0);
    await open.stop();
  });
});
