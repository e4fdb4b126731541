/** One job: facts, payload, status timeline, attempts with their pipeline, the change journal with diffs, actions. */
import type { ComponentChildren } from "preact";
import { useRef, useState } from "preact/hooks";
import { actionFailure, type OperatorActions } from "../actions";
import { ATTEMPTS_LIMIT, type Bounded, CHANGES_PAGE_SIZE, type ConsoleData } from "../data";
import {
  attemptLabel,
  childrenSummary,
  count,
  counted,
  dateTime,
  duration,
  inline,
  inlineOrBlank,
  kilobytes,
  lanePriority,
  type NoticeText,
  operationSubject,
  relative,
  revertedAllNotice,
  usd,
  waitingErrorNote,
} from "../format";
import {
  type Attempt,
  cancelOffer,
  cancelRequestOutcome,
  type Change,
  type ChangePlanView,
  childCounts,
  childRetryBlock,
  errorDetails,
  type FrozenPlan,
  frozenPlanInAttemptLog,
  type Job,
  type JobError,
  type JournalDocument,
  type LlmCall,
  isFinalStatus,
  isTooLarge,
  jobMode,
  neverRunsNote,
  noAttemptNote,
  parentState,
  retryable,
  shownProgress,
  timelineEntries,
  unparsedNote,
} from "../model";
import { jobHistoryAddress } from "../routes";
import { ATTEMPT_LIST_LIMIT } from "../stored";
import { CancelButton, CancelOutcome, useCancels } from "../ui/cancel";
import { ViewHeading } from "../ui/focus";
import { cacheOnly, mapLive, useLive, useNotConnected, useNow } from "../ui/live";
import { ActionOutcome, type JobActionOutcome, useJobActionOutcome } from "../ui/outcome";
import { ActionButton, Empty, Json, JobLink, LiveView, NotConnectedNote, Progress, StatusBadge, WaitsForConnection } from "../ui/parts";
import { ChildRetry, type Retries, RetryButton, RetryNotice, useRetry } from "../ui/retry";

