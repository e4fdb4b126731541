/**
 * The JSON schema sent to Gemini as `responseJsonSchema`, derived from a zod schema and kept inside
 * the subset Vertex AI documents for structured output: `type`, `properties`, `required`,
 * `propertyOrdering`, `items`, `minItems`, `maxItems`, `enum`, `anyOf`, `minimum`, `maximum`,
 * `description`. Objects need at least one property, and large unions and free-form maps make a
 * schema too complex to serve, so three shapes are re-encoded, with a `decode` that turns the
 * model's answer back into what the zod schema checks:
 * - a discriminated union of objects becomes one object whose discriminator lists every value;
 *   decoding keeps the fields of the chosen variant only;
 * - a map (`z.record`) becomes a list of `{key, value}` entries;
 * - a value of any type (`z.unknown`) is a string, number, boolean, list of strings, or `{json}`
 *   holding any other value as JSON text.
 * Constraints outside the subset (patterns, lengths, strictness) are left to the zod check.
 */
import { z } from "zod";
import { isNonEmptyString } from "../util/object-paths";

type Node = Record<string, unknown>;
type Decode = (value: unknown) => unknown;

export interface ModelSchema {
  /** What the model is asked for (`responseJsonSchema`). */
  jsonSchema: Node;
  /** The model's answer in the shape the zod schema checks. */
  decode: Decode;
}

interface Compiled {
  schema: Node;
  decode: Decode;
  /** Set for objects with properties: what a union of objects is merged from. */
  object?: { properties: Record<string, Compiled>; required: string[] };
}

