/** Builds a handler's ChangePlan: defaults filled by the plan schema, and an explicit no_change when there is nothing to do. */
import { type ChangePlan, type OperationInput, changePlanSchema } from "../../apply/plan";
import type { DocData } from "../../catalog/repository";
import { FAMILY_STATUSES, type FamilyStatus } from "../../catalog/taxonomy";
import type { Job } from "../models";

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
