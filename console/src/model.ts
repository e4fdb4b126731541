/**
 * The engine's documents as the console reads them (SPEC §2). Timestamps arrive as Firestore
 * Timestamps; the data module turns them into Dates so views never see SDK types.
 */

/** Where the documents below live (the engine's JOB_COLLECTIONS and APPLY_COLLECTIONS). */
export const COLLECTIONS = {
  jobs: "catalog_jobs",
  /** `catalog_jobs/{id}/attempts` */
  attempts: "attempts",
  /** `catalog_jobs/{id}/plans/{plan_id}` */
  plans: "plans",
  changes: "catalog_changes",
  runSummaries: "catalog_run_summaries",
  dailySummaries: "catalog_daily_summaries",
  /** `catalog_daily_summaries/{day}/shards` */
  dailyShards: "shards",
} as const;

/** The custom claim curators carry (the engine's CURATOR_CLAIM): the console shows engine data and actions to them only. */
export const CURATOR_CLAIM = "catalog_admin";

/** What makes a curator, as the rules and the callables judge it (`curatorLacks`). */
export type CuratorRequirement = "claim" | "verified email";

/**
 * What a token's claims lack to make a curator, as the rules and the callables judge it: the claim, and a verified
 * email (an unverified address may belong to whoever registered it first); nothing for a curator's.
 */
export function curatorLacks(claims: Record<string, unknown>): CuratorRequirement[] {
  return [
    ...(claims[CURATOR_CLAIM] === true ? [] : (["claim"] as const)),
    ...(claims.email_verified === true ? [] : (["verified email"] as const)),
  ];
}

/** The engine's TASKS_LOCATION default: the region of its functions, the console's callables among them. */
export const DEFAULT_FUNCTIONS_REGION = "us-central1";

/** How long the engine lets its curator callables (retry, cancel, revert) run: its CURATOR_ACTION_TIMEOUT_SECONDS. */
export const CURATOR_ACTION_TIMEOUT_SECONDS = 540;

export const LANES = ["priority", "maintenance"] as const;
export type Lane = (typeof LANES)[number];

/**
 * A lease takes a waiting job straight to `running` (functions/src/jobs/lifecycle.ts).
 * @public (the engine's wiring tests read what only this file uses)
 */
export const OPEN_STATUSES = ["queued", "running", "deferred"] as const;
/** @public (as above) */
export const FINAL_STATUSES = ["succeeded", "succeeded_dry_run", "needs_review", "deadletter", "failed", "cancelled"] as const;
export const JOB_STATUSES = [...OPEN_STATUSES, ...FINAL_STATUSES] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Whether the job has ended (it stays so until a retry). */
export const isFinalStatus = (status: JobStatus): boolean => (FINAL_STATUSES as readonly JobStatus[]).includes(status);

/** Statuses that need a person's attention. */
export const FAILURE_STATUSES: readonly JobStatus[] = ["failed", "deadletter", "needs_review"];
/** A worker holds a job in these (the engine's WORKER_STATUSES); the other open ones wait. */
export const WORKER_STATUSES: readonly JobStatus[] = ["running"];
export const WAITING_STATUSES = OPEN_STATUSES.filter((status) => !WORKER_STATUSES.includes(status));
/**
 * What the engine lets an operator retry or cancel (functions/src/jobs/lifecycle.ts). A cancel
 * stops a waiting job at once; a running job, or one with a frozen plan, finishes that plan first.
 * @public (the engine's wiring tests read what only this file uses)
 */
export const RETRYABLE_STATUSES: readonly JobStatus[] = ["failed", "needs_review", "deadletter", "cancelled"];
/** @public (as above) */
export const CANCELLABLE_STATUSES: readonly JobStatus[] = [...OPEN_STATUSES];

/**
 * Whether intake refused the job (INVALID_JOB, DUPLICATE_JOB), or a scheduled scan's producer did as intake would
 * (CONFIG_INVALID: a param of the run does not parse). Such a document never got the fields intake gives a job it
 * takes in (`run_after` among them), so the engine cannot parse it and refuses to retry it. (A job that ran and
 * asked for an invalid follow-up ends INVALID_JOB too, and can be retried; one cancelled before intake has no error.)
 */
