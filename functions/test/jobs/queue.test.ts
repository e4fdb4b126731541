import { APPLY_DISABLED, PARTIALLY_APPLIED } from "../../src/jobs/outcomes";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { DEFAULT_RETENTION } from "../../src/jobs/retention";
import { testQueue } from "../helpers/engine";
import { DocumentReference, FieldValue, Timestamp } from "firebase-admin/firestore";
import { JobFailure, LeaseLostError, InvalidTransitionError, toJobFailure } from "../../src/jobs/errors";
import { CANCELLED_WITH_PARENT, InvalidJobError, type JobChange, type JobQueue, type LeasedJob } from "../../src/jobs/queue";
import { LANES } from "../../src/jobs/model";
import { countOps } from "../../bench/billing-counter";
import { describeWithIsolation, newFirestore, useFirestore } from "../helpers/firestore";
import { failingFirstBatchWriting } from "../helpers/faults";
import { GrpcStatus } from "../../src/util/grpc-status";
import { RecordingTasks, movableClock, testConfig } from "../helpers/runtime";
import { createEngine } from "../../src/create-engine";
import { wakeupTaskName } from "../../src/jobs/task-queue";
import { registryWith } from "../helpers/registry";
import { abortingNextTransaction, losingTransactionReplies, resendingNextBatch } from "../helpers/transactions";

/** Ends an attempt with `change` and no bookkeeping (the worker adds the attempt log and run history). */
const finish = async (queue: JobQueue, leased: LeasedJob | null, change: JobChange) =>
  (await queue.endAttempt(leased!.lease, { ...change, bookkeeping: () => undefined })).status;

const poll = async (queue: JobQueue) => (await queue.pollCandidates(LANES, 20)).candidates[0]?.job ?? null;

/** What a worker does: poll a page (spread over the head priority, as under competition, when `spread`), try its candidates in order. */
async function leaseNext(queue: JobQueue, workerId: string, spread = false): Promise<LeasedJob | null> {
  const page = spread ? await queue.pollSpread(LANES, 20, Math.random()) : await queue.pollCandidates(LANES, 20);
  for (const candidate of page.candidates) {
    const leased = await queue.lease(candidate, workerId);
    if (leased && "lease" in leased) return leased;
  }
  return null;
}

const audit = (family = "bench_press") => ({ type: "FAMILY_AUDIT", payload: { family_slug: family }, created_by: "test" });

const db = useFirestore();

