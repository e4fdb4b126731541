/** The queue now: counts per lane and status, running, waiting and deferred jobs, recent failures and finishes. */
import { useState } from "preact/hooks";
import type { OperatorActions } from "../actions";
import {
  cappedQueueReads,
  type ConsoleData,
  FAILED_JOBS_LIMIT,
  FINISHED_JOBS_LIMIT,
  finishedJobsListenerStart,
  inFinishedWindow,
  parentInQueue,
  type QueueRead,
  RUNNING_JOBS_LIMIT,
  WAITING_JOBS_LIMIT,
} from "../data";
import { dateTime, lanePriority, recentlyFinishedNote } from "../format";
import {
  cancelOffer,
  cancelRequestOutcome,
  childCounts,
  childRetryBlock,
  countedLanes,
  isFinalStatus,
  type Job,
  JOB_STATUSES,
  type Lane,
  noRetryNote,
  type ParentState,
} from "../model";
import { CancelButton, CancelOutcome, type Cancels, useCancels } from "../ui/cancel";
import { ViewHeading } from "../ui/focus";
import { cacheOnly, type Live, mapLive, useLive, useNow } from "../ui/live";
import { Empty, ErrorCell, FailedReads, FromNow, JobLink, LiveView, NotConnectedNote, Progress, StatusBadge } from "../ui/parts";
import { ChildRetry, type Retries, RetryButton, RetryNotice, useRetry } from "../ui/retry";

export function QueueView({ data, actions }: { data: ConsoleData; actions: OperatorActions }) {
  const running = useLive<Job[]>((l) => data.watchRunningJobs(l), [data]);
  const waiting = useLive<Job[]>((l) => data.watchWaitingJobs(l), [data]);
  const now = useNow();
  // One listener each while the view is open; the jobs they hold from before the last 24 hours are left out as time passes.
  const [openedAt] = useState(() => new Date());
  const listened = useLive<Job[]>((l) => data.watchFinishedJobs(finishedJobsListenerStart(openedAt), l), [data, openedAt]);
  const finished = mapLive(listened, (jobs) => inFinishedWindow(jobs, now));
  const listenedFailures = useLive<Job[]>((l) => data.watchFailedJobs(finishedJobsListenerStart(openedAt), l), [data, openedAt]);
  const failures = mapLive(listenedFailures, (jobs) => inFinishedWindow(jobs, now));
  // What the reads hold now, the open ones null while they load.
  const held = {
    running: heldJobs(running),
    waiting: heldJobs(waiting),
    finished: heldJobs(finished) ?? [],
    failed: heldJobs(failures) ?? [],
  };
  // Outside the failures' rows: a retried job leaves the list, and its row with it. Its run is seen ending in any list.
  const heldAll = [held.running, held.waiting, held.finished, held.failed].flatMap((jobs) => jobs ?? []);
  const retries = useRetry(actions, heldAll);
  // A parent that ended may be among either read of ended jobs.
  const heldForParents = { ...held, finished: endedJobs(held.finished, held.failed) };
  const parentOf = (parentId: string) => parentInQueue(parentId, heldForParents);
  // Outside the rows too: a cancelled job leaves the waiting list, and one asked to stop shows the request instead.
  const cancels = useCancels(actions, heldAll);
  // Each read shows in more than one section: a failed one is said once, here.
  const reads = [
    { what: "running jobs", live: running },
    { what: "waiting jobs", live: waiting },
    { what: "finished jobs", live: listened },
    { what: "failures", live: listenedFailures },
  ];
  const lives = reads.map(({ live }) => live);
  return (
    <>
      <section>
        <ViewHeading>Queue now</ViewHeading>
        <NotConnectedNote lives={lives} />
        <FailedReads reads={reads} />
        <LiveView live={running} what="running jobs" failureShownAbove>
          {(runningJobs) => (
            <LiveView live={waiting} what="waiting jobs" failureShownAbove>
              {(waitingJobs) => (
                <LiveView live={finished} what="finished jobs" failureShownAbove>
                  {(finishedJobs) => (
                    <LiveView live={failures} what="failures" failureShownAbove>
                      {(failedJobs) => (
                        <>
                          <Counts
                            jobs={[...runningJobs, ...waitingJobs, ...endedJobs(finishedJobs, failedJobs)]}
                            fromCache={cacheOnly(lives)}
                          />
                          <CappedNotice
                            running={runningJobs.length}
                            waiting={waitingJobs.length}
                            finished={finishedJobs.length}
                            failed={failedJobs.length}
                          />
                        </>
                      )}
                    </LiveView>
                  )}
                </LiveView>
              )}
            </LiveView>
          )}
        </LiveView>
      </section>
      <CancelOutcome cancels={cancels} />
      <section>
        <h2>Running</h2>
        <LiveView live={running} what="running jobs" isEmpty={(jobs) => jobs.length === 0} empty="Nothing is running." failureShownAbove>
          {(jobs) => <RunningJobs jobs={jobs} now={now} cancels={cancels} />}
        </LiveView>
      </section>
      <section>
        <h2>Waiting</h2>
        <LiveView live={waiting} what="waiting jobs" isEmpty={(jobs) => jobs.length === 0} empty="No job is waiting." failureShownAbove>
          {(jobs) => <WaitingJobs jobs={jobs} now={now} cancels={cancels} />}
        </LiveView>
      </section>
      <section>
        <h2>Recent failures (24 h)</h2>
        <RetryNotice retries={retries} />
        <LiveView
          live={failures}
          what="failures"
          isEmpty={(jobs) => jobs.length === 0}
          empty="No failures in the last 24 hours."
          failureShownAbove
        >
          {(jobs) => <Failures jobs={jobs} retries={retries} parentOf={parentOf} />}
        </LiveView>
      </section>
      <section>
        <h2>Recently finished</h2>
        <LiveView
          live={finished}
          what="finished jobs"
          isEmpty={(jobs) => jobs.length === 0}
          empty={<Empty>No job finished in the last 24 hours. {HISTORY_LINK}</Empty>}
          failureShownAbove
        >
          {(jobs) => (
            <>
              <Finished jobs={jobs.slice(0, RECENTLY_FINISHED_SHOWN)} />
              <p class="muted" data-testid="finished-count">
                {recentlyFinishedNote(RECENTLY_FINISHED_SHOWN, jobs.length, FINISHED_JOBS_LIMIT)} {HISTORY_LINK}
              </p>
            </>
          )}
        </LiveView>
      </section>
    </>
  );
}

