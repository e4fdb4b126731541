/**
 * QUALITY_SCAN: scores exercises with the quality scanner's heuristic, page by page; writes each
 * one's `review_metadata` like every catalog write (validated, applied exactly once, journaled,
 * fenced; previewed in a dry run); and asks for a CATALOG_ENRICH_FIELD job for each page's
 * exercises that fail or need enrichment. Each answers its exercises' findings, and claims them one
 * by one (`support/exercise-claims.ts`): a rerun, however its pages group the exercises, leaves out
 * one an open enrichment holds, or whose findings the last enrichment of it answered (what enrichment
 * left, it could not fix), so it is not paid for again; one whose findings changed, or whose
 * enrichment answered nothing, is asked for again. A page's others are asked for together,
 * dedup-keyed by them. A dry run creates none (nor looks any up). Retired exercises are skipped.
 * Without a configured LLM it asks for none (each would fail LLM_NOT_CONFIGURED); its summary says
 * so, and the next scan of those exercises after the LLM is configured asks for them.
 * With a `selection` (the scheduled scan) it picks its own exercises, a bounded number of those never
 * scanned or scanned longest ago, and goes on from there next time (`catalog/scan-selection.ts`).
 */
import { z } from "zod";
import { QUALITY_SCAN_MAX_LIMIT, QUALITY_SCAN_MAX_STALE_AFTER_DAYS } from "../config";
import { MAX_PREVIEW_LINES, modeSchema } from "../jobs/model";
import { cancelRequested, needsReview, stoppedByCancel, succeededIn } from "../jobs/outcomes";
import { applyDisabled } from "../apply/run-plan";
import { ONE_TARGET_SELECTION, docIdsSchema, filterCriteriaSchema, oneTargetSelection } from "../catalog/inputs";
import { catalogHandler } from "./support/catalog-handler";
import { assertExercisesExist } from "./support/failures";
import {
  SCANNER_VERSION,
  type ScanResult,
  enrichableFields,
  enrichmentCanHelp,
  heuristicScoreExercise,
  toReviewMetadata,
} from "../reviewer/quality-scanner";
import { patchPreviewLine } from "../enrichment/shard-tally";
import { FollowUpJobs, idSetKey, type FollowUp } from "./support/follow-ups";
import { type ExerciseAsk, type ExerciseClaims, enrichmentClaims } from "./support/exercise-claims";
import { type ExercisePatch, type PatchOutcome, writeExercisePatches } from "./support/exercise-patches";
import { countTargets, targetExercisePages } from "../catalog/targets";
import { ScanProgress } from "./support/scan-progress";
import { isLiveExercise } from "../catalog/family-registry";
import { beforeValues } from "../apply/expectations";
import { type DocData, isPlainRecord } from "../util/object-paths";
import { readSelectionCursor, selectExercisesToScan, selectionCursorRef } from "../catalog/scan-selection";
import { stableStringify } from "../util/document-diff";

const QUALITY_SCAN_SPEC_ID = "quality_scan";
const SCAN_PAGE_SIZE = 100;
const MAX_LISTED = 20;
/** Scans with a selection take turns: each goes on from the cursor the one before it in its mode left. */
const SELECTION_LOCK = "quality_scan:selection";

/**
 * The `review_metadata.*` paths of a scan result, so fields the scanner does not own are kept; built
 * from `exercise` as scanned, so a scan that raced another write to them is refused, not overwritten.
 * A stored `review_metadata` that is no map (legacy data: an array, a string) keeps no field and may
 * hold none (no path is set under an array): the map is written whole in its place.
 */
function reviewMetadataPatch(exerciseId: string, exercise: DocData, result: ScanResult, scannedAt: Date): ExercisePatch {
  const metadata = toReviewMetadata(result, scannedAt);
  const stored = exercise.review_metadata;
  const set =
    stored === undefined || isPlainRecord(stored)
      ? Object.fromEntries(Object.entries(metadata).map(([key, value]) => [`review_metadata.${key}`, value]))
      : { review_metadata: metadata };
  return {
    exerciseId,
    set,
    before: beforeValues(exercise, Object.keys(set)),
    rationale: `quality scan ${SCANNER_VERSION}: ${result.issue_type} (score ${result.score})`,
  };
}

/** An exercise the scanner flagged, for enrichment. */
interface FlaggedExercise {
  id: string;
  result: ScanResult;
}

/** The findings of `result` enrichment may act on (the prompt's), by check and fields (see `enrichmentFollowUp`). */
function enrichableFindings(result: ScanResult) {
  return [...result.hard_failures, ...result.soft_issues]
    .filter((finding) => enrichableFields(finding).length > 0)
    .map(({ check, fields }) => ({ check, fields }));
}

/**
 * One enrichment of exercises the scanner flagged; the key names them, so the same set is asked for
 * once. It answers the findings enrichment may act on (the prompt's) by check and fields, not their
 * messages: those quote counts and text that an enrichment which could not fix a finding may still
 * change. The scanner version is part of it: a new one may judge, and tell enrichment, otherwise.
 */