export function JobView({ jobId, data, actions }: { jobId: string; data: ConsoleData; actions: OperatorActions }) {
  const job = useLive<Job | null>((l) => data.watchJob(jobId, l), [data, jobId]);
  const attempts = useLive<Bounded<Attempt>>((l) => data.watchAttempts(jobId, l), [data, jobId]);
  const [shownChanges, setShownChanges] = useState(CHANGES_PAGE_SIZE);
  const changes = useLive<Bounded<Change>>((l) => data.watchChanges(jobId, shownChanges, l), [data, jobId, shownChanges]);
  const changesNotConnected = useNotConnected([changes]);
  const revertAll = useRevertAll(actions, jobId, job.state === "ready" && job.value !== null ? [job.value] : []);
  const shownAttempts = attempts.state === "ready" ? attempts.value.items : [];
  const changesView = (jobEnded: boolean, empty: string) => (
    <LiveView live={changes} what="change journal" isEmpty={(c) => c.items.length === 0} empty={empty}>
      {({ items, more }) => {
        // The entries shown are the previous listener's, which had more, until the one reading more answers.
        const loadingMore = more && items.length < shownChanges;
        // Not `disabled`, which would take the focus off the button pressed; nor gone once all are shown, for the same reason.
        const waits = loadingMore || changesNotConnected || !more;
        // Once the job has ended, as each change's Revert, while a change shown is applied: it reverts those not shown too.
        const revertAllOffered = jobEnded && items.some((change) => change.status === "applied");
        return (
          <>
            {(items.length > 1 || revertAllOffered) && (
              <div class="job-header" data-testid="changes-header">
                {items.length > 1 && <p class="muted">Newest first, the order changes are reverted in: last applied, first reverted.</p>}
                {revertAllOffered && <RevertAllButton jobId={jobId} revertAll={revertAll} more={more} />}
              </div>
            )}
            <RevertAllNotice revertAll={revertAll} />
            {items.map((change) => (
              <ChangeDetails key={change.id} change={change} jobEnded={jobEnded} actions={actions} onReverted={revertAll.changeReverted} />
            ))}
            {(more || shownChanges > CHANGES_PAGE_SIZE) && (
              <p class="muted" data-testid="changes-more">
                {/* Said as it changes, the focus staying on Show more. */}
                <span role="status">
                  {more
                    ? `The job wrote more changes than these, its latest ${count(items.length)}.`
                    : `All of the job's ${count(items.length)} changes are shown.`}
                </span>{" "}
                <button
                  type="button"
                  class="secondary small"
                  aria-busy={loadingMore}
                  aria-disabled={waits}
                  onClick={() => !waits && setShownChanges(shownChanges + CHANGES_PAGE_SIZE)}
                >
                  Show more
                </button>{" "}
                {changesNotConnected && more && <WaitsForConnection what="more can be shown" />}
              </p>
            )}
          </>
        );
      }}
    </LiveView>
  );
  const notConnected = useNotConnected([job]);
  const unknownOffline = notConnected && job.state === "ready" && job.value === null;
  // A job the cache does not hold is no proof it does not exist: LiveView says neither while not connected.
  // The page's heading while it has no job document to name the job by (offline, gone, or its read failed).
  const idHeading = (
    <ViewHeading>
      Job <code class="id">{jobId}</code>
    </ViewHeading>
  );
  const gone = (
    // A finished job's record goes after RETAIN_JOBS_DAYS; its changes stay in the journal longer, and can still be reverted.
    <article class="job" data-testid="job-gone">
      {idHeading}
      <p data-testid="job-gone-why">{goneNote(changes.state === "ready" && changes.value.items.length > 0)}</p>
      <section>
        <h2>Change journal</h2>
        {changesView(true, "The journal holds no change by this job.")}
      </section>
    </article>
  );
  return (
    <>
      {/* Neither the job's heading nor the gone view's shows then: the page still names the job it is about. */}
      {(unknownOffline || job.state === "error") && idHeading}
      <NotConnectedNote lives={[job, attempts, changes]} />
      <LiveView live={job} what={`job ${jobId}`} isEmpty={(j) => j === null} empty={gone}>
        {/* Null is the empty state's (gone, above). */}
        {(j) =>
          j && (
            <JobDetails
              job={j}
              attempts={shownAttempts}
              data={data}
              actions={actions}
              attemptsView={
                <>
                  {j.status === "running" && <RunningAttempt job={j} />}
                  <LiveView live={attempts} what="attempts" isEmpty={(a) => a.items.length === 0} empty={noAttemptNote(j)}>
                    {({ items, more }) => (
                      <>
                        {more && (
                          <p class="muted" data-testid="attempts-more">
                            The job has more attempts than these, its latest {ATTEMPTS_LIMIT}: the earlier ones are not shown, here or in
                            the timeline; <a href={jobHistoryAddress(jobId)}>History lists all its runs</a>.
                          </p>
                        )}
                        {items.length > 1 && <p class="muted">Newest first.</p>}
                        {items.map((attempt, i) => (
                          <AttemptDetails key={attempt.id} attempt={attempt} open={i === 0} />
                        ))}
                      </>
                    )}
                  </LiveView>
                </>
              }
              frozenPlanView={
                j.plan_id ? (
                  <FrozenPlanSection key={j.plan_id} data={data} jobId={jobId} planId={j.plan_id} attempts={shownAttempts} />
                ) : null
              }
              changesView={changesView(isFinalStatus(j.status), "This job has written no change to the catalog.")}
            />
          )
        }
      </LiveView>
    </>
  );
}

/** When the engine deletes a finished job's record (the param's value is the deployment's: the console cannot read it). */
const JOB_RETENTION = "when it had been finished for RETAIN_JOBS_DAYS";

/**
 * Why a job's page finds no job: its record was deleted, which the journal's entries of it prove it had, and which
 * keeps them longer; without them it may also never have existed.
 */
export function goneNote(journalHoldsIt: boolean): string {
  return journalHoldsIt
    ? `Its record was deleted ${JOB_RETENTION}. The journal keeps its changes longer (RETAIN_JOURNAL_DAYS): those still applied can be reverted.`
    : `There is no such job: it never existed, or its record was deleted ${JOB_RETENTION}.`;
}

/**
 * What a job's `run_after` is to its facts: when it runs, while it is open; once it has ended, when it was to (a job
 * cancelled before it ran may show a time still to come, which is no longer pending).
 */
