/** The local runtime plays the scheduled scans on timers only when asked, through the scheduled functions' producer. */
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { periodKey } from "../../src/schedules/period";
import { SCAN_SCHEDULES } from "../../src/schedules/scans";
import { registry } from "../../src/handlers";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";
import { movableClock, testConfig, useRuntime, waitFor } from "../helpers/runtime";

const db = useFirestore();
const startRuntime = useRuntime(db);

/** How long before a full minute the runtime's clock starts: an every-minute schedule fires that soon. */
const LEAD_MS = 1_000;

/**
 * A clock that reads LEAD_MS before a full minute when the runtime first reads it (not when the test
 * made it), so the minute comes LEAD_MS after the runtime starts however long its start took.
 */
function justBeforeAMinute(): () => Date {
  let offset: number | undefined;
  return () => {
    offset ??= 60_000 - (Date.now() % 60_000) - LEAD_MS;
    return new Date(Date.now() + offset);
  };
}

/** Only QUALITY_SCAN switched on, every minute; the lanes run nothing (the job is what is looked at). */
const everyMinute = testConfig({
  ...Object.fromEntries(SCAN_SCHEDULES.map((scan) => [`${scan.key}Enabled`, scan.type === "QUALITY_SCAN"])),
  qualityScanSchedule: "* * * * *",
});

const scanJobs = async () => (await db.collection(JOB_COLLECTIONS.jobs).where("created_by", "==", "system:scheduler").get()).docs;

describeWithFullEmulator("schedules in the local runtime", () => {
  it("are off by default", async () => {
    await startRuntime(registry, { config: everyMinute, now: justBeforeAMinute(), maxConcurrent: { priority: 0, maintenance: 0 } });
    // The runtime read its clock while starting: the minute has come once this is over.
    await new Promise((resolve) => setTimeout(resolve, LEAD_MS + 1_500));
    expect(await scanJobs()).toHaveLength(0);
  });

  it("create the period's job at the cron time when asked, and only for the scans switched on", async () => {
    const now = justBeforeAMinute();
    await startRuntime(registry, { config: everyMinute, now, schedules: true, maxConcurrent: { priority: 0, maintenance: 0 } });
    const jobs = await waitFor(scanJobs, (docs) => docs.length > 0, 10_000);
    expect(jobs.map((doc) => doc.id)).toEqual([`QUALITY_SCAN@${periodKey("day", now(), "UTC")}`]);
    expect(jobs[0].get("payload")).toMatchObject({ mode: "dry_run", selection: { limit: 200 } });
  });

  it("do not make up the runs a suspended process missed: the next run is the next one from now", async () => {
    // Daily at midnight, and the clock a second before one; then the process sleeps three days and a half.
    const clock = movableClock();
    const toMidnight = 86_400_000 - (clock.now().getTime() % 86_400_000) - LEAD_MS;
    clock.advance(toMidnight);
    const first = periodKey("day", new Date(clock.now().getTime() + LEAD_MS), "UTC");
    const daily = testConfig({ ...everyMinute, qualityScanSchedule: "0 0 * * *" });
    await startRuntime(registry, { config: daily, now: clock.now, schedules: true, maxConcurrent: { priority: 0, maintenance: 0 } });
    clock.advance(3.5 * 86_400_000);
    // The timer armed for the first midnight fires late, with its own time; none of the three midnights slept through follows it.
    await waitFor(scanJobs, (docs) => docs.length > 0, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await scanJobs()).map((doc) => doc.id)).toEqual([`QUALITY_SCAN@${first}`]);
  });
});
