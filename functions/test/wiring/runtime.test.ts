import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { Query, Timestamp } from "firebase-admin/firestore";
import { LockManager } from "../../src/jobs/locks";
import { JobFailure, withPartial } from "../../src/jobs/errors";
import { handleLaneTask } from "../../src/adapters/lane-task";
import type { CatalogHandler } from "../../src/handlers/support/catalog-handler";
import { type LocalRuntime } from "../../src/local/runtime";
import { describeWithFullEmulator, describeWithIsolation, newFirestore, useFirestore } from "../helpers/firestore";
import { runSummaryDoc } from "../helpers/runs";
import { registryWith } from "../helpers/registry";
import { RecordingTasks, movableClock, steadyClock, testConfig, testRuntime, waitFor } from "../helpers/runtime";
import { createEngine, type Engine } from "../../src/create-engine";
import { submitJob } from "../../src/jobs/intake";
import { WAKEUP_LIMITS, type WakeupTask, wakeupPayload } from "../../src/jobs/task-queue";
import type { DrainLimits } from "../../src/jobs/worker";

const db = useFirestore();
let runtime: LocalRuntime | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

/** A FAMILY_AUDIT handler that records each execution and finishes as a dry run. */
function countingAudit(runs: string[], body?: () => Promise<void>, extra: Partial<CatalogHandler> = {}) {
  return registryWith({
    FAMILY_AUDIT: {
      async run({ job }) {
        runs.push(job.id);
        await body?.();
        return { kind: "completed", status: job.payload.mode === "apply" ? "succeeded" : "succeeded_dry_run", summary: { findings: 0 } };
      },
      ...extra,
    },
  });
}

const clientJob = (extra: Record<string, unknown> = {}) => ({
  type: "FAMILY_AUDIT",
  payload: { family_slug: "bench_press" },
  status: "queued",
  created_at: Timestamp.now(),
  ...extra,
});

const statusOf = async (id: string) => (await db.collection(JOB_COLLECTIONS.jobs).doc(id).get()).data();

