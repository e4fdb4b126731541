/**
 * Family locks are chosen from a read made before they are taken. A plan read under them that would
 * change a family they do not cover (an exercise moved, a family merged in meanwhile) is not made:
 * the job takes its locks again at once, so it never changes a family another job may be changing.
 */
import { lockedFamilies } from "../../catalog/family-locks";
import type { HandlerOutcome } from "../../jobs/handler";

type LocksOutdated = Extract<HandlerOutcome, { kind: "deferred" }>;

/**
 * The deferral (LOCKS_OUTDATED) when some of `families` are not among the job's `lockKeys`, null when
 * all are; `changed` says, given the unlocked families, what happened since the locks were chosen.
 */
export function locksOutdated(
  lockKeys: readonly string[],
  families: Iterable<string>,
  now: Date,
  changed: (unlocked: string) => string,
): LocksOutdated | null {
  const locked = lockedFamilies(lockKeys);
  const unlocked = [...new Set(families)].filter((family) => !locked.has(family));
  if (unlocked.length === 0) return null;
  return {
    kind: "deferred",
    until: now,
    reason: {
      code: "LOCKS_OUTDATED",
      message: `${changed(unlocked.join(", "))} after the job chose its locks; it takes its locks again`,
      details: { unlocked_families: unlocked },
    },
  };
}
