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

  it("are the configured default timeout", async () => {
    const timeoutMs = PARAMS.llmTimeoutMs.defaultValue;
    const llm = client();
    // A first call, answered, on real timers: the SDK is loaded and the access token fetched before the clock is faked.
    fake.vertex.answer(json({ confidence: "high" }), { kind: "hang" });
    await llm.generateJson(request);

    // Only the timer functions are faked: the SDK's I/O and Date stay real. The adapter's deadline is
    // set before its request leaves, so fake time stands still until the fake holds the request.
    jest.useFakeTimers({ doNotFake: ["Date", "hrtime", "performance", "nextTick", "queueMicrotask", "setImmediate", "clearImmediate"] });
    let settled = false;
    const result = failure(llm.generateJson(request)).finally(() => {
      settled = true;
    });
    await received(2);
    await jest.advanceTimersByTimeAsync(timeoutMs - 1);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(settled).toBe(true);
    await expect(result).resolves.toMatchObject({ code: "LLM_TIMEOUT", transient: true });
    expect(fake.vertex.requests).toHaveLength(2);
  }, 20_000);
});
