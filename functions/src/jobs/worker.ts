/**
 * The worker: lease → mark running → take the job's locks → run its handler (or, for a parent whose
 * children exist, settle it) inside the job's context with a heartbeat → complete, defer or fail →
 * release locks, finish the attempt log, record run history, count a finished child into its parent.
 * The same code runs in the Cloud Tasks handler, the local runtime and tests.
 */
import { FirestoreAttemptLog } from "./attempt-log";
import { type JobContext, runWithJobContext } from "./context";
import { LeaseLostError, toJobFailure } from "./errors";
import type { JobFlows } from "./flows";
import type { HandlerInput, HandlerOutcome, JobHandler, JobScope, PayloadSchema } from "./handler";
import { Heartbeat, JobCancelledError } from "./heartbeat";
import { submitJob } from "./intake";
import { type JobStatus, isFinalStatus } from "./lifecycle";
import type { LockManager } from "./locks";
import * as logs from "./logs";
import type { Job, JobErrorInfo, Lane, ResultSummary } from "./model";
import type { JobQueue, LeasedJob } from "./queue";
import type { JobRegistry } from "./registry";
import type { RunHistory, RunSummary } from "./run-history";
import { familiesNamedBy } from "./payload-families";
import { type TaskQueuePort, wakeupFor } from "./task-queue";
import { type Lease } from "./model";

/** What a worker runs jobs with; `deps` are the services handlers get. */
export interface WorkerDeps<D> {
  queue: JobQueue;
  locks: LockManager;
  registry: JobRegistry<D>;
  flows: JobFlows;
  history: RunHistory;
  tasks: TaskQueuePort;
  deps: D;
  now: () => Date;
}

export interface WorkerOptions {
  workerId: string;
  heartbeatMs: number;
  lockRetryMs: number;
}

export interface RunReport {
  jobId: string;
  type: string;
  attempt: number;
  /** The job's status after this attempt; "lease_lost" when another worker or the watchdog took over. */
  status: JobStatus | "lease_lost";
  error: JobErrorInfo | null;
}

export class Worker<D> {
  constructor(
    private readonly engine: WorkerDeps<D>,
    private readonly options: WorkerOptions,
  ) {}

  get workerId(): string {
    return this.options.workerId;
  }

  /** Leases the best ready job of `lanes` and runs it; null when nothing is ready. */
  async runNext(lanes: readonly Lane[]): Promise<RunReport | null> {
    const leased = await this.engine.queue.leaseNextJob(this.options.workerId, lanes);
    return leased ? this.run(leased) : null;
  }

  /** Runs ready jobs until none is left, `maxJobs` ran or `budgetMs` passed. */
  async drain(lanes: readonly Lane[], limits: { maxJobs: number; budgetMs: number }): Promise<RunReport[]> {
    const started = Date.now();
    const reports: RunReport[] = [];
    while (reports.length < limits.maxJobs && Date.now() - started < limits.budgetMs) {
      const report = await this.runNext(lanes);
      if (!report) break;
      reports.push(report);
    }
    return reports;
  }

