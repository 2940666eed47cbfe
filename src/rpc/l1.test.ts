/**
 * The L1 node's JSON-RPC API through the clients people use: viem (HTTP and WebSocket, public,
 * wallet and test clients), ethers v6 and foundry's cast, plus geth-compatible errors for bad
 * params and rejected transactions. One node per describe, mining on every transaction.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import { bytesToHex, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { JsonRpcProvider, Network, Wallet } from "ethers";
import {
  type Abi,
  BaseError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  encodeErrorResult,
  encodeFunctionData,
  type Hex,
  http,
  InsufficientFundsError,
  NonceTooLowError,
  type PublicClient,
  parseEther,
  parseEventLogs,
  verifyMessage,
  verifyTypedData,
  webSocket,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { loadArtifact } from "../contracts/compile.ts";
import { EXECUTE_ADDRESS } from "../execute/result.ts";
import { parseL1Config } from "../l1/config.ts";
import { type L1Node, openL1Node } from "../l1/node.ts";
import { DevChain } from "../node/dev.ts";
import { type L2Block, validL2Block } from "../testing/l1.ts";
import { serveL1 } from "./l1.ts";
import { LIMIT_EXCEEDED, queryRange } from "./logs.ts";
import type { RpcServer } from "./server.ts";

const execFileAsync = promisify(execFile);
const CAST = new URL("../../node_modules/.bin/cast", import.meta.url).pathname;

/** Runtime code that emits `Ping(bytes32 indexed)` with the first calldata word as its topic. */
const PING_TOPIC = bytesToHex(keccak_256(new TextEncoder().encode("Ping(bytes32)")));
const EMITTER_CODE = `0x600035${"7f"}${PING_TOPIC.slice(2)}60006000a200` as Hex;
const EMITTER = "0x00000000000000000000000000000000000e1177" as Hex;

type RpcReply = { result?: unknown; error?: { code: number; message: string; data?: unknown } };

async function startNode(): Promise<{ node: L1Node; server: RpcServer }> {
  const node = await openL1Node(parseL1Config({}));
  const dev = new DevChain(node);
  dev.automine = true;
  const server = await serveL1(node, { port: 0, dev });
  return { node, server };
}

function rpcAt(url: string) {
  let id = 0;
  return async (method: string, params: unknown[] = []): Promise<RpcReply> => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    return (await response.json()) as RpcReply;
  };
}

function chainFor(server: RpcServer) {
  return defineChain({
    id: 31337,
    name: "nrx l1",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [server.url], webSocket: [server.wsUrl] } },
  });
}

