/**
 * What the engine's documents read as in the console: each mapper takes a document's id and data
 * (as Firestore returns it) and gives the plain type of model.ts, Timestamps as Dates. An absent
 * field reads as null or its default (none for what intake writes: a job it never took in has no lane, priority or
 * maximum of attempts), a text field that is not text as "" (never as "undefined" or
 * "[object Object]"), or as null where it may be absent, and an error that is not a map as none;
 * payloads, plans and plan operations are free-form and pass through as they are
 * (an attempt's fields the engine shrank for size read as what they stand for: stored.ts).
 */
import { type DocumentData, Timestamp } from "firebase/firestore";
import {
  type Attempt,
  type AttemptStatus,
  type Change,
  DAILY_BREAKDOWNS,
  DAILY_COUNTERS,
  type DailyTotals,
  type FrozenPlan,
  type Job,
  type JobError,
  type JobStatus,
  type Lane,
  LANES,
  type RunSummary,
} from "./model";
import { sizedAttemptFields } from "./stored";

/** Timestamps → Dates, all the way down. */
function plain(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** A document's fields with Timestamps as Dates. */
const fields = (data: DocumentData): Record<string, unknown> => plain(data) as Record<string, unknown>;

const orNull = <T>(value: unknown): T | null => (value === undefined ? null : (value as T));
/** A text field: "" when absent or not text. */
const text = (value: unknown): string => (typeof value === "string" ? value : "");
/** A text field that may be absent: null when absent or not text. */
const textOrNull = (value: unknown): string | null => (typeof value === "string" ? value : null);

/** A number field that may be absent: null when absent or not a number. */
const numberOrNull = (value: unknown): number | null => (typeof value === "number" ? value : null);
/** A job's lane: null when absent or not one. */
const lane = (value: unknown): Lane | null => ((LANES as readonly unknown[]).includes(value) ? (value as Lane) : null);

/** A job's, attempt's or run's error: null when absent or not a map, its code and message as text fields. */
function jobError(value: unknown): JobError | null {
  if (!value || typeof value !== "object" || Array.isArray(value) || value instanceof Date) return null;
  const { code, message, transient, details } = value as Record<string, unknown>;
  return {
    code: text(code),
    message: text(message),
    ...(typeof transient === "boolean" ? { transient } : {}),
    ...(details !== undefined ? { details } : {}),
  };
}

export function toJob(id: string, data: DocumentData): Job {
  const d = fields(data);
  return {
    id,
    type: text(d.type),
    // Intake writes these: a job it never took in has none, and the console makes none up.
    queue: lane(d.queue),
    priority: numberOrNull(d.priority),
    // A client may leave it out until intake writes it (firestore.rules): the job waits as queued.
    status: (d.status as JobStatus | undefined) ?? "queued",
    payload: (d.payload as Record<string, unknown>) ?? {},
    attempts: Number(d.attempts ?? 0),
    max_attempts: numberOrNull(d.max_attempts),
    run_after: orNull(d.run_after),
    lease_owner: textOrNull(d.lease_owner),
    lease_expires_at: orNull(d.lease_expires_at),
    lease_epoch: Number(d.lease_epoch ?? 0),
    created_at: orNull(d.created_at),
    updated_at: orNull(d.updated_at),
    started_at: orNull(d.started_at),
    finished_at: orNull(d.finished_at),
    created_by: textOrNull(d.created_by),
    error: jobError(d.error),
    result_summary: orNull(d.result_summary),
    progress: orNull(d.progress),
    parent_job_id: textOrNull(d.parent_job_id),
    shards: orNull(d.shards),
    cancel_requested: d.cancel_requested === true,
    plan_id: textOrNull(d.plan_id),
    llm_usage: orNull(d.llm_usage),
    requeued_at: orNull(d.requeued_at),
  };
}

export function toAttempt(id: string, data: DocumentData): Attempt {
  const d = fields(data);
  return {
    id,
    attempt: Number(d.attempt ?? 0),
    worker_id: text(d.worker_id),
    lease_epoch: Number(d.lease_epoch ?? 0),
    started_at: orNull(d.started_at),
    finished_at: orNull(d.finished_at),
    status: d.status as AttemptStatus,
    ...sizedAttemptFields(d),
    llm_calls: (d.llm_calls as Attempt["llm_calls"]) ?? [],
    events: (d.events as Attempt["events"]) ?? [],
    lists_cut: (d.lists_cut as Attempt["lists_cut"]) ?? {},
    error: jobError(d.error),
  };
}

export function toFrozenPlan(id: string, data: DocumentData): FrozenPlan {
  const d = fields(data);
  return {
    id,
    plan: (d.plan as FrozenPlan["plan"]) ?? {},
    expectations: (d.expectations as unknown[]) ?? [],
    lease_epoch: Number(d.lease_epoch ?? 0),
    saved_at: orNull(d.saved_at),
  };
}

export function toChange(id: string, data: DocumentData): Change {
  const d = fields(data);
  return {
    id,
    job_id: text(d.job_id),
    job_type: text(d.job_type),
    op: text(d.op),
    rationale: text(d.rationale),
    targets: (d.targets as string[]) ?? [],
    documents: (d.documents as Change["documents"]) ?? [],
    status: d.status === "reverted" ? "reverted" : "applied",
    applied_at: orNull(d.applied_at),
    reverted_at: orNull(d.reverted_at),
  };
}

export function toRunSummary(id: string, data: DocumentData): RunSummary {
  const d = fields(data);
  return {
    id,
    job_id: text(d.job_id),
    attempt: Number(d.attempt ?? 0),
    lease_epoch: Number(d.lease_epoch ?? 0),
    type: text(d.type),
    lane: (d.lane as Lane) ?? "priority",
    attempt_status: d.attempt_status as AttemptStatus,
    job_status: d.job_status as JobStatus,
    mode: text(d.mode),
    worker_id: text(d.worker_id),
    started_at: orNull(d.started_at),
    finished_at: orNull(d.finished_at),
    duration_ms: Number(d.duration_ms ?? 0),
    changes_count: Number(d.changes_count ?? 0),
    changes_preview: (d.changes_preview as string[]) ?? [],
    error: jobError(d.error),
    llm: orNull(d.llm),
  };
}

/** The day's totals are the sum of its shards (counters and per-key maps alike). */
export function sumShards(day: string, shards: DocumentData[]): DailyTotals {
  const total = {
    day,
    ...Object.fromEntries(DAILY_COUNTERS.map((key) => [key, 0])),
    ...Object.fromEntries(DAILY_BREAKDOWNS.map((key) => [key, {}])),
  } as DailyTotals;
  for (const shard of shards) {
    for (const key of DAILY_COUNTERS) total[key] += Number(shard[key] ?? 0);
    for (const key of DAILY_BREAKDOWNS) {
      for (const [name, count] of Object.entries((shard[key] as Record<string, number> | undefined) ?? {})) {
        total[key][name] = (total[key][name] ?? 0) + Number(count);
      }
    }
  }
  return total;
}
