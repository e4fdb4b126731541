/**
 * The rules the test clients use to check each query they sent against firestore.indexes.json
 * (test/helpers/query-indexes.ts), on queries the Firestore client builds itself.
 */
import { deleteApp, getApp } from "firebase-admin/app";
import type { Firestore, Query } from "firebase-admin/firestore";
import { firestoreClient, forgetFirestoreClient } from "../../src/firestore";
import {
  declaredFieldOverrides,
  declaredIndexes,
  describeIndex,
  indexServes,
  missingIndexes,
  recordQueries,
  requiredIndex,
  type StructuredQueryProto,
} from "../helpers/query-indexes";
import { TEST_PROJECT_ID } from "../setup/project";

// A client of its own, not the test helpers' (whose queries must all have their index: some here do not).
const APP_NAME = "query-indexes-test";
const db = firestoreClient({ projectId: TEST_PROJECT_ID }, APP_NAME);
const recorded: StructuredQueryProto[] = [];
recordQueries(db, recorded);
afterAll(async () => {
  forgetFirestoreClient(APP_NAME);
  await deleteApp(getApp(APP_NAME));
});

/** The structured query `build` sends (the emulator serves it whatever its index). */
async function sent(build: (db: Firestore) => Query): Promise<StructuredQueryProto> {
  recorded.length = 0;
  await build(db).get();
  expect(recorded).toHaveLength(1);
  return recorded[0];
}

const needs = async (build: (db: Firestore) => Query) => {
  const required = requiredIndex(await sent(build));
  return required && describeIndex(required);
};
const jobs = (client: Firestore) => client.collection("catalog_jobs");

describe("the composite index a query needs", () => {
  it("none for equality filters alone, or one field ordered or ranged", async () => {
    expect(await needs((c) => jobs(c).where("status", "==", "queued").where("queue", "==", "priority"))).toBeNull();
    expect(await needs((c) => jobs(c).where("status", "in", ["queued", "deferred"]))).toBeNull();
    expect(await needs((c) => jobs(c).orderBy("created_at", "desc"))).toBeNull();
    expect(await needs((c) => jobs(c).where("run_after", "<=", new Date()).orderBy("run_after"))).toBeNull();
  });

  it("equality fields, then the order, then the ranged fields not ordered on, in the direction of the last order", async () => {
    expect(await needs((c) => jobs(c).where("status", "==", "deferred").where("shards.total", ">", 0))).toBe(
      "catalog_jobs: status ==, shards.total ASCENDING",
    );
    expect(
      await needs((c) => jobs(c).where("queue", "==", "priority").orderBy("priority", "desc").where("run_after", "<=", new Date())),
    ).toBe("catalog_jobs: queue ==, priority DESCENDING, run_after DESCENDING");
    expect(await needs((c) => jobs(c).where("queue", "==", "priority").orderBy("priority").where("run_after", "<=", new Date()))).toBe(
      "catalog_jobs: queue ==, priority ASCENDING, run_after ASCENDING",
    );
    expect(
      await needs((c) => c.collection("catalog_run_summaries").where("subjects", "array-contains", "row").orderBy("finished_at", "desc")),
    ).toBe("catalog_run_summaries: subjects CONTAINS, finished_at DESCENDING");
  });

  it("is served only by an index with those fields, equality ones in any order, order ones in order and direction", () => {
    const required = {
      collectionGroup: "c",
      queryScope: "COLLECTION" as const,
      equality: [
        { fieldPath: "a", contains: false },
        { fieldPath: "b", contains: false },
      ],
      order: [{ fieldPath: "t", direction: "DESCENDING" as const }],
    };
    const index = (...fields: Array<[string, "ASCENDING" | "DESCENDING"]>) => ({
      collectionGroup: "c",
      fields: fields.map(([fieldPath, order]) => ({ fieldPath, order })),
    });
    expect(indexServes(index(["b", "ASCENDING"], ["a", "ASCENDING"], ["t", "DESCENDING"]), required)).toBe(true);
    expect(indexServes(index(["a", "ASCENDING"], ["b", "ASCENDING"], ["t", "ASCENDING"]), required)).toBe(false);
    expect(indexServes(index(["a", "ASCENDING"], ["t", "DESCENDING"]), required)).toBe(false);
    expect(indexServes(index(["t", "DESCENDING"], ["a", "ASCENDING"], ["b", "ASCENDING"]), required)).toBe(false);
    expect(indexServes({ ...index(["a", "ASCENDING"], ["b", "ASCENDING"], ["t", "DESCENDING"]), collectionGroup: "d" }, required)).toBe(
      false,
    );
  });

  it("finds the deployed indexes for the engine's queries, and names one that is missing or left out of a copy", async () => {
    const served = await sent((c) => jobs(c).where("status", "==", "deferred").where("shards.total", ">", 0));
    const unserved = await sent((c) => jobs(c).where("type", "==", "FAMILY_AUDIT").orderBy("updated_at"));
    expect(missingIndexes([served, unserved])).toEqual(["catalog_jobs: type ==, updated_at ASCENDING"]);
    const watchdogIndex = requiredIndex(served);
    const withoutIt = declaredIndexes().filter((index) => !(watchdogIndex && indexServes(index, watchdogIndex)));
    expect(missingIndexes([served], withoutIt)).toEqual(["catalog_jobs: status ==, shards.total ASCENDING"]);
  });
});

