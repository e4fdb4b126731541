/**
 * What an enrichment shard does with an exercise whose patch or answer is refused: an `equipment` change the
 * family's rules refuse is left out and the rest written; a failure for good is recorded in the ledger, so an
 * automatic retry does not pay the LLM for it again, while an operator's retry asks again.
 */
import { Timestamp } from "firebase-admin/firestore";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { ENRICH_CALL } from "../../src/enrichment/llm-calls";
import type { DroppedChange } from "../../src/enrichment/normalize";
import { ledgerCounts } from "../../src/enrichment/shard-ledger";
import { enrichShardHandler } from "../../src/handlers/catalog-enrich-field-shard";
import type { HandlerOutcome } from "../../src/jobs/handler";
import { FakeLlmClient, type FakeScriptStep, LlmError } from "../../src/llm/index";
import type { LlmClient, LlmRequest, LlmResult } from "../../src/llm/types";
import { fakeEnrichment } from "../../src/llm/fake-enrichment";
import { type ExerciseFixture, exerciseFixture, seedCatalog } from "../helpers/catalog";
import { type TestHandlerInput, leaseAgainForTest, leaseForTest, makeTestDeps, retryForTest, runHandler } from "../helpers/engine";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { otherJobs } from "./support";

const db = useFirestore();

async function setUpShard(options: {
  exercises: ExerciseFixture[];
  /** The shard's exercises; all of them unless given. */
  ids?: string[];
  script: FakeScriptStep[];
  mode?: "apply" | "dry_run";
  /** Concurrent LLM calls (enrichConcurrency); one unless given. */
  concurrency?: number;
  /** Runs before each LLM call is answered. */
  beforeCall?: (req: LlmRequest<unknown>) => Promise<void>;
}): Promise<{ llm: FakeLlmClient; input: TestHandlerInput }> {
  await seedCatalog(db, { exercises: options.exercises });
  const llm = new FakeLlmClient({ script: options.script });
  const { beforeCall } = options;
  const client: LlmClient = beforeCall
    ? {
        provider: "fake",
        async generateJson<T>(req: LlmRequest<T>): Promise<LlmResult<T>> {
          await beforeCall(req);
          return llm.generateJson(req);
        },
      }
    : llm;
  const mode = options.mode ?? "apply";
  const deps = makeTestDeps(db, {
    applyEnabled: mode === "apply",
    llm: () => client,
    config: { enrichConcurrency: options.concurrency ?? 1 },
  });
  const input = await leaseForTest(deps, {
    type: "CATALOG_ENRICH_FIELD_SHARD",
    payload: {
      mode,
      parent_job_id: "parent-1",
      exercise_doc_ids: options.ids ?? options.exercises.map((exercise) => exercise.id),
      enrichment_spec: { spec_id: "content", spec_version: 1 },
    },
  });
  return { llm, input };
}

const run = (input: TestHandlerInput) => runHandler(enrichShardHandler, input);
const exerciseOf = async (id: string) => (await db.collection(CATALOG_COLLECTIONS.exercises).doc(id).get()).data();
const nameOf = (req: LlmRequest<unknown>) => String((req.context?.exercise as { name: string }).name);
/** The exercises (by name) the LLM was asked about, from call `from` on. */
const askedAbout = (llm: FakeLlmClient, from = 0) => llm.calls.slice(from).map((call) => nameOf(call as LlmRequest<unknown>));

/** Ends the attempt of `input` with `outcome`, as the worker would. */
async function endAttempt(input: TestHandlerInput, outcome: HandlerOutcome): Promise<void> {
  if (outcome.kind !== "completed") throw new Error(`expected a completed outcome, got ${outcome.kind}`);
  const { queue } = input.deps;
  await queue.endAttempt(input.lease, {
    ...queue.completing(outcome.status, outcome.summary, outcome.error ?? null),
    bookkeeping: () => undefined,
  });
}

