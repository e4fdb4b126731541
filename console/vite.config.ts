import { readFileSync } from "node:fs";
import { defineConfig } from "vite";
import { envFileNames, FUNCTIONS_DIR, loadEnvFiles } from "../functions/src/local/env-files";
import { DEFAULT_FUNCTIONS_REGION } from "./src/model";

// The emulator ports live in firebase.json; the console reads them from there at build time.
const firebaseJson = JSON.parse(readFileSync(new URL("../firebase.json", import.meta.url), "utf8")) as {
  emulators: Record<"auth" | "firestore" | "functions", { port: number }>;
};
const ports = {
  auth: firebaseJson.emulators.auth.port,
  firestore: firebaseJson.emulators.firestore.port,
  functions: firebaseJson.emulators.functions.port,
};

/**
 * The region the console calls the engine's functions in: their TASKS_LOCATION param, found where the
 * deploy finds it: the environment, else the `.env` files of the functions' directory `dir` the Functions
 * deploy reads for the project the Firebase CLI names in GCLOUD_PROJECT for Hosting's predeploy build
 * (`.env.<project>` over `.env`), parsed as the deploy parses them (the functions' own reader), else the
 * engine's default (also for an empty value, which names no region).
 */
export function functionsRegion(env: NodeJS.ProcessEnv = process.env, dir = FUNCTIONS_DIR): string {
  if (env.TASKS_LOCATION) return env.TASKS_LOCATION;
  const fromFiles: NodeJS.ProcessEnv = {};
  for (const warning of loadEnvFiles(dir, envFileNames(env.GCLOUD_PROJECT, false), { env: fromFiles }))
    console.warn(`console build: ${warning}`);
  return fromFiles.TASKS_LOCATION || DEFAULT_FUNCTIONS_REGION;
}

export default defineConfig({
  define: { __EMULATOR_PORTS__: JSON.stringify(ports), __FUNCTIONS_REGION__: JSON.stringify(functionsRegion()) },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The page's own chunk holds what the first view needs: Firebase Auth and Firestore (most of it) and the views but Days,
    // whose chunk brings Chart.js (app.tsx). That is past Vite's 500 kB and under this: more means something joined it.
    chunkSizeWarningLimit: 700,
  },
});
