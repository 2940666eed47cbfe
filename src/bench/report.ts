/**
 * What every benchmark prints: aligned tables, one-decimal figures, and the versions measured.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** A plain-text table: first column left-aligned, the others right-aligned. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join(
    "\n",
  );
}

export const f1 = (n: number) => n.toFixed(1);

/** The ethereumjs version the baseline runs on. */
export function ethereumjsVersion(): string {
  try {
    // The package's exports hide its package.json; find it beside the resolved entry point.
    const entry = createRequire(import.meta.url).resolve("@ethereumjs/vm");
    const root = entry.slice(0, entry.lastIndexOf("/dist/"));
    return (JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}
