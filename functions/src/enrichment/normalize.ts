/**
 * Normalises and validates the `changes` of an LLM enrichment (CATALOG-DOMAIN.md, "Enrichment
 * output") into a flat patch of dotted paths. Values are mapped to canonical form first (enum
 * synonyms, muscle aliases, list markers stripped, tags in Title Case), then checked against the
 * exercise schema. Anything locked, unknown, invalid, unchanged, or no better than what is stored
 * is dropped with a reason — "if it isn't broken, don't fix it": a field whose stored value is
 * already good is kept as it is unless the job names it in `fields_to_enrich`. Missing or broken
 * fields are always open to the LLM; a value written with style issues says which
 * (`writtenWithStyleIssues`), as the next scan will find them.
 */
import { CANONICAL_FIELD_VALUES, canonicalMuscles } from "../catalog/canonical-values";
import { deprecatedFieldReplacement, isDeprecatedField, isLockedForEnrichment } from "../catalog/fields";
import { exercisePathSchema } from "../catalog/schemas";
import {
  CONTENT_LIST_BOUNDS,
  type ContentField,
  DESCRIPTION_MIN_LENGTH,
  PRIMARY_MUSCLES_BOUNDS,
  SECONDARY_MUSCLES_MAX,
  KNOWN_EQUIPMENT,
  exerciseNameParts,
  normalizeEquipment,
  normalizeEquipmentList,
  normalizeMuscle,
  renormalizedContribution,
  titleCase,
} from "../catalog/taxonomy";
import {
  type StyleIssue,
  cleanContentItem,
  contentStyleIssues,
  descriptionStyleIssues,
  asSentence,
  isGerundPhrase,
  isLabelText,
} from "../catalog/text-style";
import { type ScanResult, failsContentFormat, heuristicScoreExercise } from "../reviewer/quality-scanner";
import { getPath, isPlainRecord } from "../util/object-paths";
import { namesField } from "./spec";

export interface DroppedChange {
  path: string;
  reason: string;
}

/** A description or content list in the patch that has style issues the scanner reports (their messages). */
export interface WrittenWithStyleIssues {
  path: string;
  issues: string[];
}

export interface NormalizedEnrichment {
  /** Flat dotted paths → normalised values; only allowed paths whose value changes. */
  patch: Record<string, unknown>;
  dropped: DroppedChange[];
  writtenWithStyleIssues: WrittenWithStyleIssues[];
}

type ExerciseData = Readonly<Record<string, unknown>>;
type FieldResult = { value: unknown } | { reason: string };
type FieldNormalizer = (raw: unknown, current: ExerciseData, patch: ExerciseData) => FieldResult;

/** What a change is weighed against: the stored value of its path. */
interface StoredValue {
  value: unknown;
  /** Why this module would refuse to write the stored value (its list bounds, …); null when it would write it, normalised. */
  refused: string | null;
  /** It is valid as it is and has no style issue: kept unless the job names its field. */
  good: boolean;
  /** It fails one of the scanner's hard checks on its own. */
  failsHardCheck: boolean;
}

const CONTAINER_PATHS = new Set(["muscles", "metadata", "movement", "review_metadata"]);
const CONTRIBUTION_PATH = "muscles.contribution";
const PRIMARY_PATH = "muscles.primary";
const SECONDARY_PATH = "muscles.secondary";

/** `fieldsToEnrich`: the job's `fields_to_enrich`; a field it names may replace a stored value that is already good. */
export function normalizeEnrichmentChanges(
  changes: ExerciseData,
  current: ExerciseData,
  fieldsToEnrich: readonly string[] = [],
): NormalizedEnrichment {
  const dropped: DroppedChange[] = [];
  const writtenWithStyleIssues: WrittenWithStyleIssues[] = [];
  const flat = flattenChanges(changes, current, dropped);
  const patch: Record<string, unknown> = {};
  const scan = heuristicScoreExercise(current);

  for (const path of Object.keys(flat)) {
    const rejection = pathRejection(path);
    if (rejection) dropped.push({ path, reason: rejection });
  }
  // Field order, not input order: secondary muscles are checked against the primary ones (so the
  // scope is applied first: a primary outside it is not the one they are checked against).
  for (const [path, normalize] of Object.entries(FIELD_NORMALIZERS)) {
    if (!Object.hasOwn(flat, path)) continue;
    if (fieldsToEnrich.length > 0 && !namesField(fieldsToEnrich, path)) {
      dropped.push({ path, reason: "not in fields_to_enrich" });
      continue;
    }
    const stored = storedValue(path, normalize, current, patch, scan);
    const keepStored = !namesField(fieldsToEnrich, path) && stored.good;
    const result = acceptedValue(path, validated(path, normalize(flat[path], current, patch)), stored, keepStored);
    if ("reason" in result) {
      dropped.push({ path, reason: result.reason });
      continue;
    }
    patch[path] = result.value;
    const issues = styleIssuesOf(path, result.value) ?? [];
    if (issues.length > 0) writtenWithStyleIssues.push({ path, issues: issues.map((issue) => issue.message) });
  }
  dropped.push(...keepStoredSecondaryOutOfPrimary(patch, current, fieldsToEnrich));
  dropped.push(...dropMusclesWithoutPrimary(patch, current));
  return { patch, dropped, writtenWithStyleIssues };
}

