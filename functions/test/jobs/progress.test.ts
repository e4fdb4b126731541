import { type Progress, ProgressReporter } from "../../src/jobs/progress";

describe("ProgressReporter", () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.now() }));
  afterEach(() => jest.useRealTimers());

  function reporter(options: ConstructorParameters<typeof ProgressReporter>[1]) {
    const written: Progress[] = [];
    const asked = { count: 0 };
    const progress = new ProgressReporter(async (value) => void written.push(value), options);
    const at = (done: number) => () => {
      asked.count++;
      return { done, total: 10 };
    };
    return { progress, written, asked, at };
  }

  it("writes at once, then at most once per interval, and always the final count", async () => {
    const { progress, written, at } = reporter({ minIntervalMs: 1000 });
    await progress.update(at(1));
    await progress.update(at(2));
    jest.advanceTimersByTime(1000);
    await progress.update(at(3));
    await progress.finish({ done: 10, total: 10 });
    expect(written).toEqual([
      { done: 1, total: 10 },
      { done: 3, total: 10 },
      { done: 10, total: 10 },
    ]);
  });

  it("writes nothing, not even the final count, for a run shorter than its quiet start, and asks for no progress", async () => {
    const { progress, written, asked, at } = reporter({ quietForMs: 1000 });
    await progress.update(at(4));
    jest.advanceTimersByTime(999);
    await progress.update(at(9));
    await progress.finish({ done: 10, total: 10 });
    expect(written).toEqual([]);
    expect(asked.count).toBe(0);
  });

  it("reports a run longer than its quiet start as any other, its final count included", async () => {
    const { progress, written, asked, at } = reporter({ quietForMs: 1000 });
    await progress.update(at(4));
    jest.advanceTimersByTime(1000);
    await progress.update(at(6));
    await progress.finish({ done: 10, total: 10 });
    expect(written).toEqual([
      { done: 6, total: 10 },
      { done: 10, total: 10 },
    ]);
    expect(asked.count).toBe(1);
  });

  it("skips a failed write: progress is for display", async () => {
    const progress = new ProgressReporter(() => Promise.reject(new Error("unavailable")));
    await expect(progress.update(() => ({ done: 1, total: 2 }))).resolves.toBeUndefined();
    await expect(progress.finish({ done: 2, total: 2 })).resolves.toBeUndefined();
  });
});