export function rejectedAtIntake(job: Pick<Job, "error" | "run_after">): boolean {
  return neverTakenIn(job) && job.error !== null;
}

/** Intake refused it, or it was cancelled before intake and its request does not pass validation: nothing the engine can retry. */
function neverTakenIn(job: Pick<Job, "run_after">): boolean {
  return job.run_after === null;
}

/**
 * The errors the engine's poll fails a waiting job with when its stored document no longer parses (JobQueue's
 * rejectUnreadable): its type has no handler since a deploy (a code only a job of such a type gets), or its payload no
 * longer passes validation (INVALID_JOB in these words: an invalid follow-up ends INVALID_JOB too, and is retried).
 * The poll sets no field of its own, so its error tells.
 */
const UNSUPPORTED_TYPE = "UNSUPPORTED_JOB_TYPE";
const NO_LONGER_VALID = { code: "INVALID_JOB", message: "the stored job no longer passes validation" };
/** The engine's refusal of their retry (JobQueue's unparsedReason, for a job intake took in). */
const UNPARSED_REFUSAL = "the job document no longer parses";

/**
 * Whether the engine failed the job, once taken in, because its stored document no longer parses: until a deploy
 * accepts it again the engine refuses its retry, and the console cannot tell when one has.
 */
function unparsedByEngine(job: Pick<Job, "run_after" | "error">): boolean {
  const { error } = job;
  if (error === null || neverTakenIn(job)) return false;
  return error.code === UNSUPPORTED_TYPE || (error.code === NO_LONGER_VALID.code && error.message === NO_LONGER_VALID.message);
}

/** What of an unparsed job (`unparsedByEngine`) a deploy must accept again. */
const unparsedPart = ({ error }: Pick<Job, "error">) => (error?.code === UNSUPPORTED_TYPE ? "type" : "payload");

/** Whether the engine would retry the job now (its dedup key aside, which only the engine can check). */
export function retryable(job: Pick<Job, "status" | "run_after" | "error">): boolean {
  return RETRYABLE_STATUSES.includes(job.status) && !neverTakenIn(job) && !unparsedByEngine(job);
}

/**
 * Why the queue's failures list offers no Retry for a failed job, or null when it offers one: exactly when the
 * job page does (`retryable`). A failed job the engine will not retry was never taken in, and a new job must be written
 * unless its refusal says what to do instead (`error.details.instead`); or the engine failed it because its document no
 * longer parses (`unparsedNote`). In the words of the engine's refusal of its retry (JobQueue's unparsedReason).
 */
export function noRetryNote(job: Pick<Job, "status" | "run_after" | "error">): string | null {
  if (retryable(job)) return null;
  if (unparsedByEngine(job))
    return `${UNPARSED_REFUSAL}: retry with the CLI once a deploy accepts its ${unparsedPart(job)} again, or write a new job`;
  if (!rejectedAtIntake(job)) return "never taken in: write a new job";
  const details = job.error?.details;
  const instead = typeof details === "object" && details !== null && "instead" in details ? details.instead : undefined;
  return typeof instead === "string"
    ? `refused by the run that made it, as ${job.error?.code}: ${instead}`
    : `rejected at intake as ${job.error?.code}: write a new job`;
}

/**
 * Why a job that ended before intake took it in never runs, and why it offers no Retry; null for any other job. One
 * cancelled before intake with a request that does not pass validation has no error to say so: the cancel clears it.
 */
export function neverRunsNote(job: Pick<Job, "status" | "run_after" | "error">): string | null {
  if (!isFinalStatus(job.status) || !neverTakenIn(job)) return null;
  const why = rejectedAtIntake(job)
    ? `Intake rejected this job as ${job.error?.code}, so it never ran and never will: fix what its error names.`
    : "This job was cancelled before intake took it in, and its request does not pass validation (a valid one is taken in by the cancel), so it never ran and never will.";
  return `${why} Retry is not offered: the engine cannot parse a job it never took in, and refuses ("${noRetryNote(job)}").`;
}

