/**
 * Catalog fixtures for tests against the emulator.
 *
 * - `exerciseFixture("Bench Press (Barbell)", ["barbell"])` builds a valid exercise with derived
 *   slugs and id (family from the name unless given); override any field. `archivedExerciseFixture`
 *   the same, deprecated.
 * - `retiredFamilyFixture("rows", "row")` is the registry entry of a family with no live exercise,
 *   merged into the second slug when one is given, else deprecated (as the engine derives it).
 * - `seedCatalog(db, {exercises, aliases, families})` writes documents in batches. Exercises carry
 *   their id as `id` (like DEMO_EXERCISES; the field is not stored), aliases are stored under
 *   `alias_slug`, registry entries under `family_slug` (like DEMO_ALIASES / DEMO_FAMILIES).
 * - `catalogViewOf(seed)` is the same seed as an in-memory `CatalogView`, for pure validation tests.
 * - `planOf([...operations])` parses operations into a ChangePlan (defaults filled in).
 * - `snapshotCatalog(db)` serialises every exercise, alias and registry document deterministically,
 *   so `expect(await snapshotCatalog(db)).toBe(before)` proves a run left the catalog untouched.
 */
import type { Firestore, WriteBatch } from "firebase-admin/firestore";
import type { CatalogView } from "../../src/apply/catalog-state";
import { canonicalJson } from "../../src/util/document-diff";
import { type ChangePlan, type OperationInput, changePlanSchema } from "../../src/apply/plan";
import { exerciseIdFor, toFamilySlug, toNameSlug } from "../../src/catalog/taxonomy";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";
import { type DocData } from "../../src/util/object-paths";

export type ExerciseFixture = { id: string } & DocData;

export function exerciseFixture(name: string, equipment: string[], overrides: DocData = {}): ExerciseFixture {
  const family_slug = typeof overrides.family_slug === "string" ? overrides.family_slug : toFamilySlug(name);
  const name_slug = toNameSlug(name);
  return {
    id: exerciseIdFor(family_slug, name_slug),
    name,
    name_slug,
    family_slug,
    equipment,
    category: "compound",
    description: `${name} is a test exercise with a description long enough for the schema.`,
    muscles: { primary: ["quadriceps"], category: ["legs"] },
    status: "approved",
    ...overrides,
  };
}

/** An exercise archived (deprecated) before the test. */
export function archivedExerciseFixture(name: string, equipment: string[], overrides: DocData = {}): ExerciseFixture {
  return exerciseFixture(name, equipment, { status: "deprecated", deprecated_at: new Date(), ...overrides });
}

/** The registry entry of a family with no live exercise: merged into `mergedInto` when given, else deprecated. */
export function retiredFamilyFixture(familySlug: string, mergedInto?: string): DocData {
  return { ...computeFamilyRegistry(familySlug, [], mergedInto ? { status: "merged", merged_into: mergedInto } : {}) };
}

export interface CatalogSeed {
  exercises?: readonly ExerciseFixture[];
  aliases?: readonly DocData[];
  families?: readonly DocData[];
}

function seedEntries(seed: CatalogSeed): [string, string, DocData][] {
  return [
    ...(seed.exercises ?? []).map(({ id, ...data }): [string, string, DocData] => [CATALOG_COLLECTIONS.exercises, id, data]),
    ...(seed.aliases ?? []).map((data): [string, string, DocData] => [CATALOG_COLLECTIONS.aliases, String(data.alias_slug), data]),
    ...(seed.families ?? []).map((data): [string, string, DocData] => [CATALOG_COLLECTIONS.families, String(data.family_slug), data]),
  ];
}

export function catalogViewOf(seed: CatalogSeed): CatalogView {
  const view = { exercises: new Map<string, DocData>(), aliases: new Map<string, DocData>(), families: new Map<string, DocData>() };
  const byCollection: Record<string, Map<string, DocData>> = {
    [CATALOG_COLLECTIONS.exercises]: view.exercises,
    [CATALOG_COLLECTIONS.aliases]: view.aliases,
    [CATALOG_COLLECTIONS.families]: view.families,
  };
  for (const [collection, id, data] of seedEntries(seed)) byCollection[collection].set(id, data);
  return view;
}

/** A rename of `exercise` (a fixture) to `newName`, as a plan's operation. */
export function renameOf(exercise: ExerciseFixture, newName: string): Extract<OperationInput, { op: "rename_exercise" }> {
  return { op: "rename_exercise", exercise_id: exercise.id, old_name: String(exercise.name), new_name: newName, rationale: "test" };
}

export function planOf(operations: OperationInput[], jobType = "TARGETED_FIX"): ChangePlan {
  return changePlanSchema.parse({ job_id: "test-job", job_type: jobType, operations });
}

const BATCH_LIMIT = 400;

export async function seedCatalog(db: Firestore, seed: CatalogSeed): Promise<void> {
  let batch: WriteBatch = db.batch();
  for (const [index, [collection, id, data]] of seedEntries(seed).entries()) {
    batch.set(db.collection(collection).doc(id), data);
    if ((index + 1) % BATCH_LIMIT === 0) {
      await batch.commit();
      batch = db.batch();
    }
  }
  await batch.commit();
}

/** Every catalog document, by collection and id, as one deterministic string. */
export async function snapshotCatalog(db: Firestore): Promise<string> {
  const snapshot: Record<string, Record<string, DocData>> = {};
  for (const collection of [CATALOG_COLLECTIONS.exercises, CATALOG_COLLECTIONS.aliases, CATALOG_COLLECTIONS.families]) {
    const docs = await db.collection(collection).get();
    snapshot[collection] = Object.fromEntries(docs.docs.map((doc) => [doc.id, doc.data()]));
  }
  return canonicalJson(snapshot);
}