const identity: Decode = (value) => value;
/** Keywords kept on scalars; zod's `int()` bounds (±2^53) say nothing and are dropped. */
const NUMBER_BOUNDS = ["minimum", "maximum"] as const;

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(node: Node, schema: Node, extra?: string): Node {
  const description = [node.description, extra].filter(isNonEmptyString).join(" ");
  return description ? { ...schema, description } : schema;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function compileScalar(node: Node, type: string): Compiled {
  const schema: Node = { type };
  if (type === "number" || type === "integer") {
    for (const bound of NUMBER_BOUNDS) {
      const limit = node[bound];
      if (typeof limit === "number" && Math.abs(limit) < Number.MAX_SAFE_INTEGER) schema[bound] = limit;
    }
  }
  return { schema: describe(node, schema), decode: identity };
}

/** Any JSON value: the common shapes directly, anything else as JSON text in `{json}`. */
function compileAnyValue(node: Node): Compiled {
  const branches: Node[] = [
    { type: "string" },
    { type: "number" },
    { type: "boolean" },
    { type: "array", items: { type: "string" } },
    {
      type: "object",
      properties: { json: { type: "string", description: "any other value, as JSON text" } },
      required: ["json"],
    },
  ];
  const decode: Decode = (value) => {
    if (!isNode(value) || typeof value.json !== "string" || Object.keys(value).length !== 1) return value;
    try {
      return JSON.parse(value.json) as unknown;
    } catch {
      return value; // left for the zod check to report
    }
  };
  return { schema: describe(node, { anyOf: branches }), decode };
}

function compileMap(node: Node, valueNode: Node): Compiled {
  const value = compile(valueNode);
  const schema = describe(
    node,
    {
      type: "array",
      items: {
        type: "object",
        properties: { key: { type: "string" }, value: value.schema },
        required: ["key", "value"],
        propertyOrdering: ["key", "value"],
      },
    },
    "One {key, value} entry per key.",
  );
  const isEntry = (entry: unknown): entry is { key: string; value: unknown } => isNode(entry) && typeof entry.key === "string";
  const decode: Decode = (entries) =>
    Array.isArray(entries) && entries.every(isEntry)
      ? Object.fromEntries(entries.map((entry) => [entry.key, value.decode(entry.value)]))
      : entries;
  return { schema, decode };
}

function compileObject(node: Node): Compiled {
  const properties = isNode(node.properties) ? node.properties : {};
  const names = Object.keys(properties);
  if (names.length === 0) {
    // No known keys: a map when its values have a schema, otherwise any value.
    return isNode(node.additionalProperties) ? compileMap(node, node.additionalProperties) : compileAnyValue(node);
  }
  const compiled = Object.fromEntries(names.map((name) => [name, compile(properties[name] as Node)]));
  const required = Array.isArray(node.required) ? node.required.filter((name): name is string => names.includes(String(name))) : [];
  const schema: Node = {
    type: "object",
    properties: Object.fromEntries(names.map((name) => [name, compiled[name].schema])),
    ...(required.length > 0 ? { required } : {}),
    propertyOrdering: names,
  };
  // Own keys only: an answer's "constructor" or "toString" is not a property of the schema (Object.prototype's are).
  const decode: Decode = (value) =>
    isNode(value)
      ? Object.fromEntries(
          Object.entries(value).map(([key, child]) => [key, Object.hasOwn(compiled, key) ? compiled[key].decode(child) : child]),
        )
      : value;
  return { schema: describe(node, schema), decode, object: { properties: compiled, required } };
}

function compileArray(node: Node): Compiled {
  const items = isNode(node.items) ? compile(node.items) : compileAnyValue({});
  const schema: Node = { type: "array", items: items.schema };
  if (typeof node.minItems === "number") schema.minItems = node.minItems;
  if (typeof node.maxItems === "number") schema.maxItems = node.maxItems;
  return { schema: describe(node, schema), decode: (value) => (Array.isArray(value) ? value.map(items.decode) : value) };
}

/** The property that tells the objects of a union apart: a one-value enum in each, all values distinct. */
function discriminatorOf(branches: Compiled[]): { key: string; values: unknown[] } | null {
  const objects = branches.map((branch) => branch.object);
  if (objects.length < 2 || objects.some((object) => !object)) return null;
  for (const key of Object.keys(objects[0]!.properties)) {
    const values = objects.map((object) => {
      const values: unknown = object!.properties[key]?.schema.enum;
      return Array.isArray(values) && values.length === 1 ? (values[0] as unknown) : undefined;
    });
    if (values.every((value) => value !== undefined) && new Set(values).size === values.length) return { key, values };
  }
  return null;
}

/** One schema for a property that several variants share: equal, or the union of string enums, or anyOf. */
function mergePropertySchemas(schemas: Node[]): Node {
  const distinct = [...new Map(schemas.map((schema) => [JSON.stringify(schema), schema])).values()];
  if (distinct.length === 1) return distinct[0];
  if (distinct.every((schema) => schema.type === "string" && Array.isArray(schema.enum))) {
    return { type: "string", enum: [...new Set(distinct.flatMap((schema) => schema.enum as unknown[]))] };
  }
  return { anyOf: distinct };
}

/** A discriminated union of objects as one object: far fewer states than an anyOf of variants. */
function mergeVariants(node: Node, branches: Compiled[], discriminator: { key: string; values: unknown[] }): Compiled {
  const variants = branches.map((branch, i) => ({ ...branch.object!, decode: branch.decode, value: discriminator.values[i] }));
  const names = [...new Set(variants.flatMap((variant) => Object.keys(variant.properties)))];
  const properties: Record<string, Node> = {};
  for (const name of names) {
    const users = variants.filter((variant) => variant.properties[name]);
    const merged =
      name === discriminator.key
        ? { type: "string", enum: discriminator.values }
        : mergePropertySchemas(users.map((variant) => variant.properties[name].schema));
    const only =
      users.length < variants.length ? `Only with ${discriminator.key} ${users.map((variant) => variant.value).join(", ")}.` : "";
    properties[name] = only ? describe(merged, merged, only) : merged;
  }
  const required = names.filter((name) => variants.every((variant) => variant.required.includes(name)));
  const schema: Node = { type: "object", properties, ...(required.length > 0 ? { required } : {}), propertyOrdering: names };
  const decode: Decode = (value) => {
    const variant = isNode(value) ? variants.find((candidate) => candidate.value === value[discriminator.key]) : undefined;
    if (!variant || !isNode(value)) return value;
    // The model may fill fields of other variants; the chosen variant's fields are the answer.
    return variant.decode(Object.fromEntries(Object.entries(value).filter(([key]) => Object.hasOwn(variant.properties, key))));
  };
  return { schema: describe(node, schema), decode };
}

function compileUnion(node: Node, members: unknown[]): Compiled {
  const branches = members.filter(isNode).map(compile);
  const discriminator = discriminatorOf(branches);
  if (discriminator) return mergeVariants(node, branches, discriminator);
  const decode: Decode = (value) => {
    const branch = branches.find((candidate) => {
      const type = candidate.schema.type;
      return type === jsonTypeOf(value) || (type === "number" && typeof value === "number") || type === undefined;
    });
    return branch ? branch.decode(value) : value;
  };
  return { schema: describe(node, { anyOf: branches.map((branch) => branch.schema) }), decode };
}

function compile(node: Node): Compiled {
  for (const keyword of ["$ref", "allOf", "not", "prefixItems", "if"]) {
    if (keyword in node) throw new Error(`cannot ask a model for a schema with "${keyword}"`);
  }
  if ("const" in node) return { schema: describe(node, { type: jsonTypeOf(node.const), enum: [node.const] }), decode: identity };
  if (Array.isArray(node.enum)) return { schema: describe(node, { type: node.type ?? "string", enum: node.enum }), decode: identity };
  const union = node.anyOf ?? node.oneOf;
  if (Array.isArray(union)) return compileUnion(node, union);
  switch (node.type) {
    case "object":
      return compileObject(node);
    case "array":
      return compileArray(node);
    case "string":
    case "number":
    case "integer":
    case "boolean":
    case "null":
      return compileScalar(node, node.type);
    case undefined:
      return compileAnyValue(node);
    default:
      throw new Error(`cannot ask a model for a schema of type ${JSON.stringify(node.type)}`);
  }
}

const compiledSchemas = new WeakMap<z.ZodType, ModelSchema>();

/**
 * What to ask the model for, given the zod schema its answer must pass: the schema's input side
 * (fields with defaults may be omitted), parts zod cannot express as JSON schema left open. Cached.
 */
export function toModelSchema(schema: z.ZodType): ModelSchema {
  let model = compiledSchemas.get(schema);
  if (!model) {
    const compiled = compile(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }));
    model = { jsonSchema: compiled.schema, decode: compiled.decode };
    compiledSchemas.set(schema, model);
  }
  return model;
}
