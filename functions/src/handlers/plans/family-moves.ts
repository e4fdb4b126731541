/**
 * Moving exercises into another family, shared by FAMILY_MERGE and FAMILY_SPLIT: which name each
 * exercise carries there, which moves clash (two different exercises on one primary equipment in a
 * multi-equipment family, a name that cannot fit, a slug someone else holds), and the operations
 * of the moves and of the renames they cause.
 */
import type { OperationInput } from "../../apply/plan";
import type { CatalogDoc } from "../../catalog/repository";
import { canonicalExerciseName, exerciseNameParts, toNameSlug } from "../../catalog/taxonomy";
import type { LoadedFamily } from "../../catalog/reads";
import { canonicalNameIn, isMultiEquipment, liveMembers, membersByPrimary, nameOf, namesAfterJoin } from "../../catalog/family-naming";
import { equipmentWordsKept, familySlugFitsName } from "../../catalog/naming-rules";
import { familyBaseName, normalizedPrimary } from "../../catalog/family-registry";
import { type SlugOwners, renameConflictCheck } from "../../catalog/rename-conflicts";
import { type DocData } from "../../util/object-paths";
import { sameValue } from "../../util/document-diff";
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
  /** Live members of the receiving family whose name the join's change of its naming rule forces. */
  renames: NamedMember[];
  /** Joining exercises with the name they carry in the receiving family. */
  moves: NamedMember[];
  /** Exercises retired into an identical one (only when merging identical ones). */
  merges: Array<{ member: CatalogDoc; into: string }>;
  conflicts: MoveConflict[];
  /** Exercise id → the name it ends up with, for every exercise involved. */
  finalNames: Map<string, string>;
}

/**
 * The names of the receiving family's live members and of the joining exercises once they are
 * together. A new family has no base name yet: the joining names' own spelling of it gives one.
 * A joining exercise that is one of the family's already (`twins`: found by the names all of them
 * would carry if all joined) does not join it, merged into that one or refused, so it cannot make
 * the family multi-equipment: a pull-up on bodyweight merged into the family's pull-up on a pull-up
 * bar leaves the family on one equipment and its names as they were.
 */
export function joinNames(
  from: string,
  to: LoadedFamily,
  joining: readonly CatalogDoc[],
): ReturnType<typeof namesAfterJoin> & { twins: ReadonlyMap<string, Twin> } {
  const toBase = familyBaseName(
    to.slug,
    to.members.map(({ data }) => data),
    to.registry,
  );
  const move = { from, to: to.slug, toBase };
  const allJoin = namesAfterJoin(to.members, joining, move, new Set());
  // Leaving twins out can only keep the family single-equipment, never make it multi-equipment.
  if (!allJoin.multiEquipment) return { ...allJoin, twins: new Map() };
  const receiving = liveMembers(to.members);
  const { finalNames } = ruleChangeRenames(to.slug, receiving, { multiBefore: isMultiEquipment(receiving), multiAfter: true });
  const twinOf = twinFinder(receiving, finalNames);
  const twins = new Map(
    liveMembers(joining).flatMap((member) => {
      const name = allJoin.names.get(member.id);
      const twin = name ? twinOf(member, name) : undefined;
      return twin ? [[member.id, twin] as const] : [];
    }),
  );
  return { ...namesAfterJoin(to.members, joining, move, new Set(twins.keys())), twins };
}

/**
 * The renames a change of family `family`'s naming rule (multi-equipment before and after) forces on
 * its `members`. A member whose canonical name is what it was under the old rule keeps its name,
 * canonical or not: that is an older problem, FAMILY_NORMALIZE's (the validator too only warns of
 * it). A forced name that is no variant of the family (a misfiled member) cannot pass validation: a
 * conflict, for a person to move the member out first.
 */
