/**
 * How a run can end badly. Handlers throw `JobFailure`s; the runner turns their `kind` into the next
 * status (transient → retry with backoff / deadletter, permanent → failed, needs_review → needs_review).
 */
import { GrpcStatus, grpcCode } from "../util/grpc-status";
import { isPlainRecord } from "../util/object-paths";
import { isClosedTransaction } from "../util/transactions";
import type { JobErrorInfo } from "./model";

export type FailureKind = "transient" | "permanent" | "needs_review";

export class JobFailure extends Error {
  /** `trace`: the stack of the programming error it stands for, kept out of `details` (see `toRecordedInfo`). */
  constructor(
    readonly code: string,
    message: string,
    readonly kind: FailureKind,
    readonly details?: unknown,
    readonly trace?: string,
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

  /** As the job document holds it, which its creator may read: no stack of the server's code. */
  toInfo(): JobErrorInfo {
    const info: JobErrorInfo = { code: this.code, message: this.message, transient: this.kind === "transient" };
    if (this.details !== undefined) info.details = this.details;
    return info;
  }

  /** As the curators' records (attempt log, run history) and the logs hold it: with the stack, if any. */
  toRecordedInfo(): JobErrorInfo {
    const info = this.toInfo();
    if (this.trace === undefined) return info;
    return { ...info, details: { ...(isPlainRecord(this.details) ? this.details : {}), stack: this.trace } };
  }
}

/** The failure of a job whose type has no handler (never had, or no longer has); the console keys on its code. */
export function unsupportedJobType(type: string): JobFailure {
  return JobFailure.permanent("UNSUPPORTED_JOB_TYPE", `no handler is registered for job type ${type}`);
}

/**
 * The code of an attempt whose lease ran out: ended by the watchdog, or by its worker that found it so, or
 * about to (its renewals failing).
 */
export const LEASE_EXPIRED = "LEASE_EXPIRED";

/** The worker no longer holds the job's lease (expired and taken over, or recovered): it must stop writing. */
export class LeaseLostError extends Error {
  /**
   * `holderMayEnd`: the lease ran out, or would before a renewal could land (renewals failing), or a lock
   * was lost, but nobody took the job since (the watchdog has not yet), so its holder may still end the
   * attempt itself, as the watchdog would, with what the attempt spent.
   */
  constructor(
    readonly jobId: string,
    readonly reason: string,
    readonly holderMayEnd = false,
  ) {
    super(`lease on job ${jobId} lost: ${reason}`);
    this.name = "LeaseLostError";
  }
}

/** An operator's cancel reached the job but not all of its open children; the same cancel run again finishes it. */
export class ChildrenNotCancelledError extends Error {
  constructor(
    readonly jobId: string,
    /** What the job is: cancelled, asked to stop, or the status it ended with (a parent keeps it while its children are cancelled). */
    outcome: string,
    cause: unknown,
  ) {
    super(`job ${jobId} is ${outcome}, but cancelling its children failed (run the cancel again): ${(cause as Error).message}`, { cause });
    this.name = "ChildrenNotCancelledError";
  }
}

/** A status change that the job's current status does not allow (e.g. retrying a running job). */
export class InvalidTransitionError extends Error {
  /** `reason`: why it was refused, where its status alone does not say. */
  constructor(
    readonly jobId: string,
    readonly from: string,
    readonly action: string,
    readonly reason?: string,
  ) {
    super(`job ${jobId} is ${from}; cannot ${action}${reason ? `: ${reason}` : ""}`);
    this.name = "InvalidTransitionError";
  }
}

/**
 * A refused status change as an operator reads it (the console's actions and the CLI alike), not in the
 * lifecycle's event names: "job X is running; cannot operator_retry" → "cannot retry job X: it is running".
 * Why it was refused, when the refusal says (`reason`), follows in brackets.
 */
export function refusedTransition(err: InvalidTransitionError, verb: string): string {
  return `cannot ${verb} job ${err.jobId}: it is ${err.from}${err.reason ? ` (${err.reason})` : ""}`;
}

export class JobNotFoundError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} does not exist`);
    this.name = "JobNotFoundError";
  }
}

/** gRPC codes Firestore returns for contention and outages: worth retrying. */
const TRANSIENT_GRPC_CODES: ReadonlySet<number> = new Set([
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.ABORTED,
  GrpcStatus.UNAVAILABLE,
]);

/** A failed write that may land when tried again: an outage or contention (the holder's own `JOB_CONTENTION` too). */
export function isRetryableWrite(err: unknown): boolean {
  const code = grpcCode(err);
  return (code !== undefined && TRANSIENT_GRPC_CODES.has(code)) || (err instanceof JobFailure && err.kind === "transient");
}

/**
 * Errors that mean the code is wrong (or the data no longer fits its schema), not that a service
 * hiccuped: retrying runs the same code on the same data, so they fail the job at once.
 */
const PROGRAMMING_ERRORS: readonly string[] = ["TypeError", "RangeError", "ReferenceError", "SyntaxError", "ZodError"];

/**
 * Turns anything a handler threw into a `JobFailure`. Errors that classify themselves (a string
 * `code` and a boolean `transient`, as the catalog's and the LLM client's errors do) keep their
 * code and details; programming errors fail permanently with their stack (for the curators' records
 * only: `toRecordedInfo`); other unknown errors are
 * treated as transient outages.
 */
export function toJobFailure(err: unknown): JobFailure {
  if (err instanceof JobFailure) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = grpcCode(err);
  if ((code !== undefined && TRANSIENT_GRPC_CODES.has(code)) || isClosedTransaction(err)) {
    return JobFailure.transient("FIRESTORE_UNAVAILABLE", message, { grpc_code: code });
  }
  // A request Firestore refuses as it is (a document over 1 MiB, too many writes at once): the same request again fails the same way.
  if (code === GrpcStatus.INVALID_ARGUMENT) return JobFailure.permanent("FIRESTORE_INVALID_ARGUMENT", message, { grpc_code: code });
  const own = err as { code?: unknown; transient?: unknown; details?: unknown } | null;
  if (typeof own?.code === "string" && typeof own.transient === "boolean") {
    return new JobFailure(own.code, message, own.transient ? "transient" : "permanent", own.details);
  }
  if (err instanceof Error && PROGRAMMING_ERRORS.includes(err.name)) {
    return new JobFailure("HANDLER_ERROR", `${err.name}: ${message}`, "permanent", { error: err.name }, err.stack);
  }
  return JobFailure.transient("HANDLER_ERROR", message);
}

/**
 * A failure that ends an attempt part-way, whatever its cause, carrying what the attempt did before it
 * (`details.partial`: the run history counts it, a parent reads a shard's) and, when given, a note of how
 * far it got for its message. A stop the worker handles as such (a cancel, a lost lease) stays as it is.
 */
export function withPartial(err: unknown, partial: Record<string, unknown>, progress?: string): unknown {
  if (err instanceof JobCancelledError || err instanceof LeaseLostError) return err;
  const failure = toJobFailure(err);
  const details = isPlainRecord(failure.details) ? failure.details : failure.details === undefined ? {} : { cause: failure.details };
  const message = progress === undefined ? failure.message : `${failure.message}; ${progress}`;
  return new JobFailure(failure.code, message, failure.kind, { ...details, partial }, failure.trace);
}

/** What an attempt did before the failure `error` ended it, when the failure carries it (`withPartial`). */
export function partialOf(error: { details?: unknown } | null | undefined): Record<string, unknown> | null {
  const partial = isPlainRecord(error?.details) ? error.details.partial : undefined;
  return isPlainRecord(partial) ? partial : null;
}

/** The reason a running job's signal fires after an operator asked it to stop; thrown at a safe point. */
export class JobCancelledError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} was cancelled`);
    this.name = "JobCancelledError";
  }
}

export const PROCESS_STOPPING = "PROCESS_STOPPING";

/**
 * Why a job running when its process was asked to stop (the local engine's Ctrl-C) ended at a safe
 * point: it is queued again without using an attempt, for the next start (see `JobQueue.interrupting`).
 */
export function processStoppingFailure(jobId: string): JobFailure {
  return JobFailure.transient(PROCESS_STOPPING, `job ${jobId} was running when its engine was stopped; it runs again at the next start`);
}

/** The code of an attempt stopped at its run's deadline (`runDeadlineFailure`). */
export const RUN_DEADLINE = "RUN_DEADLINE";

/**
 * The reason a running job's signal fires when its run is out of time (its lane task's function is
 * about to be cut off): thrown at the next safe point, a transient failure, so the attempt ends
 * written and the job is retried instead of being left to the watchdog once its lease runs out.
 */
export function runDeadlineFailure(jobId: string, stopAfterMs: number): JobFailure {
  return JobFailure.transient(
    RUN_DEADLINE,
    `job ${jobId} was still running ${Math.round(stopAfterMs / 1000)} s into its lane task and was stopped before the task's timeout; it is retried`,
    { stop_after_ms: stopAfterMs },
  );
}
