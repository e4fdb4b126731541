/**
 * One named function per log event of the job engine (worker, intake, flows, the watchdog, the operator's use
 * cases, the LLM client, enrichment, the scheduled scans, the Cloud Tasks adapter), so log entries stay uniform
 * and searchable. Each log call here names its message as a literal: README's "Logs" table lists them all, and
 * the one line logged elsewhere, by config.ts below this module's layer (test/wiring/readme-log-events.test.ts
 * reads them from every log call in src).
 *
 * A line written while a job runs carries that job's identity (`util/log.ts`), which a line's own fields
 * would override: another job such a line names goes under a key of its own (`wakeup_job_id`).
 */
import type { DocumentSnapshot } from "firebase-admin/firestore";
import { type ConfigError, PARAMS } from "../config";
import { type LogFields, type Logger, errorText, log } from "../util/log";
import type { JobFailure, LeaseLostError } from "./errors";
import { type JobStatus, isSuccessStatus } from "./lifecycle";
import type { Job, JobErrorInfo, Lease, LlmUsageRecord, Mode } from "./model";
import type { LostAttemptLlm } from "./run-history";

const jobFields = (job: Job) => ({ job_id: job.id, job_type: job.type, lane: job.queue, attempt: job.attempts });

/** An attempt's identity, as its job's log scope gives it to the lines written while it runs: for those before and after. */
const attemptFields = (job: Job, lease: Lease) => ({ ...jobFields(job), lease_epoch: lease.epoch, worker_id: lease.owner });

const llmFields = (llm: LlmUsageRecord) => ({ llm_calls: llm.calls, llm_cost_usd: llm.estimated_cost_usd });

// ------------------------------------------------------------------ the worker

export function jobLeased(job: Job, lease: Lease): void {
  log.info("job leased", attemptFields(job, lease));
}

/** A waiting job whose cancel was asked for (by a client's flag, or its parent's cancel) is cancelled instead of leased. */
export function jobCancelledAtLease(job: Job, workerId: string): void {
  log.info("job cancelled at its lease", {
    ...jobFields(job),
    worker_id: workerId,
    cause: job.cancel_requested ? "cancel_requested" : "parent_cancelled",
  });
}

export function jobFinished(job: Job, lease: Lease, status: JobStatus | "lease_lost", error: JobErrorInfo | null): void {
  const fields = { ...attemptFields(job, lease), status, error_code: error?.code };
  if (status !== "lease_lost" && (isSuccessStatus(status) || status === "deferred")) log.info("job finished", fields);
  else log.warn("job finished", fields);
}

export function jobFailed(job: Job, lease: Lease, failure: JobFailure, nextStatus: JobStatus): void {
  log.warn("job failed", {
    ...attemptFields(job, lease),
    error_code: failure.code,
    kind: failure.kind,
    error: failure.message,
    next_status: nextStatus,
  });
}

export function leaseLost(job: Job, lease: Lease, err: LeaseLostError): void {
  log.warn("lease lost; worker stops, leaving its attempt's end to the watchdog", { ...attemptFields(job, lease), reason: err.reason });
}

export function lostAttemptLlm(job: Job, lease: Lease, llm: LlmUsageRecord, outcome: LostAttemptLlm | "none_spent"): void {
  // Before the watchdog ended the attempt its usage has no run summary to join.
  if (outcome === "not_ended") attemptLlmNotCounted(job, lease, llm, "lease_lost_not_ended");
  else if (outcome !== "none_spent")
    log.info("LLM usage of an attempt whose lease was lost", { ...attemptFields(job, lease), outcome, ...llmFields(llm) });
}

/**
 * What an attempt spent on the LLM that no record will hold (the watchdog ends its attempt without it): it goes
 * uncounted, as a crashed worker's. `cause`: its lease was lost before the watchdog ended it, recording it after
 * the lease was lost failed, or the attempt's last write failed.
 */
export function attemptLlmNotCounted(
  job: Job,
  lease: Lease,
  llm: LlmUsageRecord,
  cause: "lease_lost_not_ended" | "lease_lost_record_failed" | "end_write_failed",
  err?: unknown,
): void {
  log.warn("LLM usage of an attempt not counted", {
    ...attemptFields(job, lease),
    cause,
    ...llmFields(llm),
    ...(err === undefined ? {} : { error: errorText(err) }),
  });
}

export function endWriteRetried(job: Job, lease: Lease, err: unknown, tries: number): void {
  log.warn("attempt's last write failed; trying again", { ...attemptFields(job, lease), tries, error: errorText(err) });
}

/**
 * A step after the attempt's end failed; each heals itself: a lock expires, the watchdog wakes the job, the parent
 * counts its children at its next check, a child whose parent was cancelled is cancelled at its lease.
 */
export function cleanupFailed(job: Job, lease: Lease | null, step: string, err: unknown): void {
  log.warn("post-run step failed", { ...(lease ? attemptFields(job, lease) : jobFields(job)), step, error: errorText(err) });
}

/** A console action refused because Firebase Auth did not answer who the caller is now (`operator-actions.ts`). */
export function callerAccountUnread(uid: string, err: unknown): void {
  log.error("operator action refused: the caller's account could not be read", { uid, error: errorText(err) });
}

