import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { LlmError } from "../../src/llm/errors";
import type { OutputBudget } from "../../src/llm/types";
import type { GenerateContentResponseLike } from "../../src/llm/vertex";

/** A recorded Vertex AI generateContent response (see fixtures/). */
export function loadFixture(name: string): GenerateContentResponseLike {
  return JSON.parse(readFileSync(join(__dirname, "fixtures", `${name}.json`), "utf8")) as GenerateContentResponseLike;
}

/** An output budget for requests whose budget the test does not look at. */
export const OUTPUT: OutputBudget = { maxOutputTokens: 1024, retryMaxOutputTokens: 2048, thinkingBudget: 256 };

/** The enrichment output contract of CATALOG-DOMAIN.md. */
export const enrichmentSchema = z.object({
  changes: z.record(z.string(), z.unknown()),
  reasoning: z.string().min(1),
  confidence: z.enum(["high", "medium", "low"]),
});

/** The LlmError a promise rejects with; fails the test if it resolves or rejects with something else. */
export async function failure(promise: Promise<unknown>): Promise<LlmError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof LlmError)) throw new Error(`expected an LlmError, got ${String(err)}`);
  return err;
}
