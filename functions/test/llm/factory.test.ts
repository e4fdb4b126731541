import { FakeLlmClient, VertexLlmClient, createLlmClient } from "../../src/llm/index";
import { z } from "zod";
import { OUTPUT, loadFixture } from "./helpers";

// Stands in for the SDK module and records whether and how it was used.
const mockSdk = { loads: 0, constructed: [] as unknown[] };
jest.mock("@google/genai", () => {
  mockSdk.loads++;
  return {
    GoogleGenAI: class {
      readonly models = { generateContent: async () => loadFixture("ok") };
      constructor(options: unknown) {
        mockSdk.constructed.push(options);
      }
    },
  };
});

const request = {
  task: "enrich_exercise",
  prompt: "Revise.",
  schema: z.object({ confidence: z.string() }),
  output: OUTPUT,
  context: { exercise: { name: "Plank", equipment: ["bodyweight"], category: "core" } },
};

// Order matters: the fake's test runs first and proves that nothing loaded the SDK up to then.
describe("createLlmClient", () => {
  it("builds the fake without ever loading the SDK", async () => {
    const llm = createLlmClient({ provider: "fake", latencyMs: 0 });
    expect(llm).toBeInstanceOf(FakeLlmClient);
    expect(llm.provider).toBe("fake");
    await llm.generateJson(request);
    expect(mockSdk.loads).toBe(0);
  });

  it("builds the Vertex adapter, which loads the SDK and creates its client on the first call only", async () => {
    const llm = createLlmClient({ provider: "vertex", project: "demo-project", location: "europe-west1" });
    expect(llm).toBeInstanceOf(VertexLlmClient);
    expect(mockSdk.loads).toBe(0);
    expect(mockSdk.constructed).toEqual([]);

    const first = await llm.generateJson(request);
    await llm.generateJson(request);
    expect(first.data).toEqual({ confidence: "high" });
    expect(mockSdk.loads).toBe(1);
    expect(mockSdk.constructed).toEqual([{ vertexai: true, project: "demo-project", location: "europe-west1" }]);
  });
});
