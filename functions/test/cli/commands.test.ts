/**
 * The CLI in-process: help for every command, tables, paging, summed ranges, the schedules list and
 * the curators commands (over an in-memory directory here; `scripts/client-flow.ts` runs them on
 * the Auth emulator).
 */
import type { Timestamp } from "firebase-admin/firestore";
import type { Auth, UserRecord } from "firebase-admin/auth";
import { CuratorAccountNotFoundError, type CuratorAccount, type CuratorDirectory, authCuratorDirectory } from "../../src/adapters/curators";
import { MAX_DOCUMENT_ID_BYTES } from "../../src/util/document-id";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COMMANDS } from "../../src/cli/commands";
import { registry } from "../../src/handlers";
import { EXIT_CODE_HELP } from "../../src/cli/errors";
import { LocalEngineWakeups } from "../../src/cli/local-engine";
import { interruptedLine, runCli } from "../../src/cli/run";
import { createEngine, type Engine } from "../../src/create-engine";
import { type EngineConfig, loadEngineConfig } from "../../src/config";
import { attemptRef } from "../../src/jobs/attempt-log";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { JobFailure } from "../../src/jobs/errors";
import type { RunSummary } from "../../src/jobs/run-history";
import type { TaskQueuePort } from "../../src/jobs/task-queue";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { planWriter } from "../../src/apply/run-plan";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { DEMO_ALIASES, DEMO_EXERCISES, DEMO_FAMILIES } from "../../src/catalog/demo-catalog";
import { exerciseFixture, planOf, seedCatalog } from "../helpers/catalog";
import { childJobId } from "../../src/jobs/flows";
import { finishedParent, leaseForTest, makeTestDeps, testQueue, testApplyEngine } from "../helpers/engine";
import { recordRunForTest } from "../helpers/runs";
import { failNextQuery } from "../helpers/faults";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();

/** Accounts by email, each with whether it carries the curator claim. */
class MemoryDirectory implements CuratorDirectory {
  constructor(readonly accounts: Map<string, CuratorAccount & { curator: boolean }>) {}

  setCurator(email: string, curator: boolean) {
    const account = this.accounts.get(email);
    if (!account) return Promise.reject(new CuratorAccountNotFoundError(email));
    const changed = account.curator !== curator;
    account.curator = curator;
    return Promise.resolve({ uid: account.uid, email, email_verified: account.email_verified, changed });
  }

  listCurators() {
    return Promise.resolve([...this.accounts.values()].filter((a) => a.curator).map(({ curator: _curator, ...account }) => account));
  }
}

const unusedDirectory = (): CuratorDirectory => {
  throw new Error("this command must not need the curator directory");
};

async function cliOn(engine: Engine, argv: string[], curators = unusedDirectory) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    engine: () => engine,
    settings: () => engine,
    curators,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out: out.join("\n"), err };
}

function cli(
  argv: string[],
  config: Partial<EngineConfig> = {},
  now?: () => Date,
  curators = unusedDirectory,
  tasks: TaskQueuePort = new RecordingTasks(),
) {
  return cliOn(createEngine({ db, config: testConfig(config), tasks, now }), argv, curators);
}

const run = (jobId: string, finishedAt: string, over: Partial<RunSummary> = {}): RunSummary => ({
  job_id: jobId,
  job_created_at: new Date(finishedAt),
  attempt: 1,
  lease_epoch: 1,
  type: "FAMILY_AUDIT",
  subjects: ["squat"],
  lane: "priority",
  priority: 100,
  attempt_status: "succeeded_dry_run",
  job_status: "succeeded_dry_run",
  mode: "dry_run",
  worker_id: "w",
  started_at: new Date(new Date(finishedAt).getTime() - 1500),
  finished_at: new Date(finishedAt),
  changes_count: 1,
  changes_preview: [],
  error: null,
  scanner_fail: 0,
  llm: { calls: 2, input_tokens: 10, output_tokens: 5, estimated_cost_usd: 0.5 },
  ...over,
});

describe("help", () => {
  it.each(COMMANDS.map((command) => command.name))("%s --help prints its usage and options and touches nothing", async (name) => {
    const engine = () => {
      throw new Error("help must not need the engine");
    };
    const out: string[] = [];
    const code = await runCli([...name.split(" "), "--help"], {
      engine,
      settings: engine,
      curators: unusedDirectory,
      out: (line) => out.push(line),
      err: () => undefined,
    });
    expect(code).toBe(0);
    expect(out.join("\n")).toMatch(new RegExp(`^usage: catalog-jobs ${name}[\\s\\S]*-h, --help`));
  });
});

describe("overview", () => {
  it("lists the job types submit takes as job types, and names those only the engine makes apart, for list and history", async () => {
    const out: string[] = [];
    const noEngine = () => {
      throw new Error("help must not need the engine");
    };
    await runCli(["--help"], {
      engine: noEngine,
      settings: noEngine,
      curators: unusedDirectory,
      out: (line) => out.push(line),
      err: () => undefined,
    });
    const lines = out.join("\n").split("\n");
    const types = (prefix: string) =>
      lines
        .find((line) => line.startsWith(prefix))
        ?.slice(prefix.length)
        .split(", ");
    expect(types("job types: ")).toEqual(registry.requestableTypes);
    expect(types("made only by the engine (`list --type` and `history --type` take them, `submit` does not): ")).toEqual([
      "CATALOG_ENRICH_FIELD_SHARD",
    ]);
    expect(lines).toContain("`catalog-jobs <command> --help` shows a command's options; every command takes --json.");
  });
});

const readme = () => readFileSync(join(__dirname, "../../../README.md"), "utf8");

describe("exit codes", () => {
  it("the README's table lists each of them with the meaning help gives it", () => {
    const rows = readme().match(/^\| exit code \|.*\n\|[- |]+\|\n((?:\|.*\|\n)+)/m)?.[1] ?? "";
    const documented = rows
      .trim()
      .split("\n")
      .map((row) =>
        row
          .split("|")
          .map((cell) => cell.trim())
          .filter(Boolean)
          .join("  "),
      );
    expect(documented).toEqual(EXIT_CODE_HELP);
  });
});

describe("Ctrl-C", () => {
  it("names the command it stopped and says what that command may have left: running a submit again may create a second job", () => {
    expect(interruptedLine(["submit", "FAMILY_AUDIT"])).toBe(
      "catalog-jobs submit: interrupted; the job may be created already: check `list` before submitting it again, which would create a second one (with --dedup-key, submitting again creates nothing while that job is open)",
    );
    expect(interruptedLine(["retry", "j1"])).toMatch(
      /^catalog-jobs retry: interrupted; a retry cut short .* is finished by running it again$/,
    );
    expect(interruptedLine(["cancel", "j1"])).toMatch(
      /^catalog-jobs cancel: interrupted; a cancel cut short .* is finished by running it again$/,
    );
    expect(interruptedLine(["schedules", "run", "QUALITY_SCAN"])).toBe(
      "catalog-jobs schedules run: interrupted; running it again is safe: it creates no second job for the period",
    );
    expect(interruptedLine(["seed", "--broken"])).toBe(
      "catalog-jobs seed: interrupted; part of the demo catalog may be written: running it again with --force is safe and finishes it (without --force, it refuses the documents written)",
    );
    expect(interruptedLine(["watchdog"])).toBe(
      "catalog-jobs watchdog: interrupted; a sweep cut short changes nothing twice: running it again is safe, and goes through what it left",
    );
    expect(interruptedLine(["curators", "grant", "ana@example.com"])).toBe(
      "catalog-jobs curators grant: interrupted; the claim may be given already or not: running it again is safe",
    );
    expect(interruptedLine(["curators", "revoke", "ana@example.com"])).toBe(
      "catalog-jobs curators revoke: interrupted; the claim may be taken already or not: running it again is safe",
    );
    // A read changes nothing: there is nothing to finish.
    expect(interruptedLine(["list"])).toBe("catalog-jobs list: interrupted");
    expect(interruptedLine(["curators"])).toBe("catalog-jobs curators: interrupted");
  });
});

describe("pointing at help", () => {
  it("names the arguments to run again with, which work with `npm run cli --` as with the catalog-jobs binary", async () => {
    const noEngine = () => {
      throw new Error("the engine must not be needed");
    };
    const lines = async (argv: string[]) => {
      const err: string[] = [];
      await runCli(argv, {
        engine: noEngine,
        settings: noEngine,
        curators: unusedDirectory,
        out: () => undefined,
        err: (l) => err.push(l),
      });
      return err;
    };
    expect(await lines([])).toEqual(["catalog-jobs: no command given (see `--help`)"]);
    expect(await lines(["nope"])).toEqual(['catalog-jobs: unknown command "nope" (see `--help`)']);
    expect(await lines(["schedules", "run"])).toEqual([
      "catalog-jobs schedules run: schedules run needs <SCAN> (see `schedules run --help`)",
    ]);
  });
});

