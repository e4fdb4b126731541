/**
 * Imported first by the benchmark: the engine logs every job event, and thousands of lines would
 * bury the table. firebase-functions/logger keeps the console functions it finds when it is loaded,
 * so they are replaced before that. Errors still show; BENCH_LOGS=1 (or true) keeps everything
 * (`benchSettings` refuses a value neither on nor off).
 */
import { readSwitch } from "../src/local/switches";

if (!readSwitch("BENCH_LOGS", false).on) {
  console.info = () => undefined;
  console.debug = () => undefined;
  console.warn = () => undefined;
}