describeWithIsolation("CATALOG_ENRICH_FIELD_SHARD refusals", () => {
  describe("an equipment change that would break its family's rules", () => {
    /** Content that passes the scanner's checks; the equipment is the test's. */
    const content = {
      description: "A horizontal press lying on a flat bench, lowering the weight to the chest and pressing it back up over the shoulders.",
      execution_notes: [
        "Lie on the bench with your feet flat on the floor",
        "Brace your core and squeeze your shoulder blades together",
        "Lower the weight to your mid chest under control",
        "Press the weight up until your arms are straight",
      ],
      common_mistakes: ["Bouncing the weight off the chest", "Flaring the elbows out wide"],
      "movement.type": "push",
      "movement.split": "upper",
    };
    const answer = (equipment: string[]): FakeScriptStep => ({
      match: { task: ENRICH_CALL.task },
      respond: { changes: { equipment, ...content }, reasoning: "r", confidence: "high" },
    });
    /** A legacy exercise: no equipment stored, a description too short. */
    const legacy = (name: string, family: string): ExerciseFixture => {
      const { equipment: _none, ...exercise } = exerciseFixture(name, [], { family_slug: family, description: "short" });
      return exercise;
    };
    /** The changes the shard's exercise_enriched events say it dropped. */
    const droppedOf = (input: TestHandlerInput): DroppedChange[] => {
      const { events } = input.attemptLog.document({ status: "succeeded", error: null, finishedAt: new Date(), expireAt: Timestamp.now() });
      return (events as Array<{ event: string; details: { dropped: DroppedChange[] } }>)
        .filter((event) => event.event === "exercise_enriched")
        .flatMap((event) => event.details.dropped);
    };

    it.each(["apply", "dry_run"] as const)(
      "is left out with the reason a person needs, and the rest of the patch is written (%s)",
      async (mode) => {
        // The dumbbell its name asks for would make the family multi-equipment, "Bench Press" then lacking its suffix.
        const barbell = exerciseFixture("Bench Press", ["barbell"], { family_slug: "bench_press" });
        const dumbbell = legacy("Bench Press (Dumbbell)", "bench_press");
        const { llm, input } = await setUpShard({
          exercises: [dumbbell, barbell],
          ids: [dumbbell.id],
          script: [answer(["dumbbell"])],
          mode,
        });
        const before = await exerciseOf(barbell.id);
        const outcome = await run(input);

        expect(outcome).toMatchObject({
          status: mode === "apply" ? "succeeded" : "succeeded_dry_run",
          summary: {
            exercises_succeeded: 1,
            exercises_failed: 0,
            changes_dropped: 1,
            registry_refreshes: { jobs_created: 0, jobs_would_create: 0 },
          },
        });
        expect(llm.calls).toHaveLength(1);
        const dropped = droppedOf(input);
        expect(dropped).toEqual([{ path: "equipment", reason: expect.stringContaining("NON_CANONICAL_NAME") }]);
        expect(dropped[0].reason).toContain('"Bench Press" lacks the "(Equipment)" suffix');
        expect(dropped[0].reason).toContain("TARGETED_FIX");
        expect(await exerciseOf(barbell.id)).toEqual(before);
        const stored = (await exerciseOf(dumbbell.id))!;
        expect(stored.equipment).toBeUndefined();
        if (mode === "apply") {
          expect(stored).toMatchObject({
            description: content.description,
            execution_notes: content.execution_notes,
            movement: { type: "push" },
          });
          expect(await otherJobs(db, input.job.id)).toEqual([]);
        } else {
          expect(stored.description).toBe("short");
        }
      },
    );

    it("names each finding, a shared primary equipment among them", async () => {
      const squats = [exerciseFixture("Squat (Barbell)", ["barbell"]), exerciseFixture("Squat (Dumbbell)", ["dumbbell"])];
      const pause = legacy("Squat (Pause)", "squat");
      const { input } = await setUpShard({ exercises: [pause, ...squats], ids: [pause.id], script: [answer(["barbell"])] });
      const outcome = await run(input);

      expect(outcome).toMatchObject({ status: "succeeded", summary: { exercises_succeeded: 1, changes_dropped: 1 } });
      const [dropped] = droppedOf(input);
      expect(dropped.path).toBe("equipment");
      expect(dropped.reason).toMatch(/NON_CANONICAL_NAME.*DUPLICATE_EQUIPMENT_VARIANT/);
      expect(dropped.reason).toContain("merge them, or move the variant to a family of its own");
      expect(await exerciseOf(pause.id)).toMatchObject({ description: content.description });
    });

    it("is judged against the family as the shard's other equipment changes left it, even when answered at once", async () => {
      // Each alone keeps the family on one equipment; together they make it multi-equipment, "Good Morning" then lacking its suffix.
      const plain = legacy("Good Morning", "good_morning");
      const dumbbell = legacy("Good Morning (Dumbbell)", "good_morning");
      let released: () => void = () => undefined;
      const bothAsked = new Promise<void>((resolve) => (released = resolve));
      let asked = 0;
      const { input } = await setUpShard({
        exercises: [plain, dumbbell],
        script: [
          {
            match: { task: ENRICH_CALL.task },
            respond: (req: LlmRequest<unknown>) => ({
              changes: { equipment: [nameOf(req) === plain.name ? "barbell" : "dumbbell"], ...content },
              reasoning: "r",
              confidence: "high",
            }),
          },
        ],
        concurrency: 2,
        // Both answers come together.
        beforeCall: async () => {
          if (++asked === 2) released();
          await bothAsked;
        },
      });
      expect(await run(input)).toMatchObject({ status: "succeeded", summary: { exercises_succeeded: 2, changes_dropped: 1 } });

      const stored = [(await exerciseOf(plain.id))!, (await exerciseOf(dumbbell.id))!];
      expect(stored.map((exercise) => exercise.description)).toEqual([content.description, content.description]);
      expect(stored.filter((exercise) => exercise.equipment !== undefined)).toHaveLength(1);
      expect(droppedOf(input)).toEqual([
        { path: "equipment", reason: expect.stringContaining('NON_CANONICAL_NAME: "Good Morning" lacks') },
      ]);
    });

    it("is written when the family takes it", async () => {
      const barbell = exerciseFixture("Bench Press (Barbell)", ["barbell"], { family_slug: "bench_press" });
      const dumbbell = legacy("Bench Press (Dumbbell)", "bench_press");
      const { input } = await setUpShard({ exercises: [dumbbell, barbell], ids: [dumbbell.id], script: [answer(["dumbbell"])] });
      const outcome = await run(input);

      expect(outcome).toMatchObject({ status: "succeeded", summary: { changes_dropped: 0, registry_refreshes: { jobs_created: 1 } } });
      expect(await exerciseOf(dumbbell.id)).toMatchObject({ equipment: ["dumbbell"], description: content.description });
    });
  });

  describe("a retry", () => {
    /** Exercises the LLM answers for in turn: each name says what its call meets. */
    const [rejected, truncated, tooLarge, badOutput, edited, outage, good] = [
      "Rejected",
      "Truncated",
      "Too Large",
      "Bad Output",
      "Edited",
      "Outage",
      "Good",
    ].map((what) => exerciseFixture(`Test Press ${what} (Dumbbell)`, ["dumbbell"]));
    // Its enrichment would take the document over the size limit: the validator refuses every such patch.
    tooLarge.legacy_notes = "x".repeat(149_000);
    const exercises = [rejected, truncated, tooLarge, badOutput, edited, outage, good];

    /** `outages`: the Outage exercise's first calls that meet an outage. */
    function shardScript(outages: number): FakeScriptStep {
      let outageCalls = 0;
      return {
        match: { task: ENRICH_CALL.task },
        respond: (req: LlmRequest<unknown>) => {
          const exercise = req.context?.exercise as Record<string, unknown>;
          switch (exercise.name) {
            case rejected.name:
              throw new LlmError("LLM_REJECTED", "model stopped (SAFETY)");
            case truncated.name:
              throw new LlmError("LLM_TRUNCATED", "model output was cut off at the output token limit");
            case badOutput.name:
              return { error: "malformed_json" };
            case outage.name:
              return outageCalls++ < outages ? { error: "rate_limit" } : fakeEnrichment(exercise);
            default:
              return fakeEnrichment(exercise);
          }
        },
      };
    }
    /** A curator's edit of the Edited exercise while the LLM answers for it the first time: its patch fails STALE_PLAN. */
    function curatorEditsOnce(): (req: LlmRequest<unknown>) => Promise<void> {
      let edits = 0;
      return async (req) => {
        if (nameOf(req) === edited.name && edits++ === 0)
          await db
            .collection(CATALOG_COLLECTIONS.exercises)
            .doc(edited.id)
            .update({ description: "A curator wrote this description of the press while the model was answering." });
      };
    }

    it("after an outage does not ask again about the exercises that failed for good; they stay failed, counted once", async () => {
      const { llm, input } = await setUpShard({ exercises, script: [shardScript(1)], beforeCall: curatorEditsOnce() });
      await expect(run(input)).rejects.toMatchObject({
        kind: "transient",
        code: "LLM_RATE_LIMITED",
        details: { partial: { exercises_total: 7, exercises_failed: 5, exercises_succeeded: 0 } },
      });
      // The failures for good are in the ledger: a parent that had to count from it counts them once, as failed.
      expect(await ledgerCounts(db, input.job.id, exercises.length)).toMatchObject({ exercises_failed: 3, exercises_succeeded: 0 });

      const retry = await retryForTest(input.deps, input);
      const callsBefore = llm.calls.length;
      const outcome = await run(retry);
      // Asked again: the answer that did not parse, the exercise changed since, the one the outage stopped, and the rest.
      expect(askedAbout(llm, callsBefore)).toEqual([badOutput.name, edited.name, outage.name, good.name]);
      expect(retry.attempt.llmTotals().calls).toBe(4);
      expect(outcome).toMatchObject({
        status: "needs_review",
        error: { code: "EXERCISES_FAILED" },
        summary: { exercises_total: 7, exercises_failed: 4, exercises_succeeded: 3, exercises_resumed: 3, applied: 3 },
      });
      if (outcome.kind !== "completed") throw new Error(`expected a completed outcome, got ${outcome.kind}`);
      const failures = outcome.summary.failures as Array<{ exercise_id: string; code: string }>;
      expect(failures.map(({ exercise_id, code }) => [exercise_id, code]).sort()).toEqual(
        [
          [rejected.id, "LLM_REJECTED"],
          [truncated.id, "LLM_TRUNCATED"],
          [tooLarge.id, "DOCUMENT_TOO_LARGE"],
          [badOutput.id, "LLM_BAD_OUTPUT"],
        ].sort(),
      );
      expect(await ledgerCounts(db, input.job.id, exercises.length)).toMatchObject({ exercises_failed: 3, exercises_succeeded: 3 });
    });

    it("by an operator asks again about every exercise that failed, and not about those that succeeded", async () => {
      const { llm, input } = await setUpShard({ exercises, script: [shardScript(0)], beforeCall: curatorEditsOnce() });
      const outcome = await run(input);
      expect(outcome).toMatchObject({ status: "needs_review", summary: { exercises_failed: 5, exercises_succeeded: 2 } });
      await endAttempt(input, outcome);
      await input.deps.queue.retryJob(input.job.id);
      const retry = await leaseAgainForTest(input.deps, input.job.id);

      const callsBefore = llm.calls.length;
      const again = await run(retry);
      expect(askedAbout(llm, callsBefore)).toEqual([rejected.name, truncated.name, tooLarge.name, badOutput.name, edited.name]);
      expect(again).toMatchObject({
        status: "needs_review",
        summary: { exercises_total: 7, exercises_failed: 4, exercises_succeeded: 3, exercises_resumed: 2 },
      });
    });
  });
});
