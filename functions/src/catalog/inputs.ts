/**
 * How catalog identifiers look when a job asks for them: the zod building blocks of the job types'
 * payload schemas (family slugs, alias slugs, document ids, target filters).
 */
import { z } from "zod";
import { CANONICAL_EQUIPMENT, CATEGORIES, normalizeEnumValue, normalizeEquipment } from "./taxonomy";

export const familySlugSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[a-z0-9_]+$/, "a family slug is lowercase letters, digits and underscores");

export const aliasSlugSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[a-z0-9_-]+$/, "an alias slug is lowercase letters, digits, '-' and '_'");

export const docIdSchema = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[^/]+$/, "a document id has no '/'");

export const docIdsSchema = z.array(docIdSchema).min(1).max(500);

export const nonEmptyTextSchema = z.string().trim().min(1);

/** Which exercises a scan or an enrichment works on, when it names none: values of the taxonomy only, so a typo fails at intake instead of matching nothing. */
export const filterCriteriaSchema = z.strictObject({
  equipment: z
    .string()
    .min(1)
    .refine((value) => normalizeEquipment(value).canonical, {
      error: (issue) => `equipment "${String(issue.input)}" is not in the taxonomy (${CANONICAL_EQUIPMENT.join(", ")})`,
    })
    .optional(),
  category: z
    .string()
    .min(1)
    .refine((value) => normalizeEnumValue("category", value) !== null, {
      error: (issue) => `category "${String(issue.input)}" is not in the taxonomy (${CATEGORIES.join(", ")})`,
    })
    .optional(),
  family_slug: familySlugSchema.optional(),
});

/** A selection names exercises or filters them, never both. */
export function oneTargetSelection(selection: { exercise_doc_ids?: unknown; filter_criteria?: unknown }): boolean {
  return !(selection.exercise_doc_ids && selection.filter_criteria);
}

export const ONE_TARGET_SELECTION = { message: "give exercise_doc_ids or filter_criteria, not both" };
