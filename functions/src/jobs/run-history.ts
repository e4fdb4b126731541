/**
 * Run history: one `catalog_run_summaries/{jobId}_{attempt}` per finished attempt, and per-day
 * totals in `catalog_daily_summaries/{YYYY-MM-DD}/shards/{n}`. The daily totals are sharded
 * counters (one document takes about one write a second); the run summary is created in the same
 * batch as the counter increment, so recording an attempt twice counts it once.
 */
import { FieldValue, type Firestore, Timestamp } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "./collections";
import { isWriteConflict } from "../util/grpc-status";
import type { JobStatus } from "./lifecycle";
import type { JobErrorInfo, Lane, Mode } from "./model";

const DAILY_SUMMARY_SHARDS = 16;

export interface RunSummary {
  job_id: string;
  attempt: number;
  lease_epoch: number;
  type: string;
  /** The families the job's payload names (`payload-families.ts`), for filtering by family. */
  families: string[];
  lane: Lane;
  priority: number;
  attempt_status: JobStatus;
  job_status: JobStatus;
  mode: Mode;
  worker_id: string;
  started_at: Date;
  finished_at: Date;
  changes_count: number;
  changes_preview: string[];
  error: JobErrorInfo | null;
  scanner_fail: number;
  llm: { calls: number; input_tokens: number; output_tokens: number; estimated_cost_usd: number };
}

export function dayKey(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Firestore field paths must not contain dots or slashes from data. */
function counterKey(value: string): string {
  return value.replace(/[^A-Za-z0-9_]/g, "_");
}

export class RunHistory {
  constructor(
    private readonly db: Firestore,
    private readonly random: () => number = Math.random,
  ) {}

  /** Records a finished attempt; returns false when it was already recorded. */
  async record(summary: RunSummary): Promise<boolean> {
    const day = dayKey(summary.finished_at);
    const runRef = this.db.collection(JOB_COLLECTIONS.runSummaries).doc(`${summary.job_id}_${summary.attempt}`);
    const shardRef = this.db
      .collection(JOB_COLLECTIONS.dailySummaries)
      .doc(day)
      .collection("shards")
      .doc(String(Math.floor(this.random() * DAILY_SUMMARY_SHARDS)));
    const batch = this.db.batch();
    batch.create(runRef, {
      ...summary,
      started_at: Timestamp.fromDate(summary.started_at),
      finished_at: Timestamp.fromDate(summary.finished_at),
      duration_ms: summary.finished_at.getTime() - summary.started_at.getTime(),
      changes_preview: summary.changes_preview.slice(0, 10),
    });
    const inc = (n: number) => FieldValue.increment(n);
    batch.set(
      shardRef,
      {
        day,
        runs: inc(1),
        by_type: { [counterKey(summary.type)]: inc(1) },
        by_status: { [counterKey(summary.attempt_status)]: inc(1) },
        by_mode: { [counterKey(summary.mode)]: inc(1) },
        changes: inc(summary.changes_count),
        scanner_fail: inc(summary.scanner_fail),
        llm_calls: inc(summary.llm.calls),
        llm_input_tokens: inc(summary.llm.input_tokens),
        llm_output_tokens: inc(summary.llm.output_tokens),
        llm_cost_usd: inc(summary.llm.estimated_cost_usd),
      },
      { merge: true },
    );
    try {
      await batch.commit();
      return true;
    } catch (err) {
      if (isWriteConflict(err)) return false;
      throw err;
    }
  }

  /** Latest run summaries, newest first; optionally of one job. */
  async getRunHistory(options: { jobId?: string; limit?: number } = {}): Promise<Record<string, unknown>[]> {
    let query = this.db.collection(JOB_COLLECTIONS.runSummaries).orderBy("finished_at", "desc");
    if (options.jobId)
      query = this.db.collection(JOB_COLLECTIONS.runSummaries).where("job_id", "==", options.jobId).orderBy("finished_at", "desc");
    const snap = await query.limit(options.limit ?? 50).get();
    return snap.docs.map((d) => ({ id: d.id, ...d.data() }));
  }

  /** The day's totals: the sum of its counter shards. */
  async getDailySummary(day: string): Promise<Record<string, unknown>> {
    const shards = await this.db.collection(JOB_COLLECTIONS.dailySummaries).doc(day).collection("shards").get();
    const total: Record<string, unknown> = { day };
    for (const shard of shards.docs) mergeCounts(total, shard.data());
    return total;
  }
}

function mergeCounts(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(from)) {
    if (typeof value === "number") into[key] = ((into[key] as number | undefined) ?? 0) + value;
    else if (value && typeof value === "object") {
      const nested = (into[key] as Record<string, unknown> | undefined) ?? {};
      mergeCounts(nested, value as Record<string, unknown>);
      into[key] = nested;
    }
  }
}