/** The finished jobs the queue lists: the latest ones (History lists every run). */
const RECENTLY_FINISHED_SHOWN = 25;

const HISTORY_LINK = <a href="#/history">History lists every run.</a>;

const heldJobs = (live: Live<Job[]>) => (live.state === "ready" ? live.value : null);
const oldestFirst = (a: Job, b: Job) => (a.created_at?.getTime() ?? 0) - (b.created_at?.getTime() ?? 0);

/** The jobs that ended, each once: a failure among the latest finished jobs is in both reads. */
function endedJobs(finished: readonly Job[], failed: readonly Job[]): Job[] {
  const finishedIds = new Set(finished.map((job) => job.id));
  return [...finished, ...failed.filter((job) => !finishedIds.has(job.id))];
}

/** Which of the queue's reads hold as many jobs as they read: the counts and lists leave out the rest of those. */
function CappedNotice(held: Record<QueueRead, number>) {
  const capped = cappedQueueReads(held);
  if (capped.length === 0) return null;
  return (
    <p class="muted" data-testid="queue-capped">
      This view reads at most {RUNNING_JOBS_LIMIT} running jobs, {WAITING_JOBS_LIMIT} waiting ones, the latest {FINISHED_JOBS_LIMIT}{" "}
      finished ones and the latest {FAILED_JOBS_LIMIT} failed ones, and holds that many {capped.join(" and ")} jobs now: the counts and
      lists below leave out the rest of them (the Days view&apos;s totals count every run).
    </p>
  );
}

/**
 * One row per status, one column per lane: narrow enough for a phone. A count of none from the SDK's cache alone
 * (`fromCache`: offline, or not confirmed yet) reads "?": as LiveView's empty state, it states no absence the cache
 * cannot tell.
 */
