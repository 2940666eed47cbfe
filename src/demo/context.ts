/**
 * What every step of the demo shares: the viem clients on the devnet's endpoints, the dev keys,
 * the contracts, the report being filled, and the helpers that wait, call, read and check.
 */
import {
  type Abi,
  type Account,
  BaseError,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  type HttpTransport,
  http,
  type Log,
  type PublicClient,
  parseEther,
  parseEventLogs,
  type TransactionReceipt,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { loadArtifact } from "../contracts/compile.ts";
import { type Devnet, SEQUENCER_ACCOUNT } from "../devnet/devnet.ts";
import { errorsOf, ROLLUP_ABIS } from "../rollup/client.ts";
import { revertOf } from "../rollup/l1-client.ts";
import { NrxError } from "../util/errors.ts";
import type { DemoReport } from "./report.ts";

/** A check of step `step` failed: the demo stops there. */
export class DemoStepError extends NrxError {
  override name = "DemoStepError";
  constructor(
    readonly step: number,
    message: string,
  ) {
    super(`step ${step}: ${message}`);
  }
}

export const ABI = {
  rollup: ROLLUP_ABIS.rollup,
  bridge: [...ROLLUP_ABIS.l1Bridge, ...errorsOf(ROLLUP_ABIS.rollup), ...errorsOf(ROLLUP_ABIS.stateProof)],
  inbox: ROLLUP_ABIS.inbox,
  timelock: ROLLUP_ABIS.timelock,
  l2Bridge: ROLLUP_ABIS.l2Bridge,
};
export const ROLLUP_ERRORS = [...ROLLUP_ABIS.rollup, ...errorsOf(ROLLUP_ABIS.inbox)];
export const TOKEN = loadArtifact("TestToken");
export const ALLOWLIST = loadArtifact("AllowlistSequencing");

export const GWEI = 10n ** 9n;
export const DEPOSIT = parseEther("2");
export const MINTED = parseEther("1000000");
export const TOKEN_TRANSFERS = [parseEther("250000"), parseEther("100000")];
export const ETH_TRANSFER = parseEther("0.25");
export const WITHDRAWN = parseEther("0.5");
export const CENSORED_FUNDING = parseEther("1");
export const FORCED_VALUE = parseEther("0.01");
export const MINIMUM_BOND = parseEther("1");
/** Dev accounts the demo uses beside the deployer and the sequencer. */
export const DEPOSITOR = 1;
export const CLAIMER = 2;
export const FORCER = 3;
export const L2_FUNDER = 1;

export type Client = PublicClient<HttpTransport, Chain>;
export type Wallet = WalletClient<HttpTransport, Chain, Account>;

/** The decoded custom error of a failed call (viem), or its short message. */
export function revertName(err: unknown): string {
  const revert = revertOf(err);
  if (revert !== undefined) return revert.name;
  if (err instanceof BaseError) return err.details || err.shortMessage;
  return (err as Error).message;
}

export function errorArgs(err: unknown): readonly unknown[] {
  return revertOf(err)?.args ?? [];
}

/** The demo's state: the clients, and the report filled step by step. */
export class DemoContext {
  readonly report = { contracts: {}, endpoints: {} } as DemoReport;

  private constructor(
    readonly print: (line: string) => void,
    readonly slotMs: number,
    readonly keys: Hex[],
    readonly censoredKey: Hex,
    readonly contracts: DemoReport["contracts"],
    readonly l1: Client,
    readonly l2: Client,
    readonly follower: Client,
    readonly l1Chain: Chain,
    readonly l2Chain: Chain,
  ) {}

  /** viem clients on the devnet's three JSON-RPC endpoints. */
  static async connect(devnet: Devnet, print: (line: string) => void, slotMs: number, censoredKey: Hex) {
    const urls = {
      l1: devnet.l1Server.url,
      sequencer: devnet.sequencer.server.url,
      follower: devnet.follower.server.url,
    };
    const chainAt = async (url: string, name: string) => {
      const id = await createPublicClient({ transport: http(url) }).getChainId();
      return defineChain({
        id,
        name,
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [url] } },
      });
    };
    const l1Chain = await chainAt(urls.l1, "nrx L1");
    const l2Chain = await chainAt(urls.sequencer, "nrx L2");
    const client = (url: string, chain: Chain): Client =>
      createPublicClient({ chain, transport: http(url), pollingInterval: 100 });
    // The dev keys the devnet prints (one mnemonic, the same keys on L1 and L2).
    const keys = devnet.l1.devAccounts.map((a) => a.privateKey as Hex);
    const c = devnet.deployment.contracts;
    const demo = new DemoContext(
      print,
      slotMs,
      keys,
      censoredKey,
      { rollup: c.rollup, bridge: c.bridge, inbox: c.inbox, timelock: c.timelock, sequencing: c.sequencing },
      client(urls.l1, l1Chain),
      client(urls.sequencer, l2Chain),
      client(urls.follower, l2Chain),
      l1Chain,
      l2Chain,
    );
    demo.report.endpoints = urls;
    demo.report.contracts = demo.contracts;
    print(`  L1 ${urls.l1} (chain ${l1Chain.id})`);
    print(`  L2 sequencer ${urls.sequencer}, follower ${urls.follower} (chain ${l2Chain.id})`);
    print(`  NativeRollup ${c.rollup}, L1Bridge ${c.bridge}, ForcedInclusionInbox ${c.inbox}`);
    return demo;
  }

  // ------------------------------------------------------------------ helpers

  step(n: number, title: string): void {
    this.print("");
    this.print(`[${n}] ${title}`);
  }

  line(text: string): void {
    this.print(`    ${text}`);
  }

  wallet(chain: "l1" | "l2", key: Hex): Wallet {
    const c = chain === "l1" ? this.l1Chain : this.l2Chain;
    return createWalletClient({
      chain: c,
      account: privateKeyToAccount(key),
      transport: http(c.rpcUrls.default.http[0]),
      pollingInterval: 100,
    });
  }

  client(chain: "l1" | "l2"): Client {
    return chain === "l1" ? this.l1 : this.l2;
  }

  /** Polls `check` until it returns a value (not undefined), or fails step `step` after `timeoutMs`. */
  async until<T>(
    step: number,
    what: string,
    check: () => Promise<T | undefined>,
    timeoutMs = 60 * this.slotMs + 10_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new DemoStepError(step, `timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Waits for `hash`'s receipt on `chain`; fails step `step` unless it succeeded. */
  async mined(step: number, chain: "l1" | "l2", hash: Hex, what: string): Promise<TransactionReceipt> {
    const receipt = await this.client(chain)
      .waitForTransactionReceipt({ hash, timeout: 60 * this.slotMs + 10_000, pollingInterval: 100 })
      .catch((err) => {
        throw new DemoStepError(step, `${what} (${hash}) was not mined: ${(err as Error).message}`);
      });
    if (receipt.status !== "success") throw new DemoStepError(step, `${what} (${hash}) reverted`);
    return receipt;
  }

  /** Sends a contract call from `key` on `chain` and waits for its successful receipt. */
  async call(
    step: number,
    chain: "l1" | "l2",
    key: Hex,
    request: { address: Hex; abi: Abi; functionName: string; args?: readonly unknown[]; value?: bigint },
    what: string,
  ): Promise<TransactionReceipt> {
    let hash: Hex;
    try {
      hash = await this.wallet(chain, key).writeContract({ ...request, args: request.args ?? [] } as never);
    } catch (err) {
      throw new DemoStepError(step, `${what} was refused: ${revertName(err)}`);
    }
    return this.mined(step, chain, hash, what);
  }

  /** A view on L1 (at the head, or at `blockNumber`). */
  read<T>(address: Hex, abi: Abi, functionName: string, args: readonly unknown[] = [], blockNumber?: bigint) {
    return this.l1.readContract({
      address,
      abi,
      functionName,
      args,
      ...(blockNumber !== undefined ? { blockNumber } : {}),
    }) as Promise<T>;
  }

  settled(blockNumber?: bigint): Promise<bigint> {
    return this.read<bigint>(this.contracts.rollup, ABI.rollup, "number", [], blockNumber);
  }

  /** What simulating the call reverts with; fails step `step` when it succeeds. */
  async revertOf(
    step: number,
    chain: "l1" | "l2",
    from: Hex,
    request: { address: Hex; abi: Abi; functionName: string; args?: readonly unknown[]; value?: bigint },
    what: string,
  ): Promise<{ name: string; args: readonly unknown[] }> {
    try {
      await this.client(chain).simulateContract({
        ...request,
        args: request.args ?? [],
        account: from,
      } as never);
    } catch (err) {
      return { name: revertName(err), args: errorArgs(err) };
    }
    throw new DemoStepError(step, `${what} was expected to revert, but it succeeds`);
  }

  /**
   * Sends an L1 transaction from the sequencer's key, which the sequencer itself uses: with the
   * sequencer's own tip, so neither replaces the other in the mempool; a nonce taken by one of
   * its posts meanwhile is retried with the next.
   */
  async sendAsSequencer(
    step: number,
    request: { to: Hex; data: Hex; value?: bigint; gas?: bigint },
    what: string,
  ): Promise<Hex> {
    const wallet = this.wallet("l1", this.keys[SEQUENCER_ACCOUNT]);
    for (let attempt = 0; ; attempt++) {
      try {
        const block = await this.l1.getBlock();
        return await wallet.sendTransaction({
          ...request,
          maxPriorityFeePerGas: GWEI,
          maxFeePerGas: 2n * (block.baseFeePerGas ?? GWEI) + GWEI,
        });
      } catch (err) {
        if (attempt >= 5) throw new DemoStepError(step, `${what} was refused: ${revertName(err)}`);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    }
  }

  logsOf(receipt: TransactionReceipt, abi: Abi, address: Hex, eventName: string) {
    const own = receipt.logs.filter((log) => log.address.toLowerCase() === address.toLowerCase());
    return parseEventLogs({ abi, logs: own as Log[], eventName }).map(
      (log) => (log as unknown as { args: Record<string, unknown> }).args,
    );
  }

  /** The fresh L2 account of the deposit, used by the later steps. */
  alice!: Hex;
  aliceKey!: Hex;
}
