import { PARAMS, loadEngineConfig } from "../../src/config";
import { periodKey } from "../../src/schedules/period";
import { scheduleOf } from "../../src/schedules/scans";
import { SCAN_SCHEDULES, findScanSchedule } from "../../src/schedules/scans";
import { canonicalTimeZone, cronProblem, nextRunTimes } from "../../src/util/cron";

describe("period keys", () => {
  it.each([
    ["day", "2026-12-01T02:00:00Z", "UTC", "2026-12-01"],
    ["day", "2026-12-01T23:30:00Z", "Europe/Berlin", "2026-12-02"],
    ["day", "2026-12-01T03:00:00Z", "America/Los_Angeles", "2026-11-30"],
    ["week", "2026-12-06T03:00:00Z", "UTC", "2026-W49"], // a Sunday ends its ISO week
    ["week", "2026-12-07T00:30:00Z", "UTC", "2026-W50"],
    ["week", "2026-12-06T23:30:00Z", "Europe/Berlin", "2026-W50"], // already Monday in Berlin
    ["week", "2026-01-01T12:00:00Z", "UTC", "2026-W01"], // a Thursday: week 1 of its own year
    ["week", "2027-01-01T12:00:00Z", "UTC", "2026-W53"], // a Friday: still the last week of 2026
    ["week", "2024-12-30T12:00:00Z", "UTC", "2025-W01"], // a Monday in December: week 1 of the next year
  ] as const)("a %s scheduled at %s in %s is %s", (period, at, zone, key) => {
    expect(periodKey(period, new Date(at), zone)).toBe(key);
  });
});

describe("unix-cron schedules", () => {
  it.each(["0 2 * * *", "30 2 * * 0", "*/15 * * * *", "0 3 * * MON-FRI", "0 0 1,15 jan,jul *"])("accepts %s", (expression) => {
    expect(cronProblem(expression)).toBeNull();
  });

  it.each([
    ["0 2 * *", /five fields/],
    ["0 0 2 * * *", /five fields/],
    ["every 5 minutes", /five fields/],
    ["@daily", /five fields/],
    ["61 2 * * *", /not a valid cron schedule/],
    ["0 2 L * *", /not a unix-cron field/],
    ["0 2 ? * *", /not a unix-cron field/],
    ["0 2 * * 1#2", /not a unix-cron field/],
    ["0 2 * MON *", /not a unix-cron field/],
  ])("refuses %s", (expression, reason) => {
    expect(cronProblem(expression)).toMatch(reason);
  });

  it("knows time zones, and spells them as the tz database does (as Cloud Scheduler takes them)", () => {
    expect(canonicalTimeZone("Europe/Berlin")).toBe("Europe/Berlin");
    expect(canonicalTimeZone("europe/berlin")).toBe("Europe/Berlin");
    expect(canonicalTimeZone("UTC")).toBe("UTC");
    expect(canonicalTimeZone("Mars/Olympus_Mons")).toBeNull();
    expect(canonicalTimeZone("")).toBeNull();
  });

  it("gives the next run times in the schedule's time zone", () => {
    const after = new Date("2026-12-01T12:00:00Z");
    expect(nextRunTimes("0 2 * * *", "UTC", after, 2).map((d) => d.toISOString())).toEqual([
      "2026-12-02T02:00:00.000Z",
      "2026-12-03T02:00:00.000Z",
    ]);
    expect(nextRunTimes("0 2 * * *", "Europe/Berlin", after)[0].toISOString()).toBe("2026-12-02T01:00:00.000Z");
  });
});

describe("the scan schedules table", () => {
  it("has one row per scan type, each with its four params named after the type", () => {
    expect(SCAN_SCHEDULES.map((scan) => scan.type).sort()).toEqual([
      "ALIAS_INVARIANT_SCAN",
      "DUPLICATE_DETECTION_SCAN",
      "MAINTENANCE_SCAN",
      "QUALITY_SCAN",
    ]);
    for (const scan of SCAN_SCHEDULES) {
      expect([
        PARAMS[`${scan.key}Schedule`].param.name,
        PARAMS[`${scan.key}Enabled`].param.name,
        PARAMS[`${scan.key}Apply`].param.name,
        PARAMS[`${scan.key}Priority`].param.name,
      ]).toEqual([`${scan.type}_SCHEDULE`, `${scan.type}_SCHEDULE_ENABLED`, `${scan.type}_APPLY`, `${scan.type}_PRIORITY`]);
      expect(cronProblem(PARAMS[`${scan.key}Schedule`].defaultValue)).toBeNull();
    }
  });

  it("finds a scan by job type or key, in any case", () => {
    expect(findScanSchedule("QUALITY_SCAN")?.key).toBe("qualityScan");
    expect(findScanSchedule("qualityscan")?.type).toBe("QUALITY_SCAN");
    expect(findScanSchedule("FAMILY_AUDIT")).toBeUndefined();
  });

  it("reads the schedule and time zone from the params, falling back to the defaults when they do not parse", () => {
    const scan = findScanSchedule("MAINTENANCE_SCAN")!;
    expect(scheduleOf(scan, loadEngineConfig({ MAINTENANCE_SCAN_SCHEDULE: "15 1 * * *", SCHEDULE_TIME_ZONE: "Europe/Berlin" }))).toEqual({
      cron: "15 1 * * *",
      timeZone: "Europe/Berlin",
    });
    // Deployed as the tz database spells it, whatever the case it was given in.
    expect(scheduleOf(scan, loadEngineConfig({ SCHEDULE_TIME_ZONE: "europe/berlin" })).timeZone).toBe("Europe/Berlin");
    expect(scheduleOf(scan, loadEngineConfig({ MAINTENANCE_SCAN_SCHEDULE: "nightly", SCHEDULE_TIME_ZONE: "Mars/Base" }))).toEqual({
      cron: "0 2 * * *",
      timeZone: "UTC",
    });
  });
});