// ------------------------------------------------------------------ flows and intake

export function childrenNotCounted(parentJobId: string, count: number, err: unknown): void {
  log.warn("cancelled children not counted into their parent (its next check counts them)", {
    job_id: parentJobId,
    children: count,
    error: errorText(err),
  });
}

export function invalidJobDocument(jobId: string, issues: unknown): void {
  log.warn("invalid job document", { job_id: jobId, issues });
}

export function duplicateJob(jobId: string, openJobId: string, dedupKey: string): void {
  log.info("duplicate job refused", { job_id: jobId, open_job_id: openJobId, dedup_key: dedupKey });
}

export function jobIntake(jobId: string, outcome: string): void {
  log.info("job intake", { job_id: jobId, outcome });
}

// ------------------------------------------------------------------ wake-ups and lane tasks

export function malformedWakeup(lane: string, issues: unknown): void {
  log.error("malformed wake-up task", { lane, issues });
}

/** Also sent from inside a running job (its follow-up's or child's wake-up): the woken job is not the line's `job_id`. */
export function wakeupNotSent(lane: string, jobId: string, err: Error): void {
  log.warn("wake-up task not sent: the watchdog wakes the job once it is stale", { lane, wakeup_job_id: jobId, error: err.message });
}

/** A `createTask` call failed as a retry can fix; inside a running job too, so its try is not the line's `attempt`. */
export function createTaskRetried(taskName: string | null | undefined, taskTry: number, delayMs: number, err: unknown): void {
  log.warn("createTask retry", { task_name: taskName, task_try: taskTry, delay_ms: delayMs, error: errorText(err) });
}

export function wakeupServed(lane: string, jobId: string): void {
  log.debug("wake-up served already", { lane, job_id: jobId });
}

export function laneTaskDone(lane: string, jobId: string, ran: { jobId: string; status: string }[]): void {
  log.info("lane task done", { lane, job_id: jobId, ran: ran.map((r) => ({ job_id: r.jobId, status: r.status })) });
}

// ------------------------------------------------------------------ the watchdog

/**
 * The watchdog took back an expired lease (`doc`: the job as its query saw it, the expired attempt's epoch and
 * worker): the job's new status. A deadletter needs a person.
 */
export function expiredLeaseRecovered(runId: string, doc: DocumentSnapshot, status: JobStatus): void {
  const fields = {
    run_id: runId,
    job_id: doc.id,
    job_type: doc.get("type") as unknown,
    lane: doc.get("queue") as unknown,
    attempt: doc.get("attempts") as unknown,
    lease_epoch: doc.get("lease_epoch") as unknown,
    worker_id: doc.get("lease_owner") as unknown,
    status,
  };
  if (status === "deadletter") log.warn("expired lease recovered", fields);
  else log.info("expired lease recovered", fields);
}

/** A client's job whose create trigger never took it in, taken in by the watchdog: `outcome` as intake's. */
export function untakenJobTakenIn(runId: string, jobId: string, outcome: string): void {
  log.info("job taken in by the watchdog", { run_id: runId, job_id: jobId, outcome });
}

/** A ready job whose wake-up may have been lost, woken again by the watchdog. */
export function staleJobWoken(runId: string, jobId: string, lane: string): void {
  log.info("stale job woken by the watchdog", { run_id: runId, job_id: jobId, lane });
}

/** A parent whose children have all finished, made due by the watchdog (its last child's wake-up was lost). */
export function parentWoken(runId: string, jobId: string): void {
  log.info("parent woken by the watchdog: its children have all finished", { run_id: runId, job_id: jobId });
}

/** A waiting job cancelled by the watchdog, as a client's `cancel_requested` asked. */
export function cancelRequestApplied(runId: string, jobId: string): void {
  log.info("cancel request applied by the watchdog", { run_id: runId, job_id: jobId });
}

export function watchdogStepFailed(runId: string, step: string, err: unknown): void {
  log.warn("watchdog step failed", { run_id: runId, step, error: errorText(err) });
}

/** `item`: the job (`job_id`), lock (`lock_id`) or expired record (`doc_id`) whose handling failed. */
export function watchdogItemFailed(runId: string, step: string, item: LogFields, err: unknown): void {
  log.warn("watchdog item failed", { run_id: runId, step, ...item, error: errorText(err) });
}

export function watchdogRun(report: LogFields & { complete: boolean; errors: number }): void {
  if (report.complete && report.errors === 0) log.info("watchdog run", report);
  else log.warn("watchdog run", report);
}

// ------------------------------------------------------------------ the operator's use cases

export function jobRetried(jobId: string, retried: { childrenRequeued: number; resumesPlan: string | null; wakeupError?: Error }): void {
  log.info("job retried by an operator", {
    job_id: jobId,
    children_requeued: retried.childrenRequeued,
    resumes_plan: retried.resumesPlan,
    wakeup_sent: retried.wakeupError === undefined,
  });
}