export function ruleChangeRenames(
  family: string,
  members: readonly CatalogDoc[],
  rule: { multiBefore: boolean; multiAfter: boolean },
): Pick<JoinPlan, "renames" | "conflicts" | "finalNames"> {
  const plan: Pick<JoinPlan, "renames" | "conflicts" | "finalNames"> = { renames: [], conflicts: [], finalNames: new Map() };
  for (const member of liveMembers(members)) {
    const forced = canonicalNameIn(member.data, rule.multiAfter);
    const renamed = forced !== null && forced !== canonicalNameIn(member.data, rule.multiBefore) ? forced : null;
    const fits = renamed === null || familySlugFitsName(renamed, family);
    if (!fits) {
      plan.conflicts.push({
        exercise_id: member.id,
        kind: "name",
        reason: `${family}'s naming rule changes, and the name it asks for, "${renamed}", is no variant of ${family}`,
      });
    } else if (renamed !== null) {
      plan.renames.push({ member, name: renamed });
    }
    plan.finalNames.set(member.id, (fits ? renamed : null) ?? nameOf(member.data) ?? "");
  }
  return plan;
}

/**
 * One exercise however its optional suffix is spelled: its base on its primary equipment, in the
 * suffixed form ("Push-Up" and "Push-Up (Bodyweight)" are one, "Lunge" and "Lunge (Dumbbell)" on
 * dumbbell too). A word the suffix naming the primary would not say stays in the base: "Landmine
 * Lunge" and "Lunge (Landmine)" on a barbell are not "Lunge (Barbell)". Without a primary equipment
 * only the name tells.
 */
function exerciseKey(exercise: Readonly<DocData>, name: string): string {
  const primary = normalizedPrimary(exercise);
  if (primary === null) return toNameSlug(name);
  const parts = exerciseNameParts(name, primary);
  return toNameSlug(canonicalExerciseName([...equipmentWordsKept(parts, primary), parts.rest].join(" "), primary));
}

/** The receiving member a joining exercise is: `id`, and whether by its very slug (`sameSlug`) or only as `exerciseKey` judges. */
interface Twin {
  id: string;
  sameSlug: boolean;
}

/**
 * Finds the twin of a joining exercise (same slug, or the same exercise but for the optional suffix)
 * among the `receiving` family's live members, each named as the join leaves it (`finalNames`, of
 * `ruleChangeRenames`); one without a name is no one's twin.
 */
function twinFinder(
  receiving: readonly CatalogDoc[],
  finalNames: ReadonlyMap<string, string>,
): (member: CatalogDoc, name: string) => Twin | undefined {
  const named = receiving.flatMap((member) => {
    const name = finalNames.get(member.id);
    return name ? [{ member, name }] : [];
  });
  const holderOfSlug = new Map(named.map(({ member, name }) => [toNameSlug(name), member.id]));
  const holderOfExercise = new Map(named.map(({ member, name }) => [exerciseKey(member.data, name), member.id]));
  return (member, name) => {
    const bySlug = holderOfSlug.get(toNameSlug(name));
    if (bySlug) return { id: bySlug, sameSlug: true };
    const byExercise = holderOfExercise.get(exerciseKey(member.data, name));
    return byExercise ? { id: byExercise, sameSlug: false } : undefined;
  };
}

/**
 * How `joining` exercises of family `from` go into family `to`. With `mergeIdentical`, an exercise
 * that ends up as one of `to`'s (same name, or same exercise but for the suffix) is merged into it;
 * otherwise that is a conflict. Either way it does not join, so it changes no naming rule
 * (`joinNames`): the renames, names and conflicts are those of the exercises that move.
 */
