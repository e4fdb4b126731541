/** What an enrichment asks the model for: the spec every enrichment job carries in its payload. */
import { z } from "zod";
import { nonEmptyTextSchema } from "../catalog/inputs";
import { LOCKED_ENRICHMENT_FIELDS } from "../catalog/fields";
import { EXERCISE_FIELD_PATHS } from "../catalog/schemas";

/** A field enrichment may write: a known exercise path, or a map holding some ("muscles"), outside the locked ones. */
const enrichableFieldSchema = z
  .string()
  .min(1)
  .refine((path) => EXERCISE_FIELD_PATHS.some((known) => known === path || known.startsWith(`${path}.`)), {
    error: (issue) => `"${String(issue.input)}" is not a field of an exercise`,
  })
  .refine((path) => !LOCKED_ENRICHMENT_FIELDS.some((locked) => path === locked || path.startsWith(`${locked}.`)), {
    error: (issue) => `"${String(issue.input)}" is never written by enrichment`,
  });

export const enrichmentSpecSchema = z.strictObject({
  spec_id: nonEmptyTextSchema,
  spec_version: z.union([z.string().min(1), z.number().int().nonnegative()]),
  fields_to_enrich: z.array(enrichableFieldSchema).min(1).optional(),
  instructions: z.string().max(4000).optional(),
  use_pro_model: z.boolean().optional(),
});

export type EnrichmentSpec = z.output<typeof enrichmentSpecSchema>;

/** Whether `fields_to_enrich` names the path: itself, or a map holding it ("muscles" covers "muscles.primary"). */
export function namesField(fieldsToEnrich: readonly string[], path: string): boolean {
  return fieldsToEnrich.some((field) => path === field || path.startsWith(`${field}.`));
}
