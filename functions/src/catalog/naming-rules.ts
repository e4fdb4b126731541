/**
 * Naming rules of CATALOG-DOMAIN.md as checks with a suggested fix: "Base (Equipment)" in Title Case,
 * the suffix naming the primary equipment (required in multi-equipment families), no leading
 * equipment word, and a family slug that fits the name. The validator, the family jobs and the
 * quality scanner all judge names here.
 */
import {
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
   * The canonical name; none when the leading word would be lost (see `losesLeadingWord`): then a
   * person renames the exercise, and no job renames it for them.
   */
  suggestion?: string;
}

/** Equipment there only to add weight: a suffix naming one says what a leading "Weighted" said. */
const ADDED_WEIGHT_EQUIPMENT: readonly string[] = ["dip-belt", "weighted-vest", "plate"];

/**
 * Whether moving the leading equipment word `prefix` (null: the name has none) into the suffix naming
 * `suffix` would lose it. It does not when the suffix says what the word said: the same equipment
 * ("Barbell Squat" → "Squat (Barbell)"), or added weight for a leading "Weighted" ("Weighted Pull-Up"
 * on a dip belt → "Pull-Up (Dip Belt)"). Otherwise the word is what sets the exercise apart
 * ("Weighted Dip" on a dip station, "Landmine Press" on a barbell), and the suffix would drop it.
 */
export function losesLeadingWord(prefix: string | null, suffix: string | null): boolean {
  if (prefix === null || suffix === null) return false;
  const word = normalizeEquipment(prefix).value;
  const named = normalizeEquipment(suffix).value;
  return word !== named && !(word === "weighted" && ADDED_WEIGHT_EQUIPMENT.includes(named));
}

/**
 * What is wrong with `name` for an exercise whose normalised primary equipment is `primary`, or
 * null. The suffix, when there is one, names `primary`. It is required in a multi-equipment family
 * unless the name is a bodyweight classic on bodyweight equipment ("Push-Up"), and always after a
 * leading equipment word, which it replaces so the equipment is not lost ("Barbell Squat" →
 * "Squat (Barbell)"). The multi-equipment form is canonical in every family. A leading word the
 * suffix would not say ("Weighted Dip" on a dip station: "Dip (Dip Station)" reads as the plain Dip)
 * is still a problem, but one without a suggestion: only a person can name that exercise.
 */
export function exerciseNameProblem(name: string, primary: string | null, multiEquipment: boolean): NameProblem | null {
  const { prefix, rest, suffix, qualified } = exerciseNameParts(name, primary);
  const suffixRequired = prefix !== null || (multiEquipment && !mayOmitEquipmentSuffix(rest, primary));
  // Without a primary equipment to name, a suffix stays as it is, a leading equipment word becomes
  // the suffix (so the equipment is not lost), and any other missing one cannot be suggested. A
  // qualifier moved out of the suffix's place leaves it to the equipment, as the scanner asks.
  const prefixEquipment = prefix === null ? null : normalizeEquipment(prefix).value;
  const expectedSuffix = suffix !== null || qualified || suffixRequired ? (primary ?? suffix ?? prefixEquipment) : null;
  // Shouting is judged on the whole name: its base alone ("ROW" of "BARBELL ROW") may be one word.
  const suggestion = canonicalExerciseName(rest, expectedSuffix, isShoutedText(name));
  if (name === suggestion) return null;
  if (losesLeadingWord(prefix, expectedSuffix)) {
    const named = primary === null ? `its suffix "(${expectedSuffix})"` : `its primary equipment "${primary}"`;
    return {
      message:
        `"${name}" starts with the equipment word "${prefix}", which ${named} does not name: the "(Equipment)" suffix ` +
        `would drop it, so a person renames it, or puts what "${prefix}" names first in its equipment`,
    };
  }
  let message: string;
  if (prefix !== null) message = `"${name}" starts with the equipment word "${prefix}"; equipment goes in the "(Equipment)" suffix`;
  else if (suffix === null && expectedSuffix !== null) message = `"${name}" lacks the "(Equipment)" suffix naming its primary equipment`;
  else if (suffix !== null && primary !== null && normalizeEquipment(suffix).value !== primary)
    message = `the suffix "(${suffix})" does not name the primary equipment "${primary}"`;
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
