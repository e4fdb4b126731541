import { JobFailure } from "../jobs/errors";
import type { LoadedFamily } from "./reads";
import { describeAlias } from "./slug-aliases";
import { type DocData } from "../util/object-paths";

export function familyNotFound(familySlug: string): JobFailure {
  return JobFailure.permanent("FAMILY_NOT_FOUND", `family ${familySlug} has no exercises and no registry entry`, {
    family_slug: familySlug,
  });
}

export function exercisesNotFound(ids: readonly string[]): JobFailure {
  return JobFailure.permanent("EXERCISE_NOT_FOUND", `exercise(s) not found: ${ids.join(", ")}; nothing was written`, { missing: ids });
}

/** Exercises may only move into a live family: a merged or deprecated one has a successor or none. */
export function assertLiveTarget(target: LoadedFamily): void {
  if (target.registry && target.registry.status !== "active") {
    throw JobFailure.permanent(
      "TARGET_FAMILY_RETIRED",
      `family ${target.slug} is ${String(target.registry.status)}; move exercises into a live family`,
      {
        family_slug: target.slug,
        merged_into: target.registry.merged_into ?? null,
      },
    );
  }
}

/** A new family may not take a slug that already is an alias (it would name two things). */
export function assertSlugNotAnAlias(familySlug: string, alias: Readonly<DocData> | undefined): void {
  if (!alias) return;
  throw JobFailure.permanent("FAMILY_SLUG_IS_ALIAS", `${describeAlias(familySlug, alias)}; a family cannot take its slug`, {
    family_slug: familySlug,
    alias,
  });
}

/** A family already merged into another one has nothing left to move. */
export function assertNotMerged(family: LoadedFamily): void {
  if (family.registry?.status !== "merged") return;
  throw JobFailure.permanent(
    "SOURCE_FAMILY_RETIRED",
    `family ${family.slug} is already merged into ${String(family.registry.merged_into)}`,
    {
      family_slug: family.slug,
      merged_into: family.registry.merged_into ?? null,
    },
  );
}
