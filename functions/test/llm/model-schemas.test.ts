/**
 * The response schemas sent to Gemini: every call kind's schema stays inside the documented
 * structured-output subset (test/fakes/gemini-schema-subset.ts, written from the Vertex AI docs),
 * and the model's answers in that shape decode back to what the zod schemas accept.
 */
import { z } from "zod";
import { type ChangePlan, changePlanSchema } from "../../src/apply/plan";
import { exercisePathSchema } from "../../src/catalog/schemas";
import { CONTENT_FIELDS, CONTENT_LIST_BOUNDS } from "../../src/catalog/taxonomy";
import { generateRecorded } from "../../src/enrichment/llm-call";
import { ENRICH_CALL, LLM_CALL_KINDS, REPAIR_CALL } from "../../src/enrichment/llm-calls";
import { enrichablePaths } from "../../src/enrichment/normalize";
import { enrichmentResponseSchema } from "../../src/enrichment/prompt";
import { FakeLlmClient } from "../../src/llm/fake";
import { toModelSchema } from "../../src/llm/json-schema";
import { schemaViolations } from "../fakes/gemini-schema-subset";

type Node = Record<string, unknown>;
const modelSchemaOf = (kind: (typeof LLM_CALL_KINDS)[number]) => toModelSchema(kind.modelSchema ?? kind.schema);

describe("every schema the engine sends to the model", () => {
  it.each(LLM_CALL_KINDS.map((kind) => [kind.task, kind]))("%s stays inside Gemini's structured-output subset", (_task, kind) => {
    expect(schemaViolations(modelSchemaOf(kind).jsonSchema)).toEqual([]);
  });

  it("lists every kind the engine calls, and calls of an unlisted kind are refused", async () => {
    expect(LLM_CALL_KINDS.map((kind) => kind.task).sort()).toEqual(["enrich_exercise", "repair_plan"]);
    const unlisted = { task: "poem", schema: z.string(), output: ENRICH_CALL.output };
    await expect(generateRecorded(new FakeLlmClient(), unlisted, { prompt: "?" }, { llmCall: () => undefined })).rejects.toThrow(
      /not listed in LLM_CALL_KINDS/,
    );
  });

  it("the walker catches what zod emits by itself: free-form maps, a large oneOf, unsupported keywords", () => {
    const raw = z.toJSONSchema(changePlanSchema, { io: "input" });
    const problems = schemaViolations(raw).join("\n");
    expect(problems).toMatch(/"additionalProperties" is not a supported schema field/);
    expect(problems).toMatch(/"oneOf" is not a supported schema field/);
    expect(problems).toMatch(/"\$schema" is not a supported schema field/);
  });
});

describe("the repair plan as the model is asked for it", () => {
  const json = toModelSchema(changePlanSchema).jsonSchema as { properties: { operations: { items: Node } } };
  const operation = json.properties.operations.items as { type: string; properties: Record<string, Node>; required: string[] };

  it("is one object per operation, told apart by op, instead of a union of ten", () => {
    expect(operation.type).toBe("object");
    expect(operation.properties.op).toEqual({
      type: "string",
      enum: changePlanSchema.shape.operations.element.in.options.map((o) => o.shape.op.value),
    });
    expect(operation.required).toEqual(["op", "rationale"]);
    expect(operation.properties.status).toMatchObject({ type: "string", enum: ["deprecated", "merged", "active"] });
    expect(operation.properties.status.description).toMatch(/Only with op deprecate_exercise, update_family_registry/);
  });

  it("decodes an answer in that shape into a plan the schema accepts: variant fields only, maps from entries, any values from JSON text", () => {
    const answer = {
      job_id: "j",
      job_type: "TARGETED_FIX",
      operations: [
        {
          op: "patch_fields",
          exercise_id: "e1",
          set: [
            { key: "description", value: "A press performed lying on a flat bench with a barbell." },
            { key: "muscles.primary", value: ["pectoralis major"] },
            { key: "muscles", value: { json: '{"contribution":{"triceps":0.3}}' } },
          ],
          rationale: "fix the description",
          status: "active", // another variant's field: dropped, as the strict variant would refuse it
        },
        { op: "upsert_alias", alias_slug: "bench", family_slug: "bench_press", rationale: "keep the old slug", risk: "low" },
      ],
    };
    const decoded = toModelSchema(changePlanSchema).decode(answer);
    const plan: ChangePlan = changePlanSchema.parse(decoded);
    expect(plan.operations[0]).toEqual({
      op: "patch_fields",
      exercise_id: "e1",
      set: {
        description: "A press performed lying on a flat bench with a barbell.",
        "muscles.primary": ["pectoralis major"],
        muscles: { contribution: { triceps: 0.3 } },
      },
      unset: [],
      rationale: "fix the description",
      risk: "low",
    });
    expect(plan.operations[1]).toMatchObject({ op: "upsert_alias", alias_slug: "bench", family_slug: "bench_press" });
  });
});

