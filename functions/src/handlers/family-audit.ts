/**
 * FAMILY_AUDIT: read-only findings for one family. Takes no lock: it writes nothing, so it never
 * waits behind a job changing the family (it reports the family as it finds it).
 */
import { z } from "zod";
import { modeSchema } from "../jobs/model";
import { succeededIn } from "../jobs/outcomes";
import { storedFamilySlugSchema } from "../catalog/inputs";
import { catalogHandler } from "./support/catalog-handler";
import { summarizeFindings } from "../catalog/family-findings";
import { liveMembers } from "../catalog/family-naming";
import { auditedFamily, registryStanding } from "./support/failures";

/** The payload of a FAMILY_AUDIT job. */
const familyAuditPayload = z.strictObject({ mode: modeSchema, family_slug: storedFamilySlugSchema });

export const familyAuditHandler = catalogHandler({
  type: "FAMILY_AUDIT",
  lane: "priority",
  payload: familyAuditPayload,
  async run({ job, deps }) {
    const family = await auditedFamily(deps.db, job.payload.family_slug);
    return succeededIn(job.payload.mode, {
      family_slug: family.slug,
      ...registryStanding(family),
      exercises: family.members.length,
      live_exercises: liveMembers(family.members).length,
      ...summarizeFindings(family.findings),
    });
  },
});
