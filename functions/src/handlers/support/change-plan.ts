/** Building a handler's ChangePlan and handing it to the pipeline. */
import { type ChangePlan, type OperationInput, changePlanSchema } from "../../apply/plan";
import type { Job } from "../../jobs/model";
import type { CatalogDoc } from "../../catalog/repository";
import { type DocData } from "../../util/object-paths";
import { canHoldRegistry, mergedInto } from "../../catalog/family-registry";

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
 * Whether a plan may write a family's registry entry: it has one (`stored`), or its slug `canHoldRegistry`. A legacy
 * slug (which a job may name to repair that family) gets no new entry.
 */
function keepsRegistry(familySlug: string, stored: Readonly<DocData> | null): boolean {
  return stored !== null || canHoldRegistry(familySlug);
}

/**
 * Recomputes a family's registry entry from its members once the plan ran, where it `keepsRegistry` (none otherwise).
 * A merged family stays merged (it has a successor); any other is active while it has live exercises, else deprecated.
 */
export function refreshRegistry(
  familySlug: string,
  stored: Readonly<DocData> | null,
  hasLiveMembers: boolean,
  rationale: string,
): OperationInput[] {
  if (!keepsRegistry(familySlug, stored)) return [];
  const successor = mergedInto(stored);
  if (successor !== null)
    return [{ op: "update_family_registry", family_slug: familySlug, status: "merged", merged_into: successor, rationale }];
  return [{ op: "update_family_registry", family_slug: familySlug, status: hasLiveMembers ? "active" : "deprecated", rationale }];
}

/**
 * The registry update retiring a family into `successor` (a merge, a rename): its entry written merged, where it
 * `keepsRegistry`. Without one, the family alias its slug becomes is what leads to the successor.
 */
export function retiringRegistry(
  familySlug: string,
  stored: Readonly<DocData> | null,
  successor: string,
  rationale: string,
): OperationInput[] {
  if (!keepsRegistry(familySlug, stored)) return [];
  return [{ op: "update_family_registry", family_slug: familySlug, status: "merged", merged_into: successor, rationale }];
}

/**
 * Exercises merged earlier into `retired` (read by their `merged_into`) name `successor` from now on, as
 * families do (`successorMoves`), so no merged exercise names a retired one as the one to use. Each
 * patch holds only while the exercise still names `retired`.
 */
export function successorExerciseMoves(mergedIntoRetired: readonly CatalogDoc[], retired: string, successor: string): OperationInput[] {
  return mergedIntoRetired
    .filter((doc) => isMergedInto(doc, [retired]))
    .map(({ id }) => ({
      op: "patch_fields" as const,
      exercise_id: id,
      set: { merged_into: successor },
      unset: [],
      before: { merged_into: retired },
      rationale: `${retired}, which ${id} was merged into, is merged into ${successor}`,
    }));
}

/**
 * The families of the exercises of `mergedInto` (read by their `merged_into`) merged into one of `retiring`: those
 * `successorExerciseMoves` re-points when they retire, whose families the job locks as it locks every family it touches.
 */
export function repointedExerciseFamilies(mergedInto: readonly CatalogDoc[], retiring: Iterable<string>): string[] {
  const ids = [...retiring];
  const families = mergedInto.filter((doc) => isMergedInto(doc, ids)).map(({ data }) => data.family_slug);
  return [...new Set(families.filter((slug): slug is string => typeof slug === "string"))];
}

function isMergedInto({ data }: CatalogDoc, retired: readonly string[]): boolean {
  return data.status === "merged" && typeof data.merged_into === "string" && retired.includes(data.merged_into);
}

/** The families of `mergedIntoRetired` (read by their `merged_into`) that `successorMoves` changes: those still merged away. */
export function successorFamilies(mergedIntoRetired: readonly CatalogDoc[], successor: string): string[] {
  return mergedIntoRetired.filter(({ id, data }) => id !== successor && data.status === "merged").map(({ id }) => id);
}

/**
 * Families merged earlier into `retired` name `successor` from now on, so a registry never names a
 * retired family as the one to use. Their slugs lead to it too: an alias pointing at `retired`
 * follows with the retired family's own (`aliasedToRetired`); one that never had an alias gets one.
 */
export function successorMoves(
  mergedIntoRetired: readonly CatalogDoc[],
  retired: string,
  successor: string,
  aliasedToRetired: ReadonlySet<string>,
): OperationInput[] {
  const rationale = (id: string) => `${retired}, which ${id} was merged into, goes on as ${successor}`;
  return successorFamilies(mergedIntoRetired, successor).flatMap((id) => [
    {
      op: "update_family_registry" as const,
      family_slug: id,
      status: "merged" as const,
      merged_into: successor,
      rationale: rationale(id),
    },
    ...(aliasedToRetired.has(id)
      ? []
      : [{ op: "upsert_alias" as const, alias_slug: id, family_slug: successor, is_family_alias: true, rationale: rationale(id) }]),
  ]);
}
