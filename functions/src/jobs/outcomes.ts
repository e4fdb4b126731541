/** How a handler's run ends: done in the job's mode, handed to a person with a code, or stopped by a cancel. */
import { JobCancelledError } from "./errors";
import type { HandlerOutcome } from "./handler";
import type { HeldLease } from "./lease";
import type { Job, Mode, ResultSummary } from "./model";

/** A job in apply mode ended `needs_review` because applying is switched off: it did no work. */
export const APPLY_DISABLED = "APPLY_DISABLED";

/** A job ended `needs_review` because an operation of its frozen plan failed after others were applied. */
export const PARTIALLY_APPLIED = "PARTIALLY_APPLIED";

/**
 * A job failed before writing anything because its plan is too large: planning again from the same
 * catalog makes the same plan, so the failure answers what the job was asked (see `endedWithAnswer`).
 */
export const PLAN_TOO_LARGE = "PLAN_TOO_LARGE";

/**
 * An enrichment parent ended `needs_review` because a shard that did not succeed answered nothing
 * either (see `endedWithAnswer`): nor has the parent, whose shards are one ask, so a producer asks
 * for all of it again.
 */
export const SHARDS_UNANSWERED = "SHARDS_UNANSWERED";

/**
 * `needs_review` endings after which an operator's retry resumes the job's frozen plan instead of
 * planning again from a half-changed catalog (which could leave the rest undone: a rename's old-slug
 * alias): the gate was closed while the plan was part-way, or an operation failed after others.
 */
export const RESUME_PLAN_ON_RETRY: readonly string[] = [APPLY_DISABLED, PARTIALLY_APPLIED];

export function succeededIn(mode: Mode, summary: ResultSummary): HandlerOutcome {
  return { kind: "completed", status: mode === "apply" ? "succeeded" : "succeeded_dry_run", summary: { mode, ...summary } };
}

export function needsReview(mode: Mode, summary: ResultSummary, code: string, message: string, details?: unknown): HandlerOutcome {
  return {
    kind: "completed",
    status: "needs_review",
    summary: { mode, ...summary },
    error: { code, message, transient: false, ...(details !== undefined ? { details } : {}) },
  };
}

/** The job's signal fired because a cancel was requested (not because the lease was lost). */
export function cancelRequested(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof JobCancelledError;
}

/** Whether `err` is the cancel that fired `signal`, thrown at a safe point (not another failure that came with it). */
export function thrownByCancel(err: unknown, signal: AbortSignal): boolean {
  return cancelRequested(signal) && err === signal.reason;
}

/**
 * Whether the job's cancel was asked: when it was leased, or since, as one of its holder's writes found it. Not
 * read from its signal: a run deadline or a lapsed lease that fired it first leaves it so when a cancel comes.
 */
export function cancelAsked(job: Pick<Job, "cancel_requested">, lease: Pick<HeldLease, "cancelRequested">): boolean {
  return job.cancel_requested || lease.cancelRequested;
}

/** Stopped at a safe point after a cancel, with what was done before it. */
export function stoppedByCancel(mode: Mode, summary: ResultSummary): HandlerOutcome {
  return { kind: "completed", status: "cancelled", summary: { mode, ...summary } };
}
