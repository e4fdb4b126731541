/**
 * Cancel as the views run it: what the last cancel did, and its error, are kept by the view (ui/outcome.tsx), not by
 * the Cancel button, so they outlive the button (the job's listener takes it away at once: the job is cancelled, or
 * asked to stop; a cancel whose children's part failed has already done either). Focus moves to them once it is done.
 */
import { useEffect, useState } from "preact/hooks";
import { cancelWorthRunningAgain, type OperatorActions } from "../actions";
import { cancelledNotice, type NoticeText } from "../format";
import { type AnsweredCancel, cancelledJobMovedOn, type Job, momentOf } from "../model";
import { ActionOutcome, type JobActionOutcome, useJobActionOutcome } from "./outcome";
import { ActionButton } from "./parts";

/**
 * A view's cancels: what the last one did, and the error of the last one that failed until a cancel of that job
 * succeeds or the job moves on (`useJobActionOutcome`).
 */
export interface Cancels extends JobActionOutcome {
  run: (jobId: string) => Promise<void>;
  done: NoticeText | null;
}

/**
 * `seen`: the jobs the view holds. What a cancel did is told while the job is as the cancel left it; once it
 * has moved on (a job asked to stop has ended), the notice would contradict its status, and is forgotten.
 */
export function useCancels(actions: OperatorActions, seen: readonly Job[]): Cancels {
  const [done, setDone] = useState<AnsweredCancel | null>(null);
  // A cancel that failed part-way (its children not all cancelled) has cancelled the job itself.
  const kept = useJobActionOutcome(seen, "cancelled");
  const movedOn = done !== null && seen.some((job) => cancelledJobMovedOn(done, job));
  useEffect(() => {
    if (movedOn) setDone(null);
  }, [movedOn]);
  const run = (jobId: string) => {
    const job = seen.find(({ id }) => id === jobId);
    const pressed = job ? momentOf(job) : null;
    return kept.run(jobId, async () => setDone({ jobId, answer: await actions.cancelJob(jobId), pressed }));
  };
  const notice = done && !movedOn ? { text: cancelledNotice(done.jobId, done.answer), ids: [done.jobId] } : null;
  return { run, done: notice, failure: kept.failure, outcome: kept.outcome };
}

/**
 * Cancel for one job; focus moves to the outcome, as the button goes with what it cancelled. It asks first, as Revert
 * does: one click in a table of jobs should not stop a run, and a parent's open children with it, which its
 * confirmation names (`parent`: the job has children, `childCounts`). Cancel again, after a cancel that failed, was
 * confirmed already.
 */
export function CancelButton(props: { jobId: string; cancels: Cancels; parent?: boolean; again?: boolean }) {
  const { jobId, cancels, again = false } = props;
  return (
    <ActionButton
      label={again ? "Cancel again" : "Cancel"}
      confirm={again ? undefined : "Confirm cancel"}
      scope={props.parent ? "Its open children are cancelled too." : undefined}
      subject={`job ${jobId}`}
      variant="secondary"
      run={() => cancels.run(jobId)}
      focusAfter={cancels.outcome}
    />
  );
}

/** What the last cancel did, and the last failed cancel's error, with Cancel again when running it again is right. */
export function CancelOutcome({ cancels }: { cancels: Cancels }) {
  const { failure } = cancels;
  return (
    <ActionOutcome
      name="cancel"
      verb="Cancel"
      notice={cancels.done}
      kept={cancels}
      again={failure && cancelWorthRunningAgain(failure.error) && <CancelButton jobId={failure.jobId} cancels={cancels} again />}
    />
  );
}
