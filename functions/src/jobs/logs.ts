/** One named function per log event of the job engine, so log entries stay uniform and searchable. */
import { errorText, log } from "../util/log";
import type { LlmTotals } from "./attempt-log";
import type { JobFailure, LeaseLostError } from "./errors";
import type { JobStatus } from "./lifecycle";
import type { Job, JobErrorInfo } from "./model";
import { type Lease } from "./model";
import type { LostAttemptLlm } from "./run-history";

const jobFields = (job: Job) => ({ job_id: job.id, job_type: job.type, lane: job.queue, attempt: job.attempts });

export function jobLeased(job: Job, lease: Lease): void {
  log.info("job leased", { ...jobFields(job), worker_id: lease.owner, lease_epoch: lease.epoch });
}

export function jobFinished(job: Job, status: JobStatus | "lease_lost", error: JobErrorInfo | null): void {
  const fields = { ...jobFields(job), status, error_code: error?.code };
  if (status === "succeeded" || status === "succeeded_dry_run" || status === "deferred") log.info("job finished", fields);
  else log.warn("job finished", fields);
}

export function jobFailed(job: Job, failure: JobFailure, nextStatus: JobStatus): void {
  log.warn("job failed", {
    ...jobFields(job),
    error_code: failure.code,
    kind: failure.kind,
    error: failure.message,
    next_status: nextStatus,
  });
}

export function leaseLost(job: Job, err: LeaseLostError): void {
  log.warn("lease lost; worker stops, leaving its attempt's end to the watchdog", { ...jobFields(job), reason: err.reason });
}

export function lostAttemptLlm(job: Job, llm: LlmTotals, outcome: LostAttemptLlm | "none_spent"): void {
  const fields = { ...jobFields(job), outcome, llm_calls: llm.calls, llm_cost_usd: llm.estimated_cost_usd };
  // Before the watchdog ended the attempt its usage has no run summary to join: it goes uncounted, as a crashed worker's.
  if (outcome === "not_ended") log.warn("LLM usage of an attempt whose lease was lost not counted: the watchdog has not ended it", fields);
  else if (outcome !== "none_spent") log.info("LLM usage of an attempt whose lease was lost", fields);
}

export function endWriteRetried(job: Job, err: unknown, tries: number): void {
  log.warn("attempt's last write failed; trying again", { ...jobFields(job), tries, error: errorText(err) });
}

export function cleanupFailed(job: Job, step: string, err: unknown): void {
  log.error("post-run step failed", { ...jobFields(job), step, error: errorText(err) });
}

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

export function malformedWakeup(lane: string, issues: unknown): void {
  log.error("malformed wake-up task", { lane, issues });
}

export function wakeupNotSent(lane: string, jobId: string, err: Error): void {
  log.warn("wake-up task not sent: the watchdog wakes the job once it is stale", { lane, job_id: jobId, error: err.message });
}

export function wakeupServed(lane: string, jobId: string): void {
  log.debug("wake-up served already", { lane, job_id: jobId });
}

export function laneTaskDone(lane: string, jobId: string, ran: { jobId: string; status: string }[]): void {
  log.info("lane task done", { lane, job_id: jobId, ran: ran.map((r) => ({ job_id: r.jobId, status: r.status })) });
}