describe("createJob", () => {
  it("knows a new job whose batch landed while the Firestore client's resend of it was refused: created, not a contention", async () => {
    const faulty = failingFirstBatchWriting(db, `${JOB_COLLECTIONS.jobs}/`, "after", GrpcStatus.FAILED_PRECONDITION);
    const result = await testQueue(faulty.db).createJob(audit());
    expect(faulty.failures.count).toBe(1);
    expect(result).toMatchObject({ created: true, job: { attempts: 0, lease_epoch: 0 } });
    expect((await db.collection(JOB_COLLECTIONS.jobs).get()).docs.map((doc) => doc.id)).toEqual([result.jobId]);
  });

  it("fills every server-owned field with defaults", async () => {
    const queue = testQueue(db);
    const res = await queue.createJob(audit());
    expect(res.created).toBe(true);
    const job = await queue.getJob(res.jobId);
    expect(job).toMatchObject({
      type: "FAMILY_AUDIT",
      queue: "priority",
      priority: 100,
      status: "queued",
      payload: { family_slug: "bench_press", mode: "dry_run" },
      attempts: 0,
      max_attempts: 5,
      lease_epoch: 0,
      lease_owner: null,
      created_by: "test",
      cancel_requested: false,
    });
    expect(job!.run_after.getTime()).toBe(job!.created_at.getTime());
  });

  it.each([
    ["an unknown type", { type: "NOPE", payload: {} }, "type"],
    ["a payload that fails its schema", { type: "FAMILY_AUDIT", payload: { family_slug: "bad/slug" } }, "payload.family_slug"],
    ["an unknown payload key", { type: "FAMILY_AUDIT", payload: { family_slug: "a", extra: 1 } }, "payload"],
    ["a negative priority", { type: "FAMILY_AUDIT", payload: { family_slug: "a" }, priority: -1 }, "priority"],
    ["an unknown lane", { type: "FAMILY_AUDIT", payload: { family_slug: "a" }, queue: "fast" }, "queue"],
  ])("rejects %s with precise issues", async (_name, input, path) => {
    const queue = testQueue(db);
    const err = await queue.createJob({ ...(input as object), created_by: "test" } as never).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidJobError);
    expect((err as InvalidJobError).issues.map((i) => i.path)).toContain(path);
    // Thrown in a handler (an invalid follow-up), it fails the job at once: a retry would ask again.
    expect(toJobFailure(err)).toMatchObject({ code: "INVALID_JOB", kind: "permanent", details: (err as InvalidJobError).issues });
    expect((await db.collection(JOB_COLLECTIONS.jobs).get()).size).toBe(0);
  });

  it("creates a job with a deterministic id once", async () => {
    const queue = testQueue(db);
    expect(await queue.createJob({ ...audit(), id: "fixed" })).toMatchObject({
      created: true,
      jobId: "fixed",
      job: { id: "fixed", queue: "priority" },
    });
    expect(await queue.createJob({ ...audit(), id: "fixed" })).toEqual({ created: false, jobId: "fixed", reason: "already_exists" });
  });

  it("creates a job with a deterministic id whose batch's reply was lost: its resend refused by the job it wrote", async () => {
    const queue = testQueue(db);
    const batch = resendingNextBatch();
    const created = await queue.createJob({ ...audit(), id: "fixed" }).finally(() => jest.restoreAllMocks());
    expect(batch.resent).toBe(true);
    expect(created).toMatchObject({ created: true, jobId: "fixed" });
    expect(await queue.createJob({ ...audit(), id: "fixed" })).toEqual({ created: false, jobId: "fixed", reason: "already_exists" });
  });

  it("refuses to take a document another wrote at the id for the job asked for (JOB_ID_TAKEN)", async () => {
    const queue = testQueue(db);
    // A client's document, as intake left it, at the id of a child and of a follow-up.
    await queue.createJob({ ...audit(), id: "p-shard-1", created_by: "alice" });
    await queue.createJob({ ...audit(), id: "p-enrichment", created_by: "alice" });
    const asked = { ...audit(), created_by: "system:TEST_PARENT" };
    const taken = async (input: Parameters<JobQueue["createJob"]>[0]) => queue.createJob(input).catch((err: unknown) => err);

    expect(await taken({ ...asked, id: "p-shard-1", parent_job_id: "p" })).toMatchObject({
      code: "JOB_ID_TAKEN",
      kind: "needs_review",
      message:
        "job id p-shard-1 is taken by a document the engine did not write for system:TEST_PARENT as a child of p: delete it, " +
        "then ask for the job again (retry the job that asked for it, or `schedules run <SCAN>` for a scheduled scan)",
      details: { job_id: "p-shard-1", created_by: "alice", parent_job_id: null },
    });
    expect(await taken({ ...asked, id: "p-enrichment" })).toBeInstanceOf(JobFailure);
    // The same creator, but not as the parent's child.
    await queue.createJob({ ...asked, id: "p-shard-2" });
    expect(await taken({ ...asked, id: "p-shard-2", parent_job_id: "p" })).toMatchObject({ code: "JOB_ID_TAKEN" });
    // The engine's own, asked for again: the job it created before.
    await queue.createJob({ ...asked, id: "p-shard-3", parent_job_id: "p" });
    expect(await queue.createJob({ ...asked, id: "p-shard-3", parent_job_id: "p" })).toEqual({
      created: false,
      jobId: "p-shard-3",
      reason: "already_exists",
    });
    expect((await queue.getJob("p-shard-1"))?.created_by).toBe("alice");
  });

  it("allows a new job with a dedup key once the previous one is finished", async () => {
    const queue = testQueue(db);
    const first = await queue.createJob({ ...audit(), dedup_key: "k" });
    expect(await queue.createJob({ ...audit(), dedup_key: "k" })).toEqual({
      created: false,
      jobId: first.jobId,
      reason: "duplicate_dedup_key",
    });
    await queue.cancelJob(first.jobId);
    const third = await queue.createJob({ ...audit(), dedup_key: "k" });
    expect(third.created).toBe(true);
  });

  it("asks once for the same answers: not again while the key's last job answered them, again for other answers", async () => {
    const queue = testQueue(db);
    const end = (jobId: string, fields: Record<string, unknown>) =>
      db
        .collection(JOB_COLLECTIONS.jobs)
        .doc(jobId)
        .update({ status: "succeeded", finished_at: new Date(), ...fields });
    const first = await queue.createJob({ ...audit(), dedup_key: "k", answers: "findings A" });
    await end(first.jobId, {});
    expect(await queue.createJob({ ...audit(), dedup_key: "k", answers: "findings A" })).toEqual({
      created: false,
      jobId: first.jobId,
      reason: "already_answered",
    });
    // Without answers, or with other ones, the key is free as before.
    const other = await queue.createJob({ ...audit(), dedup_key: "k", answers: "findings B" });
    expect(other.created).toBe(true);
    await end(other.jobId, {});
    // The claim remembers its last job's answers only: A is asked for again.
    const again = await queue.createJob({ ...audit(), dedup_key: "k", answers: "findings A" });
    expect(again.created).toBe(true);
    // An operator's retry of that job keeps what it answers.
    await end(again.jobId, { status: "failed" });
    await queue.retryJob(again.jobId);
    await end(again.jobId, {});
    expect(await queue.createJob({ ...audit(), dedup_key: "k", answers: "findings A" })).toMatchObject({
      created: false,
      reason: "already_answered",
    });
    await expect(queue.createJob({ ...audit(), answers: "findings A" })).rejects.toThrow(/dedup_key/);
    // A plan too large is an answer too (asked again, it makes the same plan); any other failure is none.
    const tooLarge = await queue.createJob({ ...audit(), dedup_key: "k", answers: "findings C" });
    await end(tooLarge.jobId, { status: "failed", error: { code: "PLAN_TOO_LARGE", message: "too large", transient: false } });
    expect(await queue.createJob({ ...audit(), dedup_key: "k", answers: "findings C" })).toMatchObject({
      created: false,
      reason: "already_answered",
    });
    const invalid = await queue.createJob({ ...audit(), dedup_key: "k", answers: "findings D" });
    await end(invalid.jobId, { status: "failed", error: { code: "HANDLER_ERROR", message: "bug", transient: false } });
    expect((await queue.createJob({ ...audit(), dedup_key: "k", answers: "findings D" })).created).toBe(true);
    // A claim that remembers answers outlives its job, whose retention counts from when it ended.
    const claims = await db.collection(JOB_COLLECTIONS.dedup).where("dedup_key", "==", "k").get();
    const claim = claims.docs[0];
    const keptMs = (claim.get("expire_at") as Timestamp).toMillis() - (claim.get("claimed_at") as Timestamp).toMillis();
    expect(keptMs).toBe(2 * DEFAULT_RETENTION.jobsMs);
  });
});

