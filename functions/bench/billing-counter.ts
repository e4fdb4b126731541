/**
 * Billed Firestore operations, counted at the client's RPC layer rather than estimated from code.
 *
 * Every call the Firestore client makes goes through two methods of its instance: `request` (unary:
 * Commit, BatchWrite, BeginTransaction, Rollback, ...) and `requestStream` (BatchGetDocuments,
 * RunQuery, RunAggregationQuery, Listen). `OpCounter.attach(db)` wraps both on one client instance
 * (a named firebase-admin app is a separate instance), so a scenario counts exactly the clients it
 * means to. The billing rules applied, from the Cloud Firestore pricing page ("Understand Cloud
 * Firestore billing"):
 *
 * - writes: "each set or update operation counts as a single write"; a delete is billed as a delete
 *   (counted here as a write, and also in `deletes`). A field transform rides on its write (one write).
 * - document reads: each document returned by a get or a query. A get of a missing document counts
 *   one read (the page does not say it outright; counted like the query minimum, conservatively).
 * - "a minimum charge of one document read for each query that you perform, even if the query
 *   returns no results"; "when you send a query that includes an offset, you are charged a read for
 *   each skipped document".
 * - index entries: one read per batch of up to 1000 index entries, except for queries with at most
 *   one range field (an order-by field is a range field when another one exists; `__name__` always
 *   is). The client cannot see how many entries the server read, so such a query that returns
 *   documents is counted one extra read: a LOWER BOUND, kept apart in `indexReads`.
 * - aggregations: one read per batch of up to 1000 index entries, at least one; for count() the
 *   entries read are taken to be the count returned.
 * - listeners: a read for each document added to or updated in the result set, and for one removed
 *   because it changed; none for a deleted one. The initial query of an empty result set is counted
 *   the query minimum. Counted by comparing consecutive snapshots (see `ListenerView`), not messages.
 *
 * What the emulator cannot tell, counted conservatively: a commit the server refuses (a failed
 * precondition, ALREADY_EXISTS, an aborted transaction) still counts its writes; `failedWrites` says
 * how many of the counted writes were refused. A document that leaves a listener's result set is
 * billed even when it was deleted (the emulator does not say which). Not seen at all: retries made
 * inside the gRPC layer (one call is one RPC here), and a listener's reconnect, which production
 * bills as a new query.
 */
import type { Firestore } from "firebase-admin/firestore";

export interface OpCounts {
  /** Billed document reads, `indexReads` included. */
  reads: number;
  /** The lower-bound index-entry reads of queries with more than one range field (part of `reads`). */
  indexReads: number;
  /** Billed writes, deletes included; refused commits included (conservative). */
  writes: number;
  deletes: number;
  /** Writes sent in commits the server refused (part of `writes`). */
  failedWrites: number;
  /** Commits and batch writes the server refused: lost races, contention, failed preconditions. */
  failedCommits: number;
  /** Calls of the client's RPC layer; a listener's stream is one. */
  rpcs: number;
  /** RPCs by method name, e.g. `{ runQuery: 3, commit: 2 }`. */
  byMethod: Record<string, number>;
  /** Reads by the method that billed them, e.g. `{ runQuery: 40, listen: 5 }`. */
  readsByMethod: Record<string, number>;
}

function zeroCounts(): OpCounts {
  return { reads: 0, indexReads: 0, writes: 0, deletes: 0, failedWrites: 0, failedCommits: 0, rpcs: 0, byMethod: {}, readsByMethod: {} };
}

function addTally(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const sum = { ...a };
  for (const [key, n] of Object.entries(b)) sum[key] = (sum[key] ?? 0) + n;
  return sum;
}

function addCounts(a: OpCounts, b: OpCounts): OpCounts {
  return {
    reads: a.reads + b.reads,
    indexReads: a.indexReads + b.indexReads,
    writes: a.writes + b.writes,
    deletes: a.deletes + b.deletes,
    failedWrites: a.failedWrites + b.failedWrites,
    failedCommits: a.failedCommits + b.failedCommits,
    rpcs: a.rpcs + b.rpcs,
    byMethod: addTally(a.byMethod, b.byMethod),
    readsByMethod: addTally(a.readsByMethod, b.readsByMethod),
  };
}