/**
 * Why a job the engine failed because its stored document no longer parses (`unparsedByEngine`) offers no Retry; null
 * for any other job. The console cannot tell when a deploy accepts the job again, so it offers none even then.
 */
export function unparsedNote(job: Pick<Job, "id" | "run_after" | "error">): string | null {
  if (!unparsedByEngine(job)) return null;
  const part = unparsedPart(job);
  const why = part === "type" ? "its type has no handler" : "its payload no longer passes validation";
  return (
    `The engine can no longer parse this job's stored document (${why}), so it failed the job. Retry is not offered: the engine ` +
    `refuses it ("${UNPARSED_REFUSAL}") until a deploy accepts its ${part} again (then retry it with the CLI: retry ${job.id}); ` +
    "otherwise write a new job."
  );
}

/**
 * Why the job page lists no attempt log for a job: none started yet, or none ended besides the running one (which
 * writes its log when it ends), or it was cancelled before it ran; a job that has run or has ended otherwise without a
 * log has none stored.
 */
export function noAttemptNote(job: Pick<Job, "id" | "status" | "attempts" | "run_after" | "error">): string {
  if (neverRunsNote(job)) return "None: intake never took this job in (see above).";
  if (unparsedNote(job)) return "None: the engine failed it before it ran (see above).";
  const running = WORKER_STATUSES.includes(job.status);
  // The running attempt is counted in `attempts`.
  const ranBefore = job.attempts > (running ? 1 : 0);
  // Its lease would have counted an attempt: a retry's reset or a deferral's refund of the count leaves earlier logs listed.
  if (job.status === "cancelled" && job.attempts === 0) return "None: this job was cancelled before it ran.";
  if (ranBefore || isFinalStatus(job.status)) return "No attempt log is stored for this job.";
  return running ? "No earlier attempt." : "No attempt has started yet.";
}

/**
 * What the console knows of a child job's parent: `open`, `stopping` (open, asked to stop and not stopped yet:
 * `cancelPending`), `ended` (a final status), `gone` (its record was deleted, RETAIN_JOBS_DAYS after it ended) or
 * `unknown`. A parent that has ended counts none of its children's new outcomes (the engine's recordChildFinished
 * answers `parent_closed`), so a child retried on its own would stay failed in its parent's result for good: the
 * parent is retried instead, which requeues its unsuccessful children and finishes over their new outcomes. A parent
 * still stopping cancels a child queued again at its lease, unrun (`stoppingParentRefusesRetry`).
 */
export type ParentState = "open" | "stopping" | "ended" | "gone" | "unknown";

/** What a child's retry reads of its parent (`parentState`). */
export type ParentFacts = Pick<Job, "status" | "cancel_requested" | "plan_id">;

/**
 * A parent as its own document reads (null when there is none), and whether only the SDK's cache gave that answer:
 * a parent the cache does not hold may well exist, and have ended.
 */
export function parentState(parent: ParentFacts | null, fromCache: boolean): ParentState {
  if (parent === null) return fromCache ? "unknown" : "gone";
  if (isFinalStatus(parent.status)) return "ended";
  return cancelPending(parent) ? "stopping" : "open";
}

/**
 * Why a child job offers no Retry on account of its parent (`parentState`), or null when it offers one: its parent
 * has ended, is still stopping and would cancel the retried child (the engine refuses that retry), or is unknown.
 */
export function childRetryBlock(
  child: Pick<Job, "status" | "error" | "plan_id" | "shards">,
  parent: ParentState,
): Exclude<ParentState, "open" | "gone"> | null {
  if (parent === "ended" || parent === "unknown") return parent;
  return parent === "stopping" && stoppingParentRefusesRetry(child) ? "stopping" : null;
}

/**
 * Whether the run an operator's retry queued has ended, as `job` reads now. The retry moves the job's lease epoch on
 * from `retriedAtEpoch`, the one it had when Retry was pressed: a final status at a later epoch is that run's end; at
 * that epoch the job still reads as it was before the retry.
 */
