/** Days on the command line: `YYYY-MM-DD`, UTC like the daily summaries, both ends of a range included. */
import { dayKey } from "../jobs/run-history";
import { usageError } from "./errors";

const DAY_MS = 86_400_000;
/** The longest range `summary` adds up. */
const MAX_RANGE_DAYS = 366;
/** The days a Firestore timestamp holds (from the start of the first to the end of the last): a date outside is refused as input. */
const FIRST_DAY = "0001-01-01";
const LAST_DAY = "9999-12-31";

/** The start of the day `raw` names; a usage error for anything that is not a real date, or one a Firestore timestamp does not hold. */
export function parseDay(option: string, raw: string): Date {
  const date = new Date(`${raw}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(date.getTime()) || dayKey(date) !== raw)
    throw usageError(`${option} takes a date as YYYY-MM-DD, not "${raw}"`);
  if (raw < FIRST_DAY) throw usageError(`${option} takes a date from ${FIRST_DAY} to ${LAST_DAY}, not "${raw}"`);
  return date;
}

function nextDay(day: Date): Date {
  return new Date(day.getTime() + DAY_MS);
}

/** Where a range that ends with `day` (included) stops: the next day's start, or nothing past the last day a timestamp holds. */
export function endOfRange(day: Date): Date | undefined {
  return dayKey(day) === LAST_DAY ? undefined : nextDay(day);
}

/** The days from `from` to `to`, both included. */
export function daysBetween(from: Date, to: Date): string[] {
  if (to < from) throw usageError(`--to ${dayKey(to)} is before --from ${dayKey(from)}`);
  const count = (to.getTime() - from.getTime()) / DAY_MS + 1;
  if (count > MAX_RANGE_DAYS) throw usageError(`a range covers at most ${MAX_RANGE_DAYS} days, not ${count}`);
  return Array.from({ length: count }, (_, i) => dayKey(new Date(from.getTime() + i * DAY_MS)));
}
