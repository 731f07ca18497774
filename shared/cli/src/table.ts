import type { OutputStream } from "./cli-io.js";

/** Renders rows as left-aligned columns under an upper-case header; empty cells show "-". */
export function formatTable(headers: string[], rows: string[][]): string {
  const cells = [
    headers.map((h) => h.toUpperCase()),
    ...rows.map((row) => row.map((c) => (c === "" ? "-" : c))),
  ];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Writes a table, or a note when there are no rows. */
export function printTable(out: OutputStream, headers: string[], rows: string[][], empty = "(none)"): void {
  out.write(rows.length === 0 ? `${empty}\n` : `${formatTable(headers, rows)}\n`);
}

/** Writes `key  value` lines for one object, keys aligned. */
export function printFields(out: OutputStream, fields: [string, string][]): void {
  const width = Math.max(...fields.map(([k]) => k.length));
  for (const [key, value] of fields) out.write(`${key.padEnd(width)}  ${value === "" ? "-" : value}\n`);
}
