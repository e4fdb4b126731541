/**
 * Retry as the views run it: what a retry did is told outside the Retry button, which goes once the job is queued
 * again, and only until the run it queued ends (a job that fails again shows its failure, not the retry). Focus
 * moves to what it says once the retry is done.
 */
import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { OperatorActions } from "../actions";
import { retriedNotice } from "../format";
import { type Job, retriedRunEnded } from "../model";
import { ActionButton, JobLink, Notice } from "./parts";

/** Runs a retry of the job, as it reads when Retry is pressed. */
export type Retry = (job: Job) => Promise<void>;

interface Retried {
  jobId: string;
  /** The job's lease epoch when Retry was pressed: the retry moves it on. */
  epoch: number;
  message: string;
}

/** A view's retries, and what the last one did until `seen` (the jobs the view reads) shows the run it queued ended. */
export interface Retries {
  retry: Retry;
  notice: string | null;
  /** Where the notice is shown (`RetryNotice`). */
  noticeRef: RefObject<HTMLParagraphElement | null>;
}

export function useRetry(actions: OperatorActions, seen: readonly Job[]): Retries {
  const [retried, setRetried] = useState<Retried | null>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const ended = retried !== null && seen.some((job) => job.id === retried.jobId && retriedRunEnded(retried.epoch, job));
  // Forgotten once it ended, so a later retry by someone else does not bring it back.
  useEffect(() => {
    if (ended) setRetried(null);
  }, [ended]);
  const retry = async (job: Job) => {
    const answer = await actions.retryJob(job.id);
    setRetried({ jobId: job.id, epoch: job.lease_epoch, message: retriedNotice(job.id, answer) });
  };
  return { retry, notice: ended ? null : (retried?.message ?? null), noticeRef };
}

/** Retry for one job; focus moves to the notice, as the button goes with the failure it retried. */
export function RetryButton({ job, retries }: { job: Job; retries: Retries }) {
  return <ActionButton label="Retry" subject={`job ${job.id}`} run={() => retries.retry(job)} focusAfter={retries.noticeRef} />;
}

export function RetryNotice({ retries }: { retries: Retries }) {
  return <Notice message={retries.notice} focusRef={retries.noticeRef} />;
}

/** Instead of Retry on a child whose parent has ended (ParentState): the parent is the one to retry. */
export function RetryParentNote({ parentId }: { parentId: string }) {
  return (
    <small class="muted" data-testid="retry-parent">
      Its parent <JobLink id={parentId} /> has ended: retry the parent, which requeues its unsuccessful children.
    </small>
  );
}
