/**
 * A shard that failed part-way: what its enrichment parent counts of it (the exercises it applied
 * before the failure stopped it, whatever the failure was), and a shard stopped by its lane task's
 * deadline, whose retry enriches (or, in a dry run, previews) only what it left.
 */
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { createEngine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { EXERCISE_RESULTS } from "../../src/enrichment/shard-ledger";
import { ENRICH_CALL } from "../../src/enrichment/llm-calls";
import { registry } from "../../src/handlers";
import { childJobId as shardJobId } from "../../src/jobs/flows";
import { FINAL_STATUSES, type JobStatus } from "../../src/jobs/lifecycle";
import { FakeLlmClient } from "../../src/llm/index";
import { fakeEnrichment } from "../../src/llm/fake-enrichment";
import type { LlmClient, LlmRequest } from "../../src/llm/types";
import { exerciseFixture, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { RecordingTasks, movableClock, testConfig, useRuntime, waitFor } from "../helpers/runtime";

const db = useFirestore();
const startTestRuntime = useRuntime(db);

const SPEC = { spec_id: "content", spec_version: 1 };

const jobData = async (id: string) => (await db.collection(JOB_COLLECTIONS.jobs).doc(id).get()).data()!;

describeWithIsolation("CATALOG_ENRICH_FIELD over a shard that failed part-way", () => {
  it("counts what the shard applied before a failure that was no LLM outage stopped it", async () => {
    const exercises = Array.from({ length: 3 }, (_, i) => exerciseFixture(`Test Press ${i + 1} (Dumbbell)`, ["dumbbell"]));
    await seedCatalog(db, { exercises });
    let answered = 0;
    const llm = new FakeLlmClient({
      script: [
        {
          match: { task: ENRICH_CALL.task },
          // Two exercises are enriched and applied; the third call hits a bug, which fails the shard for good.
          respond: (req: LlmRequest<unknown>) => {
            if (answered++ < 2) return fakeEnrichment(req.context?.exercise as Record<string, unknown>);
            throw new TypeError("cannot read properties of undefined");
          },
        },
      ],
    });
    const { engine } = await startTestRuntime(registry, { llm, config: testConfig({ applyEnabled: true }) });
    const { jobId } = await engine.queue.createJob({
      type: "CATALOG_ENRICH_FIELD",
      payload: { mode: "apply", enrichment_spec: SPEC, exercise_doc_ids: exercises.map((exercise) => exercise.id) },
      created_by: "test",
    });

    const parent = await waitFor(
      () => jobData(jobId),
      (job) => FINAL_STATUSES.includes(job.status as JobStatus),
      90_000,
    );
    expect(parent).toMatchObject({
      status: "needs_review",
      error: {
        code: "SHARDS_UNANSWERED",
        details: { shards: [{ shard_id: shardJobId(jobId, 1), status: "failed", code: "HANDLER_ERROR" }] },
      },
      result_summary: { shards_total: 1, shards_failed: 1, exercises_total: 3, exercises_succeeded: 2, exercises_failed: 1 },
    });
  });
});

describeWithIsolation("CATALOG_ENRICH_FIELD_SHARD stopped by its drain's deadline", () => {
  it("fails RUN_DEADLINE with the counts of what it applied, and its retry enriches only the exercises it left", async () => {
    const exercises = Array.from({ length: 6 }, (_, i) => exerciseFixture(`Test Press ${i + 1} (Dumbbell)`, ["dumbbell"]));
    await seedCatalog(db, { exercises });
    // One call at a time, 150 ms each: the six take longer than the deadline.
    const llm = new FakeLlmClient({ latencyMs: 150 });
    const clock = movableClock();
    const config = testConfig({ applyEnabled: true, enrichConcurrency: 1 });
    const engine = createEngine({ db, config, tasks: new RecordingTasks(), registry, llm, now: clock.now });
    const { jobId } = await engine.queue.createJob({
      type: "CATALOG_ENRICH_FIELD_SHARD",
      payload: { mode: "apply", parent_job_id: "parent-1", exercise_doc_ids: exercises.map((e) => e.id), enrichment_spec: SPEC },
      created_by: "test",
    });
    const enrichedSlugs = () =>
      llm.calls.filter((call) => call.task === ENRICH_CALL.task).map((call) => (call.context?.exercise as { name_slug: string }).name_slug);

    const [stopped] = await engine.runLane("maintenance", { maxJobs: 1, budgetMs: 10_000, stopRunsAfterMs: 500 });
    const ledger = (await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).collection(EXERCISE_RESULTS).get()).docs.map((doc) => doc.id);
    expect(stopped).toMatchObject({ status: "queued", error: { code: "RUN_DEADLINE", transient: true } });
    expect((await jobData(stopped.jobId)).error).toMatchObject({
      details: { partial: { exercises_total: 6, exercises_succeeded: ledger.length } },
    });
    expect(ledger.length).toBeLessThan(6);

    clock.advance(config.backoffMaxMs + 1000);
    const callsBefore = enrichedSlugs().length;
    const [retried] = await engine.runLane("maintenance", { maxJobs: 1, budgetMs: 10_000 });
    const finishedSlugs = exercises.filter((e) => ledger.includes(e.id)).map((e) => e.name_slug);
    const askedAgain = enrichedSlugs().slice(callsBefore);

    expect(retried).toMatchObject({ jobId, status: "succeeded" });
    expect(askedAgain).toHaveLength(6 - ledger.length);
    expect(askedAgain.filter((slug) => finishedSlugs.includes(slug))).toEqual([]);
    // Each exercise written once over the two attempts.
    const journal = await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", jobId).get();
    expect(journal.docs.map((doc) => String(doc.get("operation.exercise_id"))).sort()).toEqual(exercises.map((e) => e.id).sort());
  });

  it("in a dry run too: its retry previews only the exercises it left, and its summary previews every one once", async () => {
    const exercises = Array.from({ length: 6 }, (_, i) => exerciseFixture(`Test Press ${i + 1} (Dumbbell)`, ["dumbbell"]));
    await seedCatalog(db, { exercises });
    // Two answers, then a call that takes a minute: the deadline ends it with two exercises previewed. The retry's are answered.
    const answering = new FakeLlmClient();
    const stalling = new FakeLlmClient({ latencyMs: 60_000 });
    let answersBeforeStall = 2;
    const llm: LlmClient = {
      provider: "fake",
      generateJson: (req) => (answering.calls.length < answersBeforeStall ? answering : stalling).generateJson(req),
    };
    const clock = movableClock();
    const config = testConfig({ enrichConcurrency: 1 });
    const engine = createEngine({ db, config, tasks: new RecordingTasks(), registry, llm, now: clock.now });
    const { jobId } = await engine.queue.createJob({
      type: "CATALOG_ENRICH_FIELD_SHARD",
      payload: { mode: "dry_run", parent_job_id: "parent-1", exercise_doc_ids: exercises.map((e) => e.id), enrichment_spec: SPEC },
      created_by: "test",
    });
    const before = await snapshotCatalog(db);
    const answeredSlugs = () => answering.calls.map((call) => (call.context?.exercise as { name_slug: string }).name_slug);

    const [stopped] = await engine.runLane("maintenance", { maxJobs: 1, budgetMs: 10_000, stopRunsAfterMs: 1500 });
    expect(stopped).toMatchObject({ status: "queued", error: { code: "RUN_DEADLINE", transient: true } });
    expect((await jobData(jobId)).error).toMatchObject({ details: { partial: { exercises_total: 6, exercises_succeeded: 2 } } });
    const previewedFirst = answeredSlugs();

    answersBeforeStall = Infinity;
    clock.advance(config.backoffMaxMs + 1000);
    const [retried] = await engine.runLane("maintenance", { maxJobs: 1, budgetMs: 10_000 });
    const askedAgain = answeredSlugs().slice(previewedFirst.length);

    expect(retried).toMatchObject({ jobId, status: "succeeded_dry_run" });
    const left = exercises.map((e) => String(e.name_slug)).filter((slug) => !previewedFirst.includes(slug));
    expect(askedAgain.sort()).toEqual(left.sort());
    const summary = (await jobData(jobId)).result_summary;
    expect(summary).toMatchObject({ exercises_total: 6, exercises_succeeded: 6, exercises_resumed: 2, applied: 0 });
    const previewed = (summary.changes_preview as string[]).map((line) => /^patch_fields exercises\/([^:]+):/.exec(line)?.[1]);
    expect(previewed.sort()).toEqual(exercises.map((e) => e.id).sort());
    expect(await snapshotCatalog(db)).toBe(before);
    expect((await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", jobId).get()).empty).toBe(true);
  });

  it("ends the LLM calls under way at the deadline instead of waiting for their answers", async () => {
    const exercises = Array.from({ length: 2 }, (_, i) => exerciseFixture(`Test Press ${i + 1} (Dumbbell)`, ["dumbbell"]));
    await seedCatalog(db, { exercises });
    // Each answer takes a minute: far past the deadline.
    const llm = new FakeLlmClient({ latencyMs: 60_000 });
    const engine = createEngine({ db, config: testConfig({ applyEnabled: true }), tasks: new RecordingTasks(), registry, llm });
    await engine.queue.createJob({
      type: "CATALOG_ENRICH_FIELD_SHARD",
      payload: { mode: "apply", parent_job_id: "parent-1", exercise_doc_ids: exercises.map((e) => e.id), enrichment_spec: SPEC },
      created_by: "test",
    });

    const started = Date.now();
    const [stopped] = await engine.runLane("maintenance", { maxJobs: 1, budgetMs: 10_000, stopRunsAfterMs: 300 });

    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stopped).toMatchObject({ status: "queued", error: { code: "RUN_DEADLINE" } });
  });
});
