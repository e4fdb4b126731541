/**
 * Every query the console sends (data.ts's consoleQueries), checked against firestore.indexes.json by the
 * index rules the engine's tests use (functions/test/helpers/query-indexes.ts): the emulator serves a query
 * whose composite index is missing, production refuses it with FAILED_PRECONDITION.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { deleteApp, initializeApp } from "firebase/app";
import * as firestoreSdk from "firebase/firestore";
import {
  collection,
  disableNetwork,
  doc,
  getDocsFromCache,
  getFirestore,
  orderBy,
  type Query,
  query,
  setDoc,
  terminate,
  where,
} from "firebase/firestore";
import {
  declaredIndexes,
  describeIndex,
  indexServes,
  missingIndexes,
  requiredIndex,
  type StructuredQueryProto,
} from "../../../functions/test/helpers/query-indexes";
import {
  CHANGES_PAGE_SIZE,
  consoleQueries,
  finishedJobsListenerStart,
  type HistoryCursor,
  type HistoryFilter,
  RUNS_PER_DAY_LIMIT,
} from "../../src/data";
import { dayStart } from "../../src/format";
import { DEMO_PROJECT_ID } from "../../src/firebase";
import { ATTEMPT_STATUSES, COLLECTIONS, JOB_TYPES } from "../../src/model";

// An app of its own with no emulator or server: building and serializing a query needs no network.
const app = initializeApp({ projectId: DEMO_PROJECT_ID, apiKey: "unused" }, "query-indexes-test");
const db = getFirestore(app);
// The SDK's serializer exists once the client's online components do: disableNetwork makes them and keeps them offline.
await disableNetwork(db);
after(async () => {
  await terminate(db);
  await deleteApp(app);
});

type ToQueryTarget = (query: Query) => { structuredQuery: StructuredQueryProto } | null;
/**
 * The StructuredQuery the console sends for `query`, the shape the engine's test clients record, made by
 * the SDK's own serializer (`_internalQueryToProtoQueryTarget`: exported, underscored, left out of the
 * public typings). Reading `query._query`'s `filters` and `explicitOrderBy` instead would restate how the
 * SDK turns them into a request: its operators, and the orders it adds.
 */
function sent(query: Query): StructuredQueryProto {
  const toQueryTarget = (firestoreSdk as unknown as { _internalQueryToProtoQueryTarget?: ToQueryTarget })._internalQueryToProtoQueryTarget;
  if (typeof toQueryTarget !== "function")
    throw new Error(
      "firebase/firestore no longer exports _internalQueryToProtoQueryTarget: test/unit/query-indexes.test.ts needs updating",
    );
  const target = toQueryTarget(query);
  if (!target) throw new Error("the Firestore client has no serializer yet");
  return target.structuredQuery;
}

const NOW = new Date("2026-12-02T10:05:00.000Z");
const DAY = "2026-12-01";

/** Every combination of `fields`, each present or absent: the values never change a query's shape. */
function combinations<Fields extends object>(fields: Fields): Partial<Fields>[] {
  return (Object.keys(fields) as Array<keyof Fields>).reduce<Partial<Fields>[]>(
    (all, field) => all.flatMap((some) => [some, { ...some, [field]: fields[field] }]),
    [{}],
  );
}

/** What the history form can filter on: a job's runs, or any job's narrowed by family, type and status; either in a date range. */
const historyFilters: HistoryFilter[] = combinations({ from: dayStart(DAY), until: dayStart(DAY, 1) }).flatMap((range) => [
  { ...range, job: "job-1" },
  ...combinations({ family: "barbell-row", type: JOB_TYPES[0], status: ATTEMPT_STATUSES[0] }).map((narrowing) => ({
    ...range,
    ...narrowing,
  })),
]);

/** A next-page cursor as historyPage returns one, from a run summary written to this offline client's cache only. */
async function historyCursor(): Promise<HistoryCursor> {
  // Settles only when a server acknowledges the write: never, offline.
  void setDoc(doc(db, COLLECTIONS.runSummaries, "run-1"), { finished_at: dayStart(DAY) });
  const [snapshot] = (await getDocsFromCache(consoleQueries.historyPage(db, {}, 1))).docs;
  assert.ok(snapshot, "the run summary written offline is in the cache");
  return { snapshot };
}

const nextPage = await historyCursor();
/** Each builder with every combination of its parameters that changes the query it builds (a key per builder, or tsc fails). */
const consoleQueryCases: { [name in keyof typeof consoleQueries]: Query[] } = {
  runningJobs: [consoleQueries.runningJobs(db)],
  waitingJobs: [consoleQueries.waitingJobs(db)],
  finishedJobs: [consoleQueries.finishedJobs(db, finishedJobsListenerStart(NOW))],
  failedJobs: [consoleQueries.failedJobs(db, finishedJobsListenerStart(NOW))],
  attempts: [consoleQueries.attempts(db, "job-1")],
  changes: [consoleQueries.changes(db, "job-1", CHANGES_PAGE_SIZE), consoleQueries.changes(db, "job-1", 2 * CHANGES_PAGE_SIZE)],
  historyPage: historyFilters.flatMap((filter) => [
    consoleQueries.historyPage(db, filter, 25),
    consoleQueries.historyPage(db, filter, 25, nextPage),
  ]),
  runsBetween: [consoleQueries.runsBetween(db, dayStart(DAY), dayStart(DAY, 1), RUNS_PER_DAY_LIMIT)],
};
const consoleQueriesSent = Object.values(consoleQueryCases).flat().map(sent);

