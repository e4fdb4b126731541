import type { OperationInput } from "../../src/apply/plan";
import type { ValidationResult } from "../../src/apply/issues";
import { validatePlan } from "../../src/apply/validate";
import {
  type CatalogSeed,
  type ExerciseFixture,
  archivedExerciseFixture,
  catalogViewOf,
  exerciseFixture,
  planOf,
} from "../helpers/catalog";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";

// Pure: validation runs on an in-memory view, exactly what the loader would have read.
const benchBarbell = exerciseFixture("Bench Press (Barbell)", ["barbell"]);
const benchDumbbell = exerciseFixture("Bench Press (Dumbbell)", ["dumbbell"]);
const squat = exerciseFixture("Squat (Barbell)", ["barbell"]);
const families = [computeFamilyRegistry("bench_press", [benchBarbell, benchDumbbell]), computeFamilyRegistry("squat", [squat])];
const catalog: CatalogSeed = { exercises: [benchBarbell, benchDumbbell, squat], families };

function validate(operations: OperationInput[], seed: CatalogSeed = catalog): ValidationResult {
  return validatePlan(planOf(operations), catalogViewOf(seed));
}

function expectError(
  result: ValidationResult,
  expected: { code: string; operation_index: number | null; path?: string; suggestion?: string },
) {
  expect(result.ok).toBe(false);
  expect(result.errors).toContainEqual(expect.objectContaining(expected));
}

const rationale = "test";
const patch = (set: Record<string, unknown>, unset: string[] = [], exercise_id = benchBarbell.id): OperationInput => ({
  op: "patch_fields",
  exercise_id,
  set,
  unset,
  rationale,
});
const rename = (exercise: ExerciseFixture, new_name: string): OperationInput => ({
  op: "rename_exercise",
  exercise_id: exercise.id,
  old_name: String(exercise.name),
  new_name,
  rationale,
});
const registry = (family_slug: string): OperationInput => ({ op: "update_family_registry", family_slug, rationale });
/** The squat family's registry entry retired as merged into `merged_into`. */
const retireSquatInto = (merged_into: string): OperationInput => ({
  op: "update_family_registry",
  family_slug: "squat",
  status: "merged",
  merged_into,
  rationale,
});
/** The squat moved into a family of its own, renamed for it. */
const moveToFrontSquat: OperationInput = {
  op: "reassign_family",
  exercise_id: squat.id,
  from_family: "squat",
  to_family: "front_squat",
  new_name: "Front Squat (Barbell)",
  rationale,
};
/** The alias that keeps an exercise's current slug once it is renamed. */
const keepOldSlug = (exercise: ExerciseFixture): OperationInput => ({
  op: "upsert_alias",
  alias_slug: String(exercise.name_slug),
  exercise_id: exercise.id,
  rationale,
});

describe("validatePlan: a valid plan", () => {
  it("accepts a patch, a rename with its old slug kept as an alias, and the registry update", () => {
    const result = validate([
      { op: "no_change", rationale },
      patch({ "muscles.secondary": ["triceps"], "metadata.level": "intermediate" }),
      rename(squat, "Back Squat (Barbell)"),
      { op: "upsert_alias", alias_slug: "squat-barbell", exercise_id: squat.id, rationale },
      registry("squat"),
    ]);
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
  });
});

