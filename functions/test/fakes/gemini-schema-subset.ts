/**
 * The JSON-schema subset Vertex AI documents for Gemini structured output ("Structured output" →
 * "Supported schema fields": anyOf, enum, format, items, maximum, maxItems, minimum, minItems,
 * nullable, properties, propertyOrdering, required; plus type, title and description), with the
 * complexity limits the same page warns about (large enums, large unions, objects without
 * properties). Written from the documentation, independently of src/llm/json-schema.ts, which it checks.
 */
const DOCUMENTED_KEYWORDS = new Set([
  "type",
  "title",
  "description",
  "anyOf",
  "enum",
  "format",
  "items",
  "maximum",
  "maxItems",
  "minimum",
  "minItems",
  "nullable",
  "properties",
  "propertyOrdering",
  "required",
]);
const TYPES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);
/** Our own ceilings for "too complex": a union of more branches or an enum of more values is a schema smell. */
const MAX_ANY_OF = 5;
const MAX_ENUM = 50;

type Node = Record<string, unknown>;

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every departure from the subset, as "path: problem"; empty when the schema stays inside it. */
export function schemaViolations(schema: unknown, path = "$"): string[] {
  if (!isNode(schema)) return [`${path}: not a schema object`];
  const problems: string[] = [];
  for (const keyword of Object.keys(schema)) {
    if (!DOCUMENTED_KEYWORDS.has(keyword)) problems.push(`${path}: "${keyword}" is not a supported schema field`);
  }
  const { type, anyOf, properties, items, required, propertyOrdering } = schema;
  if (type === undefined && anyOf === undefined) problems.push(`${path}: neither "type" nor "anyOf"`);
  if (type !== undefined && !(typeof type === "string" && TYPES.has(type))) problems.push(`${path}: unknown type ${JSON.stringify(type)}`);
  if (Array.isArray(schema.enum)) {
    if (type !== "string" || !schema.enum.every((value) => typeof value === "string")) problems.push(`${path}: enum must list strings`);
    if (schema.enum.length > MAX_ENUM) problems.push(`${path}: enum of ${schema.enum.length} values`);
  }
  if (anyOf !== undefined) {
    if (!Array.isArray(anyOf) || anyOf.length === 0) problems.push(`${path}: anyOf must be a non-empty list`);
    else {
      if (anyOf.length > MAX_ANY_OF) problems.push(`${path}: anyOf of ${anyOf.length} branches`);
      anyOf.forEach((branch, i) => problems.push(...schemaViolations(branch, `${path}.anyOf[${i}]`)));
    }
  }
  if (type === "object") {
    if (!isNode(properties) || Object.keys(properties).length === 0) problems.push(`${path}: an object needs at least one property`);
    else {
      for (const [name, child] of Object.entries(properties)) problems.push(...schemaViolations(child, `${path}.${name}`));
      const names = Object.keys(properties);
      if (required !== undefined && !(Array.isArray(required) && required.every((name) => names.includes(String(name))))) {
        problems.push(`${path}: "required" names unknown properties`);
      }
      if (
        propertyOrdering !== undefined &&
        !(Array.isArray(propertyOrdering) && propertyOrdering.every((name) => names.includes(String(name))))
      ) {
        problems.push(`${path}: "propertyOrdering" names unknown properties`);
      }
    }
  } else if (properties !== undefined || required !== undefined) {
    problems.push(`${path}: "properties"/"required" on a non-object`);
  }
  if (type === "array") {
    if (items === undefined) problems.push(`${path}: an array needs "items"`);
    else problems.push(...schemaViolations(items, `${path}[]`));
  } else if (items !== undefined) {
    problems.push(`${path}: "items" on a non-array`);
  }
  return problems;
}

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "array":
      return Array.isArray(value);
    case "object":
      return isNode(value);
    case "integer":
      return Number.isInteger(value);
    default:
      return typeof value === type;
  }
}

/**
 * Every way `value` breaks `schema` (a schema of the subset above; `responseSchema`'s upper-case
 * types too), as "path: problem"; empty when it follows it. What constrained decoding guarantees:
 * types, nullable, enums, anyOf, required and no other properties, item counts, number bounds.
 */
export function valueViolations(schema: unknown, value: unknown, path = "$"): string[] {
  if (!isNode(schema)) return [];
  if (value === null && schema.nullable === true) return [];
  const { anyOf, properties, required, items, minItems, maxItems, minimum, maximum } = schema;
  if (Array.isArray(anyOf)) {
    const fits = anyOf.some((branch) => valueViolations(branch, value, path).length === 0);
    return fits ? [] : [`${path}: ${JSON.stringify(value)} matches none of the ${anyOf.length} anyOf branches`];
  }
  const type = typeof schema.type === "string" ? schema.type.toLowerCase() : undefined;
  if (type !== undefined && !typeMatches(type, value)) return [`${path}: ${JSON.stringify(value)} is not of type ${type}`];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    return [`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  }
  const problems: string[] = [];
  if (typeof value === "number") {
    if (typeof minimum === "number" && value < minimum) problems.push(`${path}: ${value} is below the minimum ${minimum}`);
    if (typeof maximum === "number" && value > maximum) problems.push(`${path}: ${value} is above the maximum ${maximum}`);
  }
  if (isNode(value) && isNode(properties)) {
    for (const name of Array.isArray(required) ? required : []) {
      if (!Object.hasOwn(value, String(name))) problems.push(`${path}: required property "${String(name)}" is missing`);
    }
    for (const [name, child] of Object.entries(value)) {
      if (Object.hasOwn(properties, name)) problems.push(...valueViolations(properties[name], child, `${path}.${name}`));
      else problems.push(`${path}: property "${name}" is not in the schema`);
    }
  }
  if (Array.isArray(value)) {
    if (typeof minItems === "number" && value.length < minItems)
      problems.push(`${path}: ${value.length} items, fewer than minItems ${minItems}`);
    if (typeof maxItems === "number" && value.length > maxItems)
      problems.push(`${path}: ${value.length} items, more than maxItems ${maxItems}`);
    value.forEach((item, i) => problems.push(...valueViolations(items, item, `${path}[${i}]`)));
  }
  return problems;
}
