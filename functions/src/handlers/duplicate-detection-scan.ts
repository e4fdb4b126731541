/**
 * DUPLICATE_DETECTION_SCAN: reads the catalog family by family (`walkFamilies`, a page of exercises at a
 * time) into a key index (see plans/duplicate-detection) and asks for a FAMILY_MERGE job in dry_run for
 * every merge candidate. Read-only on the catalog and lock-free. A family too large to read whole (over
 * 2,000 exercises) is named in `families_too_large` and left out of the index; the index leaves out
 * retired families itself (no live exercise, or a merged or deprecated registry entry). A run still
 * reading at its deadline ends there, not `complete`: it reports what it found and asks for nothing. A
 * run at its deadline while it asks ends there too, the merges it did not ask for counted and listed
 * (the next run asks for them); a cancel ends it cancelled with the merges asked for so far.
 */
import { z } from "zod";
import { modeSchema } from "../jobs/model";
import { cancelRequested, stoppedByCancel, succeededIn } from "../jobs/outcomes";
import { catalogHandler } from "./support/catalog-handler";
import { countFamilyMembers, walkFamilies } from "../catalog/reads";
import { ScanProgress } from "./support/scan-progress";
import { FollowUpJobs } from "./support/follow-ups";
import { runDeadlinePassed } from "./support/family-walk";
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
    const familiesTooLarge: string[] = [];
    let stoppedBefore: string | null = null;
    const progress = new ScanProgress(engine, () => countFamilyMembers(deps.db));
    for await (const { slug, read } of walkFamilies(deps.db)) {
      // Its deadline ends it with what it read (below), instead of failing RUN_DEADLINE into retries that would each stop there too.
      if (runDeadlinePassed(ctx)) {
        stoppedBefore = slug;
        break;
      }
      ctx.signal.throwIfAborted();
      // Too large to read whole: named for a person, not the end of this run and of every run after it.
      if (read === null) {
        familiesTooLarge.push(slug);
        continue;
      }
      index.addFamily(slug, read.members, read.registry);
      familiesScanned++;
      await progress.add(read.members.length);
    }
    // No limit to stop at: stopped at its deadline, it went through part of the catalog, as its progress says.
    await progress.finish();
    const findings = index.findings();
    const followUps = new FollowUpJobs(engine, job.payload.mode);
    let mergesAsked = 0;
    const summary = () => {
      // Stopped while reading, it asks for none (below): what it found is no backlog of the next run's.
      const notAsked = stoppedBefore === null ? findings.merges.slice(mergesAsked) : [];
      return {
        families_scanned: familiesScanned,
        families_too_large: familiesTooLarge,
        complete: stoppedBefore === null && notAsked.length === 0,
        stopped_before_family: stoppedBefore,
        merge_candidates: findings.merges.length,
        merge_candidates_listed: findings.merges.slice(0, MAX_LISTED),
        merge_candidates_not_asked: notAsked.length,
        merge_candidates_not_asked_listed: notAsked.slice(0, MAX_LISTED),
        merge_candidates_awaiting_rename: findings.awaiting_rename.length,
        merge_candidates_awaiting_rename_listed: findings.awaiting_rename.slice(0, MAX_LISTED),
        duplicate_exercises_within_family: findings.within_family.length,
        duplicate_exercises_listed: findings.within_family.slice(0, MAX_LISTED),
        ...followUps.summary(),
      };
    };
    // Stopped part-way, it asks for no merge: a family it did not read may be the better target.
    if (stoppedBefore === null) {
      for (const candidate of findings.merges) {
        // Checked before each ask, as the maintenance scan does before each family: it ends with what it asked for so far.
        if (cancelRequested(ctx.signal)) return stoppedByCancel(job.payload.mode, summary());
        if (runDeadlinePassed(ctx)) break;
        await followUps.request(mergeCandidateJob(candidate));
        mergesAsked++;
      }
    }
    return succeededIn(job.payload.mode, summary());
  },
});
