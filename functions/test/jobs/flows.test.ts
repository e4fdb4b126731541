import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { SHARD_RESULTS, ShardFanIn } from "../../src/jobs/flows";
import { JobQueue } from "../../src/jobs/queue";
import { RecordingTasks } from "../helpers/runtime";
import { describeWithIsolation, newFirestore } from "../helpers/firestore";

let db: Firestore;
beforeAll(() => {
  db = newFirestore();
});

const LATER = () => Timestamp.fromMillis(Date.now() + 3_600_000);

async function setUp(parentFields: Record<string, unknown>) {
  const queue = new JobQueue(db);
  const tasks = new RecordingTasks();
  const fanIn = new ShardFanIn({ queue, tasks, now: () => new Date() });
  const { jobId } = await queue.createJob({
    type: "CATALOG_ENRICH_FIELD",
    payload: { mode: "apply", enrichment_spec: { spec_id: "s", spec_version: 1 } },
    created_by: "test",
  });
  await queue.jobRef(jobId).update({ status: "deferred", run_after: LATER(), ...parentFields });
  return { queue, tasks, fanIn, parentId: jobId };
}

const parentOf = async (queue: JobQueue, id: string) => (await queue.jobRef(id).get()).data()!;

describeWithIsolation("shard fan-in", () => {
  it("counts each shard once and wakes the parent when the last one finishes", async () => {
    const { queue, tasks, fanIn, parentId } = await setUp({ shards: { total: 2, done: 0, succeeded: 0, failed: 0 } });

    expect(await fanIn.shardFinished(parentId, `${parentId}-shard-1`, "succeeded")).toBe("counted");
    expect(await fanIn.shardFinished(parentId, `${parentId}-shard-1`, "succeeded")).toBe("duplicate");
    let parent = await parentOf(queue, parentId);
    expect(parent.shards).toEqual({ total: 2, done: 1, succeeded: 1, failed: 0 });
    expect(parent.run_after.toMillis()).toBeGreaterThan(Date.now());
    expect(tasks.tasks).toEqual([]);

    expect(await fanIn.shardFinished(parentId, `${parentId}-shard-2`, "needs_review")).toBe("counted");
    parent = await parentOf(queue, parentId);
    expect(parent.shards).toEqual({ total: 2, done: 2, succeeded: 1, failed: 1 });
    expect(parent.run_after.toMillis()).toBeLessThanOrEqual(Date.now());
    expect(tasks.tasks).toEqual([expect.objectContaining({ jobId: parentId, lane: "maintenance", reason: "shards-done" })]);
    const markers = await queue.jobRef(parentId).collection(SHARD_RESULTS).get();
    expect(markers.docs.map((doc) => doc.get("status")).sort()).toEqual(["needs_review", "succeeded"]);
  });

  it("counts a notification delivered twice at the same time once", async () => {
    const { queue, fanIn, parentId } = await setUp({ shards: { total: 3, done: 0, succeeded: 0, failed: 0 } });
    const outcomes = await Promise.all([1, 2, 3].map(() => fanIn.shardFinished(parentId, `${parentId}-shard-1`, "succeeded")));
    expect(outcomes.filter((outcome) => outcome === "counted")).toHaveLength(1);
    expect((await parentOf(queue, parentId)).shards).toMatchObject({ done: 1, succeeded: 1 });
  });

  it("counts shards that finish before the parent knows their total, without waking it", async () => {
    const { queue, tasks, fanIn, parentId } = await setUp({ status: "running" });
    await fanIn.shardFinished(parentId, `${parentId}-shard-1`, "deadletter");
    expect((await parentOf(queue, parentId)).shards).toEqual({ total: null, done: 1, succeeded: 0, failed: 1 });
    expect(tasks.tasks).toEqual([]);
  });

  it("leaves a finished parent alone", async () => {
    const { queue, tasks, fanIn, parentId } = await setUp({ status: "cancelled", shards: { total: 1, done: 0, succeeded: 0, failed: 0 } });
    expect(await fanIn.shardFinished(parentId, `${parentId}-shard-1`, "succeeded")).toBe("parent_closed");
    expect((await parentOf(queue, parentId)).shards).toEqual({ total: 1, done: 0, succeeded: 0, failed: 0 });
    expect(tasks.tasks).toEqual([]);
  });

  it("ignores jobs that are not enrichment shards", async () => {
    const { queue, fanIn, parentId } = await setUp({ shards: { total: 1, done: 0, succeeded: 0, failed: 0 } });
    const parent = (await queue.getJob(parentId))!;
    await fanIn.onJobFinished(parent, "succeeded");
    expect((await parentOf(queue, parentId)).shards).toMatchObject({ done: 0 });
  });

  it("wakes a waiting parent for the watchdog, and only a waiting one", async () => {
    const { queue, tasks, fanIn, parentId } = await setUp({});
    expect(await fanIn.wakeParent(parentId)).toBe(true);
    expect((await parentOf(queue, parentId)).run_after.toMillis()).toBeLessThanOrEqual(Date.now());
    expect(tasks.tasks).toHaveLength(1);
    await queue.jobRef(parentId).update({ status: "succeeded" });
    expect(await fanIn.wakeParent(parentId)).toBe(false);
    expect(await fanIn.wakeParent("no-such-parent")).toBe(false);
  });
});
