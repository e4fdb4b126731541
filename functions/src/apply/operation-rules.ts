/**
 * Checks of one operation on its own, before it is simulated: size, the field-path allowlist,
 * identity fields that only dedicated operations may change, and well-formed targets.
 */
import { deprecatedFieldReplacement, isAllowedExercisePath, isDeprecatedField } from "../catalog/fields";
import { FAMILY_SLUG_PATTERN, exerciseIdFor } from "../catalog/taxonomy";
import { documentBytes } from "../util/firestore-size";
import type { ValidationIssue } from "./issues";
import type { Operation } from "./plan";
import { isPlainRecord, upToArrayIndex, type DocData } from "../util/object-paths";
import { EXERCISE_FIELD_PATHS } from "../catalog/schemas";

export const PLAN_LIMITS = {
  maxOperations: 500,
  /** One operation, as Firestore counts a document's size: a whole exercise is a few KiB, so this only stops runaway values. */
  maxOperationBytes: 64_000,
} as const;

/** Changed only by rename_exercise / reassign_family, which keep the slugs derived and the old slug aliased. */
const IDENTITY_FIELDS: ReadonlySet<string> = new Set(["name", "name_slug", "family_slug"]);

type Finding = Omit<ValidationIssue, "operation_index">;

/** A merge that names its own source: the validator and an apply-time conflict say it the same way. */
export const SELF_MERGE = "an exercise cannot be merged into itself";

export function operationIssues(op: Operation): { errors: Finding[]; warnings: Finding[] } {
  const errors: Finding[] = [];
  const warnings: Finding[] = [];
  const bytes = documentBytes(op);
  if (bytes > PLAN_LIMITS.maxOperationBytes) {
    errors.push({
      code: "OPERATION_TOO_LARGE",
      path: "",
      message: `the operation is ${bytes} bytes as Firestore counts them; the limit is ${PLAN_LIMITS.maxOperationBytes}`,
    });
  }
  switch (op.op) {
    case "create_exercise": {
      errors.push(...disallowedPaths(op.data, "data", ""));
      const { family_slug, name_slug } = op.data;
      if (typeof family_slug === "string" && typeof name_slug === "string" && op.exercise_id !== exerciseIdFor(family_slug, name_slug)) {
        errors.push({
          code: "EXERCISE_ID_MISMATCH",
          path: "exercise_id",
          message: `a new exercise's id is "{family_slug}__{name_slug}"`,
          suggestion: exerciseIdFor(family_slug, name_slug),
        });
      }
      break;
    }
    case "patch_fields":
      errors.push(...patchPathIssues(op.set, op.unset));
      if (Object.keys(op.set).length === 0 && op.unset.length === 0) {
        warnings.push({ code: "NO_EFFECT", path: "set", message: "the patch sets and unsets nothing" });
      }
      // A patch may retire an exercise as deprecate_exercise does; whether its target is live is checked after the plan.
      if (op.set.merged_into === op.exercise_id) {
        errors.push({ code: "MERGE_TARGET_INVALID", path: "set.merged_into", message: SELF_MERGE });
      }
      break;
    case "merge_exercises":
      if (op.source_id === op.target_id) {
        errors.push({ code: "MERGE_CONFLICT", path: "target_id", message: SELF_MERGE });
      }
      errors.push(...patchPathIssues(op.target_patch, [], "target_patch"));
      break;
    case "deprecate_exercise":
      if (op.status === "merged" && !op.merged_into) {
        errors.push({ code: "MERGE_TARGET_INVALID", path: "merged_into", message: "status merged needs merged_into" });
      } else if (op.status === "deprecated" && op.merged_into) {
        errors.push({
          code: "MERGE_TARGET_INVALID",
          path: "merged_into",
          message: "merged_into goes with status merged",
          suggestion: "merged",
        });
      } else if (op.merged_into === op.exercise_id) {
        errors.push({ code: "MERGE_TARGET_INVALID", path: "merged_into", message: SELF_MERGE });
      }
      break;
    case "reassign_family":
      if (!FAMILY_SLUG_PATTERN.test(op.to_family)) {
        errors.push({
          code: "FAMILY_TARGET_INVALID",
          path: "to_family",
          message: `"${op.to_family}" is not a family slug like "bench_press"`,
        });
      }
      if (op.from_family === op.to_family && !op.new_name) {
        warnings.push({ code: "NO_EFFECT", path: "to_family", message: "the exercise already is in this family" });
      }
      break;
    case "upsert_alias":
      if (Boolean(op.exercise_id) === Boolean(op.family_slug)) {
        errors.push({
          code: "ALIAS_TARGET_INVALID",
          path: op.exercise_id ? "family_slug" : "exercise_id",
          message: op.exercise_id ? "an alias targets an exercise or a family, not both" : "an alias needs exercise_id or family_slug",
        });
      } else if (op.is_family_alias && op.exercise_id) {
        errors.push({
          code: "ALIAS_TARGET_INVALID",
          path: "is_family_alias",
          message: "an alias of an exercise is not a family alias",
          suggestion: "false",
        });
      }
      break;
    case "update_family_registry":
      if ((op.status === "merged") !== Boolean(op.merged_into)) {
        errors.push({
          code: "FAMILY_TARGET_INVALID",
          path: "merged_into",
          message: "merged_into is required with status merged and only then",
        });
      } else if (op.merged_into === op.family_slug) {
        errors.push({ code: "FAMILY_TARGET_INVALID", path: "merged_into", message: "a family cannot be merged into itself" });
      }
      break;
    case "rename_exercise":
    case "delete_alias":
    case "no_change":
      break;
  }
  return { errors, warnings };
}