describeWithFullEmulator("reports", () => {
  beforeEach(async () => {
    await recordRunForTest(db, run("a", "2026-03-01T10:00:00Z"));
    await recordRunForTest(
      db,
      run("b", "2026-03-02T10:00:00Z", {
        type: "TARGETED_FIX",
        mode: "apply",
        attempt_status: "succeeded",
        job_status: "succeeded",
        subjects: [],
      }),
    );
    await recordRunForTest(db, run("c", "2026-03-02T11:00:00Z", { attempt_status: "needs_review", job_status: "needs_review" }));
    await recordRunForTest(db, run("d", "2026-03-04T09:00:00Z"));
    // Retried by an operator: attempt 1 again, on the job's second lease.
    await recordRunForTest(db, run("d", "2026-03-04T10:00:00Z", { lease_epoch: 2 }));
  });

  it("history names each run by its job, attempt and, where they differ, lease epoch", async () => {
    const { code, out } = await cli(["history", "--job", "d"]);
    expect(code).toBe(0);
    expect(
      out
        .split("\n")
        .filter((line) => / d#/.test(line))
        .map((line) => line.trim().split(/ +/).pop()),
    ).toEqual(["d#1@2", "d#1"]);
  });

  it("summary adds up the days of the range, each day shown and the total", async () => {
    const { code, out } = await cli(["summary", "--from", "2026-03-01", "--to", "2026-03-03", "--json"]);
    expect(code).toBe(0);
    const { days, total } = JSON.parse(out);
    expect(days.map((day: { day: string; runs?: number }) => [day.day, day.runs ?? 0])).toEqual([
      ["2026-03-01", 1],
      ["2026-03-02", 2],
      ["2026-03-03", 0],
    ]);
    expect(total).toMatchObject({
      runs: 3,
      changes: 3,
      llm_calls: 6,
      llm_cost_usd: 1.5,
      by_type: { FAMILY_AUDIT: 2, TARGETED_FIX: 1 },
      by_status: { succeeded_dry_run: 1, succeeded: 1, needs_review: 1 },
      by_mode: { dry_run: 2, apply: 1 },
    });
    const table = (await cli(["summary", "--from", "2026-03-01", "--to", "2026-03-03"])).out;
    expect(table).toMatch(
      /^DAY +RUNS +CHANGES +SCANNER_FAIL +LLM_CALLS +LLM_INPUT_TOKENS +LLM_OUTPUT_TOKENS +LLM_COST_USD\n[\s\S]*\n2026-03-02 +2 +2[\s\S]*\ntotal +3 +3 +0 +6 +30 +15 +1\.5000\n[\s\S]*TYPE +RUNS\nFAMILY_AUDIT +2/,
    );
  });

  it("daily and summary --json print the same keys every day, zero on a day with no runs", async () => {
    const { days } = JSON.parse((await cli(["summary", "--from", "2026-03-01", "--to", "2026-03-03", "--json"])).out);
    const [withRuns, , without] = days as Record<string, unknown>[];
    expect(Object.keys(without).sort()).toEqual(Object.keys(withRuns).sort());
    expect(without).toEqual({
      day: "2026-03-03",
      runs: 0,
      changes: 0,
      scanner_fail: 0,
      llm_calls: 0,
      llm_input_tokens: 0,
      llm_output_tokens: 0,
      llm_cost_usd: 0,
      by_type: {},
      by_status: {},
      by_mode: {},
    });
    expect(JSON.parse((await cli(["daily", "2026-03-03", "--json"])).out)).toEqual(without);
    expect((await cli(["daily", "2026-03-03"])).out).toMatch(/\n2026-03-03 +0 +0 +0 +0 +0 +0 +0\.0000$/);
  });

  it("summary refuses a reversed or too long range", async () => {
    expect(await cli(["summary", "--from", "2026-03-04", "--to", "2026-03-01"])).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/before --from/)],
    });
    expect(await cli(["summary", "--from", "2025-01-01", "--to", "2026-03-01"])).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/at most 366 days/)],
    });
  });

  it("history filters by status and days, and pages with the printed token", async () => {
    const filtered = await cli(["history", "--status", "succeeded_dry_run", "--from", "2026-03-01", "--to", "2026-03-02", "--json"]);
    expect(JSON.parse(filtered.out).runs.map((r: { job_id: string }) => r.job_id)).toEqual(["a"]);
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = JSON.parse((await cli(["history", "--limit", "3", "--json", ...(token ? ["--page-token", token] : [])])).out);
      pages.push(page.runs.map((r: { job_id: string }) => r.job_id));
      token = page.next_page_token ?? undefined;
    } while (token);
    expect(pages).toEqual([
      ["d", "d", "c"],
      ["b", "a"],
    ]);
  });

  it("history ends a page with the next one's token only when another page follows (a full last page has none)", async () => {
    const lastLine = async (limit: string) => (await cli(["history", "--limit", limit])).out.split("\n").at(-1);
    expect(await lastLine("4")).toMatch(/^next page: --page-token \S+$/);
    expect(await lastLine("5")).toMatch(/ a#1$/);
  });

  it("history filters by an attempt's own status, lease_expired included (an attempt whose worker died)", async () => {
    await recordRunForTest(db, run("e", "2026-03-05T10:00:00Z", { attempt_status: "lease_expired", job_status: "queued" }));
    const expired = await cli(["history", "--status", "lease_expired", "--json"]);
    expect(expired.code).toBe(0);
    expect(JSON.parse(expired.out).runs.map((r: { job_id: string }) => r.job_id)).toEqual(["e"]);
    // A job is never lease_expired itself: list refuses it.
    expect(await cli(["list", "--status", "lease_expired"])).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/--status must be one of/)],
    });
  });
});

describeWithFullEmulator("a wake-up task that cannot be sent", () => {
  const unreachable: TaskQueuePort = { enqueueWakeup: () => Promise.reject(new Error("Cloud Tasks unreachable")) };
  // A created job's create trigger sends its own wake-up; a requeued job is only found by the watchdog.
  const createdWarning = [
    "warning: the job's wake-up task was not sent (Cloud Tasks unreachable); its create trigger (onJobCreated) sends one as it takes the job in",
  ];
  const warning = [
    "warning: the job's wake-up task was not sent (Cloud Tasks unreachable); the job runs when a wake-up of a job after it in its lane drains past it, or the watchdog wakes it once it has waited WATCHDOG_STALE_QUEUED_SECONDS among its lane's last ready jobs",
  ];

  it("leaves submit a success with a warning: the job is written, and its create trigger wakes it", async () => {
    const submitted = await cli(["submit", "FAMILY_AUDIT", '{"family_slug":"squat"}'], {}, undefined, unusedDirectory, unreachable);
    expect(submitted).toMatchObject({ code: 0, out: expect.stringMatching(/^created \S+$/), err: createdWarning });
    const jobId = submitted.out.slice("created ".length);
    expect((await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get()).get("status")).toBe("queued");
  });

  it("leaves retry a success with a warning: the job is queued again", async () => {
    const created = await cli(["submit", "FAMILY_AUDIT", '{"family_slug":"squat"}']);
    const jobId = created.out.slice("created ".length);
    await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).update({ status: "failed", finished_at: new Date() });
    expect(await cli(["retry", jobId], {}, undefined, unusedDirectory, unreachable)).toMatchObject({
      code: 0,
      out: `requeued ${jobId}`,
      err: warning,
    });
    expect((await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get()).get("status")).toBe("queued");
  });

  it("says when the local engine runs a job retry queued again, on an emulator without a tasks emulator", async () => {
    const created = await cli(["submit", "FAMILY_AUDIT", '{"family_slug":"squat"}']);
    const jobId = created.out.slice("created ".length);
    await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).update({ status: "failed", finished_at: new Date() });
    expect(await cli(["retry", jobId], {}, undefined, unusedDirectory, new LocalEngineWakeups())).toEqual({
      code: 0,
      out: `requeued ${jobId}`,
      err: [
        "warning: the job's wake-up task was not sent (CLOUD_TASKS_EMULATOR_HOST is not set: the job waits for the local engine, npm start); the job runs when the local engine (npm start) wakes it: on an external emulator (FIRESTORE_EMULATOR_HOST) its listener takes in at once a job that enters the queue (a retry's, an expired lease recovered); otherwise (a job queued already, a waiting parent made due, or on the emulator npm start started, whose trigger delivers only created jobs), a wake-up of a job after it in its lane that drains past it, or the engine's next watchdog sweep (every WATCHDOG_INTERVAL_MINUTES, 5 minutes by default) once the job has waited WATCHDOG_STALE_QUEUED_SECONDS (180 seconds by default) among its lane's last ready jobs; where none runs, its next start, which takes in every queued job",
      ],
    });
  });

  it("says in one short line that the local engine takes in a job submit created without a tasks emulator", async () => {
    const submitted = await cli(
      ["submit", "FAMILY_AUDIT", '{"family_slug":"squat"}'],
      {},
      undefined,
      unusedDirectory,
      new LocalEngineWakeups(),
    );
    expect(submitted).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^created \S+$/),
      err: [
        "warning: no wake-up task sent (CLOUD_TASKS_EMULATOR_HOST is not set); the local engine (npm start) takes the job in: at once while it runs, else at its next start",
      ],
    });
  });

  it("submit --json and retry --json say the wake-up was not sent, the warning a field as on stderr", async () => {
    const submitted = await cli(
      ["submit", "FAMILY_AUDIT", '{"family_slug":"squat"}', "--json"],
      {},
      undefined,
      unusedDirectory,
      unreachable,
    );
    const { job_id: jobId } = JSON.parse(submitted.out) as { job_id: string };
    expect(JSON.parse(submitted.out)).toEqual({
      outcome: "created",
      job_id: jobId,
      wakeup_sent: false,
      warning: createdWarning[0].slice("warning: ".length),
    });
    expect(submitted.err).toEqual(createdWarning);

    await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).update({ status: "failed", finished_at: new Date() });
    const retried = await cli(["retry", jobId, "--json"], {}, undefined, unusedDirectory, unreachable);
    expect(retried).toMatchObject({ code: 0, err: warning });
    expect(JSON.parse(retried.out)).toEqual({
      outcome: "requeued",
      job_id: jobId,
      children_requeued: 0,
      resumes_plan: null,
      wakeup_sent: false,
      warning: warning[0].slice("warning: ".length),
    });
  });

  it("leaves schedules run a success with the warning submit prints, its JSON naming the error", async () => {
    const now = () => new Date("2026-12-01T12:00:00Z");
    expect(await cli(["schedules", "run", "MAINTENANCE_SCAN"], {}, now, unusedDirectory, unreachable)).toEqual({
      code: 0,
      out: "created MAINTENANCE_SCAN@2026-12-01 (period 2026-12-01, dry_run)",
      err: createdWarning,
    });
    const json = await cli(["schedules", "run", "ALIAS_INVARIANT_SCAN", "--json"], {}, now, unusedDirectory, unreachable);
    expect(json.err).toEqual(createdWarning);
    expect(JSON.parse(json.out)).toEqual({
      outcome: "created",
      job_id: "ALIAS_INVARIANT_SCAN@2026-12-01",
      period: "2026-12-01",
      mode: "dry_run",
      wakeup_sent: false,
      warning: createdWarning[0].slice("warning: ".length),
    });
  });
});

