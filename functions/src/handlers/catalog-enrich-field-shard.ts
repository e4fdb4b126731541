/**
 * CATALOG_ENRICH_FIELD_SHARD: LLM enrichment of a batch of exercises, a few calls at a time. Each
 * exercise is read fresh, enriched, and its patch validated and applied on its own as soon as it is
 * ready (a one-operation plan through the ApplyEngine: exactly once, journaled, fenced), then
 * checked by the quality scanner and entered in the shard's ledger. So a crash loses no finished
 * work, and a retry sends only the unfinished exercises to the LLM.
 *
 * - An exercise deleted (or retired) meanwhile, even while the LLM answered, is skipped, not a
 *   failure of the shard; one moved to another family meanwhile fails STALE_PLAN, unwritten.
 * - An unusable LLM answer fails that exercise, with its reason; the others go on. Missing LLM
 *   credentials (LLM_AUTH) stop the shard: no exercise could succeed. Without a configured LLM
 *   (LLM_NOT_CONFIGURED) the shard fails before it reads or writes anything.
 * - An LLM outage (timeout, 429, 5xx) stops the shard after the exercises in flight are finished
 *   and recorded; the shard then fails transiently and its retry resumes. Any failure that stops it
 *   carries the counts of what it did (`details.partial`), for the parent.
 * - An exercise that failed for good (its patch refused by the validator, the request refused or cut
 *   off: LLM_REJECTED, LLM_TRUNCATED) is entered in the ledger too, so an automatic retry does not pay
 *   for it again: it stays failed, counted once. One a retry may get past (`ASKED_AGAIN_ON_RETRY`) is
 *   not; an operator's retry asks again about every exercise that failed before it.
 * - Cancellation and a lost lease (`ctx.signal`) stop it between exercises; a cancelled shard ends
 *   `cancelled` with the counts of what it did before. In apply mode a cancel also ends the LLM calls
 *   under way, whose answers could no longer be written: their exercises are left unwritten, for a
 *   retry (a dry run's calls finish: their answers are its preview). A cancel that comes once every
 *   exercise is done stops nothing: the shard ends with its outcome.
 * - Each patch carries the values the LLM saw: a curator's edit made meanwhile is not overwritten
 *   (the exercise fails STALE_PLAN and the shard goes to review).
 * - A patch that sets `equipment` changes what its family's registry is derived from: the shard
 *   asks for that registry to be recomputed (see `RegistryRefreshes`). An equipment change the
 *   validator would refuse for what it makes of the family is left out, with its reason, and the rest
 *   of the patch written (see `withoutFamilyBreakingEquipment`).
 * - Every exercise the LLM answered for whose patch was written or found unchanged is
 *   scanner-checked: one that still fails counts in `scanner_fail`.
 * - Dry run: the LLM is called and the patches previewed; nothing is written to the catalog. The
 *   ledger records each previewed exercise all the same, so a retry resumes the preview too.
 */
import { MAX_SHARD_SIZE } from "../config";
import { z } from "zod";
import { type ResultSummary, modeSchema } from "../jobs/model";
import { cancelRequested, needsReview, stoppedByCancel, succeededIn, thrownByCancel } from "../jobs/outcomes";
import { applyDisabled } from "../apply/run-plan";
import { docIdSchema } from "../catalog/inputs";
import { enrichmentSpecSchema } from "../enrichment/spec";
import { catalogHandler, type CatalogInput } from "./support/catalog-handler";
import { getExercise } from "../catalog/repository";
import { type EnrichmentResult, enrichExercise } from "../enrichment/enrich-exercise";
import { LlmError, type LlmErrorCode, isLlmConfigurationError } from "../llm/errors";
import type { ValidationCode } from "../apply/issues";
import { heuristicScoreExercise } from "../reviewer/quality-scanner";
import { withPartial } from "../jobs/errors";
import { forEachBounded } from "../util/bounded";
import { type ExercisePatch, exercisePatchErrors, writeExercisePatches } from "./support/exercise-patches";
import { beforeValues } from "../apply/expectations";
import { ProgressReporter } from "../jobs/progress";
import { ShardLedger } from "../enrichment/shard-ledger";
import { type ExerciseOutcome, ShardTally } from "../enrichment/shard-tally";
import * as logs from "../jobs/logs";
import { setPath, type DocData } from "../util/object-paths";
import { isLiveExercise } from "../catalog/family-registry";
import { type EnrichmentSpec } from "../enrichment/spec";
import { FollowUpJobs } from "./support/follow-ups";
import { familyNormalizeDedupKey } from "./plans/maintenance-scan";
import { withLogFields } from "../util/log";