describe("client document → trigger → task → execute", () => {
  it("keeps the created_by a client wrote (the rules check it) as the creator, as the Functions emulator does", async () => {
    runtime = testRuntime(db, countingAudit([]));
    await runtime.start();
    const ref = await db.collection(JOB_COLLECTIONS.jobs).add(clientJob({ created_by: "uid-alice" }));
    const doc = await waitFor(
      () => statusOf(ref.id),
      (d) => d?.status === "succeeded_dry_run",
    );
    expect(doc).toMatchObject({ status: "succeeded_dry_run", created_by: "uid-alice" });
  });

  it("runs a client-written job to succeeded_dry_run and normalises it", async () => {
    const runs: string[] = [];
    runtime = testRuntime(db, countingAudit(runs));
    await runtime.start();
    const ref = await db.collection(JOB_COLLECTIONS.jobs).add(clientJob({ priority: 7 }));
    const doc = await waitFor(
      () => statusOf(ref.id),
      (d) => d?.status === "succeeded_dry_run",
    );
    expect(doc).toMatchObject({
      status: "succeeded_dry_run",
      queue: "priority",
      priority: 7,
      attempts: 1,
      lease_epoch: 1,
      created_by: "local-client",
      result_summary: { findings: 0 },
    });
    expect(runs).toEqual([ref.id]);
    await runtime.idle(); // the attempt log and run history are written after the status
    const attempt = await ref.collection(JOB_COLLECTIONS.attempts).doc("1").get();
    expect(attempt.data()).toMatchObject({ status: "succeeded_dry_run", attempt: 1, lease_epoch: 1 });
    const history = await runSummaryDoc(db, ref.id, 1);
    expect(history.data()).toMatchObject({ type: "FAMILY_AUDIT", job_status: "succeeded_dry_run", mode: "dry_run" });
  });

  it("opens its intake listener again after it failed, and takes in the jobs written meanwhile", async () => {
    const runs: string[] = [];
    const errors: string[] = [];
    // The listener's end as the client reports one it gives up on: its error callback, after which it delivers nothing.
    let failListener: ((err: Error) => void) | undefined;
    const onSnapshot = Object.getOwnPropertyDescriptor(Query.prototype, "onSnapshot")!.value as (
      this: Query,
      ...args: Parameters<Query["onSnapshot"]>
    ) => () => void;
    jest.spyOn(Query.prototype, "onSnapshot").mockImplementationOnce(function (this: Query, onNext, onError) {
      const unsubscribe = onSnapshot.call(this, onNext, onError);
      failListener = (err) => {
        unsubscribe();
        onError?.(err);
      };
      return unsubscribe;
    });
    runtime = testRuntime(db, countingAudit(runs), { onError: (_err, where) => errors.push(where) });
    await runtime.start();
    const before = await db.collection(JOB_COLLECTIONS.jobs).add(clientJob());
    await waitFor(
      () => statusOf(before.id),
      (d) => d?.status === "succeeded_dry_run",
    );
    failListener!(new Error("injected: the listen stream ended for good"));
    const during = await db.collection(JOB_COLLECTIONS.jobs).add(clientJob());
    const doc = await waitFor(
      () => statusOf(during.id),
      (d) => d?.status === "succeeded_dry_run",
    );
    expect(doc?.status).toBe("succeeded_dry_run");
    expect(errors).toEqual(["listener"]);
    expect(runs).toEqual([before.id, during.id]);
  });

  it.each([
    ["an unknown type", { type: "NOT_A_TYPE" }, "type"],
    ["a payload that fails its schema", { payload: { family_slug: 42 } }, "payload.family_slug"],
    ["a negative priority", { priority: -5 }, "priority"],
    ["an unknown lane", { queue: "express" }, "queue"],
  ])("fails %s with INVALID_JOB, never retried", async (_name, override, path) => {
    const runs: string[] = [];
    runtime = testRuntime(db, countingAudit(runs));
    await runtime.start();
    const ref = await db.collection(JOB_COLLECTIONS.jobs).add(clientJob(override));
    const doc = await waitFor(
      () => statusOf(ref.id),
      (d) => d?.status === "failed",
    );
    expect(doc?.error).toMatchObject({ code: "INVALID_JOB", transient: false });
    expect((doc?.error.details as { path: string }[]).map((i) => i.path)).toContain(path);
    await runtime.idle();
    expect(runs).toEqual([]);
    expect(runtime.tasks.accepted).toEqual([]);
  });

  it("fails a second open job with the same dedup key as DUPLICATE_JOB", async () => {
    const runs: string[] = [];
    runtime = testRuntime(
      db,
      countingAudit(runs, () => new Promise((r) => setTimeout(r, 300))),
    );
    const first = await db.collection(JOB_COLLECTIONS.jobs).add(clientJob({ dedup_key: "audit:bench_press" }));
    await runtime.engine.intake(first.id, "u1");
    const second = await db.collection(JOB_COLLECTIONS.jobs).add(clientJob({ dedup_key: "audit:bench_press" }));
    expect(await runtime.engine.intake(second.id, "u1")).toEqual({
      outcome: "duplicate",
      openJobId: first.id,
      dedupKey: "audit:bench_press",
    });
    expect((await statusOf(second.id))?.error).toMatchObject({ code: "DUPLICATE_JOB", details: { open_job_id: first.id } });
  });

  it("a job type this engine does not run is refused at intake", async () => {
    runtime = testRuntime(db, registryWith({}));
    await runtime.start();
    const ref = await db.collection(JOB_COLLECTIONS.jobs).add(clientJob());
    const doc = await waitFor(
      () => statusOf(ref.id),
      (d) => d?.status === "failed",
    );
    expect(doc?.error).toMatchObject({
      code: "INVALID_JOB",
      transient: false,
      details: [{ path: "type", message: expect.stringMatching(/^unknown job type ".*"; job types: /) as unknown }],
    });
  });

  it("runs a lane's tasks as many at once as the deployed queue's param allows (PRIORITY_LANE_MAX_CONCURRENT)", async () => {
    expect(testRuntime(db, registryWith({})).maxConcurrent).toEqual({ priority: 10, maintenance: 4 });
    let running = 0;
    let most = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const runs: string[] = [];
    const config = testConfig({}, { PRIORITY_LANE_MAX_CONCURRENT: "3", MAINTENANCE_LANE_MAX_CONCURRENT: "1" });
    runtime = testRuntime(
      db,
      countingAudit(runs, async () => {
        most = Math.max(most, ++running);
        await released;
        running--;
      }),
      { config },
    );
    expect(runtime.maxConcurrent).toEqual({ priority: 3, maintenance: 1 });
    await runtime.start();
    await Promise.all(Array.from({ length: 6 }, () => db.collection(JOB_COLLECTIONS.jobs).add(clientJob())));
    await waitFor(
      () => Promise.resolve(running),
      (n) => n === 3,
    );
    // Time for a fourth task to start, were the limit not kept.
    await new Promise((resolve) => setTimeout(resolve, 500));
    release();
    await waitFor(
      () => Promise.resolve(runs.length),
      (n) => n === 6,
    );
    expect(runs).toHaveLength(6);
    expect(most).toBe(3);
  });
});