export const runAfterFactName = (status: Job["status"]) => (isFinalStatus(status) ? "Was to run after" : "Runs after");

function JobDetails(props: {
  job: Job;
  attempts: Attempt[];
  data: ConsoleData;
  actions: OperatorActions;
  attemptsView: ComponentChildren;
  frozenPlanView: ComponentChildren;
  changesView: ComponentChildren;
}) {
  const { job, actions } = props;
  const now = useNow();
  const retries = useRetry(actions, [job]);
  const cancels = useCancels(actions, [job]);
  const llm = job.llm_usage;
  const cancel = cancelOffer(job);
  const neverRuns = neverRunsNote(job);
  const unparsed = unparsedNote(job);
  const progress = shownProgress(job);
  const children = childCounts(job);
  return (
    <article class="job" data-testid="job-view" data-status={job.status}>
      <header class="job-header">
        <div>
          <ViewHeading>
            {job.type} <StatusBadge status={job.status} />
          </ViewHeading>
          <small class="mono id">{job.id}</small>
        </div>
        <div class="actions">
          {retryable(job) &&
            (job.parent_job_id ? (
              <ChildRetryOnPage job={job} parentId={job.parent_job_id} data={props.data} retries={retries} />
            ) : (
              <RetryButton job={job} retries={retries} />
            ))}
          {cancel === "cancel" && <CancelButton jobId={job.id} cancels={cancels} parent={children !== null} />}
        </div>
      </header>
      <RetryNotice retries={retries} />
      <CancelOutcome cancels={cancels} />
      <dl class="facts">
        <Fact name="Lane · priority" value={lanePriority(job)} />
        <Fact name="Mode" value={jobMode(job) ?? "—"} />
        <Fact name="Attempts" value={`${job.attempts} of ${job.max_attempts ?? "—"}`} />
        <Fact name="Created by" value={job.created_by ?? "—"} />
        <Fact name="Created" value={dateTime(job.created_at)} />
        {/* A job that is not running may have been queued again since (a retry keeps its last start). */}
        <Fact name={job.status === "running" ? "Started" : "Last started"} value={dateTime(job.started_at)} />
        <Fact name="Finished" value={dateTime(job.finished_at)} />
        <Fact name={runAfterFactName(job.status)} value={dateTime(job.run_after)} />
        {job.lease_owner && (
          <Fact name="Lease" value={`${job.lease_owner}, epoch ${job.lease_epoch}, expires ${relative(job.lease_expires_at, now)}`} />
        )}
        {job.parent_job_id && <Fact name="Parent" value={<JobLink id={job.parent_job_id} />} />}
        {job.plan_id && <Fact name="Frozen plan" value={<span class="mono id">{job.plan_id}</span>} />}
        {job.cancel_requested && <Fact name="Cancel" value={cancelRequestOutcome(job)} />}
      </dl>
      {progress && <Progress done={progress.done} total={progress.total} of={`job ${job.id}`} />}
      {job.error && <EngineError error={job.error} note={waitingErrorNote(job)} />}
      {neverRuns && (
        <p class="error-box" data-testid="never-runs">
          {neverRuns}
        </p>
      )}
      {unparsed && (
        <p class="error-box" data-testid="unparsed">
          {unparsed}
        </p>
      )}
      <div class="grid-2">
        <section>
          <h2>Payload</h2>
          <Json value={job.payload} />
        </section>
        <section>
          <h2>Status timeline</h2>
          <Timeline job={job} attempts={props.attempts} />
        </section>
      </div>
      <section>
        <h2>Result</h2>
        {job.result_summary ? (
          <Json value={job.result_summary} />
        ) : (
          <Empty>{isFinalStatus(job.status) ? "None: the job ended without a result." : "No result yet."}</Empty>
        )}
        {llm && llm.calls > 0 && (
          <p data-testid="llm-usage">
            LLM over all attempts: {count(llm.calls)} calls, {count(llm.input_tokens)} input and {count(llm.output_tokens)} output tokens,{" "}
            {usd(llm.estimated_cost_usd)}
          </p>
        )}
        {children && <p data-testid="children">{childrenSummary(children)}</p>}
      </section>
      {props.frozenPlanView}
      <section>
        <h2>Attempts</h2>
        {props.attemptsView}
      </section>
      <section>
        <h2>Change journal</h2>
        {props.changesView}
      </section>
    </article>
  );
}

