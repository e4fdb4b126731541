/**
 * Imported first by `npm start`: firebase-functions/logger keeps the console functions it finds when
 * it is loaded, so the engine's info/debug logs are quieted before that (VERBOSE=1 keeps them).
 * Warnings and errors still show.
 */
import { startSwitch } from "./switches";

if (!startSwitch("VERBOSE")) {
  console.info = () => undefined;
  console.debug = () => undefined;
}
