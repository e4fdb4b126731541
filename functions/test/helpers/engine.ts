/**
 * Engine fixtures for handler and apply tests against the emulator.
 *
 * - `makeTestDeps(db, {applyEnabled, config, now, llm, llmNotConfigured, repairPlan})` builds the real
 *   services a handler gets (`CatalogDeps`: config from `loadEngineConfig`, apply disabled unless asked,
 *   an `llm()` that throws unless one is given, so a test never reaches a model by accident, and an
 *   LLM that counts as configured unless `llmNotConfigured` says otherwise), plus the
 *   engine parts tests drive directly: a JobQueue over the catalog registry, a LockManager, the
 *   job flows and a task port that records wake-ups.
 * - `leaseForTest(deps, {type, payload, ...})` creates a job, leases and marks it running, starts a
 *   real attempt log, and returns the `HandlerInput` a handler receives, plus the AbortController
 *   behind `ctx.signal` and the attempt log (`attemptLog.document(...)` reads it back).
 * - `retryForTest(deps, input)` is what happens after a crash: the attempt fails transiently and
 *   the job is leased again (new attempt, new lease epoch), so the old lease is stale.
 *   `leaseAgainForTest(deps, jobId)` leases a job that waits to run again (after a retry).
 * - `recordingProgress(input)` is the handler's engine with each progress it reports also recorded
 *   (in `reported`); `withSlowFollowUps(engine, ms)` one whose follow-up jobs take `ms` each to
 *   create, so a scan runs past its quiet first second (progress tests).
 * - `finishedParent(queue, childStatuses)` writes a CATALOG_ENRICH_FIELD parent that ended
 *   needs_review over shards that ended with the given statuses.
 */
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { ApplyEngine } from "../../src/apply/apply-engine";
import type { PlanRepairer } from "../../src/apply/run-plan";
import { type EngineConfig, loadEngineConfig } from "../../src/config";
import { registry } from "../../src/handlers";
import type { CatalogDeps } from "../../src/handlers/support/catalog-handler";
import { AttemptLog } from "../../src/jobs/attempt-log";
import { JobCancelledError, JobFailure } from "../../src/jobs/errors";
import { JobFlows, childJobId } from "../../src/jobs/flows";
import type { z } from "zod";
import type { HandlerInput, HandlerOutcome, JobHandler, PayloadSchema } from "../../src/jobs/handler";
import { LockManager } from "../../src/jobs/locks";
import { type JobStatus, isSuccessStatus } from "../../src/jobs/lifecycle";
import type { BasePayload } from "../../src/jobs/model";
import { JobQueue, type LeasedJob, type QueueOptions } from "../../src/jobs/queue";
import type { Progress } from "../../src/jobs/progress";
import { jobScope } from "../../src/jobs/worker";
import type { LlmError } from "../../src/llm/errors";
import type { LlmClient } from "../../src/llm/types";
import { RecordingTasks } from "./runtime";
import { type CreateJobInput } from "../../src/jobs/model";

export interface TestDepsOverrides {
  applyEnabled?: boolean;
  config?: Partial<EngineConfig>;
  now?: () => Date;
  llm?: () => LlmClient;
  llmNotConfigured?: () => LlmError | undefined;
  repairPlan?: PlanRepairer;
}

/** A job queue over the catalog's job types. */
export function testQueue(db: Firestore, options: Omit<QueueOptions, "types"> = {}): JobQueue {
  return new JobQueue(db, { types: registry, ...options });
}

export interface TestDeps extends CatalogDeps {
  queue: JobQueue;
  locks: LockManager;
  flows: JobFlows;
  tasks: RecordingTasks;
}

/** An ApplyEngine as the handlers make one: idempotency records kept as long as jobs (RETAIN_JOBS_DAYS). */
export function testApplyEngine(db: Firestore): ApplyEngine {
  return new ApplyEngine(db, { idempotencyTtlMs: loadEngineConfig({}).retainJobsMs });
}

export function makeTestDeps(db: Firestore, overrides: TestDepsOverrides = {}): TestDeps {
  const now = overrides.now ?? (() => new Date());
  const config = { ...loadEngineConfig({}), applyEnabled: overrides.applyEnabled ?? false, ...overrides.config };
  const queue = testQueue(db, { now, leaseMs: config.leaseMs });
  const tasks = new RecordingTasks();
  return {
    db,
    queue,
    locks: new LockManager(db, now),
    flows: new JobFlows(db, queue, tasks),
    tasks,
    config,
    llm:
      overrides.llm ??
      (() => {
        throw new Error("this test did not provide an LLM client");
      }),
    llmNotConfigured: overrides.llmNotConfigured ?? (() => undefined),
    now,
    ...(overrides.repairPlan ? { repairPlan: overrides.repairPlan } : {}),
  };
}

export interface TestHandlerInput extends HandlerInput<BasePayload, CatalogDeps> {
  deps: TestDeps;
  /** Aborts `ctx.signal`, as a lost lease or a cancel would. */
  abort: AbortController;
  attemptLog: AttemptLog;
}

export type TestJobInput = Omit<CreateJobInput, "created_by"> & { created_by?: string };

export async function leaseForTest(deps: TestDeps, input: TestJobInput, workerId = "test-worker"): Promise<TestHandlerInput> {
  const created = await deps.queue.createJob({ created_by: "test", ...input });
  if (!created.created) throw new Error(`job not created: ${created.reason} (${created.jobId})`);
  return handlerInputFor(deps, await deps.queue.leaseById(created.jobId, workerId));
}

