import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { planWriter } from "../../src/apply/run-plan";
import { type Timestamp } from "firebase-admin/firestore";
import type { ApplyEngine } from "../../src/apply/apply-engine";
import { ChangeConflictError, ChangeJobOpenError, ChangeNotFoundError, revertChange } from "../../src/apply/journal";
import { type ChangePlan, idempotencyKey } from "../../src/apply/plan";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import type { JobEvent } from "../../src/jobs/lifecycle";
import { exerciseFixture, planOf, retiredFamilyFixture, seedCatalog } from "../helpers/catalog";
import { type TestDeps, type TestHandlerInput, leaseAgainForTest, leaseForTest, makeTestDeps, testApplyEngine } from "../helpers/engine";
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
let deps: TestDeps;
let input: TestHandlerInput;
const newJob = () => leaseForTest(deps, { type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: "bench_press" } });
beforeEach(async () => {
  await seedCatalog(db, { exercises: [benchBarbell, benchDumbbell] });
  deps = makeTestDeps(db, { applyEnabled: true });
  engine = testApplyEngine(db);
  input = await newJob();
});

/** Ends the job's attempt with `event`: `succeed` ends the job; `retry` and `defer` leave it waiting to run again. */
const endAttempt = (event: JobEvent = "succeed") => deps.queue.endAttempt(input.lease, { event, fields: {}, bookkeeping: () => undefined });

const exercise = async (id: string) => (await db.collection(CATALOG_COLLECTIONS.exercises).doc(id).get()).data();
const registry = async (slug: string) => (await db.collection(CATALOG_COLLECTIONS.families).doc(slug).get()).data();
/** bench_press's registry entry as its two exercises make it. */
const benchPressRegistry = {
  family_slug: "bench_press",
  base_name: "Bench Press",
  primary_equipment: ["barbell", "dumbbell"],
  allowed_equipment: ["barbell", "dumbbell"],
  exercise_count: 2,
  status: "active",
};
/** Archives `ids` outside the journal, so that bench_press can be merged with no live exercise left in it. */
const archive = (...ids: string[]) =>
  Promise.all(
    ids.map((id) => db.collection(CATALOG_COLLECTIONS.exercises).doc(id).update({ status: "deprecated", deprecated_at: new Date() })),
  );
/** Applies a one-operation plan as `job`; `planId` names its operation, as a frozen plan's id does. */
async function applyOne(plan: ChangePlan, planId = "test", job = input): Promise<string> {
  const result = await engine.apply(
    plan,
    planWriter(job, (_op, index) => `${planId}/${index}`),
  );
  expect(result.change_ids).toHaveLength(1);
  return result.change_ids[0];
}

