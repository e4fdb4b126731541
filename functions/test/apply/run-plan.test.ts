import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import type { PlanRepairer } from "../../src/apply/run-plan";
import { resumePlan, runPlan } from "../../src/apply/run-plan";
import type { ChangePlan, OperationInput } from "../../src/apply/plan";
import type { Mode } from "../../src/jobs/model";
import { exerciseFixture, planOf, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { type TestDeps, type TestDepsOverrides, type TestHandlerInput, leaseForTest, makeTestDeps, retryForTest } from "../helpers/engine";
import { JobCancelledError } from "../../src/jobs/errors";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
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
  return input.attemptLog.document({ status: "succeeded", error: null, finishedAt: new Date(), expireAt: Timestamp.now() });
}

const count = async (collection: string) => (await db.collection(collection).get()).size;
const exercise = async (id: string) => (await db.collection(CATALOG_COLLECTIONS.exercises).doc(id).get()).data()!;

/** `db` with `before(n)` run just before its n-th transaction (each operation of a plan applies in one). */
function beforeTransaction(before: (n: number) => Promise<void> | void): Firestore {
  let transactions = 0;
  return new Proxy(db, {
    get(target, prop) {
      if (prop !== "runTransaction") return Reflect.get(target, prop);
      return async (...args: Parameters<Firestore["runTransaction"]>) => {
        await before(++transactions);
        return target.runTransaction(...args);
      };
    },
  });
}

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

  it("apply with the gate closed: an invalid plan is not repaired (no LLM call) and ends APPLY_DISABLED", async () => {
    const repairPlan = jest.fn<Promise<ChangePlan>, Parameters<PlanRepairer>>();
    const { input } = await start("apply", { applyEnabled: false, repairPlan });
    const outcome = await runPlan(input, invalidPlan());
    expect(outcome).toMatchObject({
      status: "needs_review",
      error: { code: "APPLY_DISABLED" },
      summary: { operations: 1, repairs: 0, validation_errors: 1 },
    });
    expect(repairPlan).not.toHaveBeenCalled();
    expect(attemptDoc(input).validation).toMatchObject({ ok: false, errors: [expect.objectContaining({ path: "category" })] });
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

  it("a repaired plan that reaches into a family the job does not lock is not applied", async () => {
    // The job locks `squat`; the repair also patches a bench press and aliases a squat exercise.
    const repairPlan = jest.fn<Promise<ChangePlan>, Parameters<PlanRepairer>>(() =>
      Promise.resolve(
        planOf([
          { op: "patch_fields", exercise_id: squat.id, set: { category: "compound" }, rationale },
          { op: "upsert_alias", alias_slug: "barbell-squat", exercise_id: squat.id, rationale },
          { op: "patch_fields", exercise_id: benchBarbell.id, set: { "metadata.level": "advanced" }, rationale },
        ]),
      ),
    );
    const { input } = await start("apply", { repairPlan });
    const before = await snapshotCatalog(db);
    const outcome = await runPlan(input, invalidPlan());
    expect(outcome).toMatchObject({
      status: "needs_review",
      error: {
        code: "REPAIR_OUT_OF_SCOPE",
        details: { out_of_scope: [{ operation_index: 2, target: `exercises/${benchBarbell.id}`, families: ["bench_press"] }] },
      },
    });
    expect(await snapshotCatalog(db)).toBe(before);
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

  it("a plan overtaken by a concurrent edit goes to review as TARGET_CHANGED with the per-operation errors", async () => {
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

  it("a job that dies after the rename and before its alias finishes the frozen plan on its next attempt", async () => {
    const dying = beforeTransaction((n) => {
      if (n === 3) throw new Error("worker killed");
    });
    const { deps, input } = await start("apply", {}, dying);
    await expect(runPlan(input, validPlan())).rejects.toThrow("worker killed");
    expect((await exercise(squat.id)).name).toBe("Back Squat (Barbell)");
    expect((await db.collection(CATALOG_COLLECTIONS.aliases).doc("squat-barbell").get()).exists).toBe(false);
    const planId = (await db.collection(JOB_COLLECTIONS.jobs).doc(input.job.id).get()).get("plan_id") as string;
    expect(planId).toBe(`p${input.lease.epoch}`);

    // Planning again now would see the rename done and plan nothing; the job resumes its plan instead.
    const retry = await retryForTest(deps, input);
    const outcome = await resumePlan(retry);
    expect(outcome).toMatchObject({
      status: "succeeded",
      summary: { plan_id: planId, applied: 1, skipped: 2, failed: 0, no_change: 1 },
    });
    expect((await db.collection(CATALOG_COLLECTIONS.aliases).doc("squat-barbell").get()).data()).toMatchObject({ exercise_id: squat.id });
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(3);
    expect(attemptDoc(retry).events.map((event: { event: string }) => event.event)).toContain("plan_resumed");
  });

  it("a job with no frozen plan has nothing to resume", async () => {
    const { input } = await start("apply");
    expect(await resumePlan(input)).toBeNull();
  });

  it("a curator's edit of a field the plan patches, made after the plan was built, is kept and the job goes to review", async () => {
    const curator = beforeTransaction(async (n) => {
      if (n === 1) await db.collection(CATALOG_COLLECTIONS.exercises).doc(benchBarbell.id).update({ "metadata.level": "beginner" });
    });
    const { input } = await start("apply", {}, curator);
    const outcome = await runPlan(input, validPlan());
    expect(outcome).toMatchObject({
      status: "needs_review",
      error: {
        code: "TARGET_CHANGED",
        details: { failed: [expect.objectContaining({ operation_index: 0, code: "STALE_PLAN", path: "metadata" })] },
      },
    });
    expect((await exercise(benchBarbell.id)).metadata).toEqual({ level: "beginner" });
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(0);
  });

  it("a cancel that arrives after the plan is frozen does not leave half a change: the plan runs to its end", async () => {
    const running: { input?: TestHandlerInput } = {};
    const cancelling = beforeTransaction((n) => {
      if (n === 1) running.input!.abort.abort(new JobCancelledError(running.input!.job.id));
    });
    ({ input: running.input } = await start("apply", {}, cancelling));
    const outcome = await runPlan(running.input, validPlan());
    expect(outcome).toMatchObject({ status: "succeeded", summary: { applied: 3, failed: 0 } });
    expect((await db.collection(CATALOG_COLLECTIONS.aliases).doc("squat-barbell").get()).exists).toBe(true);
  });

  it("a cancel that arrives before the plan is frozen stops the job with nothing changed", async () => {
    const { input } = await start("apply");
    const before = await snapshotCatalog(db);
    input.abort.abort(new JobCancelledError(input.job.id));
    await expect(runPlan(input, validPlan())).rejects.toBeInstanceOf(JobCancelledError);
    expect(await snapshotCatalog(db)).toBe(before);
    expect((await db.collection(JOB_COLLECTIONS.jobs).doc(input.job.id).get()).get("plan_id")).toBeNull();
  });
});
