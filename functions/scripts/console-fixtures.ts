/**
 * The demo accounts of the Emulator Suite runs (a curator with the `catalog_admin` claim, a user
 * without it, and an account with the claim whose email is not verified, which the claim does not make a curator), written with the Admin SDK for the client-SDK flow and `npm run console`. The
 * console's browser tests create the same accounts from the same file through the Auth emulator.
 */
import { type Auth, getAuth } from "firebase-admin/auth";
import { type Firestore, getFirestore } from "firebase-admin/firestore";
import demoAccounts from "../../console/test/demo-accounts.json";
import { adminApp } from "../src/firestore";
import { emulatorProject } from "../src/local/project";

/** The console's browser tests read the same file. */
export const CONSOLE_ACCOUNTS = demoAccounts;

export function initAdmin(): { db: Firestore; auth: Auth } {
  if (!process.env.FIREBASE_AUTH_EMULATOR_HOST || !process.env.FIRESTORE_EMULATOR_HOST) {
    throw new Error("run under the Emulator Suite (firebase emulators:exec): the Auth or Firestore emulator is not set");
  }
  const app = adminApp({ projectId: emulatorProject() });
  return { db: getFirestore(app), auth: getAuth(app) };
}

/** Creates the demo accounts, or resets their password and claims; returns their uids. */
export async function createConsoleAccounts(auth: Auth): Promise<Record<keyof typeof CONSOLE_ACCOUNTS, string>> {
  const uids = {} as Record<keyof typeof CONSOLE_ACCOUNTS, string>;
  for (const [name, account] of Object.entries(CONSOLE_ACCOUNTS) as [
    keyof typeof CONSOLE_ACCOUNTS,
    (typeof CONSOLE_ACCOUNTS)[keyof typeof CONSOLE_ACCOUNTS],
  ][]) {
    const existing = await auth.getUserByEmail(account.email).catch(() => null);
    const user = existing
      ? await auth.updateUser(existing.uid, { password: account.password, emailVerified: account.email_verified })
      : await auth.createUser({ email: account.email, password: account.password, emailVerified: account.email_verified });
    await auth.setCustomUserClaims(user.uid, account.claims);
    uids[name] = user.uid;
  }
  return uids;
}
