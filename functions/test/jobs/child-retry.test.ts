import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { InvalidTransitionError, JobFailure, refusedTransition } from "../../src/jobs/errors";
import { type JobHandler } from "../../src/jobs/handler";
import { isSuccessStatus } from "../../src/jobs/lifecycle";
import { modeSchema } from "../../src/jobs/model";
import { needsReview, succeededIn } from "../../src/jobs/outcomes";
import { CHILD_RESULTS } from "../../src/jobs/queue";
import { JobRegistry } from "../../src/jobs/registry";
import { type Engine, createEngine } from "../../src/create-engine";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { RecordingTasks, testConfig } from "../helpers/runtime";
import { losingTransactionReplies } from "../helpers/transactions";

const db = useFirestore();

/** The children (by index) whose cause of failure is still there. */
const broken = new Set<number>();
/** Whether the parent's next `finishParent` fails for a passing cause (after its counts were settled). */
let finishFailsOnce = false;
beforeEach(() => {
  broken.clear();
  finishFailsOnce = false;
});

const parentPayload = z.strictObject({ mode: modeSchema, children: z.number().int() });
/** A parent of two children: the first runs on the maintenance lane, so a test runs each child when it chooses. */
const parent: JobHandler<typeof parentPayload> = {
  type: "TEST_PARENT",
  lane: "priority",
  payload: parentPayload,
  async run({ engine }) {
    await engine.createChildren([
      { type: "TEST_CHILD", payload: { index: 0 }, queue: "maintenance" },
      { type: "TEST_CHILD", payload: { index: 1 } },
    ]);
    return { kind: "wait_for_children" };
  },
  async finishParent({ job }, children) {
    if (finishFailsOnce) {
      finishFailsOnce = false;
      throw JobFailure.transient("PASSING", "a passing cause");
    }
    const failed = children.filter((child) => !isSuccessStatus(child.status)).length;
    return failed === 0 ? succeededIn(job.payload.mode, {}) : needsReview(job.payload.mode, {}, "SHARDS_FAILED", `${failed} failed`);
  },
};
const childPayload = z.strictObject({ mode: modeSchema, index: z.number().int() });
const child: JobHandler<typeof childPayload> = {
  type: "TEST_CHILD",
  lane: "priority",
  payload: childPayload,
  async run({ job }) {
    if (broken.has(job.payload.index)) throw JobFailure.permanent("BROKEN", "the cause is still there");
    return succeededIn(job.payload.mode, {});
  },
};

const engineWith = (tasks: RecordingTasks): Engine =>
  createEngine({ db, config: testConfig(), tasks, registry: new JobRegistry([parent, child]) });
const runOne = async (engine: Engine, lane: "priority" | "maintenance") =>
  (await engine.runLane(lane, { maxJobs: 1, budgetMs: 30_000 })).map((report) => [report.jobId, report.status]);
const markersOf = async (jobId: string) =>
  (await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).collection(CHILD_RESULTS).get()).docs.map((doc) => doc.id).sort();

/** A parent waiting for its two children: the first failed for good, the second still queued. */
async function parentWithOneChildFailed(engine: Engine): Promise<{ parentId: string; failed: string; waiting: string }> {
  broken.add(0);
  const { jobId: parentId } = await engine.queue.createJob({ type: "TEST_PARENT", payload: { children: 2 }, created_by: "test" });
  const [failed, waiting] = [`${parentId}-shard-1`, `${parentId}-shard-2`];
  expect(await runOne(engine, "priority")).toEqual([[parentId, "deferred"]]);
  expect(await runOne(engine, "maintenance")).toEqual([[failed, "failed"]]);
  expect(await engine.queue.getJob(parentId)).toMatchObject({ status: "deferred", shards: { total: 2, done: 1, failed: 1 } });
  broken.clear(); // the cause goes away
  return { parentId, failed, waiting };
}