describe("pollJob", () => {
  it("returns the ready low-priority job behind 30 backing-off higher-priority jobs", async () => {
    const now = new Date();
    const queue = testQueue(db, { now: () => now });
    for (let i = 0; i < 30; i++) {
      await queue.createJob({ ...audit(), priority: 900, run_after: new Date(now.getTime() + 60_000) });
    }
    const ready = await queue.createJob({ ...audit(), priority: 1 });
    expect((await poll(queue))?.id).toBe(ready.jobId);
  });

  it("reads a lane whose head is ready without the run_after filter, so the poll bills no index-entry read", async () => {
    const queue = testQueue(db);
    const jobs = [await queue.createJob(audit()), await queue.createJob(audit())];
    const { result, counts } = await countOps(db, () => queue.pollCandidates(LANES, 8));
    expect(result.candidates.map(({ job }) => job.id)).toEqual(jobs.map(({ jobId }) => jobId));
    expect(result.complete).toBe(true);
    expect(counts).toMatchObject({ reads: 2, indexReads: 0, byMethod: { runQuery: 1 } });
  });

  it("behind a head backing off, reads the ready jobs with the filter, and keeps to it until the head is due", async () => {
    const clock = movableClock();
    const queue = testQueue(db, { now: clock.now });
    await queue.createJob({ ...audit(), priority: 900, run_after: new Date(clock.now().getTime() + 60_000) });
    const ready = await queue.createJob({ ...audit(), priority: 1 });
    const pollOnce = () => countOps(db, () => queue.pollCandidates(LANES, 8));
    // The first poll finds the head waiting, then reads with the filter (2 queries).
    const first = await pollOnce();
    expect(first.result.candidates.map(({ job }) => job.id)).toEqual([ready.jobId]);
    expect(first.counts.byMethod).toEqual({ runQuery: 2 });
    // Until the head is due, polls read with the filter at once (and pay its index-entry read).
    const second = await pollOnce();
    expect(second.result.candidates.map(({ job }) => job.id)).toEqual([ready.jobId]);
    expect(second.counts).toMatchObject({ byMethod: { runQuery: 1 }, indexReads: 1 });
    // Once it is due, the head is ready: one query without the filter.
    clock.advance(61_000);
    const third = await pollOnce();
    expect(third.result.candidates).toHaveLength(2);
    expect(third.counts).toMatchObject({ byMethod: { runQuery: 1 }, indexReads: 0 });
  });

  it("leaves a client's document that intake has not taken in yet alone", async () => {
    const queue = testQueue(db);
    // Written as a client may write it: no run_after yet (intake adds it), but every field the poll orders by.
    const pending = await db
      .collection(JOB_COLLECTIONS.jobs)
      .add({ ...audit(), queue: "priority", priority: 100, status: "queued", created_at: Timestamp.now() });
    const ready = await queue.createJob(audit());
    expect((await queue.pollCandidates(LANES, 8)).candidates.map(({ job }) => job.id)).toEqual([ready.jobId]);
    expect((await pending.get()).get("status")).toBe("queued");
  });

  it("orders the priority lane first, then priority, then age", async () => {
    let t = Date.now() - 10_000;
    const queue = testQueue(db, { now: () => new Date((t += 10)), random: () => 0 });
    const m = await queue.createJob({ type: "SCHEMA_CLEANUP", payload: { exercise_doc_ids: ["x"] }, priority: 999, created_by: "t" });
    const pOld = await queue.createJob({ ...audit(), priority: 50 });
    const pNew = await queue.createJob({ ...audit(), priority: 50 });
    const pHigh = await queue.createJob({ ...audit(), priority: 60 });
    const order: string[] = [];
    for (;;) {
      const leased = await leaseNext(queue, "w");
      if (!leased) break;
      order.push(leased.job.id);
      await finish(queue, leased, queue.completing("succeeded_dry_run", {}, null));
    }
    expect(order).toEqual([pHigh.jobId, pOld.jobId, pNew.jobId, m.jobId]);
  });

  it("a spread poll reads the head priority in slot order from where it is told, round to the lowest slot, and the head only when alone", async () => {
    let t = Date.now() - 10_000;
    const slots = [0.5, 0.1, 0.9, 0.3, 0.7, 0.8, 0.2];
    const seeder = testQueue(db, { now: () => new Date((t += 10)), random: () => slots.shift()! });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await seeder.createJob({ ...audit(), priority: 50 })).jobId);
    const low = (await seeder.createJob({ ...audit(), priority: 10 })).jobId;
    // A job stored before jobs had a slot.
    const legacy = (await seeder.createJob({ ...audit(), priority: 50 })).jobId;
    await db.collection(JOB_COLLECTIONS.jobs).doc(legacy).update({ slot: FieldValue.delete() });
    // The first (slot 0.5) is the head: the oldest.
    const [, s01, s09, s03, s07] = ids;
    const queue = testQueue(db);
    const spread = async (limit: number, from: number) => {
      const page = await queue.pollSpread(LANES, limit, from);
      expect(page.complete).toBe(false);
      return { ids: page.candidates.map(({ job }) => job.id), next: page.next };
    };
    expect(await spread(1, 0.6)).toEqual({ ids: [s07], next: 0.7 });
    // A page that comes short reached the end of the slots: the next one starts from the lowest (-1).
    expect(await spread(3, 0.6)).toEqual({ ids: [s07, s09], next: -1 });
    // Nothing above 0.9: round to the lowest; the head (oldest, slot 0.5) is left out while others are there.
    expect(await spread(3, 0.9)).toEqual({ ids: [s01, s03], next: -1 });
    expect(await spread(10, 0.2)).toEqual({ ids: [s03, s07, s09], next: -1 });
    // Told the band an earlier poll found, it reads that band (here a lower one) without reading the head.
    const known = await queue.pollSpread(LANES, 10, 0, { lane: "priority", priority: 10 });
    expect(known.candidates.map(({ job }) => job.id)).toEqual([low]);
    // A band with nothing left: the head is read again.
    const gone = await queue.pollSpread(LANES, 10, 0, { lane: "maintenance", priority: 50 });
    expect(gone.band).toEqual({ lane: "priority", priority: 50 });
    // Once the slotted jobs of its priority have gone, the job without a slot is found as the head.
    for (const id of ids) await finish(queue, await queue.leaseById(id, "w"), queue.completing("succeeded_dry_run", {}, null));
    expect(await spread(10, 0.5)).toEqual({ ids: [legacy], next: null });
  });

  it("returns null when nothing is ready", async () => {
    const queue = testQueue(db);
    await queue.createJob({ ...audit(), run_after: new Date(Date.now() + 60_000) });
    expect(await poll(queue)).toBeNull();
  });
});

describe("stored jobs that no longer parse", () => {
  it.each([
    ["whose type is no longer registered", { type: "GONE_TYPE" }, "UNSUPPORTED_JOB_TYPE"],
    ["whose payload fails its schema now", { "payload.family_slug": "not/a/slug" }, "INVALID_JOB"],
  ])("fails a waiting job %s when polled, instead of leaving it waiting forever", async (_name, change, code) => {
    const queue = testQueue(db);
    const { jobId } = await queue.createJob(audit());
    await queue.jobRef(jobId).update(change);
    expect(await poll(queue)).toBeNull();
    expect((await queue.jobRef(jobId).get()).data()).toMatchObject({ status: "failed", error: { code, transient: false } });
  });
});

