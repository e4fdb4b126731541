/**
 * The family registry entry, the one derived document of the catalog: computed from a family's
 * exercises, never edited by hand. Pure.
 */
import type { DocData } from "../util/object-paths";
import type { FamilyRegistryDoc } from "./schemas";
import {
  FAMILY_SLUG_PATTERN,
  type FamilyStatus,
  normalizeEquipmentList,
  splitEquipmentPrefix,
  splitExerciseName,
  titleCase,
  toFamilySlug,
} from "./taxonomy";

const RETIRED_EXERCISE_STATUSES: ReadonlySet<unknown> = new Set(["deprecated", "merged"]);

/** Absent, approved and draft exercises are part of their family; deprecated and merged ones are not. */
export function isLiveExercise(exercise: Readonly<DocData>): boolean {
  return !RETIRED_EXERCISE_STATUSES.has(exercise.status);
}

/** A family exists and is not retired: an active registry entry, or, without an entry, live exercises. */
export function isLiveFamily(registry: Readonly<DocData> | null, hasLiveExercises: boolean): boolean {
  return registry ? registry.status === "active" : hasLiveExercises;
}

/**
 * Whether a registry entry can be made under `familySlug`: the catalog's schema takes one only under a slug the slug
 * rule fits, so a legacy slug ("bench-press") holds none until a FAMILY_RENAME_SLUG gives the family a slug.
 */
export function canHoldRegistry(familySlug: string): boolean {
  return FAMILY_SLUG_PATTERN.test(familySlug);
}

/** The family a registry entry says it was merged into, or null (not merged, or merged into nothing named). */
export function mergedInto(registry: Readonly<DocData> | null | undefined): string | null {
  return registry?.status === "merged" && typeof registry.merged_into === "string" ? registry.merged_into : null;
}

/** The exercise's equipment, normalised (lowercase, canonical aliases, no repeats), first item primary. */
export function normalizedEquipment(exercise: Readonly<DocData>): string[] {
  const equipment = Array.isArray(exercise.equipment) ? exercise.equipment.filter((item): item is string => typeof item === "string") : [];
  return normalizeEquipmentList(equipment);
}

/** The primary equipment (first item, normalised) of an exercise, or null when it has none. */
export function normalizedPrimary(exercise: Readonly<DocData>): string | null {
  return normalizedEquipment(exercise)[0] ?? null;
}

export interface RegistryOptions {
  /** Default: active while the family has live exercises, else deprecated. */
  status?: FamilyStatus;
  merged_into?: string;
  /** The stored entry, whose base name is kept when no exercise names the family's base movement. */
  previous?: Readonly<DocData> | null;
}

/**
 * The registry entry of a family, derived from its exercises: base name, the primary equipment
 * set, every equipment its live exercises use, how many live exercises it has, and its status.
 * Equipment lists are sorted, so the same exercises always give the same document.
 */
export function computeFamilyRegistry(
  familySlug: string,
  exercises: readonly Readonly<DocData>[],
  options: RegistryOptions = {},
): FamilyRegistryDoc {
  const live = exercises.filter(isLiveExercise);
  const primary = new Set<string>();
  const allowed = new Set<string>();
  for (const exercise of live) {
    const equipment = normalizedEquipment(exercise);
    if (equipment.length > 0) primary.add(equipment[0]);
    for (const item of equipment) allowed.add(item);
  }
  const status = options.status ?? (live.length > 0 ? "active" : "deprecated");
  return {
    family_slug: familySlug,
    base_name: familyBaseName(familySlug, live, options.previous) ?? titleCase(familySlug.replace(/_/g, " ")),
    primary_equipment: [...primary].sort(),
    allowed_equipment: [...allowed].sort(),
    exercise_count: live.length,
    status,
    ...(status === "merged" && options.merged_into ? { merged_into: options.merged_into } : {}),
  };
}

/**
 * The base name a family's exercises or stored entry give it: the most common base among live names
 * whose own family slug is this family ("Push-Up" for push_up, not "Incline Push-Up"); else the
 * stored base name; null when neither names it (a new family).
 */
export function familyBaseName(
  familySlug: string,
  exercises: readonly Readonly<DocData>[],
  previous?: Readonly<DocData> | null,
): string | null {
  const counts = new Map<string, number>();
  for (const exercise of exercises.filter(isLiveExercise)) {
    if (typeof exercise.name !== "string") continue;
    const base = splitEquipmentPrefix(splitExerciseName(exercise.name).base).rest;
    if (base !== "" && toFamilySlug(base) === familySlug) counts.set(base, (counts.get(base) ?? 0) + 1);
  }
  const ranked = [...counts].sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0));
  if (ranked.length > 0) return ranked[0][0];
  if (typeof previous?.base_name === "string" && previous.base_name.trim() !== "") return previous.base_name;
  return null;
}
