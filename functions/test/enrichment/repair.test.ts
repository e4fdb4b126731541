import { Timestamp } from "firebase-admin/firestore";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { runPlan } from "../../src/apply/run-plan";
import type { ChangePlan } from "../../src/apply/plan";
import { REPAIR_CALL } from "../../src/enrichment/llm-calls";
import { buildRepairPrompt, llmPlanRepairer } from "../../src/enrichment/repair";
import { toJobFailure } from "../../src/jobs/errors";
import { FakeLlmClient, type FakeScriptStep, LlmError } from "../../src/llm/index";
import type { LlmRequest } from "../../src/llm/types";
import { exerciseFixture, planOf, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { type TestHandlerInput, leaseForTest, makeTestDeps } from "../helpers/engine";
import { useFirestore } from "../helpers/firestore";

const db = useFirestore();

const ROW_PRIMARY_MUSCLES = ["latissimus dorsi"];
const ROW = exerciseFixture("Bent Over Row (Barbell)", ["barbell"], { muscles: { primary: ROW_PRIMARY_MUSCLES, category: ["back"] } });

/** A plan whose patch writes a muscle name the schema refuses ("Upper_Back"), guarded by `before` when given. */
function brokenPlan(jobId: string, before?: Record<string, unknown>): ChangePlan {
  const patch = {
    op: "patch_fields",
    exercise_id: ROW.id,
    set: { "muscles.primary": ["Upper_Back"] },
    rationale: "add the upper back",
  } as const;
  return { ...planOf([before ? { ...patch, before } : patch]), job_id: jobId };
}

function withMuscle(plan: ChangePlan, muscle: string): ChangePlan {
  return {
    ...plan,
    operations: [{ ...plan.operations[0], set: { "muscles.primary": [muscle] } } as ChangePlan["operations"][number]],
  };
}

const fixedPlan = (plan: ChangePlan) => withMuscle(plan, "trapezius");

/** `plan` as a model answers that leaves out every optional `before`, a guard it cannot know better than the handler. */
const withoutBefore = (plan: ChangePlan) => ({
  ...plan,
  operations: plan.operations.map((op) => Object.fromEntries(Object.entries(op).filter(([field]) => field !== "before"))),
});

async function setUp(script: FakeScriptStep[]): Promise<{ llm: FakeLlmClient; input: TestHandlerInput }> {
  await seedCatalog(db, { exercises: [ROW] });
  const llm = new FakeLlmClient({ script });
  const deps = makeTestDeps(db, { applyEnabled: true, llm: () => llm, repairPlan: llmPlanRepairer(() => llm) });
  const input = await leaseForTest(deps, {
    type: "TARGETED_FIX",
    payload: { mode: "apply", exercise_doc_ids: [ROW.id], fix_type: "patch", fix_data: { patch: {} } },
  });
  return { llm, input };
}

/** The attempt log as the worker would write it when the attempt ends with `status`. */
function attemptLogOf(input: TestHandlerInput, status: "succeeded" | "needs_review" | "failed"): FirebaseFirestore.DocumentData {
  return input.attemptLog.document({ status, error: null, finishedAt: new Date(), expireAt: Timestamp.now() });
}

const planFromContext = (req: { context?: Record<string, unknown> }) => req.context?.plan;

describe("the LLM repair loop", () => {
  it("applies a plan the LLM fixes in round 2, recording both rounds", async () => {
    const { llm, input } = await setUp([
      { match: { task: REPAIR_CALL.task }, respond: planFromContext, times: 1 },
      { match: { task: REPAIR_CALL.task }, respond: (req: LlmRequest<unknown>) => fixedPlan(req.context?.plan as ChangePlan), times: 1 },
    ]);
    const outcome = await runPlan(input, brokenPlan(input.job.id));

    expect(outcome).toMatchObject({ kind: "completed", status: "succeeded", summary: { repairs: 2, applied: 1 } });
    const stored = (await db.collection(CATALOG_COLLECTIONS.exercises).doc(ROW.id).get()).data()!;
    expect(stored.muscles.primary).toEqual(["trapezius"]);
    expect(llm.calls.map((call) => [call.task, call.tier])).toEqual([
      [REPAIR_CALL.task, "fast"],
      [REPAIR_CALL.task, "strong"],
    ]);
    expect(llm.calls[0].context).toMatchObject({ errors: [expect.objectContaining({ code: "SCHEMA_INVALID", operation_index: 0 })] });

    const log = attemptLogOf(input, "succeeded");
    expect(log.repairs).toEqual([
      expect.objectContaining({ round: 1, errors_after: 1 }),
      expect.objectContaining({ round: 2, errors_after: 0 }),
    ]);
    const rounds = log.events.filter((e: { event: string }) => e.event === "plan_repaired");
    expect(rounds).toHaveLength(2);
    expect(rounds[1].details).toMatchObject({
      round: 2,
      errors_in: [expect.objectContaining({ code: "SCHEMA_INVALID" })],
      plan_out: { job_id: input.job.id, operations: [expect.objectContaining({ set: { "muscles.primary": ["trapezius"] } })] },
      model: "fake-strong",
    });
    expect(rounds[1].details.input_tokens).toBeGreaterThan(0);
    expect(log.llm_calls).toHaveLength(2);
  });

  it("ends in needs_review REPAIR_LOOP_EXHAUSTED with 3 recorded rounds when the LLM never fixes the plan", async () => {
    // Each round changes the muscle, never to one the schema knows.
    const muscles = ["Upper Back", "upper_back", "UpperBack"];
    const { llm, input } = await setUp(
      muscles.map((muscle) => ({
        match: { task: REPAIR_CALL.task },
        respond: (req: LlmRequest<unknown>) => withMuscle(req.context?.plan as ChangePlan, muscle),
        times: 1,
      })),
    );
    const before = await snapshotCatalog(db);
    const outcome = await runPlan(input, brokenPlan(input.job.id));

    expect(outcome).toMatchObject({ kind: "completed", status: "needs_review", error: { code: "REPAIR_LOOP_EXHAUSTED" } });
    if (outcome.kind !== "completed") throw new Error("unreachable");
    expect(outcome.error?.message).toMatch(/^1 validation error\(s\) after 3 of 3 repair round\(s\); first: /);
    expect((outcome.error?.details as { repairs: unknown[] }).repairs).toHaveLength(3);
    expect(llm.calls).toHaveLength(3);
    expect(await snapshotCatalog(db)).toBe(before);
    const log = attemptLogOf(input, "needs_review");
    expect(log.repairs).toHaveLength(3);
    expect(log.events.filter((e: { event: string }) => e.event === "plan_repaired")).toHaveLength(3);
    expect(log.llm_calls.map((call: { task: string }) => call.task)).toEqual([REPAIR_CALL.task, REPAIR_CALL.task, REPAIR_CALL.task]);
  });

  it("stops after the round whose answer was cut off at the output limit: no model could write the plan whole", async () => {
    const cutOff = () => {
      throw new LlmError("LLM_TRUNCATED", "model output was cut off at the output token limit (MAX_TOKENS after 16384 output tokens)");
    };
    const { llm, input } = await setUp([{ match: { task: REPAIR_CALL.task }, respond: cutOff }]);
    const outcome = await runPlan(input, brokenPlan(input.job.id));

    expect(outcome).toMatchObject({ status: "needs_review", summary: { repairs: 1 }, error: { code: "REPAIR_LOOP_EXHAUSTED" } });
    if (outcome.kind !== "completed") throw new Error("unreachable");
    const stopReason =
      "the answer of round 1 was cut off at the output token limit (LLM_TRUNCATED): " +
      "the plan of 1 operation(s) is too long to repair, as each round repeats it whole";
    expect(outcome.error?.message).toContain(`after 1 of 3 repair round(s), no further round could do better: ${stopReason}; first: `);
    expect(outcome.error?.details).toMatchObject({ stop_reason: stopReason, repairs: [{ round: 1, errors_after: 1 }] });
    expect(llm.calls.map((call) => [call.task, call.tier])).toEqual([[REPAIR_CALL.task, "fast"]]);
    expect(attemptLogOf(input, "needs_review").llm_calls).toHaveLength(1);
  });

  it("asks the strong model after a fast round that changed nothing, and stops when the strong one changes nothing too", async () => {
    // The fake hands the plan back unchanged unless scripted.
    const { llm, input } = await setUp([]);
    const outcome = await runPlan(input, brokenPlan(input.job.id));

    expect(outcome).toMatchObject({ status: "needs_review", summary: { repairs: 2 }, error: { code: "REPAIR_LOOP_EXHAUSTED" } });
    if (outcome.kind !== "completed") throw new Error("unreachable");
    expect(outcome.error?.message).toContain(
      "after 2 of 3 repair round(s), no further round could do better: " +
        "round 2 returned the plan unchanged and round 3 would ask the same (strong) model the same way; first: ",
    );
    expect(llm.calls.map((call) => call.tier)).toEqual(["fast", "strong"]);
  });

  it("takes a round that only left out a guard the loop puts back for one that changed nothing, and asks no further round", async () => {
    const { llm, input } = await setUp([
      // Round 1 changes the muscle (still not one the schema knows), keeping the guard.
      {
        match: { task: REPAIR_CALL.task },
        respond: (req: LlmRequest<unknown>) => withMuscle(req.context?.plan as ChangePlan, "Upper Back"),
        times: 1,
      },
      // The strong rounds hand the plan back without its optional `before`, which the loop puts back.
      { match: { task: REPAIR_CALL.task }, respond: (req: LlmRequest<unknown>) => withoutBefore(req.context?.plan as ChangePlan) },
    ]);
    const outcome = await runPlan(input, brokenPlan(input.job.id, { "muscles.primary": ROW_PRIMARY_MUSCLES }));

    expect(outcome).toMatchObject({ status: "needs_review", summary: { repairs: 2 }, error: { code: "REPAIR_LOOP_EXHAUSTED" } });
    if (outcome.kind !== "completed") throw new Error("unreachable");
    const stopReason = "round 2 returned the plan unchanged and round 3 would ask the same (strong) model the same way";
    expect(outcome.error?.message).toContain(`after 2 of 3 repair round(s), no further round could do better: ${stopReason}; first: `);
    expect(outcome.error?.details).toMatchObject({ stop_reason: stopReason });
    expect(llm.calls.map((call) => call.tier)).toEqual(["fast", "strong"]);
  });

  it.each([
    ["not JSON", { error: "malformed_json" }, "LLM_BAD_OUTPUT"],
    ["not a plan", { job_id: "x", operations: [{ op: "teleport" }] }, "LLM_BAD_OUTPUT"],
    [
      "refused",
      () => {
        throw new LlmError("LLM_REJECTED", "model stopped (SAFETY)");
      },
      "LLM_REJECTED",
    ],
  ])("counts an unusable answer (%s) as a round that changed nothing: the strong model is asked once", async (_case, unusable, code) => {
    const { llm, input } = await setUp([{ match: { task: REPAIR_CALL.task }, respond: unusable }]);
    const outcome = await runPlan(input, brokenPlan(input.job.id));

    expect(outcome).toMatchObject({ status: "needs_review", summary: { repairs: 2 }, error: { code: "REPAIR_LOOP_EXHAUSTED" } });
    if (outcome.kind !== "completed") throw new Error("unreachable");
    expect(outcome.error?.message).toContain(
      `round 2 gave no usable answer (${code}) and round 3 would ask the same (strong) model the same way`,
    );
    expect(llm.calls.map((call) => call.tier)).toEqual(["fast", "strong"]);
    const log = attemptLogOf(input, "needs_review");
    expect(
      log.events
        .filter((e: { event: string }) => e.event === "plan_repair_unusable")
        .map((e: { details: { code: string } }) => e.details.code),
    ).toEqual([code, code]);
  });

  it("applies the strong model's repair after an unusable answer from the fast one", async () => {
    const { input } = await setUp([
      { match: { task: REPAIR_CALL.task }, respond: { error: "malformed_json" }, times: 1 },
      { match: { task: REPAIR_CALL.task }, respond: (req: LlmRequest<unknown>) => fixedPlan(req.context?.plan as ChangePlan), times: 1 },
    ]);
    const outcome = await runPlan(input, brokenPlan(input.job.id));
    expect(outcome).toMatchObject({ status: "succeeded", summary: { repairs: 2 } });
    expect(attemptLogOf(input, "succeeded").llm_calls).toHaveLength(2);
  });

  it("fails the job transiently when the LLM is unavailable during a repair, writing nothing", async () => {
    const { input } = await setUp([{ match: { task: REPAIR_CALL.task }, respond: { error: "rate_limit" } }]);
    const before = await snapshotCatalog(db);
    const err = await runPlan(input, brokenPlan(input.job.id)).catch((e: unknown) => e);
    expect(toJobFailure(err)).toMatchObject({ code: "LLM_RATE_LIMITED", kind: "transient" });
    expect(await snapshotCatalog(db)).toBe(before);
    // An error answer is not billed.
    expect(input.attempt.llmTotals().calls).toBe(0);
  });

  it("fails the job with LLM_AUTH when there are no credentials, rather than counting a round that changed nothing", async () => {
    const noCredentials = () => {
      throw new LlmError("LLM_AUTH", "Vertex AI credentials unavailable", {
        cause: new Error("Could not load the default credentials"),
      });
    };
    const { input } = await setUp([{ match: { task: REPAIR_CALL.task }, respond: noCredentials }]);
    const before = await snapshotCatalog(db);
    const err = await runPlan(input, brokenPlan(input.job.id)).catch((e: unknown) => e);
    expect(toJobFailure(err)).toMatchObject({ code: "LLM_AUTH", kind: "permanent" });
    expect(await snapshotCatalog(db)).toBe(before);
    // Without credentials nothing was sent.
    expect(input.attempt.llmTotals().calls).toBe(0);
  });

  it("asks for the whole plan back, with the structured errors", () => {
    const plan = brokenPlan("job-1");
    const prompt = buildRepairPrompt(
      plan,
      [{ code: "SCHEMA_INVALID", message: "muscle names are lowercase", operation_index: 0, path: "muscles.primary.0" }],
      2,
    );
    expect(prompt).toContain('"code": "SCHEMA_INVALID"');
    expect(prompt).toContain('"Upper_Back"');
    expect(prompt).toContain("repair round 2");
  });
});
