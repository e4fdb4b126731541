/**
 * Run history: one `catalog_run_summaries/{jobId}_{jobCreatedMs}_{leaseEpoch}` per attempt (each lease
 * is an attempt: a deferral, a retry and a watchdog recovery each end one, so keys never collide; the
 * job's creation time keeps apart a later job given the same id once the first one's document was
 * deleted, its history being kept longer), and
 * per-day totals in `catalog_daily_summaries/{YYYY-MM-DD}/shards/{n}`. The daily totals are
 * sharded counters (one document takes about one write a second). Both are written in the same
 * batch or transaction as the job's status change that ends the attempt, so an attempt is counted
 * exactly once and the day's totals always equal the sum of the run summaries. The LLM usage of an
 * attempt the watchdog took back, which only its worker knew, joins both later (`addLostAttemptLlm`).
 */
import { type DocumentReference, FieldValue, type Firestore, Timestamp, type Transaction } from "firebase-admin/firestore";
import { roundUsd } from "./attempt-log";
import { JOB_COLLECTIONS } from "./collections";
import { partialOf } from "./errors";
import type { AttemptStatus, JobStatus } from "./lifecycle";
import { type Job, type JobErrorInfo, type Lane, type LlmUsageRecord, MAX_PREVIEW_LINES, type Mode, type ResultSummary } from "./model";
import type { Writes } from "./writes";
import { isPlainRecord } from "../util/object-paths";

const DAILY_SUMMARY_SHARDS = 16;

export interface RunSummary {
  job_id: string;
  /** The job's `created_at`: tells apart jobs given the same id at different times. */
  job_created_at: Date;
  attempt: number;
  lease_epoch: number;
  type: string;
  /** What the job is about (`JobTypes.subjectsOf`: the catalog's families), for filtering by one. */
  subjects: string[];
  lane: Lane;
  priority: number;
  /**
   * How the attempt ended (`AttemptStatus`): "deferred", "queued" (to be retried), the job's final status, or
   * "lease_expired" (its lease ran out and was taken back: `recoverExpiredLease`).
   */
  attempt_status: AttemptStatus;
  job_status: JobStatus;
  mode: Mode;
  worker_id: string;
  started_at: Date;
  finished_at: Date;
  changes_count: number;
  changes_preview: string[];
  error: JobErrorInfo | null;
  scanner_fail: number;
  llm: LlmUsageRecord;
}

/** How an attempt ended, as its run summary tells it beside the job's own fields. */
export interface AttemptEnd {
  leaseEpoch: number;
  workerId: string;
  attemptStatus: RunSummary["attempt_status"];
  jobStatus: JobStatus;
  error: JobErrorInfo | null;
  finishedAt: Date;
  /** The handler's result summary, if it returned one: its applied count, preview lines, scanner failures (this attempt's). */
  result: ResultSummary | null;
  llm: RunSummary["llm"];
}

/** The job whose attempt a run summary tells, as it was leased (its mode read from its payload). */
export type RunJob = Pick<Job, "id" | "created_at" | "attempts" | "type" | "queue" | "priority" | "started_at"> & { mode: Mode };

/** The run summary of an attempt of `job` that ended as `end` says. */
export function runSummaryOf(job: RunJob, subjects: string[], end: AttemptEnd): RunSummary {
  // A failure may carry what its attempt did before it (`details.partial`): counted as a result's would be.
  const result = end.result ?? partialOf(end.error);
  const applied = Number(result?.applied ?? 0);
  // Handlers put their preview lines in `changes_preview`.
  const lines = result?.changes_preview;
  const preview = Array.isArray(lines) ? lines.map((line: unknown) => (typeof line === "string" ? line : JSON.stringify(line))) : [];
  return {
    job_id: job.id,
    job_created_at: job.created_at,
    attempt: job.attempts,
    lease_epoch: end.leaseEpoch,
    type: job.type,
    subjects,
    lane: job.queue,
    priority: job.priority,
    attempt_status: end.attemptStatus,
    job_status: end.jobStatus,
    mode: job.mode,
    worker_id: end.workerId,
    started_at: job.started_at ?? end.finishedAt,
    finished_at: end.finishedAt,
    changes_count: Number.isFinite(applied) ? applied : 0,
    changes_preview: preview,
    error: end.error,
    scanner_fail: Number(result?.scanner_fail ?? 0) || 0,
    llm: end.llm,
  };
}

