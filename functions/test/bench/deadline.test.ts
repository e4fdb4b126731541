import { untilDeadline } from "../../bench/support/deadline";

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;

describe("untilDeadline", () => {
  it("returns when the work settles and leaves no timer behind to hold the process open", async () => {
    const before = timers();
    await untilDeadline(Promise.resolve(), Date.now() + 60_000);
    expect(timers()).toBe(before);
  });

  it("returns at the deadline when the work is still running", async () => {
    const started = Date.now();
    await untilDeadline(new Promise(() => {}), started + 50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});
