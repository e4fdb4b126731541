/**
 * What a view's actions on jobs did and their errors, kept by the view rather than by the action's button, so they
 * outlive the button: the job's row may leave its list while the action runs (a retried job leaves the failures, a
 * cancelled one the waiting jobs). Focus moves to them once the action is done.
 */
import type { ComponentChildren, RefObject } from "preact";
import { useRef, useState } from "preact/hooks";
import { actionFailure } from "../actions";
import { asError, type NoticeText } from "../format";
import { Notice } from "./parts";

/** The error of the last failed action of a kind, and the job it acted on. */
export interface JobActionFailure {
  jobId: string;
  error: Error;
}

/** A view's actions of one kind: the last one's error until an action on that job succeeds, and where they are told. */
export interface JobActionOutcome {
  failure: JobActionFailure | null;
  /** Where the outcome is shown (`ActionOutcome`): the actions' buttons move focus there. */
  outcome: RefObject<HTMLDivElement | null>;
}

/** Runs a view's actions of one kind, `action` being one on job `jobId`, keeping their failure. */
export function useJobActionOutcome(): JobActionOutcome & { run: (jobId: string, action: () => Promise<void>) => Promise<void> } {
  const [failure, setFailure] = useState<JobActionFailure | null>(null);
  const outcome = useRef<HTMLDivElement>(null);
  const run = async (jobId: string, action: () => Promise<void>) => {
    try {
      await action();
      setFailure((last) => (last?.jobId === jobId ? null : last));
    } catch (err) {
      setFailure({ jobId, error: asError(err) });
    }
  };
  return { run, failure, outcome };
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
