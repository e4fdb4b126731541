/**
 * zod schemas of the catalog documents, used to validate a document as it will be after a change.
 *
 * Validity, not completeness: identity fields (name, slugs, equipment) are required because every
 * invariant hangs on them, while content a catalog document may still lack (description, muscles,
 * notes, …) is optional — a freshly added exercise waits for enrichment, and judging what is
 * missing is the quality scanner's job. Whatever is present must be well-formed: canonical enum
 * values, normalised muscle and equipment names, a name_slug derived from the name, status fields
 * that agree. Unknown keys pass through (legacy documents carry deprecated fields until
 * SCHEMA_CLEANUP); the change-plan allowlist is what keeps new unknown keys out.
 */
import { z } from "zod";
import {
  ALIAS_SLUG_PATTERN,
  CATEGORIES,
  CONTENT_FIELDS,
  CONTRIBUTION_SUM_TOLERANCE,
  DESCRIPTION_MIN_LENGTH,
  EXERCISE_STATUSES,
  FAMILY_SLUG_PATTERN,
  FAMILY_STATUSES,
  LEVELS,
  MIN_EXECUTION_NOTES,
  MOVEMENT_SPLITS,
  MOVEMENT_TYPES,
  MUSCLE_CATEGORIES,
  NAME_SLUG_PATTERN,
  PLANES,
  PRIMARY_MUSCLES_BOUNDS,
  SECONDARY_MUSCLES_MAX,
  type ContentField,
  contributionSum,
  contributionSumFits,
  normalizeEquipment,
  normalizeMuscle,
  toNameSlug,
} from "./taxonomy";
import { UNMARKED_CONTENT_FIELDS, startsWithListMarker } from "./text-style";
import { documentId } from "../util/document-id";

/** A Firestore Timestamp (anything with toDate()) or a Date. */
type TimestampLike = Date | { toDate(): Date };

function isTimestampLike(value: unknown): value is TimestampLike {
  if (value instanceof Date) return !Number.isNaN(value.getTime());
  return typeof value === "object" && value !== null && typeof (value as { toDate?: unknown }).toDate === "function";
}

const timestampSchema = z.custom<TimestampLike>(isTimestampLike, "expected a Timestamp or Date");

// Validation only: no transforms, so a parsed document equals its input.
const nonEmptyString = z.string().refine((value) => value.trim() !== "", "must not be blank");
/**
 * The id of a catalog document as another document (`merged_into`, an alias's target) or a job's payload names
 * it: one Firestore takes, but without a leading space, which no id the catalog makes has (a pasted name does).
 */
export const catalogDocumentId = documentId.refine((id) => !/^\s/.test(id), "a catalog document id has no leading space");
const nameSlugSchema = z.string().regex(NAME_SLUG_PATTERN, "must be a name slug like 'deadlift-barbell'");
const familySlugSchema = z.string().regex(FAMILY_SLUG_PATTERN, "must be a family slug like 'bench_press'");

const equipmentItem = nonEmptyString.refine(
  (value) => normalizeEquipment(value).value === value,
  "equipment must be normalised (lowercase, '-' separated, aliases resolved)",
);
const equipmentList = z.array(equipmentItem).refine(isUnique, "equipment items must be unique");

const MUSCLE_NAME_PATTERN = /^[a-z]+(?: [a-z]+)*$/;
export const MUSCLE_NAME_RULE = "lowercase words separated by spaces, no '_' or '-', no aliases";

/** What normalizeMuscle makes of a name ("Quads" → "quadriceps"), or null when that is still no muscle name ("biceps!"). */
export function canonicalMuscleName(name: unknown): string | null {
  if (typeof name !== "string") return null;
  const canonical = normalizeMuscle(name);
  return MUSCLE_NAME_PATTERN.test(canonical) ? canonical : null;
}

// A name normalizeMuscle leaves as it is, as equipment items are the ones normalizeEquipment leaves.
export const muscleNameSchema = z.string().superRefine((name, ctx) => {
  const canonical = canonicalMuscleName(name);
  if (canonical === name) return;
  const hint = canonical === null ? "" : `; write "${canonical}"`;
  ctx.addIssue({ code: "custom", message: `muscle names are canonical (${MUSCLE_NAME_RULE})${hint}` });
});
const muscleList = z.array(muscleNameSchema).refine(isUnique, "muscles must be unique");

function isUnique(items: readonly unknown[]): boolean {
  return new Set(items).size === items.length;
}

