/** FAMILY_RENAME_SLUG: renames a family slug everywhere (see plans/family-rename-slug). */
import { familyLockKey } from "../catalog/family-locks";
import { locksOutdated } from "./support/family-lock-check";
import { z } from "zod";
import { modeSchema } from "../jobs/model";
import { familySlugSchema, storedFamilySlugSchema } from "../catalog/inputs";
import { planHandler } from "./support/plan-handler";
import { aliasesPointingAtFamilies, familiesMergedInto } from "../catalog/repository";
import { loadRenameOwners, readFamily } from "../catalog/reads";
import { changePlan, successorFamilies } from "./support/change-plan";
import { namesUnderNewSlug, planFamilyRenameSlug } from "./plans/family-rename-slug";
import { aliasExerciseIds } from "./plans/family-merge";
import { loadRetiringFamily } from "./support/failures";
import { readMergeChains } from "./support/merge-chains";

/** The payload of a FAMILY_RENAME_SLUG job. */
const familyRenameSlugPayload = z.strictObject({
  mode: modeSchema,
  rename_config: z
    .strictObject({ old_family_slug: storedFamilySlugSchema, new_family_slug: familySlugSchema })
    .refine((c) => c.old_family_slug !== c.new_family_slug, { message: "old and new slug are the same" }),
});

export const familyRenameSlugHandler = planHandler({
  type: "FAMILY_RENAME_SLUG",
  lane: "priority",
  payload: familyRenameSlugPayload,
  // The families merged earlier into the old slug too: the rename names the new slug as their successor.
  async lockKeys({ payload }, deps) {
    const { old_family_slug, new_family_slug } = payload.rename_config;
    const mergedIntoFamily = await familiesMergedInto(deps.db, [old_family_slug]);
    return [old_family_slug, new_family_slug, ...successorFamilies(mergedIntoFamily, new_family_slug)].map(familyLockKey);
  },
  async plan(input) {
    const { db } = input.deps;
    const { old_family_slug, new_family_slug } = input.job.payload.rename_config;
    const [family, renamed] = await Promise.all([
      loadRetiringFamily(db, old_family_slug, new_family_slug),
      readFamily(db, new_family_slug),
    ]);
    const [owners, familyAliases, mergedIntoFamily] = await Promise.all([
      loadRenameOwners(db, family.members, namesUnderNewSlug(family, new_family_slug), [old_family_slug, new_family_slug]),
      aliasesPointingAtFamilies(db, [old_family_slug]),
      familiesMergedInto(db, [old_family_slug]),
    ]);
    // A family merged into the old slug after the job chose its locks: take them again.
    const outdated = locksOutdated(
      input.engine.lockKeys,
      successorFamilies(mergedIntoFamily, new_family_slug),
      input.deps.now(),
      (unlocked) => `${unlocked} merged into ${old_family_slug}`,
    );
    if (outdated) return outdated;
    const aliasExercises = await readMergeChains(db, aliasExerciseIds(familyAliases), family.members);
    const rename = planFamilyRenameSlug({ family, renamed, owners, familyAliases, mergedIntoFamily, aliasExercises });
    const plan = changePlan(input.job, `rename family ${old_family_slug} to ${new_family_slug}`, rename.operations);
    return {
      plan,
      summary: {
        old_family_slug,
        new_family_slug,
        moved: rename.moved,
        renamed: rename.renamed,
        ...(rename.oldSlugAliased ? {} : { old_slug_not_aliased: true }),
      },
    };
  },
});
