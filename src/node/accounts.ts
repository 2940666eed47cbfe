/** The prefunded dev accounts of a chain, derived as anvil derives them. */
import { bytesToHex } from "@ethereumjs/util";
import { mnemonicToAccount } from "viem/accounts";
import type { ChainConfig } from "./config.ts";

export type DevAccount = { address: `0x${string}`; privateKey: `0x${string}` };

/** The prefunded accounts: `m/44'/60'/0'/0/i` of the configured mnemonic. */
export function deriveDevAccounts(config: Pick<ChainConfig, "devAccounts">): DevAccount[] {
  const accounts: DevAccount[] = [];
  for (let i = 0; i < config.devAccounts.count; i++) {
    const account = mnemonicToAccount(config.devAccounts.mnemonic, { addressIndex: i });
    const key = account.getHdKey().privateKey;
    if (key === null) throw new Error(`no private key for dev account ${i}`);
    accounts.push({ address: account.address, privateKey: bytesToHex(key) });
  }
  return accounts;
}