type ShardInput = CatalogInput<typeof catalogEnrichFieldShardPayload>;

/** The failure code of an exercise whose patch a cancel kept from being written. */
const STOPPED_BEFORE_WRITE = "CANCELLED";

/**
 * Failures a retry may get past, so left out of the ledger for it to ask again: a cancel's (the patch was never
 * tried), a change since the exercise was read (STALE_PLAN: read again, the LLM answers about it as it is now)
 * and an answer that did not parse (LLM_BAD_OUTPUT: the model answers anew). Any other failure would come again
 * from the same request (LLM_REJECTED, LLM_TRUNCATED) or the same refusal of the patch by the validator.
 */
const ASKED_AGAIN_ON_RETRY: ReadonlySet<string> = new Set([STOPPED_BEFORE_WRITE, "STALE_PLAN", "LLM_BAD_OUTPUT" satisfies LlmErrorCode]);

/** The payload of a CATALOG_ENRICH_FIELD_SHARD job. */
const catalogEnrichFieldShardPayload = z.strictObject({
  mode: modeSchema,
  parent_job_id: docIdSchema,
  exercise_doc_ids: z.array(docIdSchema).min(1).max(MAX_SHARD_SIZE),
  enrichment_spec: enrichmentSpecSchema,
});

export const enrichShardHandler = catalogHandler({
  type: "CATALOG_ENRICH_FIELD_SHARD",
  lane: "maintenance",
  payload: catalogEnrichFieldShardPayload,
  // A shard on its own would apply with no parent to count it: CATALOG_ENRICH_FIELD makes them.
  childOnly: true,
  async run(input) {
    const { job, deps, ctx, attempt } = input;
    const { mode } = job.payload;
    const llmNotConfigured = deps.llmNotConfigured();
    if (llmNotConfigured) throw llmNotConfigured;
    if (mode === "apply" && !deps.config.applyEnabled) return applyDisabled();
    const ids = [...new Set(job.payload.exercise_doc_ids)];
    const tally = new ShardTally(ids.length);
    const refreshes = new RegistryRefreshes(new FollowUpJobs(input.engine, mode));
    const equipmentWrites = new OneAtATime();
    const summarize = (): ResultSummary => ({ ...tally.summary(), registry_refreshes: refreshes.summary() });
    const ledger = new ShardLedger(deps.db, job.id, input.engine, deps.now);
    const finished = mode === "apply" ? await resumeFinished(input, ledger, refreshes) : await resumePreview(input, ledger, refreshes);
    finished.forEach((outcome) => tally.add(outcome, true));
    attempt.event("shard_started", { exercises: ids.length, resumed: finished.size });

    const outcomes: ExerciseOutcome[] = [];
    const progress = new ProgressReporter((progress) => input.engine.reportProgress(progress));
    const pending = ids.filter((id) => !finished.has(id));
    try {
      await forEachBounded(
        pending,
        deps.config.enrichConcurrency,
        async (id) => {
          // Every line written meanwhile (the LLM client's, the apply engine's) names the exercise too.
          const outcome = await withLogFields({ exercise_id: id }, () => enrichOne(input, id, refreshes, equipmentWrites));
          if (outcome.outcome !== "failed" || !ASKED_AGAIN_ON_RETRY.has(outcome.detail)) await ledger.record(outcome);
          tally.add(outcome);
          outcomes.push(outcome);
          await progress.update(() => ({ done: tally.done, total: ids.length }));
        },
        () => ctx.signal.aborted,
      );
      // A stop that came once every patch was written (while the last exercise was being recorded) left
      // nothing undone: the shard keeps its outcome.
      const undone = tally.done < ids.length || outcomes.some((outcome) => outcome.detail === STOPPED_BEFORE_WRITE);
      if (undone) {
        if (cancelRequested(ctx.signal)) return stoppedByCancel(mode, summarize());
        ctx.signal.throwIfAborted();
      }
    } catch (err) {
      // The parent reads the counts so far if the shard never succeeds.
      throw withPartial(err, { ...tally.shardCounts(), ...tally.attemptCounts() }, `${tally.done} of ${ids.length} exercise(s) finished`);
    } finally {
      attempt.set("apply_result", { exercises: outcomes });
    }
    await progress.finish({ done: tally.done, total: ids.length });

    const summary = summarize();
    if (tally.failed === 0) return succeededIn(mode, summary);
    return needsReview(mode, summary, "EXERCISES_FAILED", `${tally.failed} of ${ids.length} exercise(s) could not be enriched`, {
      failures: summary.failures,
    });
  },
});

