/** What every scenario gets: the emulator, the settings, and a progress line writer. */
import { clearEmulator } from "../../src/local/emulator";
import type { EmulatorTriggers } from "../../src/local/emulator-triggers";
import type { BenchSettings } from "../settings";

export interface BenchContext {
  projectId: string;
  settings: BenchSettings;
  /** The emulator's trigger callback (an emulator this process started); the local runtime's intake. */
  triggers?: EmulatorTriggers;
  /** Deletes every document, so each measurement starts from an empty database. */
  clear(): Promise<void>;
  /** A progress line (stderr, so the table on stdout stays clean). */
  progress(line: string): void;
}

export function benchContext(projectId: string, clearUrl: string, settings: BenchSettings, triggers?: EmulatorTriggers): BenchContext {
  return {
    projectId,
    settings,
    triggers,
    clear: () => clearEmulator(clearUrl),
    progress: (line) => process.stderr.write(`[bench] ${line}\n`),
  };
}
