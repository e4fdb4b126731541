/**
 * MAINTENANCE_SCAN's decision for one family: FAMILY_NORMALIZE when normalisation can fix something,
 * FAMILY_AUDIT when something needs a person (its findings then show up in the audit's result).
 * Each answers the findings that call for it, so the same findings are asked about once: a daily
 * scan does not audit again a family nobody has changed, nor normalise again what a normalisation
 * left. Follow-ups run in apply mode; each still passes the apply gate and validation on its own.
 */
import type { FamilyFinding } from "../../catalog/family-findings";
import { stableStringify } from "../../util/document-diff";
import type { FollowUp } from "../support/follow-ups";

export function maintenanceFollowUps(familySlug: string, findings: readonly FamilyFinding[]): FollowUp[] {
  const followUps: FollowUp[] = [];
  const normalizable = findings.filter((finding) => finding.fix === "FAMILY_NORMALIZE");
  if (normalizable.length > 0) {
    followUps.push({
      type: "FAMILY_NORMALIZE",
      payload: { mode: "apply", family_slug: familySlug },
      dedup_key: `FAMILY_NORMALIZE:${familySlug}`,
      answers: findingsKey(normalizable),
    });
  }
  const forReview = findings.filter((finding) => finding.fix === "review");
  if (forReview.length > 0) {
    followUps.push({
      type: "FAMILY_AUDIT",
      payload: { mode: "apply", family_slug: familySlug },
      dedup_key: `FAMILY_AUDIT:${familySlug}`,
      answers: findingsKey(forReview),
    });
  }
  return followUps;
}

/** The findings in an order that does not depend on the order they were found in. */
function findingsKey(findings: readonly FamilyFinding[]): string {
  return findings
    .map((finding) => stableStringify({ ...finding, exercise_ids: [...finding.exercise_ids].sort() }))
    .sort()
    .join("\n");
}
