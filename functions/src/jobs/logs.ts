/** One named function per log event of the job engine, so log entries stay uniform and searchable. */
import * as logger from "firebase-functions/logger";
import type { JobFailure, LeaseLostError } from "./errors";
import type { Job, JobErrorInfo, JobStatus } from "./model";
import type { Lease } from "./queue";

const jobFields = (job: Job) => ({ job_id: job.id, job_type: job.type, lane: job.queue, attempt: job.attempts });

export function jobLeased(job: Job, lease: Lease): void {
  logger.info("job leased", { ...jobFields(job), worker_id: lease.owner, lease_epoch: lease.epoch });
}

export function jobFinished(job: Job, status: JobStatus | "lease_lost", error: JobErrorInfo | null): void {
  const fields = { ...jobFields(job), status, error_code: error?.code };
  if (status === "succeeded" || status === "succeeded_dry_run" || status === "deferred") logger.info("job finished", fields);
  else logger.warn("job finished", fields);
}

export function jobFailed(job: Job, failure: JobFailure, nextStatus: JobStatus): void {
  logger.warn("job failed", {
    ...jobFields(job),
    code: failure.code,
    kind: failure.kind,
    message: failure.message,
    next_status: nextStatus,
  });
}

export function leaseLost(job: Job, err: LeaseLostError): void {
  logger.warn("lease lost; worker stops without writing", { ...jobFields(job), reason: err.reason });
}

export function cleanupFailed(job: Job, step: string, err: unknown): void {
  logger.error("post-run step failed", { ...jobFields(job), step, message: err instanceof Error ? err.message : String(err) });
}

export function invalidJobDocument(jobId: string, issues: unknown): void {
  logger.warn("invalid job document", { job_id: jobId, issues });
}

export function duplicateJob(jobId: string, openJobId: string, dedupKey: string): void {
  logger.info("duplicate job refused", { job_id: jobId, open_job_id: openJobId, dedup_key: dedupKey });
}

export function wakeupEnqueued(jobId: string, lane: string, name: string, result: string): void {
  logger.debug("wake-up task", { job_id: jobId, lane, task_name: name, result });
}

export function jobIntake(jobId: string, outcome: string): void {
  logger.info("job intake", { job_id: jobId, outcome });
}

export function malformedWakeup(lane: string, issues: unknown): void {
  logger.error("malformed wake-up task", { lane, issues });
}

export function laneTaskDone(lane: string, jobId: string, ran: { jobId: string; status: string }[]): void {
  logger.info("lane task done", { lane, job_id: jobId, ran: ran.map((r) => ({ job_id: r.jobId, status: r.status })) });
}
