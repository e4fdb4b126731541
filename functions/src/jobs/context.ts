/**
 * The running job's context: who runs which job at which epoch, its mode, and the signal that
 * fires when it must stop. Handlers receive it in their input; its identity also rides on every
 * log line written while the job runs (in the handler, the ApplyEngine, the LLM client, a catalog
 * read), through the logger's async scope, so one job's story can be filtered in Cloud Logging.
 * Concurrent jobs in one process never see each other's fields.
 */
import { type LogFields, withLogFields } from "../util/log";
import type { Mode } from "./model";

export interface JobContext {
  jobId: string;
  type: string;
  attempt: number;
  leaseEpoch: number;
  workerId: string;
  mode: Mode;
  /** Fires when the lease or a lock is lost, the job is cancelled, or its run's deadline comes: stop at the next safe point. */
  signal: AbortSignal;
  /**
   * Fires when the lease or a lock is lost or the run's deadline comes, never for a cancel: what work
   * a cancel lets finish (a frozen plan, a dry run's enrichment call under way) watches, so a later lost lock or
   * deadline still stops it after a cancel fired `signal`.
   */
  hardStop: AbortSignal;
}

/** The log fields naming a job run. */
function jobLogFields(ctx: Omit<JobContext, "mode" | "signal" | "hardStop">): LogFields {
  return { job_id: ctx.jobId, job_type: ctx.type, attempt: ctx.attempt, lease_epoch: ctx.leaseEpoch, worker_id: ctx.workerId };
}

/** Runs `fn` as the job's run: every log line written inside it carries the job's identity. */
export function runWithJobContext<T>(ctx: JobContext, fn: () => Promise<T>): Promise<T> {
  return withLogFields(jobLogFields(ctx), fn);
}
