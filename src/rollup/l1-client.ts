/**
 * A connection to an L1 node's JSON-RPC, as a rollup's deployer, sequencer and followers use it:
 * viem clients, and an account when the connection sends transactions.
 */
import {
  type Account,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { NrxError } from "../util/errors.ts";

export type L1Client = {
  url: string;
  chainId: bigint;
  public: PublicClient;
  /** Present when connected with a key. */
  wallet?: WalletClient & { account: Account };
};

export class L1ConnectionError extends NrxError {
  override name = "L1ConnectionError";
}

/**
 * Connects to the L1 at `url`, reading its chain id; with `key`, also as the account of that key.
 * `pollingIntervalMs` is how often receipts and new blocks are polled (default 250 ms).
 *
 * @example
 * const l1 = await connectL1("http://127.0.0.1:8545", devKey);
 * await l1.public.getBlockNumber();
 */
export async function connectL1(url: string, key?: Hex, pollingIntervalMs = 250): Promise<L1Client> {
  const probe = createPublicClient({ transport: http(url, { retryCount: 0 }) });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (err) {
    throw new L1ConnectionError(`no L1 JSON-RPC at ${url}: ${(err as Error).message.split("\n")[0]}`);
  }
  const chain = defineChain({
    id: chainId,
    name: `nrx L1 ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  const transport = http(url);
  const client: L1Client = {
    url,
    chainId: BigInt(chainId),
    public: createPublicClient({ chain, transport, pollingInterval: pollingIntervalMs }) as PublicClient,
  };
  if (key !== undefined) {
    client.wallet = createWalletClient({
      chain,
      transport,
      account: privateKeyToAccount(key),
      pollingInterval: pollingIntervalMs,
    });
  }
  return client;
}

/**
 * The custom error a failed contract call reverted with, as the ABI decodes it (viem's
 * `ContractFunctionRevertedError`); undefined when the failure is not a decoded revert.
 *
 * @example
 * try { await l1.public.simulateContract(call) } catch (err) { revertOf(err)?.name } // "AlreadyClaimed"
 */
export function revertOf(err: unknown): { name: string; args: readonly unknown[] } | undefined {
  if (!(err instanceof BaseError)) return undefined;
  const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return undefined;
  const name = reverted.data?.errorName ?? reverted.reason ?? reverted.signature;
  return name === undefined ? undefined : { name, args: reverted.data?.args ?? [] };
}