describe("ending an attempt: failures, backoff, deferral", () => {
  it("sends a transient failure back to queued after a backoff, and to deadletter after max_attempts", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const queue = testQueue(db, { now: () => now, random: () => 0.5 });
    const { jobId } = await queue.createJob({ ...audit(), max_attempts: 3 });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const leased = await queue.leaseById(jobId, "w");
      expect(leased?.job.attempts).toBe(attempt);
      const outcome = queue.failing(leased!.job, JobFailure.transient("LLM_RATE_LIMITED", "429"), null);
      expect(await finish(queue, leased, outcome)).toBe(outcome.status);
      if (attempt < 3) {
        expect(outcome.status).toBe("queued");
        delays.push(outcome.runAfter!.getTime() - now.getTime());
        expect(await queue.leaseById(jobId, "w")).toBeNull(); // not before run_after
        now = outcome.runAfter!;
      } else {
        expect(outcome).toMatchObject({ status: "deadletter", runAfter: null });
      }
    }
    expect(delays[1]).toBeGreaterThan(delays[0]);
    const job = await queue.getJob(jobId);
    expect(job).toMatchObject({ status: "deadletter", error: { code: "LLM_RATE_LIMITED", transient: true }, lease_owner: null });
  });

  it("fails at once a write Firestore refuses as it is (INVALID_ARGUMENT: a document over 1 MiB), as its retries would be refused too", async () => {
    const err = await db
      .collection("too_large")
      .doc("d")
      .set({ text: "x".repeat(1_100_000) })
      .catch((e: unknown) => e);
    expect(toJobFailure(err)).toMatchObject({ code: "FIRESTORE_INVALID_ARGUMENT", kind: "permanent" });
  });

  it("retries a transaction Firestore closed or let expire (INVALID_ARGUMENT, though nothing in the request is wrong)", () => {
    for (const message of [
      "3 INVALID_ARGUMENT: Transaction is invalid or closed",
      "3 INVALID_ARGUMENT: The referenced transaction has expired",
    ])
      expect(toJobFailure(Object.assign(new Error(message), { code: 3 }))).toMatchObject({
        code: "FIRESTORE_UNAVAILABLE",
        kind: "transient",
      });
  });

  it("never retries a permanent failure", async () => {
    const queue = testQueue(db);
    const { jobId } = await queue.createJob(audit());
    const leased = await queue.leaseById(jobId, "w");
    expect(await finish(queue, leased, queue.failing(leased!.job, JobFailure.permanent("INVALID_JOB", "bad"), null))).toBe("failed");
    expect(await poll(queue)).toBeNull();
  });

  it("marks needs_review failures for a person", async () => {
    const queue = testQueue(db);
    const { jobId } = await queue.createJob(audit());
    const leased = await queue.leaseById(jobId, "w");
    await finish(queue, leased, queue.failing(leased!.job, JobFailure.needsReview("DUPLICATE_EXERCISE", "exists"), null));
    expect((await queue.getJob(jobId))?.status).toBe("needs_review");
  });

  it("defers without using up an attempt", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const queue = testQueue(db, { now: () => now });
    const { jobId } = await queue.createJob(audit());
    const leased = await queue.leaseById(jobId, "w");
    const reason = { code: "LOCK_HELD", message: "busy", transient: true };
    await finish(queue, leased, queue.deferring(leased!.job, new Date(now.getTime() + 30_000), reason, null));
    expect(await queue.getJob(jobId)).toMatchObject({ status: "deferred", attempts: 0, lease_epoch: 1 });
    expect(await queue.leaseById(jobId, "w")).toBeNull();
    now = new Date(now.getTime() + 30_000);
    expect(await queue.leaseById(jobId, "w")).toMatchObject({ job: { attempts: 1, lease_epoch: 2 } });
  });
});

describe("the fence of a handler's own transactions", () => {
  it("refuses a holder whose lease ran out before the watchdog took it back: its family locks ran out with it", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const queue = testQueue(db, { now: () => now, leaseMs: 60_000 });
    const { jobId } = await queue.createJob(audit());
    const leased = await queue.leaseById(jobId, "w");
    // A handler's write to a document of its own, as the ApplyEngine's to the catalog.
    const written = db.collection("fenced_writes").doc(jobId);
    const mark = (value: string) => queue.fenced(leased!.lease, (tx) => void tx.set(written, { value }));
    await mark("in time");
    now = new Date(now.getTime() + 60_000);
    await expect(mark("too late")).rejects.toBeInstanceOf(LeaseLostError);
    expect((await written.get()).get("value")).toBe("in time");
    // Renewed in time, it holds again.
    now = new Date(now.getTime() - 1);
    await queue.renewLease(leased!.lease);
    now = new Date(now.getTime() + 1);
    await mark("renewed");
    expect((await written.get()).get("value")).toBe("renewed");
  });
});

describe("progress", () => {
  it("is each attempt's own: a lease clears what an earlier attempt reported", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const queue = testQueue(db, { now: () => now, random: () => 0.5 });
    const { jobId } = await queue.createJob(audit());
    const first = await queue.leaseById(jobId, "w");
    await queue.reportProgress(first!.lease, { done: 40, total: 100 });
    const outcome = queue.failing(first!.job, JobFailure.transient("FIRESTORE_UNAVAILABLE", "outage"), null);
    await finish(queue, first, outcome);
    // Waiting for its next attempt, it shows how far the last one came.
    expect((await queue.getJob(jobId))?.progress).toEqual({ done: 40, total: 100 });

    now = outcome.runAfter!;
    const second = await queue.leaseById(jobId, "w");
    expect(second?.job.progress).toBeNull();
    expect((await queue.getJob(jobId))?.progress).toBeNull();
  });
});

