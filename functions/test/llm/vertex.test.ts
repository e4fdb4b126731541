/**
 * Contract tests of the Vertex AI adapter: the real @google/genai SDK in Vertex mode, with real
 * Application Default Credentials from a local fake metadata server, against a local fake of the
 * generateContent endpoint (test/fakes/vertex-server.ts), which refuses schemas outside the
 * structured-output subset and cuts answers off at maxOutputTokens as the model does.
 */
import { createServer as createHttpServer } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { z } from "zod";
import { CONTENT_FIELDS, CONTENT_LIST_BOUNDS } from "../../src/catalog/taxonomy";
import { ENRICH_CALL, REPAIR_CALL } from "../../src/enrichment/llm-calls";
import { type JobContext, runWithJobContext } from "../../src/jobs/context";
import { toModelSchema } from "../../src/llm/json-schema";
import { estimateCostUsd, resolvePriceTable } from "../../src/llm/pricing";
import type { LlmRequest, LlmUsage } from "../../src/llm/types";
import { VertexLlmClient, type VertexLlmOptions, tryTimeoutMs } from "../../src/llm/vertex";
import { valueViolations } from "../fakes/gemini-schema-subset";
import { requireVmModules, shareUndiciDispatcher } from "../fakes/jest-runtime";
import { FakeMetadataServer, useFakeMetadata } from "../fakes/metadata-server";
import { FakeVertex, type VertexAnswer, json, status } from "../fakes/vertex-server";
import { captureLogs } from "../helpers/logs";
import { OUTPUT, failure, loadFixture } from "./helpers";

let vertex: FakeVertex;
let baseUrl: string;
let metadata: FakeMetadataServer;
let metadataHost: string;
let restoreEnv: () => void;

beforeAll(async () => {
  requireVmModules();
  shareUndiciDispatcher();
  vertex = new FakeVertex();
  baseUrl = await vertex.start();
  metadata = new FakeMetadataServer();
  metadataHost = await metadata.start();
});
afterAll(async () => {
  await metadata.close();
  await vertex.close(); // last: it fails if it refused a scripted answer
});
beforeEach(() => {
  vertex.reset();
  delete metadata.answers.tokenStatus;
  restoreEnv = useFakeMetadata(metadataHost);
});
afterEach(() => restoreEnv());

const delays: number[] = [];
const log = jest.fn();
function client(overrides: Partial<VertexLlmOptions> = {}): VertexLlmClient {
  delays.length = 0;
  log.mockClear();
  return new VertexLlmClient({
    project: "demo-project",
    location: "europe-west1",
    baseUrl,
    maxRetries: 2,
    retryBaseDelayMs: 1000,
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
    log,
    ...overrides,
  });
}

const enrichment = { prompt: "Revise the exercise Bench Press.", ...ENRICH_CALL } satisfies LlmRequest<unknown>;
const goodAnswer = {
  changes: {
    description: "Bench Press is a compound exercise performed with a barbell.",
    stimulus_tags: ["Strength", "Hypertrophy", "Compound Movement", "Upper Body"],
  },
  reasoning: "The description was short.",
  confidence: "high",
};
/** An address nothing listens on: a port the system handed out, then closed. */
async function closedAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/**
 * A metadata server that answers as the fake does (the ping, the account, the project) but never sends the access
 * token: a hung credential service. Resolves to its host, whether the token was asked for, and how to close it.
 */
