import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { validatePlan } from "../../src/apply/validate";
import { loadCatalogView, readOperationState } from "../../src/apply/view-loader";
import { exerciseFixture, planOf, seedCatalog } from "../helpers/catalog";
import { useFirestore } from "../helpers/firestore";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";

const benchBarbell = exerciseFixture("Bench Press (Barbell)", ["barbell"]);
const benchDumbbell = exerciseFixture("Bench Press (Dumbbell)", ["dumbbell"]);
const squat = exerciseFixture("Squat (Barbell)", ["barbell"]);
/** Holds the slug the plan's new exercise would take, in a family the plan does not touch. */
const slugHolder = exerciseFixture("Front Squat (Barbell)", ["barbell"], { id: "legacy-front-squat", family_slug: "old_squat" });
const rationale = "test";

const db = useFirestore();
beforeEach(async () => {
  await seedCatalog(db, {
    exercises: [benchBarbell, benchDumbbell, squat, slugHolder],
    aliases: [
      { alias_slug: "db-bench", exercise_id: benchDumbbell.id, is_family_alias: false },
      { alias_slug: "legs", family_slug: "lower", is_family_alias: true },
      { alias_slug: "lower", family_slug: "squat", is_family_alias: true },
    ],
    families: [computeFamilyRegistry("bench_press", [benchBarbell, benchDumbbell]), computeFamilyRegistry("squat", [squat])],
  });
});

const { id: frontSquatId, ...frontSquat } = exerciseFixture("Front Squat (Barbell)", ["barbell"]);
const plan = planOf([
  { op: "merge_exercises", source_id: benchDumbbell.id, target_id: benchBarbell.id, rationale },
  { op: "create_exercise", exercise_id: frontSquatId, data: frontSquat, rationale },
  { op: "upsert_alias", alias_slug: "thighs", family_slug: "legs", rationale },
  { op: "update_family_registry", family_slug: "bench_press", rationale },
]);

describe("loadCatalogView", () => {
  it("reads what the plan touches: targets, whole families, slug holders, aliases and where they lead", async () => {
    const view = await loadCatalogView(db, plan);
    expect([...view.exercises.keys()].sort()).toEqual([benchBarbell.id, benchDumbbell.id, slugHolder.id].sort());
    expect([...view.aliases.keys()].sort()).toEqual(["db-bench", "legs", "lower"]);
    expect([...view.families.keys()]).toEqual(["bench_press"]);
  });

  it("gives validation what it needs to find slug collisions, chains and aliases left behind", async () => {
    const result = validatePlan(plan, await loadCatalogView(db, plan));
    expect(result.errors).toEqual([
      expect.objectContaining({ code: "DUPLICATE_NAME_SLUG", operation_index: 1 }),
      expect.objectContaining({ code: "ALIAS_CHAIN", operation_index: 2, suggestion: "squat" }),
    ]);
    expect(result.warnings).toContainEqual(
      expect.objectContaining({ code: "ALIAS_CHAIN", operation_index: 0, target: "exercise_aliases/db-bench" }),
    );
  });
});

describe("loadCatalogView: a slug or id with a '/' (a repaired plan's mistake)", () => {
  it("reads no document for it, and validation reports each one instead of the read failing the job", async () => {
    const { id: newId, ...created } = exerciseFixture("Close Grip Bench Press (Barbell)", ["barbell"], {
      id: "close-grip-bench",
      family_slug: "bench/press",
    });
    const malformed = planOf([
      { op: "upsert_alias", alias_slug: "push-up/press-up", exercise_id: benchBarbell.id, rationale },
      { op: "reassign_family", exercise_id: squat.id, from_family: "squat", to_family: "front/squat", rationale },
      { op: "create_exercise", exercise_id: newId, data: created, rationale },
      { op: "patch_fields", exercise_id: benchDumbbell.id, set: { status: "merged", merged_into: "bench/barbell" }, rationale },
      { op: "update_family_registry", family_slug: "bench/press", rationale },
    ]);
    const result = validatePlan(malformed, await loadCatalogView(db, malformed));
    expect(new Set(result.errors.map((issue) => issue.operation_index))).toEqual(new Set([0, 1, 2, 3, 4]));
  });
});

