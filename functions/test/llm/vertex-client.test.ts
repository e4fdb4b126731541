import { ApiError, type GenerateContentParameters } from "@google/genai";
import { estimateCostUsd } from "../../src/llm/pricing";
import { type GenerateContentResponseLike, VertexLlmClient, type VertexLlmOptions } from "../../src/llm/vertex";
import { enrichmentSchema, failure, loadFixture } from "./helpers";

type Answer = GenerateContentResponseLike | Error | "hang";

/** A stand-in for `GoogleGenAI.models` that answers from a queue and records every request. */
function scriptedModels(...answers: Answer[]) {
  const requests: GenerateContentParameters[] = [];
  const generateContent = jest.fn(async (params: GenerateContentParameters): Promise<GenerateContentResponseLike> => {
    requests.push(params);
    const answer = answers.shift();
    if (answer === undefined) throw new Error("no scripted answer left");
    if (answer === "hang") {
      // Like fetch: never answers, rejects once the request is aborted.
      return new Promise((_, reject) =>
        params.config?.abortSignal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))),
      );
    }
    if (answer instanceof Error) throw answer;
    return answer;
  });
  return { models: { generateContent }, requests };
}

function client(models: VertexLlmOptions["models"], overrides: Partial<VertexLlmOptions> = {}) {
  const delays: number[] = [];
  const log = jest.fn();
  const llm = new VertexLlmClient({
    project: "demo-project",
    location: "europe-west1",
    models,
    maxRetries: 2,
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
    log,
    ...overrides,
  });
  return { llm, delays, log };
}

const request = { task: "enrich_exercise", prompt: "Revise the exercise.", schema: enrichmentSchema };
const status = (code: number, message = "error") => new ApiError({ status: code, message: JSON.stringify({ error: { code, message } }) });

