/**
 * The load of `bench e2e`: the senders and their L2 funding, the pre-signed workload, the JSON-RPC
 * calls that send it, and the feeder that keeps the sequencer's mempool at its backlog.
 */
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import {
  type Address,
  bigIntToBytes,
  bytesToHex,
  concatBytes,
  createAddressFromPrivateKey,
  createAddressFromString,
  hexToBytes,
  setLengthLeft,
  utf8ToBytes,
} from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { type Abi, encodeFunctionData, getContractAddress, type Hex } from "viem";
import { loadArtifact } from "../contracts/compile.ts";
import { type Devnet, SEQUENCER_ACCOUNT } from "../devnet/devnet.ts";
import type { ChainNode } from "../node/node.ts";
import { Rng } from "../util/prng.ts";
import type { Workload } from "./e2e-options.ts";

let benchStart = performance.now();
let quiet = false;

/** Starts the clock the progress lines count from; `silent` drops them (a test's run). */
export function startBenchClock(silent: boolean): void {
  benchStart = performance.now();
  quiet = silent;
}

/** A progress line on stderr, with the seconds since the clock started. */
export function progress(message: string): void {
  if (quiet) return;
  const s = ((performance.now() - benchStart) / 1000).toFixed(0).padStart(3);
  process.stderr.write(`[bench e2e ${s} s] ${message}\n`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const ETHER = 10n ** 18n;
export const GWEI = 10n ** 9n;
/**
 * Fee cap of the workload: full L2 blocks raise the base fee 12.5% a block, and the transactions
 * are signed before the run; 1000 gwei covers ~58 full blocks from the 1 gwei genesis base fee.
 */
export const MAX_FEE_PER_GAS = 1000n * GWEI;
export const TIP = GWEI;
export const ETH_GAS = 21_000n;
/** A TestToken transfer to a new holder takes about 52k gas. */
export const ERC20_GAS = 80_000n;
export const SENDER_FUNDS = ETHER;
export const TOKENS = 10n ** 24n;
/** The JSON-RPC server takes at most 1000 requests a batch. */
export const BATCH = 250;

export const ABI = {
  rollup: loadArtifact("NativeRollup").abi as Abi,
  token: loadArtifact("TestToken").abi as Abi,
};

export type Sender = { key: Uint8Array; address: Address };

export const senderCache: Sender[] = [];
/** Sender `i`'s key: `keccak256("nrx/bench/e2e/sender" ‖ uint256(i))`. */
export function senders(count: number): Sender[] {
  for (let i = senderCache.length; i < count; i++) {
    const key = keccak_256(
      concatBytes(utf8ToBytes("nrx/bench/e2e/sender"), setLengthLeft(bigIntToBytes(BigInt(i)), 32)),
    );
    senderCache.push({ key, address: createAddressFromPrivateKey(key) });
  }
  return senderCache.slice(0, count);
}

/** An address nobody holds a key for: a transfer to it creates an account or a token holder. */
export function freshAddress(i: number): Address {
  const hash = keccak_256(
    concatBytes(utf8ToBytes("nrx/bench/e2e/fresh"), setLengthLeft(bigIntToBytes(BigInt(i)), 32)),
  );
  return createAddressFromString(bytesToHex(hash.subarray(12)));
}

// ---------------------------------------------------------------- JSON-RPC

export type RpcReply = { id: number; result?: unknown; error?: { code: number; message: string } };

/** Network failures (not JSON-RPC errors) of the batches sent, by cause; each was sent again. */
export const retriedSends = new Map<string, number>();

/**
 * One JSON-RPC batch over HTTP. A request the connection lost (the server closes an idle
 * keep-alive socket while the request is on its way, "fetch failed") is sent again, up to 3
 * times; transactions that did arrive are then answered "already known".
 */
export async function rpcBatch(
  url: string,
  calls: { method: string; params: unknown[] }[],
): Promise<RpcReply[]> {
  const body = JSON.stringify(calls.map((c, id) => ({ jsonrpc: "2.0", id, ...c })));
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    } catch (err) {
      const cause = (err as Error & { cause?: { message?: string; code?: string } }).cause;
      const why = `${(err as Error).message}: ${cause?.code ?? cause?.message ?? "?"}`;
      retriedSends.set(why, (retriedSends.get(why) ?? 0) + 1);
      if (attempt >= 3) throw new Error(why);
      continue;
    }
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
    const replies = (await response.json()) as RpcReply[] | RpcReply;
    if (!Array.isArray(replies)) throw new Error(`${url}: ${JSON.stringify(replies)}`);
    return replies.sort((a, b) => a.id - b.id);
  }
}