describe("starting the local engine again", () => {
  it("wakes a job deferred before it stopped, whose wake-up was a timer of the process that stopped", async () => {
    const runs: string[] = [];
    const engine = createEngine({ db, config: testConfig(), tasks: new RecordingTasks(), registry: countingAudit(runs) });
    const { jobId } = await engine.queue.createJob({
      type: "FAMILY_AUDIT",
      payload: { mode: "dry_run", family_slug: "bench_press" },
      created_by: "test",
    });
    // As a held lock's retry leaves it: deferred, due now.
    await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).update({ status: "deferred", run_after: Timestamp.now() });
    runtime = testRuntime(db, countingAudit(runs));
    await runtime.start();
    await waitFor(
      async () => (await statusOf(jobId))?.status,
      (status) => status === "succeeded_dry_run",
    );
    expect(runs).toEqual([jobId]);
  });
});

describe("stopping the local engine", () => {
  it("leases nothing more, and stops a running job at its next safe point to be retried, with its attempt written", async () => {
    const runs: string[] = [];
    const config = testConfig({}, { PRIORITY_LANE_MAX_CONCURRENT: "1" });
    // A handler that runs until its job is asked to stop, as a long LLM call does.
    const waitsForStop = countingAudit(runs, undefined, {
      async run({ job, ctx }) {
        runs.push(job.id);
        await new Promise((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason as Error)));
        throw new Error("unreachable");
      },
    });
    runtime = testRuntime(db, waitsForStop, { config });
    await runtime.start();
    const [first, second] = await Promise.all([
      db.collection(JOB_COLLECTIONS.jobs).add(clientJob()),
      db.collection(JOB_COLLECTIONS.jobs).add(clientJob()),
    ]);
    await waitFor(
      () => Promise.resolve(runs.length),
      (n) => n === 1,
    );
    const started = Date.now();
    await runtime.stop();
    runtime = undefined;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(runs).toHaveLength(1);
    const [ran, waited] = runs[0] === first.id ? [first.id, second.id] : [second.id, first.id];
    // Queued again for the next start, its attempt given back: a job on its last attempt is not deadlettered by a Ctrl-C.
    expect(await statusOf(ran)).toMatchObject({ status: "queued", attempts: 0, error: { code: "PROCESS_STOPPING", transient: true } });
    expect(((await statusOf(ran))!.run_after as Timestamp).toMillis()).toBeLessThanOrEqual(Date.now());
    const attempt = await db.collection(JOB_COLLECTIONS.jobs).doc(ran).collection(JOB_COLLECTIONS.attempts).doc("1").get();
    expect(attempt.get("error")).toMatchObject({ code: "PROCESS_STOPPING" });
    expect(await statusOf(waited)).toMatchObject({ status: "queued", attempts: 0 });
  });

  it("a lane task of a stopping process leases nothing", async () => {
    const engine = createEngine({ db, config: testConfig(), tasks: new RecordingTasks(), registry: countingAudit([]) });
    const { jobId } = await engine.queue.createJob({
      type: "FAMILY_AUDIT",
      payload: { mode: "dry_run", family_slug: "bench_press" },
      created_by: "test",
    });
    const stopping = AbortSignal.abort();
    expect(await engine.runLane("priority", { ...WAKEUP_LIMITS, stopping })).toEqual([]);
    expect(await statusOf(jobId)).toMatchObject({ status: "queued", attempts: 0 });
    expect(await engine.runLane("priority", WAKEUP_LIMITS)).toHaveLength(1);
  });
});

describeWithFullEmulator("retries (merge writes of the attempt log)", () => {
  it("a handler that throws is retried after a backoff and then succeeds", async () => {
    let calls = 0;
    const registry = registryWith({
      FAMILY_AUDIT: {
        async run() {
          calls++;
          if (calls === 1) throw JobFailure.transient("LLM_RATE_LIMITED", "429 from the model");
          return { kind: "completed", status: "succeeded_dry_run", summary: {} };
        },
      },
    });
    runtime = testRuntime(db, registry);
    await runtime.start();
    const ref = await db.collection(JOB_COLLECTIONS.jobs).add(clientJob());
    const doc = await waitFor(
      () => statusOf(ref.id),
      (d) => d?.status === "succeeded_dry_run",
    );
    expect(doc).toMatchObject({ attempts: 2, lease_epoch: 2 });
    expect(calls).toBe(2);
    const first = await ref.collection(JOB_COLLECTIONS.attempts).doc("1").get();
    expect(first.data()).toMatchObject({ status: "queued", error: { code: "LLM_RATE_LIMITED" } });
  });
});

