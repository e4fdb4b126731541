/**
 * `npm start` checks its switches and params before it starts anything: each one that does not parse is
 * named, a price table that is no table too (deployed, it would fail only the LLM jobs), and it exits 1;
 * started, it says how to give it work.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { FUNCTIONS_DIR, type ProcessOutcome, runEntry } from "../helpers/processes";

/** `npm start`'s entry with `env` over this one's, and an emulator host that nothing listens on, should it get that far. */
function runLocalRuntime(env: NodeJS.ProcessEnv): Promise<ProcessOutcome> {
  return runEntry("local/main.ts", [], { ...process.env, FIRESTORE_EMULATOR_HOST: "127.0.0.1:9", ...env });
}

/** The test run's emulator, which `npm start` can work on. */
function testEmulator(): string {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  if (!host) throw new Error("the test run's emulator is not in FIRESTORE_EMULATOR_HOST");
  return host;
}

it("refuses a switch that is neither on nor off, in a line naming it and the values it takes, and exits 1 before starting anything", async () => {
  const { code, stdout, stderr } = await runLocalRuntime({ EXIT_WHEN_DONE: "yes" });
  expect(code).toBe(1);
  expect(stderr.trim()).toBe('EXIT_WHEN_DONE must be 1 or true, 0 or false (unset: off), not "yes"');
  expect(stdout).toBe("");
}, 90_000);

it("takes true and false for its switches: DEMO_JOBS=false submits none, EXIT_WHEN_DONE=TRUE stops", async () => {
  // A project of its own: the engine seeds the demo catalog there, not in the tests'.
  const env = {
    FIRESTORE_EMULATOR_HOST: testEmulator(),
    GCLOUD_PROJECT: "demo-start-switch-words",
    DEMO_JOBS: "false",
    EXIT_WHEN_DONE: "TRUE",
  };
  const { code, stdout } = await runLocalRuntime(env);
  expect(stdout).not.toContain("submitted");
  expect(stdout).toContain("no demo jobs to wait for (DEMO_JOBS is off).");
  expect(code).toBe(0);
}, 150_000);

it("names every param that does not parse, the price table among them, and exits 1 before starting anything", async () => {
  const { code, stderr } = await runLocalRuntime({ JOB_LEASE_SECONDS: "soon", LLM_PRICES_JSON: '{"gemini-2.5-flash": {"input": 1}}' });
  expect(code).toBe(1);
  expect(stderr).toContain("invalid params:");
  expect(stderr).toContain('param JOB_LEASE_SECONDS must be an integer, not "soon"');
  expect(stderr).toContain("param LLM_PRICES_JSON is not a price table");
  expect(stderr).not.toContain("seeded demo catalog");
}, 90_000);

it("refuses to run the engine without the official emulator's jar, saying where it looked and what to do", async () => {
  const { code, stderr } = await runLocalRuntime({ FIRESTORE_EMULATOR_HOST: "", FIRESTORE_EMULATOR_JAR: "/nonexistent/emulator.jar" });
  expect(code).toBe(1);
  expect(stderr).toContain("needs the official Cloud Firestore emulator, and its jar is not at /nonexistent/emulator.jar");
  expect(stderr).not.toContain("seeded demo catalog");
}, 90_000);

it("says so in one line, and nothing else, when no emulator answers at FIRESTORE_EMULATOR_HOST", async () => {
  const { code, stdout, stderr } = await runLocalRuntime({});
  expect(code).toBe(1);
  expect(stderr.trim()).toBe("no Firestore emulator answers at 127.0.0.1:9 (FIRESTORE_EMULATOR_HOST): start it, or unset the variable");
  expect(stdout).toBe("");
}, 90_000);

it("with DEMO_JOBS=0 says at once how to submit jobs to it, and stops in order on one Ctrl-C", async () => {
  const host = testEmulator();
  // A project of its own: the engine seeds the demo catalog there, not in the tests'.
  const child = spawn(process.execPath, ["--import", "tsx", join(FUNCTIONS_DIR, "src", "local", "main.ts")], {
    cwd: FUNCTIONS_DIR,
    env: { ...process.env, NODE_OPTIONS: "", FIRESTORE_EMULATOR_HOST: host, GCLOUD_PROJECT: "demo-start-no-jobs", DEMO_JOBS: "0" },
    timeout: 60_000,
  });
  let stdout = "";
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("still running:")) resolve();
    });
    void exited.then((code) => reject(new Error(`npm start exited ${code} before saying it runs:\n${stdout}`)));
  });
  expect(stdout).toContain(`still running: write documents to catalog_jobs to submit more jobs (the CLI: FIRESTORE_EMULATOR_HOST=${host} `);
  expect(stdout).not.toContain("no demo jobs to wait for");
  child.kill("SIGINT");
  expect(await exited).toBe(0);
}, 90_000);
