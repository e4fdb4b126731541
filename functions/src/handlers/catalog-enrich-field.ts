/**
 * CATALOG_ENRICH_FIELD, the parent of an enrichment: selects the target exercises page by page,
 * creates one CATALOG_ENRICH_FIELD_SHARD job per batch, and waits (`deferred`, using no attempts)
 * until every shard is final; then aggregates their outcomes.
 *
 * Shard ids are deterministic (`<parent>-shard-<n>`), so a parent retried after a crash recreates
 * none; once every shard exists the parent records `shards.total`, and from then on every lease
 * (woken by the fan-in of the last shard, by its check interval or by the watchdog) only checks and
 * aggregates. All shards succeeded → succeeded (succeeded_dry_run in a dry run); any shard failed,
 * deadlettered, cancelled or needing review → needs_review SHARDS_FAILED.
 */
import { Timestamp } from "firebase-admin/firestore";
import { type ShardCounters, readShardCounters } from "../jobs/flow-counters";
import { JOB_COLLECTIONS } from "../jobs/collections";
import type { HandlerInput, HandlerOutcome, JobHandler } from "../jobs/executor";
import type { JobStatus, ResultSummary } from "../jobs/model";
import { applyDisabled, needsReview, succeededIn } from "./support/outcomes";
import { type ShardView, aggregateShards } from "../enrichment/shard-aggregate";
import { targetIdPages } from "../catalog/targets";
import { pageCollection } from "../util/paging";

type ParentInput = HandlerInput<"CATALOG_ENRICH_FIELD">;

/** The shard payload schema's limit on exercise ids; a larger configured size is capped, not refused. */
const MAX_SHARD_SIZE = 100;
/** How long a parent waits before it looks at its shards again when nothing wakes it sooner. */
export const SHARD_CHECK_INTERVAL_MS = 60_000;
const SHARD_CREATOR = "system:enrich";

export function shardJobId(parentId: string, index: number): string {
  return `${parentId}-shard-${index}`;
}

export const enrichParentHandler: JobHandler<"CATALOG_ENRICH_FIELD"> = {
  async run(input) {
    const { job, deps, attempt } = input;
    const known = readShardCounters(job.shards);
    if (known.total !== null) return aggregateOrWait(input, known.total);
    if (job.payload.mode === "apply" && !deps.config.applyEnabled) return applyDisabled();
    const created = await createShards(input);
    await recordShardTotal(input, created.total);
    attempt.event("shards_created", { ...created });
    // Shards may have finished already (fast shards, or a retried parent whose shards exist): look before waiting.
    return aggregateOrWait(input, created.total, { shards_created: created.created, shards_existing: created.existing });
  },
};

interface CreatedShards {
  total: number;
  created: number;
  existing: number;
  exercises: number;
}

/** One shard per `shard_size` target ids, in target order; an existing shard id is left as it is. */
async function createShards(input: ParentInput): Promise<CreatedShards> {
  const { job, deps, ctx } = input;
  const shardSize = Math.min(job.payload.shard_size ?? deps.config.shardSize, MAX_SHARD_SIZE);
  const result: CreatedShards = { total: 0, created: 0, existing: 0, exercises: 0 };
  const createShard = async (ids: string[]): Promise<void> => {
    result.total++;
    result.exercises += ids.length;
    const created = await deps.queue.createJob({
      id: shardJobId(job.id, result.total),
      type: "CATALOG_ENRICH_FIELD_SHARD",
      parent_job_id: job.id,
      payload: { mode: job.payload.mode, parent_job_id: job.id, exercise_doc_ids: ids, enrichment_spec: job.payload.enrichment_spec },
      priority: job.priority,
      queue: job.queue,
      created_by: SHARD_CREATOR,
    });
    if (created.created) result.created++;
    else result.existing++;
  };
  const batch: string[] = [];
  for await (const page of targetIdPages(deps.db, job.payload)) {
    ctx.signal.throwIfAborted();
    batch.push(...page);
    while (batch.length >= shardSize) await createShard(batch.splice(0, shardSize));
  }
  if (batch.length > 0) await createShard(batch);
  return result;
}

/** Sets `shards.total`, keeping what the fan-in may already have counted (shards can finish before this). */
async function recordShardTotal({ deps, lease }: ParentInput, total: number): Promise<void> {
  await deps.queue.fenced(lease, (tx, job, ref) => {
    tx.update(ref, { shards: { ...readShardCounters(job.shards), total }, updated_at: Timestamp.fromDate(deps.now()) });
  });
}

function waitForShards({ job, deps }: ParentInput, counters: ShardCounters, summary: ResultSummary): HandlerOutcome {
  return {
    kind: "deferred",
    until: new Date(deps.now().getTime() + SHARD_CHECK_INTERVAL_MS),
    reason: { code: "WAITING_FOR_SHARDS", message: `${counters.done} of ${counters.total ?? "?"} shard(s) finished` },
    summary: { mode: job.payload.mode, ...summary, shards_total: counters.total, shards_done: counters.done },
  };
}

async function loadShards({ deps, job }: ParentInput): Promise<ShardView[]> {
  const query = deps.db.collection(JOB_COLLECTIONS.jobs).where("parent_job_id", "==", job.id);
  const shards: ShardView[] = [];
  for await (const page of pageCollection(query)) {
    for (const doc of page) {
      const ids = doc.get("payload.exercise_doc_ids") as unknown;
      shards.push({
        id: doc.id,
        status: doc.get("status") as JobStatus,
        exercise_count: Array.isArray(ids) ? ids.length : 0,
        result_summary: doc.get("result_summary") as unknown,
        error: doc.get("error") as unknown,
      });
    }
  }
  return shards;
}

/** Reads the shards themselves (the fan-in counters may miss a shard the watchdog finished). */
async function aggregateOrWait(input: ParentInput, total: number, waitingSummary: ResultSummary = {}): Promise<HandlerOutcome> {
  const { job, deps, lease, attempt } = input;
  const aggregate = aggregateShards(await loadShards(input), total);
  await deps.queue.reportProgress(lease, { done: aggregate.counters.done, total });
  if (!aggregate.complete) return waitForShards(input, aggregate.counters, waitingSummary);
  await deps.queue.fenced(lease, (tx, _job, ref) => {
    tx.update(ref, { shards: aggregate.counters, updated_at: Timestamp.fromDate(deps.now()) });
  });
  attempt.event("shards_aggregated", { ...aggregate.counters });
  if (aggregate.counters.failed === 0) return succeededIn(job.payload.mode, aggregate.summary);
  return needsReview(
    job.payload.mode,
    aggregate.summary,
    "SHARDS_FAILED",
    `${aggregate.counters.failed} of ${total} shard(s) did not succeed`,
    { shards: aggregate.unsuccessful },
  );
}