async function metadataWithoutToken(): Promise<{ host: string; tokenAsked: () => boolean; close: () => Promise<void> }> {
  let tokenAsked = false;
  const server = createHttpServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/$/, "");
    if (path.endsWith("/token")) {
      tokenAsked = true;
      return; // never answers
    }
    const answers: Record<string, string> = {
      "/computeMetadata/v1/instance": "",
      "/computeMetadata/v1/instance/service-accounts/default/email": metadata.answers.email,
      "/computeMetadata/v1/project/project-id": "demo-project",
    };
    const answer = answers[path];
    res.writeHead(answer === undefined ? 404 : 200, { "Metadata-Flavor": "Google" });
    res.end(answer ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    tokenAsked: () => tokenAsked,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A recorded response body (test/llm/fixtures), served as is. */
const fixture = (name: string): VertexAnswer => ({ kind: "body", body: loadFixture(name) });
/** A response whose answer is `text`, served as is: unlike a scripted `json` or `text` answer, not held to the response schema. */
const unchecked = (text: string): VertexAnswer => ({
  kind: "body",
  body: { candidates: [{ content: { role: "model", parts: [{ text }] }, finishReason: "STOP" }] },
});

describe("the request", () => {
  it("is generateContent on the regional model with ADC, the subset schema, the call kind's budgets, and usage priced", async () => {
    vertex.answer(json(goodAnswer, { promptTokens: 812, outputTokens: 431, thoughtsTokens: 96 }));
    const result = await client().generateJson(enrichment);
    expect(result.data).toEqual(goodAnswer);
    expect(result.usage).toMatchObject({ model: "gemini-2.5-flash", input_tokens: 812, output_tokens: 431 + 96, calls: 1 });
    expect(result.usage.estimated_cost_usd).toBe(estimateCostUsd("gemini-2.5-flash", 812, 527));

    expect(vertex.requests).toHaveLength(1);
    const [request] = vertex.requests;
    expect(request).toMatchObject({ apiVersion: "v1beta1", project: "demo-project", location: "europe-west1", model: "gemini-2.5-flash" });
    expect(request.authorization).toBe(`Bearer ${metadata.answers.token}`);
    expect(request.body.contents).toEqual([{ role: "user", parts: [{ text: enrichment.prompt }] }]);
    expect(request.body.systemInstruction?.parts?.[0].text).toMatch(/JSON value that matches the response schema/);
    expect(request.body.labels).toEqual({ catalog_task: "enrich_exercise" });
    const config = request.body.generationConfig!;
    expect(config).toMatchObject({
      responseMimeType: "application/json",
      responseJsonSchema: toModelSchema(ENRICH_CALL.modelSchema!).jsonSchema,
      maxOutputTokens: ENRICH_CALL.output.maxOutputTokens,
      thinkingConfig: { thinkingBudget: ENRICH_CALL.output.thinkingBudget },
    });
    expect(config.temperature).toBeLessThanOrEqual(0.3);
    expect(config).not.toHaveProperty("responseSchema"); // exclusive with responseJsonSchema
    // Content lists carry the normaliser's bounds, so the model cannot write one it would drop.
    const changes = (config.responseJsonSchema as { properties: { changes: { properties: Record<string, unknown> } } }).properties.changes;
    for (const field of CONTENT_FIELDS) {
      const { min, max } = CONTENT_LIST_BOUNDS[field];
      expect([field, changes.properties[field]]).toEqual([field, expect.objectContaining({ minItems: min, maxItems: max })]);
    }
  });

  it("asks the strong model for tier strong; a model without a thinking budget gets none", async () => {
    vertex.answer(json(goodAnswer), json(goodAnswer));
    const llm = client({ strongModel: "gemini-2.5-pro", fastModel: "gemini-2.0-flash" });
    await llm.generateJson({ ...enrichment, tier: "strong" });
    await llm.generateJson(enrichment);
    expect(vertex.requests.map((request) => request.model)).toEqual(["gemini-2.5-pro", "gemini-2.0-flash"]);
    expect(vertex.requests[0].body.generationConfig?.thinkingConfig).toEqual({ thinkingBudget: ENRICH_CALL.output.thinkingBudget });
    expect(vertex.requests[1].body.generationConfig).not.toHaveProperty("thinkingConfig");
  });

  it("warns once per model without a price, naming LLM_PRICES_JSON, and still answers, costed at 0", async () => {
    vertex.answer(json(goodAnswer), json(goodAnswer), json(goodAnswer), json(goodAnswer));
    const unpriced = client({ fastModel: "gemini-9-unpriced" });
    // More clients in the same process, sharing the test's log.
    const another = (overrides: Partial<VertexLlmOptions>) =>
      new VertexLlmClient({ project: "demo-project", location: "europe-west1", baseUrl, log, ...overrides });
    const prices = resolvePriceTable('{"my-model": {"input_per_million": 1, "output_per_million": 2}}');

    const result = await unpriced.generateJson(enrichment);
    await another({ fastModel: "gemini-9-unpriced" }).generateJson(enrichment);
    await another({ fastModel: "my-model", prices }).generateJson(enrichment);
    await another({}).generateJson(enrichment); // the default model, in the built-in table
    expect(result.usage).toMatchObject({ model: "gemini-9-unpriced", calls: 1, estimated_cost_usd: 0 });
    expect(log.mock.calls).toEqual([[expect.stringMatching(/no price.*LLM_PRICES_JSON/), { model: "gemini-9-unpriced" }]]);
  });

  it("carries the repair plan schema, and decodes the plan the model writes in it", async () => {
    const plan = {
      job_id: "j1",
      job_type: "TARGETED_FIX",
      summary: "",
      operations: [{ op: "patch_fields", exercise_id: "e1", set: [{ key: "category", value: "compound" }], rationale: "fix" }],
    };
    vertex.answer(json(plan));
    const { data } = await client().generateJson({ prompt: "Repair.", ...REPAIR_CALL });
    expect(data.operations[0]).toEqual({
      op: "patch_fields",
      exercise_id: "e1",
      set: { category: "compound" },
      unset: [],
      rationale: "fix",
      risk: "low",
    });
    expect(vertex.requests[0].body.generationConfig).toMatchObject({
      responseJsonSchema: toModelSchema(REPAIR_CALL.schema).jsonSchema,
      maxOutputTokens: REPAIR_CALL.output.maxOutputTokens,
    });
  });
});

describe("retries", () => {
  it("retries 429 and 503 with backoff and succeeds, counting only the answered call: error answers are not billed", async () => {
    vertex.answer(status(429, "Resource exhausted."), status(503, "The service is currently unavailable."), json(goodAnswer));
    const result = await client().generateJson(enrichment);
    expect(result.data).toEqual(goodAnswer);
    expect(vertex.requests).toHaveLength(3);
    expect(result.usage.calls).toBe(1);
    expect(delays).toEqual([750, 1500]); // equal jitter on 1 s and 2 s ceilings with random 0.5
    expect(log).toHaveBeenCalledWith("llm call retry", expect.objectContaining({ code: "LLM_RATE_LIMITED", llm_try: 1 }));
    expect(log).toHaveBeenCalledWith("llm call retry", expect.objectContaining({ code: "LLM_UNAVAILABLE", llm_try: 2 }));
  });

  it("gives up after maxRetries on repeated 503s with a transient error carrying usage, no call billed", async () => {
    vertex.answer(status(503), status(503), status(503), json(goodAnswer));
    const err = await failure(client().generateJson(enrichment));
    expect(err).toMatchObject({ code: "LLM_UNAVAILABLE", transient: true });
    expect(vertex.requests).toHaveLength(3);
    expect(err.usage).toMatchObject({ model: "gemini-2.5-flash", calls: 0, input_tokens: 0, output_tokens: 0 });
  });

  it("does not retry a 400, and reports the service's message, counting no call", async () => {
    vertex.answer(status(400, "Request contains an invalid argument."), json(goodAnswer));
    const err = await failure(client().generateJson(enrichment));
    expect(err).toMatchObject({ code: "LLM_REJECTED", transient: false });
    expect(err.message).toBe("Vertex AI returned HTTP 400: Request contains an invalid argument.");
    expect(vertex.requests).toHaveLength(1);
    expect(delays).toEqual([]);
    expect(err.usage?.calls).toBe(0);
  });

  it("retries a dropped connection as a transient outage", async () => {
    vertex.answer({ kind: "drop" }, json(goodAnswer));
    const result = await client().generateJson(enrichment);
    expect(result.usage.calls).toBe(2);
    expect(log).toHaveBeenCalledWith("llm call retry", expect.objectContaining({ code: "LLM_UNAVAILABLE" }));
  });

  it("retries a connection refused as a transient outage whose tries count no model call: nothing was sent", async () => {
    const err = await failure(client({ baseUrl: await closedAddress() }).generateJson(enrichment));
    expect(err).toMatchObject({ code: "LLM_UNAVAILABLE", transient: true, message: expect.stringMatching(/^Vertex AI call failed/) });
    expect(delays).toHaveLength(2);
    expect(err.usage).toMatchObject({ calls: 0, input_tokens: 0, output_tokens: 0 });
  });
});

describe("timeouts", () => {
  it("give a try the configured timeout per 4,096 output tokens it allows, never less", () => {
    const base = 60_000;
    expect(tryTimeoutMs(base, 1_024)).toBe(base);
    expect(tryTimeoutMs(base, ENRICH_CALL.output.maxOutputTokens)).toBe(base); // 4,096
    expect(tryTimeoutMs(base, ENRICH_CALL.output.retryMaxOutputTokens)).toBe(2 * base); // 8,192
    expect(tryTimeoutMs(base, REPAIR_CALL.output.maxOutputTokens)).toBe(2 * base); // 8,192
    expect(tryTimeoutMs(base, REPAIR_CALL.output.retryMaxOutputTokens)).toBe(4 * base); // 16,384
    expect(tryTimeoutMs(base, 6_144)).toBe(1.5 * base);
  });

  it("ends a call that does not answer at the timeout and retries it", async () => {
    vertex.answer({ kind: "hang" }, json(goodAnswer));
    const started = Date.now();
    const result = await client({ timeoutMs: 200 }).generateJson(enrichment);
    expect(result.data).toEqual(goodAnswer);
    expect(result.usage.calls).toBe(2);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(log).toHaveBeenCalledWith("llm call retry", expect.objectContaining({ code: "LLM_TIMEOUT" }));
  });

  it("reports LLM_TIMEOUT when every attempt times out; the request's timeoutMs wins", async () => {
    vertex.answer({ kind: "hang" }, { kind: "hang" });
    const err = await failure(client({ timeoutMs: 60_000, maxRetries: 1 }).generateJson({ ...enrichment, timeoutMs: 150 }));
    expect(err).toMatchObject({ code: "LLM_TIMEOUT", transient: true });
    expect(vertex.requests).toHaveLength(2);
  });

  it("sends without undici's own 300 s header and body timeouts: a try may be allowed longer", async () => {
    // The key under which undici (Node's fetch) keeps its global dispatcher, shared with jest's sandbox (test/fakes/jest-runtime.ts).
    const key = Symbol.for("undici.globalDispatcher.1");
    const sandbox = globalThis as unknown as Record<symbol, { dispatch: (options: object, handler: unknown) => boolean }>;
    const shared = sandbox[key];
    const dispatched: object[] = [];
    sandbox[key] = {
      dispatch: (options, handler) => {
        dispatched.push(options);
        return shared.dispatch(options, handler);
      },
    };
    try {
      vertex.answer(json(goodAnswer));
      await client().generateJson(enrichment);
    } finally {
      sandbox[key] = shared;
    }
    expect(dispatched).toEqual([
      expect.objectContaining({ path: expect.stringMatching(/:generateContent$/), headersTimeout: 0, bodyTimeout: 0 }),
    ]);
  });

  it("counts a try cut short by the timeout after it was sent as a call, its tokens unknown (0): Vertex AI goes on with it", async () => {
    vertex.answer({ kind: "hang" });
    const err = await failure(client({ timeoutMs: 500, maxRetries: 0 }).generateJson(enrichment));
    expect(err).toMatchObject({ code: "LLM_TIMEOUT" });
    expect(vertex.requests).toHaveLength(1);
    expect(err.usage).toMatchObject({ calls: 1, input_tokens: 0, output_tokens: 0, estimated_cost_usd: 0 });
  });
});

describe("a stop (the job's lost lease, its run's deadline)", () => {
  const stopped = new Error("lease lost");

  /** Until the fake has received `count` requests: a stop timed by the clock may come before a busy machine sends one. */
  async function requestsReceived(count: number): Promise<void> {
    while (vertex.requests.length < count) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  it("ends a call under way at once with its reason, and tries no more", async () => {
    vertex.answer({ kind: "hang" }, json(goodAnswer));
    const stop = new AbortController();
    const call = client({ timeoutMs: 60_000 }).generateJson({ ...enrichment, signal: stop.signal });
    await requestsReceived(1);
    const started = Date.now();
    stop.abort(stopped);
    await expect(call).rejects.toBe(stopped);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(vertex.requests).toHaveLength(1);
  });

  it("ends the wait before a retry with its reason", async () => {
    vertex.answer(status(503), json(goodAnswer));
    const stop = new AbortController();
    // The real wait (no test sleep): a minute, unless the stop ends it.
    const call = client({ sleep: undefined, retryBaseDelayMs: 60_000 }).generateJson({ ...enrichment, signal: stop.signal });
    await requestsReceived(1);
    // The 503 is answered at once: the client is waiting to try again.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    stop.abort(stopped);
    await expect(call).rejects.toBe(stopped);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(vertex.requests).toHaveLength(1);
  });

  it("tells what the tries it ended spent: an answer cut off at the limit was billed", async () => {
    vertex.answer(json(goodAnswer, { outputTokens: 5_000 }), { kind: "hang" });
    const stop = new AbortController();
    const spent: LlmUsage[] = [];
    const call = client({ timeoutMs: 60_000 }).generateJson({
      ...enrichment,
      signal: stop.signal,
      onStopped: (usage) => spent.push(usage),
    });
    // The retry with the higher limit is under way when the stop comes.
    await requestsReceived(2);
    stop.abort(stopped);
    await expect(call).rejects.toBe(stopped);
    // Both tries were sent (calls), the first one's answer billed (tokens).
    expect(spent).toEqual([expect.objectContaining({ calls: 2, output_tokens: ENRICH_CALL.output.maxOutputTokens })]);
  });

  it("that fired before the call sends nothing and counts no call", async () => {
    const stop = new AbortController();
    stop.abort(stopped);
    const spent: LlmUsage[] = [];
    const call = client().generateJson({ ...enrichment, signal: stop.signal, onStopped: (usage) => spent.push(usage) });
    await expect(call).rejects.toBe(stopped);
    expect(vertex.requests).toHaveLength(0);
    expect(spent).toEqual([expect.objectContaining({ calls: 0, input_tokens: 0, output_tokens: 0 })]);
  });

  it("that fired between tries counts the try sent before it, not the one it kept from starting", async () => {
    // A billed try (answered, but not JSON) whose retry the stop keeps from starting.
    vertex.answer({ kind: "text", text: "I updated the description." }, json(goodAnswer));
    const stop = new AbortController();
    const spent: LlmUsage[] = [];
    // A wait that does not watch the stop: the next try begins with the stop already fired.
    const call = client({ sleep: async () => void stop.abort(stopped) }).generateJson({
      ...enrichment,
      signal: stop.signal,
      onStopped: (usage) => spent.push(usage),
    });
    await expect(call).rejects.toBe(stopped);
    expect(vertex.requests).toHaveLength(1);
    expect(spent).toEqual([expect.objectContaining({ calls: 1 })]);
  });
});

describe("truncation", () => {
  it("asks once more with the higher limit after MAX_TOKENS, billing both answers", async () => {
    // An answer of 5,000 tokens: cut off under the first limit (4,096), whole under the second (8,192).
    vertex.answer(
      json(goodAnswer, { outputTokens: 5_000, thoughtsTokens: 50 }),
      json(goodAnswer, { outputTokens: 5_000, thoughtsTokens: 50 }),
    );
    const result = await client().generateJson(enrichment);
    expect(result.data).toEqual(goodAnswer);
    expect(vertex.requests.map((request) => request.body.generationConfig?.maxOutputTokens)).toEqual([
      ENRICH_CALL.output.maxOutputTokens,
      ENRICH_CALL.output.retryMaxOutputTokens,
    ]);
    expect(result.usage).toMatchObject({ calls: 2, output_tokens: 4_096 + 5_050 });
    expect(delays).toEqual([]);
  });

  it("fails with LLM_TRUNCATED, not retried again, when the higher limit cuts it off too", async () => {
    vertex.answer(json(goodAnswer, { outputTokens: 20_000 }), json(goodAnswer, { outputTokens: 20_000 }), json(goodAnswer));
    const err = await failure(client({ maxRetries: 3 }).generateJson(enrichment));
    expect(err).toMatchObject({ code: "LLM_TRUNCATED", transient: false, message: expect.stringMatching(/MAX_TOKENS/) });
    expect(vertex.requests).toHaveLength(2);
    expect(err.usage).toMatchObject({ calls: 2, output_tokens: 4_096 + 8_192 });
  });
});

describe("answers", () => {
  it("asks once more after output that is not JSON, then succeeds, billing both", async () => {
    vertex.answer({ kind: "text", text: "I updated the description.", outputTokens: 17 }, json(goodAnswer, { outputTokens: 100 }));
    const result = await client().generateJson(enrichment);
    expect(result.data).toEqual(goodAnswer);
    expect(result.usage).toMatchObject({ calls: 2, output_tokens: 117 });
  });

  it("reports LLM_BAD_OUTPUT (permanent) with the schema's complaints when the second answer is bad too", async () => {
    // What the response schema cannot say (a length, a pattern) the model may break while following it.
    const schema = z.object({ reasoning: z.string().min(1), tags: z.array(z.string().regex(/^[A-Z]/)) });
    const bad = { reasoning: "", tags: ["strength"] };
    vertex.answer(json(bad), json(bad), json({ reasoning: "Tags capitalised.", tags: ["Strength"] }));
    const err = await failure(
      client({ maxRetries: 3 }).generateJson({ task: "enrich_exercise", prompt: "Tag it.", schema, output: OUTPUT }),
    );
    expect(err).toMatchObject({ code: "LLM_BAD_OUTPUT", transient: false });
    expect(err.message).toMatch(/does not match the schema: reasoning: .*tags\.0: /);
    expect(vertex.requests).toHaveLength(2);
  });

  it("reads an answer with a key Object.prototype has, outside the schema (a model is not held to it), as any other", async () => {
    const text = `{"changes": {"toString": "x", "description": "${goodAnswer.changes.description}"}, "reasoning": "r", "confidence": "high"}`;
    vertex.answer(unchecked(text));
    const { data } = await client().generateJson(enrichment);
    expect(JSON.stringify(data)).toBe(JSON.stringify(JSON.parse(text)));
  });

  it("reports an answer its reading fails on with anything but an LlmError as LLM_BAD_OUTPUT (permanent), not an outage", async () => {
    // A defect of the reader meeting this answer: retried as an outage, it would fail the same way up to the job's deadletter.
    const schema = z.object({ reasoning: z.string() }).transform((): string => {
      throw new TypeError("reasoning cannot be read");
    });
    vertex.answer(json({ reasoning: "r" }), json({ reasoning: "r" }));
    const err = await failure(client().generateJson({ task: "enrich_exercise", prompt: "Tag it.", schema, output: OUTPUT }));
    expect(err).toMatchObject({ code: "LLM_BAD_OUTPUT", transient: false, message: expect.stringMatching(/reasoning cannot be read/) });
    expect(vertex.requests).toHaveLength(2);
  });

  it.each([
    ["fenced", "reads JSON inside a ```json fence"],
    ["thought-and-split-parts", "joins text parts and skips thoughts"],
  ])("%s: %s", async (name) => {
    vertex.answer(fixture(name));
    const { data, usage } = await client().generateJson(enrichment);
    expect(data.confidence).toBe("high");
    expect(data.changes).toHaveProperty("description");
    expect(usage.output_tokens).toBeGreaterThan(0);
  });

  it.each([
    ["prompt-blocked", "LLM_REJECTED", /PROHIBITED_CONTENT.*prohibited content/, 1],
    ["finish-safety", "LLM_REJECTED", /SAFETY/, 1],
    ["no-candidates", "LLM_BAD_OUTPUT", /no candidates/, 2],
    ["not-json", "LLM_BAD_OUTPUT", /not JSON: I updated the description/, 2],
  ])("%s → %s", async (name, code, message, calls) => {
    vertex.answer(fixture(name), fixture(name));
    const err = await failure(client().generateJson(enrichment));
    expect(err).toMatchObject({ code, transient: false, message: expect.stringMatching(message) });
    expect(vertex.requests).toHaveLength(calls);
  });
});

describe("credentials", () => {
  it("a metadata server that has no token for the runtime account is LLM_AUTH naming credentials, not an HTTP 404 of Vertex", async () => {
    metadata.answers.tokenStatus = 404;
    const err = await failure(client().generateJson(enrichment));
    expect(err).toMatchObject({ code: "LLM_AUTH", transient: false });
    expect(err.message).toMatch(/^Vertex AI credentials unavailable: .*Application Default Credentials/);
    expect(err.message).not.toMatch(/Vertex AI returned HTTP/);
    expect(vertex.requests).toHaveLength(0);
    expect(err.usage).toMatchObject({ calls: 0, input_tokens: 0, output_tokens: 0 });
  });

  it("a metadata server briefly failing is a transient LLM_AUTH, retried, its tries counting no model call", async () => {
    metadata.answers.tokenStatus = 503;
    const err = await failure(client({ maxRetries: 1 }).generateJson(enrichment));
    expect(err).toMatchObject({ code: "LLM_AUTH", transient: true });
    expect(delays).toHaveLength(1);
    expect(vertex.requests).toHaveLength(0);
    expect(err.usage?.calls).toBe(0);
  });

  it("a metadata server that never sends the token is a transient LLM_AUTH, retried, its tries sending nothing and counting no call", async () => {
    const hung = await metadataWithoutToken();
    restoreEnv();
    restoreEnv = useFakeMetadata(hung.host);
    try {
      const err = await failure(client({ timeoutMs: 500 }).generateJson(enrichment));
      expect(err).toMatchObject({ code: "LLM_AUTH", transient: true });
      expect(err.message).toMatch(/^Vertex AI credentials unavailable: no access token within 500 ms.*Application Default Credentials/);
      expect(delays).toHaveLength(2);
      expect(vertex.requests).toHaveLength(0);
      expect(err.usage).toMatchObject({ calls: 0, input_tokens: 0, output_tokens: 0 });
    } finally {
      await hung.close();
    }
  });

  it("a stop while the token is awaited counts no call: the try was never sent", async () => {
    const hung = await metadataWithoutToken();
    restoreEnv();
    restoreEnv = useFakeMetadata(hung.host);
    try {
      const stop = new AbortController();
      const spent: LlmUsage[] = [];
      const call = client({ timeoutMs: 60_000 }).generateJson({
        ...enrichment,
        signal: stop.signal,
        onStopped: (usage) => spent.push(usage),
      });
      while (!hung.tokenAsked()) await new Promise((resolve) => setTimeout(resolve, 10));
      const stopped = new Error("lease lost");
      stop.abort(stopped);
      await expect(call).rejects.toBe(stopped);
      expect(vertex.requests).toHaveLength(0);
      expect(spent).toEqual([expect.objectContaining({ calls: 0 })]);
    } finally {
      await hung.close();
    }
  });

  it("no credentials at all (no key, no gcloud login, no metadata server) is LLM_AUTH, counting no model call", async () => {
    restoreEnv();
    restoreEnv = useFakeMetadata(null);
    const err = await failure(client().generateJson(enrichment));
    expect(err).toMatchObject({ code: "LLM_AUTH", transient: false, message: expect.stringMatching(/default credentials/) });
    expect(err.usage?.calls).toBe(0);
  });

  it("a model or location Vertex AI does not know (404) is LLM_MODEL_NOT_FOUND naming the params, not retried", async () => {
    vertex.answer(
      status(404, "Publisher Model `gemini-1.0-pro` was not found or your project does not have access to it."),
      json(goodAnswer),
    );
    const err = await failure(client().generateJson(enrichment));
    expect(err).toMatchObject({ code: "LLM_MODEL_NOT_FOUND", transient: false });
    expect(err.message).toMatch(/HTTP 404: Publisher Model .* LLM_FAST_MODEL, LLM_STRONG_MODEL and LLM_LOCATION/);
    expect(vertex.requests).toHaveLength(1);
    // It reached no model: no call billed.
    expect(err.usage).toMatchObject({ calls: 0, input_tokens: 0, output_tokens: 0 });
  });

  it("Vertex AI refusing the caller (403) is LLM_AUTH naming the role to grant, counting no call", async () => {
    vertex.answer(status(403, "Permission 'aiplatform.endpoints.predict' denied on resource."));
    const err = await failure(client().generateJson(enrichment));
    expect(err).toMatchObject({ code: "LLM_AUTH", transient: false });
    expect(err.message).toMatch(/HTTP 403: Permission 'aiplatform\.endpoints\.predict' denied.*roles\/aiplatform\.user/);
    expect(err.usage?.calls).toBe(0);
  });
});

describe("log lines", () => {
  const shard: JobContext = {
    jobId: "shard-7",
    type: "CATALOG_ENRICH_FIELD_SHARD",
    attempt: 2,
    leaseEpoch: 5,
    workerId: "w1",
    mode: "apply",
    signal: new AbortController().signal,
    hardStop: new AbortController().signal,
  };

  it("written during a job's call (unpriced model, retry, truncation) carry the job's fields, and the error's text as reason", async () => {
    vertex.answer(status(503, "The service is currently unavailable."), json(goodAnswer, { outputTokens: 5_000 }), json(goodAnswer));
    // The engine's logger: no `log` of the test's own.
    const llm = client({ log: undefined, fastModel: "gemini-9-unpriced-in-a-job" });
    const lines = await captureLogs(() => runWithJobContext(shard, () => llm.generateJson(enrichment)));
    const job = { job_id: "shard-7", job_type: "CATALOG_ENRICH_FIELD_SHARD", attempt: 2, lease_epoch: 5, worker_id: "w1" };
    expect(lines).toEqual([
      expect.objectContaining({
        severity: "warn",
        message: expect.stringMatching(/no price/),
        model: "gemini-9-unpriced-in-a-job",
        ...job,
      }),
      expect.objectContaining({
        severity: "warn",
        message: "llm call retry",
        task: "enrich_exercise",
        llm_try: 1,
        code: "LLM_UNAVAILABLE",
        reason: expect.stringMatching(/HTTP 503: The service is currently unavailable/),
        ...job,
      }),
      expect.objectContaining({ severity: "warn", message: "llm output truncated; asking again with a higher limit", ...job }),
    ]);
  });
});

describe("the fake Vertex AI", () => {
  it("refuses a scripted answer that breaks the response schema, naming why, and fails when closed", async () => {
    const strict = new FakeVertex();
    const strictUrl = await strict.start();
    strict.answer(json({ ...goodAnswer, changes: { stimulus_tags: [] }, confidence: "certain" }));
    const outcome = (promise: Promise<unknown>) =>
      promise.then(
        () => "no error",
        (err: unknown) => err,
      );
    // Both settled before any assertion: the fake is closed whatever the call did.
    const refused = await outcome(client({ baseUrl: strictUrl }).generateJson(enrichment));
    const closed = await outcome(strict.close());
    expect(refused).toMatchObject({
      code: "LLM_REJECTED",
      transient: false,
      message: expect.stringMatching(
        /scripted answer breaks the request's response schema.*\$\.changes\.stimulus_tags: 0 items, fewer than minItems .*\$\.confidence: "certain" is not one of/,
      ),
    });
    expect(closed).toMatchObject({ message: expect.stringMatching(/scripted answer breaks/) });
  });

  it.each<[string, unknown, unknown, string[]]>([
    ["an answer that follows the schema", { type: "OBJECT", properties: { n: { type: "INTEGER" } } }, { n: 3 }, []],
    [
      "a missing required property",
      { type: "object", properties: { a: { type: "string" } }, required: ["a"] },
      {},
      ['$: required property "a" is missing'],
    ],
    [
      "a property the schema does not have",
      { type: "object", properties: { a: { type: "string" } } },
      { b: 1 },
      ['$: property "b" is not in the schema'],
    ],
    [
      "a property Object.prototype has",
      { type: "object", properties: { a: { type: "string" } } },
      JSON.parse('{"toString": "x"}'),
      ['$: property "toString" is not in the schema'],
    ],
    ["a wrong type", { type: "array", items: { type: "integer" } }, [1, 1.5], ["$[1]: 1.5 is not of type integer"]],
    ["a number out of bounds", { type: "number", minimum: 0, maximum: 1 }, 2, ["$: 2 is above the maximum 1"]],
    ["too many items", { type: "array", items: { type: "string" }, maxItems: 1 }, ["a", "b"], ["$: 2 items, more than maxItems 1"]],
    ["null where nullable", { type: "string", nullable: true }, null, []],
    ["no branch of anyOf", { anyOf: [{ type: "string" }, { type: "null" }] }, 1, ["$: 1 matches none of the 2 anyOf branches"]],
  ])("checks %s", (_case, schema, value, problems) => {
    expect(valueViolations(schema, value)).toEqual(problems);
  });
});
