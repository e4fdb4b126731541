import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { planWriter, runPlan } from "../../src/apply/run-plan";
import { type Firestore, type Timestamp } from "firebase-admin/firestore";
import { planExpectations } from "../../src/apply/expectations";
import { loadCatalogView } from "../../src/apply/view-loader";
import type { ApplyEngine } from "../../src/apply/apply-engine";
import { loadEngineConfig } from "../../src/config";
import { type ChangePlan, type OperationInput, idempotencyKey } from "../../src/apply/plan";
import { JobCancelledError, LeaseLostError } from "../../src/jobs/errors";
import { exerciseFixture, planOf, retiredFamilyFixture, seedCatalog, snapshotCatalog, renameOf } from "../helpers/catalog";
import { type TestDeps, type TestHandlerInput, leaseForTest, makeTestDeps, retryForTest, testApplyEngine } from "../helpers/engine";
import { describeWithIsolation, newFirestore, useFirestore } from "../helpers/firestore";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";
import { toNameSlug } from "../../src/catalog/taxonomy";

const benchBarbell = exerciseFixture("Bench Press (Barbell)", ["barbell"]);
const benchDumbbell = exerciseFixture("Bench Press (Dumbbell)", ["dumbbell"]);
const squat = exerciseFixture("Squat (Barbell)", ["barbell"]);
const catalog = {
  exercises: [benchBarbell, benchDumbbell, squat],
  families: [computeFamilyRegistry("bench_press", [benchBarbell, benchDumbbell]), computeFamilyRegistry("squat", [squat])],
};
const rationale = "test";

/** Rename with the old slug kept, a patch elsewhere, and a family alias: four operations that each write. */
const normalizePlan = (): ChangePlan =>
  planOf([
    { op: "rename_exercise", exercise_id: squat.id, old_name: "Squat (Barbell)", new_name: "Back Squat (Barbell)", rationale },
    { op: "upsert_alias", alias_slug: "squat-barbell", exercise_id: squat.id, rationale },
    { op: "patch_fields", exercise_id: benchBarbell.id, set: { "metadata.level": "advanced" }, rationale },
    { op: "upsert_alias", alias_slug: "back_squat", family_slug: "squat", rationale },
  ]);

const db = useFirestore();
/** Operations named by their position, as a frozen plan names them. */
const writer = (input: TestHandlerInput) => planWriter(input, (_op, index) => `test/${index}`);
const keyOf = (plan: ChangePlan, index: number, input: TestHandlerInput) =>
  idempotencyKey(plan.operations[index], input.job.id, `test/${index}`);

async function start(): Promise<{ deps: TestDeps; input: TestHandlerInput; engine: ApplyEngine }> {
  await seedCatalog(db, catalog);
  const deps = makeTestDeps(db, { applyEnabled: true });
  const input = await leaseForTest(deps, { type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: "squat" } });
  return { deps, input, engine: testApplyEngine(db) };
}

const count = async (collection: string) => (await db.collection(collection).get()).size;
const exercise = async (id: string) => (await db.collection(CATALOG_COLLECTIONS.exercises).doc(id).get()).data()!;

describe("ApplyEngine.preview", () => {
  it("shows what would change and leaves every catalog document byte-identical", async () => {
    const { engine } = await start();
    const before = await snapshotCatalog(db);
    const preview = await engine.preview(normalizePlan());
    expect(await snapshotCatalog(db)).toBe(before);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(0);
    expect(await count(APPLY_COLLECTIONS.idempotency)).toBe(0);

    expect(preview.counts).toMatchObject({ would_apply: 4, would_fail: 0 });
    expect(preview.operations[0].changes).toEqual([
      {
        target: `exercises/${squat.id}`,
        change: "update",
        changed_paths: ["name", "name_slug"],
        before: { name: "Squat (Barbell)", name_slug: "squat-barbell" },
        after: { name: "Back Squat (Barbell)", name_slug: "back-squat-barbell" },
      },
    ]);
    expect(preview.operations[1].changes[0]).toMatchObject({ target: "exercise_aliases/squat-barbell", change: "create", before: null });
  });

  it("reports an operation whose effect is already in the catalog as no change", async () => {
    const { engine, input } = await start();
    const plan = normalizePlan();
    await engine.apply(planOf([plan.operations[2]]), writer(input));
    const preview = await engine.preview(plan);
    expect(preview.operations.map((op) => op.outcome)).toEqual(["would_apply", "would_apply", "no_change", "would_apply"]);
  });
});