/** The internal RPC funnel of `@google-cloud/firestore`'s Firestore class (not in its public types). */
interface RpcLayer {
  request: (method: string, request: unknown, ...rest: unknown[]) => Promise<unknown>;
  requestStream: (method: string, bidirectional: boolean, request: unknown, ...rest: unknown[]) => Promise<NodeJS.ReadableStream>;
}

/** The parts of the protobuf messages (as the client builds and decodes them) that carry billing. */
interface WriteProto {
  delete?: unknown;
}
interface FieldFilterProto {
  field?: { fieldPath?: string };
  op?: string;
}
interface FilterProto {
  fieldFilter?: FieldFilterProto | null;
  unaryFilter?: { field?: { fieldPath?: string }; op?: string } | null;
  compositeFilter?: { filters?: FilterProto[] } | null;
}
interface StructuredQueryProto {
  offset?: number | null;
  where?: FilterProto | null;
  orderBy?: Array<{ field?: { fieldPath?: string } }>;
}
interface ProtoTimestamp {
  seconds?: string | number | null;
  nanos?: number | null;
}
interface ListenResponse {
  documentChange?: {
    document?: { name?: string; updateTime?: ProtoTimestamp | null } | null;
    targetIds?: number[];
  } | null;
  documentDelete?: { document?: string } | null;
  documentRemove?: { document?: string } | null;
  targetChange?: { targetChangeType?: string; targetIds?: number[] } | null;
}

const RANGE_OPERATORS = new Set(["LESS_THAN", "LESS_THAN_OR_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL", "NOT_EQUAL", "NOT_IN"]);
const RANGE_UNARY_OPERATORS = new Set(["IS_NOT_NAN", "IS_NOT_NULL"]);
/** The parts of a `StructuredAggregationQuery` the counter looks at. */
interface AggregationQueryProto {
  aggregations?: Array<{ alias?: string; count?: unknown }>;
}

const INDEX_ENTRIES_PER_READ = 1000;

/** The range fields of a query, by the pricing page's rule for index-entry reads. */
export function rangeFields(query: StructuredQueryProto): Set<string> {
  const fields = new Set<string>();
  const named = new Set<string>();
  const visit = (filter: FilterProto | null | undefined): void => {
    if (!filter) return;
    if (filter.fieldFilter?.field?.fieldPath) {
      const path = filter.fieldFilter.field.fieldPath;
      named.add(path);
      if (RANGE_OPERATORS.has(filter.fieldFilter.op ?? "")) fields.add(path);
    }
    if (filter.unaryFilter?.field?.fieldPath) {
      const path = filter.unaryFilter.field.fieldPath;
      named.add(path);
      if (RANGE_UNARY_OPERATORS.has(filter.unaryFilter.op ?? "")) fields.add(path);
    }
    filter.compositeFilter?.filters?.forEach(visit);
  };
  visit(query.where);
  const ordered = (query.orderBy ?? []).flatMap((order) => (order.field?.fieldPath ? [order.field.fieldPath] : []));
  ordered.forEach((path) => named.add(path));
  if (named.has("__name__")) fields.add("__name__");
  if (fields.size > 0) ordered.forEach((path) => fields.add(path));
  return fields;
}

/** The client decodes 64-bit integers as strings. */
function asNumber(value: unknown): number {
  const n = typeof value === "number" || typeof value === "string" ? Number(value) : 0;
  return Number.isFinite(n) ? n : 0;
}

/** Counts the billed operations of the clients attached to it. */
export class OpCounter {
  private totals = zeroCounts();

  /** A copy of the counts so far. */
  get counts(): OpCounts {
    return addCounts(zeroCounts(), this.totals);
  }

  reset(): void {
    this.totals = zeroCounts();
  }

