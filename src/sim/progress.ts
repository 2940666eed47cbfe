/**
 * A progress bar on stderr: redrawn in place on a terminal, a few plain lines otherwise (so logs
 * and CI output stay readable), nothing when disabled.
 */

/** A writable stream as far as the bar needs one. */
export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
}

/**
 * A reporter to pass as `onProgress`: `(done, total) => void`.
 *
 * @example
 * const progress = progressBar(process.stderr, "slots");
 * runSimulation(config, { onProgress: progress });
 */
export function progressBar(stream: ProgressStream, label: string): (done: number, total: number) => void {
  let lastQuarter = -1;
  return (done, total) => {
    const share = total === 0 ? 1 : done / total;
    if (stream.isTTY) {
      const width = 30;
      const full = Math.round(share * width);
      stream.write(`\r[${"#".repeat(full)}${" ".repeat(width - full)}] ${done}/${total} ${label}`);
      if (done >= total) stream.write("\n");
      return;
    }
    // Without a terminal, one line per quarter.
    const quarter = Math.floor(share * 4);
    if (quarter > lastQuarter) {
      lastQuarter = quarter;
      stream.write(`${done}/${total} ${label}\n`);
    }
  };
}
