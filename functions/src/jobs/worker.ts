/**
 * The worker: lease → mark running → take family locks → run the handler inside a JobContext with a
 * heartbeat → complete, defer or fail → release locks, finish the attempt log, record run history.
 * The same code runs in the Cloud Tasks handler, the local runtime and tests.
 */
import * as logs from "./logs";
import { FirestoreAttemptLog } from "./attempt-log";
import { JobContext, jobLogger, runWithJobContext } from "./context";
import { LeaseLostError, toJobFailure } from "./errors";
import type { EngineDeps, Executor } from "./executor";
import { Heartbeat, JobCancelledError } from "./heartbeat";
import { FINAL_STATUSES, type Job, type JobErrorInfo, type JobStatus, type Lane, type ResultSummary } from "./model";
import type { LeasedJob } from "./queue";
import type { RunHistory, RunSummary } from "./run-history";
import type { TaskQueuePort } from "./task-queue";

export interface WorkerOptions {
  workerId: string;
  heartbeatMs: number;
  lockRetryMs: number;
  /** Called after a job reached a final status (e.g. shard fan-in into its parent). Errors are logged, not thrown. */
  onJobFinished?: (job: Job, status: JobStatus) => Promise<void>;
}

export interface RunReport {
  jobId: string;
  type: Job["type"];
  attempt: number;
  /** The job's status after this attempt; "lease_lost" when another worker or the watchdog took over. */
  status: JobStatus | "lease_lost";
  error: JobErrorInfo | null;
}

export class Worker {
  constructor(
    private readonly deps: EngineDeps,
    private readonly executor: Executor,
    private readonly history: RunHistory,
    private readonly tasks: TaskQueuePort,
    private readonly options: WorkerOptions,
  ) {}

  get workerId(): string {
    return this.options.workerId;
  }

  /** Leases the best ready job of `lanes` and runs it; null when nothing is ready. */
  async runNext(lanes: readonly Lane[]): Promise<RunReport | null> {
    const leased = await this.deps.queue.leaseNextJob(this.options.workerId, lanes);
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
    const { deps } = this;
    const startedAt = deps.now();
    const attempt = new FirestoreAttemptLog(
      deps.db,
      { jobId: job.id, attempt: job.attempts, workerId: lease.owner, leaseEpoch: lease.epoch },
      deps.now,
    );
    const holder = { jobId: job.id, epoch: lease.epoch, owner: lease.owner };
    const heartbeat = new Heartbeat(deps.queue, deps.locks, lease, this.options.heartbeatMs, deps.now);
    let lockKeys: string[] = [];
    let status: RunReport["status"] = "lease_lost";
    let error: JobErrorInfo | null = null;
    let summary: ResultSummary | null = null;
    logs.jobLeased(job, lease);
    try {
      await attempt.start();
      await deps.queue.markRunning(lease);
      lockKeys = await this.executor.lockKeys(job, deps);
      if (lockKeys.length > 0) {
        const taken = await deps.locks.acquireLocks(lockKeys, holder);
        if (!taken.acquired) {
          lockKeys = [];
          const until = new Date(deps.now().getTime() + this.options.lockRetryMs);
          error = {
            code: "LOCK_HELD",
            message: `family locks held by ${taken.heldBy.map((h) => h.jobId).join(", ")}`,
            transient: true,
            details: taken.heldBy,
          };
          await deps.queue.deferJob(lease, until, error);
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
        log: jobLogger({ jobId: job.id, type: job.type, attempt: job.attempts, leaseEpoch: lease.epoch, workerId: lease.owner }),
      };
      const outcome = await runWithJobContext(ctx, () => this.executor.execute({ job, lease, ctx, deps, attempt }));
      heartbeat.throwIfLost();
      summary = { ...outcome.summary, llm: attempt.llmTotals() };
      if (outcome.kind === "completed") {
        error = outcome.error ?? null;
        await deps.queue.completeJob(lease, { status: outcome.status, result_summary: summary, error });
        status = outcome.status;
      } else {
        error = { code: outcome.reason.code, message: outcome.reason.message, transient: true };
        await deps.queue.deferJob(lease, outcome.until, outcome.reason, summary);
        await this.wakeAt(job, lease.epoch, job.attempts - 1, outcome.until);
        status = "deferred";
      }
    } catch (err) {
      ({ status, error } = await this.handleError(job, lease, err, summary));
    } finally {
      heartbeat.stop();
      await this.cleanUp(job, holder, lockKeys, attempt, status, error, startedAt, summary);
    }
    return this.report(job, status, error);
  }

  private async handleError(
    job: Job,
    lease: LeasedJob["lease"],
    err: unknown,
    summary: ResultSummary | null,
  ): Promise<{ status: RunReport["status"]; error: JobErrorInfo | null }> {
    const { queue } = this.deps;
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
    const { deps } = this;
    const steps: Array<[string, () => Promise<unknown>]> = [
      ["release_locks", () => deps.locks.releaseLocks(lockKeys, holder)],
      ["finish_attempt", () => attempt.finish(status === "lease_lost" ? "failed" : status, error)],
    ];
    if (status !== "lease_lost") {
      steps.push([
        "run_history",
        () =>
          this.history.record(
            runSummary(job, holder.epoch, this.options.workerId, status, error, startedAt, deps.now(), summary, attempt.llmTotals()),
          ),
      ]);
      if (FINAL_STATUSES.includes(status) && this.options.onJobFinished)
        steps.push(["on_finished", () => this.options.onJobFinished!(job, status)]);
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
    await this.tasks.enqueueWakeup({ lane: job.queue, jobId: job.id, attempt: attempts, epoch, runAfter });
  }

  private report(job: Job, status: RunReport["status"], error: JobErrorInfo | null): RunReport {
    return { jobId: job.id, type: job.type, attempt: job.attempts, status, error };
  }
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
  // Handlers put their preview lines in `changes_preview` (the plan pipeline, enrichment shards).
  const lines = summary?.changes_preview;
  const preview = Array.isArray(lines) ? lines.map((line: unknown) => (typeof line === "string" ? line : JSON.stringify(line))) : [];
  return {
    job_id: job.id,
    attempt: job.attempts,
    lease_epoch: epoch,
    type: job.type,
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
