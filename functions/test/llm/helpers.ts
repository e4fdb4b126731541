import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { LlmError } from "../../src/llm/errors";
import type { GenerateContentResponseLike } from "../../src/llm/vertex";

/** A recorded Vertex AI generateContent response (see fixtures/). */
export function loadFixture(name: string): GenerateContentResponseLike {
  return JSON.parse(readFileSync(join(__dirname, "fixtures", `${name}.json`), "utf8")) as GenerateContentResponseLike;
}

/** The enrichment output contract of CATALOG-DOMAIN.md. */
export const enrichmentSchema = z.object({
  changes: z.record(z.string(), z.unknown()),
  reasoning: z.string().min(1),
  confidence: z.enum(["high", "medium", "low"]),
});

/** Resolves after pending promise callbacks ran, so a test can look between two steps of an async flow. */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The LlmError a promise rejects with; fails the test if it resolves or rejects with something else. */
export async function failure(promise: Promise<unknown>): Promise<LlmError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof LlmError)) throw new Error(`expected an LlmError, got ${String(err)}`);
  return err;
}
