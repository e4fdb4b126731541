/**
 * The quality scanner's heuristic score (CATALOG-DOMAIN.md, "Quality scanner"): twelve hard checks
 * decide whether an exercise passes; soft checks only mark it for enrichment, among them content lists
 * outside the field table's rules and stored values of enrichable fields the exercise schema refuses.
 * Works on raw documents (legacy shapes included), so every field is read defensively. No LLM, no I/O.
 */
import {
  type ContentField,
  CONTENT_FIELDS,
  CONTENT_LIST_BOUNDS,
  DESCRIPTION_MIN_LENGTH,
  MIN_EXECUTION_NOTES,
  isEnumValue,
  splitExerciseName,
} from "../catalog/taxonomy";
import { normalizedPrimary } from "../catalog/family-registry";
import { EXERCISE_FIELD_PATHS, MUSCLE_NAME_RULE, canonicalMuscleName, exercisePathSchema, muscleNameSchema } from "../catalog/schemas";
import { exerciseNameProblem } from "../catalog/naming-rules";
import { isLockedForEnrichment } from "../catalog/fields";
import {
  CONTENT_ITEM_FORMS,
  type StyleCheck,
  UNMARKED_CONTENT_FIELDS,
  contentStyleIssues,
  descriptionStyleIssues,
  startsWithListMarker,
} from "../catalog/text-style";
import { getPath } from "../util/object-paths";

// Recorded in review_metadata: a verdict of an older version may differ from this one's.
export const SCANNER_VERSION = "2.11";

export const HEURISTIC_PASS_SCORE = 0.85;
export const SOFT_ISSUE_SCORE = 0.7;
/**
 * A hard failure scores below 0.5: 0.45 for one, 0.05 less for each further one, never below 0.1 —
 * so exercises with more broken checks sort first in a review queue.
 */
const HARD_FAILURE_SCORE = { first: 0.45, step: 0.05, floor: 0.1 } as const;

export const HARD_CHECKS = [
  "canonical_name",
  "equipment_present",
  "category_present",
  "primary_muscles_present",
  "execution_notes_present",
  "category_canonical",
  "movement_type_canonical",
  "movement_split_canonical",
  "description_length",
  "primary_muscles_format",
  "content_format",
  "muscle_category_present",
] as const;
export type HardCheck = (typeof HARD_CHECKS)[number];

/** The exercise fields each hard check judges: what would have to change for it to pass. */
const HARD_CHECK_FIELDS: Record<HardCheck, readonly string[]> = {
  canonical_name: ["name"],
  equipment_present: ["equipment"],
  category_present: ["category"],
  primary_muscles_present: ["muscles.primary"],
  execution_notes_present: ["execution_notes"],
  category_canonical: ["category"],
  movement_type_canonical: ["movement.type"],
  movement_split_canonical: ["movement.split"],
  description_length: ["description"],
  primary_muscles_format: ["muscles.primary"],
  content_format: UNMARKED_CONTENT_FIELDS,
  muscle_category_present: ["muscles.category"],
};

type SoftCheck =
  | StyleCheck
  | "few_execution_notes"
  | "missing_common_mistakes"
  | "missing_suitability_notes"
  | "missing_programming_use_cases"
  | "missing_stimulus_tags"
  | "content_list_rules"
  | "invalid_value";

export interface CheckFinding<C extends string> {
  check: C;
  message: string;
  /** The exercise fields the check judges: what would have to change for it to pass. */
  fields: readonly string[];
}

type IssueType = "ok" | "needs_enrichment" | "needs_full_review";

export interface ScanResult {
  passed: boolean;
  score: number;
  hard_failures: CheckFinding<HardCheck>[];
  soft_issues: CheckFinding<SoftCheck>[];
  issue_type: IssueType;
  needs_full_review: boolean;
  needs_enrichment_only: boolean;
}

export function heuristicScoreExercise(exercise: Readonly<Record<string, unknown>>): ScanResult {
  const hard_failures = hardFailures(exercise);
  const soft_issues = softIssues(exercise, hard_failures);
  const passed = hard_failures.length === 0;
  const issue_type: IssueType = !passed ? "needs_full_review" : soft_issues.length > 0 ? "needs_enrichment" : "ok";
  return {
    passed,
    score: scoreFor(hard_failures.length, soft_issues.length),
    hard_failures,
    soft_issues,
    issue_type,
    needs_full_review: issue_type === "needs_full_review",
    needs_enrichment_only: issue_type === "needs_enrichment",
  };
}

