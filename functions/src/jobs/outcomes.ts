/** How a handler's run ends: done in the job's mode, handed to a person with a code, or stopped by a cancel. */
import { JobCancelledError } from "./errors";
import type { HandlerOutcome } from "./handler";
import type { Mode, ResultSummary } from "./model";

/** A job in apply mode ended `needs_review` because applying is switched off: it did no work. */
export const APPLY_DISABLED = "APPLY_DISABLED";

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

/** Stopped at a safe point after a cancel, with what was done before it. */
export function stoppedByCancel(mode: Mode, summary: ResultSummary): HandlerOutcome {
  return { kind: "completed", status: "cancelled", summary: { mode, ...summary } };
}
