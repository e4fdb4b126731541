import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { type Timestamp } from "firebase-admin/firestore";
import { ApplyEngine } from "../../src/apply/apply-engine";
import { IDEMPOTENCY_TTL_MS } from "../../src/apply/idempotency";
import { type ChangePlan, type OperationInput } from "../../src/apply/plan";
import { LeaseLostError } from "../../src/jobs/errors";
import { exerciseFixture, planOf, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import {
  type TestDeps,
  type TestHandlerInput,
  leaseForTest,
  makeTestDeps,
  operationKeyOf,
  retryForTest,
  writerOf,
} from "../helpers/engine";
import { describeWithIsolation, newFirestore, useFirestore } from "../helpers/firestore";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";

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

async function start(): Promise<{ deps: TestDeps; input: TestHandlerInput; engine: ApplyEngine }> {
  await seedCatalog(db, catalog);
  const deps = makeTestDeps(db, { applyEnabled: true });
  const input = await leaseForTest(deps, { type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: "squat" } });
  return { deps, input, engine: new ApplyEngine(db) };
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

  it("shows an operation already in effect as no change", async () => {
    const { engine, input } = await start();
    const plan = normalizePlan();
    await engine.apply(planOf([plan.operations[2]]), writerOf(input));
    const preview = await engine.preview(plan);
    expect(preview.operations.map((op) => op.outcome)).toEqual(["would_apply", "would_apply", "no_change", "would_apply"]);
  });
});

