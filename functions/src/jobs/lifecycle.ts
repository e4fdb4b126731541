/**
 * The job lifecycle as data: one table of (from-status, event, to-status). Every write of a job's
 * `status` goes through `JobQueue`, which asks `nextStatus` first, so a status change the table does
 * not list cannot happen. The status groups the rest of the engine uses (final, open, leasable,
 * retryable, held by a worker) are derived from the table, never listed by hand.
 */
export const JOB_STATUSES = [
  "queued",
  "running",
  "deferred",
  "succeeded",
  "succeeded_dry_run",
  "needs_review",
  "deadletter",
  "failed",
  "cancelled",
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** How an attempt ended (its attempt log and run summary): the job's status after it, or `lease_expired` when its worker died. */
export type AttemptStatus = JobStatus | "lease_expired";

export const JOB_EVENTS = [
  /** Intake took a client's document in (normalised it); the job stays queued. */
  "accept",
  /** Intake refused the document (invalid, or a duplicate of an open job), or a stored job no longer parses. */
  "reject",
  /** A worker leased the job (queued, or deferred whose `run_after` passed) and runs it. */
  "lease",
  "succeed",
  "succeed_dry_run",
  /** The handler handed the job to a person (validation failed, conflict, partial apply, ...). */
  "need_review",
  /** A running job stopped at a safe point after a cancel request. */
  "stop",
  /** A permanent failure. */
  "fail",
  /** A transient failure with attempts left: back to the queue after a backoff. */
  "retry",
  /** A transient failure with no attempts left. */
  "exhaust",
  /** Waiting (a lock held by another job, children still running) without using an attempt. */
  "defer",
  /** A waiting job cancelled (by an operator, or a client's request seen at lease time). */
  "cancel",
  /** The watchdog took back an expired lease: back to the queue, to the deadletter, or cancelled. */
  "recover",
  "recover_exhausted",
  "recover_cancelled",
  /** An operator re-runs a finished job. */
  "operator_retry",
] as const;
export type JobEvent = (typeof JOB_EVENTS)[number];

export interface Transition {
  from: JobStatus;
  event: JobEvent;
  to: JobStatus;
}

const WAITING = ["queued", "deferred"] as const;

/** Events that end a running job's attempt, and where they lead. */
const WORKER_EVENTS: ReadonlyArray<[JobEvent, JobStatus]> = [
  ["succeed", "succeeded"],
  ["succeed_dry_run", "succeeded_dry_run"],
  ["need_review", "needs_review"],
  ["stop", "cancelled"],
  ["fail", "failed"],
  ["retry", "queued"],
  ["exhaust", "deadletter"],
  ["defer", "deferred"],
  ["recover", "queued"],
  ["recover_exhausted", "deadletter"],
  ["recover_cancelled", "cancelled"],
];

export const TRANSITIONS: readonly Transition[] = [
  { from: "queued", event: "accept", to: "queued" },
  ...WAITING.map((from) => ({ from, event: "reject" as const, to: "failed" as const })),
  // A lease writes `running` at once: there is no separate "leased" step to pay a write for.
  ...WAITING.map((from) => ({ from, event: "lease" as const, to: "running" as const })),
  ...WAITING.map((from) => ({ from, event: "cancel" as const, to: "cancelled" as const })),
  ...WORKER_EVENTS.map(([event, to]) => ({ from: "running" as const, event, to })),
  ...(["failed", "needs_review", "deadletter", "cancelled"] as const).map((from) => ({
    from,
    event: "operator_retry" as const,
    to: "queued" as const,
  })),
];

/** The status `event` leads to from `from`, or null when the table has no such transition. */
export function nextStatus(from: JobStatus, event: JobEvent): JobStatus | null {
  return TRANSITIONS.find((t) => t.from === from && t.event === event)?.to ?? null;
}

function fromStatusesOf(...events: JobEvent[]): readonly JobStatus[] {
  return JOB_STATUSES.filter((status) => TRANSITIONS.some((t) => t.from === status && events.includes(t.event)));
}

/** Statuses a worker may lease from: deferred jobs come back once their `run_after` passes. */
export const LEASABLE_STATUSES = fromStatusesOf("lease");
/** Statuses in which a worker holds the job's lease. */
export const WORKER_STATUSES = fromStatusesOf("succeed");
/** Statuses a job ends in: nothing but an operator's retry leads out of them. */
export const FINAL_STATUSES = JOB_STATUSES.filter((status) => TRANSITIONS.every((t) => t.from !== status || t.event === "operator_retry"));
/** Statuses a dedup key stays claimed in: every status that is not final. */
export const OPEN_STATUSES = JOB_STATUSES.filter((status) => !FINAL_STATUSES.includes(status));
/** Statuses an operator may re-run a job from. */
export const RETRYABLE_STATUSES = fromStatusesOf("operator_retry");
/** The statuses an attempt can end with: the job's next one (never one a worker holds), or `lease_expired`. */
export const ATTEMPT_STATUSES: readonly AttemptStatus[] = [
  ...JOB_STATUSES.filter((status) => !WORKER_STATUSES.includes(status)),
  "lease_expired",
];

export function isOpenStatus(status: JobStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

export function isFinalStatus(status: JobStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** Ended as the job asked: succeeded, or succeeded as a dry run. */
export function isSuccessStatus(status: JobStatus): boolean {
  return status === "succeeded" || status === "succeeded_dry_run";
}