function enrichmentFollowUp(flagged: readonly FlaggedExercise[]): FollowUp {
  const { sorted, digest } = idSetKey(
    flagged.map(({ id }) => id),
    32,
  );
  const resultOf = new Map(flagged.map(({ id, result }) => [id, result]));
  return {
    type: "CATALOG_ENRICH_FIELD",
    payload: {
      mode: "apply",
      exercise_doc_ids: sorted,
      enrichment_spec: {
        spec_id: QUALITY_SCAN_SPEC_ID,
        spec_version: SCANNER_VERSION,
        instructions: "The quality scanner flagged this exercise: fix every finding listed under the scanner findings.",
      },
    },
    dedup_key: `CATALOG_ENRICH_FIELD:${QUALITY_SCAN_SPEC_ID}:${digest}`,
    answers: stableStringify({
      scanner_version: SCANNER_VERSION,
      exercises: sorted.map((id) => ({ id, findings: enrichableFindings(resultOf.get(id)!) })),
    }),
  };
}

/** What an enrichment answers for one exercise: its part of `enrichmentFollowUp`'s answers. */
const exerciseAsk = ({ id, result }: FlaggedExercise): ExerciseAsk => ({
  id,
  answers: stableStringify({ scanner_version: SCANNER_VERSION, findings: enrichableFindings(result) }),
});

/**
 * Asks for the enrichment of a page's `flagged` exercises, leaving out (in apply mode, `claims`) each
 * one an earlier enrichment holds: still open, or it answered the same findings. The enrichment
 * asked for claims its exercises one by one, so a later page that holds them with others knows.
 */
async function requestEnrichment(
  followUps: FollowUpJobs,
  claims: ExerciseClaims | null,
  flagged: readonly FlaggedExercise[],
): Promise<void> {
  if (!claims) {
    await followUps.request(enrichmentFollowUp(flagged));
    return;
  }
  const holders = await claims.holders(flagged.map(exerciseAsk));
  const heldBy = new Map([...holders.values()].map((holder) => [holder.jobId, holder]));
  for (const { jobId, dedupKey, reason } of heldBy.values()) followUps.heldBy("CATALOG_ENRICH_FIELD", dedupKey, jobId, reason);
  const unheld = flagged.filter(({ id }) => !holders.has(id));
  if (unheld.length === 0) return;
  const followUp = enrichmentFollowUp(unheld);
  // Claimed by the job that answers them (`FollowUpClaims.claimFor`).
  await claims.claimFor(followUp, await followUps.requestJob(followUp), unheld.map(exerciseAsk));
}

interface ScanCounts {
  scanned: number;
  passed: number;
  needs_enrichment: number;
  needs_full_review: number;
  /** Flagged for nothing enrichment may change (the name alone): left to a rename, not sent to enrichment. */
  not_enrichable: number;
  retired_skipped: number;
  missing: number;
  metadata_written: number;
  /** Written by this attempt (a retry's resumed ones aside), each a journal entry: the run history's change count. */
  applied: number;
  /** Dry run: what apply would write. */
  metadata_would_write: number;
  metadata_failed: number;
}

/** The exercises the summary lists: the writes that failed, and the changes (applied, or in a dry run would be). */
interface ScanListings {
  failures: unknown[];
  changes_preview: string[];
}

function countWrite(counts: ScanCounts, outcome: PatchOutcome, patch: ExercisePatch, listed: ScanListings): void {
  if (outcome.kind === "missing") counts.missing++;
  else if (outcome.kind === "invalid") {
    counts.metadata_failed++;
    if (listed.failures.length < MAX_LISTED)
      listed.failures.push({ exercise_id: patch.exerciseId, code: outcome.code, reason: outcome.message });
  } else if (outcome.kind === "would_apply") counts.metadata_would_write++;
  else if (outcome.kind !== "not_attempted") counts.metadata_written++;
  if (outcome.kind === "applied") counts.applied++;
  if ((outcome.kind === "applied" || outcome.kind === "would_apply") && listed.changes_preview.length < MAX_PREVIEW_LINES) {
    listed.changes_preview.push(patchPreviewLine(patch.exerciseId, Object.keys(patch.set)));
  }
}

/** The payload of a QUALITY_SCAN job. */
const qualityScanPayload = z
  .strictObject({
    mode: modeSchema,
    exercise_doc_ids: docIdsSchema.optional(),
    filter_criteria: filterCriteriaSchema.optional(),
    emit_enrichment: z.boolean().default(true),
    /** Incremental: at most `limit` exercises never scanned or scanned more than `stale_after_days` ago, oldest first. */
    selection: z
      .strictObject({
        stale_after_days: z.number().int().positive().max(QUALITY_SCAN_MAX_STALE_AFTER_DAYS),
        limit: z.number().int().positive().max(QUALITY_SCAN_MAX_LIMIT),
      })
      .optional(),
  })
  .refine(oneTargetSelection, ONE_TARGET_SELECTION)
  .refine((payload) => !(payload.selection && (payload.exercise_doc_ids || payload.filter_criteria)), {
    message: "a selection picks its own exercises: give no exercise_doc_ids or filter_criteria with it",
  });

