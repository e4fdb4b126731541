/** Building a handler's ChangePlan and handing it to the pipeline. */
import { runPlan } from "../../apply/pipeline";
import { type ChangePlan, type OperationInput, changePlanSchema } from "../../apply/plan";
import type { DocData } from "../../catalog/repository";
import { FAMILY_STATUSES, type FamilyStatus } from "../../catalog/taxonomy";
import type { HandlerInput, HandlerOutcome } from "../executor";
import type { Job, JobType } from "../models";

/** A plan with the schema's defaults filled, and an explicit no_change when there is nothing to do. */
export function changePlan(job: Pick<Job, "id" | "type">, summary: string, operations: readonly OperationInput[]): ChangePlan {
  return changePlanSchema.parse({
    job_id: job.id,
    job_type: job.type,
    summary,
    operations: operations.length > 0 ? operations : [{ op: "no_change", rationale: summary }],
  });
}

/** Recomputes a family's registry entry from its members, keeping the status it has (a new entry is active). */
export function refreshRegistry(familySlug: string, stored: Readonly<DocData> | null, rationale: string): OperationInput {
  const status = (FAMILY_STATUSES as readonly unknown[]).includes(stored?.status) ? (stored?.status as FamilyStatus) : "active";
  const mergedInto = status === "merged" && typeof stored?.merged_into === "string" ? stored.merged_into : undefined;
  return { op: "update_family_registry", family_slug: familySlug, status, ...(mergedInto ? { merged_into: mergedInto } : {}), rationale };
}

/**
 * `runPlan` for a handler of one job type. TypeScript checks HandlerInput's job type invariantly
 * (its job is a conditional type), so the input is widened here, once, field by field.
 */
export function runJobPlan<T extends JobType>(input: HandlerInput<T>, plan: ChangePlan, extraSummary?: Record<string, unknown>): Promise<HandlerOutcome> {
  const widened: HandlerInput<JobType> = { ...input, job: input.job };
  return runPlan(widened, plan, extraSummary);
}