/**
 * Secondary muscles are checked against the primary ones the exercise will have, stored ones too: a
 * patch that changes `muscles.primary` but writes no `muscles.secondary` also writes the stored
 * secondary list without its new primary muscles. Where `muscles.secondary` may not be written
 * (outside the spec's fields, or a stored list the schema refuses), the primary change is dropped instead.
 */
function keepStoredSecondaryOutOfPrimary(
  patch: Record<string, unknown>,
  current: ExerciseData,
  fieldsToEnrich: readonly string[],
): DroppedChange[] {
  if (!Object.hasOwn(patch, PRIMARY_PATH) || Object.hasOwn(patch, SECONDARY_PATH)) return [];
  const stored = getPath(current, SECONDARY_PATH);
  const primary = new Set(muscleList(patch[PRIMARY_PATH]));
  const repeated = (muscleList(stored) ?? []).filter((muscle) => primary.has(muscle));
  if (repeated.length === 0) return [];
  const secondary: FieldResult =
    fieldsToEnrich.length > 0 && !namesField(fieldsToEnrich, SECONDARY_PATH)
      ? { reason: `${SECONDARY_PATH} is not in fields_to_enrich` }
      : validated(SECONDARY_PATH, normalizeSecondaryMuscles(stored, current, patch));
  if ("value" in secondary) {
    patch[SECONDARY_PATH] = secondary.value;
    return [];
  }
  delete patch[PRIMARY_PATH];
  return [{ path: PRIMARY_PATH, reason: `the stored ${SECONDARY_PATH} has ${repeated.join(", ")}, and ${secondary.reason}` }];
}

/**
 * An exercise's muscles need their primary ones: a patch that would give an exercise without any
 * `muscles.primary` other muscle fields (the model's primary dropped as unusable, or outside the
 * spec's fields) would fail the whole patch's validation, so those fields are dropped instead and
 * the rest of the patch is kept.
 */
function dropMusclesWithoutPrimary(patch: Record<string, unknown>, current: ExerciseData): DroppedChange[] {
  const primary = Object.hasOwn(patch, PRIMARY_PATH) ? patch[PRIMARY_PATH] : getPath(current, PRIMARY_PATH);
  if (Array.isArray(primary) && primary.length > 0) return [];
  const orphans = Object.keys(patch).filter((path) => path.startsWith("muscles."));
  for (const path of orphans) delete patch[path];
  return orphans.map((path) => ({ path, reason: `no ${PRIMARY_PATH} to go with it` }));
}

/** A normalised value, if the exercise schema accepts it at `path`. */
function validated(path: string, result: FieldResult): FieldResult {
  if ("reason" in result) return result;
  const validation = exercisePathSchema(path)?.safeParse(result.value);
  return validation && !validation.success
    ? { reason: `invalid: ${validation.error.issues.map((issue) => issue.message).join("; ")}` }
    : result;
}

/**
 * The stored value of `path`, judged. It is good when it is what this module would make of it
 * (normalising it changes nothing and the schema accepts it) and has no style issue. Then the quality
 * scanner flags nothing in the field either: its other checks on enrichable fields (presence, canonical
 * values, list bounds, markup) fail only values that normalisation would change.
 */
function storedValue(path: string, normalize: FieldNormalizer, current: ExerciseData, patch: ExerciseData, scan: ScanResult): StoredValue {
  const value = getPath(current, path);
  const normalized = validated(path, normalize(value, current, patch));
  return {
    value,
    refused: "reason" in normalized ? normalized.reason : null,
    good: "value" in normalized && deepEqual(normalized.value, value) && (styleIssuesOf(path, value) ?? []).length === 0,
    // Check 11 judges two fields at once: whether this one fails it is asked of this one alone.
    failsHardCheck:
      failsContentFormat(path, value) ||
      scan.hard_failures.some((failure) => failure.check !== "content_format" && failure.fields.includes(path)),
  };
}

