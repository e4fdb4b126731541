/**
 * The console reads the attempt logs the engine writes: a field the engine shrank for size (its
 * `{truncated, bytes, ...}` summary, jobs/attempt-log.ts) reads in the console (its stored.ts, which
 * documents.ts uses for an attempt's plan, validation, repair rounds and apply result) as what it stands for, so the job page shows the first operations and the sizes rather than an
 * empty table, raw JSON, a crash, or nothing; and a list cut at the engine's limit is recognised as one.
 */
import { Timestamp } from "firebase-admin/firestore";
import type { Attempt } from "../../../console/src/model";
import { ATTEMPT_LIST_LIMIT, sizedAttemptFields } from "../../../console/src/stored";
import { type AttemptField, AttemptLog } from "../../src/jobs/attempt-log";

const started = new Date("2026-12-01T10:00:00Z");
const big = "x".repeat(1_000);

function newLog() {
  return new AttemptLog({ jobId: "j1", attempt: 1, workerId: "w1", leaseEpoch: 1, startedAt: started }, () => started);
}

function logged(log: AttemptLog) {
  return log.document({ status: "needs_review", error: null, finishedAt: started, expireAt: Timestamp.fromDate(started) });
}

function storedAttempt(fields: Partial<Record<AttemptField, unknown>>) {
  const log = newLog();
  for (const [field, value] of Object.entries(fields)) log.set(field as AttemptField, value);
  return sizedAttemptFields(logged(log));
}

describe("an attempt log the engine shrank, as the console reads it", () => {
  it("a plan too large to store shows its first operations, how many there were and its size", () => {
    const operations = Array.from({ length: 300 }, (_, i) => ({ op: "patch_fields", exercise_id: `e${i}`, rationale: big }));
    const attempt = storedAttempt({ plan: { summary: "huge", operations } });
    expect(attempt.plan?.operations).toEqual(operations.slice(0, 20));
    expect(attempt.plan?.truncated).toEqual({ bytes: expect.any(Number), operation_count: 300 });
    expect(attempt.plan!.truncated!.bytes).toBeGreaterThan(200_000);
  });

  it("every field the engine may shrink reads as what stands for it: a plan its first operations, the others their size", () => {
    const issues = Array.from({ length: 300 }, () => ({ code: "E", message: big, operation_index: 0, path: "x" }));
    // Keyed by the engine's AttemptField: a field it comes to shrink is a compile error here until the console reads it.
    const tooLarge: Record<AttemptField, unknown> = {
      plan: { summary: "huge", operations: issues },
      validation: { ok: false, errors: issues, warnings: [] },
      repairs: [{ round: 1, errors: issues, operations_returned: 1, errors_after: 0 }],
      apply_result: { applied: 300, results: issues },
    };
    const attempt = storedAttempt(tooLarge);
    expect(Object.keys(attempt).sort()).toEqual(Object.keys(tooLarge).sort());
    const { plan, ...others } = attempt;
    expect(plan?.truncated).toEqual({ bytes: expect.any(Number), operation_count: 300 });
    for (const [field, value] of Object.entries(others))
      expect([field, value]).toEqual([field, { too_large: { bytes: expect.any(Number) } }]);
  });

  it("fields within the limit read as they are", () => {
    const validation = { ok: true, errors: [], warnings: [] };
    const repairs = [{ round: 1, errors: [], operations_returned: 2, errors_after: null }];
    const plan = { summary: "small", operations: [{ op: "no_change" }] };
    const applyResult = { applied: 1, skipped: 0 };
    const attempt = storedAttempt({ plan, validation, repairs, apply_result: applyResult });
    expect([attempt.plan, attempt.validation, attempt.repairs, attempt.apply_result]).toEqual([plan, validation, repairs, applyResult]);
  });

  it("a list cut to fit the record says how long it was, under the name the console reads", () => {
    const log = newLog();
    for (let i = 0; i < 8; i++) log.event("step", { note: "z".repeat(190_000) });
    const document = logged(log);
    const cut: Attempt["lists_cut"] = document.lists_cut as Attempt["lists_cut"];
    expect(cut).toEqual({ events: 8 });
    expect(document.events).toHaveLength(4);
  });

  it("events and LLM calls are kept up to the limit the console names", () => {
    const log = newLog();
    for (let i = 0; i < ATTEMPT_LIST_LIMIT + 10; i++) {
      log.event("step", { i });
      log.llmCall("plan", { model: "m", input_tokens: 1, output_tokens: 1, latency_ms: 1, calls: 1, estimated_cost_usd: 0 });
    }
    const document = logged(log);
    expect([(document.events as unknown[]).length, (document.llm_calls as unknown[]).length]).toEqual([
      ATTEMPT_LIST_LIMIT,
      ATTEMPT_LIST_LIMIT,
    ]);
  });
});
