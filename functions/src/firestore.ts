/**
 * The one Firestore client set-up: every process (functions, the local runtime, the CLI, tests,
 * the benchmark) gets its client here, with the settings the engine relies on.
 */
import { type App, type AppOptions, getApps, initializeApp } from "firebase-admin/app";
import { type Firestore, getFirestore } from "firebase-admin/firestore";

const DEFAULT_APP = "[DEFAULT]";
const clients = new Map<string, Firestore>();

/** The firebase-admin app `name` (the default app unless named), created with `options` when it does not exist yet. */
export function adminApp(options: AppOptions = {}, name = DEFAULT_APP): App {
  return getApps().find((existing) => existing.name === name) ?? initializeApp(options, name);
}

/**
 * The Firestore client of the firebase-admin app `name` (see `adminApp`). A named app is a separate
 * client, as another function instance would have.
 */
export function firestoreClient(options: AppOptions = {}, name = DEFAULT_APP): Firestore {
  let db = clients.get(name);
  if (!db) {
    db = getFirestore(adminApp(options, name));
    // Optional fields are left out rather than written as undefined (which Firestore refuses).
    db.settings({ ignoreUndefinedProperties: true });
    clients.set(name, db);
  }
  return db;
}

/** Forgets a named client (its app was deleted). */
export function forgetFirestoreClient(name: string): void {
  clients.delete(name);
}
