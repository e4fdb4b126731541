/**
 * `npm start` checks its switches and params before it starts anything: each one that does not parse is
 * named, a price table that is no table too (deployed, it would fail only the LLM jobs), and it exits 1;
 * started, it says how to give it work. Its params come from its environment, else from the functions'
 * `.env` files, read as the Functions emulator reads them.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Timestamp } from "firebase-admin/firestore";
import { firestoreClient } from "../../src/firestore";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { testQueue } from "../helpers/engine";
import { FUNCTIONS_DIR, type ProcessOutcome, runEntry } from "../helpers/processes";

/** `npm start`'s entry with `env` over this one's, and an emulator host that nothing listens on, should it get that far. */
function runLocalRuntime(env: NodeJS.ProcessEnv): Promise<ProcessOutcome> {
  return runEntry("local/main.ts", [], { ...process.env, FIRESTORE_EMULATOR_HOST: "127.0.0.1:9", ...env });
}

/**
 * A functions directory of the test's own holding `files` (name to text): the real one's sources,
 * dependencies and configs linked into it, so that `npm start` run from it (`runLocalRuntimeIn`) reads
 * these `.env` files and none of the developer's.
 */
function functionsDirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "functions-"));
  for (const linked of ["src", "node_modules", "package.json", "tsconfig.json"])
    symlinkSync(join(FUNCTIONS_DIR, linked), join(dir, linked));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** `npm start`'s entry in the functions directory `dir` (`functionsDirWith`), as `runLocalRuntime` runs it. */
function runLocalRuntimeIn(dir: string, env: NodeJS.ProcessEnv): Promise<ProcessOutcome> {
  return runEntry("local/main.ts", [], { ...process.env, FIRESTORE_EMULATOR_HOST: "127.0.0.1:9", ...env }, { functionsDir: dir });
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

describe("the functions' .env files", () => {
  // A project of this test's own: npm start seeds the demo catalog there, not in the tests'.
  const project = `demo-start-env-files-${process.pid}`;
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("gives it the params its environment does not: .env, then .env.<project>, then .env.local, as the Functions emulator reads them", async () => {
    dir = functionsDirWith({
      ".env": "JOB_LEASE_SECONDS=from-env\nJOB_HEARTBEAT_SECONDS=from-env\n",
      [`.env.${project}`]: "JOB_HEARTBEAT_SECONDS=from-project\nJOB_LOCK_RETRY_SECONDS=from-project\nnot an assignment\n",
      ".env.local": "JOB_LOCK_RETRY_SECONDS=from-local\n",
      ".env.demo-other-project": "JOB_BACKOFF_BASE_SECONDS=from-other-project\n",
    });
    // The environment's lease wins over .env's; each value a file gives it is checked as the environment's would be.
    const { code, stdout, stderr } = await runLocalRuntimeIn(dir, { GCLOUD_PROJECT: project, JOB_LEASE_SECONDS: "300" });
    expect(stderr.split("\n")).toEqual([
      `warning: ${join(dir, `.env.${project}`)}: lines left out, neither an assignment nor a comment (the deploy refuses the file): not an assignment`,
      "invalid params:",
      '  param JOB_HEARTBEAT_SECONDS must be an integer, not "from-project"',
      '  param JOB_LOCK_RETRY_SECONDS must be an integer, not "from-local"',
      "",
    ]);
    expect(stdout).toBe("");
    expect(code).toBe(1);
  }, 90_000);

  it("runs the engine with a param set only in .env, and with the environment's value over it; a switch comes from the environment alone", async () => {
    dir = functionsDirWith({ ".env": "WATCHDOG_INTERVAL_MINUTES=7\nRUN_SCHEDULES=not-a-switch\n" });
    const env = { FIRESTORE_EMULATOR_HOST: testEmulator(), GCLOUD_PROJECT: project, DEMO_JOBS: "0", EXIT_WHEN_DONE: "1" };
    const fromFile = await runLocalRuntimeIn(dir, env);
    expect(fromFile).toMatchObject({ code: 0, stderr: "", stdout: expect.stringContaining("watchdog every 7 min") });
    const fromEnvironment = await runLocalRuntimeIn(dir, { ...env, WATCHDOG_INTERVAL_MINUTES: "3" });
    expect(fromEnvironment).toMatchObject({ code: 0, stderr: "", stdout: expect.stringContaining("watchdog every 3 min") });
  }, 150_000);
});

it("refuses to run the engine without the official emulator's jar, saying where it looked and what to do", async () => {
  const { code, stderr } = await runLocalRuntime({ FIRESTORE_EMULATOR_HOST: "", FIRESTORE_EMULATOR_JAR: "/nonexistent/emulator.jar" });
  expect(code).toBe(1);
  expect(stderr).toContain("needs the official Cloud Firestore emulator, and its jar is not at /nonexistent/emulator.jar");
  expect(stderr).not.toContain("seeded demo catalog");
}, 90_000);

it("says in a line that Java is missing where no java is on PATH, and exits 1, with no crash dump", async () => {
  const noJava = mkdtempSync(join(tmpdir(), "no-java-"));
  try {
    // Any file will do for a jar: java is looked for first.
    writeFileSync(join(noJava, "emulator.jar"), "");
    const { code, stderr } = await runLocalRuntime({
      FIRESTORE_EMULATOR_HOST: "",
      FIRESTORE_EMULATOR_JAR: join(noJava, "emulator.jar"),
      PATH: noJava,
    });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      "npm start failed: java was not found: the Firestore emulator jar needs Java 17 or newer on PATH " +
        "(apt-get install openjdk-17-jre-headless)\n(VERBOSE=1 shows the stack)",
    );
  } finally {
    rmSync(noJava, { recursive: true });
  }
}, 90_000);

