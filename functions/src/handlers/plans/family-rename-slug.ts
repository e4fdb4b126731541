/**
 * FAMILY_RENAME_SLUG's plan: every exercise of the family (any status) moves to the new slug, a live
 * one renamed where its name must fit the new slug (old name slugs kept as aliases; a retired one keeps
 * its name, as no alias may lead to it); aliases of the family follow (one naming an exercise too keeps
 * the target ALIAS_REPAIR would keep: `exerciseKeptBy`);
 * the old slug becomes a family alias of the new one, and its registry entry is retired as merged
 * into the new one, so anything holding the old slug finds its way. A new slug that already names a
 * family is refused with FAMILY_EXISTS (merge the families instead).
 */
import type { OperationInput } from "../../apply/plan";
import type { CatalogDoc } from "../../catalog/repository";
import { JobFailure } from "../../jobs/errors";
import { exerciseIdFor } from "../../catalog/taxonomy";
import type { LoadedFamily } from "../../catalog/reads";
import { refreshRegistry, successorMoves } from "../support/change-plan";
import { assertSlugNotAnAlias, assertSourceNotRetired } from "../support/failures";
import { isMultiEquipment, liveMembers, nameForFamily, nameOf } from "../../catalog/family-naming";
import type { SlugOwners } from "../../catalog/rename-conflicts";
import { aliasPointsAtFamily } from "../../catalog/slug-aliases";
import { mergedInto } from "../../catalog/family-registry";
import { exerciseKeptBy, exercisesById, keepsExerciseRationale, nothingLiveToMerge } from "./family-merge";
import { moveOperations, namingConflicts, needsNewName } from "./family-moves";

export interface FamilyRenameInput {
  family: LoadedFamily;
  /** The family as found under the new slug: nothing, or the renamed family after an earlier run. */
  renamed: LoadedFamily;
  /** Includes the alias documents of the old and the new slug. */
  owners: SlugOwners;
  /** Aliases pointing at the family. */
  familyAliases: readonly CatalogDoc[];
  /** Registry entries of families merged into the family earlier. */
  mergedIntoFamily: readonly CatalogDoc[];
  /** The exercises outside the family that its aliases lead to through merges (`aliasExerciseIds`), as read. */
  aliasExercises: readonly CatalogDoc[];
}

export interface FamilyRename {
  operations: OperationInput[];
  moved: number;
  renamed: number;
}

/**
 * Each exercise's name under the new slug (null: it cannot be made to fit). The new slug names no
 * family yet, so it has no base name (toBase null): each name's own words for the old slug are respelled.
 */
export function namesUnderNewSlug(family: LoadedFamily, newSlug: string): Map<string, string | null> {
  const move = { from: family.slug, to: newSlug, toBase: null, multiEquipment: isMultiEquipment(family.members) };
  return new Map(family.members.map(({ id, data }) => [id, nameForFamily(data, move)]));
}

