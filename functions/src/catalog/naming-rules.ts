/**
 * Naming rules of CATALOG-DOMAIN.md as checks with a suggested fix: "Base (Equipment)" in Title Case,
 * the suffix naming the primary equipment (required in multi-equipment families), no leading
 * equipment word, and a family slug that fits the name. The validator, the family jobs and the
 * quality scanner all judge names here.
 */
import {
  type ExerciseNameParts,
  canonicalExerciseName,
  exerciseNameParts,
  isShoutedText,
  mayOmitEquipmentSuffix,
  normalizeEquipment,
  toFamilySlug,
} from "./taxonomy";

export interface NameProblem {
  message: string;
  /**
   * The canonical name; none when a leading word or the suffix's word would be lost (see
   * `losesEquipmentWord` and `suffixWordLost`): then a person renames the exercise, and no job renames it for them.
   */
  suggestion?: string;
}

/** Equipment there only to add weight: a suffix naming one says what a leading "Weighted" said. */
const ADDED_WEIGHT_EQUIPMENT: readonly string[] = ["dip-belt", "weighted-vest", "plate"];

/**
 * Whether a suffix naming `named` in place of the equipment word `word` (a leading word, or the one
 * the suffix names now; null: there is none) would lose that word. It does not when the suffix says
 * what the word said: the same equipment ("Barbell Squat" → "Squat (Barbell)"), or added weight for
 * "Weighted" ("Weighted Pull-Up" or "Pull-Up (Weighted)" on a dip belt → "Pull-Up (Dip Belt)").
 * Otherwise the word is what sets the exercise apart ("Weighted Dip" on a dip station, "Landmine
 * Press" or "Row (Landmine)" on a barbell), and the suffix would drop it.
 */
export function losesEquipmentWord(word: string | null, named: string | null): boolean {
  if (word === null || named === null) return false;
  const said = normalizeEquipment(word).value;
  const saying = normalizeEquipment(named).value;
  return said !== saying && !(said === "weighted" && ADDED_WEIGHT_EQUIPMENT.includes(saying));
}

/**
 * Whether a name's suffix names a word its primary equipment does not say, and that is no canonical
 * equipment: what sets the exercise apart ("Row (Landmine)" or "Pull-Up (Weighted)" on a barbell or a
 * pull-up bar), which a suffix naming the primary would drop. A suffix naming other canonical
 * equipment is the wrong equipment instead ("Squat (Dumbbell)" on a barbell).
 */
export function suffixWordLost(suffix: string | null, primary: string | null): boolean {
  return primary !== null && suffix !== null && !normalizeEquipment(suffix).canonical && losesEquipmentWord(suffix, primary);
}

/**
 * The equipment words of a name that a suffix naming `primary` would not say, as a name keeps them:
 * its leading word, then its suffix's word ("Landmine Row" and "Row (Landmine)" on a barbell both
 * keep "Landmine"). What tells such an exercise apart from the plain one on its primary equipment.
 */
export function equipmentWordsKept(parts: Pick<ExerciseNameParts, "prefix" | "suffix">, primary: string): string[] {
  const { prefix, suffix } = parts;
  const kept: string[] = [];
  if (prefix !== null && losesEquipmentWord(prefix, primary)) kept.push(prefix);
  if (suffix !== null && suffixWordLost(suffix, primary)) kept.push(suffix);
  return kept;
}

// Each closing bracket, with the opening one it pairs with.
const OPENING_OF: ReadonlyMap<string, string> = new Map([
  [")", "("],
  ["]", "["],
  ["}", "{"],
]);
const OPENING_BRACKETS = new Set(OPENING_OF.values());

/** Whether each bracket of `text` pairs with one of its kind, nested as they open: "Squat (Barbell" and "Squat Barbell)" do not. */
function bracketsPair(text: string): boolean {
  const open: string[] = [];
  for (const char of text) {
    if (OPENING_BRACKETS.has(char)) open.push(char);
    else if (OPENING_OF.has(char) && open.pop() !== OPENING_OF.get(char)) return false;
  }
  return open.length === 0;
}

/**
 * A name whose brackets do not pair, or null: where its "(Equipment)" suffix is cannot be told, so no
 * canonical name can be suggested ("Squat (Barbell" is not "Squat (Barbell (Barbell)"). A person names
 * it, and EXERCISE_ADD refuses it as a base name.
 */
export function unpairedBracketProblem(name: string): NameProblem | null {
  if (bracketsPair(name)) return null;
  return { message: `"${name}" has a bracket that does not pair: a name is "Base (Equipment)", each "(" closed by a ")"` };
}

