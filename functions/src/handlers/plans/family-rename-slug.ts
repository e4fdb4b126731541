/**
 * FAMILY_RENAME_SLUG's plan: every exercise of the family (any status) moves to the new slug, a live
 * one renamed where its name must fit the new slug (old name slugs kept as aliases; a retired one keeps
 * its name, as no alias may lead to it); aliases of the family follow (one naming an exercise too keeps
 * the target ALIAS_REPAIR would keep: `exerciseKeptBy`);
 * the old slug becomes a family alias of the new one, and its registry entry is retired as merged
 * into the new one, so anything holding the old slug finds its way (a legacy slug no alias slug fits,
 * "Bench_Press", can be neither: nothing leads on from it). A new slug that already names a
 * family is refused with FAMILY_EXISTS (merge the families instead), but for one the family had before
 * (a family renamed or merged into it, left with no live exercise) and one a rename stopped part-way
 * moved exercises to (retry that rename, whose plan still holds the rest).
 */
import type { OperationInput } from "../../apply/plan";
import type { CatalogDoc } from "../../catalog/repository";
import { JobFailure } from "../../jobs/errors";
import { exerciseIdFor } from "../../catalog/taxonomy";
import type { LoadedFamily } from "../../catalog/reads";
import { refreshRegistry, retiringRegistry, successorMoves } from "../support/change-plan";
import { assertSlugNotAnAlias, assertSourceNotRetired, retiredInto } from "../support/failures";
import { isMultiEquipment, liveMembers, nameForFamily, nameOf } from "../../catalog/family-naming";
import type { SlugOwners } from "../../catalog/rename-conflicts";
import { aliasPointsAtFamily, isAliasableSlug } from "../../catalog/slug-aliases";
import { mergedInto } from "../../catalog/family-registry";
import { exerciseKeptBy, exercisesById, keepsExerciseRationale, nothingLiveToMerge } from "./family-merge";
import { moveOperations, namingConflicts, needsNewName } from "./family-moves";

export interface FamilyRenameInput {
  family: LoadedFamily;
  /** The family as found under the new slug: nothing, or the renamed family after an earlier run. */
  renamed: LoadedFamily;
  /** Includes the alias documents of the old and the new slug (the old one's tells a legacy family renamed already: `retiredInto`). */
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
  /** False where the old slug fits no alias slug, so no family alias keeps it. */
  oldSlugAliased: boolean;
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
  const oldSlugAliased = isAliasableSlug(family.slug);
  const successor = mergedInto(target.registry);
  // The slug this family had before (a family renamed or merged into it: a merge leaves the duplicates it retired there) is
  // free to take back once none of that family's exercises is live.
  const formerSlug = successor === family.slug && liveMembers(target.members).length === 0;
  if (!formerSlug && (target.members.length > 0 || target.registry !== null)) {
    if (family.members.length === 0 && retiredInto(family, input.owners.aliases.get(family.slug)) === target.slug) {
      return { operations: [], moved: 0, renamed: 0, oldSlugAliased };
    }
    // The advice below is a merge, which takes no family merged away already, nor one with no live
    // exercise into another with none: those are retired, not renamed.
    assertSourceNotRetired(family, nothingLiveToMerge(family, target) ? "merged_or_deprecated" : "merged");
    throw familyExists(family, target);
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
    ...(oldSlugAliased
      ? [
          {
            op: "upsert_alias" as const,
            alias_slug: family.slug,
            family_slug: target.slug,
            is_family_alias: true,
            rationale: `the old slug ${family.slug} leads to ${target.slug}`,
          },
        ]
      : []),
    ...refreshRegistry(target.slug, family.registry, live.size > 0, retiredName),
    ...retiringRegistry(family.slug, family.registry, target.slug, retiredName),
    ...successorMoves(input.mergedIntoFamily, family.slug, target.slug, new Set(input.familyAliases.map(({ id }) => id))),
  ];
  return { operations, moved: moves.length, renamed: renamedMoves.length, oldSlugAliased };
}

/**
 * FAMILY_EXISTS for a rename to `target`'s slug, with what to do instead. Exercises keep the id they were created
 * with: live ones of this family's in a target a rename could have begun with (none, or this family's former slug) were
 * moved there by a rename that stopped part-way. Its plan still holds the rest, the aliases of the moved exercises'
 * old names among it, which nothing else knows: retry it. A merge finishes it too, without them; a family merged
 * away takes none (TARGET_FAMILY_RETIRED), its successor does.
 */
function familyExists(family: LoadedFamily, target: LoadedFamily): JobFailure {
  const successor = mergedInto(target.registry);
  const movedHere = liveMembers(target.members)
    .filter(({ id }) => id.startsWith(exerciseIdFor(family.slug, "")))
    .map(({ id }) => id);
  const stoppedRename = movedHere.length > 0 && (target.registry === null || successor === family.slug);
  const orMerge = successor === null ? `; a FAMILY_MERGE of ${family.slug} into ${target.slug} would finish it without those aliases` : "";
  const why = stoppedRename
    ? `family ${target.slug} already holds ${movedHere.length} exercise(s) moved from ${family.slug} (a rename that stopped part-way?): retry that FAMILY_RENAME_SLUG job, whose plan still holds the rest of the rename, the old slugs of the moved exercises kept as aliases among it${orMerge}`
    : successor === family.slug
      ? `family ${target.slug} was merged into ${family.slug} but holds live exercises again; its slug is free to take back once none of them is live`
      : successor
        ? `family ${target.slug} was merged into ${successor}; merge ${family.slug} into ${successor} with FAMILY_MERGE instead`
        : `family ${target.slug} already exists; merge ${family.slug} into it with FAMILY_MERGE instead`;
  return JobFailure.permanent("FAMILY_EXISTS", why, {
    family_slug: target.slug,
    ...(stoppedRename ? { moved_from_source: movedHere } : {}),
  });
}