describe("operator actions", () => {
  it("retries only finished jobs and resets attempts, and the last run's outcome counts (a new run reports its own)", async () => {
    const queue = testQueue(db);
    const { jobId } = await queue.createJob(audit());
    await expect(queue.retryJob(jobId)).rejects.toBeInstanceOf(InvalidTransitionError);
    const leased = await queue.leaseById(jobId, "w");
    await queue.reportProgress(leased!.lease, { done: 20, total: 40 });
    await finish(queue, leased, queue.failing(leased!.job, JobFailure.permanent("X", "x"), { succeeded: 18, failed: 2 }));
    expect(await queue.getJob(jobId)).toMatchObject({ result_summary: { succeeded: 18, failed: 2 }, progress: { done: 20, total: 40 } });
    await queue.retryJob(jobId);
    // Its progress too, as a new job's: the console's bar is the new run's from the start.
    expect(await queue.getJob(jobId)).toMatchObject({ status: "queued", attempts: 0, error: null, result_summary: null, progress: null });
  });

  it("names each retry's wake-up apart, also a second retry at the same lease epoch (retry, cancel before it ran, retry)", async () => {
    const tasks = new RecordingTasks();
    const engine = createEngine({ db, config: testConfig(), tasks });
    const { jobId } = await engine.queue.createJob(audit());
    const leased = await engine.queue.leaseById(jobId, "w");
    await finish(engine.queue, leased, engine.queue.failing(leased!.job, JobFailure.permanent("X", "x"), null));

    await engine.retry(jobId);
    await engine.cancel(jobId);
    await engine.retry(jobId);

    // Cloud Tasks refuses a task whose name was used recently: a second name alike would wake nothing.
    const names = tasks.tasks.map(wakeupTaskName);
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
    // The lease took epoch 1; each retry moved it on.
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "queued", lease_epoch: 3 });
  });

  it("a retry of a job whose attempts ran out while it applied its frozen plan, or handed to a person part-way, keeps the plan; other endings plan again", async () => {
    const queue = testQueue(db);
    const frozenThen = async (ending: (queue: JobQueue, leased: LeasedJob) => JobChange) => {
      const { jobId } = await queue.createJob({ ...audit(), max_attempts: 1 });
      const leased = await queue.leaseById(jobId, "w");
      const planId = await queue.savePlan(leased!.lease, { operations: [] });
      await finish(queue, leased, ending(queue, leased!));
      await queue.retryJob(jobId);
      return { job: await queue.getJob(jobId), planId };
    };
    // Its own next retry would have finished the plan: planning again from a half-changed catalog could leave the rest undone.
    const exhausted = await frozenThen((q, { job }) => q.failing(job, JobFailure.transient("FIRESTORE_UNAVAILABLE", "down"), null));
    expect(exhausted.job).toMatchObject({ status: "queued", attempts: 0, plan_id: exhausted.planId });
    const reviewed = await frozenThen((q, { job }) => q.failing(job, JobFailure.needsReview("TARGET_CHANGED", "changed"), null));
    expect(reviewed.job).toMatchObject({ status: "queued", plan_id: null });
    // Handed to a person part-way through the plan: the gate closed, or an operation failed after others.
    for (const code of [APPLY_DISABLED, PARTIALLY_APPLIED]) {
      const partWay = await frozenThen((q, { job }) => q.failing(job, JobFailure.needsReview(code, "part-way"), null));
      expect(partWay.job).toMatchObject({ status: "queued", plan_id: partWay.planId });
    }
  });

  it("the plan a retried deadletter job keeps is kept as long again; a plan already expired leaves the job to plan again", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const queue = testQueue(db, { now: () => now });
    const deadlettered = async () => {
      const { jobId } = await queue.createJob({ ...audit(), max_attempts: 1 });
      const leased = await queue.leaseById(jobId, "w");
      const planId = await queue.savePlan(leased!.lease, { operations: [] });
      await finish(queue, leased, queue.failing(leased!.job, JobFailure.transient("FIRESTORE_UNAVAILABLE", "down"), null));
      return { jobId, plan: db.collection(JOB_COLLECTIONS.jobs).doc(jobId).collection(JOB_COLLECTIONS.plans).doc(planId) };
    };
    const kept = await deadlettered();
    now = new Date("2026-03-25T00:00:00Z"); // days before the plan would expire
    await queue.retryJob(kept.jobId);
    expect(((await kept.plan.get()).get("expire_at") as Timestamp).toDate()).toEqual(queue.historyExpiry("jobsMs", now).toDate());

    const gone = await deadlettered();
    await gone.plan.delete(); // TTL deleted it
    expect(await queue.retryJob(gone.jobId)).toMatchObject({ status: "queued", plan_id: null });
  });

  it("a cancelled job carries no error: not the lock it last waited for", async () => {
    const queue = testQueue(db);
    const { jobId } = await queue.createJob(audit());
    const leased = await queue.leaseById(jobId, "w");
    await finish(
      queue,
      leased,
      queue.deferring(leased!.job, new Date(Date.now() + 60_000), { code: "LOCK_HELD", message: "busy", transient: true }, null),
    );
    expect(await queue.cancelJob(jobId)).toEqual({
      status: "cancelled",
      cancelRequested: false,
      alreadyRequested: false,
      parentJobId: null,
    });
    expect(await queue.getJob(jobId)).toMatchObject({ status: "cancelled", error: null });
  });

  it("cancels queued jobs at once and running jobs through cancel_requested", async () => {
    const queue = testQueue(db);
    const a = await queue.createJob(audit());
    expect(await queue.cancelJob(a.jobId)).toEqual({
      status: "cancelled",
      cancelRequested: false,
      alreadyRequested: false,
      parentJobId: null,
    });
    const b = await queue.createJob(audit());
    const leased = await queue.leaseById(b.jobId, "w");
    expect(await queue.cancelJob(b.jobId)).toEqual({
      status: "running",
      cancelRequested: true,
      alreadyRequested: false,
      parentJobId: null,
    });
    const asked = (await queue.jobRef(b.jobId).get()).updateTime!;
    // Asked again: said so, and nothing written (the holder's next write is not made to read the job again).
    expect(await queue.cancelJob(b.jobId)).toEqual({ status: "running", cancelRequested: true, alreadyRequested: true, parentJobId: null });
    expect((await queue.jobRef(b.jobId).get()).updateTime!.isEqual(asked)).toBe(true);
    expect((await queue.renewLease(leased!.lease)).cancelRequested).toBe(true);
  });
});

