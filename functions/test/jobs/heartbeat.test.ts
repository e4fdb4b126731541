/**
 * The heartbeat keeps a running job's lease and locks alive, stops the handler when the lease is
 * gone, and leaves no renewal running once it is stopped (the worker ends the job right after).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { DocumentReference, Timestamp } from "firebase-admin/firestore";
import { createEngine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { JobCancelledError, LeaseLostError, runDeadlineFailure } from "../../src/jobs/errors";
import { Heartbeat } from "../../src/jobs/heartbeat";
import { type LockHolder, LockManager } from "../../src/jobs/locks";
import { cancelRequested } from "../../src/jobs/outcomes";
import { JobQueue } from "../../src/jobs/queue";
import { testQueue } from "../helpers/engine";
import { useFirestore } from "../helpers/firestore";
import { registryWith } from "../helpers/registry";
import { RecordingTasks, testConfig } from "../helpers/runtime";
import { GrpcStatus } from "../../src/util/grpc-status";

const db = useFirestore();
const KEY = "family:bench_press";
/** The longest a test waits for what a beat should do (each wait ends as soon as it is done): room for a busy machine. */
const WAIT_MS = 10_000;

/** Locks whose renewal, once `hold` is called, waits until `release` lets it through. */
class GatedLocks extends LockManager {
  started = 0;
  ended = 0;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  private entered: (() => void) | undefined;

  /** Holds the next renewal; resolves once it is under way. */
  hold(): Promise<void> {
    this.gate = new Promise((resolve) => (this.open = resolve));
    return new Promise((resolve) => (this.entered = resolve));
  }

  release(): void {
    this.open?.();
  }

  override async renewLocks(keys: readonly string[], holder: LockHolder): Promise<void> {
    this.started++;
    this.entered?.();
    await this.gate;
    await super.renewLocks(keys, holder);
    this.ended++;
  }
}

async function runningJob(parentJobId?: string) {
  const queue = testQueue(db);
  const { jobId } = await queue.createJob({
    type: "FAMILY_AUDIT",
    payload: { family_slug: "bench_press" },
    created_by: "test",
    ...(parentJobId ? { parent_job_id: parentJobId } : {}),
  });
  const { lease } = (await queue.leaseById(jobId, "worker-1"))!;
  const locks = new GatedLocks(db);
  await locks.acquireLocks([KEY], { jobId, epoch: lease.epoch, owner: lease.owner });
  return { queue, lease, locks, jobRef: db.collection(JOB_COLLECTIONS.jobs).doc(jobId) };
}

const expiryOf = async (ref: DocumentReference, field: string) => ((await ref.get()).get(field) as Timestamp).toMillis();

