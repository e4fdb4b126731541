/** The exported Cloud Functions, invoked through firebase-functions-test and their `run` entry points. */
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import functionsTest from "firebase-functions-test";
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import * as runtimeModule from "../../src/adapters/functions-engine";
import { maintenanceLaneTask, onJobCreated, priorityLaneTask, watchdog } from "../../src/index";
import { type LocalRuntime } from "../../src/local/runtime";
import { newFirestore } from "../helpers/firestore";
import { registryWith } from "../helpers/registry";
import { testRuntime } from "../helpers/runtime";
import { TEST_PROJECT_ID } from "../setup/project";

const fft = functionsTest({ projectId: TEST_PROJECT_ID });
let db: Firestore;
let runtime: LocalRuntime;
const runs: string[] = [];

const registry = registryWith({
  FAMILY_AUDIT: {
    async run({ job }) {
      runs.push(job.id);
      return { kind: "completed", status: "succeeded_dry_run", summary: {} };
    },
  },
});

beforeAll(() => {
  db = newFirestore();
});
beforeEach(() => {
  runs.length = 0;
  runtime = testRuntime(db, registry);
  jest.spyOn(runtimeModule, "functionsEngine").mockReturnValue(runtime.engine);
});
afterEach(async () => {
  jest.restoreAllMocks();
  await runtime.stop();
});
afterAll(() => fft.cleanup());

describe("exported functions", () => {
  it("onJobCreated normalises the document, records the creator and enqueues one wake-up", async () => {
    const ref = await db
      .collection(JOB_COLLECTIONS.jobs)
      .add({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, status: "queued", created_at: Timestamp.now() });
    const wrapped = fft.wrap(onJobCreated);
    const event = { data: await ref.get(), params: { jobId: ref.id }, authType: "unknown", authId: "uid-123" };
    await wrapped(event);
    await wrapped(event); // at-least-once delivery
    await runtime.idle();
    const doc = (await ref.get()).data();
    expect(doc).toMatchObject({ status: "succeeded_dry_run", created_by: "uid-123", attempts: 1 });
    expect(runtime.tasks.accepted).toEqual([expect.stringMatching(new RegExp(`^[0-9a-f]{8}-${ref.id}-0-0$`))]);
    expect(runs).toEqual([ref.id]);
  });

  it("onJobCreated fails an invalid document and keeps it", async () => {
    const ref = await db
      .collection(JOB_COLLECTIONS.jobs)
      .add({ type: "FAMILY_AUDIT", payload: { family_slug: "squat", mode: "yolo" }, status: "queued" });
    await fft.wrap(onJobCreated)({ data: await ref.get(), params: { jobId: ref.id } });
    const doc = (await ref.get()).data();
    expect(doc).toMatchObject({ status: "failed", error: { code: "INVALID_JOB" } });
    expect(runtime.tasks.accepted).toEqual([]);
  });

  it("the lane task functions run the lane's ready job", async () => {
    const { jobId } = await runtime.engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "a" }, created_by: "t" });
    await maintenanceLaneTask.run({ data: { lane: "maintenance", job_id: jobId, attempt: 0, epoch: 0 } } as never);
    expect(runs).toEqual([]); // a priority-lane job is not run by the maintenance lane
    await priorityLaneTask.run({ data: { lane: "priority", job_id: jobId, attempt: 0, epoch: 0 } } as never);
    expect(runs).toEqual([jobId]);
    expect((await runtime.engine.queue.getJob(jobId))?.status).toBe("succeeded_dry_run");
  });

  it("the scheduled watchdog runs a sweep and records it", async () => {
    await watchdog.run({ scheduleTime: new Date().toISOString(), jobName: "watchdog" });
    const runsDocs = await db.collection(JOB_COLLECTIONS.watchdogRuns).get();
    expect(runsDocs.size).toBe(1);
    expect(runsDocs.docs[0].data()).toMatchObject({ complete: true, expired_leases_recovered: 0 });
  });
});
