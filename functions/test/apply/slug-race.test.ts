/**
 * A name slug and an alias of it, taken by two jobs under different locks (an alias repair takes none): each
 * validated against the catalog before the other applied. The later one's operation reads again, in its
 * transaction, what the validator judged (an alias leading elsewhere on the name it gives, a live exercise
 * named as the alias it writes), so the catalog never ends with an alias shadowing a live exercise's name.
 */
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { ApplyEngine } from "../../src/apply/apply-engine";
import { planExpectations } from "../../src/apply/expectations";
import { planWriter } from "../../src/apply/run-plan";
import { type ChangePlan, type OperationInput } from "../../src/apply/plan";
import { loadCatalogView } from "../../src/apply/view-loader";
import { type DocData } from "../../src/util/object-paths";
import { isLiveExercise } from "../../src/catalog/family-registry";
import { type JobRun, alias, depsFor, exercise, runJob, seedDemo } from "../handlers/support";
import { exerciseFixture, planOf, seedCatalog, renameOf } from "../helpers/catalog";
import { leaseForTest, makeTestDeps, testApplyEngine } from "../helpers/engine";
import { useFirestore } from "../helpers/firestore";

const db = useFirestore();

/** In the demo catalog, a press named so that renaming it takes the slug "military-press", whose alias repair leads elsewhere. */
const barbellPress = exerciseFixture("Military Press (Barbell)", ["barbell"], { family_slug: "military_press" });
/** The demo's exercise renamed from "Military Press" without keeping its old slug: the alias repair restores it to this one. */
const RENAMED_AWAY = "shoulder_press__military-press";
const SLUG = "military-press";

const aliasRepair = () => runJob(depsFor(db, "apply"), "ALIAS_REPAIR", { mode: "apply", alias_slugs: [SLUG] });
const renameToMilitaryPress = () =>
  runJob(depsFor(db, "apply"), "TARGETED_FIX", {
    mode: "apply",
    exercise_doc_ids: [barbellPress.id],
    fix_type: "rename",
    fix_data: { new_name: "Military Press" },
  });

type Apply = ApplyEngine["apply"];

/** Runs `first`, and when its plan (of `firstType`) is about to apply, runs `second` to its end. */
async function raced(firstType: string, first: () => Promise<JobRun>, second: () => Promise<JobRun>): Promise<[JobRun, JobRun]> {
  const { apply } = ApplyEngine.prototype as { apply: (this: ApplyEngine, ...args: Parameters<Apply>) => ReturnType<Apply> };
  const between: { run?: JobRun } = {};
  jest.spyOn(ApplyEngine.prototype, "apply").mockImplementation(async function (this: ApplyEngine, plan, writer, options) {
    if (plan.job_type === firstType && !between.run) between.run = await second();
    return apply.call(this, plan, writer, options);
  });
  const firstRun = await first();
  if (!between.run) throw new Error(`no ${firstType} plan was applied`);
  return [firstRun, between.run];
}

/** The live exercises holding `slug` as their name slug that an alias of it leads past. */
async function shadowedBy(slug: string): Promise<string[]> {
  const target = (await alias(db, slug))?.exercise_id;
  if (target === undefined) return [];
  const holders = await db.collection(CATALOG_COLLECTIONS.exercises).where("name_slug", "==", slug).get();
  return holders.docs.filter((doc) => doc.id !== target && isLiveExercise(doc.data())).map((doc) => doc.id);
}

describe("an alias repair racing a rename to the alias's slug", () => {
  afterEach(() => jest.restoreAllMocks());

  it("the rename applied between the repair's validation and apply: the repair's alias fails STALE_PLAN", async () => {
    await seedDemo(db, { exercises: [barbellPress] });
    const [repair, rename] = await raced("ALIAS_REPAIR", aliasRepair, renameToMilitaryPress);

    expect(rename.status).toBe("succeeded");
    expect(repair.status).toBe("needs_review");
    expect(repair.error).toMatchObject({ code: "TARGET_CHANGED" });
    expect(repair.error?.message).toContain(
      `upsert_alias: what holds the slug as its name changed since the plan was built ("${SLUG}" is the name_slug of live exercise ${barbellPress.id})`,
    );
    expect(await exercise(db, barbellPress.id)).toMatchObject({ name: "Military Press", name_slug: SLUG });
    expect(await alias(db, SLUG)).toBeNull();
    expect(await shadowedBy(SLUG)).toEqual([]);
  });

  it("the repair applied between the rename's validation and apply: the rename fails STALE_PLAN", async () => {
    await seedDemo(db, { exercises: [barbellPress] });
    const [rename, repair] = await raced("TARGETED_FIX", renameToMilitaryPress, aliasRepair);

    expect(repair.status).toBe("succeeded");
    expect(rename.status).toBe("needs_review");
    expect(rename.error).toMatchObject({ code: "TARGET_CHANGED" });
    expect(rename.error?.message).toContain(
      `rename_exercise: the alias of the name_slug it gives ${barbellPress.id} changed since the plan was built ` +
        `("${SLUG}" is an alias of exercise ${RENAMED_AWAY})`,
    );
    expect(await exercise(db, barbellPress.id)).toMatchObject({ name: "Military Press (Barbell)" });
    expect(await alias(db, SLUG)).toMatchObject({ exercise_id: RENAMED_AWAY });
    expect(await shadowedBy(SLUG)).toEqual([]);
  });
});