describe("heartbeat", () => {
  it("renews the lease and the locks", async () => {
    const { queue, lease, locks, jobRef } = await runningJob();
    const lockRef = db.collection(JOB_COLLECTIONS.locks).doc(encodeURIComponent(KEY));
    const [leaseBefore, lockBefore] = [await expiryOf(jobRef, "lease_expires_at"), await expiryOf(lockRef, "expires_at")];
    const heartbeat = new Heartbeat(queue, locks, lease, 20, () => new Date());
    heartbeat.start([KEY]);
    while (locks.ended < 2) await sleep(10);
    await heartbeat.stop();
    expect(await expiryOf(jobRef, "lease_expires_at")).toBeGreaterThan(leaseBefore);
    expect(await expiryOf(lockRef, "expires_at")).toBeGreaterThan(lockBefore);
    expect(heartbeat.signal.aborted).toBe(false);
  });

  it("asks a running child to stop once its parent is cancelled (a cancel whose children's step never ran)", async () => {
    const parent = await testQueue(db).createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
    const { queue, lease, locks, jobRef } = await runningJob(parent.jobId);
    const child = { parent_job_id: parent.jobId, created_at: new Date(), requeued_at: null };
    const heartbeat = new Heartbeat(queue, locks, lease, 20, () => new Date(), child);
    heartbeat.start([KEY]);
    while (locks.ended < 2) await sleep(10);
    expect(heartbeat.signal.aborted).toBe(false);

    // The parent's cancel alone: the step that asks its children to stop never ran.
    await queue.cancelJob(parent.jobId);
    while (!heartbeat.signal.aborted) await sleep(10);
    await heartbeat.stop();
    expect(cancelRequested(heartbeat.signal)).toBe(true);
    expect((await jobRef.get()).get("cancel_requested")).toBe(true);
    expect(() => heartbeat.throwIfLeaseLost()).not.toThrow();
  });

  it("asks a running child to stop once its running parent is asked to stop, before the parent has seen it", async () => {
    const parent = await testQueue(db).createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
    const { queue, lease, locks, jobRef } = await runningJob(parent.jobId);
    await queue.leaseById(parent.jobId, "worker-2");
    const child = { parent_job_id: parent.jobId, created_at: new Date(), requeued_at: null };
    const heartbeat = new Heartbeat(queue, locks, lease, 20, () => new Date(), child);
    heartbeat.start([KEY]);
    while (locks.ended < 2) await sleep(10);
    expect(heartbeat.signal.aborted).toBe(false);

    // A client's flag on the running parent: the parent stops at its next safe point, its children with it.
    await queue.jobRef(parent.jobId).update({ cancel_requested: true });
    const renewed = locks.ended;
    while (!heartbeat.signal.aborted && locks.ended < renewed + 10) await sleep(10);
    await heartbeat.stop();
    expect(cancelRequested(heartbeat.signal)).toBe(true);
    expect((await jobRef.get()).get("cancel_requested")).toBe(true);
  });

  it("leaves a running child to run when an operator's retry queues its cancelled parent between the beat's read of it and the cancel", async () => {
    const parent = await testQueue(db).createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
    const { queue, lease, locks, jobRef } = await runningJob(parent.jobId);
    // The parent's cancel alone: the step that asks its children to stop never ran.
    await queue.cancelJob(parent.jobId);
    const readParent = queue.parentCancelledSinceQueued.bind(queue);
    const seen: boolean[] = [];
    const reads = jest.spyOn(queue, "parentCancelledSinceQueued").mockImplementationOnce(async (child) => {
      seen.push(await readParent(child));
      // The retry queues the parent, whose children are then left to run.
      await queue.retryJob(parent.jobId);
      return seen[0];
    });
    const heartbeat = new Heartbeat(queue, locks, lease, 20, () => new Date(), await queue.getJob(lease.jobId));
    heartbeat.start([KEY]);
    try {
      while (locks.ended < 3) await sleep(10);
    } finally {
      await heartbeat.stop();
      reads.mockRestore();
    }

    expect(seen).toEqual([true]);
    expect(heartbeat.signal.aborted).toBe(false);
    expect((await jobRef.get()).get("cancel_requested")).toBe(false);
    expect((await queue.jobRef(parent.jobId).get()).get("status")).toBe("queued");
  });

  it("stops the handler when the lease was taken away", async () => {
    const { queue, lease, locks, jobRef } = await runningJob();
    const heartbeat = new Heartbeat(queue, locks, lease, 20, () => new Date());
    // The watchdog gave the job to another worker: a newer epoch.
    await jobRef.update({ lease_epoch: lease.epoch + 1, lease_owner: "worker-2" });
    heartbeat.start([KEY]);
    while (!heartbeat.signal.aborted) await sleep(10);
    expect(() => heartbeat.throwIfLeaseLost()).toThrow(LeaseLostError);
    await heartbeat.stop();
    expect(locks.started).toBe(0);
  });

  it("keeps renewing after a cancel request (a frozen plan runs to its end), and still tells a lost lease", async () => {
    const { queue, lease, locks, jobRef } = await runningJob();
    const heartbeat = new Heartbeat(queue, locks, lease, 20, () => new Date());
    await jobRef.update({ cancel_requested: true });
    heartbeat.start([KEY]);
    while (!heartbeat.signal.aborted) await sleep(10);
    expect(cancelRequested(heartbeat.signal)).toBe(true);
    const renewals = locks.ended;
    const leaseAtCancel = await expiryOf(jobRef, "lease_expires_at");
    const renewingFrom = Date.now();
    while (locks.ended < renewals + 2 && Date.now() - renewingFrom < WAIT_MS) await sleep(10);
    expect(locks.ended).toBeGreaterThanOrEqual(renewals + 2);
    expect(await expiryOf(jobRef, "lease_expires_at")).toBeGreaterThan(leaseAtCancel);
    expect(() => heartbeat.throwIfLeaseLost()).not.toThrow();
    expect(heartbeat.hardStop.aborted).toBe(false);

    // Then the watchdog gives the job to another worker: the next renewal finds the lease gone, and the
    // hard stop (what a frozen plan watches after a cancel) fires with it.
    await jobRef.update({ lease_epoch: lease.epoch + 1, lease_owner: "worker-2" });
    const waitedFrom = Date.now();
    while (Date.now() - waitedFrom < WAIT_MS) {
      try {
        heartbeat.throwIfLeaseLost();
      } catch {
        break;
      }
      await sleep(10);
    }
    expect(() => heartbeat.throwIfLeaseLost()).toThrow(LeaseLostError);
    expect(heartbeat.hardStop.reason).toBeInstanceOf(LeaseLostError);
    expect(cancelRequested(heartbeat.signal)).toBe(true);
    await heartbeat.stop();
  });

  it("fires the hard stop at the run's deadline, after a cancel too, and never for a cancel alone", async () => {
    const { queue, lease, locks, jobRef } = await runningJob();
    const heartbeat = new Heartbeat(queue, locks, lease, 20, () => new Date());
    await jobRef.update({ cancel_requested: true });
    heartbeat.start([KEY]);
    while (!heartbeat.signal.aborted) await sleep(10);
    expect(heartbeat.hardStop.aborted).toBe(false);

    const deadline = runDeadlineFailure(lease.jobId, 100);
    heartbeat.stopAt(Date.now() + 50, deadline);
    const waitedFrom = Date.now();
    while (!heartbeat.hardStop.aborted && Date.now() - waitedFrom < WAIT_MS) await sleep(10);
    expect(heartbeat.hardStop.reason).toBe(deadline);
    expect(cancelRequested(heartbeat.signal)).toBe(true);
    await heartbeat.stop();
  });

  it("stops the handler before its locks lapse when only their renewal keeps failing, though the lease is renewed", async () => {
    const queue = testQueue(db, { leaseMs: 1500 });
    const { jobId } = await queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "bench_press" }, created_by: "test" });
    const { lease } = (await queue.leaseById(jobId, "worker-1"))!;
    const locks = new (class extends LockManager {
      override renewLocks(): Promise<void> {
        return Promise.reject(Object.assign(new Error("UNAVAILABLE: lock renewal"), { code: GrpcStatus.UNAVAILABLE }));
      }
    })(db, () => new Date(), 1500);
    // In the worker's order: the heartbeat first, then the locks (a moment later: the handler names them),
    // so the locks outlast the lease the heartbeat counts on by more than a renewal's jitter.
    const heartbeat = new Heartbeat(queue, locks, lease, 300, () => new Date());
    await sleep(200);
    await locks.acquireLocks([KEY], { jobId, epoch: lease.epoch, owner: lease.owner });
    const lockExpiry = await expiryOf(db.collection(JOB_COLLECTIONS.locks).doc(encodeURIComponent(KEY)), "expires_at");
    heartbeat.start([KEY]);
    while (!heartbeat.signal.aborted && Date.now() < lockExpiry + 1000) await sleep(10);
    const stoppedAt = Date.now();
    await heartbeat.stop();
    expect(() => heartbeat.throwIfLeaseLost()).toThrow(LeaseLostError);
    expect(stoppedAt).toBeLessThan(lockExpiry);
    // Nobody took the job, and the lease has not lapsed: its worker ends the attempt itself.
    expect(heartbeat.signal.reason).toMatchObject({ holderMayEnd: true });
  });

  it("does not take back a lease that ran out while its process slept: the handler stops, the lease stays expired", async () => {
    const { queue, lease, locks, jobRef } = await runningJob();
    let now = Date.now();
    const heartbeat = new Heartbeat(queue, locks, lease, 20, () => new Date(now));
    const expiredAt = await expiryOf(jobRef, "lease_expires_at");
    now += queue.leaseMs + 1; // the process was paused for longer than the lease
    heartbeat.start([KEY]);
    const waitedFrom = Date.now();
    while (!heartbeat.signal.aborted && Date.now() - waitedFrom < WAIT_MS) await sleep(10);
    await heartbeat.stop();
    expect(() => heartbeat.throwIfLeaseLost()).toThrow("lease expired before it was renewed");
    // Nobody took the job: its worker may end the attempt itself, with what it spent.
    expect(heartbeat.signal.reason).toMatchObject({ holderMayEnd: true });
    expect(await expiryOf(jobRef, "lease_expires_at")).toBe(expiredAt);
    expect(locks.started).toBe(0);
  });

  it("finds at its next beat a lease that ran out while its process slept, and leaves its worker to end the attempt", async () => {
    const { queue, lease, locks, jobRef } = await runningJob();
    let now = Date.now();
    const heartbeat = new Heartbeat(queue, locks, lease, 20, () => new Date(now));
    const expiredAt = await expiryOf(jobRef, "lease_expires_at");
    heartbeat.start([KEY]);
    now += queue.leaseMs + 1; // paused after the start: the beat, due first, finds the lease run out
    const waitedFrom = Date.now();
    while (!heartbeat.signal.aborted && Date.now() - waitedFrom < WAIT_MS) await sleep(10);
    await heartbeat.stop();
    expect(heartbeat.signal.reason).toMatchObject({ reason: "lease expired before it was renewed", holderMayEnd: true });
    expect(await expiryOf(jobRef, "lease_expires_at")).toBe(expiredAt);
  });

  it("stops the handler when any write of the holder finds a cancel requested, not only its own renewal", async () => {
    const { queue, lease, locks, jobRef } = await runningJob();
    // No renewal within the test: the progress write is the one that meets the cancel.
    const heartbeat = new Heartbeat(queue, locks, lease, 60_000, () => new Date());
    heartbeat.start([KEY]);
    await jobRef.update({ cancel_requested: true });
    await queue.reportProgress(lease, { done: 1, total: 2 });
    expect(heartbeat.signal.aborted).toBe(true);
    expect(cancelRequested(heartbeat.signal)).toBe(true);
    // The renewal that comes after it (its write no longer conflicts) still reports the cancel.
    expect((await queue.renewLease(lease)).cancelRequested).toBe(true);
    await heartbeat.stop();
    expect(locks.started).toBe(0);
  });

  it("a plan is not frozen over a cancel its write finds: the job stops with nothing saved", async () => {
    const { queue, lease, jobRef } = await runningJob();
    await jobRef.update({ cancel_requested: true });
    await expect(queue.savePlan(lease, { operations: [] })).rejects.toThrow(JobCancelledError);
    expect((await jobRef.get()).get("plan_id")).toBeNull();
    expect((await jobRef.collection(JOB_COLLECTIONS.plans).get()).size).toBe(0);
  });

  it("a plan is not frozen over a cancel another holder write found first, whose write no longer conflicts", async () => {
    const { queue, lease, jobRef } = await runningJob();
    await jobRef.update({ cancel_requested: true });
    // The progress write meets the cancel and catches up with the document: the plan's write would commit.
    await queue.reportProgress(lease, { done: 1, total: 2 });
    await expect(queue.savePlan(lease, { operations: [] })).rejects.toThrow(JobCancelledError);
    expect((await jobRef.get()).get("plan_id")).toBeNull();
    expect((await jobRef.collection(JOB_COLLECTIONS.plans).get()).size).toBe(0);
  });

  it("stops the handler when the lease it holds would lapse while a renewal hangs (its locks lapse then too)", async () => {
    // A lease of 400 ms renewed every 100 ms: the first beat renews the lease, then its lock renewal neither lands nor fails.
    const queue = testQueue(db, { leaseMs: 400 });
    const { jobId } = await queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "bench_press" }, created_by: "test" });
    const { lease } = (await queue.leaseById(jobId, "worker-1"))!;
    const locks = new GatedLocks(db);
    await locks.acquireLocks([KEY], { jobId, epoch: lease.epoch, owner: lease.owner });
    const heartbeat = new Heartbeat(queue, locks, lease, 100, () => new Date());
    const hung = locks.hold();
    heartbeat.start([KEY]);
    await hung;
    for (let waited = 0; waited < WAIT_MS && !heartbeat.hardStop.aborted; waited += 20) await sleep(20);
    expect(heartbeat.hardStop.reason).toBeInstanceOf(LeaseLostError);
    expect(() => heartbeat.throwIfLeaseLost()).toThrow(LeaseLostError);
    locks.release();
    await heartbeat.stop();
  });

  it("resolves stop only after the renewal under way has ended, and starts no other", async () => {
    const { queue, lease, locks } = await runningJob();
    const heartbeat = new Heartbeat(queue, locks, lease, 20, () => new Date());
    const underWay = locks.hold();
    heartbeat.start([KEY]);
    await underWay;
    let stopped = false;
    const stopping = heartbeat.stop().then(() => (stopped = true));
    await sleep(100);
    expect(stopped).toBe(false);
    locks.release();
    await stopping;
    expect(locks.ended).toBe(1);
    await sleep(100);
    expect(locks.started).toBe(1);
  });
});

