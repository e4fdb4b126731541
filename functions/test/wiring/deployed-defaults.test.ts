/**
 * Safe defaults of the deployed functions, through the real worker path against the emulator. The
 * engine the functions build (`functionsEngine()`) knows whether it runs deployed or in the Functions
 * emulator; deployed on the fake LLM (LLM_PROVIDER unset) it refuses LLM jobs with LLM_NOT_CONFIGURED
 * before any work; LLM_ALLOW_FAKE lets the fake run; local runs keep the fake as their default; and a
 * param that does not parse fails only the jobs that read it.
 */
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import type { Engine } from "../../src/create-engine";
import { registry } from "../../src/handlers";
import { runPlan } from "../../src/apply/run-plan";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { CHILD_CHECK_INTERVAL_MS } from "../../src/jobs/flows";
import { FINAL_STATUSES, type JobStatus } from "../../src/jobs/lifecycle";
import { exerciseFixture, planOf, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { registryWith } from "../helpers/registry";
import { testConfig, useRuntime, waitFor } from "../helpers/runtime";

const db = useFirestore();
const startRuntime = useRuntime(db);

const SPEC = { spec_id: "content", spec_version: 1 };
const exercises = [exerciseFixture("Test Press (Dumbbell)", ["dumbbell"]), exerciseFixture("Test Row (Dumbbell)", ["dumbbell"])];
const exerciseIds = exercises.map((exercise) => exercise.id);

const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.db.terminate()));
});

/**
 * The engine as the functions build it on their first invocation, from the environment `env` adds
 * (fresh modules, so nothing is cached from another test). Without FUNCTIONS_EMULATOR it is deployed.
 */
async function functionsEngineWith(env: Record<string, string>): Promise<Engine> {
  const before = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    let engine: Engine | undefined;
    await jest.isolateModulesAsync(async () => {
      const { functionsEngine } = await import("../../src/adapters/functions-engine");
      engine = functionsEngine();
    });
    engines.push(engine!);
    return engine!;
  } finally {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  }
}

const jobData = async (id: string) => (await db.collection(JOB_COLLECTIONS.jobs).doc(id).get()).data()!;
const jobCount = async () => (await db.collection(JOB_COLLECTIONS.jobs).get()).size;
const changeCount = async () => (await db.collection(APPLY_COLLECTIONS.changes).get()).size;
/** A parent whose shard finished while it was still deferring looks again after CHILD_CHECK_INTERVAL_MS. */
const waitForFinal = (id: string) =>
  waitFor(
    () => jobData(id),
    (job) => FINAL_STATUSES.includes(job.status as JobStatus),
    CHILD_CHECK_INTERVAL_MS + 30_000,
  );

async function submit(engine: Engine, type: string, payload: Record<string, unknown>): Promise<string> {
  return (await engine.queue.createJob({ type, payload, created_by: "test" })).jobId;
}

beforeEach(async () => {
  expect(process.env.FUNCTIONS_EMULATOR).toBeUndefined();
  await seedCatalog(db, { exercises });
});

describeWithIsolation("deployed functions with LLM_PROVIDER unset", () => {
  it("fail an enrichment LLM_NOT_CONFIGURED before it creates a shard or writes, and run every other job", async () => {
    const engine = await functionsEngineWith({ CATALOG_APPLY_ENABLED: "true" });
    const before = await snapshotCatalog(db);
    const enrichment = await submit(engine, "CATALOG_ENRICH_FIELD", {
      mode: "apply",
      enrichment_spec: SPEC,
      exercise_doc_ids: exerciseIds,
    });
    const audit = await submit(engine, "FAMILY_AUDIT", { mode: "dry_run", family_slug: exercises[0].family_slug });

    await engine.runLane("maintenance");
    await engine.runLane("priority");

    const job = await jobData(enrichment);
    expect(job).toMatchObject({ status: "failed", attempts: 1, error: { code: "LLM_NOT_CONFIGURED", transient: false } });
    expect(job.error.message).toMatch(/LLM_PROVIDER=vertex/);
    expect(job.error.message).toMatch(/LLM_ALLOW_FAKE=true/);
    expect(await jobCount()).toBe(2); // no shard
    expect(await snapshotCatalog(db)).toBe(before);
    expect(await changeCount()).toBe(0);
    expect((await jobData(audit)).status).toBe("succeeded_dry_run");
  });
});

describeWithIsolation("where the functions run decides whether the fake LLM may be used", () => {
  it.each([
    ["deployed", {}, { status: "failed", error: { code: "LLM_NOT_CONFIGURED" } }],
    ["in the Functions emulator", { FUNCTIONS_EMULATOR: "true" }, { status: "succeeded_dry_run", result_summary: { llm: { calls: 2 } } }],
  ])("%s, an enrichment shard on the default LLM_PROVIDER", async (_where, env, expected) => {
    const engine = await functionsEngineWith(env);
    const shard = await submit(engine, "CATALOG_ENRICH_FIELD_SHARD", {
      mode: "dry_run",
      parent_job_id: "some-parent",
      exercise_doc_ids: exerciseIds,
      enrichment_spec: SPEC,
    });
    await engine.runLane("maintenance");
    expect(await jobData(shard)).toMatchObject(expected);
  });
});

