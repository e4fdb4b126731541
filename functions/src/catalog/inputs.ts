/**
 * How catalog identifiers look when a job asks for them: the zod building blocks of the job types'
 * payload schemas (family slugs, alias slugs, document ids, target filters).
 */
import { z } from "zod";

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

/** Which exercises a scan or an enrichment works on, when it names none. */
export const filterCriteriaSchema = z.strictObject({
  equipment: z.string().min(1).optional(),
  category: z.string().min(1).optional(),
  family_slug: familySlugSchema.optional(),
});

/** A selection names exercises or filters them, never both. */
export function oneTargetSelection(selection: { exercise_doc_ids?: unknown; filter_criteria?: unknown }): boolean {
  return !(selection.exercise_doc_ids && selection.filter_criteria);
}

export const ONE_TARGET_SELECTION = { message: "give exercise_doc_ids or filter_criteria, not both" };
