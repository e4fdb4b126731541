import { Timestamp } from "firebase-admin/firestore";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { type PlanRepairer, runPlan } from "../../src/apply/run-plan";
import { type ChangePlan, type OperationInput } from "../../src/apply/plan";
import { withPlannedGuards } from "../../src/apply/scope";
import { REPAIR_CALL } from "../../src/enrichment/llm-calls";
import { llmPlanRepairer } from "../../src/enrichment/repair";
import { FakeLlmClient } from "../../src/llm/index";
import type { LlmRequest } from "../../src/llm/types";
import { exerciseFixture, planOf, seedCatalog } from "../helpers/catalog";
import { type TestDepsOverrides, type TestHandlerInput, leaseForTest, makeTestDeps } from "../helpers/engine";
import { useFirestore } from "../helpers/firestore";

// A plan's guards (a patch's `before`, a rename's `old_name`, a move's `from_family`) hold what the handler
// read; one the catalog no longer matches means a curator's edit the plan never saw.
const db = useFirestore();
const rationale = "test";
const row = exerciseFixture("Bent Over Row (Barbell)", ["barbell"]);
const rowDoc = `exercises/${row.id}`;
const HANDLER_SAW = String(row.description);
const CURATOR = "A curator's hand-written description of the bent over row, written while the job was running.";
const JOBS = "The job's machine-written description of the bent over row, long enough to be valid.";

const patchRow = (fields: Record<string, unknown> = {}): OperationInput => ({
  op: "patch_fields",
  exercise_id: row.id,
  set: { description: JOBS, ...fields },
  before: { description: HANDLER_SAW },
  rationale,
});
/** What the model makes of a plan. */
type Revision = (plan: ChangePlan) => ChangePlan;
const everyOperation =
  (change: (op: Record<string, unknown>) => Record<string, unknown>): Revision =>
  (plan) => ({ ...plan, operations: plan.operations.map((op) => change(op) as ChangePlan["operations"][number]) });
/** What the model does with a STALE_PLAN given to it: the guard set to the current value, or left out. */
const updatesBefore = everyOperation((op) => ({ ...op, before: { description: CURATOR } }));
const dropsBefore = everyOperation(({ before: _before, ...op }) => op);
/** Also fixes the plan's other error (a category outside the enum). */
const fixCategory = everyOperation((op) => ({ ...op, set: { ...(op.set as object), category: "compound" } }));
const fixesCategory =
  (andThen: Revision): Revision =>
  (plan) =>
    andThen(fixCategory(plan));

async function start(overrides: TestDepsOverrides, mode: "apply" | "dry_run" = "apply"): Promise<TestHandlerInput> {
  await seedCatalog(db, { exercises: [row] });
  const deps = makeTestDeps(db, { applyEnabled: true, ...overrides });
  return leaseForTest(deps, {
    type: "TARGETED_FIX",
    payload: { mode, exercise_doc_ids: [row.id], fix_type: "patch", fix_data: { patch: {} } },
  });
}

const curatorEdits = () => db.collection(CATALOG_COLLECTIONS.exercises).doc(row.id).update({ description: CURATOR });
const stored = async () => (await db.collection(CATALOG_COLLECTIONS.exercises).doc(row.id).get()).data()!;
const attemptDoc = (input: TestHandlerInput) =>
  input.attemptLog.document({ status: "needs_review", error: null, finishedAt: new Date(), expireAt: Timestamp.now() });

/** The model's repairs, scripted on a fake LLM behind the real repairer. */
function modelRepairing(answer: Revision) {
  const llm = new FakeLlmClient({
    script: [{ match: { task: REPAIR_CALL.task }, respond: (req: LlmRequest<unknown>) => answer(req.context?.plan as ChangePlan) }],
  });
  return { llm, repairPlan: llmPlanRepairer(() => llm) };
}

