/** The deployed shape of the scheduled scans: one scheduled function per scan next to the watchdog, run through its adapter. */
import functionsTest from "firebase-functions-test";
import type * as indexModule from "../../src/index";
import * as functionsEngineModule from "../../src/adapters/functions-engine";
import { createEngine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { SCAN_SCHEDULES } from "../../src/schedules/scans";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";
import { RecordingTasks, testConfig } from "../helpers/runtime";
import { TEST_PROJECT_ID } from "../setup/project";

const fft = functionsTest({ projectId: TEST_PROJECT_ID });
afterAll(() => fft.cleanup());
const db = useFirestore();

type Exports = typeof indexModule;
interface ScheduleTrigger {
  schedule: string;
  timeZone?: string;
  retryConfig?: { retryCount?: number };
}
const triggerOf = (fn: unknown) => (fn as { __endpoint: { scheduleTrigger: ScheduleTrigger } }).__endpoint.scheduleTrigger;

/** index.ts loaded afresh with `env` added to the environment (schedules are read when the functions are declared). */
function loadIndexWith(env: Record<string, string>): Exports {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    let loaded: Exports | undefined;
    jest.isolateModules(() => {
      loaded = jest.requireActual<Exports>("../../src/index");
    });
    return loaded!;
  } finally {
    process.env = saved;
  }
}

describe("scheduled functions", () => {
  it("declares one scheduled producer per scan, with the schedule and time zone of its params, beside the watchdog", () => {
    const index = loadIndexWith({ QUALITY_SCAN_SCHEDULE: "15 5 * * *", SCHEDULE_TIME_ZONE: "Europe/Berlin" });
    expect(Object.keys(index.scans).sort()).toEqual(SCAN_SCHEDULES.map((scan) => scan.key).sort());
    expect(triggerOf(index.watchdog).schedule).toMatch(/^every \d+ minutes$/);
    expect(triggerOf(index.scans.qualityScan)).toMatchObject({
      schedule: "15 5 * * *",
      timeZone: "Europe/Berlin",
      retryConfig: { retryCount: 3 },
    });
    expect(triggerOf(index.scans.maintenanceScan)).toMatchObject({ schedule: "0 2 * * *", timeZone: "Europe/Berlin" });
    expect(triggerOf(index.scans.duplicateDetectionScan)).toMatchObject({ schedule: "0 3 * * 0" });
  });

  it("still loads with a schedule or time zone that does not parse, on the defaults; a switched-off scan stays deployed", () => {
    const index = loadIndexWith({
      MAINTENANCE_SCAN_SCHEDULE: "every night",
      SCHEDULE_TIME_ZONE: "Atlantis/Capital",
      ALIAS_INVARIANT_SCAN_SCHEDULE_ENABLED: "false",
    });
    expect(triggerOf(index.scans.maintenanceScan)).toMatchObject({ schedule: "0 2 * * *", timeZone: "UTC" });
    expect(triggerOf(index.scans.aliasInvariantScan)).toMatchObject({ schedule: "30 2 * * *" });
  });
});

describeWithFullEmulator("a scheduled scan function delivered twice", () => {
  afterEach(() => jest.restoreAllMocks());

  it("creates one job for the period; switched off, it creates none", async () => {
    const { scans } = jest.requireActual<Exports>("../../src/index");
    const engine = createEngine({ db, config: testConfig({ aliasInvariantScanEnabled: false }), tasks: new RecordingTasks() });
    jest.spyOn(functionsEngineModule, "functionsEngine").mockReturnValue(engine);
    const event = { scheduleTime: "2026-12-01T02:00:00.000Z", jobName: "firebase-schedule-scans-maintenanceScan-us-central1" };
    await scans.maintenanceScan.run(event);
    await scans.maintenanceScan.run(event);
    await scans.aliasInvariantScan.run(event);
    const jobs = await db.collection(JOB_COLLECTIONS.jobs).get();
    expect(jobs.docs.map((doc) => doc.id)).toEqual(["MAINTENANCE_SCAN@2026-12-01"]);
    expect(jobs.docs[0].data()).toMatchObject({ created_by: "system:scheduler", payload: { mode: "dry_run" } });
  });
});
