/**
 * `npm start`'s on/off switches: 1 or true, 0 or false in any case, the default when unset or empty,
 * and every other value named as a problem (refused at start: startup-check.test.ts).
 */
import { parseSwitch, startSwitch, switchProblems } from "../../src/local/switches";

describe("parseSwitch", () => {
  it.each(["1", "true", "TRUE", "True"])("reads %p as on", (raw) => {
    expect(parseSwitch(raw, false)).toBe(true);
  });

  it.each(["0", "false", "FALSE", "False"])("reads %p as off", (raw) => {
    expect(parseSwitch(raw, true)).toBe(false);
  });

  it.each([undefined, ""])("reads %p as the default", (raw) => {
    expect(parseSwitch(raw, true)).toBe(true);
    expect(parseSwitch(raw, false)).toBe(false);
  });

  it.each(["yes", "no", "on", "off", "2", " 1", "truee"])("reads %p as neither", (raw) => {
    expect(parseSwitch(raw, false)).toBeUndefined();
  });
});

describe("the switches of npm start", () => {
  it("are on or off as their values say, each with its default when unset", () => {
    const env = { DEMO_JOBS: "false", EXIT_WHEN_DONE: "True" };
    expect(startSwitch("DEMO_JOBS", env)).toBe(false);
    expect(startSwitch("EXIT_WHEN_DONE", env)).toBe(true);
    expect(startSwitch("SEED_DEMO", env)).toBe(false);
    expect(startSwitch("RUN_SCHEDULES", env)).toBe(false);
    expect(startSwitch("VERBOSE", env)).toBe(false);
    expect(startSwitch("DEMO_JOBS", {})).toBe(true);
  });

  it("name, in a line each, those that are neither on nor off, with the values they take", () => {
    expect(switchProblems({ DEMO_JOBS: "no", EXIT_WHEN_DONE: "yes", VERBOSE: "1", SEED_DEMO: "" })).toEqual([
      'DEMO_JOBS must be 1 or true, 0 or false (unset: on), not "no"',
      'EXIT_WHEN_DONE must be 1 or true, 0 or false (unset: off), not "yes"',
    ]);
    expect(switchProblems({})).toEqual([]);
  });
});