  async run({ job, lease }: LeasedJob): Promise<RunReport> {
    const { queue, locks, now } = this.engine;
    const startedAt = now();
    const attempt = new FirestoreAttemptLog(
      queue.db,
      { jobId: job.id, attempt: job.attempts, workerId: lease.owner, leaseEpoch: lease.epoch },
      now,
    );
    const holder = { jobId: job.id, epoch: lease.epoch, owner: lease.owner };
    const heartbeat = new Heartbeat(queue, locks, lease, this.options.heartbeatMs, now);
    let lockKeys: string[] = [];
    let status: RunReport["status"] = "lease_lost";
    let error: JobErrorInfo | null = null;
    let summary: ResultSummary | null = null;
    logs.jobLeased(job, lease);
    try {
      await attempt.start();
      await queue.markRunning(lease);
      const handler = this.engine.registry.handlerFor(job.type);
      lockKeys = (await handler.lockKeys?.(job, this.engine.deps)) ?? [];
      if (lockKeys.length > 0) {
        const taken = await locks.acquireLocks(lockKeys, holder);
        if (!taken.acquired) {
          lockKeys = [];
          const until = new Date(now().getTime() + this.options.lockRetryMs);
          error = {
            code: "LOCK_HELD",
            message: `locks held by ${taken.heldBy.map((h) => h.jobId).join(", ")}`,
            transient: true,
            details: taken.heldBy,
          };
          await queue.deferJob(lease, until, error);
          attempt.event("deferred", { reason: "LOCK_HELD", until: until.toISOString() });
          await this.wakeAt(job, lease.epoch, job.attempts - 1, until);
          status = "deferred";
          return this.report(job, status, error);
        }
        attempt.event("locks_acquired", { keys: lockKeys });
      }
      heartbeat.start(lockKeys);
      const ctx: JobContext = {
        jobId: job.id,
        type: job.type,
        attempt: job.attempts,
        leaseEpoch: lease.epoch,
        workerId: lease.owner,
        mode: job.payload.mode,
        signal: heartbeat.signal,
      };
      const outcome = await runWithJobContext(ctx, () => this.execute(job, lease, ctx, attempt, handler));
      heartbeat.throwIfLost();
      summary = { ...outcome.summary, llm: attempt.llmTotals() };
      if (outcome.kind === "completed") {
        error = outcome.error ?? null;
        await queue.completeJob(lease, { status: outcome.status, result_summary: summary, error });
        status = outcome.status;
      } else if (outcome.kind === "deferred") {
        error = { code: outcome.reason.code, message: outcome.reason.message, transient: true };
        await queue.deferJob(lease, outcome.until, outcome.reason, summary);
        await this.wakeAt(job, lease.epoch, job.attempts - 1, outcome.until);
        status = "deferred";
      } else {
        throw new Error(`job ${job.id} asked to wait for children it never created`);
      }
    } catch (err) {
      ({ status, error } = await this.handleError(job, lease, err, summary));
    } finally {
      heartbeat.stop();
      await this.cleanUp(job, holder, lockKeys, attempt, status, error, startedAt, summary);
    }
    return this.report(job, status, error);
  }

  /** The handler's run, or for a parent whose children exist, their settlement (`flows.ts`). */
  private async execute(
    job: Job,
    lease: Lease,
    ctx: JobContext,
    attempt: FirestoreAttemptLog,
    handler: JobHandler<PayloadSchema, D>,
  ): Promise<HandlerOutcome> {
    const { flows } = this.engine;
    const children = { total: job.shards?.total ?? null };
    const scope = jobScope(this.engine, job, lease, (total) => (children.total = total));
    const input: HandlerInput<Job["payload"], D> = { job, lease, ctx, attempt, deps: this.engine.deps, engine: scope };
    if (children.total !== null) return flows.settleParent(input, handler, children.total);
    const outcome = await handler.run(input);
    const total = childrenTotal(children);
    if (outcome.kind !== "wait_for_children" || total === null) return outcome;
    return flows.settleParent(input, handler, total, outcome.summary);
  }

  private async handleError(
    job: Job,
    lease: Lease,
    err: unknown,
    summary: ResultSummary | null,
  ): Promise<{ status: RunReport["status"]; error: JobErrorInfo | null }> {
    const { queue } = this.engine;
    if (err instanceof LeaseLostError) {
      logs.leaseLost(job, err);
      return { status: "lease_lost", error: null };
    }
    try {
      if (err instanceof JobCancelledError) {
        await queue.completeJob(lease, { status: "cancelled", result_summary: summary ?? undefined });
        return { status: "cancelled", error: null };
      }
      const failure = toJobFailure(err);
      const outcome = await queue.failJob(lease, failure, summary ?? undefined);
      logs.jobFailed(job, failure, outcome.status);
      if (outcome.status === "queued" && outcome.runAfter) await this.wakeAt(job, lease.epoch, job.attempts, outcome.runAfter);
      return { status: outcome.status, error: failure.toInfo() };
    } catch (writeErr) {
      if (writeErr instanceof LeaseLostError) {
        logs.leaseLost(job, writeErr);
        return { status: "lease_lost", error: null };
      }
      throw writeErr;
    }
  }

