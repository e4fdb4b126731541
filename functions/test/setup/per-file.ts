import { clearEmulator } from "../../src/local/emulator";

// Every test starts from an empty database.
beforeEach(async () => {
  const url = process.env.CATALOG_TEST_CLEAR_URL;
  if (url) await clearEmulator(url);
});

// The engine logs every job event through firebase-functions/logger (console). Quiet by default so
// test output stays readable; TEST_LOGS=1 shows them. Skip notices go to stderr directly.
if (!process.env.TEST_LOGS) {
  const quiet = () => undefined;
  console.debug = quiet;
  console.info = quiet;
  console.warn = quiet;
  console.error = quiet;
}
