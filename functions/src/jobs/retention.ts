/**
 * How long the engine keeps what it writes. Every document gets an `expire_at` when it becomes
 * history (a job when it is final, an attempt when it ends, a report when it is written); the TTL
 * policies in firestore.indexes.json delete it some time after that. Nothing relies on the deletion
 * happening: expired documents are only history, and a job retried after it was final has its
 * `expire_at` cleared.
 */
import { Timestamp } from "firebase-admin/firestore";
import { PARAMS } from "../config";

export interface Retention {
  /** Finished jobs, their attempt logs, frozen plans and child markers, dedup claims. */
  jobsMs: number;
  /** Run summaries and daily totals. */
  historyMs: number;
  watchdogReportsMs: number;
}

export const DEFAULT_RETENTION: Retention = {
  jobsMs: PARAMS.retainJobsMs.defaultValue,
  historyMs: PARAMS.retainHistoryMs.defaultValue,
  watchdogReportsMs: PARAMS.retainWatchdogReportsMs.defaultValue,
};

export function expireAt(from: Date, keepMs: number): Timestamp {
  return Timestamp.fromMillis(from.getTime() + keepMs);
}
