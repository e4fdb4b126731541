/** The lazily created default Firestore client. */
import { getApps, initializeApp } from "firebase-admin/app";
import { Firestore, getFirestore } from "firebase-admin/firestore";

let defaultDb: Firestore | undefined;

export function hasDefaultApp(): boolean {
  return getApps().some((app) => app.name === "[DEFAULT]");
}

/** The default app's Firestore, created on first use so cold starts that don't need it stay fast. */
export function getDb(): Firestore {
  if (!defaultDb) {
    if (!hasDefaultApp()) initializeApp();
    defaultDb = getFirestore();
    defaultDb.settings({ ignoreUndefinedProperties: true });
  }
  return defaultDb;
}
