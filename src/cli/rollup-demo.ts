/**
 * `nrx demo` (`npm run demo`): the native rollup end to end (issue 4), as a user sees it. It
 * starts an in-memory devnet (L1, one rollup, its sequencer and a follower) and then talks to it
 * only through JSON-RPC, with viem, exactly as a wallet would:
 *
 * 1. an L1 deposit to a fresh address, relayed to L2 by the sequencer;
 * 2. that account deploys an ERC-20 on L2, mints, transfers it and sends ETH, paying its own gas;
 * 3. it withdraws to L1: once the rollup settles the block, an `eth_getProof` from the follower
 *    proves the withdrawal on L1, which pays it, once;
 * 4. a censored account's transaction, refused by the sequencer, is forced in through L1;
 * 5. governance replaces the sequencing policy through the timelock, not before its delay;
 * 6. a tampered L2 block is refused by `NativeRollup.advance` (EXECUTE finds it invalid);
 * 7. the follower, which rebuilt the L2 from L1 alone, agrees with the sequencer on every block.
 *
 * Every step checks what it shows; a failed check throws `DemoStepError`, nothing is faked.
 */
import {
  type Abi,
  type Account,
  BaseError,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  formatEther,
  formatUnits,
  type Hex,
  type HttpTransport,
  http,
  keccak256,
  type Log,
  type PublicClient,
  parseEther,
  parseEventLogs,
  type TransactionReceipt,
  toHex,
  type WalletClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { loadArtifact } from "../contracts/compile.ts";
import { DEPLOYER_ACCOUNT, type Devnet, SEQUENCER_ACCOUNT, startDevnet } from "../devnet/devnet.ts";
import { advanceInput } from "../l2/derive.ts";
import { errorsOf, ROLLUP_ABIS } from "../rollup/client.ts";
import { L2_BRIDGE_ADDRESS } from "../rollup/genesis.ts";
import { revertOf } from "../rollup/l1-client.ts";
import { withdrawalHash, withdrawalSlot } from "../rollup/message-tree.ts";
import { decodeStatelessInput, encodeStatelessInput } from "../stateless/ssz.ts";
import { NrxError } from "../util/errors.ts";

export type RollupDemoOptions = {
  /** Where the numbered steps are printed. */
  log: (line: string) => void;
  /** The L1 slot time (default 500 ms; the L2 makes two blocks per slot). */
  l1SlotMs?: number;
};

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

/** What the demo showed, for its test to assert. */
export type DemoReport = {
  durationMs: number;
  endpoints: { l1: string; sequencer: string; follower: string };
  contracts: { rollup: Hex; bridge: Hex; inbox: Hex; timelock: Hex; sequencing: Hex };
  deposit: {
    depositor: Hex;
    recipient: Hex;
    amount: bigint;
    index: bigint;
    l1Tx: Hex;
    l1Block: bigint;
    /** The recipient's balance on the sequencer's L2 once relayed. */
    l2Balance: bigint;
    /** The L2 transaction that claimed it (`L2Bridge.claim`, sent by the sequencer). */
    claimTx: Hex;
    claimL2Block: bigint;
    claimedValue: bigint;
    claimedTo: Hex;
  };
  l2Activity: {
    account: Hex;
    token: Hex;
    deployTx: Hex;
    minted: bigint;
    transfers: { to: Hex; amount: bigint; tx: Hex }[];
    /** Token balances read back, by holder. */
    tokenBalances: { holder: Hex; balance: bigint; expected: bigint }[];
    ethTransfer: { to: Hex; value: bigint; tx: Hex; balance: bigint };
    /** L2 gas the account paid from its deposit, over its transactions. */
    gasPaid: bigint;
    /** Its ETH balance after, and what deposit − transfers − gas gives. */
    balance: bigint;
    expectedBalance: bigint;
  };
  withdrawal: {
    sender: Hex;
    recipient: Hex;
    value: bigint;
    index: bigint;
    hash: Hex;
    l2Tx: Hex;
    l2Block: bigint;
    /** The settled L2 block whose state root the proof is against. */
    provenAtL2Block: bigint;
    /** That block's state root on the follower, and as the rollup settled it. */
    followerStateRoot: Hex;
    settledStateRoot: Hex;
    slotValue: bigint;
    l1ClaimTx: Hex;
    recipientBefore: bigint;
    recipientAfter: bigint;
    paid: bigint;
    /** The decoded error of claiming it again. */
    secondClaimError: string;
  };
  forced: {
    account: Hex;
    /** What the sequencer's RPC answered to the signed transaction. */
    sequencerRefusal: string;
    txHash: Hex;
    l1Tx: Hex;
    queuedInL1Block: bigint;
    queueIndex: bigint;
    /** The last L1 block in which a settled L2 block may still leave it out. */
    deadline: bigint;
    l2Block: bigint;
    /** Its index in the L2 block (0: the block's first transaction). */
    position: number;
    l2Status: "success" | "reverted";
    /** The L1 block whose `advance` settled it (`ForcedTransactionIncluded`). */
    settledInL1Block: bigint;
    recipient: Hex;
    recipientBalance: bigint;
    value: bigint;
  };
  governance: {
    policyBefore: Hex;
    newPolicy: Hex;
    policyAfter: Hex;
    minimumBond: bigint;
    sequencer: Hex;
    sequencerBond: bigint;
    sequencerAllowed: boolean;
    scheduleTx: Hex;
    scheduledInL1Block: bigint;
    eta: bigint;
    /** The decoded error of executing before the eta, and its on-chain attempt. */
    earlyError: string;
    earlyTx: Hex;
    earlyStatus: "success" | "reverted";
    earlyL1Block: bigint;
    executeTx: Hex;
    executedInL1Block: bigint;
    settledAtExecution: bigint;
    settledAfter: bigint;
    /** Who sent an `advance` settled after the change. */
    advancedBy: Hex;
  };
  invalidBlock: {
    /** The settled L2 block whose EXECUTE input was tampered with. */
    l2Block: bigint;
    genuineStateRoot: Hex;
    tamperedStateRoot: Hex;
    /** The decoded error of `advance` with the tampered input. */
    error: string;
    /** The decoded error of replaying the untampered input (a continuity check). */
    replayError: string;
    l1Tx: Hex;
    status: "success" | "reverted";
    l1Block: bigint;
    /** The rollup's head before and after the L1 block of the attempt. */
    numberBefore: bigint;
    numberAfter: bigint;
    rootBefore: Hex;
    rootAfter: Hex;
    /** `Advanced` events in that L1 block (the sequencer's own posts may share it). */
    advancedInSameBlock: number;
    /** The rollup's state root for the tampered block's height after the attempt. */
    settledRootOfBlock: Hex;
    /** The attempt moved nothing: no event of its own, any change explained by the sequencer's posts. */
    unchanged: boolean;
  };
  roots: {
    settled: bigint;
    compared: number;
    allMatch: boolean;
    mismatches: bigint[];
    /** The follower's state root of the settled block equals `NativeRollup.stateRoot()`. */
    headMatchesRollup: boolean;
  };
};

const ABI = {
  rollup: ROLLUP_ABIS.rollup,
  bridge: [...ROLLUP_ABIS.l1Bridge, ...errorsOf(ROLLUP_ABIS.rollup), ...errorsOf(ROLLUP_ABIS.stateProof)],
  inbox: ROLLUP_ABIS.inbox,
  timelock: ROLLUP_ABIS.timelock,
  l2Bridge: ROLLUP_ABIS.l2Bridge,
};
const ROLLUP_ERRORS = [...ROLLUP_ABIS.rollup, ...errorsOf(ROLLUP_ABIS.inbox)];
const TOKEN = loadArtifact("TestToken");
const ALLOWLIST = loadArtifact("AllowlistSequencing");

const GWEI = 10n ** 9n;
const DEPOSIT = parseEther("2");
const MINTED = parseEther("1000000");
const TOKEN_TRANSFERS = [parseEther("250000"), parseEther("100000")];
const ETH_TRANSFER = parseEther("0.25");
const WITHDRAWN = parseEther("0.5");
const CENSORED_FUNDING = parseEther("1");
const FORCED_VALUE = parseEther("0.01");
const MINIMUM_BOND = parseEther("1");
/** Dev accounts the demo uses beside the deployer and the sequencer. */
const DEPOSITOR = 1;
const CLAIMER = 2;
const FORCER = 3;
const L2_FUNDER = 1;

type Client = PublicClient<HttpTransport, Chain>;
type Wallet = WalletClient<HttpTransport, Chain, Account>;

const short = (hex: string) => (hex.length > 20 ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : hex);
const eth = (wei: bigint) => `${formatEther(wei)} ETH`;
const tokens = (units: bigint) => `${formatUnits(units, 18)} TT`;

/** The decoded custom error of a failed call (viem), or its short message. */
function revertName(err: unknown): string {
  const revert = revertOf(err);
  if (revert !== undefined) return revert.name;
  if (err instanceof BaseError) return err.details || err.shortMessage;
  return (err as Error).message;
}

function errorArgs(err: unknown): readonly unknown[] {
  return revertOf(err)?.args ?? [];
}

/**
 * Runs the demo on a devnet of its own, which it closes at the end (also on failure).
 *
 * @example
 * const report = await runRollupDemo({ log: console.log });
 * report.withdrawal.paid; // 500000000000000000n
 */
export async function runRollupDemo(options: RollupDemoOptions): Promise<DemoReport> {
  const started = performance.now();
  const print = options.log;
  const l1SlotMs = options.l1SlotMs ?? 500;
  const censoredKey = generatePrivateKey();
  const censored = privateKeyToAccount(censoredKey);
  const devnetLines: string[] = [];
  print(`Starting an in-memory devnet (L1 slot ${l1SlotMs} ms, 2 L2 blocks per slot)…`);
  const devnet = await startDevnet({
    l1SlotMs,
    port: 0,
    forcedInclusionDelay: 4n,
    timelockDelay: 6n,
    refuseFrom: [censored.address],
    log: (line) => {
      devnetLines.push(line);
      if (devnetLines.length > 40) devnetLines.shift();
      if (/fail|error|stopped|rewound|reverted|not included/i.test(line)) print(`    ! devnet: ${line}`);
    },
  });
  try {
    const demo = await Demo.connect(devnet, print, l1SlotMs, censoredKey);
    const report = await demo.run();
    report.durationMs = Math.round(performance.now() - started);
    return report;
  } catch (err) {
    print("  last devnet log lines:");
    for (const line of devnetLines.slice(-15)) print(`    ${line}`);
    throw err;
  } finally {
    await devnet.close();
  }
}

/** The demo's state: the clients, and the report filled step by step. */
class Demo {
  private readonly report = { contracts: {}, endpoints: {} } as DemoReport;

  private constructor(
    private readonly print: (line: string) => void,
    private readonly slotMs: number,
    private readonly keys: Hex[],
    private readonly censoredKey: Hex,
    private readonly contracts: DemoReport["contracts"],
    private readonly l1: Client,
    private readonly l2: Client,
    private readonly follower: Client,
    private readonly l1Chain: Chain,
    private readonly l2Chain: Chain,
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
    const demo = new Demo(
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

  async run(): Promise<DemoReport> {
    await this.deposit();
    await this.l2Activity();
    await this.withdraw();
    await this.forceInclusion();
    await this.governance();
    await this.invalidBlock();
    await this.compareRoots();
    return this.report;
  }

  // ------------------------------------------------------------------ helpers

  private step(n: number, title: string): void {
    this.print("");
    this.print(`[${n}] ${title}`);
  }

  private line(text: string): void {
    this.print(`    ${text}`);
  }

  private wallet(chain: "l1" | "l2", key: Hex): Wallet {
    const c = chain === "l1" ? this.l1Chain : this.l2Chain;
    return createWalletClient({
      chain: c,
      account: privateKeyToAccount(key),
      transport: http(c.rpcUrls.default.http[0]),
      pollingInterval: 100,
    });
  }

  private client(chain: "l1" | "l2"): Client {
    return chain === "l1" ? this.l1 : this.l2;
  }

  /** Polls `check` until it returns a value (not undefined), or fails step `step` after `timeoutMs`. */
  private async until<T>(
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
  private async mined(
    step: number,
    chain: "l1" | "l2",
    hash: Hex,
    what: string,
  ): Promise<TransactionReceipt> {
    const receipt = await this.client(chain)
      .waitForTransactionReceipt({ hash, timeout: 60 * this.slotMs + 10_000, pollingInterval: 100 })
      .catch((err) => {
        throw new DemoStepError(step, `${what} (${hash}) was not mined: ${(err as Error).message}`);
      });
    if (receipt.status !== "success") throw new DemoStepError(step, `${what} (${hash}) reverted`);
    return receipt;
  }

  /** Sends a contract call from `key` on `chain` and waits for its successful receipt. */
  private async call(
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
  private read<T>(
    address: Hex,
    abi: Abi,
    functionName: string,
    args: readonly unknown[] = [],
    blockNumber?: bigint,
  ) {
    return this.l1.readContract({
      address,
      abi,
      functionName,
      args,
      ...(blockNumber !== undefined ? { blockNumber } : {}),
    }) as Promise<T>;
  }

  private settled(blockNumber?: bigint): Promise<bigint> {
    return this.read<bigint>(this.contracts.rollup, ABI.rollup, "number", [], blockNumber);
  }

  /** What simulating the call reverts with; fails step `step` when it succeeds. */
  private async revertOf(
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
  private async sendAsSequencer(
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

  private logsOf(receipt: TransactionReceipt, abi: Abi, address: Hex, eventName: string) {
    const own = receipt.logs.filter((log) => log.address.toLowerCase() === address.toLowerCase());
    return parseEventLogs({ abi, logs: own as Log[], eventName }).map(
      (log) => (log as unknown as { args: Record<string, unknown> }).args,
    );
  }

  // ------------------------------------------------------------------ 1. deposit

  private alice!: Hex;
  private aliceKey!: Hex;

  private async deposit(): Promise<void> {
    this.step(1, "Deposit ETH on L1 to a fresh address; the sequencer relays it to L2");
    this.aliceKey = generatePrivateKey();
    const alice = privateKeyToAccount(this.aliceKey).address;
    this.alice = alice;
    const depositor = privateKeyToAccount(this.keys[DEPOSITOR]).address;
    this.line(
      `fresh L2 account (alice): ${alice}, L2 balance ${eth(await this.l2.getBalance({ address: alice }))}`,
    );
    const receipt = await this.call(
      1,
      "l1",
      this.keys[DEPOSITOR],
      {
        address: this.contracts.bridge,
        abi: ABI.bridge,
        functionName: "deposit",
        args: [alice, "0x"],
        value: DEPOSIT,
      },
      "L1Bridge.deposit",
    );
    const [deposited] = this.logsOf(receipt, ABI.bridge, this.contracts.bridge, "Deposited");
    if (deposited === undefined) throw new DemoStepError(1, "the deposit emitted no Deposited event");
    const index = deposited.index as bigint;
    this.line(
      `L1Bridge.deposit(${short(alice)}) from dev account ${DEPOSITOR} (${short(depositor)}), ${eth(DEPOSIT)}: tx ${receipt.transactionHash}, L1 block ${receipt.blockNumber}, message ${index}, root ${short(deposited.root as Hex)}`,
    );
    const l2Balance = await this.until(1, "the deposit to arrive on L2", async () => {
      const balance = await this.l2.getBalance({ address: alice });
      return balance === DEPOSIT ? balance : undefined;
    });
    const claimed = await this.until(1, "the L2Bridge Claimed event", async () => {
      const logs = await this.l2.getContractEvents({
        address: L2_BRIDGE_ADDRESS,
        abi: ABI.l2Bridge,
        eventName: "Claimed",
        args: { index },
        fromBlock: 0n,
      });
      return logs[0] as (Log & { args: Record<string, unknown> }) | undefined;
    });
    const claimReceipt = await this.mined(1, "l2", claimed.transactionHash as Hex, "the claim");
    if (claimed.args.value !== DEPOSIT || (claimed.args.to as Hex).toLowerCase() !== alice.toLowerCase()) {
      throw new DemoStepError(1, `the L2 claim pays ${claimed.args.value} to ${claimed.args.to}`);
    }
    this.line(
      `L2Bridge.claim relayed by the sequencer: L2 tx ${claimReceipt.transactionHash}, L2 block ${claimReceipt.blockNumber}, Claimed(index ${index}, to ${short(alice)}, ${eth(claimed.args.value as bigint)}, anchor ${short(claimed.args.anchor as Hex)})`,
    );
    this.line(`alice's L2 balance (sequencer RPC): ${eth(l2Balance)} ✓`);
    this.report.deposit = {
      depositor,
      recipient: alice,
      amount: DEPOSIT,
      index,
      l1Tx: receipt.transactionHash,
      l1Block: receipt.blockNumber,
      l2Balance,
      claimTx: claimReceipt.transactionHash,
      claimL2Block: claimReceipt.blockNumber,
      claimedValue: claimed.args.value as bigint,
      claimedTo: claimed.args.to as Hex,
    };
  }

  // ------------------------------------------------------------------ 2. L2 activity

  private async l2Activity(): Promise<void> {
    this.step(2, "Alice uses the L2, paying gas from her deposit: an ERC-20 and an ETH transfer");
    const wallet = this.wallet("l2", this.aliceKey);
    const bob = privateKeyToAccount(generatePrivateKey()).address;
    const carol = privateKeyToAccount(generatePrivateKey()).address;
    const receipts: TransactionReceipt[] = [];
    let deployHash: Hex;
    try {
      deployHash = await wallet.deployContract({ abi: TOKEN.abi, bytecode: TOKEN.bytecode, args: [] });
    } catch (err) {
      throw new DemoStepError(2, `deploying TestToken was refused: ${revertName(err)}`);
    }
    const deployed = await this.mined(2, "l2", deployHash, "TestToken's deployment");
    receipts.push(deployed);
    const token = deployed.contractAddress;
    if (!token) throw new DemoStepError(2, "TestToken's deployment has no contract address");
    this.line(`TestToken deployed at ${token}: L2 tx ${short(deployHash)}, L2 block ${deployed.blockNumber}`);
    const tokenCall = async (functionName: string, args: readonly unknown[], what: string) => {
      const receipt = await this.call(
        2,
        "l2",
        this.aliceKey,
        { address: token, abi: TOKEN.abi, functionName, args },
        what,
      );
      receipts.push(receipt);
      return receipt;
    };
    const minted = await tokenCall("mint", [this.alice, MINTED], "mint");
    this.line(
      `mint(alice, ${tokens(MINTED)}): L2 tx ${short(minted.transactionHash)}, L2 block ${minted.blockNumber}`,
    );
    const transfers: DemoReport["l2Activity"]["transfers"] = [];
    for (const [to, amount, name] of [
      [bob, TOKEN_TRANSFERS[0], "bob"],
      [carol, TOKEN_TRANSFERS[1], "carol"],
    ] as const) {
      const r = await tokenCall("transfer", [to, amount], `transfer to ${name}`);
      const [event] = this.logsOf(r, TOKEN.abi, token, "Transfer");
      if (event?.value !== amount)
        throw new DemoStepError(2, `the transfer to ${name} emitted no Transfer of ${amount}`);
      transfers.push({ to, amount, tx: r.transactionHash });
      this.line(
        `transfer(${name} ${short(to)}, ${tokens(amount)}): L2 tx ${short(r.transactionHash)}, L2 block ${r.blockNumber}, ${r.gasUsed} gas`,
      );
    }
    let ethHash: Hex;
    try {
      ethHash = await wallet.sendTransaction({ to: bob, value: ETH_TRANSFER });
    } catch (err) {
      throw new DemoStepError(2, `the ETH transfer was refused: ${revertName(err)}`);
    }
    const ethReceipt = await this.mined(2, "l2", ethHash, "the ETH transfer");
    receipts.push(ethReceipt);
    const bobEth = await this.l2.getBalance({ address: bob });
    this.line(
      `${eth(ETH_TRANSFER)} to bob: L2 tx ${short(ethHash)}, L2 block ${ethReceipt.blockNumber}; bob has ${eth(bobEth)}`,
    );
    if (bobEth !== ETH_TRANSFER)
      throw new DemoStepError(2, `bob has ${bobEth} wei, expected ${ETH_TRANSFER}`);

    const expected = [
      { holder: this.alice, expected: MINTED - TOKEN_TRANSFERS[0] - TOKEN_TRANSFERS[1] },
      { holder: bob, expected: TOKEN_TRANSFERS[0] },
      { holder: carol, expected: TOKEN_TRANSFERS[1] },
    ];
    const tokenBalances: DemoReport["l2Activity"]["tokenBalances"] = [];
    for (const [i, { holder, expected: want }] of expected.entries()) {
      const balance = (await this.l2.readContract({
        address: token,
        abi: TOKEN.abi,
        functionName: "balanceOf",
        args: [holder],
      })) as bigint;
      tokenBalances.push({ holder, balance, expected: want });
      this.line(`balanceOf(${["alice", "bob", "carol"][i]}) = ${tokens(balance)}`);
      if (balance !== want) throw new DemoStepError(2, `${holder} holds ${balance} tokens, expected ${want}`);
    }
    const gasPaid = receipts.reduce((sum, r) => sum + r.gasUsed * r.effectiveGasPrice, 0n);
    const balance = await this.l2.getBalance({ address: this.alice });
    const expectedBalance = DEPOSIT - ETH_TRANSFER - gasPaid;
    this.line(
      `alice paid ${gasPaid} wei of L2 gas over ${receipts.length} transactions; her balance ${eth(balance)} = deposit − ${eth(ETH_TRANSFER)} − gas ✓`,
    );
    if (balance !== expectedBalance) {
      throw new DemoStepError(2, `alice has ${balance} wei, expected ${expectedBalance}`);
    }
    this.report.l2Activity = {
      account: this.alice,
      token,
      deployTx: deployHash,
      minted: MINTED,
      transfers,
      tokenBalances,
      ethTransfer: { to: bob, value: ETH_TRANSFER, tx: ethHash, balance: bobEth },
      gasPaid,
      balance,
      expectedBalance,
    };
  }

  // ------------------------------------------------------------------ 3. withdrawal

  private async withdraw(): Promise<void> {
    this.step(3, "Alice withdraws to L1; L1 pays once the rollup settled it, against a follower's proof");
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const receipt = await this.call(
      3,
      "l2",
      this.aliceKey,
      {
        address: L2_BRIDGE_ADDRESS,
        abi: ABI.l2Bridge,
        functionName: "withdraw",
        args: [recipient],
        value: WITHDRAWN,
      },
      "L2Bridge.withdraw",
    );
    const [withdrawn] = this.logsOf(receipt, ABI.l2Bridge, L2_BRIDGE_ADDRESS, "Withdrawn");
    if (withdrawn === undefined) throw new DemoStepError(3, "the withdrawal emitted no Withdrawn event");
    const withdrawal = {
      index: withdrawn.index as bigint,
      sender: this.alice,
      to: recipient,
      value: WITHDRAWN,
    };
    const hash = toHex(withdrawalHash(withdrawal));
    if (hash !== withdrawn.hash)
      throw new DemoStepError(3, `Withdrawn's hash ${withdrawn.hash} is not ${hash}`);
    this.line(
      `L2Bridge.withdraw(${short(recipient)}) with ${eth(WITHDRAWN)}: L2 tx ${receipt.transactionHash}, L2 block ${receipt.blockNumber}, Withdrawn(index ${withdrawal.index}, hash ${short(hash)})`,
    );
    const provenAt = await this.until(3, `the rollup to settle L2 block ${receipt.blockNumber}`, async () => {
      const n = await this.settled();
      return n >= receipt.blockNumber ? n : undefined;
    });
    this.line(
      `NativeRollup.number() on L1 = ${provenAt} ≥ ${receipt.blockNumber}: the withdrawal's block is settled`,
    );
    await this.until(3, `the follower to import L2 block ${provenAt}`, async () =>
      (await this.follower.getBlockNumber()) >= provenAt ? true : undefined,
    );
    const slot = toHex(withdrawalSlot(withdrawalHash(withdrawal)));
    const proof = await this.follower.getProof({
      address: L2_BRIDGE_ADDRESS,
      storageKeys: [slot],
      blockNumber: provenAt,
    });
    const followerRoot = (await this.follower.getBlock({ blockNumber: provenAt })).stateRoot;
    const settledRoot = await this.read<Hex>(this.contracts.rollup, ABI.rollup, "stateRootAt", [provenAt]);
    const slotValue = proof.storageProof[0].value;
    this.line(
      `eth_getProof(L2Bridge, [${short(slot)}], ${provenAt}) from the follower: ${proof.accountProof.length} account nodes, ${proof.storageProof[0].proof.length} storage nodes, value ${slotValue}`,
    );
    this.line(
      `state root of L2 block ${provenAt}: follower ${short(followerRoot)}, rollup.stateRootAt ${short(settledRoot)}`,
    );
    if (followerRoot !== settledRoot) {
      throw new DemoStepError(
        3,
        `the follower's state root ${followerRoot} is not the settled ${settledRoot}`,
      );
    }
    if (slotValue !== 1n) throw new DemoStepError(3, `the withdrawal's slot holds ${slotValue}, not 1`);
    const before = await this.l1.getBalance({ address: recipient });
    const args = [
      provenAt,
      withdrawal.index,
      withdrawal.sender,
      withdrawal.to,
      withdrawal.value,
      proof.accountProof,
      proof.storageProof[0].proof,
    ];
    const claim = { address: this.contracts.bridge, abi: ABI.bridge, functionName: "claimWithdrawal", args };
    const claimed = await this.call(3, "l1", this.keys[CLAIMER], claim, "L1Bridge.claimWithdrawal");
    const after = await this.l1.getBalance({ address: recipient });
    const [event] = this.logsOf(claimed, ABI.bridge, this.contracts.bridge, "WithdrawalClaimed");
    this.line(
      `L1Bridge.claimWithdrawal(${provenAt}, ${withdrawal.index}, …) from dev account ${CLAIMER}: tx ${claimed.transactionHash}, L1 block ${claimed.blockNumber}${event ? `, WithdrawalClaimed(${eth(event.value as bigint)})` : ""}`,
    );
    this.line(`recipient's L1 balance: ${eth(before)} → ${eth(after)} (+${eth(after - before)}) ✓`);
    if (after - before !== WITHDRAWN) {
      throw new DemoStepError(3, `the recipient got ${after - before} wei, expected ${WITHDRAWN}`);
    }
    const again = await this.revertOf(
      3,
      "l1",
      privateKeyToAccount(this.keys[CLAIMER]).address,
      claim,
      "a second claim",
    );
    this.line(`claiming it again: reverts with ${again.name}(${again.args.map(String).join(", ")}) ✓`);
    if (again.name !== "AlreadyClaimed")
      throw new DemoStepError(3, `a second claim reverts with ${again.name}`);
    this.report.withdrawal = {
      sender: this.alice,
      recipient,
      value: WITHDRAWN,
      index: withdrawal.index,
      hash,
      l2Tx: receipt.transactionHash,
      l2Block: receipt.blockNumber,
      provenAtL2Block: provenAt,
      followerStateRoot: followerRoot,
      settledStateRoot: settledRoot,
      slotValue,
      l1ClaimTx: claimed.transactionHash,
      recipientBefore: before,
      recipientAfter: after,
      paid: after - before,
      secondClaimError: again.name,
    };
  }

  // ------------------------------------------------------------------ 4. forced inclusion

  private async forceInclusion(): Promise<void> {
    this.step(4, "Forced inclusion: the sequencer censors an account; L1 forces its transaction in");
    const account = privateKeyToAccount(this.censoredKey);
    const funding = await this.wallet("l2", this.keys[L2_FUNDER]).sendTransaction({
      to: account.address,
      value: CENSORED_FUNDING,
    });
    const funded = await this.mined(4, "l2", funding, "the censored account's funding");
    this.line(
      `censored account ${account.address} funded on L2 by dev account ${L2_FUNDER}: ${eth(CENSORED_FUNDING)}, L2 tx ${short(funding)}, L2 block ${funded.blockNumber}`,
    );
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const baseFee = (await this.l2.getBlock()).baseFeePerGas ?? GWEI;
    const signed = await account.signTransaction({
      type: "eip1559",
      chainId: this.l2Chain.id,
      nonce: 0,
      to: recipient,
      value: FORCED_VALUE,
      gas: 21_000n,
      // Far above the base fee, so the transaction is still includable when it falls due.
      maxFeePerGas: 2n * baseFee + GWEI,
      maxPriorityFeePerGas: GWEI,
    });
    const txHash = keccak256(signed);
    let refusal: string | undefined;
    try {
      await this.l2.sendRawTransaction({ serializedTransaction: signed });
    } catch (err) {
      refusal = revertName(err);
    }
    if (refusal === undefined) throw new DemoStepError(4, "the sequencer accepted the censored transaction");
    this.line(
      `signed L2 tx ${txHash} (${eth(FORCED_VALUE)} to ${short(recipient)}) sent to the sequencer's RPC:`,
    );
    this.line(`  refused: "${refusal}"`);
    const queued = await this.call(
      4,
      "l1",
      this.keys[FORCER],
      { address: this.contracts.inbox, abi: ABI.inbox, functionName: "forceInclude", args: [signed] },
      "ForcedInclusionInbox.forceInclude",
    );
    const [event] = this.logsOf(queued, ABI.inbox, this.contracts.inbox, "ForcedTransactionQueued");
    if (event === undefined) throw new DemoStepError(4, "forceInclude emitted no ForcedTransactionQueued");
    if (event.txHash !== txHash)
      throw new DemoStepError(4, `the inbox queued ${event.txHash}, not ${txHash}`);
    const queueIndex = event.index as bigint;
    const deadline = event.deadline as bigint;
    this.line(
      `ForcedInclusionInbox.forceInclude(tx) on L1 from dev account ${FORCER}: tx ${queued.transactionHash}, L1 block ${queued.blockNumber}, queue index ${queueIndex}, deadline L1 block ${deadline}`,
    );
    const included = await this.until(4, "the forced transaction on L2", () =>
      this.l2.getTransactionReceipt({ hash: txHash }),
    );
    const block = await this.l2.getBlock({ blockNumber: included.blockNumber });
    const position = block.transactions.indexOf(txHash);
    this.line(
      `included in L2 block ${included.blockNumber} at position ${position} of ${block.transactions.length} (status ${included.status})`,
    );
    if (position !== 0 || included.transactionIndex !== 0) {
      throw new DemoStepError(4, `the forced transaction is at position ${position}, not the block's first`);
    }
    if (included.status !== "success") throw new DemoStepError(4, "the forced transaction reverted on L2");
    await this.until(4, `the rollup to settle L2 block ${included.blockNumber}`, async () =>
      (await this.settled()) >= included.blockNumber ? true : undefined,
    );
    const [settledLog] = await this.l1.getContractEvents({
      address: this.contracts.inbox,
      abi: ABI.inbox,
      eventName: "ForcedTransactionIncluded",
      args: { index: queueIndex },
      fromBlock: queued.blockNumber,
    });
    if (settledLog === undefined) throw new DemoStepError(4, "no ForcedTransactionIncluded event on L1");
    const recipientBalance = await this.l2.getBalance({ address: recipient });
    this.line(
      `settled on L1 in block ${settledLog.blockNumber} (ForcedTransactionIncluded ${queueIndex}; deadline ${deadline}); recipient has ${eth(recipientBalance)} on L2 ✓`,
    );
    if (recipientBalance !== FORCED_VALUE) {
      throw new DemoStepError(4, `the forced transfer's recipient has ${recipientBalance} wei`);
    }
    this.report.forced = {
      account: account.address,
      sequencerRefusal: refusal,
      txHash,
      l1Tx: queued.transactionHash,
      queuedInL1Block: queued.blockNumber,
      queueIndex,
      deadline,
      l2Block: included.blockNumber,
      position,
      l2Status: included.status,
      settledInL1Block: settledLog.blockNumber as bigint,
      recipient,
      recipientBalance,
      value: FORCED_VALUE,
    };
  }

  // ------------------------------------------------------------------ 5. governance

  private async governance(): Promise<void> {
    this.step(5, "Governance: replace the sequencing policy through the timelock");
    const adminKey = this.keys[DEPLOYER_ACCOUNT];
    const admin = privateKeyToAccount(adminKey).address;
    const sequencer = privateKeyToAccount(this.keys[SEQUENCER_ACCOUNT]).address;
    const stranger = privateKeyToAccount(this.keys[CLAIMER]).address;
    const rollup = this.contracts.rollup;
    const policyBefore = await this.read<Hex>(rollup, ABI.rollup, "sequencing");
    this.line(`rollup.sequencing() = ${policyBefore} (BasedSequencing: anyone may post)`);
    if (policyBefore.toLowerCase() !== this.contracts.sequencing.toLowerCase()) {
      throw new DemoStepError(5, `the rollup's policy ${policyBefore} is not the deployed BasedSequencing`);
    }
    let deployHash: Hex;
    try {
      deployHash = await this.wallet("l1", adminKey).deployContract({
        abi: ALLOWLIST.abi,
        bytecode: ALLOWLIST.bytecode,
        args: [admin, MINIMUM_BOND],
      });
    } catch (err) {
      throw new DemoStepError(5, `deploying AllowlistSequencing was refused: ${revertName(err)}`);
    }
    const deployed = await this.mined(5, "l1", deployHash, "AllowlistSequencing's deployment");
    const policy = deployed.contractAddress;
    if (!policy) throw new DemoStepError(5, "AllowlistSequencing's deployment has no address");
    this.line(
      `admin (dev account ${DEPLOYER_ACCOUNT}) deployed AllowlistSequencing(owner ${short(admin)}, bond ${eth(MINIMUM_BOND)}) at ${policy}, L1 block ${deployed.blockNumber}`,
    );
    const added = await this.call(
      5,
      "l1",
      adminKey,
      { address: policy, abi: ALLOWLIST.abi, functionName: "add", args: [sequencer] },
      "AllowlistSequencing.add",
    );
    const bondHash = await this.sendAsSequencer(
      5,
      {
        to: policy,
        data: encodeFunctionData({ abi: ALLOWLIST.abi, functionName: "bond" }),
        value: MINIMUM_BOND,
        gas: 100_000n,
      },
      "the sequencer's bond",
    );
    const bonded = await this.mined(5, "l1", bondHash, "the sequencer's bond");
    const bond = await this.read<bigint>(policy, ALLOWLIST.abi, "bondOf", [sequencer]);
    const allowed = await this.read<boolean>(policy, ALLOWLIST.abi, "isAllowed", [sequencer]);
    this.line(
      `add(sequencer ${short(sequencer)}): Client block ${added.blockNumber}; the sequencer bonds ${eth(bond)}: Client block ${bonded.blockNumber}; isAllowed(sequencer) = ${allowed}`,
    );
    if (!allowed) throw new DemoStepError(5, "the sequencer is not allowed by the new policy");

    const timelock = this.contracts.timelock;
    const data = encodeFunctionData({ abi: ABI.rollup, functionName: "setSequencing", args: [policy] });
    const operation = [rollup, 0n, data] as const;
    const scheduled = await this.call(
      5,
      "l1",
      adminKey,
      { address: timelock, abi: ABI.timelock, functionName: "schedule", args: operation },
      "Timelock.schedule",
    );
    const [event] = this.logsOf(scheduled, ABI.timelock, timelock, "Scheduled");
    if (event === undefined) throw new DemoStepError(5, "schedule emitted no Scheduled event");
    const eta = event.eta as bigint;
    const delay = await this.read<bigint>(timelock, ABI.timelock, "delayBlocks");
    this.line(
      `Timelock.schedule(rollup, 0, setSequencing(${short(policy)})): Client block ${scheduled.blockNumber}, delay ${delay} blocks, eta L1 block ${eta}`,
    );
    const execute = { address: timelock, abi: ABI.timelock, functionName: "execute", args: operation };
    const early = await this.revertOf(5, "l1", stranger, execute, "executing before the eta");
    if (early.name !== "NotReady") throw new DemoStepError(5, `executing early reverts with ${early.name}`);
    // And on chain, with a fixed gas limit (estimating it would fail on the revert).
    const earlyHash = await this.wallet("l1", this.keys[CLAIMER]).writeContract({
      ...execute,
      gas: 300_000n,
    } as never);
    const earlyReceipt = await this.l1.waitForTransactionReceipt({ hash: earlyHash, pollingInterval: 100 });
    this.line(
      `execute before the eta: eth_call reverts with ${early.name}(eta ${early.args[1]}); sent anyway: tx ${short(earlyHash)}, L1 block ${earlyReceipt.blockNumber}, status ${earlyReceipt.status}`,
    );
    if (earlyReceipt.status !== "reverted" || earlyReceipt.blockNumber >= eta) {
      throw new DemoStepError(5, `executing in L1 block ${earlyReceipt.blockNumber} did not revert`);
    }
    if ((await this.read<Hex>(rollup, ABI.rollup, "sequencing")) !== policyBefore) {
      throw new DemoStepError(5, "the policy changed before the eta");
    }
    await this.until(5, `L1 block ${eta}`, async () =>
      (await this.l1.getBlockNumber()) >= eta ? true : undefined,
    );
    const executed = await this.call(5, "l1", this.keys[CLAIMER], execute, "Timelock.execute");
    const policyAfter = await this.read<Hex>(rollup, ABI.rollup, "sequencing");
    const settledAtExecution = await this.settled(executed.blockNumber);
    this.line(
      `Timelock.execute by anyone (dev account ${CLAIMER}) after the delay: tx ${short(executed.transactionHash)}, L1 block ${executed.blockNumber} ≥ eta; rollup.sequencing() = ${policyAfter} ✓`,
    );
    if (policyAfter.toLowerCase() !== policy.toLowerCase()) {
      throw new DemoStepError(5, `the policy is ${policyAfter}, not ${policy}`);
    }
    const target = settledAtExecution + 3n;
    const settledAfter = await this.until(5, `the rollup to settle L2 block ${target}`, async () => {
      const n = await this.settled();
      return n >= target ? n : undefined;
    });
    const [advanced] = await this.l1.getContractEvents({
      address: rollup,
      abi: ABI.rollup,
      eventName: "Advanced",
      fromBlock: executed.blockNumber + 1n,
    });
    if (advanced === undefined) throw new DemoStepError(5, "no block settled after the change");
    const advancedBy = (await this.l1.getTransaction({ hash: advanced.transactionHash as Hex })).from;
    this.line(
      `the sequencer keeps settling under the new policy: number() ${settledAtExecution} → ${settledAfter} (advance from ${short(advancedBy)}) ✓`,
    );
    if (advancedBy.toLowerCase() !== sequencer.toLowerCase()) {
      throw new DemoStepError(5, `${advancedBy} advanced the rollup, not the sequencer`);
    }
    this.report.governance = {
      policyBefore,
      newPolicy: policy,
      policyAfter,
      minimumBond: MINIMUM_BOND,
      sequencer,
      sequencerBond: bond,
      sequencerAllowed: allowed,
      scheduleTx: scheduled.transactionHash,
      scheduledInL1Block: scheduled.blockNumber,
      eta,
      earlyError: early.name,
      earlyTx: earlyHash,
      earlyStatus: earlyReceipt.status,
      earlyL1Block: earlyReceipt.blockNumber,
      executeTx: executed.transactionHash,
      executedInL1Block: executed.blockNumber,
      settledAtExecution,
      settledAfter,
      advancedBy,
    };
  }

  // ------------------------------------------------------------------ 6. invalid block

  private async invalidBlock(): Promise<void> {
    this.step(6, "An invalid L2 block is refused: a settled block's EXECUTE input with a forged state root");
    const rollup = this.contracts.rollup;
    const head = await this.l1.getBlockNumber();
    const logs = await this.l1.getContractEvents({
      address: rollup,
      abi: ABI.rollup,
      eventName: "Advanced",
      fromBlock: head > 20n ? head - 20n : 0n,
    });
    const last = logs.at(-1);
    if (last === undefined) throw new DemoStepError(6, "no recent Advanced event on L1");
    const tx = await this.l1.getTransaction({ hash: last.transactionHash as Hex });
    const input = await advanceInput(tx, rollup, (hash) =>
      this.l1.request({ method: "nrx_getBlob", params: [hash] } as never),
    );
    const stateless = decodeStatelessInput(input);
    const payload = stateless.newPayloadRequest.executionPayload;
    const l2Block = payload.blockNumber;
    const genuine = toHex(payload.stateRoot);
    const forged = Uint8Array.from(payload.stateRoot);
    forged[31] ^= 0xff;
    const tampered = encodeStatelessInput({
      ...stateless,
      newPayloadRequest: {
        ...stateless.newPayloadRequest,
        executionPayload: { ...payload, stateRoot: forged },
      },
    });
    this.line(
      `took L2 block ${l2Block}'s input from advance tx ${short(tx.hash)} (${input.length} bytes); state root ${short(genuine)} → forged ${short(toHex(forged))}`,
    );
    const sequencer = privateKeyToAccount(this.keys[SEQUENCER_ACCOUNT]).address;
    // Under the new policy only the listed sequencer may post: it is the one that tries.
    const prepayment = parseEther("1");
    const advance = (bytes: Uint8Array) => ({
      address: rollup,
      abi: ROLLUP_ERRORS,
      functionName: "advance",
      args: [toHex(bytes)],
      value: prepayment,
    });
    const refused = await this.revertOf(
      6,
      "l1",
      sequencer,
      advance(tampered),
      "advance with the forged block",
    );
    const replay = await this.revertOf(6, "l1", sequencer, advance(input), "replaying the settled block");
    this.line(`eth_call advance(forged) from the sequencer's account: reverts with ${refused.name}`);
    this.line(`(for comparison, replaying the genuine input: ${replay.name}, a continuity check)`);
    if (refused.name !== "InvalidBlock")
      throw new DemoStepError(6, `the forged block reverts with ${refused.name}`);
    const data = encodeFunctionData({ abi: ABI.rollup, functionName: "advance", args: [toHex(tampered)] });
    const hash = await this.sendAsSequencer(
      6,
      { to: rollup, data, value: prepayment, gas: 1_500_000n + 48n * BigInt(tampered.length) },
      "advance(forged)",
    );
    const receipt = await this.l1.waitForTransactionReceipt({ hash, pollingInterval: 100 });
    const at = receipt.blockNumber;
    const [numberBefore, numberAfter, rootBefore, rootAfter] = await Promise.all([
      this.settled(at - 1n),
      this.settled(at),
      this.read<Hex>(rollup, ABI.rollup, "stateRoot", [], at - 1n),
      this.read<Hex>(rollup, ABI.rollup, "stateRoot", [], at),
    ]);
    const advancedInSameBlock = (
      await this.l1.getContractEvents({
        address: rollup,
        abi: ABI.rollup,
        eventName: "Advanced",
        fromBlock: at,
        toBlock: at,
      })
    ).length;
    const settledRootOfBlock = await this.read<Hex>(rollup, ABI.rollup, "stateRootAt", [l2Block]);
    const ownEvents = receipt.logs.length;
    const unchanged =
      receipt.status === "reverted" &&
      ownEvents === 0 &&
      numberAfter - numberBefore === BigInt(advancedInSameBlock) &&
      (advancedInSameBlock > 0 || rootAfter === rootBefore) &&
      rootAfter !== toHex(forged) &&
      settledRootOfBlock === genuine;
    this.line(`sent on L1: tx ${hash}, L1 block ${at}, status ${receipt.status}, ${ownEvents} events`);
    this.line(
      `rollup around it: number ${numberBefore} → ${numberAfter}, stateRoot ${short(rootBefore)} → ${short(rootAfter)}${advancedInSameBlock > 0 ? ` (only the sequencer's ${advancedInSameBlock} valid post${advancedInSameBlock > 1 ? "s" : ""} in that block)` : ""}`,
    );
    this.line(`stateRootAt(${l2Block}) is still the genuine ${short(settledRootOfBlock)} ✓`);
    if (!unchanged) throw new DemoStepError(6, "the forged block moved the rollup");
    this.report.invalidBlock = {
      l2Block,
      genuineStateRoot: genuine,
      tamperedStateRoot: toHex(forged),
      error: refused.name,
      replayError: replay.name,
      l1Tx: hash,
      status: receipt.status,
      l1Block: at,
      numberBefore,
      numberAfter,
      rootBefore,
      rootAfter,
      advancedInSameBlock,
      settledRootOfBlock,
      unchanged,
    };
  }

  // ------------------------------------------------------------------ 7. follower = sequencer

  private async compareRoots(): Promise<void> {
    this.step(7, "The follower, rebuilt from L1 alone, agrees with the sequencer on every settled block");
    const settled = await this.settled();
    await this.until(7, `the follower to reach L2 block ${settled}`, async () =>
      (await this.follower.getBlockNumber()) >= settled ? true : undefined,
    );
    const mismatches: bigint[] = [];
    const numbers = Array.from({ length: Number(settled) }, (_, i) => BigInt(i + 1));
    let last: { sequencer: Hex; follower: Hex } | undefined;
    for (let i = 0; i < numbers.length; i += 16) {
      await Promise.all(
        numbers.slice(i, i + 16).map(async (blockNumber) => {
          const [a, b] = await Promise.all([
            this.l2.getBlock({ blockNumber }),
            this.follower.getBlock({ blockNumber }),
          ]);
          if (a.stateRoot !== b.stateRoot || a.hash !== b.hash) mismatches.push(blockNumber);
          if (blockNumber === settled) last = { sequencer: a.stateRoot, follower: b.stateRoot };
        }),
      );
    }
    mismatches.sort((a, b) => (a < b ? -1 : 1));
    const rollupRoot = await this.read<Hex>(this.contracts.rollup, ABI.rollup, "stateRootAt", [settled]);
    const headMatchesRollup = last !== undefined && last.follower === rollupRoot;
    this.line(
      `blocks 1…${settled}: ${numbers.length - mismatches.length} of ${numbers.length} state roots and hashes equal on both RPCs${mismatches.length > 0 ? `; differ: ${mismatches.join(", ")}` : " ✓"}`,
    );
    if (last) {
      this.line(
        `block ${settled}: sequencer ${short(last.sequencer)}, follower ${short(last.follower)}, rollup.stateRootAt ${short(rollupRoot)}`,
      );
    }
    if (mismatches.length > 0)
      throw new DemoStepError(7, `the follower differs at L2 blocks ${mismatches.join(", ")}`);
    if (!headMatchesRollup)
      throw new DemoStepError(7, "the follower's settled state root is not the rollup's");
    this.report.roots = {
      settled,
      compared: numbers.length,
      allMatch: mismatches.length === 0,
      mismatches,
      headMatchesRollup,
    };
  }
}

/** A closing summary of the report. */
export function summarize(report: DemoReport): string[] {
  return [
    `deposit: ${eth(report.deposit.amount)} → fresh L2 account, L2 balance ${eth(report.deposit.l2Balance)}`,
    `L2 use: TestToken ${short(report.l2Activity.token)}, ${report.l2Activity.transfers.length} token transfers, ${eth(report.l2Activity.ethTransfer.value)} sent, ${report.l2Activity.gasPaid} wei gas paid`,
    `withdrawal: ${eth(report.withdrawal.paid)} paid on L1 against L2 block ${report.withdrawal.provenAtL2Block}; second claim: ${report.withdrawal.secondClaimError}`,
    `forced inclusion: refused by the sequencer, queued on L1, first transaction of L2 block ${report.forced.l2Block}`,
    `governance: ${report.governance.earlyError} before the eta (L1 block ${report.governance.eta}); then sequencing ${short(report.governance.policyBefore)} → ${short(report.governance.policyAfter)}, settled ${report.governance.settledAtExecution} → ${report.governance.settledAfter}`,
    `invalid block: ${report.invalidBlock.error}, rollup unmoved by it`,
    `follower: ${report.roots.compared} settled blocks compared, ${report.roots.allMatch ? "all equal" : "MISMATCH"}`,
  ];
}

/** `nrx demo [--slot-ms MS]`: runs the demo, printing it; 0 on success, 1 on a failed step. */
export async function runRollupDemoCommand(args: string[]): Promise<number> {
  const i = args.indexOf("--slot-ms");
  const l1SlotMs = i >= 0 ? Number(args[i + 1]) : 500;
  if (!Number.isInteger(l1SlotMs) || l1SlotMs < 200 || l1SlotMs > 60_000) {
    console.error("usage: nrx demo [--slot-ms MS]   (MS from 200 to 60000; default 500)");
    return 2;
  }
  console.log("nrx demo: a native rollup end to end, through JSON-RPC only");
  try {
    const report = await runRollupDemo({ log: (line) => console.log(line), l1SlotMs });
    console.log("");
    console.log(`Summary (${(report.durationMs / 1000).toFixed(1)} s):`);
    for (const line of summarize(report)) console.log(`  ✓ ${line}`);
    return 0;
  } catch (err) {
    console.log("");
    if (err instanceof DemoStepError) {
      console.error(`FAILED at ${err.message}`);
      return 1;
    }
    console.error(`FAILED: ${(err as Error).stack ?? err}`);
    return 1;
  }
}
