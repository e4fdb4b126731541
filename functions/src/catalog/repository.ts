/**
 * Firestore reads of the catalog (exercises, aliases, family registry) and the one derived document,
 * the family registry entry. Every multi-document read pages by document id; a read that would
 * exceed its cap throws `CatalogLimitError` instead of quietly returning a prefix.
 */
import { FieldPath, Firestore, Query, QueryDocumentSnapshot, QuerySnapshot, Transaction } from "firebase-admin/firestore";
import { COLLECTIONS } from "../firestore";
import type { FamilyRegistryDoc } from "./schemas";
import { type FamilyStatus, splitEquipmentPrefix, splitExerciseName, titleCase, toFamilySlug } from "./taxonomy";

export type DocData = Record<string, unknown>;

export interface CatalogDoc {
  id: string;
  data: DocData;
}

export type CatalogCollection = typeof COLLECTIONS.exercises | typeof COLLECTIONS.aliases | typeof COLLECTIONS.families;

/** "exercises/bench_press__bench-press-barbell": how journal entries, issues and previews name a document. */
export function documentPath(collection: CatalogCollection, id: string): string {
  return `${collection}/${id}`;
}

export const DEFAULT_PAGE_SIZE = 200;
/** The most exercises one family may have before reading it whole is refused. */
export const MAX_FAMILY_EXERCISES = 2_000;
/** Firestore's limit of values in an `in` filter. */
const IN_FILTER_LIMIT = 30;
const GET_ALL_CHUNK = 300;

/** A read that would go past its cap; permanent (retrying reads the same catalog). */
export class CatalogLimitError extends Error {
  readonly code = "CATALOG_LIMIT_EXCEEDED";
  readonly transient = false;
  constructor(
    readonly what: string,
    readonly limit: number,
  ) {
    super(`${what} has more than ${limit} documents`);
    this.name = "CatalogLimitError";
  }
}

/** Runs a query: directly, or inside a transaction (`transactionReader`). */
export type QueryReader = (query: Query) => Promise<QuerySnapshot>;

export const directQueryReader: QueryReader = (query) => query.get();
export const transactionQueryReader =
  (tx: Transaction): QueryReader =>
  (query) =>
    tx.get(query);

/**
 * Pages through `query` ordered by document id, one page of at most `pageSize` documents at a
 * time, until the end. The query must not have a limit or an order of its own.
 */
export async function* pageCollection(
  query: Query,
  pageSize = DEFAULT_PAGE_SIZE,
  read: QueryReader = directQueryReader,
): AsyncGenerator<QueryDocumentSnapshot[]> {
  const ordered = query.orderBy(FieldPath.documentId()).limit(pageSize);
  let cursor: QueryDocumentSnapshot | undefined;
  for (;;) {
    const snap = await read(cursor ? ordered.startAfter(cursor) : ordered);
    if (snap.empty) return;
    yield snap.docs;
    if (snap.size < pageSize) return;
    cursor = snap.docs[snap.docs.length - 1];
  }
}

/** Every document of `query`, or `CatalogLimitError` when there are more than `max`. */
export async function collectQuery(
  query: Query,
  options: { what: string; max: number; pageSize?: number; read?: QueryReader },
): Promise<CatalogDoc[]> {
  const docs: CatalogDoc[] = [];
  for await (const page of pageCollection(query, options.pageSize, options.read)) {
    for (const doc of page) docs.push({ id: doc.id, data: doc.data() });
    if (docs.length > options.max) throw new CatalogLimitError(options.what, options.max);
  }
  return docs;
}

function familyQuery(db: Firestore, familySlug: string): Query {
  return db.collection(COLLECTIONS.exercises).where("family_slug", "==", familySlug);
}

/** A family's exercises, page by page in document id order. */
export async function* familyExercises(
  db: Firestore,
  familySlug: string,
  options: { pageSize?: number; read?: QueryReader } = {},
): AsyncGenerator<CatalogDoc> {
  for await (const page of pageCollection(familyQuery(db, familySlug), options.pageSize, options.read)) {
    for (const doc of page) yield { id: doc.id, data: doc.data() };
  }
}

/** A whole family, or `CatalogLimitError` beyond `max` exercises. */
export function loadFamilyExercises(
  db: Firestore,
  familySlug: string,
  options: { max?: number; pageSize?: number; read?: QueryReader } = {},
): Promise<CatalogDoc[]> {
  return collectQuery(familyQuery(db, familySlug), {
    what: `family ${familySlug}`,
    max: options.max ?? MAX_FAMILY_EXERCISES,
    pageSize: options.pageSize,
    read: options.read,
  });
}

async function getDocuments(db: Firestore, collection: CatalogCollection, ids: Iterable<string>): Promise<Map<string, DocData>> {
  const unique = [...new Set(ids)];
  const found = new Map<string, DocData>();
  for (let start = 0; start < unique.length; start += GET_ALL_CHUNK) {
    const refs = unique.slice(start, start + GET_ALL_CHUNK).map((id) => db.collection(collection).doc(id));
    for (const snap of await db.getAll(...refs)) {
      if (snap.exists) found.set(snap.id, snap.data() as DocData);
    }
  }
  return found;
}

export async function getExercise(db: Firestore, id: string): Promise<DocData | null> {
  const snap = await db.collection(COLLECTIONS.exercises).doc(id).get();
  return snap.exists ? (snap.data() as DocData) : null;
}

/** The exercises that exist among `ids`, by id. */
export function getExercises(db: Firestore, ids: Iterable<string>): Promise<Map<string, DocData>> {
  return getDocuments(db, COLLECTIONS.exercises, ids);
}

