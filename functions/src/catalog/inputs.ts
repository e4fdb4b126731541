/**
 * How catalog identifiers look when a job asks for them: the zod building blocks of the job types'
 * payload schemas (family slugs, alias slugs, document ids, target filters).
 */
import { z } from "zod";
import { catalogDocumentId } from "./schemas";
import { documentId } from "../util/document-id";
import { ALIAS_SLUG_PATTERN, CATEGORIES, FAMILY_SLUG_PATTERN, KNOWN_EQUIPMENT, normalizeEnumValue, normalizeEquipment } from "./taxonomy";

const FAMILY_SLUG_MAX_LENGTH = 200;

// The catalog's own slug rules, so a slug no catalog document could hold fails at intake, not halfway through a job.
export const familySlugSchema = z
  .string()
  .max(FAMILY_SLUG_MAX_LENGTH)
  .regex(FAMILY_SLUG_PATTERN, "a family slug is lowercase words joined by single '_' (like 'bench_press')");

/**
 * A family slug a job only reads, never gives out: any the catalog holds, a legacy one no slug rule fits
 * ("bench-press") too, so a job can audit and repair that family; the slug need only name documents (its
 * registry entry, its lock). A slug a job gives to a family keeps `familySlugSchema`.
 */
export const storedFamilySlugSchema = documentId.max(FAMILY_SLUG_MAX_LENGTH);

export const aliasSlugSchema = z
  .string()
  .max(200)
  .regex(ALIAS_SLUG_PATTERN, "an alias slug is an old name or family slug: lowercase words joined by single '-' or '_'");

/** A document a payload names: any id Firestore takes (a hand-made exercise's too), of 500 characters at most. */
export const docIdSchema = documentId.max(500);

/** An id a payload gives to be stored in the catalog (`merged_into`): a catalog reference, `catalogDocumentId`. */
export const catalogReferenceSchema = catalogDocumentId.max(500);

export const docIdsSchema = z.array(docIdSchema).min(1).max(500);

export const nonEmptyTextSchema = z.string().trim().min(1);

/**
 * Which exercises a scan or an enrichment works on, when it names none: values of the taxonomy only, so
 * a typo fails at intake instead of matching nothing. Equipment may be any the catalog knows by name,
 * canonical or not ("plate"), since exercises may carry either.
 */
export const filterCriteriaSchema = z.strictObject({
  equipment: z
    .string()
    .min(1)
    .refine((value) => KNOWN_EQUIPMENT.includes(normalizeEquipment(value).value), {
      error: (issue) => `equipment "${String(issue.input)}" is not in the taxonomy (${KNOWN_EQUIPMENT.join(", ")})`,
    })
    .optional(),
  category: z
    .string()
    .min(1)
    .refine((value) => normalizeEnumValue("category", value) !== null, {
      error: (issue) => `category "${String(issue.input)}" is not in the taxonomy (${CATEGORIES.join(", ")})`,
    })
    .optional(),
  family_slug: storedFamilySlugSchema.optional(),
});

/** A selection names exercises or filters them, never both. */
export function oneTargetSelection(selection: { exercise_doc_ids?: unknown; filter_criteria?: unknown }): boolean {
  return !(selection.exercise_doc_ids && selection.filter_criteria);
}

export const ONE_TARGET_SELECTION = { message: "give exercise_doc_ids or filter_criteria, not both" };