export function retriedRunEnded(retriedAtEpoch: number, job: JobMoment): boolean {
  return job.lease_epoch > retriedAtEpoch && isFinalStatus(job.status);
}

/**
 * Whether the job, as `job` reads now, has run since an operator's retry queued it: the retry moved its lease epoch on
 * by one from `retriedAtEpoch`, and only a lease (a run starting) moves it on again. A job cancelled while it waited
 * (or failed by the poll, its document no longer parsing) has ended without running.
 */
export function ranSinceRetry(retriedAtEpoch: number, job: Pick<Job, "lease_epoch">): boolean {
  return job.lease_epoch > retriedAtEpoch + 1;
}

/**
 * Whether the job has moved on from the end of the run an operator's retry queued (that run ended at lease epoch
 * `endedAt`): only a later retry, someone else's, takes an ended job on, queued again and then leased past it.
 */
export function movedPastRetriedRun(endedAt: number, job: JobMoment): boolean {
  return job.lease_epoch > endedAt || !isFinalStatus(job.status);
}

/** What of a job tells whether it has moved on: its status, and its lease epoch, which a lease, a retry and a recovery move on. */
export type JobMoment = Pick<Job, "status" | "lease_epoch">;

/** `job`'s moment, kept apart from the job document it was read from. */
export function momentOf(job: JobMoment): JobMoment {
  return { status: job.status, lease_epoch: job.lease_epoch };
}

/**
 * Whether the job has moved on (`now`) from how it read once an action on it had failed (`then`), so that the failure
 * no longer tells of it: its lease epoch moved on, or its status changed, but to `madeByIt`, a status the failed action
 * may have given the job itself, which the view may hear of after the failure came (a cancel whose children were not
 * all cancelled has cancelled the job).
 */
export function movedOnSinceFailure(then: JobMoment, now: JobMoment, madeByIt?: JobStatus): boolean {
  return now.lease_epoch !== then.lease_epoch || (now.status !== then.status && now.status !== madeByIt);
}

/** A cancel's answer, and the job as it read when Cancel was pressed (null: the view did not hold it). */
export interface AnsweredCancel {
  jobId: string;
  answer: CancelAnswer;
  pressed: JobMoment | null;
}

/**
 * Whether the job a cancel answered for has moved on from the status the answer gave (a job asked to stop has
 * ended, a cancelled one was retried), so what the cancel did no longer describes it. The job as it read at the
 * press is not: the listener may hear of the cancel after the callable's answer came.
 */
export function cancelledJobMovedOn(answered: AnsweredCancel, job: Pick<Job, "id" | "status" | "lease_epoch">): boolean {
  if (job.id !== answered.jobId || job.status === answered.answer.status) return false;
  const { pressed } = answered;
  return pressed === null || job.status !== pressed.status || job.lease_epoch > pressed.lease_epoch;
}

type CancelFacts = Pick<Job, "status" | "cancel_requested" | "plan_id"> & Partial<Pick<Job, "shards">>;

/**
 * A waiting job whose cancel does not end it (JobQueue's `settlesItsCancel`): one that froze its plan
 * finishes it, a parent whose children all exist (`shards.total`) settles over them.
 */
function settlesItsCancel(job: Pick<CancelFacts, "plan_id" | "shards">): boolean {
  return job.plan_id !== null || typeof job.shards?.total === "number";
}

/**
 * A job asked to stop that has not stopped yet and will: open, its cancel requested, no frozen plan (JobQueue's
 * `cancelPending`, functions/src/jobs/queue.ts). Such a parent cancels a child of its own at the child's lease.
 */
function cancelPending(job: ParentFacts): boolean {
  return !isFinalStatus(job.status) && job.cancel_requested && job.plan_id === null;
}

/**
 * The codes of a needs_review job whose retry resumes its frozen plan (the engine's RESUME_PLAN_ON_RETRY, functions/src/jobs/outcomes.ts).
 * @public (the engine's wiring tests read what only this file uses)
 */
