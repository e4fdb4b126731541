/**
 * SCHEMA_CLEANUP: removes deprecated fields from the named exercises (see plans/schema-cleanup).
 * Takes no family lock: it changes no name, equipment or status, so no family invariant.
 */
import { runPlan } from "../apply/run-plan";
import { getExercises } from "../catalog/repository";
import type { JobHandler } from "../jobs/executor";
import { changePlan } from "./support/change-plan";
import { planSchemaCleanup } from "./plans/schema-cleanup";

export const schemaCleanupHandler: JobHandler<"SCHEMA_CLEANUP"> = {
  async run(input) {
    const { payload } = input.job;
    const cleanup = planSchemaCleanup(payload, await getExercises(input.deps.db, payload.exercise_doc_ids));
    const plan = changePlan(input.job, `remove deprecated fields from ${payload.exercise_doc_ids.length} exercise(s)`, cleanup.operations);
    return runPlan(input, plan, {
      fields_removed: cleanup.fields_removed,
      fields_kept: cleanup.kept.length,
      kept: cleanup.kept.slice(0, 100),
    });
  },
};
