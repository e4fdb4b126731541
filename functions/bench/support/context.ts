/** What every scenario gets: a project of its own per measurement, the settings, and a progress line writer. */
import { type RunningEmulator, clearEmulator } from "../../src/local/emulator";
import type { EmulatorTriggers } from "../../src/local/emulator-triggers";
import type { BenchSettings } from "../settings";

/** One measurement's project of the emulator: empty when handed out. */
interface BenchProject {
  id: string;
  /** The emulator's trigger callback for this project (an emulator this process started); the local runtime's intake. */
  triggers?: EmulatorTriggers;
  /** Deletes every document of the project (a scenario that measures several steps in one project). */
  clear(): Promise<void>;
}

export interface BenchContext {
  settings: BenchSettings;
  /**
   * A new, empty project for the next measurement; the one before is cleared. Not one project
   * cleared between measurements: the emulator keeps what was deleted in a project, and every query
   * there scans it: a query over the same 1,000 jobs cost 6 ms of the emulator's CPU once 2,000 jobs
   * had been deleted before them and 16 ms once 11,000 had (4.4 ms in a new project), so whatever
   * ran later was measured on a slower emulator.
   */
  project(): Promise<BenchProject>;
  /** A progress line (stderr, so the table on stdout stays clean). */
  progress(line: string): void;
}

export function benchContext(
  emulator: Pick<RunningEmulator, "clearUrlOf">,
  projectPrefix: string,
  settings: BenchSettings,
  triggers?: EmulatorTriggers,
): BenchContext {
  let count = 0;
  let current: BenchProject | undefined;
  return {
    settings,
    async project() {
      await current?.clear();
      const id = `${projectPrefix}-${++count}`;
      const clearUrl = emulator.clearUrlOf(id);
      current = { id, triggers: triggers?.forProject(id), clear: () => clearEmulator(clearUrl) };
      return current;
    },
    progress: (line) => process.stderr.write(`[bench] ${line}\n`),
  };
}
