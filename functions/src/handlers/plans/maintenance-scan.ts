/**
 * MAINTENANCE_SCAN's decision for one family: FAMILY_NORMALIZE when normalisation can fix something,
 * FAMILY_AUDIT when something needs a person (its findings then show up in the audit's result).
 * Asked for by the scan, each answers the findings that call for it in the family as found, so a
 * daily scan does not audit again a family nobody has changed, nor normalise again what a
 * normalisation left: any change to the family (a fix, a new member, a registry gone stale again)
 * asks again. Follow-ups run in apply mode; each still passes the apply gate and validation on its own.
 */
import type { FamilyFinding } from "../../catalog/family-findings";
import type { LoadedFamily } from "../../catalog/reads";
import { canonicalJson, stableStringify } from "../../util/document-diff";
import type { DocData } from "../../util/object-paths";
import type { FollowUp } from "../support/follow-ups";

/**
 * Fields the family's findings never depend on: what jobs other than catalog changes write (the quality
 * scan's `review_metadata`), and the time of any write, theirs included (a real change changes more).
 */
const BOOKKEEPING_FIELDS = ["review_metadata", "updated_at"];

/**
 * The dedup key of a family's FAMILY_NORMALIZE, the scan's and an enrichment shard's registry-only one
 * alike: while either is open, the other's ask finds it. A full normalisation recomputes the registry
 * too; a registry-only one answers none of the scan's findings, so the scan's next run asks again.
 */
export function familyNormalizeDedupKey(familySlug: string): string {
  return `FAMILY_NORMALIZE:${familySlug}`;
}

/** `found`: the family as the scan read it, which the follow-ups answer with their findings (without it, they answer nothing said). */
export function maintenanceFollowUps(familySlug: string, findings: readonly FamilyFinding[], found?: LoadedFamily): FollowUp[] {
  const followUps: FollowUp[] = [];
  const content = found ? familyContent(found) : null;
  const answers = (answered: readonly FamilyFinding[]) => (content === null ? {} : { answers: `${findingsKey(answered)}\n${content}` });
  const normalizable = findings.filter((finding) => finding.fix === "FAMILY_NORMALIZE");
  if (normalizable.length > 0) {
    followUps.push({
      type: "FAMILY_NORMALIZE",
      payload: { mode: "apply", family_slug: familySlug },
      dedup_key: familyNormalizeDedupKey(familySlug),
      ...answers(normalizable),
    });
  }
  const forReview = findings.filter((finding) => finding.fix === "review");
  if (forReview.length > 0) {
    followUps.push({
      type: "FAMILY_AUDIT",
      payload: { mode: "apply", family_slug: familySlug },
      dedup_key: `FAMILY_AUDIT:${familySlug}`,
      ...answers(forReview),
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

/** The family's members (by id) and registry entry, bookkeeping aside. */
function familyContent(family: LoadedFamily): string {
  const content = (data: DocData) => Object.fromEntries(Object.entries(data).filter(([field]) => !BOOKKEEPING_FIELDS.includes(field)));
  const members = [...family.members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(({ id, data }) => [id, content(data)]);
  return canonicalJson({ members, registry: family.registry && content(family.registry) });
}