describe("the single-field indexes a query needs when it needs no composite one", () => {
  it("are missing where a field override turns them off, on the field and on the fields of its map", async () => {
    const expired = await sent((c) => jobs(c).where("expire_at", "<", new Date()));
    const byDetail = await sent((c) => jobs(c).where("error.details.code", "==", "NOT_FOUND"));
    expect(missingIndexes([expired, byDetail])).toEqual([
      "catalog_jobs: error.details.code == (single-field index: the field override of error.details leaves it out)",
      "catalog_jobs: expire_at ASCENDING (single-field index: the field override of expire_at leaves it out)",
    ]);
  });

  it("are served only in the directions a field override keeps", async () => {
    const locks = (client: Firestore) => client.collection("catalog_locks");
    const expiredFirst = await sent((c) => locks(c).where("expires_at", "<=", new Date()).orderBy("expires_at"));
    const latestFirst = await sent((c) => locks(c).orderBy("expires_at", "desc"));
    expect(missingIndexes([expiredFirst, latestFirst])).toEqual([
      "catalog_locks: expires_at DESCENDING (single-field index: the field override of expires_at leaves it out)",
    ]);
  });

  it("are missing for a collection group's query, filtered or ordered, unless a field override adds them in its scope", async () => {
    const everyAttempt = await sent((c) => c.collectionGroup("attempts"));
    const oneJobsFailed = await sent((c) => jobs(c).doc("job-1").collection("attempts").where("status", "==", "failed"));
    const everyFailed = await sent((c) => c.collectionGroup("attempts").where("status", "==", "failed"));
    const latestFirst = await sent((c) => c.collectionGroup("attempts").orderBy("started_at", "desc"));
    expect(missingIndexes([everyAttempt, oneJobsFailed, everyFailed, latestFirst])).toEqual([
      "attempts (collection group): started_at DESCENDING (single-field index: a collection group has none without a field override)",
      "attempts (collection group): status == (single-field index: a collection group has none without a field override)",
    ]);
    const statusInGroups = {
      collectionGroup: "attempts",
      fieldPath: "status",
      indexes: [{ queryScope: "COLLECTION_GROUP" as const, order: "DESCENDING" as const }],
    };
    expect(missingIndexes([everyFailed], declaredIndexes(), [...declaredFieldOverrides(), statusInGroups])).toEqual([]);
  });
});