/** Keeps a valid value only if it changes the stored value for the better; `keepStored`: the stored value is good. */
function acceptedValue(path: string, result: FieldResult, stored: StoredValue, keepStored: boolean): FieldResult {
  if ("reason" in result) return result;
  if (deepEqual(result.value, stored.value)) return { reason: "unchanged" };
  if (keepStored) return { reason: "stored value is valid" };
  const regression = styleRegression(path, result.value, stored);
  return regression ? { reason: regression } : result;
}

/** The paths enrichment may write, in the order they are normalised. */
export function enrichablePaths(): string[] {
  return Object.keys(FIELD_NORMALIZERS);
}

function pathRejection(path: string): string | null {
  if (isLockedForEnrichment(path)) return "locked field";
  if (Object.hasOwn(FIELD_NORMALIZERS, path)) return null;
  if (CONTAINER_PATHS.has(path)) return `write the fields of "${path}" as dotted paths`;
  if (/\.\d+(\.|$)|\[/.test(path)) return "array indexing is not allowed";
  return isDeprecatedField(path) ? "deprecated field" : "unknown field";
}

/**
 * Brings LLM output to one flat level: nested container objects become dotted paths, per-muscle
 * contribution paths are folded into one map (each replacing its muscle's share), and deprecated
 * fields with a named replacement are moved there (unless the replacement is also given).
 */
function flattenChanges(changes: ExerciseData, current: ExerciseData, dropped: DroppedChange[]): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  const contributionParts: Record<string, unknown> = {};
  const deprecated: Array<{ path: string; replacement: string; value: unknown }> = [];
  const add = (path: string, value: unknown): void => {
    if (path.startsWith(`${CONTRIBUTION_PATH}.`)) {
      contributionParts[path.slice(CONTRIBUTION_PATH.length + 1)] = value;
      return;
    }
    const replacement = deprecatedFieldReplacement(path);
    if (replacement === null) flat[path] = value;
    else deprecated.push({ path, replacement, value });
  };

  for (const [path, value] of Object.entries(changes)) {
    if (CONTAINER_PATHS.has(path) && isPlainRecord(value)) {
      for (const [key, child] of Object.entries(value)) add(`${path}.${key}`, child);
    } else {
      add(path, value);
    }
  }
  // Moved once everything else is flat, so a replacement given in either form, dotted or nested, wins.
  for (const { path, replacement, value } of deprecated) {
    if (Object.hasOwn(flat, replacement)) dropped.push({ path, reason: `deprecated field; "${replacement}" is given` });
    else flat[replacement] = value;
  }

  if (Object.keys(contributionParts).length > 0) {
    const given = flat[CONTRIBUTION_PATH];
    const stored = getPath(current, CONTRIBUTION_PATH);
    const base = isPlainRecord(given) ? given : isPlainRecord(stored) ? stored : {};
    // Compared de-aliased, so "contribution.quads" replaces a stored "quadriceps" share instead of adding to it.
    const replaced = new Set(Object.keys(contributionParts).map(normalizeMuscle));
    const kept = Object.entries(base).filter(([muscle]) => !replaced.has(normalizeMuscle(muscle)));
    flat[CONTRIBUTION_PATH] = { ...Object.fromEntries(kept), ...contributionParts };
  }
  return flat;
}

/** Accepts a list, or a string with one item per line (a common LLM slip). */
function toStringList(raw: unknown): string[] | null {
  if (typeof raw === "string") return raw.split(/\n+/);
  if (!Array.isArray(raw) || raw.some((item) => typeof item !== "string")) return null;
  return raw as string[];
}

/** A list field's value as its canonical form (`CANONICAL_FIELD_VALUES`) takes it: a string as its lines. */
function asList(raw: unknown): unknown {
  return toStringList(raw) ?? raw;
}

