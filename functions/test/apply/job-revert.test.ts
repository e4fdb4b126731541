/**
 * Reverting a job whole (`revertJob`): every change judged before any is reverted, then all of them newest first;
 * refused up front, the catalog unchanged, when one of them is blocked; stopped part-way, it goes on when run again.
 */
import type { Firestore } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import {
  ChangeJobOpenError,
  JobRevertConflictError,
  JobRevertStoppedError,
  type RevertResult,
  revertChange,
  revertJob,
} from "../../src/apply/journal";
import { planWriter } from "../../src/apply/run-plan";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { JobNotFoundError } from "../../src/jobs/errors";
import { canonicalJson } from "../../src/util/document-diff";
import { exerciseFixture, planOf } from "../helpers/catalog";
import { leaseForTest, testApplyEngine } from "../helpers/engine";
import { useFirestore } from "../helpers/firestore";
import { alias, depsFor, exercise, runJob, seedDemo } from "../handlers/support";

const db = useFirestore();
jest.setTimeout(120_000);

const legPress = "leg_press__single-leg-press-machine";
const renameLegPress = (newName: string) => ({
  mode: "apply",
  exercise_doc_ids: [legPress],
  fix_type: "rename",
  fix_data: { new_name: newName },
});
const rowsMerge = {
  exercises: [exerciseFixture("Rows (Kettlebell)", ["kettlebell"]), exerciseFixture("Rows (Cable)", ["cable"])],
  families: [
    {
      family_slug: "rows",
      base_name: "Rows",
      primary_equipment: ["cable", "kettlebell"],
      allowed_equipment: ["cable", "kettlebell"],
      exercise_count: 2,
      status: "active",
    },
  ],
};

/**
 * Every catalog document, `updated_at` aside (a revert stamps what it restores anew), and a registry's equipment in any
 * order: a revert recomputes the registries of the families it moves exercises between, in the order their members give.
 */
async function catalogOf(firestore: Firestore): Promise<Record<string, string>> {
  const documents: Record<string, string> = {};
  for (const collection of Object.values(CATALOG_COLLECTIONS)) {
    for (const doc of (await firestore.collection(collection).get()).docs) {
      const { updated_at: _stamp, ...fields } = doc.data();
      if (collection === CATALOG_COLLECTIONS.families)
        for (const list of ["primary_equipment", "allowed_equipment"]) fields[list] = [...(fields[list] as string[])].sort();
      documents[`${collection}/${doc.id}`] = canonicalJson(fields);
    }
  }
  return documents;
}

/** Runs a job of `type` in apply mode and ends it (the handler alone leaves it running). */
async function appliedJob(type: string, payload: Record<string, unknown>): Promise<string> {
  const run = await runJob(depsFor(db, "apply"), type, payload);
  await db.collection(JOB_COLLECTIONS.jobs).doc(run.jobId).update({ status: "succeeded" });
  return run.jobId;
}

/** A later job (an enrichment, a quality scan's review_metadata) patches `exerciseId` through the journal; its change id. */
async function laterPatch(exerciseId: string): Promise<{ changeId: string; jobId: string }> {
  const deps = depsFor(db, "apply");
  const patch = { "metadata.level": "advanced" };
  const later = await leaseForTest(deps, {
    type: "TARGETED_FIX",
    payload: { mode: "apply", exercise_doc_ids: [exerciseId], fix_type: "patch", fix_data: { patch } },
  });
  const plan = planOf([{ op: "patch_fields", exercise_id: exerciseId, set: patch, rationale: "enrich" }]);
  const { change_ids: changeIds } = await testApplyEngine(db).apply(
    plan,
    planWriter(later, (_op, index) => `later/${index}`),
  );
  await db.collection(JOB_COLLECTIONS.jobs).doc(later.job.id).update({ status: "succeeded" });
  return { changeId: changeIds[0], jobId: later.job.id };
}

/** The job's changes still applied, newest first. */
async function appliedChangesOf(jobId: string): Promise<string[]> {
  const changes = await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", jobId).where("status", "==", "applied").get();
  return changes.docs
    .sort((a, b) => b.get("applied_at").toMillis() - a.get("applied_at").toMillis() || b.createTime.toMillis() - a.createTime.toMillis())
    .map((change) => change.id);
}

