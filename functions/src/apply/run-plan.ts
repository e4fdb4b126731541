/**
 * `runPlan`: what every plan-building handler does with its ChangePlan. Validate (with the repair
 * loop when one is configured), then preview (dry_run) or, in apply mode when the apply gate is
 * open, freeze and apply it; record every step in the attempt log, and turn what really happened
 * into the job's outcome: a plan that did not fully apply is never "succeeded".
 *
 * Freezing: before its first write the job commits to the validated plan — stored beside the job
 * with what each operation expects to find (`expectations.ts`) and the handler's summary fields.
 * From then on every attempt of the job (`resumePlan`) applies that same plan: operations already
 * applied are skipped by their idempotency records, the others are still checked against what the
 * plan was built from, so a crash between a rename and its alias is finished by the retry instead
 * of re-planned from a half-changed catalog. A committed plan runs to its end: a cancel asked for
 * meanwhile is noted in the summary, it does not leave half a change. It is not resumed over a
 * change of it that a curator reverted (possible only once the job has ended: an operator's retry
 * of a deadletter job resumes its plan), as its other operations may build on that change.
 *
 * A plan too large ends the job before anything is written: PLAN_TOO_LARGE, permanent, as planning
 * again makes the same plan. Too large is over the validator's operation limit (not sent to the
 * repair loop, which could only drop operations and leave the work undone), or too large for the
 * one Firestore document a frozen plan is (with its expectations).
 */
import type { Firestore } from "firebase-admin/firestore";
import type { AttemptRecorder } from "../jobs/attempt-log";
import type { HandlerInput, HandlerOutcome } from "../jobs/handler";
import { z } from "zod";
import { ConfigError } from "../config";
import { JobFailure, withPartial } from "../jobs/errors";
import { type BasePayload, MAX_PREVIEW_LINES, type ResultSummary } from "../jobs/model";
import { APPLY_DISABLED, PARTIALLY_APPLIED, PLAN_TOO_LARGE, needsReview } from "../jobs/outcomes";
import { documentBytes } from "../util/firestore-size";
import { PROGRESS_QUIET_MS, ProgressReporter } from "../jobs/progress";
import type { CatalogView } from "./catalog-state";
import { ApplyEngine, type ApplyResult, type PlanWriter, type PreviewResult } from "./apply-engine";
import { operationTargets } from "./effects";
import { operationExpectationSchema, planExpectations } from "./expectations";
import type { ValidationIssue, ValidationResult } from "./issues";
import { revertedChangesOf } from "./journal";
import { PLAN_LIMITS } from "./operation-rules";
import { type ChangePlan, type Operation, changePlanSchema, idempotencyKey } from "./plan";
import { type ErrorSite, beyondRequest, droppedTargets, errorSites, outOfScope, withPlannedGuards } from "./scope";
import { validatePlan } from "./validate";
import { loadCatalogView } from "./view-loader";

/**
 * Revises a plan that failed validation (the LLM repair loop implements it). `round` counts from 1;
 * the returned plan is validated again, with the handler's guards put back (`run.withGuards`).
 */
export type PlanRepairer = (
  plan: ChangePlan,
  errors: ValidationIssue[],
  round: number,
  /**
   * `signal` ends the repair call at once: the job stops (a cancel too: the loop throws its reason next).
   * `withGuards`: a revision as the loop validates it, so a repairer can tell one that changes nothing.
   */
  run: { attempt: AttemptRecorder; signal: AbortSignal; withGuards: (revised: ChangePlan) => ChangePlan },
) => Promise<RepairAnswer>;

interface RepairAnswer {
  plan: ChangePlan;
  /** Set when no further round could do better (its answer was cut off, ...): why. Errors left then end the loop. */
  stopReason?: string;
}

/** What running a plan needs from the services handlers get. */
export interface PlanDeps {
  db: Firestore;
  now: () => Date;
  config: { applyEnabled: boolean; maxRepairs: number; retainJobsMs: number; retainJournalMs: number };
  /** Without it, a plan that fails validation goes to review at once. */
  repairPlan?: PlanRepairer;
}