/** The fields of a finding that enrichment may write: those its check judges, the locked ones (the name) aside. */
export function enrichableFields(finding: CheckFinding<string>): readonly string[] {
  return finding.fields.filter((field) => !isLockedForEnrichment(field));
}

/**
 * Whether enrichment can fix anything the scan found: a finding on a field enrichment may write.
 * A name that fails the scan alone is not, since enrichment never renames (a TARGETED_FIX rename,
 * or the family's FAMILY_NORMALIZE, can).
 */
export function enrichmentCanHelp(result: ScanResult): boolean {
  return [...result.hard_failures, ...result.soft_issues].some((finding) => enrichableFields(finding).length > 0);
}

export interface ReviewMetadata {
  quality_score: number;
  issue_type: IssueType;
  needs_full_review: boolean;
  needs_enrichment_only: boolean;
  last_scanned_at: Date;
  scanner_version: string;
}

/** The `review_metadata` a QUALITY_SCAN writes for a result. */
export function toReviewMetadata(result: ScanResult, scannedAt: Date): ReviewMetadata {
  return {
    quality_score: result.score,
    issue_type: result.issue_type,
    needs_full_review: result.needs_full_review,
    needs_enrichment_only: result.needs_enrichment_only,
    last_scanned_at: scannedAt,
    scanner_version: SCANNER_VERSION,
  };
}

function scoreFor(hardCount: number, softCount: number): number {
  if (hardCount === 0) return softCount === 0 ? HEURISTIC_PASS_SCORE : SOFT_ISSUE_SCORE;
  const score = HARD_FAILURE_SCORE.first - HARD_FAILURE_SCORE.step * (hardCount - 1);
  return Math.max(HARD_FAILURE_SCORE.floor, Math.round(score * 100) / 100);
}

