/** How a handler's run ends: done in the job's mode, or handed to a person with a code. */
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