const musclesSchema = z.looseObject({
  primary: muscleList.min(PRIMARY_MUSCLES_BOUNDS.min).max(PRIMARY_MUSCLES_BOUNDS.max),
  secondary: muscleList.max(SECONDARY_MUSCLES_MAX).optional(),
  category: z.array(z.enum(MUSCLE_CATEGORIES)).min(1).refine(isUnique, "categories must be unique").optional(),
  // A bad key's own message ("write \"quadriceps\""), not zod's "Invalid key in record".
  contribution: z
    .record(muscleNameSchema, z.number().min(0).max(1), {
      error: (issue) => (issue.code === "invalid_key" ? issue.issues[0]?.message : undefined),
    })
    // Enrichment and TARGETED_FIX renormalise shares whose sum does not fit; any other write of them is refused.
    .superRefine((shares, ctx) => {
      const total = contributionSum(shares);
      if (contributionSumFits(total)) return;
      const { min, max } = CONTRIBUTION_SUM_TOLERANCE;
      ctx.addIssue({
        code: "custom",
        message: `the shares sum to ${Math.round(total * 1000) / 1000}; they must sum to about 1 (${min}–${max})`,
      });
    })
    .optional(),
});

const metadataSchema = z.looseObject({
  level: z.enum(LEVELS).optional(),
  plane_of_motion: z.enum(PLANES).optional(),
  unilateral: z.boolean().optional(),
});

const movementSchema = z.looseObject({
  type: z.enum(MOVEMENT_TYPES).optional(),
  split: z.enum(MOVEMENT_SPLITS).optional(),
});

// issue_type is free text: documents scanned by the previous scanner carry its vocabulary ("none", "naming").
const reviewMetadataSchema = z.looseObject({
  quality_score: z.number().min(0).max(1).optional(),
  issue_type: z.string().optional(),
  needs_full_review: z.boolean().optional(),
  needs_enrichment_only: z.boolean().optional(),
  last_scanned_at: timestampSchema.optional(),
  scanner_version: z.string().optional(),
});

/**
 * What the quality scan's hard checks ask of a content list, so no write leaves a value that fails
 * them: no item of execution notes or mistakes starts with a list marker (check 11), and at least
 * MIN_EXECUTION_NOTES execution notes (check 5).
 */
function contentList(field: ContentField): z.ZodArray<z.ZodString> {
  const unmarked = (UNMARKED_CONTENT_FIELDS as readonly ContentField[]).includes(field);
  const item = unmarked
    ? nonEmptyString.refine((text) => !startsWithListMarker(text), `${field} items must not start with numbering, a bullet or bold`)
    : nonEmptyString;
  const list = z.array(item);
  return field === "execution_notes" ? list.min(MIN_EXECUTION_NOTES, `execution_notes needs at least ${MIN_EXECUTION_NOTES} items`) : list;
}
const contentShape = Object.fromEntries(CONTENT_FIELDS.map((field) => [field, contentList(field).optional()])) as Record<
  ContentField,
  z.ZodOptional<z.ZodArray<z.ZodString>>
>;

const exerciseShape = {
  name: nonEmptyString.refine((name) => name === name.trim(), "name must not have surrounding spaces"),
  name_slug: nameSlugSchema,
  family_slug: familySlugSchema,
  equipment: equipmentList.min(1, "equipment must not be empty"),
  category: z.enum(CATEGORIES).optional(),
  description: z
    .string()
    .refine((text) => text.trim().length >= DESCRIPTION_MIN_LENGTH, `at least ${DESCRIPTION_MIN_LENGTH} characters`)
    .optional(),
  muscles: musclesSchema.optional(),
  metadata: metadataSchema.optional(),
  movement: movementSchema.optional(),
  ...contentShape,
  review_metadata: reviewMetadataSchema.optional(),
  status: z.enum(EXERCISE_STATUSES).optional(),
  deprecated_at: timestampSchema.nullable().optional(),
  merged_into: catalogDocumentId.nullable().optional(),
  updated_at: timestampSchema.optional(),
};

export const exerciseDocSchema = z.looseObject(exerciseShape).superRefine((doc, ctx) => {
  if (doc.name_slug !== toNameSlug(doc.name)) {
    ctx.addIssue({ code: "custom", path: ["name_slug"], message: `must be "${toNameSlug(doc.name)}" for this name` });
  }
  if (doc.status === "deprecated" && !doc.deprecated_at) {
    ctx.addIssue({ code: "custom", path: ["deprecated_at"], message: "a deprecated exercise needs deprecated_at" });
  }
  if (doc.status === "merged" && !doc.merged_into) {
    ctx.addIssue({ code: "custom", path: ["merged_into"], message: "a merged exercise needs merged_into" });
  }
});
export type ExerciseDoc = z.infer<typeof exerciseDocSchema>;

