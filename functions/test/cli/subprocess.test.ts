/**
 * The CLI as scripts use it: each case runs `src/cli/main.ts` as a process of its own against the
 * test emulator and checks the exit code, stdout, and stderr (empty on success; on failure one line,
 * no stack trace). One table of cases, run a few at a time, then the seeding that would disturb
 * them; then how the process picks its project and where it sends wake-up tasks. Every command runs once or more, with the error cases
 * scripts meet (unknown id, malformed JSON, invalid date, retry of a running job); each process costs
 * seconds, so the other refusals are tested in-process (commands.test.ts).
 */
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { type AddressInfo, type Socket, createServer as createTcpServer } from "node:net";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { createEngine, type Engine } from "../../src/create-engine";
import { loadEngineConfig } from "../../src/config";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { JobFailure } from "../../src/jobs/errors";
import { LANE_TASK_FUNCTION } from "../../src/tasks/lanes";
import { dayKey } from "../../src/jobs/run-history";
import { seedDemoCatalog } from "../../src/local/seed";
import { forEachBounded } from "../../src/util/bounded";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";
import { RecordingTasks, testConfig } from "../helpers/runtime";
import { FUNCTIONS_DIR, type ProcessOutcome as Outcome, runEntry } from "../helpers/processes";

const db = useFirestore();

/** The test's environment without a tasks emulator (one the run happens to have would receive the wake-ups). */
const { CLOUD_TASKS_EMULATOR_HOST: _tasksEmulator, ...TEST_ENV } = process.env;

/** The test's environment naming no project and no emulator: the CLI works on a real project it must be told. */
const PROJECT_VARS = ["FIRESTORE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST", "GCLOUD_PROJECT", "GOOGLE_CLOUD_PROJECT"];
const elsewhere = Object.fromEntries(Object.entries(TEST_ENV).filter(([name]) => !PROJECT_VARS.includes(name)));

/**
 * A functions directory of the test's own, holding no `.env` file: the real one's sources, dependencies and
 * configs linked into it, so the CLI run from it (`runEntry`'s `functionsDir`) reads none of the developer's.
 */
function functionsDirWithoutEnvFiles(): string {
  const dir = mkdtempSync(join(tmpdir(), "functions-"));
  for (const linked of ["src", "node_modules", "package.json", "tsconfig.json"])
    symlinkSync(join(FUNCTIONS_DIR, linked), join(dir, linked));
  return dir;
}

const runCliProcess = (argv: readonly string[], env: NodeJS.ProcessEnv = TEST_ENV): Promise<Outcome> => runEntry("cli/main.ts", argv, env);

interface Case {
  argv: string[];
  code: 0 | 1 | 2 | 3;
  /** What stdout (on success) or the stderr line (on failure) must match or satisfy. */
  expect: RegExp | ((stdout: string) => boolean);
  /** What stderr must match on success (a warning); empty when absent. */
  stderr?: RegExp;
}

/** On an emulator without a tasks emulator, a created job is the local engine's intake's, which takes it in at once: one short line. */
const createdWarning =
  /^warning: no wake-up task sent \(CLOUD_TASKS_EMULATOR_HOST is not set\); the local engine \(npm start\) takes the job in: at once while it runs, else at its next start\n$/;
/** A job queued again waits: the line says when each kind of local engine wakes it. */
const requeuedWarning = new RegExp(
  `^warning: the job's wake-up task was not sent \\(CLOUD_TASKS_EMULATOR_HOST is not set: the job waits for the local engine, npm start\\); the job runs when the local engine \\(npm start\\) wakes it: on an external emulator \\(FIRESTORE_EMULATOR_HOST\\) its listener takes in at once a job that enters the queue \\(a retry's, an expired lease recovered\\); otherwise \\(a job queued already, a waiting parent made due, or on the emulator npm start started, whose trigger delivers only created jobs\\), a wake-up of a job after it in its lane that drains past it, or the engine's next watchdog sweep \\(every WATCHDOG_INTERVAL_MINUTES, 5 minutes by default\\) once the job has waited WATCHDOG_STALE_QUEUED_SECONDS \\(180 seconds by default\\) among its lane's last ready jobs; where none runs, its next start, which takes in every queued job\n$`,
);

