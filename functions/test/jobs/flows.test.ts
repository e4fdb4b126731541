import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import {
  ChildrenNotCancelledError,
  InvalidTransitionError,
  JobFailure,
  refusedTransition,
  runDeadlineFailure,
} from "../../src/jobs/errors";
import { JobFlows, childJobId } from "../../src/jobs/flows";
import { type JobHandler, followUpJobId } from "../../src/jobs/handler";
import { isFinalStatus, isSuccessStatus } from "../../src/jobs/lifecycle";
import { needsReview, succeededIn } from "../../src/jobs/outcomes";
import type { RunReport } from "../../src/jobs/worker";
import { modeSchema, type ChildJob } from "../../src/jobs/model";
import { CANCELLED_WITH_PARENT, CHILD_RESULTS, type JobChange, type JobQueue, type LeasedJob } from "../../src/jobs/queue";
import { JobRegistry } from "../../src/jobs/registry";
import { testQueue } from "../helpers/engine";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { captureLogs } from "../helpers/logs";
import { RecordingTasks, movableClock, testConfig, useRuntime, waitFor } from "../helpers/runtime";
import { losingTransactionReplies, resendingNextBatch } from "../helpers/transactions";
import { type Engine, createEngine } from "../../src/create-engine";
import type { CatalogDeps } from "../../src/handlers/support/catalog-handler";

const db = useFirestore();

const LATER = () => Timestamp.fromMillis(Date.now() + 3_600_000);

async function setUp(parentFields: Record<string, unknown>) {
  const queue = testQueue(db);
  const tasks = new RecordingTasks();
  const flows = new JobFlows(db, queue, tasks);
  const { jobId } = await queue.createJob({
    type: "CATALOG_ENRICH_FIELD",
    payload: { mode: "apply", enrichment_spec: { spec_id: "s", spec_version: 1 } },
    created_by: "test",
  });
  await queue.jobRef(jobId).update({ status: "deferred", run_after: LATER(), ...parentFields });
  return { queue, tasks, flows, parentId: jobId };
}

/** An engine whose wake-ups are only recorded: nothing runs unless the test runs it. */
const quietEngine = (registry: JobRegistry<CatalogDeps>, config: Parameters<typeof testConfig>[0] = {}): Engine =>
  createEngine({ db, config: testConfig(config), tasks: new RecordingTasks(), registry });

const parentOf = async (queue: JobQueue, id: string) => (await queue.jobRef(id).get()).data()!;
/** The statuses of `jobId`'s children. */
const childStatuses = async (jobId: string) =>
  (await db.collection(JOB_COLLECTIONS.jobs).where("parent_job_id", "==", jobId).get()).docs.map((doc) => doc.get("status") as string);
const child = (parentId: string, n: number) => ({ id: `${parentId}-shard-${n}`, parent_job_id: parentId });

describeWithIsolation("counting finished children into their parent", () => {
  it("counts each child once and wakes the parent when the last one finishes", async () => {
    const { queue, tasks, flows, parentId } = await setUp({ shards: { total: 2, done: 0, succeeded: 0, failed: 0 } });

    expect(await queue.recordChildFinished(parentId, `${parentId}-shard-1`, "succeeded")).toBe("counted");
    expect(await queue.recordChildFinished(parentId, `${parentId}-shard-1`, "succeeded")).toBe("duplicate");
    let parent = await parentOf(queue, parentId);
    expect(parent.shards).toEqual({ total: 2, done: 1, succeeded: 1, failed: 0 });
    expect(parent.run_after.toMillis()).toBeGreaterThan(Date.now());
    expect(tasks.tasks).toEqual([]);

    await flows.childFinished(child(parentId, 2), "needs_review");
    parent = await parentOf(queue, parentId);
    expect(parent.shards).toEqual({ total: 2, done: 2, succeeded: 1, failed: 1 });
    expect(parent.run_after.toMillis()).toBeLessThanOrEqual(Date.now());
    expect(tasks.tasks).toEqual([expect.objectContaining({ jobId: parentId, lane: "maintenance", reason: "children-done" })]);
    const markers = await queue.jobRef(parentId).collection(CHILD_RESULTS).get();
    expect(markers.docs.map((doc) => doc.get("status")).sort()).toEqual(["needs_review", "succeeded"]);
  });

  it("wakes the parent when the last child's count landed but its reply was lost (the client's resend refused by its markers)", async () => {
    const { queue, tasks, flows, parentId } = await setUp({ shards: { total: 1, done: 0, succeeded: 0, failed: 0 } });
    const batch = resendingNextBatch();
    try {
      await flows.childFinished(child(parentId, 1), "succeeded");
    } finally {
      jest.restoreAllMocks();
    }
    expect(batch.resent).toBe(true);
    expect((await parentOf(queue, parentId)).shards).toEqual({ total: 1, done: 1, succeeded: 1, failed: 0 });
    expect(tasks.tasks).toEqual([expect.objectContaining({ jobId: parentId, reason: "children-done" })]);
  });

  it("counts a notification delivered three times at the same time once", async () => {
    const { queue, parentId } = await setUp({ shards: { total: 3, done: 0, succeeded: 0, failed: 0 } });
    const outcomes = await Promise.all([1, 2, 3].map(() => queue.recordChildFinished(parentId, `${parentId}-shard-1`, "succeeded")));
    expect(outcomes.filter((outcome) => outcome === "counted")).toHaveLength(1);
    expect((await parentOf(queue, parentId)).shards).toMatchObject({ done: 1, succeeded: 1 });
  });

  it("counts children that finish before the parent knows their total, without waking it", async () => {
    const { queue, tasks, flows, parentId } = await setUp({ status: "running" });
    await flows.childFinished(child(parentId, 1), "deadletter");
    expect((await parentOf(queue, parentId)).shards).toEqual({ total: null, done: 1, succeeded: 0, failed: 1 });
    expect(tasks.tasks).toEqual([]);
  });

  it("leaves a finished parent alone", async () => {
    const { queue, tasks, flows, parentId } = await setUp({ status: "cancelled", shards: { total: 1, done: 0, succeeded: 0, failed: 0 } });
    expect(await queue.recordChildFinished(parentId, `${parentId}-shard-1`, "succeeded")).toBe("parent_closed");
    await flows.childFinished(child(parentId, 1), "succeeded");
    expect((await parentOf(queue, parentId)).shards).toEqual({ total: 1, done: 0, succeeded: 0, failed: 0 });
    expect(tasks.tasks).toEqual([]);
  });

  it("ignores jobs without a parent", async () => {
    const { queue, flows, parentId } = await setUp({ shards: { total: 1, done: 0, succeeded: 0, failed: 0 } });
    await flows.childFinished({ id: "orphan", parent_job_id: null }, "succeeded");
    expect((await parentOf(queue, parentId)).shards).toMatchObject({ done: 0 });
  });

  it("wakes a waiting parent for the watchdog, and only a waiting one", async () => {
    const { queue, tasks, flows, parentId } = await setUp({});
    expect(await flows.wakeParent(parentId)).toBe(true);
    expect((await parentOf(queue, parentId)).run_after.toMillis()).toBeLessThanOrEqual(Date.now());
    expect(tasks.tasks).toHaveLength(1);
    await queue.jobRef(parentId).update({ status: "succeeded" });
    expect(await flows.wakeParent(parentId)).toBe(false);
    expect(await flows.wakeParent("no-such-parent")).toBe(false);
  });
});