describeWithIsolation("leases under contention (real transaction isolation)", () => {
  it("20 workers with separate clients race for one job: exactly one wins, 10 rounds", async () => {
    const workers = Array.from({ length: 20 }, () => testQueue(newFirestore()));
    for (let round = 0; round < 10; round++) {
      const { jobId } = await workers[0].createJob(audit());
      // Each worker read the job (as its poll would) before any of them leases it.
      const candidates = await Promise.all(workers.map(async (q) => (await q.pollCandidates(LANES, 1)).candidates[0]));
      const results = await Promise.all(workers.map((q, i) => q.lease(candidates[i], `w${i}`)));
      const winners = results.filter((r) => r !== null && "lease" in r);
      expect(winners).toHaveLength(1);
      const job = await workers[0].getJob(jobId);
      expect(job).toMatchObject({ status: "running", attempts: 1, lease_epoch: 1, lease_owner: winners[0].lease.owner });
      await finish(workers[0], winners[0], workers[0].completing("succeeded_dry_run", {}, null));
    }
  });

  it("200 jobs, 10 concurrent polling workers spread over the head priority: each leased exactly once, in lane and priority order", async () => {
    const seed = testQueue(db);
    const base = Date.now() - 60_000;
    const batch = db.batch();
    for (let i = 0; i < 200; i++) {
      const lane = i % 4 === 0 ? "maintenance" : "priority";
      const at = Timestamp.fromMillis(base + i);
      batch.set(db.collection(JOB_COLLECTIONS.jobs).doc(`job-${String(i).padStart(3, "0")}`), {
        type: lane === "priority" ? "FAMILY_AUDIT" : "SCHEMA_CLEANUP",
        queue: lane,
        priority: ((i * 37) % 5) * 100,
        slot: Math.random(),
        status: "queued",
        payload: lane === "priority" ? { family_slug: "f", mode: "dry_run" } : { exercise_doc_ids: ["x"], mode: "dry_run" },
        dedup_key: null,
        attempts: 0,
        max_attempts: 5,
        run_after: at,
        lease_owner: null,
        lease_expires_at: null,
        lease_epoch: 0,
        created_at: at,
        updated_at: at,
        started_at: null,
        finished_at: null,
        created_by: "test",
        error: null,
        result_summary: null,
        progress: null,
        parent_job_id: null,
        shards: null,
        cancel_requested: false,
      });
    }
    await batch.commit();
    const leasedBy = new Map<string, string>();
    const sequence: { rank: number; seq: number }[] = [];
    let seq = 0;
    const rank = (job: { queue: string; priority: number }) => (job.queue === "priority" ? 10_000 : 0) + job.priority;
    await Promise.all(
      Array.from({ length: 10 }, async (_, w) => {
        const queue = testQueue(newFirestore());
        for (;;) {
          const leased = await leaseNext(queue, `w${w}`, true);
          if (!leased) return;
          expect(leasedBy.has(leased.job.id)).toBe(false);
          leasedBy.set(leased.job.id, `w${w}`);
          sequence.push({ rank: rank(leased.job), seq: seq++ });
          await finish(queue, leased, queue.completing("succeeded_dry_run", {}, null));
        }
      }),
    );
    expect(leasedBy.size).toBe(200);
    // Order: a job is never leased after a lower-ranked one by more than the in-flight window (10 workers).
    const inversions = sequence.filter((s, i) => sequence.slice(0, Math.max(0, i - 10)).some((earlier) => earlier.rank < s.rank));
    expect(inversions).toEqual([]);
    expect(await poll(seed)).toBeNull();
  });

  it("a worker whose lease was taken over cannot end its attempt or renew; the new owner can", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const clock = () => now;
    const queue = testQueue(db, { now: clock, leaseMs: 1000 });
    const { jobId } = await queue.createJob(audit());
    const first = await queue.leaseById(jobId, "old");
    // The old worker's lease is recovered (as the watchdog does): back to queued, epoch bumped.
    await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).update({ status: "queued", lease_owner: null, lease_epoch: 2 });
    now = new Date(now.getTime() + 5000);
    const second = await queue.leaseById(jobId, "new");
    expect(second?.lease.epoch).toBe(3);
    await expect(finish(queue, first, queue.completing("succeeded", {}, null))).rejects.toBeInstanceOf(LeaseLostError);
    await expect(finish(queue, first, queue.failing(first!.job, JobFailure.permanent("X", "x"), null))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await expect(queue.renewLease(first!.lease)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(queue.reportProgress(first!.lease, { done: 1, total: 2 })).rejects.toBeInstanceOf(LeaseLostError);
    await queue.renewLease(second!.lease);
    await finish(queue, second, queue.completing("succeeded", {}, null));
    expect(await queue.getJob(jobId)).toMatchObject({ status: "succeeded", lease_owner: null, lease_epoch: 3 });
  });

  it("two concurrent creates with the same dedup key leave one open job", async () => {
    for (let round = 0; round < 5; round++) {
      const queues = Array.from({ length: 8 }, () => testQueue(newFirestore()));
      const results = await Promise.all(queues.map((q) => q.createJob({ ...audit(), dedup_key: `key-${round}` })));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const winner = results.find((r) => r.created)!.jobId;
      expect(results.every((r) => r.jobId === winner)).toBe(true);
    }
    const open = await db.collection(JOB_COLLECTIONS.jobs).where("status", "==", "queued").get();
    expect(open.size).toBe(5);
  });
});

