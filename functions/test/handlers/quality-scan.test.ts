import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { Timestamp } from "firebase-admin/firestore";
import { DEMO_EXERCISES } from "../../src/catalog/demo-catalog";
import { qualityScanHandler } from "../../src/handlers/quality-scan";
import { ExerciseClaims } from "../../src/handlers/support/exercise-claims";
import { SCANNER_VERSION, heuristicScoreExercise, toReviewMetadata } from "../../src/reviewer/quality-scanner";
import { ConfigError } from "../../src/config";
import { LlmError } from "../../src/llm/errors";
import { selectionCursorRef } from "../../src/catalog/scan-selection";
import { createEngine } from "../../src/create-engine";
import { registry } from "../../src/handlers";
import { childJobId as shardJobId } from "../../src/jobs/flows";
import { FakeLlmClient } from "../../src/llm/index";
import { dayKey } from "../../src/jobs/run-history";
import { archivedExerciseFixture, type ExerciseFixture, exerciseFixture, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { type TestHandlerInput, leaseForTest, makeTestDeps, recordingProgress, runHandler, withSlowFollowUps } from "../helpers/engine";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { runSummaryDoc } from "../helpers/runs";
import { RecordingTasks, testConfig } from "../helpers/runtime";
import { cancelledAtFollowUp, endFollowUps } from "./support";

const db = useFirestore();

const { id: completeId, ...completeData } = DEMO_EXERCISES[0];
const COMPLETE: ExerciseFixture = { id: completeId, ...completeData };
/** Fails hard checks: no execution notes, no movement. */
const THIN = exerciseFixture("Test Press (Dumbbell)", ["dumbbell"]);
/** Passes the hard checks, but lacks the optional content: needs enrichment only. */
const THINNER_CONTENT = {
  ...COMPLETE,
  id: "bench_press__bench-press-smith-machine",
  name: "Bench Press (Smith Machine)",
  name_slug: "bench-press-smith-machine",
  equipment: ["smith-machine"],
  stimulus_tags: [],
};
/** The paths a scan writes, as its preview lines list them. */
const REVIEW_METADATA_PATHS = Object.keys(toReviewMetadata(heuristicScoreExercise(THIN), new Date()))
  .map((key) => `review_metadata.${key}`)
  .join(", ");
const RETIRED = archivedExerciseFixture("Old Press (Dumbbell)", ["dumbbell"]);

async function leaseScan(
  payload: Record<string, unknown>,
  mode: "apply" | "dry_run" = "apply",
  llmNotConfigured?: () => LlmError | undefined,
): Promise<TestHandlerInput> {
  const deps = makeTestDeps(db, { applyEnabled: mode === "apply", llmNotConfigured });
  return leaseForTest(deps, { type: "QUALITY_SCAN", payload: { mode, ...payload } });
}

const run = (input: TestHandlerInput) => runHandler(qualityScanHandler, input);
const enrichmentJobs = async () => (await db.collection(JOB_COLLECTIONS.jobs).where("type", "==", "CATALOG_ENRICH_FIELD").get()).docs;
const reviewOf = async (id: string) =>
  (await db.collection(CATALOG_COLLECTIONS.exercises).doc(id).get()).get("review_metadata") as Record<string, unknown> | undefined;

describeWithIsolation("QUALITY_SCAN", () => {
  beforeEach(async () => {
    await seedCatalog(db, { exercises: [COMPLETE, THIN, THINNER_CONTENT, RETIRED] });
  });

  it("writes review_metadata through the journal and asks for the enrichment of what it flagged, once", async () => {
    expect(heuristicScoreExercise(COMPLETE).issue_type).toBe("ok");
    expect(heuristicScoreExercise(THINNER_CONTENT).issue_type).toBe("needs_enrichment");
    const input = await leaseScan({});
    const outcome = await run(input);

    expect(outcome).toMatchObject({
      kind: "completed",
      status: "succeeded",
      summary: {
        scanned: 3,
        passed: 1,
        needs_enrichment: 1,
        needs_full_review: 1,
        retired_skipped: 1,
        metadata_written: 3,
        jobs_created: 1,
        jobs_deduplicated: 0,
      },
    });
    for (const exercise of [COMPLETE, THIN, THINNER_CONTENT]) {
      const expected = heuristicScoreExercise(exercise);
      const review = (await reviewOf(exercise.id))!;
      expect(review).toMatchObject({
        quality_score: expected.score,
        issue_type: expected.issue_type,
        needs_full_review: expected.needs_full_review,
        scanner_version: SCANNER_VERSION,
      });
      expect((review.last_scanned_at as Timestamp).toMillis()).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(await reviewOf(RETIRED.id)).toBeUndefined();
    const journal = await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", input.job.id).get();
    expect(journal.size).toBe(3);

    const [job] = await enrichmentJobs();
    expect(job.data()).toMatchObject({
      status: "queued",
      created_by: "system:QUALITY_SCAN",
      payload: { mode: "apply", exercise_doc_ids: [THINNER_CONTENT.id, THIN.id].sort(), enrichment_spec: { spec_id: "quality_scan" } },
    });
    expect(job.get("dedup_key")).toMatch(/^CATALOG_ENRICH_FIELD:quality_scan:/);

    const rerun = await run(await leaseScan({}));
    expect(rerun).toMatchObject({ status: "succeeded", summary: { jobs_created: 0, jobs_deduplicated: 1 } });
    expect(await enrichmentJobs()).toHaveLength(1);
  });

  it("asks again for an enrichment the last one answered only when the findings of its exercises changed", async () => {
    const checksOf = (exercise: ExerciseFixture) =>
      heuristicScoreExercise(exercise).hard_failures.map(({ check, fields }) => ({ check, fields }));
    expect(await run(await leaseScan({}))).toMatchObject({ summary: { jobs_created: 1 } });
    // The enrichment ended and the scan finds the same again (what it left, it could not fix): no second one is paid for.
    await endFollowUps(db);
    expect(await run(await leaseScan({}))).toMatchObject({
      status: "succeeded",
      summary: {
        jobs_created: 0,
        jobs_deduplicated: 0,
        jobs_already_answered: 1,
        follow_ups: [expect.objectContaining({ outcome: "already_answered" })],
      },
    });
    expect(await enrichmentJobs()).toHaveLength(1);
    // A dry run looks nothing up: it previews what apply would ask for.
    expect(await run(await leaseScan({}, "dry_run"))).toMatchObject({ summary: { jobs_would_create: 1, jobs_already_answered: 0 } });

    // A value a finding quotes changed, its check and fields did not: the same finding, still answered.
    const misspelled = { ...THIN, movement: { type: "pushing" } };
    expect(heuristicScoreExercise(misspelled).hard_failures).not.toEqual(heuristicScoreExercise(THIN).hard_failures);
    expect(checksOf(misspelled)).toEqual(checksOf(THIN));
    await seedCatalog(db, { exercises: [misspelled] });
    expect(await run(await leaseScan({}))).toMatchObject({ summary: { jobs_created: 0, jobs_already_answered: 1 } });
    // Only a finding enrichment cannot act on changed (the name: enrichment never renames): still answered.
    const unsuffixed = { ...misspelled, name: "Test Press" };
    expect(checksOf(unsuffixed).map(({ check }) => check)).toContain("canonical_name");
    await seedCatalog(db, { exercises: [unsuffixed] });
    expect(await run(await leaseScan({}))).toMatchObject({ summary: { jobs_created: 0, jobs_already_answered: 1 } });

    // The movement fixed: the exercise with other findings is asked for again, alone: its page-mate's were answered.
    await seedCatalog(db, { exercises: [{ ...THIN, movement: COMPLETE.movement }] });
    expect(await run(await leaseScan({}))).toMatchObject({ summary: { jobs_created: 1, jobs_already_answered: 1 } });
    const jobs = await enrichmentJobs();
    expect(jobs).toHaveLength(2);
    expect(jobs.map((job) => job.get("payload.exercise_doc_ids") as string[])).toContainEqual([THIN.id]);
  });

  describe("asks, exercise by exercise, only for findings no enrichment answered, however its pages group them", () => {
    /** THINNER_CONTENT with what it lacked: the scan passes it. */
    const ENRICHED = { ...THINNER_CONTENT, stimulus_tags: COMPLETE.stimulus_tags };
    /** A page-mate flagged later. */
    const NEW_THIN = exerciseFixture("Test Curl (Dumbbell)", ["dumbbell"]);
    const idsOf = (job: { get(field: string): unknown }) => job.get("payload.exercise_doc_ids") as string[];

    /** The first scan asks one enrichment for both flagged exercises, which then fixes THINNER_CONTENT only. */
    async function firstEnrichment(): Promise<string> {
      expect(heuristicScoreExercise(ENRICHED).issue_type).toBe("ok");
      const outcome = await run(await leaseScan({}));
      expect(outcome).toMatchObject({ summary: { jobs_created: 1 } });
      const [job] = await enrichmentJobs();
      expect(idsOf(job)).toEqual([THINNER_CONTENT.id, THIN.id].sort());
      // It claims its page's key, and each exercise besides; each claim expires as the queue's own.
      const claims = await db.collection(JOB_COLLECTIONS.dedup).where("job_id", "==", job.id).get();
      expect(claims.size).toBe(3);
      for (const claim of claims.docs) expect(claim.get("expire_at")).toBeInstanceOf(Timestamp);
      await seedCatalog(db, { exercises: [ENRICHED] });
      return job.id;
    }

    it("leaves out an exercise whose findings the last enrichment answered, or is still asked for", async () => {
      const first = await firstEnrichment();
      // Open still: the exercise is being enriched.
      expect(await run(await leaseScan({}))).toMatchObject({
        summary: {
          jobs_created: 0,
          jobs_deduplicated: 1,
          follow_ups: [expect.objectContaining({ outcome: "deduplicated", job_id: first })],
        },
      });
      // Ended: what it left, it could not fix.
      await endFollowUps(db);
      expect(await run(await leaseScan({}))).toMatchObject({
        summary: {
          jobs_created: 0,
          jobs_already_answered: 1,
          follow_ups: [expect.objectContaining({ outcome: "already_answered", job_id: first })],
        },
      });
      expect(await enrichmentJobs()).toHaveLength(1);
    });

    it("asks again for a page-mate newly flagged, and for an exercise whose findings changed", async () => {
      const first = await firstEnrichment();
      await endFollowUps(db);
      await seedCatalog(db, { exercises: [NEW_THIN] });
      expect(await run(await leaseScan({}))).toMatchObject({ summary: { jobs_created: 1, jobs_already_answered: 1 } });
      const second = (await enrichmentJobs()).find((job) => job.id !== first)!;
      expect(idsOf(second)).toEqual([NEW_THIN.id]);

      await endFollowUps(db);
      await seedCatalog(db, { exercises: [{ ...THIN, movement: COMPLETE.movement }] });
      expect(await run(await leaseScan({}))).toMatchObject({ summary: { jobs_created: 1, jobs_already_answered: 1 } });
      const third = (await enrichmentJobs()).find((job) => job.id !== first && job.id !== second.id)!;
      expect(idsOf(third)).toEqual([THIN.id]);
    });

    it("claims an open enrichment's exercises whose claims were not written (an outage after it was created), so a regrouped page does not ask again", async () => {
      const record = jest.spyOn(ExerciseClaims.prototype, "record").mockRejectedValueOnce(new Error("UNAVAILABLE: injected"));
      await expect(run(await leaseScan({}))).rejects.toThrow("UNAVAILABLE: injected");
      record.mockRestore();
      const [first] = await enrichmentJobs();
      // Run again (the scan's retry): the page's job is open under its key, and claims its exercises now.
      expect(await run(await leaseScan({}))).toMatchObject({ summary: { jobs_created: 0, jobs_deduplicated: 1 } });
      await seedCatalog(db, { exercises: [ENRICHED] });
      // THINNER_CONTENT fixed: THIN's page is now THIN alone, still held by the open job.
      expect(await run(await leaseScan({}))).toMatchObject({
        summary: { jobs_created: 0, jobs_deduplicated: 1, follow_ups: [expect.objectContaining({ job_id: first.id })] },
      });
      expect(await enrichmentJobs()).toHaveLength(1);
    });

    it("leaves unclaimed the exercises of an open enrichment asked for other findings, and asks for them again once it ended", async () => {
      const record = jest.spyOn(ExerciseClaims.prototype, "record").mockRejectedValueOnce(new Error("UNAVAILABLE: injected"));
      await expect(run(await leaseScan({}))).rejects.toThrow("UNAVAILABLE: injected");
      record.mockRestore();
      const [first] = await enrichmentJobs();
      // THIN's findings change while the enrichment is open (its shards may have run on the old ones).
      await seedCatalog(db, { exercises: [{ ...THIN, movement: COMPLETE.movement }] });
      expect(await run(await leaseScan({}))).toMatchObject({ summary: { jobs_created: 0, jobs_deduplicated: 1 } });
      await endFollowUps(db);
      expect(await run(await leaseScan({}))).toMatchObject({ summary: { jobs_created: 1, jobs_already_answered: 0 } });
      const second = (await enrichmentJobs()).find((job) => job.id !== first.id)!;
      expect(idsOf(second)).toEqual([THINNER_CONTENT.id, THIN.id].sort());
    });

    it("asks again for an exercise whose enrichment ran out of attempts", async () => {
      const first = await firstEnrichment();
      await db.collection(JOB_COLLECTIONS.jobs).doc(first).update({ status: "deadletter", finished_at: new Date() });
      expect(await run(await leaseScan({}))).toMatchObject({ summary: { jobs_created: 1, jobs_already_answered: 0 } });
      const second = (await enrichmentJobs()).find((job) => job.id !== first)!;
      expect(idsOf(second)).toEqual([THIN.id]);
    });
  });

  /** How a shard of the enrichment ended (of one exercise each), as its worker leaves it. */
  const SHARD_ENDINGS = {
    succeeded: { status: "succeeded", result_summary: { exercises_total: 1, exercises_succeeded: 1 } },
    handedToPerson: {
      status: "needs_review",
      error: { code: "EXERCISES_FAILED", message: "1 exercise failed", transient: false },
      result_summary: { exercises_total: 1, exercises_failed: 1 },
    },
    outOfAttempts: { status: "deadletter", error: { code: "LLM_UNAVAILABLE", message: "Vertex AI unavailable", transient: true } },
    cancelled: { status: "cancelled" },
  };

  /** Runs the scan's enrichment to its end: its parent creates a shard per exercise, which end as `endings` say, and finishes over them. */
  async function endEnrichment(endings: (keyof typeof SHARD_ENDINGS)[]) {
    const config = testConfig({ applyEnabled: true, shardSize: 1 });
    const engine = createEngine({ db, config, tasks: new RecordingTasks(), registry, llm: new FakeLlmClient() });
    const [{ id: jobId }] = await enrichmentJobs();
    const runParent = async () => {
      await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).update({ run_after: Timestamp.now() });
      await engine.worker("test-worker").run((await engine.queue.leaseById(jobId, "test-worker"))!);
      return (await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get()).data()!;
    };
    expect(await runParent()).toMatchObject({ status: "deferred", shards: { total: endings.length } });
    for (const [i, ending] of endings.entries()) {
      await db
        .collection(JOB_COLLECTIONS.jobs)
        .doc(shardJobId(jobId, i + 1))
        .update(SHARD_ENDINGS[ending]);
    }
    return runParent();
  }

  it.each([
    { when: "a shard ran out of attempts on an LLM outage", endings: ["succeeded", "outOfAttempts"], askedAgain: true },
    { when: "a shard was cancelled", endings: ["cancelled", "succeeded"], askedAgain: true },
    {
      when: "one shard was handed to a person and another ran out of attempts",
      endings: ["handedToPerson", "outOfAttempts"],
      askedAgain: true,
    },
    { when: "every shard that did not succeed was handed to a person", endings: ["handedToPerson", "succeeded"], askedAgain: false },
  ] as const)("asks for an enrichment again only when a shard of the last one answered nothing: $when", async ({ endings, askedAgain }) => {
    expect(await run(await leaseScan({}))).toMatchObject({ summary: { jobs_created: 1 } });
    const enrichment = await endEnrichment([...endings]);
    expect(enrichment).toMatchObject({ status: "needs_review" });

    expect(await run(await leaseScan({}))).toMatchObject({
      status: "succeeded",
      summary: { jobs_created: askedAgain ? 1 : 0, jobs_already_answered: askedAgain ? 0 : 1 },
    });
    expect(await enrichmentJobs()).toHaveLength(askedAgain ? 2 : 1);
    expect(enrichment.error.code).toBe(askedAgain ? "SHARDS_UNANSWERED" : "SHARDS_FAILED");
  });

  it("counts its journaled writes as its run's changes, and in the day's totals", async () => {
    const engine = createEngine({ db, config: testConfig({ applyEnabled: true }), tasks: new RecordingTasks() });
    const { jobId } = await engine.queue.createJob({
      type: "QUALITY_SCAN",
      payload: { mode: "apply", emit_enrichment: false },
      created_by: "test",
    });
    const [report] = await engine.runLane("maintenance");
    expect(report).toMatchObject({ jobId, status: "succeeded" });

    const journal = await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", jobId).get();
    expect(journal.size).toBe(3);
    const runSummary = (await runSummaryDoc(db, jobId, 1)).data()!;
    expect(runSummary.changes_count).toBe(journal.size);
    expect(runSummary.changes_preview).toHaveLength(journal.size);
    expect(runSummary.changes_preview).toEqual(
      expect.arrayContaining([COMPLETE, THIN, THINNER_CONTENT].map(({ id }) => `patch_fields exercises/${id}: ${REVIEW_METADATA_PATHS}`)),
    );
    const day = await engine.history.getDailySummary(dayKey((runSummary.finished_at as Timestamp).toDate()));
    expect(day).toMatchObject({ runs: 1, changes: journal.size });
  });

  it("previews in a dry run: nothing written, nothing emitted", async () => {
    const before = await snapshotCatalog(db);
    const outcome = await run(await leaseScan({}, "dry_run"));
    expect(outcome).toMatchObject({
      status: "succeeded_dry_run",
      summary: {
        scanned: 3,
        applied: 0,
        metadata_written: 0,
        metadata_would_write: 3,
        changes_preview: [expect.any(String), expect.any(String), expect.any(String)],
        jobs_created: 0,
        jobs_would_create: 1,
      },
    });
    expect(await snapshotCatalog(db)).toBe(before);
    expect(await enrichmentJobs()).toEqual([]);
  });

  it("fails EXERCISE_NOT_FOUND with the missing ids when a named exercise does not exist, writing nothing", async () => {
    const before = await snapshotCatalog(db);
    const input = await leaseScan({ exercise_doc_ids: [THIN.id, "no__such-exercise"] });
    await expect(run(input)).rejects.toMatchObject({
      code: "EXERCISE_NOT_FOUND",
      kind: "permanent",
      details: { missing: ["no__such-exercise"] },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("scans named exercises and emits nothing when asked not to", async () => {
    const outcome = await run(await leaseScan({ exercise_doc_ids: [THIN.id], emit_enrichment: false }));
    expect(outcome).toMatchObject({
      status: "succeeded",
      summary: { scanned: 1, needs_full_review: 1, missing: 0, jobs_created: 0, jobs_would_create: 0 },
    });
    expect(await reviewOf(THIN.id)).toMatchObject({ issue_type: "needs_full_review" });
    expect(await reviewOf(COMPLETE.id)).toBeUndefined();
    expect(await enrichmentJobs()).toEqual([]);
  });

  it("without a configured LLM writes review_metadata but asks for no enrichment that could only fail, and says why", async () => {
    const notConfigured = () => new LlmError("LLM_NOT_CONFIGURED", "no LLM is configured for the deployed functions");
    const outcome = await run(await leaseScan({}, "apply", notConfigured));
    expect(outcome).toMatchObject({
      status: "succeeded",
      summary: { scanned: 3, metadata_written: 3, jobs_created: 0, jobs_would_create: 0, enrichment_not_requested: "LLM_NOT_CONFIGURED" },
    });
    expect(await reviewOf(THIN.id)).toMatchObject({ issue_type: "needs_full_review" });
    expect(await enrichmentJobs()).toEqual([]);
  });

  it("does not read the LLM settings when asked for no enrichment, so an invalid one does not fail it", async () => {
    const invalidProvider = () => {
      throw new ConfigError("LLM_PROVIDER", 'must be one of fake, vertex, not "openai"');
    };
    const outcome = await run(await leaseScan({ emit_enrichment: false }, "apply", invalidProvider));
    expect(outcome).toMatchObject({ status: "succeeded", summary: { scanned: 3, metadata_written: 3 } });
    await expect(run(await leaseScan({}, "apply", invalidProvider))).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      param: "LLM_PROVIDER",
    });
  });

  it("asks for no enrichment of an exercise whose only finding is its name (enrichment never renames), and counts it", async () => {
    const unsuffixed = { ...COMPLETE, id: "bench_press__paused-bench-press", name: "Paused Bench Press", name_slug: "paused-bench-press" };
    await seedCatalog(db, { exercises: [unsuffixed] });
    expect(heuristicScoreExercise(unsuffixed).hard_failures.map(({ check }) => check)).toEqual(["canonical_name"]);
    const outcome = await run(await leaseScan({ exercise_doc_ids: [unsuffixed.id, THIN.id] }));
    expect(outcome).toMatchObject({
      status: "succeeded",
      summary: { scanned: 2, needs_full_review: 2, not_enrichable: 1, metadata_written: 2, jobs_created: 1 },
    });
    expect(await reviewOf(unsuffixed.id)).toMatchObject({ issue_type: "needs_full_review" });
    const [job] = await enrichmentJobs();
    expect(job.get("payload.exercise_doc_ids")).toEqual([THIN.id]);
  });

  it("ends cancelled, with the counts of the pages it scanned, when a cancel stops it before its next page", async () => {
    const exercises = Array.from({ length: 101 }, (_, i) =>
      exerciseFixture(`Test Move ${String(i).padStart(3, "0")} (Dumbbell)`, ["dumbbell"]),
    );
    await seedCatalog(db, { exercises });
    const outcome = await run(cancelledAtFollowUp(await leaseScan({ exercise_doc_ids: exercises.map((exercise) => exercise.id) })));
    expect(outcome).toMatchObject({ status: "cancelled", summary: { scanned: 100, metadata_written: 100, jobs_created: 1 } });
    expect(await reviewOf(exercises[100].id)).toBeUndefined();
  });

  it("reports its progress over the exercises it goes through once it has run a second, counting the total then", async () => {
    const exercises = Array.from({ length: 101 }, (_, i) =>
      exerciseFixture(`Test Move ${String(i).padStart(3, "0")} (Dumbbell)`, ["dumbbell"]),
    );
    await seedCatalog(db, { exercises });
    // Two pages of the dumbbell exercises: these, the thin press and the retired one.
    const input = await leaseScan({ filter_criteria: { equipment: "dumbbell" } });
    // Each page asks for the enrichment of what it flagged: slowed there, its first page ends past the quiet second.
    const { engine, reported } = recordingProgress(input);
    const outcome = await run({ ...input, engine: withSlowFollowUps(engine, 1100) });
    // The retired press is gone through too: the total is what the filter matches.
    expect(outcome).toMatchObject({ status: "succeeded", summary: { scanned: 102, retired_skipped: 1 } });
    // Its first report, after the first page: the total counted then is all the filter matches.
    expect(reported[0]).toEqual({ done: 100, total: 103 });
    expect((await input.deps.queue.getJob(input.job.id))?.progress).toEqual({ done: 103, total: 103 });

    // A quick one reports nothing.
    const quick = await leaseScan({ exercise_doc_ids: [THIN.id] });
    expect(await run(quick)).toMatchObject({ status: "succeeded" });
    expect((await quick.deps.queue.getJob(quick.job.id))?.progress ?? null).toBeNull();
  });

  it("ends with its outcome, and moves its selection cursor, when a cancel comes after its last page's work", async () => {
    const input = await leaseScan({ selection: { stale_after_days: 7, limit: 10 } });
    const outcome = await run(cancelledAtFollowUp(input));
    expect(outcome).toMatchObject({ status: "succeeded", summary: { scanned: 3, metadata_written: 3, jobs_created: 1 } });
    expect((await selectionCursorRef(db, "QUALITY_SCAN", "apply").get()).get("job_id")).toBe(input.job.id);
  });

  it("scans by filter", async () => {
    const outcome = await run(await leaseScan({ filter_criteria: { equipment: "dumbbell" } }));
    expect(outcome).toMatchObject({ summary: { scanned: 1, retired_skipped: 1, needs_full_review: 1 } });
  });
});
