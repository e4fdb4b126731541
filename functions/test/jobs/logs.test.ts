/**
 * What an operator reads in the engine's log lines: a running job's line that names another job keeps the
 * running job's identity, the worker's lines about an attempt carry its lease epoch and worker, an attempt's
 * LLM usage that goes uncounted says so, and a job change made outside a run (a cancel at a lease, an
 * operator's cancel, retry or revert) leaves a line naming what it changed.
 */
import type { Firestore } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { createEngine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { JobFailure } from "../../src/jobs/errors";
import type { HandlerInput, HandlerOutcome } from "../../src/jobs/handler";
import type { TaskQueuePort } from "../../src/jobs/task-queue";
import { GrpcStatus } from "../../src/util/grpc-status";
import { failingFirstBatchWriting } from "../helpers/faults";
import { useFirestore } from "../helpers/firestore";
import { type LogEntry, captureLogs } from "../helpers/logs";
import { registryWith } from "../helpers/registry";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();
afterEach(() => jest.restoreAllMocks());

const completed: HandlerOutcome = { kind: "completed", status: "succeeded_dry_run", summary: {} };
/** One LLM call of two billed model calls. */
const USAGE = { model: "fake", calls: 2, input_tokens: 100, output_tokens: 10, latency_ms: 1, estimated_cost_usd: 0.001 };
/** Cloud Tasks out of reach: no wake-up is sent. */
const unreachableTasks: TaskQueuePort = { enqueueWakeup: () => Promise.reject(new Error("tasks unavailable")) };

/** An engine whose FAMILY_AUDIT runs `run` (no heartbeat beats while a test runs). */
function engineWith(
  run: (input: HandlerInput) => Promise<HandlerOutcome> = () => Promise.resolve(completed),
  { tasks = new RecordingTasks(), database = db }: { tasks?: TaskQueuePort; database?: Firestore } = {},
) {
  const config = testConfig({ heartbeatMs: 60_000 });
  return createEngine({ db: database, config, tasks, registry: registryWith({ FAMILY_AUDIT: { run } }) });
}

async function audit(engine: ReturnType<typeof engineWith>, family = "squat"): Promise<string> {
  return (await engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: family }, created_by: "test" })).jobId;
}

const saying = (lines: LogEntry[], message: string) => lines.filter((line) => line.message === message);

describe("a running job's line naming another job", () => {
  it("names the follow-up whose wake-up was not sent as wakeup_job_id, and keeps the running job's identity", async () => {
    let followUp = "";
    const engine = engineWith(
      async ({ engine: scope }) => {
        followUp = (await scope.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "bench_press" } })).jobId;
        return completed;
      },
      { tasks: unreachableTasks },
    );
    const jobId = await audit(engine);

    const lines = await captureLogs(() => engine.worker("w-1").runNext(["priority"]));

    expect(followUp).not.toBe("");
    expect(saying(lines, "wake-up task not sent: the watchdog wakes the job once it is stale")).toEqual([
      expect.objectContaining({
        severity: "warn",
        job_id: jobId,
        job_type: "FAMILY_AUDIT",
        attempt: 1,
        lease_epoch: 1,
        worker_id: "w-1",
        wakeup_job_id: followUp,
        error: "tasks unavailable",
      }),
    ]);
  });
});

