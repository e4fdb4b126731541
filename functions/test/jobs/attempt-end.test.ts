/**
 * The attempt's last write (the job's status with its attempt log, run summary and the day's
 * counters) meeting an outage: tried again while the lease holds, and a try whose reply was lost
 * is known to have landed, so a finished run is neither lost to the watchdog nor counted twice.
 */
import type { Timestamp } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { createEngine } from "../../src/create-engine";
import { familyLockKey } from "../../src/catalog/family-locks";
import { JobFailure } from "../../src/jobs/errors";
import { LockManager } from "../../src/jobs/locks";
import { GrpcStatus } from "../../src/util/grpc-status";
import { failingFirstBatchWriting } from "../helpers/faults";
import { useFirestore } from "../helpers/firestore";
import { registryWith } from "../helpers/registry";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();

const registry = registryWith({
  FAMILY_AUDIT: { run: () => Promise.resolve({ kind: "completed", status: "succeeded_dry_run", summary: { findings: 0 } }) },
});

describe.each(["before", "after"] as const)("an outage at the attempt's last write, %s it landed", (when) => {
  it("is tried again: the run ends once, in its first attempt, its history written once", async () => {
    const faulty = failingFirstBatchWriting(db, `/${JOB_COLLECTIONS.attempts}/`, when);
    const engine = createEngine({ db: faulty.db, config: testConfig(), tasks: new RecordingTasks(), registry });
    const { jobId } = await engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });

    const reports = await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });

    expect(faulty.failures.count).toBe(1);
    expect(reports.map((report) => report.status)).toEqual(["succeeded_dry_run"]);
    expect((await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get()).data()).toMatchObject({
      status: "succeeded_dry_run",
      attempts: 1,
      lease_owner: null,
    });
    const attempts = await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).collection(JOB_COLLECTIONS.attempts).get();
    expect(attempts.docs.map((doc) => doc.get("status"))).toEqual(["succeeded_dry_run"]);
    expect((await db.collection(JOB_COLLECTIONS.runSummaries).where("job_id", "==", jobId).get()).size).toBe(1);
    const shards = await db.collectionGroup(JOB_COLLECTIONS.dailyShards).get();
    expect(shards.docs.reduce((runs, shard) => runs + (shard.get("runs") as number), 0)).toBe(1);
  });
});

describe("the client's own retry of the attempt's last write, refused by the write that landed", () => {
  // The Firestore client retries a commit whose reply was lost (UNAVAILABLE, ABORTED): the write landed, and its
  // retry fails the precondition on the job's update time that this very write moved on.
  const transient = registryWith({
    FAMILY_AUDIT: { run: () => Promise.reject(JobFailure.transient("FLAKY", "try again")) },
  });

  it("is known to have landed: the job waits for its retry with a wake-up, not for the watchdog", async () => {
    const faulty = failingFirstBatchWriting(db, `/${JOB_COLLECTIONS.attempts}/`, "after", GrpcStatus.FAILED_PRECONDITION);
    const tasks = new RecordingTasks();
    const engine = createEngine({ db: faulty.db, config: testConfig(), tasks, registry: transient });
    const { jobId } = await engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
    const intake = tasks.tasks.length;

    const reports = await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });

    expect(faulty.failures.count).toBe(1);
    expect(reports.map((report) => report.status)).toEqual(["queued"]);
    expect((await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get()).data()).toMatchObject({ status: "queued", attempts: 1 });
    expect(tasks.tasks.slice(intake)).toEqual([expect.objectContaining({ jobId, attempt: 1, epoch: 1 })]);
  });
});

describe("a cancel the attempt's last write is the first to see", () => {
  it("leaves a completed run its outcome, and its summary says a cancel was asked for", async () => {
    // The client's flag lands after the handler's last write to the job: no earlier write of the run saw it.
    const registry = registryWith({
      FAMILY_AUDIT: {
        run: async ({ job }) => {
          await db.collection(JOB_COLLECTIONS.jobs).doc(job.id).update({ cancel_requested: true });
          return { kind: "completed", status: "succeeded_dry_run", summary: { findings: 0 } };
        },
      },
    });
    const engine = createEngine({ db, config: testConfig(), tasks: new RecordingTasks(), registry });
    const { jobId } = await engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });

    expect((await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 })).map((report) => report.status)).toEqual([
      "succeeded_dry_run",
    ]);
    expect(await engine.queue.getJob(jobId)).toMatchObject({
      status: "succeeded_dry_run",
      result_summary: { findings: 0, cancel_requested: true },
    });
  });
});

