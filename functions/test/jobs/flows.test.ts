import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { JobFlows } from "../../src/jobs/flows";
import type { JobHandler } from "../../src/jobs/handler";
import { modeSchema, type ChildJob } from "../../src/jobs/model";
import { CHILD_RESULTS, type JobQueue } from "../../src/jobs/queue";
import { JobRegistry } from "../../src/jobs/registry";
import { testQueue } from "../helpers/engine";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { RecordingTasks, testConfig, useRuntime, waitFor } from "../helpers/runtime";
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
const quietEngine = (registry: JobRegistry<CatalogDeps>): Engine =>
  createEngine({ db, config: testConfig(), tasks: new RecordingTasks(), registry });

const parentOf = async (queue: JobQueue, id: string) => (await queue.jobRef(id).get()).data()!;
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
    const children = await db.collection(JOB_COLLECTIONS.jobs).where("parent_job_id", "==", jobId).get();
    expect(children.docs.map((doc) => doc.get("status") as string)).toEqual(["queued", "queued"]);
  });

  it("cancelling a waiting parent cancels its open children; a finished child keeps its status", async () => {
    const engine = quietEngine(new JobRegistry([parent, childHandler]));
    const { jobId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 3 }, created_by: "test" });
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });
    expect((await engine.queue.getJob(jobId))?.status).toBe("deferred");
    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });

    expect(await engine.cancel(jobId)).toEqual({ status: "cancelled", cancelRequested: false, childrenCancelled: 2 });
    const children = await db.collection(JOB_COLLECTIONS.jobs).where("parent_job_id", "==", jobId).get();
    expect(children.docs.map((doc) => doc.get("status") as string).sort()).toEqual(["cancelled", "cancelled", "succeeded_dry_run"]);
    expect(await engine.runLane("priority")).toEqual([]);
  });

  it("a parent cancelled while it creates children stops creating them and cancels those it made", async () => {
    const operator: { engine?: Engine } = {};
    const slowParent: JobHandler<typeof parentPayload> = {
      ...parent,
      async run({ job, engine }) {
        async function* specs() {
          for (let i = 0; i < job.payload.children; i++) {
            if (i === 2) {
              await operator.engine!.cancel(job.id); // an operator asks while the parent creates its children
              await new Promise((resolve) => setTimeout(resolve, 1_500)); // the heartbeat sees it
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
    expect(report).toMatchObject({ jobId, status: "cancelled" });
    const children = await db.collection(JOB_COLLECTIONS.jobs).where("parent_job_id", "==", jobId).get();
    expect(children.size).toBe(2);
    expect(children.docs.map((doc) => doc.get("status") as string)).toEqual(["cancelled", "cancelled"]);
  });
});
