/**
 * The failures handlers share, so the same bad input gets the same code from every job type, the reads
 * that raise them, and what a job says of a family those reads find retired but not missing.
 */
import type { Firestore } from "firebase-admin/firestore";
import { type AuditedFamily, audit } from "../../catalog/audited-family";
import { JobFailure } from "../../jobs/errors";
import { type LoadedFamily, readFamily } from "../../catalog/reads";
import { describeAlias } from "../../catalog/slug-aliases";
import { missingExercises } from "../../catalog/targets";
import { type DocData, display, isNonEmptyString } from "../../util/object-paths";
import { canHoldRegistry, mergedInto } from "../../catalog/family-registry";
import { liveMembers } from "../../catalog/family-naming";
import { getAliases } from "../../catalog/repository";

/**
 * FAMILY_NOT_FOUND; a slug that is an alias says where it leads, and a family alias to another family names that one
 * to use, but for `otherFamily`, the one the job names beside it: using it there would name that family twice.
 */
function familyNotFound(familySlug: string, alias: Readonly<DocData> | undefined, otherFamily: string | undefined): JobFailure {
  const missing = `family ${familySlug} has no exercises and no registry entry`;
  if (!alias) return JobFailure.permanent("FAMILY_NOT_FOUND", missing, { family_slug: familySlug });
  const family = alias.exercise_id ? null : alias.family_slug;
  const instead =
    !isNonEmptyString(family) || family === familySlug
      ? ""
      : family === otherFamily
        ? `, the other family this job names: both name one family`
        : `; use ${family}`;
  return JobFailure.permanent("FAMILY_NOT_FOUND", `${missing}: ${describeAlias(familySlug, alias)}${instead}`, {
    family_slug: familySlug,
    alias,
  });
}

export function exercisesNotFound(ids: readonly string[]): JobFailure {
  return JobFailure.permanent("EXERCISE_NOT_FOUND", `exercise(s) not found: ${ids.join(", ")}; nothing was written`, { missing: ids });
}

/** A job that names exercises fails before any work when one of them does not exist. */
export async function assertExercisesExist(db: Firestore, ids: readonly string[] | undefined): Promise<void> {
  if (!ids) return;
  const missing = await missingExercises(db, ids);
  if (missing.length > 0) throw exercisesNotFound(missing);
}

/**
 * Exercises may only move, or be added, into a family not merged away: its exercises go on in its
 * successor (TARGET_FAMILY_RETIRED, naming it; `instead` says what to do with it). A deprecated family
 * only has no live exercise left (its registry is derived from its exercises): the ones coming in
 * make it active again.
 */
export function assertNotMergedAway(target: LoadedFamily, instead: (successor: string) => string): void {
  if (target.registry?.status !== "merged") return;
  const successor = mergedInto(target.registry);
  throw JobFailure.permanent(
    "TARGET_FAMILY_RETIRED",
    successor === null
      ? `family ${target.slug} is merged, and its registry entry names no successor; exercises go into a live family`
      : `family ${target.slug} is merged into ${successor}; ${instead(successor)}`,
    {
      family_slug: target.slug,
      merged_into: successor,
    },
  );
}

/** A new family may not take a slug that already is an alias (it would name two things). */
export function assertSlugNotAnAlias(familySlug: string, alias: Readonly<DocData> | undefined): void {
  if (!alias) return;
  throw JobFailure.permanent("FAMILY_SLUG_IS_ALIAS", `${describeAlias(familySlug, alias)}; a family cannot take its slug`, {
    family_slug: familySlug,
    alias,
  });
}

/**
 * A source family that is `retired`: one already merged into another has nothing left to move (a merge or
 * a rename); a deprecated one (no live exercise, whatever its registry entry says: legacy families have
 * none) may still be merged into a live family, not renamed.
 */
export function assertSourceNotRetired(family: LoadedFamily, retired: "merged" | "merged_or_deprecated"): void {
  const merged = family.registry?.status === "merged";
  const deprecated = retired === "merged_or_deprecated" && liveMembers(family.members).length === 0;
  if (!merged && !deprecated) return;
  throw JobFailure.permanent(
    "SOURCE_FAMILY_RETIRED",
    merged
      ? `family ${family.slug} is already merged into ${display(family.registry?.merged_into)}`
      : `family ${family.slug} is deprecated (none of its exercises is live)`,
    {
      family_slug: family.slug,
      merged_into: family.registry?.merged_into ?? null,
    },
  );
}

/**
 * A family with its registry entry; FAMILY_NOT_FOUND when it has neither exercises nor a registry entry
 * (naming where the slug leads when it is an alias). `otherFamily`: the family the job names beside it, if any.
 */
export function loadFamily(db: Firestore, slug: string, otherFamily?: string): Promise<LoadedFamily> {
  return readFamilyOrNotFound(db, slug, otherFamily, () => false);
}

/**
 * The family that reading `slug` for a merge or rename into `successor` finds: as `loadFamily` finds it, and found too,
 * empty, where that job retired it already and only the alias of its slug (`retiredInto`) says so; its plan does nothing.
 */
export function loadRetiringFamily(db: Firestore, slug: string, successor: string): Promise<LoadedFamily> {
  return readFamilyOrNotFound(db, slug, successor, (family, alias) => retiredInto(family, alias) === successor);
}

/**
 * The family under `slug`; one with neither exercises nor a registry entry is FAMILY_NOT_FOUND unless `foundEmpty`
 * says otherwise, given the alias of its slug (read only then).
 */
async function readFamilyOrNotFound(
  db: Firestore,
  slug: string,
  otherFamily: string | undefined,
  foundEmpty: (family: LoadedFamily, aliasOfSlug: Readonly<DocData> | undefined) => boolean,
): Promise<LoadedFamily> {
  const family = await readFamily(db, slug);
  if (family.members.length > 0 || family.registry !== null) return family;
  const alias = (await getAliases(db, [slug])).get(slug);
  if (!foundEmpty(family, alias)) throw familyNotFound(slug, alias, otherFamily);
  return family;
}

/**
 * The family a merge or rename retired `family` into: the successor its registry entry names; a legacy slug holds no
 * entry (`canHoldRegistry`), so for one the family its slug's family alias (`aliasOfSlug`) leads to. Whether that job
 * left anything to do (a live exercise, or any for a rename) is the caller's to judge, as with a registry entry.
 */
export function retiredInto(family: LoadedFamily, aliasOfSlug: Readonly<DocData> | undefined): string | null {
  if (family.registry !== null || canHoldRegistry(family.slug)) return mergedInto(family.registry);
  return aliasOfSlug && !aliasOfSlug.exercise_id && isNonEmptyString(aliasOfSlug.family_slug) ? aliasOfSlug.family_slug : null;
}

/**
 * What its registry entry says of a family found, for the summary of a job about it: `family_status` (null
 * without an entry) and, once merged away, the family it was `merged_into`. A merged family is no
 * FAMILY_NOT_FOUND: the maintenance scan audits it and asks for its audit and normalisation (a stale
 * entry, a live member left in it), so such a job runs, and this says its exercises went on elsewhere.
 */
export function registryStanding(family: LoadedFamily): Record<string, unknown> {
  const status = family.registry?.status ?? null;
  return { family_status: status, ...(status === "merged" ? { merged_into: mergedInto(family.registry) } : {}) };
}

/** Reads and audits a family; FAMILY_NOT_FOUND when it does not exist. */
export async function auditedFamily(db: Firestore, slug: string): Promise<AuditedFamily> {
  return audit(db, await loadFamily(db, slug));
}
