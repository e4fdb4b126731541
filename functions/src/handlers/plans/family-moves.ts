/**
 * Moving exercises into another family, shared by FAMILY_MERGE and FAMILY_SPLIT: which name each
 * exercise carries there, which moves clash (two different exercises on one primary equipment in a
 * multi-equipment family, a name that cannot fit, a slug someone else holds), and the operations
 * of the moves and of the renames they cause.
 */
import type { OperationInput } from "../../apply/plan";
import type { CatalogDoc } from "../../catalog/repository";
import { toNameSlug } from "../../catalog/taxonomy";
import type { LoadedFamily } from "../../catalog/reads";
import { expectedRegistry } from "../../catalog/family-findings";
import { isMultiEquipment, liveMembers, membersByPrimary, nameOf, namesAfterJoin } from "../../catalog/family-naming";
import { normalizedPrimary } from "../../catalog/family-registry";
import { type SlugOwners, renameConflict } from "../../catalog/rename-conflicts";
import { type DocData } from "../../util/object-paths";
import { renameAliasOps } from "./rename-aliases";

export interface MoveConflict {
  exercise_id: string;
  kind: "equipment" | "name";
  /** The exercise it clashes with. */
  with?: string;
  reason: string;
}

export interface NamedMember {
  member: CatalogDoc;
  name: string;
}

export interface JoinPlan {
  /** Live members of the receiving family whose name changes. */
  renames: NamedMember[];
  /** Joining exercises with the name they carry in the receiving family. */
  moves: NamedMember[];
  /** Joining exercises identical to one of the receiving family's (only when merging identical ones). */
  merges: Array<{ member: CatalogDoc; twin: string }>;
  conflicts: MoveConflict[];
  /** Exercise id → the name it ends up with, for every exercise involved. */
  finalNames: Map<string, string>;
}

/** The names of the receiving family's live members and of the joining exercises once they are together. */
export function joinNames(from: string, to: LoadedFamily, joining: readonly CatalogDoc[]): ReturnType<typeof namesAfterJoin> {
  const toBase = String(expectedRegistry(to.slug, to.members, to.registry).base_name);
  return namesAfterJoin(to.members, joining, { from, to: to.slug, toBase });
}

/**
 * How `joining` exercises of family `from` go into family `to`. With `mergeIdentical`, an exercise
 * that ends up with the name of one of `to`'s is merged into it; otherwise that is a conflict.
 */
export function planJoin(from: string, to: LoadedFamily, joining: readonly CatalogDoc[], options: { mergeIdentical: boolean }): JoinPlan {
  const { multiEquipment, names } = joinNames(from, to, joining);
  const receiving = liveMembers(to.members);
  const holderOfSlug = new Map(receiving.map(({ id }) => [toNameSlug(names.get(id) ?? ""), id]));
  const holderOfPrimary = new Map([...membersByPrimary(receiving)].map(([primary, holders]) => [primary, holders[holders.length - 1].id]));
  const plan: JoinPlan = { renames: [], moves: [], merges: [], conflicts: [], finalNames: new Map() };
  // The joining exercises moved so far: one joining after them may clash with them too (a person decides, not a merge).
  const joinedSlug = new Map<string, string>();
  const joinedPrimary = new Map<string, string>();

  for (const member of receiving) {
    const name = names.get(member.id) ?? nameOf(member.data) ?? "";
    plan.finalNames.set(member.id, name);
    if (needsNewName(member.data, name)) plan.renames.push({ member, name });
  }
  for (const member of liveMembers(joining)) {
    const name = names.get(member.id);
    const twin = name ? holderOfSlug.get(toNameSlug(name)) : undefined;
    const joinedTwin = name ? joinedSlug.get(toNameSlug(name)) : undefined;
    const primary = normalizedPrimary(member.data);
    // Without equipment an exercise has no primary to share.
    const sameEquipment = multiEquipment && primary !== null ? (holderOfPrimary.get(primary) ?? joinedPrimary.get(primary)) : undefined;
    if (!name) {
      plan.conflicts.push({
        exercise_id: member.id,
        kind: "name",
        reason: `"${String(member.data.name)}" cannot be named as a variant of ${to.slug}`,
      });
    } else if (twin && options.mergeIdentical) {
      plan.merges.push({ member, twin });
      // A merged exercise stays behind, retired, under its own name.
      plan.finalNames.set(member.id, nameOf(member.data) ?? "");
    } else if (twin || joinedTwin || sameEquipment) {
      const other = twin ?? joinedTwin ?? sameEquipment;
      const reason = twin
        ? `${to.slug} already has "${name}"`
        : joinedTwin
          ? `"${name}" would also be the name of ${joinedTwin}, which joins too`
          : `both use the primary equipment "${String(primary)}" in a multi-equipment family`;
      plan.conflicts.push({
        exercise_id: member.id,
        kind: twin || joinedTwin ? "name" : "equipment",
        ...(other ? { with: other } : {}),
        reason,
      });
    } else {
      plan.moves.push({ member, name });
      plan.finalNames.set(member.id, name);
      joinedSlug.set(toNameSlug(name), member.id);
      if (primary !== null) joinedPrimary.set(primary, member.id);
    }
  }
  plan.conflicts.push(...sharedPrimaryConflicts(to.slug, receiving, multiEquipment));
  return plan;
}