describe("the worker's lines about an attempt", () => {
  it("carry its lease epoch and worker after its run too: its failure, a step after its end that failed (at warn: it heals itself), its end", async () => {
    const engine = engineWith(() => Promise.reject(JobFailure.transient("FLAKY", "try again")), { tasks: unreachableTasks });
    const jobId = await audit(engine);

    const lines = await captureLogs(() => engine.worker("w-1").runNext(["priority"]));

    const attempt = { job_id: jobId, job_type: "FAMILY_AUDIT", attempt: 1, lease_epoch: 1, worker_id: "w-1" };
    expect(lines.filter((line) => line.job_id === jobId)).toEqual([
      expect.objectContaining({ message: "job leased", severity: "info", ...attempt }),
      // The retry's wake-up: the watchdog's stale step wakes the job instead.
      expect.objectContaining({ message: "post-run step failed", severity: "warn", ...attempt, step: "wake", error: "tasks unavailable" }),
      expect.objectContaining({ message: "job failed", severity: "warn", ...attempt, error_code: "FLAKY", next_status: "queued" }),
      expect.objectContaining({ message: "job finished", severity: "warn", ...attempt, status: "queued" }),
    ]);
  });

  it("say what the attempt spent on the LLM is not counted when its last write fails for good", async () => {
    const faulty = failingFirstBatchWriting(db, `/${JOB_COLLECTIONS.attempts}/`, "before", GrpcStatus.PERMISSION_DENIED);
    const engine = engineWith(
      ({ attempt }) => {
        attempt.llmCall("audit", USAGE);
        return Promise.resolve(completed);
      },
      { database: faulty.db },
    );
    const jobId = await audit(engine);

    const lines = await captureLogs(() => expect(engine.worker("w-1").runNext(["priority"])).rejects.toThrow(/batch commit/));

    expect(saying(lines, "LLM usage of an attempt not counted")).toEqual([
      expect.objectContaining({
        severity: "warn",
        job_id: jobId,
        lease_epoch: 1,
        worker_id: "w-1",
        cause: "end_write_failed",
        llm_calls: 2,
        llm_cost_usd: 0.001,
        error: expect.stringMatching(/batch commit/),
      }),
    ]);
  });

  it.each([
    ["the watchdog has not ended the attempt", "lease_lost_not_ended", false],
    ["recording it fails", "lease_lost_record_failed", true],
  ])("say what an attempt whose lease was lost spent is not counted when %s", async (_when, cause, recordFails) => {
    const engine = engineWith(async ({ job, attempt }) => {
      attempt.llmCall("audit", USAGE);
      // Another worker holds the job now: the attempt's last write finds its lease lost.
      await db.collection(JOB_COLLECTIONS.jobs).doc(job.id).update({ lease_owner: "w-2" });
      if (recordFails) jest.spyOn(db, "runTransaction").mockRejectedValueOnce(new Error("firestore unavailable"));
      return completed;
    });
    const jobId = await audit(engine);

    const lines = await captureLogs(() => engine.worker("w-1").runNext(["priority"]));

    const attempt = { job_id: jobId, lease_epoch: 1, worker_id: "w-1" };
    expect(saying(lines, "lease lost; worker stops, leaving its attempt's end to the watchdog")).toEqual([
      expect.objectContaining({ severity: "warn", ...attempt }),
    ]);
    expect(saying(lines, "LLM usage of an attempt not counted")).toEqual([
      expect.objectContaining({
        severity: "warn",
        ...attempt,
        cause,
        llm_calls: 2,
        ...(recordFails ? { error: "firestore unavailable" } : {}),
      }),
    ]);
    expect(lines.filter((line) => line.severity === "error")).toEqual([]);
  });
});

describe("a job change made outside a run", () => {
  it("a waiting job cancelled at its lease, as a client's flag asked", async () => {
    const engine = engineWith();
    const jobId = await audit(engine);
    await engine.queue.jobRef(jobId).update({ cancel_requested: true });

    const lines = await captureLogs(() => engine.worker("w-1").runNext(["priority"]));

    expect(saying(lines, "job cancelled at its lease")).toEqual([
      expect.objectContaining({ severity: "info", job_id: jobId, job_type: "FAMILY_AUDIT", worker_id: "w-1", cause: "cancel_requested" }),
    ]);
  });

  it("an operator's cancel, then retry, of a job", async () => {
    const engine = engineWith();
    const jobId = await audit(engine);

    const lines = await captureLogs(async () => {
      await engine.cancel(jobId);
      await engine.retry(jobId);
    });

    expect(lines).toEqual([
      expect.objectContaining({
        message: "job cancelled by an operator",
        severity: "info",
        job_id: jobId,
        status: "cancelled",
        cancel_requested: false,
        children_cancelled: 0,
      }),
      expect.objectContaining({
        message: "job retried by an operator",
        severity: "info",
        job_id: jobId,
        children_requeued: 0,
        resumes_plan: null,
        wakeup_sent: true,
      }),
    ]);
  });

  it("an operator's revert of a change", async () => {
    const engine = engineWith();
    // A change reverted before: reverting it again changes nothing, and says so.
    await db
      .collection(APPLY_COLLECTIONS.changes)
      .doc("change-1")
      .set({ status: "reverted", job_id: "j", documents: [{ collection: "exercises", id: "e-1", before: null, after: null }] });

    const lines = await captureLogs(() => engine.revert("change-1", "curator-1"));

    expect(lines).toEqual([
      expect.objectContaining({
        message: "change reverted by an operator",
        severity: "info",
        change_id: "change-1",
        change_job_id: "j",
        status: "already_reverted",
        targets: ["exercises/e-1"],
        reverted_by: "curator-1",
      }),
    ]);
  });
});