describe("programming errors", () => {
  it("a handler that throws a TypeError fails at once with HANDLER_ERROR and the stack in the attempt log, not in the job its creator reads", async () => {
    let calls = 0;
    const registry = registryWith({
      FAMILY_AUDIT: {
        run() {
          calls++;
          const missing = undefined as unknown as { family: string };
          return Promise.resolve({ kind: "completed", status: "succeeded", summary: { family: missing.family } });
        },
      },
    });
    runtime = testRuntime(db, registry);
    const { jobId } = await runtime.engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "a" }, created_by: "t" });
    await runtime.engine.runLane("priority");
    const job = (await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get()).data();
    expect(job).toMatchObject({ status: "failed", attempts: 1, error: { code: "HANDLER_ERROR", transient: false } });
    expect(calls).toBe(1);
    const attempt = await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).collection(JOB_COLLECTIONS.attempts).doc("1").get();
    expect(attempt.get("error.details.stack")).toContain("TypeError");
    // The server's code paths stay with the curators' records.
    expect(job?.error).toMatchObject({ details: { error: "TypeError" } });
    expect(JSON.stringify(job?.error)).not.toContain("at ");
  });
});

describeWithFullEmulator("run history of a finished attempt (field transforms of the daily counters)", () => {
  it("records the handler's change count, preview and scanner failures", async () => {
    const registry = registryWith({
      FAMILY_AUDIT: {
        run: async () => ({
          kind: "completed",
          status: "succeeded",
          summary: { applied: 2, changes_preview: ["rename_exercise a", "upsert_alias b"], scanner_fail: 1 },
        }),
      },
    });
    runtime = testRuntime(db, registry);
    const { jobId } = await runtime.engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "a" }, created_by: "t" });
    await runtime.engine.runLane("priority");
    const history = await runSummaryDoc(db, jobId, 1);
    expect(history.data()).toMatchObject({
      changes_count: 2,
      changes_preview: ["rename_exercise a", "upsert_alias b"],
      scanner_fail: 1,
      job_status: "succeeded",
    });
  });
});

describe("faults at the task boundary", () => {
  it("a task for a job that no longer exists runs nothing and does not throw", async () => {
    runtime = testRuntime(db, countingAudit([]));
    await expect(handleLaneTask(runtime.engine, "priority", { lane: "priority", job_id: "gone", attempt: 0, epoch: 0 })).resolves.toEqual(
      [],
    );
  });

  it("a lane task that throws is tried as many times as TASK_MAX_ATTEMPTS says, as Cloud Tasks would", async () => {
    const errors: string[] = [];
    runtime = testRuntime(db, countingAudit([]), {
      config: testConfig({}, { TASK_MAX_ATTEMPTS: "2" }),
      onError: (_err, where) => errors.push(where),
    });
    const polls = jest.spyOn(runtime.engine.queue, "pollCandidates").mockRejectedValue(new Error("emulator unavailable"));
    await runtime.tasks.enqueueWakeup({ lane: "priority", jobId: "j", attempt: 0, epoch: 0, runAfter: new Date() });
    await runtime.idle();
    expect(polls).toHaveBeenCalledTimes(2);
    expect(errors).toEqual(["task", "task"]);
  });

  it("a malformed task is dropped without retries", async () => {
    runtime = testRuntime(db, countingAudit([]));
    await expect(handleLaneTask(runtime.engine, "priority", { hello: "world" })).resolves.toEqual([]);
  });

  it("a task arriving before run_after runs nothing and asks for a wake-up at run_after, without reading the job", async () => {
    const runs: string[] = [];
    runtime = testRuntime(db, countingAudit(runs));
    const runAfter = new Date(Date.now() + 60_000);
    const { jobId } = await runtime.engine.queue.createJob({
      type: "FAMILY_AUDIT",
      payload: { family_slug: "a" },
      created_by: "t",
      run_after: runAfter,
    });
    const reads = jest.spyOn(runtime.engine.queue, "getJob");
    const polls = jest.spyOn(runtime.engine.queue, "pollCandidates");
    const task = { lane: "priority", job_id: jobId, attempt: 0, epoch: 0, run_after: runAfter.getTime() };
    await handleLaneTask(runtime.engine, "priority", task);
    expect(runs).toEqual([]);
    expect(reads).not.toHaveBeenCalled();
    expect(polls).not.toHaveBeenCalled();
    expect(runtime.tasks.accepted).toEqual([expect.stringMatching(new RegExp(`^[0-9a-f]{8}-${jobId}-0-0-at${runAfter.getTime()}-1$`))]);
    expect(runtime.tasks.scheduledCount).toBe(1);
    expect((await statusOf(jobId))?.status).toBe("queued");
  });
});