describe("validatePlan: path allowlist and patch shape", () => {
  it.each([
    ["an unknown field", { secret: 1 }, "set.secret", undefined],
    ["an array index", { "execution_notes.0": "Stand tall." }, "set.execution_notes.0", "execution_notes"],
    ["a deprecated field", { primary_muscles: ["quadriceps"] }, "set.primary_muscles", "muscles.primary"],
    ["an unknown key inside a known map", { muscles: { primary: ["quadriceps"], favourite: "yes" } }, "set.muscles.favourite", undefined],
  ])("rejects setting %s", (_name, set, path, suggestion) => {
    expectError(validate([{ op: "no_change", rationale }, patch(set)]), {
      code: "PATH_NOT_ALLOWED",
      operation_index: 1,
      path,
      ...(suggestion ? { suggestion } : {}),
    });
  });

  it("refuses removing a deprecated field whose replacement is empty after the plan: its content would be lost", () => {
    // The squat fixture has muscles.primary but no execution_notes.
    const legacy = { ...squat, instructions: ["Stand with the bar on your upper back."], primary_muscles: ["quads"] };
    const seed = { ...catalog, exercises: [benchBarbell, benchDumbbell, legacy] };
    const result = validate([patch({}, ["instructions", "primary_muscles"], squat.id)], seed);
    expect(result.errors).toEqual([
      expect.objectContaining({
        code: "REPLACEMENT_MISSING",
        operation_index: 0,
        path: "unset.instructions",
        message: 'removing "instructions" loses its content: its replacement execution_notes is still empty after the plan',
        target: `exercises/${squat.id}`,
      }),
    ]);
    // Filled by the same patch or a later one, the replacement keeps the content.
    const notes = { execution_notes: ["Stand with the bar on your upper back.", "Sit down between your heels."] };
    expect(validate([patch(notes, ["instructions"], squat.id)], seed).errors).toEqual([]);
    expect(validate([patch({}, ["instructions"], squat.id), patch(notes, [], squat.id)], seed).errors).toEqual([]);
  });

  it("allows removing a deprecated field but not an unknown one", () => {
    const legacy = { ...benchBarbell, primary_muscles: ["pecs"] };
    expect(validate([patch({}, ["primary_muscles"])], { ...catalog, exercises: [legacy, benchDumbbell] }).ok).toBe(true);
    expectError(validate([patch({}, ["whatever"])]), { code: "PATH_NOT_ALLOWED", operation_index: 0, path: "unset.whatever" });
  });

  it("rejects unknown fields in a new exercise", () => {
    const doc = exerciseFixture("Bench Press (Cable)", ["cable"]);
    const { id, ...data } = doc;
    expectError(validate([{ op: "create_exercise", exercise_id: id, data: { ...data, colour: "red" }, rationale }]), {
      code: "PATH_NOT_ALLOWED",
      operation_index: 0,
      path: "data.colour",
    });
  });

  it("sends name and slug changes through rename_exercise / reassign_family", () => {
    expectError(validate([patch({ name: "Bench Press (Barbell) X" })]), {
      code: "IDENTITY_FIELD_PATCH",
      operation_index: 0,
      path: "set.name",
      suggestion: "rename_exercise",
    });
    expectError(validate([patch({ family_slug: "squat" })]), {
      code: "IDENTITY_FIELD_PATCH",
      operation_index: 0,
      path: "set.family_slug",
      suggestion: "reassign_family",
    });
  });

  it("rejects overlapping paths", () => {
    expectError(validate([patch({ muscles: { primary: ["triceps"] }, "muscles.primary": ["triceps"] })]), {
      code: "PATH_CONFLICT",
      operation_index: 0,
    });
  });

  it("limits the plan and the operation size", () => {
    const many = Array.from({ length: 501 }, () => ({ op: "no_change" as const, rationale }));
    expectError(validate(many), { code: "PLAN_TOO_LARGE", operation_index: null, path: "operations" });
    expectError(validate([patch({ description: "x".repeat(70_000) })]), { code: "OPERATION_TOO_LARGE", operation_index: 0 });
    // Bytes as Firestore counts them: 30,000 en dashes are 90,000.
    expectError(validate([patch({ description: "–".repeat(30_000) })]), { code: "OPERATION_TOO_LARGE", operation_index: 0 });
  });
});

describe("validatePlan: documents after the change", () => {
  it("checks the schema of the patched document, with the document path", () => {
    const result = validate([patch({ category: "strength", "muscles.primary": ["Biceps_Brachii"] })]);
    expectError(result, { code: "SCHEMA_INVALID", operation_index: 0, path: "category" });
    expectError(result, { code: "SCHEMA_INVALID", operation_index: 0, path: "muscles.primary.0" });
    expect(result.errors[0].target).toBe(`exercises/${benchBarbell.id}`);
  });

  it("refuses muscle contribution shares that do not sum to about 1, and only warns of a stored one the plan leaves", () => {
    expectError(validate([patch({ "muscles.contribution": { quadriceps: 1, glutes: 1, hamstrings: 1 } })]), {
      code: "SCHEMA_INVALID",
      operation_index: 0,
      path: "muscles.contribution",
    });
    const legacy = { ...benchBarbell, muscles: { primary: ["quadriceps"], contribution: { quadriceps: 0.2 } } };
    const result = validate([patch({ "muscles.secondary": ["glutes"] })], { ...catalog, exercises: [legacy, benchDumbbell] });
    expect(result.ok).toBe(true);
    expect(result.warnings).toContainEqual(expect.objectContaining({ code: "SCHEMA_INVALID", path: "muscles.contribution" }));
  });

  it("reports a legacy problem the plan does not touch as a warning only", () => {
    const legacy = { ...benchBarbell, description: "Too short." };
    const result = validate([patch({ "review_metadata.quality_score": 0.45 })], { ...catalog, exercises: [legacy, benchDumbbell] });
    expect(result.ok).toBe(true);
    expect(result.warnings).toContainEqual(expect.objectContaining({ code: "SCHEMA_INVALID", path: "description", operation_index: 0 }));
  });

  it("simulates earlier operations: a patch after a create sees the created document", () => {
    const { id, ...data } = exerciseFixture("Bench Press (Cable)", ["cable"]);
    const result = validate([
      { op: "create_exercise", exercise_id: id, data, rationale },
      patch({ "metadata.unilateral": "yes" }, [], id),
      registry("bench_press"),
    ]);
    expectError(result, { code: "SCHEMA_INVALID", operation_index: 1, path: "metadata.unilateral" });
    expect(result.errors).toHaveLength(1);
  });

  it("reports a missing target, a stale rename, a taken id and an id that is not derived", () => {
    expectError(validate([patch({ category: "compound" }, [], "nope")]), {
      code: "EXERCISE_NOT_FOUND",
      operation_index: 0,
      path: "exercise_id",
    });
    expectError(validate([{ ...rename(squat, "Back Squat (Barbell)"), old_name: "Squat" } as OperationInput]), {
      code: "STALE_PLAN",
      operation_index: 0,
      path: "old_name",
    });
    const { id, ...data } = benchBarbell;
    expectError(validate([{ op: "create_exercise", exercise_id: id, data, rationale }]), { code: "EXERCISE_EXISTS", operation_index: 0 });
    expectError(
      validate([
        {
          op: "create_exercise",
          exercise_id: "bench_press__x",
          data: { ...data, name: "Bench Press (Cable)", name_slug: "bench-press-cable", equipment: ["cable"] },
          rationale,
        },
      ]),
      {
        code: "EXERCISE_ID_MISMATCH",
        operation_index: 0,
        path: "exercise_id",
        suggestion: "bench_press__bench-press-cable",
      },
    );
  });

  it("rejects a patch whose recorded before values no longer match the exercise", () => {
    const stale: OperationInput = {
      op: "patch_fields",
      exercise_id: squat.id,
      set: { category: "isolation" },
      before: { category: "core" },
      rationale,
    };
    expectError(validate([stale]), { code: "STALE_PLAN", operation_index: 0, path: "before.category" });
    expect(validate([{ ...stale, before: { category: "compound", "metadata.level": null } }]).ok).toBe(true);
  });

  it("requires name_slug to derive from the name", () => {
    const { id: _id, ...data } = exerciseFixture("Bench Press (Cable)", ["cable"]);
    expectError(
      validate([
        { op: "create_exercise", exercise_id: "bench_press__bench-cable", data: { ...data, name_slug: "bench-cable" }, rationale },
      ]),
      {
        code: "SCHEMA_INVALID",
        operation_index: 0,
        path: "name_slug",
      },
    );
  });
});

