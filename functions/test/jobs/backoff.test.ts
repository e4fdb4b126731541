import { backoffDelayMs } from "../../src/util/backoff";

const POLICY = { baseMs: 10_000, factor: 2, maxMs: 15 * 60_000 };

describe("backoffDelayMs", () => {
  it("grows exponentially between the jitter bounds", () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const ceiling = POLICY.baseMs * 2 ** (attempt - 1);
      expect(backoffDelayMs(attempt, POLICY, () => 0)).toBe(ceiling / 2);
      expect(backoffDelayMs(attempt, POLICY, () => 1)).toBe(ceiling);
    }
  });

  it("is capped", () => {
    expect(backoffDelayMs(50, POLICY, () => 1)).toBe(POLICY.maxMs);
  });

  it("spreads retries of jobs that failed together", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(3, POLICY)));
    expect(delays.size).toBeGreaterThan(10);
  });
});