function uniqueCaseInsensitive(items: readonly string[]): string[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = item.toLowerCase();
    if (item === "" || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function boundsReason(count: number, min: number, max: number, what: string): string | null {
  return count < min || count > max ? `needs ${min}–${max} ${what}, got ${count}` : null;
}

function muscleList(raw: unknown): string[] | null {
  const muscles = canonicalMuscles(asList(raw));
  return "value" in muscles ? muscles.value : null;
}

function stringsAt(doc: ExerciseData, path: string): string[] {
  const value = getPath(doc, path);
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

const normalizePrimaryMuscles: FieldNormalizer = (raw) => {
  const muscles = canonicalMuscles(asList(raw));
  if ("reason" in muscles) return muscles;
  const outOfBounds = boundsReason(muscles.value.length, PRIMARY_MUSCLES_BOUNDS.min, PRIMARY_MUSCLES_BOUNDS.max, "primary muscles");
  return outOfBounds ? { reason: outOfBounds } : muscles;
};

const normalizeSecondaryMuscles: FieldNormalizer = (raw, current, patch) => {
  const muscles = canonicalMuscles(asList(raw));
  if ("reason" in muscles) return muscles;
  // The patch is flat ("muscles.primary" is a key), the stored document nested; stored names may be raw.
  const primaryValue = Object.hasOwn(patch, PRIMARY_PATH) ? patch[PRIMARY_PATH] : getPath(current, PRIMARY_PATH);
  const primary = new Set(muscleList(primaryValue));
  const secondary = muscles.value.filter((muscle) => !primary.has(muscle));
  return secondary.length > SECONDARY_MUSCLES_MAX
    ? { reason: `needs at most ${SECONDARY_MUSCLES_MAX} secondary muscles, got ${secondary.length}` }
    : { value: secondary };
};

/** The canonical shares (`CANONICAL_FIELD_VALUES`), renormalised when the sum is off. */
const normalizeContribution: FieldNormalizer = (raw) => {
  const shares = CANONICAL_FIELD_VALUES["muscles.contribution"](raw);
  if ("reason" in shares) return shares;
  const renormalized = renormalizedContribution(shares.value);
  return renormalized ? { value: renormalized } : { reason: "contribution shares sum to zero" };
};

const normalizeEquipmentChange: FieldNormalizer = (raw, current) => {
  const canonical = CANONICAL_FIELD_VALUES.equipment(asList(raw));
  if ("reason" in canonical) return canonical;
  const equipment = canonical.value;
  // The primary equipment names the exercise ("(Barbell)") and places it in its family.
  const [storedPrimary] = normalizeEquipmentList(stringsAt(current, "equipment"));
  if (storedPrimary !== undefined && equipment[0] !== storedPrimary) {
    return { reason: `the primary equipment "${storedPrimary}" is locked` };
  }
  // With none stored, the locked name's "(Equipment)" suffix names it, as the scanner's name check requires.
  const namedPrimary = storedPrimary === undefined ? primaryNamedBy(current.name) : null;
  if (namedPrimary !== null && equipment[0] !== namedPrimary) {
    return { reason: `the name ${JSON.stringify(current.name)} names the primary equipment "${namedPrimary}"` };
  }
  return { value: equipment };
};

/**
 * "Bench Press (Barbell)" → "barbell"; null when the name's suffix names no known equipment ("Squat
 * (Pause)", or "Dip (Weighted)": a word of equipment, not a piece of it).
 */
function primaryNamedBy(name: unknown): string | null {
  const suffix = typeof name === "string" ? exerciseNameParts(name, null).suffix : null;
  const named = suffix === null ? null : normalizeEquipment(suffix).value;
  return named !== null && KNOWN_EQUIPMENT.includes(named) ? named : null;
}

const normalizeDescription: FieldNormalizer = (raw) => {
  if (typeof raw !== "string") return { reason: "expected a string" };
  const description = cleanContentItem(raw);
  return description.length < DESCRIPTION_MIN_LENGTH
    ? { reason: `description shorter than ${DESCRIPTION_MIN_LENGTH} characters` }
    : { value: description };
};

function capitalizeFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Per-field polish applied after markers are stripped. */
const CONTENT_ITEM_FIXES: Readonly<Record<ContentField, (item: string) => string>> = {
  execution_notes: capitalizeFirst,
  // "Elbow flare: Letting the elbows drift out" → "Letting the elbows drift out". A label before other text
  // stays (the text alone may say nothing: "Depth: too shallow"), a style issue weighed and reported as any.
  common_mistakes: (item) => {
    // Cleaned again: the marker a label hid ("Elbows: •Flaring…") now leads.
    const explanation = cleanContentItem(item.slice(item.indexOf(":") + 1));
    return capitalizeFirst(isLabelText(item) && isGerundPhrase(explanation) ? explanation : item);
  },
  suitability_notes: capitalizeFirst,
  programming_use_cases: (item) => capitalizeFirst(asSentence(item)),
  // (?<!…) tries the trailing run only where it starts: from each of its characters, a long run not at the
  // end takes quadratic time.
  stimulus_tags: (item) => titleCase(item.replace(/(?<![.])[.]+$/, "")),
};

function contentList(field: ContentField): FieldNormalizer {
  return (raw) => {
    const list = toStringList(raw);
    if (!list) return { reason: "expected a list of strings" };
    const cleaned = list.map(cleanContentItem).filter((item) => item !== "");
    const items = uniqueCaseInsensitive(cleaned.map(CONTENT_ITEM_FIXES[field]));
    const { min, max } = CONTENT_LIST_BOUNDS[field];
    const outOfBounds = boundsReason(items.length, min, max, "items");
    return outOfBounds ? { reason: outOfBounds } : { value: items };
  };
}

/**
 * What enrichment makes of each field it may write: its canonical form (`CANONICAL_FIELD_VALUES`) where it
 * has one, a list also taken as lines, and what enrichment asks of it besides (bounds, locks, content style).
 */
const FIELD_NORMALIZERS: Readonly<Record<string, FieldNormalizer>> = {
  equipment: normalizeEquipmentChange,
  category: CANONICAL_FIELD_VALUES.category,
  description: normalizeDescription,
  "muscles.primary": normalizePrimaryMuscles,
  "muscles.secondary": normalizeSecondaryMuscles,
  "muscles.category": (raw) => CANONICAL_FIELD_VALUES["muscles.category"](asList(raw)),
  "muscles.contribution": normalizeContribution,
  "metadata.level": CANONICAL_FIELD_VALUES["metadata.level"],
  "metadata.plane_of_motion": CANONICAL_FIELD_VALUES["metadata.plane_of_motion"],
  "metadata.unilateral": CANONICAL_FIELD_VALUES["metadata.unilateral"],
  "movement.type": CANONICAL_FIELD_VALUES["movement.type"],
  "movement.split": CANONICAL_FIELD_VALUES["movement.split"],
  execution_notes: contentList("execution_notes"),
  common_mistakes: contentList("common_mistakes"),
  suitability_notes: contentList("suitability_notes"),
  programming_use_cases: contentList("programming_use_cases"),
  stimulus_tags: contentList("stimulus_tags"),
};

/** Style issues of a description or content list, whatever its length; null when it is no text (or has no style rules). */
function styleIssuesOf(path: string, value: unknown): StyleIssue[] | null {
  if (path === "description") return typeof value === "string" ? descriptionStyleIssues(value) : null;
  if (!Object.hasOwn(CONTENT_LIST_BOUNDS, path) || !Array.isArray(value)) return null;
  if (value.some((item) => typeof item !== "string")) return null;
  return contentStyleIssues(path as ContentField, value as string[]);
}

/** Absent, blank, or a list of blank items: missing content, which is always generated. */
function isMissing(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === "string") return value.trim() === "";
  return Array.isArray(value) && value.every((item) => typeof item === "string" && item.trim() === "");
}

/**
 * A replacement that still has style issues is accepted only when the stored value is missing, no
 * text, fails one of the scanner's hard checks (a hard failure fails the scan, style issues do not;
 * a normalised replacement passes them: its markers are stripped, its length and count in bounds),
 * or has more issues. A stored value refused only for its list bounds may be replaced by one with as
 * many issues, its bounds being the gain. Otherwise rewriting would churn better content for no gain.
 */
function styleRegression(path: string, next: unknown, stored: StoredValue): string | null {
  const nextIssues = styleIssuesOf(path, next) ?? [];
  if (nextIssues.length === 0 || isMissing(stored.value) || stored.failsHardCheck) return null;
  const storedIssues = styleIssuesOf(path, stored.value);
  if (!storedIssues) return null;
  const issues = nextIssues.map((issue) => issue.message).join("; ");
  if (stored.refused === null) {
    return nextIssues.length < storedIssues.length ? null : `style issues (${issues}) and the stored value is no worse`;
  }
  return nextIssues.length <= storedIssues.length
    ? null
    : `style issues (${issues}), more than the stored value's ${storedIssues.length}, which is kept though it ${stored.refused}`;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  }
  if (isPlainRecord(a) && isPlainRecord(b)) {
    const keys = Object.keys(a);
    const sameKeys = keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key));
    return sameKeys && keys.every((key) => deepEqual(a[key], b[key]));
  }
  return false;
}
