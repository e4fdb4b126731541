import { RunHistory, type RunSummary, mergeCounts, runSummaryId, runSummaryOf } from "../../src/jobs/run-history";
import { runHistoryPage } from "../../src/jobs/run-history-pages";
import { recordRunForTest } from "../helpers/runs";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";

const db = useFirestore();

const summary = (jobId: string, over: Partial<RunSummary> = {}): RunSummary => ({
  job_id: jobId,
  job_created_at: new Date("2026-03-01T00:00:00Z"),
  attempt: 1,
  lease_epoch: 1,
  type: "FAMILY_AUDIT",
  subjects: ["squat"],
  lane: "priority",
  priority: 100,
  attempt_status: "succeeded_dry_run",
  job_status: "succeeded_dry_run",
  mode: "dry_run",
  worker_id: "w",
  started_at: new Date("2026-03-04T10:00:00Z"),
  finished_at: new Date("2026-03-04T10:00:02Z"),
  changes_count: 2,
  changes_preview: ["a", "b"],
  error: null,
  scanner_fail: 1,
  llm: { calls: 3, input_tokens: 100, output_tokens: 50, estimated_cost_usd: 0.01 },
  ...over,
});

describeWithFullEmulator("run history (field transforms of the daily counters)", () => {
  const record = (run: RunSummary) => recordRunForTest(db, run);

  it("records an attempt once: a second record of the same attempt fails whole, counters included", async () => {
    const history = new RunHistory(db);
    await record(summary("j1"));
    await expect(record(summary("j1"))).rejects.toThrow();
    await record(summary("j2", { type: "TARGETED_FIX", mode: "apply", attempt_status: "succeeded", job_status: "succeeded" }));
    const day = await history.getDailySummary("2026-03-04");
    expect(day).toMatchObject({
      runs: 2,
      by_type: { FAMILY_AUDIT: 1, TARGETED_FIX: 1 },
      by_status: { succeeded_dry_run: 1, succeeded: 1 },
      by_mode: { dry_run: 1, apply: 1 },
      changes: 4,
      scanner_fail: 2,
      llm_calls: 6,
      llm_input_tokens: 200,
    });
    // Counts only: the shards' own fields (their expiry, a Timestamp) are not summed.
    expect(Object.keys(day).sort()).toEqual(
      [
        "day",
        "runs",
        "by_type",
        "by_status",
        "by_mode",
        "changes",
        "scanner_fail",
        "llm_calls",
        "llm_input_tokens",
        "llm_output_tokens",
        "llm_cost_usd",
      ].sort(),
    );
    const { rows } = await runHistoryPage(db, { jobId: "j1" }, { limit: 50 });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: runSummaryId("j1", new Date("2026-03-01T00:00:00Z"), 1), duration_ms: 2000, changes_count: 2 });
  });
});

describe("a run summary", () => {
  const job = {
    id: "s1",
    created_at: new Date("2026-03-01T00:00:00Z"),
    attempts: 1,
    type: "CATALOG_ENRICH_FIELD_SHARD",
    queue: "maintenance" as const,
    priority: 100,
    started_at: null,
    mode: "apply" as const,
  };
  const end = {
    leaseEpoch: 1,
    workerId: "w",
    attemptStatus: "queued" as const,
    jobStatus: "queued" as const,
    finishedAt: new Date(),
    llm: { calls: 0, input_tokens: 0, output_tokens: 0, estimated_cost_usd: 0 },
  };

  it("counts what a failed attempt did before it failed, from the failure's partial counts", () => {
    const error = {
      code: "RUN_DEADLINE",
      message: "stopped",
      transient: true,
      details: { partial: { exercises_total: 9, applied: 6, scanner_fail: 2 } },
    };
    expect(runSummaryOf(job, [], { ...end, error, result: null })).toMatchObject({ changes_count: 6, scanner_fail: 2 });
    expect(runSummaryOf(job, [], { ...end, error: { ...error, details: undefined }, result: null })).toMatchObject({
      changes_count: 0,
      scanner_fail: 0,
    });
  });
});

describe("a day's totals summed from its shards", () => {
  it("carry no noise of adding doubles: costs of 0.1 and 0.2 are 0.3, and counts stay whole", () => {
    const total: Record<string, unknown> = { day: "2026-12-01" };
    mergeCounts(total, { runs: 1, llm_cost_usd: 0.1, by_type: { FAMILY_AUDIT: 1 } });
    mergeCounts(total, { runs: 2, llm_cost_usd: 0.2, by_type: { FAMILY_AUDIT: 2 }, expire_at: new Date() });
    expect(total).toEqual({ day: "2026-12-01", runs: 3, llm_cost_usd: 0.3, by_type: { FAMILY_AUDIT: 3 } });
  });
});
