import { clearEmulator } from "../../src/local/emulator";
import { readSwitch } from "../../src/local/switches";

// Every test starts from an empty database.
beforeEach(async () => {
  const url = process.env.CATALOG_TEST_CLEAR_URL;
  if (url) await clearEmulator(url);
});

/** TEST_LOGS, a switch as every other: 1 or true shows the engine's logs, 0 or false (or unset) keeps them quiet. */
export function testLogs(env: NodeJS.ProcessEnv = process.env): ReturnType<typeof readSwitch> {
  return readSwitch("TEST_LOGS", false, env);
}

// The engine logs every job event through firebase-functions/logger (console). Quiet by default so
// test output stays readable. Skip notices go to stderr directly.
const { on: showLogs, problem } = testLogs();
if (problem) process.stderr.write(`warning: ${problem}: the engine's logs stay quiet\n`);
if (!showLogs) {
  const quiet = () => undefined;
  console.debug = quiet;
  console.info = quiet;
  console.warn = quiet;
  console.error = quiet;
}