/**
 * The ledger, completed from the journal for exercises applied just before a crash (whose registry
 * refresh may not have been asked for yet).
 */
async function resumeFinished(input: ShardInput, ledger: ShardLedger, refreshes: RegistryRefreshes): Promise<Map<string, ExerciseOutcome>> {
  const finished = await ledger.finished(input.job.requeued_at);
  for (const patch of await ledger.journaledPatches()) {
    if (finished.has(patch.exerciseId)) continue;
    await refreshes.afterPatch(patch.exerciseId, patch.after, patch.paths);
    const outcome: ExerciseOutcome = {
      exercise_id: patch.exerciseId,
      outcome: "succeeded",
      detail: "applied",
      paths: patch.paths,
      dropped: 0,
      scanner_passed: heuristicScoreExercise(patch.after).passed,
      change_id: patch.changeId,
    };
    await ledger.record(outcome);
    finished.set(patch.exerciseId, outcome);
  }
  return finished;
}

/**
 * A dry run's ledger: the exercises earlier attempts previewed, with the registry refreshes their
 * patches would ask for listed again (this attempt's summary is the whole preview). A dry run writes
 * no journal, so the ledger is all there is.
 */
async function resumePreview(input: ShardInput, ledger: ShardLedger, refreshes: RegistryRefreshes): Promise<Map<string, ExerciseOutcome>> {
  const finished = await ledger.finished(input.job.requeued_at);
  for (const outcome of finished.values()) {
    if (outcome.detail !== "would_apply" || !outcome.paths.includes("equipment")) continue;
    await refreshes.afterPatch(outcome.exercise_id, (await getExercise(input.deps.db, outcome.exercise_id)) ?? {}, outcome.paths);
  }
  return finished;
}

/** The exercise's state an enrichment is written on: its status, successor and family, as when it was read. */
const STATE_PATHS = ["status", "merged_into", "family_slug"];

function skipped(exerciseId: string, detail: "missing" | "retired"): ExerciseOutcome {
  return { exercise_id: exerciseId, outcome: "skipped", detail, paths: [], dropped: 0, scanner_passed: null };
}

function failed(exerciseId: string, code: string, reason: string, dropped = 0): ExerciseOutcome {
  return { exercise_id: exerciseId, outcome: "failed", detail: code, reason, paths: [], dropped, scanner_passed: null };
}

/** Read fresh, enrich, write, scanner-check one exercise. Throws only what should stop the shard. */
async function enrichOne(
  input: ShardInput,
  exerciseId: string,
  refreshes: RegistryRefreshes,
  equipmentWrites: OneAtATime,
): Promise<ExerciseOutcome> {
  const { deps, attempt, job, ctx } = input;
  const spec = job.payload.enrichment_spec;
  const exercise = await getExercise(deps.db, exerciseId);
  if (!exercise) return skipped(exerciseId, "missing");
  if (!isLiveExercise(exercise)) return skipped(exerciseId, "retired");

  let enrichment: EnrichmentResult;
  // A lost lease or the deadline ends the call under way. So does a cancel in apply mode, as its answer could
  // no longer be written (the write checks for a cancel first); a dry run's answer is its preview, so it finishes.
  const stop = job.payload.mode === "apply" ? ctx.signal : ctx.hardStop;
  try {
    enrichment = await enrichExercise(deps.llm(), { exerciseId, exercise, spec, signal: stop }, attempt);
  } catch (err) {
    // Ended by the cancel (what it spent is recorded): the exercise is left unwritten, as one answered after the cancel is.
    if (thrownByCancel(err, ctx.signal)) return stoppedBeforeWrite(exerciseId);
    // Missing credentials are not this exercise's fault: they stop the shard (the job fails with their code).
    if (err instanceof LlmError && !err.transient && !isLlmConfigurationError(err)) return failed(exerciseId, err.code, err.message);
    throw err;
  }
  const write = () => writeEnrichment(input, exerciseId, exercise, enrichment, refreshes);
  // Judged on the family one at a time: two equipment changes judged before either was written could both pass.
  return Object.hasOwn(enrichment.patch, "equipment") ? equipmentWrites.run(write) : write();
}

