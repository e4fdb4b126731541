/** What an enrichment asks the model for: the spec every enrichment job carries in its payload. */
import { z } from "zod";
import { nonEmptyTextSchema } from "../catalog/inputs";

export const enrichmentSpecSchema = z.strictObject({
  spec_id: nonEmptyTextSchema,
  spec_version: z.union([z.string().min(1), z.number().int().nonnegative()]),
  fields_to_enrich: z.array(z.string().min(1)).min(1).optional(),
  instructions: z.string().max(4000).optional(),
  use_pro_model: z.boolean().optional(),
});

export type EnrichmentSpec = z.output<typeof enrichmentSpecSchema>;
