import type { ChangePlan, OperationInput } from "../../src/apply/plan";
import { beyondRequest, errorSites, outOfScope } from "../../src/apply/scope";
import { validatePlan } from "../../src/apply/validate";
import { familyLockKey } from "../../src/catalog/family-locks";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";
import { type CatalogSeed, catalogViewOf, exerciseFixture, planOf } from "../helpers/catalog";

// Pure: the scope check runs on the catalog view the repaired plan was validated against.
const squat = exerciseFixture("Squat (Barbell)", ["barbell"]);
const frontSquat = exerciseFixture("Front Squat (Dumbbell)", ["dumbbell"]);
const catalog: CatalogSeed = {
  exercises: [squat, frontSquat],
  families: [computeFamilyRegistry("squat", [squat]), computeFamilyRegistry("front_squat", [frontSquat])],
};
const view = catalogViewOf(catalog);
const rationale = "test";

const patchSquat: OperationInput = { op: "patch_fields", exercise_id: squat.id, set: { "metadata.level": "advanced" }, rationale };
const moveSquat = (new_name = "Front Squat (Barbell)"): OperationInput => ({
  op: "reassign_family",
  exercise_id: squat.id,
  from_family: "squat",
  to_family: "front_squat",
  new_name,
  rationale,
});
/** Keeps the old slug of the squat `moveSquat` renames, as every rename must. */
const keepOldSlug: OperationInput = { op: "upsert_alias", alias_slug: String(squat.name_slug), exercise_id: squat.id, rationale };
const check = (original: OperationInput[], repaired: ChangePlan, families: string[]) =>
  outOfScope(planOf(original), repaired, view, families.map(familyLockKey));

describe("outOfScope: a repaired operation on a document the handler planned", () => {
  it("is out of scope when it now moves the document into a family the job does not lock", () => {
    // A TARGETED_FIX holding the squat lock planned a patch; the repair turned it into a move.
    const repaired = planOf([moveSquat(), keepOldSlug]);
    expect(validatePlan(repaired, view).ok).toBe(true);
    expect(check([patchSquat], repaired, ["squat"])).toEqual([
      { operation_index: 0, target: `exercises/${squat.id}`, families: ["front_squat"] },
    ]);
  });

  it("is in scope when the job locks the family it moves into, or when the handler's own operation made that move", () => {
    expect(check([patchSquat], planOf([moveSquat()]), ["squat", "front_squat"])).toEqual([]);
    // The handler moved it itself (under whatever locks it chose); the repair only renames the move.
    expect(check([moveSquat("Front Squat (Bar)")], planOf([moveSquat()]), ["squat"])).toEqual([]);
  });

  it("is out of scope when it creates the planned exercise in another family", () => {
    const { id, ...data } = exerciseFixture("Squat (Dumbbell)", ["dumbbell"]);
    const create = (family_slug: string): OperationInput => ({
      op: "create_exercise",
      exercise_id: id,
      data: { ...data, family_slug },
      rationale,
    });
    expect(check([create("squat")], planOf([create("squat")]), ["squat"])).toEqual([]);
    expect(check([create("squat")], planOf([create("front_squat")]), ["squat"])).toEqual([
      { operation_index: 0, target: `exercises/${id}`, families: ["front_squat"] },
    ]);
  });

  it("without locks, may touch only the families the handler's operations on the same document touched", () => {
    // A job holding no family lock planned patches in two families; the repair moves one into the other.
    const patchFront: OperationInput = { op: "patch_fields", exercise_id: frontSquat.id, set: { "metadata.level": "beginner" }, rationale };
    expect(check([patchSquat, patchFront], planOf([patchFront, patchSquat]), [])).toEqual([]);
    expect(check([patchSquat, patchFront], planOf([patchFront, moveSquat()]), [])).toEqual([
      { operation_index: 1, target: `exercises/${squat.id}`, families: ["front_squat"] },
    ]);
  });
});

describe("outOfScope: a document the handler did not plan", () => {
  it("is in scope only in families the job locks", () => {
    const alias: OperationInput = { op: "upsert_alias", alias_slug: "back-squat", exercise_id: squat.id, rationale };
    const patchFront: OperationInput = { op: "patch_fields", exercise_id: frontSquat.id, set: { "metadata.level": "beginner" }, rationale };
    expect(check([patchSquat], planOf([patchSquat, alias]), ["squat"])).toEqual([]);
    expect(check([patchSquat], planOf([patchSquat, alias, patchFront]), ["squat"])).toEqual([
      { operation_index: 2, target: `exercises/${frontSquat.id}`, families: ["front_squat"] },
    ]);
  });
});

