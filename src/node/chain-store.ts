/**
 * Crash-safe persistence of a node: one append-only log of records, each framed as
 * `length (u32) ‖ crc32 (u32) ‖ JSON`, written and fsynced before the node acts on it. A
 * transaction is logged before its hash is returned to the client, a block before it becomes the
 * head. On restart the log is replayed; a record torn by a crash fails its checksum and is cut
 * off, so the node resumes from the last complete record.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { NrxError } from "../util/errors.ts";

const HEADER_BYTES = 8;
/** Larger than any record a node writes (a block with its blobs and new trie nodes). */
const MAX_RECORD_BYTES = 1 << 30;

export const LOG_FILE = "chain.log";

export class ChainStoreError extends NrxError {
  override name = "ChainStoreError";
}

export type ReplayResult<T> = { records: T[]; truncatedBytes: number };

/**
 * An append-only record log in `dir`.
 *
 * @example
 * const store = ChainStore.open(".nrx/l1");
 * const { records } = store.replay<MyRecord>();
 * store.append({ type: "tx", raw: "0x…" }); // durable when this returns
 */
export class ChainStore {
  private constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  static open(dir: string): ChainStore {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, LOG_FILE);
    return new ChainStore(path, openSync(path, existsSync(path) ? "r+" : "w+"));
  }

  /**
   * Reads every complete record and cuts a torn tail (the record being written when the process
   * died), so that appends continue from a clean end.
   */
  replay<T>(): ReplayResult<T> {
    const size = fstatSync(this.fd).size;
    const records: T[] = [];
    let offset = 0;
    const header = Buffer.alloc(HEADER_BYTES);
    while (offset + HEADER_BYTES <= size) {
      readSync(this.fd, header, 0, HEADER_BYTES, offset);
      const length = header.readUInt32BE(0);
      const checksum = header.readUInt32BE(4);
      if (length > MAX_RECORD_BYTES || offset + HEADER_BYTES + length > size) break;
      const body = Buffer.alloc(length);
      readSync(this.fd, body, 0, length, offset + HEADER_BYTES);
      if (crc32(body) !== checksum) break;
      try {
        records.push(JSON.parse(body.toString("utf8")) as T);
      } catch {
        break;
      }
      offset += HEADER_BYTES + length;
    }
    if (offset < size) {
      ftruncateSync(this.fd, offset);
      fsyncSync(this.fd);
    }
    this.end = offset;
    return { records, truncatedBytes: size - offset };
  }

  private end = -1;

  /** Appends one record and fsyncs it: it survives a crash once this returns. */
  append(record: unknown): void {
    if (this.end < 0) throw new ChainStoreError("replay the log before appending to it");
    const body = Buffer.from(JSON.stringify(record), "utf8");
    if (body.length > MAX_RECORD_BYTES)
      throw new ChainStoreError(`record of ${body.length} bytes is too large`);
    const frame = Buffer.alloc(HEADER_BYTES + body.length);
    frame.writeUInt32BE(body.length, 0);
    frame.writeUInt32BE(crc32(body), 4);
    body.copy(frame, HEADER_BYTES);
    let written = 0;
    while (written < frame.length) {
      written += writeSync(this.fd, frame, written, frame.length - written, this.end + written);
    }
    fsyncSync(this.fd);
    this.end += frame.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}
