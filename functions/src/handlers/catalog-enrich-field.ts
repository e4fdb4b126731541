/**
 * CATALOG_ENRICH_FIELD, the parent of an enrichment: selects the target exercises page by page and
 * creates one CATALOG_ENRICH_FIELD_SHARD child per batch; the engine's flows (`jobs/flows.ts`) make
 * it wait, using no attempts, until every shard is final, then `finishParent` aggregates their
 * outcomes. All shards succeeded → succeeded (succeeded_dry_run in a dry run); any shard failed,
 * deadlettered, cancelled or needing review → needs_review SHARDS_FAILED.
 */
import { z } from "zod";
import { applyDisabled } from "../apply/run-plan";
import { ONE_TARGET_SELECTION, docIdSchema, filterCriteriaSchema, oneTargetSelection } from "../catalog/inputs";
import { targetIdPages } from "../catalog/targets";
import { assertExercisesExist } from "./support/failures";
import { aggregateShards } from "../enrichment/shard-aggregate";
import { enrichmentSpecSchema } from "../enrichment/spec";
import { modeSchema, type ChildSpec } from "../jobs/model";
import { needsReview, succeededIn } from "../jobs/outcomes";
import { type CatalogInput, catalogHandler } from "./support/catalog-handler";
import { MAX_SHARD_SIZE } from "../config";

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
    await assertExercisesExist(deps.db, job.payload.exercise_doc_ids);
    const created = await engine.createChildren(shardsOf(input));
    attempt.event("shards_created", { ...created });
    return { kind: "wait_for_children", summary: { shards_created: created.created, shards_existing: created.existing } };
  },
  finishParent({ job, attempt }, shards) {
    const aggregate = aggregateShards(shards);
    attempt.event("shards_aggregated", { total: shards.length, failed: aggregate.failed });
    if (aggregate.failed === 0) return Promise.resolve(succeededIn(job.payload.mode, aggregate.summary));
    return Promise.resolve(
      needsReview(
        job.payload.mode,
        aggregate.summary,
        "SHARDS_FAILED",
        `${aggregate.failed} of ${shards.length} shard(s) did not succeed`,
        {
          shards: aggregate.unsuccessful,
        },
      ),
    );
  },
});

/** One shard per `shard_size` target ids, in target order; a configured size larger than a shard takes is capped, not refused. */
async function* shardsOf({ job, deps, ctx }: ParentInput): AsyncGenerator<ChildSpec> {
  const shardSize = Math.min(job.payload.shard_size ?? deps.config.shardSize, MAX_SHARD_SIZE);
  const shard = (ids: string[]): ChildSpec => ({
    type: "CATALOG_ENRICH_FIELD_SHARD",
    payload: { mode: job.payload.mode, parent_job_id: job.id, exercise_doc_ids: ids, enrichment_spec: job.payload.enrichment_spec },
    priority: job.priority,
    queue: job.queue,
  });
  const batch: string[] = [];
  for await (const page of targetIdPages(deps.db, job.payload)) {
    ctx.signal.throwIfAborted();
    batch.push(...page);
    while (batch.length >= shardSize) yield shard(batch.splice(0, shardSize));
  }
  if (batch.length > 0) yield shard(batch);
}
