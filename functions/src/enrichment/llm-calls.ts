/**
 * Every kind of LLM call the engine makes: the schema its answer must pass, the shape the model is
 * asked for when that differs, and its output budget. `generateRecorded` makes calls of these kinds
 * only, so the schemas sent to the model are exactly these; a test walks them all.
 *
 * Budgets: `maxOutputTokens` covers thinking too on Gemini 2.5, so the thinking budget stays well
 * below it; an answer cut off at the limit is asked for once more with `retryMaxOutputTokens`.
 */
import { z } from "zod";
import { type ChangePlan, changePlanSchema } from "../apply/plan";
import { exercisePathSchema } from "../catalog/schemas";
import { CONTENT_FIELDS, CONTENT_LIST_BOUNDS } from "../catalog/taxonomy";
import type { OutputBudget } from "../llm/types";
import { enrichablePaths } from "./normalize";
import { type EnrichmentResponse, enrichmentResponseSchema } from "./prompt";

export interface LlmCallKind<T = unknown> {
  task: string;
  schema: z.ZodType<T>;
  modelSchema?: z.ZodType;
  output: OutputBudget;
}

/**
 * The schema of one enrichable path as the model is asked for it: the document's, with a content
 * list held to CONTENT_LIST_BOUNDS, since the normaliser drops a list outside them whole. The
 * document schema itself stays looser: stored lists shorter than the bounds remain writable.
 */
function modelPathSchema(path: string): z.ZodType | null {
  const schema = exercisePathSchema(path);
  const field = CONTENT_FIELDS.find((content) => content === path);
  if (!field) return schema;
  const list = schema instanceof z.ZodOptional ? schema.unwrap() : schema;
  if (!(list instanceof z.ZodArray)) throw new Error(`${field} is not a list in the exercise schema`);
  const { min, max } = CONTENT_LIST_BOUNDS[field];
  return list.min(min).max(max);
}

/**
 * The enrichment answer as the model is asked for it: every enrichable path a typed, optional
 * property of `changes` (a free-form map would come back empty). The answer is still checked
 * against the tolerant `enrichmentResponseSchema` and normalised field by field.
 */
const enrichmentModelSchema = z.object({
  changes: z
    .object(
      Object.fromEntries(
        enrichablePaths().flatMap((path) => {
          const schema = modelPathSchema(path);
          return schema ? [[path, schema.optional()]] : [];
        }),
      ),
    )
    .describe("Only the fields that change, by dotted path."),
  reasoning: z.string(),
  confidence: enrichmentResponseSchema.shape.confidence,
});

export const ENRICH_CALL: LlmCallKind<EnrichmentResponse> = {
  task: "enrich_exercise",
  schema: enrichmentResponseSchema,
  modelSchema: enrichmentModelSchema,
  // A full revision is about 600 tokens of JSON.
  output: { maxOutputTokens: 4096, retryMaxOutputTokens: 8192, thinkingBudget: 1024 },
};

export const REPAIR_CALL: LlmCallKind<ChangePlan> = {
  task: "repair_plan",
  schema: changePlanSchema,
  // A revised plan repeats every operation (a two-field patch is some 80 tokens); big family moves run to a few thousand
  // tokens. A plan too long for the retry limit ends the repair loop (repair.ts): no round could write it whole.
  output: { maxOutputTokens: 8192, retryMaxOutputTokens: 16384, thinkingBudget: 2048 },
};

export const LLM_CALL_KINDS: readonly LlmCallKind[] = [ENRICH_CALL, REPAIR_CALL];
