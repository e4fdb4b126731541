/** The failures handlers share, so the same bad input gets the same code from every job type. */
import { JobFailure } from "../errors";

export function familyNotFound(familySlug: string): JobFailure {
  return JobFailure.permanent("FAMILY_NOT_FOUND", `family ${familySlug} has no exercises and no registry entry`, { family_slug: familySlug });
}

export function exercisesNotFound(ids: readonly string[]): JobFailure {
  return JobFailure.permanent("EXERCISE_NOT_FOUND", `exercise(s) not found: ${ids.join(", ")}; nothing was written`, { missing: ids });
}
