/**
 * DUPLICATE_DETECTION_SCAN: reads the catalog family by family into a key index (see
 * plans/duplicate-detection) and asks for a FAMILY_MERGE job in dry_run for every merge candidate.
 * Read-only on the catalog and lock-free.
 */
import { loadFamilyExercises } from "../catalog/repository";
import type { JobHandler } from "../jobs/executor";
import { familySlugs } from "../catalog/reads";
import { FollowUpJobs } from "./support/follow-ups";
import { DuplicateIndex, mergeCandidateJob } from "./plans/duplicate-detection";
import { readOnlyOutcome } from "./support/read-only-outcome";

/** Findings listed in the summary; the counts cover all of them. */
const MAX_LISTED = 100;

export const duplicateDetectionScanHandler: JobHandler<"DUPLICATE_DETECTION_SCAN"> = {
  async run({ job, deps, ctx }) {
    const index = new DuplicateIndex();
    let familiesScanned = 0;
    for await (const slug of familySlugs(deps.db, ctx.signal)) {
      index.addFamily(slug, await loadFamilyExercises(deps.db, slug));
      familiesScanned++;
    }
    const findings = index.findings();
    const followUps = new FollowUpJobs(deps, job);
    for (const candidate of findings.merges) await followUps.request(mergeCandidateJob(candidate));
    return readOnlyOutcome(job, {
      families_scanned: familiesScanned,
      merge_candidates: findings.merges.length,
      merge_candidates_listed: findings.merges.slice(0, MAX_LISTED),
      duplicate_exercises_within_family: findings.within_family.length,
      duplicate_exercises_listed: findings.within_family.slice(0, MAX_LISTED),
      ...followUps.summary(),
    });
  },
};
