/**
 * CATALOG_ENRICH_FIELD, the parent of an enrichment: selects the target exercises page by page and
 * creates one CATALOG_ENRICH_FIELD_SHARD child per batch; the engine's flows (`jobs/flows.ts`) make
 * it wait, using no attempts, until every shard is final, then `finishParent` aggregates their
 * outcomes. All shards succeeded → succeeded (succeeded_dry_run in a dry run); any shard that did
 * not succeed answered nothing either (out of attempts, cancelled, failed, apply switched off: see
 * `endedWithAnswer`) → needs_review SHARDS_UNANSWERED, which answers nothing, so the producer asks
 * for the whole enrichment again; else (every such shard handed to a person) → needs_review SHARDS_FAILED.
 */
import type { Firestore } from "firebase-admin/firestore";
import { z } from "zod";
import { applyDisabled } from "../apply/run-plan";
import { ONE_TARGET_SELECTION, docIdSchema, filterCriteriaSchema, oneTargetSelection } from "../catalog/inputs";
import { targetIdPages } from "../catalog/targets";
import { assertExercisesExist } from "./support/failures";
import { aggregateShards, exerciseCountOf, shardsWithoutCounts } from "../enrichment/shard-aggregate";
import { ledgerCounts } from "../enrichment/shard-ledger";
import { enrichmentSpecSchema } from "../enrichment/spec";
import { JOB_COLLECTIONS } from "../jobs/collections";
import { childJobId } from "../jobs/flows";
import { modeSchema, type ChildSpec } from "../jobs/model";
import { SHARDS_UNANSWERED, needsReview, succeededIn } from "../jobs/outcomes";
import { type CatalogInput, catalogHandler } from "./support/catalog-handler";
import { MAX_SHARD_SIZE } from "../config";
import { pageCollection } from "../util/paging";

/** The payload of a CATALOG_ENRICH_FIELD job. */
const catalogEnrichFieldPayload = z
  .strictObject({
    mode: modeSchema,
    enrichment_spec: enrichmentSpecSchema,
    exercise_doc_ids: z.array(docIdSchema).min(1).max(10_000).optional(),
    filter_criteria: filterCriteriaSchema.optional(),
    shard_size: z.number().int().min(1).max(MAX_SHARD_SIZE).optional(),
  })
  .refine(oneTargetSelection, ONE_TARGET_SELECTION);

type ParentInput = CatalogInput<typeof catalogEnrichFieldPayload>;

export const enrichParentHandler = catalogHandler({
  type: "CATALOG_ENRICH_FIELD",
  lane: "maintenance",
  payload: catalogEnrichFieldPayload,
  async run(input) {
    const { job, deps, attempt, engine } = input;
    // Without an LLM every shard would fail: none is created.
    const llmNotConfigured = deps.llmNotConfigured();
    if (llmNotConfigured) throw llmNotConfigured;
    if (job.payload.mode === "apply" && !deps.config.applyEnabled) return applyDisabled();
    const existing = await createdShardSlices(deps.db, job.id);
    // Its first run checked the named ids: a retry part-way through creating shards goes on with them as they were.
    if (existing.length === 0) await assertExercisesExist(deps.db, job.payload.exercise_doc_ids);
    const created = await engine.createChildren(shardsOf(input, existing));
    attempt.event("shards_created", { ...created });
    return { kind: "wait_for_children", summary: { shards_created: created.created, shards_existing: created.existing } };
  },
  async finishParent({ job, attempt, deps }, shards) {
    const uncounted = shardsWithoutCounts(shards);
    const ledgers = new Map(
      await Promise.all(uncounted.map(async (shard) => [shard.id, await ledgerCounts(deps.db, shard.id, exerciseCountOf(shard))] as const)),
    );
    const aggregate = aggregateShards(shards, ledgers);
    const { failed, unanswered } = aggregate;
    attempt.event("shards_aggregated", { total: shards.length, failed, unanswered, counted_from_ledgers: uncounted.length });
    if (failed === 0) return succeededIn(job.payload.mode, aggregate.summary);
    const message = `${failed} of ${shards.length} shard(s) did not succeed`;
    const details = { shards: aggregate.unsuccessful };
    if (unanswered === 0) return needsReview(job.payload.mode, aggregate.summary, "SHARDS_FAILED", message, details);
    return needsReview(
      job.payload.mode,
      aggregate.summary,
      SHARDS_UNANSWERED,
      `${message}, ${unanswered} of them without an answer (out of attempts, cancelled, failed or apply switched off)`,
      details,
    );
  },
});

/**
 * One shard per `shard_size` target ids, in target order; a configured size larger than a shard takes is capped, not refused.
 * A parent retried part-way through creating its shards yields those it created first (`existing`),
 * as they are, and slices the rest at the size it has now: the named ids those shards did not take,
 * or, for a filter (whose matches may have changed since: exercises archived or added), the live
 * exercises after the last id they took, not from their count on, so each exercise still matching
 * is in one shard only. One added since whose id sorts before that id is left out, like any added
 * after the job ran.
 */
async function* shardsOf({ job, deps, ctx }: ParentInput, existing: readonly string[][]): AsyncGenerator<ChildSpec> {
  const shardSize = Math.min(job.payload.shard_size ?? deps.config.shardSize, MAX_SHARD_SIZE);
  const shard = (ids: string[]): ChildSpec => ({
    type: "CATALOG_ENRICH_FIELD_SHARD",
    payload: { mode: job.payload.mode, parent_job_id: job.id, exercise_doc_ids: ids, enrichment_spec: job.payload.enrichment_spec },
    priority: job.priority,
    queue: job.queue,
  });
  let afterId: string | undefined;
  const taken = new Set<string>();
  for (const ids of existing) {
    yield shard(ids);
    afterId = ids[ids.length - 1];
    for (const id of ids) taken.add(id);
  }
  const batch: string[] = [];
  for await (const page of targetIdPages(deps.db, job.payload, afterId)) {
    ctx.signal.throwIfAborted();
    batch.push(...page.filter((id) => !taken.has(id)));
    while (batch.length >= shardSize) yield shard(batch.splice(0, shardSize));
  }
  if (batch.length > 0) yield shard(batch);
}

/** The target ids of each shard `parentId` created so far, in shard order (children are created in order: shards 1..n). */
async function createdShardSlices(db: Firestore, parentId: string): Promise<string[][]> {
  const query = db.collection(JOB_COLLECTIONS.jobs).where("parent_job_id", "==", parentId).select("payload.exercise_doc_ids");
  const slices = new Map<string, string[]>();
  for await (const page of pageCollection(query)) {
    for (const doc of page) slices.set(doc.id, doc.get("payload.exercise_doc_ids") as string[]);
  }
  const ordered: string[][] = [];
  let slice: string[] | undefined;
  while ((slice = slices.get(childJobId(parentId, ordered.length + 1)))) ordered.push(slice);
  return ordered;
}