describe("a lease whose reply was lost", () => {
  afterEach(() => jest.restoreAllMocks());

  /** The first update that writes `field` goes as `first` sends it (`send` is the update itself); `hit` says it came. */
  function onFirstUpdateOf(field: string, first: (send: () => Promise<unknown>) => Promise<unknown>): { hit: boolean } {
    const { update } = DocumentReference.prototype as unknown as {
      update: (this: DocumentReference, ...args: unknown[]) => Promise<unknown>;
    };
    const seen = { hit: false };
    jest.spyOn(DocumentReference.prototype, "update").mockImplementation(async function (this: DocumentReference, ...args: unknown[]) {
      const send = () => update.apply(this, args);
      if (seen.hit || typeof args[0] !== "object" || args[0] === null || !(field in args[0])) return send();
      seen.hit = true;
      return first(send);
    } as never);
    return seen;
  }

  /**
   * The first update that writes `field` lands and is sent again, as the Firestore client resends a commit whose reply it lost;
   * `meanwhile` runs between the two.
   */
  const resendingFirstUpdateOf = (field: string, meanwhile?: () => Promise<unknown>) =>
    onFirstUpdateOf(field, async (send) => {
      await send();
      await meanwhile?.();
      return send();
    });

  /**
   * The first update that writes `field` fails with DEADLINE_EXCEEDED, which the Firestore client does not send again (nor
   * UNAVAILABLE once its resends ran out): `when` before it was sent, or after it landed, its reply lost.
   */
  const timingOutFirstUpdateOf = (field: string, when: "before" | "after") =>
    onFirstUpdateOf(field, async (send) => {
      if (when === "after") await send();
      throw Object.assign(new Error("4 DEADLINE_EXCEEDED: injected fault in an update"), { code: GrpcStatus.DEADLINE_EXCEEDED });
    });

  /** An engine whose FAMILY_AUDIT runs succeed at once, with the ids of the jobs it ran, in order. */
  function recordingRuns() {
    const runs: string[] = [];
    const registry = registryWith({
      FAMILY_AUDIT: {
        run: ({ job }) => {
          runs.push(job.id);
          return Promise.resolve({ kind: "completed", status: "succeeded_dry_run", summary: {} });
        },
      },
    });
    return { engine: createEngine({ db, config: testConfig(), tasks: new RecordingTasks(), registry }), runs };
  }

  it("is won, not lost to another process: its resend refused by the lease that landed, the job runs once", async () => {
    const { engine, runs } = recordingRuns();
    const { jobId } = await engine.queue.createJob(audit());
    const lease = resendingFirstUpdateOf("lease_owner");

    const reports = await engine.runLane("priority", { maxJobs: 1, budgetMs: 5_000 });

    expect(lease.hit).toBe(true);
    expect(reports.map((report) => report.status)).toEqual(["succeeded_dry_run"]);
    expect(runs).toEqual([jobId]);
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "succeeded_dry_run", attempts: 1, lease_epoch: 1, lease_owner: null });
  });

  it("and a cancel landed before its resend: the run finds the cancel at its next write and stops", async () => {
    const registry = registryWith({
      FAMILY_AUDIT: {
        run: async ({ ctx, engine }) => {
          await engine.reportProgress({ done: 1, total: 2 });
          ctx.signal.throwIfAborted();
          return { kind: "completed", status: "succeeded_dry_run", summary: {} };
        },
      },
    });
    const engine = createEngine({ db, config: testConfig(), tasks: new RecordingTasks(), registry });
    const { jobId } = await engine.queue.createJob(audit());
    const lease = resendingFirstUpdateOf("lease_owner", () => engine.queue.cancelJob(jobId));

    const reports = await engine.runLane("priority", { maxJobs: 1, budgetMs: 5_000 });

    expect(lease.hit).toBe(true);
    expect(reports.map((report) => report.status)).toEqual(["cancelled"]);
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "cancelled", cancel_requested: true, attempts: 1 });
  });

  it("a cancel at the lease of a job whose cancel was asked for is known to have landed: its resend refused by it, the job cancelled", async () => {
    const queue = testQueue(db);
    const { jobId } = await queue.createJob(audit());
    await queue.jobRef(jobId).update({ cancel_requested: true });
    const [candidate] = (await queue.pollCandidates(LANES, 20)).candidates;
    const cancel = resendingFirstUpdateOf("finished_at");

    const outcome = await queue.lease(candidate, "w");

    expect(cancel.hit).toBe(true);
    expect(outcome).toMatchObject({ cancelled: { id: jobId, status: "cancelled" } });
    expect(await queue.getJob(jobId)).toMatchObject({ status: "cancelled", attempts: 0 });
  });

  it("is won when its commit landed but failed without a refusal (DEADLINE_EXCEEDED): the job runs once, no lease_expired attempt", async () => {
    const { engine, runs } = recordingRuns();
    const { jobId } = await engine.queue.createJob(audit());
    const lease = timingOutFirstUpdateOf("lease_owner", "after");

    const reports = await engine.runLane("priority", { maxJobs: 1, budgetMs: 5_000 });

    expect(lease.hit).toBe(true);
    expect(reports.map((report) => report.status)).toEqual(["succeeded_dry_run"]);
    expect(runs).toEqual([jobId]);
    expect(await engine.queue.getJob(jobId)).toMatchObject({ status: "succeeded_dry_run", attempts: 1, lease_epoch: 1, lease_owner: null });
    const attempts = await engine.queue.jobRef(jobId).collection(JOB_COLLECTIONS.attempts).get();
    expect(attempts.docs.map((doc) => doc.get("status") as string)).toEqual(["succeeded_dry_run"]);
  });

  it("that failed without a refusal and did not land still fails: the job waits for the next poll", async () => {
    const queue = testQueue(db);
    const { jobId } = await queue.createJob(audit());
    const [candidate] = (await queue.pollCandidates(LANES, 20)).candidates;
    timingOutFirstUpdateOf("lease_owner", "before");

    await expect(queue.lease(candidate, "w")).rejects.toMatchObject({ code: GrpcStatus.DEADLINE_EXCEEDED });
    expect(await queue.getJob(jobId)).toMatchObject({ status: "queued", attempts: 0, lease_owner: null });
  });

  it("a cancel at the lease whose commit landed but failed without a refusal is known to have landed: the job cancelled", async () => {
    const queue = testQueue(db);
    const { jobId } = await queue.createJob(audit());
    await queue.jobRef(jobId).update({ cancel_requested: true });
    const [candidate] = (await queue.pollCandidates(LANES, 20)).candidates;
    const cancel = timingOutFirstUpdateOf("finished_at", "after");

    const outcome = await queue.lease(candidate, "w");

    expect(cancel.hit).toBe(true);
    expect(outcome).toMatchObject({ cancelled: { id: jobId, status: "cancelled" } });
    expect(await queue.getJob(jobId)).toMatchObject({ status: "cancelled", attempts: 0 });
  });
});

describe("a child's lease that finds its parent cancelled", () => {
  afterEach(() => jest.restoreAllMocks());

  /** A child of a parent cancelled after it was made, the cancel's step for its children never run (a crash); the child's candidate. */
  async function childOfCancelledParent(queue: JobQueue) {
    const parent = await queue.createJob(audit("squat"));
    const { jobId } = await queue.createJob({ ...audit(), parent_job_id: parent.jobId });
    await queue.cancelJob(parent.jobId);
    const [candidate] = (await queue.pollCandidates(LANES, 20)).candidates;
    expect(candidate.job.id).toBe(jobId);
    return { parentId: parent.jobId, jobId, candidate };
  }

  it("leases the child when an operator's retry queues the parent between the lease's read of it and the cancel", async () => {
    const clock = movableClock();
    const queue = testQueue(db, { now: clock.now });
    const { parentId, jobId, candidate } = await childOfCancelledParent(queue);
    const readParent = queue.parentCancelledSinceQueued.bind(queue);
    const seen: boolean[] = [];
    jest.spyOn(queue, "parentCancelledSinceQueued").mockImplementationOnce(async (child) => {
      seen.push(await readParent(child));
      // The retry a second after the cancel: it queues the parent, whose children are then left to run.
      clock.advance(1_000);
      await queue.retryJob(parentId);
      return seen[0];
    });

    const outcome = await queue.lease(candidate, "w");

    expect(seen).toEqual([true]);
    expect(outcome).toMatchObject({ job: { id: jobId, status: "running" } });
    expect((await queue.jobRef(jobId).get()).data()).toMatchObject({ status: "running", lease_owner: "w", finished_at: null });
    expect((await queue.jobRef(jobId).get()).get(CANCELLED_WITH_PARENT)).toBeUndefined();
    expect(await queue.getJob(parentId)).toMatchObject({ status: "queued" });
  });

  it("cancels the child as its parent's once, though the cancel's transaction's reply was lost (the Firestore client runs it again)", async () => {
    const queue = testQueue(db);
    const { jobId, candidate } = await childOfCancelledParent(queue);
    const lost = losingTransactionReplies();

    const outcome = await queue.lease(candidate, "w");

    expect(lost.reruns).toBe(1);
    expect(outcome).toMatchObject({ cancelled: { id: jobId, status: "cancelled" } });
    expect((await queue.jobRef(jobId).get()).data()).toMatchObject({ status: "cancelled", attempts: 0, [CANCELLED_WITH_PARENT]: true });
  });
});

