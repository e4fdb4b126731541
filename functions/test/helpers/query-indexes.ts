/**
 * Which indexes a query needs in production, and whether `firestore.indexes.json` declares them. The
 * emulator serves every query without indexes, so a query whose index is missing passes every test
 * here and fails in production with FAILED_PRECONDITION; the test clients record the queries they
 * send (`recordQueries`) and each test file checks them when it ends. The console's unit tests import
 * this file too, for the web SDK's queries: it imports nothing but Node's own modules.
 *
 * Firestore's rules, as its index documentation states them: equality filters alone (`==`, `in`,
 * `array-contains`) are served by merging single-field indexes, and so is an order or range on one
 * field with no other filter; anything else needs a composite index whose fields are the equality
 * fields (in any order) followed by the query's order: its `orderBy` fields, then the fields of its
 * range filters not ordered on, in field-path order and in the direction of the last `orderBy`
 * (ascending without one; `__name__` is implicit). The single-field indexes are the automatic ones
 * (ascending, descending and array-contains, for queries on one collection only: none for collection
 * groups) unless `fieldOverrides` sets a field's own, which its subfields inherit.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

type Direction = "ASCENDING" | "DESCENDING";
type QueryScope = "COLLECTION" | "COLLECTION_GROUP";

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
  queryScope?: QueryScope;
  fields: Array<{ fieldPath: string; order?: Direction; arrayConfig?: "CONTAINS" }>;
}

/** A field's own single-field indexes, as `firestore.indexes.json`'s `fieldOverrides` sets them (`[]`: none at all). */
interface FieldOverride {
  collectionGroup: string;
  fieldPath: string;
  indexes: Array<{ order?: Direction; arrayConfig?: "CONTAINS"; queryScope?: QueryScope }>;
}

export interface RequiredIndex {
  collectionGroup: string;
  queryScope: QueryScope;
  /** Fields filtered by equality (any order in the index); `array-contains` ones as CONTAINS. */
  equality: Array<{ fieldPath: string; contains: boolean }>;
  /** The fields the query is ordered on, in order. */
  order: Array<{ fieldPath: string; direction: Direction }>;
}

const EQUALITY_OPS = new Set(["EQUAL", "IN"]);
const CONTAINS_OPS = new Set(["ARRAY_CONTAINS", "ARRAY_CONTAINS_ANY"]);
const EQUALITY_UNARY_OPS = new Set(["IS_NULL", "IS_NAN"]);

/** The single-field indexes Firestore keeps for a field no override sets: for queries of one collection only. */
const AUTOMATIC_INDEXES: FieldOverride["indexes"] = [
  { order: "ASCENDING", queryScope: "COLLECTION" },
  { order: "DESCENDING", queryScope: "COLLECTION" },
  { arrayConfig: "CONTAINS", queryScope: "COLLECTION" },
];

/** The fields `query` filters and orders on, as the index that serves it (of whichever kind) must hold them. */
function indexShape(query: StructuredQueryProto): RequiredIndex {
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
  const from = query.from?.[0];
  return {
    collectionGroup: from?.collectionId ?? "",
    queryScope: from?.allDescendants ? "COLLECTION_GROUP" : "COLLECTION",
    equality: equalityFields.map(([fieldPath, contains]) => ({ fieldPath, contains })),
    order: ordered,
  };
}

/** Whether single-field indexes cannot serve `shape`: it orders (or ranges) on a field and filters or orders on another. */
function needsComposite(shape: RequiredIndex): boolean {
  return shape.order.length > 1 || (shape.order.length === 1 && shape.equality.length > 0);
}