function stringOrEmpty(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function arrayOrNull(value: unknown): unknown[] | null {
  return Array.isArray(value) ? value : null;
}

function strings(value: unknown): string[] {
  return (arrayOrNull(value) ?? []).filter((item): item is string => typeof item === "string");
}

/** The items a presence check counts: a blank string is no equipment, note, category or content item. */
function nonBlankStrings(value: unknown): string[] {
  return strings(value).filter((item) => item.trim() !== "");
}

function hardFailures(exercise: Readonly<Record<string, unknown>>): CheckFinding<HardCheck>[] {
  const failures: CheckFinding<HardCheck>[] = [];
  const fail = (check: HardCheck, message: string): void => {
    failures.push({ check, message, fields: HARD_CHECK_FIELDS[check] });
  };

  const nameProblem = canonicalNameProblem(exercise);
  if (nameProblem) fail("canonical_name", nameProblem);

  const equipment = nonBlankStrings(exercise.equipment);
  if (equipment.length === 0) fail("equipment_present", "equipment is missing or empty");

  const category = exercise.category;
  if (category === undefined || category === null || category === "") {
    fail("category_present", "category is missing");
  } else if (!isEnumValue("category", category)) {
    fail("category_canonical", `category ${JSON.stringify(category)} is not canonical`);
  }

  const primary = arrayOrNull(getPath(exercise, "muscles.primary")) ?? [];
  if (primary.length === 0) fail("primary_muscles_present", "no primary muscle");
  // The validator's own rule, so the scanner never passes a name a write of it would refuse.
  const badMuscles = primary.filter((muscle) => !muscleNameSchema.safeParse(muscle).success);
  if (badMuscles.length > 0) {
    const listed = badMuscles.map((muscle) => {
      const canonical = canonicalMuscleName(muscle);
      return canonical === null ? String(muscle) : `${String(muscle)} (write "${canonical}")`;
    });
    fail("primary_muscles_format", `primary muscles not canonical (${MUSCLE_NAME_RULE}): ${listed.join(", ")}`);
  }

  const notes = nonBlankStrings(exercise.execution_notes);
  if (notes.length < MIN_EXECUTION_NOTES) {
    fail("execution_notes_present", `${notes.length} execution note(s); at least ${MIN_EXECUTION_NOTES} needed`);
  }

  const movementType = getPath(exercise, "movement.type");
  if (!isEnumValue("movement_type", movementType)) {
    fail("movement_type_canonical", `movement.type "${String(movementType)}" is missing or not canonical`);
  }
  const movementSplit = getPath(exercise, "movement.split");
  if (!isEnumValue("movement_split", movementSplit)) {
    fail("movement_split_canonical", `movement.split "${String(movementSplit)}" is missing or not canonical`);
  }

  const description = stringOrEmpty(exercise.description).trim();
  if (description.length < DESCRIPTION_MIN_LENGTH) {
    fail("description_length", `description has ${description.length} characters; at least ${DESCRIPTION_MIN_LENGTH} needed`);
  }

  const formatProblems = contentFormatProblems(exercise);
  if (formatProblems.length > 0) fail("content_format", formatProblems.join("; "));

  const muscleCategories = nonBlankStrings(getPath(exercise, "muscles.category"));
  if (muscleCategories.length === 0) fail("muscle_category_present", "muscles.category is missing or empty");

  // Report in the documented order of the checks, whatever order they were evaluated in.
  return failures.sort((a, b) => HARD_CHECKS.indexOf(a.check) - HARD_CHECKS.indexOf(b.check));
}

/**
 * Check 1, by the catalog's naming rules. The scanner sees one exercise, not its family, so it asks
 * for the multi-equipment form, canonical in every family: "Base (Primary Equipment)", the suffix
 * left out only by a bodyweight classic on bodyweight equipment ("Push-Up", "Pull-Up").
 */
export function canonicalNameProblem(exercise: Readonly<Record<string, unknown>>): string | null {
  const name = stringOrEmpty(exercise.name);
  if (name.trim() === "") return "name is missing";
  if (splitExerciseName(name).base === "") return `"${name}" has no base name`;
  return exerciseNameProblem(name, normalizedPrimary(exercise), true)?.message ?? null;
}

/** Whether a value of `field` alone fails check 11: an execution note or mistake that is numbered, bulleted or bold. */
export function failsContentFormat(field: string, value: unknown): boolean {
  return HARD_CHECK_FIELDS.content_format.includes(field) && strings(value).some(startsWithListMarker);
}

/**
 * Check 11: common_mistakes is a list, and no execution note or mistake is numbered, bulleted or
 * bold. Every problem is named, as the enrichment prompt's must-fix list is made of them.
 */
function contentFormatProblems(exercise: Readonly<Record<string, unknown>>): string[] {
  const mistakes = exercise.common_mistakes;
  const problems: string[] = [];
  if (mistakes === undefined || mistakes === null) problems.push("common_mistakes is missing");
  else if (!Array.isArray(mistakes)) problems.push("common_mistakes is not a list");
  for (const field of UNMARKED_CONTENT_FIELDS) {
    const items = arrayOrNull(exercise[field]) ?? [];
    if (items.some((item) => typeof item !== "string")) problems.push(`${field} items must be strings`);
    const marked = strings(items).filter(startsWithListMarker);
    if (marked.length > 0) {
      problems.push(`${marked.length} ${field} item(s) start with numbering, a bullet or bold: ${JSON.stringify(marked[0])}`);
    }
  }
  return problems;
}

const MISSING_CHECKS: Readonly<Partial<Record<ContentField, SoftCheck>>> = {
  common_mistakes: "missing_common_mistakes",
  suitability_notes: "missing_suitability_notes",
  programming_use_cases: "missing_programming_use_cases",
  stimulus_tags: "missing_stimulus_tags",
};

function softIssues(
  exercise: Readonly<Record<string, unknown>>,
  hardFailures: readonly CheckFinding<HardCheck>[],
): CheckFinding<SoftCheck>[] {
  const issues: CheckFinding<SoftCheck>[] = [];
  const noteCount = nonBlankStrings(exercise.execution_notes).length;
  const minNotes = CONTENT_LIST_BOUNDS.execution_notes.min;
  // Fewer than 2 is already a hard failure; 2–3 is only thin.
  if (noteCount >= MIN_EXECUTION_NOTES && noteCount < minNotes) {
    issues.push({
      check: "few_execution_notes",
      message: `${noteCount} execution notes; aim for at least ${minNotes}`,
      fields: ["execution_notes"],
    });
  }

  for (const field of CONTENT_FIELDS) {
    const items = strings(exercise[field]);
    const missingCheck = MISSING_CHECKS[field];
    // Mistakes that are no list at all already fail check 11, which says so.
    const missingIsHard = field === "common_mistakes" && !Array.isArray(exercise[field]);
    if (missingCheck && nonBlankStrings(items).length === 0 && !missingIsHard) {
      issues.push({ check: missingCheck, message: `${field} is missing`, fields: [field] });
    }
    // Check 11 names this field's leading markers; markdown elsewhere in it (or in a field it did not fail) is still reported here.
    const markupIsHard = failsContentFormat(field, exercise[field]);
    const styleIssues = contentStyleIssues(field, items).filter((issue) => !(markupIsHard && issue.check === "markup"));
    issues.push(...styleIssues.map((issue) => ({ ...issue, fields: [field] })));
  }

  const description = stringOrEmpty(exercise.description);
  // A description under the hard minimum is already a hard failure.
  if (description.trim().length >= DESCRIPTION_MIN_LENGTH) {
    issues.push(...descriptionStyleIssues(description).map((issue) => ({ ...issue, fields: ["description"] })));
  }

  const broken = contentRuleProblems(exercise);
  if (broken.length > 0) {
    issues.push({
      check: "content_list_rules",
      message: `content lists outside the field table's rules: ${broken.map(({ field, problem }) => `${field} ${problem}`).join("; ")}`,
      fields: broken.map(({ field }) => field),
    });
  }

  // A field another check reports stays that check's: enrichment is asked for it either way.
  const reported = new Set([...hardFailures, ...issues].flatMap((finding) => finding.fields));
  const refused = refusedValues(exercise).filter(({ path }) => !reported.has(path));
  if (refused.length > 0) {
    issues.push({
      check: "invalid_value",
      message: `stored values the exercise schema refuses: ${refused.map(({ path, problem }) => `${path} ${problem}`).join("; ")}`,
      fields: refused.map(({ path }) => path),
    });
  }
  return issues;
}

/**
 * The content lists that break the field table's rules: an item count outside CONTENT_LIST_BOUNDS, or
 * items not of the form CONTENT_ITEM_FORMS asks. The enrichment normaliser writes no such list, so it
 * replaces a stored one. Too few items are reported elsewhere where they are none (missing) or
 * execution notes (check 5, few_execution_notes).
 */
function contentRuleProblems(exercise: Readonly<Record<string, unknown>>): { field: ContentField; problem: string }[] {
  return CONTENT_FIELDS.flatMap((field) => {
    const items = nonBlankStrings(exercise[field]);
    const { min, max } = CONTENT_LIST_BOUNDS[field];
    const tooFewReportedElsewhere = items.length === 0 || field === "execution_notes";
    const problems: string[] = [];
    if (items.length > max || (items.length < min && !tooFewReportedElsewhere)) {
      problems.push(`has ${items.length} item(s); ${min}–${max} needed`);
    }
    const form = CONTENT_ITEM_FORMS[field];
    const misformed = items.filter((item) => form?.holds(item) === false);
    if (form && misformed.length > 0) problems.push(`has ${misformed.length} item(s) not ${form.rule}: ${JSON.stringify(misformed[0])}`);
    return problems.length > 0 ? [{ field, problem: problems.join(" and ") }] : [];
  });
}

/**
 * The fields the invalid_value check judges: every exercise path enrichment may write, a map's fields
 * rather than the map ("metadata.level", not "metadata"), each by its own schema (`exercisePathSchema`).
 */
const ENRICHABLE_VALUE_PATHS = EXERCISE_FIELD_PATHS.filter(
  (path) => !isLockedForEnrichment(path) && !EXERCISE_FIELD_PATHS.some((other) => other.startsWith(`${path}.`)),
);

/**
 * The stored values of enrichable fields their schema refuses (a level "Expert", a muscle category
 * "Legs", a fourth primary muscle, an aliased secondary one, shares summing to 2), each with the
 * schema's messages. An absent field the schema does not require is missing content, not a refused value;
 * so is a stored null, which the hard checks and enrichment read as missing too.
 */
function refusedValues(exercise: Readonly<Record<string, unknown>>): { path: string; problem: string }[] {
  return ENRICHABLE_VALUE_PATHS.flatMap((path) => {
    const value = getPath(exercise, path);
    const parsed = exercisePathSchema(path)?.safeParse(value ?? undefined);
    if (!parsed || parsed.success) return [];
    const messages = [...new Set(parsed.error.issues.map((issue) => issue.message))];
    return [{ path, problem: `${JSON.stringify(value)} (${messages.join(", ")})` }];
  });
}