/** The aliases that exist among `slugs` (alias document id = alias slug). */
export function getAliases(db: Firestore, slugs: Iterable<string>): Promise<Map<string, DocData>> {
  return getDocuments(db, COLLECTIONS.aliases, slugs);
}

export async function getFamilyRegistry(db: Firestore, familySlug: string): Promise<DocData | null> {
  const snap = await db.collection(COLLECTIONS.families).doc(familySlug).get();
  return snap.exists ? (snap.data() as DocData) : null;
}

export function getFamilyRegistries(db: Firestore, familySlugs: Iterable<string>): Promise<Map<string, DocData>> {
  return getDocuments(db, COLLECTIONS.families, familySlugs);
}

/** Documents of `collection` whose `field` is one of `values`, paged, at most `max` in all. */
async function whereIn(
  db: Firestore,
  collection: CatalogCollection,
  field: string,
  values: Iterable<string>,
  max: number,
): Promise<CatalogDoc[]> {
  const unique = [...new Set(values)];
  const docs: CatalogDoc[] = [];
  for (let start = 0; start < unique.length; start += IN_FILTER_LIMIT) {
    const chunk = unique.slice(start, start + IN_FILTER_LIMIT);
    const query = db.collection(collection).where(field, "in", chunk);
    docs.push(...(await collectQuery(query, { what: `${collection} with ${field} in [${chunk.join(", ")}]`, max: max - docs.length })));
  }
  return docs;
}

const MAX_MATCHES = 5_000;

/** Aliases whose `exercise_id` is one of `exerciseIds`. */
export function aliasesPointingAtExercises(db: Firestore, exerciseIds: Iterable<string>): Promise<CatalogDoc[]> {
  return whereIn(db, COLLECTIONS.aliases, "exercise_id", exerciseIds, MAX_MATCHES);
}

/** Aliases whose `family_slug` is one of `familySlugs`. */
export function aliasesPointingAtFamilies(db: Firestore, familySlugs: Iterable<string>): Promise<CatalogDoc[]> {
  return whereIn(db, COLLECTIONS.aliases, "family_slug", familySlugs, MAX_MATCHES);
}

/** Exercises (any status) whose `name_slug` is one of `nameSlugs`. */
export function exercisesWithNameSlugs(db: Firestore, nameSlugs: Iterable<string>): Promise<CatalogDoc[]> {
  return whereIn(db, COLLECTIONS.exercises, "name_slug", nameSlugs, MAX_MATCHES);
}

// ------------------------------------------------------------------------------ family registry

const RETIRED_EXERCISE_STATUSES: ReadonlySet<unknown> = new Set(["deprecated", "merged"]);

/** Absent, approved and draft exercises are part of their family; deprecated and merged ones are not. */
export function isLiveExercise(exercise: Readonly<DocData>): boolean {
  return !RETIRED_EXERCISE_STATUSES.has(exercise.status);
}

/** The primary equipment (first item) of an exercise, or null when it has none. */
export function primaryEquipment(exercise: Readonly<DocData>): string | null {
  const equipment = exercise.equipment;
  return Array.isArray(equipment) && typeof equipment[0] === "string" ? equipment[0] : null;
}

export interface RegistryOptions {
  /** Default: active while the family has live exercises, else deprecated. */
  status?: FamilyStatus;
  merged_into?: string;
  /** The stored entry, whose base name is kept when no exercise names the family's base movement. */
  previous?: Readonly<DocData> | null;
}

/**
 * The registry entry of a family, derived from its exercises: base name, the primary equipment
 * set, every equipment its live exercises use, how many live exercises it has, and its status.
 * Equipment lists are sorted, so the same exercises always give the same document.
 */
export function computeFamilyRegistry(
  familySlug: string,
  exercises: readonly Readonly<DocData>[],
  options: RegistryOptions = {},
): FamilyRegistryDoc {
  const live = exercises.filter(isLiveExercise);
  const primary = new Set<string>();
  const allowed = new Set<string>();
  for (const exercise of live) {
    const first = primaryEquipment(exercise);
    if (first) primary.add(first);
    for (const item of Array.isArray(exercise.equipment) ? exercise.equipment : []) {
      if (typeof item === "string") allowed.add(item);
    }
  }
  const status = options.status ?? (live.length > 0 ? "active" : "deprecated");
  return {
    family_slug: familySlug,
    base_name: familyBaseName(familySlug, live, options.previous),
    primary_equipment: [...primary].sort(),
    allowed_equipment: [...allowed].sort(),
    exercise_count: live.length,
    status,
    ...(status === "merged" && options.merged_into ? { merged_into: options.merged_into } : {}),
  };
}

/**
 * The most common base among names whose own family slug is this family ("Push-Up" for push_up,
 * not "Incline Push-Up"); else the stored base name; else the slug in Title Case.
 */
function familyBaseName(familySlug: string, live: readonly Readonly<DocData>[], previous?: Readonly<DocData> | null): string {
  const counts = new Map<string, number>();
  for (const exercise of live) {
    if (typeof exercise.name !== "string") continue;
    const base = splitEquipmentPrefix(splitExerciseName(exercise.name).base).rest;
    if (base !== "" && toFamilySlug(base) === familySlug) counts.set(base, (counts.get(base) ?? 0) + 1);
  }
  const ranked = [...counts].sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0));
  if (ranked.length > 0) return ranked[0][0];
  if (typeof previous?.base_name === "string" && previous.base_name.trim() !== "") return previous.base_name;
  return titleCase(familySlug.replace(/_/g, " "));
}