export const RESUME_PLAN_ON_RETRY: readonly string[] = ["APPLY_DISABLED", "PARTIALLY_APPLIED"];

/**
 * Whether the engine refuses to retry a child while its parent is still stopping (JobQueue's `retryable`): the
 * parent's cancel would cancel it at its lease, unrun, unless the retry leaves it settling its cancel itself
 * (`settlesItsCancel`): it resumes its frozen plan (a deadletter job's, or one handed to a person part-way), while the
 * plan is stored (the console cannot tell when it expired: the engine's refusal says so then), or has children.
 */
function stoppingParentRefusesRetry(child: Pick<Job, "status" | "error" | "plan_id" | "shards">): boolean {
  const resumesPlan =
    child.status === "deadletter" || (child.status === "needs_review" && RESUME_PLAN_ON_RETRY.includes(child.error?.code ?? ""));
  return !settlesItsCancel({ plan_id: resumesPlan ? child.plan_id : null, shards: child.shards });
}

/**
 * What a curator can do to stop an open job (JobQueue.cancelJob): a job a worker holds, or one that
 * settles its cancel itself, is only asked to stop, so once asked it shows the request ("requested"); any
 * other open job is cancelled at once, a waiting one a client already asked to cancel included ("cancel").
 * Null when the job has ended.
 */
export function cancelOffer(job: CancelFacts): "cancel" | "requested" | null {
  if (!CANCELLABLE_STATUSES.includes(job.status)) return null;
  const onlyAsks = WORKER_STATUSES.includes(job.status) || settlesItsCancel(job);
  return job.cancel_requested && onlyAsks ? "requested" : "cancel";
}

/**
 * What became, or becomes, of a job's cancel request. The engine keeps `cancel_requested` and `plan_id` when the
 * job ends, so a job that ended other than cancelled says the request came too late.
 */
export function cancelRequestOutcome(job: CancelFacts): string {
  if (job.status === "cancelled") return "requested";
  if (isFinalStatus(job.status)) {
    const why = job.plan_id
      ? "the job had already frozen its plan"
      : settlesItsCancel(job)
        ? "the children its cancel could stop had all run"
        : "the job ended before it could stop";
    return `requested too late: ${why}; its outcome was kept`;
  }
  if (job.plan_id) return "requested (the frozen plan is finished first)";
  if (settlesItsCancel(job)) return "requested (its next run settles it over its children)";
  return cancelOffer(job) === "cancel" ? "requested (it is cancelled instead of run)" : "requested";
}

/** What the engine's retryJob callable answers (RetryResult, functions/src/adapters/operator-actions.ts). */
export interface RetryAnswer {
  /** A parent's unsuccessful children queued again with it (its succeeded ones are kept). */
  children_requeued: number;
  /** False when its wake-up task was not sent: the job waits for a wake-up that drains its lane past it, or the watchdog. */
  wakeup_sent: boolean;
  /** The frozen plan the job resumes, or null when it plans again (absent from an engine deployed before it said so). */
  resumes_plan?: string | null;
}

/** What the engine's cancelJob callable answers (CancelResult, functions/src/adapters/operator-actions.ts). */
export interface CancelAnswer {
  status: JobStatus;
  /**
   * True when the job was running, had frozen its plan or is a parent waiting for the children it has all
   * made: it is only asked to stop (a frozen plan is finished first; such a parent settles over its children).
   */
  cancel_requested: boolean;
}

/** What the engine's revertJob callable answers (RevertJobResult, functions/src/adapters/operator-actions.ts). */
export interface RevertJobAnswer {
  /** How many of the job's changes it reverted, newest first (none: the job had no applied change left). */
  reverted: number;
  /** How many of them had been reverted before (one by one, or by a Revert all stopped part-way). */
  already_reverted: number;
}

/** How an attempt ended: the job's status after it, or `lease_expired` when the watchdog closed it. */
export const ATTEMPT_STATUSES = [...JOB_STATUSES.filter((s) => s !== "running"), "lease_expired"] as const;
export type AttemptStatus = JobStatus | "lease_expired";

