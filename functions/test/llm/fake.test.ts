import { z } from "zod";
import { LlmError } from "../../src/llm/errors";
import { FAKE_CALLS_KEPT, FakeLlmClient } from "../../src/llm/fake";
import type { LlmRequest, LlmUsage } from "../../src/llm/types";
import { OUTPUT, enrichmentSchema, failure } from "./helpers";

const planSchema = z.object({ operations: z.array(z.object({ op: z.string(), target: z.string() })) });
const plan = { operations: [{ op: "patch_fields", target: "bench_press__bench-press-barbell" }] };
const exercise = { name: "Plank", equipment: ["bodyweight"], category: "core" };

const enrich = (overrides: Partial<LlmRequest<z.infer<typeof enrichmentSchema>>> = {}) => ({
  task: "enrich_exercise",
  prompt: "Revise the exercise Plank.",
  schema: enrichmentSchema,
  output: OUTPUT,
  context: { exercise },
  ...overrides,
});

describe("FakeLlmClient built-in answers", () => {
  it("enriches from context.exercise and reports deterministic usage", async () => {
    const llm = new FakeLlmClient();
    const request = enrich();
    const first = await llm.generateJson(request);
    const second = await llm.generateJson(request);
    expect(llm.provider).toBe("fake");
    expect(first).toEqual(second);
    expect(first.data.changes["movement.split"]).toBe("core");
    expect(first.usage).toEqual({
      model: "fake-fast",
      input_tokens: Math.ceil(request.prompt.length / 4),
      output_tokens: Math.ceil(JSON.stringify(first.data).length / 4),
      latency_ms: 0,
      calls: 1,
      estimated_cost_usd: 0,
    });
  });

  it("keeps only its latest calls, so the engine's own fake in a long-running process does not grow without end", async () => {
    const llm = new FakeLlmClient();
    for (let call = 0; call < FAKE_CALLS_KEPT + 5; call++) await llm.generateJson({ ...enrich(), prompt: `prompt ${call}` });
    expect(llm.calls).toHaveLength(FAKE_CALLS_KEPT);
    expect(llm.calls[0].prompt).toBe("prompt 5");
  });

  it("honours context.fields_to_enrich and names the strong model for tier strong", async () => {
    const llm = new FakeLlmClient();
    const result = await llm.generateJson(enrich({ tier: "strong", context: { exercise, fields_to_enrich: ["stimulus_tags"] } }));
    expect(Object.keys(result.data.changes)).toEqual(["stimulus_tags"]);
    expect(result.usage.model).toBe("fake-strong");
  });

  it("returns the plan unchanged for an unscripted repair", async () => {
    const llm = new FakeLlmClient();
    const { data } = await llm.generateJson({
      task: "repair_plan",
      prompt: "Fix it.",
      schema: planSchema,
      output: OUTPUT,
      context: { plan },
    });
    expect(data).toEqual(plan);
  });

  it("rejects unknown tasks and missing context permanently", async () => {
    const llm = new FakeLlmClient();
    expect(await failure(llm.generateJson({ task: "write_poem", prompt: "?", schema: z.string(), output: OUTPUT }))).toMatchObject({
      code: "LLM_REJECTED",
      transient: false,
    });
    expect(await failure(llm.generateJson(enrich({ context: {} })))).toMatchObject({ code: "LLM_REJECTED" });
    expect(await failure(llm.generateJson({ task: "repair_plan", prompt: "Fix it.", schema: planSchema, output: OUTPUT }))).toMatchObject({
      code: "LLM_REJECTED",
    });
  });

  it("checks its answers against the request's schema like the real adapter", async () => {
    const llm = new FakeLlmClient();
    const err = await failure(
      llm.generateJson({
        task: "repair_plan",
        prompt: "Fix it.",
        schema: planSchema,
        output: OUTPUT,
        context: { plan: { operations: "none" } },
      }),
    );
    expect(err).toMatchObject({ code: "LLM_BAD_OUTPUT", transient: false });
    expect(err.message).toMatch(/operations: /);
  });

  it("records every call with its outcome", async () => {
    const llm = new FakeLlmClient();
    await llm.generateJson(enrich());
    await llm.generateJson({ task: "nope", prompt: "?", schema: z.string(), output: OUTPUT }).catch(() => undefined);
    expect(llm.calls).toEqual([
      { task: "enrich_exercise", prompt: "Revise the exercise Plank.", tier: "fast", context: { exercise }, outcome: "ok" },
      { task: "nope", prompt: "?", tier: "fast", outcome: "LLM_REJECTED" },
    ]);
  });

  it("waits and reports the configured latency", async () => {
    const llm = new FakeLlmClient({ latencyMs: 25 });
    const started = Date.now();
    const { usage } = await llm.generateJson(enrich());
    expect(Date.now() - started).toBeGreaterThanOrEqual(20);
    expect(usage.latency_ms).toBe(25);
  });

  it("ends its latency at the request's stop, rejecting with the stop's reason, as the real client does", async () => {
    const llm = new FakeLlmClient({ latencyMs: 60_000 });
    const stop = new AbortController();
    const stopped = new Error("run deadline");
    setTimeout(() => stop.abort(stopped), 50);
    const started = Date.now();
    await expect(llm.generateJson(enrich({ signal: stop.signal }))).rejects.toBe(stopped);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("reports the try a stop cut short, as the real client does, and none for a stop that came before it was sent", async () => {
    const llm = new FakeLlmClient({ latencyMs: 60_000 });
    const reported: LlmUsage[] = [];
    const during = new AbortController();
    setTimeout(() => during.abort(new Error("lease lost")), 20);
    await expect(llm.generateJson(enrich({ signal: during.signal, onStopped: (usage) => reported.push(usage) }))).rejects.toThrow(
      "lease lost",
    );
    const before = new AbortController();
    before.abort(new Error("run deadline"));
    await expect(llm.generateJson(enrich({ signal: before.signal, onStopped: (usage) => reported.push(usage) }))).rejects.toThrow(
      "run deadline",
    );
    expect(reported).toMatchObject([
      { model: "fake-fast", calls: 1, input_tokens: 0, output_tokens: 0 },
      { model: "fake-fast", calls: 0, input_tokens: 0, output_tokens: 0 },
    ]);
  });
});

describe("FakeLlmClient scripts", () => {
  it("answers from the first matching step, consumes steps by `times`, then falls back to the rules", async () => {
    const revised = { operations: [{ op: "no_change", target: "x" }] };
    const llm = new FakeLlmClient({
      script: [
        { match: { task: "repair_plan" }, respond: revised, times: 1 },
        { match: { task: "repair_plan" }, respond: { operations: [] }, times: 2 },
      ],
    });
    const answers = [];
    for (let i = 0; i < 4; i++) {
      answers.push(
        (await llm.generateJson({ task: "repair_plan", prompt: "Fix.", schema: planSchema, output: OUTPUT, context: { plan } })).data,
      );
    }
    expect(answers).toEqual([revised, { operations: [] }, { operations: [] }, plan]);
  });

  it("matches on task, prompt text and context key together", async () => {
    const llm = new FakeLlmClient({
      script: [
        {
          match: { task: "enrich_exercise", promptIncludes: "Deadlift" },
          respond: { changes: { description: "deadlift" }, reasoning: "r", confidence: "low" },
        },
        { match: { contextKey: "plan" }, respond: { operations: [] } },
      ],
    });
    const deadlift = await llm.generateJson(enrich({ prompt: "Revise Deadlift (Barbell)." }));
    const plank = await llm.generateJson(enrich());
    expect(deadlift.data.changes).toEqual({ description: "deadlift" });
    expect(plank.data.changes).not.toEqual({ description: "deadlift" });
    expect((await llm.generateJson({ task: "anything", prompt: "?", schema: planSchema, output: OUTPUT, context: { plan } })).data).toEqual(
      {
        operations: [],
      },
    );
  });

  it("calls function responders with the request", async () => {
    const llm = new FakeLlmClient({
      script: [
        { match: { task: "repair_plan" }, respond: (req: LlmRequest<unknown>) => ({ operations: [{ op: "echo", target: req.prompt }] }) },
      ],
    });
    const { data } = await llm.generateJson({
      task: "repair_plan",
      prompt: "ALIAS_COLLISION on bench",
      schema: planSchema,
      output: OUTPUT,
    });
    expect(data.operations[0].target).toBe("ALIAS_COLLISION on bench");
  });

  const promptTokens = Math.ceil(enrich().prompt.length / 4);

  // Counted as the Vertex adapter counts them: an error answer (429, 5xx) is not billed, a try cut short by the
  // timeout is (its tokens unknown), and an answer that is not JSON is, its prompt's tokens and all.
  it.each([
    ["timeout", "LLM_TIMEOUT", true, { calls: 1, input_tokens: 0 }],
    ["rate_limit", "LLM_RATE_LIMITED", true, { calls: 0, input_tokens: 0 }],
    ["unavailable", "LLM_UNAVAILABLE", true, { calls: 0, input_tokens: 0 }],
    ["malformed_json", "LLM_BAD_OUTPUT", false, { calls: 1, input_tokens: promptTokens }],
  ] as const)("simulates %s as %s (transient %s), with the usage the real adapter counts", async (error, code, transient, spent) => {
    const llm = new FakeLlmClient({ script: [{ match: {}, respond: { error }, times: 1 }] });
    const err = await failure(llm.generateJson(enrich()));
    expect(err).toMatchObject({ code, transient });
    expect(err.usage).toEqual({ model: "fake-fast", ...spent, output_tokens: 0, latency_ms: 0, estimated_cost_usd: 0 });
    expect(llm.calls[0].outcome).toBe(code);
    // The step is used up: the next call gets the built-in answer.
    await expect(llm.generateJson(enrich())).resolves.toBeDefined();
  });

  it.each([
    ["an answer it refused", new LlmError("LLM_REJECTED", "model stopped (SAFETY)"), { calls: 1, input_tokens: promptTokens }],
    ["an error answer", new LlmError("LLM_MODEL_NOT_FOUND", "HTTP 404", { cause: { status: 404 } }), { calls: 0, input_tokens: 0 }],
    [
      "no credentials",
      new LlmError("LLM_AUTH", "credentials unavailable", { cause: new Error("Could not load the default credentials") }),
      { calls: 0, input_tokens: 0 },
    ],
    [
      "a dropped connection",
      new LlmError("LLM_UNAVAILABLE", "fetch failed", { cause: new Error("socket hang up") }),
      { calls: 1, input_tokens: 0 },
    ],
  ])("counts a responder's LlmError for %s as the real adapter counts it", async (_case, scripted, spent) => {
    const llm = new FakeLlmClient({
      script: [
        {
          match: {},
          respond: () => {
            throw scripted;
          },
        },
      ],
    });
    const err = await failure(llm.generateJson(enrich()));
    expect(err).toBe(scripted);
    expect(err.usage).toMatchObject(spent);
  });

  it("lets a responder throw an LlmError, and surfaces other throws as bugs", async () => {
    const llm = new FakeLlmClient({
      script: [
        {
          match: { task: "a" },
          respond: () => {
            throw new LlmError("LLM_REJECTED", "scripted refusal");
          },
        },
        {
          match: { task: "b" },
          respond: () => {
            throw new RangeError("test bug");
          },
        },
      ],
    });
    expect(await failure(llm.generateJson({ task: "a", prompt: "", schema: z.unknown(), output: OUTPUT }))).toMatchObject({
      code: "LLM_REJECTED",
    });
    await expect(llm.generateJson({ task: "b", prompt: "", schema: z.unknown(), output: OUTPUT })).rejects.toBeInstanceOf(RangeError);
  });
});

describe("FakeLlmClient injected failures", () => {
  async function outcomes(seed: number): Promise<string[]> {
    const llm = new FakeLlmClient({ failureRate: 0.3, seed });
    for (let i = 0; i < 40; i++) await llm.generateJson(enrich()).catch(() => undefined);
    return llm.calls.map((call) => call.outcome ?? "pending");
  }

  it("fails about failureRate of the calls with transient errors, the same way for the same seed", async () => {
    const first = await outcomes(7);
    expect(await outcomes(7)).toEqual(first);
    expect(await outcomes(8)).not.toEqual(first);
    const failed = first.filter((outcome) => outcome !== "ok");
    expect(failed.length).toBeGreaterThan(4);
    expect(failed.length).toBeLessThan(24);
    expect(failed.every((code) => ["LLM_TIMEOUT", "LLM_RATE_LIMITED", "LLM_UNAVAILABLE"].includes(code))).toBe(true);
    expect(new Set(failed).size).toBeGreaterThan(1);
  });

  it("never fails with failureRate 0", async () => {
    const llm = new FakeLlmClient({ failureRate: 0 });
    for (let i = 0; i < 20; i++) await llm.generateJson(enrich());
    expect(llm.calls.every((call) => call.outcome === "ok")).toBe(true);
  });
});
