import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { type Timestamp } from "firebase-admin/firestore";
import { ApplyEngine } from "../../src/apply/apply-engine";
import { ChangeConflictError, ChangeNotFoundError, revertChange } from "../../src/apply/journal";
import { type ChangePlan } from "../../src/apply/plan";
import { exerciseFixture, planOf, seedCatalog } from "../helpers/catalog";
import { type TestHandlerInput, leaseForTest, makeTestDeps, operationKeyOf, writerOf } from "../helpers/engine";
import { useFirestore, describeWithFullEmulator } from "../helpers/firestore";

const benchBarbell = exerciseFixture("Bench Press (Barbell)", ["barbell"]);
const benchDumbbell = exerciseFixture("Bench Press (Dumbbell)", ["dumbbell"]);
const rationale = "test";

const renamePlan = planOf([
  {
    op: "rename_exercise",
    exercise_id: benchBarbell.id,
    old_name: "Bench Press (Barbell)",
    new_name: "Flat Bench Press (Barbell)",
    rationale,
  },
]);
const mergePlan = planOf([
  {
    op: "merge_exercises",
    source_id: benchDumbbell.id,
    target_id: benchBarbell.id,
    target_patch: { suitability_notes: ["Suits lifters who bench."] },
    rationale,
  },
]);

const db = useFirestore();
let engine: ApplyEngine;
let input: TestHandlerInput;
beforeEach(async () => {
  await seedCatalog(db, { exercises: [benchBarbell, benchDumbbell] });
  const deps = makeTestDeps(db, { applyEnabled: true });
  engine = new ApplyEngine(db);
  input = await leaseForTest(deps, { type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: "bench_press" } });
});

const exercise = async (id: string) => (await db.collection(CATALOG_COLLECTIONS.exercises).doc(id).get()).data();
/** Applies a one-operation plan of the job; each plan of a test needs its own id, as each frozen plan has. */
async function applyOne(plan: ChangePlan, planId?: string): Promise<string> {
  const result = await engine.apply(plan, writerOf(input, planId));
  expect(result.change_ids).toHaveLength(1);
  return result.change_ids[0];
}

describe("revertChange", () => {
  it("restores a rename, marks the entry reverted, and lets the operation apply again", async () => {
    const changeId = await applyOne(renamePlan);
    const applied = await exercise(benchBarbell.id);

    expect(await revertChange(db, changeId, { revertedBy: "operator" })).toEqual({
      change_id: changeId,
      status: "reverted",
      targets: [`exercises/${benchBarbell.id}`],
    });
    const { updated_at, ...restored } = (await exercise(benchBarbell.id))!;
    const { id: _id, ...original } = benchBarbell;
    expect(restored).toEqual(original);
    expect((updated_at as Timestamp).toMillis()).toBeGreaterThanOrEqual((applied!.updated_at as Timestamp).toMillis());
    const entry = await db.collection(APPLY_COLLECTIONS.changes).doc(changeId).get();
    expect(entry.data()).toMatchObject({ status: "reverted", reverted_by: "operator" });
    expect(
      (
        await db
          .collection(APPLY_COLLECTIONS.idempotency)
          .doc(operationKeyOf(input, renamePlan.operations[0], 0)!)
          .get()
      ).exists,
    ).toBe(false);

    expect((await revertChange(db, changeId)).status).toBe("already_reverted");
    expect((await engine.apply(renamePlan, writerOf(input))).applied).toHaveLength(1);
    expect((await exercise(benchBarbell.id))!.name).toBe("Flat Bench Press (Barbell)");
  });

  it("deletes a created exercise", async () => {
    const { id, ...data } = exerciseFixture("Bench Press (Cable)", ["cable"]);
    const changeId = await applyOne(planOf([{ op: "create_exercise", exercise_id: id, data, rationale }]));
    await revertChange(db, changeId);
    expect(await exercise(id)).toBeUndefined();
  });

  it("refuses after a later edit of the same document, and changes nothing", async () => {
    const changeId = await applyOne(renamePlan);
    await applyOne(planOf([{ op: "patch_fields", exercise_id: benchBarbell.id, set: { "metadata.level": "advanced" }, rationale }]), "p2");
    const before = await exercise(benchBarbell.id);

    const err = await revertChange(db, changeId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChangeConflictError);
    expect(err).toMatchObject({
      code: "CHANGE_CONFLICT",
      conflicts: [{ target: `exercises/${benchBarbell.id}`, changed_paths: ["metadata", "updated_at"] }],
    });
    expect(await exercise(benchBarbell.id)).toEqual(before);
    expect((await db.collection(APPLY_COLLECTIONS.changes).doc(changeId).get()).get("status")).toBe("applied");
  });

  it("reports an unknown change", async () => {
    await expect(revertChange(db, "nope")).rejects.toBeInstanceOf(ChangeNotFoundError);
  });
});

// Merge reverts delete fields, which the fallback emulator does not implement.
describeWithFullEmulator("revertChange of a merge", () => {
  it("restores both sides of a merge", async () => {
    const changeId = await applyOne(mergePlan);
    expect(await exercise(benchDumbbell.id)).toMatchObject({ status: "merged", merged_into: benchBarbell.id });
    await revertChange(db, changeId);
    const source = (await exercise(benchDumbbell.id))!;
    expect(source.status).toBe("approved");
    expect(source.merged_into).toBeUndefined();
    expect((await exercise(benchBarbell.id))!.suitability_notes).toBeUndefined();
  });
});
