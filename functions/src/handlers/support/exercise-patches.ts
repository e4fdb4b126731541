/**
 * Writes field patches of exercises the way every catalog write goes: as a ChangePlan of
 * `patch_fields` operations, validated for real, then previewed (dry_run) or applied by the
 * ApplyEngine (journaled, fenced by the job's lease). The patches are independent: one exercise's
 * invalid patch or disappearance never holds up the others.
 *
 * - Each patch carries the values it was built from (`before`): an exercise changed at those paths
 *   since (a curator's edit while the LLM was thinking) is not overwritten; the patch fails STALE_PLAN.
 * - A job patches an exercise once: its idempotency key is the job's `patch/<exercise>`, so a retry
 *   skips the patches an earlier attempt applied, while a later job's patch applies again.
 * - A cancel stops between patches; the ones not written are `not_attempted`.
 */
import { ApplyEngine, type ApplyResult, type PreviewOperation } from "../../apply/apply-engine";
import type { ValidationIssue } from "../../apply/issues";
import { type ChangePlan, changePlanSchema } from "../../apply/plan";
import { validatePlan } from "../../apply/validate";
import { loadCatalogView } from "../../apply/view-loader";
import { planWriter } from "../../apply/run-plan";
import type { HandlerInput } from "../../jobs/handler";
import type { CatalogDeps } from "./catalog-handler";

type PatchInput = HandlerInput<HandlerInput["job"]["payload"], CatalogDeps>;

export interface ExercisePatch {
  exerciseId: string;
  /** Flat dotted paths → values. */
  set: Record<string, unknown>;
  /** The values at those paths the patch was built from (null: absent); see `beforeValues`. */
  before: Record<string, unknown>;
  rationale: string;
}

export type PatchOutcome =
  | { kind: "applied"; change_id: string }
  /** Applied by an earlier attempt of this job. */
  | { kind: "already_applied" }
  /** A cancel stopped the job before this patch. */
  | { kind: "not_attempted" }
  | { kind: "would_apply" }
  | { kind: "unchanged" }
  | { kind: "missing" }
  | { kind: "invalid"; code: string; message: string };

/** One outcome per patch, in order. The caller has checked the apply gate. */
export async function writeExercisePatches(input: PatchInput, patches: readonly ExercisePatch[]): Promise<PatchOutcome[]> {
  if (patches.length === 0) return [];
  const { job, deps } = input;
  const outcomes: (PatchOutcome | undefined)[] = patches.map(() => undefined);
  const plan = planOf(
    input,
    patches.map((_, index) => index),
    patches,
  );
  const view = await loadCatalogView(deps.db, plan);
  const validation = validatePlan(plan, view, { now: deps.now() });
  const planWide = validation.errors.find((issue) => issue.operation_index === null);
  if (planWide) return patches.map(() => issueOutcome(planWide));
  for (const issue of validation.errors) {
    const index = issue.operation_index;
    if (index !== null && outcomes[index] === undefined) outcomes[index] = issueOutcome(issue);
  }
  const valid = patches.map((_, index) => index).filter((index) => outcomes[index] === undefined);
  if (valid.length > 0) {
    const engine = new ApplyEngine(deps.db, {
      now: deps.now,
      idempotencyTtlMs: deps.config.retainJobsMs,
      journalRetentionMs: deps.config.retainJournalMs,
    });
    if (job.payload.mode === "dry_run") {
      const preview = await engine.preview(planOf(input, valid, patches), view);
      preview.operations.forEach((operation, position) => (outcomes[valid[position]] = previewOutcome(operation)));
    } else {
      await applyAll(input, engine, valid, patches, outcomes);
    }
  }
  // Every operation ends applied, skipped, unchanged or failed; the fallback only satisfies the type.
  return outcomes.map(
    (outcome) => outcome ?? { kind: "invalid", code: "NOT_WRITTEN", message: "the patch was neither applied nor rejected" },
  );
}

/**
 * The validation errors `patch` would meet if written now, as `writeExercisePatches` validates it: for a writer
 * that would rather leave out the part of a patch at fault than have the whole patch refused.
 */
export async function exercisePatchErrors(input: PatchInput, patch: ExercisePatch): Promise<ValidationIssue[]> {
  const plan = planOf(input, [0], [patch]);
  return validatePlan(plan, await loadCatalogView(input.deps.db, plan), { now: input.deps.now() }).errors;
}

function planOf(input: PatchInput, indices: readonly number[], patches: readonly ExercisePatch[]): ChangePlan {
  return changePlanSchema.parse({
    job_id: input.job.id,
    job_type: input.job.type,
    summary: `field patches of ${indices.length} exercise(s)`,
    operations: indices.map((index) => ({
      op: "patch_fields",
      exercise_id: patches[index].exerciseId,
      set: patches[index].set,
      before: patches[index].before,
      rationale: patches[index].rationale,
    })),
  });
}

/**
 * Apply stops at an operation that fails (plans usually depend on their order); these patches do
 * not, so the operations it left unattempted are applied in a next round.
 */
async function applyAll(
  input: PatchInput,
  engine: ApplyEngine,
  indices: readonly number[],
  patches: readonly ExercisePatch[],
  outcomes: (PatchOutcome | undefined)[],
): Promise<void> {
  const writer = planWriter(input, (op) => `patch/${op.op === "patch_fields" ? op.exercise_id : op.op}`);
  let remaining = indices;
  while (remaining.length > 0) {
    const result = await engine.apply(planOf(input, remaining, patches), writer, { signal: input.ctx.signal });
    recordApplyResult(result, remaining, outcomes);
    remaining = result.not_attempted.map((position) => remaining[position]);
    if (result.cancelled) {
      for (const index of remaining) outcomes[index] = { kind: "not_attempted" };
      return;
    }
  }
}

function recordApplyResult(result: ApplyResult, indices: readonly number[], outcomes: (PatchOutcome | undefined)[]): void {
  for (const op of result.applied) outcomes[indices[op.operation_index]] = { kind: "applied", change_id: op.change_id };
  for (const op of result.skipped) outcomes[indices[op.operation_index]] = { kind: "already_applied" };
  for (const op of result.unchanged) outcomes[indices[op.operation_index]] = { kind: "unchanged" };
  for (const op of result.failed)
    outcomes[indices[op.operation_index]] = conflictOutcome(op.code, op.path ? `${op.path}: ${op.message}` : op.message);
}

function previewOutcome(operation: PreviewOperation): PatchOutcome {
  switch (operation.outcome) {
    case "would_apply":
      return { kind: "would_apply" };
    case "no_change":
      return { kind: "unchanged" };
    case "would_fail":
      return conflictOutcome(operation.error?.code ?? "APPLY_FAILED", operation.error?.message ?? "the operation would fail");
    case "not_attempted":
      return { kind: "invalid", code: "NOT_ATTEMPTED", message: "an earlier operation would fail" };
  }
}

function issueOutcome(issue: ValidationIssue): PatchOutcome {
  return conflictOutcome(issue.code, `${issue.path || "(operation)"}: ${issue.message}`);
}

/** An exercise deleted since it was read is missing, not broken. */
function conflictOutcome(code: string, message: string): PatchOutcome {
  return code === "EXERCISE_NOT_FOUND" ? { kind: "missing" } : { kind: "invalid", code, message };
}
