import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { type Firestore } from "firebase-admin/firestore";
import type { PlanRepairer } from "../../src/apply/run-plan";
import { runPlan } from "../../src/apply/run-plan";
import type { ChangePlan, OperationInput } from "../../src/apply/plan";
import type { Mode } from "../../src/jobs/model";
import { exerciseFixture, planOf, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { type TestDeps, type TestDepsOverrides, type TestHandlerInput, leaseForTest, makeTestDeps } from "../helpers/engine";
import { useFirestore } from "../helpers/firestore";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";

const benchBarbell = exerciseFixture("Bench Press (Barbell)", ["barbell"]);
const benchDumbbell = exerciseFixture("Bench Press (Dumbbell)", ["dumbbell"]);
const squat = exerciseFixture("Squat (Barbell)", ["barbell"]);
const rationale = "test";

const patchBench: OperationInput = { op: "patch_fields", exercise_id: benchBarbell.id, set: { "metadata.level": "advanced" }, rationale };
const renameSquat: OperationInput = {
  op: "rename_exercise",
  exercise_id: squat.id,
  old_name: "Squat (Barbell)",
  new_name: "Back Squat (Barbell)",
  rationale,
};
const validPlan = (): ChangePlan =>
  planOf([
    patchBench,
    renameSquat,
    { op: "upsert_alias", alias_slug: "squat-barbell", exercise_id: squat.id, rationale },
    { op: "update_family_registry", family_slug: "squat", rationale },
  ]);
/** Invalid: a category outside the enum. */
const invalidPlan = (): ChangePlan => planOf([{ op: "patch_fields", exercise_id: squat.id, set: { category: "strength" }, rationale }]);

const db = useFirestore();

async function start(mode: Mode, overrides: TestDepsOverrides = {}, database = db): Promise<{ deps: TestDeps; input: TestHandlerInput }> {
  await seedCatalog(db, {
    exercises: [benchBarbell, benchDumbbell, squat],
    families: [computeFamilyRegistry("bench_press", [benchBarbell, benchDumbbell]), computeFamilyRegistry("squat", [squat])],
  });
  const deps = makeTestDeps(database, { applyEnabled: true, ...overrides });
  const input = await leaseForTest(deps, { type: "FAMILY_NORMALIZE", payload: { mode, family_slug: "squat" } });
  return { deps, input };
}

/** The attempt log as the worker would write it when the attempt ends. */
function attemptDoc(input: TestHandlerInput): FirebaseFirestore.DocumentData {
  return input.attemptLog.document({ status: "succeeded", error: null, finishedAt: new Date() });
}

const count = async (collection: string) => (await db.collection(collection).get()).size;

describe("runPlan", () => {
  it("dry_run: previews, records plan, validation and preview, and writes nothing to the catalog", async () => {
    const { input } = await start("dry_run");
    const before = await snapshotCatalog(db);
    const outcome = await runPlan(input, validPlan(), { family_slug: "squat" });
    expect(outcome).toMatchObject({
      kind: "completed",
      status: "succeeded_dry_run",
      summary: { mode: "dry_run", operations: 4, would_apply: 3, no_change: 1, applied: 0, changes: 0, repairs: 0, family_slug: "squat" },
    });
    expect(await snapshotCatalog(db)).toBe(before);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(0);
    expect(await count(APPLY_COLLECTIONS.idempotency)).toBe(0);
    const attempt = attemptDoc(input);
    expect(attempt.plan.operations).toHaveLength(4);
    expect(attempt.validation).toMatchObject({ ok: true, errors: [] });
    expect(attempt.apply_result.counts).toMatchObject({ would_apply: 3 });
  });

  it("apply: applies and reports the counts", async () => {
    const { input } = await start("apply");
    const outcome = await runPlan(input, validPlan());
    expect(outcome).toMatchObject({
      kind: "completed",
      status: "succeeded",
      summary: { mode: "apply", operations: 4, applied: 3, skipped: 0, failed: 0, no_change: 1, changes: 3 },
    });
    expect((await db.collection(CATALOG_COLLECTIONS.exercises).doc(squat.id).get()).get("name")).toBe("Back Squat (Barbell)");
    expect(attemptDoc(input).apply_result.change_ids).toHaveLength(3);
  });

  it("apply with the gate closed: needs_review APPLY_DISABLED, nothing written", async () => {
    const { input } = await start("apply", { applyEnabled: false });
    const before = await snapshotCatalog(db);
    const outcome = await runPlan(input, validPlan());
    expect(outcome).toMatchObject({ kind: "completed", status: "needs_review", error: { code: "APPLY_DISABLED", transient: false } });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("a plan of only no_change operations succeeds with zero changes, gate or not", async () => {
    const plan = planOf([{ op: "no_change", target: "squat", rationale: "nothing to normalise" }]);
    const { input } = await start("apply", { applyEnabled: false });
    expect(await runPlan(input, plan)).toMatchObject({ status: "succeeded", summary: { operations: 1, no_change: 1, changes: 0 } });
    const dry = await leaseForTest(makeTestDeps(db), { type: "FAMILY_AUDIT", payload: { family_slug: "squat" } });
    expect(await runPlan(dry, plan)).toMatchObject({ status: "succeeded_dry_run", summary: { no_change: 1, changes: 0 } });
  });

  it("an invalid plan without a repairer goes to review with the structured errors", async () => {
    const { input } = await start("apply");
    const before = await snapshotCatalog(db);
    const outcome = await runPlan(input, invalidPlan());
    expect(outcome).toMatchObject({
      status: "needs_review",
      error: {
        code: "VALIDATION_FAILED",
        details: { error_count: 1, errors: [expect.objectContaining({ code: "SCHEMA_INVALID", operation_index: 0, path: "category" })] },
      },
      summary: { validation_errors: 1, applied: 0 },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("repairs an invalid plan and applies the revised one, recording the repair", async () => {
    const repairPlan = jest.fn<Promise<ChangePlan>, Parameters<PlanRepairer>>(async (_plan, errors) => {
      expect(errors[0]).toMatchObject({ code: "SCHEMA_INVALID", path: "category" });
      return planOf([
        { op: "patch_fields", exercise_id: squat.id, set: { category: "compound", "metadata.level": "advanced" }, rationale },
      ]);
    });
    const { input } = await start("apply", { repairPlan });
    const outcome = await runPlan(input, invalidPlan());
    expect(outcome).toMatchObject({ status: "succeeded", summary: { repairs: 1, applied: 1 } });
    expect(repairPlan).toHaveBeenCalledTimes(1);
    expect(repairPlan.mock.calls[0][2]).toBe(1);
    const attempt = attemptDoc(input);
    expect(attempt.repairs).toEqual([expect.objectContaining({ round: 1, operations_returned: 1, errors_after: 0 })]);
  });

  it("gives up after max_repairs rounds: needs_review REPAIR_LOOP_EXHAUSTED", async () => {
    const repairPlan = jest.fn<Promise<ChangePlan>, Parameters<PlanRepairer>>(async (plan) => plan);
    const { input } = await start("apply", { repairPlan, config: { maxRepairs: 2 } });
    const outcome = await runPlan(input, invalidPlan());
    expect(outcome).toMatchObject({
      status: "needs_review",
      error: {
        code: "REPAIR_LOOP_EXHAUSTED",
        details: {
          repairs: [
            { round: 1, errors_after: 1 },
            { round: 2, errors_after: 1 },
          ],
        },
      },
      summary: { repairs: 2 },
    });
    expect(repairPlan.mock.calls.map((call) => call[2])).toEqual([1, 2]);
  });

  it("a plan whose target changed after validation goes to review as TARGET_CHANGED with the per-operation errors", async () => {
    // A concurrent writer renames the squat between validation and the rename's transaction.
    let transactions = 0;
    const meddling = new Proxy(db, {
      get(target, prop) {
        if (prop !== "runTransaction") return Reflect.get(target, prop);
        return async (...args: Parameters<Firestore["runTransaction"]>) => {
          if (++transactions === 2)
            await target
              .collection(CATALOG_COLLECTIONS.exercises)
              .doc(squat.id)
              .update({ name: "Squat (Smith Machine)", name_slug: "squat-smith-machine" });
          return target.runTransaction(...args);
        };
      },
    });
    const { input } = await start("apply", {}, meddling);
    const outcome = await runPlan(input, validPlan());
    expect(outcome).toMatchObject({
      status: "needs_review",
      summary: { applied: 1, failed: 1, not_attempted: 2 },
      error: {
        code: "TARGET_CHANGED",
        details: { failed: [expect.objectContaining({ operation_index: 1, code: "STALE_PLAN" })], not_attempted: [2, 3] },
      },
    });
  });

  it("stops with the signal's reason when the job is cancelled", async () => {
    const { input } = await start("apply");
    const reason = new Error("lease lost");
    input.abort.abort(reason);
    await expect(runPlan(input, validPlan())).rejects.toBe(reason);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(0);
  });
});
