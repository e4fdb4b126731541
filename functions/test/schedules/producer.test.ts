import { createEngine, type Engine } from "../../src/create-engine";
import type { EngineConfig } from "../../src/config";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { SCHEDULER, produceScheduledScan } from "../../src/schedules/producer";
import { SCAN_SCHEDULES, findScanSchedule } from "../../src/schedules/scans";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";
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
