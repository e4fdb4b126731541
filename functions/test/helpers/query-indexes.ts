/**
 * Which composite index a query needs in production, and whether `firestore.indexes.json` declares
 * it. The emulator serves every query without indexes, so a query whose index is missing passes
 * every test here and fails in production with FAILED_PRECONDITION; the test clients record the
 * queries they send (`recordQueries`) and each test file checks them when it ends. The console's unit
 * tests import this file too, for the web SDK's queries: it imports nothing but Node's own modules.
 *
 * Firestore's rules, as its index documentation states them: equality filters alone (`==`, `in`,
 * `array-contains`) are served by merging the automatic single-field indexes, and so is an order or
 * range on one field with no other filter; anything else needs a composite index whose fields are
 * the equality fields (in any order) followed by the query's order: its `orderBy` fields, then the
 * fields of its range filters not ordered on, in field-path order and in the direction of the last
 * `orderBy` (ascending without one; `__name__` is implicit).
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

type Direction = "ASCENDING" | "DESCENDING";

interface FilterProto {
  fieldFilter?: { field?: { fieldPath?: string }; op?: string } | null;
  unaryFilter?: { field?: { fieldPath?: string }; op?: string } | null;
  compositeFilter?: { filters?: FilterProto[] } | null;
}

/** The parts of a `StructuredQuery` (as the client sends it) that decide its index. */
export interface StructuredQueryProto {
  from?: Array<{ collectionId?: string; allDescendants?: boolean }>;
  where?: FilterProto | null;
  orderBy?: Array<{ field?: { fieldPath?: string }; direction?: string }>;
}

/** A composite index as `firestore.indexes.json` declares one. */
interface DeclaredIndex {
  collectionGroup: string;
  queryScope?: "COLLECTION" | "COLLECTION_GROUP";
  fields: Array<{ fieldPath: string; order?: Direction; arrayConfig?: "CONTAINS" }>;
}

export interface RequiredIndex {
  collectionGroup: string;
  queryScope: "COLLECTION" | "COLLECTION_GROUP";
  /** Fields filtered by equality (any order in the index); `array-contains` ones as CONTAINS. */
  equality: Array<{ fieldPath: string; contains: boolean }>;
  /** The fields the query is ordered on, in order. */
  order: Array<{ fieldPath: string; direction: Direction }>;
}

const EQUALITY_OPS = new Set(["EQUAL", "IN"]);
const CONTAINS_OPS = new Set(["ARRAY_CONTAINS", "ARRAY_CONTAINS_ANY"]);
const EQUALITY_UNARY_OPS = new Set(["IS_NULL", "IS_NAN"]);

/** The composite index `query` needs, or null when the automatic single-field indexes serve it. */
export function requiredIndex(query: StructuredQueryProto): RequiredIndex | null {
  const equality = new Map<string, boolean>();
  const ranges = new Set<string>();
  const visit = (filter: FilterProto | null | undefined): void => {
    if (!filter) return;
    const field = filter.fieldFilter ?? filter.unaryFilter;
    const path = field?.field?.fieldPath;
    if (path && field) {
      const op = field.op ?? "";
      if (EQUALITY_OPS.has(op) || EQUALITY_UNARY_OPS.has(op)) equality.set(path, equality.get(path) ?? false);
      else if (CONTAINS_OPS.has(op)) equality.set(path, true);
      else ranges.add(path);
    }
    filter.compositeFilter?.filters?.forEach(visit);
  };
  visit(query.where);
  const order = (query.orderBy ?? []).flatMap(({ field, direction }) =>
    field?.fieldPath
      ? [{ fieldPath: field.fieldPath, direction: direction === "DESCENDING" ? ("DESCENDING" as const) : ("ASCENDING" as const) }]
      : [],
  );
  // Firestore orders a range field the query does not order on in the direction of its last order (the client
  // library's implicit order does the same): after a descending order, descending.
  const implicit = order.at(-1)?.direction ?? "ASCENDING";
  for (const path of [...ranges].sort()) {
    if (!order.some((o) => o.fieldPath === path)) order.push({ fieldPath: path, direction: implicit });
  }
  const ordered = order.filter((o) => o.fieldPath !== "__name__");
  // Ordered fields are not equality fields: an equality filter on an ordered field orders nothing.
  const equalityFields = [...equality].filter(([path]) => !ordered.some((o) => o.fieldPath === path));
  if (ordered.length === 0) return null;
  if (equalityFields.length === 0 && ordered.length === 1) return null;
  const from = query.from?.[0];
  return {
    collectionGroup: from?.collectionId ?? "",
    queryScope: from?.allDescendants ? "COLLECTION_GROUP" : "COLLECTION",
    equality: equalityFields.map(([fieldPath, contains]) => ({ fieldPath, contains })),
    order: ordered,
  };
}