/** Runs the cases a few at a time; returns what went wrong, one line per case, so a failure names its case. */
async function runCases(cases: readonly Case[]): Promise<string[]> {
  const outcomes: Outcome[] = [];
  await forEachBounded([...cases.keys()], 3, async (index) => {
    outcomes[index] = await runCliProcess(cases[index].argv);
  });
  return cases.flatMap((c, index) => {
    const { code, stdout, stderr } = outcomes[index];
    const label = `catalog-jobs ${c.argv.join(" ")}`;
    const found: string[] = [];
    if (code !== c.code) found.push(`exit ${code}, expected ${c.code}`);
    if (c.code === 0 && (c.stderr ? !c.stderr.test(stderr) : stderr !== "")) found.push(`unexpected stderr: ${stderr}`);
    if (c.code !== 0 && (stderr.trimEnd().split("\n").length !== 1 || /\n\s+at /.test(stderr)))
      found.push(`stderr is not one line: ${stderr}`);
    const text = c.code === 0 ? stdout : stderr;
    const ok = typeof c.expect === "function" ? safely(() => (c.expect as (s: string) => boolean)(text)) : c.expect.test(text);
    if (!ok) found.push(`unexpected output: ${text}`);
    return found.map((problem) => `${label}: ${problem}`);
  });
}

