/** How the LLM curation handlers end: done in the job's mode, or handed to a person with a code. */
import type { HandlerOutcome } from "../../jobs/executor";
import type { Mode, ResultSummary } from "../../jobs/model";

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

/** Checked before any LLM call: tokens spent on changes that may not be written are wasted. */
export function applyDisabled(): HandlerOutcome {
  return needsReview(
    "apply",
    {},
    "APPLY_DISABLED",
    "applying changes to the catalog is disabled (CATALOG_APPLY_ENABLED=false); run it in dry_run or enable apply",
  );
}
