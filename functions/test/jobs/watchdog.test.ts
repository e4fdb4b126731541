import { familyLockKey } from "../../src/catalog/family-locks";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { DocumentReference, Timestamp, WriteBatch } from "firebase-admin/firestore";
import { LeaseLostError } from "../../src/jobs/errors";
import { JobFlows, childJobId } from "../../src/jobs/flows";
import { acceptJob } from "../../src/jobs/intake";
import { LockManager } from "../../src/jobs/locks";
import type { JobChange, JobQueue, LeasedJob } from "../../src/jobs/queue";
import { type EnqueueResult, type TaskQueuePort, type WakeupTask, wakeupTaskName } from "../../src/jobs/task-queue";
import { Watchdog, type WatchdogOptions, type WatchdogReport } from "../../src/jobs/watchdog";
import { captureLogs } from "../helpers/logs";
import { testQueue } from "../helpers/engine";
import { failNextQuery, failingFirstBatchWriting } from "../helpers/faults";
import { GrpcStatus } from "../../src/util/grpc-status";
import { describeWithFullEmulator, describeWithIsolation, newFirestore, useFirestore } from "../helpers/firestore";
import { runSummaryDoc } from "../helpers/runs";
import { runSummaryId } from "../../src/jobs/run-history";

const LEASE_MS = 60_000;
const STALE_MS = 180_000;
const START = new Date("2026-01-01T00:00:00Z");

const db = useFirestore();

let now: Date;
const clock = () => now;
const advance = (ms: number) => {
  now = new Date(now.getTime() + ms);
};
beforeEach(() => {
  now = START;
});

interface Harness {
  queue: JobQueue;
  locks: LockManager;
  watchdog: Watchdog;
  tasks: TaskQueuePort;
  wakeups: WakeupTask[];
}

/** A task queue that records the wake-ups it takes: as Cloud Tasks, a name asked for again is a duplicate. */
function namedTasks(enqueue: (task: WakeupTask) => Promise<void>): Pick<Harness, "tasks" | "wakeups"> {
  const wakeups: WakeupTask[] = [];
  const names = new Set<string>();
  const tasks: TaskQueuePort = {
    async enqueueWakeup(task): Promise<EnqueueResult> {
      await enqueue(task);
      if (names.has(wakeupTaskName(task))) return "duplicate";
      names.add(wakeupTaskName(task));
      wakeups.push(task);
      return "enqueued";
    },
  };
  return { tasks, wakeups };
}

/** The queue, locks and a watchdog sharing one client and the test clock; wake-ups are recorded (in `shared`'s task queue: another harness's). */
function harness(
  options: Partial<WatchdogOptions> = {},
  enqueue: (task: WakeupTask) => Promise<void> = async () => undefined,
  client = db,
  shared: Pick<Harness, "tasks" | "wakeups"> = namedTasks(enqueue),
): Harness {
  const queue = testQueue(client, { now: clock, leaseMs: LEASE_MS, random: () => 0.5 });
  const locks = new LockManager(client, clock, LEASE_MS);
  const { tasks, wakeups } = shared;
  const watchdog = new Watchdog(
    {
      db: client,
      queue,
      locks,
      flows: new JobFlows(client, queue, tasks),
      tasks,
      now: clock,
    },
    {
      budgetMs: 60_000,
      pageSize: 5,
      staleQueuedMs: STALE_MS,
      staleWakeupsPerLane: { priority: 3, maintenance: 3 },
      expiringCollections: [APPLY_COLLECTIONS.idempotency],
      ...options,
    },
  );
  return { queue, locks, watchdog, tasks, wakeups };
}

/** Ends an attempt with `change` and no bookkeeping. */
const finish = async (queue: JobQueue, leased: LeasedJob | null, change: JobChange) =>
  (await queue.endAttempt(leased!.lease, { ...change, bookkeeping: () => undefined })).status;

const audit = (family = "bench_press") => ({ type: "FAMILY_AUDIT", payload: { family_slug: family }, created_by: "test" });

/** A job leased by a worker that then dies (its lease is never renewed). */
async function leasedJob(queue: JobQueue, options: { maxAttempts?: number; worker?: string } = {}): Promise<LeasedJob> {
  const { jobId } = await queue.createJob({ ...audit(), max_attempts: options.maxAttempts });
  const leased = await queue.leaseById(jobId, options.worker ?? "dead-worker");
  if (!leased) throw new Error(`could not lease ${jobId}`);
  return leased;
}

/** An enrichment parent leased by a worker that dies, which has made its one shard (`shards.total` recorded). */
async function runningParentOfOneShard(queue: JobQueue, maxAttempts?: number): Promise<{ jobId: string; shardId: string }> {
  const spec = { spec_id: "s", spec_version: 1 };
  const { jobId } = await queue.createJob({
    type: "CATALOG_ENRICH_FIELD",
    payload: { enrichment_spec: spec, exercise_doc_ids: ["e"] },
    created_by: "t",
    ...(maxAttempts === undefined ? {} : { max_attempts: maxAttempts }),
  });
  const leased = await queue.leaseById(jobId, "dead-worker");
  await queue.recordChildTotal(leased!.lease, 1);
  const shard = await queue.createJob({
    id: childJobId(jobId, 1),
    type: "CATALOG_ENRICH_FIELD_SHARD",
    payload: { parent_job_id: jobId, exercise_doc_ids: ["e"], enrichment_spec: spec },
    parent_job_id: jobId,
    created_by: "system:CATALOG_ENRICH_FIELD",
  });
  return { jobId, shardId: shard.jobId };
}

async function stuckJobs(queue: JobQueue, count: number): Promise<LeasedJob[]> {
  const jobs: LeasedJob[] = [];
  for (let i = 0; i < count; i++) jobs.push(await leasedJob(queue, { worker: `dead-${i}` }));
  return jobs;
}

async function idempotencyRecord(key: string, expiresAt: Date): Promise<void> {
  await db
    .collection(APPLY_COLLECTIONS.idempotency)
    .doc(key)
    .set({
      key,
      job_id: "j",
      scope: "exercise",
      result: { applied: true },
      created_at: Timestamp.fromDate(START),
      expires_at: Timestamp.fromDate(expiresAt),
    });
}

