import { handleScheduledScan } from "../../src/adapters/scheduled-scan";
import { createEngine, type Engine } from "../../src/create-engine";
import { type EngineConfig, loadEngineConfig } from "../../src/config";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { InvalidTransitionError } from "../../src/jobs/errors";
import { SCHEDULER, produceScheduledScan } from "../../src/schedules/producer";
import { SCAN_SCHEDULES, findScanSchedule } from "../../src/schedules/scans";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";
import { losingTransactionReplies } from "../helpers/transactions";
import { registryWith } from "../helpers/registry";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();
const maintenance = findScanSchedule("MAINTENANCE_SCAN")!;
const NIGHT = new Date("2026-12-01T02:00:00Z");

/** Every scan type with a handler that finishes at once, so a test can close a period's job. */
const registry = registryWith(
  Object.fromEntries(
    SCAN_SCHEDULES.map((scan) => [
      scan.type,
      { run: async () => ({ kind: "completed" as const, status: "succeeded_dry_run" as const, summary: {} }) },
    ]),
  ),
);

function engineWith(overrides: Partial<EngineConfig> = {}): { engine: Engine; tasks: RecordingTasks } {
  const tasks = new RecordingTasks();
  return { engine: createEngine({ db, config: testConfig(overrides), tasks, registry }), tasks };
}

/** An engine that reads its params from `env`, as the deployed functions do: a param that does not parse throws when read. */
function engineOn(env: NodeJS.ProcessEnv): { engine: Engine; tasks: RecordingTasks } {
  const tasks = new RecordingTasks();
  return { engine: createEngine({ db, config: loadEngineConfig(env), tasks, registry }), tasks };
}

const scanJobs = async (type: string) => (await db.collection(JOB_COLLECTIONS.jobs).where("type", "==", type).get()).docs;

