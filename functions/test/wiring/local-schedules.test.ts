/** The local runtime plays the scheduled scans on timers only when asked, through the scheduled functions' producer. */
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { periodKey } from "../../src/schedules/period";
import { SCAN_SCHEDULES } from "../../src/schedules/scans";
import { registry } from "../../src/handlers";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";
import { testConfig, useRuntime, waitFor } from "../helpers/runtime";

const db = useFirestore();
const startRuntime = useRuntime(db);

/** How long before a full minute the runtime's clock starts: an every-minute schedule fires that soon. */
const LEAD_MS = 1_000;

/**
 * A clock that reads LEAD_MS before the next multiple of `periodMs` (a full minute, a midnight UTC)
 * when the runtime first reads it, not when the test made it: that moment (`due`) comes LEAD_MS after
 * the runtime starts however long its start took. `advance` moves the clock on, as a process
 * suspended that long finds it.
 */
function justBefore(periodMs: number): { now: () => Date; due: () => Date; advance: (ms: number) => void } {
  let offset: number | undefined;
  let dueMs = Number.NaN;
  const now = () => {
    if (offset === undefined) {
      offset = periodMs - (Date.now() % periodMs) - LEAD_MS;
      dueMs = Date.now() + offset + LEAD_MS;
    }
    return new Date(Date.now() + offset);
  };
  return {
    now,
    due: () => new Date(dueMs),
    advance: (ms) => {
      now();
      offset! += ms;
    },
  };
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Only QUALITY_SCAN switched on, every minute; the lanes run nothing (the job is what is looked at). */
const everyMinute = testConfig({
  ...Object.fromEntries(SCAN_SCHEDULES.map((scan) => [`${scan.key}Enabled`, scan.type === "QUALITY_SCAN"])),
  qualityScanSchedule: "* * * * *",
});

const scanJobs = async () => (await db.collection(JOB_COLLECTIONS.jobs).where("created_by", "==", "system:scheduler").get()).docs;

describeWithFullEmulator("schedules in the local runtime", () => {
  it("are off by default", async () => {
    await startRuntime(registry, { config: everyMinute, now: justBefore(MINUTE_MS).now, maxConcurrent: { priority: 0, maintenance: 0 } });
    // The runtime read its clock while starting: the minute has come once this is over.
    await new Promise((resolve) => setTimeout(resolve, LEAD_MS + 1_500));
    expect(await scanJobs()).toHaveLength(0);
  });

  it("create the period's job at the cron time when asked, and only for the scans switched on", async () => {
    const { now } = justBefore(MINUTE_MS);
    await startRuntime(registry, { config: everyMinute, now, schedules: true, maxConcurrent: { priority: 0, maintenance: 0 } });
    const jobs = await waitFor(scanJobs, (docs) => docs.length > 0, 10_000);
    expect(jobs.map((doc) => doc.id)).toEqual([`QUALITY_SCAN@${periodKey("day", now(), "UTC")}`]);
    expect(jobs[0].get("payload")).toMatchObject({ mode: "dry_run", selection: { limit: 200 } });
  });

  it("do not make up the runs a suspended process missed: it runs once, for the latest time due", async () => {
    // Daily at midnight, and the clock a second before one; then the process sleeps three days and a half.
    const clock = justBefore(DAY_MS);
    const daily = testConfig({ ...everyMinute, qualityScanSchedule: "0 0 * * *" });
    await startRuntime(registry, { config: daily, now: clock.now, schedules: true, maxConcurrent: { priority: 0, maintenance: 0 } });
    const latest = periodKey("day", new Date(clock.due().getTime() + 3 * DAY_MS), "UTC");
    clock.advance(3.5 * DAY_MS);
    // The timer armed for the first midnight finds the wall clock past four: it runs once, for the last of them.
    await waitFor(scanJobs, (docs) => docs.length > 0, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await scanJobs()).map((doc) => doc.id)).toEqual([`QUALITY_SCAN@${latest}`]);
  });
});