/** Runs `interlude` just before the next call of `target[method]`: another actor's write landing between a query and the change it led to. */
function beforeNextCall<T extends object, K extends keyof T & string>(target: T, method: K, interlude: () => Promise<unknown>): void {
  const original = target[method] as (...args: unknown[]) => Promise<unknown>;
  const spy = jest.spyOn(target, method as never) as unknown as jest.SpyInstance;
  spy.mockImplementationOnce(async function (this: unknown, ...args: unknown[]) {
    await interlude();
    return original.apply(this, args);
  });
}
afterEach(() => jest.restoreAllMocks());

async function ids(collection: string): Promise<string[]> {
  return (await db.collection(collection).get()).docs.map((d) => d.id).sort();
}

describe("expired leases", () => {
  it("sends an expired lease back to queued after a backoff: epoch bumped, locks released, wake-up asked, dead worker fenced out", async () => {
    const { queue, locks, watchdog, wakeups } = harness();
    const stuck = await leasedJob(queue);
    await locks.acquireLocks([familyLockKey("bench_press")], { jobId: stuck.job.id, epoch: 1, owner: "dead-worker" });
    advance(LEASE_MS + 1);

    const report = await watchdog.run();

    expect(report).toMatchObject({ expired_leases_recovered: 1, deadlettered: 0, locks_released: 1, errors: 0, complete: true });
    const job = await queue.getJob(stuck.job.id);
    expect(job).toMatchObject({
      status: "queued",
      attempts: 1,
      lease_epoch: 2,
      lease_owner: null,
      lease_expires_at: null,
      finished_at: null,
      error: { code: "LEASE_EXPIRED", transient: true, details: { previous_owner: "dead-worker", epoch: 1 } },
    });
    expect(job!.run_after.getTime()).toBeGreaterThan(now.getTime());
    expect(await ids(JOB_COLLECTIONS.locks)).toEqual([]);
    expect(wakeups).toEqual([{ jobId: stuck.job.id, lane: "priority", runAfter: job!.run_after, attempt: 1, epoch: 2 }]);
    await expect(finish(queue, stuck, queue.completing("succeeded", {}, null))).rejects.toBeInstanceOf(LeaseLostError);
    // The lost attempt is closed with the recovery: its attempt log and its run summary.
    const attempt = (await db.doc(`${JOB_COLLECTIONS.jobs}/${stuck.job.id}/${JOB_COLLECTIONS.attempts}/1`).get()).data();
    expect(attempt).toMatchObject({ status: "lease_expired", lease_epoch: 1, worker_id: "dead-worker", error: { code: "LEASE_EXPIRED" } });
    const run = (await runSummaryDoc(db, stuck.job.id, 1)).data();
    expect(run).toMatchObject({ attempt_status: "lease_expired", job_status: "queued", lease_epoch: 1 });
  });

  it("goes on with a recovery whose reply was lost (its resend refused by the batch that landed): counted, locks released, wake-up asked", async () => {
    const faulty = failingFirstBatchWriting(db, `/${JOB_COLLECTIONS.attempts}/`, "after", GrpcStatus.FAILED_PRECONDITION);
    const { queue, locks, watchdog, wakeups } = harness({}, undefined, faulty.db);
    const stuck = await leasedJob(queue);
    await locks.acquireLocks([familyLockKey("bench_press")], { jobId: stuck.job.id, epoch: 1, owner: "dead-worker" });
    advance(LEASE_MS + 1);

    const report = await watchdog.run();

    expect(faulty.failures.count).toBe(1);
    expect(report).toMatchObject({ expired_leases_recovered: 1, locks_released: 1, errors: 0 });
    const job = await queue.getJob(stuck.job.id);
    expect(job).toMatchObject({ status: "queued", attempts: 1, lease_epoch: 2, lease_owner: null });
    expect(await ids(JOB_COLLECTIONS.locks)).toEqual([]);
    expect(wakeups).toEqual([{ jobId: stuck.job.id, lane: "priority", runAfter: job!.run_after, attempt: 1, epoch: 2 }]);
  });

  it("recovers an expired lease of a job whose id an earlier job had, with that job's history still kept", async () => {
    const { queue, watchdog } = harness();
    const stuck = await leasedJob(queue);
    // Left by the earlier job: run summaries outlive jobs, and TTL deletes an attempt record in its own time.
    const earlier = new Date(now.getTime() - 100 * 86_400_000);
    await db
      .collection(JOB_COLLECTIONS.runSummaries)
      .doc(runSummaryId(stuck.job.id, earlier, 1))
      .set({ job_id: stuck.job.id, lease_epoch: 1 });
    await db.doc(`${JOB_COLLECTIONS.jobs}/${stuck.job.id}/${JOB_COLLECTIONS.attempts}/1`).set({ status: "succeeded", lease_epoch: 1 });
    advance(LEASE_MS + 1);

    expect(await watchdog.run()).toMatchObject({ expired_leases_recovered: 1, errors: 0 });
    expect(await queue.getJob(stuck.job.id)).toMatchObject({ status: "queued", lease_epoch: 2 });
    const runs = await db.collection(JOB_COLLECTIONS.runSummaries).where("job_id", "==", stuck.job.id).get();
    expect(runs.docs.map((run) => run.get("attempt_status") as unknown).sort()).toEqual(["lease_expired", undefined]);
    const attempt = await db.doc(`${JOB_COLLECTIONS.jobs}/${stuck.job.id}/${JOB_COLLECTIONS.attempts}/1`).get();
    expect(attempt.data()).toMatchObject({ status: "lease_expired", worker_id: "dead-worker" });
  });

  it("deadletters an expired lease whose attempts are exhausted, without a wake-up", async () => {
    const { queue, watchdog, wakeups } = harness();
    const stuck = await leasedJob(queue, { maxAttempts: 1 });
    advance(LEASE_MS + 1);

    const report = await watchdog.run();

    expect(report).toMatchObject({ expired_leases_recovered: 1, deadlettered: 1 });
    expect(await queue.getJob(stuck.job.id)).toMatchObject({ status: "deadletter", lease_epoch: 2, lease_owner: null, finished_at: now });
    expect(wakeups).toEqual([]);
  });

  it("logs each lease it takes back, naming the job and the expired attempt: a job queued again at info, a deadletter at warn", async () => {
    const { queue, watchdog } = harness();
    const retried = await leasedJob(queue, { worker: "dead-1" });
    const exhausted = await leasedJob(queue, { maxAttempts: 1, worker: "dead-2" });
    advance(LEASE_MS + 1);

    const logs = await captureLogs(() => watchdog.run("run-1"));

    const recovered = (leased: LeasedJob, severity: string, status: string) =>
      expect.objectContaining({
        message: "expired lease recovered",
        severity,
        run_id: "run-1",
        job_id: leased.job.id,
        job_type: "FAMILY_AUDIT",
        attempt: 1,
        lease_epoch: 1,
        worker_id: leased.lease.owner,
        status,
      });
    expect(logs.filter((line) => line.message === "expired lease recovered")).toEqual(
      expect.arrayContaining([recovered(retried, "info", "queued"), recovered(exhausted, "warn", "deadletter")]),
    );
    expect(logs.filter((line) => line.message === "expired lease recovered")).toHaveLength(2);
  });

  it("ends an expired lease whose cancel was requested as cancelled instead of running it again", async () => {
    const { queue, watchdog, wakeups } = harness();
    const stuck = await leasedJob(queue);
    await queue.cancelJob(stuck.job.id);
    advance(LEASE_MS + 1);

    expect(await watchdog.run()).toMatchObject({ expired_leases_recovered: 1, cancelled: 1 });
    expect(await queue.getJob(stuck.job.id)).toMatchObject({ status: "cancelled", lease_epoch: 2 });
    expect(wakeups).toEqual([]);
  });

  it("cancels the open children of an expired lease it ends cancelled; a finished child keeps its status", async () => {
    const { queue, watchdog } = harness();
    const spec = { spec_id: "s", spec_version: 1 };
    const { jobId } = await queue.createJob({
      type: "CATALOG_ENRICH_FIELD",
      payload: { enrichment_spec: spec, exercise_doc_ids: ["e"] },
      created_by: "t",
    });
    await queue.leaseById(jobId, "dead-worker");
    const children: string[] = [];
    for (let i = 0; i < 3; i++) {
      const child = await queue.createJob({
        type: "CATALOG_ENRICH_FIELD_SHARD",
        payload: { parent_job_id: jobId, exercise_doc_ids: ["e"], enrichment_spec: spec },
        parent_job_id: jobId,
        created_by: "t",
      });
      children.push(child.jobId);
    }
    await queue.jobRef(children[0]).update({ status: "succeeded" });
    // Only the flag, as firestore.rules let a client write it.
    await queue.jobRef(jobId).update({ cancel_requested: true });
    advance(LEASE_MS + 1);

    expect(await watchdog.run()).toMatchObject({ expired_leases_recovered: 1, cancelled: 1, errors: 0 });
    expect((await queue.getJob(jobId))?.status).toBe("cancelled");
    const statuses = await Promise.all(children.map(async (id) => (await queue.getJob(id))?.status));
    expect(statuses).toEqual(["succeeded", "cancelled", "cancelled"]);
  });

  it("queues again a parent asked to stop whose children all exist: its own run settles the cancel over them", async () => {
    const { queue, watchdog, wakeups, tasks } = harness();
    const { jobId, shardId } = await runningParentOfOneShard(queue);
    await queue.jobRef(shardId).update({ status: "succeeded" });
    // Running: only asked, as it would be waiting (`settlesItsCancel`).
    expect(await new JobFlows(db, queue, tasks).cancel(jobId)).toMatchObject({ status: "running", cancelRequested: true });
    advance(LEASE_MS + 1);

    expect(await watchdog.run()).toMatchObject({ expired_leases_recovered: 1, cancelled: 0, deadlettered: 0, errors: 0 });
    const job = await queue.getJob(jobId);
    expect(job).toMatchObject({ status: "queued", cancel_requested: true, attempts: 1, lease_epoch: 2, finished_at: null });
    expect(job?.error).toMatchObject({ code: "LEASE_EXPIRED" });
    expect(wakeups).toEqual([{ jobId, lane: "maintenance", runAfter: job!.run_after, attempt: 1, epoch: 2 }]);
    expect((await queue.getJob(shardId))?.status).toBe("succeeded");
    expect((await runSummaryDoc(db, jobId, 1)).data()).toMatchObject({ attempt_status: "lease_expired", job_status: "queued" });
  });

  it("cancels, with its open children, a parent asked to stop whose worker died on its last attempt", async () => {
    const { queue, watchdog } = harness();
    const { jobId, shardId } = await runningParentOfOneShard(queue, 1);
    // A client's flag: the child is left for the parent's cancel to reach.
    await queue.jobRef(jobId).update({ cancel_requested: true });
    advance(LEASE_MS + 1);

    expect(await watchdog.run()).toMatchObject({ expired_leases_recovered: 1, cancelled: 1, deadlettered: 0, errors: 0 });
    expect(await queue.getJob(jobId)).toMatchObject({ status: "cancelled", cancel_requested: true });
    expect((await queue.getJob(shardId))?.status).toBe("cancelled");
  });

  it("leaves alone a lease its worker renewed and one not yet expired", async () => {
    const { queue, watchdog } = harness();
    const renewed = await leasedJob(queue);
    advance(LEASE_MS - 1);
    await queue.renewLease(renewed.lease);
    const young = await leasedJob(queue);
    advance(2);

    expect(await watchdog.run()).toMatchObject({ expired_leases_recovered: 0, complete: true });
    for (const { job } of [renewed, young]) {
      expect(await queue.getJob(job.id)).toMatchObject({ status: "running", lease_epoch: 1, lease_owner: "dead-worker" });
    }
    await finish(queue, renewed, queue.completing("succeeded", {}, null));
  });

  it("leaves alone a lease renewed between the query and the recovery", async () => {
    const { queue, watchdog } = harness();
    const stuck = await leasedJob(queue);
    advance(LEASE_MS + 1);
    beforeNextCall(WriteBatch.prototype, "commit", () => queue.renewLease(stuck.lease));

    expect(await watchdog.run()).toMatchObject({ expired_leases_recovered: 0, errors: 0 });
    expect(await queue.getJob(stuck.job.id)).toMatchObject({ status: "running", lease_epoch: 1 });
  });

  it("leaves alone an expired lease whose epoch moved after the query (recovered and re-leased meanwhile)", async () => {
    const { queue, watchdog } = harness();
    const stuck = await leasedJob(queue);
    advance(LEASE_MS + 1);
    const ref = db.collection(JOB_COLLECTIONS.jobs).doc(stuck.job.id);
    beforeNextCall(WriteBatch.prototype, "commit", () => ref.update({ lease_owner: "next-worker", lease_epoch: 3 }));

    expect(await watchdog.run()).toMatchObject({ expired_leases_recovered: 0, errors: 0 });
    expect(await queue.getJob(stuck.job.id)).toMatchObject({ status: "running", lease_epoch: 3, lease_owner: "next-worker" });
  });

  it("keeps a dead worker's lock that another job re-took between the lock query and the release", async () => {
    const { queue, locks, watchdog } = harness();
    const stuck = await leasedJob(queue);
    const key = familyLockKey("bench_press");
    await locks.acquireLocks([key], { jobId: stuck.job.id, epoch: 1, owner: "dead-worker" });
    advance(LEASE_MS + 1);
    // The lock expired with the lease; another job takes it just before the watchdog releases it.
    beforeNextCall(DocumentReference.prototype, "delete", () =>
      locks.acquireLocks([key], { jobId: "other-job", epoch: 1, owner: "live-worker" }),
    );

    expect(await watchdog.run()).toMatchObject({ expired_leases_recovered: 1, locks_released: 0, errors: 0 });
    expect((await db.collection(JOB_COLLECTIONS.locks).get()).docs.map((doc) => doc.get("job_id") as unknown)).toEqual(["other-job"]);
  });

  it("pages through 23 expired leases five at a time and misses none", async () => {
    const { queue, watchdog, wakeups } = harness({ pageSize: 5 });
    const stuck = await stuckJobs(queue, 23);
    advance(LEASE_MS + 1);

    const report = await watchdog.run();

    expect(report).toMatchObject({ expired_leases_recovered: 23, complete: true });
    // Leases: 5+5+5+5+3; one empty page each for cancel requests, each lane's tail, waiting parents, locks and idempotency records.
    expect(report.pages).toBe(5 + 6);
    for (const { job } of stuck) expect(await queue.getJob(job.id)).toMatchObject({ status: "queued", lease_epoch: 2 });
    expect(new Set(wakeups.map((w) => w.jobId)).size).toBe(23);
  });
});

