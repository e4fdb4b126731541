/**
 * Retry as the views run it: what a retry did, and its error, are told outside the Retry button (ui/outcome.tsx),
 * which goes once the job is queued again, or with the job's row when it leaves the view's list while the retry runs
 * (a parent's may take minutes). What it did is told while the run it queued is open, then with how that run ended (a
 * job that fails again shows its failure beside it), until the job moves on from that end. The lane may run the job
 * before the retry's answer comes: the notice then starts with the run's end. Focus moves there once the retry is done.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { OperatorActions } from "../actions";
import { type NoticeText, retriedNotice } from "../format";
import {
  type Job,
  type JobMoment,
  type RetryAnswer,
  type childRetryBlock,
  momentOf,
  movedPastRetriedRun,
  ranSinceRetry,
  retriedRunEnded,
} from "../model";
import { ActionOutcome, type JobActionOutcome, useJobActionOutcome } from "./outcome";
import { ActionButton, JobLink } from "./parts";

/** Runs a retry of the job, as it reads when Retry is pressed. */
export type Retry = (job: Job) => Promise<void>;

interface Retried {
  jobId: string;
  /** The job's lease epoch when Retry was pressed: the retry moves it on. */
  epoch: number;
  answer: RetryAnswer;
  /** How the run the retry queued ended, once the view read that end: kept when the view no longer reads the job. */
  ended: JobMoment | null;
}

/**
 * A view's retries: what the last one did until `seen` (the jobs the view reads) shows the job moved on from it, and
 * the error of the last one that failed until a retry of that job succeeds or the job moves on (`useJobActionOutcome`).
 */
export interface Retries extends JobActionOutcome {
  retry: Retry;
  notice: NoticeText | null;
}

export function useRetry(actions: OperatorActions, seen: readonly Job[]): Retries {
  const [retried, setRetried] = useState<Retried | null>(null);
  const kept = useJobActionOutcome(seen);
  const job = retried === null ? undefined : seen.find(({ id }) => id === retried.jobId);
  // The run the retry queued has ended, as the view reads the job now (which may be before the answer came).
  const endedNow = retried !== null && retried.ended === null && job !== undefined && retriedRunEnded(retried.epoch, job);
  const movedOn = retried?.ended != null && job !== undefined && movedPastRetriedRun(retried.ended.lease_epoch, job);
  useEffect(() => {
    // Forgotten once the job moved on, so a later retry by someone else does not bring it back.
    if (movedOn) setRetried(null);
    else if (endedNow) setRetried({ ...retried, ended: momentOf(job) });
  }, [movedOn, endedNow, retried, job]);
  const ended = retried?.ended ?? (endedNow ? job : null);
  const retry = (job: Job) =>
    kept.run(job.id, async () => {
      const answer = await actions.retryJob(job.id);
      setRetried({ jobId: job.id, epoch: job.lease_epoch, answer, ended: null });
    });
  const notice =
    retried === null || movedOn
      ? null
      : {
          text: retriedNotice(
            retried.jobId,
            retried.answer,
            ended ? { status: ended.status, ran: ranSinceRetry(retried.epoch, ended) } : undefined,
          ),
          ids: [retried.jobId, retried.answer.resumes_plan ?? ""],
        };
  return { retry, notice, failure: kept.failure, outcome: kept.outcome };
}

/** Retry for one job; focus moves to what it did, as the button goes with the failure it retried. */
export function RetryButton({ job, retries }: { job: Job; retries: Retries }) {
  return <ActionButton label="Retry" subject={`job ${job.id}`} run={() => retries.retry(job)} focusAfter={retries.outcome} />;
}

/** What the last retry did, and the last failed retry's error. */
export function RetryNotice({ retries }: { retries: Retries }) {
  return <ActionOutcome name="retry" verb="Retry" notice={retries.notice} kept={retries} />;
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
