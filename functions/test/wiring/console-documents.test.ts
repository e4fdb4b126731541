/**
 * The console reads the attempt logs the engine writes: a field the engine shrank for size (its
 * `{truncated, bytes, ...}` summary, jobs/attempt-log.ts) reads in the console (its stored.ts, which
 * documents.ts uses for an attempt's plan, validation and repair rounds) as what it stands for, so the job page shows the first operations and the sizes rather than an
 * empty table, a crash, or nothing.
 */
import { Timestamp } from "firebase-admin/firestore";
import { sizedAttemptFields } from "../../../console/src/stored";
import { AttemptLog } from "../../src/jobs/attempt-log";

const started = new Date("2026-12-01T10:00:00Z");
const big = "x".repeat(1_000);

function storedAttempt(fields: Partial<Record<"plan" | "validation" | "repairs", unknown>>) {
  const log = new AttemptLog({ jobId: "j1", attempt: 1, workerId: "w1", leaseEpoch: 1, startedAt: started }, () => started);
  for (const [field, value] of Object.entries(fields)) log.set(field as "plan" | "validation" | "repairs", value);
  return sizedAttemptFields(
    log.document({ status: "needs_review", error: null, finishedAt: started, expireAt: Timestamp.fromDate(started) }),
  );
}

describe("an attempt log the engine shrank, as the console reads it", () => {
  it("a plan too large to store shows its first operations, how many there were and its size", () => {
    const operations = Array.from({ length: 300 }, (_, i) => ({ op: "patch_fields", exercise_id: `e${i}`, rationale: big }));
    const attempt = storedAttempt({ plan: { summary: "huge", operations } });
    expect(attempt.plan?.operations).toEqual(operations.slice(0, 20));
    expect(attempt.plan?.truncated).toEqual({ bytes: expect.any(Number), operation_count: 300 });
    expect(attempt.plan!.truncated!.bytes).toBeGreaterThan(200_000);
  });

  it("validation and repair rounds too large to store read as their size", () => {
    const issues = Array.from({ length: 300 }, () => ({ code: "E", message: big, operation_index: 0, path: "x" }));
    const attempt = storedAttempt({
      validation: { ok: false, errors: issues, warnings: [] },
      repairs: [{ round: 1, errors: issues, operations_returned: 1, errors_after: 0 }],
    });
    expect(attempt.validation).toEqual({ too_large: { bytes: expect.any(Number) } });
    expect(attempt.repairs).toEqual({ too_large: { bytes: expect.any(Number) } });
  });

  it("fields within the limit read as they are", () => {
    const validation = { ok: true, errors: [], warnings: [] };
    const repairs = [{ round: 1, errors: [], operations_returned: 2, errors_after: null }];
    const plan = { summary: "small", operations: [{ op: "no_change" }] };
    const attempt = storedAttempt({ plan, validation, repairs });
    expect([attempt.plan, attempt.validation, attempt.repairs]).toEqual([plan, validation, repairs]);
  });
});