/** `status`: cancelled, or still open when the job was only asked to stop (`cancel_requested`). */
export function jobCancelled(
  jobId: string,
  cancelled: { status: JobStatus; cancelRequested: boolean; alreadyRequested: boolean; childrenCancelled: number },
): void {
  log.info("job cancelled by an operator", {
    job_id: jobId,
    status: cancelled.status,
    cancel_requested: cancelled.cancelRequested,
    already_requested: cancelled.alreadyRequested,
    children_cancelled: cancelled.childrenCancelled,
  });
}

/** A retry that queued the job's children again, then was refused for the job itself: the children wait unwoken. */
export function retryCutShort(jobId: string, childrenRequeued: number, err: unknown): void {
  log.warn("retry cut short: children queued again, the job refused", {
    job_id: jobId,
    children_requeued: childrenRequeued,
    error: errorText(err),
  });
}

/** An operator's cancel that reached the job but failed on its children (the same cancel run again finishes them). */
export function cancelCutShort(jobId: string, err: unknown): void {
  log.warn("cancel cut short: the job's children not all cancelled", { job_id: jobId, error: errorText(err) });
}

/** `change_job_id`: the job that made the change (`job_id` would be taken for the line's subject). */
export function changeReverted(
  reverted: { change_id: string; job_id: string; status: string; targets: string[] },
  revertedBy: string | undefined,
): void {
  log.info("change reverted by an operator", {
    change_id: reverted.change_id,
    change_job_id: reverted.job_id,
    status: reverted.status,
    targets: reverted.targets,
    reverted_by: revertedBy,
  });
}

// ------------------------------------------------------------------ the LLM client

/** Where the LLM client's warnings go: the engine's logger, or a sink the client was given (its tests'). */
type Warnings = Pick<Logger, "warn">;

/** An answer cut off at the call's output limit, asked for once more with `maxOutputTokens`, the call kind's higher limit. */
export function llmOutputTruncated(task: string, model: string, maxOutputTokens: number, logger: Warnings = log): void {
  logger.warn("llm output truncated; asking again with a higher limit", { task, model, max_output_tokens: maxOutputTokens });
}

/** The try's number is `llm_try`: `attempt` on a job's log line is the job's. */
export function llmCallRetried(
  task: string,
  model: string,
  llmTry: number,
  err: { code: string; message: string },
  delayMs: number,
  logger: Warnings = log,
): void {
  logger.warn("llm call retry", { task, model, llm_try: llmTry, code: err.code, delay_ms: delayMs, message: err.message });
}

/** A model without a price, whose calls cost 0 in every usage figure: said once per model, as the calls themselves work. */
export function llmModelUnpriced(model: string, logger: Warnings = log): void {
  logger.warn(`llm model has no price: its calls are costed at 0 until ${PARAMS.llmPricesJson.param.name} prices it`, { model });
}

// ------------------------------------------------------------------ enrichment

/** The post-enrichment scanner check, observability only: the write is not blocked. */
export function enrichedExerciseFailsScanner(exerciseId: string, hardFailures: string[], score: number): void {
  log.warn("enriched exercise still fails the quality scanner", { exercise_id: exerciseId, hard_failures: hardFailures, score });
}

// ------------------------------------------------------------------ scheduled scans

/** A setting read when the scans' functions are declared does not parse: its default is deployed in its place. */
export function declaredParamInvalid(problem: ConfigError, defaultValue: string): void {
  log.error("invalid param; the default is used", { param: problem.param, error: problem.message, default: defaultValue });
}

/** A scan's schedule event whose `scheduleTime` does not parse: the run's period is the clock's. */
export function scheduleEventWithoutTime(scan: string, event: unknown): void {
  log.warn("schedule event without a valid scheduleTime; the period is taken from the clock", { scan, event });
}

/** What every line of a scheduled scan's run names: the scan, and the time its run was scheduled for. */
interface ScheduledRunFields {
  scan: string;
  scheduled_at: string;
}

export function scheduledScanSwitchedOff(run: ScheduledRunFields, param: string): void {
  log.info("scheduled scan is switched off: no job created", { ...run, param });
}

/** Params the run reads do not parse: the period's job was `created` failed CONFIG_INVALID, or it exists already. */
export function scheduledScanParamsInvalid(
  run: ScheduledRunFields,
  period: string,
  jobId: string,
  params: string[],
  created: boolean,
): void {
  const fields = { ...run, period, job_id: jobId, params };
  if (created) log.error("scheduled scan's params do not parse: its period's job is created failed CONFIG_INVALID", fields);
  else log.error("scheduled scan's params do not parse; its period's job exists: none created", fields);
}

export function scheduledScanRefusalReplaced(run: ScheduledRunFields, period: string, jobId: string): void {
  log.info("scheduled scan's params parse again: its period's refused job is replaced", { ...run, period, job_id: jobId });
}

export function scheduledScanJobExists(run: ScheduledRunFields, period: string, jobId: string): void {
  log.info("scheduled scan already has its job for this period: none created", { ...run, period, job_id: jobId });
}

export function scheduledScanJobCreated(run: ScheduledRunFields, period: string, jobId: string, mode: Mode): void {
  log.info("scheduled scan created its job", { ...run, period, job_id: jobId, mode });
}