/** Judges, writes and scanner-checks the enrichment of `exercise`, as read before the LLM call. */
async function writeEnrichment(
  input: ShardInput,
  exerciseId: string,
  exercise: Readonly<DocData>,
  enrichment: EnrichmentResult,
  refreshes: RegistryRefreshes,
): Promise<ExerciseOutcome> {
  const { deps, attempt, job } = input;
  const spec = job.payload.enrichment_spec;
  const exercisePatch = (set: Record<string, unknown>): ExercisePatch => ({
    exerciseId,
    set,
    // Its state too: an exercise retired or moved to another family while the LLM answered is not written to.
    before: beforeValues(exercise, [...Object.keys(set), ...STATE_PATHS]),
    rationale: rationale(spec, enrichment.reasoning),
  });
  const { patch, dropped } = await withoutFamilyBreakingEquipment(input, enrichment, exercisePatch);
  const base = {
    exercise_id: exerciseId,
    paths: Object.keys(patch),
    dropped: dropped.length,
    confidence: enrichment.confidence,
  };
  attempt.event("exercise_enriched", {
    exercise_id: exerciseId,
    patch,
    dropped,
    written_with_style_issues: enrichment.writtenWithStyleIssues,
    confidence: enrichment.confidence,
  });
  if (base.paths.length === 0) {
    return { ...base, outcome: "no_change", detail: "nothing_to_change", scanner_passed: scannerCheck(exerciseId, exercise, {}) };
  }

  const [written] = await writeExercisePatches(input, [exercisePatch(patch)]);
  switch (written.kind) {
    case "applied":
    case "already_applied":
    case "would_apply":
      await refreshes.afterPatch(exerciseId, exercise, base.paths);
      return {
        ...base,
        outcome: "succeeded",
        detail: written.kind,
        written_with_style_issues: enrichment.writtenWithStyleIssues,
        ...(written.kind === "applied" ? { change_id: written.change_id } : {}),
        scanner_passed: scannerCheck(exerciseId, exercise, patch),
      };
    case "unchanged":
      return { ...base, outcome: "no_change", detail: written.kind, scanner_passed: scannerCheck(exerciseId, exercise, patch) };
    case "missing":
      return skipped(exerciseId, "missing");
    case "invalid":
      if (written.code === "STALE_PLAN") {
        const now = await getExercise(deps.db, exerciseId);
        if (!now) return skipped(exerciseId, "missing");
        if (!isLiveExercise(now)) return skipped(exerciseId, "retired");
      }
      return failed(exerciseId, written.code, written.message, base.dropped);
    case "not_attempted":
      return stoppedBeforeWrite(exerciseId, base.dropped);
  }
}

/**
 * The family findings of the validator (`familyIssues` in apply/catalog-rules.ts) that an enrichment patch can only
 * make by its `equipment` (it writes no name, family or status): a new primary equipment that makes the family
 * multi-equipment leaves a member's name without its "(Equipment)" suffix, or two members on one primary
 * equipment. By what a person does to write the equipment, the first one found deciding: a TARGETED_FIX patch
 * renames where the naming rule asks, but refuses two members on one primary equipment (PATCH_EQUIPMENT_CONFLICT).
 */
const EQUIPMENT_FAMILY_FINDINGS: Readonly<Partial<Record<ValidationCode, string>>> = {
  DUPLICATE_EQUIPMENT_VARIANT: "decide between the variants first (FAMILY_AUDIT), then patch it with a TARGETED_FIX",
  NON_CANONICAL_NAME: "patch it with a TARGETED_FIX, which renames the family's members to fit",
};

/**
 * The enrichment's patch, less an `equipment` change the validator would refuse for the findings it makes in the
 * family (`EQUIPMENT_FAMILY_FINDINGS`): the refusal would fail the whole patch, though only the equipment is at fault.
 * The change is judged alone, so what it is refused for is its doing, on the catalog as it is once the LLM answered;
 * the write validates the rest again.
 */