export function dayKey(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A day's counters as `recordRun` adds them up, and its counts by type, attempt status and mode: every day's totals have each. */
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

/** Firestore field paths must not contain dots or slashes from data. */
function counterKey(value: string): string {
  return value.replace(/[^A-Za-z0-9_]/g, "_");
}

/** The id of the run summary of lease `leaseEpoch` of the job `jobId` created at `jobCreatedAt`. */
export function runSummaryId(jobId: string, jobCreatedAt: Date, leaseEpoch: number): string {
  return `${jobId}_${jobCreatedAt.getTime()}_${leaseEpoch}`;
}

export function runSummaryRef(db: Firestore, jobId: string, jobCreatedAt: Date, leaseEpoch: number): DocumentReference {
  return db.collection(JOB_COLLECTIONS.runSummaries).doc(runSummaryId(jobId, jobCreatedAt, leaseEpoch));
}

/** A counter shard of the day's totals, picked at random so a busy day takes any write rate. */
function dailyShardRef(db: Firestore, day: string, random: () => number): DocumentReference {
  return db
    .collection(JOB_COLLECTIONS.dailySummaries)
    .doc(day)
    .collection(JOB_COLLECTIONS.dailyShards)
    .doc(String(Math.floor(random() * DAILY_SUMMARY_SHARDS)));
}

/** The increments of the day's LLM counters for `llm`. */
function llmCounters(llm: RunSummary["llm"]): Record<Extract<(typeof DAILY_COUNTERS)[number], `llm_${string}`>, FieldValue> {
  return {
    llm_calls: FieldValue.increment(llm.calls),
    llm_input_tokens: FieldValue.increment(llm.input_tokens),
    llm_output_tokens: FieldValue.increment(llm.output_tokens),
    llm_cost_usd: FieldValue.increment(llm.estimated_cost_usd),
  };
}

/**
 * Adds an attempt's run summary and its share of the day's totals to `writes` (the batch or
 * transaction that ends the attempt). The counter shard is picked at random so a busy day takes
 * any write rate.
 */
export function recordRun(writes: Writes, db: Firestore, summary: RunSummary, expire: Timestamp, random: () => number = Math.random): void {
  const day = dayKey(summary.finished_at);
  writes.create(runSummaryRef(db, summary.job_id, summary.job_created_at, summary.lease_epoch), {
    ...summary,
    job_created_at: Timestamp.fromDate(summary.job_created_at),
    started_at: Timestamp.fromDate(summary.started_at),
    finished_at: Timestamp.fromDate(summary.finished_at),
    duration_ms: summary.finished_at.getTime() - summary.started_at.getTime(),
    changes_preview: summary.changes_preview.slice(0, MAX_PREVIEW_LINES),
    expire_at: expire,
  });
  const inc = (n: number) => FieldValue.increment(n);
  // Typed by the lists a day's totals are read by: a total added to one and not the other does not compile.
  const counters: Record<(typeof DAILY_COUNTERS)[number], FieldValue> = {
    runs: inc(1),
    changes: inc(summary.changes_count),
    scanner_fail: inc(summary.scanner_fail),
    ...llmCounters(summary.llm),
  };
  const breakdowns: Record<(typeof DAILY_BREAKDOWNS)[number], Record<string, FieldValue>> = {
    by_type: { [counterKey(summary.type)]: inc(1) },
    by_status: { [counterKey(summary.attempt_status)]: inc(1) },
    by_mode: { [counterKey(summary.mode)]: inc(1) },
  };
  writes.set(
    dailyShardRef(db, day, random),
    {
      day,
      ...counters,
      ...breakdowns,
      // A day's totals are kept as long as its last run's summary.
      expire_at: expire,
    },
    { merge: true },
  );
}

/**
 * What became of the LLM usage of an attempt whose lease was lost: added to its run summary (and,
 * the worker says, to its job's or not), not yet ended by the watchdog, or counted already.
 */
export type LostAttemptLlm = "added" | "added_not_to_job" | "not_ended" | "counted_already";

/**
 * Adds to the run summary the watchdog wrote for an attempt it took back (`lease_expired`, see
 * `JobQueue.recoverExpiredLease`) the LLM usage that its worker, still running, reports once it
 * finds its lease lost, and the same to the totals of that summary's day, so they stay the sum of
 * the run summaries. Once: the recovery's summary has no usage until this adds it, and a summary
 * the worker's own last write left (its reply lost) has its usage already. Reads the summary in
 * `tx` (the caller's reads come first); nothing written unless "added".
 */
export async function addLostAttemptLlm(
  tx: Transaction,
  summaryRef: DocumentReference,
  attempt: { workerId: string; llm: RunSummary["llm"] },
  expire: Timestamp,
  random: () => number = Math.random,
): Promise<Exclude<LostAttemptLlm, "added_not_to_job">> {
  const summary = await tx.get(summaryRef);
  if (!summary.exists) return "not_ended";
  const recovered = summary.get("attempt_status") === "lease_expired" && summary.get("worker_id") === attempt.workerId;
  if (!recovered || hasUsage(summary.get("llm") as RunSummary["llm"])) return "counted_already";
  tx.update(summaryRef, { llm: attempt.llm });
  const day = dayKey((summary.get("finished_at") as Timestamp).toDate());
  // Kept at least as long as the summary it counts, as `recordRun` keeps a day's totals.
  tx.set(dailyShardRef(summaryRef.firestore, day, random), { day, ...llmCounters(attempt.llm), expire_at: expire }, { merge: true });
  return "added";
}

export function hasUsage(llm: RunSummary["llm"]): boolean {
  return llm.calls > 0 || llm.input_tokens > 0 || llm.output_tokens > 0 || llm.estimated_cost_usd > 0;
}

/** Reads of the run history's day totals (its runs are read a page at a time: `runHistoryPage`, run-history-pages.ts). */
export class RunHistory {
  constructor(private readonly db: Firestore) {}

  /** The day's totals: the sum of its counter shards, zero on a day with no runs (no shard). */
  async getDailySummary(day: string): Promise<Record<string, unknown>> {
    const shards = await this.db.collection(JOB_COLLECTIONS.dailySummaries).doc(day).collection(JOB_COLLECTIONS.dailyShards).get();
    const total: Record<string, unknown> = {
      day,
      ...Object.fromEntries(DAILY_COUNTERS.map((key) => [key, 0])),
      ...Object.fromEntries(DAILY_BREAKDOWNS.map((key) => [key, {}])),
    };
    for (const shard of shards.docs) mergeCounts(total, shard.data());
    return total;
  }
}

/**
 * Adds the counts of `from` into `into`, nested maps too; anything else (a shard's `expire_at`, its `day`) is left out.
 * Each sum is rounded to whole micro-dollars (`roundUsd`), which leaves whole counts as they are and takes from the
 * cost the noise of adding doubles (0.1 + 0.2), here and in Firestore's increments of the shards.
 */
export function mergeCounts(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(from)) {
    if (typeof value === "number") into[key] = roundUsd(((into[key] as number | undefined) ?? 0) + value);
    else if (isPlainRecord(value)) {
      const nested = (into[key] as Record<string, unknown> | undefined) ?? {};
      mergeCounts(nested, value);
      into[key] = nested;
    }
  }
}
