/**
 * Reverts and applies over hand-edited values that cannot be document ids (empty, or with a "/"): an alias's
 * exercise_id or family_slug, an exercise's name_slug, family_slug or merged_into. No document is at such a path, so
 * they are read as absent, as plan-time reads do, instead of failing or reading the document another path names.
 */
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { planWriter } from "../../src/apply/run-plan";
import type { ApplyEngine, ApplyResult } from "../../src/apply/apply-engine";
import { revertChange } from "../../src/apply/journal";
import { type OperationInput } from "../../src/apply/plan";
import { type DocData } from "../../src/util/object-paths";
import { type ExerciseFixture, archivedExerciseFixture, exerciseFixture, planOf, renameOf, seedCatalog } from "../helpers/catalog";
import { type TestDeps, type TestHandlerInput, leaseForTest, makeTestDeps, testApplyEngine } from "../helpers/engine";
import { useFirestore } from "../helpers/firestore";

const benchBarbell = exerciseFixture("Bench Press (Barbell)", ["barbell"]);
const rationale = "test";

const db = useFirestore();
let engine: ApplyEngine;
let deps: TestDeps;
let input: TestHandlerInput;
beforeEach(async () => {
  deps = makeTestDeps(db, { applyEnabled: true });
  engine = testApplyEngine(db);
  input = await leaseForTest(deps, { type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: "bench_press" } });
});

/** Applies `operation` as the job. */
function apply(operation: OperationInput): Promise<ApplyResult> {
  return engine.apply(
    planOf([operation]),
    planWriter(input, (_op, index) => `test/${index}`),
  );
}

/** Applies `operation` as the job, ends the job, and reverts the change. */
async function applyAndRevert(operation: OperationInput): Promise<void> {
  const result = await apply(operation);
  expect(result.change_ids).toHaveLength(1);
  await deps.queue.endAttempt(input.lease, { event: "succeed", fields: {}, bookkeeping: () => undefined });
  await expect(revertChange(db, result.change_ids[0])).resolves.toMatchObject({ status: "reverted" });
}

const stored = async (path: string) => (await db.doc(path).get()).data();
const exercise = (id: string) => stored(`${CATALOG_COLLECTIONS.exercises}/${id}`);
/** What `doc` stores, without the `updated_at` the revert stamps anew. */
const withoutStamp = (doc: DocData | undefined) => {
  const { updated_at: _stamp, ...rest } = doc ?? {};
  return rest;
};

describe("revertChange of hand-edited values that cannot be document ids", () => {
  // A curator pasted the exercise's path instead of its id, or a family slug with a slash (Firebase console); ALIAS_REPAIR deleted the orphan.
  it.each<[string, DocData]>([
    ["exercise_id is a document path", { exercise_id: `${CATALOG_COLLECTIONS.exercises}/${benchBarbell.id}`, is_family_alias: false }],
    ["family_slug has a slash", { family_slug: "bench/press", is_family_alias: true }],
  ])("gives back a deleted alias whose %s, not an id", async (_what, target) => {
    const alias = { alias_slug: "flat-bench", ...target };
    await seedCatalog(db, { exercises: [benchBarbell], aliases: [alias] });
    await applyAndRevert({ op: "delete_alias", alias_slug: "flat-bench", rationale });
    expect(withoutStamp(await stored(`${CATALOG_COLLECTIONS.aliases}/flat-bench`))).toEqual(alias);
  });

  it.each(["", "bench/press-barbell", "__x__", ".."])("gives back a renamed exercise's hand-edited name slug %j", async (nameSlug) => {
    await seedCatalog(db, { exercises: [{ ...benchBarbell, name_slug: nameSlug }] });
    await applyAndRevert(renameOf(benchBarbell, "Flat Bench Press (Barbell)"));
    expect(await exercise(benchBarbell.id)).toMatchObject({ name: "Bench Press (Barbell)", name_slug: nameSlug });
  });

  it("gives back a name slug with two slashes that a document under an alias's path does not hold", async () => {
    // `exercise_aliases/bench/x/press-barbell` is a document of a subcollection, not an alias.
    const nameSlug = "bench/x/press-barbell";
    await seedCatalog(db, { exercises: [{ ...benchBarbell, name_slug: nameSlug }] });
    await db.doc(`${CATALOG_COLLECTIONS.aliases}/${nameSlug}`).set({ alias_slug: nameSlug, exercise_id: "other" });
    await applyAndRevert(renameOf(benchBarbell, "Flat Bench Press (Barbell)"));
    expect(await exercise(benchBarbell.id)).toMatchObject({ name_slug: nameSlug });
  });

  const inHandEditedFamily = (fixture: ExerciseFixture): ExerciseFixture => ({ ...fixture, family_slug: "bench/press" });
  it.each<[string, ExerciseFixture, OperationInput]>([
    ["renames (its registry is recomputed)", benchBarbell, renameOf(benchBarbell, "Flat Bench Press (Barbell)")],
    [
      "moves out (the revert moves it back)",
      benchBarbell,
      { op: "reassign_family", exercise_id: benchBarbell.id, from_family: "bench/press", to_family: "bench_press", rationale },
    ],
    [
      "revives (the revert retires it, leaving the family)",
      archivedExerciseFixture("Bench Press (Barbell)", ["barbell"]),
      { op: "patch_fields", exercise_id: benchBarbell.id, set: { status: "approved" }, rationale },
    ],
  ])("reverts a change that %s an exercise whose hand-edited family slug has a slash", async (_what, fixture, operation) => {
    await seedCatalog(db, { exercises: [inHandEditedFamily(fixture)] });
    const before = await exercise(fixture.id);
    await applyAndRevert(operation);
    expect(withoutStamp(await exercise(fixture.id))).toEqual(before);
  });

  it("leaves the document under a registry's path that a family slug with two slashes names untouched", async () => {
    const family = "bench_press/x/y";
    const unrelated = { note: "not a registry entry" };
    await seedCatalog(db, { exercises: [{ ...benchBarbell, family_slug: family }] });
    await db.doc(`${CATALOG_COLLECTIONS.families}/${family}`).set(unrelated);
    await applyAndRevert(renameOf(benchBarbell, "Flat Bench Press (Barbell)"));
    expect(await exercise(benchBarbell.id)).toMatchObject({ name: "Bench Press (Barbell)", family_slug: family });
    expect(await stored(`${CATALOG_COLLECTIONS.families}/${family}`)).toEqual(unrelated);
  });
});

describe("apply of hand-edited values that cannot be document ids", () => {
  it("refuses to mark an exercise merged into the document path it keeps as merged_into, naming it missing", async () => {
    const mergedInto = `${CATALOG_COLLECTIONS.exercises}/bench_press__bench-press-dumbbell`;
    await seedCatalog(db, { exercises: [{ ...benchBarbell, status: "deprecated", merged_into: mergedInto }] });
    const result = await apply({ op: "patch_fields", exercise_id: benchBarbell.id, set: { status: "merged" }, rationale });
    expect(result.failed).toEqual([
      expect.objectContaining({
        code: "STALE_PLAN",
        path: "set.status",
        message: expect.stringContaining(`exercise ${mergedInto} does not exist`),
      }),
    ]);
  });
});