describe("expired documents", () => {
  it("deletes expired locks and idempotency records and keeps live ones", async () => {
    const { locks, watchdog } = harness();
    await locks.acquireLocks([familyLockKey("old")], { jobId: "j-old", epoch: 1, owner: "w" });
    await idempotencyRecord("old-op", new Date(START.getTime() + 1000));
    advance(LEASE_MS + 1);
    await locks.acquireLocks([familyLockKey("live")], { jobId: "j-live", epoch: 1, owner: "w" });
    await idempotencyRecord("live-op", new Date(now.getTime() + 1000));

    const report = await watchdog.run();

    expect(report).toMatchObject({ locks_deleted: 1, expired_deleted: { catalog_idempotency: 1 }, complete: true });
    expect(await ids(JOB_COLLECTIONS.locks)).toEqual([encodeURIComponent(familyLockKey("live"))]);
    expect(await ids(APPLY_COLLECTIONS.idempotency)).toEqual(["live-op"]);
  });

  it("names a lock whose delete failed by lock_id, not as a job", async () => {
    const { locks, watchdog } = harness();
    await locks.acquireLocks([familyLockKey("old")], { jobId: "j-old", epoch: 1, owner: "w" });
    advance(LEASE_MS + 1);
    jest.spyOn(DocumentReference.prototype, "delete").mockRejectedValueOnce(new Error("firestore unavailable"));

    const logs = await captureLogs(() => watchdog.run("run-1"));

    const failed = logs.filter((line) => line.message === "watchdog item failed");
    expect(failed).toEqual([
      expect.objectContaining({
        severity: "warn",
        run_id: "run-1",
        step: "expired_locks",
        lock_id: encodeURIComponent(familyLockKey("old")),
        error: "firestore unavailable",
      }),
    ]);
    expect(failed[0]).not.toHaveProperty("job_id");
  });
});