describe("an operator's retry or cancel whose transaction's reply was lost (the Firestore client runs it again)", () => {
  afterEach(() => jest.restoreAllMocks());

  async function failedJob(queue: JobQueue): Promise<string> {
    const { jobId } = await queue.createJob(audit());
    const leased = await queue.leaseById(jobId, "w");
    await finish(queue, leased, queue.failing(leased!.job, JobFailure.permanent("X", "x"), null));
    return jobId;
  }

  it("a retry is answered as done, not refused by the job it queued, and queues it once", async () => {
    const queue = testQueue(db);
    const jobId = await failedJob(queue);
    const lost = losingTransactionReplies();

    const retried = await queue.retryJob(jobId);

    expect(lost.reruns).toBe(1);
    expect(retried).toMatchObject({ id: jobId, status: "queued", attempts: 0, lease_epoch: 2 });
    expect(await queue.getJob(jobId)).toMatchObject({ status: "queued", lease_epoch: 2, requeued_at: retried.requeued_at });
  });

  it("a retry whose commit did not land, run again after another operator's retry landed, is refused", async () => {
    const at = Date.parse("2026-01-01T00:00:00Z");
    const mine = testQueue(db, { now: () => new Date(at) });
    const theirs = testQueue(db, { now: () => new Date(at + 1) });
    const jobId = await failedJob(mine);
    abortingNextTransaction(() => theirs.retryJob(jobId));

    await expect(mine.retryJob(jobId)).rejects.toBeInstanceOf(InvalidTransitionError);
    expect(await mine.getJob(jobId)).toMatchObject({ status: "queued", lease_epoch: 2, requeued_at: new Date(at + 1) });
  });

  it("a cancel of a waiting job is answered as done, not refused by the job it cancelled", async () => {
    const queue = testQueue(db);
    const { jobId } = await queue.createJob(audit());
    const lost = losingTransactionReplies();

    expect(await queue.cancelJob(jobId)).toEqual({
      status: "cancelled",
      cancelRequested: false,
      alreadyRequested: false,
      parentJobId: null,
    });
    expect(lost.reruns).toBe(1);
  });

  it("a cancel of a running job is answered as the ask it made, not as one asked before", async () => {
    const queue = testQueue(db);
    const { jobId } = await queue.createJob(audit());
    await queue.leaseById(jobId, "w");
    const lost = losingTransactionReplies();

    expect(await queue.cancelJob(jobId)).toEqual({ status: "running", cancelRequested: true, alreadyRequested: false, parentJobId: null });
    expect(lost.reruns).toBe(1);
  });
});

describe("client cancellation of a waiting job", () => {
  it("is honoured at lease time instead of running the job", async () => {
    const queue = testQueue(db);
    const { jobId } = await queue.createJob(audit());
    await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).update({ cancel_requested: true });
    expect(await queue.leaseById(jobId, "w")).toBeNull();
    expect(await queue.getJob(jobId)).toMatchObject({ status: "cancelled", attempts: 0 });
  });

  it("a job an operator cancelled before intake took it in stays cancelled when the create trigger comes late", async () => {
    const queue = testQueue(db);
    const written = await db.collection(JOB_COLLECTIONS.jobs).add({ ...audit(), status: "queued", created_at: Timestamp.now() });
    const delivered = await written.get();
    expect(await queue.cancelJob(written.id)).toEqual({
      status: "cancelled",
      cancelRequested: false,
      alreadyRequested: false,
      parentJobId: null,
    });
    expect(await queue.takeIn(delivered, "u1")).toEqual({ outcome: "not_queued", status: "cancelled" });
    expect((await written.get()).data()).toMatchObject({
      status: "cancelled",
      attempts: 0,
      lease_epoch: 0,
      finished_at: expect.any(Timestamp),
    });
  });

  it("a valid client document cancelled before intake is taken in as intake would (the rules-checked creator), so an operator can retry it", async () => {
    const queue = testQueue(db);
    const written = await db
      .collection(JOB_COLLECTIONS.jobs)
      .add({ ...audit(), status: "queued", created_at: Timestamp.now(), created_by: "u1" });
    await queue.cancelJob(written.id);
    expect(await queue.getJob(written.id)).toMatchObject({ status: "cancelled", queue: "priority", created_by: "u1", max_attempts: 5 });
    expect(await queue.retryJob(written.id)).toMatchObject({ status: "queued", attempts: 0 });
    expect(await queue.leaseById(written.id, "w")).not.toBeNull();
  });

  it("an invalid one is cancelled as it is: nothing to retry", async () => {
    const queue = testQueue(db);
    const written = await db
      .collection(JOB_COLLECTIONS.jobs)
      .add({ type: "FAMILY_AUDIT", payload: {}, status: "queued", created_at: Timestamp.now() });
    await queue.cancelJob(written.id);
    expect((await written.get()).get("run_after")).toBeUndefined();
    await expect(queue.retryJob(written.id)).rejects.toThrow("never taken in: write a new job");
  });

  it("a client's document without a status is cancelled as the queued job it asks for", async () => {
    const queue = testQueue(db);
    const written = await db.collection(JOB_COLLECTIONS.jobs).add({ ...audit(), created_at: Timestamp.now() });
    expect(await queue.cancelJob(written.id)).toEqual({
      status: "cancelled",
      cancelRequested: false,
      alreadyRequested: false,
      parentJobId: null,
    });
    expect(await queue.takeIn(await written.get(), "u1")).toEqual({ outcome: "not_queued", status: "cancelled" });
  });
});
