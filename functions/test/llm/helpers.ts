import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { LlmError } from "../../src/llm/errors";
import type { OutputBudget } from "../../src/llm/types";
import type { GenerateContentResponseLike } from "../../src/llm/vertex";
import { requireVmModules, shareUndiciDispatcher } from "../fakes/jest-runtime";
import { FakeMetadataServer, useFakeMetadata } from "../fakes/metadata-server";
import { FakeVertex } from "../fakes/vertex-server";

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

/**
 * The fake Vertex AI and a fake metadata server handing out the ADC token, for the whole test file:
 * started before its tests, closed after them. The fields are set once the servers run.
 */
export function useFakeVertex(): { vertex: FakeVertex; baseUrl: string; metadata: FakeMetadataServer } {
  const fake = {} as { vertex: FakeVertex; baseUrl: string; metadata: FakeMetadataServer };
  let restoreEnv: (() => void) | undefined;
  beforeAll(async () => {
    requireVmModules();
    shareUndiciDispatcher();
    fake.vertex = new FakeVertex();
    fake.baseUrl = await fake.vertex.start();
    fake.metadata = new FakeMetadataServer();
    restoreEnv = useFakeMetadata(await fake.metadata.start());
  });
  afterAll(async () => {
    restoreEnv?.();
    await fake.metadata.close();
    await fake.vertex.close(); // last: it fails if it refused a scripted answer
  });
  return fake;
}