export function planFamilyRenameSlug(input: FamilyRenameInput): FamilyRename {
  const { family, renamed: target } = input;
  // The slug this family had before a rename (its registry entry merged into this family, no members) is free to take back.
  const formerSlug = target.members.length === 0 && mergedInto(target.registry) === family.slug;
  if (!formerSlug && (target.members.length > 0 || target.registry !== null)) {
    if (family.members.length === 0 && mergedInto(family.registry) === target.slug) {
      return { operations: [], moved: 0, renamed: 0 };
    }
    // The advice below is a merge, which takes no family merged away already, nor one with no live
    // exercise into another with none: those are retired, not renamed.
    assertSourceNotRetired(family, nothingLiveToMerge(family, target) ? "merged_or_deprecated" : "merged");
    // Exercises keep the id they were created with: these came from this family, by a rename that stopped part-way.
    const movedHere = target.members.filter(({ id }) => id.startsWith(exerciseIdFor(family.slug, ""))).map(({ id }) => id);
    // A family merged away takes no merge (TARGET_FAMILY_RETIRED): its successor does.
    const successor = mergedInto(target.registry);
    const why =
      movedHere.length > 0
        ? `family ${target.slug} already holds ${movedHere.length} exercise(s) moved from ${family.slug} (a rename that stopped part-way?); finish it with FAMILY_MERGE of ${family.slug} into ${target.slug}`
        : successor
          ? `family ${target.slug} was merged into ${successor}; merge ${family.slug} into ${successor} with FAMILY_MERGE instead`
          : `family ${target.slug} already exists; merge ${family.slug} into it with FAMILY_MERGE instead`;
    throw JobFailure.permanent("FAMILY_EXISTS", why, {
      family_slug: target.slug,
      ...(movedHere.length > 0 ? { moved_from_source: movedHere } : {}),
    });
  }
  assertSourceNotRetired(family, "merged_or_deprecated");
  const newSlugAlias = input.owners.aliases.get(target.slug);
  const aliasOfThisFamily = aliasPointsAtFamily(newSlugAlias, family.slug);
  if (!aliasOfThisFamily) assertSlugNotAnAlias(target.slug, newSlugAlias);
  // The plan deletes that alias: it holds no slug an exercise of a one-word family ("Plank" in plank) may take back.
  const owners = aliasOfThisFamily
    ? { ...input.owners, aliases: new Map([...input.owners.aliases].filter(([slug]) => slug !== target.slug)) }
    : input.owners;

  // A retired exercise moves under its own name: renamed, its old slug would need an alias, and no alias may lead to it.
  const live = new Set(liveMembers(family.members).map(({ id }) => id));
  const names = namesUnderNewSlug(family, target.slug);
  const unfit = family.members.filter(({ id }) => live.has(id) && names.get(id) === null);
  const moves = family.members.map((member) => ({
    member,
    name: (live.has(member.id) ? names.get(member.id) : null) ?? nameOf(member.data) ?? "",
  }));
  const finalNames = new Map(moves.map(({ member, name }) => [member.id, name]));
  const renamedMoves = moves.filter(({ member, name }) => needsNewName(member.data, name));
  const conflicts = [
    ...unfit.map((member) => ({
      exercise_id: member.id,
      kind: "name" as const,
      reason: `"${String(member.data.name)}" cannot be named as a variant of ${target.slug}`,
    })),
    ...namingConflicts(renamedMoves, finalNames, owners),
  ];
  if (conflicts.length > 0) {
    throw JobFailure.needsReview(
      "RENAME_CONFLICT",
      `${conflicts.length} exercise(s) of ${family.slug} cannot carry their names under ${target.slug}; nothing was written`,
      { conflicts },
    );
  }

  const retiredName = `${family.slug} is renamed to ${target.slug}`;
  const aliasTargets = exercisesById(family.members, input.aliasExercises);
  const operations: OperationInput[] = [
    ...moveOperations(family.slug, target.slug, moves, owners, retiredName, { fromBecomesAlias: true }),
    ...input.familyAliases
      .filter(({ id }) => id !== family.slug && id !== target.slug)
      .map((alias): OperationInput => {
        const exerciseId = exerciseKeptBy(alias, aliasTargets);
        return exerciseId
          ? {
              op: "upsert_alias",
              alias_slug: alias.id,
              exercise_id: exerciseId,
              rationale: keepsExerciseRationale(retiredName, exerciseId),
            }
          : { op: "upsert_alias", alias_slug: alias.id, family_slug: target.slug, is_family_alias: true, rationale: retiredName };
      }),
    ...(aliasOfThisFamily
      ? [{ op: "delete_alias" as const, alias_slug: target.slug, rationale: `${target.slug} names the family itself again` }]
      : []),
    {
      op: "upsert_alias",
      alias_slug: family.slug,
      family_slug: target.slug,
      is_family_alias: true,
      rationale: `the old slug ${family.slug} leads to ${target.slug}`,
    },
    refreshRegistry(target.slug, family.registry, live.size > 0, retiredName),
    { op: "update_family_registry", family_slug: family.slug, status: "merged", merged_into: target.slug, rationale: retiredName },
    ...successorMoves(input.mergedIntoFamily, family.slug, target.slug, new Set(input.familyAliases.map(({ id }) => id))),
  ];
  return { operations, moved: moves.length, renamed: renamedMoves.length };
}
