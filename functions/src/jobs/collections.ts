/** The engine's Firestore collections (and sub-collections of a job document). */
export const JOB_COLLECTIONS = {
  jobs: "catalog_jobs",
  /** `catalog_jobs/{id}/attempts`: the attempt log. */
  attempts: "attempts",
  /** `catalog_jobs/{id}/plans/p{epoch}`: the plan a job committed to (`JobScope.savePlan`). */
  plans: "plans",
  dedup: "catalog_job_dedup",
  locks: "catalog_locks",
  runSummaries: "catalog_run_summaries",
  dailySummaries: "catalog_daily_summaries",
  /** `catalog_daily_summaries/{day}/shards`: the day's counter shards. */
  dailyShards: "shards",
  watchdogRuns: "catalog_watchdog_runs",
} as const;
