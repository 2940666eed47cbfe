/** Waiting in tests for a running system to get somewhere, with a bound. */

/**
 * Polls `check` every 100 ms until it returns a value, failing after `ms` with what was awaited.
 *
 * @example
 * await until("L2 block 3 settled", async () => ((await settled()) >= 3n ? true : undefined));
 */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
