/** FAMILY_SPLIT: moves the exercises of the given equipment to another family (see plans/family-split). */
import { familyLockKey } from "../catalog/family-locks";
import { z } from "zod";
import { modeSchema } from "../jobs/model";
import { familySlugSchema, nonEmptyTextSchema, storedFamilySlugSchema } from "../catalog/inputs";
import { planHandler } from "./support/plan-handler";
import { loadRenameOwners, readFamily } from "../catalog/reads";
import { changePlan } from "./support/change-plan";
import { joinNames } from "./plans/family-moves";
import { planFamilySplit, splitOff, stayingRenames } from "./plans/family-split";
import { loadFamily } from "./support/failures";

/** The payload of a FAMILY_SPLIT job. */
const familySplitPayload = z
  .strictObject({
    mode: modeSchema,
    family_slug: storedFamilySlugSchema,
    split_config: z.strictObject({ target_family: familySlugSchema, equipment: z.array(nonEmptyTextSchema).min(1).max(20) }),
  })
  .refine((p) => p.family_slug !== p.split_config.target_family, {
    message: "the target family must differ from the family being split",
  });

export const familySplitHandler = planHandler({
  type: "FAMILY_SPLIT",
  lane: "priority",
  payload: familySplitPayload,
  smallerJobs: "move fewer kinds of equipment (split_config.equipment) in each job",
  lockKeys: ({ payload }) => [familyLockKey(payload.family_slug), familyLockKey(payload.split_config.target_family)],
  async plan(input) {
    const { db } = input.deps;
    const { family_slug, split_config } = input.job.payload;
    const [family, target] = await Promise.all([
      loadFamily(db, family_slug, split_config.target_family),
      readFamily(db, split_config.target_family),
    ]);
    const { moving, staying } = splitOff(family, split_config.equipment);
    const names = new Map([...joinNames(family.slug, target, moving).names, ...stayingRenames(family, staying).finalNames]);
    const owners = await loadRenameOwners(db, [...family.members, ...target.members], names, [target.slug]);
    const split = planFamilySplit({ family, target, equipment: split_config.equipment, owners });
    const plan = changePlan(
      input.job,
      `split ${split_config.equipment.join(", ")} off family ${family.slug} into ${target.slug}`,
      split.operations,
    );
    return { plan, summary: { family_slug: family.slug, target_family: target.slug, moved: split.moved, renamed: split.renamed } };
  },
});