type PlanInput = HandlerInput<BasePayload, PlanDeps>;

/** The running job as the ApplyEngine's writer: its id, epoch, lease fence, and how it names its operations. */
export function planWriter(
  { job, lease, engine }: Pick<PlanInput, "job" | "lease" | "engine">,
  operationId: (op: Operation, index: number) => string,
): PlanWriter {
  return { jobId: job.id, jobType: job.type, leaseEpoch: lease.epoch, fence: (tx) => engine.fence(tx), operationId };
}

/** A plan as the job commits to it (see the module comment). */
const frozenPlanSchema = z.object({
  plan: changePlanSchema,
  expectations: z.array(operationExpectationSchema),
  summary: z.record(z.string(), z.unknown()),
});
type FrozenPlan = z.output<typeof frozenPlanSchema>;

/**
 * The largest frozen plan, as Firestore counts its size: under its 1 MiB (1,048,576 bytes) document
 * limit with room for the plan document's name and the fields `savePlan` adds to it.
 */
export const MAX_FROZEN_PLAN_BYTES = 900_000;

/** Operation `index` of the frozen plan `planId`, as its idempotency key names it. */
const frozenOperationId = (planId: string) => (_op: Operation, index: number) => `${planId}/${index}`;

/** Checked before any write (and before any LLM call: tokens spent on changes that may not be written are wasted). */
export function applyDisabled(summary: ResultSummary = {}): HandlerOutcome {
  return needsReview(
    "apply",
    summary,
    APPLY_DISABLED,
    "applying changes to the catalog is disabled (CATALOG_APPLY_ENABLED=false); run it in dry_run or enable apply",
  );
}

/**
 * A target changed since the plan was built (`STALE_PLAN`), found by validation or while applying: a
 * person decides, as the job does not plan again on its own, nor does the repair loop write over the change.
 */
const TARGET_CHANGED = "TARGET_CHANGED";

/** Errors kept in a job's error details; the attempt log has them all. */
const MAX_ERROR_DETAILS = 50;

interface RepairRound {
  round: number;
  /** The errors the repairer was given. */
  errors: ValidationIssue[];
  operations_returned: number;
  /** Errors of the revised plan; null until it has been validated. */
  errors_after: number | null;
}

type Validated =
  | { ok: true; plan: ChangePlan; view: CatalogView; validation: ValidationResult; repairs: RepairRound[] }
  | { ok: false; outcome: HandlerOutcome };

/**
 * `smallerJobs`: how to ask for the work in parts, which a PLAN_TOO_LARGE tells (a type whose payload
 * names what to split: "name fewer exercise_doc_ids in each job"); without it, the job changes a
 * whole family, which cannot be asked for in parts, and the failure says so.
 */
export async function runPlan(
  input: PlanInput,
  plan: ChangePlan,
  extraSummary: Record<string, unknown> = {},
  smallerJobs?: string,
): Promise<HandlerOutcome> {
  const validated = await validateWithRepairs(input, plan, extraSummary, smallerJobs);
  if (!validated.ok) return validated.outcome;
  const { deps, attempt, ctx } = input;
  const mode = input.job.payload.mode;
  const base: ResultSummary = {
    mode,
    operations: validated.plan.operations.length,
    repairs: validated.repairs.length,
    warnings: validated.validation.warnings.length,
    ...extraSummary,
  };

  if (mode === "dry_run") {
    const preview = await new ApplyEngine(deps.db, { now: deps.now, idempotencyTtlMs: deps.config.retainJobsMs }).preview(
      validated.plan,
      validated.view,
    );
    attempt.set("apply_result", preview);
    attempt.event("plan_previewed", { ...preview.counts });
    // A preview of a plan that applying would refuse says so, rather than promise what apply cannot do.
    const oversize = frozenPlanOversize(frozenPlanOf(validated, base, deps.now()));
    if (oversize) attempt.event("plan_too_large", oversize);
    const refusal = oversize ? { apply_would_fail: { code: PLAN_TOO_LARGE, ...oversize } } : {};
    return { kind: "completed", status: "succeeded_dry_run", summary: { ...base, ...previewCounts(preview), ...refusal } };
  }

  if (validated.plan.operations.every((op) => op.op === "no_change")) {
    return { kind: "completed", status: "succeeded", summary: { ...base, ...emptyCounts(), no_change: base.operations } };
  }
  if (!deps.config.applyEnabled) {
    attempt.event("apply_disabled");
    return applyDisabled({ ...base, ...emptyCounts() });
  }

  // The last point where a cancel stops the job with nothing changed.
  ctx.signal.throwIfAborted();
  const frozen = frozenPlanOf(validated, base, deps.now());
  checkFrozenPlanSize(input, frozen, smallerJobs);
  const planId = await input.engine.savePlan(frozen);
  attempt.event("plan_frozen", { plan_id: planId, operations: frozen.plan.operations.length });
  return applyFrozen(input, planId, frozen);
}

