/**
 * Whether an exercise may take a new name: its slug must be free of every other exercise (of any
 * status) and of aliases pointing elsewhere. Handlers check this before planning a rename, so a
 * clash is reported as a finding instead of failing validation.
 */
import { toNameSlug } from "./taxonomy";
import { aliasPointsAtExercise, aliasPointsAtFamily, describeAlias, isAliasableSlug, shadowsOwnName } from "./slug-aliases";
import { type DocData } from "../util/object-paths";
import { shortList } from "../util/short-list";

/** What the catalog holds for the slugs a plan gives out. */
export interface SlugOwners {
  /** Alias documents by slug. */
  aliases: ReadonlyMap<string, DocData>;
  /** Name slug → ids of the exercises that hold it now. */
  exercises: ReadonlyMap<string, readonly string[]>;
  /** Those of them that are live (an alias may not shadow a live exercise's name slug). */
  live: ReadonlySet<string>;
}

export const NO_SLUG_OWNERS: SlugOwners = { aliases: new Map(), exercises: new Map(), live: new Set() };

/** How many of the other holders of a slug a conflict names: a family of hundreds would make its message as long. */
const NAMED_HOLDERS = 3;

const holderList = (holders: readonly string[]): string => shortList(holders, NAMED_HOLDERS);

/**
 * Why exercise `id` cannot be named `newName`, or null when it can. `finalNames` are the names the
 * plan leaves its exercises with. A current owner of the slug that the plan renames still holds it:
 * a renamed exercise keeps its old slug as an alias.
 */
export function renameConflict(id: string, newName: string, finalNames: ReadonlyMap<string, string>, owners: SlugOwners): string | null {
  return renameConflictCheck(finalNames, owners)(id, newName);
}

/**
 * `renameConflict` for many renames against one plan: each final name is slugged once here, so
 * checking every member of a family costs time in proportion to its size, not to its square.
 */
export function renameConflictCheck(
  finalNames: ReadonlyMap<string, string>,
  owners: SlugOwners,
): (id: string, newName: string) => string | null {
  const plannedHolders = new Map<string, string[]>();
  for (const [holder, name] of finalNames) {
    const slug = toNameSlug(name);
    const holders = plannedHolders.get(slug);
    if (holders) holders.push(holder);
    else plannedHolders.set(slug, [holder]);
  }
  return (id, newName) => {
    const slug = toNameSlug(newName);
    const planned = (plannedHolders.get(slug) ?? []).filter((other) => other !== id);
    const current = (owners.exercises.get(slug) ?? []).filter((other) => other !== id);
    const holders = [...new Set([...planned, ...current])];
    if (holders.length > 0) return `the slug "${slug}" of "${newName}" belongs to ${holderList(holders)} too`;
    const alias = owners.aliases.get(slug);
    if (alias && !aliasPointsAtExercise(alias, id)) return describeAlias(slug, alias);
    return null;
  };
}

/**
 * Why renaming exercise `id` to `target` would write its stored name slug's alias over one that leads to
 * another exercise or family, or null. Its other old slugs give up such an alias (see renameAliasOps),
 * but the stored name slug stays the exercise's: the validator refuses to take the alias over from a
 * live target (ALIAS_COLLISION), and a person decides where it should lead. An alias shadowing a live
 * exercise's name is no such target: the rename takes it over (`shadowsOwnName`).
 */
export function heldOldSlug(id: string, data: Readonly<DocData>, target: string, owners: SlugOwners): string | null {
  const slug = data.name_slug;
  if (!isAliasableSlug(slug) || slug === toNameSlug(target)) return null;
  const alias = owners.aliases.get(slug);
  if (!alias || !(alias.exercise_id || alias.family_slug) || alias.exercise_id === id || shadowsOwnName(id, data, alias)) return null;
  // A family alias to its own family reaches it already (renameAliasOps leaves it).
  if (typeof data.family_slug === "string" && aliasPointsAtFamily(alias, data.family_slug)) return null;
  return `its old slug must stay its alias, and ${describeAlias(slug, alias)}`;
}
