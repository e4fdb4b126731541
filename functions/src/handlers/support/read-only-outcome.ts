/** The outcome of a job that writes nothing to the catalog (scans, audits): done, in the job's mode. */
import type { HandlerOutcome } from "../../jobs/executor";
import type { Job, ResultSummary } from "../../jobs/model";

export function readOnlyOutcome(job: Pick<Job, "payload">, summary: ResultSummary): HandlerOutcome {
  const mode = job.payload.mode;
  return { kind: "completed", status: mode === "apply" ? "succeeded" : "succeeded_dry_run", summary: { mode, ...summary } };
}
