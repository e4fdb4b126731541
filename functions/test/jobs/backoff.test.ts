import { DEFAULT_BACKOFF, backoffDelayMs } from "../../src/util/backoff";

describe("backoffDelayMs", () => {
  it("grows exponentially between the jitter bounds", () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const ceiling = DEFAULT_BACKOFF.baseMs * 2 ** (attempt - 1);
      expect(backoffDelayMs(attempt, DEFAULT_BACKOFF, () => 0)).toBe(ceiling / 2);
      expect(backoffDelayMs(attempt, DEFAULT_BACKOFF, () => 1)).toBe(ceiling);
    }
  });

  it("is capped", () => {
    expect(backoffDelayMs(50, DEFAULT_BACKOFF, () => 1)).toBe(DEFAULT_BACKOFF.maxMs);
  });

  it("spreads retries of jobs that failed together", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(3)));
    expect(delays.size).toBeGreaterThan(10);
  });
});
