/**
 * What an enrichment shard reports: its exercises' outcomes folded into counts — the shard's
 * result_summary, and the partial counts a failed attempt leaves in its error details — and how
 * the parent reads them back. One module, so both sides agree on the keys.
 */
import { z } from "zod";
import { MAX_PREVIEW_LINES, type ResultSummary } from "../jobs/model";
import { isPlainRecord } from "../util/object-paths";

export const exerciseOutcomeSchema = z.object({
  exercise_id: z.string(),
  outcome: z.enum(["succeeded", "no_change", "skipped", "failed"]),
  /** How: applied, already_applied, would_apply, unchanged, nothing_to_change, missing, retired, or a failure code. */
  detail: z.string(),
  reason: z.string().optional(),
  /** The paths the patch sets. */
  paths: z.array(z.string()),
  /** LLM changes dropped by normalisation (locked, unknown, invalid, unchanged, good stored value, out of scope). */
  dropped: z.number(),
  /** Fields the patch set (or, in a dry run, would set) that have style issues the scanner reports, with them. */
  written_with_style_issues: z.array(z.object({ path: z.string(), issues: z.array(z.string()) })).optional(),
  confidence: z.string().optional(),
  /** The quality scanner on the exercise after enrichment, changed or not; null when it was skipped or failed. */
  scanner_passed: z.boolean().nullable(),
  change_id: z.string().optional(),
});
export type ExerciseOutcome = z.infer<typeof exerciseOutcomeSchema>;
type ExerciseOutcomeKind = ExerciseOutcome["outcome"];

export interface ShardCounts {
  exercises_total: number;
  exercises_succeeded: number;
  exercises_no_change: number;
  exercises_skipped: number;
  exercises_failed: number;
  /** Its exercises the scanner failed after enrichment, over every attempt (the run history's `scanner_fail` is one attempt's). */
  exercises_scanner_fail: number;
  /** LLM changes its exercises' normalisation dropped. */
  changes_dropped: number;
  /** Fields its exercises' patches set (or, in a dry run, would set) with style issues. */
  changes_with_style_issues: number;
}

export function emptyShardCounts(total: number): ShardCounts {
  return {
    exercises_total: total,
    exercises_succeeded: 0,
    exercises_no_change: 0,
    exercises_skipped: 0,
    exercises_failed: 0,
    exercises_scanner_fail: 0,
    changes_dropped: 0,
    changes_with_style_issues: 0,
  };
}

const COUNT_KEY: Record<ExerciseOutcomeKind, keyof ShardCounts> = {
  succeeded: "exercises_succeeded",
  no_change: "exercises_no_change",
  skipped: "exercises_skipped",
  failed: "exercises_failed",
};

/** Exercises listed one by one in the summary; the counts always cover all of them. */
const MAX_LISTED = 20;

/** A result summary's preview line of a patch of exercise `exerciseId` at `paths`. */
export function patchPreviewLine(exerciseId: string, paths: readonly string[]): string {
  return `patch_fields exercises/${exerciseId}: ${paths.join(", ")}`;
}

export class ShardTally {
  private readonly counts: ShardCounts;
  private resumed = 0;
  /** This attempt's own: the run history counts each exercise's patch and scanner failure in the attempt that made it. */
  private applied = 0;
  private scannerFailed = 0;
  private readonly styleIssues: Array<{ exercise_id: string; path: string; issues: string[] }> = [];
  private readonly failures: Array<{ exercise_id: string; code: string; reason: string }> = [];
  private readonly preview: string[] = [];

  constructor(total: number) {
    this.counts = emptyShardCounts(total);
  }

  /** `resumed`: finished by an earlier attempt of this shard. */
  add(outcome: ExerciseOutcome, resumed = false): void {
    this.counts[COUNT_KEY[outcome.outcome]]++;
    if (outcome.scanner_passed === false) this.counts.exercises_scanner_fail++;
    if (outcome.scanner_passed === false && !resumed) this.scannerFailed++;
    if (resumed) this.resumed++;
    if (!resumed && outcome.detail === "applied") this.applied++;
    this.counts.changes_dropped += outcome.dropped;
    for (const { path, issues } of outcome.written_with_style_issues ?? []) {
      this.counts.changes_with_style_issues++;
      if (this.styleIssues.length < MAX_LISTED) this.styleIssues.push({ exercise_id: outcome.exercise_id, path, issues });
    }
    if (outcome.outcome === "failed" && this.failures.length < MAX_LISTED) {
      this.failures.push({ exercise_id: outcome.exercise_id, code: outcome.detail, reason: outcome.reason ?? "" });
    }
    // An apply lists the patches this attempt wrote (the run history shows them beside its count); a dry run's
    // preview is its result, whichever attempt found it.
    const listed = !resumed || outcome.detail === "would_apply";
    if (outcome.outcome === "succeeded" && listed && this.preview.length < MAX_PREVIEW_LINES) {
      this.preview.push(patchPreviewLine(outcome.exercise_id, outcome.paths));
    }
  }

  get done(): number {
    const { exercises_succeeded, exercises_no_change, exercises_skipped, exercises_failed } = this.counts;
    return exercises_succeeded + exercises_no_change + exercises_skipped + exercises_failed;
  }

  get failed(): number {
    return this.counts.exercises_failed;
  }

  shardCounts(): ShardCounts {
    return { ...this.counts };
  }

  /** What this attempt did, as the run history counts it (from a result summary, or a failure's `details.partial`). */
  attemptCounts(): { applied: number; scanner_fail: number } {
    return { applied: this.applied, scanner_fail: this.scannerFailed };
  }

  summary(): ResultSummary {
    return {
      ...this.counts,
      ...this.attemptCounts(),
      exercises_resumed: this.resumed,
      written_with_style_issues: this.styleIssues,
      failures: this.failures,
      changes_preview: this.preview,
    };
  }
}

/** A stored count, or 0 when it is missing or not a number. */
export function countValue(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** The counts in a shard's result summary or failure details; null when it has none. */
export function readShardCounts(value: unknown): ShardCounts | null {
  if (!isPlainRecord(value) || typeof value.exercises_total !== "number") return null;
  return {
    exercises_total: value.exercises_total,
    exercises_succeeded: countValue(value.exercises_succeeded),
    exercises_no_change: countValue(value.exercises_no_change),
    exercises_skipped: countValue(value.exercises_skipped),
    exercises_failed: countValue(value.exercises_failed),
    // Summaries written before the total had a key of its own held it under `scanner_fail`.
    exercises_scanner_fail: countValue(value.exercises_scanner_fail ?? value.scanner_fail),
    changes_dropped: countValue(value.changes_dropped),
    changes_with_style_issues: countValue(value.changes_with_style_issues),
  };
}
