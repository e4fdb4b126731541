/** Jobs that change a family hold its lock while they run; the key names the family. */
const FAMILY_LOCK_PREFIX = "family:";

export function familyLockKey(familySlug: string): string {
  return `${FAMILY_LOCK_PREFIX}${familySlug}`;
}

/** The families whose locks are among `lockKeys`. */
export function lockedFamilies(lockKeys: readonly string[]): Set<string> {
  return new Set(lockKeys.filter((key) => key.startsWith(FAMILY_LOCK_PREFIX)).map((key) => key.slice(FAMILY_LOCK_PREFIX.length)));
}