describe("validatePlan: names, slugs and families", () => {
  it("requires canonical names in a multi-equipment family, suggesting the canonical one", () => {
    expectError(validate([rename(benchBarbell, "Bench Press")]), {
      code: "NON_CANONICAL_NAME",
      operation_index: 0,
      path: "name",
      suggestion: "Bench Press (Barbell)",
    });
    expectError(validate([rename(squat, "Barbell Squat")]), {
      code: "NON_CANONICAL_NAME",
      operation_index: 0,
      suggestion: "Squat (Barbell)",
    });
  });

  it("blames the operation that made a family multi-equipment for the names it left without suffix", () => {
    const plain = exerciseFixture("Hip Thrust", ["barbell"]);
    const { id, ...data } = exerciseFixture("Hip Thrust (Dumbbell)", ["dumbbell"]);
    const seed = { exercises: [plain], families: [computeFamilyRegistry("hip_thrust", [plain])] };
    const create: OperationInput = { op: "create_exercise", exercise_id: id, data, rationale };
    const result = validate([create, registry("hip_thrust")], seed);
    expectError(result, { code: "NON_CANONICAL_NAME", operation_index: 0, suggestion: "Hip Thrust (Barbell)" });
    expect(result.errors[0].target).toBe(`exercises/${plain.id}`);
    // The same addition with the rename (and the old slug kept) is valid.
    const fixed = validate(
      [
        create,
        rename(plain, "Hip Thrust (Barbell)"),
        { op: "upsert_alias", alias_slug: "hip-thrust", exercise_id: plain.id, rationale },
        registry("hip_thrust"),
      ],
      seed,
    );
    expect(fixed.errors).toEqual([]);
  });

  it("judges a family's equipment as the family jobs and the scanner do: normalised (legacy casing is one primary)", () => {
    const deadlift = exerciseFixture("Deadlift", ["Barbell"]);
    const deficit = exerciseFixture("Deficit Deadlift", ["barbell"], { family_slug: deadlift.family_slug });
    const seed = { exercises: [deadlift, deficit], families: [computeFamilyRegistry(String(deadlift.family_slug), [deadlift, deficit])] };
    expect(seed.families[0]).toMatchObject({ primary_equipment: ["barbell"], allowed_equipment: ["barbell"] });
    const keptSlug: OperationInput = { op: "upsert_alias", alias_slug: String(deficit.name_slug), exercise_id: deficit.id, rationale };
    const result = validate([rename(deficit, "Snatch-Grip Deadlift"), keptSlug], seed);
    expect(result.errors).toEqual([]);
    expect(result.warnings.filter((issue) => issue.code === "NON_CANONICAL_NAME")).toEqual([]);
  });

  it("warns about, but does not block on, naming problems a family already had", () => {
    const unsuffixed = exerciseFixture("Bench Press", ["smith-machine"], { family_slug: "bench_press" });
    const seed = { ...catalog, exercises: [benchBarbell, benchDumbbell, unsuffixed, squat] };
    const result = validate([patch({ "metadata.level": "beginner" })], seed);
    expect(result.ok).toBe(true);
    expect(result.warnings).toContainEqual(
      expect.objectContaining({ code: "NON_CANONICAL_NAME", suggestion: "Bench Press (Smith Machine)" }),
    );
  });

  it("requires the family to fit the name", () => {
    expectError(validate([rename(benchBarbell, "Deadlift (Barbell)")]), {
      code: "FAMILY_SLUG_MISMATCH",
      operation_index: 0,
      path: "family_slug",
    });
    expect(validate([rename(benchBarbell, "Incline Bench Press (Barbell)"), keepOldSlug(benchBarbell)]).errors).toEqual([]);
  });

  it("requires the family to fit the name of an exercise the plan brings back from retirement", () => {
    const misfiled = archivedExerciseFixture("Deadlift (Trap Bar)", ["trap-bar"], { family_slug: "squat" });
    const seed = { ...catalog, exercises: [...(catalog.exercises ?? []), misfiled] };
    expectError(validate([patch({ status: "approved" }, ["deprecated_at"], misfiled.id), registry("squat")], seed), {
      code: "FAMILY_SLUG_MISMATCH",
      operation_index: 0,
      path: "family_slug",
    });
    // Left retired, it keeps the name it had: a family rename moves it unrenamed.
    expect(
      validate([patch({ description: "A misfiled exercise, kept archived with the name it had." }, [], misfiled.id)], seed).errors,
    ).toEqual([]);
  });

  it("keeps name slugs unique across the catalog", () => {
    const legacy = { ...benchBarbell, id: "legacy-bench", name: "Bench Press (Barbell)", family_slug: "old_bench_press" };
    const seed = { exercises: [legacy, squat] };
    const { id, ...data } = benchBarbell;
    expectError(validate([{ op: "create_exercise", exercise_id: id, data, rationale }], seed), {
      code: "DUPLICATE_NAME_SLUG",
      operation_index: 0,
      path: "name_slug",
    });
  });

  it("rejects a second exercise with the same primary equipment in a multi-equipment family", () => {
    const { id, ...data } = exerciseFixture("Incline Bench Press (Dumbbell)", ["dumbbell"], { family_slug: "bench_press" });
    const result = validate([{ op: "create_exercise", exercise_id: id, data, rationale }, registry("bench_press")]);
    expectError(result, { code: "DUPLICATE_EQUIPMENT_VARIANT", operation_index: 0, path: "equipment" });
  });

  it("does not take exercises without equipment for a primary equipment of their own", () => {
    const family = { family_slug: "romanian_deadlift" };
    const drafts = [
      exerciseFixture("Deficit Romanian Deadlift", [], { ...family, status: "draft" }),
      exerciseFixture("Paused Romanian Deadlift", [], { ...family, status: "draft" }),
    ];
    const seed = { exercises: drafts, families: [computeFamilyRegistry("romanian_deadlift", drafts)] };
    const { id, ...data } = exerciseFixture("Romanian Deadlift", ["barbell"], family);
    const result = validate([{ op: "create_exercise", exercise_id: id, data, rationale }, registry("romanian_deadlift")], seed);
    expect(result.errors).toEqual([]);
    expect(result.warnings.filter((issue) => ["DUPLICATE_EQUIPMENT_VARIANT", "NON_CANONICAL_NAME"].includes(issue.code))).toEqual([]);
  });

  it("rejects moving live exercises into a retired family", () => {
    const retired = { ...computeFamilyRegistry("front_squat", [], { status: "merged", merged_into: "squat" }), base_name: "Front Squat" };
    const seed = { ...catalog, families: [...families, retired] };
    expectError(validate([moveToFrontSquat, registry("squat")], seed), {
      code: "FAMILY_TARGET_INVALID",
      operation_index: 0,
      path: "status",
    });
  });

  it("lets a plan shrink a legacy group of exercises sharing a primary equipment (a warning), but not grow it", () => {
    const variant = (name: string) => exerciseFixture(name, ["barbell"], { family_slug: "bench_press" });
    const [incline, closeGrip] = [variant("Incline Bench Press (Barbell)"), variant("Close Grip Bench Press (Barbell)")];
    const seed = { ...catalog, exercises: [benchBarbell, incline, closeGrip, benchDumbbell, squat] };
    const archived = validate([{ op: "deprecate_exercise", exercise_id: closeGrip.id, rationale }, registry("bench_press")], seed);
    expect(archived.errors).toEqual([]);
    expect(archived.warnings).toContainEqual(
      expect.objectContaining({ code: "DUPLICATE_EQUIPMENT_VARIANT", operation_index: 0, message: expect.stringContaining(incline.id) }),
    );
    const { id, ...data } = variant("Decline Bench Press (Barbell)");
    const added = validate([{ op: "create_exercise", exercise_id: id, data, rationale }, registry("bench_press")], seed);
    expectError(added, { code: "DUPLICATE_EQUIPMENT_VARIANT", operation_index: 0, path: "equipment" });
  });

  it("keeps a legacy group a family rename moves whole a warning, but not two legacy groups it joins", () => {
    const variant = (name: string, family_slug: string) => exerciseFixture(name, ["barbell"], { family_slug });
    const [incline, closeGrip] = [
      variant("Incline Bench Press (Barbell)", "bench_press"),
      variant("Close Grip Bench Press (Barbell)", "bench_press"),
    ];
    const seed = { ...catalog, exercises: [benchBarbell, incline, closeGrip, benchDumbbell, squat] };
    const move = (exercise: ExerciseFixture, to_family: string, new_name?: string): OperationInput => ({
      op: "reassign_family",
      exercise_id: exercise.id,
      from_family: String(exercise.family_slug),
      to_family,
      ...(new_name ? { new_name } : {}),
      rationale,
    });
    const renamed = [benchBarbell, incline, closeGrip, benchDumbbell].flatMap((exercise) => [
      move(exercise, "chest_press", String(exercise.name).replace("Bench Press", "Chest Press")),
      keepOldSlug(exercise),
    ]);
    const result = validate([...renamed, registry("chest_press"), registry("bench_press")], seed);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toContainEqual(expect.objectContaining({ code: "DUPLICATE_EQUIPMENT_VARIANT", path: "equipment" }));

    // A legacy pair of another family moved onto the bench press's: a group neither family had.
    const paused = [variant("Paused Bench Press (Barbell)", "old_bench"), variant("Spoto Bench Press (Barbell)", "old_bench")];
    const joined = { ...seed, exercises: [...seed.exercises, ...paused] };
    const moved = paused.map((exercise) => move(exercise, "bench_press"));
    const errors = validate([...moved, registry("bench_press"), registry("old_bench")], joined).errors;
    expect(errors).toEqual([expect.objectContaining({ code: "DUPLICATE_EQUIPMENT_VARIANT", operation_index: 1, path: "equipment" })]);
  });

  it("warns when a family changes without its registry being recomputed", () => {
    const result = validate([{ op: "deprecate_exercise", exercise_id: benchDumbbell.id, rationale }]);
    expect(result.ok).toBe(true);
    expect(result.warnings).toContainEqual(expect.objectContaining({ code: "REGISTRY_STALE", operation_index: 0 }));
  });
});

