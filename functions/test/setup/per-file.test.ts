/** TEST_LOGS, read as every other switch is: `TEST_LOGS=0` keeps the engine's logs quiet, as `VERBOSE=0` does the CLI's. */
import { testLogs } from "./per-file";

describe("TEST_LOGS", () => {
  it.each([
    [undefined, false],
    ["", false],
    ["0", false],
    ["false", false],
    ["FALSE", false],
    ["1", true],
    ["true", true],
  ])("%p shows the engine's logs: %p", (value, shown) => {
    expect(testLogs({ TEST_LOGS: value })).toEqual({ on: shown, problem: null });
  });

  it("keeps them quiet when it is neither on nor off, and says why", () => {
    expect(testLogs({ TEST_LOGS: "yes" })).toEqual({
      on: false,
      problem: expect.stringMatching(/^TEST_LOGS must be 1 or true, 0 or false/),
    });
  });
});
