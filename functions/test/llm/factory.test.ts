/**
 * `createLlmClient` picks the provider, and the Vertex adapter loads the real @google/genai SDK only
 * on its first call: here against the local fake of Vertex AI (test/fakes/vertex-server.ts), with
 * Application Default Credentials from the local fake metadata server.
 */
import { z } from "zod";
import { FakeLlmClient, VertexLlmClient, createLlmClient } from "../../src/llm/index";
import { json } from "../fakes/vertex-server";
import { OUTPUT, useFakeVertex } from "./helpers";

/**
 * Whether any file of the SDK package is in this test file's module registry (jest's `require.cache`
 * is a view of it). Nothing this file imports above loads the SDK: `src/llm/index` is the code under
 * test, and the helpers use its types only.
 */
const sdkLoaded = (): boolean => Object.keys(require.cache).some((path) => /[\\/]node_modules[\\/]@google[\\/]genai[\\/]/.test(path));
const TOKEN_PATH = /^instance\/service-accounts\/[^/]+\/token$/;

const fake = useFakeVertex();

const request = {
  task: "enrich_exercise",
  prompt: "Revise.",
  schema: z.object({ confidence: z.string() }),
  output: OUTPUT,
  context: { exercise: { name: "Plank", equipment: ["bodyweight"], category: "core" } },
};

// Order matters: the module registry lives as long as this file, so the fake's test runs first and
// proves that nothing loaded the SDK up to then.
describe("createLlmClient", () => {
  it("builds the fake without ever loading the SDK", async () => {
    expect(sdkLoaded()).toBe(false); // importing the factory did not load it
    const llm = createLlmClient({ provider: "fake", latencyMs: 0 });
    expect(llm).toBeInstanceOf(FakeLlmClient);
    expect(llm.provider).toBe("fake");
    await llm.generateJson(request);
    expect(sdkLoaded()).toBe(false);
  });

  it("builds the Vertex adapter, which loads the SDK and creates its client on the first call only", async () => {
    const llm = createLlmClient({
      provider: "vertex",
      project: "demo-project",
      location: "europe-west1",
      baseUrl: fake.baseUrl,
      maxRetries: 0,
    });
    expect(llm).toBeInstanceOf(VertexLlmClient);
    expect(llm.provider).toBe("vertex");
    expect(sdkLoaded()).toBe(false);
    expect(fake.vertex.requests).toEqual([]);

    fake.vertex.answer(json({ confidence: "high" }), json({ confidence: "low" }));
    const first = await llm.generateJson(request);
    expect(sdkLoaded()).toBe(true);
    const second = await llm.generateJson(request);
    expect([first.data, second.data]).toEqual([{ confidence: "high" }, { confidence: "low" }]);

    // The SDK's client was made in Vertex mode for the configured project and location: both calls
    // went to that regional model's generateContent with an ADC bearer token.
    expect(
      fake.vertex.requests.map(({ apiVersion, project, location, authorization }) => ({ apiVersion, project, location, authorization })),
    ).toEqual(
      Array(2).fill({
        apiVersion: "v1beta1",
        project: "demo-project",
        location: "europe-west1",
        authorization: `Bearer ${fake.metadata.answers.token}`,
      }),
    );
    // One client for both calls: its credentials fetched the access token once and reused it (a client
    // made per call would come with credentials of its own and fetch the token again).
    expect(fake.metadata.requests.filter((path) => TOKEN_PATH.test(path))).toHaveLength(1);
  });
});