describe("validatePlan: equipment outside the canonical list", () => {
  const nonCanonical = (result: ValidationResult) => result.warnings.filter((warning) => warning.code === "NON_CANONICAL_EQUIPMENT");

  it("is allowed, with a warning naming each value an exercise's new equipment holds", () => {
    const result = validate([patch({ equipment: ["barbell", "plate", "landmine"] })]);
    expect(result.errors).toEqual([]);
    expect(nonCanonical(result)).toEqual([
      expect.objectContaining({
        operation_index: 0,
        path: "equipment",
        target: `exercises/${benchBarbell.id}`,
        message: expect.stringContaining('"plate"'),
      }),
      expect.objectContaining({
        operation_index: 0,
        path: "equipment",
        target: `exercises/${benchBarbell.id}`,
        message: expect.stringContaining('"landmine"'),
      }),
    ]);
  });

  it("warns for a new exercise too, and not for canonical equipment or equipment the plan leaves as it is", () => {
    const created = exerciseFixture("Dip (Dip Belt)", ["dip-belt"]);
    const { id, ...data } = created;
    const result = validate([{ op: "create_exercise", exercise_id: id, data, rationale }, registry("dip")]);
    expect(nonCanonical(result)).toEqual([expect.objectContaining({ operation_index: 0, message: expect.stringContaining('"dip-belt"') })]);

    expect(nonCanonical(validate([patch({ equipment: ["barbell", "dumbbell"] })]))).toEqual([]);
    const legacy = { ...benchBarbell, equipment: ["barbell", "plate"] };
    expect(
      nonCanonical(validate([patch({ "metadata.level": "advanced" })], { ...catalog, exercises: [legacy, benchDumbbell, squat] })),
    ).toEqual([]);
  });
});

