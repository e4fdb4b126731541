/**
 * A document's size as Firestore counts it against its 1 MiB limit, by the rules of its storage-size
 * documentation: a string is its UTF-8 bytes plus one, a number or timestamp 8 bytes, a boolean or
 * null 1, an array the sum of its values, a map the sum of its keys (as strings) and values, and a
 * document its fields plus 32 bytes and its name. JSON length is no measure: a number of one digit
 * is 8 bytes here, and an en dash is one character but 3 bytes.
 */
import { Timestamp } from "firebase-admin/firestore";

const stringBytes = (text: string): number => Buffer.byteLength(text, "utf8") + 1;

/** The stored size of one field's value, without its name. */
export function valueBytes(value: unknown): number {
  if (value === null || typeof value === "boolean") return 1;
  if (typeof value === "string") return stringBytes(value);
  if (typeof value === "number" || value instanceof Timestamp || value instanceof Date) return 8;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + valueBytes(item), 0);
  if (typeof value === "object") return fieldsBytes(value as Record<string, unknown>);
  // undefined is not stored.
  return 0;
}

function fieldsBytes(fields: Readonly<Record<string, unknown>>): number {
  return Object.entries(fields).reduce((sum, [key, value]) => (value === undefined ? sum : sum + stringBytes(key) + valueBytes(value)), 0);
}

/** The stored size of a document with `fields`, but for its name (16 bytes and its path's segments as strings). */
export function documentBytes(fields: Readonly<Record<string, unknown>>): number {
  return fieldsBytes(fields) + 32;
}