function hasAllowedChildren(path: string): boolean {
  return EXERCISE_FIELD_PATHS.some((allowed) => allowed.startsWith(`${path}.`));
}

function notAllowed(path: string, field: string, operation: "set" | "delete"): Finding {
  const at = `${field}.${path}`;
  const whole = upToArrayIndex(path);
  if (whole !== path) {
    return { code: "PATH_NOT_ALLOWED", path: at, message: "arrays are written whole; paths never index into them", suggestion: whole };
  }
  if (operation === "set" && isDeprecatedField(path)) {
    const replacement = deprecatedFieldReplacement(path);
    return {
      code: "PATH_NOT_ALLOWED",
      path: at,
      message: `"${path}" is deprecated and may only be removed`,
      ...(replacement ? { suggestion: replacement } : {}),
    };
  }
  return { code: "PATH_NOT_ALLOWED", path: at, message: `"${path}" is not a known exercise field` };
}

/** Paths inside a document-shaped value (create data, or a map set whole) that the allowlist does not know. */
function disallowedPaths(value: Readonly<DocData>, field: string, prefix: string): Finding[] {
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!isAllowedExercisePath(path, "set")) return [notAllowed(path, field, "set")];
    return isPlainRecord(child) && hasAllowedChildren(path) ? disallowedPaths(child, field, path) : [];
  });
}

/** Whether a patch may set `value` at `field` as it is (every path inside it on the allowlist). */
export function patchableValue(field: string, value: unknown): boolean {
  return patchPathIssues({ [field]: value }, []).length === 0;
}

/** Allowlist, identity fields, and paths that overlap (set twice, or set and unset): a patch_fields operation's path rules. */
export function patchPathIssues(set: Readonly<DocData>, unset: readonly string[], setField = "set"): Finding[] {
  const findings: Finding[] = [];
  for (const [path, value] of Object.entries(set)) {
    if (IDENTITY_FIELDS.has(path)) {
      findings.push(identityPatch(path, setField));
    } else if (!isAllowedExercisePath(path, "set")) {
      findings.push(notAllowed(path, setField, "set"));
    } else if (isPlainRecord(value) && hasAllowedChildren(path)) {
      findings.push(...disallowedPaths(value, setField, path));
    }
  }
  for (const path of unset) {
    if (IDENTITY_FIELDS.has(path)) findings.push(identityPatch(path, "unset"));
    else if (!isAllowedExercisePath(path, "delete")) findings.push(notAllowed(path, "unset", "delete"));
  }
  const paths = [...Object.keys(set), ...unset];
  for (let i = 0; i < paths.length; i++) {
    for (let j = i + 1; j < paths.length; j++) {
      const [a, b] = [paths[i], paths[j]];
      if (a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`)) {
        findings.push({
          code: "PATH_CONFLICT",
          path: `${j < Object.keys(set).length ? setField : "unset"}.${b}`,
          message: `"${a}" and "${b}" overlap`,
        });
      }
    }
  }
  return findings;
}

function identityPatch(path: string, field: string): Finding {
  return {
    code: "IDENTITY_FIELD_PATCH",
    path: `${field}.${path}`,
    message: `"${path}" is changed only by rename_exercise or reassign_family, which keep the slugs derived`,
    suggestion: path === "family_slug" ? "reassign_family" : "rename_exercise",
  };
}
