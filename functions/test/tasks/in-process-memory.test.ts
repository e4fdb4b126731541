/**
 * What the in-process task queue remembers in a long `npm start`: a task's name is refused while it
 * waits or runs and for as long after as Cloud Tasks refuses it (about an hour), then forgotten; the
 * names of the tasks accepted are kept for the latest ones only.
 */
import { ACCEPTED_KEPT, InProcessTaskQueue, TASK_NAME_RETENTION_MS } from "../../src/tasks/in-process";
import { type WakeupTask, wakeupTaskName } from "../../src/jobs/task-queue";

let clock = Date.parse("2026-05-01T10:00:00Z");
beforeEach(() => {
  jest.spyOn(Date, "now").mockImplementation(() => clock);
});
afterEach(() => jest.restoreAllMocks());

const task = (jobId: string, over: Partial<WakeupTask> = {}): WakeupTask => ({
  lane: "priority",
  jobId,
  attempt: 0,
  epoch: 0,
  runAfter: new Date(clock),
  ...over,
});

describe("task names", () => {
  it("are refused while the task waits or runs and for an hour after it ran, then taken again", async () => {
    let release: () => void = () => undefined;
    const ran: string[] = [];
    const queue = new InProcessTaskQueue({
      maxConcurrent: { priority: 1, maintenance: 1 },
      handler: async (payload) => {
        ran.push(payload.job_id);
        await new Promise<void>((resolve) => (release = resolve));
      },
    });
    expect(await queue.enqueueWakeup(task("j"))).toBe("enqueued");
    // Running.
    clock += 2 * TASK_NAME_RETENTION_MS;
    expect(await queue.enqueueWakeup(task("j"))).toBe("duplicate");
    release();
    await queue.idle();
    // Just ran: a trigger delivered again, or a retried intake, finds it taken, as under Cloud Tasks.
    expect(await queue.enqueueWakeup(task("j"))).toBe("duplicate");
    clock += TASK_NAME_RETENTION_MS - 1;
    expect(await queue.enqueueWakeup(task("j"))).toBe("duplicate");
    clock += 1;
    expect(await queue.enqueueWakeup(task("j"))).toBe("enqueued");
    release();
    await queue.idle();
    expect(ran).toEqual(["j", "j"]);
    await queue.close();
  });

  it("of a task scheduled for later are refused until it ran, however long it waits", async () => {
    const queue = new InProcessTaskQueue({ maxConcurrent: { priority: 1, maintenance: 1 }, handler: () => Promise.resolve() });
    const later = task("later", { runAfter: new Date(clock + 10 * 60_000) });
    expect(await queue.enqueueWakeup(later)).toBe("enqueued");
    clock += 3 * TASK_NAME_RETENTION_MS;
    expect(await queue.enqueueWakeup(later)).toBe("duplicate");
    expect(queue.scheduledCount).toBe(1);
    await queue.close();
  });

  it("of a task whose handler kept failing are forgotten an hour after its last attempt", async () => {
    const queue = new InProcessTaskQueue({
      maxConcurrent: { priority: 1, maintenance: 1 },
      maxAttempts: 1,
      handler: () => Promise.reject(new Error("boom")),
      onError: () => undefined,
    });
    expect(await queue.enqueueWakeup(task("failing"))).toBe("enqueued");
    await queue.idle();
    expect(await queue.enqueueWakeup(task("failing"))).toBe("duplicate");
    clock += TASK_NAME_RETENTION_MS;
    expect(await queue.enqueueWakeup(task("failing"))).toBe("enqueued");
    await queue.idle();
    await queue.close();
  });
});

describe("accepted", () => {
  it("keeps the names of the latest tasks accepted only", async () => {
    const queue = new InProcessTaskQueue({ maxConcurrent: { priority: 4, maintenance: 1 }, handler: () => Promise.resolve() });
    for (let n = 0; n <= ACCEPTED_KEPT; n++) await queue.enqueueWakeup(task(`j${n}`));
    await queue.idle();
    expect(queue.accepted).toHaveLength(ACCEPTED_KEPT);
    expect(queue.accepted[0]).toBe(wakeupTaskName(task("j1")));
    expect(queue.accepted[ACCEPTED_KEPT - 1]).toBe(wakeupTaskName(task(`j${ACCEPTED_KEPT}`)));
    await queue.close();
  });
});