export const JOB_TYPES = [
  "MAINTENANCE_SCAN",
  "DUPLICATE_DETECTION_SCAN",
  "ALIAS_INVARIANT_SCAN",
  "QUALITY_SCAN",
  "FAMILY_AUDIT",
  "FAMILY_NORMALIZE",
  "FAMILY_MERGE",
  "FAMILY_SPLIT",
  "FAMILY_RENAME_SLUG",
  "EXERCISE_ADD",
  "TARGETED_FIX",
  "ALIAS_REPAIR",
  "CATALOG_ENRICH_FIELD",
  "CATALOG_ENRICH_FIELD_SHARD",
  "SCHEMA_CLEANUP",
] as const;

export interface JobError {
  code: string;
  message: string;
  transient?: boolean;
  details?: unknown;
}

export interface LlmUsage {
  calls: number;
  input_tokens: number;
  output_tokens: number;
  estimated_cost_usd: number;
}

export interface Job {
  id: string;
  type: string;
  /** Null, as `priority` and `max_attempts`, for a job intake never took in: it writes them. */
  queue: Lane | null;
  priority: number | null;
  status: JobStatus;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number | null;
  run_after: Date | null;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  lease_epoch: number;
  created_at: Date | null;
  updated_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  created_by: string | null;
  error: JobError | null;
  result_summary: Record<string, unknown> | null;
  progress: { done: number; total: number } | null;
  parent_job_id: string | null;
  shards: Record<string, unknown> | null;
  cancel_requested: boolean;
  /** The frozen plan the job committed to (`plans/{plan_id}`), once it is about to apply one. */
  plan_id: string | null;
  /** LLM usage summed over the job's finished attempts. */
  llm_usage: LlmUsage | null;
  /** When an operator's retry last queued the job again (a parent's retry queues its children so too); null if none has. */
  requeued_at: Date | null;
}

/**
 * The lanes the queue counts jobs in: LANES, and none (null) when some of `jobs` has no lane, intake not having taken
 * it in (not yet, or rejected or cancelled before it): such a job still counts by its status, as the lists show it.
 */
export function countedLanes(jobs: readonly Pick<Job, "queue">[]): (Lane | null)[] {
  return jobs.some((job) => job.queue === null) ? [...LANES, null] : [...LANES];
}

/**
 * The mode a job runs in: its payload's, or the engine's default (dry_run) for one intake took in; null for a job it
 * never took in, which runs in none.
 */
export function jobMode(job: Pick<Job, "payload" | "run_after">): string | null {
  if (typeof job.payload.mode === "string") return job.payload.mode;
  return neverTakenIn(job) ? null : "dry_run";
}

/** A parent's counts of its children (the engine's ChildCounts, `shards`): a child is counted once it has ended. */
export interface ChildCounts {
  /** How many children it made, once it has made them all (null until then). */
  total: number | null;
  done: number;
  succeeded: number;
  /** Those that ended other than succeeded: cancelled ones included. */
  failed: number;
}

/** A job's counts of its children; null for a job that has none. */
export function childCounts(job: Pick<Job, "shards">): ChildCounts | null {
  const { shards } = job;
  if (shards === null) return null;
  const counted = (value: unknown) => (typeof value === "number" ? value : 0);
  return {
    total: typeof shards.total === "number" ? shards.total : null,
    done: counted(shards.done),
    succeeded: counted(shards.succeeded),
    failed: counted(shards.failed),
  };
}

/**
 * The progress a job's page shows: a parent's counts of its children once it knows how many it made, which move on
 * as each child ends (the progress it reports is its last check's), else the progress its attempt reports.
 */
export function shownProgress(job: Pick<Job, "progress" | "shards">): { done: number; total: number } | null {
  const children = childCounts(job);
  return children !== null && children.total !== null ? { done: children.done, total: children.total } : job.progress;
}

/** One problem an error's details name: a field's path and what is wrong with it (intake's validation issues). */
export interface DetailIssue {
  path: string;
  message: string;
}

