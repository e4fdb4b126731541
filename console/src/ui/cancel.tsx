/**
 * Cancel as the views run it: what the last cancel did, and its error, are kept by the view, not by the Cancel
 * button, so they outlive the button (the job's listener takes it away at once: the job is cancelled, or asked to
 * stop; a cancel whose children's part failed has already done either). Focus moves to them once it is done.
 */
import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { actionFailure, cancelLeftChildrenOpen, type OperatorActions } from "../actions";
import { asError, cancelledNotice, type NoticeText } from "../format";
import { type AnsweredCancel, cancelledJobMovedOn, type Job } from "../model";
import { ActionButton, Notice } from "./parts";

interface CancelFailure {
  jobId: string;
  error: Error;
}

/** A view's cancels: what the last one did, and the error of the last one that failed until a cancel of that job succeeds. */
export interface Cancels {
  run: (jobId: string) => Promise<void>;
  done: NoticeText | null;
  failure: CancelFailure | null;
  /** Where their outcome is shown (`CancelOutcome`). */
  outcome: RefObject<HTMLDivElement | null>;
}

/**
 * `seen`: the jobs the view holds. What a cancel did is told while the job is as the cancel left it; once it
 * has moved on (a job asked to stop has ended), the notice would contradict its status, and is forgotten.
 */
export function useCancels(actions: OperatorActions, seen: readonly Job[]): Cancels {
  const [done, setDone] = useState<AnsweredCancel | null>(null);
  const [failure, setFailure] = useState<CancelFailure | null>(null);
  const outcome = useRef<HTMLDivElement>(null);
  const movedOn = done !== null && seen.some((job) => cancelledJobMovedOn(done, job));
  useEffect(() => {
    if (movedOn) setDone(null);
  }, [movedOn]);
  const run = async (jobId: string) => {
    const job = seen.find(({ id }) => id === jobId);
    const pressed = job ? { status: job.status, lease_epoch: job.lease_epoch } : null;
    try {
      setDone({ jobId, answer: await actions.cancelJob(jobId), pressed });
      setFailure((last) => (last?.jobId === jobId ? null : last));
    } catch (err) {
      setFailure({ jobId, error: asError(err) });
    }
  };
  const notice = done && !movedOn ? { text: cancelledNotice(done.jobId, done.answer), ids: [done.jobId] } : null;
  return { run, done: notice, failure, outcome };
}

/** Cancel for one job; focus moves to the outcome, as the button goes with what it cancelled. */
export function CancelButton({ jobId, cancels, label = "Cancel" }: { jobId: string; cancels: Cancels; label?: string }) {
  return (
    <ActionButton label={label} subject={`job ${jobId}`} variant="secondary" run={() => cancels.run(jobId)} focusAfter={cancels.outcome} />
  );
}

/** What the last cancel did, and the last failed cancel's error, with Cancel again when running it again finishes it (children left open). */
export function CancelOutcome({ cancels }: { cancels: Cancels }) {
  const { done, failure } = cancels;
  return (
    <div tabIndex={-1} ref={cancels.outcome} data-testid="cancel-outcome">
      <Notice message={done} testId="cancel-notice" />
      {failure && (
        <div class="error-box" data-testid="cancel-failure">
          <span role="alert">
            Cancel of job <code>{failure.jobId}</code>: {actionFailure(failure.error)}
          </span>{" "}
          {cancelLeftChildrenOpen(failure.error) && <CancelButton jobId={failure.jobId} cancels={cancels} label="Cancel again" />}
        </div>
      )}
    </div>
  );
}