/**
 * A child job's Retry (`ChildRetry`) as its page reads the parent live: a parent only the cache answers for, holding
 * nothing of it, may have ended (unknown).
 */
function ChildRetryOnPage({ job, parentId, data, retries }: { job: Job; parentId: string; data: ConsoleData; retries: Retries }) {
  const parent = useLive<Job | null>((l) => data.watchJob(parentId, l), [data, parentId]);
  const state = mapLive(parent, (p) => parentState(p, cacheOnly([parent])));
  return (
    <LiveView live={state} what={`parent job ${parentId}`}>
      {(s) => (
        <ChildRetry
          job={job}
          retries={retries}
          parentId={parentId}
          blocked={childRetryBlock(job, s)}
          unknown={
            <small class="muted" data-testid="retry-parent-unknown">
              Retry once the console reconnects: until then it cannot tell whether its parent <JobLink id={parentId} /> has ended.
            </small>
          }
        />
      )}
    </LiveView>
  );
}

/**
 * A job's or an attempt's error: its code and message, and what its details name (`errorDetails`): a list of issues
 * (each field and what is wrong with it), else JSON and a stack; bounded as the page's other JSON. `note`: when the
 * error was true (`waitingErrorNote`).
 */
function EngineError({ error, note = null }: { error: JobError; note?: string | null }) {
  const details = errorDetails(error.details);
  return (
    <div class="error-box" data-testid="engine-error">
      <p>
        <code>{error.code}</code> {error.message}
        {note && <small class="muted"> {note}</small>}
      </p>
      {details &&
        ("issues" in details ? (
          <ul class="issues bounded" data-testid="error-issues">
            {details.issues.map((issue, n) => (
              <li key={n}>
                <code>{issue.path || "(the document)"}</code> {issue.message}
              </li>
            ))}
          </ul>
        ) : (
          <>
            {details.value !== null && <Json value={details.value} />}
            {details.stack !== null && <pre class="json">{details.stack}</pre>}
          </>
        ))}
    </div>
  );
}