/** The most documents a query reads (the SDK sends a limit as a number, or wrapped as `{value}`); undefined without one. */
function limitOf(query: StructuredQueryProto): number | undefined {
  const { limit } = query as StructuredQueryProto & { limit?: number | { value?: number } };
  return typeof limit === "object" ? limit.value : limit;
}

describe("the console's queries", () => {
  it("all have their composite index in firestore.indexes.json", () => {
    const missing = missingIndexes(consoleQueriesSent);
    assert.deepEqual(
      missing,
      [],
      `console queries that need a composite index firestore.indexes.json does not declare:\n  ${missing.join("\n  ")}`,
    );
  });

  it("need these composite indexes: the queue's failures, a job's journal newest first, a job's runs, the history's filters, family (subjects) included", () => {
    const needed = new Set(consoleQueriesSent.flatMap((q) => requiredIndex(q) ?? []).map(describeIndex));
    assert.deepEqual([...needed].sort(), [
      "catalog_changes: job_id ==, applied_at DESCENDING",
      "catalog_jobs: status ==, finished_at DESCENDING",
      "catalog_run_summaries: attempt_status ==, finished_at DESCENDING",
      "catalog_run_summaries: job_id ==, finished_at DESCENDING",
      "catalog_run_summaries: subjects CONTAINS, attempt_status ==, finished_at DESCENDING",
      "catalog_run_summaries: subjects CONTAINS, finished_at DESCENDING",
      "catalog_run_summaries: subjects CONTAINS, type ==, attempt_status ==, finished_at DESCENDING",
      "catalog_run_summaries: subjects CONTAINS, type ==, finished_at DESCENDING",
      "catalog_run_summaries: type ==, attempt_status ==, finished_at DESCENDING",
      "catalog_run_summaries: type ==, finished_at DESCENDING",
    ]);
  });

  it("all have a limit, so no view reads more as the collections grow", () => {
    const unbounded = Object.entries(consoleQueryCases).flatMap(([name, cases]) =>
      cases.every((q) => (limitOf(sent(q)) ?? 0) > 0) ? [] : [name],
    );
    assert.deepEqual(unbounded, [], `console queries without a limit: ${unbounded.join(", ")}`);
  });

  it("read running jobs apart from waiting ones, so a crowd of waiting jobs cannot hide them", () => {
    const byStatus = (statuses: string[]) => ({
      fieldFilter: {
        field: { fieldPath: "status" },
        op: "IN",
        value: { arrayValue: { values: statuses.map((stringValue) => ({ stringValue })) } },
      },
    });
    assert.deepEqual(sent(consoleQueries.runningJobs(db)).where, byStatus(["running"]));
    assert.deepEqual(sent(consoleQueries.waitingJobs(db)).where, byStatus(["queued", "deferred"]));
  });

  it("read a job's journal newest first, as its changes are reverted, one more than the entries shown", () => {
    const newestFirst = [
      { field: { fieldPath: "applied_at" }, direction: "DESCENDING" },
      { field: { fieldPath: "__name__" }, direction: "DESCENDING" },
    ];
    for (const shown of [CHANGES_PAGE_SIZE, 3 * CHANGES_PAGE_SIZE]) {
      const changes = sent(consoleQueries.changes(db, "job-1", shown));
      assert.deepEqual(changes.orderBy, newestFirst);
      assert.equal(limitOf(changes), shown + 1);
    }
  });

  it("are all built by consoleQueries, so none goes unchecked", () => {
    const callSites = readFileSync(new URL("../../src/data.ts", import.meta.url), "utf8").match(/\bquery\(/g)?.length ?? 0;
    assert.equal(
      callSites,
      Object.keys(consoleQueries).length,
      "data.ts calls query( outside consoleQueries, or more than once in a builder: build each query there, one builder each",
    );
  });
});

describe("the index check", () => {
  it("names the fields of an index a console query needs that is not declared", () => {
    const familyAndType = sent(consoleQueries.historyPage(db, { family: "barbell-row", type: JOB_TYPES[0] }, 25));
    const itsIndex = requiredIndex(familyAndType);
    assert.ok(itsIndex);
    const withoutIt = declaredIndexes().filter((index) => !indexServes(index, itsIndex));
    assert.deepEqual(missingIndexes(consoleQueriesSent, withoutIt), [
      "catalog_run_summaries: subjects CONTAINS, type ==, finished_at DESCENDING",
    ]);

    // A job's journal ordered by its operations instead of by time would need an index nobody declared.
    const changesByOperation = query(collection(db, COLLECTIONS.changes), where("job_id", "==", "job-1"), orderBy("operation_index"));
    assert.deepEqual(missingIndexes([sent(changesByOperation)]), ["catalog_changes: job_id ==, operation_index ASCENDING"]);
  });
});