describe("wake-ups a lane task answers without reading", () => {
  /** An engine whose wake-ups are recorded, not dispatched: the test delivers them. */
  function recordingEngine(runs: string[]) {
    const tasks = new RecordingTasks();
    return { engine: createEngine({ db, config: testConfig(), tasks, registry: countingAudit(runs), now: steadyClock() }), tasks };
  }
  /** Creates jobs one after another (on the engine's steady clock: in age order), each with its wake-up, as producers do. */
  async function createAudits(engine: Engine, tasks: RecordingTasks, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const { jobId } = await submitJob(engine.queue, tasks, { type: "FAMILY_AUDIT", payload: { family_slug: "a" }, created_by: "t" });
      ids.push(jobId);
    }
    return ids;
  }
  const wakeupOf = (task: WakeupTask) => wakeupPayload(task);
  /** The jobs a lane task of the priority lane ran, in order. */
  const ranBy = async (engine: Engine, wakeup: unknown, limits?: DrainLimits) =>
    (await handleLaneTask(engine, "priority", wakeup, limits)).map((report) => report.jobId);

  it("a wake-up runs its job and stops: no poll to find the lane empty", async () => {
    const runs: string[] = [];
    const { engine, tasks } = recordingEngine(runs);
    const [only] = await createAudits(engine, tasks, 1);
    const polls = jest.spyOn(engine.queue, "pollCandidates");
    expect(await ranBy(engine, wakeupOf(tasks.tasks[0]))).toEqual([only]);
    expect(polls).toHaveBeenCalledTimes(1);
    expect(runs).toEqual([only]);
  });

  it("a wake-up whose job another process took stops after the first poll that no longer finds it", async () => {
    const runs: string[] = [];
    const { engine, tasks } = recordingEngine(runs);
    const [taken, behind] = await createAudits(engine, tasks, 2);
    const elsewhere = createEngine({ db, config: testConfig(), tasks: new RecordingTasks(), registry: countingAudit([]) });
    expect(await elsewhere.queue.leaseById(taken, "another-process")).not.toBeNull();
    const polls = jest.spyOn(engine.queue, "pollCandidates");
    // The poll returns every ready job of the lane, without the named one: the task runs what it leased and stops.
    expect(await ranBy(engine, wakeupOf(tasks.tasks[0]))).toEqual([behind]);
    expect(polls).toHaveBeenCalledTimes(1);
    expect(runs).toEqual([behind]);
  });

  it("a wake-up that loses ten candidates in a row to another process goes on draining until its own job runs", async () => {
    const runs: string[] = [];
    const tasks = new RecordingTasks();
    // No wait after a lost lease (the pool's random draw), so the ten losses take no time.
    const engine = createEngine({ db, config: testConfig(), tasks, registry: countingAudit(runs), random: () => 0 });
    const ids = await createAudits(engine, tasks, 11);
    const rival = createEngine({ db, config: testConfig(), tasks: new RecordingTasks(), registry: countingAudit([]) });
    const lease = engine.queue.lease.bind(engine.queue);
    let stolen = 0;
    // Another process leases each of the first ten candidates just before this one tries.
    jest.spyOn(engine.queue, "lease").mockImplementation(async (candidate, workerId) => {
      if (stolen < 10 && (await rival.queue.lease(candidate, "another-process"))) stolen++;
      return lease(candidate, workerId);
    });
    expect(await ranBy(engine, wakeupOf(tasks.tasks[10]))).toEqual([ids[10]]);
    expect(stolen).toBe(10);
  });

  it("a wake-up runs the jobs ahead of its own, and theirs are then served: no poll", async () => {
    const runs: string[] = [];
    const { engine, tasks } = recordingEngine(runs);
    const [first, second] = await createAudits(engine, tasks, 2);
    const [firstWakeup, secondWakeup] = tasks.tasks.map(wakeupOf);
    // The second job's wake-up arrives first: it runs the older job, then its own.
    expect(secondWakeup.job_id).toBe(second);
    expect(await ranBy(engine, secondWakeup)).toEqual([first, second]);
    const polls = jest.spyOn(engine.queue, "pollCandidates");
    expect(await handleLaneTask(engine, "priority", firstWakeup)).toEqual([]);
    expect(polls).not.toHaveBeenCalled();
    expect(runs).toEqual([first, second]);
  });

  it("a task that stopped at its job limit before its own job asks for a continuation of its wake-up", async () => {
    const runs: string[] = [];
    const { engine, tasks } = recordingEngine(runs);
    const ids = await createAudits(engine, tasks, WAKEUP_LIMITS.maxJobs + 2);
    const lastWakeup = wakeupOf(tasks.tasks[ids.length - 1]);
    const firstRun = await handleLaneTask(engine, "priority", lastWakeup);
    expect(firstRun.map((report) => report.jobId)).toEqual(ids.slice(0, WAKEUP_LIMITS.maxJobs));
    const last = firstRun[firstRun.length - 1];
    const continuation = tasks.tasks[tasks.tasks.length - 1];
    expect(continuation).toMatchObject({
      lane: "priority",
      jobId: lastWakeup.job_id,
      epoch: lastWakeup.epoch,
      reason: `more-${last.jobId}-${last.leaseEpoch}`,
    });
    // The wake-ups of the jobs it ran are served; the continuation stands in for its own.
    const served = tasks.tasks
      .slice(0, ids.length)
      .map(wakeupOf)
      .filter((task) => engine.served(task.job_id, task.epoch));
    expect(served).toHaveLength(WAKEUP_LIMITS.maxJobs);
    const secondRun = await handleLaneTask(engine, "priority", wakeupOf(continuation));
    expect(secondRun.map((report) => report.jobId)).toEqual(ids.slice(WAKEUP_LIMITS.maxJobs));
    expect(runs).toEqual(ids);
    // Its own job ran below the limit: no further continuation.
    expect(tasks.tasks.filter((task) => task.reason?.startsWith("more-"))).toHaveLength(1);
  });

  it("a drain says why it stopped: at its job limit, with its wake-up's job accounted for, with nothing ready", async () => {
    const { engine, tasks } = recordingEngine([]);
    const [first, second] = await createAudits(engine, tasks, 2);
    const [firstWakeup, secondWakeup] = tasks.tasks;
    const wakeupOfJob = (task: WakeupTask) => ({ jobId: task.jobId, epoch: task.epoch });
    expect(await engine.worker().drain(["priority"], { maxJobs: 1, budgetMs: 10_000 }, wakeupOfJob(secondWakeup))).toMatchObject({
      reports: [{ jobId: first }],
      stoppedBy: "max_jobs",
    });
    expect(await engine.worker().drain(["priority"], WAKEUP_LIMITS, wakeupOfJob(firstWakeup))).toEqual({
      reports: [],
      stoppedBy: "wakeup_accounted_for",
    });
    expect(await engine.worker().drain(["priority"], WAKEUP_LIMITS)).toMatchObject({
      reports: [{ jobId: second }],
      stoppedBy: "none_ready",
    });
  });

  it("a task whose drain found its lane empty asks for no continuation, however long its last lease took", async () => {
    const runs: string[] = [];
    const tasks = new RecordingTasks();
    // No wait after a lost lease (the pool's random draw).
    const engine = createEngine({ db, config: testConfig(), tasks, registry: countingAudit(runs), random: () => 0 });
    const [ahead, own] = await createAudits(engine, tasks, 2);
    const limits = { maxJobs: 5, budgetMs: 2_000 };
    const rival = createEngine({ db, config: testConfig(), tasks: new RecordingTasks(), registry: countingAudit([]) });
    const lease = engine.queue.lease.bind(engine.queue);
    // Another process leases the task's own job just before this one tries, and this try outlasts the task's budget.
    jest.spyOn(engine.queue, "lease").mockImplementation(async (candidate, workerId) => {
      if (candidate.job.id === own) {
        expect(await rival.queue.lease(candidate, "another-process")).not.toBeNull();
        await new Promise((resolve) => setTimeout(resolve, limits.budgetMs));
      }
      return lease(candidate, workerId);
    });
    expect(await ranBy(engine, wakeupOf(tasks.tasks[1]), limits)).toEqual([ahead]);
    // The drain stopped at an empty lane, not at its limits: the job is the other process's, and no task stands in for its wake-up.
    expect(runs).toEqual([ahead]);
    expect(tasks.tasks.filter((task) => task.reason?.startsWith("more-"))).toEqual([]);
  });
});

