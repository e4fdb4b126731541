/** What the engine's documents read as in the console (src/documents.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Timestamp } from "firebase/firestore";
import { toAttempt, toChange, toFrozenPlan, toJob, toRunSummary } from "../../src/documents";

const at = new Date("2026-12-01T10:00:00.000Z");

describe("documents", () => {
  it("read Timestamps as Dates, inside maps and lists too", () => {
    const job = toJob("j1", {
      type: "FAMILY_AUDIT",
      status: "running",
      created_at: Timestamp.fromDate(at),
      requeued_at: Timestamp.fromDate(at),
      progress: { updated_at: Timestamp.fromDate(at), steps: [Timestamp.fromDate(at)] },
    });
    assert.deepEqual(job.created_at, at);
    assert.deepEqual(job.requeued_at, at);
    assert.deepEqual(job.progress, { updated_at: at, steps: [at] });
  });

  it("read a job's absent fields as null or their defaults", () => {
    const job = toJob("j1", { status: "queued" });
    assert.equal(job.id, "j1");
    assert.equal(job.type, "");
    // Intake writes these: a job it never took in has none, and none is made up for it.
    assert.equal(job.queue, null);
    assert.equal(job.priority, null);
    assert.equal(job.max_attempts, null);
    assert.equal(job.attempts, 0);
    assert.equal(job.lease_epoch, 0);
    assert.deepEqual(job.payload, {});
    assert.equal(job.lease_owner, null);
    assert.equal(job.error, null);
    assert.equal(job.cancel_requested, false);
    assert.equal(job.requeued_at, null);
  });

  it("read a job's lane, priority and maximum of attempts as intake wrote them", () => {
    const job = toJob("j1", { queue: "maintenance", priority: 0, max_attempts: 5 });
    assert.deepEqual([job.queue, job.priority, job.max_attempts], ["maintenance", 0, 5]);
    assert.equal(toJob("j1", { queue: "elsewhere" }).queue, null);
  });

  it("read a client's job written without a status, not yet taken in, as queued", () => {
    const job = toJob("j1", { type: "FAMILY_AUDIT", payload: { family_slug: "squat" } });
    assert.equal(job.status, "queued");
    assert.equal(job.run_after, null);
  });

  it("read a text field that is not text as nothing, not as [object Object]", () => {
    assert.equal(toJob("j1", { type: { nested: true } }).type, "");
    assert.equal(toAttempt("1", { worker_id: 7 }).worker_id, "");
    const change = toChange("c1", { job_id: ["j1"], op: null, rationale: "why" });
    assert.equal(change.job_id, "");
    assert.equal(change.op, "");
    assert.equal(change.rationale, "why");
    assert.equal(toRunSummary("r1", { mode: { apply: true } }).mode, "");
  });

  it("read an optional text field that is not text as absent", () => {
    const job = toJob("j1", { created_by: { uid: "u1" }, plan_id: 7, lease_owner: ["w1"], parent_job_id: true });
    assert.deepEqual([job.created_by, job.plan_id, job.lease_owner, job.parent_job_id], [null, null, null, null]);
    const text = toJob("j1", { created_by: "cli:alice", plan_id: "p1", lease_owner: "w1", parent_job_id: "j0" });
    assert.deepEqual([text.created_by, text.plan_id, text.lease_owner, text.parent_job_id], ["cli:alice", "p1", "w1", "j0"]);
  });

  it("read an error's code and message as text fields, and an error that is not a map as none", () => {
    const error = { code: "LOCK_HELD", message: "family squat is locked by another job", transient: true, details: { family: "squat" } };
    assert.deepEqual(toJob("j1", { error }).error, error);
    assert.deepEqual(toJob("j1", { error: { code: 42, message: { text: "x" }, transient: "yes" } }).error, { code: "", message: "" });
    assert.deepEqual(toAttempt("1", { error: { code: "LEASE_EXPIRED", message: Timestamp.fromDate(at) } }).error, {
      code: "LEASE_EXPIRED",
      message: "",
    });
    assert.equal(toAttempt("1", { error: "boom" }).error, null);
    assert.equal(toRunSummary("r1", { error: ["E"] }).error, null);
    assert.equal(toRunSummary("r1", { error: Timestamp.fromDate(at) }).error, null);
    assert.deepEqual(toRunSummary("r1", { error: { code: "STALE_PLAN", message: null } }).error, { code: "STALE_PLAN", message: "" });
  });

  it("pass payloads and plans through as they are", () => {
    const payload = { family_slug: "squat", mode: "dry_run", limits: { max: 3 } };
    assert.deepEqual(toJob("j1", { payload }).payload, payload);
    const plan = { operations: [{ op: "patch_fields", patch: { description: "x" } }] };
    assert.deepEqual(toFrozenPlan("j1", { plan, lease_epoch: 2 }), {
      id: "j1",
      plan,
      expectations: [],
      lease_epoch: 2,
      saved_at: null,
    });
  });

  it("read an attempt's lists as empty when absent", () => {
    const attempt = toAttempt("2", { attempt: 2, status: "succeeded", started_at: Timestamp.fromDate(at) });
    assert.equal(attempt.attempt, 2);
    assert.deepEqual(attempt.repairs, []);
    assert.deepEqual(attempt.llm_calls, []);
    assert.deepEqual(attempt.events, []);
    assert.deepEqual(attempt.lists_cut, {});
    assert.deepEqual(toAttempt("2", { events: [], lists_cut: { events: 8 } }).lists_cut, { events: 8 });
    assert.deepEqual(attempt.started_at, at);
    assert.equal(attempt.finished_at, null);
  });

  it("read how long each list the engine cut to fit the record was, its repair rounds too", () => {
    // attempt-log.ts halves the largest list part: the repair rounds may be it, not only the events and LLM calls.
    const cut = toAttempt("2", { repairs: [], lists_cut: { repairs: 6, llm_calls: 4 } }).lists_cut;
    const repairs: number | undefined = cut.repairs;
    assert.deepEqual([repairs, cut.llm_calls, cut.events], [6, 4, undefined]);
    // @ts-expect-error A field that is no list is never cut (it is shrunk to its size instead): the type names the lists only.
    assert.equal(cut.plan, undefined);
  });

  it("read an attempt's field the engine shrank for size as its size, the apply result too", () => {
    const shrunk = { truncated: true, bytes: 250_000 };
    const attempt = toAttempt("3", { validation: shrunk, repairs: shrunk, apply_result: shrunk });
    assert.deepEqual([attempt.validation, attempt.repairs, attempt.apply_result], Array(3).fill({ too_large: { bytes: 250_000 } }));
    const applied = { applied: 2, skipped: 0 };
    assert.deepEqual(toAttempt("3", { apply_result: applied }).apply_result, applied);
    assert.equal(toAttempt("3", {}).apply_result, null);
  });

  it("read a journal entry as applied unless it says reverted", () => {
    assert.equal(toChange("c1", { status: "reverted" }).status, "reverted");
    assert.equal(toChange("c2", { status: "applied" }).status, "applied");
    assert.equal(toChange("c3", {}).status, "applied");
    assert.deepEqual(toChange("c3", {}).targets, []);
  });

  it("read a run summary's counts as numbers, absent ones as zero", () => {
    const run = toRunSummary("r1", { job_id: "j1", attempt: 1, duration_ms: 12, changes_preview: ["a"] });
    assert.equal(run.duration_ms, 12);
    assert.equal(run.changes_count, 0);
    assert.equal(run.lane, "priority");
    assert.deepEqual(run.changes_preview, ["a"]);
    assert.equal(run.llm, null);
  });
});
