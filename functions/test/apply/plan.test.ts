import { changePlanSchema } from "../../src/apply/plan";

const planOf = (operations: unknown[]) => changePlanSchema.parse({ job_id: "j", job_type: "TARGETED_FIX", operations });

describe("an operation's risk", () => {
  it("is its kind's when the plan gives none: retiring is high, renaming or moving medium, filling in low", () => {
    const plan = planOf([
      { op: "merge_exercises", source_id: "a", target_id: "b", rationale: "one movement" },
      { op: "deprecate_exercise", exercise_id: "a", rationale: "retired" },
      { op: "rename_exercise", exercise_id: "a", old_name: "A", new_name: "B", rationale: "naming" },
      { op: "reassign_family", exercise_id: "a", from_family: "x", to_family: "y", rationale: "moved" },
      { op: "delete_alias", alias_slug: "old", rationale: "dangling" },
      { op: "patch_fields", exercise_id: "a", set: { description: "d" }, rationale: "fill in" },
      { op: "upsert_alias", alias_slug: "old", exercise_id: "a", rationale: "keep the old slug" },
    ]);
    expect(plan.operations.map((op) => [op.op, op.risk])).toEqual([
      ["merge_exercises", "high"],
      ["deprecate_exercise", "high"],
      ["rename_exercise", "medium"],
      ["reassign_family", "medium"],
      ["delete_alias", "medium"],
      ["patch_fields", "low"],
      ["upsert_alias", "low"],
    ]);
  });

  it("comes from what a patch or a registry update does: retiring is high, a merged exercise sent elsewhere medium", () => {
    const plan = planOf([
      { op: "patch_fields", exercise_id: "a", set: { status: "merged", merged_into: "b" }, rationale: "a merge as a patch" },
      { op: "patch_fields", exercise_id: "a", set: { merged_into: "c" }, rationale: "its successor retired" },
      { op: "update_family_registry", family_slug: "x", status: "merged", merged_into: "y", rationale: "merged away" },
      { op: "update_family_registry", family_slug: "y", rationale: "recomputed" },
    ]);
    expect(plan.operations.map((op) => op.risk)).toEqual(["high", "medium", "high", "low"]);
  });

  it("may be rated higher by the plan, never lower: a repair cannot call a merge low-risk", () => {
    const plan = planOf([
      { op: "merge_exercises", source_id: "a", target_id: "b", rationale: "one movement", risk: "low" },
      { op: "patch_fields", exercise_id: "a", set: { equipment: ["cable"] }, rationale: "renames it", risk: "medium" },
    ]);
    expect(plan.operations.map((op) => op.risk)).toEqual(["high", "medium"]);
  });

  it("is refused when it is not a level", () => {
    expect(() => planOf([{ op: "no_change", rationale: "nothing", risk: "none" }])).toThrow();
  });
});
