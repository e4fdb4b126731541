/**
 * How exercises are named inside a family, as pure functions over catalog documents: normalised
 * equipment, whether a family is multi-equipment, the canonical name an exercise should carry, and
 * how a name is carried over into another family. The rules themselves live in
 * `catalog/naming-rules`; this module only applies them to family members.
 */
import { exerciseNameProblem, familySlugFitsName } from "./naming-rules";
import { type CatalogDoc } from "./repository";
import { coreWords, equipmentDisplayName, exerciseNameParts, titleCase, toFamilySlug } from "./taxonomy";
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
 * its name already is canonical, only a person can name it (a word the suffix would drop: see
 * `exerciseNameProblem`), or it has none to judge.
 */
export function canonicalNameIn(exercise: Readonly<DocData>, multiEquipment: boolean): string | null {
  const name = nameOf(exercise);
  if (name === null) return null;
  return exerciseNameProblem(name, normalizedPrimary(exercise), multiEquipment)?.suggestion ?? null;
}

/**
 * The canonical name of an exercise moving from family `from` into family `to`, or null when its
 * name cannot be made to fit `to`. A name that fits `to` already keeps its base; otherwise `rebase`
 * gives the trailing words that name `from` ("Incline Bench Presses" in bench_presses) `to`'s base:
 * `toBase`, or for a family no name or registry entry names yet (null) those words respelled for `to`.
 */
export function nameForFamily(
  exercise: Readonly<DocData>,
  move: { from: string; to: string; toBase: string | null; multiEquipment: boolean },
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

/**
 * CATALOG-DOMAIN.md makes a name its family's base plus the "(Equipment)" suffix; words in front of
 * the old base ("Side" of "Side Plank" in plank) make a variant of it. The new base is the one an
 * existing family's own members carry (`toBase`), or for a new family what its slug says. A variant's
 * words carry over onto it when the new slug names the same movement (`sameMovement`); otherwise the
 * plain base ("Plank") is what the person renamed or merged, but where a variant goes is a guess
 * ("Side Front Plank" would be invented), so its name is not rebased (null: the plans report it as a
 * conflict for a person), whether the family moved into is new or not.
 */
function rebase(base: string, from: string, to: string, toBase: string | null): string | null {
  if (familySlugFitsName(base, to)) return base;
  const words = base.split(/\s+/);
  for (let count = 1; count <= words.length; count++) {
    const oldBase = words.slice(words.length - count).join(" ");
    if (toFamilySlug(oldBase) !== from) continue;
    const variantWords = words.slice(0, words.length - count);
    if (variantWords.length > 0 && !sameMovement(from, to)) return null;
    const rebased = [...variantWords, toBase ?? baseNameSpelledLike(to, oldBase)].join(" ");
    return familySlugFitsName(rebased, to) ? rebased : null;
  }
  return null;
}

/**
 * The movement slug words name: their core words (`coreWords`) run together, so words that differ
 * only by plurals, equipment words or where a word breaks name one (pull_up, pullups and
 * dumbbell_pull_ups are "pullup"). The duplicate scan keys families and exercise names by it.
 */
export function movementKey(words: readonly string[]): string {
  return coreWords(words).join("");
}

/**
 * Whether slug `to` names the movement `from` does: in as many words, respelled word for word
 * (bench_press for bench_presses, press_up for push_up), or in the same words but for plurals,
 * spelling and equipment words (`movementKey`), as the duplicate scan judges families alike (push_up
 * for pushups, seated_row for seated_cable_row). front_plank for plank names another.
 */
function sameMovement(from: string, to: string): boolean {
  const fromWords = from.split("_");
  const toWords = to.split("_");
  return fromWords.length === toWords.length || movementKey(fromWords) === movementKey(toWords);
}

/**
 * Family `slug`'s base name, spelling the words it shares with `spelledLike` (the catalog's words for
 * the old family) as they are spelled there, hyphens included; only the words the slug adds or
 * changes come from the slug in Title Case: renegade_push_up like "Push-Up" is "Renegade Push-Up",
 * push_up like "Push-Ups" is "Push-Up", press_up like "Push-Up" is "Press-Up".
 */
function baseNameSpelledLike(slug: string, spelledLike: string): string {
  const slugWords = slug.split("_");
  const titled = titleCase(slugWords.join(" ")).split(" ");
  // The catalog's words, each with the slug word it spells; punctuation alone (an "&") is no word.
  const old = [...spelledLike.matchAll(/[^\s_-]+/g)]
    .map((match) => ({ text: match[0], key: toFamilySlug(match[0]), start: match.index, end: match.index + match[0].length }))
    .filter(({ key }) => key !== "");
  // The words both begin and end with are kept; each slug word between stands where the old word at its place stood, if any.
  const shortest = Math.min(old.length, slugWords.length);
  let head = 0;
  while (head < shortest && old[head].key === slugWords[head]) head++;
  let tail = 0;
  while (head + tail < shortest && old[old.length - 1 - tail].key === slugWords[slugWords.length - 1 - tail]) tail++;
  const parts = slugWords.map((_, index) => {
    if (index < head) return { text: old[index].text, at: index };
    const fromEnd = slugWords.length - index;
    if (fromEnd <= tail) return { text: old[old.length - fromEnd].text, at: old.length - fromEnd };
    return { text: titled[index], at: index < old.length - tail ? index : null };
  });
  // A word next to the one that stood before it keeps the separator between them ("-" of "Push-Up").
  return parts
    .map(({ text, at }, index) => {
      if (index === 0) return text;
      const before = parts[index - 1].at;
      const separator = at !== null && before !== null && at === before + 1 ? spelledLike.slice(old[before].end, old[at].start) : " ";
      return `${separator}${text}`;
    })
    .join("");
}

/** The name each live member should carry: its canonical name, else its current one (null: it has none). */
export function namesInFamily(members: readonly CatalogDoc[], multiEquipment: boolean): Map<string, string | null> {
  return new Map(liveMembers(members).map(({ id, data }) => [id, canonicalNameIn(data, multiEquipment) ?? nameOf(data)]));
}

/**
 * The names of a family's live members once `joining` exercises (from family `from`) are added to
 * the `staying` ones: each staying member's canonical name (or its current one), and for each
 * joining one its name carried over by `nameForFamily` (null when it cannot fit the family).
 * `twins`: the joining exercises that are staying ones already; they never join (merged into their
 * twin, or refused), so only the others count toward the family's equipment.
 */
export function namesAfterJoin(
  staying: readonly CatalogDoc[],
  joining: readonly CatalogDoc[],
  move: { from: string; to: string; toBase: string | null },
  twins: ReadonlySet<string>,
): { multiEquipment: boolean; names: Map<string, string | null> } {
  const multiEquipment = isMultiEquipment([...liveMembers(staying), ...liveMembers(joining).filter(({ id }) => !twins.has(id))]);
  const names = namesInFamily(staying, multiEquipment);
  for (const { id, data } of liveMembers(joining)) names.set(id, nameForFamily(data, { ...move, multiEquipment }));
  return { multiEquipment, names };
}
