/**
 * Deploys a native rollup on an L1 (docs/rollup.md): the L1 bridge (escrowing the backing of the
 * L2's genesis balances; also the fee policy crediting burned L2 fees to a treasury), based
 * sequencing, the forced-inclusion inbox, a timelock as governance, and `NativeRollup` over the
 * L2 genesis; then binds the bridge and the inbox to the rollup. All transactions go out at once with consecutive nonces (addresses predicted), so they land
 * in one L1 block.
 */
import { bytesToHex } from "@ethereumjs/util";
import { type Abi, encodeDeployData, encodeFunctionData, getContractAddress, type Hex } from "viem";
import { loadArtifact } from "../contracts/compile.ts";
import { NrxError } from "../util/errors.ts";
import { genesisBacking, l2ChainConfig, type RollupDeployment } from "./deployment.ts";
import { l2Genesis } from "./genesis.ts";
import type { L1Client } from "./l1-client.ts";

export type DeployRollupOptions = {
  chainId: bigint;
  /** L1 blocks a forced transaction waits before the rollup must include it (default 10). */
  forcedInclusionDelay?: bigint;
  /** L1 blocks between scheduling and executing a governance change (default 20). */
  timelockDelay?: bigint;
  /** The timelock's admin (default: the deployer). */
  admin?: Hex;
  /** Who is credited the L2 base fees burned in settled blocks (default: the deployer). */
  treasury?: Hex;
  /**
   * An ERC-20 on L1 as the L2's gas token (default: ETH). The deployer must hold the genesis
   * backing in it: the deployment approves and escrows it.
   */
  gasToken?: Hex;
  /** L2 genesis options beyond the chain id. */
  premint?: bigint;
  devBalance?: bigint;
  gasLimit?: bigint;
  log?: (line: string) => void;
};

export class DeployError extends NrxError {
  override name = "DeployError";
}

const ZERO_ADDRESS: Hex = "0x0000000000000000000000000000000000000000";
const DEPLOY_GAS = 6_000_000n;
const CALL_GAS = 200_000n;

/**
 * Deploys a rollup from `l1`'s account and returns what nodes need to run it.
 *
 * @example
 * const l1 = await connectL1("http://127.0.0.1:8545", devKey);
 * const deployment = await deployRollup(l1, { chainId: 901n });
 * saveDeployment(".nrx/rollup-901.json", deployment);
 */
export async function deployRollup(l1: L1Client, options: DeployRollupOptions): Promise<RollupDeployment> {
  const wallet = l1.wallet;
  if (wallet === undefined) throw new DeployError("deploying needs an L1 account (a key)");
  const chain = l2ChainConfig({
    chainId: options.chainId,
    ...(options.premint !== undefined ? { premint: options.premint } : {}),
    ...(options.devBalance !== undefined ? { devBalance: options.devBalance } : {}),
    ...(options.gasLimit !== undefined ? { gasLimit: options.gasLimit } : {}),
  });
  if (chain.chainId === l1.chainId) throw new DeployError(`the L2 chain id ${chain.chainId} is the L1's`);
  const genesis = await l2Genesis(chain);
  const genesisHash = bytesToHex(genesis.hash());
  const genesisStateRoot = bytesToHex(genesis.header.stateRoot);

  const deployer = wallet.account.address;
  let nonce = await l1.public.getTransactionCount({ address: deployer, blockTag: "pending" });
  const at = (n: number) => getContractAddress({ from: deployer, nonce: BigInt(n) });
  const addresses = {
    bridge: at(nonce),
    sequencing: at(nonce + 1),
    inbox: at(nonce + 2),
    timelock: at(nonce + 3),
    rollup: at(nonce + 4),
  };
  const backing = genesisBacking(chain);
  const hashes: Hex[] = [];
  const send = async (data: Hex, to?: Hex, value = 0n) => {
    hashes.push(
      await wallet.sendTransaction({
        chain: wallet.chain,
        account: wallet.account,
        data,
        value,
        nonce: nonce++,
        gas: to === undefined ? DEPLOY_GAS : CALL_GAS,
        ...(to !== undefined ? { to } : {}),
      }),
    );
  };
  const create = (name: string, args: readonly unknown[] = [], value = 0n) => {
    const { abi, bytecode } = loadArtifact(name);
    return send(encodeDeployData({ abi: abi as Abi, bytecode, args }), undefined, value);
  };
  const call = (name: string, to: Hex, functionName: string, args: readonly unknown[]) =>
    send(encodeFunctionData({ abi: loadArtifact(name).abi as Abi, functionName, args }), to);

  const token = options.gasToken ?? ZERO_ADDRESS;
  await create("L1Bridge", [token, options.treasury ?? deployer], options.gasToken ? 0n : backing);
  await create("BasedSequencing");
  await create("ForcedInclusionInbox", [options.chainId, options.forcedInclusionDelay ?? 10n]);
  await create("Timelock", [options.admin ?? deployer, options.timelockDelay ?? 20n]);
  await create("NativeRollup", [
    options.chainId,
    genesisHash,
    genesisStateRoot,
    addresses.sequencing,
    addresses.bridge,
    addresses.inbox,
    addresses.bridge,
    addresses.timelock,
  ]);
  if (options.gasToken !== undefined && backing > 0n) {
    await call("IERC20", options.gasToken, "approve", [addresses.bridge, backing]);
    await call("L1Bridge", addresses.bridge, "backGenesis", [backing]);
  }
  await call("L1Bridge", addresses.bridge, "setRollup", [addresses.rollup]);
  await call("ForcedInclusionInbox", addresses.inbox, "setRollup", [addresses.rollup]);
  options.log?.(
    `deploying rollup ${options.chainId}: ${hashes.length} transactions sent, waiting for the L1 block`,
  );

  let l1Block = 0n;
  for (const [i, hash] of hashes.entries()) {
    const receipt = await l1.public.waitForTransactionReceipt({ hash, timeout: 120_000 });
    if (receipt.status !== "success") throw new DeployError(`deployment transaction ${i} (${hash}) reverted`);
    if (receipt.blockNumber > l1Block) l1Block = receipt.blockNumber;
  }
  return {
    l1ChainId: l1.chainId,
    chain,
    genesisHash,
    genesisStateRoot,
    contracts: addresses,
    l1Block,
  };
}