describeWithFullEmulator("scheduled scans create one job per scan and period", () => {
  it("creates the period's job through createJob: dry run, the scan's lane and priority, created by the scheduler, its lane woken", async () => {
    const { engine, tasks } = engineWith({ maintenanceScanPriority: 40, maintenanceScanFamilyLimit: 5 });
    const run = await produceScheduledScan(engine, maintenance, NIGHT);
    expect(run).toEqual({ outcome: "created", jobId: "MAINTENANCE_SCAN@2026-12-01", period: "2026-12-01", mode: "dry_run" });
    const [job] = await scanJobs("MAINTENANCE_SCAN");
    expect(job.id).toBe("MAINTENANCE_SCAN@2026-12-01");
    expect(job.data()).toMatchObject({
      status: "queued",
      queue: "maintenance",
      priority: 40,
      created_by: SCHEDULER,
      payload: { mode: "dry_run", family_limit: 5 },
    });
    expect(tasks.tasks.map((task) => task.jobId)).toEqual([job.id]);
  });

  it("creates nothing more for a repeated delivery while the job is open, nor after it finished; the next period gets its own", async () => {
    const { engine, tasks } = engineWith();
    await produceScheduledScan(engine, maintenance, NIGHT);
    const whileOpen = await produceScheduledScan(engine, maintenance, NIGHT);
    expect(whileOpen).toEqual({ outcome: "exists", jobId: "MAINTENANCE_SCAN@2026-12-01", period: "2026-12-01" });

    const [report] = await engine.runLane("maintenance");
    expect(report).toMatchObject({ jobId: "MAINTENANCE_SCAN@2026-12-01", status: "succeeded_dry_run" });
    // A retried delivery of the same run, and a late one the same day: the period's job is finished, none is created.
    expect((await produceScheduledScan(engine, maintenance, NIGHT)).outcome).toBe("exists");
    expect((await produceScheduledScan(engine, maintenance, new Date("2026-12-01T23:59:00Z"))).outcome).toBe("exists");
    expect(await scanJobs("MAINTENANCE_SCAN")).toHaveLength(1);
    expect(tasks.tasks).toHaveLength(1);

    const nextNight = await produceScheduledScan(engine, maintenance, new Date("2026-12-02T02:00:00Z"));
    expect(nextNight).toMatchObject({ outcome: "created", jobId: "MAINTENANCE_SCAN@2026-12-02" });
    expect(await scanJobs("MAINTENANCE_SCAN")).toHaveLength(2);
  });

  it("creates one job when the same run is delivered twice at once", async () => {
    const { engine } = engineWith();
    const runs = await Promise.all([1, 2, 3].map(() => produceScheduledScan(engine, maintenance, NIGHT)));
    expect(runs.map((run) => run.outcome).sort()).toEqual(["created", "exists", "exists"]);
    expect(await scanJobs("MAINTENANCE_SCAN")).toHaveLength(1);
  });

  it("names a weekly scan's period by ISO week in the schedule's time zone", async () => {
    const { engine } = engineWith({ scheduleTimeZone: "Europe/Berlin" });
    const weekly = findScanSchedule("DUPLICATE_DETECTION_SCAN")!;
    const sunday = await produceScheduledScan(engine, weekly, new Date("2026-12-06T02:00:00Z"));
    const sameWeek = await produceScheduledScan(engine, weekly, new Date("2026-12-01T10:00:00Z"));
    expect([sunday, sameWeek]).toMatchObject([
      { outcome: "created", jobId: "DUPLICATE_DETECTION_SCAN@2026-W49" },
      { outcome: "exists", jobId: "DUPLICATE_DETECTION_SCAN@2026-W49" },
    ]);
  });

  it.each([
    [false, false, "dry_run"],
    [true, false, "dry_run"],
    [false, true, "dry_run"],
    [true, true, "apply"],
  ] as const)(
    "with CATALOG_APPLY_ENABLED=%s and QUALITY_SCAN_APPLY=%s the job runs as %s",
    async (applyEnabled, qualityScanApply, mode) => {
      const { engine } = engineWith({ applyEnabled, qualityScanApply, qualityScanLimit: 30, qualityScanStaleAfterDays: 3 });
      const run = await produceScheduledScan(engine, findScanSchedule("QUALITY_SCAN")!, NIGHT);
      expect(run).toMatchObject({ outcome: "created", mode });
      const [job] = await scanJobs("QUALITY_SCAN");
      expect(job.get("payload")).toEqual({ mode, emit_enrichment: true, selection: { stale_after_days: 3, limit: 30 } });
    },
  );

  it("reports a wake-up task that could not be sent: the job is created all the same", async () => {
    const unreachable = new Error("Cloud Tasks unreachable");
    const engine = createEngine({ db, config: testConfig(), tasks: { enqueueWakeup: () => Promise.reject(unreachable) }, registry });
    expect(await produceScheduledScan(engine, maintenance, NIGHT)).toEqual({
      outcome: "created",
      jobId: "MAINTENANCE_SCAN@2026-12-01",
      period: "2026-12-01",
      mode: "dry_run",
      wakeupError: unreachable,
    });
    expect(await scanJobs("MAINTENANCE_SCAN")).toHaveLength(1);
  });

  it("creates nothing while the scan is switched off", async () => {
    const { engine, tasks } = engineWith({ aliasInvariantScanEnabled: false });
    const run = await produceScheduledScan(engine, findScanSchedule("ALIAS_INVARIANT_SCAN")!, NIGHT);
    expect(run).toEqual({ outcome: "disabled", param: "ALIAS_INVARIANT_SCAN_SCHEDULE_ENABLED" });
    expect(await scanJobs("ALIAS_INVARIANT_SCAN")).toHaveLength(0);
    expect(tasks.tasks).toHaveLength(0);
  });
});