function Fact({ name, value }: { name: string; value: ComponentChildren }) {
  return (
    <div>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** Creation, attempts, an operator's retry and the job's end, in time order (`timelineEntries`). */
function Timeline({ job, attempts }: { job: Job; attempts: Attempt[] }) {
  return (
    <ol class="timeline">
      {timelineEntries(job, attempts).map((e, i) => (
        <li key={i}>
          <time>{dateTime(e.at)}</time> {e.text}
        </li>
      ))}
    </ol>
  );
}

/** The attempt in progress: its log is written in one piece when it ends. */
export function RunningAttempt({ job }: { job: Job }) {
  const now = useNow();
  return (
    <p class="attempt running" data-testid="running-attempt">
      Attempt {attemptLabel({ attempt: job.attempts, lease_epoch: job.lease_epoch })} · <StatusBadge status="running" /> ·{" "}
      {job.lease_owner ?? "?"} · started {relative(job.started_at, now)}.{" "}
      <small class="muted">Its pipeline events, plan and LLM calls appear here when it ends.</small>
    </p>
  );
}

function FrozenPlanSection({ data, jobId, planId, attempts }: { data: ConsoleData; jobId: string; planId: string; attempts: Attempt[] }) {
  const frozen = useLive<FrozenPlan | null>((l) => data.watchFrozenPlan(jobId, planId, l), [data, jobId, planId]);
  if (frozen.state === "ready" && frozen.value !== null && frozenPlanInAttemptLog(frozen.value, attempts)) return null;
  return (
    <section data-testid="frozen-plan">
      <h2>Frozen plan</h2>
      <LiveView live={frozen} what={`plan ${planId}`} isEmpty={(p) => p === null} empty={`The plan ${planId} is not stored.`}>
        {(p) => (
          <>
            <p class="muted">
              {planId}, saved {dateTime(p!.saved_at)} by the attempt of epoch {p!.lease_epoch}: the job applies exactly this plan, and an
              operation whose target no longer looks as expected stops it for review.
            </p>
            <PlanTable plan={p!.plan} />
          </>
        )}
      </LiveView>
    </section>
  );
}

function AttemptDetails({ attempt, open }: { attempt: Attempt; open: boolean }) {
  const took = attempt.started_at && attempt.finished_at ? duration(attempt.finished_at.getTime() - attempt.started_at.getTime()) : "—";
  return (
    <details class="attempt" open={open}>
      <summary>
        Attempt <span data-testid="attempt-label">{attemptLabel(attempt)}</span> · <StatusBadge status={attempt.status} /> ·{" "}
        {attempt.worker_id} · {dateTime(attempt.started_at)} · {took}
      </summary>
      {attempt.error && <EngineError error={attempt.error} />}
      <h3>Pipeline events</h3>
      <ListNote what="events" length={attempt.events.length} held={attempt.lists_cut.events} capped />
      {attempt.events.length === 0 ? (
        <Empty>No event recorded.</Empty>
      ) : (
        <div class="overflow-auto">
          <table>
            <tbody>
              {attempt.events.map((e, i) => (
                <tr key={i}>
                  <td class="nowrap">{dateTime(e.at)}</td>
                  <td>
                    <code>{e.event}</code>
                  </td>
                  <td class="mono small">{e.details ? JSON.stringify(e.details) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {attempt.plan && <PlanTable plan={attempt.plan} />}
      <Validation attempt={attempt} />
      <RepairRounds repairs={attempt.repairs} held={attempt.lists_cut.repairs} />
      <LlmCalls calls={attempt.llm_calls} held={attempt.lists_cut.llm_calls} />
      {attempt.apply_result && (
        <>
          <h3>Apply result</h3>
          {isTooLarge(attempt.apply_result) ? (
            <TooLargeNote bytes={attempt.apply_result.too_large.bytes} />
          ) : (
            <Json value={attempt.apply_result} />
          )}
        </>
      )}
    </details>
  );
}

/**
 * A list of an attempt's log that may be missing entries: cut to fit the record (`held`: how many
 * it had), or, for a list the engine caps (`capped`: events and LLM calls), as long as it keeps one.
 */
function ListNote({ what, length, held, capped = false }: { what: string; length: number; held: number | undefined; capped?: boolean }) {
  if (held !== undefined)
    return (
      <p class="muted" data-testid="list-cut">
        The attempt's record was too large to store whole: its first {count(length)} of {count(held)} {what} are kept.
      </p>
    );
  if (!capped || length < ATTEMPT_LIST_LIMIT) return null;
  return (
    <p class="muted" data-testid="list-limit">
      The engine keeps at most {count(ATTEMPT_LIST_LIMIT)} {what} of an attempt: any after these were not kept.
    </p>
  );
}

function PlanTable({ plan }: { plan: ChangePlanView }) {
  return (
    <>
      <h3>Plan{plan.summary ? `: ${plan.summary}` : ""}</h3>
      {plan.truncated && (
        <p class="muted">
          The plan was too large to store ({kilobytes(plan.truncated.bytes)}): its first {plan.operations?.length ?? 0}
          {plan.truncated.operation_count !== null && ` of ${plan.truncated.operation_count}`} operations are shown.
        </p>
      )}
      <div class="overflow-auto">
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>Operation</th>
              <th>Rationale</th>
              <th>Risk</th>
            </tr>
          </thead>
          <tbody>
            {(plan.operations ?? []).map((op, i) => (
              <tr key={i}>
                <td>{i}</td>
                <td>
                  <code>{inlineOrBlank(op.op)}</code> <span class="mono small">{operationSubject(op)}</span>
                </td>
                <td>{inlineOrBlank(op.rationale)}</td>
                <td>{inlineOrBlank(op.risk)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function RepairRounds({ repairs, held }: { repairs: Attempt["repairs"]; held: number | undefined }) {
  if ("too_large" in repairs)
    return (
      <>
        <h3>Repair rounds</h3>
        <TooLargeNote bytes={repairs.too_large.bytes} />
      </>
    );
  if (repairs.length === 0) return null;
  return (
    <>
      <h3>Repair rounds</h3>
      <ListNote what="repair rounds" length={repairs.length} held={held} />
      <table>
        <thead>
          <tr>
            <th>Round</th>
            <th>Errors given</th>
            <th>Operations returned</th>
            <th>Errors after</th>
          </tr>
        </thead>
        <tbody>
          {repairs.map((r) => (
            <tr key={r.round}>
              <td>{r.round}</td>
              <td>{r.errors.map((e) => e.code).join(", ")}</td>
              <td>{r.operations_returned}</td>
              <td>{r.errors_after ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** An attempt's validation: passed or its errors, with its warnings, each issue named an error or a warning. */
export function Validation({ attempt }: { attempt: Attempt }) {
  const v = attempt.validation;
  if (!v) return null;
  if ("too_large" in v)
    return (
      <>
        <h3>Validation</h3>
        <TooLargeNote bytes={v.too_large.bytes} />
      </>
    );
  const issues = [...v.errors.map((i) => ({ ...i, level: "error" })), ...v.warnings.map((i) => ({ ...i, level: "warning" }))];
  const warnings = v.warnings.length > 0 ? `, ${counted(v.warnings.length, "warning")}` : "";
  return (
    <>
      <h3>
        Validation: {v.ok ? "passed" : counted(v.errors.length, "error")}
        {warnings}
      </h3>
      {issues.length > 0 && (
        // Each issue says its level in words: its colour alone would not tell an error from a warning.
        <ul class="issues">
          {issues.map((i, n) => (
            <li key={n} class={i.level}>
              <strong>{i.level}:</strong> <code>{i.code}</code> {i.message}
              {i.operation_index !== null && ` (operation ${i.operation_index}, ${i.path})`}
              {i.suggestion && <small> suggestion: {i.suggestion}</small>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function LlmCalls({ calls, held }: { calls: LlmCall[]; held: number | undefined }) {
  if (calls.length === 0) return null;
  const total = (key: "input_tokens" | "output_tokens" | "estimated_cost_usd") => calls.reduce((sum, c) => sum + c[key], 0);
  return (
    <>
      <h3>LLM calls</h3>
      <ListNote what="LLM calls" length={calls.length} held={held} capped />
      <div class="overflow-auto">
        <table>
          <thead>
            <tr>
              <th>Task</th>
              <th>Model</th>
              <th title="billed model calls, retries included">Model calls</th>
              <th>Input tokens</th>
              <th>Output tokens</th>
              <th>Latency</th>
              <th>Cost</th>
            </tr>
          </thead>
          <tbody>
            {calls.map((c, i) => (
              <tr key={i}>
                <td>{c.task}</td>
                <td class="mono">{c.model}</td>
                <td>{c.calls === undefined ? <span class="muted">—</span> : count(c.calls)}</td>
                <td>{count(c.input_tokens)}</td>
                <td>{count(c.output_tokens)}</td>
                <td>{duration(c.latency_ms)}</td>
                <td>{usd(c.estimated_cost_usd)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th colSpan={2}>{calls.length} requests</th>
              <th>{count(calls.reduce((sum, c) => sum + (c.calls ?? 0), 0))}</th>
              <th>{count(total("input_tokens"))}</th>
              <th>{count(total("output_tokens"))}</th>
              <th />
              <th>{usd(total("estimated_cost_usd"))}</th>
            </tr>
          </tfoot>
        </table>
      </div>
    </>
  );
}

/**
 * Revert all of a job's changes: what the last one did, and its error, kept by the view (ui/outcome.tsx), not by the
 * button, which goes once the changes shown are reverted while the engine may still be reverting older ones, not shown.
 */
interface RevertAll extends JobActionOutcome {
  run: () => Promise<void>;
  notice: NoticeText | null;
  /**
   * A change of the job was reverted on its own since: the last Revert all's failure, which named its changes as they
   * were ("1 left (c1)", "change c1 cannot be reverted"), is forgotten.
   */
  changeReverted: () => void;
}

/** `seen`: the job, once the page reads it (none when its record is gone). */
function useRevertAll(actions: OperatorActions, jobId: string, seen: readonly Job[]): RevertAll {
  const [notice, setNotice] = useState<NoticeText | null>(null);
  const kept = useJobActionOutcome(seen);
  const run = () => {
    setNotice(null);
    return kept.run(jobId, async () => setNotice({ text: revertedAllNotice(jobId, await actions.revertJob(jobId)), ids: [jobId] }));
  };
  return { run, notice, failure: kept.failure, outcome: kept.outcome, changeReverted: kept.forget };
}

/**
 * Reverts all of the job's applied changes, newest first, or none when the engine finds one of them would be refused:
 * one by one, a change reverted could leave another refused, the job half reverted. Its confirmation says so, and, when
 * the journal shows only the latest of them (`more`), that those not shown go too.
 */
export function RevertAllButton({ jobId, revertAll, more }: { jobId: string; revertAll: RevertAll; more: boolean }) {
  return (
    <ActionButton
      label="Revert all"
      confirm="Confirm revert all"
      subject={`changes of job ${jobId}`}
      scope={`Every change of the job still applied is reverted, newest first${more ? ", those not shown here too" : ""}.`}
      variant="contrast"
      run={revertAll.run}
      focusAfter={revertAll.outcome}
    />
  );
}

/** What the last Revert all did, or its error: stays when the button goes, and focus moves here once it is done. */
export function RevertAllNotice({ revertAll }: { revertAll: RevertAll }) {
  return <ActionOutcome name="revert-all" verb="Revert all" notice={revertAll.notice} kept={revertAll} />;
}

/**
 * A change can be reverted once its job has ended: a job still open may apply it again (its frozen plan).
 * `onReverted`: told once its Revert is done.
 */
function ChangeDetails(props: { change: Change; jobEnded: boolean; actions: OperatorActions; onReverted: () => void }) {
  const { change, jobEnded, actions } = props;
  // Where focus goes once a revert is done, its button replaced by the status: announced when it changes.
  const status = useRef<HTMLSpanElement>(null);
  return (
    <article class="change" data-change={change.id} data-status={change.status}>
      <header class="job-header">
        <div>
          <code>{change.op}</code>{" "}
          <span ref={status} tabIndex={-1} aria-live="polite" data-testid="change-status">
            <StatusBadge status={change.status} />
          </span>{" "}
          <small class="muted">{change.rationale}</small>
          <div>
            <small class="mono id">{change.id}</small> · <small>{dateTime(change.applied_at)}</small>
            {change.reverted_at && <small> · reverted {dateTime(change.reverted_at)}</small>}
          </div>
        </div>
        {change.status === "applied" &&
          (jobEnded ? (
            <ActionButton
              label="Revert"
              confirm="Confirm revert"
              subject={`change ${change.id}`}
              variant="contrast"
              run={async () => {
                await actions.revertChange(change.id);
                props.onReverted();
              }}
              focusAfter={status}
              failure={(err) => actionFailure(err, "the change")}
            />
          ) : (
            <small class="muted" data-testid="revert-after-job">
              revertible once the job has ended
            </small>
          ))}
      </header>
      {change.documents.map((d) => (
        <DocumentDiff key={`${d.collection}/${d.id}`} document={d} />
      ))}
    </article>
  );
}

function valueAt(data: Record<string, unknown> | null, path: string): unknown {
  let value: unknown = data ?? undefined;
  for (const key of path.split(".")) value = value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** Before and after of every changed field of one document. */
function DocumentDiff({ document: d }: { document: JournalDocument }) {
  const kind = d.before === null ? "created" : d.after === null ? "deleted" : "changed";
  return (
    <div class="diff">
      <p>
        <span class="mono id">
          {d.collection}/{d.id}
        </span>{" "}
        <small class="muted">{kind}</small>
      </p>
      <div class="overflow-auto">
        <table>
          <thead>
            <tr>
              <th>Field</th>
              <th>Before</th>
              <th>After</th>
            </tr>
          </thead>
          <tbody>
            {d.changed_paths.map((path) => (
              <tr key={path}>
                <td class="mono">{path}</td>
                <td class="before">{inline(valueAt(d.before, path))}</td>
                <td class="after">{inline(valueAt(d.after, path))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** An attempt's field the engine did not keep, being over its size limit: only its size was stored. */
function TooLargeNote({ bytes }: { bytes: number }) {
  return <p class="muted">Too large to store ({kilobytes(bytes)}): the engine kept only its size.</p>;
}
