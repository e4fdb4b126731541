import { clearEmulator } from "../../src/local/emulator";

// Every test starts from an empty database.
beforeEach(async () => {
  const url = process.env.CATALOG_TEST_CLEAR_URL;
  if (url) await clearEmulator(url);
});
