/**
 * `npm start` checks its params before it starts anything: each one that does not parse is named,
 * a price table that is no table too (deployed, it would fail only the LLM jobs), and it exits 1;
 * started, it says how to give it work.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

const FUNCTIONS_DIR = join(__dirname, "..", "..");

function runLocalRuntime(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(FUNCTIONS_DIR, "src", "local", "main.ts")], {
      cwd: FUNCTIONS_DIR,
      // Without jest's NODE_OPTIONS; an emulator host that nothing listens on, should it get that far.
      env: { ...process.env, NODE_OPTIONS: "", FIRESTORE_EMULATOR_HOST: "127.0.0.1:9", ...env },
      timeout: 60_000,
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

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

it("says so in a line when no emulator answers at FIRESTORE_EMULATOR_HOST", async () => {
  const { code, stderr } = await runLocalRuntime({});
  expect(code).toBe(1);
  expect(stderr).toContain("no Firestore emulator answers at 127.0.0.1:9 (FIRESTORE_EMULATOR_HOST)");
}, 90_000);

it("with DEMO_JOBS=0 says at once how to submit jobs to it, and stops in order on one Ctrl-C", async () => {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  if (!host) throw new Error("the test run's emulator is not in FIRESTORE_EMULATOR_HOST");
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
