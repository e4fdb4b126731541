/**
 * The Vertex adapter's defaults are the engine configuration's: a client built without models or a
 * timeout behaves as one built from the default config. The SDK is a stand-in that records the model
 * asked for and, when told to, never answers.
 */
import { z } from "zod";
import { PARAMS } from "../../src/config";
import { VertexLlmClient } from "../../src/llm/vertex";
import { OUTPUT, failure, loadFixture } from "./helpers";

const mockSdk = { models: [] as string[], hang: false, called: (): void => undefined };
jest.mock("@google/genai", () => ({
  GoogleGenAI: class {
    readonly models = {
      generateContent: async (params: { model: string }) => {
        mockSdk.models.push(params.model);
        mockSdk.called();
        return mockSdk.hang ? new Promise<never>(() => {}) : loadFixture("ok");
      },
    };
  },
}));

const request = { task: "enrich_exercise", prompt: "Revise.", schema: z.object({ confidence: z.string() }), output: OUTPUT };
const client = () => new VertexLlmClient({ project: "demo-project", location: "europe-west1", maxRetries: 0 });

beforeEach(() => {
  mockSdk.models = [];
  mockSdk.hang = false;
});
afterEach(() => jest.useRealTimers());

describe("the Vertex adapter's defaults", () => {
  it("are the configured default models", async () => {
    const llm = client();
    await llm.generateJson(request);
    await llm.generateJson({ ...request, tier: "strong" });
    expect(mockSdk.models).toEqual([PARAMS.llmFastModel.defaultValue, PARAMS.llmStrongModel.defaultValue]);
  });

  it("are the configured default timeout", async () => {
    jest.useFakeTimers({ doNotFake: ["nextTick", "queueMicrotask", "setImmediate"] });
    mockSdk.hang = true;
    const called = new Promise<void>((resolve) => {
      mockSdk.called = resolve;
    });
    let settled = false;
    const result = failure(client().generateJson(request)).finally(() => {
      settled = true;
    });
    await called; // the call's deadline is set from here on
    await jest.advanceTimersByTimeAsync(PARAMS.llmTimeoutMs.defaultValue - 1);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(settled).toBe(true);
    await expect(result).resolves.toMatchObject({ code: "LLM_TIMEOUT" });
  });
});
