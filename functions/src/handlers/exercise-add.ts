/**
 * EXERCISE_ADD: creates a new exercise from an intent (see plans/exercise-add), and once it exists
 * in apply mode queues its enrichment (dedup-keyed per exercise). A dry run queues nothing.
 */
import { runPlan } from "../apply/run-plan";
import type { EngineDeps, HandlerOutcome, JobHandler } from "../jobs/executor";
import { familyLockKey } from "../jobs/locks";
import type { JobOf } from "../jobs/model";
import { exercisesCreatedByJob, loadRenameOwners, readFamily } from "../catalog/reads";
import { changePlan } from "./support/change-plan";
import { draftExercise, placeExercise, planExerciseAdd } from "./plans/exercise-add";

export const exerciseAddHandler: JobHandler<"EXERCISE_ADD"> = {
  lockKeys: ({ payload }) => [familyLockKey(draftExercise(payload.intent).family_slug)],
  async run(input) {
    const { db } = input.deps;
    const draft = draftExercise(input.job.payload.intent);
    const [family, createdBefore] = await Promise.all([readFamily(db, draft.family_slug), exercisesCreatedByJob(db, input.job.id)]);
    // Placed as if an earlier attempt had not created it yet, so a retry plans what is left.
    const placed = placeExercise(draft, { ...family, members: family.members.filter(({ id }) => !createdBefore.includes(id)) });
    // The new exercise counts as a member whose name changes from nothing, so its slug's holders are read.
    const owners = await loadRenameOwners(db, [...family.members, { id: placed.exercise_id, data: {} }], placed.join.finalNames);
    const addition = planExerciseAdd(placed, owners, createdBefore.includes(placed.exercise_id));
    const plan = changePlan(input.job, `add exercise "${placed.name}"`, addition.operations);
    const outcome = await runPlan(input, plan, {
      exercise_id: addition.exercise_id,
      name: placed.name,
      family_slug: draft.family_slug,
      renamed: addition.renamed,
    });
    return outcome.kind === "completed" && outcome.status === "succeeded"
      ? queueEnrichment(input.deps, input.job, addition.exercise_id, outcome)
      : outcome;
  },
};

async function queueEnrichment(
  deps: EngineDeps,
  job: JobOf<"EXERCISE_ADD">,
  exerciseId: string,
  outcome: HandlerOutcome & { kind: "completed" },
): Promise<HandlerOutcome> {
  const enrichment = await deps.queue.createJob({
    type: "CATALOG_ENRICH_FIELD",
    payload: { mode: "apply", enrichment_spec: { spec_id: "exercise_add", spec_version: 1 }, exercise_doc_ids: [exerciseId] },
    dedup_key: `ENRICH:exercise_add:${exerciseId}`,
    created_by: `system:${job.type}`,
  });
  return { ...outcome, summary: { ...outcome.summary, enrichment_job_id: enrichment.jobId, enrichment_job_created: enrichment.created } };
}
