/**
 * How a run can end badly. Handlers throw `JobFailure`s; the runner turns their `kind` into the next
 * status (transient → retry with backoff / deadletter, permanent → failed, needs_review → needs_review).
 */
import type { JobErrorInfo } from "./model";

export type FailureKind = "transient" | "permanent" | "needs_review";

export class JobFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly kind: FailureKind,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "JobFailure";
  }

  static transient(code: string, message: string, details?: unknown): JobFailure {
    return new JobFailure(code, message, "transient", details);
  }
  static permanent(code: string, message: string, details?: unknown): JobFailure {
    return new JobFailure(code, message, "permanent", details);
  }
  static needsReview(code: string, message: string, details?: unknown): JobFailure {
    return new JobFailure(code, message, "needs_review", details);
  }

  toInfo(): JobErrorInfo {
    const info: JobErrorInfo = { code: this.code, message: this.message, transient: this.kind === "transient" };
    if (this.details !== undefined) info.details = this.details;
    return info;
  }
}

/** The worker no longer holds the job's lease (expired and taken over, or recovered): it must stop writing. */
export class LeaseLostError extends Error {
  constructor(
    readonly jobId: string,
    readonly reason: string,
  ) {
    super(`lease on job ${jobId} lost: ${reason}`);
    this.name = "LeaseLostError";
  }
}

/** A status change that the job's current status does not allow (e.g. retrying a running job). */
export class InvalidTransitionError extends Error {
  constructor(
    readonly jobId: string,
    readonly from: string,
    readonly action: string,
  ) {
    super(`job ${jobId} is ${from}; cannot ${action}`);
    this.name = "InvalidTransitionError";
  }
}

export class JobNotFoundError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} does not exist`);
    this.name = "JobNotFoundError";
  }
}

/** gRPC codes Firestore returns for contention and outages: worth retrying. */
const TRANSIENT_GRPC_CODES = new Set([4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 10 /* ABORTED */, 14 /* UNAVAILABLE */]);

/** Turns anything a handler threw into a `JobFailure`; unknown errors are treated as transient bugs-or-outages. */
export function toJobFailure(err: unknown): JobFailure {
  if (err instanceof JobFailure) return err;
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === "number" && TRANSIENT_GRPC_CODES.has(code)) {
    return JobFailure.transient("FIRESTORE_UNAVAILABLE", message, { grpc_code: code });
  }
  const transient = (err as { transient?: unknown })?.transient;
  if (typeof code === "string" && typeof transient === "boolean") {
    return new JobFailure(code, message, transient ? "transient" : "permanent");
  }
  return JobFailure.transient("HANDLER_ERROR", message);
}
