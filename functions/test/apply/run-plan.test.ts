import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import type { PlanRepairer } from "../../src/apply/run-plan";
import { MAX_FROZEN_PLAN_BYTES, resumePlan, runPlan } from "../../src/apply/run-plan";
import { ChangeJobOpenError, revertChange } from "../../src/apply/journal";
import { PLAN_LIMITS } from "../../src/apply/operation-rules";
import { type ChangePlan, type OperationInput, idempotencyKey } from "../../src/apply/plan";
import type { Mode } from "../../src/jobs/model";
import { exerciseFixture, planOf, seedCatalog, snapshotCatalog, renameOf } from "../helpers/catalog";
import {
  type TestDeps,
  type TestDepsOverrides,
  type TestHandlerInput,
  leaseAgainForTest,
  leaseForTest,
  makeTestDeps,
  retryForTest,
} from "../helpers/engine";
import { JobCancelledError, JobFailure, LeaseLostError } from "../../src/jobs/errors";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { useFirestore } from "../helpers/firestore";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";

const benchBarbell = exerciseFixture("Bench Press (Barbell)", ["barbell"]);
const benchDumbbell = exerciseFixture("Bench Press (Dumbbell)", ["dumbbell"]);
const squat = exerciseFixture("Squat (Barbell)", ["barbell"]);
const rationale = "test";

