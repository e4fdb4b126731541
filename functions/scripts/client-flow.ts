/**
 * Runs under the official Firebase Emulator Suite (`npm run test:emulators`): a client app on the
 * `firebase` JS SDK (modular), signed in through the Auth emulator, writes a job document, listens
 * to it from the first moment (`onSnapshot`) until it finishes, and reads its result, as a user
 * and as a curator; unauthorised clients are refused. Then the operator CLI's `curators` commands
 * grant and revoke the curator claim on the Auth emulator, and an account signs in with and without
 * it. Exits non-zero on any failure.
 */
import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword, signOut, type Auth } from "firebase/auth";
import {
  collection,
  type CollectionReference,
  connectFirestoreEmulator,
  type DocumentData,
  disableNetwork,
  doc,
  enableNetwork,
  type Firestore,
  getDocFromServer,
  getDocsFromServer,
  getFirestore,
  onSnapshot,
  serverTimestamp,
  setDoc,
  setLogLevel,
  updateDoc,
} from "firebase/firestore";
import type { Auth as AdminAuth } from "firebase-admin/auth";
import { CONSOLE_ACCOUNTS, createConsoleAccounts, initAdmin } from "./console-fixtures";
import { CURATOR_CLAIM, authCuratorDirectory } from "../src/adapters/curators";
import { runCli } from "../src/cli/run";
import { emulatorProject } from "../src/local/project";
import { seedDemoCatalog } from "../src/local/seed";
import { FINAL_STATUSES, type JobStatus } from "../src/jobs/lifecycle";

const project = emulatorProject();

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`FAILED: ${message}`);
  console.log(`ok: ${message}`);
}

function emulatorHost(variable: string, fallback: string): { host: string; port: number } {
  const [host, port] = (process.env[variable] ?? fallback).split(":");
  return { host, port: Number(port) };
}

/** A client app: its own Firebase app, Auth and Firestore on the emulators. */
function clientApp(name: string): { auth: Auth; db: Firestore } {
  const app = initializeApp({ projectId: project, apiKey: "demo-api-key" }, name);
  const auth = getAuth(app);
  const db = getFirestore(app);
  const authHost = emulatorHost("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099");
  const firestoreHost = emulatorHost("FIRESTORE_EMULATOR_HOST", "127.0.0.1:8080");
  connectAuthEmulator(auth, `http://${authHost.host}:${authHost.port}`, { disableWarnings: true });
  connectFirestoreEmulator(db, firestoreHost.host, firestoreHost.port);
  return { auth, db };
}

interface Watched {
  statuses: string[];
  final: DocumentData;
}

/**
 * Writes a job and listens to it at once: every status the listener sees, until a final one. A
 * listener refused by the rules (e.g. before the job carried `created_by`) fails the flow.
 */
async function submitAndWatch(db: Firestore, uid: string, job: DocumentData, timeoutMs = 90_000): Promise<Watched & { id: string }> {
  const ref = doc(collection(db, "catalog_jobs"));
  await setDoc(ref, { ...job, status: "queued", created_at: serverTimestamp(), created_by: uid });
  const statuses: string[] = [];
  const final = await new Promise<DocumentData>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`job ${ref.id} did not finish in ${timeoutMs} ms; statuses seen: ${statuses.join(" → ")}`));
    }, timeoutMs);
    const unsubscribe = onSnapshot(
      ref,
      (snap) => {
        const data = snap.data();
        if (!data) return;
        const status = data.status as JobStatus;
        if (statuses[statuses.length - 1] !== status) statuses.push(status);
        if (FINAL_STATUSES.includes(status)) {
          clearTimeout(timer);
          unsubscribe();
          resolve(data);
        }
      },
      (err) => {
        clearTimeout(timer);
        reject(new Error(`the listener on job ${ref.id} was refused after ${statuses.join(" → ")}: ${err.message}`));
      },
    );
  });
  return { id: ref.id, statuses, final };
}

/**
 * How many documents a listener on `ref` sees once it sees any (0 after `timeoutMs`). A one-off
 * query right after the job finished has been seen to come back empty from the emulator now and
 * then while the document was there; a listener, as the console uses, catches up.
 */