describe("revertJob", () => {
  it("restores the catalog exactly when nothing stands in the way: a rename, its old slug's alias and its registry refresh", async () => {
    await seedDemo(db);
    const before = await catalogOf(db);
    const jobId = await appliedJob("TARGETED_FIX", renameLegPress("Unilateral Leg Press (Machine)"));
    const changes = await appliedChangesOf(jobId);

    const result = await revertJob(db, jobId);

    expect(result.reverted.map((reverted: RevertResult) => [reverted.change_id, reverted.status])).toEqual(
      changes.map((changeId) => [changeId, "reverted"]),
    );
    expect(result.already_reverted).toBe(0);
    expect(await catalogOf(db)).toEqual(before);
  });

  it.each([
    ["FAMILY_MERGE", { mode: "apply", merge_config: { source_family: "rows", target_family: "row" } }, rowsMerge],
    ["FAMILY_RENAME_SLUG", { mode: "apply", rename_config: { old_family_slug: "push_up", new_family_slug: "press_up" } }, {}],
  ])("restores the catalog exactly after a %s, its registries and family aliases too", async (type, payload, seed) => {
    await seedDemo(db, seed);
    const before = await catalogOf(db);
    const jobId = await appliedJob(type, payload);

    expect((await revertJob(db, jobId)).reverted.length).toBe(
      (await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", jobId).get()).size,
    );
    expect(await catalogOf(db)).toEqual(before);
  });

  it("refuses a rename another job patched since, before reverting anything: the old slug keeps its alias", async () => {
    await seedDemo(db);
    const jobId = await appliedJob("TARGETED_FIX", renameLegPress("Unilateral Leg Press (Machine)"));
    const later = await laterPatch(legPress);
    const renamed = await catalogOf(db);
    const [renameId] = (await appliedChangesOf(jobId)).slice(-1);

    const refused = await revertJob(db, jobId).catch((err: unknown) => err);

    expect(refused).toBeInstanceOf(JobRevertConflictError);
    expect((refused as Error).message).toBe(
      `job ${jobId} cannot be reverted, nothing was: change ${renameId} cannot be reverted: exercises/${legPress} changed since (metadata.level), ` +
        `and later change ${later.changeId} (job ${later.jobId}) is in effect on it: revert it first (last applied, first reverted)`,
    );
    expect(await catalogOf(db)).toEqual(renamed);
    expect(await alias(db, "single-leg-press-machine")).toMatchObject({ exercise_id: legPress });
  });

  it("refuses a family merge one of whose moved exercises another job patched since, naming it, and changes nothing", async () => {
    await seedDemo(db, rowsMerge);
    const jobId = await appliedJob("FAMILY_MERGE", { mode: "apply", merge_config: { source_family: "rows", target_family: "row" } });
    const later = await laterPatch("rows__rows-kettlebell");
    const merged = await catalogOf(db);

    const refused = await revertJob(db, jobId).catch((err: unknown) => err);

    expect(refused).toBeInstanceOf(JobRevertConflictError);
    expect((refused as JobRevertConflictError).blocked).toHaveLength(1);
    expect((refused as Error).message).toContain(`later change ${later.changeId} (job ${later.jobId}) is in effect on it`);
    expect(await catalogOf(db)).toEqual(merged);
    expect(await appliedChangesOf(jobId)).toHaveLength(
      (await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", jobId).get()).size,
    );
  });

  it("refuses while the job is open, naming its newest change, and reverts nothing", async () => {
    await seedDemo(db);
    const run = await runJob(depsFor(db, "apply"), "TARGETED_FIX", renameLegPress("Unilateral Leg Press (Machine)"));
    const [newest] = await appliedChangesOf(run.jobId);

    await expect(revertJob(db, run.jobId)).rejects.toThrow(new ChangeJobOpenError(newest, run.jobId, "running").message);
    expect((await exercise(db, legPress))?.name).toBe("Unilateral Leg Press (Machine)");
  });

  it("answers JobNotFoundError for a job with neither a record nor a change", async () => {
    await expect(revertJob(db, "no-such-job")).rejects.toBeInstanceOf(JobNotFoundError);
  });
});

describe("reverting a rename back", () => {
  it("gives back the alias the rename back deleted, of the exercise's own name (redundant, not shadowing), and then the first rename", async () => {
    await seedDemo(db);
    const before = await catalogOf(db);
    const first = await appliedJob("TARGETED_FIX", renameLegPress("Unilateral Leg Press (Machine)"));
    const back = await appliedJob("TARGETED_FIX", renameLegPress("Single Leg Press (Machine)"));
    const [deletion] = await appliedChangesOf(back);

    // Its newest change deleted the alias of the name it gave back, which pointed at the exercise itself.
    expect(await revertChange(db, deletion)).toMatchObject({ status: "reverted", targets: ["exercise_aliases/single-leg-press-machine"] });
    expect(await alias(db, "single-leg-press-machine")).toMatchObject({ exercise_id: legPress });

    await revertJob(db, back);
    expect((await exercise(db, legPress))?.name).toBe("Unilateral Leg Press (Machine)");
    await revertJob(db, first);
    expect(await catalogOf(db)).toEqual(before);
  });
});

describe("a job's revert stopped part-way", () => {
  it("says what it reverted and what is left, and run again once the way is clear goes on with what is left", async () => {
    await seedDemo(db);
    const before = await catalogOf(db);
    const jobId = await appliedJob("TARGETED_FIX", renameLegPress("Unilateral Leg Press (Machine)"));
    const changes = await appliedChangesOf(jobId);
    const landed: { changeId: string; jobId: string }[] = [];

    // Between the check and the rename's revert (the oldest), another job patches the renamed exercise.
    const onReverted = async (result: RevertResult) => {
      if (result.change_id === changes[changes.length - 2]) landed.push(await laterPatch(legPress));
    };
    const stopped = await revertJob(db, jobId, { onReverted }).catch((err: unknown) => err);

    expect(stopped).toBeInstanceOf(JobRevertStoppedError);
    const { reverted, left } = stopped as JobRevertStoppedError;
    expect(reverted.map((result) => result.change_id)).toEqual(changes.slice(0, -1));
    expect(left).toEqual(changes.slice(-1));
    expect((stopped as Error).message).toContain(`revert the job again to go on with those left`);

    await revertChange(db, landed[0].changeId);
    const resumed = await revertJob(db, jobId);
    expect(resumed).toMatchObject({ already_reverted: changes.length - 1 });
    expect(resumed.reverted.map((result) => result.change_id)).toEqual(changes.slice(-1));
    expect(await catalogOf(db)).toEqual(before);
  });
});