describe("a plan whose target changed since it was built (STALE_PLAN at validation)", () => {
  it("ends needs_review TARGET_CHANGED without asking the model, which would update the guard to the current value", async () => {
    const { llm, repairPlan } = modelRepairing(updatesBefore);
    const input = await start({ llm: () => llm, repairPlan });
    await curatorEdits();
    const outcome = await runPlan(input, planOf([patchRow()]));
    expect(outcome).toMatchObject({
      status: "needs_review",
      summary: { operations: 1, repairs: 0, applied: 0 },
      error: {
        code: "TARGET_CHANGED",
        details: {
          failed: [{ operation_index: 0, op: "patch_fields", targets: [rowDoc], code: "STALE_PLAN", path: "before.description" }],
        },
      },
    });
    expect(outcome.kind === "completed" && outcome.error?.message).toMatch(
      new RegExp(
        `^a target changed since the plan was built \\(1 STALE_PLAN error\\(s\\)\\): nothing was applied.*operation 0 ${rowDoc} at before.description`,
      ),
    );
    expect(llm.calls).toHaveLength(0);
    expect((await stored()).description).toBe(CURATOR);
    expect(attemptDoc(input).events).toContainEqual(
      expect.objectContaining({ event: "plan_target_changed", details: { round: 0, errors: 1 } }),
    );
  });

  it.each([
    ["without a repairer", {}],
    ["with MAX_REPAIRS=0", { repairPlan: jest.fn<ReturnType<PlanRepairer>, Parameters<PlanRepairer>>(), config: { maxRepairs: 0 } }],
  ])("ends TARGET_CHANGED, not VALIDATION_FAILED, %s", async (_name, overrides: TestDepsOverrides) => {
    const input = await start(overrides);
    await curatorEdits();
    expect(await runPlan(input, planOf([patchRow()]))).toMatchObject({ status: "needs_review", error: { code: "TARGET_CHANGED" } });
    expect((await stored()).description).toBe(CURATOR);
  });

  it("ends TARGET_CHANGED for a rename's old_name and a move's from_family too, whatever else fails, without asking the model", async () => {
    const { llm, repairPlan } = modelRepairing(fixCategory);
    const input = await start({ llm: () => llm, repairPlan });
    const renamed: OperationInput = {
      op: "rename_exercise",
      exercise_id: row.id,
      old_name: "Barbell Row",
      new_name: "Row (Barbell)",
      rationale,
    };
    const moved: OperationInput = { op: "reassign_family", exercise_id: row.id, from_family: "row", to_family: "bent_over_row", rationale };
    // Besides the stale guard, the plan's patch sets a category outside the enum: an error the model could fix.
    const invalid = patchRow({ category: "strength" });
    expect(await runPlan(input, planOf([renamed, invalid]))).toMatchObject({
      summary: { validation_errors: 2 },
      error: { code: "TARGET_CHANGED", details: { failed: [{ operation_index: 0, targets: [rowDoc], path: "old_name" }] } },
    });
    expect(await runPlan(input, planOf([invalid, moved]))).toMatchObject({
      summary: { validation_errors: 2 },
      error: { code: "TARGET_CHANGED", details: { failed: [{ operation_index: 1, targets: [rowDoc], path: "from_family" }] } },
    });
    expect(llm.calls).toHaveLength(0);
  });

  it("ends APPLY_DISABLED, as a valid plan would, in apply mode with the gate closed (with a repairer or without)", async () => {
    const { llm, repairPlan } = modelRepairing(updatesBefore);
    for (const overrides of [{ llm: () => llm, repairPlan }, {}]) {
      const input = await start({ applyEnabled: false, ...overrides });
      await curatorEdits();
      expect(await runPlan(input, planOf([patchRow()]))).toMatchObject({
        status: "needs_review",
        summary: { operations: 1, repairs: 0, validation_errors: 1, applied: 0 },
        error: { code: "APPLY_DISABLED" },
      });
      expect(attemptDoc(input).events).toContainEqual(expect.objectContaining({ event: "apply_disabled" }));
    }
    expect(llm.calls).toHaveLength(0);
    expect((await stored()).description).toBe(CURATOR);
  });

  it("ends TARGET_CHANGED in a dry run with the gate closed: the preview is not blocked", async () => {
    const input = await start({ applyEnabled: false }, "dry_run");
    await curatorEdits();
    expect(await runPlan(input, planOf([patchRow()]))).toMatchObject({ status: "needs_review", error: { code: "TARGET_CHANGED" } });
  });
});

describe("a guard the model wrote itself (on an operation its repair added) that fails STALE_PLAN", () => {
  // The model never reads the catalog: it guesses the row's name with a hyphen. Nothing changed since the handler read it.
  const guessedRename: OperationInput = {
    op: "rename_exercise",
    exercise_id: row.id,
    old_name: "Bent-Over Row (Barbell)",
    new_name: "Barbell Bent Over Row",
    rationale,
  };
  const invalidPatch = () => planOf([patchRow({ category: "strength" })]);
  /** Every round fixes the category; round 1 adds the rename too, later rounds leave it out. */
  const repairer = () =>
    jest.fn<ReturnType<PlanRepairer>, Parameters<PlanRepairer>>(async (_plan, _errors, round) => {
      const fixed = fixCategory(invalidPatch());
      return { plan: round === 1 ? { ...fixed, operations: [...fixed.operations, ...planOf([guessedRename]).operations] } : fixed };
    });
  const staleGuess = { code: "STALE_PLAN", operation_index: 1, path: "old_name" };

  it("is an error the next round repairs, not TARGET_CHANGED", async () => {
    const repairPlan = repairer();
    const input = await start({ repairPlan });
    expect(await runPlan(input, invalidPatch())).toMatchObject({ status: "succeeded", summary: { repairs: 2, applied: 1 } });
    expect(repairPlan).toHaveBeenCalledTimes(2);
    expect(repairPlan.mock.calls[1][1]).toContainEqual(expect.objectContaining(staleGuess));
    expect(await stored()).toMatchObject({ name: row.name, description: JOBS, category: "compound" });
  });

  it("ends REPAIR_LOOP_EXHAUSTED when no round is left to repair it", async () => {
    const repairPlan = repairer();
    const input = await start({ repairPlan, config: { maxRepairs: 1 } });
    expect(await runPlan(input, invalidPatch())).toMatchObject({
      status: "needs_review",
      error: { code: "REPAIR_LOOP_EXHAUSTED", details: { errors: [expect.objectContaining(staleGuess)] } },
    });
    expect((await stored()).name).toBe(row.name);
  });
});