describeWithFullEmulator("expired documents under a racing writer (write preconditions)", () => {
  it("keeps an expired lock that another job re-takes between the query and the delete", async () => {
    const { locks, watchdog } = harness();
    await locks.acquireLocks([familyLockKey("a")], { jobId: "j1", epoch: 1, owner: "w" });
    advance(LEASE_MS + 1);
    beforeNextCall(DocumentReference.prototype, "delete", () =>
      locks.acquireLocks([familyLockKey("a")], { jobId: "j2", epoch: 1, owner: "w" }),
    );

    expect(await watchdog.run()).toMatchObject({ locks_deleted: 0, errors: 0 });
    expect(
      (
        await db
          .collection(JOB_COLLECTIONS.locks)
          .doc(encodeURIComponent(familyLockKey("a")))
          .get()
      ).get("job_id"),
    ).toBe("j2");
  });
});

describe("cancel requests of waiting jobs", () => {
  it("cancels a waiting job a client flagged, with its open children, at once rather than at its next lease", async () => {
    const { queue, watchdog, wakeups } = harness();
    const later = new Date(START.getTime() + 15 * 60_000);
    const spec = { spec_id: "s", spec_version: 1 };
    // A parent waiting for its children, its cancel asked for by a client (the rules let it set only this flag).
    const parent = await queue.createJob({
      type: "CATALOG_ENRICH_FIELD",
      payload: { enrichment_spec: spec, exercise_doc_ids: ["e"] },
      created_by: "t",
    });
    const children: string[] = [];
    for (let i = 0; i < 3; i++) {
      const child = await queue.createJob({
        type: "CATALOG_ENRICH_FIELD_SHARD",
        payload: { parent_job_id: parent.jobId, exercise_doc_ids: ["e"], enrichment_spec: spec },
        parent_job_id: parent.jobId,
        created_by: "t",
      });
      children.push(child.jobId);
    }
    await queue.jobRef(children[0]).update({ status: "succeeded" });
    await queue.jobRef(parent.jobId).update({ status: "deferred", run_after: Timestamp.fromDate(later), cancel_requested: true });
    // A job backing off for 15 minutes, flagged; one committed to a plan, flagged (it runs on to finish its plan); one not flagged.
    const backingOff = await queue.createJob({ ...audit(), run_after: later });
    await queue.jobRef(backingOff.jobId).update({ cancel_requested: true });
    const withPlan = await queue.createJob({ ...audit(), run_after: later });
    await queue.jobRef(withPlan.jobId).update({ status: "deferred", plan_id: "plan-1", cancel_requested: true });
    const unflagged = await queue.createJob({ ...audit(), run_after: later });

    expect(await watchdog.run()).toMatchObject({ cancel_requests_applied: 2, errors: 0, complete: true });

    const status = async (id: string) => (await queue.getJob(id))?.status;
    expect(await status(parent.jobId)).toBe("cancelled");
    expect(await Promise.all(children.map(status))).toEqual(["succeeded", "cancelled", "cancelled"]);
    expect(await status(backingOff.jobId)).toBe("cancelled");
    expect(await status(withPlan.jobId)).toBe("deferred");
    expect(await status(unflagged.jobId)).toBe("queued");
    expect(wakeups).toEqual([]);
    expect(await watchdog.run()).toMatchObject({ cancel_requests_applied: 0 });
  });

  it("logs each cancel it applies, naming the job", async () => {
    const { queue, watchdog } = harness();
    const flagged = await queue.createJob({ ...audit(), run_after: new Date(START.getTime() + 15 * 60_000) });
    await queue.jobRef(flagged.jobId).update({ cancel_requested: true });

    const logs = await captureLogs(() => watchdog.run("run-1"));

    expect(logs.filter((line) => line.message === "cancel request applied by the watchdog")).toEqual([
      expect.objectContaining({ severity: "info", run_id: "run-1", job_id: flagged.jobId }),
    ]);
  });

  it("leaves a flagged job as its query saw it no longer: cancelled at its lease meanwhile, or retried by an operator since", async () => {
    const { queue, watchdog } = harness();
    const leasedFirst = await queue.createJob(audit());
    const retried = await queue.createJob(audit());
    for (const { jobId } of [leasedFirst, retried]) await queue.jobRef(jobId).update({ cancel_requested: true });
    const cancelJob = queue.cancelJob.bind(queue);
    jest.spyOn(queue, "cancelJob").mockImplementation(async (jobId: string, only?: { onlyRequestedWaiting: true }) => {
      if (jobId === leasedFirst.jobId) await queue.leaseById(jobId, "w"); // its lease cancels it first
      if (jobId === retried.jobId) {
        await cancelJob(jobId); // cancelled, then an operator retries it: its flag is cleared
        await queue.retryJob(jobId);
      }
      return only ? cancelJob(jobId, only) : cancelJob(jobId);
    });

    expect(await watchdog.run()).toMatchObject({ cancel_requests_applied: 0, errors: 0, complete: true });
    expect((await queue.getJob(leasedFirst.jobId))?.status).toBe("cancelled");
    expect((await queue.getJob(retried.jobId))?.status).toBe("queued");
  });
});