describeWithIsolation("a parent with children, through the runtime (any job type can be a parent)", () => {
  const startRuntime = useRuntime(db);
  const finished: ChildJob[][] = [];
  const parentPayload = z.strictObject({ mode: modeSchema, children: z.number().int() });
  const parent: JobHandler<typeof parentPayload> = {
    type: "TEST_PARENT",
    lane: "priority",
    payload: parentPayload,
    async run({ job, engine }) {
      const specs = Array.from({ length: job.payload.children }, (_, i) => ({ type: "TEST_CHILD", payload: { fail: i === 1 } }));
      const created = await engine.createChildren(specs);
      return { kind: "wait_for_children", summary: { created: created.created } };
    },
    async finishParent(_input, children) {
      finished.push([...children]);
      return { kind: "completed", status: "succeeded_dry_run", summary: { children: children.length } };
    },
  };
  const childPayload = z.strictObject({ mode: modeSchema, fail: z.boolean() });
  const childHandler: JobHandler<typeof childPayload> = {
    type: "TEST_CHILD",
    lane: "priority",
    payload: childPayload,
    async run({ job }) {
      if (job.payload.fail) return { kind: "completed", status: "needs_review", summary: {} };
      return { kind: "completed", status: "succeeded_dry_run", summary: {} };
    },
  };

  it("creates children with deterministic ids, waits deferred, and finishes once when all are final", async () => {
    const runtime = await startRuntime(new JobRegistry([parent, childHandler]));
    const { jobId } = await runtime.engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 3 }, created_by: "test" });
    await runtime.engine.tasks.enqueueWakeup({ lane: "priority", jobId, attempt: 0, epoch: 0, runAfter: new Date() });
    const done = await waitFor(
      () => runtime.engine.queue.getJob(jobId),
      (job) => job?.status === "succeeded_dry_run",
    );
    // The status first: a parent that never finished (waitFor gave up) reads as that, not as wrong counts.
    expect(done?.status).toBe("succeeded_dry_run");
    expect(done?.shards).toEqual({ total: 3, done: 3, succeeded: 2, failed: 1 });
    expect(done?.result_summary).toMatchObject({ children: 3 });
    expect(finished).toHaveLength(1);
    expect(finished[0].map((c) => c.id).sort()).toEqual([1, 2, 3].map((n) => `${jobId}-shard-${n}`));
    expect(finished[0].map((c) => c.status).sort()).toEqual(["needs_review", "succeeded_dry_run", "succeeded_dry_run"]);
    const children = await db.collection(JOB_COLLECTIONS.jobs).where("parent_job_id", "==", jobId).get();
    expect(children.docs.map((doc) => doc.get("created_by"))).toEqual(["system:TEST_PARENT", "system:TEST_PARENT", "system:TEST_PARENT"]);
  });

  it("a child whose wake-up task cannot be sent is created all the same, and its parent waits for it", async () => {
    const unreachable = { enqueueWakeup: () => Promise.reject(new Error("Cloud Tasks unreachable")) };
    const engine = createEngine({ db, config: testConfig(), tasks: unreachable, registry: new JobRegistry([parent, childHandler]) });
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    // Not a failed attempt retried for it: the children exist and the watchdog's stale-queued sweep wakes them.
    expect((await engine.queue.getJob(jobId))?.status).toBe("deferred");
    expect(await childStatuses(jobId)).toEqual(["queued", "queued"]);
  });

  it("cancelling a waiting parent cancels its open children and wakes it: it ends cancelled with what they did; a finished child keeps its status", async () => {
    const engine = quietEngine(new JobRegistry([parent, childHandler]));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 3 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    expect((await engine.queue.getJob(jobId))?.status).toBe("deferred");
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });

    expect(await engine.cancel(jobId)).toEqual({
      status: "deferred",
      cancelRequested: true,
      alreadyRequested: false,
      alreadyEnded: false,
      childrenCancelled: 2,
    });
    expect((await childStatuses(jobId)).sort()).toEqual(["cancelled", "cancelled", "succeeded_dry_run"]);
    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "cancelled"]]);
    expect(await engine.queue.getJob(jobId)).toMatchObject({ result_summary: { children: 3 }, shards: { total: 3, done: 3 } });
  });

  it("a child cancelled on its own is counted into its parent at once, which is woken when it was the last", async () => {
    const tasks = new RecordingTasks();
    const engine = createEngine({ db, config: testConfig(), tasks, registry: new JobRegistry([parent, childHandler]) });
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 3 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 2, budgetMs: 10_000 });
    expect(await parentOf(engine.queue, jobId)).toMatchObject({ status: "deferred", shards: { total: 3, done: 1 } });

    // An operator cancels a waiting child; a client flags the other, and the watchdog applies the flag.
    expect(await engine.cancel(childJobId(jobId, 2))).toEqual({
      status: "cancelled",
      cancelRequested: false,
      alreadyRequested: false,
      alreadyEnded: false,
      childrenCancelled: 0,
    });
    expect(await parentOf(engine.queue, jobId)).toMatchObject({ shards: { total: 3, done: 2 } });
    await engine.queue.jobRef(childJobId(jobId, 3)).update({ cancel_requested: true });
    expect(await engine.runWatchdog()).toMatchObject({ cancel_requests_applied: 1 });
    const counted = await parentOf(engine.queue, jobId);
    expect(counted.shards).toEqual({ total: 3, done: 3, succeeded: 1, failed: 2 });
    expect((counted.run_after as Timestamp).toMillis()).toBeLessThanOrEqual(Date.now());
    expect(tasks.tasks).toContainEqual(expect.objectContaining({ jobId, reason: "children-done" }));
  });

  it("cancelling a parent cancels every open child, though one finishes between the read of the children and its cancel", async () => {
    const engine = quietEngine(new JobRegistry([parent, childHandler]));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 3 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    const cancelChild = engine.queue.cancelChild.bind(engine.queue);
    jest.spyOn(engine.queue, "cancelChild").mockImplementation(async (id, requestedAt) => {
      // The first child finishes just before its cancel reaches it.
      if (id === childJobId(jobId, 1)) await engine.queue.jobRef(id).update({ status: "succeeded_dry_run" });
      return cancelChild(id, requestedAt);
    });

    expect(await engine.cancel(jobId)).toEqual({
      status: "deferred",
      cancelRequested: true,
      alreadyRequested: false,
      alreadyEnded: false,
      childrenCancelled: 2,
    });
    expect((await childStatuses(jobId)).sort()).toEqual(["cancelled", "cancelled", "succeeded_dry_run"]);
  });

  it("a cancel whose children's part failed says so, and run again cancels the children left open", async () => {
    const engine = quietEngine(new JobRegistry([parent, childHandler]));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 3 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    const cancelChild = engine.queue.cancelChild.bind(engine.queue);
    const outage = jest.spyOn(engine.queue, "cancelChild").mockImplementation(async (id, requestedAt) => {
      if (id === childJobId(jobId, 2)) throw Object.assign(new Error("14 UNAVAILABLE: connection reset"), { code: 14 });
      return cancelChild(id, requestedAt);
    });
    const leftOpen = `job ${jobId} is asked to stop, but cancelling its children failed (run the cancel again)`;
    await expect(engine.cancel(jobId)).rejects.toThrow(leftOpen);
    expect((await childStatuses(jobId)).sort()).toEqual(["cancelled", "cancelled", "queued"]);
    // Run again while the outage lasts: it says so again (the console offers the cancel again on it).
    await expect(engine.cancel(jobId)).rejects.toThrow(leftOpen);
    // Not woken with a child left open: it would settle before that child is cancelled.
    expect((await engine.queue.getJob(jobId))?.run_after.getTime()).toBeGreaterThan(Date.now());

    outage.mockRestore();
    expect(await engine.cancel(jobId)).toEqual({
      status: "deferred",
      cancelRequested: true,
      alreadyRequested: true,
      alreadyEnded: false,
      childrenCancelled: 1,
    });
    expect(await childStatuses(jobId)).toEqual(["cancelled", "cancelled", "cancelled"]);
    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "cancelled"]]);
    // Nothing left to finish: refused as any cancelled job.
    await expect(engine.cancel(jobId)).rejects.toThrow(`job ${jobId} is cancelled; cannot cancel`);
  });

  it("marks the children its cancel closes, not one cancelled on its own before, and a retry of the parent clears the marks", async () => {
    const engine = quietEngine(new JobRegistry([parent, childHandler]));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    const [first, second] = [childJobId(jobId, 1), childJobId(jobId, 2)];
    const marks = async () =>
      Object.fromEntries(
        await Promise.all(
          [first, second].map(async (id) => [id, (await engine.queue.jobRef(id).get()).get(CANCELLED_WITH_PARENT) ?? null]),
        ),
      );
    await engine.cancel(first);
    await engine.cancel(jobId);
    expect(await childStatuses(jobId)).toEqual(["cancelled", "cancelled"]);
    expect(await marks()).toEqual({ [first]: null, [second]: true });
    // The parent settles cancelled over the child its cancel stopped; retried, it requeues both, unmarked.
    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "cancelled"]]);
    await engine.retry(jobId);
    expect(await childStatuses(jobId)).toEqual(["queued", "queued"]);
    expect(await marks()).toEqual({ [first]: null, [second]: null });
  });

  it("a cancel a client asked for on a waiting parent cancels its open children when the parent's lease finds it", async () => {
    const engine = quietEngine(new JobRegistry([parent, childHandler]));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 3 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 2, budgetMs: 10_000 });
    expect((await engine.queue.getJob(jobId))?.status).toBe("deferred");

    // Only the flag, as firestore.rules let a client write it; the parent's next check is due.
    await engine.queue.jobRef(jobId).update({ cancel_requested: true, run_after: Timestamp.now() });
    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "cancelled"]]);
    expect((await engine.queue.getJob(jobId))?.status).toBe("cancelled");
    expect((await childStatuses(jobId)).sort()).toEqual(["cancelled", "cancelled", "succeeded_dry_run"]);
  });

  it("children a crash left open after their parent's cancel are cancelled when leased, not run", async () => {
    const engine = quietEngine(new JobRegistry([parent, childHandler]));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 3 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    // The parent's cancel landed, and its process died before the step that cancels its children.
    await engine.queue.cancelJob(jobId);
    // The last child cancelled at its lease wakes the parent, which settles over them.
    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "cancelled"]]);
    const children = await db.collection(JOB_COLLECTIONS.jobs).where("parent_job_id", "==", jobId).get();
    expect(children.docs.map((doc) => doc.get("status") as string)).toEqual(["cancelled", "cancelled", "cancelled"]);
    expect(children.docs.map((doc) => doc.get("attempts") as number)).toEqual([0, 0, 0]);
  });

  it("children a crash left open after their parent's cancel are cancelled when leased, after a retry or deferral of their own too", async () => {
    const engine = quietEngine(new JobRegistry([parent, childHandler]));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    await engine.queue.cancelJob(jobId);
    // Each child then queued again by its own attempt's end (a transient failure's backoff, a lock's deferral), not by an operator.
    const children = await db.collection(JOB_COLLECTIONS.jobs).where("parent_job_id", "==", jobId).get();
    for (const child of children.docs)
      await child.ref.update({ attempts: 1, lease_epoch: 1, run_after: Timestamp.now(), updated_at: Timestamp.now() });
    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "cancelled"]]);
    expect(await childStatuses(jobId)).toEqual(["cancelled", "cancelled"]);
  });

  it("children an operator's retry queued again run while their parent is still cancelled (it is queued after them)", async () => {
    const engine = quietEngine(new JobRegistry([parent, childHandler]));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    expect(await engine.cancel(jobId)).toMatchObject({ status: "deferred", cancelRequested: true, childrenCancelled: 2 });
    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "cancelled"]]);

    // The retry's first step; a worker leases the children before the parent is queued.
    expect(await new JobFlows(db, engine.queue, new RecordingTasks()).requeueChildren(jobId)).toHaveLength(2);
    expect((await engine.queue.getJob(jobId))?.status).toBe("cancelled");
    const ran = await engine.runLane("priority");
    expect(ran.map((report) => report.status).sort()).toEqual(["needs_review", "succeeded_dry_run"]);
  });

  it("a child its running parent creates after being asked to stop, before the parent sees the cancel, is cancelled when leased, not run", async () => {
    const engine = quietEngine(new JobRegistry([parent, childHandler]));
    const flows = new JobFlows(db, engine.queue, engine.tasks);
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });
    const { job, lease } = (await engine.queue.leaseById(jobId, "parent-worker"))!;
    const specs = (n: number) => Array.from({ length: n }, () => ({ type: "TEST_CHILD", payload: { fail: false } }));
    expect(await engine.cancel(jobId)).toEqual({
      status: "running",
      cancelRequested: true,
      alreadyRequested: false,
      alreadyEnded: false,
      childrenCancelled: 0,
    });

    // None of the parent's writes has met the cancel yet: its signal has not fired.
    await flows.createChildren(job, lease, specs(1), new AbortController().signal);
    expect(await engine.runLane("priority")).toEqual([]);
    expect(await engine.queue.getJob(childJobId(jobId, 1))).toMatchObject({ status: "cancelled", attempts: 0 });

    // A parent that froze a plan is not stopped by its cancel (it finishes the plan), nor are the children it creates.
    await engine.queue.jobRef(jobId).update({ plan_id: `p${lease.epoch}` });
    await flows.createChildren(job, lease, specs(2), new AbortController().signal);
    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([
      [childJobId(jobId, 2), "succeeded_dry_run"],
    ]);
  });

  it("a parent cancelled while it creates children stops creating them and cancels those it made", async () => {
    const operator: { engine?: Engine } = {};
    // Asserted after the run: an expect failing inside it would only fail the job, which ends cancelled all the same.
    let sawAbort = false;
    const slowParent: JobHandler<typeof parentPayload> = {
      ...parent,
      async run({ job, engine, ctx }) {
        async function* specs() {
          for (let i = 0; i < job.payload.children; i++) {
            if (i === 2) {
              await operator.engine!.cancel(job.id); // an operator asks while the parent creates its children
              // The heartbeat sees it.
              sawAbort = await waitFor(
                async () => ctx.signal.aborted,
                (aborted) => aborted,
                10_000,
              );
            }
            yield { type: "TEST_CHILD", payload: { fail: false } };
          }
        }
        await engine.createChildren(specs());
        return { kind: "wait_for_children", summary: {} };
      },
    };
    const engine = (operator.engine = quietEngine(new JobRegistry([slowParent, childHandler])));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 5 }, created_by: "test" });
    const [report] = await engine.runLane("priority", { maxJobs: 1, budgetMs: 30_000 });
    expect(sawAbort).toBe(true);
    expect(report).toMatchObject({ jobId, status: "cancelled" });
    const children = await db.collection(JOB_COLLECTIONS.jobs).where("parent_job_id", "==", jobId).get();
    expect(children.size).toBe(2);
    expect(children.docs.map((doc) => doc.get("status") as string)).toEqual(["cancelled", "cancelled"]);
  });

  it("a parent asked to stop while it creates children, failing before any of its writes met the cancel, ends cancelled and cancels the children it made", async () => {
    const operator: { engine?: Engine } = {};
    const failingParent: JobHandler<typeof parentPayload> = {
      ...parent,
      async run({ job, engine }) {
        async function* specs() {
          yield { type: "TEST_CHILD", payload: { fail: false } };
          await operator.engine!.cancel(job.id); // the parent's next write would meet it
          yield { type: "TEST_CHILD", payload: { fail: false } };
          throw JobFailure.permanent("BROKEN", "the parent fails before it records its children's total");
        }
        await engine.createChildren(specs());
        return { kind: "wait_for_children", summary: {} };
      },
    };
    // No renewal during the run: only its last write finds the cancel.
    const engine = (operator.engine = quietEngine(new JobRegistry([failingParent, childHandler]), { heartbeatMs: 60_000 }));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });

    const reports = await engine.runLane("priority", { maxJobs: 5, budgetMs: 30_000 });

    // Neither failed nor leaving the child it made after the cancel to run: its failure is its error.
    expect(reports.map((report) => [report.jobId, report.status])).toEqual([[jobId, "cancelled"]]);
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "cancelled", error: { code: "BROKEN" } });
    expect(await childStatuses(jobId)).toEqual(["cancelled", "cancelled"]);
  });

  it("a parent asked to stop after its run's deadline fired ends cancelled over the children the cancel closed, as any parent asked to stop", async () => {
    const operator: { engine?: Engine } = {};
    const stopRunsAfterMs = 1_000;
    // Why the parent's signal fired before the cancel came: its run's deadline, asserted after the run.
    let abortReason: unknown;
    const lateParent: JobHandler<typeof parentPayload> = {
      ...parent,
      async run({ job, engine, ctx }) {
        async function* specs() {
          for (let i = 0; i < job.payload.children; i++) yield { type: "TEST_CHILD", payload: { fail: false } };
          // The deadline fires the parent's signal; the cancel comes after it and closes the children.
          await waitFor(
            async () => ctx.signal.aborted,
            (aborted) => aborted,
            10_000,
          );
          abortReason = ctx.signal.reason;
          await operator.engine!.cancel(job.id);
        }
        await engine.createChildren(specs());
        return { kind: "wait_for_children", summary: {} };
      },
    };
    const engine = (operator.engine = quietEngine(new JobRegistry([lateParent, childHandler]), { heartbeatMs: 60_000 }));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });

    const [report] = await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000, stopRunsAfterMs });

    expect(abortReason).toBeInstanceOf(JobFailure);
    expect((abortReason as JobFailure).toInfo()).toEqual(runDeadlineFailure(jobId, stopRunsAfterMs).toInfo());
    expect(report).toMatchObject({ jobId, status: "cancelled" });
    expect(await engine.queue.getJob(jobId)).toMatchObject({ result_summary: { children: 2 } });
    expect(await childStatuses(jobId)).toEqual(["cancelled", "cancelled"]);
  });

  it("a parent whose child's id a client took first fails JOB_ID_TAKEN instead of waiting for a child that is not its own", async () => {
    const engine = quietEngine(new JobRegistry([parent, childHandler]));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 3 }, created_by: "test" });
    // A client's job at the second child's id, as intake took it in: no parent, its own creator.
    await engine.queue.createJob({ id: childJobId(jobId, 2), type: "TEST_CHILD", payload: { fail: false }, created_by: "alice" });

    const [report] = await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    expect(report).toMatchObject({ jobId, status: "needs_review" });
    expect(await engine.queue.getJob(jobId)).toMatchObject({
      shards: null,
      error: {
        code: "JOB_ID_TAKEN",
        transient: false,
        details: { job_id: childJobId(jobId, 2), created_by: "alice", parent_job_id: null },
      },
    });
    expect(await childStatuses(jobId)).toEqual(["queued"]);
    expect(await engine.queue.getJob(childJobId(jobId, 2))).toMatchObject({ created_by: "alice", parent_job_id: null });
  });

  it("a job whose follow-up's id a client took first fails JOB_ID_TAKEN instead of counting it as asked for", async () => {
    const asker: JobHandler<typeof parentPayload> = {
      ...parent,
      async run({ engine }) {
        const followUp = await engine.createJob({ type: "TEST_CHILD", payload: { fail: false }, onceKey: "enrichment" });
        return { kind: "completed", status: "succeeded_dry_run", summary: { follow_up: followUp.jobId } };
      },
    };
    const engine = quietEngine(new JobRegistry([asker, childHandler]));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 0 }, created_by: "test" });
    await db
      .collection(JOB_COLLECTIONS.jobs)
      .doc(followUpJobId(jobId, "enrichment"))
      .set({ type: "TEST_CHILD", payload: { fail: false }, status: "queued", created_at: Timestamp.now(), created_by: "alice" });

    const [report] = await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    expect(report).toMatchObject({ jobId, status: "needs_review" });
    expect((await engine.queue.getJob(jobId))?.error).toMatchObject({ code: "JOB_ID_TAKEN", details: { created_by: "alice" } });
  });

  it("a follow-up takes the priority of the job asking for it, unless it names its own", async () => {
    const asker: JobHandler<typeof parentPayload> = {
      ...parent,
      async run({ engine }) {
        const inherited = await engine.createJob({ type: "TEST_CHILD", payload: { fail: false }, onceKey: "inherited" });
        const own = await engine.createJob({ type: "TEST_CHILD", payload: { fail: false }, onceKey: "own", priority: 7 });
        return { kind: "completed", status: "succeeded_dry_run", summary: { follow_ups: [inherited.jobId, own.jobId] } };
      },
    };
    const engine = quietEngine(new JobRegistry([asker, childHandler]));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 0 }, created_by: "test", priority: 40 });

    const [report] = await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    expect(report).toMatchObject({ jobId, status: "succeeded_dry_run" });
    expect(await engine.queue.getJob(followUpJobId(jobId, "inherited"))).toMatchObject({ priority: 40 });
    expect(await engine.queue.getJob(followUpJobId(jobId, "own"))).toMatchObject({ priority: 7 });
  });

  /** A parent asked to stop (`cancel`) once it made its children, before it records their total (its first write that sees the ask). */
  const parentCancelledAfterItsChildren = (cancel: (engine: Engine, jobId: string) => Promise<unknown>) => {
    const operator: { engine?: Engine } = {};
    const cancelledParent: JobHandler<typeof parentPayload> = {
      ...parent,
      async run({ job, engine }) {
        async function* specs() {
          for (let i = 0; i < job.payload.children; i++) yield { type: "TEST_CHILD", payload: { fail: false } };
          await cancel(operator.engine!, job.id);
        }
        await engine.createChildren(specs());
        return { kind: "wait_for_children", summary: {} };
      },
    };
    return (operator.engine = quietEngine(new JobRegistry([cancelledParent, childHandler])));
  };

  it("a parent whose cancel a client asked for after it made its children ends cancelled at once, not waiting for them, and cancels them", async () => {
    const engine = parentCancelledAfterItsChildren((engine, jobId) => engine.queue.jobRef(jobId).update({ cancel_requested: true }));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });
    const [report] = await engine.runLane("priority", { maxJobs: 1, budgetMs: 30_000 });
    expect(report).toMatchObject({ jobId, status: "cancelled" });
    expect(await childStatuses(jobId)).toEqual(["cancelled", "cancelled"]);
  });

  it("a parent an operator cancelled after it made its children (the cancel closed them) ends cancelled, with what they did", async () => {
    const engine = parentCancelledAfterItsChildren((engine, jobId) => engine.cancel(jobId));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });
    const [report] = await engine.runLane("priority", { maxJobs: 1, budgetMs: 30_000 });
    expect(report).toMatchObject({ jobId, status: "cancelled" });
    expect((await engine.queue.getJob(jobId))?.result_summary).toMatchObject({ children: 2 });
    expect(await childStatuses(jobId)).toEqual(["cancelled", "cancelled"]);
  });

  it("a parent asked to stop once its children all ran keeps its outcome, and says a cancel was asked for", async () => {
    const rerun = { cancel: false };
    const engine = parentCancelledAfterItsChildren(async (engine, jobId) => {
      if (rerun.cancel) await engine.queue.cancelJob(jobId); // running: only asked
    });
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 10, budgetMs: 30_000 });
    expect(await childStatuses(jobId)).toEqual(["succeeded_dry_run", "succeeded_dry_run"]);
    // Run again from the start: it finds its children final, and the cancel comes before it finishes.
    await engine.queue.jobRef(jobId).update({ status: "queued", shards: null, run_after: Timestamp.now() });
    rerun.cancel = true;
    const [report] = await engine.runLane("priority", { maxJobs: 1, budgetMs: 30_000 });
    expect(report).toMatchObject({ jobId, status: "succeeded_dry_run" });
    expect((await engine.queue.getJob(jobId))?.result_summary).toMatchObject({ children: 2, cancel_requested: true });
  });

  it("a parent asked to stop once its children all ran, whose worker died, is queued again by the watchdog and keeps their outcome", async () => {
    const clock = movableClock();
    const config = testConfig();
    const engine = createEngine({
      db,
      config,
      tasks: new RecordingTasks(),
      registry: new JobRegistry([parent, childHandler]),
      now: clock.now,
    });
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 3, budgetMs: 10_000 });
    expect(await childStatuses(jobId)).toEqual(["succeeded_dry_run", "needs_review"]);
    // Leased to settle over its children by a worker that then dies; a running parent is only asked to stop.
    expect(await engine.queue.leaseById(jobId, "dead-worker")).not.toBeNull();
    expect(await engine.cancel(jobId)).toMatchObject({ status: "running", cancelRequested: true, childrenCancelled: 0 });
    clock.advance(config.leaseMs + 1);

    expect(await engine.runWatchdog()).toMatchObject({ expired_leases_recovered: 1, cancelled: 0, errors: 0 });
    clock.advance(config.backoffMaxMs);

    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "succeeded_dry_run"]]);
    expect((await engine.queue.getJob(jobId))?.result_summary).toMatchObject({ children: 2, cancel_requested: true });
  });

  it("a child an earlier cancel of its parent stopped, retried with the parent and then cancelled on its own, counts as cancelled on its own", async () => {
    const engine = quietEngine(new JobRegistry([parent, childHandler]));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    await engine.cancel(jobId);
    expect((await engine.runLane("priority")).map((report) => report.status)).toEqual(["cancelled"]);
    await engine.retry(jobId);
    await engine.cancel(childJobId(jobId, 1));
    // The parent waits for its other child, which runs.
    await engine.runLane("priority", { maxJobs: 2, budgetMs: 10_000 });

    expect(await engine.cancel(jobId)).toEqual({
      status: "deferred",
      cancelRequested: true,
      alreadyRequested: false,
      alreadyEnded: false,
      childrenCancelled: 0,
    });

    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "succeeded_dry_run"]]);
  });

  it("a child its heartbeat stops for its parent's cancel (whose own step never reached it) counts as stopped by that cancel", async () => {
    const asked: { engine?: Engine; parentId?: string } = {};
    const stoppableChild: JobHandler<typeof childPayload> = {
      ...childHandler,
      async run({ ctx }) {
        // The parent's cancel lands while this child runs, and its process dies before the step that cancels its children.
        await asked.engine!.queue.cancelJob(asked.parentId!);
        await waitFor(
          async () => ctx.signal.aborted,
          (aborted) => aborted,
          10_000,
        );
        ctx.signal.throwIfAborted();
        throw new Error("unreachable: the signal fired");
      },
    };
    const engine = (asked.engine = quietEngine(new JobRegistry([parent, stoppableChild])));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 1 }, created_by: "test" });
    asked.parentId = jobId;
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });

    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([
      [childJobId(jobId, 1), "cancelled"],
      [jobId, "cancelled"],
    ]);
  });

  it("a parent asked to stop once its children all ended keeps its outcome over a child cancelled on its own before", async () => {
    const engine = quietEngine(new JobRegistry([parent, childHandler]));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    await engine.cancel(childJobId(jobId, 1));
    expect((await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 })).map((report) => report.jobId)).toEqual([
      childJobId(jobId, 2),
    ]);

    // Its cancel finds every child ended: it closes none.
    expect(await engine.cancel(jobId)).toEqual({
      status: "deferred",
      cancelRequested: true,
      alreadyRequested: false,
      alreadyEnded: false,
      childrenCancelled: 0,
    });

    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "succeeded_dry_run"]]);
    expect((await engine.queue.getJob(jobId))?.result_summary).toMatchObject({ children: 2, cancel_requested: true });
  });
});