/**
 * How an error's details read: a list of issues when they are one (intake's `INVALID_JOB` names each field that
 * does not pass validation so), else the value itself (the locks held, the children missing…), the stack a curators'
 * record adds to it (an attempt's, a run's) apart, to read line by line; null when there are none.
 */
export function errorDetails(details: unknown): { issues: DetailIssue[] } | { value: unknown; stack: string | null } | null {
  if (details === undefined || details === null) return null;
  if (typeof details === "object" && Object.keys(details).length === 0) return null;
  const isIssue = (item: unknown): item is DetailIssue =>
    typeof item === "object" &&
    item !== null &&
    "path" in item &&
    typeof item.path === "string" &&
    "message" in item &&
    typeof item.message === "string";
  if (Array.isArray(details) && details.every(isIssue)) return { issues: details.map(({ path, message }) => ({ path, message })) };
  if (typeof details === "object" && "stack" in details && typeof details.stack === "string") {
    const { stack, ...rest } = details;
    return { value: Object.keys(rest).length > 0 ? rest : null, stack };
  }
  return { value: details, stack: null };
}

export interface PipelineEvent {
  at: Date | null;
  event: string;
  details?: Record<string, unknown>;
}

/** One request to the LLM client, as an attempt log lists it. */
export interface LlmCall {
  task: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  latency_ms: number;
  /** Model calls billed for it (its retries too; 0 when it reached no model); absent in logs written before it was recorded. */
  calls?: number;
  estimated_cost_usd: number;
}

export interface ValidationIssue {
  code: string;
  message: string;
  operation_index: number | null;
  path: string;
  suggestion?: string;
}

export interface RepairRound {
  round: number;
  errors: ValidationIssue[];
  operations_returned: number;
  errors_after: number | null;
}

export interface ChangePlanView {
  summary?: string;
  operations?: Record<string, unknown>[];
  /** Set when the plan was too large to store: `operations` holds its first ones (see `TooLarge`). */
  truncated?: { bytes: number; operation_count: number | null };
}

/** What the engine stores instead of an attempt's field over 200 kB, or one the document had no room for (functions/src/jobs/attempt-log.ts). */
export interface TooLarge {
  too_large: { bytes: number };
}

/** Whether a free-form field of an attempt's log (its apply result) is what stands for one the engine did not keep. */
export const isTooLarge = (value: object): value is TooLarge => "too_large" in value;

/** An attempt's log, written once when the attempt ends (`catalog_jobs/{jobId}/attempts/{leaseEpoch}`). */
export interface Attempt {
  id: string;
  attempt: number;
  worker_id: string;
  lease_epoch: number;
  started_at: Date | null;
  finished_at: Date | null;
  status: AttemptStatus;
  plan: ChangePlanView | null;
  validation: { ok: boolean; errors: ValidationIssue[]; warnings: ValidationIssue[] } | TooLarge | null;
  repairs: RepairRound[] | TooLarge;
  apply_result: Record<string, unknown> | TooLarge | null;
  llm_calls: LlmCall[];
  events: PipelineEvent[];
  /** Lists the engine cut to fit the record under Firestore's limit, by how many entries they held. */
  lists_cut: Partial<Record<AttemptList, number>>;
  error: JobError | null;
}

/**
 * The attempt log's lists: the engine may cut any of them to fit the record (attempt-log.ts halves the largest part
 * that is a list), so a list that comes to the log is one `lists_cut` may name.
 */
type AttemptList = {
  [K in keyof Omit<Attempt, "lists_cut">]-?: [Extract<Attempt[K], readonly unknown[]>] extends [never] ? never : K;
}[keyof Omit<Attempt, "lists_cut">];

/** One line of a job's status timeline. */
interface TimelineEntry {
  at: Date | null;
  text: string;
}

/**
 * A job's status timeline, in time order: its creation, the start and end of each of `attempts` (those the page reads),
 * the running attempt's start, an operator's retry that queued it again (the latest: the job keeps only its time), and
 * its end, or its status now.
 */
