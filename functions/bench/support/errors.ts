/**
 * Errors a scenario lives through: a worker call that throws (the engine's error, or the naive
 * pattern giving up on contention) is counted and reported in the row, and the worker goes on, so
 * one failure does not throw away a long run. Errors of the benchmark itself still end it.
 */
export class ErrorTally {
  private count = 0;
  private first: string | undefined;

  /** `fn`'s result, or undefined when it threw. */
  async guard<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      this.count++;
      this.first ??= String(err).slice(0, 300);
      return undefined;
    }
  }

  get extra(): Record<string, number | string> {
    return this.first === undefined ? { errors: 0 } : { errors: this.count, first_error: this.first };
  }
}