const patchBench: OperationInput = { op: "patch_fields", exercise_id: benchBarbell.id, set: { "metadata.level": "advanced" }, rationale };
const renameSquat: OperationInput = renameOf(squat, "Back Squat (Barbell)");
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
    const repairPlan = jest.fn<ReturnType<PlanRepairer>, Parameters<PlanRepairer>>();
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
    const repairPlan = jest.fn<ReturnType<PlanRepairer>, Parameters<PlanRepairer>>(async (_plan, errors) => {
      expect(errors[0]).toMatchObject({ code: "SCHEMA_INVALID", path: "category" });
      return { plan: planOf([{ op: "patch_fields", exercise_id: squat.id, set: { category: "isolation" }, rationale }]) };
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
    const repairPlan = jest.fn<ReturnType<PlanRepairer>, Parameters<PlanRepairer>>(() =>
      Promise.resolve({
        plan: planOf([
          { op: "patch_fields", exercise_id: squat.id, set: { category: "compound" }, rationale },
          { op: "upsert_alias", alias_slug: "barbell-squat", exercise_id: squat.id, rationale },
          { op: "patch_fields", exercise_id: benchBarbell.id, set: { "metadata.level": "advanced" }, rationale },
        ]),
      }),
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

  it("a repaired plan that changes what the job did not ask for (another field, or archiving the exercise) is not applied", async () => {
    // The job's plan sets an invalid category; the validator names only that field.
    const fixedCategory = { op: "patch_fields" as const, exercise_id: squat.id, set: { category: "isolation" }, rationale };
    const repairs: ChangePlan[] = [
      planOf([{ ...fixedCategory, set: { category: "isolation", "muscles.primary": ["biceps"] } }]),
      planOf([fixedCategory, { op: "deprecate_exercise", exercise_id: squat.id, rationale }]),
    ];
    const expected = [
      { operation_index: 0, target: `exercises/${squat.id}`, fields: ["muscles.primary"], retires: false },
      { operation_index: 1, target: `exercises/${squat.id}`, fields: [], retires: true },
    ];
    for (const [index, repaired] of repairs.entries()) {
      const repairPlan = jest.fn<ReturnType<PlanRepairer>, Parameters<PlanRepairer>>(() => Promise.resolve({ plan: repaired }));
      const { input } = await start("apply", { repairPlan });
      const before = await snapshotCatalog(db);
      const outcome = await runPlan(input, invalidPlan());
      expect(outcome).toMatchObject({
        status: "needs_review",
        error: { code: "REPAIR_OUT_OF_SCOPE", details: { beyond_request: [expected[index]] } },
        summary: { repairs: 1 },
      });
      expect(await snapshotCatalog(db)).toBe(before);
    }
  });

  it("a repaired plan that drops what the job's plan changed is not applied as its success: needs_review REPAIR_DROPPED_WORK", async () => {
    // The job's plan patches the squat (invalidly); the repair silences the error by leaving the squat alone.
    const repairPlan = jest.fn<ReturnType<PlanRepairer>, Parameters<PlanRepairer>>(() =>
      Promise.resolve({ plan: planOf([{ op: "no_change", target: "squat", rationale: "nothing to fix" }]) }),
    );
    const { input } = await start("apply", { repairPlan });
    const before = await snapshotCatalog(db);
    const outcome = await runPlan(input, invalidPlan());
    expect(outcome).toMatchObject({
      status: "needs_review",
      error: { code: "REPAIR_DROPPED_WORK", details: { dropped: [`exercises/${squat.id}`] } },
      summary: { repairs: 1 },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("a repaired plan grown past the plan limit is a refused repair, not the job's failure: needs_review REPAIR_TOO_LARGE", async () => {
    const tooMany = Array.from({ length: PLAN_LIMITS.maxOperations + 1 }, () => ({
      op: "no_change" as const,
      target: "squat",
      rationale: "padding",
    }));
    const repairPlan = jest.fn<ReturnType<PlanRepairer>, Parameters<PlanRepairer>>(() => Promise.resolve({ plan: planOf(tooMany) }));
    const { input } = await start("apply", { repairPlan });
    const before = await snapshotCatalog(db);
    const outcome = await runPlan(input, invalidPlan());
    expect(outcome).toMatchObject({
      status: "needs_review",
      error: { code: "REPAIR_TOO_LARGE", details: { operations: PLAN_LIMITS.maxOperations + 1 } },
      summary: { repairs: 1 },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("gives up after max_repairs rounds: needs_review REPAIR_LOOP_EXHAUSTED", async () => {
    const repairPlan = jest.fn<ReturnType<PlanRepairer>, Parameters<PlanRepairer>>(async (plan) => ({ plan }));
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

  it("ends the loop at a round whose repairer says no further round could do better, naming why", async () => {
    const stopReason = "the answer of round 1 was cut off at the output token limit";
    const repairPlan = jest.fn<ReturnType<PlanRepairer>, Parameters<PlanRepairer>>(async (plan) => ({ plan, stopReason }));
    const { input } = await start("apply", { repairPlan });
    const outcome = await runPlan(input, invalidPlan());
    expect(outcome).toMatchObject({
      status: "needs_review",
      error: { code: "REPAIR_LOOP_EXHAUSTED", details: { stop_reason: stopReason, repairs: [{ round: 1, errors_after: 1 }] } },
      summary: { repairs: 1 },
    });
    if (outcome.kind !== "completed") throw new Error(`the run ended ${outcome.kind}`);
    expect(outcome.error?.message).toMatch(
      /^1 validation error\(s\) after 1 of 3 repair round\(s\), no further round could do better: the answer of round 1/,
    );
    expect(repairPlan).toHaveBeenCalledTimes(1);
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

  it("a change of a job that may still apply its plan is not reverted; once the job has ended it is, and resuming the plan leaves it reverted", async () => {
    const dying = beforeTransaction((n) => {
      if (n === 3) throw new Error("worker killed");
    });
    const { deps, input } = await start("apply", {}, dying);
    await expect(runPlan(input, validPlan())).rejects.toThrow("worker killed");
    const [rename] = (await db.collection(APPLY_COLLECTIONS.changes).where("op", "==", "rename_exercise").get()).docs;
    const refusal = (status: string) => `job ${input.job.id} is still applying its plan (it is ${status}); revert after it ends`;
    const crash = { error: JobFailure.transient("TEST_CRASH", "worker killed").toInfo() };

    // Its worker died holding the lease; then the job waits for its retry, which would resume the
    // plan and, finding no record of the rename, make it again over the reverted name.
    await expect(revertChange(db, rename.id)).rejects.toThrow(refusal("running"));
    await deps.queue.endAttempt(input.lease, { event: "retry", fields: crash, bookkeeping: () => undefined });
    await expect(revertChange(db, rename.id)).rejects.toThrow(refusal("queued"));
    const retry = await leaseAgainForTest(deps, input.job.id);
    await expect(revertChange(db, rename.id)).rejects.toBeInstanceOf(ChangeJobOpenError);
    expect((await exercise(squat.id)).name).toBe("Back Squat (Barbell)");

    // The retry's worker dies too, with no attempt left: the job ends, its plan unfinished.
    await deps.queue.endAttempt(retry.lease, { event: "exhaust", fields: crash, bookkeeping: () => undefined });
    expect(await revertChange(db, rename.id)).toMatchObject({ status: "reverted" });
    expect((await exercise(squat.id)).name).toBe("Squat (Barbell)");

    // An operator's retry of the deadletter job resumes its frozen plan: the rename is not made again,
    // and the alias of its old slug (now the exercise's own slug again) is not written either.
    await deps.queue.retryJob(input.job.id);
    const resumed = await leaseAgainForTest(deps, input.job.id, "test-worker-3");
    const planId = `p${input.lease.epoch}`;
    expect(await resumePlan(resumed)).toMatchObject({
      status: "needs_review",
      summary: { plan_id: planId, applied: 0 },
      error: { code: "PLAN_REVERTED", details: { reverted: [{ operation_index: 1, change_id: rename.id }] } },
    });
    expect((await exercise(squat.id)).name).toBe("Squat (Barbell)");
    expect((await db.collection(CATALOG_COLLECTIONS.aliases).doc("squat-barbell").get()).exists).toBe(false);
    const key = idempotencyKey(validPlan().operations[1], input.job.id, `${planId}/1`)!;
    expect((await db.collection(APPLY_COLLECTIONS.changes).where("idempotency_key", "==", key).get()).docs.map((doc) => doc.id)).toEqual([
      rename.id,
    ]);
    expect((await db.collection(APPLY_COLLECTIONS.idempotency).doc(key).get()).get("result.change_id")).toBe(rename.id);
  });

  it("a reverted registry refresh, an operation without an idempotency key, keeps the plan from resuming too", async () => {
    const dying = beforeTransaction((n) => {
      if (n === 2) throw new Error("worker killed");
    });
    const { deps, input } = await start("apply", {}, dying);
    const registry = db.collection(CATALOG_COLLECTIONS.families).doc("squat");
    await registry.update({ exercise_count: 99 }); // stale: the refresh writes
    const plan = planOf([{ op: "update_family_registry", family_slug: "squat", rationale }, patchBench]);
    await expect(runPlan(input, plan)).rejects.toThrow("worker killed");
    const crash = { error: JobFailure.transient("TEST_CRASH", "worker killed").toInfo() };
    await deps.queue.endAttempt(input.lease, { event: "exhaust", fields: crash, bookkeeping: () => undefined });
    const [refresh] = (await db.collection(APPLY_COLLECTIONS.changes).where("op", "==", "update_family_registry").get()).docs;
    expect(await revertChange(db, refresh.id)).toMatchObject({ status: "reverted" });

    await deps.queue.retryJob(input.job.id);
    const resumed = await leaseAgainForTest(deps, input.job.id, "test-worker-2");
    expect(await resumePlan(resumed)).toMatchObject({
      status: "needs_review",
      error: { code: "PLAN_REVERTED", details: { reverted: [{ operation_index: 0, change_id: refresh.id }] } },
    });
    expect((await registry.get()).get("exercise_count")).toBe(99);
  });

  it("a plan too large to freeze in one document ends the job at once, permanently (PLAN_TOO_LARGE), with nothing written", async () => {
    // Each patch carries the text it replaces (`before`), and its expectations carry it again: 20
    // operations of 44 kB, within the per-operation limit (64 kB), make a frozen plan of 1.3 MB.
    const text = (words: string, n: number) => `${words} `.repeat(n).trim();
    const squats = Array.from({ length: 20 }, (_, i) =>
      exerciseFixture(`Squat Variation ${i + 1} (Barbell)`, ["barbell"], {
        family_slug: "squat",
        description: text(`A squat with a steady tempo, variation ${i + 1}.`, 500),
      }),
    );
    const plan = planOf(
      squats.map((exercise) => ({
        op: "patch_fields",
        exercise_id: exercise.id,
        set: { description: text(`${String(exercise.name)} keeps the chest up and the knees over the toes.`, 300) },
        before: { description: exercise.description },
        rationale,
      })),
    );
    const { input } = await start("apply");
    await seedCatalog(db, { exercises: squats });
    const before = await snapshotCatalog(db);

    // As a job whose payload names what to split says how.
    const err = await runPlan(input, plan, {}, "name fewer exercise_doc_ids in each job").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailure);
    expect(err).toMatchObject({
      code: "PLAN_TOO_LARGE",
      kind: "permanent",
      details: { limit_bytes: MAX_FROZEN_PLAN_BYTES, operations: 20 },
    });
    const { bytes } = (err as JobFailure).details as { bytes: number };
    expect(bytes).toBeGreaterThan(MAX_FROZEN_PLAN_BYTES);
    expect((err as Error).message).toMatch(
      new RegExp(
        `is ${bytes} bytes; the limit .* is ${MAX_FROZEN_PLAN_BYTES}.*: nothing was applied; name fewer exercise_doc_ids in each job$`,
      ),
    );
    expect(await snapshotCatalog(db)).toBe(before);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(0);
    expect((await db.collection(JOB_COLLECTIONS.jobs).doc(input.job.id).get()).get("plan_id")).toBeNull();
    // The attempt log keeps the plan as its size and first operations, and says why it stopped.
    const attempt = attemptDoc(input);
    expect(attempt.plan).toMatchObject({ truncated: true, operation_count: 20 });
    expect(attempt.events).toContainEqual(
      expect.objectContaining({ event: "plan_too_large", details: { bytes, limit_bytes: MAX_FROZEN_PLAN_BYTES, operations: 20 } }),
    );

    // Its dry run previews it, and says that applying it would fail.
    const dryRun = (await start("dry_run")).input;
    const outcome = await runPlan(dryRun, plan);
    expect(outcome).toMatchObject({
      kind: "completed",
      status: "succeeded_dry_run",
      summary: {
        would_apply: 20,
        apply_would_fail: {
          code: "PLAN_TOO_LARGE",
          limit_bytes: MAX_FROZEN_PLAN_BYTES,
          operations: 20,
        },
      },
    });
    if (outcome.kind !== "completed") throw new Error(`the dry run ended ${outcome.kind}`);
    expect((outcome.summary.apply_would_fail as { bytes: number }).bytes).toBeGreaterThan(MAX_FROZEN_PLAN_BYTES);
    expect(attemptDoc(dryRun).events).toContainEqual(expect.objectContaining({ event: "plan_too_large" }));
  });

  it("a plan over the validator's operation limit ends the job at once, permanently (PLAN_TOO_LARGE), with no repair round", async () => {
    // A repair could only drop operations, leaving the job's work undone.
    const repairPlan = jest.fn<ReturnType<PlanRepairer>, Parameters<PlanRepairer>>();
    const { input } = await start("apply", { repairPlan });
    const before = await snapshotCatalog(db);
    const operations = PLAN_LIMITS.maxOperations + 1;
    const plan = planOf(Array.from({ length: operations }, (_, i) => ({ op: "no_change" as const, target: `squat ${i}`, rationale })));

    const err = await runPlan(input, plan).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailure);
    expect(err).toMatchObject({
      code: "PLAN_TOO_LARGE",
      kind: "permanent",
      details: { operations, limit_operations: PLAN_LIMITS.maxOperations },
    });
    // Its type names nothing to split (as FAMILY_NORMALIZE, a family): no advice it could not follow.
    expect((err as Error).message).toMatch(
      new RegExp(
        `${operations} operations; a plan has at most ${PLAN_LIMITS.maxOperations}: nothing was applied; ` +
          `${input.job.type} changes a whole family at once, which cannot be asked for in parts$`,
      ),
    );
    expect(repairPlan).not.toHaveBeenCalled();
    expect(await snapshotCatalog(db)).toBe(before);
    const attempt = attemptDoc(input);
    expect(attempt.validation).toMatchObject({ ok: false, errors: [expect.objectContaining({ code: "PLAN_TOO_LARGE" })] });
    expect(attempt.events).toContainEqual(
      expect.objectContaining({ event: "plan_too_large", details: { operations, limit_operations: PLAN_LIMITS.maxOperations } }),
    );
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

  it("an alias whose exercise is deleted after the plan was built (a curator's revert) goes to review, not to nothing", async () => {
    const reverting = beforeTransaction(async (n) => {
      if (n === 1) await db.collection(CATALOG_COLLECTIONS.exercises).doc(benchBarbell.id).delete();
    });
    const { input } = await start("apply", {}, reverting);
    const outcome = await runPlan(
      input,
      planOf([{ op: "upsert_alias", alias_slug: "flat-bench", exercise_id: benchBarbell.id, rationale }]),
    );
    expect(outcome).toMatchObject({
      status: "needs_review",
      error: {
        code: "TARGET_CHANGED",
        details: { failed: [expect.objectContaining({ operation_index: 0, code: "STALE_PLAN", path: "exercise_id" })] },
      },
    });
    expect((await db.collection(CATALOG_COLLECTIONS.aliases).doc("flat-bench").get()).exists).toBe(false);
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

  it("a lost lease (or lock) after the plan is frozen stops it between operations; the next attempt resumes it", async () => {
    const running: { input?: TestHandlerInput } = {};
    const losing = beforeTransaction((n) => {
      // As the rename (the plan's first write) is under way.
      if (n === 2) running.input!.abort.abort(new LeaseLostError(running.input!.job.id, "lock renewal failing"));
    });
    const { deps, input } = await start("apply", {}, losing);
    running.input = input;
    await expect(runPlan(input, validPlan())).rejects.toBeInstanceOf(LeaseLostError);
    expect((await exercise(squat.id)).name).toBe("Back Squat (Barbell)");
    expect((await db.collection(CATALOG_COLLECTIONS.aliases).doc("squat-barbell").get()).exists).toBe(false);

    const retry = await retryForTest(deps, input);
    expect(await resumePlan(retry)).toMatchObject({ status: "succeeded", summary: { applied: 1, skipped: 2, failed: 0 } });
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