async function firstNonEmpty(ref: CollectionReference, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      resolve(0);
    }, timeoutMs);
    const unsubscribe = onSnapshot(
      ref,
      (snap) => {
        if (snap.empty) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(snap.size);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/**
 * A one-off read answered by the emulator, never by the client's cache. One failed connection (or
 * 10 s without one, on a busy machine) marks a client offline, and it stays so until a stream it
 * opens gets an answer: offline, a read from the server fails `unavailable`, and the client is reset
 * (its network turned off and on, which makes it try afresh) and asked again.
 */
async function fromServer<T>(db: Firestore, read: () => Promise<T>): Promise<T> {
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

/** True when the call goes through, false when the rules refuse it; any other error is thrown. */
async function allowed(attempt: Promise<unknown>): Promise<boolean> {
  try {
    await attempt;
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === "permission-denied") return false;
    throw err;
  }
}

/** True when the rules refuse the call (permission-denied); any other error is thrown. */
const refused = async (attempt: Promise<unknown>): Promise<boolean> => !(await allowed(attempt));

async function main(): Promise<void> {
  setLogLevel("silent");
  const admin = initAdmin();
  await seedDemoCatalog(admin.db);
  await createConsoleAccounts(admin.auth);

  // ---- a signed-in user without the curator claim
  const userClient = clientApp("user");
  const user = await signInWithEmailAndPassword(userClient.auth, CONSOLE_ACCOUNTS.user.email, CONSOLE_ACCOUNTS.user.password);
  const mine = await submitAndWatch(userClient.db, user.user.uid, { type: "FAMILY_AUDIT", payload: { family_slug: "bench_press" } });
  check(mine.statuses[0] === "queued", `a user's listener saw the job from the first moment (${mine.statuses.join(" → ")})`);
  check(mine.final.status === "succeeded_dry_run", `the user's job finished succeeded_dry_run (error ${JSON.stringify(mine.final.error)})`);
  check(
    mine.final.created_by === user.user.uid,
    "after intake the job still names the user as its creator (so the listener keeps working)",
  );
  const result = (await fromServer(userClient.db, () => getDocFromServer(doc(userClient.db, "catalog_jobs", mine.id)))).data();
  check(typeof result?.result_summary === "object" && result.result_summary !== null, "the user reads the job's result summary");
  check(
    await refused(fromServer(userClient.db, () => getDocsFromServer(collection(userClient.db, "catalog_jobs", mine.id, "attempts")))),
    "the user may not read the attempt log",
  );

  // ---- a curator: maintenance lane, a curator-only type, another user's job, engine data
  const curatorClient = clientApp("curator");
  const curator = await signInWithEmailAndPassword(curatorClient.auth, CONSOLE_ACCOUNTS.curator.email, CONSOLE_ACCOUNTS.curator.password);
  const curated = await submitAndWatch(curatorClient.db, curator.user.uid, {
    type: "ALIAS_INVARIANT_SCAN",
    payload: { mode: "dry_run" },
    queue: "maintenance",
    priority: 500,
  });
  check(curated.statuses[0] === "queued", `a curator's listener saw the job from the first moment (${curated.statuses.join(" → ")})`);
  check(
    curated.final.status === "succeeded_dry_run",
    `the curator's maintenance job finished succeeded_dry_run (${JSON.stringify(curated.final.error)})`,
  );
  const attempts = await firstNonEmpty(collection(curatorClient.db, "catalog_jobs", curated.id, "attempts"));
  check(attempts >= 1, "the curator reads the attempt log (as the console does, through a listener)");
  check(
    (await fromServer(curatorClient.db, () => getDocFromServer(doc(curatorClient.db, "catalog_jobs", mine.id)))).exists(),
    "the curator reads the user's job",
  );

  // ---- refusals
  const job = (fields: DocumentData = {}) => ({
    type: "FAMILY_AUDIT",
    payload: { family_slug: "squat" },
    status: "queued",
    created_at: serverTimestamp(),
    created_by: user.user.uid,
    ...fields,
  });
  const newJob = () => doc(collection(userClient.db, "catalog_jobs"));
  check(
    await refused(setDoc(newJob(), job({ payload: { family_slug: "squat", mode: "apply" } }))),
    "a user asking for apply mode is refused",
  );
  check(await refused(setDoc(newJob(), job({ queue: "maintenance" }))), "a user asking for the maintenance lane is refused");
  check(
    await refused(setDoc(newJob(), job({ type: "FAMILY_MERGE", payload: { merge_config: { source_family: "a", target_family: "b" } } }))),
    "a user asking for a curator-only type is refused",
  );
  check(await refused(setDoc(newJob(), job({ created_by: curator.user.uid }))), "a user writing someone else's created_by is refused");
  check(
    await refused(fromServer(userClient.db, () => getDocFromServer(doc(userClient.db, "catalog_jobs", curated.id)))),
    "a user reading someone else's job is refused",
  );
  check(
    await refused(updateDoc(doc(userClient.db, "catalog_jobs", curated.id), { cancel_requested: true })),
    "a user cancelling someone else's job is refused",
  );
  check(
    await refused(fromServer(userClient.db, () => getDocsFromServer(collection(userClient.db, "catalog_run_summaries")))),
    "a user reading run history is refused",
  );
  check(
    await refused(setDoc(newJob(), job({ payload: { family_slug: "squat", reason: "x".repeat(100_000) } }))),
    "an oversized payload is refused",
  );
  await signOut(userClient.auth);
  check(await refused(setDoc(newJob(), job())), "a signed-out client writing a job is refused");
  check(
    await refused(fromServer(userClient.db, () => getDocFromServer(doc(userClient.db, "catalog_jobs", mine.id)))),
    "a signed-out client reading a job is refused",
  );

  // ---- the operator CLI's curators commands
  await curatorsCommands(admin.auth);
}

/** The operator CLI in-process, its curators commands on the Auth emulator. */
async function catalogJobs(auth: AdminAuth, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    engine: () => {
      throw new Error("the curators commands need no engine");
    },
    settings: () => {
      throw new Error("the curators commands need no engine settings");
    },
    curators: () => authCuratorDirectory(auth),
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** `catalog-jobs curators`: grant, list and revoke, seen by the account when it signs in. */
async function curatorsCommands(auth: AdminAuth): Promise<void> {
  const email = "new-curator@example.com";
  const password = "new-curator-password";
  const user = (await auth.getUserByEmail(email).catch(() => null)) ?? (await auth.createUser({ email, password, emailVerified: true }));
  await auth.setCustomUserClaims(user.uid, { team: "catalog" });
  const claims = async () => (await auth.getUser(user.uid)).customClaims ?? {};
  /** Signs in afresh (a new ID token) and says whether the token carries the claim and the rules let it read run history. */
  const signIn = async (name: string) => {
    const client = clientApp(name);
    const signedIn = await signInWithEmailAndPassword(client.auth, email, password);
    const token = await signedIn.user.getIdTokenResult();
    const readsHistory = await allowed(fromServer(client.db, () => getDocsFromServer(collection(client.db, "catalog_run_summaries"))));
    await signOut(client.auth);
    return { claim: token.claims[CURATOR_CLAIM] === true, readsHistory };
  };

  const granted = await catalogJobs(auth, "curators", "grant", email);
  check(
    granted.code === 0 && granted.out === `${email} (${user.uid}) is a curator now`,
    `catalog-jobs curators grant: ${granted.out}${granted.err}`,
  );
  const afterGrant = await claims();
  check(
    afterGrant[CURATOR_CLAIM] === true && afterGrant.team === "catalog",
    "the account carries the curator claim, its other claims kept",
  );
  const asCurator = await signIn("new-curator");
  check(asCurator.claim && asCurator.readsHistory, "signed in, its token carries the claim and the rules let it read run history");
  const again = await catalogJobs(auth, "curators", "grant", email);
  check(again.code === 0 && again.out.endsWith("nothing changed"), "granting it again changes nothing");

  const listed = await catalogJobs(auth, "curators", "--json");
  const emails = (JSON.parse(listed.out) as { email: string }[]).map((account) => account.email);
  check(
    emails.includes(email) && emails.includes(CONSOLE_ACCOUNTS.curator.email) && !emails.includes(CONSOLE_ACCOUNTS.user.email),
    `catalog-jobs curators lists the curators and no one else (${emails.join(", ")})`,
  );

  const revoked = await catalogJobs(auth, "curators", "revoke", email);
  check(
    revoked.code === 0 && revoked.out === `${email} (${user.uid}) is not a curator now`,
    `catalog-jobs curators revoke: ${revoked.out}${revoked.err}`,
  );
  const afterRevoke = await claims();
  check(afterRevoke[CURATOR_CLAIM] === undefined && afterRevoke.team === "catalog", "the claim is gone, the other claims kept");
  const asUser = await signIn("former-curator");
  check(!asUser.claim && !asUser.readsHistory, "signed in again, its token has no claim and run history is refused");

  const unknown = await catalogJobs(auth, "curators", "grant", "nobody@example.com");
  check(unknown.code === 3 && unknown.err.endsWith("no account with the email nobody@example.com"), "an unknown email exits 3");
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
