/**
 * How exercises are named inside a family, as pure functions over catalog documents: normalised
 * equipment, whether a family is multi-equipment, the canonical name an exercise should carry, and
 * how a name is carried over into another family. The rules themselves live in
 * `catalog/naming-rules`; this module only applies them to family members.
 */
import { exerciseNameProblem, familySlugFitsName } from "./naming-rules";
import { type CatalogDoc } from "./repository";
import { equipmentDisplayName, exerciseNameParts, toFamilySlug } from "./taxonomy";
import { type DocData } from "../util/object-paths";
import { isLiveExercise, normalizedPrimary } from "./family-registry";

export function liveMembers(members: readonly CatalogDoc[]): CatalogDoc[] {
  return members.filter((member) => isLiveExercise(member.data));
}

/**
 * Live members grouped by normalised primary equipment, in member order. A member without
 * equipment has no primary, so it is in no group: it neither makes the family multi-equipment nor
 * shares a primary equipment with another such member.
 */
export function membersByPrimary(members: readonly CatalogDoc[]): Map<string, CatalogDoc[]> {
  const groups = new Map<string, CatalogDoc[]>();
  for (const member of liveMembers(members)) {
    const primary = normalizedPrimary(member.data);
    if (primary !== null) groups.set(primary, [...(groups.get(primary) ?? []), member]);
  }
  return groups;
}

/** A family is multi-equipment when its live exercises have more than one distinct primary equipment. */
export function isMultiEquipment(members: readonly CatalogDoc[]): boolean {
  return membersByPrimary(members).size > 1;
}

export function nameOf(exercise: Readonly<DocData>): string | null {
  return typeof exercise.name === "string" && exercise.name.trim() !== "" ? exercise.name : null;
}

/**
 * The name the exercise should carry in a family that is (or is not) multi-equipment, or null when
 * its name already is canonical (or it has none to judge).
 */
export function canonicalNameIn(exercise: Readonly<DocData>, multiEquipment: boolean): string | null {
  const name = nameOf(exercise);
  if (name === null) return null;
  return exerciseNameProblem(name, normalizedPrimary(exercise), multiEquipment)?.suggestion ?? null;
}

/**
 * The canonical name of an exercise moving from family `from` into family `to` (whose base name is
 * `toBase`), or null when its name cannot be made to fit `to`. A name that fits `to` already keeps
 * its base; otherwise the trailing words that name `from` ("Incline Bench Presses" in
 * bench_presses) are replaced by `toBase`.
 */
export function nameForFamily(
  exercise: Readonly<DocData>,
  move: { from: string; to: string; toBase: string; multiEquipment: boolean },
): string | null {
  const name = nameOf(exercise);
  if (name === null) return null;
  const primary = normalizedPrimary(exercise);
  const { prefix, rest, suffix, qualified } = exerciseNameParts(name, primary);
  const rebased = rebase(rest, move.from, move.to, move.toBase);
  if (rebased === null) return null;
  // A qualifier moved out of the suffix's place leaves it to the equipment, as exerciseNameProblem does.
  const ending = suffix ?? (qualified && primary !== null ? equipmentDisplayName(primary) : null);
  const renamed = `${prefix ? `${prefix} ` : ""}${rebased}${ending ? ` (${ending})` : ""}`;
  return canonicalNameIn({ ...exercise, name: renamed }, move.multiEquipment) ?? renamed;
}

function rebase(base: string, from: string, to: string, toBase: string): string | null {
  if (familySlugFitsName(base, to)) return base;
  const words = base.split(/\s+/);
  for (let count = 1; count <= words.length; count++) {
    if (toFamilySlug(words.slice(words.length - count).join(" ")) !== from) continue;
    const rebased = [...words.slice(0, words.length - count), toBase].join(" ");
    return familySlugFitsName(rebased, to) ? rebased : null;
  }
  return null;
}

/** The name each live member should carry: its canonical name, else its current one (null: it has none). */
export function namesInFamily(members: readonly CatalogDoc[], multiEquipment: boolean): Map<string, string | null> {
  return new Map(liveMembers(members).map(({ id, data }) => [id, canonicalNameIn(data, multiEquipment) ?? nameOf(data)]));
}

/**
 * The names of a family's live members once `joining` exercises (from family `from`) are added to
 * the `staying` ones: each staying member's canonical name (or its current one), and for each
 * joining one its name carried over by `nameForFamily` (null when it cannot fit the family).
 */
export function namesAfterJoin(
  staying: readonly CatalogDoc[],
  joining: readonly CatalogDoc[],
  move: { from: string; to: string; toBase: string },
): { multiEquipment: boolean; names: Map<string, string | null> } {
  const multiEquipment = isMultiEquipment([...liveMembers(staying), ...liveMembers(joining)]);
  const names = namesInFamily(staying, multiEquipment);
  for (const { id, data } of liveMembers(joining)) names.set(id, nameForFamily(data, { ...move, multiEquipment }));
  return { multiEquipment, names };
}
