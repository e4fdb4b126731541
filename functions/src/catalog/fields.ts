/**
 * Which exercise paths a change plan may touch, which fields are deprecated and which ones enrichment
 * may never write. Paths are dotted map keys; arrays are always written whole (no indexing). An alias
 * has no paths to allow: a plan writes one only whole, by `upsert_alias`, whose fields its schema fixes.
 */
import { getPath } from "../util/object-paths";
import { EXERCISE_FIELD_PATHS, type ExerciseFieldPath, exercisePathSchema } from "./schemas";

/** Deprecated top-level fields → the field that replaces them, or null when they are simply dropped. */
export const DEPRECATED_FIELDS: Readonly<Record<string, ExerciseFieldPath | null>> = {
  primary_muscles: "muscles.primary",
  secondary_muscles: "muscles.secondary",
  instructions: "execution_notes",
  coaching_cues: null,
  tips: null,
  variant_key: null,
  images: null,
  delete_candidate: null,
  delete_candidate_justification: null,
  _debug_project_id: null,
  created_by: null,
  version: null,
  id: null,
};
const DEPRECATED_PREFIX = "enriched_";

/** Enrichment never writes these (identity, lifecycle, timestamps, scanner output). */
export const LOCKED_ENRICHMENT_FIELDS = [
  "name",
  "name_slug",
  "family_slug",
  "status",
  "id",
  "exercise_id",
  "merged_into",
  "deprecated_at",
  "updated_at",
  "created_at",
  "review_metadata",
] as const;

export type PathOperation = "set" | "delete";

const EXERCISE_PATH_SET: ReadonlySet<string> = new Set(EXERCISE_FIELD_PATHS);

export function isDeprecatedField(path: string): boolean {
  return Object.hasOwn(DEPRECATED_FIELDS, path) || (path.startsWith(DEPRECATED_PREFIX) && !path.includes("."));
}

/** The replacement of a deprecated field, or null (none named, or not deprecated at all). */
export function deprecatedFieldReplacement(path: string): ExerciseFieldPath | null {
  return Object.hasOwn(DEPRECATED_FIELDS, path) ? DEPRECATED_FIELDS[path] : null;
}

/** A known field may be set or deleted; a deprecated field may only be deleted. */
export function isAllowedExercisePath(path: string, operation: PathOperation = "set"): boolean {
  return EXERCISE_PATH_SET.has(path) || (operation === "delete" && isDeprecatedField(path));
}

export function isLockedForEnrichment(path: string): boolean {
  return LOCKED_ENRICHMENT_FIELDS.some((locked) => path === locked || path.startsWith(`${locked}.`));
}

/**
 * `removable`: SCHEMA_CLEANUP (and a plan's unset) may delete it: no replacement is named, the replacement
 * holds a valid value, or it holds nothing to lose and its replacement exists (empty or not valid, too).
 * Otherwise `reason` says what its replacement lacks.
 */
export type DeprecatedFieldFinding = { field: string; replacement: ExerciseFieldPath | null } & (
  { removable: true } | { removable: false; reason: string }
);

/**
 * The deprecated fields a document still carries, and whether each can be removed yet: only once
 * its replacement holds a value (CATALOG-DOMAIN.md), a valid one, since one that only looks filled
 * (`[""]`, "TODO" where muscle names belong) would lose the field's content. An empty one (`[]`, `""`,
 * null) goes as soon as the replacement is there, whatever it holds: removing it loses nothing, and
 * waiting for the replacement to be filled would keep a legacy field for nothing.
 */
export function findDeprecatedFields(doc: Readonly<Record<string, unknown>>): DeprecatedFieldFinding[] {
  return Object.keys(doc)
    .filter(isDeprecatedField)
    .map((field): DeprecatedFieldFinding => {
      const replacement = deprecatedFieldReplacement(field);
      if (replacement === null) return { field, replacement, removable: true };
      const replaced = getPath(doc, replacement);
      const shortfall = replacementShortfall(replacement, replaced);
      if (shortfall === null || (!holdsContent(doc[field]) && replaced !== undefined)) return { field, replacement, removable: true };
      return { field, replacement, removable: false, reason: `its replacement ${replacement} ${shortfall}` };
    });
}

/**
 * What the replacement's stored value lacks to take over a deprecated field's content, or null when it
 * holds a value: one its path's schema takes and, for a list, with an item that is not blank.
 */
function replacementShortfall(replacement: ExerciseFieldPath, value: unknown): string | null {
  if (!holdsContent(value) || (Array.isArray(value) && value.every((item) => typeof item === "string" && item.trim() === ""))) {
    return "is still empty";
  }
  const parsed = exercisePathSchema(replacement)?.safeParse(value);
  // The first issue says it: a string where a list belongs also breaks the list's length bounds.
  return parsed?.success === false ? `holds no valid value (${parsed.error.issues[0].message})` : null;
}

/** Whether a stored value holds anything at all (valid or not): a deprecated field without it has nothing to lose. */
function holdsContent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value) || typeof value === "string") return value.length > 0;
  return true;
}
