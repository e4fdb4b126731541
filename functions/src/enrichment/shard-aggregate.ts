import { type ShardCounters, countValue, isSuccessStatus } from "../jobs/flow-counters";
import { FINAL_STATUSES, type JobStatus, type ResultSummary } from "../jobs/model";
import { type ShardCounts, emptyShardCounts, readShardCounts } from "./shard-tally";
import { isPlainRecord } from "../util/object-paths";

export interface ShardView {
  id: string;
  status: JobStatus;
  exercise_count: number;
  result_summary: unknown;
  /** The shard's last error (`{code, details}`), if any. */
  error: unknown;
}

export interface ShardAggregate {
  /** Every shard exists and is final. */
  complete: boolean;
  counters: ShardCounters;
  summary: ResultSummary;
  /** Shards that did not succeed, listed for review (at most MAX_LISTED). */
  unsuccessful: Array<{ shard_id: string; status: JobStatus; code: string | null }>;
}

const MAX_LISTED = 50;
const LLM_KEYS = ["calls", "input_tokens", "output_tokens", "estimated_cost_usd"] as const;
type LlmTotals = Record<(typeof LLM_KEYS)[number], number>;

function errorOf(shard: ShardView): { code: string | null; details: unknown } {
  const error = isPlainRecord(shard.error) ? shard.error : {};
  return { code: typeof error.code === "string" ? error.code : null, details: error.details };
}

/**
 * A shard's exercise counts: from its result summary, else from the partial counts its last failed
 * attempt left; exercises no count accounts for are failed (their outcome is unknown).
 */
function countsOf(shard: ShardView): ShardCounts {
  const { details } = errorOf(shard);
  const known =
    readShardCounts(shard.result_summary) ??
    (isPlainRecord(details) ? readShardCounts(details.partial) : null) ??
    emptyShardCounts(shard.exercise_count);
  const accounted = known.exercises_succeeded + known.exercises_no_change + known.exercises_skipped + known.exercises_failed;
  return { ...known, exercises_failed: known.exercises_failed + Math.max(0, known.exercises_total - accounted) };
}

function llmOf(summary: unknown): LlmTotals {
  const llm = isPlainRecord(summary) && isPlainRecord(summary.llm) ? summary.llm : {};
  return {
    calls: countValue(llm.calls),
    input_tokens: countValue(llm.input_tokens),
    output_tokens: countValue(llm.output_tokens),
    estimated_cost_usd: countValue(llm.estimated_cost_usd),
  };
}

export function aggregateShards(shards: readonly ShardView[], total: number): ShardAggregate {
  const final = shards.filter((shard) => FINAL_STATUSES.includes(shard.status));
  const succeeded = final.filter((shard) => isSuccessStatus(shard.status));
  const counters: ShardCounters = { total, done: final.length, succeeded: succeeded.length, failed: final.length - succeeded.length };
  const exercises = emptyShardCounts(0);
  const llm: LlmTotals = { calls: 0, input_tokens: 0, output_tokens: 0, estimated_cost_usd: 0 };
  const byStatus: Partial<Record<JobStatus, number>> = {};
  for (const shard of final) {
    byStatus[shard.status] = (byStatus[shard.status] ?? 0) + 1;
    const counts = countsOf(shard);
    for (const key of Object.keys(exercises) as (keyof ShardCounts)[]) exercises[key] += counts[key];
    const usage = llmOf(shard.result_summary);
    for (const key of LLM_KEYS) llm[key] += usage[key];
  }
  llm.estimated_cost_usd = Math.round(llm.estimated_cost_usd * 1e6) / 1e6;
  const unsuccessful = final
    .filter((shard) => !isSuccessStatus(shard.status))
    .slice(0, MAX_LISTED)
    .map((shard) => ({ shard_id: shard.id, status: shard.status, code: errorOf(shard).code }));
  return {
    complete: shards.length >= total && final.length === shards.length,
    counters,
    unsuccessful,
    summary: {
      shards_total: total,
      shards_succeeded: counters.succeeded,
      shards_failed: counters.failed,
      shards_by_status: byStatus,
      ...exercises,
      // The shards' own result summaries carry their LLM usage (and the daily counters count it there); this is the sum.
      shards_llm: llm,
    },
  };
}