describe("validatePlan: aliases", () => {
  const alias = (alias_slug: string, target: { exercise_id?: string; family_slug?: string }): OperationInput => ({
    op: "upsert_alias",
    alias_slug,
    ...target,
    rationale,
  });

  it("needs exactly one target", () => {
    expectError(validate([alias("x", {})]), { code: "ALIAS_TARGET_INVALID", operation_index: 0, path: "exercise_id" });
    expectError(validate([alias("x", { exercise_id: squat.id, family_slug: "squat" })]), {
      code: "ALIAS_TARGET_INVALID",
      operation_index: 0,
    });
  });

  it("needs a target that exists, or that the plan creates", () => {
    expectError(validate([alias("ghost", { exercise_id: "squat__ghost" })]), {
      code: "ALIAS_TARGET_MISSING",
      operation_index: 0,
      path: "exercise_id",
    });
    expectError(validate([alias("ghost_family", { family_slug: "ghost" })]), {
      code: "ALIAS_TARGET_MISSING",
      operation_index: 0,
      path: "family_slug",
    });
    const { id, ...data } = exerciseFixture("Front Squat (Barbell)", ["barbell"]);
    const result = validate([
      alias("front-squat", { exercise_id: id }),
      { op: "create_exercise", exercise_id: id, data, rationale },
      registry("front_squat"),
    ]);
    expect(result.errors).toEqual([]);
  });

  it("does not take over an alias that points at another live target, but repairs an orphaned one", () => {
    const existing = { alias_slug: "flat-press", exercise_id: benchBarbell.id, is_family_alias: false };
    const orphan = { alias_slug: "old-press", exercise_id: "bench_press__gone", is_family_alias: false };
    const seed = { ...catalog, aliases: [existing, orphan] };
    expectError(validate([alias("flat-press", { exercise_id: benchDumbbell.id })], seed), {
      code: "ALIAS_COLLISION",
      operation_index: 0,
      path: "alias_slug",
    });
    expect(validate([alias("old-press", { exercise_id: benchDumbbell.id })], seed).errors).toEqual([]);
  });

  it("lets a family alias take over an old slug of an exercise the plan leaves in the family", () => {
    // The squat's creation slug (its id's) led to it; as an alias of the squat's family it still reaches the squat.
    const oldSlug = squat.id.split("__")[1];
    const seed = {
      ...catalog,
      aliases: [
        { alias_slug: oldSlug, exercise_id: squat.id, is_family_alias: false },
        { alias_slug: "back-squat", exercise_id: squat.id, is_family_alias: false },
      ],
    };
    expect(validate([alias(oldSlug, { family_slug: "squat" })], seed).errors).toEqual([]);
    // Not a family's to take: another family's alias, or a name of the exercise's own.
    for (const [slug, family] of [
      [oldSlug, "bench_press"],
      ["back-squat", "squat"],
    ])
      expectError(validate([alias(slug, { family_slug: family })], seed), {
        code: "ALIAS_COLLISION",
        operation_index: 0,
        path: "alias_slug",
      });
  });

  it("lets a retired family's alias take its slug over from the exercise once named as the family, wherever it went since", () => {
    // "Crunch" was split off crunch as "Reverse Crunch", its old slug kept; crunch has been merged into squat since.
    const reverseCrunch = exerciseFixture("Reverse Crunch", ["bodyweight"], { id: "crunch__crunch" });
    const merged = computeFamilyRegistry("crunch", [], { status: "merged", merged_into: "squat" });
    const seed = (exercise_id: string) => ({
      exercises: [...(catalog.exercises ?? []), reverseCrunch],
      families: [...families, merged],
      aliases: [{ alias_slug: "crunch", exercise_id, is_family_alias: false }],
    });
    expect(validate([alias("crunch", { family_slug: "squat" })], seed(reverseCrunch.id)).errors).toEqual([]);
    // Not the retired family's successor, or a name the slug never was: not the family's to take.
    for (const [exerciseId, family] of [
      [reverseCrunch.id, "bench_press"],
      [benchBarbell.id, "squat"],
    ])
      expectError(validate([alias("crunch", { family_slug: family })], seed(exerciseId)), {
        code: "ALIAS_COLLISION",
        operation_index: 0,
        path: "alias_slug",
      });
  });

  it("rejects chains: an alias of a merged exercise or of a family alias", () => {
    const merged = { ...benchDumbbell, status: "merged", merged_into: benchBarbell.id };
    expectError(validate([alias("db-press", { exercise_id: merged.id })], { ...catalog, exercises: [benchBarbell, merged, squat] }), {
      code: "ALIAS_CHAIN",
      operation_index: 0,
      suggestion: benchBarbell.id,
    });
    const familyAlias = { alias_slug: "back_squat", family_slug: "squat", is_family_alias: true };
    expectError(validate([alias("legs", { family_slug: "back_squat" })], { ...catalog, aliases: [familyAlias] }), {
      code: "ALIAS_CHAIN",
      operation_index: 0,
      suggestion: "squat",
    });
  });

  it("rejects loops", () => {
    const toA = { alias_slug: "b_fam", family_slug: "a_fam", is_family_alias: true };
    expectError(validate([alias("a_fam", { family_slug: "b_fam" })], { ...catalog, aliases: [toA] }), {
      code: "ALIAS_LOOP",
      operation_index: 0,
    });
    expectError(validate([alias("squat-barbell", { exercise_id: squat.id })]), {
      code: "ALIAS_LOOP",
      operation_index: 0,
      path: "alias_slug",
    });
  });

  it("requires a renamed exercise's old slug to stay an alias of it", () => {
    for (const renaming of [rename(squat, "Back Squat (Barbell)"), moveToFrontSquat]) {
      const result = validate([renaming, registry("squat")]);
      expect(result.errors).toEqual([
        expect.objectContaining({
          code: "OLD_SLUG_NOT_ALIASED",
          operation_index: 0,
          path: "name_slug",
          message: expect.stringContaining('"squat-barbell"'),
          suggestion: `upsert_alias squat-barbell → ${squat.id}`,
        }),
      ]);
      expect(validate([renaming, keepOldSlug(squat), registry("squat")]).errors).toEqual([]);
    }
    // An alias that already keeps the slug for the exercise will do; one the plan deletes will not.
    const kept = { ...catalog, aliases: [{ alias_slug: "squat-barbell", exercise_id: squat.id, is_family_alias: false }] };
    expect(validate([rename(squat, "Back Squat (Barbell)")], kept).errors).toEqual([]);
    expectError(validate([rename(squat, "Back Squat (Barbell)"), { op: "delete_alias", alias_slug: "squat-barbell", rationale }], kept), {
      code: "OLD_SLUG_NOT_ALIASED",
      operation_index: 0,
    });
  });

  it("does not require an old slug another live exercise is named by to stay an alias", () => {
    // Two live exercises share a name slug: the one renamed leaves it to the other, which no alias may shadow.
    const twin = { ...squat, id: "squat__squat-barbell-2" };
    const seed = { ...catalog, exercises: [...catalog.exercises!, twin] };
    expect(validate([rename(twin, "Back Squat (Barbell)"), registry("squat")], seed).errors).toEqual([]);
    expectError(validate([rename(twin, "Back Squat (Barbell)"), keepOldSlug(twin), registry("squat")], seed), {
      code: "ALIAS_SHADOWS_EXERCISE",
      operation_index: 1,
    });
  });

  it("requires the slug of a family the plan merges into another to stay an alias of its successor", () => {
    const retire = retireSquatInto("front_squat");
    const renameFamily = [moveToFrontSquat, keepOldSlug(squat), registry("front_squat"), retire];
    expect(validate(renameFamily).errors).toEqual([
      expect.objectContaining({
        code: "OLD_SLUG_NOT_ALIASED",
        operation_index: 3,
        path: "merged_into",
        suggestion: "upsert_alias squat → family front_squat",
        target: "exercise_aliases/squat",
      }),
    ]);
    expect(validate([...renameFamily, alias("squat", { family_slug: "front_squat" })]).errors).toEqual([]);
    // A family merged there before the plan is not the plan's doing.
    const legacy = computeFamilyRegistry("squat", [], { status: "merged", merged_into: "bench_press" });
    const merged = { ...catalog, exercises: [benchBarbell, benchDumbbell], families: [families[0], legacy] };
    expect(validate([retireSquatInto("bench_press")], merged).errors).toEqual([]);
  });

  it("lets an alias with both targets keep its family followed to the one it is merged into, by the plan or earlier, and no other", () => {
    // Its exercise stays live; of the two targets the alias keeps the family, which has a successor.
    const bothTargets = (family_slug: string, exercise_id: string) => ({ alias_slug: "both_targets", exercise_id, family_slug });
    const retire = retireSquatInto("front_squat");
    const renameFamily = [
      moveToFrontSquat,
      keepOldSlug(squat),
      registry("front_squat"),
      retire,
      alias("squat", { family_slug: "front_squat" }),
    ];
    const renamed = { ...catalog, aliases: [bothTargets("squat", squat.id)] };
    expect(validate([...renameFamily, alias("both_targets", { family_slug: "front_squat" })], renamed).errors).toEqual([]);
    const mergedEarlier = {
      ...catalog,
      families: [...families, computeFamilyRegistry("bench_old", [], { status: "merged", merged_into: "bench_press" })],
      aliases: [bothTargets("bench_old", benchBarbell.id)],
    };
    expect(validate([alias("both_targets", { family_slug: "bench_press" })], mergedEarlier).errors).toEqual([]);
    // Any other family is not the alias's to take, and a retired one is no target.
    expectError(validate([...renameFamily, alias("both_targets", { family_slug: "bench_press" })], renamed), {
      code: "ALIAS_COLLISION",
      operation_index: 5,
    });
    expectError(validate([alias("both_targets", { family_slug: "squat" })], mergedEarlier), {
      code: "ALIAS_COLLISION",
      operation_index: 0,
    });
    expectError(validate([alias("both_targets", { family_slug: "bench_old" })], mergedEarlier), {
      code: "ALIAS_CHAIN",
      operation_index: 0,
    });
  });

  it("rejects an alias that shadows another exercise's slug, and a new name that an alias already claims", () => {
    expectError(validate([alias("squat-barbell", { exercise_id: benchBarbell.id })]), {
      code: "ALIAS_SHADOWS_EXERCISE",
      operation_index: 0,
    });
    const claimed = { alias_slug: "back-squat-barbell", exercise_id: benchBarbell.id, is_family_alias: false };
    expectError(validate([rename(squat, "Back Squat (Barbell)")], { ...catalog, aliases: [claimed] }), {
      code: "SLUG_COLLISION",
      operation_index: 0,
      path: "name_slug",
    });
  });

  it("lets a retired exercise keep a name slug an alias leads elsewhere from, until the plan brings it back", () => {
    // A family rename moved the archived "Squats" of family squats into squat unrenamed; squats is squat's alias.
    const moved = archivedExerciseFixture("Squats", ["bodyweight"]);
    const retired = { ...moved, family_slug: "squat" };
    const familyAlias = { alias_slug: "squats", family_slug: "squat", is_family_alias: true };
    const movedSeed = { ...catalog, exercises: [...(catalog.exercises ?? []), moved], aliases: [familyAlias] };
    const move: OperationInput = { op: "reassign_family", exercise_id: moved.id, from_family: "squats", to_family: "squat", rationale };
    expect(validate([move], movedSeed).errors).toEqual([]);
    const seed = { ...catalog, exercises: [...(catalog.exercises ?? []), retired], aliases: [familyAlias] };
    expectError(validate([patch({ status: "approved" }, ["deprecated_at"], retired.id), registry("squat")], seed), {
      code: "SLUG_COLLISION",
      operation_index: 0,
      path: "name_slug",
    });
  });

  it("warns about existing aliases left pointing at an exercise the plan retires", () => {
    const kept = { alias_slug: "db-bench", exercise_id: benchDumbbell.id, is_family_alias: false };
    const result = validate(
      [{ op: "merge_exercises", source_id: benchDumbbell.id, target_id: benchBarbell.id, rationale }, registry("bench_press")],
      { ...catalog, aliases: [kept] },
    );
    expect(result.ok).toBe(true);
    expect(result.warnings).toContainEqual(
      expect.objectContaining({ code: "ALIAS_CHAIN", operation_index: 0, target: "exercise_aliases/db-bench" }),
    );
  });
});