describe("stale queued jobs", () => {
  it("wakes a lane's last waiting jobs ready longer than staleQueuedMs, last first, up to one whose wake-up is alive", async () => {
    const { queue, watchdog, wakeups } = harness();
    const at = (msAgo: number) => new Date(START.getTime() - msAgo);
    // Lane order is creation order here (one priority): the tail is the last created.
    const created = async (input: Parameters<JobQueue["createJob"]>[0]) => {
      advance(1);
      return queue.createJob(input);
    };
    const behindFresh = await created({ ...audit(), run_after: at(STALE_MS + 1) });
    const fresh = await created({ ...audit(), run_after: at(STALE_MS - 1000) });
    const stale = await created({ ...audit(), run_after: at(STALE_MS + 1) });
    advance(1);
    const deferred = await leasedJob(queue);
    await finish(
      queue,
      deferred,
      queue.deferring(deferred.job, at(STALE_MS * 2), { code: "LOCK_HELD", message: "busy", transient: true }, null),
    );
    // Last in lane order (a lower priority), but not due: its wake-up is for later, so it covers nothing now.
    await created({ ...audit(), priority: 50, run_after: new Date(START.getTime() + 1000) });
    const maintenance = await created({
      type: "SCHEMA_CLEANUP",
      payload: { exercise_doc_ids: ["a__b"] },
      created_by: "test",
      run_after: at(STALE_MS + 1),
    });

    const report = await watchdog.run();

    expect(report).toMatchObject({ requeued: 3, complete: true });
    // The fresh job's wake-up, alive, drains the job before it.
    expect(wakeups.map((w) => w.jobId).sort()).toEqual([stale.jobId, deferred.job.id, maintenance.jobId].sort());
    expect(wakeups.some((w) => w.jobId === behindFresh.jobId || w.jobId === fresh.jobId)).toBe(false);
    const window = Math.floor(START.getTime() / STALE_MS);
    expect(wakeups.find((w) => w.jobId === deferred.job.id)).toEqual({
      jobId: deferred.job.id,
      lane: "priority",
      runAfter: at(STALE_MS * 2),
      attempt: 0,
      epoch: 1,
      reason: `stale${window}`,
    });
  });

  it("reads a backlog whose wake-ups were all lost only at its tail, and wakes as many of it as the lane runs at once", async () => {
    const { queue, watchdog, wakeups } = harness({ staleWakeupsPerLane: { priority: 3, maintenance: 1 } });
    const backlog: string[] = [];
    for (let i = 0; i < 7; i++) {
      advance(1);
      backlog.push((await queue.createJob({ ...audit(), run_after: new Date(START.getTime() - STALE_MS - 1) })).jobId);
    }

    const logs = await captureLogs(async () => expect(await watchdog.run("run-1")).toMatchObject({ requeued: 3, complete: true }));

    // The last three in lane order: each wake-up drains the lane until its own job is leased.
    expect(wakeups.map((w) => w.jobId).sort()).toEqual(backlog.slice(4).sort());
    const woken = logs.filter((line) => line.message === "stale job woken by the watchdog");
    expect(woken.map((line) => line.job_id).sort()).toEqual(backlog.slice(4).sort());
    expect(woken[0]).toMatchObject({ severity: "info", run_id: "run-1", lane: "priority" });
  });

  it("counts a stale job's wake-up once when the run before it in the same window asked for it", async () => {
    const { queue, watchdog, wakeups } = harness();
    await queue.createJob({ ...audit(), run_after: new Date(START.getTime() - STALE_MS - 1) });
    expect(await watchdog.run()).toMatchObject({ requeued: 1 });
    expect(await watchdog.run()).toMatchObject({ requeued: 0 });
    expect(wakeups).toHaveLength(1);
  });

  it("counts and logs a wake-up that fails, and goes on with the others", async () => {
    const calls: string[] = [];
    const { queue, watchdog } = harness({}, async (task) => {
      calls.push(task.jobId);
      if (calls.length === 1) throw new Error("tasks unavailable");
    });
    for (let i = 0; i < 2; i++) await queue.createJob({ ...audit(), run_after: new Date(START.getTime() - STALE_MS - 1) });

    let report: WatchdogReport | undefined;
    const logs = await captureLogs(async () => {
      report = await watchdog.run();
    });

    expect(report).toMatchObject({ requeued: 1, errors: 1, complete: true });
    expect(calls).toHaveLength(2);
    expect(logs).toContainEqual(
      expect.objectContaining({
        severity: "warn",
        message: "watchdog item failed",
        step: "stale_queued",
        job_id: calls[0],
        error: "tasks unavailable",
      }),
    );
  });
});

