/**
 * ALIAS_REPAIR: repairs the given aliases by what is wrong with each (see alias-resolution). Aliases
 * that cannot be repaired safely (loops, several possible successors, a target retired without a
 * successor) are left as they are and the job ends in needs_review with their code, after the others
 * were repaired.
 */
import { z } from "zod";
import { modeSchema } from "../jobs/model";
import { aliasSlugSchema } from "../catalog/inputs";
import type { HandlerOutcome } from "../jobs/handler";
import { planHandler } from "./support/plan-handler";
import { AliasFacts, resolveWithFacts } from "../catalog/alias-facts";
import { resolveAliases } from "../catalog/alias-resolution";
import { readAliasFacts } from "../catalog/reads";
import { exercisesWithNameSlugs } from "../catalog/repository";
import { changePlan } from "./support/change-plan";
import { type AliasRepairPlan, planAliasRepair } from "./plans/alias-repair";

/** The payload of a ALIAS_REPAIR job. */
const aliasRepairPayload = z.strictObject({ mode: modeSchema, alias_slugs: z.array(aliasSlugSchema).min(1).max(500) });

export const aliasRepairHandler = planHandler({
  type: "ALIAS_REPAIR",
  lane: "priority",
  payload: aliasRepairPayload,
  smallerJobs: "name fewer alias_slugs in each job",
  async plan(input) {
    const { db } = input.deps;
    const slugs = [...new Set(input.job.payload.alias_slugs)];
    const facts = new AliasFacts();
    // Every alias is judged by whether a live exercise has its slug as its name: read for all at once.
    facts.recordNameHolders(slugs, await exercisesWithNameSlugs(db, slugs));
    const repairs = await resolveWithFacts(
      (finalRound) => resolveAliases(slugs, facts, finalRound),
      (request) => readAliasFacts(db, facts, request, input.ctx.signal),
    );
    const repair = planAliasRepair(repairs);
    const plan = changePlan(input.job, `repair aliases ${slugs.join(", ")}`, repair.operations);
    return {
      plan,
      summary: {
        repaired: repair.repaired.map(({ alias_slug, problem, action, reason }) => ({ alias_slug, problem, action, reason })),
        unresolved: repair.unresolved,
        fine: repair.fine,
        not_found: repair.not_found,
      },
    };
  },
  afterRun: (_input, outcome) => escalateUnresolved(outcome),
});

/**
 * A run that did its part still needs a person when some aliases could not be repaired (they are in
 * the summary, the frozen plan's on a resumed run).
 */
function escalateUnresolved(outcome: HandlerOutcome): HandlerOutcome {
  if (outcome.kind !== "completed" || outcome.status === "needs_review") return outcome;
  const unresolved = (outcome.summary.unresolved ?? []) as AliasRepairPlan["unresolved"];
  if (unresolved.length === 0) return outcome;
  const code = unresolved.some((item) => item.code === "ALIAS_LOOP") ? "ALIAS_LOOP" : unresolved[0].code;
  const message = `${unresolved.length} alias(es) left for review: ${unresolved.map((item) => `${item.alias_slug} (${item.reason})`).join("; ")}`;
  return { ...outcome, status: "needs_review", error: { code, message, transient: false, details: { unresolved } } };
}