function Counts({ jobs, fromCache }: { jobs: Job[]; fromCache: boolean }) {
  const lanes = countedLanes(jobs);
  const countOf = (lane: Lane | null, status: string) => jobs.filter((j) => j.queue === lane && j.status === status).length;
  const unknown = (lane: Lane | null, status: string) => fromCache && countOf(lane, status) === 0;
  const someUnknown = JOB_STATUSES.some((status) => lanes.some((lane) => unknown(lane, status)));
  return (
    <div class="overflow-auto">
      <table class="counts" data-testid="queue-counts">
        <thead>
          <tr>
            <th>Status</th>
            {lanes.map((lane) => (
              <th key={lane ?? NO_LANE}>{lane ?? NO_LANE}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {JOB_STATUSES.map((status) => (
            <tr key={status}>
              <th>
                <StatusBadge status={status} />
                {isFinalStatus(status) && <small class="muted"> 24 h</small>}
              </th>
              {lanes.map((lane) => (
                <td
                  key={lane ?? NO_LANE}
                  data-lane={lane ?? NO_LANE}
                  data-status={status}
                  class={countOf(lane, status) === 0 ? "muted" : ""}
                >
                  {unknown(lane, status) ? "?" : countOf(lane, status)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {lanes.includes(null) && (
        <p class="muted">
          <small>{NO_LANE}: jobs intake has not taken in (not yet, or rejected or cancelled before it), which have no lane.</small>
        </p>
      )}
      {someUnknown && (
        <p class="muted" data-testid="counts-unknown">
          <small>?: the cached data holds none, and whether the server does cannot be told until it answers.</small>
        </p>
      )}
    </div>
  );
}

/** The counts' column of jobs without a lane (`countedLanes`). */
const NO_LANE = "no lane";

function RunningJobs({ jobs, now, cancels }: { jobs: Job[]; now: Date; cancels: Cancels }) {
  return (
    <div class="overflow-auto">
      <table class="actions-last">
        <thead>
          <tr>
            <th>Job</th>
            <th>Type</th>
            <th>Progress</th>
            <th>Worker</th>
            <th>Lease expires</th>
            <th>Action</th>
          </tr>
        </thead>
        <tbody>
          {[...jobs].sort(oldestFirst).map((job) => (
            <tr key={job.id} data-job={job.id}>
              <td>
                <JobLink id={job.id} /> <StatusBadge status={job.status} />
              </td>
              <td>{job.type}</td>
              <td>
                {job.progress ? (
                  <Progress done={job.progress.done} total={job.progress.total} of={`job ${job.id}`} />
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
              <td class="mono">{job.lease_owner ?? "—"}</td>
              <td>
                <FromNow at={job.lease_expires_at} now={now} />
              </td>
              <td>
                <CancelAction job={job} cancels={cancels} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A job asked to stop (running, or holding a frozen plan) finishes its plan first: the request is shown, not repeated.
 * One a client asked to cancel that is cancelled instead of run shows the request with Cancel, which does it at once.
 */
function CancelAction({ job, cancels }: { job: Job; cancels: Cancels }) {
  if (cancelOffer(job) === "requested") return <small class="muted">cancel requested</small>;
  return (
    <>
      {job.cancel_requested && (
        <small class="muted cancel-requested" data-testid="cancel-requested">
          cancel {cancelRequestOutcome(job)}
        </small>
      )}
      <CancelButton jobId={job.id} cancels={cancels} parent={childCounts(job) !== null} />
    </>
  );
}

function WaitingJobs({ jobs, now, cancels }: { jobs: Job[]; now: Date; cancels: Cancels }) {
  return (
    <div class="overflow-auto">
      <table class="actions-last">
        <thead>
          <tr>
            <th>Job</th>
            <th>Type</th>
            <th>Lane · priority</th>
            <th>Runs after</th>
            <th>Reason</th>
            <th>Action</th>
          </tr>
        </thead>
        <tbody>
          {[...jobs].sort(oldestFirst).map((job) => (
            <tr key={job.id} data-job={job.id}>
              <td>
                <JobLink id={job.id} /> <StatusBadge status={job.status} />
              </td>
              <td>{job.type}</td>
              <td>{lanePriority(job)}</td>
              <td>
                <FromNow at={job.run_after} now={now} />
              </td>
              {/* Why it waits: a deferral's reason (a lock held, children still running), or the failure it backs off from. */}
              <ErrorCell error={job.error} />
              <td>
                <CancelAction job={job} cancels={cancels} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Failures({ jobs, retries, parentOf }: { jobs: Job[]; retries: Retries; parentOf: (parentId: string) => ParentState }) {
  return (
    <div class="overflow-auto">
      <table class="actions-last">
        <thead>
          <tr>
            <th>Job</th>
            <th>Type</th>
            <th>Finished</th>
            <th>Error</th>
            <th>Action</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.id} data-job={job.id}>
              <td>
                <JobLink id={job.id} /> <StatusBadge status={job.status} />
              </td>
              <td>{job.type}</td>
              <td>{dateTime(job.finished_at)}</td>
              <ErrorCell error={job.error} />
              <td>
                <RetryAction job={job} retries={retries} parentOf={parentOf} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RetryAction({ job, retries, parentOf }: { job: Job; retries: Retries; parentOf: (parentId: string) => ParentState }) {
  const noRetry = noRetryNote(job);
  if (noRetry !== null) return <small class="muted">{noRetry}</small>;
  const parentId = job.parent_job_id;
  if (parentId === null) return <RetryButton job={job} retries={retries} />;
  return (
    <ChildRetry
      job={job}
      retries={retries}
      parentId={parentId}
      blocked={childRetryBlock(job, parentOf(parentId))}
      unknown={
        // The job's page reads the parent itself.
        <small class="muted" data-testid="retry-on-page">
          Retry on its page: the queue cannot tell whether its parent <JobLink id={parentId} /> has ended.
        </small>
      }
    />
  );
}

function Finished({ jobs }: { jobs: Job[] }) {
  return (
    <div class="overflow-auto">
      <table>
        <thead>
          <tr>
            <th>Job</th>
            <th>Type</th>
            <th>Finished</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.id} data-job={job.id}>
              <td>
                <JobLink id={job.id} /> <StatusBadge status={job.status} />
              </td>
              <td>{job.type}</td>
              <td>{dateTime(job.finished_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
