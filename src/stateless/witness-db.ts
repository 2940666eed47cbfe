/**
 * The state backend of stateless execution: a key-value store holding only what the witness
 * carries, that fails closed. ethereumjs' trie reads nodes and codes through this interface
 * (hex-string keys from its checkpoint layer); a key the witness lacks is an error, never an
 * empty account, empty storage or empty code.
 */
import type { BatchDBOp, DB } from "@ethereumjs/util";
import { bytesToUnprefixedHex, utf8ToBytes } from "@ethereumjs/util";
import { keccak_256 as keccak256 } from "@noble/hashes/sha3.js";
import { NrxError } from "../util/errors.ts";

/** ethereumjs' MerkleStateManager stores code under `'c' || code_hash`. */
const CODE_KEY_PREFIX_HEX = bytesToUnprefixedHex(utf8ToBytes("c"));
const NODE_KEY_HEX_LENGTH = 64;
/** keccak256(rlp("")): the root of the empty trie, which has no node to witness. */
const EMPTY_TRIE_ROOT_HEX = "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";

export class MissingWitnessNodeError extends NrxError {
  override name = "MissingWitnessNodeError";
  constructor(readonly nodeHash: string) {
    super(`trie node ${nodeHash} is not in the witness`);
  }
}

export class MissingWitnessCodeError extends NrxError {
  override name = "MissingWitnessCodeError";
  constructor(readonly codeHash: string) {
    super(`contract code ${codeHash} is not in the witness`);
  }
}

export function codeKeyHex(codeHash: Uint8Array): string {
  return CODE_KEY_PREFIX_HEX + bytesToUnprefixedHex(codeHash);
}

/** Witness entries, keyed the way the trie and the state manager ask for them. */
export function indexWitness(state: Uint8Array[], codes: Uint8Array[]): Map<string, Uint8Array> {
  const entries = new Map<string, Uint8Array>();
  for (const node of state) entries.set(bytesToUnprefixedHex(keccak256(node)), node);
  for (const code of codes) entries.set(codeKeyHex(keccak256(code)), code);
  return entries;
}

function missingEntryError(keyHex: string): Error {
  if (keyHex.length === NODE_KEY_HEX_LENGTH) return new MissingWitnessNodeError(`0x${keyHex}`);
  if (keyHex.startsWith(CODE_KEY_PREFIX_HEX)) {
    return new MissingWitnessCodeError(`0x${keyHex.slice(CODE_KEY_PREFIX_HEX.length)}`);
  }
  return new MissingWitnessNodeError(`0x${keyHex}`);
}

/**
 * A read-only store under a write overlay: what execution writes (post-state nodes, new code)
 * lands in the overlay and is served back from it; everything else is read from `readBase`.
 */
abstract class OverlayDB implements DB<string, Uint8Array> {
  constructor(readonly overlay = new Map<string, Uint8Array>()) {}

  protected abstract readBase(key: string): Uint8Array | undefined;

  abstract shallowCopy(): DB<string, Uint8Array>;

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.overlay.get(key) ?? this.readBase(key);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.overlay.set(key, value);
  }

  async del(key: string): Promise<void> {
    // Node pruning is off, so the trie never deletes; dropping only the overlay copy keeps the
    // base intact should it ever do so.
    this.overlay.delete(key);
  }

  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) {
      if (op.type === "put") await this.put(op.key, op.value);
      else await this.del(op.key);
    }
  }

  async open(): Promise<void> {}
}

/**
 * The witness entries as a fail-closed store: a read of anything neither written nor witnessed
 * throws. `used` records which witness entries were read, so a verifier can tell whether the
 * witness carried data execution did not need.
 */
export class WitnessDB extends OverlayDB {
  constructor(
    readonly entries: Map<string, Uint8Array>,
    overlay?: Map<string, Uint8Array>,
    // Shared with shallow copies: ethereumjs reads every storage trie through a copy of the
    // account trie's DB, and those reads count as used too.
    readonly used = new Set<string>(),
  ) {
    super(overlay);
  }

  protected readBase(key: string): Uint8Array | undefined {
    const witnessed = this.entries.get(key);
    if (witnessed === undefined) {
      // The trie asks for the empty root's node when walking an empty (storage) trie; like any
      // store it has none, and the trie reads that as "empty". No child reference can carry
      // this hash (a node that small is embedded), so nothing else is answered this way.
      if (key === EMPTY_TRIE_ROOT_HEX) return undefined;
      throw missingEntryError(key);
    }
    this.used.add(key);
    return witnessed;
  }

  shallowCopy(): DB<string, Uint8Array> {
    return new WitnessDB(this.entries, this.overlay, this.used);
  }

  /** Witness entries execution never read: `0x`-prefixed node hashes and code hashes. */
  unusedEntries(): string[] {
    const unused: string[] = [];
    for (const key of this.entries.keys()) {
      if (!this.used.has(key)) unused.push(`0x${key.length === NODE_KEY_HEX_LENGTH ? key : key.slice(2)}`);
    }
    return unused;
  }
}

/**
 * A full pre-state store that records every pre-state entry execution reads: running a block
 * through it yields exactly the witness stateless execution needs, including the sibling
 * nodes read to restructure the trie after deletions.
 */
export class RecordingDB extends OverlayDB {
  readonly nodes = new Map<string, Uint8Array>();
  readonly codes = new Map<string, Uint8Array>();

  constructor(readonly base: Map<string, Uint8Array>) {
    super();
  }

  protected readBase(key: string): Uint8Array | undefined {
    const value = this.base.get(key);
    if (value === undefined) return undefined;
    if (key.length === NODE_KEY_HEX_LENGTH) this.nodes.set(key, value);
    else if (key.startsWith(CODE_KEY_PREFIX_HEX)) this.codes.set(key, value);
    return value;
  }

  shallowCopy(): DB<string, Uint8Array> {
    return this;
  }

  /** Makes this block's writes part of the base, for the next block. */
  commitOverlay(): void {
    for (const [k, v] of this.overlay) this.base.set(k, v);
    this.overlay.clear();
  }
}