  /** Best effort: a failure here must not hide the job's outcome (the watchdog cleans up after us). */
  private async cleanUp(
    job: Job,
    holder: { jobId: string; epoch: number },
    lockKeys: string[],
    attempt: FirestoreAttemptLog,
    status: RunReport["status"],
    error: JobErrorInfo | null,
    startedAt: Date,
    summary: ResultSummary | null,
  ): Promise<void> {
    const { locks, history, flows, now } = this.engine;
    const steps: Array<[string, () => Promise<unknown>]> = [
      ["release_locks", () => locks.releaseLocks(lockKeys, holder)],
      ["finish_attempt", () => attempt.finish(status === "lease_lost" ? "failed" : status, error)],
    ];
    if (status !== "lease_lost") {
      const run = runSummary(job, holder.epoch, this.options.workerId, status, error, startedAt, now(), summary, attempt.llmTotals());
      steps.push(["run_history", () => history.record(run)]);
      if (isFinalStatus(status)) steps.push(["child_finished", () => flows.childFinished(job, status)]);
    }
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        logs.cleanupFailed(job, name, err);
      }
    }
    logs.jobFinished(job, status, error);
  }

  private async wakeAt(job: Job, epoch: number, attempts: number, runAfter: Date): Promise<void> {
    await this.engine.tasks.enqueueWakeup(wakeupFor({ ...job, lease_epoch: epoch, attempts, run_after: runAfter }));
  }

  private report(job: Job, status: RunReport["status"], error: JobErrorInfo | null): RunReport {
    return { jobId: job.id, type: job.type, attempt: job.attempts, status, error };
  }
}

/** The engine as a running handler sees it: every write fenced by its lease. */
export function jobScope(
  { queue, flows, tasks }: Pick<WorkerDeps<unknown>, "queue" | "flows" | "tasks">,
  job: Job,
  lease: Lease,
  onChildrenCreated: (total: number) => void = () => undefined,
): JobScope {
  return {
    ref: queue.jobRef(job.id),
    fenced: (fn) => queue.fenced(lease, (tx) => fn(tx)),
    fence: async (tx) => {
      await queue.readFencedJob(tx, lease);
    },
    reportProgress: (progress) => queue.reportProgress(lease, progress),
    createJob: (input) => submitJob(queue, tasks, { ...input, created_by: `system:${job.type}` }),
    createChildren: async (children) => {
      const created = await flows.createChildren(job, lease, children);
      onChildrenCreated(created.total);
      return created;
    },
  };
}

/** Read through a call: the handler's run may have set it (TypeScript keeps the narrowing from before). */
function childrenTotal(children: { total: number | null }): number | null {
  return children.total;
}

function runSummary(
  job: Job,
  epoch: number,
  workerId: string,
  status: JobStatus,
  error: JobErrorInfo | null,
  startedAt: Date,
  finishedAt: Date,
  summary: ResultSummary | null,
  llm: ReturnType<FirestoreAttemptLog["llmTotals"]>,
): RunSummary {
  const applied = Number(summary?.applied ?? 0);
  // Handlers put their preview lines in `changes_preview`.
  const lines = summary?.changes_preview;
  const preview = Array.isArray(lines) ? lines.map((line: unknown) => (typeof line === "string" ? line : JSON.stringify(line))) : [];
  return {
    job_id: job.id,
    attempt: job.attempts,
    lease_epoch: epoch,
    type: job.type,
    families: familiesNamedBy(job.payload),
    lane: job.queue,
    priority: job.priority,
    attempt_status: status === "queued" ? ("failed" as const) : status,
    job_status: status,
    mode: job.payload.mode,
    worker_id: workerId,
    started_at: startedAt,
    finished_at: finishedAt,
    changes_count: Number.isFinite(applied) ? applied : 0,
    changes_preview: preview,
    error,
    scanner_fail: Number(summary?.scanner_fail ?? 0) || 0,
    llm,
  };
}
