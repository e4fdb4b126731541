/**
 * The browser tests' side door into the Emulator Suite: demo accounts through the Auth emulator's
 * REST API, engine-side documents through the Firestore emulator's REST API with the emulators'
 * `owner` token (what the engine or an operator's Admin SDK would write), and a client app on the
 * firebase JS SDK for what a client app writes.
 */
import { readFileSync } from "node:fs";
import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from "firebase/auth";
import { connectFirestoreEmulator, disableNetwork, enableNetwork, type Firestore, getFirestore, setLogLevel } from "firebase/firestore";
import accounts from "./demo-accounts.json" with { type: "json" };

export const PROJECT = process.env.GCLOUD_PROJECT ?? "demo-catalog-jobs";
export const ACCOUNTS = accounts;
export type AccountName = keyof typeof accounts;

const emulators = (
  JSON.parse(readFileSync(new URL("../../firebase.json", import.meta.url), "utf8")) as {
    emulators: Record<"auth" | "firestore" | "hosting", { host: string; port: number }>;
  }
).emulators;
/** The address firebase.json gives an emulator. */
export const origin = (name: "auth" | "firestore" | "hosting") => `http://${emulators[name].host}:${emulators[name].port}`;

/** Where the Hosting emulator serves the console. */
export const CONSOLE_URL = `${origin("hosting")}/`;

async function ok(res: Response, what: string): Promise<Response> {
  if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return res;
}

/** Creates the demo accounts if missing and sets their custom claims. */
export async function ensureAccounts(): Promise<void> {
  const identity = `${origin("auth")}/identitytoolkit.googleapis.com/v1`;
  for (const account of Object.values(accounts)) {
    const body = JSON.stringify({ email: account.email, password: account.password, returnSecureToken: true });
    const signUp = await fetch(`${identity}/accounts:signUp?key=demo-api-key`, {
      method: "POST",
      body,
      headers: { "Content-Type": "application/json" },
    });
    const signedIn = signUp.ok
      ? signUp
      : await ok(
          await fetch(`${identity}/accounts:signInWithPassword?key=demo-api-key`, {
            method: "POST",
            body,
            headers: { "Content-Type": "application/json" },
          }),
          `signing in ${account.email}`,
        );
    const { localId } = (await signedIn.json()) as { localId: string };
    await ok(
      await fetch(`${identity}/projects/${PROJECT}/accounts:update`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: "Bearer owner" },
        // A curator's email is verified: the rules and the callables ask it of the claim.
        body: JSON.stringify({ localId, customAttributes: JSON.stringify(account.claims), emailVerified: account.email_verified }),
      }),
      `setting the claims of ${account.email}`,
    );
  }
}

type RestValue = Record<string, unknown>;

function restValue(value: unknown): RestValue {
  if (value === null) return { nullValue: null };
  if (value instanceof Date) return { timestampValue: value.toISOString() };
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { booleanValue: value };
  if (typeof value === "number") return Number.isInteger(value) ? { integerValue: String(value) } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(restValue) } };
  return { mapValue: { fields: restFields(value as Record<string, unknown>) } };
}

function restFields(data: Record<string, unknown>): Record<string, RestValue> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, restValue(v)]));
}

/** Writes a document past the rules, as the engine (Admin SDK) would. */
export async function writeAsEngine(path: string, data: Record<string, unknown>): Promise<void> {
  await ok(
    await fetch(`${origin("firestore")}/v1/projects/${PROJECT}/databases/(default)/documents/${path}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json", Authorization: "Bearer owner" },
      body: JSON.stringify({ fields: restFields(data) }),
    }),
    `writing ${path}`,
  );
}

/** Deletes a document past the rules, as the engine's retention (a TTL policy) would. */
export async function deleteAsEngine(path: string): Promise<void> {
  await ok(
    await fetch(`${origin("firestore")}/v1/projects/${PROJECT}/databases/(default)/documents/${path}`, {
      method: "DELETE",
      headers: { Authorization: "Bearer owner" },
    }),
    `deleting ${path}`,
  );
}

/** A client app signed in as one of the demo accounts. */
export async function clientAs(name: AccountName): Promise<{ db: Firestore; uid: string }> {
  setLogLevel("silent");
  const app = initializeApp({ projectId: PROJECT, apiKey: "demo-api-key" }, `client-${name}`);
  const auth = getAuth(app);
  connectAuthEmulator(auth, origin("auth"), { disableWarnings: true });
  const db = getFirestore(app);
  connectFirestoreEmulator(db, emulators.firestore.host, emulators.firestore.port);
  const credential = await signInWithEmailAndPassword(auth, accounts[name].email, accounts[name].password);
  return { db, uid: credential.user.uid };
}

/**
 * A one-off read of a client answered by the emulator (`getDocFromServer`, never the client's cache).
 * One failed connection (or 10 s without one, on a busy machine) marks a client offline, and a read
 * from the server then fails `unavailable`: the client is reset (its network turned off and on, so it
 * tries afresh) and asked again.
 */
export async function fromServer<T>(db: Firestore, read: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await read();
    } catch (err) {
      if ((err as { code?: unknown }).code !== "unavailable" || tries >= 3) throw err;
      console.log(`a read found the client offline (${(err as Error).message}); reset, it reads again`);
      await disableNetwork(db);
      await enableNetwork(db);
    }
  }
}
