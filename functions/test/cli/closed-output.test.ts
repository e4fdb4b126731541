/**
 * The CLI whose output's reader stops reading early, as `catalog-jobs list | head -1` does once head exits: every write
 * to stdout fails (EPIPE). The output is cut short, not the command: it runs to its end and exits with its own code,
 * nothing on stderr but what it says anyway, never a stack trace.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { FUNCTIONS_DIR, type ProcessOutcome } from "../helpers/processes";

const db = useFirestore();

/** The test's environment without a tasks emulator (one the run happens to have would receive the wake-ups). */
const { CLOUD_TASKS_EMULATOR_HOST: _tasksEmulator, ...TEST_ENV } = process.env;

/** The CLI with `argv`, its stdout closed before it writes; its stdout is empty then. */
function runWithOutputClosed(argv: readonly string[]): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    // Without jest's NODE_OPTIONS (its VM-modules flag would warn on stderr).
    const child = spawn(process.execPath, ["--import", "tsx", join(FUNCTIONS_DIR, "src", "cli", "main.ts"), ...argv], {
      cwd: FUNCTIONS_DIR,
      env: { ...TEST_ENV, NODE_OPTIONS: "" },
      timeout: 60_000,
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: "", stderr }));
  });
}

describeWithIsolation("catalog-jobs with its output's reader gone", () => {
  it("runs the command to its end and exits with its code, its output lost and no stack trace", async () => {
    const [listed, submitted] = await Promise.all([
      runWithOutputClosed(["list"]),
      runWithOutputClosed(["submit", "FAMILY_AUDIT", '{"family_slug":"row"}', "--json"]),
    ]);
    expect(listed).toEqual({ code: 0, stdout: "", stderr: "" });
    // The job is created, and the warning that no wake-up went out still reaches stderr.
    expect(submitted.code).toBe(0);
    expect(submitted.stderr).toMatch(/^warning: no wake-up task sent [^\n]*\n$/);
    const jobs = await db.collection(JOB_COLLECTIONS.jobs).get();
    expect(jobs.docs.map((doc) => [doc.get("type"), doc.get("payload.family_slug")])).toEqual([["FAMILY_AUDIT", "row"]]);
  }, 90_000);
});
