/**
 * SCHEMA_CLEANUP's plan: removes the deprecated fields of CATALOG-DOMAIN.md from the named exercises.
 * A field with a named replacement (primary_muscles → muscles.primary) goes once the replacement
 * holds a valid value, or, when the field itself is empty (`[]`, `""`: nothing to lose), once the replacement
 * exists, as `findDeprecatedFields` judges; otherwise it is kept and reported with the reason. `fields_to_remove` narrows the
 * work to some deprecated fields; naming anything else (status, deprecated_at and merged_into are
 * live fields) is INVALID_FIELDS. A removal's `before` holds the replacement it relies on too: one changed
 * before the removal applies (a curator emptied it, say) fails it STALE_PLAN instead of losing the field's content.
 */
import type { OperationInput } from "../../apply/plan";
import { findDeprecatedFields, isDeprecatedField } from "../../catalog/fields";
import { JobFailure } from "../../jobs/errors";
import { exercisesNotFound } from "../support/failures";
import { type DocData } from "../../util/object-paths";
import { beforeValues } from "../../apply/expectations";

export interface SchemaCleanup {
  operations: OperationInput[];
  fields_removed: number;
  /** Deprecated fields left in place because their replacement holds no valid value (or, for an empty field, is missing). */
  kept: Array<{ exercise_id: string; field: string; reason: string }>;
}

/** What a cleanup asks for: the fields of the SCHEMA_CLEANUP payload the plan reads. */
export interface SchemaCleanupRequest {
  exercise_doc_ids: readonly string[];
  fields_to_remove?: readonly string[];
}

export function planSchemaCleanup(payload: SchemaCleanupRequest, exercises: ReadonlyMap<string, DocData>): SchemaCleanup {
  const requested = payload.fields_to_remove;
  const invalid = (requested ?? []).filter((field) => !isDeprecatedField(field));
  if (invalid.length > 0) {
    throw JobFailure.permanent("INVALID_FIELDS", `not deprecated fields, never removed by SCHEMA_CLEANUP: ${invalid.join(", ")}`, {
      invalid,
    });
  }
  // An exercise named twice is cleaned once: a second operation on it would be a duplicate.
  const ids = [...new Set(payload.exercise_doc_ids)];
  const missing = ids.filter((id) => !exercises.has(id));
  if (missing.length > 0) throw exercisesNotFound(missing);

  const cleanup: SchemaCleanup = { operations: [], fields_removed: 0, kept: [] };
  for (const id of ids) {
    const exercise = exercises.get(id) ?? {};
    const found = findDeprecatedFields(exercise).filter((finding) => !requested || requested.includes(finding.field));
    for (const finding of found) {
      if (!finding.removable) cleanup.kept.push({ exercise_id: id, field: finding.field, reason: finding.reason });
    }
    const removable = found.filter((finding) => finding.removable);
    const unset = removable.map((finding) => finding.field);
    if (unset.length === 0) continue;
    const replacements = removable.flatMap((finding) => (finding.replacement === null ? [] : [finding.replacement]));
    cleanup.fields_removed += unset.length;
    cleanup.operations.push({
      op: "patch_fields",
      exercise_id: id,
      unset,
      before: beforeValues(exercise, [...unset, ...replacements]),
      rationale: `remove deprecated field(s) ${unset.join(", ")}`,
    });
  }
  return cleanup;
}