it("says what stopped its emulator, in the emulator's words and without stack traces, and exits 1", async () => {
  const dir = mkdtempSync(join(tmpdir(), "not-a-jar-"));
  try {
    writeFileSync(join(dir, "emulator.jar"), "not a jar");
    const { code, stderr } = await runLocalRuntime({ FIRESTORE_EMULATOR_HOST: "", FIRESTORE_EMULATOR_JAR: join(dir, "emulator.jar") });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^npm start failed: emulator exited early \(exit code 1\)\n/);
    expect(stderr).toContain("(VERBOSE=1 shows the stack)");
    expect(stderr).not.toMatch(/^\s+at /m);
  } finally {
    rmSync(dir, { recursive: true });
  }
}, 90_000);

it("with SEED_DEMO=0 leaves an empty catalog empty", async () => {
  const project = `demo-start-no-seed-${process.pid}`;
  const env = { FIRESTORE_EMULATOR_HOST: testEmulator(), GCLOUD_PROJECT: project, SEED_DEMO: "0", DEMO_JOBS: "0", EXIT_WHEN_DONE: "1" };
  const { code, stdout } = await runLocalRuntime(env);
  expect(code).toBe(0);
  expect(stdout).toContain("SEED_DEMO is off: not seeding the catalog");
  const db = firestoreClient({ projectId: project }, `no-seed-${process.pid}`);
  try {
    expect((await db.collection("exercises").limit(1).get()).size).toBe(0);
  } finally {
    await db.terminate();
  }
}, 150_000);

it("says so in one line, and nothing else, when no emulator answers at FIRESTORE_EMULATOR_HOST", async () => {
  const { code, stdout, stderr } = await runLocalRuntime({});
  expect(code).toBe(1);
  expect(stderr.trim()).toBe("no Firestore emulator answers at 127.0.0.1:9 (FIRESTORE_EMULATOR_HOST): start it, or unset the variable");
  expect(stdout).toBe("");
}, 90_000);

it("with DEMO_JOBS=0 says at once how to submit jobs to it, and stops in order on one Ctrl-C, the external emulator keeping the jobs", async () => {
  const host = testEmulator();
  // A project of its own: the engine seeds the demo catalog there, not in the tests'.
  const project = "demo-start-no-jobs";
  const child = spawn(process.execPath, ["--import", "tsx", join(FUNCTIONS_DIR, "src", "local", "main.ts")], {
    cwd: FUNCTIONS_DIR,
    env: { ...process.env, NODE_OPTIONS: "", FIRESTORE_EMULATOR_HOST: host, GCLOUD_PROJECT: project, DEMO_JOBS: "0" },
    timeout: 60_000,
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
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
  // Its project named, which the CLI would not take by default: the CLI works where the engine does.
  expect(stdout).toContain(
    `still running: write documents to catalog_jobs to submit more jobs (the CLI: GCLOUD_PROJECT=${project} FIRESTORE_EMULATOR_HOST=${host} npm --prefix functions run cli -- submit …); Ctrl-C to stop.`,
  );
  expect(stdout).not.toContain("no demo jobs to wait for");
  child.kill("SIGINT");
  expect(await exited).toBe(0);
  // The emulator outlives it, and the jobs in it.
  expect(stderr).toBe(
    "stopping: running jobs stop at their next safe point and are queued again for the next start (Ctrl-C again to stop at once)\n",
  );
}, 90_000);

it("says at start what it took up of the jobs a previous run left, and until when another process still holds one", async () => {
  // A project of its own on the test run's emulator, as a restart finds it: a queued job, one whose worker died
  // an hour ago (its lease expired), and one still leased (its worker's process stopped a moment ago).
  const project = `demo-start-from-before-${process.pid}`;
  const db = firestoreClient({ projectId: project }, `from-before-${process.pid}`);
  try {
    const anHourAgo = testQueue(db, { now: () => new Date(Date.now() - 3_600_000) });
    const queue = testQueue(db);
    const audit = (family_slug: string) => ({ type: "FAMILY_AUDIT", payload: { family_slug }, created_by: "test" });
    await queue.createJob(audit("squat"));
    const { jobId: expired } = await anHourAgo.createJob(audit("row"));
    expect(await anHourAgo.leaseById(expired, "worker-gone-an-hour-ago")).not.toBeNull();
    const { jobId: leased } = await queue.createJob(audit("lunge"));
    expect(await queue.leaseById(leased, "worker-gone-just-now")).not.toBeNull();
    const leaseEnd = ((await db.collection(JOB_COLLECTIONS.jobs).doc(leased).get()).get("lease_expires_at") as Timestamp).toDate();

    const env = { FIRESTORE_EMULATOR_HOST: testEmulator(), GCLOUD_PROJECT: project, DEMO_JOBS: "0", EXIT_WHEN_DONE: "1" };
    const { code, stdout } = await runLocalRuntime(env);
    expect(code).toBe(0);
    expect(stdout).toContain(
      "from before this start: 1 queued job taken in, 1 expired lease recovered; 1 job still leased by another process (one that " +
        `stopped without giving its jobs back, or one still running): the watchdog takes each back once its lease expires, the last at ${leaseEnd.toISOString()}\n`,
    );
  } finally {
    await db.terminate();
  }
}, 150_000);