/**
 * The outcome of finishing the plan this job committed to on an earlier attempt; null when it
 * committed to none (the handler plans afresh).
 */
export async function resumePlan(input: PlanInput): Promise<HandlerOutcome | null> {
  const saved = await input.engine.savedPlan();
  if (!saved) return null;
  const parsed = frozenPlanSchema.safeParse(saved.plan);
  if (!parsed.success) {
    return needsReview(input.job.payload.mode, {}, "PLAN_UNREADABLE", `the plan ${saved.planId} this job committed to no longer parses`, {
      issues: parsed.error.issues.slice(0, MAX_ERROR_DETAILS),
    });
  }
  input.attempt.event("plan_resumed", { plan_id: saved.planId, operations: parsed.data.plan.operations.length });
  input.attempt.set("plan", parsed.data.plan);
  const reverted = await revertedOperations(input, saved.planId, parsed.data.plan);
  if (reverted.length > 0) {
    input.attempt.event("plan_reverted", { plan_id: saved.planId, reverted: reverted.length });
    const [first] = reverted;
    return needsReview(
      input.job.payload.mode,
      { ...parsed.data.summary, plan_id: saved.planId, ...emptyCounts() },
      "PLAN_REVERTED",
      `change ${first.change_id} (operation ${first.operation_index} of plan ${saved.planId}) was reverted after the job ended; ` +
        "the plan is not resumed, as its other operations may build on that change: retry the job to plan again",
      { reverted: reverted.slice(0, MAX_ERROR_DETAILS) },
    );
  }
  const gate = resumeGate(input.deps.config);
  if (gate !== "open") {
    input.attempt.event("apply_disabled");
    const summary = { ...parsed.data.summary, ...emptyCounts() };
    return gate === "closed" ? applyDisabled(summary) : applyGateInvalid(summary, gate);
  }
  return applyFrozen(input, saved.planId, parsed.data);
}

/**
 * Whether a resumed plan may write. A CATALOG_APPLY_ENABLED that does not parse may be off: it stops the plan as a
 * closed gate does, `APPLY_DISABLED` with the plan kept for the retry, where failing `CONFIG_INVALID` would leave
 * half a change and no plan to resume.
 */
