/**
 * A drain's deadline for the jobs it runs (`DrainLimits.stopRunsAfterMs`, which a lane task sets a
 * minute before its function's timeout): a job still running then is asked to stop at its next safe
 * point and its attempt ends written (RUN_DEADLINE, retried), its locks released, instead of being
 * cut off with the function and left to the watchdog once its lease runs out.
 */
import { handleLaneTask } from "../../src/adapters/lane-task";
import { createEngine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import type { HandlerInput } from "../../src/jobs/handler";
import type { BasePayload } from "../../src/jobs/model";
import { useFirestore } from "../helpers/firestore";
import { registryWith } from "../helpers/registry";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();
const LOCK_KEY = "family:squat";

/** An audit that holds a lock and runs until its signal fires, then stops there (a safe point). */
const untilStopped = registryWith({
  FAMILY_AUDIT: {
    lockKeys: () => [LOCK_KEY],
    async run({ ctx }: Pick<HandlerInput<BasePayload, unknown>, "ctx">) {
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
      ctx.signal.throwIfAborted();
      throw new Error("unreachable: the signal fired");
    },
  },
});

function setUp(registry = untilStopped) {
  const tasks = new RecordingTasks();
  const engine = createEngine({ db, config: testConfig(), tasks, registry });
  return { engine, tasks };
}

const createAudit = async (engine: ReturnType<typeof setUp>["engine"], extra: { max_attempts?: number } = {}) =>
  (await engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test", ...extra })).jobId;

const jobData = async (jobId: string) => (await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get()).data()!;
const attemptsOf = async (jobId: string) =>
  (await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).collection(JOB_COLLECTIONS.attempts).get()).docs.map((doc) => doc.data());

describe("a job still running at its drain's deadline", () => {
  it("is stopped at its next safe point: the attempt ends written as RUN_DEADLINE, its locks released, the job retried and woken", async () => {
    const { engine, tasks } = setUp();
    const jobId = await createAudit(engine);

    const started = Date.now();
    const reports = await engine.runLane("priority", { maxJobs: 5, budgetMs: 10_000, stopRunsAfterMs: 300 });
    const elapsed = Date.now() - started;

    // Stopped at the deadline, not at the lease's end (minutes) nor the budget's.
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(5_000);
    expect(reports).toMatchObject([{ jobId, status: "queued", error: { code: "RUN_DEADLINE", transient: true } }]);
    const job = await jobData(jobId);
    expect(job).toMatchObject({
      status: "queued",
      attempts: 1,
      lease_owner: null,
      error: { code: "RUN_DEADLINE", transient: true, details: { stop_after_ms: 300 } },
    });
    expect(await attemptsOf(jobId)).toMatchObject([{ status: "queued", error: { code: "RUN_DEADLINE" } }]);
    expect((await db.collection(JOB_COLLECTIONS.locks).doc(LOCK_KEY).get()).exists).toBe(false);
    expect(tasks.tasks).toMatchObject([{ jobId, attempt: 1 }]);
  });

  it("is deadlettered when that was its last attempt", async () => {
    const { engine } = setUp();
    const jobId = await createAudit(engine, { max_attempts: 1 });

    await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000, stopRunsAfterMs: 100 });

    expect(await jobData(jobId)).toMatchObject({ status: "deadletter", error: { code: "RUN_DEADLINE" } });
  });

  it("keeps the outcome of a run that ended before it, and no job is leased once it passed", async () => {
    const { engine } = setUp(
      registryWith({
        FAMILY_AUDIT: {
          // Outlasts the deadline without reaching a safe point: its work is done, and kept.
          run: () =>
            new Promise((resolve) => setTimeout(() => resolve({ kind: "completed", status: "succeeded_dry_run", summary: {} }), 400)),
        },
      }),
    );
    const first = await createAudit(engine);
    const second = await createAudit(engine);

    const reports = await engine.runLane("priority", { maxJobs: 5, budgetMs: 10_000, stopRunsAfterMs: 200 });

    expect(reports).toMatchObject([{ jobId: first, status: "succeeded_dry_run" }]);
    expect(await jobData(second)).toMatchObject({ status: "queued", attempts: 0 });
  });

  it("ends cancelled, the deadline its error, when a cancel comes after the deadline fired and the run's next write meets it", async () => {
    const { engine } = setUp(
      registryWith({
        FAMILY_AUDIT: {
          lockKeys: () => [LOCK_KEY],
          async run({ job, ctx, engine }) {
            await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
            // Its signal has fired with the deadline, so the cancel its progress write finds leaves it as it was.
            await db.collection(JOB_COLLECTIONS.jobs).doc(job.id).update({ cancel_requested: true });
            await engine.reportProgress({ done: 1, total: 2 });
            ctx.signal.throwIfAborted();
            throw new Error("unreachable: the signal fired");
          },
        },
      }),
    );
    const jobId = await createAudit(engine);

    const reports = await engine.runLane("priority", { maxJobs: 5, budgetMs: 10_000, stopRunsAfterMs: 300 });

    // Not queued again to be cancelled at its next lease: it stops here, as any run asked to stop that fails.
    expect(reports).toMatchObject([{ jobId, status: "cancelled", error: { code: "RUN_DEADLINE" } }]);
    expect(await jobData(jobId)).toMatchObject({ status: "cancelled", cancel_requested: true, error: { code: "RUN_DEADLINE" } });
    expect((await db.collection(JOB_COLLECTIONS.locks).doc(LOCK_KEY).get()).exists).toBe(false);
  });

  it("is set by a lane task's limits", async () => {
    const { engine } = setUp();
    const jobId = await createAudit(engine);

    const reports = await handleLaneTask(
      engine,
      "priority",
      { lane: "priority", job_id: jobId, attempt: 0, epoch: 0 },
      { maxJobs: 5, budgetMs: 10_000, stopRunsAfterMs: 200 },
    );

    expect(reports).toMatchObject([{ jobId, status: "queued", error: { code: "RUN_DEADLINE" } }]);
  });
});
