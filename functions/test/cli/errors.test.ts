/**
 * How the CLI words a failure, and what that costs it to load: every command loads the mapping, so it
 * must not bring in what only the Cloud Functions adapters need.
 */
import { spawn } from "node:child_process";
import { failureOf } from "../../src/cli/errors";
import { InvalidTransitionError } from "../../src/jobs/errors";
import { FUNCTIONS_DIR } from "../helpers/processes";

/** The modules of the callables' SDKs (`firebase-functions/v2/https`, `firebase-admin/auth`) a fresh process has loaded after `module`. */
function callableSdkModulesLoadedBy(module: string): Promise<string[]> {
  const script =
    `require(${JSON.stringify(module)});` +
    String.raw`console.log(JSON.stringify(Object.keys(require.cache).filter((path) => /node_modules\/(firebase-functions\/lib\/v2\/providers\/https|firebase-admin\/lib\/auth)\//.test(path))));`;
  return new Promise((resolve, reject) => {
    // Without jest's NODE_OPTIONS (its VM-modules flag would warn on stderr).
    const child = spawn(process.execPath, ["--import", "tsx", "-e", script], {
      cwd: FUNCTIONS_DIR,
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(stdout) as string[]) : reject(new Error(stderr))));
  });
}

describe("the CLI's failures", () => {
  it("word a refused transition as the console's actions do, with why it was refused", () => {
    const refused = new InvalidTransitionError("p1", "failed", "retry", "its child p1-shard-1 cannot be re-run: it no longer parses");
    expect(failureOf(refused, "retry")).toEqual({
      exitCode: 1,
      message: "cannot retry job p1: it is failed (its child p1-shard-1 cannot be re-run: it no longer parses)",
    });
  });

  it("load neither the callables' SDK nor Firebase Auth's", async () => {
    expect(await callableSdkModulesLoadedBy("./src/cli/errors.ts")).toEqual([]);
  });
});