describe("loadCatalogView: a patch that retires an exercise", () => {
  it("reads what it merges the exercise into and the aliases left pointing at it", async () => {
    const retiring = planOf([
      { op: "patch_fields", exercise_id: benchDumbbell.id, set: { status: "merged", merged_into: squat.id }, rationale },
    ]);
    const view = await loadCatalogView(db, retiring);
    expect(view.exercises.get(squat.id)).toMatchObject({ status: "approved" });
    expect(validatePlan(retiring, view).warnings).toContainEqual(
      expect.objectContaining({ code: "ALIAS_CHAIN", operation_index: 0, target: "exercise_aliases/db-bench" }),
    );
  });

  it("reads the merged_into a patch setting only the status keeps, in another family", async () => {
    await db.collection(CATALOG_COLLECTIONS.exercises).doc(benchDumbbell.id).update({ merged_into: squat.id });
    const statusOnly = planOf([{ op: "patch_fields", exercise_id: benchDumbbell.id, set: { status: "merged" }, rationale }]);
    const view = await loadCatalogView(db, statusOnly);
    expect(view.exercises.get(squat.id)).toMatchObject({ status: "approved" });
    expect(validatePlan(statusOnly, view).errors).toEqual([]);
  });
});

describe("loadCatalogView: aliases the plan takes over", () => {
  const collisions = async (operations: Parameters<typeof planOf>[0]) => {
    const taking = planOf(operations);
    return validatePlan(taking, await loadCatalogView(db, taking)).errors.filter(({ code }) => code === "ALIAS_COLLISION");
  };

  it("reads where an alias leads now, so one leading to a live exercise of a family the plan leaves alone is a collision", async () => {
    expect(await collisions([{ op: "upsert_alias", alias_slug: "db-bench", exercise_id: squat.id, rationale }])).toEqual([
      expect.objectContaining({ operation_index: 0, target: "exercise_aliases/db-bench" }),
    ]);
  });

  it("and one leading to a live family, with a registry entry or only live members", async () => {
    await db.collection("exercise_aliases").doc("front-squats").set({ family_slug: "old_squat", is_family_alias: true });
    expect(await collisions([{ op: "upsert_alias", alias_slug: "lower", family_slug: "bench_press", rationale }])).toHaveLength(1);
    expect(await collisions([{ op: "upsert_alias", alias_slug: "front-squats", family_slug: "bench_press", rationale }])).toHaveLength(1);
  });

  it("still lets an alias whose target is gone be repointed", async () => {
    await db.collection("exercise_aliases").doc("ghost").set({ exercise_id: "squat__ghost", is_family_alias: false });
    expect(await collisions([{ op: "upsert_alias", alias_slug: "ghost", exercise_id: squat.id, rationale }])).toEqual([]);
  });
});

describe("readOperationState", () => {
  it("reads an operation's documents, and a family's registry with every member, inside a transaction", async () => {
    const state = await db.runTransaction((tx) => readOperationState(tx, db, plan.operations[3]));
    expect(state.family("bench_press")).toMatchObject({ exercise_count: 2 });
    expect(state.familyMembers("bench_press")).toHaveLength(2);
    const merge = await db.runTransaction((tx) => readOperationState(tx, db, plan.operations[0]));
    expect(merge.exercise(benchDumbbell.id)).toMatchObject({ name: "Bench Press (Dumbbell)" });
    expect(merge.exercise(squat.id)).toBeNull();
  });

  it("reads what an operation merges into, to see it is still live, including a merged_into a patch keeps", async () => {
    const deprecation = planOf([
      { op: "deprecate_exercise", exercise_id: benchDumbbell.id, status: "merged", merged_into: squat.id, rationale },
    ]).operations[0];
    const state = await db.runTransaction((tx) => readOperationState(tx, db, deprecation));
    expect(state.exercise(squat.id)).toMatchObject({ name: "Squat (Barbell)" });

    await db.collection(CATALOG_COLLECTIONS.exercises).doc(benchDumbbell.id).update({ merged_into: squat.id });
    const statusOnly = planOf([{ op: "patch_fields", exercise_id: benchDumbbell.id, set: { status: "merged" }, rationale }]).operations[0];
    const kept = await db.runTransaction((tx) => readOperationState(tx, db, statusOnly));
    expect(kept.exercise(squat.id)).toMatchObject({ name: "Squat (Barbell)" });
  });
});
