import { App, deleteApp, initializeApp } from "firebase-admin/app";
import { Firestore, getFirestore } from "firebase-admin/firestore";
import { hasTransactionIsolation } from "../../src/local/emulator";
import { TEST_PROJECT_ID } from "../setup/project";

const apps: App[] = [];
let counter = 0;

/** A Firestore client of its own firebase-admin app: a separate "worker" as far as Firestore can tell. */
export function newFirestore(): Firestore {
  const app = initializeApp({ projectId: TEST_PROJECT_ID }, `test-app-${process.pid}-${++counter}`);
  apps.push(app);
  const db = getFirestore(app);
  db.settings({ ignoreUndefinedProperties: true });
  return db;
}

afterAll(async () => {
  await Promise.all(apps.splice(0).map((app) => deleteApp(app)));
});

/**
 * `describe` for tests that need real transaction isolation (leases, locks, races, exactly-once).
 * On a backend without it they are skipped with a printed reason, never silently passed.
 */
export const describeWithIsolation: jest.Describe = (() => {
  const backend = process.env.CATALOG_TEST_BACKEND;
  if (hasTransactionIsolation(backend)) return describe;
  const skip = ((name: string, fn: jest.EmptyFunction) => {
    console.warn(`SKIPPED "${name}": backend "${backend}" has no transaction isolation`);
    describe.skip(name, fn);
  }) as jest.Describe;
  return skip;
})();
