/**
 * Retry as the views run it: what a retry did is told outside the Retry button, which goes once the job is queued
 * again, and only until the run it queued ends (a job that fails again shows its failure, not the retry).
 */
import { useEffect, useState } from "preact/hooks";
import type { OperatorActions } from "../actions";
import { retriedNotice } from "../format";
import { type Job, retriedRunEnded } from "../model";
import { JobLink } from "./parts";

/** Runs a retry of the job, as it reads when Retry is pressed. */
export type Retry = (job: Job) => Promise<void>;

interface Retried {
  jobId: string;
  /** The job's lease epoch when Retry was pressed: the retry moves it on. */
  epoch: number;
  message: string;
}

/** A retry, and what the last one did until `seen` (the jobs the view reads) shows the run it queued ended. */
export function useRetry(actions: OperatorActions, seen: readonly Job[]): { retry: Retry; notice: string | null } {
  const [retried, setRetried] = useState<Retried | null>(null);
  const ended = retried !== null && seen.some((job) => job.id === retried.jobId && retriedRunEnded(retried.epoch, job));
  // Forgotten once it ended, so a later retry by someone else does not bring it back.
  useEffect(() => {
    if (ended) setRetried(null);
  }, [ended]);
  const retry = async (job: Job) => {
    const answer = await actions.retryJob(job.id);
    setRetried({ jobId: job.id, epoch: job.lease_epoch, message: retriedNotice(job.id, answer) });
  };
  return { retry, notice: ended ? null : (retried?.message ?? null) };
}

/** Instead of Retry on a child whose parent has ended (ParentState): the parent is the one to retry. */
export function RetryParentNote({ parentId }: { parentId: string }) {
  return (
    <small class="muted" data-testid="retry-parent">
      Its parent <JobLink id={parentId} /> has ended: retry the parent, which requeues its unsuccessful children.
    </small>
  );
}
