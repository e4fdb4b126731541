import { exerciseAddHandler } from "../../src/handlers/exercise-add";
import { exerciseNameProblem } from "../../src/catalog/naming-rules";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { archivedExerciseFixture, exerciseFixture, retiredFamilyFixture, snapshotCatalog } from "../helpers/catalog";
import { LlmError } from "../../src/llm";
import { leaseForTest, makeTestDeps, retryForTest, runHandler } from "../helpers/engine";
import { newFirestore, useFirestore } from "../helpers/firestore";
import { countOps } from "../../bench/billing-counter";
import { ConfigError, loadEngineConfig } from "../../src/config";
import { createEngine } from "../../src/create-engine";
import { registry } from "../../src/handlers";
import { RecordingTasks } from "../helpers/runtime";
import { MODES, ROWS_MERGED_INTO_ROW, alias, depsFor, endFollowUps, exercise, family, otherJobs, runJob, seedDemo } from "./support";

const db = useFirestore();

const NEW_ID = "bulgarian_split_squat__bulgarian-split-squat-dumbbell";
const intent = {
  base_name: "bulgarian split squat",
  equipment: ["Dumbbells"],
  category: "Compound",
  muscles: { primary: ["Quads", "glute"] },
};

describe.each(MODES)("EXERCISE_ADD (%s)", (mode) => {
  it("creates the exercise from the intent and, in apply, queues its enrichment", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent });

    // A dry run writes nothing, so it holds no lock.
    expect(run.lockKeys).toEqual(mode === "dry_run" ? [] : ["family:bulgarian_split_squat"]);
    expect(run.summary).toMatchObject({
      exercise_id: NEW_ID,
      name: "Bulgarian Split Squat (Dumbbell)",
      family_slug: "bulgarian_split_squat",
    });
    if (mode === "dry_run") {
      expect(run.status).toBe("succeeded_dry_run");
      expect(await snapshotCatalog(db)).toBe(before);
      expect(await otherJobs(db, run.jobId)).toEqual([]);
      // It lists the enrichment apply would ask for, as the scans' dry runs list theirs.
      expect(run.summary).toMatchObject({
        jobs_would_create: 1,
        follow_ups: [{ type: "CATALOG_ENRICH_FIELD", dedup_key: `ENRICH:exercise_add:${NEW_ID}`, outcome: "would_create" }],
      });
      return;
    }
    expect(run.status).toBe("succeeded");
    expect(await exercise(db, NEW_ID)).toMatchObject({
      name: "Bulgarian Split Squat (Dumbbell)",
      name_slug: "bulgarian-split-squat-dumbbell",
      family_slug: "bulgarian_split_squat",
      equipment: ["dumbbell"],
      category: "compound",
      muscles: { primary: ["quadriceps", "glutes"] },
      status: "draft",
    });
    expect(await family(db, "bulgarian_split_squat")).toMatchObject({ status: "active", exercise_count: 1 });
    expect(run.summary).toMatchObject({ enrichment_job_created: true });
    expect(await otherJobs(db, run.jobId)).toEqual([
      expect.objectContaining({
        type: "CATALOG_ENRICH_FIELD",
        payload: expect.objectContaining({
          mode: "apply",
          enrichment_spec: { spec_id: "exercise_add", spec_version: 1 },
          exercise_doc_ids: [NEW_ID],
        }),
        dedup_key: `ENRICH:exercise_add:${NEW_ID}`,
        created_by: "system:EXERCISE_ADD",
        // CATALOG_ENRICH_FIELD's lane, as its type's default.
        queue: "maintenance",
      }),
    ]);
  });

  it("names a bodyweight classic on bodyweight equipment without a suffix, and the same classic on other equipment with one", async () => {
    await seedDemo(db);
    const classic = { category: "Compound", muscles: { primary: ["lats"] } };
    const onBar = await runJob(depsFor(db, mode), "EXERCISE_ADD", {
      mode,
      intent: { ...classic, base_name: "archer pull-up", equipment: ["pull-up-bar"] },
    });
    expect(onBar.summary).toMatchObject({ name: "Archer Pull-Up" });
    const belted = await runJob(depsFor(db, mode), "EXERCISE_ADD", {
      mode,
      intent: { ...classic, base_name: "archer pull-up", equipment: ["dip belt"] },
    });
    expect(belted.summary).toMatchObject({ name: "Archer Pull-Up (Dip Belt)" });
  });

  it("does nothing more when the job runs again after it created the exercise", async () => {
    await seedDemo(db);
    const deps = depsFor(db, mode);
    const first = await leaseForTest(deps, { type: "EXERCISE_ADD", payload: { mode, intent } });
    await runHandler(exerciseAddHandler, first);
    const afterFirst = await snapshotCatalog(db);

    const retry = await runHandler(exerciseAddHandler, await retryForTest(deps, first));
    expect(retry).toMatchObject({
      kind: "completed",
      status: mode === "apply" ? "succeeded" : "succeeded_dry_run",
      summary: { exercise_id: NEW_ID, applied: 0 },
    });
    expect(await snapshotCatalog(db)).toBe(afterFirst);
    expect(await otherJobs(db, first.job.id)).toHaveLength(mode === "apply" ? 1 : 0);
  });

  it("refuses a duplicate, however the intent spells it, with DUPLICATE_EXERCISE and writes nothing", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", {
      mode,
      intent: { base_name: "Dumbbell Bench Press", equipment: ["dumbbell"] },
    });

    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "DUPLICATE_EXERCISE",
      details: { exercise_id: "bench_press__bench-press-dumbbell", existing: ["bench_press__bench-press-dumbbell"] },
    });
    expect(await snapshotCatalog(db)).toBe(before);
    expect(await otherJobs(db, run.jobId)).toEqual([]);
  });

  it("keeps a leading abbreviation of equipment in the base, as the locked family-slug rule does: a family of its own", async () => {
    await seedDemo(db);
    const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent: { base_name: "DB Bench Press", equipment: ["dumbbell"] } });
    expect(run.summary).toMatchObject({
      exercise_id: "db_bench_press__db-bench-press-dumbbell",
      name: "DB Bench Press (Dumbbell)",
      family_slug: "db_bench_press",
    });
    const trx = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent: { base_name: "TRX Row", equipment: ["trx"] } });
    expect(trx.summary).toMatchObject({ name: "TRX Row (Suspension Trainer)", family_slug: "trx_row" });
  });

  it("title-cases a base name written all in capitals judged whole, as the naming rule does", async () => {
    await seedDemo(db);
    for (const [base_name, equipment, name] of [
      ["KETTLEBELL ROW", "kettlebell", "Row (Kettlebell)"],
      ["CABLE FLY", "cable", "Fly (Cable)"],
    ]) {
      const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent: { base_name, equipment: [equipment] } });
      expect([base_name, run.summary]).toMatchObject([base_name, { name }]);
    }
  });

  it("names an exercise without the abbreviation of its base, so one added again with it is a duplicate", async () => {
    await seedDemo(db);
    const stiffLeg = await runJob(depsFor(db, mode), "EXERCISE_ADD", {
      mode,
      intent: { base_name: "Stiff-Leg Deadlift (SLDL)", equipment: ["dumbbell"] },
    });
    expect(stiffLeg.summary).toMatchObject({ name: "Stiff-Leg Deadlift (Dumbbell)", family_slug: "stiff_leg_deadlift" });

    await runJob(depsFor(db, "apply"), "EXERCISE_ADD", {
      mode: "apply",
      intent: { base_name: "Romanian Deadlift", equipment: ["barbell"] },
    });
    const before = await snapshotCatalog(db);
    const again = await runJob(depsFor(db, mode), "EXERCISE_ADD", {
      mode,
      intent: { base_name: "Romanian Deadlift (RDL)", equipment: ["barbell"] },
    });
    expect(again.status).toBe("needs_review");
    expect(again.error).toMatchObject({
      code: "DUPLICATE_EXERCISE",
      details: { exercise_id: "romanian_deadlift__romanian-deadlift-barbell" },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("refuses an exercise known elsewhere by another spelling on its primary equipment with DUPLICATE_EXERCISE, naming it", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    // The demo's `goblet-squat` is an alias of the dumbbell squat.
    const aliased = await runJob(depsFor(db, mode), "EXERCISE_ADD", {
      mode,
      intent: { base_name: "Goblet Squat", equipment: ["dumbbell"] },
    });
    expect(aliased.status).toBe("needs_review");
    expect(aliased.error).toMatchObject({
      code: "DUPLICATE_EXERCISE",
      message:
        `"Goblet Squat (Dumbbell)" already exists: "goblet-squat" is an alias of exercise squat__squat-dumbbell, ` +
        `on the same primary equipment "dumbbell"; nothing was written`,
      details: { existing: ["squat__squat-dumbbell"], alias: { alias_slug: "goblet-squat", exercise_id: "squat__squat-dumbbell" } },
    });
    // Its name without the suffix is the slug of an exercise in biceps_curl.
    const named = await runJob(depsFor(db, mode), "EXERCISE_ADD", {
      mode,
      intent: { base_name: "Alternating Biceps Curl", equipment: ["dumbbell"] },
    });
    expect(named.status).toBe("needs_review");
    expect(named.error).toMatchObject({
      code: "DUPLICATE_EXERCISE",
      details: {
        exercise_id: "alternating_biceps_curl__alternating-biceps-curl-dumbbell",
        existing: ["biceps_curl__alternating-biceps-curl"],
      },
    });
    // On a multi-word leading equipment name the primary says, moved into the suffix: the row family's band row.
    const banded = await runJob(depsFor(db, mode), "EXERCISE_ADD", {
      mode,
      intent: { base_name: "Resistance Band Row", equipment: ["resistance band"] },
    });
    expect(banded.error).toMatchObject({ code: "DUPLICATE_EXERCISE", details: { existing: ["row__row-resistance-band"] } });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("adds an exercise whose other spelling belongs to one on other primary equipment", async () => {
    await seedDemo(db);
    const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent: { base_name: "Goblet Squat", equipment: ["kettlebell"] } });
    expect(run.error).toBeNull();
    expect(run.summary).toMatchObject({ exercise_id: "goblet_squat__goblet-squat-kettlebell", family_slug: "goblet_squat" });
  });

  it("refuses the name of an archived exercise with DUPLICATE_EXERCISE, saying so and how to bring it back", async () => {
    const archived = archivedExerciseFixture("Zercher Squat (Barbell)", ["barbell"]);
    await seedDemo(db, { exercises: [archived] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent: { base_name: "Zercher Squat", equipment: ["barbell"] } });

    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "DUPLICATE_EXERCISE",
      message:
        `"Zercher Squat (Barbell)" already exists: "zercher-squat-barbell" is the slug of ${archived.id} ` +
        `(archived: bring it back with a TARGETED_FIX patch of its status to "approved"); nothing was written`,
      details: { existing: [archived.id] },
    });
    expect(await snapshotCatalog(db)).toBe(before);
    if (mode === "dry_run") return;
    // The way back it names works.
    const revived = await runJob(depsFor(db, mode), "TARGETED_FIX", {
      mode,
      exercise_doc_ids: [archived.id],
      fix_type: "patch",
      fix_data: { patch: { status: "approved" } },
    });
    expect(revived.status).toBe("succeeded");
    expect(await exercise(db, archived.id)).toMatchObject({ status: "approved" });
  });

  it("refuses the name of an exercise merged into another with DUPLICATE_EXERCISE, naming the one it was merged into", async () => {
    const merged = exerciseFixture("Zercher Squat (Barbell)", ["barbell"], { status: "merged", merged_into: "squat__squat-barbell" });
    await seedDemo(db, { exercises: [merged] });
    const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent: { base_name: "Zercher Squat", equipment: ["barbell"] } });

    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "DUPLICATE_EXERCISE",
      message: `"Zercher Squat (Barbell)" already exists: "zercher-squat-barbell" is the slug of ${merged.id} (merged into squat__squat-barbell); nothing was written`,
      details: { existing: [merged.id] },
    });
  });

  it("names a retired holder of its slug in another family as such: how to bring an archived one back, where a merged one went", async () => {
    const archived = archivedExerciseFixture("Front Squat (Barbell)", ["barbell"], { family_slug: "squat" });
    const merged = exerciseFixture("Box Squat (Barbell)", ["barbell"], {
      family_slug: "squat",
      status: "merged",
      merged_into: "squat__squat-barbell",
    });
    await seedDemo(db, { exercises: [archived, merged] });
    const before = await snapshotCatalog(db);
    const front = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent: { base_name: "Front Squat", equipment: ["barbell"] } });
    const box = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent: { base_name: "Box Squat", equipment: ["barbell"] } });

    expect(front.error).toMatchObject({
      code: "DUPLICATE_EXERCISE",
      message:
        `"Front Squat (Barbell)" already exists: "front-squat-barbell" is the slug of squat__front-squat-barbell ` +
        `(archived: bring it back with a TARGETED_FIX patch of its status to "approved"); nothing was written`,
      details: { exercise_id: "front_squat__front-squat-barbell", existing: [archived.id] },
    });
    expect(box.error).toMatchObject({
      code: "DUPLICATE_EXERCISE",
      message: `"Box Squat (Barbell)" already exists: "box-squat-barbell" is the slug of ${merged.id} (merged into squat__squat-barbell); nothing was written`,
      details: { existing: [merged.id] },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("takes a slug held by an alias that leads nowhere, to an exercise that does not exist or to nothing, deleting the alias", async () => {
    // The one the orphan names is the very exercise the add creates.
    const orphan = { alias_slug: "hammer-curl-dumbbell", exercise_id: "hammer_curl__hammer-curl-dumbbell", is_family_alias: false };
    const untargeted = { alias_slug: "zercher-squat-barbell", exercise_id: null, is_family_alias: false };
    await seedDemo(db, { aliases: [orphan, untargeted] });
    const before = await snapshotCatalog(db);
    for (const [base, equipment, slug] of [
      ["Hammer Curl", "dumbbell", "hammer-curl-dumbbell"],
      ["Zercher Squat", "barbell", "zercher-squat-barbell"],
    ]) {
      const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent: { base_name: base, equipment: [equipment] } });

      expect(run.error).toBeNull();
      const id = String(run.summary.exercise_id);
      expect(id.endsWith(`__${slug}`)).toBe(true);
      // No alias is left at the exercise's own slug, not even one leading to it (the validator's ALIAS_LOOP warning).
      expect(run.summary).toMatchObject({ warnings: 0 });
      if (mode === "dry_run") continue;
      expect(run.status).toBe("succeeded");
      expect(await exercise(db, id)).toMatchObject({ name_slug: slug, status: "draft" });
      expect(await alias(db, slug)).toBeNull();
    }
    if (mode === "dry_run") expect(await snapshotCatalog(db)).toBe(before);
  });

  it("refuses an exercise known by an alias of one merged into a live exercise on its primary equipment, naming the live one", async () => {
    const merged = exerciseFixture("Sumo Squat (Dumbbell)", ["dumbbell"], {
      family_slug: "squat",
      status: "merged",
      merged_into: "squat__squat-dumbbell",
    });
    const plie = { alias_slug: "plie-squat", exercise_id: merged.id, is_family_alias: false };
    await seedDemo(db, { exercises: [merged], aliases: [plie] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent: { base_name: "Plie Squat", equipment: ["dumbbell"] } });

    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "DUPLICATE_EXERCISE",
      message:
        `"Plie Squat (Dumbbell)" already exists: "plie-squat" is an alias of exercise ${merged.id} (merged into squat__squat-dumbbell), ` +
        `on the same primary equipment "dumbbell"; nothing was written`,
      details: { existing: ["squat__squat-dumbbell"], alias: plie },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("refuses an exercise whose other spelling names one merged into a live exercise on its primary equipment, naming the live one", async () => {
    // Filed without its suffix, then merged into the dumbbell squat.
    const merged = exerciseFixture("Sumo Squat", ["dumbbell"], {
      family_slug: "squat",
      status: "merged",
      merged_into: "squat__squat-dumbbell",
    });
    await seedDemo(db, { exercises: [merged] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent: { base_name: "Sumo Squat", equipment: ["dumbbell"] } });

    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "DUPLICATE_EXERCISE",
      message:
        `"Sumo Squat (Dumbbell)" already exists: "sumo-squat" is the slug of ${merged.id} (merged into squat__squat-dumbbell), ` +
        `on the same primary equipment "dumbbell"; nothing was written`,
      details: { existing: ["squat__squat-dumbbell"] },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("refuses to start a family at a slug that is an alias with FAMILY_SLUG_IS_ALIAS and writes nothing", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    // The demo's `bent_over_row` is an alias of the family `row`.
    const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent: { base_name: "Bent Over Row", equipment: ["barbell"] } });

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "FAMILY_SLUG_IS_ALIAS",
      details: { family_slug: "bent_over_row", alias: { family_slug: "row" } },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("refuses a family that is merged into another with TARGET_FAMILY_RETIRED and writes nothing", async () => {
    await seedDemo(db, ROWS_MERGED_INTO_ROW);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent: { base_name: "Rows", equipment: ["cable"] } });

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "TARGET_FAMILY_RETIRED",
      message: "family rows is merged into row; add the exercise to row instead, under a base name of that family",
      details: { family_slug: "rows", merged_into: "row" },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("adds to a deprecated family (every exercise archived) and makes it active again", async () => {
    const archived = archivedExerciseFixture("Zercher Squat (Barbell)", ["barbell"]);
    const registry = retiredFamilyFixture("zercher_squat");
    await seedDemo(db, { exercises: [archived], families: [registry] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", {
      mode,
      intent: { base_name: "Zercher Squat", equipment: ["sandbag"] },
    });

    expect(run.error).toBeNull();
    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ exercise_id: "zercher_squat__zercher-squat-sandbag", family_slug: "zercher_squat" });
    if (mode === "dry_run") {
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    expect(await exercise(db, "zercher_squat__zercher-squat-sandbag")).toMatchObject({ name: "Zercher Squat (Sandbag)", status: "draft" });
    expect(await exercise(db, archived.id)).toMatchObject({ status: "deprecated" });
    expect(await family(db, "zercher_squat")).toMatchObject({ status: "active", exercise_count: 1, primary_equipment: ["sandbag"] });
  });

  it("fails an intent whose leading equipment word the primary equipment does not name with INVALID_INTENT and writes nothing", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    // The (Barbell) suffix would not say "Landmine": the exercise would be added as the plain Row.
    const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", {
      mode,
      intent: { base_name: "Landmine Row", equipment: ["barbell", "landmine"] },
    });

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "INVALID_INTENT",
      details: { base_name: "Landmine Row", leading_word: "Landmine", primary_equipment: "barbell" },
    });
    expect(await snapshotCatalog(db)).toBe(before);
    expect(await otherJobs(db, run.jobId)).toEqual([]);
  });

  it("fails an intent opening with an equipment name of several words its primary equipment does not name with INVALID_INTENT", async () => {
    await seedDemo(db);
    const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", {
      mode,
      intent: { base_name: "Cable Machine Row", equipment: ["machine"] },
    });

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "INVALID_INTENT",
      details: { base_name: "Cable Machine Row", leading_word: "Cable Machine", primary_equipment: "machine" },
    });
  });

  it("fails an intent whose base name's brackets do not pair with INVALID_INTENT, as the naming rule faults such a name", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    // No "(Equipment)" can be told from it: it would be added as "Squat (Barbell (Barbell)".
    for (const base_name of ["Squat (Barbell", "Squat Barbell)"]) {
      const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent: { base_name, equipment: ["barbell"] } });
      expect([base_name, run.status, run.error]).toEqual([
        base_name,
        "failed",
        expect.objectContaining({
          code: "INVALID_INTENT",
          message: exerciseNameProblem(base_name, "barbell", true)?.message,
          details: { base_name },
        }),
      ]);
    }
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails an intent with an unknown category with INVALID_INTENT", async () => {
    await seedDemo(db);
    const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent: { ...intent, category: "stretchy" } });

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "INVALID_INTENT", details: { category: "stretchy" } });
  });

  it("fails an intent whose muscles do not normalise to muscle names with INVALID_INTENT", async () => {
    await seedDemo(db);
    const muscles = { primary: ["Quads", "glute."], secondary: ["core_2"] };
    const run = await runJob(depsFor(db, mode), "EXERCISE_ADD", { mode, intent: { ...intent, muscles } });

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "INVALID_INTENT", details: { muscles: ["glute.", "core 2"] } });
  });
});

