/**
 * DUPLICATE_DETECTION_SCAN: reads the catalog family by family into a key index (see
 * plans/duplicate-detection) and asks for a FAMILY_MERGE job in dry_run for every merge candidate.
 * Read-only on the catalog and lock-free.
 */
import { z } from "zod";
import { modeSchema } from "../jobs/model";
import { succeededIn } from "../jobs/outcomes";
import { catalogHandler } from "./support/catalog-handler";
import { loadFamilyExercises } from "../catalog/repository";
import { countFamilyMembers, familySlugs } from "../catalog/reads";
import { ScanProgress } from "./support/scan-progress";
import { FollowUpJobs } from "./support/follow-ups";
import { DuplicateIndex, mergeCandidateJob } from "./plans/duplicate-detection";

/** Findings listed in the summary; the counts cover all of them. */
const MAX_LISTED = 100;

/** The payload of a DUPLICATE_DETECTION_SCAN job. */
const duplicateDetectionScanPayload = z.strictObject({ mode: modeSchema });

export const duplicateDetectionScanHandler = catalogHandler({
  type: "DUPLICATE_DETECTION_SCAN",
  lane: "maintenance",
  payload: duplicateDetectionScanPayload,
  async run({ job, deps, ctx, engine }) {
    const index = new DuplicateIndex();
    let familiesScanned = 0;
    const progress = new ScanProgress(engine, () => countFamilyMembers(deps.db));
    for await (const slug of familySlugs(deps.db, ctx.signal)) {
      const members = await loadFamilyExercises(deps.db, slug);
      index.addFamily(slug, members);
      familiesScanned++;
      await progress.add(members.length);
    }
    await progress.finish();
    const findings = index.findings();
    const followUps = new FollowUpJobs(engine, job.payload.mode);
    for (const candidate of findings.merges) await followUps.request(mergeCandidateJob(candidate));
    return succeededIn(job.payload.mode, {
      families_scanned: familiesScanned,
      merge_candidates: findings.merges.length,
      merge_candidates_listed: findings.merges.slice(0, MAX_LISTED),
      duplicate_exercises_within_family: findings.within_family.length,
      duplicate_exercises_listed: findings.within_family.slice(0, MAX_LISTED),
      ...followUps.summary(),
    });
  },
});
