/** FAMILY_MERGE: moves a source family into a target family (see plans/family-merge for the rules). */
import { familyLockKey } from "../catalog/family-locks";
import { locksOutdated } from "./support/family-lock-check";
import { z } from "zod";
import { modeSchema } from "../jobs/model";
import { familySlugSchema, storedFamilySlugSchema } from "../catalog/inputs";
import { planHandler } from "./support/plan-handler";
import { aliasesPointingAtExercises, aliasesPointingAtFamilies, exercisesMergedInto, familiesMergedInto } from "../catalog/repository";
import { loadRenameOwners, readFamily } from "../catalog/reads";
import { changePlan, repointedExerciseFamilies, successorFamilies } from "./support/change-plan";
import { liveMembers } from "../catalog/family-naming";
import { aliasExerciseIds, planFamilyMerge, repointedMemberIds } from "./plans/family-merge";
import { joinNames } from "./plans/family-moves";
import { loadFamily, loadRetiringFamily } from "./support/failures";
import { readMergeChains } from "./support/merge-chains";

/** The payload of a FAMILY_MERGE job. */
const familyMergePayload = z.strictObject({
  mode: modeSchema,
  merge_config: z
    // The source may be a legacy slug it retires; the target, whose slug the source's exercises take, keeps the rule.
    .strictObject({ source_family: storedFamilySlugSchema, target_family: familySlugSchema })
    .refine((c) => c.source_family !== c.target_family, { message: "source and target family are the same" }),
});

export const familyMergeHandler = planHandler({
  type: "FAMILY_MERGE",
  lane: "priority",
  payload: familyMergePayload,
  // The families merged earlier into the source too: the merge names the target as their successor; and the families of
  // the exercises merged earlier into a member of either it may re-point (`repointedMemberIds`: the two families are
  // read here and again under the locks: a merge is rare, and its plan reads them whole anyway).
  async lockKeys({ payload }, deps) {
    const { db } = deps;
    const { source_family, target_family } = payload.merge_config;
    const [source, target, mergedIntoSource] = await Promise.all([
      readFamily(db, source_family),
      readFamily(db, target_family),
      familiesMergedInto(db, [source_family]),
    ]);
    const memberIds = repointedMemberIds(source, target);
    const repointed = repointedExerciseFamilies(await exercisesMergedInto(db, memberIds), memberIds);
    const families = [source_family, target_family, ...successorFamilies(mergedIntoSource, target_family), ...repointed];
    return [...new Set(families)].map(familyLockKey);
  },
  async plan(input) {
    const { db } = input.deps;
    const { source_family, target_family } = input.job.payload.merge_config;
    const [source, target] = await Promise.all([
      loadRetiringFamily(db, source_family, target_family),
      loadFamily(db, target_family, source_family),
    ]);
    const memberIds = repointedMemberIds(source, target);
    const [owners, exerciseAliases, familyAliases, mergedIntoSource, mergedIntoMembers] = await Promise.all([
      loadRenameOwners(db, [...source.members, ...target.members], joinNames(source.slug, target, liveMembers(source.members)).names, [
        source.slug,
      ]),
      aliasesPointingAtExercises(db, memberIds),
      aliasesPointingAtFamilies(db, [source.slug]),
      familiesMergedInto(db, [source.slug]),
      exercisesMergedInto(db, memberIds),
    ]);
    // A family merged into the source, or an exercise of another family into a member, after the job chose its locks:
    // take them again.
    const outdated =
      locksOutdated(
        input.engine.lockKeys,
        successorFamilies(mergedIntoSource, target.slug),
        input.deps.now(),
        (unlocked) => `${unlocked} merged into ${source.slug}`,
      ) ??
      locksOutdated(
        input.engine.lockKeys,
        repointedExerciseFamilies(mergedIntoMembers, memberIds),
        input.deps.now(),
        (unlocked) => `exercises of ${unlocked} merged into members of ${source.slug} or ${target.slug}`,
      );
    if (outdated) return outdated;
    const aliasExercises = await readMergeChains(db, aliasExerciseIds(familyAliases), [...source.members, ...target.members]);
    const merge = planFamilyMerge({
      source,
      target,
      owners,
      pointingAliases: [...exerciseAliases, ...familyAliases],
      mergedIntoSource,
      mergedIntoMembers,
      aliasExercises,
    });
    const plan = changePlan(input.job, `merge family ${source.slug} into ${target.slug}`, merge.operations);
    return {
      plan,
      summary: {
        source_family: source.slug,
        target_family: target.slug,
        moved: merge.moved,
        renamed: merge.renamed,
        merged_exercises: merge.merged_exercises,
        ...(merge.oldSlugAliased ? {} : { old_slug_not_aliased: true }),
      },
    };
  },
});