describe("EXERCISE_ADD (apply)", () => {
  it("queues the enrichment once, even when a retry runs after the enrichment job finished", async () => {
    await seedDemo(db);
    const deps = depsFor(db, "apply");
    const first = await leaseForTest(deps, { type: "EXERCISE_ADD", payload: { mode: "apply", intent } });
    const ran = await runHandler(exerciseAddHandler, first);
    const enrichmentId = String(ran.kind === "completed" && ran.summary.enrichment_job_id);
    // The enrichment runs to its end before the retry (the dedup key no longer holds it).
    await db.collection(JOB_COLLECTIONS.jobs).doc(enrichmentId).update({ status: "succeeded" });

    const retry = await runHandler(exerciseAddHandler, await retryForTest(deps, first));
    expect(ran).toMatchObject({ summary: { enrichment_job_created: true } });
    expect(retry).toMatchObject({ status: "succeeded", summary: { enrichment_job_id: enrichmentId, enrichment_job_created: false } });
    expect(await otherJobs(db, first.job.id)).toHaveLength(1);
  });

  it("claims the new exercise for its enrichment, so a quality scan asks for none of it while that one is open", async () => {
    await seedDemo(db);
    const deps = depsFor(db, "apply");
    const added = await runJob(deps, "EXERCISE_ADD", { mode: "apply", intent });
    const enrichmentId = String(added.summary.enrichment_job_id);
    const scan = () => runJob(deps, "QUALITY_SCAN", { mode: "apply", exercise_doc_ids: [NEW_ID] });

    // The scan flags the draft, and finds it held by the add's enrichment: it asks for none, and says which job holds it.
    expect(await scan()).toMatchObject({
      status: "succeeded",
      summary: {
        scanned: 1,
        jobs_created: 0,
        jobs_deduplicated: 1,
        follow_ups: [
          { type: "CATALOG_ENRICH_FIELD", dedup_key: `ENRICH:exercise_add:${NEW_ID}`, outcome: "deduplicated", job_id: enrichmentId },
        ],
      },
    });
    const enrichments = async () => (await db.collection(JOB_COLLECTIONS.jobs).where("type", "==", "CATALOG_ENRICH_FIELD").get()).size;
    expect(await enrichments()).toBe(1);

    // Ended, it answered none of the scan's findings: a later scan asks for what the draft still lacks.
    await endFollowUps(db);
    expect(await scan()).toMatchObject({ status: "succeeded", summary: { jobs_created: 1, jobs_deduplicated: 0 } });
    expect(await enrichments()).toBe(2);
  });

  it("takes over no claim once its enrichment ended: a retry leaves the exercise to the scan's enrichment that answered it since", async () => {
    const thin = exerciseFixture("Test Press (Dumbbell)", ["dumbbell"]);
    await seedDemo(db, { exercises: [thin] });
    const deps = depsFor(db, "apply");
    const first = await leaseForTest(deps, { type: "EXERCISE_ADD", payload: { mode: "apply", intent } });
    await runHandler(exerciseAddHandler, first);
    await endFollowUps(db);
    const scan = (ids: string[]) => runJob(deps, "QUALITY_SCAN", { mode: "apply", exercise_doc_ids: ids });
    expect(await scan([NEW_ID])).toMatchObject({ summary: { jobs_created: 1 } });
    await endFollowUps(db);

    await runHandler(exerciseAddHandler, await retryForTest(deps, first));
    // Scanned with another, the new exercise is still answered by the scan's enrichment: only the other is asked for.
    expect(await scan([NEW_ID, thin.id])).toMatchObject({ summary: { jobs_created: 1, jobs_already_answered: 1 } });
  });

  it("reads the holders of each slug once, the slug a renamed member leaves that is also a spelling of the new exercise too", async () => {
    // A sandbag Zercher squat makes the family multi-equipment: its bare barbell "Zercher Squat" becomes
    // "Zercher Squat (Barbell)", leaving "zercher-squat", also the new name without its suffix. One misfiled
    // in squat already holds the new slug, so the job stops once planned (no apply reads counted).
    const bare = exerciseFixture("Zercher Squat", ["barbell"]);
    const misfiled = exerciseFixture("Zercher Squat (Sandbag)", ["sandbag"], { family_slug: "squat" });
    await seedDemo(db, { exercises: [bare, misfiled] });
    const job = await leaseForTest(depsFor(db, "apply"), {
      type: "EXERCISE_ADD",
      payload: { mode: "apply", intent: { base_name: "Zercher Squat", equipment: ["sandbag"] } },
    });
    // The catalog's reads on a client of their own; the engine's stay on `db`.
    const catalogDb = newFirestore();
    const planning = () => runHandler(exerciseAddHandler, { ...job, deps: { ...job.deps, db: catalogDb } }).catch((err: unknown) => err);
    const { result, counts } = await countOps(catalogDb, planning);

    expect(result).toMatchObject({ code: "DUPLICATE_EXERCISE", details: { existing: [misfiled.id] } });
    // The family (its member, its missing registry entry) and the job's journal (empty); then one query of the
    // name slugs (the bare member and the misfiled one) and one get of the aliases there and at the family slug.
    expect(counts).toMatchObject({ reads: 9, byMethod: { runQuery: 3, batchGetDocuments: 2 } });
  });

  it.each(MODES)("asks for no enrichment that could only fail where no LLM is configured, and says so (%s)", async (mode) => {
    await seedDemo(db);
    const notConfigured = new LlmError("LLM_NOT_CONFIGURED", "no LLM is configured for the deployed functions");
    const deps = makeTestDeps(db, { applyEnabled: true, llmNotConfigured: () => notConfigured });
    const job = await leaseForTest(deps, { type: "EXERCISE_ADD", payload: { mode, intent } });

    const ran = await runHandler(exerciseAddHandler, job);

    expect(ran).toMatchObject({
      status: mode === "apply" ? "succeeded" : "succeeded_dry_run",
      summary: { enrichment_not_requested: "LLM_NOT_CONFIGURED" },
    });
    expect(ran.kind === "completed" && ran.summary.enrichment_job_id).toBeUndefined();
    // A dry run lists none either.
    expect(ran).not.toHaveProperty("summary.jobs_would_create");
    expect(await otherJobs(db, job.job.id)).toEqual([]);
  });

  it("fails CONFIG_INVALID with nothing written when an LLM param does not parse, as the LLM jobs do", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    // Deployed functions read LLM_PROVIDER to know whether the enrichment could run.
    const config = loadEngineConfig({ LLM_PROVIDER: "openai", CATALOG_APPLY_ENABLED: "true" });
    const engine = createEngine({ db, config, tasks: new RecordingTasks(), registry, deployed: true });
    const { jobId } = await engine.queue.createJob({ type: "EXERCISE_ADD", payload: { mode: "apply", intent }, created_by: "test" });

    const [ran] = await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });

    expect(ran).toMatchObject({ jobId, status: "failed", error: { code: "CONFIG_INVALID", transient: false } });
    expect(ran.error?.message).toMatch("LLM_PROVIDER");
    expect(await exercise(db, NEW_ID)).toBeNull();
    expect(await snapshotCatalog(db)).toBe(before);
    expect(await otherJobs(db, jobId)).toEqual([]);
  });

  it("resumes its plan as its planning decided on the enrichment, reading no LLM param after the write", async () => {
    await seedDemo(db);
    const deps = depsFor(db, "apply");
    const first = await leaseForTest(deps, { type: "EXERCISE_ADD", payload: { mode: "apply", intent } });
    const ran = await runHandler(exerciseAddHandler, first);
    // Redeployed with a param that does not parse before the retry, which finds the plan frozen.
    const invalidProvider = () => {
      throw new ConfigError("LLM_PROVIDER", 'must be one of fake, vertex, not "openai"');
    };
    const retry = await runHandler(exerciseAddHandler, await retryForTest({ ...deps, llmNotConfigured: invalidProvider }, first));

    const enrichmentId = ran.kind === "completed" && ran.summary.enrichment_job_id;
    expect(retry).toMatchObject({ status: "succeeded", summary: { exercise_id: NEW_ID, enrichment_job_id: enrichmentId } });
    expect(await otherJobs(db, first.job.id)).toHaveLength(1);
  });
});
