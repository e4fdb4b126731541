/** FAMILY_NORMALIZE: canonical names and normalised equipment in one family, old slugs kept as aliases. */
import { runPlan } from "../apply/run-plan";
import type { JobHandler } from "../jobs/executor";
import { familyLockKey } from "../jobs/locks";
import { auditedFamily } from "../catalog/audited-family";
import { changePlan } from "./support/change-plan";
import { summarizeFindings } from "../catalog/family-findings";
import { planFamilyNormalize } from "./plans/family-normalize";

export const familyNormalizeHandler: JobHandler<"FAMILY_NORMALIZE"> = {
  lockKeys: (job) => [familyLockKey(job.payload.family_slug)],
  async run(input) {
    const family = await auditedFamily(input.deps.db, input.job.payload.family_slug);
    const normalization = planFamilyNormalize(family);
    const plan = changePlan(input.job, `normalise names and equipment of family ${family.slug}`, normalization.operations);
    return runPlan(input, plan, {
      family_slug: family.slug,
      renamed: normalization.renamed,
      equipment_normalised: normalization.equipment_normalised,
      unresolved: summarizeFindings(normalization.unresolved),
    });
  },
};
