/**
 * Comparing stored documents: a canonical JSON form (sorted keys, timestamps as instants) so two
 * reads of the same stored document always compare equal, and the dotted paths that differ.
 */
import { Timestamp } from "firebase-admin/firestore";
import { getPath, isPlainRecord, type DocData } from "./object-paths";

/** JSON with sorted keys, so equal content always serialises the same way. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
}

/**
 * Timestamps and Dates become the instant they stand for (a Date equals the Timestamp made from it;
 * a Timestamp keeps its sub-millisecond part); everything else is copied as plain data.
 */
function toPlain(value: unknown): unknown {
  if (value instanceof Timestamp) return { $time: value.toDate().toISOString(), $subms: value.nanoseconds % 1_000_000 };
  if (value instanceof Date) return { $time: value.toISOString(), $subms: 0 };
  if (Array.isArray(value)) return value.map(toPlain);
  if (isPlainRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toPlain(item)]));
  return value;
}

/** Deterministic JSON of a stored value: equal content, equal string. */
export function canonicalJson(value: unknown): string {
  return stableStringify(toPlain(value));
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * The dotted paths whose values differ between two documents, descending into maps (arrays and
 * timestamps are compared whole). A created or deleted document differs at every top-level field.
 */
export function changedPaths(before: Readonly<DocData> | null, after: Readonly<DocData> | null, ignore: readonly string[] = []): string[] {
  const paths: string[] = [];
  const walk = (a: unknown, b: unknown, prefix: string): void => {
    if (isPlainRecord(a) && isPlainRecord(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const key of keys) walk(a[key], b[key], prefix ? `${prefix}.${key}` : key);
    } else if (!ignore.includes(prefix) && !sameValue(a, b)) {
      paths.push(prefix);
    }
  };
  walk(before ?? {}, after ?? {}, "");
  return paths;
}

/** The values of `paths` in `doc` (absent paths are left out). */
export function valuesAt(doc: Readonly<DocData> | null, paths: readonly string[]): DocData {
  const values: DocData = {};
  for (const path of paths) {
    const value = getPath(doc, path);
    if (value !== undefined) values[path] = value;
  }
  return values;
}