describe("a repair of a plan whose target changes during the repair call", () => {
  // The job's plan has another error (a category outside the enum) and is sent to the model; a curator edits meanwhile.
  const invalidPatch = () => planOf([patchRow({ category: "strength" })]);

  it.each([
    ["updates the guard", updatesBefore],
    ["leaves the guard out", dropsBefore],
  ])("ends TARGET_CHANGED after the round when the model %s: the handler's guard is put back", async (_name, answer) => {
    const repairPlan = jest.fn<ReturnType<PlanRepairer>, Parameters<PlanRepairer>>(async (plan) => {
      await curatorEdits();
      return { plan: fixesCategory(answer)(plan) };
    });
    const input = await start({ repairPlan });
    const outcome = await runPlan(input, invalidPatch());
    expect(outcome).toMatchObject({
      status: "needs_review",
      summary: { repairs: 1 },
      error: { code: "TARGET_CHANGED", details: { failed: [{ operation_index: 0, path: "before.description" }] } },
    });
    expect(outcome.kind === "completed" && outcome.error?.message).toMatch(/1 STALE_PLAN error\(s\) after 1 repair round\(s\)/);
    expect(repairPlan).toHaveBeenCalledTimes(1);
    expect((await stored()).description).toBe(CURATOR);
    expect(attemptDoc(input).events).toContainEqual(
      expect.objectContaining({ event: "plan_target_changed", details: { round: 1, errors: 1 } }),
    );
  });

  it("applies a repair that left the guard out when nothing changed, with the handler's guard put back", async () => {
    const { llm, repairPlan } = modelRepairing(fixesCategory(dropsBefore));
    const input = await start({ llm: () => llm, repairPlan });
    expect(await runPlan(input, invalidPatch())).toMatchObject({ status: "succeeded", summary: { repairs: 1, applied: 1 } });
    expect(llm.calls).toHaveLength(1);
    expect((await stored()).description).toBe(JOBS);
    expect((attemptDoc(input).plan as ChangePlan).operations[0]).toMatchObject({ before: { description: HANDLER_SAW } });
  });
});

describe("withPlannedGuards", () => {
  const other = exerciseFixture("Pendlay Row (Barbell)", ["barbell"]);
  const rename = (old_name: string, new_name = "Row (Barbell)"): OperationInput => ({
    op: "rename_exercise",
    exercise_id: row.id,
    old_name,
    new_name,
    rationale,
  });
  const move = (from_family: string): OperationInput => ({
    op: "reassign_family",
    exercise_id: row.id,
    from_family,
    to_family: "row",
    rationale,
  });
  const patch = (id: string, before?: Record<string, unknown>): OperationInput => ({
    op: "patch_fields",
    exercise_id: id,
    set: { "metadata.level": "advanced" },
    ...(before ? { before } : {}),
    rationale,
  });

  it("puts back the handler's before, old_name and from_family on the exercises its plan patched, renamed or moved", () => {
    const original = planOf([patch(row.id, { description: "seen" }), rename("Seen Name"), move("seen_family")]);
    const repaired = planOf([patch(row.id), rename("Model's Name", "Row (Bar)"), move("models_family")]);
    const { plan, handlerGuarded } = withPlannedGuards(original, repaired);
    expect(plan.operations).toEqual(
      planOf([patch(row.id, { description: "seen" }), rename("Seen Name", "Row (Bar)"), move("seen_family")]).operations,
    );
    expect(handlerGuarded).toEqual(new Set([0, 1, 2]));
  });

  it("leaves out a before the handler's patch had none of, and keeps the model's guards elsewhere", () => {
    const original = planOf([patch(row.id)]);
    const repaired = planOf([patch(row.id, { description: "invented" }), patch(other.id, { description: "other" }), rename("Name")]);
    const { plan, handlerGuarded } = withPlannedGuards(original, repaired);
    expect(plan.operations).toEqual(planOf([patch(row.id), patch(other.id, { description: "other" }), rename("Name")]).operations);
    expect(handlerGuarded).toEqual(new Set([0]));
  });

  it("matches several operations of one kind on one exercise in order; any beyond the plan's keep their own", () => {
    const original = planOf([rename("First", "Second"), rename("Second", "Third")]);
    const repaired = planOf([rename("A", "Second"), rename("B", "Third (Bar)"), rename("C", "Fourth")]);
    const { plan, handlerGuarded } = withPlannedGuards(original, repaired);
    expect(plan.operations.map((op) => op.op === "rename_exercise" && op.old_name)).toEqual(["First", "Second", "C"]);
    expect(handlerGuarded).toEqual(new Set([0, 1]));
  });
});