/** Whether `index` serves what `required` asks for. */
export function indexServes(index: DeclaredIndex, required: RequiredIndex): boolean {
  if (index.collectionGroup !== required.collectionGroup || (index.queryScope ?? "COLLECTION") !== required.queryScope) return false;
  const fields = index.fields.filter((field) => field.fieldPath !== "__name__");
  if (fields.length !== required.equality.length + required.order.length) return false;
  const head = fields.slice(0, required.equality.length);
  const tail = fields.slice(required.equality.length);
  const equalityServed = required.equality.every(({ fieldPath, contains }) =>
    head.some((field) => field.fieldPath === fieldPath && (contains ? field.arrayConfig === "CONTAINS" : field.order !== undefined)),
  );
  const orderServed = required.order.every(
    ({ fieldPath, direction }, i) => tail[i].fieldPath === fieldPath && (tail[i].order ?? "ASCENDING") === direction,
  );
  return equalityServed && orderServed;
}

/** The composite indexes this repository deploys. */
export function declaredIndexes(): DeclaredIndex[] {
  // Not __dirname: tsx, loading this file for the console's (ES module) tests, sets only __filename right.
  const path = join(dirname(__filename), "../../../firestore.indexes.json");
  const file = JSON.parse(readFileSync(path, "utf8")) as { indexes: DeclaredIndex[] };
  return file.indexes;
}

/** A query's needs as one line: `catalog_jobs (status ==, shards.total ASCENDING)`. */
export function describeIndex(required: RequiredIndex): string {
  const fields = [
    ...required.equality.map(({ fieldPath, contains }) => `${fieldPath} ${contains ? "CONTAINS" : "=="}`),
    ...required.order.map(({ fieldPath, direction }) => `${fieldPath} ${direction}`),
  ];
  return `${required.collectionGroup}${required.queryScope === "COLLECTION_GROUP" ? " (collection group)" : ""}: ${fields.join(", ")}`;
}

interface StreamLayer {
  requestStream: (method: string, bidirectional: boolean, request: unknown, ...rest: unknown[]) => Promise<unknown>;
}

/**
 * Records in `queries` the structured query of every query and aggregation `db`, a firebase-admin
 * Firestore, sends (typed `object`: a firebase-admin import would tie the console's type check to
 * functions/node_modules).
 */
export function recordQueries(db: object, queries: StructuredQueryProto[]): void {
  const layer = db as unknown as StreamLayer;
  const requestStream = layer.requestStream;
  if (typeof requestStream !== "function")
    throw new Error("the Firestore client has no requestStream funnel any more: test/helpers/query-indexes.ts needs updating");
  layer.requestStream = (method, bidirectional, request, ...rest) => {
    const body = request as
      { structuredQuery?: StructuredQueryProto; structuredAggregationQuery?: { structuredQuery?: StructuredQueryProto } } | undefined;
    const query = body?.structuredQuery ?? body?.structuredAggregationQuery?.structuredQuery;
    if (query) queries.push(query);
    return requestStream.call(layer, method, bidirectional, request, ...rest);
  };
}

/** The indexes `queries` need that `declared` (by default `firestore.indexes.json`'s) lacks, one line each. */
export function missingIndexes(queries: readonly StructuredQueryProto[], declared = declaredIndexes()): string[] {
  const missing = new Set<string>();
  for (const query of queries) {
    const required = requiredIndex(query);
    if (required && !declared.some((index) => indexServes(index, required))) missing.add(describeIndex(required));
  }
  return [...missing].sort();
}