describe("ApplyEngine.apply", () => {
  it("writes each operation with its journal entry and idempotency record", async () => {
    const { engine, input } = await start();
    const startedAt = Date.now();
    const plan = normalizePlan();
    const result = await engine.apply(plan, writer(input));

    expect(result.applied.map((op) => op.operation_index)).toEqual([0, 1, 2, 3]);
    expect(result).toMatchObject({ skipped: [], failed: [], not_attempted: [] });
    expect(result.change_ids).toHaveLength(4);

    const renamed = await exercise(squat.id);
    expect(renamed).toMatchObject({ name: "Back Squat (Barbell)", name_slug: "back-squat-barbell", family_slug: "squat" });
    expect((renamed.updated_at as Timestamp).toMillis()).toBeGreaterThanOrEqual(startedAt - 1000);
    expect((await exercise(benchBarbell.id)).metadata).toEqual({ level: "advanced" });
    expect((await db.collection(CATALOG_COLLECTIONS.aliases).doc("squat-barbell").get()).data()).toMatchObject({
      alias_slug: "squat-barbell",
      exercise_id: squat.id,
      is_family_alias: false,
    });

    const journal = await db.collection(APPLY_COLLECTIONS.changes).doc(result.change_ids[0]).get();
    expect(journal.data()).toMatchObject({
      job_id: input.job.id,
      job_type: "FAMILY_NORMALIZE",
      lease_epoch: input.lease.epoch,
      operation_index: 0,
      op: "rename_exercise",
      idempotency_key: keyOf(plan, 0, input),
      rationale,
      status: "applied",
      targets: [`exercises/${squat.id}`],
    });
    expect(journal.get("documents")[0]).toMatchObject({
      before: { name: "Squat (Barbell)" },
      after: { name: "Back Squat (Barbell)" },
      changed_paths: ["name", "name_slug"],
    });

    const record = await db
      .collection(APPLY_COLLECTIONS.idempotency)
      .doc(keyOf(plan, 0, input)!)
      .get();
    expect(record.data()).toMatchObject({
      key: record.id,
      job_id: input.job.id,
      result: { change_id: result.change_ids[0], operation_index: 0 },
    });
    const ttl = (record.get("expires_at") as Timestamp).toMillis() - (record.get("created_at") as Timestamp).toMillis();
    // As long as the job that wrote it, so a retry that resumes its plan, however late, finds it.
    expect(ttl).toBe(loadEngineConfig({}).retainJobsMs);
  });

  it("reassigns, merges and recomputes the registry", async () => {
    const { engine, input } = await start();
    const result = await engine.apply(
      planOf([
        {
          op: "reassign_family",
          exercise_id: squat.id,
          from_family: "squat",
          to_family: "front_squat",
          new_name: "Front Squat (Barbell)",
          rationale,
        },
        {
          op: "merge_exercises",
          source_id: benchDumbbell.id,
          target_id: benchBarbell.id,
          target_patch: { suitability_notes: ["Suits lifters who bench."] },
          rationale,
        },
        { op: "update_family_registry", family_slug: "bench_press", rationale },
        { op: "update_family_registry", family_slug: "squat", status: "deprecated", rationale },
        { op: "update_family_registry", family_slug: "front_squat", rationale },
      ]),
      writer(input),
    );
    expect(result.failed).toEqual([]);
    expect(await exercise(squat.id)).toMatchObject({
      family_slug: "front_squat",
      name: "Front Squat (Barbell)",
      name_slug: "front-squat-barbell",
    });
    expect(await exercise(benchDumbbell.id)).toMatchObject({ status: "merged", merged_into: benchBarbell.id });
    expect((await exercise(benchBarbell.id)).suitability_notes).toEqual(["Suits lifters who bench."]);
    const registry = async (slug: string) => (await db.collection(CATALOG_COLLECTIONS.families).doc(slug).get()).data();
    expect(await registry("bench_press")).toMatchObject({ exercise_count: 1, primary_equipment: ["barbell"], status: "active" });
    expect(await registry("squat")).toMatchObject({ exercise_count: 0, status: "deprecated", base_name: "Squat" });
    expect(await registry("front_squat")).toMatchObject({ exercise_count: 1, base_name: "Front Squat", status: "active" });
  });

  it("skips every operation when the same job applies its plan again", async () => {
    const { engine, input } = await start();
    const plan = normalizePlan();
    await engine.apply(plan, writer(input));
    const after = await snapshotCatalog(db);

    const again = await engine.apply(plan, writer(input));
    expect(again.applied).toEqual([]);
    expect(again.skipped.map((op) => op.reason)).toEqual(["already_applied", "already_applied", "already_applied", "already_applied"]);
    expect(await snapshotCatalog(db)).toBe(after);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(4);
  });

  it("tells how many operations have ended after each one, those already applied by an earlier attempt included", async () => {
    const { engine, input } = await start();
    const plan = normalizePlan();
    const reported: number[] = [];
    const onProgress = async (done: number) => void reported.push(done);
    await engine.apply(plan, writer(input), { onProgress });
    expect(reported).toEqual([1, 2, 3, 4]);

    reported.length = 0;
    const again = await engine.apply(plan, writer(input), { onProgress });
    expect(again.skipped).toHaveLength(4);
    expect(reported).toEqual([1, 2, 3, 4]);
  });

  it("fails another job's copy of an applied plan as stale instead of calling it done", async () => {
    const { deps, engine, input } = await start();
    const plan = normalizePlan();
    await engine.apply(plan, writer(input));
    const after = await snapshotCatalog(db);

    const other = await leaseForTest(deps, { type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: "squat" } });
    const second = await engine.apply(plan, writer(other));
    expect(second.failed).toEqual([expect.objectContaining({ operation_index: 0, code: "STALE_PLAN" })]);
    expect(second.not_attempted).toEqual([1, 2, 3]);
    expect(await snapshotCatalog(db)).toBe(after);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(4);
  });

  it("applies an undo and a redo: A→B, B→A, A→B leaves B with every old slug resolving", async () => {
    const { deps, engine, input } = await start();
    const rename = (from: string, to: string): ChangePlan =>
      planOf([
        { op: "rename_exercise", exercise_id: squat.id, old_name: from, new_name: to, rationale },
        { op: "upsert_alias", alias_slug: toNameSlug(from), exercise_id: squat.id, rationale },
      ]);
    const a = "Squat (Barbell)";
    const b = "Back Squat (Barbell)";
    await engine.apply(rename(a, b), writer(input));
    const undo = await leaseForTest(deps, { type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: "squat" } });
    const undone = await engine.apply(rename(b, a), writer(undo));
    const redo = await leaseForTest(deps, { type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: "squat" } });
    const redone = await engine.apply(rename(a, b), writer(redo));

    expect(undone.failed).toEqual([]);
    expect(redone.failed).toEqual([]);
    expect(redone.applied.map((op) => op.operation_index)).toContain(0);
    expect(await exercise(squat.id)).toMatchObject({ name: b, name_slug: toNameSlug(b) });
    const alias = async (slug: string) => (await db.collection(CATALOG_COLLECTIONS.aliases).doc(slug).get()).data();
    expect(await alias(toNameSlug(a))).toMatchObject({ exercise_id: squat.id });
  });

  it("applies a patch undone and redone: X→Y→X ends at X", async () => {
    const { deps, engine, input } = await start();
    const patch = (level: string) =>
      planOf([{ op: "patch_fields", exercise_id: benchBarbell.id, set: { "metadata.level": level }, rationale }]);
    await engine.apply(patch("advanced"), writer(input));
    for (const level of ["intermediate", "advanced"]) {
      const next = await leaseForTest(deps, { type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: "bench_press" } });
      expect((await engine.apply(patch(level), writer(next))).applied).toHaveLength(1);
    }
    expect((await exercise(benchBarbell.id)).metadata).toEqual({ level: "advanced" });
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(3);
  });

  it("recomputes a family's registry again for a later job instead of skipping it", async () => {
    const { deps, engine, input } = await start();
    const addVariant = (name: string, equipment: string) => {
      const { id, ...data } = exerciseFixture(name, [equipment]);
      return planOf([
        { op: "create_exercise", exercise_id: id, data, rationale },
        { op: "update_family_registry", family_slug: "bench_press", rationale },
      ]);
    };
    expect((await engine.apply(addVariant("Bench Press (Cable)", "cable"), writer(input))).applied).toHaveLength(2);
    const later = await leaseForTest(deps, {
      type: "EXERCISE_ADD",
      payload: { mode: "apply", intent: { base_name: "Bench Press", equipment: ["machine"] } },
    });
    const result = await engine.apply(addVariant("Bench Press (Machine)", "machine"), writer(later));
    expect(result.applied.map((op) => op.idempotency_key === null)).toEqual([false, true]);
    const registry = (await db.collection(CATALOG_COLLECTIONS.families).doc("bench_press").get()).data();
    expect(registry).toMatchObject({ exercise_count: 4, primary_equipment: ["barbell", "cable", "dumbbell", "machine"] });
  });

  it("stops at the first failing operation, writes nothing for it and reports the rest as not attempted", async () => {
    const { engine, input } = await start();
    const stale: OperationInput = {
      op: "rename_exercise",
      exercise_id: squat.id,
      old_name: "Squat",
      new_name: "Back Squat (Barbell)",
      rationale,
    };
    const plan = planOf([
      { op: "patch_fields", exercise_id: benchBarbell.id, set: { "metadata.level": "advanced" }, rationale },
      stale,
      { op: "update_family_registry", family_slug: "bench_press", rationale },
    ]);
    const result = await engine.apply(plan, writer(input));
    expect(result.applied.map((op) => op.operation_index)).toEqual([0]);
    expect(result.failed).toEqual([expect.objectContaining({ operation_index: 1, code: "STALE_PLAN", path: "old_name" })]);
    expect(result.not_attempted).toEqual([2]);
    expect(
      (
        await db
          .collection(APPLY_COLLECTIONS.idempotency)
          .doc(keyOf(plan, 1, input)!)
          .get()
      ).exists,
    ).toBe(false);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(1);
    expect((await exercise(squat.id)).name).toBe("Squat (Barbell)");
  });

  it("ends the plan at an error the operation would meet again, reporting what was applied, as it does at a conflict", async () => {
    const { engine, input } = await start();
    const plan = normalizePlan();
    let applying = -1;
    const track = { beforeOperation: (index: number) => void (applying = index) };
    // The error is thrown inside operation `index`'s transaction, once the lease is checked.
    const breaksAt = (index: number, err: Error) => {
      const fenced = writer(input);
      return {
        ...fenced,
        fence: async (tx: Parameters<typeof fenced.fence>[0]) => {
          await fenced.fence(tx);
          if (applying === index) throw err;
        },
      };
    };
    // Code meeting data it cannot handle: the same operation would fail again.
    const result = await engine.apply(plan, breaksAt(1, new TypeError("cannot read properties of undefined")), track);
    expect(result.applied.map((op) => op.operation_index)).toEqual([0]);
    expect(result.failed).toEqual([expect.objectContaining({ operation_index: 1, code: "HANDLER_ERROR" })]);
    expect(result.not_attempted).toEqual([2, 3]);
    // An error a later attempt may get past (an unknown one is taken for an outage) ends the attempt instead: it resumes the plan.
    await expect(engine.apply(plan, breaksAt(2, new Error("socket hang up")), track)).rejects.toThrow("socket hang up");
  });

  it("refuses to write a document the schema rejects", async () => {
    const { engine, input } = await start();
    const result = await engine.apply(
      planOf([{ op: "patch_fields", exercise_id: squat.id, set: { category: "strength" }, rationale }]),
      writer(input),
    );
    expect(result.failed).toEqual([expect.objectContaining({ operation_index: 0, code: "SCHEMA_INVALID", path: "category" })]);
    expect((await exercise(squat.id)).category).toBe("compound");
  });

  it("patches a legacy exercise that was already above the size limit, and journals it", async () => {
    const { engine, input } = await start();
    const legacyNotes = "x".repeat(200_000);
    await db.collection(CATALOG_COLLECTIONS.exercises).doc(squat.id).update({ legacy_notes: legacyNotes });
    const plan = planOf([{ op: "patch_fields", exercise_id: squat.id, set: { "review_metadata.quality_score": 0.4 }, rationale }]);
    const result = await engine.apply(plan, writer(input));
    expect(result.failed).toEqual([]);
    expect(await exercise(squat.id)).toMatchObject({ legacy_notes: legacyNotes, review_metadata: { quality_score: 0.4 } });
    const journal = await db.collection(APPLY_COLLECTIONS.changes).doc(result.change_ids[0]).get();
    expect(journal.get("documents")[0].changed_paths).toEqual(["review_metadata"]);
  });

  it("writes nothing for an operation already in effect", async () => {
    const { engine, input } = await start();
    const before = await snapshotCatalog(db);
    const result = await engine.apply(
      planOf([
        { op: "patch_fields", exercise_id: squat.id, set: { category: "compound" }, rationale },
        { op: "no_change", rationale },
      ]),
      writer(input),
    );
    expect(result.unchanged).toEqual([
      { operation_index: 0, op: "patch_fields", reason: "already_in_effect" },
      { operation_index: 1, op: "no_change", reason: "no_change_operation" },
    ]);
    expect(await snapshotCatalog(db)).toBe(before);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(0);
  });

  it("stops between operations on a cancel and reports the rest as not attempted", async () => {
    const { engine, input } = await start();
    const result = await engine.apply(normalizePlan(), writer(input), {
      signal: input.abort.signal,
      beforeOperation: (index) => {
        if (index === 2) input.abort.abort(new JobCancelledError(input.job.id));
      },
    });
    expect(result).toMatchObject({ cancelled: true, not_attempted: [2, 3] });
    expect(result.applied.map((op) => op.operation_index)).toEqual([0, 1]);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(2);
  });

  it("throws between operations when the job's signal aborts for another reason", async () => {
    const { engine, input } = await start();
    const reason = new Error("cancelled");
    const applying = engine.apply(normalizePlan(), writer(input), {
      signal: input.abort.signal,
      beforeOperation: (index) => {
        if (index === 2) input.abort.abort(reason);
      },
    });
    await expect(applying).rejects.toBe(reason);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(2);
  });
});

