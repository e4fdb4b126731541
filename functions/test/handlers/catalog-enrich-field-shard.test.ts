import { Timestamp } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { followUpJobId } from "../../src/jobs/handler";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { ENRICH_CALL } from "../../src/enrichment/llm-calls";
import type { EnrichmentSpec } from "../../src/enrichment/spec";
import { JobCancelledError, JobFailure, LeaseLostError, toJobFailure } from "../../src/jobs/errors";
import type { HandlerOutcome } from "../../src/jobs/handler";
import { registry } from "../../src/handlers";
import { enrichShardHandler } from "../../src/handlers/catalog-enrich-field-shard";
import { EXERCISE_RESULTS } from "../../src/enrichment/shard-ledger";
import { FakeLlmClient, type FakeScriptStep, LlmError } from "../../src/llm/index";
import type { LlmClient, LlmRequest, LlmResult } from "../../src/llm/types";
import { fakeEnrichment } from "../../src/llm/fake-enrichment";
import { type ExerciseFixture, exerciseFixture, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { captureLogs } from "../helpers/logs";
import { currentLogFields } from "../../src/util/log";
import {
  type TestDeps,
  type TestHandlerInput,
  leaseAgainForTest,
  leaseForTest,
  makeTestDeps,
  retryForTest,
  runHandler,
} from "../helpers/engine";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { DEMO_EXERCISES } from "../../src/catalog/demo-catalog";
import { family, otherJobs, runJob } from "./support";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";

const db = useFirestore();

const SPEC: EnrichmentSpec = { spec_id: "content", spec_version: 1 };

/** Exercises with identity, muscles and a short description: enrichment fills the rest. */
function thinExercises(count: number): ExerciseFixture[] {
  return Array.from({ length: count }, (_, i) => exerciseFixture(`Test Press ${i + 1} (Dumbbell)`, ["dumbbell"]));
}

/** The fake LLM with something happening in the world while it "thinks". */
class InterceptedLlm implements LlmClient {
  readonly provider = "fake";
  constructor(
    private readonly inner: FakeLlmClient,
    private readonly beforeCall: (req: LlmRequest<unknown>) => Promise<void>,
    private readonly afterCall: () => void = () => undefined,
  ) {}
  async generateJson<T>(req: LlmRequest<T>): Promise<LlmResult<T>> {
    try {
      await this.beforeCall(req);
      return await this.inner.generateJson(req);
    } finally {
      this.afterCall();
    }
  }
}

interface ShardSetup {
  llm: FakeLlmClient;
  input: TestHandlerInput;
  exercises: ExerciseFixture[];
}

async function setUpShard(options: {
  exercises: ExerciseFixture[];
  ids?: string[];
  script?: FakeScriptStep[];
  mode?: "apply" | "dry_run";
  spec?: EnrichmentSpec;
  applyEnabled?: boolean;
  concurrency?: number;
  /** What `deps.llmNotConfigured()` answers (deployed functions without an LLM). */
  llmNotConfigured?: LlmError;
  /** Runs before each LLM call is answered. */
  beforeCall?: (req: LlmRequest<unknown>) => Promise<void>;
  /** Runs when each LLM call has ended, answered or not (with `beforeCall` only). */
  afterCall?: () => void;
}): Promise<ShardSetup> {
  await seedCatalog(db, { exercises: options.exercises });
  const llm = new FakeLlmClient({ script: options.script });
  const client: LlmClient = options.beforeCall ? new InterceptedLlm(llm, options.beforeCall, options.afterCall) : llm;
  const deps = makeTestDeps(db, {
    applyEnabled: options.applyEnabled ?? true,
    llm: () => client,
    config: { enrichConcurrency: options.concurrency ?? 4 },
    llmNotConfigured: () => options.llmNotConfigured,
  });
  const input = await leaseForTest(deps, {
    type: "CATALOG_ENRICH_FIELD_SHARD",
    payload: {
      mode: options.mode ?? "apply",
      parent_job_id: "parent-1",
      exercise_doc_ids: options.ids ?? options.exercises.map((exercise) => exercise.id),
      enrichment_spec: options.spec ?? SPEC,
    },
  });
  return { llm, input, exercises: options.exercises };
}

const run = (input: TestHandlerInput) => runHandler(enrichShardHandler, input);
const exerciseOf = async (id: string) => (await db.collection(CATALOG_COLLECTIONS.exercises).doc(id).get()).data();
const journalOf = async (jobId: string) =>
  (await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", jobId).get()).docs.map((doc) => doc.data());
const ledgerOf = async (jobId: string) =>
  (await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).collection(EXERCISE_RESULTS).get()).docs.map((doc) => doc.id);
/** The exercise each enrichment call was about. */
const enrichedIds = (llm: FakeLlmClient) =>
  llm.calls
    .filter((call) => call.task === ENRICH_CALL.task)
    .map((call) => String((call.context?.exercise as { name_slug: string }).name_slug));

function summaryOf(outcome: HandlerOutcome): Record<string, unknown> {
  if (outcome.kind !== "completed") throw new Error(`expected a completed outcome, got ${outcome.kind}`);
  return outcome.summary;
}

/** Ends the attempt of `input` with `outcome`, as the worker would. */
async function endAttempt(input: TestHandlerInput, outcome: HandlerOutcome): Promise<void> {
  if (outcome.kind !== "completed") throw new Error(`expected a completed outcome, got ${outcome.kind}`);
  const { queue } = input.deps;
  await queue.endAttempt(input.lease, {
    ...queue.completing(outcome.status, outcome.summary, outcome.error ?? null),
    bookkeeping: () => undefined,
  });
}

/** Runs every queued FAMILY_NORMALIZE to its end, as the worker would (its family lock aside); returns how many ran. */
async function runRefreshes(deps: TestDeps): Promise<number> {
  const queued = await db.collection(JOB_COLLECTIONS.jobs).where("type", "==", "FAMILY_NORMALIZE").where("status", "==", "queued").get();
  for (const doc of queued.docs) {
    const refresh = await leaseAgainForTest(deps, doc.id, "refresh-worker");
    await endAttempt(refresh, await registry.handlerFor("FAMILY_NORMALIZE").run(refresh));
  }
  return queued.size;
}

/** The built-in enrichment for `count` calls, then `after` (an error or a side effect). */
function enrichThen(count: number, after: (req: LlmRequest<unknown>) => unknown): FakeScriptStep {
  let answered = 0;
  return {
    match: { task: ENRICH_CALL.task },
    respond: (req: LlmRequest<unknown>) =>
      answered++ < count ? fakeEnrichment(req.context?.exercise as Record<string, unknown>) : after(req),
  };
}

describeWithIsolation("CATALOG_ENRICH_FIELD_SHARD", () => {
  it("enriches and applies every exercise once, journaled, with progress and LLM usage", async () => {
    const { llm, input, exercises } = await setUpShard({ exercises: thinExercises(6) });
    const outcome = await run(input);

    expect(outcome).toMatchObject({
      kind: "completed",
      status: "succeeded",
      summary: {
        exercises_total: 6,
        exercises_succeeded: 6,
        exercises_failed: 0,
        exercises_no_change: 0,
        exercises_skipped: 0,
        applied: 6,
        scanner_fail: 0,
        // No patch set equipment: no family registry to recompute.
        registry_refreshes: { jobs_created: 0, jobs_would_create: 0 },
      },
    });
    expect(enrichedIds(llm).sort()).toEqual(exercises.map((e) => e.name_slug).sort());
    for (const exercise of exercises) {
      const stored = (await exerciseOf(exercise.id))!;
      expect(stored.execution_notes.length).toBeGreaterThanOrEqual(4);
      expect(stored.movement).toEqual({ type: expect.any(String), split: expect.any(String) });
      expect(stored).toMatchObject({
        name: exercise.name,
        name_slug: exercise.name_slug,
        family_slug: exercise.family_slug,
        status: "approved",
      });
    }
    expect(await journalOf(input.job.id)).toHaveLength(6);
    expect((await ledgerOf(input.job.id)).sort()).toEqual(exercises.map((e) => e.id).sort());
    expect((await input.deps.queue.getJob(input.job.id))!.progress).toEqual({ done: 6, total: 6 });
    expect(input.attempt.llmTotals()).toMatchObject({ calls: 6 });
    expect(input.attempt.llmTotals().input_tokens).toBeGreaterThan(0);
  });

  it("never has more than enrichConcurrency LLM calls in flight", async () => {
    const limit = 3;
    let inFlight = 0;
    let most = 0;
    // Every call waits at the gate until `limit` calls are in flight together, so the limit is reached
    // however the calls are timed. The gate then stays shut a moment longer: a handler that ignored
    // the limit would start another call meanwhile (a handler that keeps to it cannot, however long).
    let open!: () => void;
    let giveUp!: (err: Error) => void;
    const gate = new Promise<void>((resolve, reject) => {
      open = resolve;
      giveUp = reject;
    });
    gate.catch(() => undefined); // awaited below; the calls waiting at it fail with it too
    let full = false;
    const { input } = await setUpShard({
      exercises: thinExercises(8),
      concurrency: limit,
      beforeCall: async () => {
        most = Math.max(most, ++inFlight);
        if (inFlight === limit && !full) {
          full = true;
          setTimeout(open, 100);
        }
        await gate;
      },
      afterCall: () => void inFlight--,
    });
    const tooFew = setTimeout(
      () => giveUp(new Error(`the LLM calls never reached ${limit} in flight together (at most ${most}) within 20 s`)),
      20_000,
    );
    let outcome: HandlerOutcome;
    try {
      outcome = await run(input);
    } finally {
      clearTimeout(tooFew);
      await gate; // the limit never reached fails with the message above, whatever the handler made of it
    }
    expect(most).toBe(limit); // reached, and never more
    expect(outcome).toMatchObject({ status: "succeeded", summary: { exercises_succeeded: 8 } });
  });

  it("names the exercise on every log line written while it is enriched, its LLM call's among them", async () => {
    const exercises = thinExercises(3);
    const byCall: Array<{ exercise: string; logged: unknown }> = [];
    const { input } = await setUpShard({
      exercises,
      concurrency: 3,
      beforeCall: (req) => {
        byCall.push({
          exercise: String((req.context?.exercise as { name_slug: string }).name_slug),
          logged: currentLogFields().exercise_id,
        });
        return Promise.resolve();
      },
    });
    expect(await run(input)).toMatchObject({ status: "succeeded" });
    const slugOf = new Map(exercises.map((exercise) => [exercise.id, exercise.name_slug]));
    expect(byCall.map(({ exercise, logged }) => [exercise, slugOf.get(String(logged))])).toEqual(
      byCall.map(({ exercise }) => [exercise, exercise]),
    );
    expect(byCall).toHaveLength(3);
  });

  it("previews in a dry run: the LLM is called, nothing is written but the ledger of what it previewed", async () => {
    const { llm, input, exercises } = await setUpShard({ exercises: thinExercises(3), mode: "dry_run", applyEnabled: false });
    const before = await snapshotCatalog(db);
    const outcome = await run(input);
    expect(outcome).toMatchObject({ status: "succeeded_dry_run", summary: { mode: "dry_run", exercises_succeeded: 3, applied: 0 } });
    expect(summaryOf(outcome).changes_preview).toEqual(
      expect.arrayContaining([expect.stringMatching(/^patch_fields exercises\/.*execution_notes/)]),
    );
    expect(llm.calls).toHaveLength(3);
    expect(await snapshotCatalog(db)).toBe(before);
    expect(await journalOf(input.job.id)).toEqual([]);
    expect((await ledgerOf(input.job.id)).sort()).toEqual(exercises.map((e) => e.id).sort());
  });

  it("refuses apply mode while apply is disabled, before any LLM call", async () => {
    const { llm, input } = await setUpShard({ exercises: thinExercises(2), applyEnabled: false });
    expect(await run(input)).toMatchObject({ status: "needs_review", error: { code: "APPLY_DISABLED" } });
    expect(llm.calls).toEqual([]);
  });

  it("fails LLM_NOT_CONFIGURED without an LLM, before any LLM call, ledger entry or write", async () => {
    const notConfigured = new LlmError("LLM_NOT_CONFIGURED", "no LLM is configured for the deployed functions");
    const { llm, input } = await setUpShard({ exercises: thinExercises(2), llmNotConfigured: notConfigured });
    const before = await snapshotCatalog(db);
    const err = await run(input).catch((e: unknown) => e);
    expect(toJobFailure(err)).toMatchObject({ kind: "permanent", code: "LLM_NOT_CONFIGURED" });
    expect(llm.calls).toEqual([]);
    expect(await snapshotCatalog(db)).toBe(before);
    expect(await ledgerOf(input.job.id)).toEqual([]);
    expect(await journalOf(input.job.id)).toEqual([]);
  });

  it("after a crash half-way, the retry sends only the unfinished exercises to the LLM", async () => {
    const running: { shard?: TestHandlerInput } = {};
    const crash = enrichThen(5, (req) => {
      running.shard!.abort.abort(new LeaseLostError(running.shard!.job.id, "worker killed"));
      return fakeEnrichment(req.context?.exercise as Record<string, unknown>);
    });
    const { llm, input, exercises } = await setUpShard({ exercises: thinExercises(10), script: [crash], concurrency: 1 });
    running.shard = input;
    await expect(run(input)).rejects.toBeInstanceOf(LeaseLostError);
    const finished = await ledgerOf(input.job.id);
    expect(finished).toHaveLength(5);

    const retry = await retryForTest(input.deps, input);
    const callsBefore = llm.calls.length;
    const outcome = await run(retry);
    const retried = llm.calls.slice(callsBefore).map((call) => (call.context?.exercise as { name_slug: string }).name_slug);
    const finishedSlugs = exercises.filter((e) => finished.includes(e.id)).map((e) => e.name_slug);
    expect(retried).toHaveLength(5);
    expect(retried.filter((slug) => finishedSlugs.includes(slug))).toEqual([]);
    expect(outcome).toMatchObject({ status: "succeeded", summary: { exercises_succeeded: 10, exercises_resumed: 5, applied: 5 } });
    expect(await journalOf(input.job.id)).toHaveLength(10);
  });

  it("resumes from the journal an exercise applied just before a crash that left no ledger entry", async () => {
    const { llm, input, exercises } = await setUpShard({ exercises: thinExercises(4) });
    await run(input);
    const ledger = db.collection(JOB_COLLECTIONS.jobs).doc(input.job.id).collection(EXERCISE_RESULTS);
    await Promise.all(exercises.slice(0, 2).map((e) => ledger.doc(e.id).delete()));

    const retry = await retryForTest(input.deps, input);
    const outcome = await run(retry);
    expect(llm.calls).toHaveLength(4);
    expect(outcome).toMatchObject({ status: "succeeded", summary: { exercises_succeeded: 4, exercises_resumed: 4 } });
    expect(await ledgerOf(input.job.id)).toHaveLength(4);
  });

  it("fails transiently on an LLM outage after recording the finished work", async () => {
    const { input } = await setUpShard({
      exercises: thinExercises(6),
      script: [enrichThen(3, () => ({ error: "rate_limit" }))],
      concurrency: 1,
    });
    const err = await run(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailure);
    expect(err).toMatchObject({
      kind: "transient",
      code: "LLM_RATE_LIMITED",
      details: { partial: { exercises_total: 6, exercises_succeeded: 3 } },
    });
    expect(await ledgerOf(input.job.id)).toHaveLength(3);
    expect(await journalOf(input.job.id)).toHaveLength(3);
    // The 429 is an error answer, not billed: the three answers are the calls.
    expect(input.attempt.llmTotals().calls).toBe(3);
  });

  it("keeps its counts with a failure that is no LLM outage, so its parent counts what it applied", async () => {
    const { input } = await setUpShard({
      exercises: thinExercises(4),
      script: [
        enrichThen(2, () => {
          throw new TypeError("cannot read properties of undefined");
        }),
      ],
      concurrency: 1,
    });
    const err = await run(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailure);
    expect(err).toMatchObject({
      kind: "permanent",
      code: "HANDLER_ERROR",
      details: { error: "TypeError", partial: { exercises_total: 4, exercises_succeeded: 2 } },
    });
    expect(await ledgerOf(input.job.id)).toHaveLength(2);
  });

  // Each failed try with what it got instead of an answer, as the Vertex adapter's are: neither is billed.
  it.each([
    ["LLM_AUTH", "there are no credentials", "Vertex AI credentials unavailable", new Error("Could not refresh access token")],
    ["LLM_MODEL_NOT_FOUND", "the model does not exist", "Vertex AI returned HTTP 404: Publisher Model was not found", { status: 404 }],
  ] as const)("stops with %s when %s, instead of failing every exercise one by one", async (code, _when, message, cause) => {
    const { input } = await setUpShard({
      exercises: thinExercises(6),
      script: [
        enrichThen(2, () => {
          throw new LlmError(code, message, { cause });
        }),
      ],
      concurrency: 1,
    });
    const err = await run(input).catch((e: unknown) => e);
    expect(toJobFailure(err)).toMatchObject({ kind: "permanent", code });
    expect(await ledgerOf(input.job.id)).toHaveLength(2);
    expect(input.attempt.llmTotals().calls).toBe(2);
  });

  it("fails only the exercise whose answer is unusable; locked fields and invented values are never written", async () => {
    const [broken, sloppy, good] = thinExercises(3);
    const { input } = await setUpShard({
      exercises: [broken, sloppy, good],
      script: [
        { match: { task: ENRICH_CALL.task, promptIncludes: String(broken.name) }, respond: { error: "malformed_json" } },
        {
          match: { task: ENRICH_CALL.task, promptIncludes: String(sloppy.name) },
          respond: {
            changes: { name: "Renamed", status: "draft", "movement.type": "levitate", "movement.split": "upper body" },
            reasoning: "r",
            confidence: "low",
          },
        },
      ],
    });
    const outcome = await run(input);
    expect(outcome).toMatchObject({
      status: "needs_review",
      error: { code: "EXERCISES_FAILED" },
      summary: { exercises_succeeded: 2, exercises_failed: 1, changes_dropped: 3 },
    });
    expect(summaryOf(outcome).failures).toEqual([expect.objectContaining({ exercise_id: broken.id, code: "LLM_BAD_OUTPUT" })]);
    const stored = (await exerciseOf(sloppy.id))!;
    expect(stored).toMatchObject({ name: sloppy.name, status: "approved", movement: { split: "upper" } });
    expect(stored.movement.type).toBeUndefined();
    expect((await exerciseOf(broken.id))!.execution_notes).toBeUndefined();
  });

  it("counts an exercise deleted while the shard runs as skipped, not as a failure", async () => {
    const [kept, deletedMidway, retired] = thinExercises(3);
    const { input } = await setUpShard({
      exercises: [kept, deletedMidway, { ...retired, status: "deprecated", deprecated_at: new Date() }],
      ids: [kept.id, deletedMidway.id, retired.id, "never__existed"],
      beforeCall: async (req) => {
        if (req.prompt.includes(String(deletedMidway.name)))
          await db.collection(CATALOG_COLLECTIONS.exercises).doc(deletedMidway.id).delete();
      },
    });
    const outcome = await run(input);
    expect(outcome).toMatchObject({
      status: "succeeded",
      summary: { exercises_total: 4, exercises_succeeded: 1, exercises_skipped: 3, exercises_failed: 0 },
    });
    expect(await exerciseOf(deletedMidway.id)).toBeUndefined();
  });

  it("writes nothing to an exercise retired or moved while the LLM answered: retired is skipped, moved fails STALE_PLAN", async () => {
    const [kept, mergedMidway, movedMidway] = thinExercises(3);
    const { input } = await setUpShard({
      exercises: [kept, mergedMidway, movedMidway],
      beforeCall: async (req) => {
        const exercises = db.collection(CATALOG_COLLECTIONS.exercises);
        // A merge by another job, under locks the shard does not take.
        if (req.prompt.includes(String(mergedMidway.name)))
          await exercises.doc(mergedMidway.id).update({ status: "merged", merged_into: kept.id });
        if (req.prompt.includes(String(movedMidway.name))) await exercises.doc(movedMidway.id).update({ family_slug: "other_press" });
      },
    });
    const before = { merged: await exerciseOf(mergedMidway.id), moved: await exerciseOf(movedMidway.id) };
    const outcome = await run(input);
    expect(outcome).toMatchObject({
      summary: { exercises_total: 3, exercises_succeeded: 1, exercises_skipped: 1, exercises_failed: 1 },
    });
    // Only what the other jobs changed: no enrichment was written to either.
    expect(await exerciseOf(mergedMidway.id)).toEqual({ ...before.merged, status: "merged", merged_into: kept.id });
    expect(await exerciseOf(movedMidway.id)).toEqual({ ...before.moved, family_slug: "other_press" });
  });

  it("writes an enrichment that leaves a hard scanner failure, and counts it in scanner_fail", async () => {
    // "Barbell Curl" starts with an equipment word: the name is locked, so enrichment cannot fix it.
    const curl = exerciseFixture("Barbell Curl", ["barbell"], {
      category: "isolation",
      muscles: { primary: ["biceps"], category: ["arms"] },
    });
    const { input } = await setUpShard({ exercises: [curl, ...thinExercises(1)] });
    let outcome: unknown;
    const logs = await captureLogs(async () => {
      outcome = await run(input);
    });
    expect(outcome).toMatchObject({ status: "succeeded", summary: { exercises_succeeded: 2, scanner_fail: 1 } });
    expect((await exerciseOf(curl.id))!.execution_notes.length).toBeGreaterThanOrEqual(4);
    expect(logs.filter((entry) => entry.severity === "warn")).toEqual([
      expect.objectContaining({
        message: "enriched exercise still fails the quality scanner",
        exercise_id: curl.id,
        hard_failures: ["canonical_name"],
      }),
    ]);
  });

  it("reports the fields it wrote with style issues, per exercise and in its summary, with the issues", async () => {
    const [labelled, clean] = thinExercises(2);
    const mistakes = ["Elbow flare: the elbows drift out wide", "Bounce: the bar bounces off the chest"];
    const issues = [
      'common mistakes: uses the "Label: text" format; write gerund phrases',
      'common mistakes: 2 item(s) do not start with a gerund ("Rounding…")',
    ];
    const { input } = await setUpShard({
      exercises: [labelled, clean],
      script: [
        {
          match: { task: ENRICH_CALL.task, promptIncludes: String(labelled.name) },
          respond: { changes: { common_mistakes: mistakes }, reasoning: "r", confidence: "medium" },
        },
      ],
    });
    const outcome = await run(input);
    // The exercise had no mistakes: they are written all the same, and said to have these issues.
    expect((await exerciseOf(labelled.id))!.common_mistakes).toEqual(mistakes);
    expect(outcome).toMatchObject({
      status: "succeeded",
      summary: {
        exercises_succeeded: 2,
        changes_with_style_issues: 1,
        written_with_style_issues: [{ exercise_id: labelled.id, path: "common_mistakes", issues }],
      },
    });
    const attempt = input.attemptLog.document({ status: "succeeded", error: null, finishedAt: new Date(), expireAt: Timestamp.now() });
    expect(attempt.apply_result).toEqual({
      exercises: expect.arrayContaining([
        expect.objectContaining({ exercise_id: labelled.id, written_with_style_issues: [{ path: "common_mistakes", issues }] }),
        expect.objectContaining({ exercise_id: clean.id, written_with_style_issues: [] }),
      ]),
    });
    expect(attempt.events).toContainEqual(
      expect.objectContaining({
        event: "exercise_enriched",
        details: expect.objectContaining({ exercise_id: labelled.id, written_with_style_issues: [{ path: "common_mistakes", issues }] }),
      }),
    );
  });

  it("reports a shard whose exercises need nothing as no change", async () => {
    const { llm, input } = await setUpShard({
      exercises: thinExercises(2),
      script: [{ match: { task: ENRICH_CALL.task }, respond: { changes: {}, reasoning: "already good", confidence: "high" } }],
    });
    // Thin exercises still fail the scanner's hard checks (no execution notes, no movement).
    expect(await run(input)).toMatchObject({ status: "succeeded", summary: { exercises_no_change: 2, applied: 0, scanner_fail: 2 } });
    expect(llm.calls).toHaveLength(2);
    expect(await journalOf(input.job.id)).toEqual([]);
  });

  it("scanner-checks an exercise whose every LLM change was dropped, and counts its failure in scanner_fail", async () => {
    // "Barbell Curl" fails the scanner (a locked name starting with an equipment word); the demo bench press passes it.
    const curl = exerciseFixture("Barbell Curl", ["barbell"], { category: "isolation" });
    const bench = DEMO_EXERCISES[0];
    const { input } = await setUpShard({
      exercises: [curl, bench],
      script: [
        {
          match: { task: ENRICH_CALL.task },
          // The stored category again: dropped as unchanged, so there is nothing to write.
          respond: (req: LlmRequest<unknown>) => ({
            changes: { category: (req.context?.exercise as { category: string }).category },
            reasoning: "r",
            confidence: "high",
          }),
        },
      ],
    });
    let outcome: unknown;
    const logs = await captureLogs(async () => {
      outcome = await run(input);
    });
    expect(outcome).toMatchObject({ status: "succeeded", summary: { exercises_no_change: 2, changes_dropped: 2, scanner_fail: 1 } });
    const attempt = input.attemptLog.document({ status: "succeeded", error: null, finishedAt: new Date(), expireAt: Timestamp.now() });
    expect(attempt.apply_result).toEqual({
      exercises: expect.arrayContaining([
        expect.objectContaining({ exercise_id: curl.id, detail: "nothing_to_change", scanner_passed: false }),
        expect.objectContaining({ exercise_id: bench.id, detail: "nothing_to_change", scanner_passed: true }),
      ]),
    });
    expect(logs.filter((entry) => entry.severity === "warn")).toEqual([
      expect.objectContaining({ message: "enriched exercise still fails the quality scanner", exercise_id: curl.id }),
    ]);
  });

  describe("a cancel", () => {
    /** The shard, cancelled as its progress report of `done` exercises is written. */
    function cancelledAtProgress(input: TestHandlerInput, done: number): TestHandlerInput {
      const { engine } = input;
      return {
        ...input,
        engine: {
          ...engine,
          reportProgress: async (progress) => {
            await engine.reportProgress(progress);
            if (progress.done === done) input.abort.abort(new JobCancelledError(input.job.id));
          },
        },
      };
    }

    it("stops the shard between exercises: it ends cancelled with the counts of what it did", async () => {
      const { llm, input } = await setUpShard({ exercises: thinExercises(3), concurrency: 1 });
      const outcome = await run(cancelledAtProgress(input, 1));
      expect(outcome).toMatchObject({
        status: "cancelled",
        summary: { exercises_total: 3, exercises_succeeded: 1, exercises_failed: 0 },
      });
      expect(llm.calls).toHaveLength(1);
      expect(await ledgerOf(input.job.id)).toHaveLength(1);
    });

    it("that lands as the last exercise's answer comes, before its patch is written, ends the shard cancelled, that patch unwritten", async () => {
      const running: { shard?: TestHandlerInput } = {};
      // Past the call's stop: the answer comes all the same, and the write finds the cancel.
      const cancelAsAnswered = enrichThen(0, (req) => {
        running.shard!.abort.abort(new JobCancelledError(running.shard!.job.id));
        return fakeEnrichment(req.context?.exercise as Record<string, unknown>);
      });
      const { input, exercises } = await setUpShard({ exercises: thinExercises(1), script: [cancelAsAnswered] });
      running.shard = input;
      expect(await run(input)).toMatchObject({
        status: "cancelled",
        summary: { exercises_total: 1, exercises_succeeded: 0, failures: [{ exercise_id: exercises[0].id, code: "CANCELLED" }] },
      });
      expect((await exerciseOf(exercises[0].id))!.execution_notes).toBeUndefined();
      expect(await journalOf(input.job.id)).toEqual([]);
    });

    /**
     * A shard of three exercises, one call at a time: the first answered at once, the next taking `thinkingMs`
     * and cancelled as soon as it is under way.
     */
    async function cancelledWhileThinking(mode: "apply" | "dry_run", thinkingMs: number) {
      const exercises = thinExercises(3);
      await seedCatalog(db, { exercises });
      const answering = new FakeLlmClient();
      const thinking = new FakeLlmClient({ latencyMs: thinkingMs });
      const running: { shard?: TestHandlerInput } = {};
      const llm: LlmClient = {
        provider: "fake",
        generateJson: (req) => {
          if (answering.calls.length === 0) return answering.generateJson(req);
          const answer = thinking.generateJson(req);
          running.shard!.abort.abort(new JobCancelledError(running.shard!.job.id));
          return answer;
        },
      };
      const deps = makeTestDeps(db, { applyEnabled: true, llm: () => llm, config: { enrichConcurrency: 1 } });
      const input = await leaseForTest(deps, {
        type: "CATALOG_ENRICH_FIELD_SHARD",
        payload: { mode, parent_job_id: "parent-1", exercise_doc_ids: exercises.map((e) => e.id), enrichment_spec: SPEC },
      });
      running.shard = input;
      const started = Date.now();
      const outcome = await run(input);
      return { input, exercises, outcome, tookMs: Date.now() - started };
    }

    it("in apply mode ends the LLM call under way at once: the shard ends cancelled with what it applied, that exercise unwritten", async () => {
      const { input, exercises, outcome, tookMs } = await cancelledWhileThinking("apply", 30_000);
      expect(tookMs).toBeLessThan(10_000);
      expect(outcome).toMatchObject({
        status: "cancelled",
        summary: {
          exercises_total: 3,
          exercises_succeeded: 1,
          applied: 1,
          exercises_failed: 1,
          failures: [{ exercise_id: exercises[1].id, code: "CANCELLED" }],
        },
      });
      expect((await exerciseOf(exercises[1].id))!.execution_notes).toBeUndefined();
      expect(await journalOf(input.job.id)).toHaveLength(1);
      expect(await ledgerOf(input.job.id)).toEqual([exercises[0].id]);
      // The stopped call counts as sent, with no answer to read.
      const attempt = input.attemptLog.document({ status: "cancelled", error: null, finishedAt: new Date(), expireAt: Timestamp.now() });
      expect(attempt.llm_calls).toEqual([
        expect.objectContaining({ task: ENRICH_CALL.task, calls: 1 }),
        expect.objectContaining({ task: ENRICH_CALL.task, calls: 1, input_tokens: 0, output_tokens: 0 }),
      ]);
    });

    it("in a dry run lets the call under way finish: its answer is the preview", async () => {
      const { outcome, exercises } = await cancelledWhileThinking("dry_run", 200);
      expect(outcome).toMatchObject({
        status: "cancelled",
        summary: {
          exercises_total: 3,
          exercises_succeeded: 2,
          exercises_failed: 0,
          changes_preview: [expect.stringContaining(exercises[0].id), expect.stringContaining(exercises[1].id)],
        },
      });
    });

    it("that lands as the last exercise is recorded leaves the shard its outcome: nothing was left undone", async () => {
      const { input } = await setUpShard({ exercises: thinExercises(1) });
      const outcome = await run(cancelledAtProgress(input, 1));
      expect(outcome).toMatchObject({
        status: "succeeded",
        summary: { exercises_total: 1, exercises_succeeded: 1, applied: 1 },
      });
      expect(await ledgerOf(input.job.id)).toHaveLength(1);
    });
  });

  describe("a patch that sets equipment", () => {
    /** Two members of family test_press whose stored equipment is not canonical, so enrichment may rewrite it. */
    const members = [exerciseFixture("Test Press (Dumbbell)", ["Dumbbell"]), exerciseFixture("Test Press (Cable)", ["Cable"])];
    /** The answer that adds `added` to the stored equipment of the exercise asked about. */
    const withEquipment = (req: LlmRequest<unknown>, added: string) => ({
      changes: { equipment: [...(req.context?.exercise as { equipment: string[] }).equipment, added] },
      reasoning: `the press is done with a ${added}`,
      confidence: "high",
    });
    const addBench: FakeScriptStep = {
      match: { task: ENRICH_CALL.task },
      respond: (req: LlmRequest<unknown>) => withEquipment(req, "flat bench"),
    };
    /** A flat bench for the first member; for the second, `earlier` (one answer per call), then a kettlebell. */
    function benchThenKettlebell(earlier: unknown[] = []): FakeScriptStep {
      const answers = [...earlier];
      return {
        match: { task: ENRICH_CALL.task },
        respond: (req: LlmRequest<unknown>) =>
          (req.context?.exercise as { name: string }).name === members[0].name
            ? withEquipment(req, "flat bench")
            : (answers.shift() ?? withEquipment(req, "kettlebell")),
      };
    }
    const seedRegistry = (exercises: ExerciseFixture[]) =>
      seedCatalog(db, { families: [{ ...computeFamilyRegistry("test_press", exercises), updated_at: new Date() }] });
    /** The members with canonical equipment, which a refresh leaves as it is, and a spec that asks for equipment. */
    const canonical = [exerciseFixture("Test Press (Dumbbell)", ["dumbbell"]), exerciseFixture("Test Press (Cable)", ["cable"])];
    const equipmentSpec: EnrichmentSpec = { ...SPEC, fields_to_enrich: ["equipment"] };

    it("asks for the registry-only FAMILY_NORMALIZE that recomputes its registry under the family lock; the next patch's ask finds it open", async () => {
      await seedRegistry(members);
      const { input } = await setUpShard({ exercises: members, script: [addBench] });
      const outcome = await run(input);
      expect(outcome).toMatchObject({
        status: "succeeded",
        summary: { exercises_succeeded: 2, registry_refreshes: { jobs_created: 1, jobs_deduplicated: 1 } },
      });
      expect((await exerciseOf(members[0].id))!.equipment).toEqual(["dumbbell", "flat-bench"]);
      expect(await otherJobs(db, input.job.id)).toEqual([
        expect.objectContaining({
          type: "FAMILY_NORMALIZE",
          payload: { mode: "apply", family_slug: "test_press", registry_only: true },
          // The maintenance scan's key: an open normalisation of the family answers the ask.
          dedup_key: "FAMILY_NORMALIZE:test_press",
          // Not FAMILY_NORMALIZE's default (priority): the shard's background work stays background.
          queue: "maintenance",
        }),
      ]);

      // That job, run: the registry now holds the equipment enrichment added.
      const normalize = await runJob(input.deps, "FAMILY_NORMALIZE", { mode: "apply", family_slug: "test_press", registry_only: true });
      expect(normalize).toMatchObject({ status: "succeeded", lockKeys: ["family:test_press"] });
      expect(await family(db, "test_press")).toMatchObject({
        primary_equipment: ["cable", "dumbbell"],
        allowed_equipment: ["cable", "dumbbell", "flat-bench"],
      });
    });

    it("refreshes the registry of a family whose names are not canonical and renames nothing", async () => {
      // Its family normalised in full, "Barbell Hip Thrust" would become "Hip Thrust (Barbell)".
      const hipThrust = exerciseFixture("Barbell Hip Thrust", ["Barbell"], { family_slug: "hip_thrust" });
      await seedCatalog(db, { families: [{ ...computeFamilyRegistry("hip_thrust", [hipThrust]), updated_at: new Date() }] });
      const { input } = await setUpShard({ exercises: [hipThrust], script: [addBench] });
      expect(await run(input)).toMatchObject({ status: "succeeded", summary: { registry_refreshes: { jobs_created: 1 } } });

      expect(await runRefreshes(input.deps)).toBe(1);
      expect(await exerciseOf(hipThrust.id)).toMatchObject({
        name: "Barbell Hip Thrust",
        name_slug: "barbell-hip-thrust",
        equipment: ["barbell", "flat-bench"],
      });
      expect((await db.collection(CATALOG_COLLECTIONS.aliases).get()).empty).toBe(true);
      expect(await family(db, "hip_thrust")).toMatchObject({
        primary_equipment: ["barbell"],
        allowed_equipment: ["barbell", "flat-bench"],
      });
    });

    it("asks again on a retry for a patch it finds only in the journal", async () => {
      const { input } = await setUpShard({ exercises: members, script: [addBench] });
      await run(input);
      const ledger = db.collection(JOB_COLLECTIONS.jobs).doc(input.job.id).collection(EXERCISE_RESULTS);
      await Promise.all(members.map((member) => ledger.doc(member.id).delete()));

      const retry = await retryForTest(input.deps, input);
      // The job the first attempt asked for is still open: the same dedup key finds it, for each patch.
      expect(await run(retry)).toMatchObject({
        status: "succeeded",
        summary: { exercises_resumed: 2, registry_refreshes: { jobs_created: 0, jobs_deduplicated: 2 } },
      });
    });

    it("asks for no second job on a retry that finds again a patch whose refresh finished", async () => {
      const { input } = await setUpShard({ exercises: members, ids: [members[0].id], script: [addBench] });
      await run(input);
      const refreshId = followUpJobId(input.job.id, `registry-${members[0].id}`);
      // The refresh ran to its end (its dedup key holds no more), then the shard's retry finds its patch in the journal.
      await db.collection(JOB_COLLECTIONS.jobs).doc(refreshId).update({ status: "succeeded" });
      await db.collection(JOB_COLLECTIONS.jobs).doc(input.job.id).collection(EXERCISE_RESULTS).doc(members[0].id).delete();

      const retry = await run(await retryForTest(input.deps, input));
      expect(retry).toMatchObject({
        summary: {
          registry_refreshes: { jobs_created: 0, jobs_deduplicated: 1, follow_ups: [expect.objectContaining({ job_id: refreshId })] },
        },
      });
      expect(await otherJobs(db, input.job.id)).toHaveLength(1);
    });

    it("asks again after a patch written once the refresh it asked for before had run", async () => {
      await seedRegistry(canonical);
      const running: { shard?: TestHandlerInput; refreshesMeanwhile?: number } = {};
      const { input } = await setUpShard({
        exercises: canonical,
        spec: equipmentSpec,
        script: [benchThenKettlebell()],
        concurrency: 1,
        // The refresh asked for after the first member's patch runs while the LLM answers for the second.
        beforeCall: async (req) => {
          if ((req.context?.exercise as { name: string }).name === members[1].name)
            running.refreshesMeanwhile = await runRefreshes(running.shard!.deps);
        },
      });
      running.shard = input;
      expect(await run(input)).toMatchObject({ status: "succeeded", summary: { registry_refreshes: { jobs_created: 2 } } });
      expect(running.refreshesMeanwhile).toBe(1);
      expect(await runRefreshes(input.deps)).toBe(1);
      expect(await family(db, "test_press")).toMatchObject({ allowed_equipment: ["cable", "dumbbell", "flat-bench", "kettlebell"] });
    });

    it.each<[string, unknown, (input: TestHandlerInput) => Promise<TestHandlerInput>]>([
      [
        "an LLM outage, retried after its backoff",
        { error: "rate_limit" },
        async (input) => {
          await expect(run(input)).rejects.toMatchObject({ kind: "transient", code: "LLM_RATE_LIMITED" });
          return retryForTest(input.deps, input);
        },
      ],
      [
        "an unusable answer, retried by an operator",
        { error: "malformed_json" },
        async (input) => {
          const outcome = await run(input);
          expect(outcome).toMatchObject({ status: "needs_review", error: { code: "EXERCISES_FAILED" } });
          await endAttempt(input, outcome);
          await input.deps.queue.retryJob(input.job.id);
          return leaseAgainForTest(input.deps, input.job.id);
        },
      ],
    ])("asks again on a retry that writes a patch after the refresh of an earlier attempt's ran (%s)", async (_how, failure, retried) => {
      await seedRegistry(canonical);
      const { input } = await setUpShard({
        exercises: canonical,
        spec: equipmentSpec,
        script: [benchThenKettlebell([failure])],
        concurrency: 1,
      });
      const retry = await retried(input);
      // Before the retry runs, the refresh asked for after the first member's patch runs to its end.
      expect(await runRefreshes(input.deps)).toBe(1);
      expect(await family(db, "test_press")).toMatchObject({ allowed_equipment: ["cable", "dumbbell", "flat-bench"] });

      expect(await run(retry)).toMatchObject({
        status: "succeeded",
        summary: { exercises_resumed: 1, registry_refreshes: { jobs_created: 1 } },
      });
      expect(await runRefreshes(input.deps)).toBe(1);
      expect(await family(db, "test_press")).toMatchObject({ allowed_equipment: ["cable", "dumbbell", "flat-bench", "kettlebell"] });
    });

    it("only lists the refreshes in a dry run", async () => {
      const { input } = await setUpShard({ exercises: members, script: [addBench], mode: "dry_run", applyEnabled: false });
      expect(await run(input)).toMatchObject({
        status: "succeeded_dry_run",
        summary: { registry_refreshes: { jobs_created: 0, jobs_would_create: 2 } },
      });
      expect(await otherJobs(db, input.job.id)).toEqual([]);
    });

    it("lists again on a dry run's retry the refreshes of the patches an earlier attempt previewed", async () => {
      // The first member previewed, an outage at the second; the retry previews the second.
      const outage: FakeScriptStep = { match: { task: ENRICH_CALL.task }, respond: { error: "rate_limit" }, times: 1 };
      const { input } = await setUpShard({
        exercises: members,
        script: [{ ...addBench, times: 1 }, outage, addBench],
        mode: "dry_run",
        applyEnabled: false,
        concurrency: 1,
      });
      await expect(run(input)).rejects.toMatchObject({ kind: "transient", code: "LLM_RATE_LIMITED" });

      const retry = await retryForTest(input.deps, input);
      expect(await run(retry)).toMatchObject({
        status: "succeeded_dry_run",
        summary: { exercises_resumed: 1, registry_refreshes: { jobs_would_create: 2 } },
      });
      expect(await otherJobs(db, input.job.id)).toEqual([]);
    });
  });
});
