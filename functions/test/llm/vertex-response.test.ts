import { parseGenerateContentResponse, readTokenCounts } from "../../src/llm/vertex";
import { LlmError } from "../../src/llm/errors";
import { enrichmentSchema, loadFixture } from "./helpers";

function parseError(fixture: string): LlmError {
  try {
    parseGenerateContentResponse(loadFixture(fixture), enrichmentSchema);
  } catch (err) {
    if (err instanceof LlmError) return err;
    throw err;
  }
  throw new Error(`${fixture} parsed without error`);
}

describe("parseGenerateContentResponse", () => {
  it("returns the schema-checked data and token counts (thinking tokens count as output)", () => {
    const { data, tokens } = parseGenerateContentResponse(loadFixture("ok"), enrichmentSchema);
    expect(data.confidence).toBe("high");
    expect(data.changes.stimulus_tags).toEqual(["Strength", "Hypertrophy", "Compound Movement", "Horizontal Push"]);
    expect(tokens).toEqual({ input_tokens: 812, output_tokens: 96 + 431 });
  });

  it("reads JSON wrapped in a ```json fence", () => {
    const { data } = parseGenerateContentResponse(loadFixture("fenced"), enrichmentSchema);
    expect(data).toEqual(parseGenerateContentResponse(loadFixture("ok"), enrichmentSchema).data);
  });

  it("joins text parts and skips thought parts", () => {
    const { data, tokens } = parseGenerateContentResponse(loadFixture("thought-and-split-parts"), enrichmentSchema);
    expect(data.reasoning).toBe("Description was too short and stimulus tags were missing.");
    expect(tokens.output_tokens).toBe(96 + 210);
  });

  it("treats a response without candidates as bad output", () => {
    expect(parseError("no-candidates")).toMatchObject({
      code: "LLM_BAD_OUTPUT",
      transient: false,
      message: expect.stringMatching(/no candidates/),
    });
  });

  it("reports a blocked prompt as a permanent rejection", () => {
    expect(parseError("prompt-blocked")).toMatchObject({
      code: "LLM_REJECTED",
      transient: false,
      message: expect.stringMatching(/PROHIBITED_CONTENT.*prohibited content/),
    });
  });

  it("reports finishReason SAFETY as a permanent rejection", () => {
    expect(parseError("finish-safety")).toMatchObject({ code: "LLM_REJECTED", transient: false, message: expect.stringMatching(/SAFETY/) });
  });

  it("reports a truncated answer (MAX_TOKENS) as bad output", () => {
    expect(parseError("finish-max-tokens")).toMatchObject({ code: "LLM_BAD_OUTPUT", message: expect.stringMatching(/MAX_TOKENS/) });
  });

  it("reports prose instead of JSON as bad output, quoting it", () => {
    expect(parseError("not-json")).toMatchObject({
      code: "LLM_BAD_OUTPUT",
      message: expect.stringMatching(/not JSON: I updated the description/),
    });
  });

  it("reports schema failures with the zod issues", () => {
    const err = parseError("schema-mismatch");
    expect(err.code).toBe("LLM_BAD_OUTPUT");
    expect(err.message).toMatch(/does not match the schema/);
    expect(err.message).toMatch(/changes: /);
    expect(err.message).toMatch(/reasoning: /);
    expect(err.message).toMatch(/confidence: /);
  });

  it("counts tokens even for answers that fail to parse, and zero when metadata is missing", () => {
    expect(readTokenCounts(loadFixture("finish-max-tokens"))).toEqual({ input_tokens: 812, output_tokens: 8192 });
    expect(readTokenCounts({ candidates: [] })).toEqual({ input_tokens: 0, output_tokens: 0 });
  });
});