describeWithIsolation("an operator's retry of a parent whose children did not all succeed", () => {
  /** The children (by index) whose cause of failure is still there, and how often each child ran. */
  const broken = new Set<number>();
  const runs = new Map<number, number>();
  beforeEach(() => {
    broken.clear();
    runs.clear();
  });
  const parentPayload = z.strictObject({ mode: modeSchema, children: z.number().int() });
  const parent: JobHandler<typeof parentPayload> = {
    type: "TEST_PARENT",
    lane: "priority",
    payload: parentPayload,
    async run({ job, engine }) {
      await engine.createChildren(Array.from({ length: job.payload.children }, (_, index) => ({ type: "TEST_CHILD", payload: { index } })));
      return { kind: "wait_for_children" };
    },
    async finishParent({ job }, children) {
      const failed = children.filter((c) => !isSuccessStatus(c.status)).length;
      const summary = { children: children.length };
      return failed === 0
        ? succeededIn(job.payload.mode, summary)
        : needsReview(job.payload.mode, summary, "SHARDS_FAILED", `${failed} failed`);
    },
  };
  const childPayload = z.strictObject({ mode: modeSchema, index: z.number().int() });
  const childHandler: JobHandler<typeof childPayload> = {
    type: "TEST_CHILD",
    lane: "priority",
    payload: childPayload,
    async run({ job }) {
      runs.set(job.payload.index, (runs.get(job.payload.index) ?? 0) + 1);
      if (broken.has(job.payload.index)) throw JobFailure.permanent("BROKEN", "the cause is still there");
      return succeededIn(job.payload.mode, {});
    },
  };

  function engineWith(tasks = new RecordingTasks()): Engine {
    return createEngine({ db, config: testConfig(), tasks, registry: new JobRegistry([parent, childHandler]) });
  }

  /** Runs the lane until `jobId` is final (a parent that waits with nothing to wake it never is); every run's report. */
  async function runUntilFinal(engine: Engine, jobId: string): Promise<RunReport[]> {
    const reports: RunReport[] = [];
    for (let round = 0; round < 5; round++) {
      reports.push(...(await engine.runLane("priority", { maxJobs: 20, budgetMs: 30_000 })));
      const job = await engine.queue.getJob(jobId);
      if (job && isFinalStatus(job.status)) return reports;
    }
    throw new Error(`job ${jobId} is still ${(await engine.queue.getJob(jobId))?.status}`);
  }

  async function parentWithFailedChildren(
    engine: Engine,
    failing: number[],
    dedupKey?: string,
  ): Promise<{ jobId: string; shards: string[] }> {
    for (const index of failing) broken.add(index);
    const { jobId } = await engine.queue.createJob({
      type: "TEST_PARENT",
      payload: { children: 3 },
      created_by: "test",
      ...(dedupKey ? { dedup_key: dedupKey } : {}),
    });
    await runUntilFinal(engine, jobId);
    expect(await engine.queue.getJob(jobId)).toMatchObject({
      status: "needs_review",
      error: { code: "SHARDS_FAILED" },
      shards: { total: 3, done: 3, succeeded: 3 - failing.length, failed: failing.length },
    });
    broken.clear(); // the cause goes away
    return { jobId, shards: [1, 2, 3].map((n) => `${jobId}-shard-${n}`) };
  }

  const markersOf = async (jobId: string) =>
    (await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).collection(CHILD_RESULTS).get()).docs.map((d) => d.id).sort();

  it("re-runs the failed child only; the parent waits for it, is woken by it, and succeeds", async () => {
    const tasks = new RecordingTasks();
    const engine = engineWith(tasks);
    const { jobId, shards } = await parentWithFailedChildren(engine, [1]);
    const [first, failed, third] = shards;
    const kept = async () =>
      Promise.all([first, third].map(async (id) => (await db.collection(JOB_COLLECTIONS.jobs).doc(id).get()).updateTime));
    const keptBefore = await kept();
    const tasksBefore = tasks.tasks.length;

    const retried = await engine.retry(jobId);

    expect(await engine.queue.getJob(failed)).toMatchObject({ status: "queued", attempts: 0, error: null });
    expect(retried).toMatchObject({ childrenRequeued: 1 });
    // Out of the counts, so it is counted again when it finishes.
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "queued", shards: { total: 3, done: 2, succeeded: 2, failed: 0 } });
    expect(await markersOf(jobId)).toEqual([first, third]);

    const reports = await runUntilFinal(engine, jobId);
    expect(reports.map((r) => [r.jobId, r.status])).toEqual([
      [jobId, "deferred"],
      [failed, "succeeded_dry_run"],
      [jobId, "succeeded_dry_run"],
    ]);
    expect(await engine.queue.getJob(jobId)).toMatchObject({
      error: null,
      shards: { total: 3, done: 3, succeeded: 3, failed: 0 },
      result_summary: { children: 3 },
    });
    expect(tasks.tasks.slice(tasksBefore).map((t) => [t.jobId, t.reason])).toEqual([
      [jobId, "retry"],
      [failed, "retry"],
      [jobId, undefined], // its next check, as it waits
      [jobId, "children-done"],
    ]);
    // The succeeded children were not run again, nor written.
    expect(runs).toEqual(
      new Map([
        [0, 1],
        [1, 2],
        [2, 1],
      ]),
    );
    expect((await kept()).map((time, i) => time!.isEqual(keptBefore[i]!))).toEqual([true, true]);
  });

  it("a parent whose kept child is gone (its TTL ran out while the retried parent waited) ends needs_review, not waiting for ever", async () => {
    const engine = engineWith();
    const { jobId, shards } = await parentWithFailedChildren(engine, [1]);
    await engine.retry(jobId);
    // The retry keeps the succeeded children as they were, their expiry too: the TTL policy deletes one.
    await db.collection(JOB_COLLECTIONS.jobs).doc(shards[2]).delete();

    const reports = await runUntilFinal(engine, jobId);

    expect(reports.filter((report) => report.jobId === jobId).map((report) => report.status)).toEqual(["needs_review"]);
    expect(await engine.queue.getJob(jobId)).toMatchObject({
      status: "needs_review",
      error: { code: "SHARDS_MISSING", details: { missing: [shards[2]] } },
      result_summary: { shards_total: 3, shards_missing: 1 },
    });
    expect((await engine.queue.getJob(jobId))!.error!.message).toContain("write a new job");
  });

  it("a retry refused by the parent's dedup key (another open job holds it) leaves its children as they are", async () => {
    const engine = engineWith();
    const { jobId, shards } = await parentWithFailedChildren(engine, [1], "enrich:tips");
    const { jobId: holder } = await engine.queue.createJob({
      type: "TEST_PARENT",
      payload: { children: 1 },
      created_by: "test",
      dedup_key: "enrich:tips",
    });
    await expect(engine.retry(jobId)).rejects.toThrow(`job ${holder} holds dedup key "enrich:tips"`);
    expect(await engine.queue.getJob(shards[1])).toMatchObject({ status: "failed" });
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "needs_review", shards: { total: 3, done: 3, failed: 1 } });
    expect(await markersOf(jobId)).toEqual([...shards].sort());
  });

  it("a retry cut short after the children were re-queued is completed by the same retry; a child counted without its marker is taken out once", async () => {
    const engine = engineWith();
    const { jobId, shards } = await parentWithFailedChildren(engine, [0, 2]);
    // A count the crash of a child's worker missed: the parent's counts, settled from its children, include the child without a marker.
    await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).collection(CHILD_RESULTS).doc(shards[0]).delete();

    // The operator's first retry dies after the children, before the parent.
    expect(await new JobFlows(db, engine.queue, engine.tasks).requeueChildren(jobId)).toHaveLength(2);
    expect(await engine.queue.getJob(jobId)).toMatchObject({
      status: "needs_review",
      shards: { total: 3, done: 1, succeeded: 1, failed: 0 },
    });
    // Those children were never woken (the first retry died before the parent): woken now, and counted.
    expect(await engine.retry(jobId)).toMatchObject({ childrenRequeued: 2 });

    await runUntilFinal(engine, jobId);
    expect(await engine.queue.getJob(jobId)).toMatchObject({
      status: "succeeded_dry_run",
      shards: { total: 3, done: 3, succeeded: 3, failed: 0 },
    });
    expect(await markersOf(jobId)).toEqual([...shards].sort());
    expect(runs.get(1)).toBe(1);
  });

  it("a retry cut short part-way through the children (the callable's timeout) is completed by the same retry: it queues the rest and wakes them all", async () => {
    const tasks = new RecordingTasks();
    const engine = engineWith(tasks);
    const { jobId, shards } = await parentWithFailedChildren(engine, [0, 1, 2]);
    const requeueChild = engine.queue.requeueChild.bind(engine.queue);
    const cutShort = jest.spyOn(engine.queue, "requeueChild").mockImplementation(async (parentId, childId) => {
      if (childId !== shards[0]) throw new Error("the function timed out");
      return requeueChild(parentId, childId);
    });
    await expect(engine.retry(jobId)).rejects.toThrow("the function timed out");
    cutShort.mockRestore();
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "needs_review", shards: { total: 3, done: 2, failed: 2 } });
    expect((await engine.queue.getJob(shards[0]))?.status).toBe("queued");
    const tasksBefore = tasks.tasks.length;

    expect(await engine.retry(jobId)).toMatchObject({ childrenRequeued: 3 });
    expect(
      tasks.tasks
        .slice(tasksBefore)
        .map((t) => t.jobId)
        .sort(),
    ).toEqual([jobId, ...shards].sort());
    await runUntilFinal(engine, jobId);
    expect(await engine.queue.getJob(jobId)).toMatchObject({
      status: "succeeded_dry_run",
      shards: { total: 3, done: 3, succeeded: 3, failed: 0 },
    });
    expect([0, 1, 2].map((index) => runs.get(index))).toEqual([2, 2, 2]);
  });

  it("a retry refused for a child whose document no longer parses names it, and changes nothing", async () => {
    const engine = engineWith();
    const { jobId, shards } = await parentWithFailedChildren(engine, [0, 2]);
    await db.collection(JOB_COLLECTIONS.jobs).doc(shards[2]).update({ "payload.index": "three" });

    const refused = await engine.retry(jobId).catch((err: unknown) => err);
    expect(await engine.queue.getJob(shards[0])).toMatchObject({ status: "failed" });
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "needs_review", shards: { total: 3, done: 3, failed: 2 } });
    expect(await markersOf(jobId)).toEqual([...shards].sort());
    expect(refused).toBeInstanceOf(InvalidTransitionError);
    expect(refusedTransition(refused as InvalidTransitionError, "retry")).toBe(
      `cannot retry job ${jobId}: it is needs_review (its child ${shards[2]} cannot be re-run: the job document no longer parses ` +
        "(payload.index: Invalid input: expected number, received string): retry with the CLI once a deploy accepts its payload again, " +
        "or write a new job)",
    );
  });

  it("a dedup key another job takes while the children are queued again refuses the parent after them: the same retry completes it once that job has ended", async () => {
    const engine = engineWith();
    const { jobId, shards } = await parentWithFailedChildren(engine, [1], "enrich:race");
    const requeueChild = engine.queue.requeueChild.bind(engine.queue);
    const taken: string[] = [];
    const race = jest.spyOn(engine.queue, "requeueChild").mockImplementation(async (parentId, childId) => {
      const other = await engine.queue.createJob({
        type: "TEST_PARENT",
        payload: { children: 0 },
        created_by: "test",
        dedup_key: "enrich:race",
      });
      taken.push(other.jobId);
      return requeueChild(parentId, childId);
    });
    let refused: unknown;
    const lines = await captureLogs(async () => void (refused = await engine.retry(jobId).catch((err: unknown) => err)));
    race.mockRestore();
    expect((refused as Error).message).toContain(`job ${taken[0]} holds dedup key "enrich:race"`);
    // The operator's log says the children wait unwoken.
    expect(lines.filter((line) => line.severity === "warn")).toEqual([
      expect.objectContaining({
        message: "retry cut short: children queued again, the job refused",
        job_id: jobId,
        children_requeued: 1,
        error: expect.stringContaining("holds dedup key") as unknown,
      }),
    ]);
    // As a retry cut short: the parent as it was, its child queued again.
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "needs_review" });
    expect(await engine.queue.getJob(shards[1])).toMatchObject({ status: "queued" });

    await engine.cancel(taken[0]);
    expect(await engine.retry(jobId)).toMatchObject({ childrenRequeued: 1 });
    await runUntilFinal(engine, jobId);
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "succeeded_dry_run", shards: { total: 3, done: 3, succeeded: 3 } });
  });

  it("a parent asked to stop waits for a child still stopping, then ends cancelled with what its children did; a retry completes it", async () => {
    const tasks = new RecordingTasks();
    const engine = engineWith(tasks);
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    const [first, second] = [childJobId(jobId, 1), childJobId(jobId, 2)];
    // A worker runs the second child when the operator cancels the parent: it is asked to stop, and so is the parent.
    const running = (await engine.queue.leaseById(second, "child-worker"))!;
    expect(await engine.cancel(jobId)).toEqual({
      status: "deferred",
      cancelRequested: true,
      alreadyRequested: false,
      alreadyEnded: false,
      childrenCancelled: 2,
    });
    // Not woken for it, the parent's next check comes while the child is still stopping: it waits on, not ended before it.
    await engine.queue.jobRef(jobId).update({ run_after: Timestamp.now() });
    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "deferred"]]);
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "deferred", cancel_requested: true });
    expect(await engine.queue.getJob(first)).toMatchObject({ status: "cancelled" });
    await expect(engine.retry(jobId)).rejects.toThrow(InvalidTransitionError);

    // The child stops at its next safe point, as its worker ends it: the last, it wakes the parent, which settles over both.
    await engine.queue.endAttempt(running.lease, { ...engine.queue.completing("cancelled", {}, null), bookkeeping: () => undefined });
    await new JobFlows(db, engine.queue, tasks).childFinished(running.job, "cancelled");
    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "cancelled"]]);
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "cancelled", shards: { total: 2, done: 2, failed: 2 } });

    expect(await engine.retry(jobId)).toMatchObject({ childrenRequeued: 2 });
    await runUntilFinal(engine, jobId);
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "succeeded_dry_run", shards: { total: 2, done: 2, succeeded: 2 } });
  });

  it("a parent asked to stop keeps what its children did when the last still stopping finished its work first", async () => {
    const tasks = new RecordingTasks();
    const engine = engineWith(tasks);
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    const [first, second] = [childJobId(jobId, 1), childJobId(jobId, 2)];
    const done = (await engine.queue.leaseById(first, "child-worker"))!;
    await engine.queue.endAttempt(done.lease, { ...engine.queue.completing("succeeded_dry_run", {}, null), bookkeeping: () => undefined });
    await new JobFlows(db, engine.queue, tasks).childFinished(done.job, "succeeded_dry_run");
    // A client's flag: the parent's own check asks the running child to stop, and waits on for it.
    const running = (await engine.queue.leaseById(second, "child-worker"))!;
    await engine.queue.jobRef(jobId).update({ cancel_requested: true, run_after: Timestamp.now() });
    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "deferred"]]);
    expect(await engine.queue.getJob(second)).toMatchObject({ status: "running", cancel_requested: true });

    // Its work was done before it saw the cancel: it succeeds, and the parent keeps the children's outcome, saying so.
    await engine.queue.endAttempt(running.lease, {
      ...engine.queue.completing("succeeded_dry_run", {}, null),
      bookkeeping: () => undefined,
    });
    await new JobFlows(db, engine.queue, tasks).childFinished(running.job, "succeeded_dry_run");
    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "succeeded_dry_run"]]);
    expect(await engine.queue.getJob(jobId)).toMatchObject({
      status: "succeeded_dry_run",
      shards: { total: 2, done: 2, succeeded: 2 },
      result_summary: expect.objectContaining({ cancel_requested: true }) as unknown,
    });
  });

  /** A parent of two children, waiting for them: the first ended as `ending` ends its attempt, the second waits. */
  async function parentWithAnEndedChild(engine: Engine, ending: (leased: LeasedJob) => Promise<JobChange>) {
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    const leased = (await engine.queue.leaseById(childJobId(jobId, 1), "child-worker"))!;
    const { status } = await engine.queue.endAttempt(leased.lease, { ...(await ending(leased)), bookkeeping: () => undefined });
    await new JobFlows(db, engine.queue, engine.tasks).childFinished(leased.job, status);
    return { jobId, child: leased.job.id };
  }

  it("a retry of a child whose parent is asked to stop is refused (its lease would cancel it unrun): the parent is retried once it has ended", async () => {
    const engine = engineWith();
    const { jobId, child } = await parentWithAnEndedChild(engine, async ({ job }) =>
      engine.queue.failing(job, JobFailure.permanent("BROKEN", "the cause is still there"), null),
    );
    expect(await engine.cancel(jobId)).toMatchObject({ status: "deferred", cancelRequested: true, childrenCancelled: 1 });

    const refused = await engine.retry(child).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(InvalidTransitionError);
    expect(refusedTransition(refused as InvalidTransitionError, "retry")).toBe(
      `cannot retry job ${child}: it is failed (its parent ${jobId} is asked to stop, so it would be cancelled ` +
        "before it ran: retry the parent once it has ended)",
    );
    expect(await engine.queue.getJob(child)).toMatchObject({ status: "failed", attempts: 1 });

    // The parent settles its cancel over its children; its own retry then re-runs both.
    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "cancelled"]]);
    expect(await engine.retry(jobId)).toMatchObject({ childrenRequeued: 2 });
    await runUntilFinal(engine, jobId);
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "succeeded_dry_run", shards: { total: 2, done: 2, succeeded: 2 } });
  });

  it("a child that resumes its frozen plan is retried while its parent is asked to stop, and runs it: a cancel lets a frozen plan finish", async () => {
    const engine = engineWith();
    // Its attempts ran out while it applied its plan: deadletter, the plan kept for its retry to finish.
    const { jobId, child } = await parentWithAnEndedChild(engine, async ({ lease }) => {
      await engine.queue.savePlan(lease, { operations: [] });
      return engine.queue.failing({ attempts: 1, max_attempts: 1 }, JobFailure.transient("FIRESTORE_UNAVAILABLE", "down"), null);
    });
    expect(await engine.cancel(jobId)).toMatchObject({ status: "deferred", cancelRequested: true });

    expect(await engine.retry(child)).toMatchObject({ resumesPlan: expect.any(String) });
    expect(await engine.queue.leaseById(child, "child-worker")).toMatchObject({ job: { id: child, status: "running" } });
  });

  it("a parent asked to stop while a child still runs is woken when that child stops: the cancel counted the children it closed", async () => {
    const tasks = new RecordingTasks();
    const engine = engineWith(tasks);
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 3 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    const running = (await engine.queue.leaseById(childJobId(jobId, 2), "child-worker"))!;
    await engine.cancel(jobId);
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "deferred", cancel_requested: true, shards: { total: 3, done: 2 } });
    tasks.tasks.length = 0;

    // The child stops at its next safe point, as its worker ends it and counts it: the last of three, so the parent is due.
    await engine.queue.endAttempt(running.lease, { ...engine.queue.completing("cancelled", {}, null), bookkeeping: () => undefined });
    await new JobFlows(db, engine.queue, tasks).childFinished(running.job, "cancelled");
    expect(tasks.tasks.map((task) => task.jobId)).toEqual([jobId]);
    expect((await engine.queue.getJob(jobId))!.run_after.getTime()).toBeLessThanOrEqual(Date.now());
    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "cancelled"]]);
  });

  it("cancelling a parent a retry cut short left ended cancels the children that retry queued again", async () => {
    const engine = engineWith();
    const { jobId, shards } = await parentWithFailedChildren(engine, [1]);
    // The operator's retry dies after the children, before the parent.
    expect(await new JobFlows(db, engine.queue, engine.tasks).requeueChildren(jobId)).toHaveLength(1);

    // An outage at the child's cancel says so, naming the parent as it is, and the same cancel run again finishes it.
    const cancelChild = engine.queue.cancelChild.bind(engine.queue);
    const outage = jest.spyOn(engine.queue, "cancelChild").mockImplementation(async (id, requestedAt) => {
      if (id === shards[1]) throw Object.assign(new Error("14 UNAVAILABLE: connection reset"), { code: 14 });
      return cancelChild(id, requestedAt);
    });
    const lines = await captureLogs(() => expect(engine.cancel(jobId)).rejects.toThrow(ChildrenNotCancelledError));
    expect(lines).toEqual([
      expect.objectContaining({
        message: "cancel cut short: the job's children not all cancelled",
        severity: "warn",
        job_id: jobId,
        error: expect.stringContaining("14 UNAVAILABLE") as unknown,
      }),
    ]);
    await expect(engine.cancel(jobId)).rejects.toThrow(
      `job ${jobId} is needs_review, but cancelling its children failed (run the cancel again)`,
    );
    outage.mockRestore();

    expect(await engine.cancel(jobId)).toEqual({
      status: "needs_review",
      cancelRequested: false,
      alreadyRequested: false,
      alreadyEnded: true,
      childrenCancelled: 1,
    });
    expect(await engine.queue.getJob(shards[1])).toMatchObject({ status: "cancelled" });
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "needs_review" });
    // Nothing left open: refused as the cancel of any job that has ended.
    await expect(engine.cancel(jobId)).rejects.toThrow(`job ${jobId} is needs_review; cannot cancel`);
  });

  it("cancelling a parent cancelled already, whose children a retry cut short queued again, says it had ended: only they are cancelled", async () => {
    const engine = engineWith();
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 3 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    // Its attempt cut short after it made its children, before it recorded their total: a cancel ends it at once.
    await engine.queue.jobRef(jobId).update({ status: "queued", run_after: LATER(), "shards.total": null });
    expect(await engine.cancel(jobId)).toEqual({
      status: "cancelled",
      cancelRequested: false,
      alreadyRequested: false,
      alreadyEnded: false,
      childrenCancelled: 3,
    });
    // The operator's retry dies after the children, before the parent.
    expect(await new JobFlows(db, engine.queue, engine.tasks).requeueChildren(jobId)).toHaveLength(3);

    expect(await engine.cancel(jobId)).toEqual({
      status: "cancelled",
      cancelRequested: false,
      alreadyRequested: false,
      alreadyEnded: true,
      childrenCancelled: 3,
    });
    expect(await childStatuses(jobId)).toEqual(["cancelled", "cancelled", "cancelled"]);
  });

  it("a parent's cancel still going through its children when an operator retries the parent leaves them to run, and counts only those it cancelled", async () => {
    const engine = engineWith();
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 3 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    // Its attempt cut short after it made its children, before it recorded their total: a cancel ends it at once
    // (one that recorded it is only asked to stop, and cannot be retried until it has settled over its children).
    await engine.queue.jobRef(jobId).update({ status: "queued", run_after: LATER(), "shards.total": null });
    const second = childJobId(jobId, 2);
    const cancelChild = engine.queue.cancelChild.bind(engine.queue);
    let retried: Awaited<ReturnType<Engine["retry"]>> | undefined;
    jest.spyOn(engine.queue, "cancelChild").mockImplementation(async (id, requestedAt) => {
      // The operator retries the parent, shown cancelled, as its cancel goes on from the first child to the second.
      if (id === second && !retried) retried = await engine.retry(jobId);
      return cancelChild(id, requestedAt);
    });

    expect(await engine.cancel(jobId)).toEqual({
      status: "cancelled",
      cancelRequested: false,
      alreadyRequested: false,
      alreadyEnded: false,
      childrenCancelled: 1,
    });
    // The first child queued again, the others woken: all three wait for the parent's new run.
    expect(retried).toMatchObject({ childrenRequeued: 3 });
    expect(await childStatuses(jobId)).toEqual(["queued", "queued", "queued"]);
    await runUntilFinal(engine, jobId);
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "succeeded_dry_run", shards: { total: 3, done: 3, succeeded: 3 } });
    expect([...runs.entries()].sort()).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
  });

  it("a parent's children cancel that comes late (its worker's cleanup, the watchdog's) leaves the children an operator's retry queued again to run", async () => {
    const engine = engineWith();
    const flows = new JobFlows(db, engine.queue, engine.tasks);
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 3 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    expect(await engine.cancel(jobId)).toMatchObject({ cancelRequested: true, childrenCancelled: 3 });
    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "cancelled"]]);

    // A retry cut short: the children queued again after the cancel, the parent still cancelled.
    expect(await flows.requeueChildren(jobId)).toHaveLength(3);
    expect(await flows.cancelChildren(jobId)).toBe(0);
    // The same retry run again queues the parent: then no child is the cancel's.
    expect(await engine.retry(jobId)).toMatchObject({ childrenRequeued: 3 });
    expect(await flows.cancelChildren(jobId)).toBe(0);
    expect(await childStatuses(jobId)).toEqual(["queued", "queued", "queued"]);
    await runUntilFinal(engine, jobId);
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "succeeded_dry_run", shards: { total: 3, done: 3, succeeded: 3 } });
  });

  describe("whose transactions' replies were lost (the Firestore client runs each again)", () => {
    afterEach(() => jest.restoreAllMocks());

    it("a retry is answered as done: the parent and the child it re-runs are queued once, and woken", async () => {
      const tasks = new RecordingTasks();
      const engine = engineWith(tasks);
      const { jobId, shards } = await parentWithFailedChildren(engine, [1]);
      const failed = shards[1];
      const tasksBefore = tasks.tasks.length;
      const lost = losingTransactionReplies();

      expect(await engine.retry(jobId)).toMatchObject({ childrenRequeued: 1 });

      expect(lost.reruns).toBeGreaterThanOrEqual(2);
      expect(tasks.tasks.slice(tasksBefore).map((t) => [t.jobId, t.reason])).toEqual([
        [jobId, "retry"],
        [failed, "retry"],
      ]);
      // Taken out of the counts once.
      expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "queued", shards: { total: 3, done: 2, succeeded: 2, failed: 0 } });
      expect(await engine.queue.getJob(failed)).toMatchObject({ status: "queued", attempts: 0 });
      jest.restoreAllMocks();
      await runUntilFinal(engine, jobId);
      expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "succeeded_dry_run", shards: { total: 3, done: 3, succeeded: 3 } });
    });

    it("a cancel is answered as done: a waiting child is counted into its parent; a parent's children are cancelled, counted, and the last wakes it", async () => {
      const tasks = new RecordingTasks();
      const engine = engineWith(tasks);
      const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 3 }, created_by: "test" });
      await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
      const lost = losingTransactionReplies();

      expect(await engine.cancel(childJobId(jobId, 1))).toEqual({
        status: "cancelled",
        cancelRequested: false,
        alreadyRequested: false,
        alreadyEnded: false,
        childrenCancelled: 0,
      });
      expect(await engine.queue.getJob(jobId)).toMatchObject({ shards: { total: 3, done: 1 } });
      expect(await engine.cancel(jobId)).toEqual({
        status: "deferred",
        cancelRequested: true,
        alreadyRequested: false,
        alreadyEnded: false,
        childrenCancelled: 2,
      });

      expect(lost.reruns).toBeGreaterThanOrEqual(4);
      expect(await engine.queue.getJob(jobId)).toMatchObject({ cancel_requested: true, shards: { total: 3, done: 3 } });
      expect(tasks.tasks).toContainEqual(expect.objectContaining({ jobId, reason: "children-done" }));
      jest.restoreAllMocks();
      expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([[jobId, "cancelled"]]);
    });
  });
});
