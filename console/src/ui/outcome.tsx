/**
 * What a view's actions on jobs did and their errors, kept by the view rather than by the action's button, so they
 * outlive the button: the job's row may leave its list while the action runs (a retried job leaves the failures, a
 * cancelled one the waiting jobs). Focus moves to them once the action is done.
 */
import type { ComponentChildren, RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { actionFailure } from "../actions";
import { asError, type NoticeText } from "../format";
import { type Job, type JobMoment, type JobStatus, momentOf, movedOnSinceFailure } from "../model";
import { Notice } from "./parts";

/** The error of the last failed action of a kind, the job it acted on, and how the view read that job once it failed. */
export interface JobActionFailure {
  jobId: string;
  error: Error;
  /** The job as the view first read it once the action had failed; null until it does (its row may have left the view). */
  seenAs: JobMoment | null;
}

/** A view's actions of one kind: the last one's error while it tells of its job (`useJobActionOutcome`), and where they are told. */
export interface JobActionOutcome {
  failure: JobActionFailure | null;
  /** Where the outcome is shown (`ActionOutcome`): the actions' buttons move focus there. */
  outcome: RefObject<HTMLDivElement | null>;
}

/**
 * Runs a view's actions of one kind, `action` being one on job `jobId`, keeping the last one's failure until an action
 * on that job succeeds, or `seen` (the jobs the view reads) shows the job moved on from how it read once the action
 * failed (`movedOnSinceFailure`, `madeByIt` the status the action gives the job itself): a refusal ("it is running")
 * would outlive what it says of the job. `forget` drops the failure when the view sees it outdated otherwise.
 */
export function useJobActionOutcome(
  seen: readonly Job[],
  madeByIt?: JobStatus,
): JobActionOutcome & { run: (jobId: string, action: () => Promise<void>) => Promise<void>; forget: () => void } {
  const [failure, setFailure] = useState<JobActionFailure | null>(null);
  const outcome = useRef<HTMLDivElement>(null);
  const job = failure === null ? undefined : seen.find(({ id }) => id === failure.jobId);
  const outdated = failure?.seenAs != null && job !== undefined && movedOnSinceFailure(failure.seenAs, job, madeByIt);
  useEffect(() => {
    // Forgotten once outdated, so that the job coming back to how it read does not bring it back.
    if (outdated) setFailure(null);
    else if (failure !== null && failure.seenAs === null && job !== undefined) setFailure({ ...failure, seenAs: momentOf(job) });
  }, [outdated, failure, job]);
  const run = async (jobId: string, action: () => Promise<void>) => {
    try {
      await action();
      setFailure((last) => (last?.jobId === jobId ? null : last));
    } catch (err) {
      setFailure({ jobId, error: asError(err), seenAs: null });
    }
  };
  return { run, failure: outdated ? null : failure, outcome, forget: () => setFailure(null) };
}

/**
 * What the last action of a kind did, and the last failed one's error, as "`verb` of job j1: …" with `again` beside
 * it; `name` names its test ids (`name`-outcome, -notice, -failure).
 */
export function ActionOutcome({
  name,
  verb,
  notice,
  kept,
  again,
}: {
  name: string;
  verb: string;
  notice: NoticeText | null;
  kept: JobActionOutcome;
  again?: ComponentChildren;
}) {
  const { failure } = kept;
  return (
    <div tabIndex={-1} ref={kept.outcome} data-testid={`${name}-outcome`}>
      <Notice message={notice} testId={`${name}-notice`} />
      {failure && (
        <div class="error-box" data-testid={`${name}-failure`}>
          <span role="alert">
            {verb} of job <code>{failure.jobId}</code>: {actionFailure(failure.error)}
          </span>{" "}
          {again}
        </div>
      )}
    </div>
  );
}
