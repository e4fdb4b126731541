/**
 * The period a scheduled run belongs to, named from the time it was scheduled for (the event's
 * `scheduleTime`, never the clock), in the schedule's time zone: a late or repeated delivery of the
 * same run names the same period.
 */

export type Period = "day" | "week";

/** The calendar date of `at` in `timeZone`. */
function localDate(at: Date, timeZone: string): { year: number; month: number; day: number } {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return { year: part("year"), month: part("month"), day: part("day") };
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** ISO 8601 week of a calendar date: weeks start on Monday, week 1 holds the year's first Thursday. */
function isoWeek(date: { year: number; month: number; day: number }): { year: number; week: number } {
  const utc = new Date(Date.UTC(date.year, date.month - 1, date.day));
  const weekday = utc.getUTCDay() || 7;
  utc.setUTCDate(utc.getUTCDate() + 4 - weekday); // the Thursday of this week decides its year
  const yearStart = Date.UTC(utc.getUTCFullYear(), 0, 1);
  return { year: utc.getUTCFullYear(), week: Math.ceil(((utc.getTime() - yearStart) / 86_400_000 + 1) / 7) };
}

/** `2026-12-01` for a day, `2026-W49` for an ISO week. */
export function periodKey(period: Period, scheduledAt: Date, timeZone: string): string {
  const date = localDate(scheduledAt, timeZone);
  switch (period) {
    case "day":
      return `${date.year}-${pad(date.month)}-${pad(date.day)}`;
    case "week": {
      const { year, week } = isoWeek(date);
      return `${year}-W${pad(week)}`;
    }
  }
}
