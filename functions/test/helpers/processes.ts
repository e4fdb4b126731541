/** Runs a source entry point (`src/<entry>`) as a process of its own, as an operator or script runs it. */
import { spawn } from "node:child_process";
import { join } from "node:path";

export const FUNCTIONS_DIR = join(__dirname, "..", "..");

export interface ProcessOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `entry` relative to `src/` (e.g. "cli/main.ts"); resolves when the process ends, however it ends.
 * `imports`: modules Node loads first (`--import`), after tsx. `functionsDir`: a functions directory of
 * the test's own, whose `src` links to the real one (`.env` files of the test's beside the real sources).
 */
export function runEntry(
  entry: string,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  { imports = [], functionsDir = FUNCTIONS_DIR }: { imports?: readonly string[]; functionsDir?: string } = {},
): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    const preloads = ["tsx", ...imports].flatMap((module) => ["--import", module]);
    // Node keeps the links' paths, so the sources' directory, and their `.env` files beside it, is `functionsDir`.
    const links = functionsDir === FUNCTIONS_DIR ? [] : ["--preserve-symlinks", "--preserve-symlinks-main"];
    // Without jest's NODE_OPTIONS (its VM-modules flag would warn on stderr).
    const child = spawn(process.execPath, [...links, ...preloads, join(functionsDir, "src", entry), ...argv], {
      cwd: functionsDir,
      env: { ...env, NODE_OPTIONS: "" },
      // A process that hangs (an unreachable Firestore retries for minutes) fails its case instead of the whole run.
      timeout: 120_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
