/**
 * Per-job context held in AsyncLocalStorage: set when a job starts, read by handlers and the code
 * they call, gone when the job ends. Concurrent jobs in one process never see each other's context.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import * as logger from "firebase-functions/logger";
import type { JobType, Mode } from "./model";

export interface JobLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface JobContext {
  jobId: string;
  type: JobType;
  attempt: number;
  leaseEpoch: number;
  workerId: string;
  mode: Mode;
  /** Fires when the lease is lost or the job is cancelled: stop at the next safe point. */
  signal: AbortSignal;
  log: JobLogger;
}

const storage = new AsyncLocalStorage<JobContext>();

/** A logger whose every entry carries the job's identity, for filtering one job's story in Cloud Logging. */
export function jobLogger(fields: { jobId: string; type: string; attempt: number; leaseEpoch: number; workerId: string }): JobLogger {
  const base = {
    job_id: fields.jobId,
    job_type: fields.type,
    attempt: fields.attempt,
    lease_epoch: fields.leaseEpoch,
    worker_id: fields.workerId,
  };
  return {
    debug: (message, extra) => logger.debug(message, { ...base, ...extra }),
    info: (message, extra) => logger.info(message, { ...base, ...extra }),
    warn: (message, extra) => logger.warn(message, { ...base, ...extra }),
    error: (message, extra) => logger.error(message, { ...base, ...extra }),
  };
}

/** Runs `fn` with `ctx` as the current job context; the context ends with `fn`. */
export function runWithJobContext<T>(ctx: JobContext, fn: () => Promise<T>): Promise<T> {
  return storage.run(ctx, fn);
}

/** The current job's context; throws outside a job so a missing context is found at once. */
export function currentJobContext(): JobContext {
  const ctx = storage.getStore();
  if (!ctx) throw new Error("no job context: this code must run inside runWithJobContext");
  return ctx;
}

export function maybeCurrentJobContext(): JobContext | undefined {
  return storage.getStore();
}
