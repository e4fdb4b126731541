/**
 * A delayed wake-up end to end: the engine (real Firestore emulator) enqueues through the Cloud
 * Tasks adapter into the fake service; the test plays Cloud Tasks' dispatch by handing the recorded
 * task bodies to the lane task handler, early or on time. The job runs without the watchdog.
 */
import type { Firestore } from "firebase-admin/firestore";
import { handleLaneTask } from "../../src/adapters/lane-task";
import { createEngine, type Engine } from "../../src/create-engine";
import { JobFailure } from "../../src/jobs/errors";
import { CloudTasksQueue } from "../../src/tasks/cloud-tasks";
import { FakeCloudTasks, type ReceivedTask, fakeClientOptions } from "../fakes/cloud-tasks-server";
import { requireVmModules } from "../fakes/jest-runtime";
import { newFirestore } from "../helpers/firestore";
import { registryWith } from "../helpers/registry";
import { testConfig } from "../helpers/runtime";
import { TEST_PROJECT_ID } from "../setup/project";

let db: Firestore;
let fake: FakeCloudTasks;
let port: number;
beforeAll(async () => {
  requireVmModules();
  db = newFirestore();
  fake = new FakeCloudTasks();
  port = await fake.startRest();
});
afterAll(async () => {
  await fake.close();
});

/** An audit that fails transiently on its first run, so the job is retried after a backoff with milliseconds. */
function flakyAudit(runs: string[]) {
  return registryWith({
    FAMILY_AUDIT: {
      async run({ job }) {
        runs.push(job.id);
        if (runs.length === 1) throw JobFailure.transient("TEST_OUTAGE", "first run fails");
        return { kind: "completed", status: "succeeded_dry_run", summary: {} };
      },
    },
  });
}

/** The engine's clock: it stands still until the test moves it, so "early" does not depend on the machine's pace. */
const clock = { ms: 0 };

function engineWithCloudTasks(runs: string[]): Engine {
  const tasks = new CloudTasksQueue({
    project: TEST_PROJECT_ID,
    location: "us-central1",
    serviceAccount: async () => `runtime-sa@${TEST_PROJECT_ID}.iam.gserviceaccount.com`,
    clientOptions: fakeClientOptions("rest", port),
  });
  const config = testConfig({ backoffBaseMs: 2_000, backoffMaxMs: 4_000 });
  clock.ms = Date.now();
  return createEngine({ db, config, tasks, registry: flakyAudit(runs), now: () => new Date(clock.ms) });
}

const scheduledMs = (task: ReceivedTask) => task.scheduleTime!.seconds * 1000 + task.scheduleTime!.nanos / 1e6;
/** The task's name without its queue's path and the digest digits that lead it. */
const shortName = (task: ReceivedTask) =>
  task.name
    .split("/")
    .pop()
    ?.replace(/^[0-9a-f]{8}-/, "");
/** What Cloud Tasks would POST to the function: the body's `data`. */
const deliver = (engine: Engine, task: ReceivedTask) => handleLaneTask(engine, "priority", (task.body as { data: unknown }).data);

describe("a wake-up for a run_after with milliseconds", () => {
  it("is scheduled for exactly run_after; early arrivals re-enqueue under new time-named tasks; on time it runs the job", async () => {
    const runs: string[] = [];
    const engine = engineWithCloudTasks(runs);
    const { jobId } = await engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "a" }, created_by: "t" });
    await engine.tasks.enqueueWakeup({ lane: "priority", jobId, attempt: 0, epoch: 0, runAfter: new Date(clock.ms) });
    await deliver(engine, fake.received[0]);

    // The first run failed; the job waits for its backoff and a wake-up is scheduled for it.
    const job = (await engine.queue.getJob(jobId))!;
    expect(job).toMatchObject({ status: "queued", attempts: 1 });
    const retry = [...fake.tasks.values()].find((task) => shortName(task) === `${jobId}-1-1`)!;
    expect(retry).toBeDefined();
    expect(scheduledMs(retry)).toBe(job.run_after.getTime()); // to the millisecond, not rounded down
    const target = job.run_after.getTime();
    expect(target).toBeGreaterThan(clock.ms); // early for what follows: the clock stands still until moved

    // Delivered before run_after (a clock that runs behind): nothing runs, a wake-up named for the target is asked for.
    await deliver(engine, retry);
    expect(runs).toHaveLength(1);
    const firstEarly = fake.received[fake.received.length - 1];
    expect(shortName(firstEarly)).toBe(`${jobId}-1-1-at${target}-1`);
    expect(fake.tasks.has(firstEarly.name)).toBe(true);
    expect(scheduledMs(firstEarly)).toBe(target);

    // That one arrives early too: not a duplicate of it, but a third task, a second later.
    await deliver(engine, firstEarly);
    const secondEarly = fake.received[fake.received.length - 1];
    expect(shortName(secondEarly)).toBe(`${jobId}-1-1-at${target}-2`);
    expect(fake.tasks.has(secondEarly.name)).toBe(true);
    expect(scheduledMs(secondEarly)).toBe(target + 1000);
    expect((secondEarly.body as { data: unknown }).data).toMatchObject({ job_id: jobId, early_arrivals: 2 });

    // A duplicated delivery of the same early task asks for the same name: nothing new is created.
    const created = fake.tasks.size;
    await deliver(engine, firstEarly);
    expect(fake.tasks.size).toBe(created);

    // At its schedule time the task runs the job: no watchdog involved.
    clock.ms = scheduledMs(retry) + 20;
    const reports = await deliver(engine, retry);
    expect(reports.map((report) => [report.jobId, report.status])).toEqual([[jobId, "succeeded_dry_run"]]);
    expect(runs).toEqual([jobId, jobId]);
    expect((await engine.queue.getJob(jobId))?.status).toBe("succeeded_dry_run");
  });
});