describe("a cancel the attempt's last write is the first to see, after the run failed", () => {
  /** An audit whose cancel lands after its last write to the job (no write of the run saw it), then fails; `plan`: it froze one first. */
  const failingAfterCancel = (failure: JobFailure, plan = false) =>
    createEngine({
      db,
      // No renewal during the run: only its last write finds the cancel.
      config: testConfig({ heartbeatMs: 60_000 }),
      tasks: new RecordingTasks(),
      registry: registryWith({
        FAMILY_AUDIT: {
          run: async ({ job, engine }) => {
            if (plan) await engine.savePlan({ operations: [] });
            await db.collection(JOB_COLLECTIONS.jobs).doc(job.id).update({ cancel_requested: true });
            throw failure;
          },
        },
      }),
    });
  const attemptStatuses = async (jobId: string) =>
    (await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).collection(JOB_COLLECTIONS.attempts).get()).docs.map((doc) => doc.get("status"));

  it.each([
    ["fails", JobFailure.permanent("BROKEN", "cannot go on"), 5],
    ["is handed to a person", JobFailure.needsReview("LOOK_AT_IT", "a person must decide"), 5],
    ["fails its last attempt", JobFailure.transient("FLAKY", "try again"), 1],
    ["fails with attempts left", JobFailure.transient("FLAKY", "try again"), 5],
  ])("stops a run that then %s: it ends cancelled, the failure its error, not retried nor left failed", async (_, failure, maxAttempts) => {
    const engine = failingAfterCancel(failure);
    const { jobId } = await engine.queue.createJob({
      type: "FAMILY_AUDIT",
      payload: { family_slug: "squat" },
      created_by: "test",
      max_attempts: maxAttempts,
    });

    const reports = await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });

    expect(reports).toMatchObject([{ jobId, status: "cancelled", error: { code: failure.code } }]);
    expect(await engine.queue.getJob(jobId)).toMatchObject({
      status: "cancelled",
      attempts: 1,
      lease_owner: null,
      error: { code: failure.code },
    });
    expect(await attemptStatuses(jobId)).toEqual(["cancelled"]);
  });

  it("leaves a run that froze its plan to finish it: failing after the cancel, it is retried", async () => {
    const engine = failingAfterCancel(JobFailure.transient("FLAKY", "try again"), true);
    const { jobId } = await engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });

    const reports = await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });

    expect(reports).toMatchObject([{ jobId, status: "queued", error: { code: "FLAKY" } }]);
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "queued", cancel_requested: true, plan_id: "p1" });
  });
});

describe("a cancel the attempt's last write is the first to see, as the run waits", () => {
  /** An audit whose cancel lands after its lease and before its last write (no write of the run saw it). */
  const cancelledWhileLeased = (jobId: string) => db.collection(JOB_COLLECTIONS.jobs).doc(jobId).update({ cancel_requested: true });
  const engineWith = (handler: Parameters<typeof registryWith>[0][string]) =>
    // No renewal during the run: only its last write finds the cancel.
    createEngine({
      db,
      config: testConfig({ heartbeatMs: 60_000 }),
      tasks: new RecordingTasks(),
      registry: registryWith({ FAMILY_AUDIT: handler }),
    });

  it.each([
    [
      "its handler defers it",
      engineWith({
        run: async ({ job }) => {
          await cancelledWhileLeased(job.id);
          return { kind: "deferred", until: new Date(Date.now() + 60_000), reason: { code: "NOT_YET", message: "later" } };
        },
      }),
    ],
    [
      "its family's lock is held",
      engineWith({
        lockKeys: async (job) => {
          await new LockManager(db).acquireLocks([familyLockKey("squat")], { jobId: "holder", epoch: 1, owner: "worker-holder" });
          await cancelledWhileLeased(job.id);
          return [familyLockKey("squat")];
        },
      }),
    ],
  ])("stops it where %s: it ends cancelled, not left waiting", async (_, engine) => {
    const { jobId } = await engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });

    const reports = await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });

    expect(reports).toMatchObject([{ jobId, status: "cancelled", error: null }]);
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "cancelled", lease_owner: null, error: null });
  });
});

describe("a job given the id of an earlier job whose document was deleted while its history is kept", () => {
  it("runs to its end, its history beside the earlier job's", async () => {
    const engine = createEngine({ db, config: testConfig(), tasks: new RecordingTasks(), registry });
    const id = "client-chosen-1";
    const first = await engine.queue.createJob({ id, type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    // The job's TTL deletes its document (and, in their own time, its attempt records); its run summaries stay.
    await db.collection(JOB_COLLECTIONS.jobs).doc(first.jobId).delete();

    await engine.queue.createJob({ id, type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
    const reports = await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });

    expect(reports.map((report) => report.status)).toEqual(["succeeded_dry_run"]);
    expect((await db.collection(JOB_COLLECTIONS.jobs).doc(id).get()).data()).toMatchObject({
      status: "succeeded_dry_run",
      lease_owner: null,
    });
    const runs = await db.collection(JOB_COLLECTIONS.runSummaries).where("job_id", "==", id).get();
    expect(runs.docs.map((run) => run.get("lease_epoch") as unknown)).toEqual([1, 1]);
    expect(new Set(runs.docs.map((run) => (run.get("job_created_at") as Timestamp).toMillis())).size).toBe(2);
  });
});
