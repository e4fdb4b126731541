import { z } from "zod";
import { toModelJsonSchema } from "../../src/llm/json-schema";
import { DEFAULT_SYSTEM_INSTRUCTION, buildGenerateContentRequest } from "../../src/llm/vertex";
import { enrichmentSchema } from "./helpers";

describe("buildGenerateContentRequest", () => {
  const req = {
    task: "enrich_exercise",
    prompt: "Revise this exercise: {...}",
    schema: enrichmentSchema,
    context: { exercise: { name: "Secret" } },
  };

  it("asks the model for JSON matching the request's schema, with a low temperature", () => {
    const request = buildGenerateContentRequest(req, "gemini-2.5-flash", DEFAULT_SYSTEM_INSTRUCTION);
    expect(request.model).toBe("gemini-2.5-flash");
    expect(request.contents).toEqual([{ role: "user", parts: [{ text: "Revise this exercise: {...}" }] }]);
    expect(request.config).toMatchObject({
      responseMimeType: "application/json",
      responseJsonSchema: toModelJsonSchema(enrichmentSchema),
      systemInstruction: DEFAULT_SYSTEM_INSTRUCTION,
      labels: { catalog_task: "enrich_exercise" },
    });
    expect(request.config?.temperature).toBeLessThanOrEqual(0.3);
    // `responseSchema` (OpenAPI subset) and `responseJsonSchema` are mutually exclusive.
    expect(request.config).not.toHaveProperty("responseSchema");
  });

  it("sends the prompt only: context is for the fake", () => {
    expect(JSON.stringify(buildGenerateContentRequest(req, "m"))).not.toContain("Secret");
  });

  it("omits the system instruction when none is given and keeps labels within Vertex rules", () => {
    const request = buildGenerateContentRequest({ ...req, task: "Repair Plan/v2" }, "gemini-2.5-pro");
    expect(request.config).not.toHaveProperty("systemInstruction");
    expect(request.config?.labels).toEqual({ catalog_task: "repair_plan_v2" });
  });
});

describe("toModelJsonSchema", () => {
  it("describes the enrichment output", () => {
    expect(toModelJsonSchema(enrichmentSchema)).toEqual({
      type: "object",
      properties: {
        changes: { type: "object", additionalProperties: {} },
        reasoning: { type: "string" },
        confidence: { type: "string", enum: ["high", "medium", "low"] },
      },
      required: ["changes", "reasoning", "confidence"],
    });
  });

  it("keeps supported keywords, drops the rest, and turns literals into enums", () => {
    const schema = z.object({
      kind: z.literal("patch_fields").describe("operation kind"),
      paths: z
        .array(
          z
            .string()
            .regex(/^[a-z_.]+$/)
            .min(1),
        )
        .min(1)
        .max(20),
      risk: z.number().min(0).max(1),
      note: z.string().max(200).optional(),
      value: z.union([z.string(), z.null()]),
    });
    const json = toModelJsonSchema(schema);
    expect(json).not.toHaveProperty("$schema");
    expect(json).toMatchObject({
      properties: {
        kind: { type: "string", enum: ["patch_fields"], description: "operation kind" },
        paths: { type: "array", minItems: 1, maxItems: 20, items: { type: "string" } },
        risk: { type: "number", minimum: 0, maximum: 1 },
        note: { type: "string" },
      },
      required: ["kind", "paths", "risk", "value"],
    });
    const serialised = JSON.stringify(json);
    for (const unsupported of ["pattern", "minLength", "maxLength", "const", "propertyNames", "$schema"]) {
      expect(serialised).not.toContain(`"${unsupported}"`);
    }
  });

  it("describes the input side: fields with defaults may be left out by the model", () => {
    const json = toModelJsonSchema(z.object({ confidence: z.enum(["high", "low"]).default("low"), reasoning: z.string() }));
    expect(json.required).toEqual(["reasoning"]);
  });

  it("recurses through nested objects, arrays and unions", () => {
    const op = z.object({ op: z.literal("no_change"), rationale: z.string().min(3) });
    const json = toModelJsonSchema(
      z.object({ plan: z.object({ operations: z.array(z.union([op, z.object({ op: z.literal("delete_alias") })])) }) }),
    );
    const serialised = JSON.stringify(json);
    expect(serialised).toContain('"enum":["no_change"]');
    expect(serialised).toContain('"enum":["delete_alias"]');
    expect(serialised).not.toContain("minLength");
  });
});