export function planJoin(from: string, to: LoadedFamily, joining: readonly CatalogDoc[], options: { mergeIdentical: boolean }): JoinPlan {
  const { multiEquipment, names, twins } = joinNames(from, to, joining);
  const receiving = liveMembers(to.members);
  const plan: JoinPlan = {
    moves: [],
    merges: [],
    ...ruleChangeRenames(to.slug, receiving, { multiBefore: isMultiEquipment(receiving), multiAfter: multiEquipment }),
  };
  const twinOf = twinFinder(receiving, plan.finalNames);
  const holderOfPrimary = new Map([...membersByPrimary(receiving)].map(([primary, holders]) => [primary, holders[holders.length - 1].id]));
  // The joining exercises moved so far: one joining after them may clash with them too (a person decides, not a merge).
  const joinedSlug = new Map<string, string>();
  const joinedPrimary = new Map<string, string>();
  const identicalTo = new Map<string, CatalogDoc[]>();

  for (const member of liveMembers(joining)) {
    const name = names.get(member.id);
    // A twin by the names all would carry if all joined stays one under the names they carry now.
    const found = name ? (twinOf(member, name) ?? twins.get(member.id)) : undefined;
    const twin = found?.id;
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
      identicalTo.set(twin, [...(identicalTo.get(twin) ?? []), member]);
    } else if (twin || joinedTwin || sameEquipment) {
      const other = twin ?? joinedTwin ?? sameEquipment;
      const reason = twin
        ? `${to.slug} already has it as ${twin}${found?.sameSlug ? "" : " (but for the optional equipment suffix)"}`
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
  for (const [twin, identical] of identicalTo) mergeIdentical(plan, twin, identical);
  plan.conflicts.push(...sharedPrimaryConflicts(to.slug, receiving, receiving, multiEquipment));
  return plan;
}

/**
 * Retires the `identical` joining exercises into the receiving family's `twin`; a retired exercise
 * stays behind under its own name. Where the twin's forced rename would take the slug one of them
 * holds, that one moves in under the twin's new name instead and the twin is retired into it: a
 * retired exercise keeps its slug, and no two exercises share one.
 */
function mergeIdentical(plan: JoinPlan, twin: string, identical: readonly CatalogDoc[]): void {
  const twinRename = plan.renames.find(({ member }) => member.id === twin);
  const keeper = twinRename && identical.find(({ data }) => data.name_slug === toNameSlug(twinRename.name));
  for (const member of identical) plan.finalNames.set(member.id, nameOf(member.data) ?? "");
  if (!twinRename || !keeper) {
    plan.merges.push(...identical.map((member) => ({ member, into: twin })));
    return;
  }
  plan.renames.splice(plan.renames.indexOf(twinRename), 1);
  plan.finalNames.set(twin, nameOf(twinRename.member.data) ?? "");
  plan.moves.push({ member: keeper, name: twinRename.name });
  plan.finalNames.set(keeper.id, twinRename.name);
  plan.merges.push(
    { member: twinRename.member, into: keeper.id },
    ...identical.filter((member) => member !== keeper).map((member) => ({ member, into: keeper.id })),
  );
}

/**
 * Exercises of `family` on one primary equipment once a job leaves it multi-equipment
 * (`multiEquipmentAfter`), where no two may share one: each clashes `with` one the job left as it
 * was where there is one, so that an exercise the job moved is the one refused. `before`: the
 * family's members as they were; `after`: those it keeps, as the job leaves them (exercises joining
 * the family are judged as they join, by `planJoin`). Members that shared one before the job made
 * the family multi-equipment clash now (a person decides which goes); a pair that shared one while
 * the family was multi-equipment already is older than the job, not its doing, unless the job
 * changes the equipment of one of them.
 */
export function sharedPrimaryConflicts(
  family: string,
  before: readonly CatalogDoc[],
  after: readonly CatalogDoc[],
  multiEquipmentAfter: boolean,
): MoveConflict[] {
  if (!multiEquipmentAfter) return [];
  const multiEquipmentBefore = isMultiEquipment(before);
  const liveBefore = new Map(liveMembers(before).map(({ id, data }) => [id, data]));
  const asBefore = ({ id, data }: CatalogDoc) => liveBefore.has(id) && sameValue(liveBefore.get(id)?.equipment, data.equipment);
  return [...membersByPrimary(after)].flatMap(([primary, sharing]) => {
    const holder = sharing.find(asBefore) ?? sharing[0];
    const older = (member: CatalogDoc) => multiEquipmentBefore && asBefore(member) && asBefore(holder);
    return sharing
      .filter((member) => member !== holder && !older(member))
      .map((member) => ({
        exercise_id: member.id,
        kind: "equipment" as const,
        with: holder.id,
        reason: multiEquipmentBefore
          ? `${member.id} and ${holder.id} would both use the primary equipment "${primary}" in multi-equipment ${family}`
          : `${family} becomes multi-equipment, and ${member.id} and ${holder.id} both use the primary equipment "${primary}"`,
      }));
  });
}

/** The renamed exercises whose new slug someone else holds or takes (`finalNames`: every exercise's final name). */
export function namingConflicts(
  renamed: readonly NamedMember[],
  finalNames: ReadonlyMap<string, string>,
  owners: SlugOwners,
): MoveConflict[] {
  const conflictOf = renameConflictCheck(finalNames, owners);
  return renamed.flatMap(({ member, name }) => {
    const reason = conflictOf(member.id, name);
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
