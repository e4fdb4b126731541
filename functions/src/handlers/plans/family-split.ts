/**
 * FAMILY_SPLIT's plan: the live exercises of the family whose primary equipment is one of the given
 * ones move to the target family (new or existing), under their canonical names there; the rest
 * stay, renamed only if the family's naming rule changes with fewer equipments. A move that clashes
 * with the target (an exercise it already has, or one on the same primary equipment in a
 * multi-equipment family) sends the split to review, nothing written. Splitting off every live
 * exercise is a rename, not a split, and is refused.
 */
import type { OperationInput } from "../../apply/plan";
import type { CatalogDoc } from "../../catalog/repository";
import { exerciseIdFor, normalizeEquipmentList } from "../../catalog/taxonomy";
import { JobFailure } from "../../jobs/errors";
import type { LoadedFamily } from "../../catalog/reads";
import { refreshRegistry } from "../support/change-plan";
import { assertNotMergedAway, assertSlugNotAnAlias } from "../support/failures";
import { isMultiEquipment, liveMembers } from "../../catalog/family-naming";
import { normalizedPrimary } from "../../catalog/family-registry";
import type { SlugOwners } from "../../catalog/rename-conflicts";
import { moveOperations, namingConflicts, needsNewName, planJoin, renameOperations, ruleChangeRenames } from "./family-moves";

export interface FamilySplitInput {
  family: LoadedFamily;
  target: LoadedFamily;
  equipment: readonly string[];
  /** Includes the alias document of the target's slug, if there is one. */
  owners: SlugOwners;
}

export interface FamilySplit {
  operations: OperationInput[];
  moved: number;
  renamed: number;
}

/** The live exercises of `family` whose primary equipment is one of `equipment` (normalised). */
export function splitOff(family: LoadedFamily, equipment: readonly string[]): { moving: CatalogDoc[]; staying: CatalogDoc[] } {
  const wanted = new Set(normalizeEquipmentList(equipment));
  const live = liveMembers(family.members);
  const moves = (member: CatalogDoc) => wanted.has(normalizedPrimary(member.data) ?? "");
  return { moving: live.filter(moves), staying: live.filter((member) => !moves(member)) };
}

export function planFamilySplit(input: FamilySplitInput): FamilySplit {
  const { family, target, owners } = input;
  const { moving, staying } = splitOff(family, input.equipment);
  if (moving.length === 0) {
    // Done before when the target holds such exercises that came from this family (an id keeps the
    // family it was created in); exercises of its own on that equipment say nothing of a split.
    const fromThisFamily = exerciseIdFor(family.slug, "");
    if (splitOff(target, input.equipment).moving.some(({ id }) => id.startsWith(fromThisFamily)))
      return { operations: [], moved: 0, renamed: 0 };
    throw JobFailure.permanent(
      "NO_MATCHING_EXERCISES",
      `no live exercise of ${family.slug} has the primary equipment ${input.equipment.join(", ")}`,
      {
        family_slug: family.slug,
        equipment: input.equipment,
      },
    );
  }
  if (staying.length === 0) {
    // A rename cannot take a slug that exists; moving a whole family into one is a merge.
    const targetExists = target.members.length > 0 || target.registry !== null;
    const instead = targetExists ? `use FAMILY_MERGE to move it into ${target.slug}` : "use FAMILY_RENAME_SLUG to rename a family";
    throw JobFailure.permanent("SPLIT_TAKES_WHOLE_FAMILY", `every live exercise of ${family.slug} would move; ${instead}`, {
      family_slug: family.slug,
    });
  }
  assertNotMergedAway(target, (successor) =>
    successor === family.slug
      ? `${family.slug} is the family being split: revert that merge's changes in the change journal to have ${target.slug} back, or split into a new target slug`
      : `split the exercises off into ${successor} instead`,
  );
  if (target.members.length === 0 && target.registry === null) assertSlugNotAnAlias(target.slug, owners.aliases.get(target.slug));
  const join = planJoin(family.slug, target, moving, { mergeIdentical: false });
  const remaining = stayingRenames(family, staying);
  const finalNames = new Map([...join.finalNames, ...remaining.finalNames]);
  const renamedMoves = join.moves.filter(({ member, name }) => needsNewName(member.data, name));
  const conflicts = [
    ...join.conflicts,
    ...remaining.conflicts,
    ...namingConflicts([...join.renames, ...renamedMoves, ...remaining.renames], finalNames, owners),
  ];
  if (conflicts.length > 0) {
    const code = conflicts.some((conflict) => conflict.kind === "equipment") ? "SPLIT_EQUIPMENT_CONFLICT" : "SPLIT_NAME_CONFLICT";
    throw JobFailure.needsReview(
      code,
      `${conflicts.length} exercise(s) cannot move from ${family.slug} to ${target.slug}; nothing was written`,
      { conflicts },
    );
  }
  const operations: OperationInput[] = [
    ...renameOperations(join.renames, owners, `canonical name once ${target.slug} takes in exercises of ${family.slug}`),
    ...renameOperations(remaining.renames, owners, `canonical name in ${family.slug} after the split`),
    ...moveOperations(
      family.slug,
      target.slug,
      join.moves,
      owners,
      `split ${input.equipment.join(", ")} off ${family.slug} into ${target.slug}`,
      { fromBecomesAlias: false },
    ),
    ...refreshRegistry(family.slug, family.registry, true, `${family.slug} loses its ${input.equipment.join(", ")} exercises`),
    ...refreshRegistry(target.slug, target.registry, true, `${target.slug} takes in exercises of ${family.slug}`),
  ];
  return { operations, moved: join.moves.length, renamed: join.renames.length + renamedMoves.length + remaining.renames.length };
}

/** The renames the staying exercises need if the family's naming rule changes with fewer primary equipments. */
export function stayingRenames(family: LoadedFamily, staying: readonly CatalogDoc[]): ReturnType<typeof ruleChangeRenames> {
  return ruleChangeRenames(family.slug, staying, { multiBefore: isMultiEquipment(family.members), multiAfter: isMultiEquipment(staying) });
}