function safely(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

/** A check of stdout parsed as JSON (the parsed value is as loosely typed as JSON.parse makes it). */
const json = (check: (value: ReturnType<typeof JSON.parse>) => boolean) => (stdout: string) => check(JSON.parse(stdout));

/** Jobs and a change for the commands to work on, made the way the engine makes them. */
async function fixture(engine: Engine) {
  await seedDemoCatalog(db);
  const submit = async (type: string, payload: Record<string, unknown>) => {
    const created = await engine.queue.createJob({ type, payload, created_by: "test" });
    return created.jobId;
  };
  const audited = await submit("FAMILY_AUDIT", { family_slug: "bench_press" });
  const renamed = await submit("TARGETED_FIX", {
    mode: "apply",
    exercise_doc_ids: ["squat__squat-barbell"],
    fix_type: "rename",
    fix_data: { new_name: "Back Squat (Barbell)" },
  });
  const reports = await engine.runLane("priority", { maxJobs: 2, budgetMs: 60_000 });
  expect(reports.map((report) => report.status).sort()).toEqual(["succeeded", "succeeded_dry_run"]);
  const changeOf = async (op: string) =>
    (await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", renamed).where("op", "==", op).get()).docs[0].id;
  const running = await submit("FAMILY_AUDIT", { family_slug: "squat" });
  expect(await engine.queue.leaseById(running, "test-worker")).not.toBeNull();
  const queued = await submit("FAMILY_AUDIT", { family_slug: "row" });
  const cancelled = await submit("FAMILY_AUDIT", { family_slug: "deadlift" });
  await engine.cancel(cancelled);
  return {
    audited,
    renamed,
    changeId: await changeOf("rename_exercise"),
    aliasChangeId: await changeOf("upsert_alias"),
    running,
    queued,
    cancelled,
  };
}

describeWithFullEmulator("catalog-jobs as a subprocess", () => {
  it("runs every command with its exit code, output and one-line errors", async () => {
    const engine = createEngine({ db, config: testConfig({ applyEnabled: true }), tasks: new RecordingTasks() });
    const ids = await fixture(engine);
    const today = dayKey(new Date());
    const yesterday = dayKey(new Date(Date.now() - 86_400_000));

    const first: Case[] = [
      { argv: ["--help"], code: 0, expect: /commands:[\s\S]*schedules run <SCAN>[\s\S]*exit codes:[\s\S]*3 +not found[\s\S]*FAMILY_AUDIT/ },
      { argv: [], code: 2, expect: /^catalog-jobs: no command given/ },
      {
        argv: ["submit", "FAMILY_AUDIT", '{"family_slug":"lunge"}', "--priority", "300"],
        code: 0,
        expect: /^created \S+\n$/,
        stderr: createdWarning,
      },
      {
        argv: ["submit", "FAMILY_AUDIT", '{"family_slug":"row"}', "--json"],
        code: 0,
        expect: json((job) => job.outcome === "created" && typeof job.job_id === "string" && job.wakeup_sent === false),
        stderr: createdWarning,
      },
      { argv: ["submit", "FAMILY_AUDIT", "{not json"], code: 2, expect: /the payload is not valid JSON/ },
      {
        argv: ["list", "--status", "succeeded", "--json"],
        code: 0,
        expect: json((jobs) => jobs.length === 1 && jobs[0].id === ids.renamed && typeof jobs[0].created_at === "string"),
      },
      {
        argv: ["show", ids.audited, "--json"],
        code: 0,
        expect: json(({ job, attempts }) => job.id === ids.audited && job.status === "succeeded_dry_run" && attempts.length === 1),
      },
      { argv: ["show", "no-such-job"], code: 3, expect: /job no-such-job does not exist/ },
      { argv: ["retry", ids.running], code: 1, expect: new RegExp(`^catalog-jobs retry: cannot retry job ${ids.running}: it is running`) },
      {
        argv: ["cancel", ids.running],
        code: 0,
        expect: new RegExp(`^cancel requested for running job ${ids.running}: it stops at its next safe point`),
      },
      { argv: ["retry", ids.cancelled], code: 0, expect: new RegExp(`^requeued ${ids.cancelled}`), stderr: requeuedWarning },
      { argv: ["cancel", ids.queued], code: 0, expect: new RegExp(`^cancelled ${ids.queued}`) },
      {
        argv: ["history", "--family", "bench_press", "--json"],
        code: 0,
        expect: json(({ runs }) => runs.length === 1 && runs[0].job_id === ids.audited && runs[0].subjects.includes("bench_press")),
      },
      { argv: ["history", "--from", "2026-02-30"], code: 2, expect: /--from takes a date as YYYY-MM-DD, not "2026-02-30"/ },
      { argv: ["daily", "--json"], code: 0, expect: json((day) => day.day === today && day.runs === 2) },
      {
        argv: ["summary", "--from", yesterday, "--to", today, "--json"],
        code: 0,
        expect: json(({ days, total }) => days.length === 2 && total.runs === 2 && total.by_type.TARGETED_FIX === 1),
      },
      { argv: ["watchdog", "--json"], code: 0, expect: json((report) => report.complete === true) },
      {
        argv: ["schedules", "--json"],
        code: 0,
        expect: json(
          (rows) =>
            rows.length === 4 &&
            rows.every((row: { mode: string; next_run: string }) => row.mode === "dry_run" && row.next_run > new Date().toISOString()),
        ),
      },
      {
        argv: ["schedules", "run", "QUALITY_SCAN"],
        code: 0,
        expect: new RegExp(`^created QUALITY_SCAN@${today} \\(period ${today}, dry_run\\)`),
        stderr: createdWarning,
      },
    ];
    expect(await runCases(first)).toEqual([]);
    // One at a time: the rename kept its old slug as an alias, so it is reverted after the alias's change.
    const reverts: Case[] = [
      {
        argv: ["revert", ids.changeId],
        code: 1,
        expect: new RegExp(
          `^catalog-jobs revert: change ${ids.changeId} cannot be reverted: exercise_aliases/squat-barbell names the slug`,
        ),
      },
      {
        argv: ["revert", ids.aliasChangeId],
        code: 0,
        expect: new RegExp(`^reverted ${ids.aliasChangeId} \\(made by job [^)]+\\): exercise_aliases/squat-barbell`),
      },
      {
        argv: ["revert", ids.changeId],
        code: 0,
        expect: new RegExp(`^reverted ${ids.changeId} \\(made by job [^)]+\\): exercises/squat__squat-barbell`),
      },
    ];
    for (const revert of reverts) expect(await runCases([revert])).toEqual([]);
    // After the revert: seeding writes the catalog documents it reverts (the catalog holds documents: only with --force).
    expect(
      await runCases([
        { argv: ["seed", "--broken"], code: 1, expect: /^catalog-jobs seed: the catalog already holds documents/ },
        { argv: ["seed", "--broken", "--force"], code: 0, expect: /^seeded \d+ exercises, \d+ aliases, \d+ families/ },
      ]),
    ).toEqual([]);
    // The two submits.
    expect((await db.collection(JOB_COLLECTIONS.jobs).where("created_by", "==", "system:cli").get()).size).toBe(2);
  }, 600_000);

  it("refuses to guess a project when it works on no Firestore emulator and none is named, the Auth emulator alone too", async () => {
    const [outcome, authOnly] = await Promise.all([
      runCliProcess(["list"], elsewhere),
      // The Auth emulator would leave Firestore the real one, of a project nobody named.
      runCliProcess(["list"], { ...elsewhere, FIREBASE_AUTH_EMULATOR_HOST: "127.0.0.1:9099" }),
    ]);
    expect(outcome).toMatchObject({ code: 2, stdout: "" });
    expect(outcome.stderr.trim()).toMatch(/^catalog-jobs list: no project: set GCLOUD_PROJECT/);
    expect(authOnly).toMatchObject({ code: 2, stdout: "" });
    expect(authOnly.stderr.trim()).toMatch(
      /^catalog-jobs list: no project: .*\(FIREBASE_AUTH_EMULATOR_HOST alone leaves Firestore the real one\) \(see `list --help`\)$/,
    );
  }, 120_000);

  it("refuses the curators commands on the Firestore emulator without the Auth emulator: they would change the real accounts", async () => {
    // No metadata server to wait for: a regression fails fast on missing credentials instead of hanging.
    const firestoreOnly = {
      ...Object.fromEntries(Object.entries(TEST_ENV).filter(([name]) => name !== "FIREBASE_AUTH_EMULATOR_HOST")),
      METADATA_SERVER_DETECTION: "none",
    };
    const [grant, list] = await Promise.all([
      runCliProcess(["curators", "grant", "ana@example.com"], firestoreOnly),
      runCliProcess(["curators"], firestoreOnly),
    ]);
    const refused = "FIRESTORE_EMULATOR_HOST is set but FIREBASE_AUTH_EMULATOR_HOST is not: set it to the Auth emulator";
    expect(grant).toMatchObject({ code: 2, stdout: "" });
    expect(grant.stderr.trim()).toMatch(new RegExp(`^catalog-jobs curators grant: ${refused}`));
    expect(list).toMatchObject({ code: 2, stdout: "" });
    expect(list.stderr.trim()).toMatch(new RegExp(`^catalog-jobs curators: ${refused}`));
  }, 120_000);

  it("checks the schedules before a deploy with no project named: it reads no data", async () => {
    const [valid, invalid] = await Promise.all([
      runCliProcess(["schedules", "--json"], elsewhere),
      runCliProcess(["schedules"], { ...elsewhere, QUALITY_SCAN_SCHEDULE: "every day" }),
    ]);
    expect(valid).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(valid.stdout)).toHaveLength(4);
    expect(invalid).toMatchObject({ code: 1 });
    expect(invalid.stderr.trim()).toMatch(/^catalog-jobs schedules: param QUALITY_SCAN_SCHEDULE .*"every day"/);
  }, 120_000);

  it("takes npm start's default for CATALOG_APPLY_ENABLED on the Firestore emulator it serves, and the param's own off it or under the Emulator Suite", async () => {
    // No .env file sets it (not even .env.demo-catalog-jobs): the default alone decides a scan's mode where its _APPLY is on.
    const dir = functionsDirWithoutEnvFiles();
    try {
      const without = (names: readonly string[]) =>
        Object.fromEntries(Object.entries({ ...TEST_ENV, QUALITY_SCAN_APPLY: "true" }).filter(([name]) => !names.includes(name)));
      const [unset, withoutEmulator] = [without(["CATALOG_APPLY_ENABLED"]), without(["CATALOG_APPLY_ENABLED", ...PROJECT_VARS])];
      // The Emulator Suite's functions, to which the CLI sends wake-ups through its tasks emulator, take the params' defaults.
      const suite = { ...unset, CLOUD_TASKS_EMULATOR_HOST: "127.0.0.1:9499" };
      const [onEmulator, deployed, underSuite] = await Promise.all([
        runEntry("cli/main.ts", ["schedules", "--json"], unset, { functionsDir: dir }),
        runEntry("cli/main.ts", ["schedules", "--json"], withoutEmulator, { functionsDir: dir }),
        runEntry("cli/main.ts", ["schedules", "--json"], suite, { functionsDir: dir }),
      ]);
      const qualityScanMode = ({ stdout }: Outcome) =>
        (JSON.parse(stdout) as Array<{ scan: string; mode: string }>).find(({ scan }) => scan === "QUALITY_SCAN")?.mode;
      expect(onEmulator).toMatchObject({ code: 0, stderr: "" });
      expect(qualityScanMode(onEmulator)).toBe("apply");
      expect(deployed).toMatchObject({ code: 0, stderr: "" });
      expect(qualityScanMode(deployed)).toBe("dry_run");
      expect(underSuite).toMatchObject({ code: 0, stderr: "" });
      expect(qualityScanMode(underSuite)).toBe("dry_run");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("fails within seconds, in one line, where the emulator FIRESTORE_EMULATOR_HOST or FIREBASE_AUTH_EMULATOR_HOST names does not answer", async () => {
    // A port nothing listens on: an emulator stopped, or gone with the `npm start` that chose its port.
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const dead = `127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const started = Date.now();
    const [submit, show, curators, unknownType] = await Promise.all([
      // The Firestore client would retry its commit for minutes, printing nothing.
      runCliProcess(["submit", "FAMILY_AUDIT", '{"family_slug":"squat"}'], { ...TEST_ENV, FIRESTORE_EMULATOR_HOST: dead }),
      runCliProcess(["show", "abc"], { ...TEST_ENV, FIRESTORE_EMULATOR_HOST: dead }),
      runCliProcess(["curators"], { ...TEST_ENV, FIREBASE_AUTH_EMULATOR_HOST: dead }),
      // Malformed input is a usage error whatever answers: it needs no Firestore.
      runCliProcess(["submit", "FOO", "{}"], { ...TEST_ENV, FIRESTORE_EMULATOR_HOST: dead }),
    ]);
    expect(Date.now() - started).toBeLessThan(30_000);
    const firestoreDown = `no Firestore emulator answers at ${dead} (FIRESTORE_EMULATOR_HOST): start it, or unset the variable\n`;
    expect(submit).toEqual({ code: 1, stdout: "", stderr: `catalog-jobs submit: ${firestoreDown}` });
    expect(show).toEqual({ code: 1, stdout: "", stderr: `catalog-jobs show: ${firestoreDown}` });
    expect(curators).toEqual({
      code: 1,
      stdout: "",
      stderr: `catalog-jobs curators: no Auth emulator answers at ${dead} (FIREBASE_AUTH_EMULATOR_HOST): start it\n`,
    });
    expect(unknownType).toMatchObject({ code: 2, stdout: "" });
    expect(unknownType.stderr).toMatch(
      /^catalog-jobs submit: invalid job: type: unknown job type "FOO"; job types: .* \(see `submit --help`\)\n$/,
    );
  }, 60_000);

  it("stops on Ctrl-C with exit 130 and one line saying what the command may have left: a submit's job, maybe created", async () => {
    // A Firestore that takes the connection and never answers: the command waits on it when the signal comes.
    const sockets: Socket[] = [];
    let connect = () => undefined as void;
    const connected = new Promise<void>((resolve) => (connect = resolve));
    const silent = createTcpServer((socket) => {
      sockets.push(socket);
      connect();
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const argv = ["submit", "FAMILY_AUDIT", '{"family_slug":"squat"}'];
    const child = spawn(process.execPath, ["--import", "tsx", join(FUNCTIONS_DIR, "src", "cli", "main.ts"), ...argv], {
      cwd: FUNCTIONS_DIR,
      env: { ...TEST_ENV, FIRESTORE_EMULATOR_HOST: `127.0.0.1:${port}`, NODE_OPTIONS: "" },
      timeout: 120_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      await connected;
      child.kill("SIGINT");
      expect({ code: await exited, stdout, stderr }).toEqual({
        code: 130,
        stdout: "",
        stderr:
          "catalog-jobs submit: interrupted; the job may be created already: check `list` before submitting it again, which would create a second one (with --dedup-key, submitting again creates nothing while that job is open)\n",
      });
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 120_000);

  it("sends a retry's wake-up to the tasks emulator CLOUD_TASKS_EMULATOR_HOST names, as the callables do", async () => {
    const engine = createEngine({ db, config: testConfig(), tasks: new RecordingTasks() });
    const { jobId } = await engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
    const leased = await engine.queue.leaseById(jobId, "w1");
    await engine.queue.endAttempt(leased!.lease, {
      ...engine.queue.failing(leased!.job, JobFailure.permanent("BROKEN", "broken"), null),
      bookkeeping: () => undefined,
    });

    // The tasks emulator's REST surface, as firebase-admin's task queue client calls it.
    const received: { url: string; body: { task: { name: string; httpRequest: { body: string } } } }[] = [];
    const tasksEmulator = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push({ url: req.url ?? "", body: JSON.parse(body) });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => tasksEmulator.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = tasksEmulator.address() as AddressInfo;
      const outcome = await runCliProcess(["retry", jobId], { ...TEST_ENV, CLOUD_TASKS_EMULATOR_HOST: `127.0.0.1:${port}` });
      expect(outcome).toEqual({ code: 0, stdout: `requeued ${jobId}\n`, stderr: "" });
    } finally {
      await new Promise((resolve) => tasksEmulator.close(resolve));
    }
    const queue = `/projects/${process.env.GCLOUD_PROJECT}/locations/${loadEngineConfig(TEST_ENV).taskLocation}/queues/${LANE_TASK_FUNCTION.priority}/tasks`;
    expect(received.map(({ url }) => url)).toEqual([queue]);
    const { data } = JSON.parse(Buffer.from(received[0].body.task.httpRequest.body, "base64").toString()) as { data: { job_id: string } };
    expect(data.job_id).toBe(jobId);
  }, 120_000);

  it("shows the engine's logs on stderr with VERBOSE=1 or true, and warns of a VERBOSE that is neither on nor off", async () => {
    // A sweep logs its report ("watchdog run") whatever it finds.
    const swept = /watchdog run/;
    const [quiet, one, yes, bad] = await Promise.all(
      [undefined, "1", "TRUE", "yes"].map((verbose) =>
        runCliProcess(["watchdog"], verbose === undefined ? TEST_ENV : { ...TEST_ENV, VERBOSE: verbose }),
      ),
    );
    for (const outcome of [quiet, one, yes, bad]) expect(outcome.stdout).toMatch(/^complete +true$/m);
    expect(quiet.stderr).not.toMatch(swept);
    expect(one.stderr).toMatch(swept);
    expect(yes.stderr).toMatch(swept);
    expect(bad.stderr).not.toMatch(swept);
    expect(bad.stderr).toMatch(
      /^warning: VERBOSE must be 1 or true, 0 or false \(unset: off\), not "yes": the engine's logs stay hidden\n/,
    );
  }, 120_000);
});
