/**
 * The local runtime's schedule timers (`RUN_SCHEDULES=1 npm start`) on jest's clock: a run that fails
 * is tried again for the same scheduled time, as Cloud Scheduler retries the deployed function, and
 * then the next run is armed.
 */
import { loadEngineConfig } from "../../src/config";
import type { Engine } from "../../src/create-engine";
import { ScheduleTimers } from "../../src/local/schedule-timers";
import { SCHEDULE_RETRY, type ScanSchedule } from "../../src/schedules/scans";

afterEach(() => jest.useRealTimers());

it("tries a failed run again for the time it was scheduled for, backing off as Cloud Scheduler does, then arms the next", async () => {
  jest.useFakeTimers({ now: new Date("2026-12-05T10:00:30Z") });
  // Only the maintenance scan, every minute.
  const config = loadEngineConfig({
    MAINTENANCE_SCAN_SCHEDULE: "* * * * *",
    ALIAS_INVARIANT_SCAN_SCHEDULE_ENABLED: "false",
    DUPLICATE_DETECTION_SCAN_SCHEDULE_ENABLED: "false",
    QUALITY_SCAN_SCHEDULE_ENABLED: "false",
  });
  const engine = { config, now: () => new Date() } as unknown as Engine;
  const runs: Array<{ scan: string; scheduledAt: string; at: number }> = [];
  let failures = 2;
  const produce = (_engine: Engine, scan: ScanSchedule, scheduledAt: Date) => {
    runs.push({ scan: scan.type, scheduledAt: scheduledAt.toISOString(), at: Date.now() });
    return failures-- > 0 ? Promise.reject(new Error("emulator unavailable")) : Promise.resolve();
  };
  const errors: string[] = [];
  const timers = new ScheduleTimers(engine, (_err, where) => errors.push(where), produce);
  timers.start();
  try {
    const minute = 60_000;
    const backoff = SCHEDULE_RETRY.minBackoffSeconds * 1000;
    await jest.advanceTimersByTimeAsync(30_000); // 10:01:00, fails
    await jest.advanceTimersByTimeAsync(backoff); // fails again
    await jest.advanceTimersByTimeAsync(2 * backoff); // succeeds, for 10:01 still
    const start = new Date("2026-12-05T10:01:00Z").getTime();
    expect(runs.map(({ scheduledAt, at }) => ({ scheduledAt, after: at - start }))).toEqual([
      { scheduledAt: "2026-12-05T10:01:00.000Z", after: 0 },
      { scheduledAt: "2026-12-05T10:01:00.000Z", after: backoff },
      { scheduledAt: "2026-12-05T10:01:00.000Z", after: 3 * backoff },
    ]);
    expect(errors).toEqual(["schedule MAINTENANCE_SCAN", "schedule MAINTENANCE_SCAN"]);
    // The next run is the next minute after the one that succeeded, none made up for those slept through.
    await jest.advanceTimersByTimeAsync(minute);
    expect(runs.at(-1)?.scheduledAt).toBe(new Date(start + 3 * backoff + minute).toISOString());
  } finally {
    timers.stop();
  }
});