describeWithIsolation("exactly one execution (real transaction isolation)", () => {
  it("a duplicated trigger event enqueues one task and runs the job once", async () => {
    const runs: string[] = [];
    runtime = testRuntime(db, countingAudit(runs));
    const ref = await db.collection(JOB_COLLECTIONS.jobs).add(clientJob());
    const results = await Promise.all([
      runtime.engine.intake(ref.id, "u"),
      runtime.engine.intake(ref.id, "u"),
      runtime.engine.intake(ref.id, "u"),
    ]);
    // One delivery enqueues the wake-up; the others find it enqueued already (or the job already running).
    expect(results.filter((r) => r.outcome === "accepted" && r.wakeup === "enqueued")).toHaveLength(1);
    expect(results.every((r) => r.outcome === "not_queued" || (r.outcome === "accepted" && r.wakeup))).toBe(true);
    expect(runtime.tasks.accepted).toEqual([expect.stringMatching(new RegExp(`^[0-9a-f]{8}-${ref.id}-0-0$`))]);
    await runtime.idle();
    expect(runs).toEqual([ref.id]);
    expect((await statusOf(ref.id))?.status).toBe("succeeded_dry_run");
  });

  it("a duplicated task delivery runs the job once", async () => {
    const runs: string[] = [];
    const workers = Array.from({ length: 4 }, () =>
      testRuntime(
        newFirestore(),
        countingAudit(runs, () => new Promise((r) => setTimeout(r, 100))),
      ),
    );
    const { jobId } = await workers[0].engine.queue.createJob({
      type: "FAMILY_AUDIT",
      payload: { family_slug: "a" },
      created_by: "t",
    });
    const payload = { lane: "priority", job_id: jobId, attempt: 0, epoch: 0 };
    await Promise.all(workers.map((w) => handleLaneTask(w.engine, "priority", payload)));
    expect(runs).toEqual([jobId]);
    await Promise.all(workers.map((w) => w.stop()));
  });

  it("a job whose family lock is held is deferred without using an attempt, then runs", async () => {
    const runs: string[] = [];
    runtime = testRuntime(
      db,
      countingAudit(runs, undefined, {
        lockKeys: (job) => [`family:${String((job.payload as unknown as { family_slug: string }).family_slug)}`],
      }),
    );
    const locks = new LockManager(db);
    await locks.acquireLocks(["family:a"], { jobId: "other", epoch: 1, owner: "x" });
    const { jobId } = await runtime.engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "a" }, created_by: "t" });
    const [report] = await runtime.engine.runLane("priority");
    expect(report).toMatchObject({ status: "deferred", error: { code: "LOCK_HELD" } });
    expect(await statusOf(jobId)).toMatchObject({ status: "deferred", attempts: 0 });
    await locks.releaseLocks(["family:a"], { jobId: "other", epoch: 1 });
    await runtime.idle(); // the wake-up scheduled at run_after runs it
    expect(await statusOf(jobId)).toMatchObject({ status: "succeeded_dry_run", attempts: 1 });
    expect(runs).toEqual([jobId]);
    expect((await db.collection(JOB_COLLECTIONS.locks).get()).size).toBe(0);
  });

  it("a worker that lost its lease mid-job is aborted and writes nothing", async () => {
    let sawAbort = false;
    const registry = registryWith({
      FAMILY_AUDIT: {
        async run({ ctx, job }) {
          // Someone recovers the job while this worker still runs it.
          await db.collection(JOB_COLLECTIONS.jobs).doc(job.id).update({ status: "queued", lease_owner: null, lease_epoch: 99 });
          await waitFor(
            async () => ctx.signal.aborted,
            (a) => a,
            5000,
          );
          sawAbort = ctx.signal.aborted;
          throw ctx.signal.reason;
        },
      },
    });
    runtime = testRuntime(db, registry);
    const { jobId } = await runtime.engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "a" }, created_by: "t" });
    const [report] = await runtime.engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    expect(sawAbort).toBe(true);
    expect(report.status).toBe("lease_lost");
    expect(await statusOf(jobId)).toMatchObject({ status: "queued", lease_epoch: 99, error: null });
  });

  it("a running job whose cancel was requested stops at its next safe point and ends cancelled", async () => {
    let sawAbort = false;
    const registry = registryWith({
      FAMILY_AUDIT: {
        async run({ ctx, job }) {
          await runtime!.engine.cancel(job.id); // an operator asks while the job runs
          sawAbort = await waitFor(
            async () => ctx.signal.aborted,
            (a) => a,
            5000,
          );
          throw ctx.signal.reason; // the safe point
        },
      },
    });
    runtime = testRuntime(db, registry);
    const { jobId } = await runtime.engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "a" }, created_by: "t" });
    const [report] = await runtime.engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    expect(sawAbort).toBe(true);
    expect(report.status).toBe("cancelled");
    expect(await statusOf(jobId)).toMatchObject({ status: "cancelled", cancel_requested: true, lease_owner: null });
  });

  it.each([
    ["a transient failure with attempts left", () => JobFailure.transient("LLM_UNAVAILABLE", "the model is down")],
    ["a permanent failure", () => JobFailure.permanent("BROKEN", "cannot go on")],
    ["an unexpected error", () => new Error("boom")],
  ])("a running job asked to stop that fails before its next safe point (%s) ends cancelled, its error kept", async (_case, failure) => {
    let sawAbort = false;
    const registry = registryWith({
      FAMILY_AUDIT: {
        async run({ ctx, job }) {
          await runtime!.engine.cancel(job.id);
          sawAbort = await waitFor(
            async () => ctx.signal.aborted,
            (a) => a,
            5000,
          );
          throw failure(); // not the cancel: the run fails on its own before reaching a safe point
        },
      },
    });
    runtime = testRuntime(db, registry);
    const { jobId } = await runtime.engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "a" }, created_by: "t" });
    const [report] = await runtime.engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    expect(sawAbort).toBe(true);
    expect(report.status).toBe("cancelled");
    const job = await statusOf(jobId);
    expect(job).toMatchObject({ status: "cancelled", cancel_requested: true, lease_owner: null });
    expect((job!.error as { message: string }).message).toContain(failure().message);
  });

  it("a running job asked to stop that fails part-way keeps what it did in its summary and its run history", async () => {
    let sawAbort = false;
    const registry = registryWith({
      FAMILY_AUDIT: {
        async run({ ctx, job }) {
          await runtime!.engine.cancel(job.id);
          sawAbort = await waitFor(
            async () => ctx.signal.aborted,
            (a) => a,
            5000,
          );
          throw withPartial(new Error("boom"), { applied: 2, changes_preview: ["patch_fields a", "patch_fields b"] });
        },
      },
    });
    runtime = testRuntime(db, registry);
    const { jobId } = await runtime.engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "a" }, created_by: "t" });
    await runtime.engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    expect(sawAbort).toBe(true);
    expect(await statusOf(jobId)).toMatchObject({ status: "cancelled", result_summary: { applied: 2 }, error: { message: "boom" } });
    expect((await runSummaryDoc(db, jobId, 1)).data()).toMatchObject({
      changes_count: 2,
      changes_preview: ["patch_fields a", "patch_fields b"],
    });
  });

  it("a run that froze its plan and is then asked to stop is retried to finish the plan when it fails, not cancelled", async () => {
    const registry = registryWith({
      FAMILY_AUDIT: {
        async run({ job, engine }) {
          await engine.savePlan({ operations: [] });
          await runtime!.engine.cancel(job.id);
          await engine.reportProgress({ done: 0, total: 1 }); // a write of the holder that finds the cancel
          throw JobFailure.transient("LLM_UNAVAILABLE", "the model is down");
        },
      },
    });
    runtime = testRuntime(db, registry);
    const { jobId } = await runtime.engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "a" }, created_by: "t" });
    const [report] = await runtime.engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    expect(report.status).toBe("queued");
    expect(await statusOf(jobId)).toMatchObject({
      status: "queued",
      plan_id: "p1",
      cancel_requested: true,
      error: { code: "LLM_UNAVAILABLE" },
    });
  });

  it("a job that froze its plan and was cancelled while it waited finishes the plan, and its summary says a cancel came", async () => {
    runtime = testRuntime(db, countingAudit([]));
    const { jobId } = await runtime.engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "a" }, created_by: "t" });
    // As an earlier attempt left it: a plan frozen (no plan handler here reads it), then back in the queue.
    await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).update({ plan_id: "p1" });
    expect(await runtime.engine.cancel(jobId)).toMatchObject({ status: "queued", cancelRequested: true });
    const [report] = await runtime.engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    expect(report.status).toBe("succeeded_dry_run");
    expect(await statusOf(jobId)).toMatchObject({ status: "succeeded_dry_run", result_summary: { findings: 0, cancel_requested: true } });
  });

  it("a worker killed mid-job is recovered by the watchdog and the job completes on the next task", async () => {
    const clock = movableClock();
    const runs: string[] = [];
    runtime = testRuntime(db, countingAudit(runs), { now: clock.now, config: testConfig({ leaseMs: 1000 }) });
    const { jobId } = await runtime.engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "a" }, created_by: "t" });
    // A worker leases the job and dies: no heartbeat, no completion.
    await runtime.engine.queue.leaseById(jobId, "dead-worker");
    clock.advance(2000);
    const [a, b] = await Promise.all([runtime.runWatchdog(), runtime.runWatchdog()]);
    expect(a.expired_leases_recovered + b.expired_leases_recovered).toBe(1);
    // The recovery bumped the epoch to 2 and asked for a wake-up at the backoff's run_after.
    expect(runtime.tasks.accepted).toEqual([expect.stringMatching(new RegExp(`^[0-9a-f]{8}-${jobId}-1-2$`))]);
    await runtime.idle();
    expect(await statusOf(jobId)).toMatchObject({ status: "succeeded_dry_run", attempts: 2, lease_epoch: 3 });
    expect(runs).toEqual([jobId]);
  });
});
