/**
 * What the queue's listeners of finished jobs hold (data.ts), as the SDK's own query engine answers them over jobs
 * written to an offline client's cache (its writes are never sent, and its listeners answer from that cache).
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { deleteApp, initializeApp } from "firebase/app";
import { disableNetwork, doc, getFirestore, setDoc, terminate } from "firebase/firestore";
import { ConsoleData, FINISHED_JOBS_LIMIT, finishedJobsListenerStart, type Listener } from "../../src/data";
import { DEMO_PROJECT_ID } from "../../src/firebase";
import { COLLECTIONS, type Job, type JobStatus } from "../../src/model";

const app = initializeApp({ projectId: DEMO_PROJECT_ID, apiKey: "unused" }, "queue-reads-test");
const db = getFirestore(app);
await disableNetwork(db);
after(async () => {
  await terminate(db);
  await deleteApp(app);
});
const data = new ConsoleData(db);

const OPENED = new Date("2026-12-02T10:00:00.000Z");
const since = finishedJobsListenerStart(OPENED);
const minutesBefore = (minutes: number) => new Date(OPENED.getTime() - minutes * 60_000);

/** A job that ended as `status` when `finishedAt` says, in the cache alone (the write settles only once a server has it: never). */
function finished(id: string, status: JobStatus, finishedAt: Date): void {
  void setDoc(doc(db, COLLECTIONS.jobs, id), { type: "FAMILY_AUDIT", queue: "maintenance", status, finished_at: finishedAt });
}

/** The ids of the jobs a listener's first answer holds, in its order. */
function firstAnswer(watch: (listener: Listener<Job[]>) => () => void): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const stop = watch({
      next: (jobs) => {
        stop();
        resolve(jobs.map((job) => job.id));
      },
      error: reject,
    });
  });
}

describe("the queue's failures", () => {
  it("are read however many jobs finished after them: a scan's follow-ups cannot push a failure out of sight", async () => {
    finished("review", "needs_review", minutesBefore(600));
    // An enrichment's shards, say, all succeeding after it: as many as the finished jobs' read holds.
    for (let i = 0; i < FINISHED_JOBS_LIMIT; i++) finished(`shard-${i}`, "succeeded", minutesBefore(300 - i / 10));
    const latestFinished = await firstAnswer((l) => data.watchFinishedJobs(since, l));
    assert.equal(latestFinished.length, FINISHED_JOBS_LIMIT);
    assert.ok(!latestFinished.includes("review"), "the latest finished jobs hold only the shards");

    finished("failed", "failed", minutesBefore(30));
    finished("deadletter", "deadletter", minutesBefore(60));
    finished("cancelled", "cancelled", minutesBefore(45));
    // Before the listener's start, 24 hours before the view opened.
    finished("old-failure", "failed", minutesBefore(24 * 60 + 1));
    assert.deepEqual(await firstAnswer((l) => data.watchFailedJobs(since, l)), ["failed", "deadletter", "review"]);
  });
});
