/**
 * Contract tests of the Cloud Tasks adapter: the real @google-cloud/tasks client, over its REST
 * fallback and over gRPC, against a local fake of the service (test/fakes/cloud-tasks-server.ts).
 */
import { CloudTasksQueue, type EnqueueRetryPolicy } from "../../src/tasks/cloud-tasks";
import { LANE_TASK_TIMEOUT_SECONDS } from "../../src/tasks/lanes";
import type { WakeupTask } from "../../src/jobs/task-queue";
import { backoffDelayMs } from "../../src/util/backoff";
import { runWithJobContext } from "../../src/jobs/context";
import { FAKE_ACCESS_TOKEN, FakeCloudTasks, type ReceivedTask, fakeClientOptions } from "../fakes/cloud-tasks-server";
import { requireVmModules } from "../fakes/jest-runtime";
import { captureLogs } from "../helpers/logs";

const SERVICE_ACCOUNT = "runtime-sa@demo-p.iam.gserviceaccount.com";
const task = (over: Partial<WakeupTask> = {}): WakeupTask => ({
  lane: "maintenance",
  jobId: "job1",
  attempt: 2,
  epoch: 3,
  runAfter: new Date("2026-05-01T10:00:00.123Z"),
  ...over,
});

let fake: FakeCloudTasks;
const ports = { rest: 0, grpc: 0 };
/** When each CreateTask reached the fake (`Date.now()` as it recorded the call, in its request handler). */
const arrivals = new Map<ReceivedTask, number>();

/** Notes the arrival time of each call the fake records, as it records it. */
function timeArrivals(received: ReceivedTask[]): void {
  const record = received.push.bind(received);
  received.push = (...calls: ReceivedTask[]) => {
    for (const call of calls) arrivals.set(call, Date.now());
    return record(...calls);
  };
}

beforeAll(async () => {
  requireVmModules();
  fake = new FakeCloudTasks();
  timeArrivals(fake.received);
  ports.rest = await fake.startRest();
  ports.grpc = await fake.startGrpc();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.received.length = 0;
  fake.tasks.clear();
  arrivals.clear();
});

