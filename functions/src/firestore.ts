/** Collection names and the lazily created default Firestore client. */
import { getApps, initializeApp } from "firebase-admin/app";
import { Firestore, getFirestore } from "firebase-admin/firestore";

export const COLLECTIONS = {
  jobs: "catalog_jobs",
  attempts: "attempts",
  dedup: "catalog_job_dedup",
  locks: "catalog_locks",
  idempotency: "catalog_idempotency",
  changes: "catalog_changes",
  runSummaries: "catalog_run_summaries",
  dailySummaries: "catalog_daily_summaries",
  watchdogRuns: "catalog_watchdog_runs",
  exercises: "exercises",
  aliases: "exercise_aliases",
  families: "exercise_families",
} as const;

let defaultDb: Firestore | undefined;

export function hasDefaultApp(): boolean {
  return getApps().some((app) => app.name === "[DEFAULT]");
}

/** The default app's Firestore, created on first use so cold starts that don't need it stay fast. */
export function getDb(): Firestore {
  if (!defaultDb) {
    if (!hasDefaultApp()) initializeApp();
    defaultDb = getFirestore();
    defaultDb.settings({ ignoreUndefinedProperties: true });
  }
  return defaultDb;
}
