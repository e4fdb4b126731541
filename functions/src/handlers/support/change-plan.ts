/** Building a handler's ChangePlan and handing it to the pipeline. */
import { type ChangePlan, type OperationInput, changePlanSchema } from "../../apply/plan";
import type { Job } from "../../jobs/model";
import type { CatalogDoc } from "../../catalog/repository";
import { type DocData } from "../../util/object-paths";

/** A plan with the schema's defaults filled, and an explicit no_change when there is nothing to do. */
export function changePlan(job: Pick<Job, "id" | "type">, summary: string, operations: readonly OperationInput[]): ChangePlan {
  return changePlanSchema.parse({
    job_id: job.id,
    job_type: job.type,
    summary,
    operations: operations.length > 0 ? operations : [{ op: "no_change", rationale: summary }],
  });
}

/**
 * Recomputes a family's registry entry from its members once the plan ran. A merged family stays
 * merged (it has a successor); any other is active while it has live exercises, else deprecated.
 */
export function refreshRegistry(
  familySlug: string,
  stored: Readonly<DocData> | null,
  hasLiveMembers: boolean,
  rationale: string,
): OperationInput {
  if (stored?.status === "merged" && typeof stored.merged_into === "string") {
    return { op: "update_family_registry", family_slug: familySlug, status: "merged", merged_into: stored.merged_into, rationale };
  }
  return { op: "update_family_registry", family_slug: familySlug, status: hasLiveMembers ? "active" : "deprecated", rationale };
}

/**
 * Families merged earlier into `retired` name `successor` from now on, so a registry never names a
 * retired family as the one to use (their aliases follow with the retired family's own).
 */
export function successorMoves(mergedIntoRetired: readonly CatalogDoc[], retired: string, successor: string): OperationInput[] {
  return mergedIntoRetired
    .filter(({ id }) => id !== successor)
    .map(({ id }) => ({
      op: "update_family_registry" as const,
      family_slug: id,
      status: "merged" as const,
      merged_into: successor,
      rationale: `${retired}, which ${id} was merged into, goes on as ${successor}`,
    }));
}
