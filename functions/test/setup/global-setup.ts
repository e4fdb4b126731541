import { startOrFindEmulator, type RunningEmulator } from "../../src/local/emulator";
import { TEST_PROJECT_ID } from "./project";

declare global {
  var __catalogEmulator: RunningEmulator | undefined;
}

export default async function globalSetup(): Promise<void> {
  const emulator = await startOrFindEmulator({ projectId: TEST_PROJECT_ID });
  globalThis.__catalogEmulator = emulator;
  // Workers inherit these; the emulator is stopped in global-teardown even when tests fail.
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  process.env.CATALOG_TEST_BACKEND = emulator.backend;
  process.env.CATALOG_TEST_CLEAR_URL = emulator.clearUrl;
  process.env.GCLOUD_PROJECT = TEST_PROJECT_ID;
  // Everything runs against the emulator: no Google metadata server to probe.
  process.env.METADATA_SERVER_DETECTION ??= "none";
  process.on("exit", () => void emulator.stop());
}