describeWithFullEmulator("submit", () => {
  it("--json prints the job it created, or the open job its dedup key returned instead, as the lines say", async () => {
    const submit = ["submit", "FAMILY_AUDIT", '{"family_slug":"squat"}', "--dedup-key", "audit-squat"];
    const first = await cli([...submit, "--json"]);
    expect(first).toMatchObject({ code: 0, err: [] });
    const { job_id: jobId } = JSON.parse(first.out) as { job_id: string };
    expect(JSON.parse(first.out)).toEqual({ outcome: "created", job_id: jobId, wakeup_sent: true, warning: null });

    const again = await cli([...submit, "--json"]);
    expect(again).toMatchObject({ code: 0, err: [] });
    expect(JSON.parse(again.out)).toEqual({ outcome: "not_created", job_id: jobId, reason: "duplicate_dedup_key" });
    expect(await cli(submit)).toEqual({ code: 0, out: `not created: duplicate_dedup_key (job ${jobId})`, err: [] });
  });
});

describeWithFullEmulator("retry", () => {
  afterEach(() => jest.restoreAllMocks());

  it("--json prints the job queued again, how many children with it, the plan it resumes and whether it was woken", async () => {
    const { parentId } = await finishedParent(testQueue(db), ["succeeded", "failed", "deadletter"]);
    const retried = await cli(["retry", parentId, "--json"]);
    expect(retried).toMatchObject({ code: 0, err: [] });
    expect(JSON.parse(retried.out)).toEqual({
      outcome: "requeued",
      job_id: parentId,
      children_requeued: 2,
      resumes_plan: null,
      wakeup_sent: true,
      warning: null,
    });
  });

  it("says how many of a parent's children it queued again: the unsuccessful ones", async () => {
    const { parentId } = await finishedParent(testQueue(db), ["succeeded", "failed", "deadletter"]);
    expect(await cli(["retry", parentId])).toEqual({ code: 0, out: `requeued ${parentId} and its 2 unsuccessful children`, err: [] });
  });

  it("says when the job resumes its frozen plan rather than plan again", async () => {
    const engine = createEngine({ db, config: testConfig(), tasks: new RecordingTasks() });
    /** A job that froze a plan, then ended as `failure` makes it end. */
    const endedWithPlan = async (failure: JobFailure) => {
      const { jobId } = await engine.queue.createJob({
        type: "FAMILY_AUDIT",
        payload: { family_slug: "squat" },
        created_by: "test",
        max_attempts: 1,
      });
      const leased = await engine.queue.leaseById(jobId, "w1");
      const planId = await engine.queue.savePlan(leased!.lease, { operations: [] });
      await engine.queue.endAttempt(leased!.lease, { ...engine.queue.failing(leased!.job, failure, null), bookkeeping: () => undefined });
      return { jobId, planId };
    };
    // Its attempts ran out while it held the plan (deadletter): it resumes it.
    const exhausted = await endedWithPlan(JobFailure.transient("FIRESTORE_UNAVAILABLE", "down"));
    expect(await cliOn(engine, ["retry", exhausted.jobId])).toEqual({
      code: 0,
      out: `requeued ${exhausted.jobId}: it resumes its frozen plan ${exhausted.planId} (applied operations are skipped; to plan again instead, revert its changes once it ends: its next retry stops at PLAN_REVERTED, the one after plans again)`,
      err: [],
    });
    // The catalog no longer fits the plan: it plans again, and the line says nothing more.
    const changed = await endedWithPlan(JobFailure.needsReview("TARGET_CHANGED", "changed"));
    expect(await cliOn(engine, ["retry", changed.jobId])).toEqual({ code: 0, out: `requeued ${changed.jobId}`, err: [] });
  });

  it("of a job intake refused says intake refused it, and what to do instead", async () => {
    const ref = db.collection(JOB_COLLECTIONS.jobs).doc("refused-at-intake");
    // A client's document of a job type that exists, whose payload does not pass its schema.
    await ref.set({ type: "FAMILY_AUDIT", payload: {}, status: "queued", created_by: "alice" });
    expect(await testQueue(db).takeIn(await ref.get(), "alice")).toMatchObject({ outcome: "invalid" });
    expect(await cli(["retry", ref.id])).toEqual({
      code: 1,
      out: "",
      err: [`catalog-jobs retry: cannot retry job ${ref.id}: it is failed (rejected at intake as INVALID_JOB: write a new job)`],
    });
  });

  it("a retry an outage cut short among a parent's children says to run it again, which finishes it", async () => {
    const engine = createEngine({ db, config: testConfig(), tasks: new RecordingTasks() });
    const { parentId, childIds } = await finishedParent(engine.queue, ["failed", "failed"]);
    const requeueChild = engine.queue.requeueChild.bind(engine.queue);
    jest
      .spyOn(engine.queue, "requeueChild")
      .mockImplementationOnce(requeueChild)
      .mockRejectedValueOnce(Object.assign(new Error("14 UNAVAILABLE: no connection"), { code: 14 }));

    expect(await cliOn(engine, ["retry", parentId])).toEqual({
      code: 1,
      out: "",
      err: ["catalog-jobs retry: 14 UNAVAILABLE: no connection; run the retry again to finish it"],
    });
    expect((await engine.queue.getJob(parentId))?.status).toBe("needs_review");
    expect((await cliOn(engine, ["retry", parentId])).code).toBe(0);
    for (const id of [parentId, ...childIds]) expect((await engine.queue.getJob(id))?.status).toBe("queued");
  });

  it("a retry refused for a reason that would come back (no permission) says only that: running it again would not help", async () => {
    const engine = createEngine({ db, config: testConfig(), tasks: new RecordingTasks() });
    const { parentId } = await finishedParent(engine.queue, ["failed"]);
    jest
      .spyOn(engine.queue, "requeueChild")
      .mockRejectedValueOnce(Object.assign(new Error("7 PERMISSION_DENIED: Missing or insufficient permissions."), { code: 7 }));

    expect(await cliOn(engine, ["retry", parentId])).toEqual({
      code: 1,
      out: "",
      err: ["catalog-jobs retry: 7 PERMISSION_DENIED: Missing or insufficient permissions."],
    });
  });
});