describe("validatePlan: merges", () => {
  it("rejects a merge into itself, from an already merged exercise, or into a retired one", () => {
    expectError(validate([{ op: "merge_exercises", source_id: squat.id, target_id: squat.id, rationale }]), {
      code: "MERGE_CONFLICT",
      operation_index: 0,
    });
    const merged = { ...benchDumbbell, status: "merged", merged_into: benchBarbell.id };
    const seed = { ...catalog, exercises: [benchBarbell, merged, squat] };
    expectError(validate([{ op: "merge_exercises", source_id: merged.id, target_id: squat.id, rationale }], seed), {
      code: "MERGE_CONFLICT",
      operation_index: 0,
      path: "source_id",
    });
    expectError(validate([{ op: "merge_exercises", source_id: squat.id, target_id: merged.id, rationale }], seed), {
      code: "MERGE_TARGET_INVALID",
      operation_index: 0,
      suggestion: benchBarbell.id,
    });
  });

  it("rejects a merge patch that overwrites what the target already has", () => {
    const result = validate([
      {
        op: "merge_exercises",
        source_id: benchDumbbell.id,
        target_id: benchBarbell.id,
        target_patch: { description: "Something else entirely, long enough for the schema rule." },
        rationale,
      },
    ]);
    expectError(result, { code: "MERGE_CONFLICT", operation_index: 0, path: "target_patch.description" });
    const fill = validate([
      {
        op: "merge_exercises",
        source_id: benchDumbbell.id,
        target_id: benchBarbell.id,
        target_patch: { suitability_notes: ["Suits lifters who bench."] },
        rationale,
      },
      registry("bench_press"),
    ]);
    expect(fill.errors).toEqual([]);
  });

  it("holds a patch that marks an exercise merged to the rules of deprecate_exercise: a live target, not itself", () => {
    const merging = (merged_into: string) => patch({ status: "merged", merged_into }, [], squat.id);
    expectError(validate([merging("squat__ghost")]), { code: "MERGE_TARGET_INVALID", operation_index: 0, path: "set.merged_into" });
    expectError(validate([merging(squat.id)]), { code: "MERGE_TARGET_INVALID", operation_index: 0, path: "set.merged_into" });
    const merged = { ...benchDumbbell, status: "merged", merged_into: benchBarbell.id };
    expectError(validate([merging(merged.id)], { ...catalog, exercises: [benchBarbell, merged, squat] }), {
      code: "MERGE_TARGET_INVALID",
      operation_index: 0,
      suggestion: benchBarbell.id,
    });
    // Setting only the status merges into the merged_into the exercise already has.
    const stale = { ...squat, merged_into: "squat__gone" };
    expectError(validate([patch({ status: "merged" }, [], squat.id)], { ...catalog, exercises: [benchBarbell, benchDumbbell, stale] }), {
      code: "MERGE_TARGET_INVALID",
      operation_index: 0,
      path: "set.status",
    });
    expect(
      validate([patch({ status: "merged", merged_into: benchBarbell.id }, [], benchDumbbell.id), registry("bench_press")]).errors,
    ).toEqual([]);
  });

  it("judges a merge target as it is when the operation runs, once: retired by the plan before, or created only after", () => {
    const mergeSquatInto = (merged_into: string): OperationInput => ({
      op: "deprecate_exercise",
      exercise_id: squat.id,
      status: "merged",
      merged_into,
      rationale,
    });
    const retiredFirst = validate([{ op: "deprecate_exercise", exercise_id: benchBarbell.id, rationale }, mergeSquatInto(benchBarbell.id)]);
    const targetIssues = (result: ValidationResult) => result.errors.filter((issue) => issue.code === "MERGE_TARGET_INVALID");
    expect(targetIssues(retiredFirst)).toEqual([
      expect.objectContaining({
        operation_index: 1,
        path: "merged_into",
        message: `exercise ${benchBarbell.id} is deprecated; merge into a live exercise`,
      }),
    ]);
    const later = exerciseFixture("Squat (Dumbbell)", ["dumbbell"]);
    const { id, ...data } = later;
    const createdAfter = validate([mergeSquatInto(id), { op: "create_exercise", exercise_id: id, data, rationale }, registry("squat")]);
    expect(targetIssues(createdAfter)).toEqual([
      expect.objectContaining({ operation_index: 0, message: `exercise ${id} does not exist; merge into a live exercise` }),
    ]);
    // In the other order the same plan merges into a live exercise.
    expect(
      targetIssues(validate([{ op: "create_exercise", exercise_id: id, data, rationale }, mergeSquatInto(id), registry("squat")])),
    ).toEqual([]);
  });

  it("requires the target of a merge_exercises to stay live after the plan, as a merged_into must", () => {
    const merge: OperationInput = { op: "merge_exercises", source_id: benchDumbbell.id, target_id: benchBarbell.id, rationale };
    const retiredAfter = validate([merge, { op: "deprecate_exercise", exercise_id: benchBarbell.id, rationale }, registry("bench_press")]);
    expect(retiredAfter.errors).toEqual([
      expect.objectContaining({
        code: "MERGE_TARGET_INVALID",
        operation_index: 0,
        path: "target_id",
        target: `exercises/${benchBarbell.id}`,
      }),
    ]);
  });

  it("requires a merged_into that exists and stays live", () => {
    expectError(validate([{ op: "deprecate_exercise", exercise_id: squat.id, status: "merged", merged_into: "squat__gone", rationale }]), {
      code: "MERGE_TARGET_INVALID",
      operation_index: 0,
      path: "merged_into",
    });
    expectError(validate([{ op: "deprecate_exercise", exercise_id: squat.id, status: "merged", rationale }]), {
      code: "MERGE_TARGET_INVALID",
      operation_index: 0,
      path: "merged_into",
    });
  });
});
