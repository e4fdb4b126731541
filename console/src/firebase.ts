/**
 * Firebase for the console: the project's web config from Hosting's `/__/firebase/init.json`
 * (served by Firebase Hosting and its emulator), and the Auth, Firestore and Functions emulators
 * when the console is served from this machine. The fallback config is the `demo-` project the
 * Emulator Suite runs, so nothing leaves the machine.
 */
import { initializeApp, type FirebaseOptions } from "firebase/app";
import { connectAuthEmulator, getAuth, type Auth } from "firebase/auth";
import { connectFirestoreEmulator, getFirestore, type Firestore } from "firebase/firestore";
import { connectFunctionsEmulator, getFunctions, type Functions } from "firebase/functions";

const DEMO_CONFIG: FirebaseOptions = {
  projectId: "demo-catalog-jobs",
  apiKey: "demo-api-key",
  authDomain: "demo-catalog-jobs.firebaseapp.com",
};

export interface FirebaseServices {
  auth: Auth;
  db: Firestore;
  functions: Functions;
  projectId: string;
  emulated: boolean;
}

async function webConfig(): Promise<FirebaseOptions> {
  try {
    const res = await fetch("/__/firebase/init.json");
    const config = res.ok ? ((await res.json()) as FirebaseOptions | null) : null;
    if (config?.projectId && config.apiKey) return config;
  } catch {
    // Not served by Hosting (e.g. `vite dev`): use the demo project.
  }
  return DEMO_CONFIG;
}

function servedLocally(hostname: string): boolean {
  return hostname === "localhost" || hostname === "127.0.0.1";
}

export async function connectFirebase(): Promise<FirebaseServices> {
  const config = await webConfig();
  const app = initializeApp(config);
  const auth = getAuth(app);
  const db = getFirestore(app);
  const functions = getFunctions(app, __FUNCTIONS_REGION__);
  const host = window.location.hostname;
  const emulated = servedLocally(host);
  if (emulated) {
    connectAuthEmulator(auth, `http://${host}:${__EMULATOR_PORTS__.auth}`, { disableWarnings: true });
    connectFirestoreEmulator(db, host, __EMULATOR_PORTS__.firestore);
    connectFunctionsEmulator(functions, host, __EMULATOR_PORTS__.functions);
  }
  return { auth, db, functions, projectId: config.projectId ?? "", emulated };
}