describeWithFullEmulator("cancel", () => {
  /** An enrichment parent with two shards, each leased (running) when `running`. */
  async function parentWithShards(running: boolean): Promise<string> {
    const queue = testQueue(db);
    const spec = { spec_id: "s", spec_version: 1 };
    const { jobId: parentId } = await queue.createJob({
      type: "CATALOG_ENRICH_FIELD",
      payload: { enrichment_spec: spec, exercise_doc_ids: ["e"] },
      created_by: "test",
    });
    if (running) await queue.leaseById(parentId, "parent-worker");
    for (const index of [1, 2]) {
      const { jobId } = await queue.createJob({
        id: childJobId(parentId, index),
        type: "CATALOG_ENRICH_FIELD_SHARD",
        payload: { parent_job_id: parentId, exercise_doc_ids: ["e"], enrichment_spec: spec },
        parent_job_id: parentId,
        created_by: "system:CATALOG_ENRICH_FIELD",
      });
      if (running) await queue.leaseById(jobId, `shard-worker-${index}`);
    }
    return parentId;
  }

  it("says how many of a parent's open children it cancelled with it", async () => {
    const parentId = await parentWithShards(false);
    expect(await cli(["cancel", parentId])).toEqual({
      code: 0,
      out: `cancelled ${parentId} and 2 of its open children (any more a worker leased meanwhile stop on their own)`,
      err: [],
    });
    expect((await db.collection(JOB_COLLECTIONS.jobs).doc(childJobId(parentId, 2)).get()).get("status")).toBe("cancelled");
  });

  it("warns when the parent it made due, its last children closed, could not be woken", async () => {
    const parentId = await parentWithShards(false);
    // Waiting for its two shards, as a parent that created them is.
    await db
      .collection(JOB_COLLECTIONS.jobs)
      .doc(parentId)
      .update({
        status: "deferred",
        shards: { total: 2, done: 0, succeeded: 0, failed: 0 },
        run_after: new Date(Date.now() + 60_000),
      });
    const warning =
      "warning: the wake-up of the parent this cancel made due was not sent (CLOUD_TASKS_EMULATOR_HOST is not set: the job " +
      "waits for the local engine, npm start); it ends at its next check of its children, within 60 seconds, while an engine runs";
    expect(await cli(["cancel", parentId], {}, undefined, unusedDirectory, new LocalEngineWakeups())).toEqual({
      code: 0,
      out: expect.stringMatching(new RegExp(`^cancel requested for deferred job ${parentId} and 2 of its open children`)) as string,
      err: [warning],
    });
    // Asked again, it tries again to wake the parent, which is still due; --json carries the warning too.
    const again = await cli(["cancel", parentId, "--json"], {}, undefined, unusedDirectory, new LocalEngineWakeups());
    expect(again).toMatchObject({ code: 0, err: [warning] });
    expect(JSON.parse(again.out)).toMatchObject({ outcome: "cancel_already_requested", warning: warning.replace(/^warning: /, "") });
  });

  it("--json prints what the line says: cancelled, asked to stop, asked before, with the children it cancelled", async () => {
    const json = async (jobId: string) => {
      const result = await cli(["cancel", jobId, "--json"]);
      expect(result).toMatchObject({ code: 0, err: [] });
      return JSON.parse(result.out) as unknown;
    };
    const waiting = await parentWithShards(false);
    expect(await json(waiting)).toEqual({
      outcome: "cancelled",
      job_id: waiting,
      status: "cancelled",
      children_cancelled: 2,
      warning: null,
    });
    const running = await parentWithShards(true);
    expect(await json(running)).toEqual({
      outcome: "cancel_requested",
      job_id: running,
      status: "running",
      children_cancelled: 2,
      warning: null,
    });
    expect(await json(running)).toEqual({
      outcome: "cancel_already_requested",
      job_id: running,
      status: "running",
      children_cancelled: 0,
      warning: null,
    });
  });

  it("of a running parent asked again, says so and counts none of the children asked before", async () => {
    const parentId = await parentWithShards(true);
    // A worker that died stops nothing: the watchdog ends the job once the lease it held expires.
    const stops = "it stops at its next safe point, or, if its worker is gone, once its lease expires and the watchdog runs";
    expect(await cli(["cancel", parentId])).toEqual({
      code: 0,
      out: `cancel requested for running job ${parentId} and 2 of its open children (any more a worker leased meanwhile stop on their own): ${stops}`,
      err: [],
    });
    expect(await cli(["cancel", parentId])).toEqual({
      code: 0,
      out: `cancel already requested for running job ${parentId}: ${stops}`,
      err: [],
    });
  });

  it("of an ended parent whose children a retry cut short queued again, says it cancelled them and not the parent", async () => {
    const engine = createEngine({ db, config: testConfig(), tasks: new RecordingTasks() });
    const { parentId, childIds } = await finishedParent(engine.queue, ["failed"]);
    jest.spyOn(engine.queue, "retryJob").mockRejectedValueOnce(Object.assign(new Error("14 UNAVAILABLE: no connection"), { code: 14 }));
    expect((await cliOn(engine, ["retry", parentId])).code).toBe(1);
    expect((await engine.queue.getJob(childIds[0]))?.status).toBe("queued");

    expect(await cliOn(engine, ["cancel", parentId])).toEqual({
      code: 0,
      out: `cancelled the 1 open child of needs_review job ${parentId}`,
      err: [],
    });
    expect((await engine.queue.getJob(parentId))?.status).toBe("needs_review");
    expect((await engine.queue.getJob(childIds[0]))?.status).toBe("cancelled");
  });

  it("of a parent cancelled already whose children a retry cut short queued again, says it cancelled them and not the parent", async () => {
    const engine = createEngine({ db, config: testConfig(), tasks: new RecordingTasks() });
    const parentId = await parentWithShards(false);
    expect(await cliOn(engine, ["cancel", parentId])).toEqual({
      code: 0,
      out: `cancelled ${parentId} and 2 of its open children (any more a worker leased meanwhile stop on their own)`,
      err: [],
    });
    const retryCutShort = async () => {
      jest.spyOn(engine.queue, "retryJob").mockRejectedValueOnce(Object.assign(new Error("14 UNAVAILABLE: no connection"), { code: 14 }));
      expect((await cliOn(engine, ["retry", parentId])).code).toBe(1);
      expect((await engine.queue.getJob(childJobId(parentId, 1)))?.status).toBe("queued");
    };

    await retryCutShort();
    expect(await cliOn(engine, ["cancel", parentId])).toEqual({
      code: 0,
      out: `cancelled the 2 open children of cancelled job ${parentId}`,
      err: [],
    });
    await retryCutShort();
    expect(JSON.parse((await cliOn(engine, ["cancel", parentId, "--json"])).out)).toEqual({
      outcome: "children_cancelled",
      job_id: parentId,
      status: "cancelled",
      children_cancelled: 2,
      warning: null,
    });
    expect((await engine.queue.getJob(childJobId(parentId, 2)))?.status).toBe("cancelled");
  });
});

/** A job that applied a rename of `bench`, still running (leased); its change id. */
async function renamedByRunningJob() {
  const bench = exerciseFixture("Bench Press (Barbell)", ["barbell"]);
  await seedCatalog(db, { exercises: [bench] });
  const input = await leaseForTest(makeTestDeps(db, { applyEnabled: true }), {
    type: "FAMILY_NORMALIZE",
    payload: { mode: "apply", family_slug: "bench_press" },
  });
  const rename = planOf([
    {
      op: "rename_exercise",
      exercise_id: bench.id,
      old_name: "Bench Press (Barbell)",
      new_name: "Flat Bench Press (Barbell)",
      rationale: "test",
    },
  ]);
  const [changeId] = (
    await testApplyEngine(db).apply(
      rename,
      planWriter(input, (_op, index) => `p1/${index}`),
    )
  ).change_ids;
  return { bench, jobId: input.job.id, changeId, input };
}

describe("revert", () => {
  it("refuses a change whose job is still applying its plan: exit 1 with the reason, the catalog unchanged", async () => {
    const { bench, jobId, changeId } = await renamedByRunningJob();

    expect(await cli(["revert", changeId])).toEqual({
      code: 1,
      out: "",
      err: [
        `catalog-jobs revert: change ${changeId} cannot be reverted yet: job ${jobId} is still applying its plan (it is running); revert after it ends`,
      ],
    });
    expect((await db.collection(CATALOG_COLLECTIONS.exercises).doc(bench.id).get()).get("name")).toBe("Flat Bench Press (Barbell)");
  });

  it("restores the change once its job has ended, and --json says what it did, a second time too", async () => {
    const { bench, jobId, changeId, input } = await renamedByRunningJob();
    await input.deps.queue.endAttempt(input.lease, { event: "succeed", fields: {}, bookkeeping: () => undefined });

    expect(JSON.parse((await cli(["revert", changeId, "--json"])).out)).toEqual({
      outcome: "reverted",
      change_id: changeId,
      job_id: jobId,
      targets: [`exercises/${bench.id}`],
    });
    expect((await db.collection(CATALOG_COLLECTIONS.exercises).doc(bench.id).get()).get("name")).toBe("Bench Press (Barbell)");
    expect(await cli(["revert", changeId, "--json"])).toEqual({
      code: 0,
      out: JSON.stringify({ outcome: "already_reverted", change_id: changeId, job_id: jobId, targets: [`exercises/${bench.id}`] }, null, 2),
      err: [],
    });
  });
});

