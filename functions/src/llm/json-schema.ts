/** The JSON schema sent to Gemini as `responseJsonSchema`, derived from the zod schema the output is checked against. */
import { z } from "zod";

type JsonSchemaNode = Record<string, unknown>;

/** Keywords Gemini's `responseJsonSchema` documents as supported (@google/genai GenerateContentConfig); others are dropped. */
const SUPPORTED_KEYWORDS = new Set([
  "$id",
  "$defs",
  "$ref",
  "$anchor",
  "type",
  "format",
  "title",
  "description",
  "enum",
  "items",
  "prefixItems",
  "minItems",
  "maxItems",
  "minimum",
  "maximum",
  "anyOf",
  "oneOf",
  "properties",
  "additionalProperties",
  "required",
  "propertyOrdering",
]);
/** Keywords whose value is a map of sub-schemas, a list of sub-schemas, or one sub-schema. */
const SCHEMA_MAP_KEYWORDS = new Set(["properties", "$defs"]);
const SCHEMA_LIST_KEYWORDS = new Set(["anyOf", "oneOf", "prefixItems"]);
const SUB_SCHEMA_KEYWORDS = new Set(["items", "additionalProperties"]);

function isNode(value: unknown): value is JsonSchemaNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sanitize(node: JsonSchemaNode): JsonSchemaNode {
  const out: JsonSchemaNode = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (keyword === "const") {
      out.enum = [value]; // literals: `const` is unsupported, a one-value enum says the same
    } else if (!SUPPORTED_KEYWORDS.has(keyword)) {
      continue; // constraints like minLength/pattern are still enforced by the zod parse of the output
    } else if (SCHEMA_MAP_KEYWORDS.has(keyword) && isNode(value)) {
      out[keyword] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, isNode(sub) ? sanitize(sub) : sub]));
    } else if (SCHEMA_LIST_KEYWORDS.has(keyword) && Array.isArray(value)) {
      out[keyword] = value.map((sub: unknown) => (isNode(sub) ? sanitize(sub) : sub));
    } else if (SUB_SCHEMA_KEYWORDS.has(keyword) && isNode(value)) {
      out[keyword] = sanitize(value);
    } else {
      out[keyword] = value;
    }
  }
  return out;
}

/**
 * JSON schema of what the model must produce: the schema's input side (fields with defaults may be
 * omitted), unrepresentable parts (transforms, custom checks) left open, unsupported keywords removed.
 */
export function toModelJsonSchema(schema: z.ZodType): JsonSchemaNode {
  return sanitize(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }));
}
