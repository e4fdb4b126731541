import { ScanProgress } from "../../src/handlers/support/scan-progress";

describe("ScanProgress", () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.now() }));
  afterEach(() => jest.useRealTimers());

  function scan(countTotal: () => Promise<number>) {
    const reported: Array<{ done: number; total: number }> = [];
    const counted = { times: 0 };
    const progress = new ScanProgress({ reportProgress: async (value) => void reported.push(value) }, () => {
      counted.times++;
      return countTotal();
    });
    return { progress, reported, counted };
  }

  it("counts and reports nothing for a scan done within its first second", async () => {
    const { progress, reported, counted } = scan(async () => 10);
    await progress.add(4);
    await progress.add(6);
    await progress.finish();
    expect(reported).toEqual([]);
    expect(counted.times).toBe(0);
  });

  it("counts the total once, when the first report is due, and ends with the final count", async () => {
    const { progress, reported, counted } = scan(async () => 10);
    await progress.add(4);
    jest.advanceTimersByTime(1000);
    await progress.add(3);
    jest.advanceTimersByTime(1000);
    await progress.add(3);
    await progress.finish();
    expect(reported).toEqual([
      { done: 7, total: 10 },
      { done: 10, total: 10 },
      { done: 10, total: 10 },
    ]);
    expect(counted.times).toBe(1);
  });

  it("never reports a total below what it has gone through (documents added while it ran)", async () => {
    const { progress, reported } = scan(async () => 5);
    jest.advanceTimersByTime(1000);
    await progress.add(8);
    await progress.finish();
    expect(reported).toEqual([
      { done: 8, total: 8 },
      { done: 8, total: 8 },
    ]);
  });

  it("ends at its own count when it stopped at the limit it was given: it went through all it had to", async () => {
    const { progress, reported } = scan(async () => 10);
    jest.advanceTimersByTime(1000);
    await progress.add(4);
    await progress.finish({ stoppedAtLimit: true });
    expect(reported).toEqual([
      { done: 4, total: 10 },
      { done: 4, total: 4 },
    ]);
  });

  it("reports nothing, and does not fail the scan, when its total cannot be counted", async () => {
    const { progress, reported } = scan(() => Promise.reject(new Error("unavailable")));
    jest.advanceTimersByTime(1000);
    await progress.add(8);
    await expect(progress.finish()).resolves.toBeUndefined();
    expect(reported).toEqual([]);
  });
});