/** A job document as firestore.rules let a client write it: no `run_after` nor any other server field until intake; an undefined field is left out. */
async function clientJob(createdAt: Date, fields: Record<string, unknown> = {}): Promise<DocumentReference> {
  const ref = db.collection(JOB_COLLECTIONS.jobs).doc();
  const data = { ...audit(), created_by: "uid-1", status: "queued", created_at: Timestamp.fromDate(createdAt), ...fields };
  await ref.set(Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined)));
  return ref;
}

describe("client-written jobs intake never took in (a lost create trigger)", () => {
  const old = () => new Date(START.getTime() - STALE_MS - 1);

  it("takes in a client's job older than staleQueuedMs as the trigger would: normalised, woken, then polled", async () => {
    const { queue, watchdog, wakeups } = harness();
    const ref = await clientJob(old());

    expect(await watchdog.run()).toMatchObject({ untaken_taken_in: 1, errors: 0, complete: true });

    expect(await queue.getJob(ref.id)).toMatchObject({
      status: "queued",
      created_by: "uid-1",
      created_at: old(),
      run_after: now,
      attempts: 0,
      lease_epoch: 0,
    });
    expect(wakeups).toEqual([{ jobId: ref.id, lane: "priority", runAfter: now, attempt: 0, epoch: 0 }]);
    const page = await queue.pollCandidates(["priority"], 10);
    expect(page.candidates.map((c) => c.job.id)).toEqual([ref.id]);
  });

  it("logs each job it takes in, naming it and what intake made of it", async () => {
    const { watchdog } = harness();
    const ref = await clientJob(old());

    const logs = await captureLogs(() => watchdog.run("run-1"));

    expect(logs.filter((line) => line.message === "job taken in by the watchdog")).toEqual([
      expect.objectContaining({ severity: "info", run_id: "run-1", job_id: ref.id, outcome: "accepted" }),
    ]);
  });

  it("takes a job in once: a later run finds nothing to take in and writes nothing", async () => {
    const { watchdog, wakeups } = harness();
    const ref = await clientJob(old());
    expect(await watchdog.run()).toMatchObject({ untaken_taken_in: 1 });
    const takenIn = (await ref.get()).updateTime;

    // The counts agree, so no queued job is read: one empty page for each of the other steps (two lanes), as in an empty database.
    expect(await watchdog.run()).toMatchObject({ untaken_taken_in: 0, errors: 0, pages: 7 });
    expect((await ref.get()).updateTime).toEqual(takenIn);
    expect(wakeups).toHaveLength(1);
  });

  it("leaves a younger client job to its trigger, and reads no queued job for it", async () => {
    const { queue, watchdog, wakeups } = harness();
    const { jobId: takenIn } = await queue.createJob({ ...audit(), run_after: new Date(START.getTime() + 3_600_000) });
    advance(STALE_MS + 1);
    const { pages: withoutIt } = await watchdog.run();
    // Only jobs older than staleQueuedMs are counted: the young job's trigger may be in flight.
    const young = await clientJob(new Date(now.getTime() - STALE_MS + 1000));
    const before = await Promise.all([young.get(), queue.jobRef(takenIn).get()]);

    expect(await watchdog.run()).toMatchObject({ untaken_taken_in: 0, errors: 0, complete: true, pages: withoutIt });

    const after = await Promise.all([young.get(), queue.jobRef(takenIn).get()]);
    expect(after.map((snap) => snap.updateTime)).toEqual(before.map((snap) => snap.updateTime));
    expect(after[0].get("run_after")).toBeUndefined();
    expect(wakeups).toEqual([]);
  });

  it("counts and logs a job it took in whose wake-up then failed, and reports that failure on its own", async () => {
    const { queue, watchdog } = harness({}, async () => {
      throw new Error("tasks unavailable");
    });
    const ref = await clientJob(old());

    let report: WatchdogReport | undefined;
    const logs = await captureLogs(async () => {
      report = await watchdog.run("run-1");
    });

    // Taken in, so no later run finds it to count: the stale step wakes it once it has waited staleQueuedMs.
    expect(report).toMatchObject({ untaken_taken_in: 1, errors: 1, complete: true });
    expect(await queue.getJob(ref.id)).toMatchObject({ status: "queued", run_after: now });
    expect(logs).toContainEqual(expect.objectContaining({ message: "job taken in by the watchdog", job_id: ref.id, outcome: "accepted" }));
    expect(logs).toContainEqual(
      expect.objectContaining({ message: "watchdog item failed", step: "untaken_jobs", job_id: ref.id, error: "tasks unavailable" }),
    );
  });

  it("fails an invalid client job INVALID_JOB as intake does, its creator unknown when the document names none", async () => {
    const { queue, watchdog, wakeups } = harness();
    const ref = await clientJob(old(), { payload: { family_slug: "not/a/slug" }, created_by: undefined });

    expect(await watchdog.run()).toMatchObject({ untaken_taken_in: 1, errors: 0 });

    expect((await ref.get()).data()).toMatchObject({
      status: "failed",
      created_by: "unknown",
      error: { code: "INVALID_JOB", transient: false },
      finished_at: Timestamp.fromDate(now),
    });
    expect(await queue.pollCandidates(["priority"], 10)).toMatchObject({ candidates: [] });
    expect(wakeups).toEqual([]);
  });
});