describeWithIsolation("an operator's retry of a child whose parent still waits", () => {
  it("takes the child out of its parent's counts, so its new end is counted and the last child's end wakes the parent", async () => {
    const tasks = new RecordingTasks();
    const engine = engineWith(tasks);
    const { parentId, failed, waiting } = await parentWithOneChildFailed(engine);

    await engine.retry(failed);

    expect(await engine.queue.getJob(parentId)).toMatchObject({
      status: "deferred",
      shards: { total: 2, done: 0, succeeded: 0, failed: 0 },
    });
    expect(await markersOf(parentId)).toEqual([]);

    // The other child ends first: the parent still waits for the retried one, and is not woken.
    const tasksBefore = tasks.tasks.length;
    expect(await runOne(engine, "priority")).toEqual([[waiting, "succeeded_dry_run"]]);
    expect(await engine.queue.getJob(parentId)).toMatchObject({ shards: { total: 2, done: 1, succeeded: 1, failed: 0 } });
    expect(tasks.tasks.slice(tasksBefore)).toEqual([]);

    // The retried child's end is counted once, and wakes the parent, which settles over both.
    expect(await runOne(engine, "maintenance")).toEqual([[failed, "succeeded_dry_run"]]);
    expect(await engine.queue.getJob(parentId)).toMatchObject({ shards: { total: 2, done: 2, succeeded: 2, failed: 0 } });
    expect(tasks.tasks.slice(tasksBefore).map((task) => [task.jobId, task.reason])).toEqual([[parentId, "children-done"]]);
    expect(await runOne(engine, "priority")).toEqual([[parentId, "succeeded_dry_run"]]);
    expect(await markersOf(parentId)).toEqual([failed, waiting].sort());
  });

  it("takes out a child its parent's settled counts include without a marker, so its new end is counted and wakes the parent", async () => {
    const tasks = new RecordingTasks();
    const engine = engineWith(tasks);
    const { parentId, failed, waiting } = await parentWithOneChildFailed(engine);
    const parentRef = engine.queue.jobRef(parentId);
    // The failed child's own count was missed (a crash after its final write): no marker, not in the counts.
    await parentRef.collection(CHILD_RESULTS).doc(failed).delete();
    await parentRef.update({ "shards.done": FieldValue.increment(-1), "shards.failed": FieldValue.increment(-1) });
    expect(await runOne(engine, "priority")).toEqual([[waiting, "succeeded_dry_run"]]);
    // At its next check the parent settles its counts from the children themselves, then its finish fails for a passing cause.
    finishFailsOnce = true;
    await parentRef.update({ run_after: Timestamp.now() });
    expect(await runOne(engine, "priority")).toEqual([[parentId, "queued"]]);
    expect(await engine.queue.getJob(parentId)).toMatchObject({ shards: { total: 2, done: 2, succeeded: 1, failed: 1 } });
    expect(await markersOf(parentId)).toEqual([waiting]);

    // Taken out once also when the retry's transaction runs again after its commit's reply was lost.
    const lost = losingTransactionReplies();
    try {
      await engine.retry(failed);
    } finally {
      jest.restoreAllMocks();
    }

    expect(lost.reruns).toBeGreaterThan(0);
    expect(await engine.queue.getJob(parentId)).toMatchObject({ shards: { total: 2, done: 1, succeeded: 1, failed: 0 } });
    // Its next attempt finds the retried child open, and waits for it.
    await parentRef.update({ run_after: Timestamp.now() });
    expect(await runOne(engine, "priority")).toEqual([[parentId, "deferred"]]);
    const tasksBefore = tasks.tasks.length;
    expect(await runOne(engine, "maintenance")).toEqual([[failed, "succeeded_dry_run"]]);
    expect(await engine.queue.getJob(parentId)).toMatchObject({ shards: { total: 2, done: 2, succeeded: 2, failed: 0 } });
    expect(tasks.tasks.slice(tasksBefore).map((task) => [task.jobId, task.reason])).toEqual([[parentId, "children-done"]]);
    expect(await runOne(engine, "priority")).toEqual([[parentId, "succeeded_dry_run"]]);
  });

  it("takes the child out once when the retry's transaction runs again after its commit's reply was lost", async () => {
    const engine = engineWith(new RecordingTasks());
    const { parentId, failed } = await parentWithOneChildFailed(engine);

    const lost = losingTransactionReplies();
    try {
      await engine.retry(failed);
    } finally {
      jest.restoreAllMocks();
    }

    expect(lost.reruns).toBeGreaterThan(0);
    expect(await engine.queue.getJob(failed)).toMatchObject({ status: "queued", attempts: 0 });
    expect(await engine.queue.getJob(parentId)).toMatchObject({ shards: { total: 2, done: 0, succeeded: 0, failed: 0 } });
  });

  it("leaves the counts of a parent that has ended: they are its result", async () => {
    const engine = engineWith(new RecordingTasks());
    const { parentId, failed } = await parentWithOneChildFailed(engine);
    await engine.queue.jobRef(parentId).update({ status: "needs_review" });

    await engine.retry(failed);

    expect(await engine.queue.getJob(failed)).toMatchObject({ status: "queued" });
    expect(await engine.queue.getJob(parentId)).toMatchObject({ shards: { total: 2, done: 1, succeeded: 0, failed: 1 } });
    expect(await markersOf(parentId)).toEqual([failed]);
  });
});

