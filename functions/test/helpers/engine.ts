/**
 * Engine fixtures for handler and apply tests against the emulator.
 *
 * - `makeTestDeps(db, {applyEnabled, config, now, llm, repairPlan})` builds real `EngineDeps`: a
 *   JobQueue, a LockManager, config from `loadEngineConfig` (apply disabled unless asked), and an
 *   `llm()` that throws unless one is given, so a test never reaches a model by accident.
 * - `leaseForTest(deps, {type, payload, ...})` creates a job, leases and marks it running, starts a
 *   real attempt log, and returns the `HandlerInput` a handler receives, plus the AbortController
 *   behind `ctx.signal` and the attempt log (call `attemptLog.finish(...)` to read it back).
 * - `retryForTest(deps, input)` is what happens after a crash: the attempt fails transiently and
 *   the job is leased again (new attempt, new lease epoch), so the old lease is stale.
 */
import type { Firestore } from "firebase-admin/firestore";
import type { PlanRepairer } from "../../src/apply/run-plan";
import { type EngineConfig, loadEngineConfig } from "../../src/config";
import { FirestoreAttemptLog } from "../../src/jobs/attempt-log";
import { jobLogger } from "../../src/jobs/context";
import { JobFailure } from "../../src/jobs/errors";
import type { EngineDeps, HandlerInput } from "../../src/jobs/executor";
import { LockManager } from "../../src/jobs/locks";
import type { JobType } from "../../src/jobs/model";
import { type CreateJobInput, JobQueue, type LeasedJob } from "../../src/jobs/queue";
import type { LlmClient } from "../../src/llm/types";

export interface TestDepsOverrides {
  applyEnabled?: boolean;
  config?: Partial<EngineConfig>;
  now?: () => Date;
  llm?: () => LlmClient;
  repairPlan?: PlanRepairer;
}

export function makeTestDeps(db: Firestore, overrides: TestDepsOverrides = {}): EngineDeps {
  const now = overrides.now ?? (() => new Date());
  const config = { ...loadEngineConfig({}), applyEnabled: overrides.applyEnabled ?? false, ...overrides.config };
  return {
    db,
    queue: new JobQueue(db, { now, leaseMs: config.leaseMs }),
    locks: new LockManager(db, now),
    config,
    llm:
      overrides.llm ??
      (() => {
        throw new Error("this test did not provide an LLM client");
      }),
    now,
    ...(overrides.repairPlan ? { repairPlan: overrides.repairPlan } : {}),
  };
}

export interface TestHandlerInput extends HandlerInput<JobType> {
  /** Aborts `ctx.signal`, as a lost lease or a cancel would. */
  abort: AbortController;
  attemptLog: FirestoreAttemptLog;
}

export type TestJobInput = Omit<CreateJobInput, "created_by"> & { created_by?: string };

export async function leaseForTest(deps: EngineDeps, input: TestJobInput, workerId = "test-worker"): Promise<TestHandlerInput> {
  const created = await deps.queue.createJob({ created_by: "test", ...input });
  if (!created.created) throw new Error(`job not created: ${created.reason} (${created.jobId})`);
  return handlerInputFor(deps, await deps.queue.leaseJob(created.jobId, workerId));
}

/** Fails the attempt as a crash would and leases the job again under a new epoch. */
export async function retryForTest(deps: EngineDeps, input: TestHandlerInput, workerId = "test-worker-2"): Promise<TestHandlerInput> {
  await deps.queue.failJob(input.lease, JobFailure.transient("TEST_CRASH", "simulated crash"));
  // Lease from a clock past the backoff delay, so the retry is due at once.
  const later = new JobQueue(deps.db, { now: () => new Date(deps.now().getTime() + deps.config.backoffMaxMs + 1000) });
  return handlerInputFor(deps, await later.leaseJob(input.job.id, workerId));
}

async function handlerInputFor(deps: EngineDeps, leased: LeasedJob | null): Promise<TestHandlerInput> {
  if (!leased) throw new Error("the job could not be leased");
  const { job, lease } = leased;
  await deps.queue.markRunning(lease);
  const attemptLog = new FirestoreAttemptLog(
    deps.db,
    { jobId: job.id, attempt: job.attempts, workerId: lease.owner, leaseEpoch: lease.epoch },
    deps.now,
  );
  await attemptLog.start();
  const abort = new AbortController();
  const identity = { jobId: job.id, type: job.type, attempt: job.attempts, leaseEpoch: lease.epoch, workerId: lease.owner };
  return {
    job,
    lease,
    deps,
    attempt: attemptLog,
    attemptLog,
    abort,
    ctx: { ...identity, mode: job.payload.mode, signal: abort.signal, log: jobLogger(identity) },
  };
}
