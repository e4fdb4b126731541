/**
 * Which exercise paths a change plan may touch, which fields are deprecated and which ones enrichment
 * may never write. Paths are dotted map keys; arrays are always written whole (no indexing). An alias
 * has no paths to allow: a plan writes one only whole, by `upsert_alias`, whose fields its schema fixes.
 */
import { getPath } from "../util/object-paths";
import { EXERCISE_FIELD_PATHS, type ExerciseFieldPath } from "./schemas";

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

export interface DeprecatedFieldFinding {
  field: string;
  replacement: ExerciseFieldPath | null;
  /**
   * SCHEMA_CLEANUP (and a plan's unset) may delete it: no replacement is named, the replacement holds
   * a value, or it holds nothing to lose and its replacement exists (empty too).
   */
  removable: boolean;
}

/**
 * The deprecated fields a document still carries, and whether each can be removed yet: only once
 * its replacement exists (CATALOG-DOMAIN.md). An empty one (`[]`, `""`, null) goes as soon as the
 * replacement is there, empty too: removing it loses nothing, and waiting for the replacement to be
 * filled would keep a legacy field for nothing.
 */
export function findDeprecatedFields(doc: Readonly<Record<string, unknown>>): DeprecatedFieldFinding[] {
  return Object.keys(doc)
    .filter(isDeprecatedField)
    .map((field) => {
      const replacement = deprecatedFieldReplacement(field);
      const replaced = replacement === null ? null : getPath(doc, replacement);
      const removable = replacement === null || hasValue(replaced) || (!hasValue(doc[field]) && replaced !== undefined);
      return { field, replacement, removable };
    });
}

function hasValue(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value) || typeof value === "string") return value.length > 0;
  return true;
}