export async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const [reply] = await rpcBatch(url, [{ method, params }]);
  if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
  return reply.result;
}

/** Sends raw transactions in batches; throws on the first rejection. */
export async function sendAll(url: string, raws: Hex[]): Promise<void> {
  for (let i = 0; i < raws.length; i += BATCH) {
    const replies = await rpcBatch(
      url,
      raws.slice(i, i + BATCH).map((raw) => ({ method: "eth_sendRawTransaction", params: [raw] })),
    );
    const failed = replies.find((r) => r.error);
    if (failed) throw new Error(`set-up transaction refused: ${failed.error?.message}`);
  }
}

/** Waits until the L2 (sequencer) has mined every one of `hashes`. */
export async function waitMined(
  l2: ChainNode,
  hashes: Hex[],
  what: string,
  timeoutMs: number,
): Promise<void> {
  const start = Date.now();
  for (;;) {
    const missing = hashes.filter((h) => l2.minedTransaction(h) === undefined);
    if (missing.length === 0) break;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: ${missing.length} transactions not mined`);
    await sleep(100);
  }
  const failed = hashes.filter((h) => {
    const mined = l2.minedTransaction(h);
    return mined !== undefined && mined.entry.receipts[mined.index].status !== 1;
  });
  if (failed.length > 0)
    throw new Error(`${what}: ${failed.length} transactions reverted, e.g. ${failed[0]}`);
}

// ---------------------------------------------------------------- set-up and load

export type Signer = { key: Uint8Array; nonce: bigint };

export function signTx(
  l2: ChainNode,
  from: Signer,
  fields: { to?: Address; value?: bigint; data?: Uint8Array; gasLimit: bigint },
): { raw: Hex; hash: Hex } {
  const tx = createFeeMarket1559Tx(
    {
      chainId: l2.common.chainId(),
      nonce: from.nonce++,
      maxFeePerGas: MAX_FEE_PER_GAS,
      maxPriorityFeePerGas: TIP,
      ...fields,
    },
    { common: l2.common },
  ).sign(from.key);
  return { raw: bytesToHex(tx.serialize()) as Hex, hash: bytesToHex(tx.hash()) as Hex };
}

/** Funds the senders from the dev accounts (all but the sequencer's) and, for ERC-20, deploys and mints. */
export async function setUp(
  devnet: Devnet,
  workload: Workload,
  accounts: Sender[],
): Promise<Address | undefined> {
  const l2 = devnet.sequencer.node;
  const url = devnet.sequencer.server.url;
  const funders: Signer[] = devnet.l1.devAccounts
    .filter((_, i) => i !== SEQUENCER_ACCOUNT)
    .map((a) => ({ key: hexToBytes(a.privateKey), nonce: 0n }));
  const timeout = 60_000 + 20 * devnet.sequencer.sequencer!.blockTimeMs;
  const funding = accounts.map((s, i) =>
    signTx(l2, funders[i % funders.length], { to: s.address, value: SENDER_FUNDS, gasLimit: ETH_GAS }),
  );
  await sendAll(
    url,
    funding.map((t) => t.raw),
  );
  await waitMined(
    l2,
    funding.map((t) => t.hash),
    "funding the senders",
    timeout,
  );
  if (workload === "eth") return undefined;
  const { bytecode } = loadArtifact("TestToken");
  const deployer = funders[0];
  const token = createAddressFromString(
    getContractAddress({
      from: createAddressFromPrivateKey(deployer.key).toString() as Hex,
      nonce: deployer.nonce,
    }),
  );
  const deploy = signTx(l2, deployer, { data: hexToBytes(bytecode), gasLimit: 2_000_000n });
  await sendAll(url, [deploy.raw]);
  await waitMined(l2, [deploy.hash], "deploying TestToken", timeout);
  const mints = accounts.map((s, i) =>
    signTx(l2, funders[i % funders.length], {
      to: token,
      data: hexToBytes(
        encodeFunctionData({ abi: ABI.token, functionName: "mint", args: [s.address.toString(), TOKENS] }),
      ),
      gasLimit: 100_000n,
    }),
  );
  await sendAll(
    url,
    mints.map((t) => t.raw),
  );
  await waitMined(
    l2,
    mints.map((t) => t.hash),
    "minting TestToken",
    timeout,
  );
  return token;
}

/**
 * `count` workload transactions: transaction k from sender k mod S (nonces in order), to another
 * sender three times in four and to a fresh address otherwise.
 */
export function signWorkload(
  l2: ChainNode,
  workload: Workload,
  accounts: Sender[],
  count: number,
  token?: Address,
) {
  const signers: Signer[] = accounts.map((s) => ({ key: s.key, nonce: 0n }));
  const rng = new Rng(workload === "eth" ? 0xe7 : 0x20);
  const random = () => rng.float();
  const raws: Hex[] = [];
  const hashes: Hex[] = [];
  for (let k = 0; k < count; k++) {
    const from = k % accounts.length;
    let to: Address;
    if (random() < 0.25) to = freshAddress(k);
    else {
      let j = Math.floor(random() * accounts.length);
      if (j === from) j = (j + 1) % accounts.length;
      to = accounts[j].address;
    }
    const tx =
      workload === "eth"
        ? signTx(l2, signers[from], { to, value: GWEI + BigInt(k), gasLimit: ETH_GAS })
        : signTx(l2, signers[from], {
            to: token!,
            data: concatBytes(
              hexToBytes("0xa9059cbb"),
              setLengthLeft(to.bytes, 32),
              setLengthLeft(bigIntToBytes(ETHER + BigInt(k)), 32),
            ),
            gasLimit: ERC20_GAS,
          });
    raws.push(tx.raw);
    hashes.push(tx.hash);
  }
  return { raws, hashes };
}

/**
 * Keeps the sequencer's mempool at `backlog` transactions, in JSON-RPC batches, recording when
 * each transaction was sent and the L1 head then.
 */
export class Feeder {
  next = 0;
  readonly sentAt: number[] = [];
  readonly sentHead: bigint[] = [];
  readonly rejected = new Map<string, number>();
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly devnet: Devnet,
    private readonly raws: Hex[],
    private readonly backlog: number,
  ) {}

  get exhausted(): boolean {
    return this.next >= this.raws.length;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    const pool = this.devnet.sequencer.node.mempool;
    const url = this.devnet.sequencer.server.url;
    while (!this.stopped) {
      const size = pool.size;
      const want = Math.min(this.backlog - size, BATCH, this.raws.length - this.next);
      if (want <= 0) {
        await sleep(25);
        continue;
      }
      const first = this.next;
      this.next += want;
      const now = performance.now();
      const head = this.devnet.l1.head.header.number;
      for (let i = first; i < this.next; i++) {
        this.sentAt[i] = now;
        this.sentHead[i] = head;
      }
      const replies = await rpcBatch(
        url,
        this.raws.slice(first, this.next).map((raw) => ({ method: "eth_sendRawTransaction", params: [raw] })),
      ).catch((err: Error) => [{ id: 0, error: { code: 0, message: err.message } }] as RpcReply[]);
      for (const reply of replies) {
        if (reply.error === undefined || /already known/.test(reply.error.message)) continue;
        const reason = reply.error.message.replace(/[0-9]+/g, "N").slice(0, 80);
        this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
      }
    }
  }
}

// ---------------------------------------------------------------- observation
