import { readFileSync } from "node:fs";
import { defineConfig } from "vite";

// The emulator ports live in firebase.json; the console reads them from there at build time.
const firebaseJson = JSON.parse(readFileSync(new URL("../firebase.json", import.meta.url), "utf8")) as {
  emulators: Record<"auth" | "firestore" | "functions", { port: number }>;
};
const ports = {
  auth: firebaseJson.emulators.auth.port,
  firestore: firebaseJson.emulators.firestore.port,
  functions: firebaseJson.emulators.functions.port,
};

export default defineConfig({
  define: { __EMULATOR_PORTS__: JSON.stringify(ports) },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1000 },
});