function resumeGate(config: PlanDeps["config"]): "open" | "closed" | ConfigError {
  try {
    return config.applyEnabled ? "open" : "closed";
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
}

/** A resumed plan stopped by a CATALOG_APPLY_ENABLED that does not parse (`resumeGate`): APPLY_DISABLED, which a retry resumes. */
function applyGateInvalid(summary: ResultSummary, invalid: ConfigError): HandlerOutcome {
  return needsReview(
    "apply",
    summary,
    APPLY_DISABLED,
    `${invalid.message}, so applying changes to the catalog may be disabled: the plan was not resumed; fix the param, then retry the job to resume it`,
    { param: invalid.param },
  );
}

/** The operations of the frozen plan `planId` whose change was reverted. */
async function revertedOperations(
  { deps, job }: PlanInput,
  planId: string,
  plan: ChangePlan,
): Promise<{ operation_index: number; change_id: string }[]> {
  const reverted = await revertedChangesOf(deps.db, job.id);
  const operationId = frozenOperationId(planId);
  return plan.operations.flatMap((op, index) => {
    const id = operationId(op, index);
    const key = idempotencyKey(op, job.id, id);
    const changeId = reverted.get(id) ?? (key === null ? undefined : reverted.get(key));
    return changeId ? [{ operation_index: index, change_id: changeId }] : [];
  });
}

/** What a job commits to before its first write: the validated plan, what each operation expects to find, its summary. */
function frozenPlanOf({ plan, view }: { plan: ChangePlan; view: CatalogView }, summary: ResultSummary, now: Date): FrozenPlan {
  return { plan, expectations: planExpectations(plan, view, now), summary };
}

/** How far `frozen` is over the one document a frozen plan is; null when it fits. */
function frozenPlanOversize(frozen: FrozenPlan): { bytes: number; limit_bytes: number; operations: number } | null {
  const bytes = documentBytes(frozen);
  return bytes <= MAX_FROZEN_PLAN_BYTES ? null : { bytes, limit_bytes: MAX_FROZEN_PLAN_BYTES, operations: frozen.plan.operations.length };
}

/** Throws PLAN_TOO_LARGE (permanent) when `frozen` would not fit in its document; nothing has been written yet. */
function checkFrozenPlanSize(input: PlanInput, frozen: FrozenPlan, smallerJobs: string | undefined): void {
  const oversize = frozenPlanOversize(frozen);
  if (!oversize) return;
  planTooLarge(
    input,
    `the plan of ${oversize.operations} operation(s), with what each expects to find, is ${oversize.bytes} bytes; the limit of a frozen plan is ` +
      `${MAX_FROZEN_PLAN_BYTES} (one Firestore document)`,
    oversize,
    smallerJobs,
  );
}

/** Ends the job PLAN_TOO_LARGE, permanently (see the module comment); nothing has been written yet. */
function planTooLarge({ job, attempt }: PlanInput, why: string, details: Record<string, number>, smallerJobs: string | undefined): never {
  attempt.event("plan_too_large", details);
  const advice = smallerJobs ?? `${job.type} changes a whole family at once, which cannot be asked for in parts`;
  throw JobFailure.permanent(PLAN_TOO_LARGE, `${why}: nothing was applied; ${advice}`, details);
}

/**
 * Applies a committed plan to its end: a cancel does not stop it (see the module comment); a lost
 * lease or lock, or the run's deadline, stops it between operations, and the next attempt resumes it.
 */
async function applyFrozen(input: PlanInput, planId: string, { plan, expectations, summary: base }: FrozenPlan): Promise<HandlerOutcome> {
  const { deps, attempt, ctx } = input;
  const engine = new ApplyEngine(deps.db, {
    now: deps.now,
    idempotencyTtlMs: deps.config.retainJobsMs,
    journalRetentionMs: deps.config.retainJournalMs,
  });
  const writer = planWriter(input, frozenOperationId(planId));
  const total = plan.operations.length;
  // A plan of hundreds of operations, one transaction each, runs for minutes: the console shows how far it is.
  const progress = new ProgressReporter((progress) => input.engine.reportProgress(progress), { quietForMs: PROGRESS_QUIET_MS });
  const result = await engine.apply(plan, writer, {
    expectations,
    signal: ctx.hardStop,
    onProgress: (done) => progress.update(() => ({ done, total })),
    // The next attempt finds these operations done (skipped): only this attempt's failure can count them.
    onInterrupted: (soFar, err) => {
      if (soFar.applied.length === 0) return err;
      attempt.set("apply_result", soFar);
      return withPartial(err, { ...base, plan_id: planId, ...applyCounts(soFar, plan) });
    },
  });
  attempt.set("apply_result", result);
  await progress.finish({ done: result.applied.length + result.skipped.length + result.unchanged.length, total });
  attempt.event("plan_applied", { applied: result.applied.length, skipped: result.skipped.length, failed: result.failed.length });
  const summary = { ...base, plan_id: planId, ...applyCounts(result, plan) };
  if (result.failed.length === 0) return { kind: "completed", status: "succeeded", summary };
  const done = result.applied.length + result.skipped.length;
  const [failed] = result.failed;
  return needsReview(
    input.job.payload.mode,
    summary,
    failed.code === "STALE_PLAN" ? TARGET_CHANGED : done > 0 ? PARTIALLY_APPLIED : "APPLY_FAILED",
    `operation ${failed.operation_index} failed (${failed.code}): ${failed.message}; ` +
      `${done} operation(s) applied, ${result.not_attempted.length} not attempted`,
    { failed: result.failed, not_attempted: result.not_attempted, change_ids: result.change_ids },
  );
}

/** Validates, and while errors remain and a repairer is configured, repairs up to `maxRepairs` rounds. */
async function validateWithRepairs(
  input: PlanInput,
  plan: ChangePlan,
  extraSummary: Record<string, unknown>,
  smallerJobs: string | undefined,
): Promise<Validated> {
  const { deps, attempt, ctx } = input;
  const repairs: RepairRound[] = [];
  // Where the validator asked for fixes, over every round: what a repair may change beyond the job's own plan.
  const sites: ErrorSite[] = [];
  // A plan that could not be written anyway: no LLM call is spent on it, nor is it taken for an answer (TARGET_CHANGED).
  const applyBlocked = input.job.payload.mode === "apply" && !deps.config.applyEnabled;
  let current = plan;
  // The operations whose guards the handler built from what it read: all of its plan's, of a repair's those put back.
  let handlerGuarded: ReadonlySet<number> = new Set(plan.operations.keys());
  let stopReason: string | undefined;
  const putBackGuards = (revised: ChangePlan) => withPlannedGuards(plan, revised);
  for (let round = 0; ; round++) {
    ctx.signal.throwIfAborted();
    attempt.set("plan", current);
    const view = await loadCatalogView(deps.db, current);
    const validation = validatePlan(current, view, { now: deps.now() });
    attempt.set("validation", validation);
    attempt.event("plan_validated", { round, ok: validation.ok, errors: validation.errors.length, warnings: validation.warnings.length });
    if (repairs.length > 0) {
      repairs[repairs.length - 1].errors_after = validation.errors.length;
      attempt.set("repairs", repairs);
    }
    const tooLarge = validation.errors.find((issue) => issue.code === PLAN_TOO_LARGE);
    // The LLM's revision grew past the limit, not the job's own plan: a refused repair, for a person.
    if (tooLarge && repairs.length > 0) {
      attempt.event("repair_too_large", { operations: current.operations.length });
      return {
        ok: false,
        outcome: repairRefused(input, current, repairs, extraSummary, {
          code: "REPAIR_TOO_LARGE",
          message: `the repaired plan is too large (${tooLarge.message}); the job's own plan was not`,
          details: { operations: current.operations.length, limit_operations: PLAN_LIMITS.maxOperations },
        }),
      };
    }
    if (tooLarge) {
      planTooLarge(
        input,
        `the plan fails validation: ${tooLarge.message}`,
        { operations: current.operations.length, limit_operations: PLAN_LIMITS.maxOperations },
        smallerJobs,
      );
    }
    // In any round: the catalog may change during a repair call too. A repair could only write over the change.
    // A guard the model wrote (on an operation it added) failing is a wrong guess, an error for the next round.
    const stale = validation.errors.filter(
      ({ code, operation_index }) => code === "STALE_PLAN" && operation_index !== null && handlerGuarded.has(operation_index),
    );
    if (stale.length > 0) {
      // As a valid plan would: a person enables apply first, then sees what changed.
      if (applyBlocked) return { ok: false, outcome: applyGateClosed(input, current, validation, repairs, extraSummary) };
      attempt.event("plan_target_changed", { round, errors: stale.length });
      return { ok: false, outcome: targetChanged(input, current, validation, stale, repairs, extraSummary) };
    }
    if (validation.ok) {
      const outside = repairs.length > 0 ? outOfScope(plan, current, view, input.engine.lockKeys) : [];
      if (outside.length > 0) {
        attempt.event("repair_out_of_scope", { targets: outside.length });
        const targets = [...new Set(outside.map((item) => item.target))];
        return {
          ok: false,
          outcome: repairRefused(input, current, repairs, extraSummary, {
            code: "REPAIR_OUT_OF_SCOPE",
            message: `the repaired plan addresses ${targets.length} document(s) outside the job's scope: ${targets.slice(0, MAX_PREVIEW_LINES).join(", ")}`,
            details: { out_of_scope: outside.slice(0, MAX_ERROR_DETAILS) },
          }),
        };
      }
      const beyond = repairs.length > 0 ? beyondRequest(plan, current, sites, view) : [];
      if (beyond.length > 0) {
        attempt.event("repair_beyond_request", { targets: beyond.length });
        const described = beyond.map(({ target, fields, retires }) => (retires ? `retires ${target}` : `${target}: ${fields.join(", ")}`));
        return {
          ok: false,
          outcome: repairRefused(input, current, repairs, extraSummary, {
            code: "REPAIR_OUT_OF_SCOPE",
            message: `the repaired plan changes what the job did not ask for (no validation error named it): ${described.slice(0, MAX_PREVIEW_LINES).join("; ")}`,
            details: { beyond_request: beyond.slice(0, MAX_ERROR_DETAILS) },
          }),
        };
      }
      const dropped = repairs.length > 0 ? droppedTargets(plan, current) : [];
      if (dropped.length > 0) {
        attempt.event("repair_dropped_work", { targets: dropped.length });
        return {
          ok: false,
          outcome: repairRefused(input, current, repairs, extraSummary, {
            code: "REPAIR_DROPPED_WORK",
            message: `the repaired plan changes none of the ${dropped.length} document(s) the job's plan changed: ${dropped.slice(0, MAX_PREVIEW_LINES).join(", ")}`,
            details: { dropped: dropped.slice(0, MAX_ERROR_DETAILS) },
          }),
        };
      }
      return { ok: true, plan: current, view, validation, repairs };
    }
    if (!deps.repairPlan || round >= deps.config.maxRepairs || stopReason !== undefined)
      return { ok: false, outcome: validationFailed(input, current, validation, repairs, extraSummary, stopReason) };
    if (applyBlocked) return { ok: false, outcome: applyGateClosed(input, current, validation, repairs, extraSummary) };
    sites.push(...errorSites(current, validation.errors));
    const repaired = await deps.repairPlan(current, validation.errors, round + 1, {
      attempt,
      signal: ctx.signal,
      withGuards: (revised) => putBackGuards(revised).plan,
    });
    // Put back rather than refused: the model cannot know a better guard, and leaving out an optional
    // `before` is a slip not worth a person's review; a target changed meanwhile still ends TARGET_CHANGED.
    ({ plan: current, handlerGuarded } = putBackGuards(repaired.plan));
    stopReason = repaired.stopReason;
    repairs.push({ round: round + 1, errors: validation.errors, operations_returned: current.operations.length, errors_after: null });
    attempt.set("repairs", repairs);
  }
}

/** A repaired plan a curator decides on (outside the job's scope, or dropping its work): not applied. */
function repairRefused(
  { job }: PlanInput,
  plan: ChangePlan,
  repairs: RepairRound[],
  extraSummary: Record<string, unknown>,
  refusal: { code: string; message: string; details: unknown },
): HandlerOutcome {
  const summary = { operations: plan.operations.length, repairs: repairs.length, ...extraSummary };
  return needsReview(job.payload.mode, summary, refusal.code, refusal.message, refusal.details);
}

/** Apply mode with the apply gate closed, found before the plan validated: ends as a valid plan would, nothing applied. */
function applyGateClosed(
  { attempt }: PlanInput,
  plan: ChangePlan,
  validation: ValidationResult,
  repairs: RepairRound[],
  extraSummary: Record<string, unknown>,
): HandlerOutcome {
  attempt.event("apply_disabled");
  return applyDisabled(unvalidatedSummary(plan, validation, repairs, extraSummary));
}

/** The summary of a job whose plan validation stopped: nothing applied. */
function unvalidatedSummary(plan: ChangePlan, validation: ValidationResult, repairs: RepairRound[], extraSummary: Record<string, unknown>) {
  return {
    operations: plan.operations.length,
    repairs: repairs.length,
    validation_errors: validation.errors.length,
    warnings: validation.warnings.length,
    ...emptyCounts(),
    ...extraSummary,
  };
}

/** Validation found targets changed since the plan was built (`stale`: its STALE_PLAN errors): nothing applied. */
function targetChanged(
  { job }: PlanInput,
  plan: ChangePlan,
  validation: ValidationResult,
  stale: ValidationIssue[],
  repairs: RepairRound[],
  extraSummary: Record<string, unknown>,
): HandlerOutcome {
  // As the operations failing STALE_PLAN while applying are reported, with the documents they address.
  const failed = stale.map(({ operation_index, code, message, path }) => {
    const op = operation_index === null ? undefined : plan.operations[operation_index];
    return { operation_index, op: op?.op, targets: op ? operationTargets(op) : [], code, message, path };
  });
  const [first] = failed;
  return needsReview(
    job.payload.mode,
    unvalidatedSummary(plan, validation, repairs, extraSummary),
    TARGET_CHANGED,
    `a target changed since the plan was built (${failed.length} STALE_PLAN error(s)` +
      `${repairs.length > 0 ? ` after ${repairs.length} repair round(s)` : ""}): nothing was applied, and a repair does not write over ` +
      `the change; first: operation ${first.operation_index ?? "-"} ${first.targets.join(" ")} at ${first.path}: ${first.message}`,
    { failed: failed.slice(0, MAX_ERROR_DETAILS) },
  );
}

function validationFailed(
  { deps, job }: PlanInput,
  plan: ChangePlan,
  validation: ValidationResult,
  repairs: RepairRound[],
  extraSummary: Record<string, unknown>,
  /** Why no further round could do better, when the repairer said so. */
  stopReason: string | undefined,
): HandlerOutcome {
  const exhausted = repairs.length > 0;
  const summary = unvalidatedSummary(plan, validation, repairs, extraSummary);
  const first = validation.errors[0];
  return needsReview(
    job.payload.mode,
    summary,
    exhausted ? "REPAIR_LOOP_EXHAUSTED" : "VALIDATION_FAILED",
    `${validation.errors.length} validation error(s)${exhausted ? ` after ${repairs.length} of ${deps.config.maxRepairs} repair round(s)` : ""}` +
      `${stopReason === undefined ? "" : `, no further round could do better: ${stopReason}`}; ` +
      `first: operation ${first.operation_index ?? "-"} ${first.code} at ${first.path || "(operation)"}: ${first.message}`,
    {
      errors: validation.errors.slice(0, MAX_ERROR_DETAILS),
      error_count: validation.errors.length,
      ...(exhausted
        ? { repairs: repairs.map(({ round, errors, errors_after }) => ({ round, errors_in: errors.length, errors_after })) }
        : {}),
      ...(stopReason === undefined ? {} : { stop_reason: stopReason }),
    },
  );
}

function emptyCounts() {
  return { applied: 0, skipped: 0, failed: 0, no_change: 0, changes: 0 };
}

function previewCounts(preview: PreviewResult): ResultSummary {
  const changing = preview.operations.filter((op) => op.outcome === "would_apply");
  return {
    ...emptyCounts(),
    would_apply: preview.counts.would_apply,
    skipped: 0,
    failed: preview.counts.would_fail,
    no_change: preview.counts.no_change,
    changes_preview: changing.slice(0, MAX_PREVIEW_LINES).map((op) => `${op.op} ${op.changes.map((c) => c.target).join(" ")}`),
  };
}

function applyCounts(result: ApplyResult, plan: ChangePlan): ResultSummary {
  return {
    applied: result.applied.length,
    skipped: result.skipped.length,
    failed: result.failed.length,
    not_attempted: result.not_attempted.length,
    no_change: result.unchanged.length,
    changes: result.change_ids.length,
    changes_preview: result.applied
      .slice(0, MAX_PREVIEW_LINES)
      .map(({ operation_index, op }) => `${op} ${operationTargets(plan.operations[operation_index]).join(" ")}`),
  };
}
