/**
 * Naming rules of CATALOG-DOMAIN.md as checks with a suggested fix: "Base (Equipment)" in Title Case,
 * the suffix naming the primary equipment (required in multi-equipment families), no leading
 * equipment word, and a family slug that fits the name.
 */
import {
  canonicalExerciseName,
  isBodyweightClassic,
  normalizeEquipment,
  splitEquipmentPrefix,
  splitExerciseName,
  toFamilySlug,
} from "./taxonomy";

export interface NameProblem {
  message: string;
  /** The canonical name. */
  suggestion: string;
}

/**
 * What is wrong with `name` for an exercise whose primary equipment is `primary`, or null. In a
 * multi-equipment family every name except the bodyweight classics ("Push-Up") needs the suffix.
 */
export function exerciseNameProblem(name: string, primary: string | null, multiEquipment: boolean): NameProblem | null {
  const { base, suffix } = splitExerciseName(name);
  const { prefix, rest } = splitEquipmentPrefix(base);
  const suffixRequired = multiEquipment && !isBodyweightClassic(rest);
  const expectedSuffix = suffix !== null || suffixRequired ? primary : null;
  const suggestion = canonicalExerciseName(rest, expectedSuffix);
  if (name === suggestion) return null;
  let message: string;
  if (prefix !== null) message = `"${name}" starts with the equipment word "${prefix}"; equipment goes in the "(Equipment)" suffix`;
  else if (suffix === null && suffixRequired) message = `"${name}" lacks the "(Equipment)" suffix its multi-equipment family requires`;
  else if (suffix !== null && normalizeEquipment(suffix).value !== primary)
    message = `the suffix "(${suffix})" does not name the primary equipment "${primary ?? "none"}"`;
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
