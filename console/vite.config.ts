import { existsSync, readFileSync } from "node:fs";
import { defineConfig } from "vite";
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
 * deploy finds it: the environment, else `functions/.env.<project>` (the Firebase CLI names the project
 * in GCLOUD_PROJECT for Hosting's predeploy build), else `functions/.env`, else the engine's default.
 */
function functionsRegion(): string {
  if (process.env.TASKS_LOCATION) return process.env.TASKS_LOCATION;
  const project = process.env.GCLOUD_PROJECT;
  for (const name of [...(project ? [`.env.${project}`] : []), ".env"]) {
    const file = new URL(`../functions/${name}`, import.meta.url);
    if (!existsSync(file)) continue;
    const match = /^\s*TASKS_LOCATION\s*=\s*["']?([^"'\s#]+)/m.exec(readFileSync(file, "utf8"));
    if (match) return match[1];
  }
  return DEFAULT_FUNCTIONS_REGION;
}

export default defineConfig({
  define: { __EMULATOR_PORTS__: JSON.stringify(ports), __FUNCTIONS_REGION__: JSON.stringify(functionsRegion()) },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1000 },
});