describe("VertexLlmClient", () => {
  it("returns parsed data with usage from usageMetadata, using the fast model by default", async () => {
    const { models, requests } = scriptedModels(loadFixture("ok"));
    const { llm } = client(models);
    const result = await llm.generateJson(request);
    expect(llm.provider).toBe("vertex");
    expect(result.data.confidence).toBe("high");
    expect(result.usage).toMatchObject({ model: "gemini-2.5-flash", input_tokens: 812, output_tokens: 527, calls: 1 });
    expect(result.usage.estimated_cost_usd).toBe(estimateCostUsd("gemini-2.5-flash", 812, 527));
    expect(result.usage.estimated_cost_usd).toBeGreaterThan(0);
    expect(requests[0].model).toBe("gemini-2.5-flash");
    expect(requests[0].config?.responseMimeType).toBe("application/json");
    expect(requests[0].config?.abortSignal).toBeInstanceOf(AbortSignal);
  });

  it("uses the strong model for tier strong, and configured model names", async () => {
    const { models, requests } = scriptedModels(loadFixture("ok"), loadFixture("ok"));
    const { llm } = client(models, { strongModel: "gemini-2.5-pro-002" });
    await llm.generateJson({ ...request, tier: "strong" });
    await llm.generateJson({ ...request, tier: "fast" });
    expect(requests.map((r) => r.model)).toEqual(["gemini-2.5-pro-002", "gemini-2.5-flash"]);
  });

  it("retries a 429 and succeeds, summing usage over the calls", async () => {
    const { models } = scriptedModels(status(429, "Resource exhausted."), loadFixture("ok"));
    const { llm, delays, log } = client(models, { retryBaseDelayMs: 1000 });
    const result = await llm.generateJson(request);
    expect(result.data.confidence).toBe("high");
    expect(models.generateContent).toHaveBeenCalledTimes(2);
    expect(result.usage.calls).toBe(2);
    expect(delays).toEqual([750]); // equal jitter on a 1 s ceiling with random 0.5
    expect(log).toHaveBeenCalledWith(
      "llm call retry",
      expect.objectContaining({ task: "enrich_exercise", code: "LLM_RATE_LIMITED", attempt: 1 }),
    );
  });

  it("gives up after maxRetries on repeated 503s with a transient error carrying usage", async () => {
    const { models } = scriptedModels(status(503), status(503), status(503), loadFixture("ok"));
    const { llm, delays } = client(models, { maxRetries: 2 });
    const err = await failure(llm.generateJson(request));
    expect(err).toMatchObject({ code: "LLM_UNAVAILABLE", transient: true });
    expect(models.generateContent).toHaveBeenCalledTimes(3);
    expect(delays).toHaveLength(2);
    expect(err.usage).toMatchObject({ model: "gemini-2.5-flash", calls: 3, input_tokens: 0, output_tokens: 0 });
  });

  it("does not retry a 400", async () => {
    const { models } = scriptedModels(status(400, "Request contains an invalid argument."), loadFixture("ok"));
    const { llm, delays } = client(models);
    const err = await failure(llm.generateJson(request));
    expect(err).toMatchObject({ code: "LLM_REJECTED", transient: false });
    expect(err.message).toMatch(/invalid argument/);
    expect(models.generateContent).toHaveBeenCalledTimes(1);
    expect(delays).toEqual([]);
  });

  it("times out a call that does not answer, aborts it, and retries", async () => {
    const { models, requests } = scriptedModels("hang", loadFixture("ok"));
    const { llm } = client(models, { timeoutMs: 30 });
    const result = await llm.generateJson(request);
    expect(result.usage.calls).toBe(2);
    expect(requests[0].config?.abortSignal?.aborted).toBe(true);
    expect(requests[1].config?.abortSignal?.aborted).toBe(false);
  });

  it("reports LLM_TIMEOUT when every attempt times out; the request's timeoutMs wins", async () => {
    const { models } = scriptedModels("hang", "hang");
    const { llm } = client(models, { timeoutMs: 60_000, maxRetries: 1 });
    const started = Date.now();
    const err = await failure(llm.generateJson({ ...request, timeoutMs: 20 }));
    expect(err).toMatchObject({ code: "LLM_TIMEOUT", transient: true });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("asks again once after bad output and succeeds, billing both answers", async () => {
    const { models } = scriptedModels(loadFixture("not-json"), loadFixture("ok"));
    const { llm } = client(models);
    const result = await llm.generateJson(request);
    expect(result.usage).toMatchObject({ calls: 2, input_tokens: 812 * 2, output_tokens: 17 + 527 });
  });

  it("reports LLM_BAD_OUTPUT (permanent) when the second answer is bad too", async () => {
    const { models } = scriptedModels(loadFixture("schema-mismatch"), loadFixture("finish-max-tokens"), loadFixture("ok"));
    const { llm } = client(models, { maxRetries: 3 });
    const err = await failure(llm.generateJson(request));
    expect(err).toMatchObject({ code: "LLM_BAD_OUTPUT", transient: false, message: expect.stringMatching(/MAX_TOKENS/) });
    expect(models.generateContent).toHaveBeenCalledTimes(2);
    expect(err.usage).toMatchObject({ calls: 2, output_tokens: 22 + 8192 });
    expect(err.usage?.estimated_cost_usd).toBeGreaterThan(0);
  });

  it("does not retry a safety refusal", async () => {
    const { models } = scriptedModels(loadFixture("finish-safety"), loadFixture("ok"));
    const { llm } = client(models);
    await expect(llm.generateJson(request)).rejects.toMatchObject({ code: "LLM_REJECTED" });
    expect(models.generateContent).toHaveBeenCalledTimes(1);
  });

  it("prices usage with the configured table", async () => {
    const { models } = scriptedModels(loadFixture("ok"));
    const { llm } = client(models, { prices: { "gemini-2.5-flash": { input_per_million: 1_000_000, output_per_million: 0 } } });
    const result = await llm.generateJson(request);
    expect(result.usage.estimated_cost_usd).toBe(812);
  });
});
