/**
 * Firestore reads of the catalog (exercises, aliases, family registry). Every multi-document read
 * pages by document id; a read that would exceed its cap throws `CatalogLimitError` instead of
 * quietly returning a prefix.
 */
import type { Firestore, Query } from "firebase-admin/firestore";
import { type QueryReader, pageCollection } from "../util/paging";
import { CATALOG_COLLECTIONS, type CatalogCollection } from "./collections";
import type { DocData } from "../util/object-paths";
import { documentId } from "../util/document-id";

export interface CatalogDoc {
  id: string;
  data: DocData;
}

/** The most exercises one family may have before reading it whole is refused. */
const MAX_FAMILY_EXERCISES = 2_000;
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

/** What `read` gives, or null when it found more documents than it takes (`CatalogLimitError`). */
export async function unlessTooLarge<T>(read: Promise<T>): Promise<T | null> {
  return read.catch((err: unknown) => {
    if (err instanceof CatalogLimitError) return null;
    throw err;
  });
}

/** Every document of `query`, or `CatalogLimitError` when there are more than `max`. */
async function collectQuery(
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
  return db.collection(CATALOG_COLLECTIONS.exercises).where("family_slug", "==", familySlug);
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

/**
 * Whether `value` can be a catalog document's id (`documentId`: one with a "/" would address another path,
 * Firestore refuses a reserved or empty one). One that cannot names no document: a plan's malformed slug or a
 * broken alias's target is read as absent, for the validator to report, instead of failing the read; so is a
 * hand-edited value a revert reads.
 */
export function isDocumentId(value: unknown): value is string {
  return documentId.safeParse(value).success;
}

/** The documents of `collection` with these ids that exist (an id no document can have is left out). */
async function getDocuments(db: Firestore, collection: CatalogCollection, ids: Iterable<string>): Promise<Map<string, DocData>> {
  const unique = [...new Set(ids)].filter(isDocumentId);
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
  const snap = await db.collection(CATALOG_COLLECTIONS.exercises).doc(id).get();
  return snap.exists ? (snap.data() as DocData) : null;
}

/** The exercises that exist among `ids`, by id. */
export function getExercises(db: Firestore, ids: Iterable<string>): Promise<Map<string, DocData>> {
  return getDocuments(db, CATALOG_COLLECTIONS.exercises, ids);
}

/** The aliases that exist among `slugs` (alias document id = alias slug). */
export function getAliases(db: Firestore, slugs: Iterable<string>): Promise<Map<string, DocData>> {
  return getDocuments(db, CATALOG_COLLECTIONS.aliases, slugs);
}

export async function getFamilyRegistry(db: Firestore, familySlug: string): Promise<DocData | null> {
  const snap = await db.collection(CATALOG_COLLECTIONS.families).doc(familySlug).get();
  return snap.exists ? (snap.data() as DocData) : null;
}

export function getFamilyRegistries(db: Firestore, familySlugs: Iterable<string>): Promise<Map<string, DocData>> {
  return getDocuments(db, CATALOG_COLLECTIONS.families, familySlugs);
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
  return whereIn(db, CATALOG_COLLECTIONS.aliases, "exercise_id", exerciseIds, MAX_MATCHES);
}

/** Aliases whose `family_slug` is one of `familySlugs`. */
export function aliasesPointingAtFamilies(db: Firestore, familySlugs: Iterable<string>): Promise<CatalogDoc[]> {
  return whereIn(db, CATALOG_COLLECTIONS.aliases, "family_slug", familySlugs, MAX_MATCHES);
}

/** Registry entries of families merged into one of `familySlugs`. */
export function familiesMergedInto(db: Firestore, familySlugs: Iterable<string>): Promise<CatalogDoc[]> {
  return whereIn(db, CATALOG_COLLECTIONS.families, "merged_into", familySlugs, MAX_MATCHES);
}

/** Exercises whose `merged_into` is one of `exerciseIds`. */
export function exercisesMergedInto(db: Firestore, exerciseIds: Iterable<string>): Promise<CatalogDoc[]> {
  return whereIn(db, CATALOG_COLLECTIONS.exercises, "merged_into", exerciseIds, MAX_MATCHES);
}

/** Exercises (any status) whose `name_slug` is one of `nameSlugs`. */
export function exercisesWithNameSlugs(db: Firestore, nameSlugs: Iterable<string>): Promise<CatalogDoc[]> {
  return whereIn(db, CATALOG_COLLECTIONS.exercises, "name_slug", nameSlugs, MAX_MATCHES);
}
