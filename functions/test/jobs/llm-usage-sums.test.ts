/**
 * Sums of LLM usage: one `addUsage`, costs in whole micro-dollars, for an attempt's calls, a job's
 * attempts and a parent's children, so a run summary, the day's counters and the job agree.
 */
import { createEngine } from "../../src/create-engine";
import { AttemptLog, NO_LLM_USAGE, addUsage } from "../../src/jobs/attempt-log";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { dayKey } from "../../src/jobs/run-history";
import { EMPTY_USAGE } from "../../src/llm/pricing";
import { useFirestore } from "../helpers/firestore";
import { registryWith } from "../helpers/registry";
import { RecordingTasks, testConfig } from "../helpers/runtime";
import { runSummaryDoc } from "../helpers/runs";

const db = useFirestore();

/** Two calls whose costs sum to 0.30000000000000004 in floating point. */
const COSTS = [0.1, 0.2];
const callOf = (estimated_cost_usd: number) => ({
  ...EMPTY_USAGE,
  model: "m",
  calls: 1,
  input_tokens: 10,
  output_tokens: 2,
  estimated_cost_usd,
});

describe("addUsage", () => {
  it("sums every counter", () => {
    const flash = { calls: 1, input_tokens: 100, output_tokens: 20, estimated_cost_usd: 0.00008 };
    const pro = { calls: 2, input_tokens: 200, output_tokens: 40, estimated_cost_usd: 0.00065 };
    expect(addUsage(flash, pro)).toEqual({ calls: 3, input_tokens: 300, output_tokens: 60, estimated_cost_usd: 0.00073 });
    expect(addUsage(NO_LLM_USAGE, pro)).toEqual(pro);
  });

  it("does not accumulate float noise over many calls", () => {
    let total = NO_LLM_USAGE;
    for (let i = 0; i < 10; i++) total = addUsage(total, { ...NO_LLM_USAGE, estimated_cost_usd: 0.1 });
    expect(total.estimated_cost_usd).toBe(1);
  });
});

describe("an attempt's LLM totals", () => {
  it("are its calls' sum in whole micro-dollars", () => {
    const log = new AttemptLog({ jobId: "j1", attempt: 1, workerId: "w", leaseEpoch: 1, startedAt: new Date() }, () => new Date());
    for (const cost of COSTS) log.llmCall("plan", callOf(cost));
    expect(log.llmTotals()).toEqual({ calls: 2, input_tokens: 20, output_tokens: 4, estimated_cost_usd: 0.3 });
  });

  it("are what the run summary, the day's counters and the job record alike", async () => {
    const registry = registryWith({
      FAMILY_AUDIT: {
        run: ({ attempt }) => {
          for (const cost of COSTS) attempt.llmCall("plan", callOf(cost));
          return Promise.resolve({ kind: "completed", status: "succeeded_dry_run", summary: { findings: 0 } });
        },
      },
    });
    const engine = createEngine({ db, config: testConfig(), tasks: new RecordingTasks(), registry });
    const { jobId } = await engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });

    const [report] = await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });

    expect(report.status).toBe("succeeded_dry_run");
    const job = (await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get()).data()!;
    expect(job.llm_usage.estimated_cost_usd).toBe(0.3);
    expect(job.result_summary.llm.estimated_cost_usd).toBe(0.3);
    expect((await runSummaryDoc(db, jobId, report.leaseEpoch)).get("llm.estimated_cost_usd")).toBe(0.3);
    expect((await engine.history.getDailySummary(dayKey(new Date()))).llm_cost_usd).toBe(0.3);
  });
});