  /**
   * Starts counting the RPCs of `db` (that one client instance); returns the function that stops.
   * A client is counted by at most one counter at a time.
   */
  attach(db: Firestore): () => void {
    const layer = db as unknown as RpcLayer;
    if (typeof layer.request !== "function" || typeof layer.requestStream !== "function") {
      throw new Error("the Firestore client has no request/requestStream funnel any more: bench/billing-counter.ts needs updating");
    }
    if (Object.prototype.hasOwnProperty.call(layer, "request")) throw new Error("this Firestore client is already counted");
    const request = layer.request;
    const requestStream = layer.requestStream;
    layer.request = async (method: string, body: unknown, ...rest: unknown[]) => {
      this.rpc(method);
      try {
        const response = await request.call(layer, method, body, ...rest);
        this.unaryDone(method, body, response, false);
        return response;
      } catch (err) {
        this.unaryDone(method, body, undefined, true);
        throw err;
      }
    };
    layer.requestStream = async (method: string, bidirectional: boolean, body: unknown, ...rest: unknown[]) => {
      this.rpc(method);
      const stream = await requestStream.call(layer, method, bidirectional, body, ...rest);
      // The stream comes back explicitly paused, so a 'data' listener does not start it flowing:
      // the client's own consumer still decides when, and sees every message after us.
      this.observeStream(method, body, stream);
      return stream;
    };
    // Removing the own properties uncovers the prototype's methods again.
    return () => {
      Reflect.deleteProperty(layer, "request");
      Reflect.deleteProperty(layer, "requestStream");
    };
  }

  private read(method: string, n = 1): void {
    this.totals.reads += n;
    this.totals.readsByMethod[method] = (this.totals.readsByMethod[method] ?? 0) + n;
  }

  private rpc(method: string): void {
    this.totals.rpcs++;
    this.totals.byMethod[method] = (this.totals.byMethod[method] ?? 0) + 1;
  }

  private unaryDone(method: string, body: unknown, response: unknown, failed: boolean): void {
    if (method === "commit" || method === "batchWrite") {
      const writes = (body as { writes?: WriteProto[] }).writes ?? [];
      this.totals.writes += writes.length;
      this.totals.deletes += writes.filter((write) => write.delete).length;
      if (failed) {
        this.totals.failedCommits++;
        this.totals.failedWrites += writes.length;
      } else if (method === "batchWrite") {
        // BulkWriter: each write has its own status; refused ones stay counted (conservative).
        const refused = ((response as { status?: Array<{ code?: number }> }).status ?? []).filter((s) => (s.code ?? 0) !== 0).length;
        this.totals.failedWrites += refused;
      }
    } else if (method === "listCollectionIds") {
      // "For queries other than document reads, such as a request for a list of collection IDs, you are billed for one document read."
      this.read(method);
    }
  }

  private observeStream(method: string, body: unknown, stream: NodeJS.ReadableStream): void {
    if (method === "batchGetDocuments") {
      stream.on("data", (message: { found?: unknown; missing?: unknown }) => {
        if (message.found || message.missing) this.read(method);
      });
    } else if (method === "runQuery") {
      this.observeQuery((body as { structuredQuery?: StructuredQueryProto }).structuredQuery ?? {}, stream);
    } else if (method === "runAggregationQuery") {
      this.observeAggregation((body as { structuredAggregationQuery?: AggregationQueryProto }).structuredAggregationQuery ?? {}, stream);
    } else if (method === "listen") {
      this.observeListener(stream);
    }
  }