describe("the enrichment as the model is asked for it", () => {
  const model = toModelSchema(ENRICH_CALL.modelSchema!);
  const changes = (model.jsonSchema as { properties: { changes: { properties: Record<string, Node> } } }).properties.changes;

  it("names every enrichable field as a typed property of changes", () => {
    expect(Object.keys(changes.properties)).toEqual(enrichablePaths());
    expect(changes.properties.category).toMatchObject({ type: "string", enum: expect.arrayContaining(["compound", "isolation"]) });
    expect(changes.properties["metadata.unilateral"]).toEqual({ type: "boolean" });
    expect(changes.properties.execution_notes).toMatchObject({ type: "array", items: { type: "string" } });
    expect(changes.properties["muscles.contribution"]).toMatchObject({ type: "array", items: { required: ["key", "value"] } });
  });

  it("holds each content list to the normaliser's bounds, which drops a list outside them whole", () => {
    for (const field of CONTENT_FIELDS) {
      const { min, max } = CONTENT_LIST_BOUNDS[field];
      expect([field, changes.properties[field]]).toEqual([
        field,
        { type: "array", items: { type: "string" }, minItems: min, maxItems: max },
      ]);
    }
  });

  it("leaves the document schema as it was: a stored list below the bounds stays writable", () => {
    const threeNotes = ["Brace your trunk.", "Lower the bar to your chest.", "Press it back up."];
    expect(exercisePathSchema("execution_notes")!.safeParse(threeNotes).success).toBe(true);
    expect(threeNotes.length).toBeLessThan(CONTENT_LIST_BOUNDS.execution_notes.min);
  });

  it("decodes an answer into the changes map the enrichment normalises", () => {
    const answer = {
      changes: {
        description: "Bench press is a compound exercise performed with a barbell.",
        "muscles.contribution": [
          { key: "pectoralis major", value: 0.6 },
          { key: "triceps", value: 0.4 },
        ],
      },
      reasoning: "The description was short.",
      confidence: "high",
    };
    expect(enrichmentResponseSchema.parse(model.decode(answer)).changes).toEqual({
      description: "Bench press is a compound exercise performed with a barbell.",
      "muscles.contribution": { "pectoralis major": 0.6, triceps: 0.4 },
    });
  });

  it("the repair call kind asks for the plan schema itself", () => {
    expect(REPAIR_CALL.modelSchema).toBeUndefined();
  });
});

describe("toModelSchema", () => {
  it("turns literals into enums, drops constraints outside the subset, and leaves defaults optional", () => {
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
      share: z.number().min(0).max(1),
      count: z.number().int(),
      risk: z.enum(["low", "high"]).default("low"),
      note: z.string().max(200).nullable(),
    });
    expect(toModelSchema(schema).jsonSchema).toEqual({
      type: "object",
      properties: {
        kind: { type: "string", enum: ["patch_fields"], description: "operation kind" },
        paths: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 20 },
        share: { type: "number", minimum: 0, maximum: 1 },
        count: { type: "integer" },
        risk: { type: "string", enum: ["low", "high"] },
        note: { anyOf: [{ type: "string" }, { type: "null" }] },
      },
      required: ["kind", "paths", "share", "count", "note"],
      propertyOrdering: ["kind", "paths", "share", "count", "risk", "note"],
    });
  });

  it("leaves an answer that does not have the encoded shape for the zod check to report", () => {
    const model = toModelSchema(z.object({ tags: z.record(z.string(), z.number()) }));
    expect(model.decode({ tags: { a: 1 } })).toEqual({ tags: { a: 1 } });
    expect(model.decode("not an object")).toBe("not an object");
  });

  // Parsed from JSON text, as an answer is: an object literal's `__proto__` would set the prototype, not a key.
  it.each(["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__"])(
    "passes an answer's key %s, which the schema lacks and Object.prototype has, on as it is for the checks after it",
    (key) => {
      const text = `{"changes": {"${key}": "x"}, "reasoning": "r", "confidence": "high", "${key}": 1}`;
      expect(JSON.stringify(toModelSchema(ENRICH_CALL.modelSchema!).decode(JSON.parse(text)))).toBe(JSON.stringify(JSON.parse(text)));

      // In a union told apart by `op`, a key its variant lacks is dropped, as another variant's field is.
      const plan = JSON.parse(
        `{"job_id": "j", "job_type": "T", "operations": [{"op": "no_change", "rationale": "r", "${key}": 2}]}`,
      ) as unknown;
      const [operation] = (toModelSchema(REPAIR_CALL.schema).decode(plan) as { operations: Node[] }).operations;
      expect(Object.keys(operation)).toEqual(["op", "rationale"]);
    },
  );

  it("refuses recursive schemas, which the subset cannot express", () => {
    const tree: z.ZodType = z.lazy(() => z.object({ children: z.array(tree) }));
    expect(() => toModelSchema(tree)).toThrow(/\$ref/);
  });
});