/** Ends the attempt as a crash would (a transient failure) and leases the job again under a new epoch. */
export async function retryForTest(deps: TestDeps, input: TestHandlerInput, workerId = "test-worker-2"): Promise<TestHandlerInput> {
  const failure = JobFailure.transient("TEST_CRASH", "simulated crash");
  await deps.queue.endAttempt(input.lease, { event: "retry", fields: { error: failure.toInfo() }, bookkeeping: () => undefined });
  return leaseAgainForTest(deps, input.job.id, workerId);
}

/** Leases the waiting job `jobId` (queued after a retry) under a new epoch. */
export async function leaseAgainForTest(deps: TestDeps, jobId: string, workerId = "test-worker-2"): Promise<TestHandlerInput> {
  // Lease from a clock past the backoff delay, so the retry is due at once.
  const later = testQueue(deps.db, { now: () => new Date(deps.now().getTime() + deps.config.backoffMaxMs + 1000) });
  return handlerInputFor(deps, await later.leaseById(jobId, workerId));
}

async function handlerInputFor(deps: TestDeps, leased: LeasedJob | null): Promise<TestHandlerInput> {
  if (!leased) throw new Error("the job could not be leased");
  const { job, lease } = leased;
  const attemptLog = new AttemptLog(
    { jobId: job.id, attempt: job.attempts, workerId: lease.owner, leaseEpoch: lease.epoch, startedAt: deps.now() },
    deps.now,
  );
  const abort = new AbortController();
  // The locks the worker would hold for it (not taken here); a job whose lock keys cannot be named
  // fails on them in the test's own run.
  const lockKeys = await (async () => (await registry.handlerFor(job.type).lockKeys?.(job, deps)) ?? [])().catch(() => []);
  return {
    job,
    lease,
    deps,
    attempt: attemptLog,
    attemptLog,
    abort,
    engine: jobScope(deps, job, lease, { signal: abort.signal, lockKeys }),
    ctx: {
      jobId: job.id,
      type: job.type,
      attempt: job.attempts,
      leaseEpoch: lease.epoch,
      workerId: lease.owner,
      mode: job.payload.mode,
      signal: abort.signal,
      hardStop: hardStopOf(abort.signal),
    },
  };
}

/** As the heartbeat's hard stop: `signal`'s aborts but a cancel's (a test aborts one controller, with the reason it plays). */
function hardStopOf(signal: AbortSignal): AbortSignal {
  const stop = new AbortController();
  signal.addEventListener("abort", () => {
    if (!(signal.reason instanceof JobCancelledError)) stop.abort(signal.reason);
  });
  return stop.signal;
}

/** `input`'s engine, recording each progress it reports before writing it as the engine does. */
export function recordingProgress(input: TestHandlerInput): { engine: TestHandlerInput["engine"]; reported: Progress[] } {
  const reported: Progress[] = [];
  const reportProgress: TestHandlerInput["engine"]["reportProgress"] = async (progress) => {
    reported.push(progress);
    return input.engine.reportProgress(progress);
  };
  return { engine: { ...input.engine, reportProgress }, reported };
}

/** `engine` with each follow-up job it creates `ms` late. */
export function withSlowFollowUps(engine: TestHandlerInput["engine"], ms: number): TestHandlerInput["engine"] {
  const createJob: TestHandlerInput["engine"]["createJob"] = async (followUp) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return engine.createJob(followUp);
  };
  return { ...engine, createJob };
}

/** Runs a handler on a test lease, whose payload its own schema parsed when the job was read. */
export function runHandler<S extends PayloadSchema>(handler: JobHandler<S, CatalogDeps>, input: TestHandlerInput): Promise<HandlerOutcome> {
  return handler.run(input as unknown as HandlerInput<z.output<S>, CatalogDeps>);
}

/** A CATALOG_ENRICH_FIELD parent that ended needs_review, its counts settled, over shards that ended with `childStatuses`. */
export async function finishedParent(
  queue: JobQueue,
  childStatuses: readonly JobStatus[],
): Promise<{ parentId: string; childIds: string[] }> {
  const spec = { spec_id: "s", spec_version: 1 };
  const { jobId: parentId } = await queue.createJob({
    type: "CATALOG_ENRICH_FIELD",
    payload: { enrichment_spec: spec, exercise_doc_ids: ["e"] },
    created_by: "test",
  });
  const childIds: string[] = [];
  for (const [index, status] of childStatuses.entries()) {
    const { jobId } = await queue.createJob({
      id: childJobId(parentId, index + 1),
      type: "CATALOG_ENRICH_FIELD_SHARD",
      payload: { parent_job_id: parentId, exercise_doc_ids: ["e"], enrichment_spec: spec },
      parent_job_id: parentId,
      created_by: `system:CATALOG_ENRICH_FIELD`,
    });
    await queue.jobRef(jobId).update({ status, finished_at: Timestamp.now() });
    childIds.push(jobId);
  }
  const total = childStatuses.length;
  const succeeded = childStatuses.filter(isSuccessStatus).length;
  await queue
    .jobRef(parentId)
    .update({ status: "needs_review", finished_at: Timestamp.now(), shards: { total, done: total, succeeded, failed: total - succeeded } });
  return { parentId, childIds };
}
