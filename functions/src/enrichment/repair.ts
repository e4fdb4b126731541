/**
 * The LLM repair loop's step (`PlanRepairer`): the model gets the plan and the validator's
 * structured errors and returns a revised plan in the ChangePlan schema, which the pipeline
 * validates again. Each round is recorded in the attempt log (errors in, plan out, model, tokens).
 *
 * - An outage (timeout, 429, 5xx) rethrows the transient LlmError: the job retries later; repair
 *   rounds are their own budget and never use up job attempts.
 * - An unusable answer (not JSON, not a plan, refused) counts as a round that changed nothing, as
 *   does the plan handed back unchanged, once the handler's guards are put back (a guard the model
 *   left out or rewrote changes nothing): so a model that cannot repair ends, like one that repairs
 *   badly, in REPAIR_LOOP_EXHAUSTED for a person. Missing credentials (LLM_AUTH) fail the job instead.
 * - A round is asked only when it can do better than the last: after a round that changed nothing,
 *   only of a stronger model (asked the same way, the same model has nothing new to give); never
 *   after an answer cut off at the output limit, as every round repeats the whole plan under that limit.
 */
import { isDeepStrictEqual } from "node:util";
import type { PlanRepairer } from "../apply/run-plan";
import type { ValidationIssue } from "../apply/issues";
import { type ChangePlan, changePlanSchema } from "../apply/plan";
import { LlmError, isLlmConfigurationError } from "../llm/errors";
import type { LlmClient, ModelTier } from "../llm/types";
import { generateRecorded } from "./llm-call";
import { REPAIR_CALL } from "./llm-calls";

/** The first round uses the fast model; a plan it could not fix goes to the strong one. */
function tierForRound(round: number): ModelTier {
  return round === 1 ? "fast" : "strong";
}

export function buildRepairPrompt(plan: ChangePlan, errors: readonly ValidationIssue[], round: number): string {
  return [
    "You repair change plans for an exercise catalog. The plan below failed validation.",
    "Return the complete revised plan as JSON in the same schema. Fix every error listed; use a suggestion when one is given.",
    "Keep the plan's intent and its other operations as they are. Do not remove operations just to silence errors, and do not add unrelated ones.",
    `Keep "job_id" and "job_type" unchanged. This is repair round ${round}.`,
    `## Validation errors\n${JSON.stringify(errors, null, 2)}`,
    `## Plan\n${JSON.stringify(plan, null, 2)}`,
  ].join("\n\n");
}

/** Whether `revised` is `plan` as given, its defaults filled in as the model's answer has them. */
function isUnchanged(plan: ChangePlan, revised: ChangePlan): boolean {
  const given = changePlanSchema.safeParse(plan);
  return given.success && isDeepStrictEqual(given.data, revised);
}

/** Why no round after `round`, which changed nothing, can do better; undefined when the next asks a stronger model. */
function sameRequestAgain(round: number, changedNothing: string): string | undefined {
  const tier = tierForRound(round);
  if (tierForRound(round + 1) !== tier) return undefined;
  return `round ${round} ${changedNothing} and round ${round + 1} would ask the same (${tier}) model the same way`;
}

export function llmPlanRepairer(llm: () => LlmClient): PlanRepairer {
  return async (plan, errors, round, { attempt, signal, withGuards }) => {
    const input = { prompt: buildRepairPrompt(plan, errors, round), tier: tierForRound(round), context: { plan, errors }, signal };
    try {
      const { data, usage } = await generateRecorded(llm(), REPAIR_CALL, input, attempt);
      // The plan belongs to this job whatever the model wrote there.
      const revised: ChangePlan = { ...data, job_id: plan.job_id, job_type: plan.job_type };
      attempt.event("plan_repaired", {
        round,
        errors_in: errors,
        plan_out: revised,
        model: usage.model,
        input_tokens: usage.input_tokens,
        output_tokens: usage.output_tokens,
        latency_ms: usage.latency_ms,
      });
      // Judged as the loop validates it: a round that only dropped a guard the loop puts back changed nothing.
      const unchanged = isUnchanged(plan, withGuards(revised));
      return { plan: revised, stopReason: unchanged ? sameRequestAgain(round, "returned the plan unchanged") : undefined };
    } catch (err) {
      // Outages and missing credentials are not an unusable answer: the job retries, or fails with their code.
      if (!(err instanceof LlmError) || err.transient || isLlmConfigurationError(err)) throw err;
      attempt.event("plan_repair_unusable", { round, errors_in: errors, code: err.code, message: err.message });
      const stopReason =
        err.code === "LLM_TRUNCATED"
          ? `the answer of round ${round} was cut off at the output token limit (${err.code}): ` +
            `the plan of ${plan.operations.length} operation(s) is too long to repair, as each round repeats it whole`
          : sameRequestAgain(round, `gave no usable answer (${err.code})`);
      return { plan, stopReason };
    }
  };
}
