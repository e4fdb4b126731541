import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { Timestamp } from "firebase-admin/firestore";
import { createEngine } from "../../src/create-engine";
import { ENRICH_CALL } from "../../src/enrichment/llm-calls";
import { EXERCISE_RESULTS } from "../../src/enrichment/shard-ledger";
import { registry } from "../../src/handlers";
import { CHILD_CHECK_INTERVAL_MS, childJobId as shardJobId } from "../../src/jobs/flows";
import { FINAL_STATUSES, type JobStatus } from "../../src/jobs/lifecycle";
import { dayKey } from "../../src/jobs/run-history";
import { FakeLlmClient, estimateCostUsd } from "../../src/llm/index";
import type { LlmClient, LlmRequest, LlmResult } from "../../src/llm/types";
import type { LocalRuntime } from "../../src/local/runtime";
import { archivedExerciseFixture, type ExerciseFixture, exerciseFixture, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { RecordingTasks, testConfig, useRuntime, waitFor } from "../helpers/runtime";

const db = useFirestore();
const startTestRuntime = useRuntime(db);

const SPEC = { spec_id: "content", spec_version: 1 };

function thinExercises(count: number, name = "Test Press", equipment = "dumbbell"): ExerciseFixture[] {
  return Array.from({ length: count }, (_, i) => exerciseFixture(`${name} ${String(i + 1).padStart(3, "0")} (Dumbbell)`, [equipment]));
}

const jobsCollection = () => db.collection(JOB_COLLECTIONS.jobs);
const jobData = async (id: string) => (await jobsCollection().doc(id).get()).data()!;
const shardsOf = async (parentId: string) => (await jobsCollection().where("parent_job_id", "==", parentId).get()).docs;

async function waitForFinal(id: string, timeoutMs = 90_000) {
  return waitFor(
    () => jobData(id),
    (job) => FINAL_STATUSES.includes(job.status as JobStatus),
    timeoutMs,
  );
}

/** The fake's answers, billed as a real model would be, so costs show up in the summaries. */
class PricedLlm implements LlmClient {
  readonly provider = "fake";
  constructor(readonly inner: FakeLlmClient) {}
  async generateJson<T>(req: LlmRequest<T>): Promise<LlmResult<T>> {
    const result = await this.inner.generateJson(req);
    const model = "gemini-2.5-flash";
    return {
      ...result,
      usage: { ...result.usage, model, estimated_cost_usd: estimateCostUsd(model, result.usage.input_tokens, result.usage.output_tokens) },
    };
  }
}

function startRuntime(llm: LlmClient, applyEnabled = true): Promise<LocalRuntime> {
  return startTestRuntime(registry, { llm, config: testConfig({ applyEnabled }) });
}

describeWithIsolation("CATALOG_ENRICH_FIELD through the real worker", () => {
  it("enriches 100 exercises in 5 shards created once, aggregates them, and a retried parent creates nothing new", async () => {
    const exercises = thinExercises(100);
    await seedCatalog(db, { exercises });
    const llm = new FakeLlmClient();
    const engine = (await startRuntime(llm)).engine;
    const { jobId } = await engine.queue.createJob({
      type: "CATALOG_ENRICH_FIELD",
      payload: { mode: "apply", enrichment_spec: SPEC },
      created_by: "test",
    });

    const parent = await waitForFinal(jobId);
    expect(parent.status).toBe("succeeded");
    const shards = await shardsOf(jobId);
    expect(shards.map((doc) => doc.id).sort()).toEqual([1, 2, 3, 4, 5].map((n) => shardJobId(jobId, n)).sort());
    expect(shards.every((doc) => doc.get("status") === "succeeded" && doc.get("created_by") === "system:CATALOG_ENRICH_FIELD")).toBe(true);
    expect(shards.map((doc) => doc.get("payload.exercise_doc_ids").length)).toEqual([20, 20, 20, 20, 20]);

    const enriched = llm.calls
      .filter((call) => call.task === ENRICH_CALL.task)
      .map((call) => (call.context?.exercise as { name_slug: string }).name_slug);
    expect(enriched).toHaveLength(100);
    expect(new Set(enriched).size).toBe(100);
    expect(parent.shards).toEqual({ total: 5, done: 5, succeeded: 5, failed: 0 });
    expect(parent.result_summary).toMatchObject({
      mode: "apply",
      shards_total: 5,
      shards_succeeded: 5,
      shards_failed: 0,
      exercises_total: 100,
      exercises_succeeded: 100,
      exercises_failed: 0,
      exercises_no_change: 0,
      exercises_skipped: 0,
      children_scanner_fail: 0,
      children_llm: { calls: 100 },
    });
    expect(parent.result_summary.children_llm.input_tokens).toBeGreaterThan(0);
    // The parent calls no model itself: its own llm is its children's.
    expect(parent.result_summary.llm).toEqual(parent.result_summary.children_llm);
    expect(parent.llm_usage).toMatchObject({ calls: 0 });

    // Every shard's own summary carries its LLM usage, and so do the run history and the day's totals.
    for (const shard of shards) expect(shard.get("result_summary.llm.calls")).toBe(20);
    const day = await engine.history.getDailySummary(dayKey(new Date()));
    expect(day.llm_calls).toBe(100);
    expect(day.llm_input_tokens).toBe(parent.result_summary.children_llm.input_tokens);

    // A parent retried from the start (its shards already exist) creates nothing and enriches nothing again.
    await jobsCollection().doc(jobId).update({ status: "queued", shards: null, run_after: Timestamp.now() });
    await engine.intake(jobId, "test");
    const rerun = await waitFor(
      () => jobData(jobId),
      (job) => job.status === "succeeded" && job.attempts > parent.attempts,
    );
    expect(rerun.result_summary).toMatchObject({ shards_total: 5, exercises_succeeded: 100 });
    expect((await jobsCollection().get()).size).toBe(6);
    expect(llm.calls.filter((call) => call.task === ENRICH_CALL.task)).toHaveLength(100);
  });

  it("previews a dry run end to end: succeeded_dry_run, catalog untouched, LLM cost counted", async () => {
    await seedCatalog(db, { exercises: thinExercises(5) });
    const engine = (await startRuntime(new PricedLlm(new FakeLlmClient()), false)).engine;
    const before = await snapshotCatalog(db);
    const { jobId } = await engine.queue.createJob({
      type: "CATALOG_ENRICH_FIELD",
      payload: { mode: "dry_run", enrichment_spec: SPEC, shard_size: 2 },
      created_by: "test",
    });
    const parent = await waitForFinal(jobId);
    expect(parent).toMatchObject({
      status: "succeeded_dry_run",
      result_summary: { shards_total: 3, exercises_succeeded: 5, children_llm: { calls: 5 } },
    });
    expect(await snapshotCatalog(db)).toBe(before);
    const cost = parent.result_summary.children_llm.estimated_cost_usd as number;
    expect(cost).toBeGreaterThan(0);
    const shardCosts = (await shardsOf(jobId)).map((doc) => doc.get("result_summary.llm.estimated_cost_usd") as number);
    expect(shardCosts).toHaveLength(3);
    expect(shardCosts.every((c) => c > 0)).toBe(true);
    const day = await engine.history.getDailySummary(dayKey(new Date()));
    expect(day).toMatchObject({ llm_calls: 5 });
    expect(day.llm_cost_usd).toBeCloseTo(cost, 6);
  });

  it("ends in needs_review SHARDS_UNANSWERED when a shard exhausts its attempts on LLM outages", async () => {
    const [good, ...unlucky] = thinExercises(3);
    await seedCatalog(db, { exercises: [good, ...unlucky] });
    const llm = new FakeLlmClient({
      script: [{ match: { task: ENRICH_CALL.task, promptIncludes: String(unlucky[0].name) }, respond: { error: "timeout" } }],
    });
    const engine = (await startRuntime(llm)).engine;
    const { jobId } = await engine.queue.createJob({
      type: "CATALOG_ENRICH_FIELD",
      payload: { mode: "apply", enrichment_spec: SPEC, exercise_doc_ids: [good.id, ...unlucky.map((e) => e.id)], shard_size: 1 },
      created_by: "test",
    });
    const parent = await waitForFinal(jobId);
    expect(parent).toMatchObject({
      status: "needs_review",
      error: {
        code: "SHARDS_UNANSWERED",
        message: expect.stringContaining("1 of 3 shard(s) did not succeed, 1 of them without an answer"),
        details: { shards: [{ shard_id: shardJobId(jobId, 2), status: "deadletter", code: "LLM_TIMEOUT" }] },
      },
      result_summary: { shards_total: 3, shards_succeeded: 2, shards_failed: 1, exercises_succeeded: 2, exercises_failed: 1 },
    });
    expect(parent.shards).toMatchObject({ done: 3, succeeded: 2, failed: 1 });
  });
});

describeWithIsolation("CATALOG_ENRICH_FIELD as a parent of shards (one lease at a time)", () => {
  /** The engine with wake-ups recorded, not dispatched: each test leases and runs the parent itself. */
  function testEngine(applyEnabled = true) {
    const tasks = new RecordingTasks();
    const engine = createEngine({ db, config: testConfig({ applyEnabled, shardSize: 2 }), tasks, registry, llm: new FakeLlmClient() });
    return { engine, tasks };
  }

  async function createParent(engine: ReturnType<typeof testEngine>["engine"], payload: Record<string, unknown>): Promise<string> {
    const { jobId } = await engine.queue.createJob({
      type: "CATALOG_ENRICH_FIELD",
      payload: { mode: "apply", enrichment_spec: SPEC, ...payload },
      created_by: "test",
    });
    return jobId;
  }

  /** Leases the parent (due now, whatever its `run_after`) and runs it through the worker. */
  async function runParent(engine: ReturnType<typeof testEngine>["engine"], jobId: string) {
    await jobsCollection().doc(jobId).update({ run_after: Timestamp.now() });
    const leased = await engine.queue.leaseById(jobId, "test-worker");
    if (!leased) throw new Error(`could not lease ${jobId}`);
    await engine.worker("test-worker").run(leased);
    return jobData(jobId);
  }

  it("fails EXERCISE_NOT_FOUND naming the missing ids and creates no shard", async () => {
    const [press] = thinExercises(1);
    await seedCatalog(db, { exercises: [press] });
    const { engine } = testEngine();
    const jobId = await createParent(engine, { exercise_doc_ids: [press.id, "no__such-press"] });
    expect(await runParent(engine, jobId)).toMatchObject({
      status: "failed",
      error: { code: "EXERCISE_NOT_FOUND", transient: false, details: { missing: ["no__such-press"] } },
    });
    expect(await shardsOf(jobId)).toEqual([]);
  });

  it("selects live exercises by filter, page by page, into deterministic shards, wakes them, and waits", async () => {
    const presses = thinExercises(5);
    const rows = thinExercises(2, "Test Row", "cable");
    const retired = archivedExerciseFixture("Old Press 1 (Dumbbell)", ["dumbbell"]);
    await seedCatalog(db, { exercises: [...presses, ...rows, retired] });
    const { engine, tasks } = testEngine();
    const jobId = await createParent(engine, { filter_criteria: { equipment: "Dumbbells" } });

    const waiting = await runParent(engine, jobId);
    expect(waiting).toMatchObject({
      status: "deferred",
      attempts: 0,
      error: { code: "WAITING_FOR_SHARDS" },
      result_summary: { shards_total: 3, shards_done: 0, shards_created: 3, shards_existing: 0 },
      shards: { total: 3, done: 0, succeeded: 0, failed: 0 },
    });
    expect(waiting.run_after.toMillis() - Date.now()).toBeGreaterThan(CHILD_CHECK_INTERVAL_MS - 5_000);
    const shards = await shardsOf(jobId);
    expect(shards.map((doc) => [doc.id, doc.get("payload.exercise_doc_ids")])).toEqual([
      [shardJobId(jobId, 1), [presses[0].id, presses[1].id]],
      [shardJobId(jobId, 2), [presses[2].id, presses[3].id]],
      [shardJobId(jobId, 3), [presses[4].id]],
    ]);
    expect(shards[0].data()).toMatchObject({
      type: "CATALOG_ENRICH_FIELD_SHARD",
      queue: "maintenance",
      priority: 100,
      parent_job_id: jobId,
      payload: { mode: "apply", parent_job_id: jobId, enrichment_spec: SPEC },
    });
    // Each new shard's lane was woken; the parent asked to be woken at its next check.
    expect(tasks.tasks.map((task) => task.jobId)).toEqual([shardJobId(jobId, 1), shardJobId(jobId, 2), shardJobId(jobId, 3), jobId]);

    // Leased again before the shards finished: it checks, creates nothing, and waits again.
    expect(await runParent(engine, jobId)).toMatchObject({ status: "deferred", error: { code: "WAITING_FOR_SHARDS" } });
    expect(await shardsOf(jobId)).toHaveLength(3);
  });

  it("creates no shard twice when retried after creating them but before recording their total", async () => {
    await seedCatalog(db, { exercises: thinExercises(4) });
    const { engine } = testEngine();
    const jobId = await createParent(engine, {});
    await runParent(engine, jobId);
    await jobsCollection().doc(jobId).update({ shards: null });
    // The shards it made are passed over, not asked for again one by one.
    const createJob = jest.spyOn(engine.queue, "createJob");
    expect(await runParent(engine, jobId)).toMatchObject({
      status: "deferred",
      result_summary: { shards_total: 2, shards_created: 0, shards_existing: 2 },
    });
    expect(createJob).not.toHaveBeenCalled();
    expect(await shardsOf(jobId)).toHaveLength(2);
  });

  /** Runs the parent once with its worker crashing as it creates shard `n`: shards 1..n-1 exist, no total is recorded. */
  async function runParentCrashingAtShard(engine: ReturnType<typeof testEngine>["engine"], jobId: string, n: number) {
    const createJob = engine.queue.createJob.bind(engine.queue);
    const crashing = jest.spyOn(engine.queue, "createJob").mockImplementation(async (input) => {
      if (input.id === shardJobId(jobId, n)) throw new Error("worker crashed");
      return createJob(input);
    });
    try {
      expect(await runParent(engine, jobId)).toMatchObject({ status: "queued", shards: null });
    } finally {
      crashing.mockRestore();
    }
    expect((await shardsOf(jobId)).map((doc) => doc.id).sort()).toEqual(
      Array.from({ length: n - 1 }, (_, i) => shardJobId(jobId, i + 1)).sort(),
    );
  }

  const shardedIds = async (jobId: string) => (await shardsOf(jobId)).flatMap((doc) => doc.get("payload.exercise_doc_ids") as string[]);
  const archive = (exercise: ExerciseFixture) =>
    db.collection(CATALOG_COLLECTIONS.exercises).doc(exercise.id).update({ status: "deprecated", deprecated_at: new Date() });

  it("a filtered parent retried after crashes mid-creation loses no exercise archived meanwhile", async () => {
    const presses = thinExercises(6);
    await seedCatalog(db, { exercises: presses });
    const { engine } = testEngine();
    const jobId = await createParent(engine, { filter_criteria: { equipment: "dumbbell" } });

    // Shard 1 took presses 1 and 2; press 2 is archived before the retry selects again, which crashes in turn.
    await runParentCrashingAtShard(engine, jobId, 2);
    await archive(presses[1]);
    await runParentCrashingAtShard(engine, jobId, 3);
    // Shard 2 took presses 3 and 4; press 4 is archived before the last retry.
    await archive(presses[3]);
    const parent = await runParent(engine, jobId);
    // The shards keep their slices (their workers skip the archived presses); every press is in exactly one shard.
    expect((await shardedIds(jobId)).sort()).toEqual(presses.map((press) => press.id).sort());
    expect(parent).toMatchObject({ status: "deferred", result_summary: { shards_total: 3, shards_created: 1, shards_existing: 2 } });
  });

  it("a filtered parent retried after a crash mid-creation shards no exercise twice when one was added meanwhile", async () => {
    const presses = thinExercises(5).slice(1);
    await seedCatalog(db, { exercises: presses });
    const { engine } = testEngine();
    const jobId = await createParent(engine, { filter_criteria: { equipment: "dumbbell" } });
    await runParentCrashingAtShard(engine, jobId, 2);

    // One press sorts before shard 1's slice (presses 2 and 3), one after everything selected so far.
    const [before, after] = [thinExercises(1)[0], exerciseFixture("Test Press 006 (Dumbbell)", ["dumbbell"])];
    await seedCatalog(db, { exercises: [before, after] });
    expect(await runParent(engine, jobId)).toMatchObject({ status: "deferred", result_summary: { shards_existing: 1 } });
    // The one before the boundary is left out, as one added after the job ran would be.
    expect((await shardedIds(jobId)).sort()).toEqual([...presses, after].map((press) => press.id).sort());
  });

  it("a parent of named ids retried after a crash mid-creation goes on with its ids: one deleted meanwhile, a shard size changed", async () => {
    const presses = thinExercises(6);
    await seedCatalog(db, { exercises: presses });
    const { engine } = testEngine();
    const ids = presses.map((press) => press.id).reverse();
    const jobId = await createParent(engine, { exercise_doc_ids: ids });
    await runParentCrashingAtShard(engine, jobId, 2);

    // Shard 1 took the first two ids; one of them and one not yet sharded are deleted, and the shard size grows.
    await Promise.all([ids[0], ids[3]].map((id) => db.collection(CATALOG_COLLECTIONS.exercises).doc(id).delete()));
    const resized = createEngine({
      db,
      config: testConfig({ applyEnabled: true, shardSize: 3 }),
      tasks: new RecordingTasks(),
      registry,
      llm: new FakeLlmClient(),
    });
    expect(await runParent(resized, jobId)).toMatchObject({
      status: "deferred",
      result_summary: { shards_total: 3, shards_created: 2, shards_existing: 1 },
    });
    // Each named id is in exactly one shard, in the order named (the shards' workers report the deleted ones).
    const slices = new Map((await shardsOf(jobId)).map((doc) => [doc.id, doc.get("payload.exercise_doc_ids") as string[]]));
    expect([1, 2, 3].map((n) => slices.get(shardJobId(jobId, n)))).toEqual([ids.slice(0, 2), ids.slice(2, 5), ids.slice(5)]);
    expect(slices.size).toBe(3);
  });

  /** Runs shard `n` of `jobId` to its end through the worker. */
  async function runShard(engine: ReturnType<typeof testEngine>["engine"], jobId: string, n: number) {
    const leased = await engine.queue.leaseById(shardJobId(jobId, n), "shard-worker");
    if (!leased) throw new Error(`could not lease shard ${n} of ${jobId}`);
    return engine.worker("shard-worker").run(leased);
  }

  /** Leases the parent only if it is due, as a worker would, and runs it. */
  async function runParentIfDue(engine: ReturnType<typeof testEngine>["engine"], jobId: string) {
    const leased = await engine.queue.leaseById(jobId, "test-worker");
    if (!leased) throw new Error(`${jobId} is not due`);
    await engine.worker("test-worker").run(leased);
    return jobData(jobId);
  }

  it("an operator's cancel once every shard succeeded is only asked: the parent, woken, succeeds with the shards' aggregate", async () => {
    await seedCatalog(db, { exercises: thinExercises(4) });
    const { engine, tasks } = testEngine();
    const jobId = await createParent(engine, {});
    await runParent(engine, jobId);
    for (const n of [1, 2]) expect(await runShard(engine, jobId, n)).toMatchObject({ status: "succeeded" });
    tasks.tasks.length = 0;

    expect(await engine.cancel(jobId)).toEqual({
      status: "deferred",
      cancelRequested: true,
      alreadyRequested: false,
      alreadyEnded: false,
      childrenCancelled: 0,
    });
    expect(tasks.tasks).toEqual([expect.objectContaining({ jobId, reason: "children-done" })]);
    expect(await runParentIfDue(engine, jobId)).toMatchObject({
      status: "succeeded",
      shards: { total: 2, done: 2, succeeded: 2, failed: 0 },
      result_summary: { shards_total: 2, shards_succeeded: 2, exercises_total: 4, exercises_failed: 0, cancel_requested: true },
    });
  });

  it("an operator's cancel with a shard waiting cancels it, and the parent, woken, ends cancelled with what its shards did", async () => {
    await seedCatalog(db, { exercises: thinExercises(4) });
    const { engine } = testEngine();
    const jobId = await createParent(engine, {});
    await runParent(engine, jobId);
    expect(await runShard(engine, jobId, 1)).toMatchObject({ status: "succeeded" });

    expect(await engine.cancel(jobId)).toEqual({
      status: "deferred",
      cancelRequested: true,
      alreadyRequested: false,
      alreadyEnded: false,
      childrenCancelled: 1,
    });
    expect(await runParentIfDue(engine, jobId)).toMatchObject({
      status: "cancelled",
      result_summary: {
        shards_total: 2,
        shards_succeeded: 1,
        shards_by_status: { succeeded: 1, cancelled: 1 },
        exercises_total: 4,
        exercises_succeeded: 2,
        exercises_failed: 2,
      },
    });
    expect(await jobData(shardJobId(jobId, 2))).toMatchObject({ status: "cancelled", attempts: 0 });
  });

  it("an operator's cancel with a shard still stopping leaves the parent waiting; its next check settles it over every shard", async () => {
    await seedCatalog(db, { exercises: thinExercises(4) });
    const { engine } = testEngine();
    const jobId = await createParent(engine, {});
    await runParent(engine, jobId);
    const running = (await engine.queue.leaseById(shardJobId(jobId, 1), "shard-worker"))!;

    expect(await engine.cancel(jobId)).toEqual({
      status: "deferred",
      cancelRequested: true,
      alreadyRequested: false,
      alreadyEnded: false,
      childrenCancelled: 2,
    });
    const waiting = await jobData(jobId);
    expect(waiting).toMatchObject({ status: "deferred", cancel_requested: true });
    expect(waiting.run_after.toMillis()).toBeGreaterThan(Date.now());
    // The running shard ends (at its next safe point, or done before it saw the cancel); the parent's next check counts both.
    const { status: ended } = await engine.worker("shard-worker").run(running);
    const settled = await runParent(engine, jobId);
    expect(settled).toMatchObject({ status: "cancelled", result_summary: { shards_total: 2, exercises_total: 4 } });
    expect(settled.result_summary.shards_by_status).toEqual(ended === "cancelled" ? { cancelled: 2 } : { [ended]: 1, cancelled: 1 });
  });

  it("succeeds at once with zero counts when nothing matches", async () => {
    await seedCatalog(db, { exercises: thinExercises(2) });
    const { engine } = testEngine();
    const jobId = await createParent(engine, { filter_criteria: { family_slug: "no_such_family" } });
    expect(await runParent(engine, jobId)).toMatchObject({
      status: "succeeded",
      shards: { total: 0, done: 0 },
      result_summary: { shards_total: 0, shards_succeeded: 0, shards_failed: 0, exercises_total: 0, exercises_succeeded: 0 },
    });
    expect(await shardsOf(jobId)).toEqual([]);
  });

  it("refuses apply mode while apply is disabled", async () => {
    const { engine } = testEngine(false);
    const jobId = await createParent(engine, { exercise_doc_ids: ["a"] });
    expect(await runParent(engine, jobId)).toMatchObject({ status: "needs_review", error: { code: "APPLY_DISABLED" } });
    expect(await shardsOf(jobId)).toEqual([]);
  });

  it("counts what a shard the watchdog ended (its worker died, no counts left) applied, from the shard's ledger", async () => {
    const presses = thinExercises(3);
    await seedCatalog(db, { exercises: presses });
    const { engine } = testEngine();
    const jobId = await createParent(engine, {});
    await runParent(engine, jobId);
    const [first, second] = await shardsOf(jobId);
    // The first shard's worker applied and recorded both its exercises, then died before its final write.
    for (const press of presses.slice(0, 2)) {
      await first.ref
        .collection(EXERCISE_RESULTS)
        .doc(press.id)
        .set({ exercise_id: press.id, outcome: "succeeded", detail: "applied", paths: ["description"], dropped: 0, scanner_passed: true });
    }
    await first.ref.update({ status: "deadletter", error: { code: "LEASE_EXPIRED", message: "lease expired", transient: true } });
    await second.ref.update({ status: "succeeded", result_summary: { exercises_total: 1, exercises_no_change: 1 } });

    await engine.runWatchdog();
    await engine.runLane("maintenance");
    expect(await jobData(jobId)).toMatchObject({
      status: "needs_review",
      error: { code: "SHARDS_UNANSWERED" },
      result_summary: { exercises_total: 3, exercises_succeeded: 2, exercises_no_change: 1, exercises_failed: 0 },
    });
  });

  it("ends SHARDS_FAILED when every shard that did not succeed was handed to a person, SHARDS_UNANSWERED when one answered nothing", async () => {
    await seedCatalog(db, { exercises: thinExercises(4) });
    const { engine } = testEngine();
    const handedToPerson = {
      status: "needs_review",
      error: { code: "EXERCISES_FAILED", message: "1 exercise failed", transient: false },
      result_summary: { exercises_total: 2, exercises_succeeded: 1, exercises_failed: 1 },
    };
    /** A new parent, finished over its first shard handed to a person and its second ended as `second`. */
    const parentEndingWith = async (second: Record<string, unknown>) => {
      const jobId = await createParent(engine, {});
      await runParent(engine, jobId);
      await jobsCollection().doc(shardJobId(jobId, 1)).update(handedToPerson);
      await jobsCollection().doc(shardJobId(jobId, 2)).update(second);
      return runParent(engine, jobId);
    };

    expect(await parentEndingWith(handedToPerson)).toMatchObject({
      status: "needs_review",
      error: { code: "SHARDS_FAILED", message: "2 of 2 shard(s) did not succeed" },
    });
    // A shard that found applying switched off did nothing: the parent, though another shard was handed to a person, answered nothing.
    const applyDisabled = { status: "needs_review", error: { code: "APPLY_DISABLED", message: "apply disabled", transient: false } };
    expect(await parentEndingWith(applyDisabled)).toMatchObject({
      status: "needs_review",
      error: {
        code: "SHARDS_UNANSWERED",
        details: { shards: [expect.objectContaining({ code: "EXERCISES_FAILED" }), expect.objectContaining({ code: "APPLY_DISABLED" })] },
      },
    });
  });

  it("is woken by the watchdog when its shards finished without telling it, and then completes", async () => {
    await seedCatalog(db, { exercises: thinExercises(3) });
    const { engine, tasks } = testEngine();
    const jobId = await createParent(engine, {});
    await runParent(engine, jobId);
    // The shards end without being counted (as when the watchdog deadletters an expired lease).
    const [first, second] = await shardsOf(jobId);
    await first.ref.update({
      status: "succeeded",
      result_summary: { exercises_total: 2, exercises_succeeded: 2, llm: { calls: 2, input_tokens: 10, output_tokens: 5 } },
      llm_usage: { calls: 2, input_tokens: 10, output_tokens: 5, estimated_cost_usd: 0 },
    });
    // Its failed attempts were billed too: a failed shard has no result summary, only its usage.
    await second.ref.update({
      status: "deadletter",
      error: { code: "LLM_TIMEOUT", message: "m", transient: true, details: { partial: { exercises_total: 1, exercises_failed: 0 } } },
      llm_usage: { calls: 3, input_tokens: 6, output_tokens: 0, estimated_cost_usd: 0 },
    });

    tasks.tasks.length = 0;
    const report = await engine.runWatchdog();
    expect(report.parents_woken).toBe(1);
    expect(tasks.tasks).toEqual([expect.objectContaining({ jobId, reason: "children-done" })]);

    await engine.runLane("maintenance");
    expect(await jobData(jobId)).toMatchObject({
      status: "needs_review",
      error: { code: "SHARDS_UNANSWERED" },
      shards: { total: 2, done: 2, succeeded: 1, failed: 1 },
      result_summary: { exercises_total: 3, exercises_succeeded: 2, exercises_failed: 1, children_llm: { calls: 5, input_tokens: 16 } },
    });
  });
});