  private observeQuery(query: StructuredQueryProto, stream: NodeJS.ReadableStream): void {
    let documents = 0;
    let skipped = 0;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      if (documents === 0) {
        this.read("runQuery"); // the minimum charge of a query
      } else if (rangeFields(query).size > 1) {
        this.read("runQuery");
        this.totals.indexReads++;
      }
    };
    stream.on("data", (message: { document?: unknown; skippedResults?: unknown; done?: boolean }) => {
      if (message.document) {
        documents++;
        this.read("runQuery");
      }
      // The skipped documents are billed, at most `offset` of them (the emulator repeats the number in every response).
      const more = Math.min(asNumber(message.skippedResults), asNumber(query.offset) - skipped);
      if (more > 0) {
        skipped += more;
        this.read("runQuery", more);
      }
      if (message.done) settle();
    });
    stream.on("end", settle);
    stream.on("close", settle);
    stream.on("error", settle);
  }

  private observeAggregation(query: AggregationQueryProto, stream: NodeJS.ReadableStream): void {
    const counted = (query.aggregations ?? []).filter((aggregation) => aggregation.count).map((aggregation) => aggregation.alias);
    stream.on("data", (message: { result?: { aggregateFields?: Record<string, { integerValue?: unknown }> } | null }) => {
      const fields = message.result?.aggregateFields;
      if (!fields) return;
      // A count() reads as many index entries as it counts; without one (sum() and avg() alone) the
      // entries read are not visible, and the query is taken at the minimum (a lower bound).
      const entries = Math.max(0, ...counted.map((alias) => asNumber(fields[alias ?? ""]?.integerValue)));
      this.read("runAggregationQuery", Math.max(1, Math.ceil(entries / INDEX_ENTRIES_PER_READ)));
    });
  }

  private observeListener(stream: NodeJS.ReadableStream): void {
    const view = new ListenerView();
    stream.on("data", (message: ListenResponse) => {
      const reads = view.apply(message);
      if (reads > 0) this.read("listen", reads);
    });
  }
}

const DELETED = Symbol("deleted");

/**
 * A listener's result set as the server reports it, to bill what production bills: the documents
 * added to it or updated in it. The emulator answers every change with a RESET and the whole result
 * set again, so counting the messages would bill every document again per change; comparing each
 * consistent snapshot (a global NO_CHANGE) with the one before gives what production sends.
 * A document gone from the set is billed unless the server said it was deleted (production sends a
 * delete; the emulator's RESET cannot tell a deleted document from one that stopped matching, so
 * both are billed: conservative).
 */
class ListenerView {
  private known = new Map<string, string>();
  private pending = new Map<string, string | null | typeof DELETED>();
  private reset = false;
  private current = false;
  private snapshots = 0;

  /** Takes one message; returns the reads it completes (a snapshot), else 0. */
  apply(message: ListenResponse): number {
    const change = message.documentChange;
    if (change?.document?.name) {
      const inTarget = (change.targetIds ?? []).length > 0;
      this.pending.set(change.document.name, inTarget ? updateTimeKey(change.document.updateTime) : null);
    } else if (message.documentDelete?.document) {
      this.pending.set(message.documentDelete.document, DELETED);
    } else if (message.documentRemove?.document) {
      this.pending.set(message.documentRemove.document, null);
    } else if (message.targetChange?.targetChangeType === "RESET") {
      this.reset = true;
      this.pending.clear();
    } else if (message.targetChange?.targetChangeType === "CURRENT") {
      this.current = true;
    } else if (message.targetChange?.targetChangeType === "NO_CHANGE" && (message.targetChange.targetIds ?? []).length === 0) {
      // As the client does: a snapshot is raised only once the target is current.
      if (this.current) return this.snapshot();
    }
    return 0;
  }

  private snapshot(): number {
    const next = new Map(this.reset ? [] : this.known);
    const deleted = new Set<string>();
    for (const [name, version] of this.pending) {
      if (typeof version === "string") next.set(name, version);
      else {
        next.delete(name);
        if (version === DELETED) deleted.add(name);
      }
    }
    let reads = 0;
    for (const [name, version] of next) if (this.known.get(name) !== version) reads++;
    for (const name of this.known.keys()) if (!next.has(name) && !deleted.has(name)) reads++;
    // The first snapshot is the listener's initial query: an empty one is billed its minimum.
    if (this.snapshots++ === 0 && next.size === 0) reads++;
    this.known = next;
    this.pending.clear();
    this.reset = false;
    return reads;
  }
}

function updateTimeKey(time: ProtoTimestamp | null | undefined): string {
  return `${time?.seconds ?? ""}.${time?.nanos ?? ""}`;
}

/** The billed operations of `db` while `fn` runs (only that client's). */
export async function countOps<T>(db: Firestore, fn: () => Promise<T>): Promise<{ result: T; counts: OpCounts }> {
  const counter = new OpCounter();
  const detach = counter.attach(db);
  try {
    const result = await fn();
    return { result, counts: counter.counts };
  } finally {
    detach();
  }
}
