/**
 * Firebase for the console: the project's web config from Hosting's `/__/firebase/init.json`
 * (served by Firebase Hosting and its emulator), and the Auth, Firestore and Functions emulators
 * when the console is served from this machine. Served from this machine without that file (e.g.
 * `vite dev`), it uses the `demo-` project the Emulator Suite runs, so nothing leaves the machine;
 * served from anywhere else, a missing config is an error the page shows, not a silent demo project.
 */
import { initializeApp, type FirebaseOptions } from "firebase/app";
import { connectAuthEmulator, getAuth, type Auth } from "firebase/auth";
import { connectFirestoreEmulator, getFirestore, type Firestore } from "firebase/firestore";
import { connectFunctionsEmulator, getFunctions, type Functions } from "firebase/functions";
import { asError } from "./format";

/** The engine's DEMO_PROJECT_ID (functions/src/local/project.ts; a functions test compares the two). */
export const DEMO_PROJECT_ID = "demo-catalog-jobs";

const DEMO_CONFIG: FirebaseOptions = {
  projectId: DEMO_PROJECT_ID,
  apiKey: "demo-api-key",
  authDomain: `${DEMO_PROJECT_ID}.firebaseapp.com`,
};

export interface FirebaseServices {
  auth: Auth;
  db: Firestore;
  functions: Functions;
  projectId: string;
  emulated: boolean;
}

const INIT_JSON = "/__/firebase/init.json";

async function webConfig(local: boolean): Promise<FirebaseOptions> {
  let problem: string;
  try {
    const res = await fetch(INIT_JSON);
    const config = res.ok ? ((await res.json()) as FirebaseOptions | null) : null;
    if (config?.projectId && config.apiKey) return config;
    problem = res.ok ? "it has no projectId or apiKey" : `HTTP ${res.status}`;
  } catch (err) {
    problem = asError(err).message;
  }
  if (local) return DEMO_CONFIG;
  throw new Error(`could not load the Firebase config from ${INIT_JSON} (${problem}): is the console served by Firebase Hosting?`);
}

function servedLocally(hostname: string): boolean {
  return hostname === "localhost" || hostname === "127.0.0.1";
}

export async function connectFirebase(): Promise<FirebaseServices> {
  const host = window.location.hostname;
  const emulated = servedLocally(host);
  const config = await webConfig(emulated);
  const app = initializeApp(config);
  const auth = getAuth(app);
  const db = getFirestore(app);
  const functions = getFunctions(app, __FUNCTIONS_REGION__);
  if (emulated) {
    connectAuthEmulator(auth, `http://${host}:${__EMULATOR_PORTS__.auth}`, { disableWarnings: true });
    connectFirestoreEmulator(db, host, __EMULATOR_PORTS__.firestore);
    connectFunctionsEmulator(functions, host, __EMULATOR_PORTS__.functions);
  }
  return { auth, db, functions, projectId: config.projectId ?? "", emulated };
}
