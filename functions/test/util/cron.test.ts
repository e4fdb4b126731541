/** Schedules that parse but never run: refused like a schedule that does not parse, by the check the config's params use. */
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
