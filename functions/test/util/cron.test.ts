/**
 * Schedules that parse but never run: refused like a schedule that does not parse, by the check the config's
 * params use; a day of month or month out of range is named as written, with its range.
 */
import { configProblems } from "../../src/config";
import { cronProblem } from "../../src/util/cron";

describe("a schedule that never runs", () => {
  it.each(["0 2 30 2 *", "0 2 31 4 *", "0 2 31 2,4,6,9,11 *", "0 2 30-31 FEB *"])("is refused: %s", (expression) => {
    expect(cronProblem(expression)).toMatch(new RegExp(`^"${expression.replace(/\*/g, "\\*")}" never runs: no time in the next 8 years`));
  });

  it.each([
    // A leap day: eight years apart across 2100, which is no leap year.
    ["0 2 29 2 *", "2097-03-01T00:00:00Z"],
    ["0 2 29 2 *", "2026-03-01T00:00:00Z"],
    // Day of month or day of week, as cron reads the two together: every Monday of February.
    ["0 2 30 2 1", "2026-03-01T00:00:00Z"],
    ["0 2 * * *", "2026-12-01T12:00:00Z"],
  ])("is not %s (after %s)", (expression, now) => {
    expect(cronProblem(expression, new Date(now))).toBeNull();
  });

  it("is a problem of the schedule's param, as one that does not parse", () => {
    const problems = configProblems({ MAINTENANCE_SCAN_SCHEDULE: "0 2 30 2 *" });
    expect(problems.map((problem) => [problem.param, problem.message])).toEqual([
      ["MAINTENANCE_SCAN_SCHEDULE", expect.stringMatching(/^param MAINTENANCE_SCAN_SCHEDULE .*"0 2 30 2 \*" never runs/)],
    ]);
  });
});

describe("a day of month or month out of range", () => {
  it.each([
    ["0 2 0 * *", '"0" is not a unix-cron day-of-month field: 0 is outside 1-31 (in "0 2 0 * *")'],
    ["0 2 32 * *", '"32" is not a unix-cron day-of-month field: 32 is outside 1-31 (in "0 2 32 * *")'],
    ["0 2 * 13 *", '"13" is not a unix-cron month field: 13 is outside 1-12 (in "0 2 * 13 *")'],
    ["0 2 * 0-3 *", '"0-3" is not a unix-cron month field: 0 is outside 1-12 (in "0 2 * 0-3 *")'],
  ])("is named as written: %s", (expression, problem) => {
    expect(cronProblem(expression)).toBe(problem);
  });

  it.each(["0 2 1-31 * *", "0 2 31 1-12/2 *", "0 2 * JAN-DEC *"])("is not %s", (expression) => {
    expect(cronProblem(expression)).toBeNull();
  });
});
