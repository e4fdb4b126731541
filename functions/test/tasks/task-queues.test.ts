import { InProcessTaskQueue } from "../../src/tasks/in-process";
import { type WakeupPayload, type WakeupTask, wakeupPayload, wakeupTaskName } from "../../src/jobs/task-queue";

const task = (over: Partial<WakeupTask> = {}): WakeupTask => ({
  lane: "priority",
  jobId: "job1",
  attempt: 2,
  epoch: 3,
  runAfter: new Date("2026-05-01T10:00:00.500Z"),
  ...over,
});

describe("wake-up task names", () => {
  it("are derived from job, attempt, epoch and reason, with only allowed characters", () => {
    expect(wakeupTaskName(task())).toMatch(/^[0-9a-f]{8}-job1-2-3$/);
    expect(wakeupTaskName(task())).toBe(wakeupTaskName(task()));
    expect(wakeupTaskName(task({ reason: "stale7" }))).toMatch(/^[0-9a-f]{8}-job1-2-3-stale7$/);
    const spelled = wakeupTaskName(task({ jobId: "a.b/c", reason: "stale 7" }));
    expect(spelled).toMatch(/^[0-9a-f]{8}-a_b_c-2-3-stale_7-[0-9a-f]{32}$/);
  });

  it("do not share a prefix across a parent's children (Cloud Tasks slows down on sequential prefixes)", () => {
    const names = Array.from({ length: 200 }, (_, n) => wakeupTaskName(task({ jobId: `parent-shard-${n + 1}`, attempt: 0, epoch: 0 })));
    expect(new Set(names.map((name) => name.slice(0, 4))).size).toBeGreaterThan(150);
  });

  it("never give two wake-ups one name: ids that read alike, or a long id's attempts", () => {
    expect(wakeupTaskName(task({ jobId: "a.b" }))).not.toBe(wakeupTaskName(task({ jobId: "a_b" })));
    const long = "j".repeat(499);
    const names = [task({ jobId: long }), task({ jobId: long, epoch: 4 }), task({ jobId: long, reason: "retry" })].map(wakeupTaskName);
    expect(new Set(names).size).toBe(3);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]{1,500}$/);
  });

  it("carry when the job is due, and the count of early arrivals only when there were some", () => {
    const runAfter = Date.parse("2026-05-01T10:00:00.500Z");
    expect(wakeupPayload(task())).toEqual({ lane: "priority", job_id: "job1", attempt: 2, epoch: 3, run_after: runAfter });
    expect(wakeupPayload(task({ earlyArrivals: 2 }))).toEqual({
      lane: "priority",
      job_id: "job1",
      attempt: 2,
      epoch: 3,
      run_after: runAfter,
      early_arrivals: 2,
    });
  });
});

describe("in-process task queue", () => {
  it("refuses a duplicate name, honours schedule times and retries a failing handler", async () => {
    const seen: Array<{ payload: WakeupPayload; at: number }> = [];
    let failOnce = true;
    const queue = new InProcessTaskQueue({
      maxConcurrent: { priority: 1, maintenance: 1 },
      retryDelayMs: 20,
      handler: async (payload) => {
        if (payload.job_id === "flaky" && failOnce) {
          failOnce = false;
          throw new Error("boom");
        }
        seen.push({ payload, at: Date.now() });
      },
    });
    const start = Date.now();
    expect(await queue.enqueueWakeup(task({ jobId: "now", runAfter: new Date() }))).toBe("enqueued");
    expect(await queue.enqueueWakeup(task({ jobId: "now", runAfter: new Date() }))).toBe("duplicate");
    await queue.enqueueWakeup(task({ jobId: "later", runAfter: new Date(start + 150) }));
    await queue.enqueueWakeup(task({ jobId: "flaky", runAfter: new Date() }));
    await queue.idle();
    expect(seen.map((s) => s.payload.job_id).sort()).toEqual(["flaky", "later", "now"]);
    expect(seen.find((s) => s.payload.job_id === "later")!.at - start).toBeGreaterThanOrEqual(140);
    await queue.close();
  });

  it("waits twice as long before each attempt of a failing task, up to maxRetryDelayMs", async () => {
    // On the fake clock, so the waits are the ones asked for, however loaded the machine.
    jest.useFakeTimers();
    const attemptsAt: number[] = [];
    const queue = new InProcessTaskQueue({
      maxConcurrent: { priority: 1, maintenance: 1 },
      maxAttempts: 5,
      retryDelayMs: 20,
      maxRetryDelayMs: 50,
      handler: async () => {
        attemptsAt.push(Date.now());
        throw new Error("boom");
      },
    });
    try {
      await queue.enqueueWakeup(task({ jobId: "failing", runAfter: new Date() }));
      await jest.runAllTimersAsync();
      await queue.idle();
      // 20, 40, then 80 and 160 capped at 50.
      expect(attemptsAt.slice(1).map((at, index) => at - attemptsAt[index])).toEqual([20, 40, 50, 50]);
      await queue.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it("runs at most maxConcurrent tasks of a lane at once", async () => {
    let running = 0;
    let peak = 0;
    const queue = new InProcessTaskQueue({
      maxConcurrent: { priority: 2, maintenance: 1 },
      handler: async () => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
      },
    });
    for (let i = 0; i < 6; i++) await queue.enqueueWakeup(task({ jobId: `j${i}`, runAfter: new Date() }));
    await queue.idle();
    expect(peak).toBe(2);
    await queue.close();
  });
});
