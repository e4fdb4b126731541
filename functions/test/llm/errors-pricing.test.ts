import { toJobFailure } from "../../src/jobs/errors";
import { LlmError, classifyHttpStatus, failureMayBeBilled } from "../../src/llm/errors";
import { DEFAULT_PRICES, EMPTY_USAGE, estimateCostUsd, hasPrice, resolvePriceTable } from "../../src/llm/pricing";

describe("classifyHttpStatus", () => {
  it.each([
    [429, "LLM_RATE_LIMITED", true],
    [408, "LLM_TIMEOUT", true],
    [500, "LLM_UNAVAILABLE", true],
    [503, "LLM_UNAVAILABLE", true],
    [504, "LLM_UNAVAILABLE", true],
    [400, "LLM_REJECTED", false],
    [401, "LLM_AUTH", false],
    [403, "LLM_AUTH", false],
    [404, "LLM_MODEL_NOT_FOUND", false],
    [422, "LLM_REJECTED", false],
  ])("HTTP %i → %s (transient %s)", (status, code, transient) => {
    expect(classifyHttpStatus(status)).toEqual({ code, transient });
  });
});

describe("LlmError", () => {
  it("derives transient from the code unless told otherwise", () => {
    expect(new LlmError("LLM_TIMEOUT", "t").transient).toBe(true);
    expect(new LlmError("LLM_RATE_LIMITED", "r").transient).toBe(true);
    expect(new LlmError("LLM_UNAVAILABLE", "u").transient).toBe(true);
    expect(new LlmError("LLM_BAD_OUTPUT", "b").transient).toBe(false);
    expect(new LlmError("LLM_REJECTED", "x").transient).toBe(false);
    expect(new LlmError("LLM_TRUNCATED", "cut off").transient).toBe(false);
    expect(new LlmError("LLM_AUTH", "no credentials").transient).toBe(false);
    expect(new LlmError("LLM_UNAVAILABLE", "u", { transient: false }).transient).toBe(false);
  });

  it("is an Error with name, code, cause and optional usage", () => {
    const cause = new Error("socket hang up");
    const err = new LlmError("LLM_UNAVAILABLE", "down", { cause, usage: { ...EMPTY_USAGE, calls: 1 } });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("LlmError");
    expect(err.code).toBe("LLM_UNAVAILABLE");
    expect(err.cause).toBe(cause);
    expect(err.usage?.calls).toBe(1);
  });
});

describe("failureMayBeBilled", () => {
  /** A network failure as the SDK throws it: undici's "fetch failed", the socket's error (with its code) as its cause. */
  const networkFailure = (code: string) =>
    new LlmError("LLM_UNAVAILABLE", "Vertex AI call failed: fetch failed", {
      cause: new TypeError("fetch failed", { cause: Object.assign(new Error(`connect ${code}`), { code }) }),
    });

  it.each(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT", "ENETUNREACH", "EHOSTUNREACH"])(
    "does not count a try whose connection was never made (%s): nothing was sent",
    (code) => {
      expect(failureMayBeBilled(networkFailure(code))).toBe(false);
    },
  );

  it.each(["ECONNRESET", "UND_ERR_SOCKET"])("counts a try whose connection broke once made (%s): Vertex AI may go on with it", (code) => {
    expect(failureMayBeBilled(networkFailure(code))).toBe(true);
  });
});

describe("pricing", () => {
  it("prices the default models per 1M tokens", () => {
    // 1M input at $0.30 + 1M output at $2.50
    expect(estimateCostUsd("gemini-2.5-flash", 1_000_000, 1_000_000)).toBeCloseTo(2.8, 10);
    // 2,000 in × $1.25/M + 500 out × $10/M = 0.0025 + 0.005
    expect(estimateCostUsd("gemini-2.5-pro", 2_000, 500)).toBeCloseTo(0.0075, 10);
  });

  it("finds versioned names by their longest priced prefix", () => {
    expect(estimateCostUsd("gemini-2.5-flash-001", 1_000_000, 0)).toBeCloseTo(DEFAULT_PRICES["gemini-2.5-flash"].input_per_million, 10);
    expect(estimateCostUsd("gemini-2.5-flash-lite-001", 1_000_000, 0)).toBeCloseTo(
      DEFAULT_PRICES["gemini-2.5-flash-lite"].input_per_million,
      10,
    );
  });

  it("costs nothing for unpriced models such as the fake", () => {
    expect(estimateCostUsd("fake-fast", 10_000, 10_000)).toBe(0);
    expect(estimateCostUsd("gemini-2.5", 10_000, 10_000)).toBe(0);
  });

  it("tells a priced model, by name or versioned name, from an unpriced one", () => {
    expect(hasPrice("gemini-2.5-flash-lite-001", DEFAULT_PRICES)).toBe(true);
    expect(hasPrice("gemini-2.5", DEFAULT_PRICES)).toBe(false);
    expect(hasPrice("my-model", resolvePriceTable('{"my-model": {"input_per_million": 0, "output_per_million": 0}}'))).toBe(true);
  });

  it("applies overrides from a JSON string on top of the defaults", () => {
    const prices = resolvePriceTable(
      '{"gemini-2.5-flash": {"input_per_million": 1, "output_per_million": 2}, "my-model": {"input_per_million": 5, "output_per_million": 5}}',
    );
    expect(estimateCostUsd("gemini-2.5-flash", 1_000_000, 1_000_000, prices)).toBeCloseTo(3, 10);
    expect(estimateCostUsd("my-model", 1_000_000, 0, prices)).toBeCloseTo(5, 10);
    expect(prices["gemini-2.5-pro"]).toEqual(DEFAULT_PRICES["gemini-2.5-pro"]);
  });

  it("uses the defaults for an absent or blank override", () => {
    expect(resolvePriceTable()).toBe(DEFAULT_PRICES);
    expect(resolvePriceTable("  ")).toBe(DEFAULT_PRICES);
  });

  it("rejects malformed overrides loudly", () => {
    expect(() => resolvePriceTable("{not json")).toThrow(/LLM_PRICES_JSON is not valid JSON/);
    expect(() => resolvePriceTable('{"gemini-2.5-flash": {"input_per_million": -1, "output_per_million": 2}}')).toThrow(
      /LLM_PRICES_JSON is not a price table/,
    );
    expect(() => resolvePriceTable('{"gemini-2.5-flash": {"input": 1}}')).toThrow(/not a price table/);
    // A job that needs the table fails at once, naming the param, instead of retrying until deadletter.
    let thrown: unknown;
    try {
      resolvePriceTable("{gemini-2.5-flash: 1}");
    } catch (err) {
      thrown = err;
    }
    expect(toJobFailure(thrown)).toMatchObject({ code: "CONFIG_INVALID", kind: "permanent" });
  });
});
