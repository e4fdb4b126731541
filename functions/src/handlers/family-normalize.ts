/**
 * FAMILY_NORMALIZE: canonical names and normalised equipment in one family, old slugs kept as aliases;
 * with `registry_only`, the family's registry recomputed and nothing else.
 */
import { familyLockKey } from "../catalog/family-locks";
import { z } from "zod";
import { modeSchema } from "../jobs/model";
import { storedFamilySlugSchema } from "../catalog/inputs";
import { planHandler } from "./support/plan-handler";
import { changePlan } from "./support/change-plan";
import { summarizeFindings } from "../catalog/family-findings";
import { planFamilyNormalize } from "./plans/family-normalize";
import { auditedFamily, registryStanding } from "./support/failures";

/** The payload of a FAMILY_NORMALIZE job. */
const familyNormalizePayload = z.strictObject({
  mode: modeSchema,
  family_slug: storedFamilySlugSchema,
  /**
   * Recompute the family's registry (`exercise_families/{slug}`) under its lock and change nothing
   * else: no renames, no equipment patches, no aliases. What an enrichment shard asks for once it has
   * changed a member's equipment, so enrichment never renames exercises.
   */
  registry_only: z.boolean().default(false),
});

export const familyNormalizeHandler = planHandler({
  type: "FAMILY_NORMALIZE",
  lane: "priority",
  payload: familyNormalizePayload,
  lockKeys: (job) => [familyLockKey(job.payload.family_slug)],
  async plan(input) {
    const { registry_only: registryOnly } = input.job.payload;
    const family = await auditedFamily(input.deps.db, input.job.payload.family_slug);
    const normalization = planFamilyNormalize(family, { registryOnly });
    const planSummary = registryOnly
      ? `recompute the registry of family ${family.slug}`
      : `normalise names and equipment of family ${family.slug}`;
    const plan = changePlan(input.job, planSummary, normalization.operations);
    return {
      plan,
      summary: {
        family_slug: family.slug,
        ...registryStanding(family),
        renamed: normalization.renamed,
        equipment_normalised: normalization.equipment_normalised,
        unresolved: summarizeFindings(normalization.unresolved),
      },
    };
  },
});
