/**
 * What Google's client libraries need from jest's sandbox to run as they do in plain Node.
 */
import { runInThisContext } from "node:vm";

/**
 * gaxios (under google-auth-library) loads its HTTP client with a dynamic `import()`, which jest runs
 * only when Node has --experimental-vm-modules; `npm test` sets it. Fails fast with that hint.
 */
export function requireVmModules(): void {
  const flag = "--experimental-vm-modules";
  if (!process.execArgv.includes(flag) && !(process.env.NODE_OPTIONS ?? "").includes(flag)) {
    throw new Error(`these tests run Google's client libraries: start jest with NODE_OPTIONS=${flag} (npm test does)`);
  }
}

const UNDICI_GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");

/**
 * The Gen AI SDK sends through undici's global dispatcher, which Node keeps on the main realm's
 * `globalThis`; jest's sandbox has its own. Shares the main realm's dispatcher with the sandbox.
 */
export function shareUndiciDispatcher(): void {
  const main = runInThisContext("globalThis") as Record<symbol, unknown>;
  if (!main[UNDICI_GLOBAL_DISPATCHER]) new Headers(); // Node creates its dispatcher lazily
  (globalThis as Record<symbol, unknown>)[UNDICI_GLOBAL_DISPATCHER] ??= main[UNDICI_GLOBAL_DISPATCHER];
}