describe("L1 JSON-RPC with viem", () => {
  let node: L1Node;
  let server: RpcServer;
  let rpc: ReturnType<typeof rpcAt>;
  let l2: L2Block;
  let publicClient: PublicClient;
  let chain: ReturnType<typeof chainFor>;

  before(async () => {
    ({ node, server } = await startNode());
    rpc = rpcAt(server.url);
    chain = chainFor(server);
    publicClient = createPublicClient({ chain, transport: http(server.url), pollingInterval: 50 });
    l2 = await validL2Block();
  });
  after(async () => {
    await server.close();
    await node.stop();
  });

  const wallet = (index = 0) =>
    createWalletClient({
      account: privateKeyToAccount(node.devAccounts[index].privateKey),
      chain,
      transport: http(server.url),
      pollingInterval: 50,
    });
  const testClient = (mode: "anvil" | "hardhat" = "anvil") =>
    createTestClient({ mode, chain, transport: http(server.url), pollingInterval: 50 });

  it("answers what clients ask first: chain id, block number, client version, accounts", async () => {
    assert.equal(await publicClient.getChainId(), 31337);
    assert.equal(await publicClient.getBlockNumber({ cacheTime: 0 }), node.head.header.number);
    assert.match((await rpc("web3_clientVersion")).result as string, /^nrx\/\d+\.\d+\.\d+\/node-\d+/);
    assert.equal((await rpc("net_version")).result, "31337");
    assert.equal((await rpc("eth_syncing")).result, false);
    const accounts = (await rpc("eth_accounts")).result as string[];
    assert.equal(accounts[0], node.devAccounts[0].address.toLowerCase());
    assert.equal((await rpc("web3_sha3", ["0x"])).result, bytesToHex(keccak_256(new Uint8Array())));
  });

  it("sends a transfer signed with a dev key; receipt, transaction and block read back", async () => {
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const hash = await wallet(0).sendTransaction({ to, value: 12345n });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    assert.equal(receipt.gasUsed, 21000n);
    assert.equal(receipt.from, node.devAccounts[0].address.toLowerCase());
    assert.equal(await publicClient.getBalance({ address: to }), 12345n);

    const tx = await publicClient.getTransaction({ hash });
    assert.equal(tx.type, "eip1559");
    assert.equal(tx.chainId, 31337);
    assert.equal(tx.blockHash, receipt.blockHash);
    assert.equal(tx.gas, 21000n, "viem's estimate for a plain transfer");

    const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
    assert.deepEqual(block.transactions, [hash]);
    const raw = block as unknown as { executeGasUsed: Hex; executeBaseFee: Hex };
    assert.equal(raw.executeGasUsed, "0x0");
    assert.match(raw.executeBaseFee, /^0x[1-9a-f][0-9a-f]*$/);
    assert.equal(block.hash, receipt.blockHash);
    assert.deepEqual(block.withdrawals, []);
    assert.ok(block.size > 0n);
    const full = await publicClient.getBlock({ blockHash: block.hash, includeTransactions: true });
    assert.equal(full.transactions[0].hash, hash);
    const receipts = (await rpc("eth_getBlockReceipts", [`0x${receipt.blockNumber.toString(16)}`]))
      .result as { transactionHash: string }[];
    assert.deepEqual(
      receipts.map((r) => r.transactionHash),
      [hash],
    );
  });

  it("estimates exactly the gas a contract calling EXECUTE needs; the block re-verifies statelessly", async () => {
    const { abi, bytecode } = loadArtifact("ExecuteCaller");
    const client = wallet(1);
    const deployHash = await client.deployContract({ abi: abi as Abi, bytecode: bytecode as Hex });
    const deployed = await publicClient.waitForTransactionReceipt({ hash: deployHash });
    assert.equal(deployed.status, "success");
    const caller = deployed.contractAddress!;

    const prepayment = l2.gasUsed * node.config.execute.initialBaseFee * 2n;
    const data = encodeFunctionData({
      abi: abi as Abi,
      functionName: "executeCalldata",
      args: [bytesToHex(l2.bytes)],
    });
    const request = { account: client.account, to: caller, data, value: prepayment };
    const estimate = await publicClient.estimateGas(request);

    // One gas less: the transaction runs out of gas (after EXECUTE, at the end of the call).
    const short = await client.sendTransaction({ ...request, gas: estimate - 1n });
    const failed = await publicClient.waitForTransactionReceipt({ hash: short });
    assert.equal(failed.status, "reverted");
    assert.equal(failed.gasUsed, estimate - 1n);

    const hash = await client.sendTransaction({ ...request, gas: estimate });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    const [executed] = parseEventLogs({ abi: abi as Abi, logs: receipt.logs, eventName: "Executed" });
    assert.equal((executed.args as { valid: boolean }).valid, true);

    const logs = await publicClient.getContractEvents({
      abi: abi as Abi,
      address: caller,
      eventName: "Executed",
      fromBlock: 0n,
    });
    assert.equal(logs.length, 1);
    assert.equal(logs[0].transactionHash, hash);

    const number = `0x${receipt.blockNumber.toString(16)}`;
    const market = (await rpc("nrx_executeMarket", ["0x2"])).result as {
      blocks: { number: string; executeGasUsed: string; executeBaseFee: string; calls: string }[];
      nextExecuteBaseFee: string;
      cumulativeGasLimit: string;
    };
    assert.equal(market.blocks.length, 2);
    assert.deepEqual(market.blocks[1], {
      number,
      executeGasUsed: `0x${l2.gasUsed.toString(16)}`,
      executeBaseFee: market.blocks[1].executeBaseFee,
      calls: "0x1",
    });
    assert.equal(BigInt(market.cumulativeGasLimit), node.config.execute.cumulativeGasLimit);
    const verified = (await rpc("nrx_verifyBlock", [number])).result as { valid: boolean; message?: string };
    assert.equal(verified.valid, true, verified.message);
    const witness = (await rpc("debug_executionWitness", [number])).result as Record<string, string[]>;
    assert.ok(witness.state.length > 0 && witness.codes.length > 0 && witness.headers.length > 0);
    assert.ok(witness.keys.includes(caller.toLowerCase()));
  });

  it("sends EXECUTE straight to 0x0101 with viem filling gas and fees", async () => {
    const prepayment = l2.gasUsed * node.config.execute.initialBaseFee * 2n;
    const hash = await wallet(2).sendTransaction({
      to: EXECUTE_ADDRESS,
      data: bytesToHex(l2.bytes),
      value: prepayment,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    const block = (await rpc("eth_getBlockByHash", [receipt.blockHash, false])).result as Record<
      string,
      string
    >;
    assert.equal(BigInt(block.executeGasUsed), l2.gasUsed);
    const calls = (
      await rpc("nrx_executeCalls", [receipt.blockHash ? { blockHash: receipt.blockHash } : null])
    ).result as { outcome: string; transactionHash: string; executeGas: string; fee: string }[];
    assert.equal(calls[0].outcome, "valid");
    assert.equal(calls[0].transactionHash, hash);
    assert.equal(BigInt(calls[0].fee), l2.gasUsed * BigInt(block.executeBaseFee));
    const verified = (await rpc("nrx_verifyBlock", ["latest"])).result as {
      valid: boolean;
      witnessBytes: string;
    };
    assert.equal(verified.valid, true);
    assert.ok(BigInt(verified.witnessBytes) > 0n);
  });

  it("serves fee history, gas price, tip and blob base fee", async () => {
    const history = await publicClient.getFeeHistory({ blockCount: 3, rewardPercentiles: [25, 75] });
    assert.equal(history.baseFeePerGas.length, 4);
    assert.equal(history.gasUsedRatio.length, 3);
    assert.equal(history.reward?.length, 3);
    assert.equal(history.oldestBlock, node.head.header.number - 2n);
    assert.equal(history.baseFeePerGas[3], node.head.header.calcNextBaseFee());
    const raw = (await rpc("eth_feeHistory", ["0x2", "latest", []])).result as Record<string, unknown[]>;
    assert.equal(raw.baseFeePerBlobGas.length, 3);
    assert.equal(raw.blobGasUsedRatio.length, 2);
    assert.ok((await publicClient.getGasPrice()) > node.head.header.calcNextBaseFee());
    assert.ok((await publicClient.estimateMaxPriorityFeePerGas()) > 0n);
    assert.equal((await rpc("eth_blobBaseFee")).result, "0x1");
  });

  it("proves an account and a storage slot against the block's state root (EIP-1186)", async () => {
    await testClient().mine({ blocks: 1 }); // the head state is the head block's again
    const address = node.devAccounts[0].address;
    await testClient().setCode({ address: EMITTER, bytecode: EMITTER_CODE });
    await testClient().setStorageAt({ address: EMITTER, index: 0, value: `0x${"00".repeat(31)}2a` });
    await testClient().mine({ blocks: 1 });
    const block = await publicClient.getBlock();
    for (const [who, keys] of [
      [address, []],
      [EMITTER, ["0x0"]],
    ] as const) {
      assert.equal(await publicClient.getCode({ address: EMITTER }), EMITTER_CODE);
      assert.equal(
        await publicClient.getStorageAt({ address: EMITTER, slot: "0x0" }),
        `0x${"00".repeat(31)}2a`,
      );
      const proof = await publicClient.getProof({
        address: who,
        storageKeys: [...keys] as Hex[],
        blockNumber: block.number,
      });
      assert.equal(bytesToHex(keccak_256(hexToBytes(proof.accountProof[0]))), block.stateRoot);
      assert.equal(proof.balance, await publicClient.getBalance({ address: who, blockNumber: block.number }));
      if (keys.length > 0) {
        assert.equal(proof.storageProof[0].value, 42n);
        assert.equal(bytesToHex(keccak_256(hexToBytes(proof.storageProof[0].proof[0]))), proof.storageHash);
      }
    }
  });

  it("runs the dev methods of viem's test client (anvil and hardhat modes)", async () => {
    const anvil = testClient("anvil");
    const someone = privateKeyToAccount(generatePrivateKey()).address;
    await anvil.setBalance({ address: someone, value: parseEther("3") });
    assert.equal(await publicClient.getBalance({ address: someone }), parseEther("3"));
    await testClient("hardhat").setBalance({ address: someone, value: 7n });
    assert.equal(await publicClient.getBalance({ address: someone }), 7n);
    await anvil.setNonce({ address: someone, nonce: 5 });
    assert.equal(await publicClient.getTransactionCount({ address: someone }), 5);

    const start = await publicClient.getBlockNumber({ cacheTime: 0 });
    const snapshot = await anvil.snapshot();
    await anvil.mine({ blocks: 3 });
    assert.equal(await publicClient.getBlockNumber({ cacheTime: 0 }), start + 3n);
    await testClient("hardhat").mine({ blocks: 1 });
    assert.equal(await publicClient.getBlockNumber({ cacheTime: 0 }), start + 4n);
    await anvil.revert({ id: snapshot });
    assert.equal(await publicClient.getBlockNumber({ cacheTime: 0 }), start);

    // The offset adds to the wall clock (blocks mined within one second run ahead of it).
    const now = BigInt(Math.floor(Date.now() / 1000));
    await anvil.increaseTime({ seconds: 3600 });
    await anvil.mine({ blocks: 1 });
    assert.ok((await publicClient.getBlock()).timestamp >= now + 3600n);
    const next = (await publicClient.getBlock()).timestamp + 100n;
    await anvil.setNextBlockTimestamp({ timestamp: next });
    await anvil.mine({ blocks: 1 });
    assert.equal((await publicClient.getBlock()).timestamp, next);
    const stale = await rpc("evm_setNextBlockTimestamp", [Number(next)]);
    assert.equal(stale.error?.code, -32000);

    // Without automine a transaction waits in the pool, visible as pending.
    await anvil.setAutomine(false);
    try {
      const from = node.devAccounts[3].address;
      const hash = await wallet(3).sendTransaction({ to: someone, value: 1n });
      const pending = (await rpc("eth_getTransactionByHash", [hash])).result as Record<string, unknown>;
      assert.equal(pending.blockHash, null);
      assert.equal(pending.from, from.toLowerCase());
      assert.equal((await rpc("eth_getTransactionReceipt", [hash])).result, null);
      assert.deepEqual((await rpc("txpool_status")).result, { pending: "0x1", queued: "0x0" });
      const content = (await rpc("txpool_content")).result as {
        pending: Record<string, Record<string, unknown>>;
      };
      assert.ok(content.pending[from]?.["0"]);
      assert.equal(await publicClient.getTransactionCount({ address: from, blockTag: "pending" }), 1);
      assert.equal(await publicClient.getTransactionCount({ address: from }), 0);
      await anvil.mine({ blocks: 1 });
      assert.equal((await publicClient.getTransactionReceipt({ hash })).status, "success");
    } finally {
      await anvil.setAutomine(true);
    }
  });

  it("delivers new heads and logs over WebSocket subscriptions", async () => {
    const ws = createPublicClient({ chain, transport: webSocket(server.wsUrl) });
    await testClient().setCode({ address: EMITTER, bytecode: EMITTER_CODE });
    try {
      const heads = new Promise<bigint>((resolve, reject) => {
        const unwatch = ws.watchBlocks({
          onBlock: (block) => {
            unwatch();
            resolve(block.number);
          },
          onError: reject,
        });
      });
      const topic = `0x${"ab".repeat(32)}` as Hex;
      const logs = new Promise<unknown[]>((resolve, reject) => {
        const unwatch = ws.watchEvent({
          address: EMITTER,
          onLogs: (received) => {
            unwatch();
            resolve(received);
          },
          onError: reject,
        });
      });
      await new Promise((r) => setTimeout(r, 100)); // let both subscriptions be set up
      await wallet(4).sendTransaction({ to: EMITTER, data: topic });
      assert.equal(await heads, node.head.header.number);
      const [log] = (await logs) as { topics: Hex[]; address: Hex }[];
      assert.deepEqual(log.topics, [PING_TOPIC, topic]);
    } finally {
      await (await ws.transport.getRpcClient()).close();
    }
    const http = await rpc("eth_subscribe", ["newHeads"]);
    assert.deepEqual(http.error, { code: -32601, message: "notifications not supported" });
  });

  it("serves logs by address and topics, and polling filters for blocks and logs", async () => {
    await testClient().setCode({ address: EMITTER, bytecode: EMITTER_CODE });
    const blockFilter = await publicClient.createBlockFilter();
    const logFilter = (await rpc("eth_newFilter", [{ address: EMITTER, topics: [PING_TOPIC] }]))
      .result as string;
    const [a, b] = [`0x${"01".repeat(32)}`, `0x${"02".repeat(32)}`] as Hex[];
    const from = await publicClient.getBlockNumber({ cacheTime: 0 });
    for (const topic of [a, b, a]) await wallet(5).sendTransaction({ to: EMITTER, data: topic });

    const hashes = await publicClient.getFilterChanges({ filter: blockFilter });
    assert.equal(hashes.length, 3);
    const changes = (await rpc("eth_getFilterChanges", [logFilter])).result as { topics: string[] }[];
    assert.equal(changes.length, 3);
    assert.deepEqual((await rpc("eth_getFilterChanges", [logFilter])).result, []);

    const query = (topics: unknown[]) =>
      rpc("eth_getLogs", [{ address: [EMITTER], fromBlock: `0x${from.toString(16)}`, topics }]);
    assert.equal(((await query([PING_TOPIC, a])).result as unknown[]).length, 2);
    assert.equal(((await query([null, [a, b]])).result as unknown[]).length, 3);
    assert.equal(((await query([null, b])).result as unknown[]).length, 1);
    assert.equal(((await query([`0x${"00".repeat(32)}`])).result as unknown[]).length, 0);
    const [first] = (await query([])).result as { blockHash: string; logIndex: string; removed: boolean }[];
    assert.equal(first.logIndex, "0x0");
    assert.equal(first.removed, false);
    const byHash = (await rpc("eth_getLogs", [{ blockHash: first.blockHash }])).result as unknown[];
    assert.equal(byHash.length, 1);

    // After a rewind, the blocks mined again are new to a block filter.
    const snapshot = await testClient().snapshot();
    await testClient().mine({ blocks: 2 });
    await testClient().revert({ id: snapshot });
    await testClient().mine({ blocks: 1 });
    const replayed = await publicClient.getFilterChanges({ filter: blockFilter });
    assert.equal(replayed.length, 3);
    assert.equal(replayed[2], (await publicClient.getBlock()).hash);

    assert.equal((await rpc("eth_uninstallFilter", [logFilter])).result, true);
    assert.deepEqual((await rpc("eth_getFilterChanges", [logFilter])).error, {
      code: -32000,
      message: "filter not found",
    });
  });

  it("answers reverts with code 3 and the revert data, for eth_call and eth_estimateGas", async () => {
    const { abi, deployedBytecode } = loadArtifact("ExecuteCaller");
    const address = "0x00000000000000000000000000000000000ca11e" as Hex;
    await testClient().setCode({ address, bytecode: deployedBytecode as Hex });
    const data = encodeFunctionData({ abi: abi as Abi, functionName: "executeFromBlob", args: [0, 10] });
    const expected = encodeErrorResult({ abi: abi as Abi, errorName: "NoBlob" });
    for (const method of ["eth_call", "eth_estimateGas"]) {
      const reply = await rpc(method, [{ to: address, data }, "latest"]);
      assert.deepEqual(reply.error, { code: 3, message: "execution reverted", data: expected }, method);
    }
    // A failure that is not a revert names its cause; here EXECUTE lacks its prepayment.
    const unpaid = await rpc("eth_estimateGas", [{ to: EXECUTE_ADDRESS, data: bytesToHex(l2.bytes) }]);
    assert.equal(unpaid.error?.code, -32000);
    assert.match(
      unpaid.error!.message,
      /^gas required exceeds allowance \(\d+\) \(EXECUTE halted: insufficient_prepayment/,
    );

    const market = encodeFunctionData({ abi: abi as Abi, functionName: "market" });
    const output = await publicClient.call({ to: address, data: market });
    assert.equal(output.data?.length, 2 + 4 * 64);
  });

  it("serves raw chain data, access lists, pending-transaction filters and dev-account signatures", async () => {
    await testClient().setCode({ address: EMITTER, bytecode: EMITTER_CODE });
    const hash = await wallet(8).sendTransaction({ to: EMITTER, data: `0x${"cd".repeat(32)}` });
    const { blockNumber, blockHash } = await publicClient.getTransactionReceipt({ hash });
    const number = `0x${blockNumber.toString(16)}`;
    const header = (await rpc("debug_getRawHeader", [number])).result as Hex;
    assert.equal(bytesToHex(keccak_256(hexToBytes(header))), blockHash);
    const rawBlock = (await rpc("debug_getRawBlock", [number])).result as Hex;
    assert.ok(rawBlock.length > header.length);
    const receipts = (await rpc("debug_getRawReceipts", [number])).result as Hex[];
    const trie = new MerklePatriciaTrie();
    for (const [i, receipt] of receipts.entries()) await trie.put(RLP.encode(i), hexToBytes(receipt));
    assert.equal(bytesToHex(trie.root()), (await publicClient.getBlock({ blockHash })).receiptsRoot);

    const from = node.devAccounts[8].address;
    const accessList = (
      await rpc("eth_createAccessList", [{ from, to: EMITTER, data: `0x${"cd".repeat(32)}` }])
    ).result as { accessList: unknown[]; gasUsed: Hex };
    assert.deepEqual(accessList.accessList, []);
    assert.equal(BigInt(accessList.gasUsed), (await publicClient.getTransactionReceipt({ hash })).gasUsed);

    const pendingFilter = (await rpc("eth_newPendingTransactionFilter")).result as string;
    await testClient().setAutomine(false);
    try {
      const waiting = await wallet(8).sendTransaction({ to: EMITTER, value: 1n });
      assert.deepEqual((await rpc("eth_getFilterChanges", [pendingFilter])).result, [waiting]);
      assert.deepEqual((await rpc("eth_getFilterChanges", [pendingFilter])).result, []);
    } finally {
      await testClient().setAutomine(true);
      await testClient().mine({ blocks: 1 });
    }

    const signer = createWalletClient({ account: from, chain, transport: http(server.url) });
    const signature = await signer.signMessage({ message: "hello" });
    assert.ok(await verifyMessage({ address: from, message: "hello", signature }));
    const typed = {
      domain: { name: "nrx", version: "1", chainId: 31337 },
      types: { Note: [{ name: "text", type: "string" }] },
      primaryType: "Note",
      message: { text: "hi" },
    } as const;
    const typedSignature = await signer.signTypedData(typed);
    assert.ok(await verifyTypedData({ ...typed, address: from, signature: typedSignature }));
  });

  it("rejects malformed params with -32602 naming the param", async () => {
    const address = node.devAccounts[0].address;
    const cases: [string, unknown[], RegExp][] = [
      ["eth_getBalance", ["0x12"], /argument 0 \(address\)/],
      ["eth_getBalance", [address, "lastest"], /argument 1 \(block\)/],
      ["eth_getBlockByNumber", ["0x01", false], /leading zero/],
      ["eth_getBlockByNumber", ["0x1", "yes"], /argument 1 \(fullTransactions\)/],
      ["eth_getStorageAt", [address], /missing value for required argument 1/],
      ["eth_blockNumber", [1], /too many arguments/],
      ["eth_call", [{ to: "nope" }], /argument 0 \(transaction\): to:/],
      ["eth_call", [{ to: address, data: "0x1" }], /data:/],
      ["eth_getTransactionByHash", ["0x1234"], /argument 0 \(transactionHash\)/],
      ["eth_getLogs", [{ topics: [null, null, null, null, null] }], /exceed max topics/],
      ["eth_getLogs", [{ blockHash: `0x${"00".repeat(32)}`, fromBlock: "0x0" }], /blockHash and fromBlock/],
      ["eth_feeHistory", ["0x2", "latest", [90, 10]], /non-decreasing/],
      ["eth_sendRawTransaction", ["zz"], /argument 0 \(transaction\)/],
      ["anvil_setBalance", [address, "lots"], /argument 1 \(balance\)/],
      ["nrx_executeMarket", ["0x0"], /argument 0 \(blocks\)/],
    ];
    for (const [method, params, message] of cases) {
      const reply = await rpc(method, params);
      assert.equal(
        reply.error?.code,
        -32602,
        `${method} ${JSON.stringify(params)}: ${JSON.stringify(reply)}`,
      );
      assert.match(reply.error!.message, message);
    }
    const future = `0x${(node.head.header.number + 100n).toString(16)}`;
    assert.deepEqual((await rpc("eth_getBalance", [address, future])).error, {
      code: -32000,
      message: "header not found",
    });
    assert.equal((await rpc("eth_getBlockByNumber", [future, false])).result, null);
    assert.equal((await rpc("eth_getTransactionReceipt", [`0x${"00".repeat(32)}`])).result, null);
  });

  it("rejects bad raw transactions with geth's messages and keeps serving", async () => {
    const send = (raw: Uint8Array) => rpc("eth_sendRawTransaction", [bytesToHex(raw)]);
    const sign = (key: Hex, fields: { nonce: bigint; chainId?: bigint; value?: bigint }) =>
      createFeeMarket1559Tx(
        {
          chainId: fields.chainId ?? 31337n,
          nonce: fields.nonce,
          to: createAddressFromString(EMITTER),
          value: fields.value ?? 1n,
          gasLimit: 21_000n,
          maxFeePerGas: 10_000_000_000n,
          maxPriorityFeePerGas: 1_000_000_000n,
        },
        { common: node.common },
      ).sign(hexToBytes(key));
    const key = node.devAccounts[6].privateKey;

    const garbage = await send(Uint8Array.of(0x02, 0xc0, 1, 2));
    assert.equal(garbage.error?.code, -32000);
    assert.match(garbage.error!.message, /^invalid transaction/);

    const otherChain = createFeeMarket1559Tx(
      { chainId: 1n, nonce: 0n, gasLimit: 21_000n, maxFeePerGas: 1n, to: createAddressFromString(EMITTER) },
      { common: (await import("../stateless/chain.ts")).commonFor(1n, "osaka") },
    ).sign(hexToBytes(key));
    const wrongChain = await send(otherChain.serialize());
    assert.match(wrongChain.error?.message ?? "", /invalid chain id/);

    const first = sign(key, { nonce: 0n });
    assert.ok((await send(first.serialize())).result);
    assert.deepEqual((await send(first.serialize())).error, { code: -32000, message: "already known" });
    const reused = await send(sign(key, { nonce: 0n, value: 2n }).serialize());
    assert.match(reused.error?.message ?? "", /^nonce too low/);

    const poor = await send(sign(generatePrivateKey(), { nonce: 0n }).serialize());
    assert.match(poor.error?.message ?? "", /^insufficient funds for gas \* price \+ value/);

    // viem maps these messages to its typed errors.
    const client = wallet(6);
    const error = await client
      .sendTransaction({ to: EMITTER, value: 1n, nonce: 0, gas: 21_000n })
      .catch((err: unknown) => err);
    assert.ok(error instanceof BaseError && error.walk((e) => e instanceof NonceTooLowError));
    const broke = createWalletClient({
      account: privateKeyToAccount(generatePrivateKey()),
      chain,
      transport: http(server.url),
    });
    const funds = await broke
      .sendTransaction({ to: EMITTER, value: 1n, gas: 21_000n })
      .catch((err: unknown) => err);
    assert.ok(funds instanceof BaseError && funds.walk((e) => e instanceof InsufficientFundsError));

    assert.equal((await rpc("eth_blockNumber")).result, `0x${node.head.header.number.toString(16)}`);
  });

  it("signs and sends for the unlocked dev accounts (eth_sendTransaction)", async () => {
    const from = node.devAccounts[7].address;
    const hash = (await rpc("eth_sendTransaction", [{ from, to: EMITTER, value: "0x5" }])).result as Hex;
    const receipt = await publicClient.getTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    const legacyHash = (await rpc("eth_sendTransaction", [{ from, to: EMITTER, gasPrice: "0x77359400" }]))
      .result as Hex;
    const legacy = await publicClient.getTransaction({ hash: legacyHash });
    assert.equal(legacy.type, "legacy");
    assert.equal(legacy.chainId, 31337, "EIP-155 signature");
    assert.equal(legacy.gasPrice, 2_000_000_000n);
    const byIndex = (
      await rpc("eth_getTransactionByBlockNumberAndIndex", [`0x${legacy.blockNumber.toString(16)}`, "0x0"])
    ).result as { hash: string };
    assert.equal(byIndex.hash, legacyHash);
    assert.equal(
      (await rpc("eth_getTransactionByBlockHashAndIndex", [legacy.blockHash, "0x1"])).result,
      null,
    );
    const unknown = await rpc("eth_sendTransaction", [{ from: EMITTER, to: EMITTER }]);
    assert.match(unknown.error?.message ?? "", /unknown account/);
  });
});

describe("L1 log queries", () => {
  it("refuses a range of more than 10,000 blocks with -32005", () => {
    const node = { head: { header: { number: 20_000n } } } as unknown as L1Node;
    assert.throws(() => queryRange(node, { fromBlock: { number: 0n }, toBlock: { number: 10_000n } }), {
      code: LIMIT_EXCEEDED,
      message: /10001 blocks, more than the limit of 10000/,
    });
    assert.deepEqual(queryRange(node, { fromBlock: { number: 1n }, toBlock: { number: 10_000n } }), {
      from: 1n,
      to: 10_000n,
    });
    assert.throws(() => queryRange(node, { fromBlock: { number: 9n }, toBlock: { number: 8n } }), {
      message: "invalid block range params",
    });
  });
});

describe("L1 JSON-RPC with ethers v6", () => {
  let node: L1Node;
  let server: RpcServer;
  before(async () => {
    ({ node, server } = await startNode());
  });
  after(async () => {
    await server.close();
    await node.stop();
  });

  it("reads the chain and sends a transfer from a Wallet", async () => {
    const provider = new JsonRpcProvider(server.url, Network.from(31337), {
      staticNetwork: true,
      pollingInterval: 50,
    });
    try {
      assert.equal(await provider.getBlockNumber(), 0);
      const funded = node.devAccounts[0];
      assert.equal(await provider.getBalance(funded.address), node.config.devAccounts.balance);
      const wallet = new Wallet(funded.privateKey, provider);
      const to = Wallet.createRandom().address;
      const tx = await wallet.sendTransaction({ to, value: 1000n });
      const receipt = await tx.wait();
      assert.equal(receipt?.status, 1);
      assert.equal(await provider.getBalance(to), 1000n);
      const block = await provider.getBlock(receipt!.blockNumber);
      assert.equal(block?.hash, receipt?.blockHash);
    } finally {
      provider.destroy();
    }
  });
});

describe("L1 JSON-RPC with cast", () => {
  let node: L1Node;
  let server: RpcServer;
  let castProblem: string | undefined;
  before(async () => {
    ({ node, server } = await startNode());
    try {
      await execFileAsync(CAST, ["--version"], { timeout: 10_000 });
    } catch (err) {
      castProblem = `the cast binary is not runnable here (${(err as Error).message.split("\n")[0]})`;
    }
  });
  after(async () => {
    await server.close();
    await node.stop();
  });

  const cast = async (...args: string[]) =>
    (await execFileAsync(CAST, [...args, "--rpc-url", server.url], { timeout: 30_000 })).stdout.trim();

  it("reads chain id, block number and balance, sends ether and reads the receipt", async (t) => {
    if (castProblem !== undefined) {
      t.skip(castProblem);
      return;
    }
    assert.equal(await cast("chain-id"), "31337");
    assert.equal(await cast("block-number"), "0");
    const [a, b] = node.devAccounts;
    assert.equal(await cast("balance", a.address), node.config.devAccounts.balance.toString());
    const sent = JSON.parse(
      await cast("send", "--json", "--private-key", a.privateKey, b.address, "--value", "1"),
    );
    assert.equal(sent.status, "0x1");
    const receipt = JSON.parse(await cast("receipt", "--json", sent.transactionHash));
    assert.equal(receipt.status, "0x1");
    assert.equal(receipt.blockHash, sent.blockHash);
    assert.equal(await cast("block-number"), "1");
  });
});