const NESTED_OBJECT_SCHEMAS = {
  muscles: musclesSchema,
  metadata: metadataSchema,
  movement: movementSchema,
  review_metadata: reviewMetadataSchema,
};

type NestedSchemas = typeof NESTED_OBJECT_SCHEMAS;

/** Every dotted path of an exercise document the catalog knows: its fields and the fields of its nested maps. */
export type ExerciseFieldPath =
  | Extract<keyof typeof exerciseShape, string>
  | { [P in keyof NestedSchemas]: `${P}.${keyof NestedSchemas[P]["shape"] & string}` }[keyof NestedSchemas];

const EXERCISE_PATH_SCHEMAS = new Map<ExerciseFieldPath, z.ZodType>([
  ...Object.entries(exerciseShape),
  ...Object.entries(NESTED_OBJECT_SCHEMAS).flatMap(([parent, schema]) =>
    Object.entries(schema.shape).map(([key, child]) => [`${parent}.${key}` as ExerciseFieldPath, child] as const),
  ),
] as Array<[ExerciseFieldPath, z.ZodType]>);

/** The paths a change plan may write in an exercise (the allowlist), derived from the document schema. */
export const EXERCISE_FIELD_PATHS: readonly ExerciseFieldPath[] = [...EXERCISE_PATH_SCHEMAS.keys()];

/**
 * The schema of the value at one dotted exercise path ("muscles.primary"), for validating a patch
 * field by field; null for paths the document schema does not know. Cross-field rules (the slug
 * derived from the name, status fields) need the whole document: use exerciseDocSchema for those.
 */
export function exercisePathSchema(path: string): z.ZodType | null {
  return EXERCISE_PATH_SCHEMAS.get(path as ExerciseFieldPath) ?? null;
}

/** An absent target may be stored as a missing field, null or "". */
const optionalTarget = z.union([catalogDocumentId, z.literal(""), z.null()]).optional();

export const aliasDocSchema = z
  .looseObject({
    alias_slug: z.string().regex(ALIAS_SLUG_PATTERN, "must be a name or family slug"),
    exercise_id: optionalTarget,
    family_slug: z.union([familySlugSchema, z.literal(""), z.null()]).optional(),
    is_family_alias: z.boolean().optional(),
    updated_at: timestampSchema.optional(),
  })
  .superRefine((alias, ctx) => {
    const hasExercise = Boolean(alias.exercise_id);
    const hasFamily = Boolean(alias.family_slug);
    if (hasExercise === hasFamily) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: hasExercise ? "an alias must not target both an exercise and a family" : "an alias needs a target",
      });
    }
    if (alias.is_family_alias === true && !hasFamily) {
      ctx.addIssue({ code: "custom", path: ["is_family_alias"], message: "a family alias must target a family_slug" });
    }
    if (alias.is_family_alias === false && hasFamily) {
      ctx.addIssue({ code: "custom", path: ["is_family_alias"], message: "an alias targeting a family is a family alias" });
    }
  });
export type AliasDoc = z.infer<typeof aliasDocSchema>;

// The registry is derived and written whole by the engine, so unknown keys are mistakes.
export const familyRegistrySchema = z
  .strictObject({
    family_slug: familySlugSchema,
    base_name: nonEmptyString,
    primary_equipment: equipmentList,
    allowed_equipment: equipmentList,
    exercise_count: z.number().int().min(0),
    status: z.enum(FAMILY_STATUSES),
    merged_into: familySlugSchema.optional(),
    updated_at: timestampSchema.optional(),
  })
  .superRefine((family, ctx) => {
    const outside = family.primary_equipment.filter((item) => !family.allowed_equipment.includes(item));
    if (outside.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["primary_equipment"],
        message: `primary equipment not in allowed_equipment: ${outside.join(", ")}`,
      });
    }
    if (family.status === "merged" && !family.merged_into) {
      ctx.addIssue({ code: "custom", path: ["merged_into"], message: "a merged family needs merged_into" });
    }
  });
export type FamilyRegistryDoc = z.infer<typeof familyRegistrySchema>;
