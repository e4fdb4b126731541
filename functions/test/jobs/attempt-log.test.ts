/** The attempt log's LLM accounting: what the job's `result_summary.llm` and the daily counters are summed from. */
import { Timestamp } from "firebase-admin/firestore";
import { AttemptLog } from "../../src/jobs/attempt-log";
import { EMPTY_USAGE } from "../../src/llm/pricing";

const started = new Date("2026-12-01T10:00:00Z");
const newLog = () => new AttemptLog({ jobId: "j1", attempt: 1, workerId: "w1", leaseEpoch: 1, startedAt: started }, () => started);

describe("LLM usage of an attempt", () => {
  it("counts the model calls billed, retries included, not the requests", () => {
    const log = newLog();
    // A request the client retried twice (a 429, a 503, then an answer): three billed calls.
    log.llmCall("enrich", {
      model: "gemini-2.5-flash",
      input_tokens: 300,
      output_tokens: 120,
      latency_ms: 900,
      calls: 3,
      estimated_cost_usd: 0.002,
    });
    // A request that failed before it reached a model: nothing billed.
    log.llmCall("repair", EMPTY_USAGE);
    expect(log.llmTotals()).toEqual({ calls: 3, input_tokens: 300, output_tokens: 120, estimated_cost_usd: 0.002 });
    const { llm_calls } = log.document({
      status: "succeeded",
      error: null,
      finishedAt: started,
      expireAt: Timestamp.fromDate(started),
    }) as { llm_calls: unknown[] };
    expect(llm_calls).toEqual([
      expect.objectContaining({ task: "enrich", calls: 3 }),
      expect.objectContaining({ task: "repair", calls: 0 }),
    ]);
  });
});
