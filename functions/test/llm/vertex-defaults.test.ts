/**
 * The Vertex adapter's defaults are the engine configuration's: a client built without models or a
 * timeout behaves as one built from the default config. The real @google/genai SDK calls the local
 * fake of Vertex AI (test/fakes/vertex-server.ts), which records the model each request asked for
 * and, when told to, never answers.
 */
import { z } from "zod";
import { PARAMS } from "../../src/config";
import { VertexLlmClient } from "../../src/llm/vertex";
import { json } from "../fakes/vertex-server";
import { OUTPUT, failure, useFakeVertex } from "./helpers";

const fake = useFakeVertex();
beforeEach(() => fake.vertex.reset());
afterEach(() => jest.useRealTimers());

const request = { task: "enrich_exercise", prompt: "Revise.", schema: z.object({ confidence: z.string() }), output: OUTPUT };
/** No models, no timeout: only what a client needs to reach the fake. */
const client = () => new VertexLlmClient({ project: "demo-project", location: "europe-west1", baseUrl: fake.baseUrl, maxRetries: 0 });

/** Resolves once the fake has received `count` requests; rejects after `withinMs` of real time. */
async function received(count: number, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (fake.vertex.requests.length < count) {
    if (Date.now() > deadline)
      throw new Error(`the fake Vertex AI received ${fake.vertex.requests.length} of ${count} request(s) within ${withinMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("the Vertex adapter's defaults", () => {
  it("are the configured default models", async () => {
    fake.vertex.answer(json({ confidence: "high" }), json({ confidence: "high" }));
    const llm = client();
    await llm.generateJson(request);
    await llm.generateJson({ ...request, tier: "strong" });
    expect(fake.vertex.requests.map((call) => call.model)).toEqual([PARAMS.llmFastModel.defaultValue, PARAMS.llmStrongModel.defaultValue]);
  });

  /** A first call, answered, on real timers: the SDK is loaded and the access token fetched before the clock is faked. */
  async function warmedUp(): Promise<VertexLlmClient> {
    const llm = client();
    fake.vertex.answer(json({ confidence: "high" }));
    await llm.generateJson(request);
    return llm;
  }

  /**
   * Expects `call` to fail LLM_TIMEOUT exactly `timeoutMs` after the fake received its `requests`-th request. Only the
   * timer functions are faked: the SDK's I/O and Date stay real. The adapter's deadline is set before its request
   * leaves, so fake time stands still until the fake holds the request.
   */
  async function timesOutAfter(call: () => Promise<unknown>, requests: number, timeoutMs: number): Promise<void> {
    jest.useFakeTimers({ doNotFake: ["Date", "hrtime", "performance", "nextTick", "queueMicrotask", "setImmediate", "clearImmediate"] });
    let settled = false;
    const result = failure(call()).finally(() => {
      settled = true;
    });
    await received(requests);
    await jest.advanceTimersByTimeAsync(timeoutMs - 1);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(settled).toBe(true);
    await expect(result).resolves.toMatchObject({ code: "LLM_TIMEOUT", transient: true });
    expect(fake.vertex.requests).toHaveLength(requests);
  }

  it("are the configured default timeout, for a try allowed up to 4,096 output tokens", async () => {
    const llm = await warmedUp();
    fake.vertex.answer({ kind: "hang" });
    await timesOutAfter(() => llm.generateJson(request), 2, PARAMS.llmTimeoutMs.defaultValue);
  }, 20_000);

  it("give a try allowed 8,192 output tokens twice the configured timeout", async () => {
    const llm = await warmedUp();
    fake.vertex.answer({ kind: "hang" });
    const output = { maxOutputTokens: 8_192, retryMaxOutputTokens: 16_384, thinkingBudget: 2_048 };
    await timesOutAfter(() => llm.generateJson({ ...request, output }), 2, 2 * PARAMS.llmTimeoutMs.defaultValue);
  }, 20_000);

  it("give the retry after an answer cut off at 4,096 tokens its own timeout, twice the configured one at 8,192", async () => {
    const llm = await warmedUp();
    // 5,000 tokens: cut off at the first limit; the retry with the higher one never answers.
    fake.vertex.answer(json({ confidence: "high" }, { outputTokens: 5_000 }), { kind: "hang" });
    const output = { maxOutputTokens: 4_096, retryMaxOutputTokens: 8_192, thinkingBudget: 1_024 };
    await timesOutAfter(() => llm.generateJson({ ...request, output }), 3, 2 * PARAMS.llmTimeoutMs.defaultValue);
    expect(fake.vertex.requests.map((call) => call.body.generationConfig?.maxOutputTokens)).toEqual([OUTPUT.maxOutputTokens, 4_096, 8_192]);
  }, 20_000);
});
