/** What every scenario gets: the emulator, the settings, and a progress line writer. */
import { clearEmulator } from "../../src/local/emulator";
import type { BenchSettings } from "../settings";

export interface BenchContext {
  projectId: string;
  settings: BenchSettings;
  /** Deletes every document, so each measurement starts from an empty database. */
  clear(): Promise<void>;
  /** A progress line (stderr, so the table on stdout stays clean). */
  progress(line: string): void;
}

/**
 * The emulator refuses to clear while a transaction holds a lock (409, "Transaction lock timeout"):
 * the naive baseline's workers left behind at a time limit hold theirs until the emulator times them out.
 */
const CLEAR_ATTEMPTS = 12;
const CLEAR_RETRY_MS = 5000;

async function clearWhenUnlocked(clearUrl: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await clearEmulator(clearUrl);
    } catch (err) {
      if (attempt >= CLEAR_ATTEMPTS || !String(err).includes("409")) throw err;
      await new Promise((resolve) => setTimeout(resolve, CLEAR_RETRY_MS));
    }
  }
}

export function benchContext(projectId: string, clearUrl: string, settings: BenchSettings): BenchContext {
  return {
    projectId,
    settings,
    clear: () => clearWhenUnlocked(clearUrl),
    progress: (line) => process.stderr.write(`[bench] ${line}\n`),
  };
}