describeWithIsolation("the fake LLM", () => {
  it.each([
    ["runs deployed with LLM_ALLOW_FAKE=true", true, { LLM_ALLOW_FAKE: "true" }],
    ["stays the default of local runs", false, {}],
  ])(
    "%s: shards created, content written",
    async (_case, deployed, env) => {
      const before = await snapshotCatalog(db);
      const runtime = await startRuntime(registry, { deployed, config: testConfig({}, { ...env, CATALOG_APPLY_ENABLED: "true" }) });
      const jobId = await submit(runtime.engine, "CATALOG_ENRICH_FIELD", {
        mode: "apply",
        enrichment_spec: SPEC,
        exercise_doc_ids: exerciseIds,
      });
      const parent = await waitForFinal(jobId);
      expect(parent).toMatchObject({
        status: "succeeded",
        result_summary: { shards_total: 1, exercises_succeeded: 2, children_llm: { calls: 2 } },
      });
      expect(await snapshotCatalog(db)).not.toBe(before);
      expect(await changeCount()).toBe(2);
    },
    CHILD_CHECK_INTERVAL_MS + 60_000,
  );
});

describeWithIsolation("a plan that fails validation", () => {
  /** An audit that plans an invalid change (a category outside the enum). */
  const invalidPlanning = registryWith({
    FAMILY_AUDIT: {
      run: (input) =>
        runPlan(input, planOf([{ op: "patch_fields", exercise_id: exerciseIds[0], set: { category: "strength" }, rationale: "test" }])),
    },
  });

  it.each([
    ["deployed without an LLM goes to review unrepaired", true, { code: "VALIDATION_FAILED", repairs: 0 }],
    ["repaired by the LLM where there is one", false, { code: "REPAIR_LOOP_EXHAUSTED", repairs: 2 }],
  ])("%s", async (_case, deployed, { code, repairs }) => {
    const runtime = await startRuntime(invalidPlanning, { deployed, config: testConfig() });
    const jobId = await submit(runtime.engine, "FAMILY_AUDIT", { mode: "dry_run", family_slug: exercises[0].family_slug });
    expect(await waitForFinal(jobId)).toMatchObject({ status: "needs_review", error: { code }, result_summary: { repairs } });
  });
});

describeWithIsolation("deployed functions with a param that does not parse", () => {
  it.each([
    ["ENRICH_SHARD_SIZE", { LLM_ALLOW_FAKE: "true", ENRICH_SHARD_SIZE: "500" }],
    ["LLM_PROVIDER", { LLM_PROVIDER: "openai" }],
    ["LLM_ALLOW_FAKE", { LLM_ALLOW_FAKE: "yes" }],
  ])("fail the jobs that read %s with CONFIG_INVALID naming it, and run the others", async (param, env) => {
    const engine = await functionsEngineWith(env);
    const enrichment = await submit(engine, "CATALOG_ENRICH_FIELD", {
      mode: "dry_run",
      enrichment_spec: SPEC,
      exercise_doc_ids: exerciseIds,
    });
    const audit = await submit(engine, "FAMILY_AUDIT", { mode: "dry_run", family_slug: exercises[0].family_slug });
    await engine.runLane("maintenance");
    await engine.runLane("priority");
    const job = await jobData(enrichment);
    expect(job).toMatchObject({ status: "failed", error: { code: "CONFIG_INVALID", transient: false } });
    expect(job.error.message).toMatch(param);
    expect(await jobCount()).toBe(2);
    expect((await jobData(audit)).status).toBe("succeeded_dry_run");
  });

  it.each([
    ["PRIORITY_LANE_MAX_CONCURRENT", "priority"],
    ["MAINTENANCE_LANE_MAX_CONCURRENT", "maintenance"],
  ] as const)(
    "run jobs with a lane concurrency (%s) that does not parse, whose watchdog step that reads it fails alone",
    async (param, lane) => {
      const engine = await functionsEngineWith({ [param]: "ten" });
      const audit = await submit(engine, "FAMILY_AUDIT", { mode: "dry_run", family_slug: exercises[0].family_slug });
      await engine.runLane("priority");
      expect((await jobData(audit)).status).toBe("succeeded_dry_run");
      // A ready job in that lane, old enough for the watchdog's wake-up step, which reads the lane's concurrency.
      await engine.queue.createJob({
        type: "FAMILY_AUDIT",
        payload: { mode: "dry_run", family_slug: exercises[1].family_slug },
        queue: lane,
        created_by: "test",
      });
      await db
        .collection(JOB_COLLECTIONS.jobs)
        .where("status", "==", "queued")
        .get()
        .then((snap) => Promise.all(snap.docs.map((doc) => doc.ref.update({ run_after: new Date(Date.now() - 3_600_000) }))));
      const report = await engine.runWatchdog();
      expect(report.failed_steps).toEqual(["stale_queued"]);
    },
  );

  it.each([
    ["JOB_LEASE_SECONDS", "soon", "must be an integer"],
    // Read at every attempt's end, outside any handler: a job could not fail with it, only stay running.
    ["RETAIN_JOBS_DAYS", "0", "must be at least 1"],
    ["RETAIN_HISTORY_DAYS", "forever", "must be an integer"],
    ["RETAIN_WATCHDOG_REPORTS_DAYS", "-3", "must be at least 1"],
    // Only applying reads it, but so does a job resuming a half-applied plan, which must not fail with half a change.
    ["RETAIN_JOURNAL_DAYS", "a year", "must be an integer"],
    // Every job's run needs them: not only the lane tasks, which build a worker, fail.
    ["JOB_HEARTBEAT_SECONDS", "often", "must be an integer"],
    ["JOB_LOCK_RETRY_SECONDS", "later", "must be an integer"],
  ])("fail every invocation, naming an engine-wide one that every job needs (%s)", async (param, value, problem) => {
    await expect(functionsEngineWith({ [param]: value })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining(`param ${param} ${problem}`),
    });
  });
});
