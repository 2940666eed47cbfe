/**
 * The ethereumjs Merkle state manager, with the one change fail-closed state needs: errors from
 * storage trie updates must reach the caller.
 */
import type { Common } from "@ethereumjs/common";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { type Account, type Address, bytesToUnprefixedHex, type DB, ValueEncoding } from "@ethereumjs/util";

type ModifyTrie = (storageTrie: MerklePatriciaTrie, done: () => void) => unknown;

export class FailClosedStateManager extends MerkleStateManager {
  /** How many checkpoints are open: 0 when every change is committed or reverted. */
  get checkpointDepth(): number {
    return this._checkpointCount;
  }

  /**
   * ethereumjs runs this through `new Promise(async ...)`: an error thrown by the trie (a node
   * missing from the witness, during an SSTORE) escapes as an unhandled rejection and the
   * caller's promise never settles. This version awaits every step and lets errors propagate.
   */
  override async _modifyContractStorage(
    address: Address,
    account: Account,
    modifyTrie: ModifyTrie,
  ): Promise<void> {
    const storageTrie = this._getStorageTrie(address, account);
    let finished: Promise<void> | undefined;
    await modifyTrie(storageTrie, () => {
      finished = (async () => {
        this._storageTries[bytesToUnprefixedHex(address.bytes)] = storageTrie;
        account.storageRoot = storageTrie.root();
        await this.putAccount(address, account);
      })();
    });
    await finished;
  }
}

/** A state manager over `db`, rooted at `stateRoot`. */
export function createStateManager<T extends FailClosedStateManager = FailClosedStateManager>(
  db: DB<string, Uint8Array>,
  stateRoot: Uint8Array,
  common: Common,
  Kind: new (opts: { trie: MerklePatriciaTrie; common: Common }) => T = FailClosedStateManager as never,
): T {
  const trie = new MerklePatriciaTrie({
    db,
    useKeyHashing: true,
    common,
    valueEncoding: ValueEncoding.Bytes,
  });
  trie.root(stateRoot);
  return new Kind({ trie, common });
}
