/**
 * The local runtime's schedule timers (`RUN_SCHEDULES=1 npm start`) on jest's clock: a run that fails
 * is tried again for the same scheduled time, as Cloud Scheduler retries the deployed function, and
 * then the next run is armed; a machine that sleeps past a run time runs it on waking, for the latest
 * time due. Moving jest's system time models the sleep: the wall clock jumps while a pending timer
 * still waits the time it had left, as Node's timers on the monotonic clock do.
 */
import { loadEngineConfig } from "../../src/config";
import type { Engine } from "../../src/create-engine";
import { ScheduleTimers } from "../../src/local/schedule-timers";
import { SCHEDULE_RETRY, type ScanSchedule } from "../../src/schedules/scans";

afterEach(() => jest.useRealTimers());

/**
 * The engine as the timers see it: only the maintenance scan switched on (or its switch set to `enabled`), on
 * `schedule`; fake timers from `now`.
 */
function maintenanceOnly(schedule: string, now: string, enabled = "true"): Engine {
  jest.useFakeTimers({ now: new Date(now) });
  const config = loadEngineConfig({
    MAINTENANCE_SCAN_SCHEDULE: schedule,
    MAINTENANCE_SCAN_SCHEDULE_ENABLED: enabled,
    SCHEDULE_TIME_ZONE: "UTC",
    ALIAS_INVARIANT_SCAN_SCHEDULE_ENABLED: "false",
    DUPLICATE_DETECTION_SCAN_SCHEDULE_ENABLED: "false",
    QUALITY_SCAN_SCHEDULE_ENABLED: "false",
  });
  return { config, now: () => new Date() } as unknown as Engine;
}

it("tries a failed run again for the time it was scheduled for, backing off as Cloud Scheduler does, then arms the next", async () => {
  const engine = maintenanceOnly("* * * * *", "2026-12-05T10:00:30Z");
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

it("arms a scan whose switch does not parse, as it may be on: each run is the producer's, which refuses the period as deployed", async () => {
  const engine = maintenanceOnly("* * * * *", "2026-12-05T10:00:30Z", "maybe");
  const runs: string[] = [];
  const produce = (_engine: Engine, scan: ScanSchedule, scheduledAt: Date) => {
    runs.push(`${scan.type}@${scheduledAt.toISOString()}`);
    return Promise.resolve();
  };
  const errors: string[] = [];
  const timers = new ScheduleTimers(engine, (_err, where) => errors.push(where), produce);
  timers.start();
  try {
    await jest.advanceTimersByTimeAsync(90_000);
    expect(runs).toEqual(["MAINTENANCE_SCAN@2026-12-05T10:01:00.000Z", "MAINTENANCE_SCAN@2026-12-05T10:02:00.000Z"]);
    expect(errors).toEqual([]);
  } finally {
    timers.stop();
  }
});

describe("a machine that sleeps past a run time", () => {
  const hour = 3_600_000;

  /** The maintenance scan alone, daily at 02:00 UTC, armed at 22:00 the evening before; its runs recorded. */
  function dailyAtTwo() {
    const engine = maintenanceOnly("0 2 * * *", "2026-12-04T22:00:00Z");
    const runs: Array<{ scheduledAt: string; at: string }> = [];
    const produce = (_engine: Engine, _scan: ScanSchedule, scheduledAt: Date) => {
      runs.push({ scheduledAt: scheduledAt.toISOString(), at: new Date().toISOString() });
      return Promise.resolve();
    };
    const errors: unknown[] = [];
    const timers = new ScheduleTimers(engine, (err) => errors.push(err), produce);
    timers.start();
    return { timers, runs, errors };
  }

  it("runs the scan within a minute of waking, not as many hours late as it slept", async () => {
    const { timers, runs, errors } = dailyAtTwo();
    try {
      await jest.advanceTimersByTimeAsync(hour); // 23:00, three hours before the run
      jest.setSystemTime(new Date("2026-12-05T08:00:00Z")); // woken at 08:00
      await jest.advanceTimersByTimeAsync(60_000);
      expect(runs).toEqual([{ scheduledAt: "2026-12-05T02:00:00.000Z", at: expect.stringMatching(/^2026-12-05T08:0[01]:/) }]);
      expect(errors).toEqual([]);
    } finally {
      timers.stop();
    }
  });

  it("runs once after sleeping past several, for the latest time due (the current period), and the next as usual", async () => {
    const { timers, runs, errors } = dailyAtTwo();
    try {
      await jest.advanceTimersByTimeAsync(hour);
      jest.setSystemTime(new Date("2026-12-07T08:00:00Z")); // slept through the runs of the 5th, 6th and 7th
      await jest.advanceTimersByTimeAsync(60_000);
      await jest.advanceTimersByTimeAsync(18 * hour + 60_000); // past 02:00 on the 8th
      expect(runs).toEqual([
        { scheduledAt: "2026-12-07T02:00:00.000Z", at: expect.stringMatching(/^2026-12-07T08:0[01]:/) },
        { scheduledAt: "2026-12-08T02:00:00.000Z", at: "2026-12-08T02:00:00.000Z" },
      ]);
      expect(errors).toEqual([]);
    } finally {
      timers.stop();
    }
  });
});
