/**
 * Retry as the views run it: what a retry did is told outside the Retry button, which goes once the job is queued
 * again: while the run it queued is open, then with how that run ended (a job that fails again shows its failure
 * beside it), until the job moves on from that end. The lane may run the job before the retry's answer comes: the
 * notice then starts with the run's end. Focus moves to what it says once the retry is done.
 */
import type { ComponentChildren, RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { OperatorActions } from "../actions";
import { type NoticeText, retriedNotice } from "../format";
import { type Job, type JobStatus, type RetryAnswer, type childRetryBlock, movedPastRetriedRun, retriedRunEnded } from "../model";
import { ActionButton, JobLink, Notice } from "./parts";

/** Runs a retry of the job, as it reads when Retry is pressed. */
export type Retry = (job: Job) => Promise<void>;

interface Retried {
  jobId: string;
  /** The job's lease epoch when Retry was pressed: the retry moves it on. */
  epoch: number;
  answer: RetryAnswer;
  /** How the run the retry queued ended, once the view read that end: kept when the view no longer reads the job. */
  ended: { epoch: number; status: JobStatus } | null;
}

/** A view's retries, and what the last one did until `seen` (the jobs the view reads) shows the job moved on from it. */
export interface Retries {
  retry: Retry;
  notice: NoticeText | null;
  /** Where the notice is shown (`RetryNotice`). */
  noticeRef: RefObject<HTMLParagraphElement | null>;
}

export function useRetry(actions: OperatorActions, seen: readonly Job[]): Retries {
  const [retried, setRetried] = useState<Retried | null>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const job = retried === null ? undefined : seen.find(({ id }) => id === retried.jobId);
  // The run the retry queued has ended, as the view reads the job now (which may be before the answer came).
  const endedNow = retried !== null && retried.ended === null && job !== undefined && retriedRunEnded(retried.epoch, job);
  const movedOn = retried?.ended != null && job !== undefined && movedPastRetriedRun(retried.ended.epoch, job);
  useEffect(() => {
    // Forgotten once the job moved on, so a later retry by someone else does not bring it back.
    if (movedOn) setRetried(null);
    else if (endedNow) setRetried({ ...retried, ended: { epoch: job.lease_epoch, status: job.status } });
  }, [movedOn, endedNow, retried, job]);
  const ended = retried?.ended ?? (endedNow ? job : null);
  const retry = async (job: Job) => {
    const answer = await actions.retryJob(job.id);
    setRetried({ jobId: job.id, epoch: job.lease_epoch, answer, ended: null });
  };
  const notice =
    retried === null || movedOn
      ? null
      : {
          text: retriedNotice(retried.jobId, retried.answer, ended?.status),
          ids: [retried.jobId, retried.answer.resumes_plan ?? ""],
        };
  return { retry, notice, noticeRef };
}

/** Retry for one job; focus moves to the notice, as the button goes with the failure it retried. */
export function RetryButton({ job, retries }: { job: Job; retries: Retries }) {
  return <ActionButton label="Retry" subject={`job ${job.id}`} run={() => retries.retry(job)} focusAfter={retries.noticeRef} />;
}

export function RetryNotice({ retries }: { retries: Retries }) {
  return <Notice message={retries.notice} focusRef={retries.noticeRef} />;
}

/**
 * Retry for a child job, or why its parent keeps it from one (`childRetryBlock`): a parent that has ended is the one to
 * retry; one still stopping would cancel the retried child, so the engine refuses the retry; `unknown` says what to do
 * while the view cannot tell whether the parent has ended.
 */
export function ChildRetry({
  job,
  retries,
  parentId,
  blocked,
  unknown,
}: {
  job: Job;
  retries: Retries;
  parentId: string;
  blocked: ReturnType<typeof childRetryBlock>;
  unknown: ComponentChildren;
}) {
  if (blocked === null) return <RetryButton job={job} retries={retries} />;
  if (blocked === "unknown") return <>{unknown}</>;
  if (blocked === "ended")
    return (
      <small class="muted" data-testid="retry-parent">
        Its parent <JobLink id={parentId} /> has ended: retry the parent, which requeues its unsuccessful children.
      </small>
    );
  return (
    <small class="muted" data-testid="retry-parent-stopping">
      Its parent <JobLink id={parentId} /> is asked to stop: a retry now would be cancelled before it ran, so the engine refuses it. Retry
      the parent once it has ended, which requeues its unsuccessful children.
    </small>
  );
}
