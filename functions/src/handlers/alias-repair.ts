/**
 * ALIAS_REPAIR: repairs the given aliases by what is wrong with each (see alias-resolution). Aliases
 * that cannot be repaired safely (loops, several possible successors) are left as they are and the
 * job ends in needs_review with their code, after the others were repaired.
 */
import { runPlan } from "../apply/run-plan";
import type { HandlerOutcome, JobHandler } from "../jobs/executor";
import { AliasFacts, resolveWithFacts } from "../catalog/alias-facts";
import { resolveAliases } from "../catalog/alias-resolution";
import { readAliasFacts } from "../catalog/reads";
import { changePlan } from "./support/change-plan";
import { type AliasRepairPlan, planAliasRepair } from "./plans/alias-repair";

export const aliasRepairHandler: JobHandler<"ALIAS_REPAIR"> = {
  async run(input) {
    const { db } = input.deps;
    const slugs = [...new Set(input.job.payload.alias_slugs)];
    const facts = new AliasFacts();
    const repairs = await resolveWithFacts(
      (finalRound) => resolveAliases(slugs, facts, finalRound),
      (request) => readAliasFacts(db, facts, request, input.ctx.signal),
    );
    const repair = planAliasRepair(repairs);
    const plan = changePlan(input.job, `repair aliases ${slugs.join(", ")}`, repair.operations);
    const outcome = await runPlan(input, plan, {
      repaired: repair.repaired.map(({ alias_slug, problem, action, reason }) => ({ alias_slug, problem, action, reason })),
      unresolved: repair.unresolved,
      fine: repair.fine,
      not_found: repair.not_found,
    });
    return escalateUnresolved(outcome, repair);
  },
};

/** A run that did its part still needs a person when some aliases could not be repaired. */
function escalateUnresolved(outcome: HandlerOutcome, repair: AliasRepairPlan): HandlerOutcome {
  if (repair.unresolved.length === 0 || outcome.kind !== "completed" || outcome.status === "needs_review") return outcome;
  const code = repair.unresolved.some((item) => item.code === "ALIAS_LOOP") ? "ALIAS_LOOP" : repair.unresolved[0].code;
  const message = `${repair.unresolved.length} alias(es) left for review: ${repair.unresolved.map((item) => `${item.alias_slug} (${item.reason})`).join("; ")}`;
  return { ...outcome, status: "needs_review", error: { code, message, transient: false, details: { unresolved: repair.unresolved } } };
}