describe("ApplyEngine: the aliases of the name slugs an operation gives, and the names of the aliases it writes", () => {
  const squat = exerciseFixture("Squat (Barbell)", ["barbell"]);
  const bench = exerciseFixture("Bench Press (Barbell)", ["barbell"]);
  const rationale = "test";
  const renameSquat: OperationInput = renameOf(squat, "Back Squat (Barbell)");
  const NEW_SLUG = "back-squat-barbell";

  /** Applies `plan` as a frozen plan would, its expectations taken before `meanwhile` changes the catalog. */
  async function applyAfter(plan: ChangePlan, meanwhile: () => Promise<unknown>) {
    const input = await leaseForTest(makeTestDeps(db, { applyEnabled: true }), {
      type: "FAMILY_NORMALIZE",
      payload: { mode: "apply", family_slug: "squat" },
    });
    const expectations = planExpectations(plan, await loadCatalogView(db, plan), new Date());
    await meanwhile();
    return testApplyEngine(db).apply(
      plan,
      planWriter(input, (_op, index) => `test/${index}`),
      { expectations },
    );
  }
  const putAlias = (data: DocData) => db.collection(CATALOG_COLLECTIONS.aliases).doc(String(data.alias_slug)).set(data);
  const count = async (collection: string) => (await db.collection(collection).get()).size;

  beforeEach(() => seedCatalog(db, { exercises: [squat, bench] }));

  it("fails a rename STALE_PLAN when a family alias took the new slug since (a family alias collides too)", async () => {
    const result = await applyAfter(planOf([renameSquat]), () =>
      putAlias({ alias_slug: NEW_SLUG, family_slug: "bench_press", is_family_alias: true }),
    );
    expect(result.failed).toEqual([
      {
        operation_index: 0,
        op: "rename_exercise",
        code: "STALE_PLAN",
        path: "name_slug",
        message: `rename_exercise: the alias of the name_slug it gives ${squat.id} changed since the plan was built ("${NEW_SLUG}" is an alias of family bench_press)`,
      },
    ]);
    expect(await exercise(db, squat.id)).toMatchObject({ name: "Squat (Barbell)" });
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(0);
  });

  it("renames over an alias of the exercise itself taken since (only redundant, as the validator says)", async () => {
    const result = await applyAfter(planOf([renameSquat]), () => putAlias({ alias_slug: NEW_SLUG, exercise_id: squat.id }));
    expect(result.failed).toEqual([]);
    expect(await exercise(db, squat.id)).toMatchObject({ name_slug: NEW_SLUG });
  });

  it("renames over an alias leading elsewhere that a later operation of the plan deletes (the plan is validated as a whole)", async () => {
    await putAlias({ alias_slug: NEW_SLUG, exercise_id: bench.id });
    const plan = planOf([renameSquat, { op: "delete_alias", alias_slug: NEW_SLUG, rationale }]);
    const result = await applyAfter(plan, async () => undefined);
    expect(result.failed).toEqual([]);
    expect(await alias(db, NEW_SLUG)).toBeNull();
  });

  it("writes an alias over a name only a retired exercise, or one a later operation of the plan retires, holds", async () => {
    const retired = exerciseFixture("Front Squat", ["barbell"], { family_slug: "squat", status: "deprecated" });
    await seedCatalog(db, { exercises: [retired] });
    const overRetired = planOf([{ op: "upsert_alias", alias_slug: "front-squat", exercise_id: squat.id, rationale }]);
    expect((await applyAfter(overRetired, async () => undefined)).failed).toEqual([]);

    const mergedLater = planOf([
      { op: "upsert_alias", alias_slug: "squat-barbell", exercise_id: bench.id, rationale },
      { op: "merge_exercises", source_id: squat.id, target_id: bench.id, rationale },
    ]);
    expect((await applyAfter(mergedLater, async () => undefined)).failed).toEqual([]);
    expect(await alias(db, "squat-barbell")).toMatchObject({ exercise_id: bench.id });
  });

  it("writes a family alias over a live exercise's name, as the validator allows", async () => {
    const plan = planOf([{ op: "upsert_alias", alias_slug: "squat-barbell", family_slug: "squat", is_family_alias: true, rationale }]);
    expect((await applyAfter(plan, async () => undefined)).failed).toEqual([]);
  });
});
