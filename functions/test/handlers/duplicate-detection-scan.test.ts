import { InvalidJobError } from "../../src/jobs/queue";
import { useFirestore, describeWithFullEmulator } from "../helpers/firestore";
import { exerciseFixture, retiredFamilyFixture, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import {
  MODES,
  ROWS_MERGED_INTO_ROW,
  depsFor,
  endFollowUps,
  familyQueryCounter,
  numberedFamilies,
  otherJobs,
  runAtDeadline,
  runJob,
  seedDemo,
} from "./support";
import { createEngine } from "../../src/create-engine";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();

// Families whose slugs differ from demo families only by a plural or an equipment word.
const lookalikes = {
  exercises: [
    exerciseFixture("Rows (Kettlebell)", ["kettlebell"]),
    exerciseFixture("Squat (Landmine)", ["landmine"], { family_slug: "landmine_squat" }),
  ],
};

// Scans page with cursors, which the fallback emulator does not implement.
describeWithFullEmulator.each(MODES)("DUPLICATE_DETECTION_SCAN (%s)", (mode) => {
  it("proposes FAMILY_MERGE jobs in dry_run for likely duplicate families", async () => {
    await seedDemo(db, lookalikes);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "DUPLICATE_DETECTION_SCAN", { mode });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ families_scanned: 16, merge_candidates: 2 });
    expect(run.summary.merge_candidates_listed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: "rows", target: "row" }),
        expect.objectContaining({ source: "landmine_squat", target: "squat" }),
      ]),
    );
    expect(await snapshotCatalog(db)).toBe(before);
    const jobs = await otherJobs(db, run.jobId);
    if (mode === "dry_run") {
      expect(jobs).toEqual([]);
      expect(run.summary).toMatchObject({ jobs_would_create: 2, jobs_created: 0 });
      return;
    }
    expect(jobs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: "FAMILY_MERGE",
          payload: { mode: "dry_run", merge_config: { source_family: "rows", target_family: "row" } },
          dedup_key: "FAMILY_MERGE:rows:row",
          created_by: "system:DUPLICATE_DETECTION_SCAN",
        }),
      ]),
    );
    const rerun = await runJob(depsFor(db, mode), "DUPLICATE_DETECTION_SCAN", { mode });
    expect(rerun.summary).toMatchObject({ jobs_created: 0, jobs_deduplicated: 2 });

    // Once a person has read the previews, a scan that finds the same evidence does not preview the pairs again.
    await endFollowUps(db);
    const weekLater = await runJob(depsFor(db, mode), "DUPLICATE_DETECTION_SCAN", { mode });
    expect(weekLater.summary).toMatchObject({ merge_candidates: 2, jobs_created: 0, jobs_deduplicated: 0, jobs_already_answered: 2 });
  });

  it("proposes nothing when no families look alike", async () => {
    await seedDemo(db);
    const run = await runJob(depsFor(db, mode), "DUPLICATE_DETECTION_SCAN", { mode });

    expect(run.summary).toMatchObject({ families_scanned: 14, merge_candidates: 0, duplicate_exercises_within_family: 0 });
    expect(await otherJobs(db, run.jobId)).toEqual([]);
  });

  it("proposes merging a legacy family spelled as one word into the demo family of its words apart", async () => {
    await seedDemo(db, { exercises: [exerciseFixture("Pullups", ["pull-up-bar"], { family_slug: "pullups" })] });
    const run = await runJob(depsFor(db, mode), "DUPLICATE_DETECTION_SCAN", { mode });

    expect(run.summary).toMatchObject({ families_scanned: 15, merge_candidates: 1, duplicate_exercises_within_family: 0 });
    expect(run.summary.merge_candidates_listed).toEqual([expect.objectContaining({ source: "pullups", target: "pull_up" })]);
  });

  it("proposes merging a legacy family opening with an abbreviation or a plural of equipment into the demo family of its base", async () => {
    await seedDemo(db, {
      exercises: [
        exerciseFixture("DB Bench Press (Dumbbell)", ["dumbbell"], { family_slug: "db_bench_press" }),
        exerciseFixture("Dumbbells Row (Dumbbell)", ["dumbbell"], { family_slug: "dumbbells_row" }),
        // Names of equipment the family-slug rule keeps: families of their own.
        exerciseFixture("TRX Rows (Suspension Trainer)", ["suspension-trainer"], { family_slug: "trx_rows" }),
        exerciseFixture("Rower Sprint (Rowing Machine)", ["rowing-machine"], { family_slug: "rower_sprint" }),
        exerciseFixture("Sprint (Treadmill)", ["treadmill"], { family_slug: "sprint" }),
      ],
    });
    const run = await runJob(depsFor(db, mode), "DUPLICATE_DETECTION_SCAN", { mode });

    expect(run.summary).toMatchObject({ families_scanned: 19, merge_candidates: 2, duplicate_exercises_within_family: 0 });
    expect(run.summary.merge_candidates_listed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: "db_bench_press", target: "bench_press" }),
        expect.objectContaining({ source: "dumbbells_row", target: "row" }),
      ]),
    );
  });

  it("proposes no merge from or into a family its registry entry retires, still from and into live ones", async () => {
    await seedDemo(db, {
      // rows is merged into row, an exercise still left behind; lunge is deprecated, its exercise not archived.
      ...ROWS_MERGED_INTO_ROW,
      exercises: [
        exerciseFixture("Rows (Kettlebell)", ["kettlebell"]),
        exerciseFixture("Lunge (Dumbbell)", ["dumbbell"]),
        exerciseFixture("Lunges (Kettlebell)", ["kettlebell"], { family_slug: "lunges" }),
        exerciseFixture("Pullups", ["pull-up-bar"], { family_slug: "pullups" }),
      ],
      families: [...(ROWS_MERGED_INTO_ROW.families ?? []), retiredFamilyFixture("lunge")],
    });
    const run = await runJob(depsFor(db, mode), "DUPLICATE_DETECTION_SCAN", { mode });

    expect(run.summary).toMatchObject({ families_scanned: 18, merge_candidates: 1 });
    expect(run.summary.merge_candidates_listed).toEqual([expect.objectContaining({ source: "pullups", target: "pull_up" })]);
  });

  it("rejects a payload with unknown keys before anything runs", async () => {
    await expect(
      depsFor(db, mode).queue.createJob({ type: "DUPLICATE_DETECTION_SCAN", payload: { mode, family_slug: "row" }, created_by: "test" }),
    ).rejects.toBeInstanceOf(InvalidJobError);
  });
});

