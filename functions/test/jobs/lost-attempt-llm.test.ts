/**
 * The LLM usage of an attempt whose lease was lost while its worker ran on: the worker, which alone
 * knows it, adds it to the run summary the watchdog wrote for that attempt, to that day's totals and
 * to the job's `llm_usage`, once.
 */
import { Timestamp } from "firebase-admin/firestore";
import { createEngine } from "../../src/create-engine";
import { registry } from "../../src/handlers";
import { AttemptLog } from "../../src/jobs/attempt-log";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { childJobId } from "../../src/jobs/flows";
import type { HandlerInput, HandlerOutcome } from "../../src/jobs/handler";
import { dayKey, runSummaryId } from "../../src/jobs/run-history";
import { recordLostAttemptLlm } from "../../src/jobs/worker";
import { FakeLlmClient } from "../../src/llm/index";
import type { LlmClient, LlmRequest, LlmResult } from "../../src/llm/types";
import { exerciseFixture, seedCatalog } from "../helpers/catalog";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { registryWith } from "../helpers/registry";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();
const jobs = () => db.collection(JOB_COLLECTIONS.jobs);
const SPEC = { spec_id: "content", spec_version: 1 };
const thin = (n: number) => Array.from({ length: n }, (_, i) => exerciseFixture(`Test Press ${i + 1} (Dumbbell)`, ["dumbbell"]));

/** An LLM client that counts the model calls billed and calls `afterAnswer` with the number of each answered request. */
class HookedLlm implements LlmClient {
  readonly provider = "fake";
  answered = 0;
  billed = 0;
  constructor(
    private readonly inner: LlmClient,
    private readonly afterAnswer: (request: number) => Promise<void>,
  ) {}
  async generateJson<T>(request: LlmRequest<T>): Promise<LlmResult<T>> {
    const result = await this.inner.generateJson(request);
    this.billed += result.usage.calls;
    await this.afterAnswer(++this.answered);
    return result;
  }
}

/** The lease of `jobId` runs out (its process paused) and the watchdog takes it back. */
async function expireAndRecover(engine: ReturnType<typeof createEngine>, jobId: string): Promise<void> {
  await jobs()
    .doc(jobId)
    .update({ lease_expires_at: Timestamp.fromMillis(Date.now() - 1000) });
  await engine.runWatchdog();
}

async function runSummaryOfEpoch(jobId: string, epoch: number): Promise<FirebaseFirestore.DocumentData> {
  const job = (await jobs().doc(jobId).get()).data()!;
  const createdAt = (job.created_at as Timestamp).toDate();
  return (
    await db
      .collection(JOB_COLLECTIONS.runSummaries)
      .doc(runSummaryId(jobId, createdAt, epoch))
      .get()
  ).data()!;
}

const today = () => dayKey(new Date());
/** One LLM call's usage but for its billed model calls. */
const USAGE = { model: "fake", input_tokens: 100, output_tokens: 10, latency_ms: 1, estimated_cost_usd: 0.001 };

/**
 * A CATALOG_ENRICH_FIELD of 4 thin exercises in one shard, its parent run (the shard created); `afterThirdAnswer`
 * happens to the shard while the third LLM answer comes back. No heartbeat beats while a test runs: a lease run out
 * by writing `lease_expires_at` (its process paused) still holds by its worker's clock, so a beat before the watchdog
 * or the worker's next write would renew it.
 */
async function oneShard(afterThirdAnswer: (engine: ReturnType<typeof createEngine>, shardId: string) => Promise<unknown>) {
  await seedCatalog(db, { exercises: thin(4) });
  let shardId = "";
  const llm = new HookedLlm(new FakeLlmClient(), async (answered) => {
    if (answered === 3) await afterThirdAnswer(engine, shardId);
  });
  const config = testConfig({ applyEnabled: true, shardSize: 4, enrichConcurrency: 1, heartbeatMs: 60_000 });
  const engine = createEngine({ db, config, tasks: new RecordingTasks(), registry, llm });
  const { jobId } = await engine.queue.createJob({
    type: "CATALOG_ENRICH_FIELD",
    payload: { mode: "apply", enrichment_spec: SPEC },
    created_by: "test",
  });
  await engine.worker("w").run((await engine.queue.leaseById(jobId, "w"))!);
  shardId = childJobId(jobId, 1);
  return { engine, llm, shardId };
}