describe.each(["rest", "grpc"] as const)("Cloud Tasks adapter over %s", (transport) => {
  const delays: number[] = [];
  const queue = (retry: Partial<EnqueueRetryPolicy> = {}) =>
    new CloudTasksQueue({
      project: "demo-p",
      location: "europe-west1",
      serviceAccount: async () => SERVICE_ACCOUNT,
      clientOptions: fakeClientOptions(transport, ports[transport]),
      retry,
      sleep: async (ms) => void delays.push(ms),
      random: () => 0.5,
    });
  beforeEach(() => {
    delays.length = 0;
  });

  it("creates the wake-up in the lane's queue: name, exact schedule time, deadline, OIDC target and payload", async () => {
    await expect(queue().enqueueWakeup(task())).resolves.toBe("enqueued");
    const parent = "projects/demo-p/locations/europe-west1/queues/maintenanceLaneTask";
    const url = "https://europe-west1-demo-p.cloudfunctions.net/maintenanceLaneTask";
    expect(fake.received).toHaveLength(1);
    const [received] = fake.received;
    expect(received).toMatchObject({
      transport,
      parent,
      name: expect.stringMatching(new RegExp(`^${parent}/tasks/[0-9a-f]{8}-job1-2-3$`)),
      dispatchDeadline: { seconds: LANE_TASK_TIMEOUT_SECONDS, nanos: 0 },
      url,
      httpMethod: "POST",
      headers: { "Content-Type": "application/json" },
      body: { data: { lane: "maintenance", job_id: "job1", attempt: 2, epoch: 3 } },
      oidcToken: { serviceAccountEmail: SERVICE_ACCOUNT, audience: url },
    });
    // Not rounded down to the second: the task is due exactly when the job is.
    expect(received.scheduleTime).toEqual({ seconds: Date.parse("2026-05-01T10:00:00Z") / 1000, nanos: 123_000_000 });
    if (transport === "rest") expect(received.authorization).toBe(`Bearer ${FAKE_ACCESS_TOKEN}`);
  });

  it("reports a task name the service already has as a duplicate", async () => {
    const tasks = queue();
    expect(await tasks.enqueueWakeup(task())).toBe("enqueued");
    expect(await tasks.enqueueWakeup(task())).toBe("duplicate");
    expect(await tasks.enqueueWakeup(task({ reason: "stale7" }))).toBe("enqueued");
    expect([...fake.tasks.keys()].map((name) => name.split("/").pop())).toEqual([
      expect.stringMatching(/^[0-9a-f]{8}-job1-2-3$/),
      expect.stringMatching(/^[0-9a-f]{8}-job1-2-3-stale7$/),
    ]);
    expect(delays).toEqual([]);
  });

  it("retries UNAVAILABLE, RESOURCE_EXHAUSTED and DEADLINE_EXCEEDED with backoff, then creates the task", async () => {
    fake.failNext("UNAVAILABLE", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED");
    await expect(queue().enqueueWakeup(task())).resolves.toBe("enqueued");
    expect(fake.received).toHaveLength(4);
    expect(fake.tasks.size).toBe(1);
    const backoff = { baseMs: 250, factor: 2, maxMs: 4_000 };
    expect(delays).toEqual([1, 2, 3].map((attempt) => backoffDelayMs(attempt, backoff, () => 0.5)));
  });

  it("logs each retry with its try and the service's error, leaving the running job's attempt in the line as it is", async () => {
    fake.failNext("UNAVAILABLE");
    const { signal } = new AbortController();
    const running = { jobId: "parent", type: "FAMILY_AUDIT", attempt: 3, leaseEpoch: 4, workerId: "w-1", mode: "dry_run" as const };

    const logs = await captureLogs(() => runWithJobContext({ ...running, signal, hardStop: signal }, () => queue().enqueueWakeup(task())));

    expect(logs).toEqual([
      expect.objectContaining({
        severity: "warn",
        message: "createTask retry",
        job_id: "parent",
        attempt: 3,
        lease_epoch: 4,
        task_try: 1,
        task_name: expect.stringMatching(/-job1-2-3$/),
        error: expect.stringMatching(/UNAVAILABLE|503/),
      }),
    ]);
  });

  it("a retry after an answer that was lost finds the task its own call created and reports it enqueued", async () => {
    fake.failNext("lost-response");
    await expect(queue().enqueueWakeup(task())).resolves.toBe("enqueued");
    expect(fake.received).toHaveLength(2);
    expect(fake.tasks.size).toBe(1);
  });

  it("after an unanswered call, reports enqueued a task another caller created: it cannot tell the two apart", async () => {
    const tasks = queue();
    await tasks.enqueueWakeup(task());
    fake.failNext("UNAVAILABLE");
    await expect(tasks.enqueueWakeup(task())).resolves.toBe("enqueued");
    expect(fake.received).toHaveLength(3);
  });

  it("after a throttled call, which created nothing, reports a task another caller created as a duplicate", async () => {
    const tasks = queue();
    await tasks.enqueueWakeup(task());
    fake.failNext("RESOURCE_EXHAUSTED");
    await expect(tasks.enqueueWakeup(task())).resolves.toBe("duplicate");
    expect(fake.received).toHaveLength(3);
  });

  it("gives up after maxAttempts with the service's error", async () => {
    fake.failNext("UNAVAILABLE", "UNAVAILABLE", "UNAVAILABLE");
    const err = await queue({ maxAttempts: 3 })
      .enqueueWakeup(task())
      .catch((e: unknown) => e);
    expect(String(err)).toMatch(/UNAVAILABLE/);
    expect(fake.received).toHaveLength(3);
    expect(delays).toHaveLength(2);
    fake.failNext(); // nothing left over for the next test
  });

  it("does not retry an error that a retry cannot fix", async () => {
    fake.failNext("PERMISSION_DENIED");
    await expect(queue().enqueueWakeup(task())).rejects.toThrow(/PERMISSION_DENIED|403/);
    expect(fake.received).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("starts no retry past the total time limit", async () => {
    fake.failNext("UNAVAILABLE");
    await expect(
      queue({ totalTimeoutMs: 1_000, backoff: { baseMs: 4_000, factor: 2, maxMs: 8_000 } }).enqueueWakeup(task()),
    ).rejects.toThrow(/UNAVAILABLE|503/);
    expect(fake.received).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("ends a call that does not answer at the per-call timeout and retries it", async () => {
    const callTimeoutMs = 300;
    fake.failNext("hang");
    const tasks = queue({ callTimeoutMs });
    const startedAt = Date.now();
    await expect(tasks.enqueueWakeup(task())).resolves.toBe("enqueued");
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(fake.received).toHaveLength(2);
    expect(delays).toHaveLength(1);
    if (transport === "grpc") {
      // The deadline travels with the gRPC call, so the service stops working on it too. It is the
      // per-call timeout: set no earlier than the call began (whatever the client's start-up took
      // before it went out), and no more than the timeout ahead of when the call reached the service.
      const [hung] = fake.received;
      const deadline = hung.deadline!.getTime();
      expect(deadline - startedAt).toBeGreaterThanOrEqual(callTimeoutMs);
      expect(deadline - arrivals.get(hung)!).toBeLessThanOrEqual(callTimeoutMs);
    }
  });
});
