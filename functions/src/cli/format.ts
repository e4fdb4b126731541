/** How the CLI prints: aligned tables for people, JSON (timestamps as ISO strings) for scripts. */
import { Timestamp } from "firebase-admin/firestore";
import { display, isPlainRecord } from "../util/object-paths";

/** Timestamps and Dates as ISO strings, errors as their message, everything else as it is. */
function plain(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate().toISOString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) return value.message;
  if (Array.isArray(value)) return value.map(plain);
  if (isPlainRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
  return value;
}

export function toJson(value: unknown): string {
  return JSON.stringify(plain(value), null, 2);
}

/** One cell: empty for nothing, ISO for times, compact JSON for structures. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const simple = plain(value);
  return typeof simple === "string" ? simple : display(simple);
}

/** Rows under a header, columns padded to their widest cell. */
export function table(header: readonly string[], rows: readonly (readonly unknown[])[]): string[] {
  const cells = [header, ...rows.map((row) => row.map(cell))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0)));
  return cells.map((row) =>
    row
      .map((text, column) => (column === row.length - 1 ? text : text.padEnd(widths[column])))
      .join("  ")
      .trimEnd(),
  );
}