describe("ApplyEngine.apply with a frozen plan's expectations", () => {
  /** What the plan expects, as runPlan freezes it: simulated on the catalog as it is now. */
  const expectationsOf = async (plan: ChangePlan) => planExpectations(plan, await loadCatalogView(db, plan), new Date());
  const renameSquat: OperationInput = renameOf(squat, "Back Squat (Barbell)");
  /** The rename with the alias of its old slug, as a valid plan has it. */
  const renamePlan = () => planOf([renameSquat, { op: "upsert_alias", alias_slug: "squat-barbell", exercise_id: squat.id, rationale }]);

  it("reports a target deleted since planning as changed (STALE_PLAN), not as a missing exercise", async () => {
    const { engine, input } = await start();
    const plan = renamePlan();
    const expectations = await expectationsOf(plan);
    await db.collection(CATALOG_COLLECTIONS.exercises).doc(squat.id).delete();
    const result = await engine.apply(plan, writer(input), { expectations });
    expect(result.failed).toEqual([
      {
        operation_index: 0,
        op: "rename_exercise",
        code: "STALE_PLAN",
        path: "document",
        message: `rename_exercise: exercises/${squat.id} was deleted since the plan was built`,
      },
    ]);
    expect(result.not_attempted).toEqual([1]);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(0);
  });

  it("reports an exercise created since planning as changed (STALE_PLAN), not as one that already exists", async () => {
    const { engine, input } = await start();
    const { id, ...data } = exerciseFixture("Bench Press (Cable)", ["cable"]);
    const plan = planOf([{ op: "create_exercise", exercise_id: id, data, rationale }]);
    const expectations = await expectationsOf(plan);
    const theirs = { ...data, description: "Someone else's cable bench press, created after the plan was built." };
    await db.collection(CATALOG_COLLECTIONS.exercises).doc(id).set(theirs);
    const result = await engine.apply(plan, writer(input), { expectations });
    expect(result.failed).toEqual([
      expect.objectContaining({ code: "STALE_PLAN", message: `create_exercise: exercises/${id} was created since the plan was built` }),
    ]);
    expect(await exercise(id)).toEqual(theirs);
  });

  it("reports a name another family's job took since planning (STALE_PLAN) instead of giving it a second exercise", async () => {
    const { engine, input } = await start();
    const theirs = planOf([{ ...renameSquat, new_name: "Front Squat (Barbell)" }]);
    const ours = planOf([
      { ...renameSquat, exercise_id: benchDumbbell.id, old_name: "Bench Press (Dumbbell)", new_name: "Front Squat (Barbell)" },
    ]);
    const expectations = await expectationsOf(ours);
    expect((await engine.apply(theirs, writer(input), { expectations: await expectationsOf(theirs) })).failed).toEqual([]);
    // Another operation of the job than theirs (its idempotency record would skip it).
    const result = await engine.apply(
      ours,
      planWriter(input, (_op, index) => `ours/${index}`),
      { expectations },
    );
    expect(result.failed).toEqual([
      expect.objectContaining({
        code: "STALE_PLAN",
        path: "name_slug",
        message: `rename_exercise: name_slug "front-squat-barbell" is held by ${squat.id} since the plan was built`,
      }),
    ]);
    expect(await exercise(benchDumbbell.id)).toMatchObject({ name: "Bench Press (Dumbbell)" });
  });

  it("reports a merge target another job retired since planning (STALE_PLAN) instead of merging into it", async () => {
    const { engine, input } = await start();
    const retireBarbell = planOf([{ op: "deprecate_exercise", exercise_id: benchBarbell.id, rationale }]);
    const mergeInto = planOf([
      { op: "deprecate_exercise", exercise_id: benchDumbbell.id, status: "merged", merged_into: benchBarbell.id, rationale },
    ]);
    // The same through a merge with nothing to fill in the target, with no frozen expectations.
    const merge = planOf([{ op: "merge_exercises", source_id: benchDumbbell.id, target_id: benchBarbell.id, rationale }]);
    const expectations = await expectationsOf(mergeInto);
    expect(
      (
        await engine.apply(
          retireBarbell,
          planWriter(input, () => "theirs"),
        )
      ).failed,
    ).toEqual([]);

    const message = `the exercise it merges into changed since the plan was built (exercise ${benchBarbell.id} is deprecated)`;
    expect((await engine.apply(mergeInto, writer(input), { expectations })).failed).toEqual([
      expect.objectContaining({ code: "STALE_PLAN", path: "merged_into", message: `deprecate_exercise: ${message}` }),
    ]);
    expect(
      (
        await engine.apply(
          merge,
          planWriter(input, (_op, index) => `merge/${index}`),
        )
      ).failed,
    ).toEqual([expect.objectContaining({ code: "STALE_PLAN", path: "target_id", message: `merge_exercises: ${message}` })]);
    expect(await exercise(benchDumbbell.id)).toMatchObject({ status: benchDumbbell.status });
    expect(await exercise(benchDumbbell.id)).not.toHaveProperty("merged_into");
  });

  it("reports an alias target deleted or retired since planning (STALE_PLAN) instead of pointing the alias at nothing", async () => {
    // A curator's revert takes no lock: it may delete or retire what a waiting plan's alias points at.
    const { engine, input } = await start();
    const toExercise = planOf([{ op: "upsert_alias", alias_slug: "back-squat", exercise_id: squat.id, rationale }]);
    const toFamily = planOf([{ op: "upsert_alias", alias_slug: "squats", family_slug: "squat", is_family_alias: true, rationale }]);
    const expectations = await expectationsOf(toExercise);
    await db.collection(CATALOG_COLLECTIONS.exercises).doc(squat.id).delete();
    await db.collection(CATALOG_COLLECTIONS.families).doc("squat").update({ status: "merged", merged_into: "bench_press" });

    const changed = "upsert_alias: what the alias points at changed since the plan was built";
    expect((await engine.apply(toExercise, writer(input), { expectations })).failed).toEqual([
      expect.objectContaining({ code: "STALE_PLAN", path: "exercise_id", message: `${changed} (exercise ${squat.id} does not exist)` }),
    ]);
    expect(
      (
        await engine.apply(
          toFamily,
          planWriter(input, (_op, index) => `family/${index}`),
        )
      ).failed,
    ).toEqual([expect.objectContaining({ code: "STALE_PLAN", path: "family_slug", message: `${changed} (family squat is merged)` })]);
    expect(await count(CATALOG_COLLECTIONS.aliases)).toBe(0);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(0);
  });

  it("points an alias at an exercise a later operation of its plan creates (the plan is validated as a whole)", async () => {
    const { engine, input } = await start();
    const { id, ...data } = exerciseFixture("Bench Press (Cable)", ["cable"]);
    const plan = planOf([
      { op: "upsert_alias", alias_slug: "cable-bench", exercise_id: id, rationale },
      { op: "create_exercise", exercise_id: id, data, rationale },
    ]);
    const result = await engine.apply(plan, writer(input), { expectations: await expectationsOf(plan) });
    expect(result.failed).toEqual([]);
    expect(result.change_ids).toHaveLength(2);
  });

  it("does not patch a merge target retired since, though the merge's source already is merged into it", async () => {
    const { engine, input } = await start();
    await db.collection(CATALOG_COLLECTIONS.exercises).doc(benchDumbbell.id).update({ status: "merged", merged_into: benchBarbell.id });
    await db.collection(CATALOG_COLLECTIONS.exercises).doc(benchBarbell.id).update({ status: "deprecated" });
    const remerge = planOf([
      {
        op: "merge_exercises",
        source_id: benchDumbbell.id,
        target_id: benchBarbell.id,
        target_patch: { suitability_notes: ["Suits lifters who bench."] },
        rationale,
      },
    ]);
    expect((await engine.apply(remerge, writer(input))).failed).toEqual([
      expect.objectContaining({ code: "STALE_PLAN", path: "target_id" }),
    ]);
    expect(await exercise(benchBarbell.id)).not.toHaveProperty("suitability_notes");
  });

  it("reports a registry entry another job merged since planning (STALE_PLAN) instead of writing it active again", async () => {
    const { engine, input } = await start();
    const plan = planOf([{ op: "update_family_registry", family_slug: "squat", rationale }]);
    const expectations = await expectationsOf(plan);
    const merged = { status: "merged", merged_into: "bench_press" };
    await db.collection(CATALOG_COLLECTIONS.families).doc("squat").update(merged);
    const result = await engine.apply(plan, writer(input), { expectations });
    expect(result.failed).toEqual([
      expect.objectContaining({ code: "STALE_PLAN", path: "status", message: expect.stringContaining("exercise_families/squat changed") }),
    ]);
    expect((await db.collection(CATALOG_COLLECTIONS.families).doc("squat").get()).data()).toMatchObject(merged);
  });

  /** Archives the squat, then its family. */
  const retireSquat = () =>
    planOf([
      { op: "deprecate_exercise", exercise_id: squat.id, rationale },
      { op: "update_family_registry", family_slug: "squat", status: "deprecated", rationale },
    ]);

  it("applies a registry update that retires its family again after it applied once (a resumed plan), and recomputes it", async () => {
    const { engine, input } = await start();
    const plan = retireSquat();
    const expectations = await expectationsOf(plan);
    expect((await engine.apply(plan, writer(input), { expectations })).failed).toEqual([]);
    await db.collection(CATALOG_COLLECTIONS.families).doc("squat").update({ exercise_count: 7 });
    expect((await engine.apply(plan, writer(input), { expectations })).failed).toEqual([]);
    expect((await db.collection(CATALOG_COLLECTIONS.families).doc("squat").get()).data()).toMatchObject({
      status: "deprecated",
      exercise_count: 0,
    });
  });

  it("reports a family given a live exercise since planning (STALE_PLAN) instead of retiring it with the exercise in it", async () => {
    const { engine, input } = await start();
    const plan = retireSquat();
    const expectations = await expectationsOf(plan);
    const { id, ...added } = exerciseFixture("Squat (Dumbbell)", ["dumbbell"]);
    await db.collection(CATALOG_COLLECTIONS.exercises).doc(id).set(added);
    const result = await engine.apply(plan, writer(input), { expectations });
    expect(result.failed).toEqual([
      {
        operation_index: 1,
        op: "update_family_registry",
        code: "STALE_PLAN",
        path: "status",
        message: `update_family_registry: family squat would be deprecated with live exercise ${id} in it, which the plan does not move`,
      },
    ]);
    expect((await db.collection(CATALOG_COLLECTIONS.families).doc("squat").get()).data()).toMatchObject({ status: "active" });
  });

  it("retires a family before a later operation of its plan retires its last exercise (the plan is validated as a whole)", async () => {
    const { engine, input } = await start();
    const plan = planOf([...retireSquat().operations].reverse());
    expect((await engine.apply(plan, writer(input), { expectations: await expectationsOf(plan) })).failed).toEqual([]);
    expect((await db.collection(CATALOG_COLLECTIONS.families).doc("squat").get()).data()).toMatchObject({ status: "deprecated" });
  });

  it("merges on a family already merged with a live exercise in it (a problem the plan found, not one it makes)", async () => {
    const { engine, input } = await start();
    await db.collection(CATALOG_COLLECTIONS.families).doc("squat").set(retiredFamilyFixture("squat", "front_squat"));
    const plan = planOf([{ op: "update_family_registry", family_slug: "squat", status: "merged", merged_into: "bench_press", rationale }]);
    expect((await engine.apply(plan, writer(input), { expectations: await expectationsOf(plan) })).failed).toEqual([]);
    expect((await db.collection(CATALOG_COLLECTIONS.families).doc("squat").get()).data()).toMatchObject({
      status: "merged",
      merged_into: "bench_press",
      exercise_count: 1,
    });
  });

  it("still writes nothing, and fails nothing, for an operation someone else already made", async () => {
    const { engine, input } = await start();
    const plan = planOf([{ op: "patch_fields", exercise_id: benchBarbell.id, set: { "metadata.level": "advanced" }, rationale }]);
    const expectations = await expectationsOf(plan);
    await db.collection(CATALOG_COLLECTIONS.exercises).doc(benchBarbell.id).update({ "metadata.level": "advanced" });
    const result = await engine.apply(plan, writer(input), { expectations });
    expect(result).toMatchObject({ failed: [], unchanged: [{ operation_index: 0, reason: "already_in_effect" }] });
  });

  it("a job whose target was deleted after its plan was frozen ends needs_review TARGET_CHANGED", async () => {
    await seedCatalog(db, catalog);
    // Once the job runs, the squat is deleted just before each transaction: after validation and freezing.
    let running = false;
    const deleting = new Proxy(db, {
      get(target, prop) {
        if (prop !== "runTransaction") return Reflect.get(target, prop);
        return async (...args: Parameters<Firestore["runTransaction"]>) => {
          if (running) await target.collection(CATALOG_COLLECTIONS.exercises).doc(squat.id).delete();
          return target.runTransaction(...args);
        };
      },
    });
    const deps = makeTestDeps(deleting, { applyEnabled: true });
    const input = await leaseForTest(deps, { type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: "squat" } });
    running = true;
    const outcome = await runPlan(input, renamePlan());
    expect(outcome).toMatchObject({
      status: "needs_review",
      error: {
        code: "TARGET_CHANGED",
        message: expect.stringContaining(`exercises/${squat.id} was deleted since the plan was built`),
        details: { failed: [expect.objectContaining({ operation_index: 0, code: "STALE_PLAN" })] },
      },
    });
  });
});

