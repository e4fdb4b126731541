/**
 * Plain documents as data: a map of field → value, and immutable helpers for dotted field paths.
 * Paths are dotted map keys and never index into arrays (as in Firestore updates).
 */

/** A stored document's fields. */
export type DocData = Record<string, unknown>;

/**
 * Plain maps only: arrays, Dates and Firestore Timestamps are leaves. Compares prototype shape rather
 * than identity with Object.prototype, so maps from another realm (structuredClone, vm) count too.
 */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/** Whether `value` is a string with something in it: a stored field may hold anything (legacy data, clients' writes). */
export function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

function splitPath(path: string): string[] {
  const segments = path.split(".");
  if (segments.some((segment) => segment === "")) throw new Error(`invalid field path "${path}"`);
  return segments;
}

export function getPath(obj: unknown, path: string): unknown {
  let current: unknown = obj;
  for (const segment of path.split(".")) {
    if (!isPlainRecord(current)) return undefined;
    current = current[segment];
  }
  return current;
}

/**
 * Returns a copy with `path` set. Like a Firestore update, a missing, null or scalar parent becomes a
 * map; an array or other object in the way is an error, because paths never index into arrays.
 */
export function setPath(obj: Readonly<Record<string, unknown>>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = splitPath(path);
  if (rest.length === 0) return { ...obj, [head]: value };
  const child = obj[head];
  if (typeof child === "object" && child !== null && !isPlainRecord(child)) {
    throw new Error(`cannot set "${path}": "${head}" is not a map`);
  }
  return { ...obj, [head]: setPath(isPlainRecord(child) ? child : {}, rest.join("."), value) };
}

/** Returns a copy without `path`; a path that does not exist leaves the copy unchanged. */
export function deletePath(obj: Readonly<Record<string, unknown>>, path: string): Record<string, unknown> {
  const [head, ...rest] = splitPath(path);
  if (!Object.hasOwn(obj, head)) return { ...obj };
  if (rest.length === 0) {
    const copy = { ...obj };
    delete copy[head];
    return copy;
  }
  const child = obj[head];
  return isPlainRecord(child) ? { ...obj, [head]: deletePath(child, rest.join(".")) } : { ...obj };
}

/** The dotted `path` up to its first array index ("muscles.primary" for "muscles.primary.0"): arrays are written whole. */
export function upToArrayIndex(path: string): string {
  const segments = path.split(".");
  const indexAt = segments.findIndex((segment) => /^\d+$/.test(segment));
  return (indexAt < 0 ? segments : segments.slice(0, indexAt)).join(".");
}

/** A stored value as it reads in a message: strings as they are, anything else as JSON. */
export function display(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
}
