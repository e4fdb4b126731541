/**
 * Schedules in unix-cron, the five-field format Cloud Scheduler takes ("minute hour day-of-month
 * month day-of-week", three-letter month and day names allowed), in an IANA time zone: checking an
 * expression and a time zone, and the run times that follow a moment. The arithmetic (time zones,
 * daylight saving) is croner's; this module only holds it to what Cloud Scheduler accepts.
 */
import { Cron } from "croner";

const MONTH_NAMES = new Set(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]);
const DAY_NAMES = new Set(["sun", "mon", "tue", "wed", "thu", "fri", "sat"]);
const NO_NAMES = new Set<string>();

/**
 * The five fields in order, with the names each takes. The range of a day of month or a month is checked
 * here: croner counts both from 0 and names the value less one ("0 2 0 * *": "Invalid value for day: -1");
 * it names the others as written.
 */
const FIELDS: ReadonlyArray<{ name: string; names: ReadonlySet<string>; range?: readonly [number, number] }> = [
  { name: "minute", names: NO_NAMES },
  { name: "hour", names: NO_NAMES },
  { name: "day-of-month", names: NO_NAMES, range: [1, 31] },
  { name: "month", names: MONTH_NAMES, range: [1, 12] },
  { name: "day-of-week", names: DAY_NAMES },
];

/** Digits, names, `*`, ranges, lists and steps: nothing of the Quartz extensions (L, W, #, ?) or nicknames (@daily). */
const FIELD = /^[0-9A-Za-z*,/-]+$/;

/**
 * How far ahead a schedule must have a run: a date that never comes ("0 2 30 2 *", February 30) parses,
 * and Cloud Scheduler takes it, but the scan would never run. Eight years, as a leap day (February 29)
 * comes at least once in any eight.
 */
const RUN_WITHIN_YEARS = 8;

/**
 * Why `expression` is not a unix-cron schedule Cloud Scheduler would take, or one that never runs (no
 * run in the eight years after `now`), or null when it is neither.
 */
export function cronProblem(expression: string, now: Date = new Date()): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== FIELDS.length)
    return `a cron schedule has five fields (${FIELDS.map(({ name }) => name).join(" ")}), not "${expression}"`;
  for (const [index, field] of fields.entries()) {
    const { name, names, range } = FIELDS[index];
    const words = field.match(/[A-Za-z]+/g) ?? [];
    if (!FIELD.test(field) || words.some((word) => !names.has(word.toLowerCase())))
      return `"${field}" is not a unix-cron field (in "${expression}")`;
    const outside = range && valuesWritten(field).find((value) => Number(value) < range[0] || Number(value) > range[1]);
    if (outside) return `"${field}" is not a unix-cron ${name} field: ${outside} is outside ${range[0]}-${range[1]} (in "${expression}")`;
  }
  let next: Date | undefined;
  try {
    // In UTC: whether a day comes at all does not depend on the time zone.
    [next] = nextRunTimes(expression, "UTC", now);
  } catch (err) {
    return `"${expression}" is not a valid cron schedule: ${err instanceof Error ? err.message : String(err)}`;
  }
  const horizon = new Date(now);
  horizon.setUTCFullYear(horizon.getUTCFullYear() + RUN_WITHIN_YEARS);
  if (!next || next > horizon)
    return `"${expression}" never runs: no time in the next ${RUN_WITHIN_YEARS} years matches it (a day its months do not have?)`;
  return null;
}

/** The numbers a field names as values or range ends, as written ("1-5/2,10": 1, 5 and 10; a step is no value). */
function valuesWritten(field: string): string[] {
  const values = field.split(",").map((part) => part.split("/")[0]);
  return values.flatMap((value) => value.split("-")).filter((value) => /^[0-9]+$/.test(value));
}

/**
 * The time zone `name` names as the tz database spells it ("europe/berlin" is "Europe/Berlin", "Etc/UTC"
 * is "UTC"), or null when this runtime knows none by it. Cloud Scheduler takes the canonical spelling only,
 * while the runtime accepts any case.
 */
export function canonicalTimeZone(name: string): string | null {
  if (name.length === 0) return null;
  try {
    return new Intl.DateTimeFormat("en", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** The next `count` run times of a valid expression after `after`, in `timeZone`. */
export function nextRunTimes(expression: string, timeZone: string, after: Date, count = 1): Date[] {
  return schedule(expression, timeZone).nextRuns(count, after);
}

/** The last run time of a valid expression at or before `at`, in `timeZone` (undefined when it has none). */
export function latestRunTime(expression: string, timeZone: string, at: Date): Date | undefined {
  // croner looks strictly before its reference.
  const [latest] = schedule(expression, timeZone).previousRuns(1, new Date(at.getTime() + 1));
  return latest;
}

function schedule(expression: string, timeZone: string): Cron {
  return new Cron(expression, { paused: true, mode: "5-part", timezone: timeZone });
}
