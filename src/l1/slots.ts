/** The L1's slot clock: one block per slot, kept to the wall clock. */

export type SlotClock = { stop(): void };

/**
 * Calls `produce` once per slot of `slotTimeMs` until stopped. Slots keep to the wall clock: a
 * block that takes long to build shortens the wait for the next one instead of pushing every
 * later slot back. A slot whose start has passed while a block was being built is skipped, as a
 * missed slot is on a real chain.
 *
 * @example
 * const slots = startSlots(config.slotTimeMs, () => dev.produceBlock(), log);
 * slots.stop();
 */
export function startSlots(
  slotTimeMs: number,
  produce: () => Promise<unknown>,
  log: (line: string) => void = () => {},
): SlotClock {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let next = Date.now() + slotTimeMs;
  const tick = () => {
    if (stopped) return;
    timer = setTimeout(
      async () => {
        try {
          await produce();
        } catch (err) {
          log(`block production failed: ${(err as Error).stack ?? err}`);
        }
        const now = Date.now();
        next += slotTimeMs * Math.max(1, Math.ceil((now - next) / slotTimeMs));
        tick();
      },
      Math.max(0, next - Date.now()),
    );
  };
  tick();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
