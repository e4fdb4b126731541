/**
 * How the value of an exercise field is made canonical, the one rule for every writer that normalises
 * what it is given (enrichment's LLM output, a TARGETED_FIX patch): enum synonyms ("Multi-Joint" →
 * "compound"), muscle aliases ("Quads" → "quadriceps", as contribution keys too), equipment aliases
 * ("Dumbbells" → "dumbbell"), boolean words ("yes" → true), a status in any letter case ("Draft" →
 * "draft"). Each writer decides what to do with a value that cannot be made canonical, and checks the
 * rest (bounds, locks) itself; whatever comes out is still validated against the exercise schema.
 */
import { isPlainRecord } from "../util/object-paths";
import type { ExerciseFieldPath } from "./schemas";
import { EXERCISE_STATUSES, type EnumKind, normalizeEnumValue, normalizeEquipmentList, normalizeMuscle } from "./taxonomy";

/** A value in canonical form, or why it cannot be made canonical. */
type Canonical<T> = { value: T } | { reason: string };

function stringList(raw: unknown): string[] | null {
  return Array.isArray(raw) && raw.every((item) => typeof item === "string") ? raw : null;
}

function canonicalEnum(kind: EnumKind): (raw: unknown) => Canonical<string> {
  return (raw) => {
    const value = normalizeEnumValue(kind, raw);
    return value === null ? { reason: `unknown ${kind.replace(/_/g, " ")} ${JSON.stringify(raw)}` } : { value };
  };
}

/** Muscle names de-aliased, without blanks or repeats. */
export function canonicalMuscles(raw: unknown): Canonical<string[]> {
  const list = stringList(raw);
  return list
    ? { value: [...new Set(list.map(normalizeMuscle).filter((muscle) => muscle !== ""))] }
    : { reason: "expected a list of muscle names" };
}

function canonicalMuscleCategories(raw: unknown): Canonical<string[]> {
  const list = stringList(raw);
  if (!list || list.length === 0) return { reason: "expected a non-empty list of muscle categories" };
  const values = list.map((item) => normalizeEnumValue("muscle_category", item));
  const unknown = list.filter((_, index) => values[index] === null);
  if (unknown.length > 0) return { reason: `unknown muscle categories: ${unknown.join(", ")}` };
  return { value: [...new Set(values as string[])] };
}

function canonicalEquipment(raw: unknown): Canonical<string[]> {
  const list = stringList(raw);
  if (!list) return { reason: "expected a list of equipment" };
  const equipment = normalizeEquipmentList(list);
  return equipment.length === 0 ? { reason: "equipment must not be empty" } : { value: equipment };
}

/** "40%" → 0.4, "0.4" → 0.4; numbers pass; anything else is NaN. */
function toShare(value: unknown): number {
  if (typeof value === "number") return value;
  // The spaces before "%" belong to it: with "\s*(%?)\s*", a long run of spaces ending in anything else is
  // split between the two in every way, quadratic time.
  const match = typeof value === "string" ? /^\s*(\d+(?:\.\d+)?)(?:\s*(%))?\s*$/.exec(value) : null;
  if (!match) return Number.NaN;
  // A percentage is a share of 100, so it adds up with plain fractions given next to it.
  return match[2] === "%" ? Number.parseFloat(match[1]) / 100 : Number.parseFloat(match[1]);
}

/** Muscle names de-aliased, the shares of two spellings of one muscle added up; not renormalised (each writer reports that its own way). */
function canonicalContribution(raw: unknown): Canonical<Record<string, number>> {
  if (!isPlainRecord(raw)) return { reason: "expected a map of muscle → share" };
  const shares: Record<string, number> = {};
  for (const [muscle, value] of Object.entries(raw)) {
    const share = toShare(value);
    if (!Number.isFinite(share) || share < 0) return { reason: `invalid share for "${muscle}": ${JSON.stringify(value)}` };
    const key = normalizeMuscle(muscle);
    shares[key] = (shares[key] ?? 0) + share;
  }
  return { value: shares };
}

const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = {
  true: true,
  yes: true,
  unilateral: true,
  false: false,
  no: false,
  bilateral: false,
};

function canonicalUnilateral(raw: unknown): Canonical<boolean> {
  if (typeof raw === "boolean") return { value: raw };
  const word = typeof raw === "string" ? BOOLEAN_WORDS[raw.trim().toLowerCase()] : undefined;
  return word === undefined ? { reason: `expected a boolean, got ${JSON.stringify(raw)}` } : { value: word };
}

/** An exercise status in any letter case or spacing ("Draft", " MERGED "); a status has no synonyms. */
function canonicalStatus(raw: unknown): Canonical<(typeof EXERCISE_STATUSES)[number]> {
  const key = typeof raw === "string" ? raw.trim().toLowerCase() : null;
  const value = EXERCISE_STATUSES.find((status) => status === key);
  return value === undefined ? { reason: `unknown status ${JSON.stringify(raw)}` } : { value };
}

/** The fields whose values have a canonical form, each with how it is made. */
export const CANONICAL_FIELD_VALUES = {
  equipment: canonicalEquipment,
  category: canonicalEnum("category"),
  "muscles.primary": canonicalMuscles,
  "muscles.secondary": canonicalMuscles,
  "muscles.category": canonicalMuscleCategories,
  "muscles.contribution": canonicalContribution,
  "metadata.level": canonicalEnum("level"),
  "metadata.plane_of_motion": canonicalEnum("plane_of_motion"),
  "metadata.unilateral": canonicalUnilateral,
  "movement.type": canonicalEnum("movement_type"),
  "movement.split": canonicalEnum("movement_split"),
  status: canonicalStatus,
} as const satisfies Partial<Record<ExerciseFieldPath, (raw: unknown) => Canonical<unknown>>>;

/** The value at a dotted path in canonical form, or why it cannot be; null when the field has no canonical form (free text, a map of fields). */
export function canonicalFieldValue(path: string, raw: unknown): Canonical<unknown> | null {
  return Object.hasOwn(CANONICAL_FIELD_VALUES, path) ? CANONICAL_FIELD_VALUES[path as keyof typeof CANONICAL_FIELD_VALUES](raw) : null;
}