describeWithFullEmulator("DUPLICATE_DETECTION_SCAN over a family too large to read whole (dry_run)", () => {
  it("names it and indexes the families after it, instead of failing there every run", async () => {
    // One more than a family read takes (MAX_FAMILY_EXERCISES), in a family whose slug sorts first.
    const giant = Array.from({ length: 2_001 }, (_, i) =>
      exerciseFixture(`Giant Move ${String(i).padStart(4, "0")} (Dumbbell)`, ["dumbbell"], { family_slug: "aaa_giant_move" }),
    );
    await seedDemo(db, { exercises: [...lookalikes.exercises, ...giant] });
    const run = await runJob(depsFor(db, "dry_run"), "DUPLICATE_DETECTION_SCAN", { mode: "dry_run" });

    expect(run.status).toBe("succeeded_dry_run");
    expect(run.summary).toMatchObject({ families_too_large: ["aaa_giant_move"], families_scanned: 16, merge_candidates: 2 });
  });
});

describeWithFullEmulator.each(MODES)("DUPLICATE_DETECTION_SCAN at its run's deadline (%s)", (mode) => {
  it("ends with what it read, not complete, and asks for nothing, instead of failing RUN_DEADLINE into retries", async () => {
    await seedDemo(db, lookalikes);
    const engine = createEngine({ db, config: testConfig({ applyEnabled: mode === "apply" }), tasks: new RecordingTasks() });
    const { jobId } = await engine.queue.createJob({ type: "DUPLICATE_DETECTION_SCAN", payload: { mode }, created_by: "test" });

    // A deadline that comes as it starts.
    const reports = [await runAtDeadline(engine, jobId)];

    expect(reports).toEqual([
      expect.objectContaining({ jobId, status: mode === "apply" ? "succeeded" : "succeeded_dry_run", error: null }),
    ]);
    const job = await engine.queue.getJob(jobId);
    expect(job).toMatchObject({
      attempts: 1,
      result_summary: { complete: false, stopped_before_family: expect.any(String), jobs_would_create: 0 },
    });
    expect(await otherJobs(db, jobId)).toEqual([]);
  });
});

describeWithFullEmulator("DUPLICATE_DETECTION_SCAN's reads (dry_run)", () => {
  it("reads the catalog a page of exercises at a time, not with queries per family", async () => {
    // More families of two than a page (500 exercises) holds.
    await seedCatalog(db, { exercises: numberedFamilies(300, 2) });
    const familyQueries = familyQueryCounter(db);
    const run = await runJob(depsFor(db, "dry_run"), "DUPLICATE_DETECTION_SCAN", { mode: "dry_run" });

    // Two pages, the family the first ends in, and the count of the progress's total, if it was reported.
    expect(familyQueries()).toBeLessThanOrEqual(4);
    expect(run.summary).toMatchObject({ families_scanned: 300, complete: true, stopped_before_family: null });
  });
});