describe("a worker whose renewals keep failing while its job runs, its last write landing (the outage has passed)", () => {
  /** An audit that holds a lock, makes an LLM call and runs until its signal fires, then stops there (a safe point). */
  const untilStopped = registryWith({
    FAMILY_AUDIT: {
      lockKeys: () => [KEY],
      async run({ ctx, attempt }) {
        attempt.llmCall("audit", {
          model: "fake",
          calls: 1,
          input_tokens: 100,
          output_tokens: 10,
          latency_ms: 1,
          estimated_cost_usd: 0.001,
        });
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
        ctx.signal.throwIfAborted();
        throw new Error("unreachable: the signal fired");
      },
    },
  });
  const outage = () => Object.assign(new Error("UNAVAILABLE: injected renewal fault"), { code: GrpcStatus.UNAVAILABLE });

  it.each(["lease", "locks", "a lock taken"] as const)(
    "ends the attempt itself when its renewal fails (%s): the job is retried, not left running for the watchdog",
    async (failing) => {
      const renewals =
        failing === "lease"
          ? jest.spyOn(JobQueue.prototype, "renewLease").mockRejectedValue(outage())
          : jest
              .spyOn(LockManager.prototype, "renewLocks")
              .mockRejectedValue(failing === "locks" ? outage() : new LeaseLostError("any", `lock ${KEY} is no longer held`));
      try {
        const tasks = new RecordingTasks();
        // A lease of 1.5 s renewed every 300 ms: about the fourth beat finds it would lapse before the next renewal ends, and gives up.
        const engine = createEngine({ db, config: testConfig({ leaseMs: 1500, heartbeatMs: 300 }), tasks, registry: untilStopped });
        const { jobId } = await engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });

        const report = await engine.worker("w1").run((await engine.queue.leaseById(jobId, "w1"))!);

        expect(renewals).toHaveBeenCalled();
        expect(report).toMatchObject({ status: "queued", error: { code: "LEASE_EXPIRED", transient: true } });
        expect(report.error?.message).toContain(failing === "a lock taken" ? "is no longer held" : "lease renewal failing");
        const job = (await engine.queue.jobRef(jobId).get()).data()!;
        // Queued again with the attempt used, as the watchdog would have, and what the attempt spent counted in the job.
        expect(job).toMatchObject({
          status: "queued",
          attempts: 1,
          lease_owner: null,
          error: { code: "LEASE_EXPIRED" },
          llm_usage: { calls: 1 },
        });
        const attempts = await engine.queue.jobRef(jobId).collection(JOB_COLLECTIONS.attempts).get();
        expect(attempts.docs.map((doc) => doc.data())).toMatchObject([
          { status: "queued", error: { code: "LEASE_EXPIRED" }, finished_at: expect.anything() as unknown },
        ]);
        expect((await db.collection(JOB_COLLECTIONS.locks).doc(encodeURIComponent(KEY)).get()).exists).toBe(false);
        expect(tasks.tasks).toMatchObject([{ jobId, attempt: 1 }]);
      } finally {
        renewals.mockRestore();
      }
    },
  );
});
