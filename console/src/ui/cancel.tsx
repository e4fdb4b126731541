/**
 * Cancel as the views run it: its error is kept by the view, not by the Cancel button, so it outlives the
 * button (a cancel whose children's part failed has already cancelled the job, or asked it to stop, and
 * the job's listener takes the button away at once).
 */
import { useState } from "preact/hooks";
import { cancelLeftChildrenOpen, type OperatorActions } from "../actions";
import { asError } from "../format";
import { ActionButton } from "./parts";

/** Runs a cancel of the job, keeping its error. */
export type Cancel = (jobId: string) => Promise<void>;

interface CancelFailure {
  jobId: string;
  error: Error;
}

/** A cancel, and the error of the last one that failed until a cancel of that job succeeds. */
export function useCancel(actions: OperatorActions): { cancel: Cancel; failure: CancelFailure | null } {
  const [failure, setFailure] = useState<CancelFailure | null>(null);
  const cancel = async (jobId: string) => {
    try {
      await actions.cancelJob(jobId);
      setFailure((last) => (last?.jobId === jobId ? null : last));
    } catch (err) {
      setFailure({ jobId, error: asError(err) });
    }
  };
  return { cancel, failure };
}

/** The last failed cancel's error, with Cancel again when running it again finishes it (children left open). */
export function CancelFailureNotice({ failure, cancel }: { failure: CancelFailure | null; cancel: Cancel }) {
  if (!failure) return null;
  return (
    <div class="error-box" data-testid="cancel-failure">
      <span role="alert">
        Cancel of job {failure.jobId}: {failure.error.message}
      </span>{" "}
      {cancelLeftChildrenOpen(failure.error) && (
        <ActionButton label="Cancel again" subject={`job ${failure.jobId}`} variant="secondary" run={() => cancel(failure.jobId)} />
      )}
    </div>
  );
}
