/**
 * The structured findings of plan validation. Errors block the plan (and go to the LLM repair loop
 * verbatim, so messages say what is wrong and suggestions say what would be right); warnings are
 * recorded but do not block.
 */

export type ValidationCode =
  | "PLAN_TOO_LARGE"
  | "OPERATION_TOO_LARGE"
  | "PATH_NOT_ALLOWED"
  | "PATH_CONFLICT"
  | "IDENTITY_FIELD_PATCH"
  | "INVALID_PATH"
  | "SCHEMA_INVALID"
  | "DOCUMENT_TOO_LARGE"
  | "EXERCISE_NOT_FOUND"
  | "EXERCISE_EXISTS"
  | "EXERCISE_ID_MISMATCH"
  | "STALE_PLAN"
  | "FAMILY_SLUG_MISMATCH"
  | "NON_CANONICAL_NAME"
  | "DUPLICATE_NAME_SLUG"
  | "DUPLICATE_EQUIPMENT_VARIANT"
  | "SLUG_COLLISION"
  | "ALIAS_TARGET_INVALID"
  | "ALIAS_TARGET_MISSING"
  | "ALIAS_COLLISION"
  | "ALIAS_CHAIN"
  | "ALIAS_LOOP"
  | "ALIAS_SHADOWS_EXERCISE"
  | "OLD_SLUG_NOT_ALIASED"
  | "MERGE_CONFLICT"
  | "MERGE_TARGET_INVALID"
  | "FAMILY_TARGET_INVALID"
  | "REGISTRY_STALE"
  | "NON_CANONICAL_EQUIPMENT"
  | "REPLACEMENT_MISSING"
  | "DUPLICATE_OPERATION"
  | "NO_EFFECT";

export interface ValidationIssue {
  code: ValidationCode;
  message: string;
  /** The operation concerned; null for the plan as a whole. */
  operation_index: number | null;
  /** The field concerned: a field of the operation ("new_name") or of the document it writes ("muscles.primary"). */
  path: string;
  /** What would be valid, when the validator can tell. */
  suggestion?: string;
  /** The document concerned, e.g. "exercises/bench_press__bench-press-barbell". */
  target?: string;
}

export interface ValidationResult {
  ok: boolean;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
}

/** Collects errors and warnings while the validator walks a plan. */
export class IssueLog {
  readonly errors: ValidationIssue[] = [];
  readonly warnings: ValidationIssue[] = [];

  error(issue: ValidationIssue): void {
    this.errors.push(issue);
  }

  warn(issue: ValidationIssue): void {
    this.warnings.push(issue);
  }

  result(): ValidationResult {
    const order = (a: ValidationIssue, b: ValidationIssue) => (a.operation_index ?? -1) - (b.operation_index ?? -1);
    return { ok: this.errors.length === 0, errors: [...this.errors].sort(order), warnings: [...this.warnings].sort(order) };
  }
}