export function timelineEntries(
  job: Pick<
    Job,
    | "created_at"
    | "created_by"
    | "status"
    | "attempts"
    | "started_at"
    | "lease_owner"
    | "lease_epoch"
    | "requeued_at"
    | "finished_at"
    | "updated_at"
  >,
  attempts: readonly Pick<Attempt, "attempt" | "worker_id" | "lease_epoch" | "started_at" | "finished_at" | "status" | "error">[],
): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ at: job.created_at, text: `created by ${job.created_by ?? "?"}` }];
  for (const a of attempts) {
    entries.push({ at: a.started_at, text: `attempt ${a.attempt} started on ${a.worker_id} (epoch ${a.lease_epoch})` });
    if (a.finished_at)
      entries.push({ at: a.finished_at, text: `attempt ${a.attempt} ended ${a.status}${a.error ? ` (${a.error.code})` : ""}` });
  }
  if (job.requeued_at) entries.push({ at: job.requeued_at, text: "queued again (retry)" });
  if (job.status === "running") {
    entries.push({ at: job.started_at, text: `attempt ${job.attempts} started on ${job.lease_owner ?? "?"} (epoch ${job.lease_epoch})` });
  }
  if (job.finished_at) entries.push({ at: job.finished_at, text: `job ${job.status}` });
  else entries.push({ at: job.updated_at, text: `now ${job.status}` });
  return entries.sort((a, b) => (a.at?.getTime() ?? 0) - (b.at?.getTime() ?? 0));
}

/** The plan a job committed to before its first change (`catalog_jobs/{jobId}/plans/{planId}`). */
export interface FrozenPlan {
  id: string;
  plan: ChangePlanView;
  /** What each operation expects to find; a mismatch stops the job as STALE_PLAN. */
  expectations: unknown[];
  lease_epoch: number;
  saved_at: Date | null;
}

/**
 * Whether an attempt log already shows the whole frozen plan: logs carry the plan they ran, and one from the
 * freezing attempt on (its lease epoch or later) ran this one. An older attempt's plan, from before a
 * retry froze a new one, is another plan; a plan the log cut for size (`truncated`) holds its first operations only.
 */
export function frozenPlanInAttemptLog(
  frozen: Pick<FrozenPlan, "lease_epoch">,
  attempts: readonly Pick<Attempt, "plan" | "lease_epoch">[],
): boolean {
  return attempts.some((attempt) => attempt.plan && !attempt.plan.truncated && attempt.lease_epoch >= frozen.lease_epoch);
}

export interface JournalDocument {
  collection: string;
  id: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  changed_paths: string[];
}

export interface Change {
  id: string;
  job_id: string;
  job_type: string;
  op: string;
  rationale: string;
  targets: string[];
  documents: JournalDocument[];
  status: "applied" | "reverted";
  applied_at: Date | null;
  reverted_at: Date | null;
}

/** One finished attempt (`catalog_run_summaries/{jobId}_{jobCreatedMs}_{leaseEpoch}`). */
export interface RunSummary {
  id: string;
  job_id: string;
  attempt: number;
  lease_epoch: number;
  type: string;
  lane: Lane;
  attempt_status: AttemptStatus;
  job_status: JobStatus;
  mode: string;
  worker_id: string;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number;
  changes_count: number;
  changes_preview: string[];
  error: JobError | null;
  llm: LlmUsage | null;
}

/** A day's counters, and its counts by type, attempt status and mode (the engine's DAILY_COUNTERS and DAILY_BREAKDOWNS). */
export const DAILY_COUNTERS = [
  "runs",
  "changes",
  "scanner_fail",
  "llm_calls",
  "llm_input_tokens",
  "llm_output_tokens",
  "llm_cost_usd",
] as const;
export const DAILY_BREAKDOWNS = ["by_type", "by_status", "by_mode"] as const;

/** A day's totals: the sum of its counter shards. */
export type DailyTotals = { day: string } & Record<(typeof DAILY_COUNTERS)[number], number> &
  Record<(typeof DAILY_BREAKDOWNS)[number], Record<string, number>>;
