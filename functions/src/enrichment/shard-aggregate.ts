/**
 * The enrichment parent's view of its finished shards: the aggregate of their outcomes for the
 * parent's result summary. Pure: the engine reads the shard jobs (`flows.ts`), and the parent the
 * ledgers of those that left no counts (`shard-ledger.ts`); this folds them.
 */
import { NO_LLM_USAGE, addUsage } from "../jobs/attempt-log";
import { endedWithAnswer } from "../jobs/dedup";
import { partialOf } from "../jobs/errors";
import { type JobStatus, isSuccessStatus } from "../jobs/lifecycle";
import { isPlainRecord } from "../util/object-paths";
import { type ShardCounts, countValue, emptyShardCounts, readShardCounts } from "./shard-tally";
import { CHILDREN_LLM_KEY, type ChildJob, type LlmUsageRecord, type ResultSummary } from "../jobs/model";

export interface ShardAggregate {
  /** Shards that did not succeed. */
  failed: number;
  /** Shards that did not succeed and answered nothing either (`endedWithAnswer`): out of attempts, cancelled, failed, ... */
  unanswered: number;
  summary: ResultSummary;
  /** Shards that did not succeed, listed for review (at most MAX_LISTED). */
  unsuccessful: Array<{ shard_id: string; status: JobStatus; code: string | null }>;
}

const MAX_LISTED = 50;

function errorOf(shard: ChildJob): { code: string | null; details: unknown } {
  const error = isPlainRecord(shard.error) ? shard.error : {};
  return { code: typeof error.code === "string" ? error.code : null, details: error.details };
}

/** The counts a shard left itself: its result summary's, else the partial counts its last failed attempt left. */
function ownCountsOf(shard: ChildJob): ShardCounts | null {
  return readShardCounts(shard.result_summary) ?? readShardCounts(partialOf(errorOf(shard)));
}

/**
 * Shards that left no counts of their own: the watchdog ended them (a worker that died, its last
 * lease expired), so only their ledgers know what they applied.
 */
export function shardsWithoutCounts(shards: readonly ChildJob[]): ChildJob[] {
  return shards.filter((shard) => ownCountsOf(shard) === null);
}

/**
 * A shard's counts: its own, else its ledger's (`ledgers`, by shard id); exercises no
 * count accounts for are failed (their outcome is unknown).
 */
function countsOf(shard: ChildJob, ledgers: ReadonlyMap<string, ShardCounts>): ShardCounts {
  const known = ownCountsOf(shard) ?? ledgers.get(shard.id) ?? emptyShardCounts(exerciseCountOf(shard));
  const accounted = known.exercises_succeeded + known.exercises_no_change + known.exercises_skipped + known.exercises_failed;
  return { ...known, exercises_failed: known.exercises_failed + Math.max(0, known.exercises_total - accounted) };
}

export function exerciseCountOf(shard: ChildJob): number {
  const ids = shard.payload.exercise_doc_ids;
  return Array.isArray(ids) ? new Set(ids).size : 0;
}

function llmTotalsOf(value: unknown): LlmUsageRecord {
  const llm = isPlainRecord(value) ? value : {};
  return {
    calls: countValue(llm.calls),
    input_tokens: countValue(llm.input_tokens),
    output_tokens: countValue(llm.output_tokens),
    estimated_cost_usd: countValue(llm.estimated_cost_usd),
  };
}

/**
 * What a shard spent on the LLM: its own usage over all its attempts (`llm_usage`, written with
 * every ending, a failed one too: a failed shard has no result summary) and its own children's.
 */
function llmOf(shard: ChildJob): LlmUsageRecord {
  const children = isPlainRecord(shard.result_summary) ? shard.result_summary[CHILDREN_LLM_KEY] : undefined;
  return addUsage(llmTotalsOf(shard.llm_usage), llmTotalsOf(children));
}

/** Folds a parent's shards, every one of them final; `ledgers` counts those that left none (`shardsWithoutCounts`). */
export function aggregateShards(shards: readonly ChildJob[], ledgers: ReadonlyMap<string, ShardCounts> = new Map()): ShardAggregate {
  const succeeded = shards.filter((shard) => isSuccessStatus(shard.status)).length;
  const totals = emptyShardCounts(0);
  let llm = NO_LLM_USAGE;
  const byStatus: Partial<Record<JobStatus, number>> = {};
  for (const shard of shards) {
    byStatus[shard.status] = (byStatus[shard.status] ?? 0) + 1;
    const counts = countsOf(shard, ledgers);
    for (const key of Object.keys(totals) as (keyof ShardCounts)[]) totals[key] += counts[key];
    llm = addUsage(llm, llmOf(shard));
  }
  const { exercises_scanner_fail: childrenScannerFail, ...summedCounts } = totals;
  const unsuccessful = shards
    .filter((shard) => !isSuccessStatus(shard.status))
    .slice(0, MAX_LISTED)
    .map((shard) => ({ shard_id: shard.id, status: shard.status, code: errorOf(shard).code }));
  return {
    failed: shards.length - succeeded,
    unanswered: shards.filter((shard) => !endedWithAnswer(shard.status, errorOf(shard).code)).length,
    unsuccessful,
    summary: {
      shards_total: shards.length,
      shards_succeeded: succeeded,
      shards_failed: shards.length - succeeded,
      shards_by_status: byStatus,
      ...summedCounts,
      // The shards' own result summaries carry their scanner failures and LLM usage (and the run history and daily
      // counters count them there); these are the sums, under keys of their own so that nothing counts them twice.
      children_scanner_fail: childrenScannerFail,
      [CHILDREN_LLM_KEY]: llm,
    },
  };
}