export const qualityScanHandler = catalogHandler({
  type: "QUALITY_SCAN",
  lane: "maintenance",
  payload: qualityScanPayload,
  lockKeys: ({ payload }) => (payload.selection ? [SELECTION_LOCK] : []),
  async run(input) {
    const { job, deps, ctx, attempt } = input;
    const { mode } = job.payload;
    if (mode === "apply" && !deps.config.applyEnabled) return applyDisabled();
    await assertExercisesExist(deps.db, job.payload.exercise_doc_ids);
    const enrichmentBlocked = job.payload.emit_enrichment ? deps.llmNotConfigured() : undefined;
    const emitEnrichment = job.payload.emit_enrichment && !enrichmentBlocked;
    const scannedAt = deps.now();
    const followUps = new FollowUpJobs(input.engine, job.payload.mode);
    // A dry run looks nothing up (as `FollowUpJobs`): it previews what apply would ask for.
    const claims = mode === "apply" ? enrichmentClaims(deps) : null;
    const counts: ScanCounts = {
      scanned: 0,
      passed: 0,
      needs_enrichment: 0,
      needs_full_review: 0,
      not_enrichable: 0,
      retired_skipped: 0,
      missing: 0,
      metadata_written: 0,
      applied: 0,
      metadata_would_write: 0,
      metadata_failed: 0,
    };
    const listed: ScanListings = { failures: [], changes_preview: [] };
    const cursorRef = selectionCursorRef(deps.db, job.type, mode);
    const selected = job.payload.selection
      ? await selectExercisesToScan(deps.db, {
          staleAfterDays: job.payload.selection.stale_after_days,
          limit: job.payload.selection.limit,
          now: scannedAt,
          cursor: await readSelectionCursor(cursorRef, mode),
        })
      : null;
    if (selected) attempt.event("selected", { never_scanned: selected.never_scanned, stale: selected.stale });
    const summary = () => ({
      ...counts,
      scanner_version: SCANNER_VERSION,
      ...listed,
      ...(selected ? { selection: { never_scanned: selected.never_scanned, stale: selected.stale } } : {}),
      ...followUps.summary(),
      ...(enrichmentBlocked ? { enrichment_not_requested: enrichmentBlocked.code } : {}),
    });
    const targets = selected ? { exercise_doc_ids: selected.ids } : job.payload;
    const progress = new ScanProgress(input.engine, () => countTargets(deps.db, targets));
    for await (const page of targetExercisePages(deps.db, targets, SCAN_PAGE_SIZE)) {
      // Checked before a page, not after one: a cancel that comes during the last page finds nothing left to stop.
      if (cancelRequested(ctx.signal)) return stoppedByCancel(mode, summary());
      ctx.signal.throwIfAborted();
      counts.missing += page.missing.length;
      const live = page.exercises.filter((exercise) => isLiveExercise(exercise.data));
      counts.retired_skipped += page.exercises.length - live.length;
      const scans = live.map((exercise) => ({ id: exercise.id, data: exercise.data, result: heuristicScoreExercise(exercise.data) }));
      for (const { result } of scans) {
        counts.scanned++;
        if (result.issue_type === "ok") counts.passed++;
        else counts[result.issue_type]++;
      }
      const patches = scans.map(({ id, data, result }) => reviewMetadataPatch(id, data, result, scannedAt));
      const outcomes = await writeExercisePatches(input, patches);
      outcomes.forEach((outcome, index) => countWrite(counts, outcome, patches[index], listed));
      const flaggedScans = scans.filter(({ result }) => result.issue_type !== "ok");
      const flagged = flaggedScans.filter(({ result }) => enrichmentCanHelp(result));
      counts.not_enrichable += flaggedScans.length - flagged.length;
      if (emitEnrichment && flagged.length > 0) await requestEnrichment(followUps, claims, flagged);
      attempt.event("scan_page", { scanned: scans.length, flagged: flagged.length });
      await progress.add(page.exercises.length + page.missing.length);
    }
    await progress.finish();
    // The cursor (its mode's) moves once the run's exercises are done, in a dry run too: it is the scan's bookkeeping, not catalog data.
    if (selected) await input.engine.fenced((tx) => tx.set(cursorRef, { ...selected.cursor, mode, job_id: job.id, updated_at: scannedAt }));
    if (counts.metadata_failed === 0) return succeededIn(mode, summary());
    return needsReview(
      mode,
      summary(),
      "REVIEW_METADATA_FAILED",
      `review_metadata of ${counts.metadata_failed} exercise(s) could not be written`,
      { failures: listed.failures },
    );
  },
});
