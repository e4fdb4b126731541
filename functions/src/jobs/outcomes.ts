/** How a handler's run ends: done in the job's mode, handed to a person with a code, or stopped by a cancel. */
import { JobCancelledError } from "./errors";
import type { HandlerOutcome } from "./handler";
import type { Mode, ResultSummary } from "./model";

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

/**
 * The job's signal without its cancels: it fires with the signal's reason unless that reason is a
 * cancel, for work under way that a cancel lets finish (it stops at the next safe point) but that
 * must not outlive a lost lease or the run's deadline.
 */
export function stopsWithoutCancel(signal: AbortSignal): AbortSignal {
  const stop = new AbortController();
  const relay = () => {
    if (!(signal.reason instanceof JobCancelledError)) stop.abort(signal.reason);
  };
  if (signal.aborted) relay();
  else signal.addEventListener("abort", relay, { once: true });
  return stop.signal;
}

/** Stopped at a safe point after a cancel, with what was done before it. */
export function stoppedByCancel(mode: Mode, summary: ResultSummary): HandlerOutcome {
  return { kind: "completed", status: "cancelled", summary: { mode, ...summary } };
}
