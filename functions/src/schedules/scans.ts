/**
 * The scheduled scans: one row per scan that keeps the catalog healthy without anyone submitting
 * it. A row names the job type, the period one run covers (one job per period), the prefix of its
 * params in config.ts (`<key>Schedule`, `<key>Enabled`, `<key>Apply`, `<key>Priority`) and its
 * payload. index.ts declares one scheduled function per row; the local runtime's timers and the
 * CLI's `schedules` read the same rows. The lane is the job type's own (the registry's default).
 */
import { type ConfigError, type EngineConfig, PARAMS, readEvery } from "../config";
import * as logs from "../jobs/logs";
import type { Period } from "./period";

/**
 * How a failed run is tried again: Cloud Scheduler's retries of the deployed functions, and the local
 * runtime's timers (the same run, for the time it was scheduled for: a period still gets its one job).
 */
export const SCHEDULE_RETRY = { retryCount: 3, minBackoffSeconds: 60 } as const;

/** The config key prefixes that have a schedule param. */
type ScanKey = keyof EngineConfig extends infer K ? (K extends `${infer P}Schedule` ? P : never) : never;

export interface ScanSchedule {
  /** The job type a run creates. */
  type: string;
  /** Prefix of its params' keys in the config, and its function's name in the `scans` group. */
  key: ScanKey;
  /** What one job covers: `day` (local date) or `week` (ISO week), in SCHEDULE_TIME_ZONE. */
  period: Period;
  /** The payload's fields besides `mode`. */
  payload(config: EngineConfig): Record<string, unknown>;
}

export const SCAN_SCHEDULES: readonly ScanSchedule[] = [
  {
    type: "MAINTENANCE_SCAN",
    key: "maintenanceScan",
    period: "day",
    payload: (config) => (config.maintenanceScanFamilyLimit > 0 ? { family_limit: config.maintenanceScanFamilyLimit } : {}),
  },
  { type: "ALIAS_INVARIANT_SCAN", key: "aliasInvariantScan", period: "day", payload: () => ({}) },
  { type: "DUPLICATE_DETECTION_SCAN", key: "duplicateDetectionScan", period: "week", payload: () => ({}) },
  {
    type: "QUALITY_SCAN",
    key: "qualityScan",
    period: "day",
    // Incremental: the exercises never scanned or scanned longest ago, a bounded number per run.
    payload: (config) => ({ selection: { stale_after_days: config.qualityScanStaleAfterDays, limit: config.qualityScanLimit } }),
  },
];

/** index.ts exports the scans' functions as this group: deployed as `scans-<key>`. */
const SCAN_FUNCTION_GROUP = "scans";

export function scheduledFunctionName(scan: ScanSchedule): string {
  return `${SCAN_FUNCTION_GROUP}-${scan.key}`;
}

/** The row of a scan, by job type or key (`QUALITY_SCAN`, `qualityScan`; any case). */
export function findScanSchedule(name: string): ScanSchedule | undefined {
  const wanted = name.toLowerCase();
  return SCAN_SCHEDULES.find((scan) => scan.type.toLowerCase() === wanted || scan.key.toLowerCase() === wanted);
}

/** The settings read when the functions are declared. */
type DeclaredKey = "scheduleTimeZone" | `${ScanSchedule["key"]}Schedule`;

/** A declared setting: an invalid value falls back to the default, logged, so loading never breaks. */
function declaredSetting(config: EngineConfig, key: DeclaredKey): string {
  const reading = readEvery(config, (c) => c[key]);
  if (reading.ok) return reading.value;
  const [problem] = reading.invalid;
  logs.declaredParamInvalid(problem, PARAMS[key].defaultValue);
  return PARAMS[key].defaultValue;
}

/** The declared settings that do not parse, each of which `scheduleOf` replaces by its default. */
export function invalidScheduleParams(config: EngineConfig): ConfigError[] {
  const keys: DeclaredKey[] = ["scheduleTimeZone", ...SCAN_SCHEDULES.map((scan) => `${scan.key}Schedule` as const)];
  return keys.flatMap((key) => {
    const reading = readEvery(config, (c) => c[key]);
    return reading.ok ? [] : reading.invalid;
  });
}

/** The scan's cron schedule and time zone (plain strings at deploy, like the watchdog's). */
export function scheduleOf(scan: ScanSchedule, config: EngineConfig): { cron: string; timeZone: string } {
  return { cron: declaredSetting(config, `${scan.key}Schedule`), timeZone: declaredSetting(config, "scheduleTimeZone") };
}
