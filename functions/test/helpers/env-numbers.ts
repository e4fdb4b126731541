/**
 * Whole numbers a long test run takes from the environment (`RANDOMIZED_JOBS`, a seed): a value that is not one
 * fails the run with the variable's name, as `npm run chaos` refuses a bad flag. `Number("5OO")` is NaN, and a
 * run of NaN jobs checks nothing and passes.
 */
export function wholeNumberFromEnv(name: string, otherwise: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined) return otherwise;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isSafeInteger(value) || value < min)
    throw new Error(`${name} must be a whole number of at least ${min}, got "${raw}"`);
  return value;
}
