/** The alias operations that keep a renamed exercise's old slugs reachable. Pure. */
import type { OperationInput } from "../../apply/plan";
import type { SlugOwners } from "../../catalog/rename-conflicts";
import { toNameSlug } from "../../catalog/taxonomy";
import { aliasPointsAtExercise, aliasPointsAtFamily, knownSlugsOf, shadowsOwnName } from "../../catalog/slug-aliases";
import type { DocData } from "../../util/object-paths";

/**
 * The alias operations that go with renaming the exercise to `newName`: each old slug not yet an
 * alias of it becomes one, and an alias equal to the new slug (renaming back) is deleted, because
 * an exercise's own slug needs no alias. An old slug another live exercise has taken as its name
 * since (the one it was created with) is that exercise's: no alias may shadow it. Nor is the slug
 * it was created with taken from an alias that leads elsewhere now: only the stored name_slug must
 * stay an alias, and an orphaned alias is the alias repair's; one that shadows the exercise's name
 * is deleted first (`shadowsOwnName`). `owners` holds the alias documents and name holders of
 * `renameAliasSlugs`.
 */
export function renameAliasOps(exerciseId: string, exercise: Readonly<DocData>, newName: string, owners: SlugOwners): OperationInput[] {
  const { aliases } = owners;
  const newSlug = toNameSlug(newName);
  const takenByAnother = (slug: string) => (owners.exercises.get(slug) ?? []).some((id) => id !== exerciseId && owners.live.has(id));
  const leadsElsewhere = (slug: string) => {
    const alias = aliases.get(slug);
    return slug !== exercise.name_slug && Boolean(alias?.exercise_id || alias?.family_slug) && alias?.exercise_id !== exerciseId;
  };
  const ops: OperationInput[] = [];
  for (const slug of knownSlugsOf(exerciseId, exercise)) {
    if (slug === newSlug || aliasPointsAtExercise(aliases.get(slug), exerciseId) || takenByAnother(slug) || leadsElsewhere(slug)) continue;
    // A family alias to its own family reaches it already: the one-word family's old slug, once its name.
    if (typeof exercise.family_slug === "string" && aliasPointsAtFamily(aliases.get(slug), exercise.family_slug)) continue;
    if (slug === exercise.name_slug && shadowsOwnName(exerciseId, exercise, aliases.get(slug)))
      ops.push({
        op: "delete_alias",
        alias_slug: slug,
        rationale: `"${slug}" led to ${String(aliases.get(slug)?.exercise_id)} while it was the name of ${exerciseId}, which it shadowed`,
      });
    ops.push({
      op: "upsert_alias",
      alias_slug: slug,
      exercise_id: exerciseId,
      rationale: `keep the old slug "${slug}" reachable after the rename to "${newName}"`,
    });
  }
  if (aliasPointsAtExercise(aliases.get(newSlug), exerciseId)) {
    ops.push({ op: "delete_alias", alias_slug: newSlug, rationale: `"${newSlug}" is the exercise's own slug again; it needs no alias` });
  }
  return ops;
}
