/**
 * The families a job's payload names: the subjects the catalog's job types give the engine (see
 * `JobTypes.subjectsOf`), recorded with each run so run history can be filtered by family (the
 * console, the CLI). It goes by the catalog's field names, for every job type alike: a string under
 * `family_slug` or a key ending in `_family` or `_family_slug` (merge, split and rename configs), at
 * any depth (a scan's `filter_criteria`). Jobs that find their families while they run
 * (EXERCISE_ADD, TARGETED_FIX) name none.
 */
const FAMILY_KEY = /(^|_)family(_slug)?$/;

export function familiesNamedBy(payload: unknown): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        if (FAMILY_KEY.test(key) && typeof item === "string") found.add(item);
        else walk(item);
      }
    }
  };
  walk(payload);
  return [...found].sort();
}