describeWithFullEmulator("a late trigger racing the watchdog (write preconditions)", () => {
  it("takes a job in once when the trigger's intake and the watchdog take it in at once", async () => {
    const asked: WakeupTask[] = [];
    const { queue, watchdog, tasks, wakeups } = harness({}, async (task) => {
      asked.push(task);
    });
    const ref = await clientJob(new Date(START.getTime() - STALE_MS - 1));
    const delivered = await ref.get();
    // Both takers hold the document as it was before intake, then write at the same time.
    const takeIn = queue.takeIn.bind(queue);
    let release = () => undefined as void;
    const bothArrived = new Promise<void>((resolve) => (release = resolve));
    const commits = jest.spyOn(WriteBatch.prototype, "commit");
    let arrived = 0;
    let done = 0;
    let intakeCommits: jest.MockResult<unknown>[] = [];
    jest.spyOn(queue, "takeIn").mockImplementation(async (snap, createdBy) => {
      if (++arrived === 2) release();
      await bothArrived;
      const decision = await takeIn(snap, createdBy);
      // The commits of the two intakes, before anything else (the run report) commits.
      if (++done === 2) intakeCommits = [...commits.mock.results];
      return decision;
    });

    const [trigger, report] = await Promise.all([
      acceptJob(queue, tasks, delivered, "uid-1"),
      // A watchdog that never takes the job in must not hold the trigger back forever.
      watchdog.run().finally(release),
    ]);

    expect(arrived).toBe(2);
    expect(trigger.outcome).toBe("accepted");
    expect(report.errors).toBe(0);
    // One intake write landed; the other was refused by its precondition, and that taker found the job taken in.
    const settled = await Promise.allSettled(intakeCommits.map((result) => result.value as Promise<unknown>));
    expect(settled.map((s) => s.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(await queue.getJob(ref.id)).toMatchObject({ status: "queued", created_by: "uid-1", attempts: 0, lease_epoch: 0 });
    // Both asked for the same wake-up task: one name, so Cloud Tasks keeps one.
    expect(asked).toHaveLength(2);
    expect(asked[1]).toEqual(asked[0]);
    expect(wakeups).toHaveLength(1);
  });
  it("a trigger retried past the watchdog's take-in names the creator the document left out (the rules let only its creator read it), once", async () => {
    const { queue, watchdog, tasks } = harness();
    const ref = await clientJob(new Date(START.getTime() - STALE_MS - 1), { created_by: undefined });
    const delivered = await ref.get();
    expect(await watchdog.run()).toMatchObject({ untaken_taken_in: 1, errors: 0 });
    expect(await queue.getJob(ref.id)).toMatchObject({ status: "queued", created_by: "unknown" });

    // The trigger's delivery, late (its snapshot from before the take-in), then once more.
    expect(await acceptJob(queue, tasks, delivered, "uid-1")).toMatchObject({ outcome: "accepted" });
    const corrected = await ref.get();
    expect(corrected.get("created_by")).toBe("uid-1");
    expect(await acceptJob(queue, tasks, ref.id, "uid-2")).toMatchObject({ outcome: "accepted" });
    expect((await ref.get()).updateTime).toEqual(corrected.updateTime);
  });
});

describe("parents waiting for their shards", () => {
  const spec = { spec_id: "s", spec_version: 1 };

  async function parent(queue: JobQueue, shardStatuses: ("finished" | "open")[], expectedTotal = shardStatuses.length): Promise<string> {
    const { jobId } = await queue.createJob({
      type: "CATALOG_ENRICH_FIELD",
      payload: { enrichment_spec: spec, exercise_doc_ids: ["e"] },
      created_by: "t",
    });
    const leased = await queue.leaseById(jobId, "w");
    const waiting = { code: "WAITING_FOR_SHARDS", message: "waiting", transient: true };
    await finish(queue, leased, queue.deferring(leased!.job, new Date(now.getTime() + 3_600_000), waiting, null));
    await db
      .collection(JOB_COLLECTIONS.jobs)
      .doc(jobId)
      .update({ shards: { total: expectedTotal, succeeded: 0, failed: 0 } });
    for (const status of shardStatuses) {
      const shard = await queue.createJob({
        type: "CATALOG_ENRICH_FIELD_SHARD",
        payload: { parent_job_id: jobId, exercise_doc_ids: ["e"], enrichment_spec: spec },
        parent_job_id: jobId,
        run_after: new Date(now.getTime() + 3_600_000),
        created_by: "t",
      });
      if (status === "finished") await queue.cancelJob(shard.jobId);
    }
    return jobId;
  }

  it("wakes a parent only when all its children exist and are final", async () => {
    const { queue, watchdog, wakeups } = harness();
    const done = await parent(queue, ["finished", "finished"]);
    await parent(queue, ["finished", "open"]);
    await parent(queue, ["finished", "finished"], 3);
    await parent(queue, []);

    const logs = await captureLogs(async () => expect(await watchdog.run("run-1")).toMatchObject({ parents_woken: 1, complete: true }));
    expect(wakeups.map((w) => w.jobId)).toEqual([done]);
    expect(logs.filter((line) => line.message === "parent woken by the watchdog: its children have all finished")).toEqual([
      expect.objectContaining({ severity: "info", run_id: "run-1", job_id: done }),
    ]);
    expect((await queue.getJob(done))?.run_after.getTime()).toBe(now.getTime());
  });

  it("counts a parent once when the run before it in the same window woke it, and asks for its wake-up once", async () => {
    const { queue, watchdog, wakeups } = harness();
    const id = await parent(queue, ["finished"]);
    expect(await watchdog.run()).toMatchObject({ parents_woken: 1 });
    expect(await watchdog.run()).toMatchObject({ parents_woken: 0 });
    expect(wakeups.map((w) => w.jobId)).toEqual([id]);
  });

  it("counts a parent its last child made due, whose wake-up was lost: the run sends its only wake-up", async () => {
    const { queue, watchdog, wakeups } = harness();
    const id = await parent(queue, ["finished"]);
    // The last child's count made it due; the wake-up that was to follow it was never sent.
    await queue.jobRef(id).update({ run_after: Timestamp.fromDate(now) });
    expect(await watchdog.run()).toMatchObject({ parents_woken: 1 });
    expect(wakeups.map((w) => w.jobId)).toEqual([id]);
  });

  it("counts a parent once when two runs overlap: one makes it due, the other finds it due and its wake-up is taken first", async () => {
    const reports: WatchdogReport[] = [];
    let overlapping: Harness | undefined;
    const shared = namedTasks(async () => {
      // Between the first run's transaction, which made the parent due, and its wake-up: the whole second run.
      const second = overlapping;
      overlapping = undefined;
      if (second) reports.push(await second.watchdog.run("second"));
    });
    const first = harness({}, undefined, db, shared);
    overlapping = harness({}, undefined, db, shared);
    const id = await parent(first.queue, ["finished"]);

    reports.push(await first.watchdog.run("first"));

    expect(reports.map((report) => [report.run_id, report.parents_woken])).toEqual([
      ["second", 1],
      ["first", 0],
    ]);
    expect(shared.wakeups.map((w) => w.jobId)).toEqual([id]);
  });

  it("counts a parent once when another run woke it first", async () => {
    const { queue, watchdog } = harness();
    const id = await parent(queue, ["finished"]);
    await queue.jobRef(id).update({ status: "succeeded" });
    expect(await watchdog.run()).toMatchObject({ parents_woken: 0 });
  });
});

describe("budget and report", () => {
  it("a step whose query fails is reported failed, and the steps after it still run and the report is saved", async () => {
    const { queue, locks, watchdog } = harness();
    const stuck = await leasedJob(queue);
    await locks.acquireLocks(["family:squat"], { jobId: "gone", epoch: 1, owner: "w" });
    advance(LEASE_MS + 1);
    failNextQuery(); // the first page of the expired leases: an outage

    const report = await watchdog.run("step-failed");

    expect(report).toMatchObject({ failed_steps: ["expired_leases"], errors: 1, complete: false, locks_deleted: 1 });
    expect((await queue.getJob(stuck.job.id))?.status).toBe("running");
    expect((await db.collection(JOB_COLLECTIONS.watchdogRuns).doc("step-failed").get()).get("failed_steps")).toEqual(["expired_leases"]);
  });

  it("with a budget of 0 ms does nothing and reports complete:false with what remains", async () => {
    const { queue, locks, watchdog } = harness({ budgetMs: 0 });
    const stuck = await stuckJobs(queue, 3);
    await locks.acquireLocks([familyLockKey("a")], { jobId: "j", epoch: 1, owner: "w" });
    advance(LEASE_MS + 1);

    const report = await watchdog.run();

    expect(report).toMatchObject({ expired_leases_recovered: 0, locks_deleted: 0, pages: 0, complete: false });
    // Every lane's tail is left for the next run too.
    expect(report.remaining).toEqual({ expired_leases: 3, stale_queued_lanes: 2, expired_locks: 1 });
    for (const { job } of stuck) expect((await queue.getJob(job.id))?.status).toBe("running");
  });

  it("counts the lanes, not their jobs, that the stale step left when the budget ran out", async () => {
    const { queue, watchdog, wakeups } = harness({ budgetMs: 0 });
    for (let i = 0; i < 3; i++) await queue.createJob({ ...audit(), run_after: new Date(START.getTime() - STALE_MS - 1) });

    // The step reads a lane's tail, never its length: what it left is every lane, whatever they hold.
    expect((await watchdog.run()).remaining).toEqual({ stale_queued_lanes: 2 });
    expect(wakeups).toEqual([]);
  });

  it("writes the run report to catalog_watchdog_runs/{runId} and logs it", async () => {
    const { queue, watchdog } = harness();
    await leasedJob(queue);
    advance(LEASE_MS + 1);

    let report: WatchdogReport | undefined;
    const logs = await captureLogs(async () => {
      report = await watchdog.run("run-1");
    });

    const stored = (await db.collection(JOB_COLLECTIONS.watchdogRuns).doc("run-1").get()).data();
    expect(stored).toMatchObject({
      run_id: "run-1",
      expired_leases_recovered: 1,
      complete: true,
      remaining: {},
      started_at: Timestamp.fromDate(now),
      finished_at: Timestamp.fromDate(now),
    });
    expect(stored!.duration_ms).toBe(report!.duration_ms);
    expect(logs).toContainEqual(
      expect.objectContaining({ severity: "info", message: "watchdog run", run_id: "run-1", expired_leases_recovered: 1 }),
    );
  });

  it("gives each run its own report id by default", async () => {
    const { watchdog } = harness();
    const [a, b] = [await watchdog.run(), await watchdog.run()];
    expect(a.run_id).not.toBe(b.run_id);
    expect(await ids(JOB_COLLECTIONS.watchdogRuns)).toEqual([a.run_id, b.run_id].sort());
  });
});

describeWithIsolation("overlapping watchdog runs (real transaction isolation)", () => {
  it("two runs at once with separate clients recover each stuck job once and delete each expired document once", async () => {
    const { queue, locks } = harness();
    const stuck = await stuckJobs(queue, 20);
    for (let i = 0; i < 7; i++) {
      await locks.acquireLocks([familyLockKey(`f${i}`)], { jobId: `other-${i}`, epoch: 1, owner: "w" });
      await idempotencyRecord(`op-${i}`, new Date(START.getTime() + 1000));
    }
    advance(LEASE_MS + 1);
    const [a, b] = [harness({ pageSize: 5 }, undefined, newFirestore()), harness({ pageSize: 5 }, undefined, newFirestore())];

    const [ra, rb] = await Promise.all([a.watchdog.run(), b.watchdog.run()]);

    expect(ra.errors + rb.errors).toBe(0);
    expect(ra.expired_leases_recovered + rb.expired_leases_recovered).toBe(20);
    expect(ra.locks_deleted + rb.locks_deleted).toBe(7);
    expect(ra.expired_deleted.catalog_idempotency + rb.expired_deleted.catalog_idempotency).toBe(7);
    for (const { job } of stuck) expect(await queue.getJob(job.id)).toMatchObject({ status: "queued", lease_epoch: 2 });
    const woken = [...a.wakeups, ...b.wakeups].map((w) => w.jobId);
    expect(woken).toHaveLength(20);
    expect(new Set(woken).size).toBe(20);
  });
});