describe("beyondRequest: what a repair changed that neither the job's plan nor the validator named", () => {
  const patch = (set: Record<string, unknown>, unset: string[] = []): OperationInput => ({
    op: "patch_fields",
    exercise_id: squat.id,
    set,
    unset,
    rationale,
  });
  const sitesOf = (original: OperationInput[]) => errorSites(planOf(original), validatePlan(planOf(original), view).errors);
  const beyond = (original: OperationInput[], repaired: OperationInput[]) =>
    beyondRequest(planOf(original), planOf(repaired), sitesOf(original), view);
  const target = `exercises/${squat.id}`;

  it("lets a repair rewrite the fields the plan wrote, inside them too, and the fields an error named", () => {
    const invalid = [patch({ category: "strength", muscles: { primary: ["quadriceps"] } })];
    expect(sitesOf(invalid)).toEqual([{ target, path: "category" }]);
    expect(beyond(invalid, [patch({ category: "compound", "muscles.primary": ["glutes"] })])).toEqual([]);
    expect(beyond(invalid, [patch({ category: "compound" }, ["muscles"])])).toEqual([]);
  });

  it("names the fields written beyond them, and a field around a named one", () => {
    const invalid = [patch({ category: "strength", "muscles.primary": ["quadriceps"] })];
    expect(beyond(invalid, [patch({ category: "compound", "metadata.level": "advanced", muscles: { primary: ["glutes"] } })])).toEqual([
      { operation_index: 0, target, fields: ["metadata.level", "muscles"], retires: false },
    ]);
  });

  it("counts a rename or a move as writing the name and the family, allowed when an error named them", () => {
    const invalid = [patch({ category: "strength" })];
    const rename: OperationInput = {
      op: "rename_exercise",
      exercise_id: squat.id,
      old_name: "Squat (Barbell)",
      new_name: "Box Squat (Barbell)",
      rationale,
    };
    expect(beyond(invalid, [patch({ category: "compound" }), rename])).toEqual([
      { operation_index: 1, target, fields: ["name"], retires: false },
    ]);
    const sites = [
      { target, path: "name" },
      { target, path: "family_slug" },
    ];
    expect(beyondRequest(planOf([rename]), planOf([moveSquat()]), sites, view)).toEqual([]);
    expect(beyondRequest(planOf([rename]), planOf([moveSquat()]), [], view)).toEqual([
      { operation_index: 0, target, fields: ["family_slug"], retires: false },
    ]);
  });

  it("lets a repair follow the validator's suggestions: the array written whole, a deprecated field's replacement", () => {
    const cases: [OperationInput[], OperationInput[]][] = [
      [[patch({ "muscles.secondary.0": "glutes" })], [patch({ "muscles.secondary": ["glutes"] })]],
      [[patch({ primary_muscles: ["glutes"] })], [patch({ "muscles.primary": ["glutes"] })]],
    ];
    for (const [invalid, repaired] of cases) {
      expect(validatePlan(planOf(invalid), view).ok).toBe(false);
      expect(beyond(invalid, repaired)).toEqual([]);
    }
    // Removing a deprecated field whose replacement stays empty: the fix fills the replacement.
    const legacy = { ...squat, instructions: ["Brace."] };
    const legacyView = catalogViewOf({ ...catalog, exercises: [legacy, frontSquat] });
    const unset = (set: Record<string, unknown>) => patch(set, ["instructions"]);
    const errors = validatePlan(planOf([unset({})]), legacyView).errors;
    expect(errors.map(({ code }) => code)).toContain("REPLACEMENT_MISSING");
    expect(
      beyondRequest(
        planOf([unset({})]),
        planOf([unset({ execution_notes: ["Brace."] })]),
        errorSites(planOf([unset({})]), errors),
        legacyView,
      ),
    ).toEqual([]);
  });

  it("takes no guard a repair guessed wrong for a site: a wrong old_name lets no later round rename the exercise", () => {
    const invalid = [patch({ category: "strength" })];
    const rename = (oldName: string): OperationInput => ({
      op: "rename_exercise",
      exercise_id: squat.id,
      old_name: oldName,
      new_name: "Box Squat (Barbell)",
      rationale,
    });
    // Round 1 adds a rename with a guessed old_name: its STALE_PLAN names what the document holds.
    const roundOne = planOf([patch({ category: "compound" }), rename("Back Squat (Barbell)")]);
    const roundOneErrors = validatePlan(roundOne, view).errors;
    expect(roundOneErrors.map(({ code, path }) => `${code} ${path}`)).toEqual(["STALE_PLAN old_name"]);
    expect(errorSites(roundOne, roundOneErrors)).toEqual([]);
    // Round 2 copies the name it was told: still a rename nobody asked for.
    const sites = [...sitesOf(invalid), ...errorSites(roundOne, roundOneErrors)];
    expect(beyondRequest(planOf(invalid), planOf([patch({ category: "compound" }), rename("Squat (Barbell)")]), sites, view)).toEqual([
      { operation_index: 1, target, fields: ["name"], retires: false },
    ]);
  });

  it("counts a patch whose status retires the exercise as a retirement: a repair may not make one the plan did not", () => {
    const invalid = [patch({ status: "Archived" })];
    expect(sitesOf(invalid)).toEqual([{ target, path: "status" }]);
    expect(beyond(invalid, [patch({ status: "deprecated" })])).toEqual([{ operation_index: 0, target, fields: [], retires: true }]);
    expect(beyond(invalid, [patch({ status: "merged", merged_into: frontSquat.id })])).toEqual([
      { operation_index: 0, target, fields: [], retires: true },
      { operation_index: 0, target, fields: ["merged_into"], retires: false },
    ]);
    const retiring = patch({ status: "deprecated", deprecated_at: "2026-01-01T00:00:00Z" });
    // A live status is no retirement; a plan that retired the exercise itself may be repaired as the validator asks.
    expect(beyond(invalid, [patch({ status: "draft" })])).toEqual([]);
    expect(sitesOf([patch({ status: "deprecated" })])).toContainEqual({ target, path: "deprecated_at" });
    expect(beyond([patch({ status: "deprecated" })], [retiring])).toEqual([]);
  });

  it("lets a repair delete an alias only where the validator named its removal, and send a merge only to the suggested successor", () => {
    const deleteAlias: OperationInput = { op: "delete_alias", alias_slug: "back-squat", rationale };
    const aliasDoc = "exercise_aliases/back-squat";
    const original = planOf([patch({ category: "compound" })]);
    expect(beyondRequest(original, planOf([deleteAlias]), [{ target: aliasDoc, path: "", retires: true }], view)).toEqual([]);
    // An error at the alias that asks for no removal (a collision of the plan's own alias) lets no repair delete it.
    expect(beyondRequest(original, planOf([deleteAlias]), [{ target: aliasDoc, path: "alias_slug" }], view)).toEqual([
      { operation_index: 0, target: aliasDoc, fields: [], retires: true },
    ]);

    // The plan merges the squat into an exercise merged away since: the validator suggests its successor.
    const third = exerciseFixture("Squat (Dumbbell)", ["dumbbell"]);
    const retired = { ...frontSquat, status: "merged", merged_into: third.id };
    const mergeView = catalogViewOf({ ...catalog, exercises: [squat, retired, third] });
    const mergeInto = (target_id: string): OperationInput => ({
      op: "merge_exercises",
      source_id: squat.id,
      target_id,
      target_patch: { "metadata.level": "advanced" },
      rationale,
    });
    const invalid = planOf([mergeInto(retired.id)]);
    const sites = errorSites(invalid, validatePlan(invalid, mergeView).errors);
    expect(beyondRequest(invalid, planOf([mergeInto(third.id)]), sites, mergeView)).toEqual([]);
    expect(beyondRequest(invalid, planOf([mergeInto(third.id)]), [], mergeView)).toEqual([
      { operation_index: 0, target: `exercises/${third.id}`, fields: ["metadata.level"], retires: false },
    ]);
  });

  it("lets a repair retire only what the plan retired, and leaves documents it creates to the other checks", () => {
    const archive: OperationInput = { op: "deprecate_exercise", exercise_id: squat.id, rationale };
    const merge: OperationInput = { op: "merge_exercises", source_id: squat.id, target_id: frontSquat.id, rationale };
    const deleteAlias: OperationInput = { op: "delete_alias", alias_slug: "back-squat", rationale };
    expect(beyond([archive], [merge])).toEqual([]);
    expect(beyond([patch({ category: "strength" })], [patch({ category: "compound" }), deleteAlias])).toEqual([
      { operation_index: 1, target: "exercise_aliases/back-squat", fields: [], retires: true },
    ]);
    const { id, ...data } = exerciseFixture("Squat (Dumbbell)", ["dumbbell"]);
    expect(
      beyond(
        [patch({ category: "strength" })],
        [patch({ category: "compound" }), { op: "create_exercise", exercise_id: id, data, rationale }],
      ),
    ).toEqual([]);
  });
});