/**
 * A family that becomes multi-equipment may no longer hold two exercises on one primary equipment:
 * members that shared one before the join clash with each other now (a person decides which goes).
 * In a family that was multi-equipment already such a pair is older than the job, not its doing.
 */
function sharedPrimaryConflicts(family: string, receiving: readonly CatalogDoc[], multiEquipmentAfter: boolean): MoveConflict[] {
  if (!multiEquipmentAfter || isMultiEquipment(receiving)) return [];
  return [...membersByPrimary(receiving)].flatMap(([primary, [first, ...others]]) =>
    others.map((member) => ({
      exercise_id: member.id,
      kind: "equipment" as const,
      with: first.id,
      reason: `${family} becomes multi-equipment, and ${member.id} and ${first.id} both use the primary equipment "${primary}"`,
    })),
  );
}

/** The renamed exercises whose new slug someone else holds or takes (`finalNames`: every exercise's final name). */
export function namingConflicts(
  renamed: readonly NamedMember[],
  finalNames: ReadonlyMap<string, string>,
  owners: SlugOwners,
): MoveConflict[] {
  return renamed.flatMap(({ member, name }) => {
    const reason = renameConflict(member.id, name, finalNames, owners);
    return reason ? [{ exercise_id: member.id, kind: "name" as const, reason }] : [];
  });
}

export function needsNewName(exercise: Readonly<DocData>, name: string): boolean {
  return name !== "" && (name !== exercise.name || toNameSlug(name) !== exercise.name_slug);
}

export function renameOperations(renames: readonly NamedMember[], owners: SlugOwners, rationale: string): OperationInput[] {
  return renames.flatMap(({ member, name }) => [
    { op: "rename_exercise" as const, exercise_id: member.id, old_name: nameOf(member.data) ?? "", new_name: name, rationale },
    ...renameAliasOps(member.id, member.data, name, owners),
  ]);
}

/** reassign_family for each move, renaming (and keeping the old slug as an alias) where the name changes. */
export function moveOperations(
  from: string,
  to: string,
  moves: readonly NamedMember[],
  owners: SlugOwners,
  rationale: string,
  { fromBecomesAlias }: { fromBecomesAlias: boolean },
): OperationInput[] {
  // A family retired into `to` keeps its slug as a family alias. A one-word family's exercise named as
  // the family ("Plank" in plank) had that slug as its name slug: the family alias reaches it too, so it
  // gets no alias of its own there (a slug names one thing).
  const keptByFamilyAlias = (op: OperationInput) => fromBecomesAlias && op.op === "upsert_alias" && op.alias_slug === from;
  return moves.flatMap(({ member, name }) => {
    const renamed = needsNewName(member.data, name);
    return [
      {
        op: "reassign_family" as const,
        exercise_id: member.id,
        from_family: from,
        to_family: to,
        ...(renamed ? { new_name: name } : {}),
        rationale,
      },
      ...(renamed ? renameAliasOps(member.id, member.data, name, owners).filter((op) => !keptByFamilyAlias(op)) : []),
    ];
  });
}