describe("revertChange", () => {
  it("restores a rename once its job has ended, and keeps the operation's record: a retry of the job does not apply it again", async () => {
    const changeId = await applyOne(renamePlan);
    const applied = await exercise(benchBarbell.id);
    await endAttempt("need_review");

    expect(await revertChange(db, changeId, { revertedBy: "operator" })).toEqual({
      change_id: changeId,
      job_id: input.job.id,
      status: "reverted",
      targets: [`exercises/${benchBarbell.id}`],
    });
    const { updated_at, ...restored } = (await exercise(benchBarbell.id))!;
    const { id: _id, ...original } = benchBarbell;
    expect(restored).toEqual(original);
    expect((updated_at as Timestamp).toMillis()).toBeGreaterThanOrEqual((applied!.updated_at as Timestamp).toMillis());
    const entry = await db.collection(APPLY_COLLECTIONS.changes).doc(changeId).get();
    expect(entry.data()).toMatchObject({ status: "reverted", reverted_by: "operator" });
    const key = idempotencyKey(renamePlan.operations[0], input.job.id, "test/0")!;
    expect((await db.collection(APPLY_COLLECTIONS.idempotency).doc(key).get()).get("result.change_id")).toBe(changeId);
    expect((await revertChange(db, changeId)).status).toBe("already_reverted");

    // An operator's retry of the job: the same operation is skipped, the name stays reverted.
    await deps.queue.retryJob(input.job.id);
    const retried = await leaseAgainForTest(deps, input.job.id);
    const again = await engine.apply(
      renamePlan,
      planWriter(retried, (_op, index) => `test/${index}`),
    );
    expect(again).toMatchObject({ applied: [], skipped: [{ operation_index: 0, change_id: changeId }] });
    expect((await exercise(benchBarbell.id))!.name).toBe("Bench Press (Barbell)");

    // Another job making the same change makes it again.
    await applyOne(renamePlan, "test", await newJob());
    expect((await exercise(benchBarbell.id))!.name).toBe("Flat Bench Press (Barbell)");
  });

  it.each([
    ["running", null],
    ["queued", "retry"],
    ["deferred", "defer"],
  ] as const)("refuses while the change's job is %s (it may still apply its plan), and changes nothing", async (status, event) => {
    const changeId = await applyOne(renamePlan);
    if (event) await endAttempt(event);
    const before = await exercise(benchBarbell.id);

    const err = await revertChange(db, changeId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChangeJobOpenError);
    expect(err).toMatchObject({ code: "JOB_STILL_OPEN", changeId, jobId: input.job.id, jobStatus: status });
    expect((err as Error).message).toBe(
      `change ${changeId} cannot be reverted yet: job ${input.job.id} is still applying its plan (it is ${status}); revert after it ends`,
    );
    expect(await exercise(benchBarbell.id)).toEqual(before);
    expect((await db.collection(APPLY_COLLECTIONS.changes).doc(changeId).get()).get("status")).toBe("applied");
  });

  it("reverts a change whose job is gone (deleted after its retention)", async () => {
    const changeId = await applyOne(renamePlan);
    await db.collection(JOB_COLLECTIONS.jobs).doc(input.job.id).delete();
    expect((await revertChange(db, changeId)).status).toBe("reverted");
    expect((await exercise(benchBarbell.id))!.name).toBe("Bench Press (Barbell)");
  });

  it("deletes a created exercise", async () => {
    const { id, ...data } = exerciseFixture("Bench Press (Cable)", ["cable"]);
    const changeId = await applyOne(planOf([{ op: "create_exercise", exercise_id: id, data, rationale }]));
    await endAttempt();
    await revertChange(db, changeId);
    expect(await exercise(id)).toBeUndefined();
  });

  it("refuses after a later edit of the same document, naming the later change and its job to revert first, and changes nothing", async () => {
    const changeId = await applyOne(renamePlan);
    // Another job's change, as the demo's enrichment of the exercise its EXERCISE_ADD created.
    const otherJob = await newJob();
    const laterId = await applyOne(
      planOf([{ op: "patch_fields", exercise_id: benchBarbell.id, set: { "metadata.level": "advanced" }, rationale }]),
      "later",
      otherJob,
    );
    await endAttempt();
    const before = await exercise(benchBarbell.id);

    const err = await revertChange(db, changeId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChangeConflictError);
    expect(err).toMatchObject({
      code: "CHANGE_CONFLICT",
      conflicts: [
        {
          target: `exercises/${benchBarbell.id}`,
          changed_paths: ["metadata"],
          later_changes: [{ change_id: laterId, job_id: otherJob.job.id }],
        },
      ],
    });
    expect((err as Error).message).toBe(
      `change ${changeId} cannot be reverted: exercises/${benchBarbell.id} changed since (metadata), ` +
        `and later change ${laterId} (job ${otherJob.job.id}) is in effect on it: revert it first (last applied, first reverted)`,
    );
    expect(await exercise(benchBarbell.id)).toEqual(before);
    expect((await db.collection(APPLY_COLLECTIONS.changes).doc(changeId).get()).get("status")).toBe("applied");
  });

  it("names a few of the later changes in effect, newest first, and counts the rest", async () => {
    const level = (value: string, planId: string) =>
      applyOne(planOf([{ op: "patch_fields", exercise_id: benchBarbell.id, set: { "metadata.level": value }, rationale }]), planId);
    const changeId = await applyOne(renamePlan);
    const later: string[] = [];
    for (const [index, value] of ["beginner", "intermediate", "advanced", "beginner"].entries())
      later.push(await level(value, `p${index}`));
    await endAttempt();

    const named = [...later].reverse().slice(0, 3);
    await expect(revertChange(db, changeId)).rejects.toThrow(
      `change ${changeId} cannot be reverted: exercises/${benchBarbell.id} changed since (metadata), and later changes ` +
        `${named.map((id) => `${id} (job ${input.job.id})`).join(", ")} and 1 more, newest first, are in effect on it: ` +
        "revert them first (last applied, first reverted)",
    );
  });

  it("says so when no later change of the journal is in effect on a document that changed since: it was written outside it", async () => {
    const changeId = await applyOne(renamePlan);
    await db.collection(CATALOG_COLLECTIONS.exercises).doc(benchBarbell.id).update({ "metadata.level": "advanced" });
    await endAttempt();

    await expect(revertChange(db, changeId)).rejects.toThrow(
      `change ${changeId} cannot be reverted: exercises/${benchBarbell.id} changed since (metadata), ` +
        "and no later change of the journal is in effect on it: it was written outside the journal",
    );
  });

  it("reverts changes of one document last applied, first reverted: a revert's new updated_at is no change since, a later change in effect is", async () => {
    const renameId = await applyOne(renamePlan);
    const levelId = await applyOne(
      planOf([{ op: "patch_fields", exercise_id: benchBarbell.id, set: { "metadata.level": "advanced" }, rationale }]),
      "level",
    );
    const notesId = await applyOne(
      planOf([{ op: "patch_fields", exercise_id: benchBarbell.id, set: { suitability_notes: ["Suits lifters who bench."] }, rationale }]),
      "notes",
    );
    await endAttempt();

    expect((await revertChange(db, notesId)).status).toBe("reverted");
    const err = await revertChange(db, renameId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChangeConflictError);
    expect(err).toMatchObject({ conflicts: [{ target: `exercises/${benchBarbell.id}`, changed_paths: ["metadata"] }] });
    expect((await revertChange(db, levelId)).status).toBe("reverted");
    expect((await revertChange(db, renameId)).status).toBe("reverted");
    const { updated_at: _stamp, ...restored } = (await exercise(benchBarbell.id))!;
    const { id: _id, ...original } = benchBarbell;
    expect(restored).toEqual(original);
  });

  it("refuses while a later change of the document is in effect, even one that wrote the same values back", async () => {
    const level = (value: string, planId: string) =>
      applyOne(planOf([{ op: "patch_fields", exercise_id: benchBarbell.id, set: { "metadata.level": value }, rationale }]), planId);
    const firstId = await level("advanced", "first");
    const secondId = await level("intermediate", "second");
    const thirdId = await level("advanced", "third"); // as the first left it, but its own change
    await endAttempt();

    const err = await revertChange(db, firstId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChangeConflictError);
    expect((err as Error).message).toBe(
      `change ${firstId} cannot be reverted: exercises/${benchBarbell.id} is as the change left it, ` +
        `and later changes ${thirdId} (job ${input.job.id}), ${secondId} (job ${input.job.id}), newest first, are in effect on it: ` +
        "revert them first (last applied, first reverted)",
    );
    expect((await exercise(benchBarbell.id))?.metadata).toMatchObject({ level: "advanced" });
  });

  it("removes an added exercise once its later enrichment is reverted, leaving the family's registry as before the add", async () => {
    await db.collection(CATALOG_COLLECTIONS.families).doc("bench_press").set(benchPressRegistry);
    const { id, ...data } = exerciseFixture("Bench Press (Cable)", ["cable"]);
    const add = await engine.apply(
      planOf([
        { op: "create_exercise", exercise_id: id, data, rationale },
        { op: "update_family_registry", family_slug: "bench_press", status: "active", rationale },
      ]),
      planWriter(input, (_op, index) => `add/${index}`),
    );
    expect(await registry("bench_press")).toMatchObject({ exercise_count: 3 });
    const enrichId = await applyOne(
      planOf([{ op: "patch_fields", exercise_id: id, set: { "metadata.level": "advanced" }, rationale }]),
      "enrich",
    );
    await endAttempt();

    for (const changeId of [enrichId, ...[...add.change_ids].reverse()]) expect((await revertChange(db, changeId)).status).toBe("reverted");
    expect(await exercise(id)).toBeUndefined();
    const { updated_at: _stamp, ...restored } = (await registry("bench_press"))!;
    expect(restored).toEqual(benchPressRegistry);
  });

  it("recomputes the registry of the family a reverted retirement revives; its job's registry change, reverted after, is refused", async () => {
    await db.collection(CATALOG_COLLECTIONS.families).doc("bench_press").set(benchPressRegistry);
    const retire = await engine.apply(
      planOf([
        { op: "deprecate_exercise", exercise_id: benchDumbbell.id, status: "deprecated", rationale },
        { op: "update_family_registry", family_slug: "bench_press", status: "active", rationale },
      ]),
      planWriter(input, (_op, index) => `retire/${index}`),
    );
    const [retireId, registryId] = retire.change_ids;
    expect(await registry("bench_press")).toMatchObject({ exercise_count: 1, primary_equipment: ["barbell"] });
    await endAttempt();

    expect((await revertChange(db, retireId)).status).toBe("reverted");
    const { updated_at: _stamp, ...recomputed } = (await registry("bench_press"))!;
    expect(recomputed).toEqual(benchPressRegistry);
    // Changed since, as any document; nothing is lost: the registry agrees with its members.
    const err = await revertChange(db, registryId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChangeConflictError);
    expect(err).toMatchObject({
      conflicts: [{ target: "exercise_families/bench_press", changed_paths: ["allowed_equipment", "exercise_count", "primary_equipment"] }],
    });
    expect((err as Error).message).toBe(
      `change ${registryId} cannot be reverted: exercise_families/bench_press changed since (allowed_equipment, exercise_count, primary_equipment), ` +
        "and no later change of the journal is in effect on it: a revert of one of its members' changes recomputed it from the members " +
        "as they are now (then nothing is lost by leaving this change), or it was written outside the journal",
    );
  });

  it("refuses to give a name slug back that another exercise took since, and changes nothing", async () => {
    const changeId = await applyOne(renamePlan);
    const takeOldName = planOf([
      {
        op: "rename_exercise",
        exercise_id: benchDumbbell.id,
        old_name: "Bench Press (Dumbbell)",
        new_name: "Bench Press (Barbell)",
        rationale,
      },
    ]);
    await applyOne(takeOldName, "later");
    await endAttempt();

    const err = await revertChange(db, changeId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChangeConflictError);
    expect(err).toMatchObject({ conflicts: [{ target: `exercises/${benchDumbbell.id}`, changed_paths: ["name_slug"] }] });
    expect((err as Error).message).toBe(
      `change ${changeId} cannot be reverted: exercises/${benchDumbbell.id} holds the name slug "bench-press-barbell" the revert would give back`,
    );
    expect((await exercise(benchBarbell.id))!.name).toBe("Flat Bench Press (Barbell)");
    expect((await db.collection(APPLY_COLLECTIONS.changes).doc(changeId).get()).get("status")).toBe("applied");
  });

  it("refuses to give a rename's old slug back while its alias names it, naming the alias's change and its job to revert first", async () => {
    const renameId = await applyOne(renamePlan);
    const keepOldSlug = planOf([{ op: "upsert_alias", alias_slug: "bench-press-barbell", exercise_id: benchBarbell.id, rationale }]);
    const aliasId = await applyOne(keepOldSlug, "alias");
    await endAttempt();

    const err = await revertChange(db, renameId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChangeConflictError);
    expect(err).toMatchObject({
      conflicts: [{ target: "exercise_aliases/bench-press-barbell", later_changes: [{ change_id: aliasId, job_id: input.job.id }] }],
    });
    expect((err as Error).message).toBe(
      `change ${renameId} cannot be reverted: exercise_aliases/bench-press-barbell names the slug the revert would give back ` +
        `("bench-press-barbell" is an alias of exercise ${benchBarbell.id}), ` +
        `and later change ${aliasId} (job ${input.job.id}) is in effect on it: revert it first (last applied, first reverted)`,
    );
    expect((await revertChange(db, aliasId)).status).toBe("reverted");
    expect((await revertChange(db, renameId)).status).toBe("reverted");
    expect((await exercise(benchBarbell.id))!.name).toBe("Bench Press (Barbell)");
  });

  it("refuses to give an alias back whose slug an exercise took as its name since", async () => {
    const keep = planOf([{ op: "upsert_alias", alias_slug: "flat-bench", exercise_id: benchBarbell.id, rationale }]);
    await applyOne(keep, "keep");
    const deletionId = await applyOne(planOf([{ op: "delete_alias", alias_slug: "flat-bench", rationale }]), "delete");
    const takeSlug = planOf([
      { op: "rename_exercise", exercise_id: benchDumbbell.id, old_name: "Bench Press (Dumbbell)", new_name: "Flat Bench", rationale },
    ]);
    await applyOne(takeSlug, "rename");
    await endAttempt();

    await expect(revertChange(db, deletionId)).rejects.toThrow(
      `change ${deletionId} cannot be reverted: exercises/${benchDumbbell.id} holds the slug "flat-bench" as its name; ` +
        "the alias the revert would give back would shadow it",
    );
    expect((await db.collection(CATALOG_COLLECTIONS.aliases).doc("flat-bench").get()).exists).toBe(false);
  });

  it("refuses to delete a created exercise that a later change merged another into or aliased, until those are reverted", async () => {
    const { id, ...data } = exerciseFixture("Bench Press (Cable)", ["cable"]);
    const createId = await applyOne(planOf([{ op: "create_exercise", exercise_id: id, data, rationale }]));
    const mergeId = await applyOne(
      planOf([{ op: "deprecate_exercise", exercise_id: benchDumbbell.id, status: "merged", merged_into: id, rationale }]),
      "merge",
    );
    const aliasId = await applyOne(planOf([{ op: "upsert_alias", alias_slug: "cable-bench", exercise_id: id, rationale }]), "alias");
    await endAttempt();

    const err = await revertChange(db, createId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChangeConflictError);
    expect(err).toMatchObject({
      conflicts: [
        {
          target: `exercises/${benchDumbbell.id}`,
          reason: `is merged into exercise ${id}, which the revert would delete`,
          later_changes: [{ change_id: mergeId, job_id: input.job.id }],
        },
        {
          target: "exercise_aliases/cable-bench",
          reason: `points at exercise ${id}, which the revert would delete`,
          later_changes: [{ change_id: aliasId, job_id: input.job.id }],
        },
      ],
    });
    expect((err as Error).message).toBe(
      `change ${createId} cannot be reverted: exercises/${benchDumbbell.id} is merged into exercise ${id}, which the revert would delete, ` +
        `and later change ${mergeId} (job ${input.job.id}) is in effect on it: revert it first (last applied, first reverted); ` +
        `exercise_aliases/cable-bench points at exercise ${id}, which the revert would delete, ` +
        `and later change ${aliasId} (job ${input.job.id}) is in effect on it: revert it first (last applied, first reverted)`,
    );
    expect(await exercise(id)).toBeDefined();

    expect((await revertChange(db, aliasId)).status).toBe("reverted");
    expect((await revertChange(db, mergeId)).status).toBe("reverted");
    expect((await revertChange(db, createId)).status).toBe("reverted");
    expect(await exercise(id)).toBeUndefined();
  });

  it("says so when what stands in a revert's way was written outside the journal, naming no change to revert", async () => {
    const renameId = await applyOne(renamePlan);
    const { id, ...data } = exerciseFixture("Bench Press (Cable)", ["cable"]);
    const createId = await applyOne(planOf([{ op: "create_exercise", exercise_id: id, data, rationale }]), "create");
    // As legacy data, or documents whose changes expired from the journal.
    const aliases = db.collection(CATALOG_COLLECTIONS.aliases);
    await aliases.doc("bench-press-barbell").set({ alias_slug: "bench-press-barbell", exercise_id: benchBarbell.id });
    await aliases.doc("cable-bench").set({ alias_slug: "cable-bench", exercise_id: id });
    // Written by a change that was reverted since: no change of the journal is in effect on it.
    const mergeId = await applyOne(
      planOf([{ op: "deprecate_exercise", exercise_id: benchDumbbell.id, status: "merged", merged_into: id, rationale }]),
      "merge",
    );
    await endAttempt();
    expect((await revertChange(db, mergeId)).status).toBe("reverted");
    await db.collection(CATALOG_COLLECTIONS.exercises).doc(benchDumbbell.id).update({ status: "merged", merged_into: id });

    const outside = "and no later change of the journal is in effect on it: it was written outside the journal";
    const renameErr = await revertChange(db, renameId).catch((e: unknown) => e);
    expect(renameErr).toMatchObject({ conflicts: [{ target: "exercise_aliases/bench-press-barbell", later_changes: [] }] });
    expect((renameErr as Error).message).toBe(
      `change ${renameId} cannot be reverted: exercise_aliases/bench-press-barbell names the slug the revert would give back ` +
        `("bench-press-barbell" is an alias of exercise ${benchBarbell.id}), ${outside}`,
    );
    await expect(revertChange(db, createId)).rejects.toThrow(
      `change ${createId} cannot be reverted: exercises/${benchDumbbell.id} is merged into exercise ${id}, which the revert would delete, ` +
        `${outside}; exercise_aliases/cable-bench points at exercise ${id}, which the revert would delete, ${outside}`,
    );
    expect((await exercise(benchBarbell.id))!.name).toBe("Flat Bench Press (Barbell)");
    expect(await exercise(id)).toBeDefined();
  });

  it("refuses to move an exercise back into a family retired since, until the family's retirement is reverted", async () => {
    await archive(benchBarbell.id);
    const move = planOf([
      { op: "reassign_family", exercise_id: benchDumbbell.id, from_family: "bench_press", to_family: "press", rationale },
    ]);
    const moveId = await applyOne(move);
    const retireId = await applyOne(
      planOf([{ op: "update_family_registry", family_slug: "bench_press", status: "merged", merged_into: "press", rationale }]),
      "retire",
    );
    await endAttempt();

    await expect(revertChange(db, moveId)).rejects.toThrow(
      `change ${moveId} cannot be reverted: exercise_families/bench_press is merged since (change ${retireId}); ` +
        `the revert would move exercise ${benchDumbbell.id} back into it: revert the family's retirement first`,
    );
    expect((await exercise(benchDumbbell.id))!.family_slug).toBe("press");
    expect((await revertChange(db, retireId)).status).toBe("reverted");
    expect((await revertChange(db, moveId)).status).toBe("reverted");
    expect((await exercise(benchDumbbell.id))!.family_slug).toBe("bench_press");
  });

  it("refuses to bring an exercise back to life in a family retired since, until the family's retirement is reverted", async () => {
    await archive(benchBarbell.id);
    // The merge of the family left the retired exercise where it was; live again, it would be a member of a merged family.
    const deprecateId = await applyOne(
      planOf([{ op: "deprecate_exercise", exercise_id: benchDumbbell.id, status: "deprecated", rationale }]),
    );
    const retireId = await applyOne(
      planOf([{ op: "update_family_registry", family_slug: "bench_press", status: "merged", merged_into: "press", rationale }]),
      "retire",
    );
    await endAttempt();

    await expect(revertChange(db, deprecateId)).rejects.toThrow(
      `change ${deprecateId} cannot be reverted: exercise_families/bench_press is merged since (change ${retireId}); ` +
        `the revert would bring exercise ${benchDumbbell.id} back into it: revert the family's retirement first`,
    );
    expect((await exercise(benchDumbbell.id))!.status).toBe("deprecated");
    expect((await revertChange(db, retireId)).status).toBe("reverted");
    expect((await revertChange(db, deprecateId)).status).toBe("reverted");
    expect((await exercise(benchDumbbell.id))!.status).toBe("approved");
  });

  it("refuses to leave a family alias a later change wrote pointing at a family with neither an entry nor a live exercise", async () => {
    const { id, ...data } = exerciseFixture("Hip Thrust (Barbell)", ["barbell"]);
    const add = await engine.apply(
      planOf([
        { op: "create_exercise", exercise_id: id, data, rationale },
        { op: "update_family_registry", family_slug: "hip_thrust", status: "active", rationale },
      ]),
      planWriter(input, (_op, index) => `add/${index}`),
    );
    const [createId, registryId] = add.change_ids;
    const aliasId = await applyOne(
      planOf([{ op: "upsert_alias", alias_slug: "glute_bridge_barbell", family_slug: "hip_thrust", is_family_alias: true, rationale }]),
      "alias",
    );
    await endAttempt();

    // Without its entry the family still has its exercise: the alias still leads somewhere.
    expect((await revertChange(db, registryId)).status).toBe("reverted");
    await expect(revertChange(db, createId)).rejects.toThrow(
      `change ${createId} cannot be reverted: exercise_aliases/glute_bridge_barbell points at family hip_thrust, ` +
        "which the revert would leave with neither an entry nor a live exercise, " +
        `and later change ${aliasId} (job ${input.job.id}) is in effect on it: revert it first (last applied, first reverted)`,
    );
    expect(await exercise(id)).toBeDefined();
    expect((await revertChange(db, aliasId)).status).toBe("reverted");
    expect((await revertChange(db, createId)).status).toBe("reverted");
    expect(await exercise(id)).toBeUndefined();
  });

  it("refuses to move an exercise back out of a family a later family alias points at, leaving it with neither an entry nor a live exercise", async () => {
    const moveId = await applyOne(
      planOf([{ op: "reassign_family", exercise_id: benchDumbbell.id, from_family: "bench_press", to_family: "incline_press", rationale }]),
      "move",
    );
    const aliasId = await applyOne(
      planOf([{ op: "upsert_alias", alias_slug: "incline", family_slug: "incline_press", is_family_alias: true, rationale }]),
      "alias",
    );
    await endAttempt();

    await expect(revertChange(db, moveId)).rejects.toThrow(
      `change ${moveId} cannot be reverted: exercise_aliases/incline points at family incline_press, ` +
        "which the revert would leave with neither an entry nor a live exercise, " +
        `and later change ${aliasId} (job ${input.job.id}) is in effect on it: revert it first (last applied, first reverted)`,
    );
    expect((await exercise(benchDumbbell.id))!.family_slug).toBe("incline_press");
    expect((await revertChange(db, aliasId)).status).toBe("reverted");
    expect((await revertChange(db, moveId)).status).toBe("reverted");
    expect((await exercise(benchDumbbell.id))!.family_slug).toBe("bench_press");
  });

  it("refuses to give an alias back pointing at an exercise deleted since, naming it as the validator does", async () => {
    const { id, ...data } = exerciseFixture("Bench Press (Cable)", ["cable"]);
    const createId = await applyOne(planOf([{ op: "create_exercise", exercise_id: id, data, rationale }]), "create");
    await applyOne(planOf([{ op: "upsert_alias", alias_slug: "cable-bench", exercise_id: id, rationale }]), "alias");
    const repointId = await applyOne(
      planOf([{ op: "upsert_alias", alias_slug: "cable-bench", exercise_id: benchBarbell.id, rationale }]),
      "repoint",
    );
    await endAttempt();
    // No alias points at the cable bench press now: its creation is reverted.
    expect((await revertChange(db, createId)).status).toBe("reverted");

    await expect(revertChange(db, repointId)).rejects.toThrow(
      `change ${repointId} cannot be reverted: exercise_aliases/cable-bench would be given back pointing at nothing live: ` +
        `exercise ${id} does not exist (ALIAS_TARGET_MISSING), since change ${createId}: revert it first`,
    );
    expect((await db.collection(CATALOG_COLLECTIONS.aliases).doc("cable-bench").get()).get("exercise_id")).toBe(benchBarbell.id);
  });

  it("reverts a merge that then repointed the merged exercise's alias newest first, the alias given back before the merge", async () => {
    await applyOne(planOf([{ op: "upsert_alias", alias_slug: "db-bench", exercise_id: benchDumbbell.id, rationale }]), "alias");
    const mergeId = await applyOne(mergePlan, "merge");
    const repointId = await applyOne(
      planOf([{ op: "upsert_alias", alias_slug: "db-bench", exercise_id: benchBarbell.id, rationale }]),
      "repoint",
    );
    await endAttempt();

    // The order `show` lists them in: the alias goes back to the merged exercise for a moment, as the job had it.
    expect((await revertChange(db, repointId)).status).toBe("reverted");
    expect((await revertChange(db, mergeId)).status).toBe("reverted");
    expect((await db.collection(CATALOG_COLLECTIONS.aliases).doc("db-bench").get()).get("exercise_id")).toBe(benchDumbbell.id);
    expect((await exercise(benchDumbbell.id))!.status).not.toBe("merged");
  });

  it("refuses to give a deleted family alias back pointing at a family merged since", async () => {
    await archive(benchBarbell.id, benchDumbbell.id);
    await db.collection(CATALOG_COLLECTIONS.families).doc("bench_press").set(benchPressRegistry);
    await applyOne(
      planOf([{ op: "upsert_alias", alias_slug: "flat_bench", family_slug: "bench_press", is_family_alias: true, rationale }]),
      "alias",
    );
    const deletionId = await applyOne(planOf([{ op: "delete_alias", alias_slug: "flat_bench", rationale }]), "delete");
    const retireId = await applyOne(
      planOf([{ op: "update_family_registry", family_slug: "bench_press", status: "merged", merged_into: "press", rationale }]),
      "retire",
    );
    await endAttempt();

    await expect(revertChange(db, deletionId)).rejects.toThrow(
      `change ${deletionId} cannot be reverted: exercise_aliases/flat_bench would be given back pointing at nothing live: ` +
        `family bench_press is merged (ALIAS_CHAIN), since change ${retireId}: revert it first`,
    );
    expect((await db.collection(CATALOG_COLLECTIONS.aliases).doc("flat_bench").get()).exists).toBe(false);
  });

  it("deletes a family's entry its change created while the family keeps live exercises, an alias of the family notwithstanding", async () => {
    // An alias no change of the journal wrote (older than the journal): refusing would leave the change unrevertable.
    await db
      .collection(CATALOG_COLLECTIONS.aliases)
      .doc("flat_bench")
      .set({ alias_slug: "flat_bench", family_slug: "bench_press", is_family_alias: true });
    const registryId = await applyOne(
      planOf([{ op: "update_family_registry", family_slug: "bench_press", status: "active", rationale }]),
      "registry",
    );
    await endAttempt();

    expect((await revertChange(db, registryId)).status).toBe("reverted");
    expect(await registry("bench_press")).toBeUndefined();
  });

  it("brings an exercise back to life in a family deprecated since (it only had no live exercise), making it active again", async () => {
    await db.collection(CATALOG_COLLECTIONS.families).doc("bench_press").set(benchPressRegistry);
    const first = await applyOne(
      planOf([{ op: "deprecate_exercise", exercise_id: benchDumbbell.id, status: "deprecated", rationale }]),
      "a",
    );
    await applyOne(planOf([{ op: "deprecate_exercise", exercise_id: benchBarbell.id, status: "deprecated", rationale }]), "b");
    await applyOne(planOf([{ op: "update_family_registry", family_slug: "bench_press", status: "deprecated", rationale }]), "registry");
    expect(await registry("bench_press")).toMatchObject({ status: "deprecated", exercise_count: 0 });
    await endAttempt();

    expect((await revertChange(db, first)).status).toBe("reverted");
    expect(await registry("bench_press")).toMatchObject({ status: "active", exercise_count: 1 });
  });

  it("moves an exercise back into a family that was already retired when the change was made", async () => {
    // A family deprecated before: a merge may take its exercises in, and its revert gives them back.
    await db.collection(CATALOG_COLLECTIONS.families).doc("bench_press").set(retiredFamilyFixture("bench_press"));
    const move = planOf([
      { op: "reassign_family", exercise_id: benchDumbbell.id, from_family: "bench_press", to_family: "press", rationale },
    ]);
    const moveId = await applyOne(move);
    await endAttempt();

    expect((await revertChange(db, moveId)).status).toBe("reverted");
    expect((await exercise(benchDumbbell.id))!.family_slug).toBe("bench_press");
    // Both bench presses are live in it again.
    expect(await registry("bench_press")).toMatchObject(benchPressRegistry);
  });

  it("brings an exercise back to life in a family merged before the change, though the job refreshed its registry after it", async () => {
    // Refreshing the registry rewrites it (still merged): that is no merge since the change.
    await db
      .collection(CATALOG_COLLECTIONS.families)
      .doc("bench_press")
      .set({ ...benchPressRegistry, status: "merged", merged_into: "press" });
    const deprecateId = await applyOne(
      planOf([{ op: "deprecate_exercise", exercise_id: benchDumbbell.id, status: "deprecated", rationale }]),
      "deprecate",
    );
    const refreshId = await applyOne(
      planOf([{ op: "update_family_registry", family_slug: "bench_press", status: "merged", merged_into: "press", rationale }]),
      "refresh",
    );
    await endAttempt();

    expect((await revertChange(db, refreshId)).status).toBe("reverted");
    expect((await revertChange(db, deprecateId)).status).toBe("reverted");
    expect((await exercise(benchDumbbell.id))!.status).toBe("approved");
    expect(await registry("bench_press")).toMatchObject({ status: "merged", merged_into: "press", exercise_count: 2 });
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
    await endAttempt();
    await revertChange(db, changeId);
    const source = (await exercise(benchDumbbell.id))!;
    expect(source.status).toBe("approved");
    expect(source.merged_into).toBeUndefined();
    expect((await exercise(benchBarbell.id))!.suitability_notes).toBeUndefined();
  });
});
