/**
 * SCHEMA_CLEANUP: removes deprecated fields from the named exercises (see plans/schema-cleanup).
 * Takes no family lock: it changes no name, equipment or status, so no family invariant.
 */
import { z } from "zod";
import { modeSchema } from "../jobs/model";
import { docIdsSchema } from "../catalog/inputs";
import type { BasePayload } from "../jobs/model";
import { planHandler } from "./support/plan-handler";
import { getExercises } from "../catalog/repository";
import { changePlan } from "./support/change-plan";
import { type SchemaCleanupRequest, planSchemaCleanup } from "./plans/schema-cleanup";

/** The payload of a SCHEMA_CLEANUP job. */
const schemaCleanupPayload = z.strictObject({
  mode: modeSchema,
  exercise_doc_ids: docIdsSchema,
  fields_to_remove: z.array(z.string().min(1)).min(1).optional(),
}) satisfies z.ZodType<BasePayload & SchemaCleanupRequest>;

export const schemaCleanupHandler = planHandler({
  type: "SCHEMA_CLEANUP",
  lane: "maintenance",
  payload: schemaCleanupPayload,
  smallerJobs: "name fewer exercise_doc_ids in each job",
  async plan(input) {
    const { payload } = input.job;
    const cleanup = planSchemaCleanup(payload, await getExercises(input.deps.db, payload.exercise_doc_ids));
    const plan = changePlan(input.job, `remove deprecated fields from ${payload.exercise_doc_ids.length} exercise(s)`, cleanup.operations);
    return {
      plan,
      summary: {
        fields_removed: cleanup.fields_removed,
        fields_kept: cleanup.kept.length,
        kept: cleanup.kept.slice(0, 100),
      },
    };
  },
});