describeWithIsolation("a retry refused because the job document no longer parses", () => {
  const refusalOf = async (engine: Engine, jobId: string) => {
    const refused = await engine.retry(jobId).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(InvalidTransitionError);
    return refusedTransition(refused as InvalidTransitionError, "retry");
  };

  it("names the document's issues and what to do: retry once a deploy accepts its payload or type again, or write a new job", async () => {
    const engine = engineWith(new RecordingTasks());
    const { failed } = await parentWithOneChildFailed(engine);
    const jobs = db.collection(JOB_COLLECTIONS.jobs);

    await jobs.doc(failed).update({ "payload.index": "one" });
    expect(await refusalOf(engine, failed)).toBe(
      `cannot retry job ${failed}: it is failed (the job document no longer parses (payload.index: ` +
        "Invalid input: expected number, received string): retry with the CLI once a deploy accepts its payload again, or write a new job)",
    );

    await jobs.doc(failed).update({ type: "RETIRED_TYPE" });
    expect(await refusalOf(engine, failed)).toMatch(
      new RegExp(
        `^cannot retry job ${failed}: it is failed \\(the job document no longer parses \\(type: unknown job type "RETIRED_TYPE"; .*\\): ` +
          "retry with the CLI once a deploy accepts its type again, or write a new job\\)$",
      ),
    );
  });

  it("names at most three issues, and how many more there are; a field the engine writes no deploy mends", async () => {
    const engine = engineWith(new RecordingTasks());
    const { failed } = await parentWithOneChildFailed(engine);
    await db.collection(JOB_COLLECTIONS.jobs).doc(failed).update({ attempts: "a", max_attempts: "b", priority: "c", lease_epoch: "d" });

    const refusal = await refusalOf(engine, failed);

    expect(refusal).toMatch(/\(the job document no longer parses \(([^;]+; ){2}[^;]+; and 1 more\): write a new job\)$/);
  });

  it("names the issues of a child the parent's retry would re-run", async () => {
    const engine = engineWith(new RecordingTasks());
    const { parentId, failed } = await parentWithOneChildFailed(engine);
    expect((await engine.runLane("priority")).map((report) => [report.jobId, report.status])).toEqual([
      [`${parentId}-shard-2`, "succeeded_dry_run"],
      [parentId, "needs_review"],
    ]);
    await db
      .collection(JOB_COLLECTIONS.jobs)
      .doc(failed)
      .update({ payload: { mode: "dry_run" } });

    expect(await refusalOf(engine, parentId)).toBe(
      `cannot retry job ${parentId}: it is needs_review (its child ${failed} cannot be re-run: the job document no longer parses ` +
        "(payload.index: Invalid input: expected number, received undefined): retry with the CLI once a deploy accepts its payload again, " +
        "or write a new job)",
    );
  });
});
