import { deleteApp, getApp } from "firebase-admin/app";
import type { Firestore } from "firebase-admin/firestore";
import { firestoreClient, forgetFirestoreClient } from "../../src/firestore";
import { hasTransactionIsolation } from "../../src/local/emulator";
import { TEST_PROJECT_ID } from "../setup/project";
import { missingIndexes, recordQueries, type StructuredQueryProto } from "./query-indexes";

const apps: string[] = [];
const queries: StructuredQueryProto[] = [];
let counter = 0;

/** A Firestore client of its own firebase-admin app: a separate "worker" as far as Firestore can tell. */
export function newFirestore(): Firestore {
  const name = `test-app-${process.pid}-${++counter}`;
  apps.push(name);
  const db = firestoreClient({ projectId: TEST_PROJECT_ID }, name);
  recordQueries(db, queries);
  return db;
}

/** The Firestore client of a test file: `const db = useFirestore();` at the top of the file. */
export function useFirestore(): Firestore {
  return newFirestore();
}

// The emulator serves any query; production refuses one without its composite index. Every query a
// test file's clients sent is checked against firestore.indexes.json when the file ends.
afterAll(() => {
  const missing = missingIndexes(queries.splice(0));
  if (missing.length > 0) {
    throw new Error(`queries that need a composite index firestore.indexes.json does not declare:\n  ${missing.join("\n  ")}`);
  }
});

afterAll(async () => {
  await Promise.all(
    apps.splice(0).map(async (name) => {
      forgetFirestoreClient(name);
      await deleteApp(getApp(name));
    }),
  );
});

const backend = process.env.CATALOG_TEST_BACKEND;
const fullEmulator = hasTransactionIsolation(backend);

/** `describe` that runs only on the official emulator; elsewhere skipped with a printed reason, never silently passed. */
function describeNeeding(what: string): jest.Describe {
  if (fullEmulator) return describe;
  const notice = (name: string) => process.stderr.write(`SKIPPED "${name}": backend "${backend}" has no ${what}\n`);
  const skipped = (name: string, fn: jest.EmptyFunction) => {
    notice(name);
    describe.skip(name, fn);
  };
  const each = (table: readonly unknown[]) => (name: string, fn: (...args: never[]) => void) => {
    notice(name);
    describe.skip.each(table as unknown[][])(name, fn as (...args: unknown[]) => void);
  };
  return Object.assign(skipped, { each }) as unknown as jest.Describe;
}

/** For tests that need real transaction isolation (leases, locks, races, exactly-once). */
export const describeWithIsolation = describeNeeding("transaction isolation");

/**
 * For tests that need what `@firestore-emulator/server` does not implement: write preconditions,
 * field transforms (increments), field deletes, merge writes of maps, cursor paging.
 */
export const describeWithFullEmulator = describeNeeding(
  "write preconditions, field transforms, field deletes, merge writes or cursor paging",
);