describeWithIsolation("LLM usage of an attempt whose lease was lost", () => {
  it("an enrichment shard's first attempt, taken back by the watchdog mid-run, counts its LLM calls in the shard, its run and the day", async () => {
    // The third answer comes back after the lease ran out (its process paused) and the watchdog took it back.
    const { engine, llm, shardId } = await oneShard(expireAndRecover);

    const first = await engine.worker("w1").run((await engine.queue.leaseById(shardId, "w1"))!);
    const billedByFirst = llm.billed;
    await jobs().doc(shardId).update({ run_after: Timestamp.now() });
    const second = await engine.worker("w2").run((await engine.queue.leaseById(shardId, "w2"))!);

    expect([first.status, second.status]).toEqual(["lease_lost", "succeeded"]);
    expect([billedByFirst, llm.billed]).toEqual([3, 5]);
    const shard = (await jobs().doc(shardId).get()).data()!;
    expect(shard.llm_usage.calls).toBe(5);
    const lostRun = await runSummaryOfEpoch(shardId, first.leaseEpoch);
    expect(lostRun).toMatchObject({ attempt: 1, attempt_status: "lease_expired", worker_id: "w1", llm: { calls: 3 } });
    const lostAttempt = (await jobs().doc(shardId).collection(JOB_COLLECTIONS.attempts).doc(String(first.leaseEpoch)).get()).data()!;
    expect(lostAttempt.status).toBe("lease_expired");
    expect((lostAttempt.llm_calls as { calls: number }[]).reduce((sum, call) => sum + call.calls, 0)).toBe(3);
    const day = await engine.history.getDailySummary(today());
    expect(day.llm_calls).toBe(5);
  });

  it("an enrichment shard whose lease ran out mid-run, not taken back yet, is ended by its worker, which counts its calls", async () => {
    // The third answer comes back after the lease ran out (its process paused); no watchdog has run.
    const { engine, llm, shardId } = await oneShard((_engine, shardId) =>
      jobs()
        .doc(shardId)
        .update({ lease_expires_at: Timestamp.fromMillis(Date.now() - 1000) }),
    );

    const first = await engine.worker("w1").run((await engine.queue.leaseById(shardId, "w1"))!);
    const billedByFirst = llm.billed;
    // Ended as the watchdog would have: queued again, the attempt used, its lease and locks given up.
    expect(first).toMatchObject({ status: "queued", error: { code: "LEASE_EXPIRED", transient: true } });
    expect((await jobs().doc(shardId).get()).data()).toMatchObject({ status: "queued", lease_owner: null, attempts: 1 });
    expect(await engine.runWatchdog()).toMatchObject({ expired_leases_recovered: 0 });
    const endedRun = await runSummaryOfEpoch(shardId, first.leaseEpoch);
    expect(endedRun).toMatchObject({ attempt: 1, worker_id: "w1", llm: { calls: billedByFirst } });

    await jobs().doc(shardId).update({ run_after: Timestamp.now() });
    const second = await engine.worker("w2").run((await engine.queue.leaseById(shardId, "w2"))!);
    expect(second.status).toBe("succeeded");
    expect((await jobs().doc(shardId).get()).get("llm_usage.calls")).toBe(llm.billed);
    expect((await engine.history.getDailySummary(today())).llm_calls).toBe(llm.billed);
  });

  describe("recorded by the worker directly", () => {
    const completed: HandlerOutcome = { kind: "completed", status: "succeeded_dry_run", summary: {} };
    /** An engine whose FAMILY_AUDIT runs `run` (by default: completes at once). */
    const engineWith = (run: (input: HandlerInput) => Promise<HandlerOutcome> = () => Promise.resolve(completed)) =>
      createEngine({ db, config: testConfig(), tasks: new RecordingTasks(), registry: registryWith({ FAMILY_AUDIT: { run } }) });

    /** A leased job whose attempt made two LLM calls (3 billed model calls). */
    async function leasedWithCalls(engine: ReturnType<typeof engineWith>) {
      const { jobId } = await engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
      const { job, lease } = (await engine.queue.leaseById(jobId, "w1"))!;
      const attempt = new AttemptLog(
        { jobId, attempt: job.attempts, workerId: lease.owner, leaseEpoch: lease.epoch, startedAt: job.started_at! },
        () => new Date(),
      );
      attempt.llmCall("audit", { ...USAGE, calls: 2 });
      attempt.llmCall("audit", { ...USAGE, calls: 1 });
      return { jobId, job, lease, attempt };
    }

    it("adds the usage once, however often it is called, and leaves the job's status and lease as the watchdog left them", async () => {
      const engine = engineWith();
      const { jobId, job, lease, attempt } = await leasedWithCalls(engine);
      await expireAndRecover(engine, jobId);
      const recovered = (await jobs().doc(jobId).get()).data()!;

      const outcomes = await Promise.all([1, 2].map(() => recordLostAttemptLlm(engine, job, lease, attempt)));
      outcomes.push(await recordLostAttemptLlm(engine, job, lease, attempt));

      expect([...outcomes].sort()).toEqual(["added", "counted_already", "counted_already"]);
      const after = (await jobs().doc(jobId).get()).data()!;
      expect(after.llm_usage).toEqual({ calls: 3, input_tokens: 200, output_tokens: 20, estimated_cost_usd: 0.002 });
      for (const field of ["status", "lease_owner", "lease_epoch", "lease_expires_at", "attempts", "run_after", "error"])
        expect(after[field]).toEqual(recovered[field]);
      expect((await runSummaryOfEpoch(jobId, lease.epoch)).llm).toEqual(after.llm_usage);
      const day = await engine.history.getDailySummary(today());
      expect(day).toMatchObject({ runs: 1, llm_calls: 3, llm_input_tokens: 200, llm_output_tokens: 20 });
    });

    it("adds nothing before the watchdog ended the attempt: there is no run summary to add to yet", async () => {
      const engine = engineWith();
      const { jobId, job, lease, attempt } = await leasedWithCalls(engine);
      await jobs()
        .doc(jobId)
        .update({ lease_expires_at: Timestamp.fromMillis(Date.now() - 1000) });

      expect(await recordLostAttemptLlm(engine, job, lease, attempt)).toBe("not_ended");

      expect((await jobs().doc(jobId).get()).get("llm_usage")).toBeNull();
      expect((await engine.history.getDailySummary(today())).llm_calls).toBe(0);
    });

    it("once a later attempt holds the job, adds it to the job as well, and that attempt's end adds its own to it", async () => {
      const engine = engineWith(({ attempt }) => {
        attempt.llmCall("audit", { ...USAGE, calls: 1 });
        return Promise.resolve(completed);
      });
      const { jobId, job, lease, attempt } = await leasedWithCalls(engine);
      await expireAndRecover(engine, jobId);
      await jobs().doc(jobId).update({ run_after: Timestamp.now() });
      const later = (await engine.queue.leaseById(jobId, "w2"))!;

      expect(await recordLostAttemptLlm(engine, job, lease, attempt)).toBe("added");

      expect((await jobs().doc(jobId).get()).data()).toMatchObject({ status: "running", lease_owner: "w2", llm_usage: { calls: 3 } });
      expect((await runSummaryOfEpoch(jobId, lease.epoch)).llm.calls).toBe(3);
      // The later attempt's final write, conditioned on its lease, finds the usage added and adds its own call.
      await engine.worker("w2").run(later);
      const ended = (await jobs().doc(jobId).get()).data()!;
      expect(ended).toMatchObject({
        status: "succeeded_dry_run",
        llm_usage: { calls: 4, input_tokens: 300 },
        result_summary: { llm: { calls: 4 } },
      });
      expect((await runSummaryOfEpoch(jobId, later.lease.epoch)).llm.calls).toBe(1);
      expect((await engine.history.getDailySummary(today())).llm_calls).toBe(4);
    });

    it("a later attempt whose earlier write (its progress) found the usage added keeps it at its end", async () => {
      let recordLost = async (): Promise<unknown> => undefined;
      const engine = engineWith(async ({ engine: scope }) => {
        await recordLost();
        await scope.reportProgress({ done: 1, total: 2 });
        return completed;
      });
      const { jobId, job, lease, attempt } = await leasedWithCalls(engine);
      await expireAndRecover(engine, jobId);
      await jobs().doc(jobId).update({ run_after: Timestamp.now() });
      recordLost = () => recordLostAttemptLlm(engine, job, lease, attempt);

      await engine.worker("w2").run((await engine.queue.leaseById(jobId, "w2"))!);

      expect((await jobs().doc(jobId).get()).data()).toMatchObject({ status: "succeeded_dry_run", llm_usage: { calls: 3 } });
    });
  });
});
