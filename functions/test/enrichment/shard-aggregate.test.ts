/** The enrichment parent's fold of its finished shards (src/enrichment/shard-aggregate.ts). */
import { aggregateShards } from "../../src/enrichment/shard-aggregate";
import { type ExerciseOutcome, ShardTally, readShardCounts } from "../../src/enrichment/shard-tally";
import type { ChildJob } from "../../src/jobs/model";

const shard = (fields: Partial<ChildJob> & Pick<ChildJob, "id" | "status">): ChildJob => ({
  type: "CATALOG_ENRICH_FIELD_SHARD",
  payload: { exercise_doc_ids: ["a", "b"] },
  result_summary: null,
  llm_usage: null,
  error: null,
  ...fields,
});

describe("the scanner failures of a parent's shards", () => {
  it("are summed as the children's, not as the parent's own (the shards' run summaries count them in the daily totals)", () => {
    const { summary } = aggregateShards([
      shard({ id: "s1", status: "succeeded", result_summary: { exercises_total: 2, exercises_succeeded: 2, scanner_fail: 2 } }),
      shard({ id: "s2", status: "needs_review", result_summary: { exercises_total: 2, exercises_succeeded: 1, scanner_fail: 1 } }),
    ]);
    expect(summary).toMatchObject({ exercises_succeeded: 3, children_scanner_fail: 3 });
    expect(summary).not.toHaveProperty("scanner_fail");
  });
});

describe("the changes a parent's shards dropped or wrote with style issues", () => {
  it("are summed from every shard's counts: its summary, its failure's partial counts or its ledger's", () => {
    const ledger = new ShardTally(2);
    ledger.add({
      exercise_id: "e",
      outcome: "succeeded",
      detail: "applied",
      paths: ["description", "execution_notes"],
      dropped: 2,
      written_with_style_issues: [{ path: "description", issues: ["starts with a gerund"] }],
      scanner_passed: true,
    });
    const { summary } = aggregateShards(
      [
        shard({
          id: "s1",
          status: "succeeded",
          result_summary: { exercises_total: 2, exercises_succeeded: 2, changes_dropped: 3, changes_with_style_issues: 1 },
        }),
        shard({
          id: "s2",
          status: "deadletter",
          error: {
            code: "LLM_UNAVAILABLE",
            message: "m",
            transient: true,
            details: { partial: { exercises_total: 2, exercises_succeeded: 1, changes_dropped: 1, changes_with_style_issues: 2 } },
          },
        }),
        // A watchdog-ended shard: its ledger counts the exercise it recorded; the other is failed and adds none.
        shard({ id: "s3", status: "deadletter", error: { code: "LEASE_EXPIRED", message: "m", transient: true } }),
      ],
      new Map([["s3", ledger.shardCounts()]]),
    );
    expect(summary).toMatchObject({ exercises_succeeded: 4, exercises_failed: 2, changes_dropped: 6, changes_with_style_issues: 4 });
  });
});

describe("the LLM usage of a parent's shards", () => {
  it("counts what every shard spent, a failed one (which has no result summary) too", () => {
    const { summary } = aggregateShards([
      shard({
        id: "s1",
        status: "succeeded",
        result_summary: {
          exercises_total: 2,
          exercises_succeeded: 2,
          llm: { calls: 2, input_tokens: 10, output_tokens: 5, estimated_cost_usd: 0.001 },
        },
        llm_usage: { calls: 2, input_tokens: 10, output_tokens: 5, estimated_cost_usd: 0.001 },
      }),
      // Attempts that ended in LLM outages: billed calls, then a final failure with no summary.
      shard({
        id: "s2",
        status: "deadletter",
        error: { code: "LLM_UNAVAILABLE", message: "m", transient: true },
        llm_usage: { calls: 6, input_tokens: 40, output_tokens: 0, estimated_cost_usd: 0.0004 },
      }),
      // A watchdog-ended shard whose worker died: its usage was never written.
      shard({ id: "s3", status: "deadletter", error: { code: "LEASE_EXPIRED", message: "m", transient: true } }),
    ]);
    expect(summary.children_llm).toEqual({ calls: 8, input_tokens: 50, output_tokens: 5, estimated_cost_usd: 0.0014 });
  });

  it("adds what a shard's own children spent", () => {
    const { summary } = aggregateShards([
      shard({
        id: "s1",
        status: "succeeded",
        result_summary: { children_llm: { calls: 3, input_tokens: 30, output_tokens: 3, estimated_cost_usd: 0.003 } },
        llm_usage: { calls: 1, input_tokens: 10, output_tokens: 1, estimated_cost_usd: 0.001 },
      }),
    ]);
    expect(summary.children_llm).toEqual({ calls: 4, input_tokens: 40, output_tokens: 4, estimated_cost_usd: 0.004 });
  });
});

describe("a shard's counts, over attempts and for one attempt", () => {
  const outcome = (id: string, scannerPassed: boolean, detail = "applied"): ExerciseOutcome => ({
    exercise_id: id,
    outcome: "succeeded",
    detail,
    paths: ["description"],
    dropped: 0,
    scanner_passed: scannerPassed,
  });

  it("counts a resumed exercise in the shard's totals, and an attempt's own patches and scanner failures apart", () => {
    const tally = new ShardTally(3);
    // Finished by an earlier attempt (from the ledger): applied then, its scanner failure counted then.
    tally.add(outcome("a", false), true);
    tally.add(outcome("b", false));
    tally.add(outcome("c", true));
    expect(tally.summary()).toMatchObject({
      exercises_succeeded: 3,
      exercises_scanner_fail: 2,
      exercises_resumed: 1,
      applied: 2,
      scanner_fail: 1,
    });
    expect(tally.attemptCounts()).toEqual({ applied: 2, scanner_fail: 1 });
  });

  it("reads a summary written before the total had a key of its own", () => {
    expect(readShardCounts({ exercises_total: 2, exercises_succeeded: 2, scanner_fail: 1 })).toMatchObject({ exercises_scanner_fail: 1 });
    expect(readShardCounts({ exercises_total: 2, exercises_scanner_fail: 2, scanner_fail: 0 })).toMatchObject({
      exercises_scanner_fail: 2,
    });
  });
});
