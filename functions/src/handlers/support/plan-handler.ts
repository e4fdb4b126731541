/**
 * A handler whose work is one ChangePlan. Planning reads the catalog and builds the plan; `runPlan`
 * validates, freezes and applies it. A job that froze a plan and did not finish it (a crash, a lost
 * lease) resumes that same plan on its next run instead of planning again from a half-changed
 * catalog, so what it started is finished — or reported as a conflict, never called done.
 */
import type { HandlerOutcome, PayloadSchema } from "../../jobs/handler";
import type { ResultSummary } from "../../jobs/model";
import type { ChangePlan } from "../../apply/plan";
import { resumePlan, runPlan } from "../../apply/run-plan";
import { type CatalogHandler, type CatalogInput, catalogHandler } from "./catalog-handler";

/** A plan and the handler's own summary fields (kept with the frozen plan, so a resumed run reports them too). */
interface PlannedChange {
  plan: ChangePlan;
  summary: ResultSummary;
}

/** A wait instead of a plan: what planning found calls for another run (locks other than those taken). */
type PlanningWait = Extract<HandlerOutcome, { kind: "deferred" }>;

export interface PlanHandlerSpec<S extends PayloadSchema> extends Omit<CatalogHandler<S>, "run" | "finishParent"> {
  /** Builds the plan from the catalog as it is now. */
  plan: (input: CatalogInput<S>) => Promise<PlannedChange | PlanningWait>;
  /** How to ask for the work in smaller jobs, when its payload names what to split (see `runPlan`). */
  smallerJobs?: string;
  /** Runs after the plan ran (first or resumed run), with its outcome: follow-up jobs, escalations. */
  afterRun?: (input: CatalogInput<S>, outcome: HandlerOutcome) => Promise<HandlerOutcome> | HandlerOutcome;
}

export function planHandler<S extends PayloadSchema>(spec: PlanHandlerSpec<S>): CatalogHandler<S> {
  const { plan, afterRun, smallerJobs, ...handler } = spec;
  return catalogHandler({
    ...handler,
    async run(input) {
      let outcome = await resumePlan(input);
      if (!outcome) {
        const planned = await plan(input);
        outcome = "kind" in planned ? planned : await runPlan(input, planned.plan, planned.summary, smallerJobs);
      }
      return afterRun ? afterRun(input, outcome) : outcome;
    },
  });
}
