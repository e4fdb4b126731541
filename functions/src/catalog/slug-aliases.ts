/**
 * Old slugs stay reachable: when an exercise gets a new name, every slug it was known by becomes
 * an alias of it. Pure facts about an exercise's slugs and aliases, shared by the plans that rename
 * or move exercises and by the alias scan and repair, which look for old slugs that lost their alias.
 */
import { ALIAS_SLUG_PATTERN, toNameSlug } from "./taxonomy";
import { type DocData, display } from "../util/object-paths";
import { isLiveExercise } from "./family-registry";

/**
 * The name slug an exercise id was created with (`{family_slug}__{name_slug}`), or null for ids of
 * another shape. When it differs from the current name_slug, the exercise was renamed since.
 */
export function creationSlugOf(exerciseId: string): string | null {
  return creationPart(exerciseId, 1);
}

/** The family an exercise id was created in, as `creationSlugOf` reads it, or null for ids of another shape. */
export function creationFamilyOf(exerciseId: string): string | null {
  return creationPart(exerciseId, 0);
}

/** Part `index` of an id of the shape `{family_slug}__{name_slug}` (0: the family, 1: the name slug), or null. */
function creationPart(exerciseId: string, index: 0 | 1): string | null {
  const parts = exerciseId.split("__");
  return parts.length === 2 && parts[index] !== "" ? parts[index] : null;
}

/**
 * Whether an old slug can be kept as an alias. Legacy data holds name_slugs that are no slug
 * ("Bench Press Barbell"): no alias document may carry one, so such a slug is not kept.
 */
export function isAliasableSlug(slug: unknown): slug is string {
  return typeof slug === "string" && ALIAS_SLUG_PATTERN.test(slug);
}

/** Every slug the exercise is or was known by that an alias can keep: its stored name_slug and the slug in its id. */
export function knownSlugsOf(exerciseId: string, exercise: Readonly<DocData>): string[] {
  return [...new Set([exercise.name_slug, creationSlugOf(exerciseId)].filter(isAliasableSlug))];
}

/**
 * True when `alias`, the alias document at the stored name slug of live exercise `exerciseId`, leads to another
 * exercise: it was never followed (the slug finds the exercise by its name first) and shadows the name, which
 * ALIAS_REPAIR deletes. Renaming the exercise takes the alias over, so the old slug still reaches it.
 */
export function shadowsOwnName(exerciseId: string, exercise: Readonly<DocData>, alias: Readonly<DocData> | undefined): boolean {
  return isLiveExercise(exercise) && typeof alias?.exercise_id === "string" && alias.exercise_id !== exerciseId;
}

/** True when `alias` is a family alias leading to `familySlug`. */
export function aliasPointsAtFamily(alias: Readonly<DocData> | undefined, familySlug: string): boolean {
  return alias !== undefined && alias.family_slug === familySlug && !alias.exercise_id;
}

/** "alias of exercise X" / "alias of family Y" / "alias without a target", for messages. */
export function describeAlias(slug: string, alias: Readonly<DocData>): string {
  if (alias.exercise_id) return `"${slug}" is an alias of exercise ${display(alias.exercise_id)}`;
  if (alias.family_slug) return `"${slug}" is an alias of family ${display(alias.family_slug)}`;
  return `"${slug}" is an alias without a target`;
}

export function aliasPointsAtExercise(alias: Readonly<DocData> | undefined, exerciseId: string): boolean {
  return alias !== undefined && alias.exercise_id === exerciseId && !alias.family_slug;
}

/** The alias slugs a rename of the exercise to `newName` reads and may write (its old slugs and its new one). */
export function renameAliasSlugs(exerciseId: string, exercise: Readonly<DocData>, newName: string): string[] {
  return [...new Set([...knownSlugsOf(exerciseId, exercise), toNameSlug(newName)])];
}