async function withoutFamilyBreakingEquipment(
  input: ShardInput,
  enrichment: EnrichmentResult,
  exercisePatch: (set: Record<string, unknown>) => ExercisePatch,
): Promise<Pick<EnrichmentResult, "patch" | "dropped">> {
  const { patch, dropped } = enrichment;
  if (!Object.hasOwn(patch, "equipment")) return { patch, dropped };
  const { equipment, ...rest } = patch;
  const errors = await exercisePatchErrors(input, exercisePatch({ equipment }));
  const findings = errors.filter((issue) => Object.hasOwn(EQUIPMENT_FAMILY_FINDINGS, issue.code));
  if (findings.length === 0) return { patch, dropped };
  const made = findings.map((issue) => `${issue.code}: ${issue.message}${issue.suggestion ? ` (suggestion: ${issue.suggestion})` : ""}`);
  const [, todo] = Object.entries(EQUIPMENT_FAMILY_FINDINGS).find(([code]) => findings.some((issue) => issue.code === code))!;
  const reason = `the family would then fail ${made.join("; ")}; to write this equipment, ${todo}`;
  return { patch: rest, dropped: [...dropped, { path: "equipment", reason }] };
}

/** An exercise a cancel kept from being written: counted as failed with the cancel's code, left out of the ledger for a retry. */
function stoppedBeforeWrite(exerciseId: string, dropped = 0): ExerciseOutcome {
  return failed(exerciseId, STOPPED_BEFORE_WRITE, "the job was cancelled before this exercise's patch was written", dropped);
}

function rationale(spec: EnrichmentSpec, reasoning: string): string {
  const reason = reasoning.trim();
  return `enrichment ${spec.spec_id} v${spec.spec_version}${reason ? `: ${reason}` : ""}`;
}

/**
 * The post-enrichment scanner check: observability only, it never blocks the write. The exercise
 * as written is the one read plus the patch, if any (the apply transaction re-read it; any
 * difference is a concurrent write the next scan sees).
 */
function scannerCheck(exerciseId: string, exercise: DocData, patch: Record<string, unknown>): boolean {
  const enriched = Object.entries(patch).reduce<DocData>((doc, [path, value]) => setPath(doc, path, value), exercise);
  const result = heuristicScoreExercise(enriched);
  if (!result.passed) {
    logs.enrichedExerciseFailsScanner(
      exerciseId,
      result.hard_failures.map((failure) => failure.check),
      result.score,
    );
  }
  return result.passed;
}

/**
 * Runs its tasks one at a time, in the order given: a shard's writes of patches that set `equipment`. Its
 * exercises are mostly of one family (the parent shards them by id, which starts with the family), and an
 * equipment change is judged on the family as it is before the write (`withoutFamilyBreakingEquipment`).
 */
class OneAtATime {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.last.then(task);
    // The next task waits for this one to end, whether it succeeded or threw.
    this.last = result.catch(() => undefined);
    return result;
  }
}

/**
 * A family's registry (`exercise_families/{slug}`) is derived from its members' equipment, so a
 * patch that sets `equipment` leaves it stale. The shard holds no family lock: locking every family
 * of a batch for the length of its LLM calls would hold up the family jobs and serialise the shards
 * of one family, for a change that is rare (enrichment writes equipment only where the stored list
 * is missing or not canonical, or the spec asks for it). So it asks for the job that recomputes a
 * registry under the family's lock: a registry-only FAMILY_NORMALIZE (enrichment renames nothing),
 * under the maintenance scan's dedup key, so an open normalisation of the family, which recomputes
 * the registry too, answers it. It asks after every such patch, since a refresh asked for after an
 * earlier one (this attempt's or an earlier attempt's) may have run before this patch; while one is
 * open, the dedup key finds it. In a dry run it is only listed.
 */
class RegistryRefreshes {
  constructor(private readonly followUps: FollowUpJobs) {}

  /** `exercise`: as read or written (its family is locked for enrichment); `paths`: what the patch set. */
  async afterPatch(exerciseId: string, exercise: Readonly<DocData>, paths: readonly string[]): Promise<void> {
    const family = exercise.family_slug;
    if (!paths.includes("equipment") || typeof family !== "string") return;
    await this.followUps.request({
      type: "FAMILY_NORMALIZE",
      payload: { mode: "apply", family_slug: family, registry_only: true },
      dedup_key: familyNormalizeDedupKey(family),
      // Named after the patch (a shard patches an exercise once), so a retry that finds it again finds the job
      // its first ask created, open or finished: asked for after the patch, that job saw it.
      onceKey: `registry-${exerciseId}`,
    });
  }

  summary(): ResultSummary {
    return this.followUps.summary();
  }
}