describeWithFullEmulator("refusals", () => {
  it.each([
    [["frobnicate"], 2, /^catalog-jobs: unknown command "frobnicate"/],
    [["list", "--bogus"], 2, /^catalog-jobs list: unknown option --bogus/],
    [["revert", "no-such-change"], 3, /change no-such-change does not exist/],
    [["submit", "NOT_A_TYPE", "{}"], 2, /unknown job type "NOT_A_TYPE"; job types: .*FAMILY_AUDIT/],
    [["submit", "family_audit", "{}"], 2, /unknown job type "family_audit"; did you mean FAMILY_AUDIT\?/],
    [
      ["submit", "CATALOG_ENRICH_FIELD_SHARD", "{}"],
      2,
      /^catalog-jobs submit: CATALOG_ENRICH_FIELD_SHARD is made only by the engine, as a child of the job that fans it out: submit that job instead/,
    ],
    // Not a child-only type's: it may not be submitted.
    [["submit", "catalog_enrich_field_shard", "{}"], 2, /unknown job type "catalog_enrich_field_shard"; job types: (?!.*SHARD)/],
    [["submit", "FAMILY_AUDIT", "[1]"], 2, /the payload must be a JSON object/],
    [["submit", "FAMILY_AUDIT", "{}", "--lane", "fast"], 2, /--lane must be one of priority, maintenance, not "fast"/],
    [["retry", "no-such-job"], 3, /job no-such-job does not exist/],
    [["cancel", "no-such-job"], 3, /job no-such-job does not exist/],
    // Any id Firestore takes, such as a long one the engine derived: looked up, not refused.
    [["cancel", "a".repeat(600)], 3, /job a{600} does not exist/],
    [["history", "--job", "x", "--type", "FAMILY_AUDIT"], 2, /--job cannot be combined/],
    [["history", "--page-token", "garbage"], 2, /not a page token/],
    [["history", "--status", "done"], 2, /--status must be one of/],
    [["history", "--type", "FAMILY_AUDITT"], 2, /--type must be one of .*FAMILY_AUDIT/],
    [["list", "--type", "family_audit"], 2, /--type "family_audit": did you mean FAMILY_AUDIT\?/],
    [["history", "--status", "Succeeded"], 2, /--status "Succeeded": did you mean succeeded\?/],
    [["submit", "FAMILY_AUDIT", "{}", "--dedup-key", ""], 2, /^catalog-jobs submit: --dedup-key needs a value, not ""/],
    [["list", "--limit", "0"], 2, /--limit must be a whole number from 1 to 500/],
    [["daily", "yesterday"], 2, /takes a date as YYYY-MM-DD/],
    [["summary", "--from", "2026-03-01"], 2, /summary needs --from and --to/],
    [["schedules", "run", "NO_SCAN"], 2, /no scheduled scan "NO_SCAN"/],
    [["show"], 2, /show needs <jobId>/],
    [["show", "a/b"], 2, /^catalog-jobs show: "a\/b" is not a job id: a document id has no '\/'/],
    [["retry", ""], 2, /^catalog-jobs retry: "" is not a job id: a document id is not empty \(see/],
    [["cancel", "j/attempts/1"], 2, /"j\/attempts\/1" is not a job id/],
    [["revert", "c/d"], 2, /"c\/d" is not a change id/],
    [["history", "--job", "a/b"], 2, /^catalog-jobs history: "a\/b" is not a job id/],
    [["history", "--family", ""], 2, /^catalog-jobs history: --family needs a value, not ""/],
    [["history", "--page-token", ""], 2, /^catalog-jobs history: --page-token needs a value, not ""/],
    // Checked before Firebase Auth is asked (the directory here throws if it is).
    [["curators", "grant", "not-an-email"], 2, /^catalog-jobs curators grant: "not-an-email" is not an email address/],
    [["curators", "revoke", "ana@"], 2, /"ana@" is not an email address/],
  ] as const)("%j exits %i with one line on stderr", async (argv, code, message) => {
    const result = await cli([...argv]);
    expect(result.code).toBe(code);
    expect(result.err).toEqual([expect.stringMatching(message)]);
    expect(result.out).toBe("");
  });
});

describe("refused before the engine is needed", () => {
  /** As the CLI runs with no project to reach: the engine cannot be built. */
  async function cliWithoutEngine(argv: string[]) {
    const engine = () => {
      throw new Error("the engine must not be needed");
    };
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, {
      engine,
      settings: engine,
      curators: unusedDirectory,
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    return { code, out: out.join("\n"), err };
  }

  it.each([
    // Ids Firestore reserves: it would refuse them as an invalid argument (exit 1), the callables' as an internal error.
    [["show", ".."], /^catalog-jobs show: "\.\." is not a job id: a document id is not '\.' or '\.\.'/],
    [["show", "."], /^catalog-jobs show: "\." is not a job id: a document id is not '\.' or '\.\.'/],
    [["cancel", "__x__"], /^catalog-jobs cancel: "__x__" is not a job id: Firestore reserves the ids that start and end with '__'/],
    [["retry", "__name__"], /"__name__" is not a job id/],
    [["revert", ".."], /^catalog-jobs revert: "\.\." is not a change id/],
    [["history", "--job", "__x__"], /^catalog-jobs history: "__x__" is not a job id/],
    // An id of more bytes than Firestore takes.
    [["retry", `${"\u00E9".repeat(MAX_DOCUMENT_ID_BYTES / 2)}a`], /is not a job id: a document id is at most 1500 bytes in UTF-8/],
    // Days a Firestore timestamp does not hold.
    [["history", "--from", "0000-01-01"], /^catalog-jobs history: --from takes a date from 0001-01-01 to 9999-12-31, not "0000-01-01"/],
    [["history", "--to", "0000-12-31"], /^catalog-jobs history: --to takes a date from 0001-01-01 to 9999-12-31, not "0000-12-31"/],
    [["daily", "0000-06-01"], /^catalog-jobs daily: the day takes a date from 0001-01-01 to 9999-12-31/],
    [["summary", "--from", "0000-12-31", "--to", "0001-01-01"], /^catalog-jobs summary: --from takes a date from 0001-01-01/],
    // Options read before the engine is built: a bad one is named even where no project is reachable.
    [["list", "--limit", "0"], /^catalog-jobs list: --limit must be a whole number from 1 to 500/],
    [["history", "--limit", "501"], /^catalog-jobs history: --limit must be a whole number from 1 to 500/],
    [["history", "--page-token", ""], /^catalog-jobs history: --page-token needs a value, not ""/],
    // A request createJob would refuse: its type, its payload, its dedup key.
    [["submit", "FOO", "{}"], /^catalog-jobs submit: invalid job: type: unknown job type "FOO"; job types: .*FAMILY_AUDIT/],
    [["submit", "FAMILY_AUDIT", "{}"], /^catalog-jobs submit: invalid job: payload\.family_slug: /],
    [
      ["submit", "FAMILY_AUDIT", '{"family_slug":"squat"}', "--dedup-key", "k".repeat(501)],
      /^catalog-jobs submit: invalid job: dedup_key: /,
    ],
  ])("%j exits 2 without the engine", async (argv, message) => {
    const result = await cliWithoutEngine(argv);
    expect(result).toEqual({ code: 2, out: "", err: [expect.stringMatching(message)] });
  });
});

describeWithFullEmulator("history at the ends of the dates", () => {
  it("takes --to 9999-12-31 and --from 0001-01-01 as no bound", async () => {
    await recordRunForTest(db, run("far", "2026-03-01T10:00:00Z"));
    const cases: Array<[string[], string[]]> = [
      [["--to", "9999-12-31"], ["far"]],
      [["--from", "0001-01-01"], ["far"]],
      [["--from", "0001-01-01", "--to", "9999-12-31"], ["far"]],
      [["--from", "9999-12-31", "--to", "9999-12-31"], []],
      [["--from", "0001-01-01", "--to", "0001-01-01"], []],
    ];
    for (const [range, expected] of cases) {
      const { code, out, err } = await cli(["history", ...range, "--json"]);
      const ids = code === 0 ? (JSON.parse(out) as { runs: Array<{ job_id: string }> }).runs.map((r) => r.job_id) : out;
      expect({ range, code, err, ids }).toEqual({ range, code: 0, err: [], ids: expected });
    }
  });
});

describeWithFullEmulator("list", () => {
  it("shows what a job intake refused lacks as -, not undefined", async () => {
    // A client's document whose payload does not pass: intake fails it before giving it max_attempts.
    await db.collection(JOB_COLLECTIONS.jobs).doc("refused").set({ type: "FAMILY_AUDIT", payload: {}, status: "queued" });
    expect(await createEngine({ db, config: testConfig(), tasks: new RecordingTasks() }).intake("refused", "client")).toMatchObject({
      outcome: "invalid",
    });
    const { code, out } = await cli(["list"]);
    expect(code).toBe(0);
    expect(out).toMatch(/^refused +FAMILY_AUDIT +failed +0\/- +\S+ +INVALID_JOB$/m);
    expect(out).not.toMatch(/undefined/);
  });
});

describeWithFullEmulator("ids", () => {
  it("cancel of a path to an attempt record is refused and the record left as it was", async () => {
    const queue = testQueue(db);
    const { jobId } = await queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
    await queue.leaseById(jobId, "w1");
    const attempts = db.collection(JOB_COLLECTIONS.jobs).doc(jobId).collection(JOB_COLLECTIONS.attempts);
    await attempts.doc("1").set({ attempt: 1, status: "succeeded" });
    expect(await cli(["cancel", `${jobId}/attempts/1`])).toMatchObject({ code: 2, out: "" });
    expect((await attempts.doc("1").get()).data()).toEqual({ attempt: 1, status: "succeeded" });
    expect((await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get()).get("cancel_requested")).toBe(false);
  });
});

describeWithFullEmulator("show", () => {
  it("shows who holds a running job and until when, its lease epoch, last update and frozen plan", async () => {
    const queue = testQueue(db);
    const { jobId } = await queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
    await queue.leaseById(jobId, "worker-7");
    const doc = db.collection(JOB_COLLECTIONS.jobs).doc(jobId);
    await doc.update({ plan_id: "plan-1" });
    const expiresAt = ((await doc.get()).get("lease_expires_at") as Timestamp).toDate().toISOString();
    const { code, out } = await cli(["show", jobId]);
    expect(code).toBe(0);
    const rows = new Map(out.split("\n").map((line) => [line.split(/ +/)[0], line.split(/ +/).slice(1).join(" ")]));
    expect(rows.get("lease_owner")).toBe("worker-7");
    expect(rows.get("lease_expires_at")).toBe(expiresAt);
    expect(rows.get("lease_epoch")).toBe("1");
    expect(rows.get("updated_at")).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(rows.get("plan_id")).toBe("plan-1");
  });

  it("shows the stored fields the schema does not name, after its own", async () => {
    const { jobId } = await testQueue(db).createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
    await db
      .collection(JOB_COLLECTIONS.jobs)
      .doc(jobId)
      .update({ expire_at: new Date("2026-06-01T00:00:00Z"), slot: 3 });
    const fields = (await cli(["show", jobId])).out.split("\n").map((line) => line.split(/ +/));
    const names = fields.map(([name]) => name);
    expect(fields).toContainEqual(["expire_at", "2026-06-01T00:00:00.000Z"]);
    expect(fields).toContainEqual(["slot", "3"]);
    expect(names.indexOf("created_by")).toBeLessThan(names.indexOf("expire_at"));
  });

  it("lists the job's changes in the journal, the ids revert takes, newest first (the order to revert them in) with their time", async () => {
    const { bench, jobId, changeId, input } = await renamedByRunningJob();
    const [laterId] = (
      await testApplyEngine(db).apply(
        planOf([{ op: "patch_fields", exercise_id: bench.id, set: { "metadata.level": "advanced" }, rationale: "test" }]),
        planWriter(input, (_op, index) => `later/${index}`),
      )
    ).change_ids;
    const changes = db.collection(APPLY_COLLECTIONS.changes);
    const appliedAt = async (id: string) => ((await changes.doc(id).get()).get("applied_at") as Timestamp).toDate().toISOString();
    const { code, out } = await cli(["show", jobId]);
    expect(code).toBe(0);
    const rows = out.slice(out.search(/^CHANGE /m)).split("\n");
    expect(rows).toEqual([
      expect.stringMatching(/^CHANGE +OP +STATUS +APPLIED +TARGETS$/),
      expect.stringMatching(new RegExp(`^${laterId} +patch_fields +applied +${await appliedAt(laterId)} +exercises/${bench.id}$`)),
      expect.stringMatching(new RegExp(`^${changeId} +rename_exercise +applied +${await appliedAt(changeId)} +exercises/${bench.id}$`)),
    ]);
    expect(JSON.parse((await cli(["show", jobId, "--json"])).out).changes).toEqual([
      { id: laterId, op: "patch_fields", status: "applied", applied_at: await appliedAt(laterId), targets: [`exercises/${bench.id}`] },
      { id: changeId, op: "rename_exercise", status: "applied", applied_at: await appliedAt(changeId), targets: [`exercises/${bench.id}`] },
    ]);
    const unchanged = await testQueue(db).createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
    expect((await cli(["show", unchanged.jobId])).out).toMatch(/\nno attempts yet\n\nno changes$/);
  });

  it("of a job whose record was deleted after its retention, lists what is left of it: the changes revert takes, the attempts", async () => {
    const { bench, jobId, changeId, input } = await renamedByRunningJob();
    const { queue } = input.deps;
    await queue.endAttempt(input.lease, {
      event: "succeed",
      fields: {},
      // The attempt's record, as a worker writes it.
      bookkeeping: (writes, status) =>
        writes.set(
          attemptRef(db, jobId, input.lease.epoch),
          input.attemptLog.document({ status, error: null, finishedAt: new Date(), expireAt: queue.historyExpiry("jobsMs", new Date()) }),
          {},
        ),
    });
    // Its TTL deletes the job's document; its attempts go by their own, and the journal keeps its entries longer.
    await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).delete();
    const appliedAt = ((await db.collection(APPLY_COLLECTIONS.changes).doc(changeId).get()).get("applied_at") as Timestamp)
      .toDate()
      .toISOString();

    const { code, out, err } = await cli(["show", jobId]);
    expect({ code, err }).toEqual({ code: 0, err: [] });
    const [note, ...rest] = out.split("\n");
    expect(note).toBe(
      `job ${jobId}: its record was deleted once it had been finished for RETAIN_JOBS_DAYS; the journal keeps its changes longer (RETAIN_JOURNAL_DAYS): those still applied can be reverted`,
    );
    expect(rest).toEqual([
      "",
      expect.stringMatching(/^ATTEMPT +STATUS +WORKER/),
      expect.stringMatching(/^1 +succeeded +/),
      "",
      expect.stringMatching(/^CHANGE +OP +STATUS +APPLIED +TARGETS$/),
      expect.stringMatching(new RegExp(`^${changeId} +rename_exercise +applied +${appliedAt} +exercises/${bench.id}$`)),
    ]);
    // A script tells it apart by its null job.
    const shown = JSON.parse((await cli(["show", jobId, "--json"])).out) as { job: unknown; attempts: unknown[]; changes: unknown[] };
    expect(shown).toEqual({
      job: null,
      attempts: [expect.objectContaining({ attempt: 1, status: "succeeded" })],
      changes: [{ id: changeId, op: "rename_exercise", status: "applied", applied_at: appliedAt, targets: [`exercises/${bench.id}`] }],
    });

    await db.recursiveDelete(db.collection(JOB_COLLECTIONS.jobs).doc(jobId));
    expect((await cli(["show", jobId])).out.split("\n").slice(1)).toEqual(["", expect.stringMatching(/^CHANGE /), expect.anything()]);
    expect(JSON.parse((await cli(["show", jobId, "--json"])).out)).toMatchObject({ job: null, attempts: [] });
    // Neither its record nor any change left: not found.
    await db.collection(APPLY_COLLECTIONS.changes).doc(changeId).delete();
    expect(await cli(["show", jobId])).toEqual({ code: 3, out: "", err: [`catalog-jobs show: job ${jobId} does not exist`] });
  });

  it("leaves out the lease of a job nobody holds", async () => {
    const { jobId } = await testQueue(db).createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
    const { out } = await cli(["show", jobId]);
    expect(out).not.toMatch(/^(lease_owner|lease_expires_at|plan_id) /m);
    expect(out).toMatch(/^lease_epoch +0$/m);
  });
});

describeWithFullEmulator("watchdog", () => {
  afterEach(() => jest.restoreAllMocks());

  it("prints a clean sweep's report and exits 0", async () => {
    const { code, out } = await cli(["watchdog", "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ errors: 0, failed_steps: [], complete: true });
  });

  it("prints the report of a sweep that met errors and exits 1, naming its failed steps", async () => {
    failNextQuery(); // the sweep's first query: an outage
    const { code, out, err } = await cli(["watchdog"]);
    expect(code).toBe(1);
    expect(out).toMatch(/failed_steps\s+\["?\w+/);
    expect(err).toEqual([
      expect.stringMatching(
        /^catalog-jobs watchdog: the sweep met 1 error\(s\) \(failed steps: \w+\); .*run with VERBOSE=1 to see them.*next sweep/,
      ),
    ]);
  });

  describe("on an emulator without a tasks emulator", () => {
    /** A queued job whose wake-up was lost, and a clock past WATCHDOG_STALE_QUEUED_SECONDS: the sweep wakes it. */
    async function staleJob() {
      await testQueue(db).createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
      const later = Date.now() + testConfig().staleQueuedMs + 60_000;
      return () => new Date(later);
    }

    it("says the wake-ups it could not send are its only errors, and when the local engine runs those jobs, and exits 0", async () => {
      const now = await staleJob();
      const { code, out, err } = await cli(["watchdog", "--json"], {}, now, unusedDirectory, new LocalEngineWakeups());
      expect(JSON.parse(out)).toMatchObject({ errors: 1, failed_steps: [] });
      expect({ code, err }).toEqual({
        code: 0,
        err: [
          "warning: the sweep's 1 error(s) are wake-up tasks not sent as CLOUD_TASKS_EMULATOR_HOST is not set; each of those jobs runs when the local engine (npm start) wakes it: on an external emulator (FIRESTORE_EMULATOR_HOST) its listener takes in at once a job that enters the queue (a retry's, an expired lease recovered); otherwise (a job queued already, a waiting parent made due, or on the emulator npm start started, whose trigger delivers only created jobs), a wake-up of a job after it in its lane that drains past it, or the engine's next watchdog sweep (every WATCHDOG_INTERVAL_MINUTES, 5 minutes by default) once the job has waited WATCHDOG_STALE_QUEUED_SECONDS (180 seconds by default) among its lane's last ready jobs; where none runs, its next start, which takes in every queued job",
        ],
      });
    });

    it("exits 1 when the sweep met other errors too, counting the wake-ups it could not send among them", async () => {
      const now = await staleJob();
      failNextQuery(); // the sweep's first query: an outage
      const { code, err } = await cli(["watchdog"], {}, now, unusedDirectory, new LocalEngineWakeups());
      expect(code).toBe(1);
      expect(err).toEqual([
        expect.stringMatching(
          /^catalog-jobs watchdog: the sweep met 2 error\(s\) \(failed steps: \w+\), 1 of them wake-up tasks not sent as CLOUD_TASKS_EMULATOR_HOST is not set; /,
        ),
      ]);
    });
  });
});

describeWithFullEmulator("seed", () => {
  const exercises = db.collection(CATALOG_COLLECTIONS.exercises);
  const [first] = DEMO_EXERCISES;

  it("writes the demo catalog into an empty catalog", async () => {
    const { code, out } = await cli(["seed"]);
    expect({ code, out }).toEqual({ code: 0, out: expect.stringMatching(/^seeded \d+ exercises/) });
    expect((await exercises.doc(first.id).get()).get("name")).toBe(first.name);
  });

  it("counts what it wrote in --json", async () => {
    expect(JSON.parse((await cli(["seed", "--json"])).out)).toEqual({
      outcome: "seeded",
      exercises: DEMO_EXERCISES.length,
      aliases: DEMO_ALIASES.length,
      families: DEMO_FAMILIES.length,
    });
  });

  it.each([
    ["an exercise", CATALOG_COLLECTIONS.exercises],
    ["nothing but an alias", CATALOG_COLLECTIONS.aliases],
  ])("refuses with exit 1 over a catalog that holds %s, and writes nothing; --force writes it anyway", async (_what, collection) => {
    await db.collection(collection).doc(first.id).set({ name: "Renamed By An Applied Change" });
    expect(await cli(["seed", "--broken"])).toEqual({
      code: 1,
      out: "",
      err: [
        "catalog-jobs seed: the catalog already holds documents: seeding would overwrite them past the change journal (--force seeds anyway)",
      ],
    });
    expect((await db.collection(collection).doc(first.id).get()).data()).toEqual({ name: "Renamed By An Applied Change" });
    expect((await exercises.count().get()).data().count).toBe(collection === CATALOG_COLLECTIONS.exercises ? 1 : 0);

    expect((await cli(["seed", "--force"])).code).toBe(0);
    expect((await exercises.doc(first.id).get()).get("name")).toBe(first.name);
  });
});

describe("schedules", () => {
  it("lists every scan with its next run in its time zone, and no next run when switched off", async () => {
    const now = () => new Date("2026-12-01T12:00:00Z");
    const { code, out } = await cli(["schedules"], { scheduleTimeZone: "Europe/Berlin", qualityScanEnabled: false }, now);
    expect(code).toBe(0);
    expect(out).toMatch(/^SCAN +FUNCTION +SCHEDULE +TIME_ZONE/);
    expect(out).toMatch(
      /MAINTENANCE_SCAN +scans-maintenanceScan +0 2 \* \* \* +Europe\/Berlin +day +true +dry_run +100 +maintenance +2026-12-02T01:00:00\.000Z/,
    );
    expect(out).toMatch(
      /DUPLICATE_DETECTION_SCAN +scans-duplicateDetectionScan +0 3 \* \* 0 +Europe\/Berlin +week .* 2026-12-06T02:00:00\.000Z/,
    );
    expect(out).toMatch(/QUALITY_SCAN +scans-qualityScan .* false .* off +\{"selection":\{"stale_after_days":7,"limit":200\}\}$/m);
  });

  it("names a schedule or time zone param that does not parse and exits 1, its rows showing the default deployed instead", async () => {
    // As the CLI reads its environment: the invalid params throw when read (testConfig would read them all).
    const engine = createEngine({
      db,
      config: loadEngineConfig({ SCHEDULE_TIME_ZONE: "Mars/Base", QUALITY_SCAN_SCHEDULE: "every day" }),
      tasks: new RecordingTasks(),
    });
    const { code, out, err } = await cliOn(engine, ["schedules"]);
    expect(code).toBe(1);
    expect(err).toEqual([
      expect.stringMatching(
        /^catalog-jobs schedules: param SCHEDULE_TIME_ZONE .*not "Mars\/Base"; param QUALITY_SCAN_SCHEDULE .*"every day".* \(the rows show the default deployed in its place\)$/,
      ),
    ]);
    expect(out).toMatch(/^MAINTENANCE_SCAN +scans-maintenanceScan +0 2 \* \* \* +UTC /m);
    expect(out).toMatch(/^QUALITY_SCAN +scans-qualityScan +0 4 \* \* \* +UTC /m);
    expect(JSON.parse((await cliOn(engine, ["schedules", "--json"])).out)).toHaveLength(4);
  });

  it("names a schedule that never runs (February 30) as one that does not parse, and every row has its next run", async () => {
    const now = () => new Date("2026-12-01T12:00:00Z");
    const engine = createEngine({
      db,
      config: loadEngineConfig({ MAINTENANCE_SCAN_SCHEDULE: "0 2 30 2 *", QUALITY_SCAN_SCHEDULE_ENABLED: "false" }),
      tasks: new RecordingTasks(),
      now,
    });
    const { code, out, err } = await cliOn(engine, ["schedules", "--json"]);
    expect(code).toBe(1);
    expect(err).toEqual([
      expect.stringMatching(
        /^catalog-jobs schedules: param MAINTENANCE_SCAN_SCHEDULE "0 2 30 2 \*" never runs: .* \(the rows show the default deployed in its place\)$/,
      ),
    ]);
    const rows = JSON.parse(out) as Array<Record<string, unknown>>;
    // The key is there in every row: a time when switched on, null when switched off.
    expect(rows.map((row) => [row.scan, row.schedule, row.next_run])).toEqual([
      ["MAINTENANCE_SCAN", "0 2 * * *", "2026-12-02T02:00:00.000Z"],
      ["ALIAS_INVARIANT_SCAN", expect.any(String), expect.any(String)],
      ["DUPLICATE_DETECTION_SCAN", expect.any(String), expect.any(String)],
      ["QUALITY_SCAN", expect.any(String), null],
    ]);
    expect((await cliOn(engine, ["schedules"])).out).toMatch(
      /^MAINTENANCE_SCAN +scans-maintenanceScan +0 2 \* \* \* .* 2026-12-02T02:00:00\.000Z +\{\}$/m,
    );
  });

  it("names each param a scheduled run reads that does not parse and exits 1, its cells invalid (null in --json)", async () => {
    const now = () => new Date("2026-12-01T12:00:00Z");
    const engine = createEngine({
      db,
      config: loadEngineConfig({
        QUALITY_SCAN_LIMIT: "5000",
        CATALOG_APPLY_ENABLED: "1",
        ALIAS_INVARIANT_SCAN_SCHEDULE_ENABLED: "yes",
        MAINTENANCE_SCAN_PRIORITY: "high",
        SCHEDULE_TIME_ZONE: "Mars/Base",
      }),
      tasks: new RecordingTasks(),
      now,
    });
    const { code, out, err } = await cliOn(engine, ["schedules", "--json"]);
    expect(code).toBe(1);
    // The schedule's own params first, as before; then each param a run reads, in the rows' order, once (CATALOG_APPLY_ENABLED is every scan's).
    expect(err).toEqual([
      expect.stringMatching(
        new RegExp(
          "^catalog-jobs schedules: param SCHEDULE_TIME_ZONE .*\\(the rows show the default deployed in its place\\); " +
            'param CATALOG_APPLY_ENABLED must be true or false, not "1"; param MAINTENANCE_SCAN_PRIORITY .*; ' +
            'param ALIAS_INVARIANT_SCAN_SCHEDULE_ENABLED must be true or false, not "yes"; param QUALITY_SCAN_LIMIT must be at most 2000, not 5000 ' +
            "\\(each scheduled run that reads it creates its period's job failed CONFIG_INVALID\\)$",
        ),
      ),
    ]);
    const rows = JSON.parse(out) as Array<Record<string, unknown>>;
    expect(rows.map((row) => [row.scan, row.enabled, row.mode, row.priority, row.payload])).toEqual([
      ["MAINTENANCE_SCAN", true, null, null, {}],
      ["ALIAS_INVARIANT_SCAN", null, null, 100, {}],
      ["DUPLICATE_DETECTION_SCAN", true, null, 100, {}],
      ["QUALITY_SCAN", true, null, 100, null],
    ]);
    // A switch that does not parse may be on: the function runs (and creates the refused job), so it has a next run.
    expect(rows[1].next_run).toBe("2026-12-02T02:30:00.000Z");
    const table = (await cliOn(engine, ["schedules"])).out;
    expect(table).toMatch(
      /^ALIAS_INVARIANT_SCAN +scans-aliasInvariantScan .* day +invalid +invalid +100 +maintenance +2026-12-02T02:30:00\.000Z +\{\}$/m,
    );
    expect(table).toMatch(/^QUALITY_SCAN +scans-qualityScan .* day +true +invalid +100 +maintenance +\S+ +invalid$/m);
  });

  it("names a payload param that does not parse while every schedule does", async () => {
    const engine = createEngine({ db, config: loadEngineConfig({ QUALITY_SCAN_LIMIT: "5000" }), tasks: new RecordingTasks() });
    expect(await cliOn(engine, ["schedules"])).toMatchObject({
      code: 1,
      err: [
        "catalog-jobs schedules: param QUALITY_SCAN_LIMIT must be at most 2000, not 5000 " +
          "(each scheduled run that reads it creates its period's job failed CONFIG_INVALID)",
      ],
    });
  });
});

describeWithFullEmulator("schedules run", () => {
  const now = () => new Date("2026-12-01T12:00:00Z");

  it("refuses while the time zone param does not parse, creating nothing (the period, so the job, would be the default zone's)", async () => {
    const engine = createEngine({ db, config: loadEngineConfig({ SCHEDULE_TIME_ZONE: "Mars/Olympus" }), tasks: new RecordingTasks(), now });
    const { code, out, err } = await cliOn(engine, ["schedules", "run", "QUALITY_SCAN"]);
    expect({ code, out }).toEqual({ code: 1, out: "" });
    expect(err).toEqual([
      expect.stringMatching(
        /^catalog-jobs schedules run: param SCHEDULE_TIME_ZONE .*"Mars\/Olympus".*: nothing created \(its period would be the default zone's, UTC\)$/,
      ),
    ]);
    expect((await db.collection(JOB_COLLECTIONS.jobs).get()).size).toBe(0);
    // A scan's own schedule does not name the period: a run now goes ahead.
    const badSchedule = createEngine({
      db,
      config: loadEngineConfig({ QUALITY_SCAN_SCHEDULE: "every day" }),
      tasks: new RecordingTasks(),
      now,
    });
    expect((await cliOn(badSchedule, ["schedules", "run", "QUALITY_SCAN"])).code).toBe(0);
  });

  it("prints snake_case JSON as the rest of the CLI: a created job, one that exists, a scan switched off", async () => {
    const run = (config: Partial<EngineConfig> = {}) => cli(["schedules", "run", "QUALITY_SCAN", "--json"], config, now);
    expect(JSON.parse((await run()).out)).toEqual({
      outcome: "created",
      job_id: "QUALITY_SCAN@2026-12-01",
      period: "2026-12-01",
      mode: "dry_run",
      wakeup_sent: true,
      warning: null,
    });
    expect(JSON.parse((await run()).out)).toEqual({ outcome: "exists", job_id: "QUALITY_SCAN@2026-12-01", period: "2026-12-01" });
    expect(JSON.parse((await run({ qualityScanEnabled: false })).out)).toEqual({
      outcome: "disabled",
      param: "QUALITY_SCAN_SCHEDULE_ENABLED",
    });
  });

  it("creates the period's job failed CONFIG_INVALID while a param it reads does not parse, exits 1, and replaces it once fixed", async () => {
    const broken = () => createEngine({ db, config: loadEngineConfig({ QUALITY_SCAN_LIMIT: "5000" }), tasks: new RecordingTasks(), now });
    const refusedLine =
      "catalog-jobs schedules run: param QUALITY_SCAN_LIMIT must be at most 2000, not 5000: no job was built; fix it, then run this again";
    expect(await cliOn(broken(), ["schedules", "run", "QUALITY_SCAN"])).toEqual({
      code: 1,
      out: "created QUALITY_SCAN@2026-12-01 failed CONFIG_INVALID (period 2026-12-01): its params do not parse",
      err: [refusedLine],
    });
    // What the period's id holds is the refusal, not a job to wait for.
    expect(await cliOn(broken(), ["schedules", "run", "QUALITY_SCAN"])).toEqual({
      code: 1,
      out: "not created: QUALITY_SCAN@2026-12-01 is the period's refusal already, failed CONFIG_INVALID (period 2026-12-01): its params still do not parse",
      err: [refusedLine],
    });
    const again = await cliOn(broken(), ["schedules", "run", "QUALITY_SCAN", "--json"]);
    expect(again).toMatchObject({ code: 1, err: [refusedLine] });
    expect(JSON.parse(again.out)).toEqual({
      outcome: "config_invalid",
      job_id: "QUALITY_SCAN@2026-12-01",
      period: "2026-12-01",
      created: false,
      refusal: true,
      params: ["QUALITY_SCAN_LIMIT"],
    });
    const list = await cli(["list"], {}, now);
    expect(list.out).toMatch(/^QUALITY_SCAN@2026-12-01 +QUALITY_SCAN +failed .* CONFIG_INVALID$/m);
    expect(await cli(["retry", "QUALITY_SCAN@2026-12-01"], {}, now)).toEqual({
      code: 1,
      out: "",
      err: [
        "catalog-jobs retry: cannot retry job QUALITY_SCAN@2026-12-01: it is failed (refused by the run that made it, as CONFIG_INVALID: fix the param, " +
          "then `catalog-jobs schedules run QUALITY_SCAN` makes the period's job in this one's place while the period lasts " +
          "(a retry cannot: no job was built to run again))",
      ],
    });
    expect(await cli(["schedules", "run", "QUALITY_SCAN"], {}, now)).toEqual({
      code: 0,
      out: "created QUALITY_SCAN@2026-12-01 (period 2026-12-01, dry_run)",
      err: [],
    });
    expect((await db.collection(JOB_COLLECTIONS.jobs).doc("QUALITY_SCAN@2026-12-01").get()).get("status")).toBe("queued");
  });

  it("says a param that does not parse applies from the next period when the period has its job already (a run then creates none)", async () => {
    expect((await cli(["schedules", "run", "QUALITY_SCAN"], {}, now)).code).toBe(0);
    const broken = createEngine({ db, config: loadEngineConfig({ QUALITY_SCAN_PRIORITY: "x" }), tasks: new RecordingTasks(), now });
    const { code, out, err } = await cliOn(broken, ["schedules", "run", "QUALITY_SCAN"]);
    expect({ code, out }).toEqual({ code: 1, out: "not created: job QUALITY_SCAN@2026-12-01 already exists for period 2026-12-01" });
    expect(err).toEqual([
      expect.stringMatching(
        /^catalog-jobs schedules run: param QUALITY_SCAN_PRIORITY .*: the period's job exists already \(QUALITY_SCAN@2026-12-01\), so no run creates another: fix it; it applies from the next period$/,
      ),
    ]);
    const json = await cliOn(broken, ["schedules", "run", "QUALITY_SCAN", "--json"]);
    expect(JSON.parse(json.out)).toMatchObject({ outcome: "config_invalid", created: false, refusal: false });
    // Fixed, a run finds the period's job, as the line said.
    expect((await cli(["schedules", "run", "QUALITY_SCAN"], {}, now)).out).toBe(
      "not created: job QUALITY_SCAN@2026-12-01 already exists for period 2026-12-01",
    );
  });

  it("refuses a period's id a document the engine did not write holds, saying how to ask for the scan again", async () => {
    await db
      .collection(JOB_COLLECTIONS.jobs)
      .doc("QUALITY_SCAN@2026-12-01")
      .set({ type: "QUALITY_SCAN", payload: {}, status: "queued", created_by: "alice" });
    expect(await cli(["schedules", "run", "QUALITY_SCAN"], {}, now)).toEqual({
      code: 1,
      out: "",
      err: [
        "catalog-jobs schedules run: job id QUALITY_SCAN@2026-12-01 is taken by a document the engine did not write for system:scheduler: " +
          "delete it, then ask for the job again (retry the job that asked for it, or `schedules run <SCAN>` for a scheduled scan)",
      ],
    });
  });
});

describe("curators", () => {
  const directory = () =>
    new MemoryDirectory(
      new Map([
        ["ana@example.com", { uid: "u-ana", email: "ana@example.com", email_verified: true, curator: true }],
        ["bo@example.com", { uid: "u-bo", email: "bo@example.com", email_verified: true, curator: false }],
      ]),
    );

  it("lists the accounts with the claim and whether each has verified its email", async () => {
    const accounts = directory();
    const { code, out, err } = await cli(["curators"], {}, undefined, () => accounts);
    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out.split("\n")).toEqual([
      expect.stringMatching(/^EMAIL +UID +VERIFIED$/),
      expect.stringMatching(/^ana@example\.com +u-ana +true$/),
    ]);
    const json = await cli(["curators", "--json"], {}, undefined, () => accounts);
    expect(JSON.parse(json.out)).toEqual([{ uid: "u-ana", email: "ana@example.com", email_verified: true }]);
  });

  it("warns of curators whose email is not verified: they cannot act until it is", async () => {
    const accounts = directory();
    accounts.accounts.set("eve@example.com", { uid: "u-eve", email: "eve@example.com", email_verified: false, curator: true });
    const warning = [
      "warning: eve@example.com cannot act until they verify their email (the rules and the callables ignore the claim without it)",
    ];
    const { code, out, err } = await cli(["curators"], {}, undefined, () => accounts);
    expect({ code, err }).toEqual({ code: 0, err: warning });
    expect(out).toMatch(/^eve@example\.com +u-eve +false$/m);
    const json = await cli(["curators", "--json"], {}, undefined, () => accounts);
    expect(json.err).toEqual(warning);
    expect(JSON.parse(json.out)).toContainEqual({ uid: "u-eve", email: "eve@example.com", email_verified: false });
  });

  it("says so when no account has the claim", async () => {
    const accounts = directory();
    accounts.accounts.get("ana@example.com")!.curator = false;
    expect(await cli(["curators"], {}, undefined, () => accounts)).toEqual({ code: 0, out: "no curators", err: [] });
    expect(JSON.parse((await cli(["curators", "--json"], {}, undefined, () => accounts)).out)).toEqual([]);
  });

  it("grants and revokes, and says when nothing changed", async () => {
    const accounts = directory();
    const use = () => accounts;
    expect((await cli(["curators", "grant", "bo@example.com"], {}, undefined, use)).out).toBe("bo@example.com (u-bo) is a curator now");
    expect(accounts.accounts.get("bo@example.com")?.curator).toBe(true);
    expect((await cli(["curators", "grant", "bo@example.com"], {}, undefined, use)).out).toBe(
      "bo@example.com (u-bo) is a curator already: nothing changed",
    );
    const revoked = await cli(["curators", "revoke", "ana@example.com", "--json"], {}, undefined, use);
    expect(JSON.parse(revoked.out)).toEqual({
      uid: "u-ana",
      email: "ana@example.com",
      email_verified: true,
      changed: true,
      curator: false,
    });
    expect(accounts.accounts.get("ana@example.com")?.curator).toBe(false);
    expect((await cli(["curators", "revoke", "ana@example.com"], {}, undefined, use)).out).toBe(
      "ana@example.com (u-ana) is not a curator already: nothing changed",
    );
  });

  it("README says when a grant and a revoke take effect, as help does", () => {
    const row = (verb: string) => readme().match(new RegExp(`^\\| \`curators ${verb} <EMAIL>\`.*$`, "m"))?.[0];
    expect(row("grant")).toMatch(/takes effect .*ID token.*within the hour/);
    expect(row("revoke")).toMatch(/the console's actions .* refuse it at once .*; .*ID token expires, within the hour/);
  });

  it("refuses to grant the claim to an account whose email is not verified (exit 1), and revokes it all the same", async () => {
    // Firebase Auth as the directory calls it: one account, signed up with the address but never verified.
    const user = {
      uid: "u-eve",
      email: "ana@example.com",
      emailVerified: false,
      customClaims: { catalog_admin: true, team: "x" } as object,
    };
    const setClaims = jest.fn((_uid: string, claims: object) => {
      user.customClaims = claims;
      return Promise.resolve();
    });
    const auth = {
      getUserByEmail: () => Promise.resolve(user as unknown as UserRecord),
      setCustomUserClaims: setClaims,
    } as unknown as Auth;
    const curators = () => authCuratorDirectory(auth);

    const granted = await cli(["curators", "grant", "ana@example.com"], {}, undefined, curators);
    expect(granted.code).toBe(1);
    expect(granted.err).toEqual([
      expect.stringMatching(
        /^catalog-jobs curators grant: the account with the email ana@example\.com has not verified it: .*signs in to the console with it and presses "Send a verification email"/,
      ),
    ]);
    expect(setClaims).not.toHaveBeenCalled();

    const revoked = await cli(["curators", "revoke", "ana@example.com"], {}, undefined, curators);
    expect(revoked.code).toBe(0);
    expect(user.customClaims).toEqual({ team: "x" });

    user.emailVerified = true;
    expect((await cli(["curators", "grant", "ana@example.com"], {}, undefined, curators)).out).toBe(
      "ana@example.com (u-eve) is a curator now",
    );
    expect(user.customClaims).toEqual({ team: "x", catalog_admin: true });
  });

  it("exits 3 for an unknown account and 2 without an email", async () => {
    const unknown = await cli(["curators", "grant", "nobody@example.com"], {}, undefined, directory);
    expect(unknown.code).toBe(3);
    expect(unknown.err).toEqual(["catalog-jobs curators grant: no account with the email nobody@example.com"]);
    const missing = await cli(["curators", "revoke"], {}, undefined, directory);
    expect(missing.code).toBe(2);
    expect(missing.err).toEqual([expect.stringMatching(/curators revoke needs <EMAIL>/)]);
  });
});
