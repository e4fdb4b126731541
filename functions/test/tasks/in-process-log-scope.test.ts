/**
 * A task the in-process queue dispatches runs as Cloud Tasks would run it, in a request of its own: its lines do
 * not carry the identity of the job that enqueued it (a follow-up's or child's wake-up sent from inside a run).
 */
import { InProcessTaskQueue } from "../../src/tasks/in-process";
import { log, withLogFields } from "../../src/util/log";
import { captureLogs } from "../helpers/logs";

describe("a task enqueued from inside a job's log scope", () => {
  it.each([0, 20])("runs outside that scope (due in %i ms)", async (delayMs) => {
    const entries = await captureLogs(async () => {
      const queue = new InProcessTaskQueue({
        maxConcurrent: { priority: 1, maintenance: 1 },
        handler: (payload) => Promise.resolve(withLogFields({ lane: payload.lane, job_id: payload.job_id }, () => log.info("task ran"))),
      });
      await withLogFields({ job_id: "parent", job_type: "CATALOG_ENRICH_FIELD", lease_epoch: 7, worker_id: "w-a" }, () =>
        queue.enqueueWakeup({ lane: "maintenance", jobId: "child", attempt: 0, epoch: 0, runAfter: new Date(Date.now() + delayMs) }),
      );
      await queue.idle();
    });
    expect(entries.filter(({ message }) => message === "task ran")).toEqual([
      { severity: "info", message: "task ran", lane: "maintenance", job_id: "child" },
    ]);
  });
});