/** The composite index `query` needs, or null when single-field indexes serve it. */
export function requiredIndex(query: StructuredQueryProto): RequiredIndex | null {
  const shape = indexShape(query);
  return needsComposite(shape) ? shape : null;
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

/** The override that sets `fieldPath`'s indexes in `collectionGroup`: its own, else the nearest map field's above it. */
function overrideOf(collectionGroup: string, fieldPath: string, overrides: readonly FieldOverride[]): FieldOverride | undefined {
  return overrides
    .filter((o) => o.collectionGroup === collectionGroup && (fieldPath === o.fieldPath || fieldPath.startsWith(`${o.fieldPath}.`)))
    .sort((a, b) => b.fieldPath.length - a.fieldPath.length)[0];
}

/**
 * The single-field indexes a query of `shape` (one that needs no composite index) uses and `overrides`
 * leaves it without, one line each: an equality filter takes either order, a range or order its own.
 */
function missingSingleFieldIndexes(shape: RequiredIndex, overrides: readonly FieldOverride[]): string[] {
  const uses = [
    ...shape.equality.map(({ fieldPath, contains }) => ({ fieldPath, use: contains ? "CONTAINS" : "==" })),
    ...shape.order.map(({ fieldPath, direction }) => ({ fieldPath, use: direction })),
  ];
  return uses.flatMap(({ fieldPath, use }) => {
    // The document name is indexed in every scope, whatever the overrides.
    if (fieldPath === "__name__") return [];
    const override = overrideOf(shape.collectionGroup, fieldPath, overrides);
    const served = (override?.indexes ?? AUTOMATIC_INDEXES).some(
      (index) =>
        (index.queryScope ?? "COLLECTION") === shape.queryScope &&
        (use === "CONTAINS" ? index.arrayConfig === "CONTAINS" : use === "==" ? index.order !== undefined : index.order === use),
    );
    if (served) return [];
    // The automatic indexes serve every use in a collection: without an override, only a collection group lacks one.
    const why = override
      ? `the field override of ${override.fieldPath} leaves it out`
      : "a collection group has none without a field override";
    return [`${describeFields(shape, [`${fieldPath} ${use}`])} (single-field index: ${why})`];
  });
}

/** firestore.indexes.json: the composite indexes and the single-field index settings this repository deploys. */
function indexesFile(): { indexes: DeclaredIndex[]; fieldOverrides: FieldOverride[] } {
  // Not __dirname: tsx, loading this file for the console's (ES module) tests, sets only __filename right.
  const path = join(dirname(__filename), "../../../firestore.indexes.json");
  return JSON.parse(readFileSync(path, "utf8")) as { indexes: DeclaredIndex[]; fieldOverrides: FieldOverride[] };
}

/** The composite indexes this repository deploys. */
export function declaredIndexes(): DeclaredIndex[] {
  return indexesFile().indexes;
}

/** The fields whose single-field indexes this repository sets itself. */
export function declaredFieldOverrides(): FieldOverride[] {
  return indexesFile().fieldOverrides;
}

/** Index fields as one line, after the collection group: `catalog_jobs: status ==, shards.total ASCENDING`. */
function describeFields({ collectionGroup, queryScope }: RequiredIndex, fields: string[]): string {
  return `${collectionGroup}${queryScope === "COLLECTION_GROUP" ? " (collection group)" : ""}: ${fields.join(", ")}`;
}

/** A query's needs as one line: `catalog_jobs: status ==, shards.total ASCENDING`. */
export function describeIndex(required: RequiredIndex): string {
  return describeFields(required, [
    ...required.equality.map(({ fieldPath, contains }) => `${fieldPath} ${contains ? "CONTAINS" : "=="}`),
    ...required.order.map(({ fieldPath, direction }) => `${fieldPath} ${direction}`),
  ]);
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

/**
 * The indexes `queries` need that firestore.indexes.json lacks, one line each: a composite index
 * `declared` does not hold, or a single-field index `overrides` turns off or a collection group lacks.
 */
export function missingIndexes(
  queries: readonly StructuredQueryProto[],
  declared = declaredIndexes(),
  overrides = declaredFieldOverrides(),
): string[] {
  const missing = new Set<string>();
  for (const query of queries) {
    const shape = indexShape(query);
    if (!needsComposite(shape)) missingSingleFieldIndexes(shape, overrides).forEach((line) => missing.add(line));
    else if (!declared.some((index) => indexServes(index, shape))) missing.add(describeIndex(shape));
  }
  return [...missing].sort();
}
