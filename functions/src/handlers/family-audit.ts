/**
 * FAMILY_AUDIT: read-only findings for one family. Takes no lock: it writes nothing, so it never
 * waits behind a job changing the family (it reports the family as it finds it).
 */
import type { JobHandler } from "../jobs/executor";
import { auditedFamily } from "../catalog/audited-family";
import { summarizeFindings } from "../catalog/family-findings";
import { liveMembers } from "../catalog/family-naming";
import { readOnlyOutcome } from "./support/read-only-outcome";

export const familyAuditHandler: JobHandler<"FAMILY_AUDIT"> = {
  async run({ job, deps }) {
    const family = await auditedFamily(deps.db, job.payload.family_slug);
    return readOnlyOutcome(job, {
      family_slug: family.slug,
      exercises: family.members.length,
      live_exercises: liveMembers(family.members).length,
      ...summarizeFindings(family.findings),
    });
  },
};
