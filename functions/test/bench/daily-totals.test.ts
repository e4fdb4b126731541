/**
 * The daily-totals scenario's check that its two ways (sharded counters, aggregation queries) gave the
 * same totals (bench/scenarios/daily-totals.ts): every counter and every breakdown's counts, the cost
 * rounded as a report shows it.
 */
import { sameTotals } from "../../bench/scenarios/daily-totals";
import { DAILY_BREAKDOWNS } from "../../src/jobs/run-history";

/** A day's totals as the aggregation queries give them. */
const aggregated = {
  runs: 3,
  changes: 2,
  scanner_fail: 1,
  llm_calls: 4,
  llm_input_tokens: 400,
  llm_output_tokens: 160,
  llm_cost_usd: 0.3,
  by_type: { FAMILY_AUDIT: 2, QUALITY_SCAN: 1 },
  by_status: { succeeded: 2, failed: 1 },
  by_mode: { apply: 1, dry_run: 2 },
};

/** Each breakdown of the same runs counted otherwise: as many runs, other counts by key. */
const OTHER_BREAKDOWNS: Record<(typeof DAILY_BREAKDOWNS)[number], Record<string, number>> = {
  by_type: { FAMILY_AUDIT: 1, QUALITY_SCAN: 2 },
  by_status: { succeeded: 1, failed: 2 },
  by_mode: { apply: 2, dry_run: 1 },
};

describe("the daily-totals scenario's comparison", () => {
  it("matches the same totals as the shards give them: their day besides, keys in another order, the cost summed with float noise", () => {
    const sharded = {
      day: "2026-01-15",
      ...aggregated,
      llm_cost_usd: 0.1 + 0.2,
      by_type: { QUALITY_SCAN: 1, FAMILY_AUDIT: 2 },
      by_status: { failed: 1, succeeded: 2 },
    };
    expect(sameTotals(aggregated, sharded)).toBe(true);
  });

  it.each(DAILY_BREAKDOWNS)("tells totals apart whose %s differs", (breakdown) => {
    expect(sameTotals(aggregated, { ...aggregated, [breakdown]: OTHER_BREAKDOWNS[breakdown] })).toBe(false);
  });
});