describe("ApplyEngine.apply", () => {
  it("writes each operation with its journal entry and idempotency record", async () => {
    const { engine, input } = await start();
    const startedAt = Date.now();
    const plan = normalizePlan();
    const result = await engine.apply(plan, writerOf(input));

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
      idempotency_key: operationKeyOf(input, plan.operations[0], 0)!,
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
      .doc(operationKeyOf(input, plan.operations[0], 0)!)
      .get();
    expect(record.data()).toMatchObject({
      key: record.id,
      job_id: input.job.id,
      result: { change_id: result.change_ids[0], operation_index: 0 },
    });
    const ttl = (record.get("expires_at") as Timestamp).toMillis() - (record.get("created_at") as Timestamp).toMillis();
    expect(ttl).toBe(IDEMPOTENCY_TTL_MS);
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
      writerOf(input),
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

  it("changes the catalog once when a job applies its plan twice; a second job's plan of the same changes is stale", async () => {
    const { deps, engine, input } = await start();
    const plan = normalizePlan();
    await engine.apply(plan, writerOf(input));
    const after = await snapshotCatalog(db);

    const again = await engine.apply(plan, writerOf(input));
    expect(again.applied).toEqual([]);
    expect(again.skipped.map((op) => op.reason)).toEqual(["already_applied", "already_applied", "already_applied", "already_applied"]);

    const other = await leaseForTest(deps, { type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: "squat" } });
    const second = await engine.apply(plan, writerOf(other));
    expect(second.applied).toEqual([]);
    expect(second.failed).toEqual([expect.objectContaining({ operation_index: 0, code: "STALE_PLAN", path: "old_name" })]);
    expect(second.not_attempted).toEqual([1, 2, 3]);
    expect(await snapshotCatalog(db)).toBe(after);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(4);
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
    expect((await engine.apply(addVariant("Bench Press (Cable)", "cable"), writerOf(input))).applied).toHaveLength(2);
    const later = await leaseForTest(deps, {
      type: "EXERCISE_ADD",
      payload: { mode: "apply", intent: { base_name: "Bench Press", equipment: ["machine"] } },
    });
    const result = await engine.apply(addVariant("Bench Press (Machine)", "machine"), writerOf(later));
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
    const result = await engine.apply(plan, writerOf(input));
    expect(result.applied.map((op) => op.operation_index)).toEqual([0]);
    expect(result.failed).toEqual([expect.objectContaining({ operation_index: 1, code: "STALE_PLAN", path: "old_name" })]);
    expect(result.not_attempted).toEqual([2]);
    expect(
      (
        await db
          .collection(APPLY_COLLECTIONS.idempotency)
          .doc(operationKeyOf(input, plan.operations[1], 1)!)
          .get()
      ).exists,
    ).toBe(false);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(1);
    expect((await exercise(squat.id)).name).toBe("Squat (Barbell)");
  });

  it("refuses to write a document the schema rejects", async () => {
    const { engine, input } = await start();
    const result = await engine.apply(
      planOf([{ op: "patch_fields", exercise_id: squat.id, set: { category: "strength" }, rationale }]),
      writerOf(input),
    );
    expect(result.failed).toEqual([expect.objectContaining({ operation_index: 0, code: "SCHEMA_INVALID", path: "category" })]);
    expect((await exercise(squat.id)).category).toBe("compound");
  });

  it("writes nothing for an operation already in effect", async () => {
    const { engine, input } = await start();
    const before = await snapshotCatalog(db);
    const result = await engine.apply(
      planOf([
        { op: "patch_fields", exercise_id: squat.id, set: { category: "compound" }, rationale },
        { op: "no_change", rationale },
      ]),
      writerOf(input),
    );
    expect(result.unchanged).toEqual([
      { operation_index: 0, op: "patch_fields", reason: "already_in_effect" },
      { operation_index: 1, op: "no_change", reason: "no_change_operation" },
    ]);
    expect(await snapshotCatalog(db)).toBe(before);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(0);
  });

  it("stops between operations when the job's signal aborts", async () => {
    const { engine, input } = await start();
    const reason = new Error("cancelled");
    const applying = engine.apply(normalizePlan(), writerOf(input), {
      signal: input.abort.signal,
      beforeOperation: (index) => {
        if (index === 2) input.abort.abort(reason);
      },
    });
    await expect(applying).rejects.toBe(reason);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(2);
  });
});

describeWithIsolation("ApplyEngine exactly-once (real transaction isolation)", () => {
  it("after a crash between two operations, the retry applies every operation exactly once", async () => {
    const { deps, engine, input } = await start();
    const plan = normalizePlan();
    const crash = engine.apply(plan, writerOf(input), {
      beforeOperation: (index) => {
        if (index === 2) throw new Error("worker crashed");
      },
    });
    await expect(crash).rejects.toThrow("worker crashed");
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(2);

    const retry = await retryForTest(deps, input);
    expect(retry.lease.epoch).toBeGreaterThan(input.lease.epoch);
    const result = await engine.apply(plan, writerOf(retry));
    expect(result.skipped.map((op) => op.operation_index)).toEqual([0, 1]);
    expect(result.applied.map((op) => op.operation_index)).toEqual([2, 3]);

    const journal = await db.collection(APPLY_COLLECTIONS.changes).get();
    const keys = journal.docs.map((doc) => doc.get("idempotency_key") as string).sort();
    expect(keys).toEqual(plan.operations.map((op, index) => operationKeyOf(input, op, index)).sort());
    expect((await exercise(squat.id)).name).toBe("Back Squat (Barbell)");
  });

  it("rejects an operation under a stale lease epoch and journals nothing", async () => {
    const { deps, engine, input } = await start();
    const before = await snapshotCatalog(db);
    await retryForTest(deps, input);
    await expect(engine.apply(normalizePlan(), writerOf(input))).rejects.toBeInstanceOf(LeaseLostError);
    expect(await snapshotCatalog(db)).toBe(before);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(0);
    expect(await count(APPLY_COLLECTIONS.idempotency)).toBe(0);
  });

  it("two jobs racing with the same operations: one applies them, the other finds its plan stale", async () => {
    const { deps, input } = await start();
    const other = await leaseForTest(deps, { type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: "squat" } });
    const plan = normalizePlan();
    const [a, b] = await Promise.all([
      new ApplyEngine(newFirestore()).apply(plan, writerOf(input)),
      new ApplyEngine(newFirestore()).apply(plan, writerOf(other)),
    ]);
    const appliedIndexes = [...a.applied, ...b.applied].map((op) => op.operation_index).sort();
    expect(appliedIndexes).toEqual([0, 1, 2, 3]);
    expect([...a.failed, ...b.failed]).toEqual([expect.objectContaining({ operation_index: 0, code: "STALE_PLAN" })]);
    expect(await count(APPLY_COLLECTIONS.changes)).toBe(4);
    expect((await exercise(squat.id)).name).toBe("Back Squat (Barbell)");
  });
});
