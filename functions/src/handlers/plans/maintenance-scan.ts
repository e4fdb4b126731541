/**
 * MAINTENANCE_SCAN's decision for one family: FAMILY_NORMALIZE when normalisation can fix something,
 * FAMILY_AUDIT when something needs a person (its findings then show up in the audit's result).
 * Follow-ups run in apply mode; each still passes the apply gate and validation on its own.
 */
import type { FamilyFinding } from "../../catalog/family-findings";
import type { FollowUp } from "../support/follow-ups";

export function maintenanceFollowUps(familySlug: string, findings: readonly FamilyFinding[]): FollowUp[] {
  const followUps: FollowUp[] = [];
  if (findings.some((finding) => finding.fix === "FAMILY_NORMALIZE")) {
    followUps.push({
      type: "FAMILY_NORMALIZE",
      payload: { mode: "apply", family_slug: familySlug },
      dedup_key: `FAMILY_NORMALIZE:${familySlug}`,
    });
  }
  if (findings.some((finding) => finding.fix === "review")) {
    followUps.push({ type: "FAMILY_AUDIT", payload: { mode: "apply", family_slug: familySlug }, dedup_key: `FAMILY_AUDIT:${familySlug}` });
  }
  return followUps;
}