describeWithFullEmulator("a scheduled scan whose params do not parse", () => {
  const quality = findScanSchedule("QUALITY_SCAN")!;
  const periodJob = () => db.collection(JOB_COLLECTIONS.jobs).doc("QUALITY_SCAN@2026-12-01").get();

  it("leaves its period's job failed CONFIG_INVALID naming the param; a second delivery creates nothing; its retry is refused", async () => {
    const { engine, tasks } = engineOn({ QUALITY_SCAN_LIMIT: "5000" });
    // The deployed function's handler: it ends well, so Cloud Scheduler has nothing to retry.
    const run = await handleScheduledScan(engine, quality, { scheduleTime: NIGHT.toISOString() });
    expect(run).toMatchObject({
      outcome: "config_invalid",
      jobId: "QUALITY_SCAN@2026-12-01",
      period: "2026-12-01",
      created: true,
      refusal: true,
    });
    const job = await periodJob();
    expect(job.data()).toMatchObject({
      type: "QUALITY_SCAN",
      status: "failed",
      created_by: SCHEDULER,
      attempts: 0,
      error: {
        code: "CONFIG_INVALID",
        transient: false,
        message: expect.stringMatching(/^param QUALITY_SCAN_LIMIT must be at most 2000, not 5000: /),
        details: { params: ["QUALITY_SCAN_LIMIT"] },
      },
    });
    expect(job.get("finished_at")).toBeDefined();
    expect(job.get("expire_at")).toBeDefined();
    // Never taken in: no poll finds it, and nothing was woken for it.
    expect(job.get("run_after")).toBeUndefined();
    expect(tasks.tasks).toHaveLength(0);

    const again = await produceScheduledScan(engine, quality, NIGHT);
    expect(again).toMatchObject({ outcome: "config_invalid", jobId: "QUALITY_SCAN@2026-12-01", created: false, refusal: true });
    expect(await scanJobs("QUALITY_SCAN")).toHaveLength(1);
    expect((await periodJob()).updateTime).toEqual(job.updateTime);

    const refused = await engine.retry(job.id).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(InvalidTransitionError);
    expect((refused as Error).message).toContain("fix the param, then `catalog-jobs schedules run QUALITY_SCAN` makes the period's job");
  });

  it("names every param that does not parse, its switch among them (it may be on), each once", async () => {
    const { engine } = engineOn({
      QUALITY_SCAN_SCHEDULE_ENABLED: "yes",
      CATALOG_APPLY_ENABLED: "1",
      QUALITY_SCAN_APPLY: "ture",
      QUALITY_SCAN_PRIORITY: "high",
      QUALITY_SCAN_STALE_AFTER_DAYS: "0",
      QUALITY_SCAN_LIMIT: "5000",
    });
    const run = await produceScheduledScan(engine, quality, NIGHT);
    const params = [
      "QUALITY_SCAN_SCHEDULE_ENABLED",
      "CATALOG_APPLY_ENABLED",
      "QUALITY_SCAN_APPLY",
      "QUALITY_SCAN_PRIORITY",
      "QUALITY_SCAN_STALE_AFTER_DAYS",
      "QUALITY_SCAN_LIMIT",
    ];
    expect(run.outcome === "config_invalid" && run.invalid.map((problem) => problem.param)).toEqual(params);
    const job = await periodJob();
    expect(job.get("error.details.params")).toEqual(params);
    for (const param of params) expect(job.get("error.message")).toContain(`param ${param} `);
  });

  it("names a scan's apply param that does not parse while the catalog's apply gate is shut", async () => {
    const { engine } = engineOn({ MAINTENANCE_SCAN_APPLY: "ture", MAINTENANCE_SCAN_FAMILY_LIMIT: "-1" });
    const run = await produceScheduledScan(engine, maintenance, NIGHT);
    expect(run.outcome === "config_invalid" && run.invalid.map((problem) => problem.param)).toEqual([
      "MAINTENANCE_SCAN_APPLY",
      "MAINTENANCE_SCAN_FAMILY_LIMIT",
    ]);
  });

  it("creates nothing while the scan is switched off, whatever its other params", async () => {
    const { engine } = engineOn({ QUALITY_SCAN_SCHEDULE_ENABLED: "false", QUALITY_SCAN_LIMIT: "5000" });
    expect(await produceScheduledScan(engine, quality, NIGHT)).toEqual({ outcome: "disabled", param: "QUALITY_SCAN_SCHEDULE_ENABLED" });
    expect(await scanJobs("QUALITY_SCAN")).toHaveLength(0);
  });

  it("creates one refused job when the same run is delivered twice at once", async () => {
    const { engine } = engineOn({ QUALITY_SCAN_LIMIT: "5000" });
    const runs = await Promise.all([1, 2, 3].map(() => produceScheduledScan(engine, quality, NIGHT)));
    expect(runs.map((run) => run.outcome === "config_invalid" && run.created).sort()).toEqual([false, false, true]);
    expect(await scanJobs("QUALITY_SCAN")).toHaveLength(1);
  });

  it("has its refusal replaced by the period's job once the param is fixed; the period still gets one job", async () => {
    await produceScheduledScan(engineOn({ QUALITY_SCAN_LIMIT: "5000" }).engine, quality, NIGHT);
    const { engine, tasks } = engineOn({ QUALITY_SCAN_LIMIT: "2000" });
    const later = new Date("2026-12-01T15:00:00Z");
    expect(await produceScheduledScan(engine, quality, later)).toEqual({
      outcome: "created",
      jobId: "QUALITY_SCAN@2026-12-01",
      period: "2026-12-01",
      mode: "dry_run",
    });
    expect((await periodJob()).data()).toMatchObject({
      status: "queued",
      error: null,
      created_by: SCHEDULER,
      payload: { mode: "dry_run", selection: { stale_after_days: 7, limit: 2000 } },
    });
    expect(tasks.tasks.map((task) => task.jobId)).toEqual(["QUALITY_SCAN@2026-12-01"]);
    expect((await produceScheduledScan(engine, quality, later)).outcome).toBe("exists");
    // A delivery with the param still broken finds the period's job, and leaves it as it is.
    expect(await produceScheduledScan(engineOn({ QUALITY_SCAN_LIMIT: "5000" }).engine, quality, NIGHT)).toMatchObject({ created: false });
    expect((await periodJob()).get("status")).toBe("queued");
    expect(await scanJobs("QUALITY_SCAN")).toHaveLength(1);
  });

  it("has its refusal replaced when the delete's reply was lost (the Firestore client runs its transaction again)", async () => {
    await produceScheduledScan(engineOn({ QUALITY_SCAN_LIMIT: "5000" }).engine, quality, NIGHT);
    const { engine } = engineOn({ QUALITY_SCAN_LIMIT: "2000" });
    const lost = losingTransactionReplies();
    const run = await produceScheduledScan(engine, quality, new Date("2026-12-01T15:00:00Z")).finally(() => jest.restoreAllMocks());
    expect(lost.reruns).toBeGreaterThan(0);
    expect(run.outcome).toBe("created");
    expect((await periodJob()).get("status")).toBe("queued");
  });

  it("never replaces a job of the period that ran, nor one another producer refused", async () => {
    const { engine } = engineWith();
    await produceScheduledScan(engine, maintenance, NIGHT);
    await engine.runLane("maintenance");
    expect(await engine.queue.deleteRefusedJob("MAINTENANCE_SCAN@2026-12-01", SCHEDULER)).toBe(false);
    expect((await produceScheduledScan(engine, maintenance, NIGHT)).outcome).toBe("exists");
    // Its params broken since: the period keeps the job that ran, which no run with them fixed replaces.
    const broken = engineOn({ MAINTENANCE_SCAN_PRIORITY: "x" }).engine;
    expect(await produceScheduledScan(broken, maintenance, NIGHT)).toMatchObject({
      outcome: "config_invalid",
      created: false,
      refusal: false,
    });
    expect(
      await engine.queue.createRefusedJob({ id: "other", type: "QUALITY_SCAN", created_by: "system:cli" }, { code: "X", message: "m" }),
    ).toBe("created");
    expect(await engine.queue.deleteRefusedJob("other", SCHEDULER)).toBe(false);
    expect((await db.collection(JOB_COLLECTIONS.jobs).doc("other").get()).exists).toBe(true);
  });
});