/**
 * What is wrong with `name` for an exercise whose normalised primary equipment is `primary`, or
 * null. The suffix, when there is one, names `primary`. It is required in a multi-equipment family
 * unless the name is a bodyweight classic on bodyweight equipment ("Push-Up"), and always after a
 * leading equipment word, which it replaces so the equipment is not lost ("Barbell Squat" →
 * "Squat (Barbell)"). The multi-equipment form is canonical in every family. A leading word the
 * suffix would not say ("Weighted Dip" on a dip station: "Dip (Dip Station)" reads as the plain Dip)
 * is still a problem, but one without a suggestion: only a person can name that exercise. So is a
 * suffix naming a word that is no canonical equipment and sets the exercise apart ("Row (Landmine)"
 * or "Pull-Up (Weighted)" on a barbell or pull-up bar); one naming other canonical equipment is the
 * wrong equipment, and names the primary instead ("Squat (Dumbbell)" on a barbell → "Squat (Barbell)").
 * A name has one suffix: a repeat of it goes ("Row (Cable) (Cable)" → "Row (Cable)"), and of two naming
 * different equipment ("Row (Cable) (Barbell)") a person keeps the one that names the exercise, as one
 * does a name whose brackets do not pair (`unpairedBracketProblem`).
 */
export function exerciseNameProblem(name: string, primary: string | null, multiEquipment: boolean): NameProblem | null {
  const unpaired = unpairedBracketProblem(name);
  if (unpaired !== null) return unpaired;
  const { prefix, rest, suffix, qualified, extraSuffix } = exerciseNameParts(name, primary);
  // The parts keep a second suffix naming other equipment in the base, where a suggestion would keep it too.
  if (extraSuffix !== null && suffix !== null && normalizeEquipment(extraSuffix).value !== normalizeEquipment(suffix).value) {
    return {
      message: `"${name}" has two "(Equipment)" suffixes, "(${extraSuffix})" and "(${suffix})": a person keeps the one that names the exercise`,
    };
  }
  const suffixRequired = prefix !== null || (multiEquipment && !mayOmitEquipmentSuffix(rest, primary));
  // Without a primary equipment to name, a suffix stays as it is, a leading equipment word becomes
  // the suffix (so the equipment is not lost), and any other missing one cannot be suggested. A
  // qualifier moved out of the suffix's place, or an abbreviation of the base dropped from it
  // ("Romanian Deadlift (RDL)"), leaves it to the equipment, as the scanner asks.
  const prefixEquipment = prefix === null ? null : normalizeEquipment(prefix).value;
  const expectedSuffix = suffix !== null || qualified || suffixRequired ? (primary ?? suffix ?? prefixEquipment) : null;
  // Shouting is judged on the whole name: its base alone ("ROW" of "BARBELL ROW") may be one word.
  const suggestion = canonicalExerciseName(rest, expectedSuffix, isShoutedText(name));
  if (name === suggestion) return null;
  if (losesEquipmentWord(prefix, expectedSuffix)) {
    const named = primary === null ? `its suffix "(${expectedSuffix})"` : `its primary equipment "${primary}"`;
    return {
      message:
        `"${name}" starts with the equipment word "${prefix}", which ${named} does not name: the "(Equipment)" suffix ` +
        `would drop it, so a person renames it, or puts what "${prefix}" names first in its equipment`,
    };
  }
  if (suffixWordLost(suffix, primary)) {
    return {
      message:
        `"${name}" has the suffix "(${suffix})", which its primary equipment "${primary}" does not name: a suffix naming ` +
        `"${primary}" would drop "${suffix}", so a person renames it, or puts what "${suffix}" names first in its equipment`,
    };
  }
  let message: string;
  if (prefix !== null) message = `"${name}" starts with the equipment word "${prefix}"; equipment goes in the "(Equipment)" suffix`;
  else if (suffix === null && expectedSuffix !== null) message = `"${name}" lacks the "(Equipment)" suffix naming its primary equipment`;
  else if (suffix !== null && primary !== null && normalizeEquipment(suffix).value !== primary)
    message = `the suffix "(${suffix})" does not name the primary equipment "${primary}"`;
  else if (extraSuffix !== null) message = `"${name}" repeats the "(Equipment)" suffix; a name has one`;
  else message = `"${name}" is not in the canonical "Base (Equipment)" Title Case form`;
  return { message, suggestion };
}

/**
 * A family holds variants of one base movement: the name's own family slug is the family
 * ("Bench Press (Dumbbell)" in bench_press) or a variant of it ("Incline Push-Up" in push_up).
 */
export function familySlugFitsName(name: string, familySlug: string): boolean {
  const derived = toFamilySlug(name);
  return derived === familySlug || derived.endsWith(`_${familySlug}`);
}
