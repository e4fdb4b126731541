/**
 * The exercises an enrichment or quality scan works on: the ids it names, or the exercises matching
 * its filter (every exercise without one), read page by page in document id order, so any catalog
 * size fits and a retried job walks the same order. The matches may change between attempts (one
 * archived or added shifts every position after it), so a retry resumes after an id, not a position.
 */
import { FieldPath, type Firestore, type Query } from "firebase-admin/firestore";
import { type CatalogDoc, getExercises } from "./repository";
import { normalizeEnumValue, normalizeEquipment } from "./taxonomy";
import { CATALOG_COLLECTIONS } from "./collections";
import { pageCollection } from "../util/paging";
import { isLiveExercise } from "./family-registry";

export interface TargetSelection {
  exercise_doc_ids?: readonly string[];
  filter_criteria?: { equipment?: string; category?: string; family_slug?: string };
}

const TARGET_PAGE_SIZE = 200;

/** Filter values are normalised like stored values ("Dumbbells" finds "dumbbell"). */
function filterQuery(db: Firestore, filter: TargetSelection["filter_criteria"]): Query {
  let query: Query = db.collection(CATALOG_COLLECTIONS.exercises);
  if (filter?.equipment) query = query.where("equipment", "array-contains", normalizeEquipment(filter.equipment).value);
  if (filter?.category) query = query.where("category", "==", normalizeEnumValue("category", filter.category) ?? filter.category);
  if (filter?.family_slug) query = query.where("family_slug", "==", filter.family_slug);
  return query;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/**
 * Pages of target ids. Named ids come as given, once each (missing or retired ones included: the
 * worker on them reports them); filtered ids are live exercises only (retired ones need no work),
 * those whose id sorts after `afterId` alone when it is given.
 */
export async function* targetIdPages(
  db: Firestore,
  selection: TargetSelection,
  afterId?: string,
  pageSize = TARGET_PAGE_SIZE,
): AsyncGenerator<string[]> {
  if (selection.exercise_doc_ids) {
    yield* chunks([...new Set(selection.exercise_doc_ids)], pageSize);
    return;
  }
  let query = filterQuery(db, selection.filter_criteria);
  if (afterId) query = query.where(FieldPath.documentId(), ">", afterId);
  for await (const page of pageCollection(query.select("status"), pageSize)) {
    const live = page.filter((doc) => isLiveExercise(doc.data())).map((doc) => doc.id);
    if (live.length > 0) yield live;
  }
}

/**
 * How many exercises `targetExercisePages` goes through: the ids named (once each), or the exercises
 * matching the filter, retired ones included (one read per 1,000 matches, for a job's progress).
 */
export async function countTargets(db: Firestore, selection: TargetSelection): Promise<number> {
  if (selection.exercise_doc_ids) return new Set(selection.exercise_doc_ids).size;
  const snapshot = await filterQuery(db, selection.filter_criteria).count().get();
  return snapshot.data().count;
}

/** The named ids that are no exercise, in the order given; reads no fields of those that are. */
export async function missingExercises(db: Firestore, ids: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const chunk of chunks([...new Set(ids)], TARGET_PAGE_SIZE)) {
    const refs = chunk.map((id) => db.collection(CATALOG_COLLECTIONS.exercises).doc(id));
    const snaps = await db.getAll(...refs, { fieldMask: [] });
    missing.push(...snaps.filter((snap) => !snap.exists).map((snap) => snap.id));
  }
  return missing;
}

export interface ExercisePage {
  exercises: CatalogDoc[];
  /** Named ids that do not exist. */
  missing: string[];
}

/** Pages of target exercises with their documents (any status). */
export async function* targetExercisePages(
  db: Firestore,
  selection: TargetSelection,
  pageSize = TARGET_PAGE_SIZE,
): AsyncGenerator<ExercisePage> {
  if (selection.exercise_doc_ids) {
    for (const ids of chunks([...new Set(selection.exercise_doc_ids)], pageSize)) {
      const found = await getExercises(db, ids);
      yield {
        exercises: ids.flatMap((id) => {
          const data = found.get(id);
          return data ? [{ id, data }] : [];
        }),
        missing: ids.filter((id) => !found.has(id)),
      };
    }
    return;
  }
  for await (const page of pageCollection(filterQuery(db, selection.filter_criteria), pageSize)) {
    yield { exercises: page.map((doc) => ({ id: doc.id, data: doc.data() })), missing: [] };
  }
}