describeWithIsolation("ApplyEngine exactly-once (real transaction isolation)", () => {
  it("after a crash between two operations, the retry applies every operation exactly once", async () => {
    const { deps, engine, input } = await start();
    const plan = normalizePlan();
    const crash = engine.apply(plan, writer(input), {
      beforeOperation: (index) => {
        if (index === 2) throw new Error("worker crashed");
      },
    });
    await expect(crash).rejects.toThrow("worker crashed");
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(2);

    const retry = await retryForTest(deps, input);
    expect(retry.lease.epoch).toBeGreaterThan(input.lease.epoch);
    const result = await engine.apply(plan, writer(retry));
    expect(result.skipped.map((op) => op.operation_index)).toEqual([0, 1]);
    expect(result.applied.map((op) => op.operation_index)).toEqual([2, 3]);

    const journal = await db.collection(APPLY_COLLECTIONS.changes).get();
    const keys = journal.docs.map((doc) => doc.get("idempotency_key") as string).sort();
    expect(keys).toEqual(plan.operations.map((_op, index) => keyOf(plan, index, retry)).sort());
    expect((await exercise(squat.id)).name).toBe("Back Squat (Barbell)");
  });

  it("rejects an operation under a stale lease epoch and journals nothing", async () => {
    const { deps, engine, input } = await start();
    const before = await snapshotCatalog(db);
    await retryForTest(deps, input);
    await expect(engine.apply(normalizePlan(), writer(input))).rejects.toBeInstanceOf(LeaseLostError);
    expect(await snapshotCatalog(db)).toBe(before);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(0);
    expect(await count(APPLY_COLLECTIONS.idempotency)).toBe(0);
  });

  it("two jobs racing with the same rename: one renames, the other finds its plan stale", async () => {
    const { deps, input } = await start();
    const other = await leaseForTest(deps, { type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: "squat" } });
    const plan = planOf([normalizePlan().operations[0]]);
    const results = await Promise.all([
      testApplyEngine(newFirestore()).apply(plan, writer(input)),
      testApplyEngine(newFirestore()).apply(plan, writer(other)),
    ]);
    expect(results.map((result) => result.applied.length).sort()).toEqual([0, 1]);
    expect(results.flatMap((result) => result.failed.map((op) => op.code))).toEqual(["STALE_PLAN"]);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(1);
    expect((await exercise(squat.id)).name).toBe("Back Squat (Barbell)");
  });
});
