/**
 * How an L2 node holds on to its L1 (docs/rollup.md, "When the L1 fails or reorganises"): a
 * failed round is either the L1 out of reach (the node retries with backoff) or something else
 * (a block that does not derive, a post L1 refused), and the node's state changes only on a
 * change of either; each change is one log line, never a stack per attempt. `eth_syncing` and
 * `nrx_rollup` report the state.
 */
import { BaseError, HttpRequestError, SocketClosedError, TimeoutError, WebSocketRequestError } from "viem";

/** Longest wait between two attempts while the L1 is lost or a round keeps failing. */
export const MAX_BACKOFF_MS = 15_000;

/**
 * What an L2 node is doing: building (`sequencing`), caught up with what L1 settled (`following`),
 * catching up (`syncing`), waiting for L1 to settle what it built (`waiting`), cut off from its
 * L1 (`l1_unreachable`), or stopped by a failure that retrying may or may not clear (`halted`).
 */
export type L2State =
  | "starting"
  | "sequencing"
  | "following"
  | "syncing"
  | "waiting"
  | "l1_unreachable"
  | "halted";

/** The state, why (for the last three), and since when (ms since the epoch). */
export type L2Status = { state: L2State; reason?: string; since: number };

/**
 * Whether `err` says the L1 did not answer at all (refused connection, timeout, closed socket),
 * as opposed to an answer the node did not like.
 *
 * @example
 * isL1Unreachable(await client.getBlockNumber().catch((e) => e)); // true while the L1 is down
 */
export function isL1Unreachable(err: unknown): boolean {
  if (!(err instanceof BaseError)) return false;
  return (
    err.walk(
      (e) =>
        e instanceof HttpRequestError ||
        e instanceof TimeoutError ||
        e instanceof SocketClosedError ||
        e instanceof WebSocketRequestError,
    ) !== null
  );
}

/**
 * What went wrong in one line, which is all a log line or a status needs: for an error the L1
 * answered, its own words (viem's short message is a generic "Missing or invalid parameters").
 */
export function shortMessage(err: unknown): string {
  if (err instanceof BaseError) return (err.details || err.shortMessage).split("\n")[0];
  return (err instanceof Error ? err.message : String(err)).split("\n")[0];
}

/**
 * @example
 * const link = new L1Link("http://127.0.0.1:8545", log);
 * try { await round(); link.succeeded("following"); } catch (err) { link.failed(err); }
 * setTimeout(next, link.delay(pollMs));
 */
export class L1Link {
  status: L2Status = { state: "starting", since: Date.now() };
  /** Failed rounds in a row. */
  private failures = 0;

  constructor(
    private readonly url: string,
    private readonly log: (line: string) => void,
  ) {}

  /** A round went through; the node is now in `state` (`reason` for `waiting`). */
  succeeded(state: Exclude<L2State, "l1_unreachable" | "halted">, reason?: string): void {
    const was = this.status;
    this.failures = 0;
    if (was.state === state && was.reason === reason) return;
    const now = Date.now();
    if (was.state === "l1_unreachable") {
      this.log(
        `the L1 at ${this.url} answers again after ${Math.round((now - was.since) / 1000)} s; resuming`,
      );
    } else if (was.state === "halted") {
      this.log("the failure cleared; resuming");
    }
    if (state === "waiting" && reason !== undefined) this.log(reason);
    this.status = { state, ...(reason !== undefined ? { reason } : {}), since: now };
  }

  /**
   * A round failed with `err`: the L1 is out of reach, or the node is halted by `err` once it
   * fails two rounds in a row (a single failure is most often the L1 moving under a round: a
   * block gone between two reads of a reorg; the next round, reading L1 again, goes through).
   */
  failed(err: unknown): void {
    this.failures++;
    const unreachable = isL1Unreachable(err);
    if (!unreachable && this.failures === 1 && this.status.state !== "halted") return;
    const state: L2State = unreachable ? "l1_unreachable" : "halted";
    const reason = state === "l1_unreachable" ? `no answer from the L1 at ${this.url}` : shortMessage(err);
    const was = this.status;
    if (was.state === state && was.reason === reason) return;
    this.log(
      state === "l1_unreachable"
        ? `${reason} (${shortMessage(err)}); retrying with backoff up to ${MAX_BACKOFF_MS / 1000} s`
        : `halted: ${reason}; retrying with backoff up to ${MAX_BACKOFF_MS / 1000} s`,
    );
    this.status = { state, reason, since: was.state === state ? was.since : Date.now() };
  }

  /** How long to wait before the next round: `intervalMs` while rounds go through, doubling per failure after. */
  delay(intervalMs: number): number {
    if (this.failures === 0) return intervalMs;
    return Math.min(MAX_BACKOFF_MS, Math.max(intervalMs, intervalMs * 2 ** (this.failures - 1)));
  }
}
