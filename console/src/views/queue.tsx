/** The queue now: counts per lane and status, running, waiting and deferred jobs, recent failures and finishes. */
import type { OperatorActions } from "../actions";
import { type ConsoleData, FINISHED_JOBS_LIMIT, finishedJobsWindowStart, OPEN_JOBS_LIMIT, queueReadsCapped } from "../data";
import { dateTime, relative } from "../format";
import { FAILURE_STATUSES, FINAL_STATUSES, type Job, JOB_STATUSES, LANES, waitingReason } from "../model";
import { useLive, useNow } from "../ui/live";
import { ActionButton, JobLink, LiveView, Progress, StatusBadge } from "../ui/parts";

export function QueueView({ data, actions }: { data: ConsoleData; actions: OperatorActions }) {
  const open = useLive<Job[]>((l) => data.watchOpenJobs(l), [data]);
  const now = useNow();
  // A number, not a Date, so the listener is replaced only when the window moves on.
  const windowStart = finishedJobsWindowStart(now).getTime();
  const finished = useLive<Job[]>((l) => data.watchFinishedJobs(new Date(windowStart), l), [data, windowStart]);
  return (
    <>
      <section>
        <h2>Queue now</h2>
        <LiveView live={open} what="open jobs">
          {(openJobs) => (
            <LiveView live={finished} what="finished jobs">
              {(finishedJobs) => (
                <>
                  <Counts jobs={[...openJobs, ...finishedJobs]} />
                  {queueReadsCapped(openJobs.length, finishedJobs.length) && (
                    <p class="muted" data-testid="queue-capped">
                      This view reads at most {OPEN_JOBS_LIMIT} open jobs and the latest {FINISHED_JOBS_LIMIT} finished ones, and holds that
                      many now: the counts and lists below leave out the rest (the Days view&apos;s totals count every run).
                    </p>
                  )}
                </>
              )}
            </LiveView>
          )}
        </LiveView>
      </section>
      <section>
        <h3>Running</h3>
        <LiveView live={open} what="running jobs" isEmpty={(jobs) => !jobs.some(isActive)} empty="Nothing is running.">
          {(jobs) => <RunningJobs jobs={jobs.filter(isActive)} now={now} actions={actions} />}
        </LiveView>
      </section>
      <section>
        <h3>Waiting</h3>
        <LiveView live={open} what="waiting jobs" isEmpty={(jobs) => !jobs.some(isWaiting)} empty="No job is waiting.">
          {(jobs) => <WaitingJobs jobs={jobs.filter(isWaiting)} now={now} actions={actions} />}
        </LiveView>
      </section>
      <section>
        <h3>Recent failures (24 h)</h3>
        <LiveView live={finished} what="failures" isEmpty={(jobs) => !jobs.some(isFailure)} empty="No failures in the last 24 hours.">
          {(jobs) => <Failures jobs={jobs.filter(isFailure)} actions={actions} />}
        </LiveView>
      </section>
      <section>
        <h3>Recently finished</h3>
        <LiveView live={finished} what="finished jobs" isEmpty={(jobs) => jobs.length === 0} empty="No job finished in the last 24 hours.">
          {(jobs) => <Finished jobs={jobs.slice(0, 25)} />}
        </LiveView>
      </section>
    </>
  );
}

const isActive = (job: Job) => job.status === "running";
const isWaiting = (job: Job) => job.status === "queued" || job.status === "deferred";
const isFailure = (job: Job) => FAILURE_STATUSES.includes(job.status);
const oldestFirst = (a: Job, b: Job) => (a.created_at?.getTime() ?? 0) - (b.created_at?.getTime() ?? 0);

/** One row per status, one column per lane: narrow enough for a phone. */
function Counts({ jobs }: { jobs: Job[] }) {
  const countOf = (lane: string, status: string) => jobs.filter((j) => j.queue === lane && j.status === status).length;
  return (
    <div class="overflow-auto">
      <table class="counts" data-testid="queue-counts">
        <thead>
          <tr>
            <th>Status</th>
            {LANES.map((lane) => (
              <th key={lane}>{lane}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {JOB_STATUSES.map((status) => (
            <tr key={status}>
              <th>
                <StatusBadge status={status} />
                {FINAL_STATUSES.includes(status as (typeof FINAL_STATUSES)[number]) && <small class="muted"> 24 h</small>}
              </th>
              {LANES.map((lane) => (
                <td key={lane} data-lane={lane} data-status={status} class={countOf(lane, status) === 0 ? "muted" : ""}>
                  {countOf(lane, status)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RunningJobs({ jobs, now, actions }: { jobs: Job[]; now: Date; actions: OperatorActions }) {
  return (
    <div class="overflow-auto">
      <table>
        <thead>
          <tr>
            <th>Job</th>
            <th>Type</th>
            <th>Progress</th>
            <th>Worker</th>
            <th>Lease expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {jobs.sort(oldestFirst).map((job) => (
            <tr key={job.id} data-job={job.id}>
              <td>
                <JobLink id={job.id} /> <StatusBadge status={job.status} />
              </td>
              <td>{job.type}</td>
              <td>{job.progress ? <Progress done={job.progress.done} total={job.progress.total} /> : <span class="muted">—</span>}</td>
              <td class="mono">{job.lease_owner ?? "—"}</td>
              <td title={dateTime(job.lease_expires_at)}>{relative(job.lease_expires_at, now)}</td>
              <td>
                <CancelAction job={job} actions={actions} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A job asked to stop (running, or holding a frozen plan) finishes its plan first: the request is shown, not repeated. */
function CancelAction({ job, actions }: { job: Job; actions: OperatorActions }) {
  if (job.cancel_requested) return <small class="muted">cancel requested</small>;
  return <ActionButton label="Cancel" variant="secondary" run={() => actions.cancelJob(job.id)} />;
}

function WaitingJobs({ jobs, now, actions }: { jobs: Job[]; now: Date; actions: OperatorActions }) {
  return (
    <div class="overflow-auto">
      <table>
        <thead>
          <tr>
            <th>Job</th>
            <th>Type</th>
            <th>Lane · priority</th>
            <th>Runs after</th>
            <th>Reason</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {jobs.sort(oldestFirst).map((job) => (
            <tr key={job.id} data-job={job.id}>
              <td>
                <JobLink id={job.id} /> <StatusBadge status={job.status} />
              </td>
              <td>{job.type}</td>
              <td>
                {job.queue} · {job.priority}
              </td>
              <td title={dateTime(job.run_after)}>{relative(job.run_after, now)}</td>
              <td>{waitingReason(job) ?? <span class="muted">—</span>}</td>
              <td>
                <CancelAction job={job} actions={actions} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Failures({ jobs, actions }: { jobs: Job[]; actions: OperatorActions }) {
  return (
    <div class="overflow-auto">
      <table>
        <thead>
          <tr>
            <th>Job</th>
            <th>Type</th>
            <th>Finished</th>
            <th>Error</th>
            <th />
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
              <td>
                {job.error ? (
                  <>
                    <code>{job.error.code}</code> {job.error.message}
                  </>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
              <td>
                <ActionButton label="Retry" run={() => actions.retryJob(job.id)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
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
