import { DEMO_EXERCISES } from "../../src/catalog/demo-catalog";
import { aliasDocSchema, exerciseDocSchema, exercisePathSchema, familyRegistrySchema } from "../../src/catalog/schemas";
import { MIN_EXECUTION_NOTES } from "../../src/catalog/taxonomy";
import { deletePath, setPath } from "../../src/util/object-paths";

/** A complete, valid exercise without its id. */
function validExercise(): Record<string, unknown> {
  const { id: _id, ...exercise } = structuredClone(DEMO_EXERCISES[0]);
  return exercise;
}

function issuePaths(value: unknown): string[] {
  const result = exerciseDocSchema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join("."));
}

describe("exerciseDocSchema", () => {
  it("accepts a complete exercise and returns it unchanged", () => {
    const exercise = validExercise();
    expect(exerciseDocSchema.parse(exercise)).toEqual(exercise);
  });

  it("accepts a minimal exercise: completeness is the scanner's job", () => {
    const minimal = { name: "Lateral Raise (Cable)", name_slug: "lateral-raise-cable", family_slug: "lateral_raise", equipment: ["cable"] };
    expect(issuePaths(minimal)).toEqual([]);
  });

  it("keeps unknown (legacy) fields", () => {
    const legacy = { ...validExercise(), primary_muscles: ["quads"], created_at: new Date() };
    expect(exerciseDocSchema.parse(legacy)).toMatchObject({ primary_muscles: ["quads"] });
  });

  it.each(["name", "name_slug", "family_slug", "equipment"])("requires %s", (field) => {
    expect(issuePaths(deletePath(validExercise(), field))).toContain(field);
  });

  it.each([
    ["name_slug", "bench-press", "name_slug"],
    ["name", " Bench Press (Barbell)", "name"],
    ["family_slug", "Bench Press", "family_slug"],
    ["family_slug", "bench-press", "family_slug"],
    ["equipment", [], "equipment"],
    ["equipment", ["Barbell"], "equipment.0"],
    ["equipment", ["barbell", "barbell"], "equipment"],
    ["equipment", ["weight plates"], "equipment.0"],
    ["category", "strength", "category"],
    ["description", "Too short to be useful.", "description"],
    ["muscles.primary", [], "muscles.primary"],
    ["muscles.primary", ["a", "b", "c", "d"], "muscles.primary"],
    ["muscles.primary", ["Latissimus Dorsi"], "muscles.primary.0"],
    ["muscles.primary", ["latissimus_dorsi"], "muscles.primary.0"],
    ["muscles.primary", ["rear-delts"], "muscles.primary.0"],
    // Aliases are refused as equipment aliases are: only what normalizeMuscle leaves as it is.
    ["muscles.primary", ["quads", "latissimus dorsi"], "muscles.primary.0"],
    ["muscles.primary", ["quadriceps", "lats"], "muscles.primary.1"],
    ["muscles.secondary", ["traps"], "muscles.secondary.0"],
    ["muscles.contribution", { quads: 1 }, "muscles.contribution.quads"],
    ["muscles.secondary", ["a", "b", "c", "d", "e", "f"], "muscles.secondary"],
    ["muscles.category", [], "muscles.category"],
    ["muscles.category", ["full body"], "muscles.category.0"],
    ["muscles.contribution", { "pectoralis major": 1.4 }, "muscles.contribution.pectoralis major"],
    // Shares sum to about 1 (CONTRIBUTION_SUM_TOLERANCE).
    ["muscles.contribution", { "pectoralis major": 1, triceps: 1, "anterior deltoid": 1 }, "muscles.contribution"],
    ["muscles.contribution", { "pectoralis major": 0.1, triceps: 0.1 }, "muscles.contribution"],
    ["muscles.contribution", {}, "muscles.contribution"],
    ["metadata.level", "expert", "metadata.level"],
    ["metadata.plane_of_motion", "sagittal plane", "metadata.plane_of_motion"],
    ["metadata.unilateral", "no", "metadata.unilateral"],
    ["movement.type", "press", "movement.type"],
    ["movement.split", "full body", "movement.split"],
    ["execution_notes", ["Fine note here", ""], "execution_notes.1"],
    // What the quality scan's hard checks fail (5 and 11) is refused at the write.
    ["execution_notes", ["1. Set up as usual.", "2. Do the rep."], "execution_notes.0"],
    ["execution_notes", ["Lie on the bench.", "- Press the bar up."], "execution_notes.1"],
    ["execution_notes", ["Lie on the bench and grip the bar."], "execution_notes"],
    ["execution_notes", [], "execution_notes"],
    ["common_mistakes", ["1) Bouncing the bar off the chest.", "Flaring the elbows."], "common_mistakes.0"],
    ["common_mistakes", ["Flaring the elbows.", "**Bouncing** the bar off the chest."], "common_mistakes.1"],
    ["common_mistakes", "Bouncing the bar off the chest.", "common_mistakes"],
    ["stimulus_tags", "Strength", "stimulus_tags"],
    ["status", "archived", "status"],
    ["updated_at", "2024-01-01", "updated_at"],
    ["review_metadata.quality_score", 1.5, "review_metadata.quality_score"],
    ["review_metadata.last_scanned_at", 12345, "review_metadata.last_scanned_at"],
  ])("rejects %s = %j", (path, value, issuePath) => {
    expect(issuePaths(setPath(validExercise(), path, value))).toContain(issuePath);
  });

  it("says what is wrong with a muscle name, naming its canonical form where there is one", () => {
    const messages = (path: string, value: unknown): string[] =>
      exercisePathSchema(path)
        ?.safeParse(value)
        .error?.issues.map((issue) => issue.message) ?? [];
    expect(messages("muscles.primary", ["quads"])).toEqual([expect.stringMatching(/no aliases\); write "quadriceps"$/)]);
    expect(messages("muscles.primary", ["Rear_Delt"])).toEqual([expect.stringMatching(/write "posterior deltoid"$/)]);
    expect(messages("muscles.primary", ["biceps!"])).toEqual([expect.not.stringContaining("write")]);
    expect(messages("muscles.contribution", { lats: 1 })).toEqual([expect.stringMatching(/write "latissimus dorsi"$/)]);
  });

  it("says what the contribution's shares sum to, and accepts a sum within 0.85–1.15", () => {
    const messages = (value: unknown): string[] =>
      exercisePathSchema("muscles.contribution")
        ?.safeParse(value)
        .error?.issues.map((issue) => issue.message) ?? [];
    expect(messages({ quadriceps: 1, glutes: 1, hamstrings: 1 })).toEqual(["the shares sum to 3; they must sum to about 1 (0.85–1.15)"]);
    expect(messages({ quadriceps: 0.5, glutes: 0.35 })).toEqual([]);
    expect(messages({ quadriceps: 0.6, glutes: 0.55 })).toEqual([]);
  });

  it("refuses only the list markers of the fields the scan fails for them", () => {
    const messages = (path: string, value: unknown): string[] =>
      exercisePathSchema(path)
        ?.safeParse(value)
        .error?.issues.map((issue) => issue.message) ?? [];
    expect(messages("execution_notes", ["1.) Set up as usual.", "Do the rep."])).toEqual([
      "execution_notes items must not start with numbering, a bullet or bold",
    ]);
    expect(messages("execution_notes", ["Set up as usual."])).toEqual([`execution_notes needs at least ${MIN_EXECUTION_NOTES} items`]);
    // Elsewhere a marker is a style issue the scan only marks for enrichment.
    expect(messages("suitability_notes", ["1. Suits most lifters.", "2. Needs healthy shoulders."])).toEqual([]);
    expect(messages("execution_notes", ["Step back from the rack.", "Brace with 1.5 times the usual effort."])).toEqual([]);
  });

  it("derives name_slug from the name", () => {
    const renamed = { ...validExercise(), name: "Bench Press (Dumbbell)" };
    expect(issuePaths(renamed)).toEqual(["name_slug"]);
    expect(issuePaths({ ...renamed, name_slug: "bench-press-dumbbell" })).toEqual([]);
  });

  it("accepts Dates and Firestore-like Timestamps", () => {
    const firestoreTimestamp = { seconds: 1, nanoseconds: 0, toDate: () => new Date(1000) };
    const exercise = {
      ...validExercise(),
      updated_at: firestoreTimestamp,
      review_metadata: { last_scanned_at: new Date(), issue_type: "none" },
    };
    expect(issuePaths(exercise)).toEqual([]);
    expect(issuePaths({ ...exercise, updated_at: new Date("not a date") })).toEqual(["updated_at"]);
  });

  it("requires deprecated_at on deprecated and merged_into on merged exercises", () => {
    expect(issuePaths({ ...validExercise(), status: "deprecated" })).toEqual(["deprecated_at"]);
    expect(issuePaths({ ...validExercise(), status: "deprecated", deprecated_at: new Date() })).toEqual([]);
    expect(issuePaths({ ...validExercise(), status: "merged" })).toEqual(["merged_into"]);
    expect(issuePaths({ ...validExercise(), status: "merged", merged_into: "bench_press__bench-press-dumbbell" })).toEqual([]);
    expect(issuePaths({ ...validExercise(), status: "merged", merged_into: "a/b" })).toContain("merged_into");
  });

  it("allows a cleared deprecated_at or merged_into on an approved exercise", () => {
    expect(issuePaths({ ...validExercise(), status: "approved", deprecated_at: null, merged_into: null })).toEqual([]);
  });
});

describe("exercisePathSchema", () => {
  it("validates one patched value at a time", () => {
    expect(exercisePathSchema("muscles.primary")?.safeParse(["quadriceps"]).success).toBe(true);
    expect(exercisePathSchema("muscles.primary")?.safeParse(["Quads"]).success).toBe(false);
    expect(exercisePathSchema("movement.type")?.safeParse("hinge").success).toBe(true);
    expect(exercisePathSchema("movement")?.safeParse({ type: "hinge", split: "lower" }).success).toBe(true);
    expect(exercisePathSchema("movement")?.safeParse({ type: "hip hinge" }).success).toBe(false);
  });
  it("returns null for unknown paths", () => {
    expect(exercisePathSchema("difficulty")).toBeNull();
    expect(exercisePathSchema("muscles.primary.0")).toBeNull();
  });
});

describe("aliasDocSchema", () => {
  it("accepts an exercise alias and a family alias", () => {
    expect(aliasDocSchema.safeParse({ alias_slug: "barbell-bench-press", exercise_id: "bench_press__bench-press-barbell" }).success).toBe(
      true,
    );
    expect(aliasDocSchema.safeParse({ alias_slug: "bent_over_row", family_slug: "row", is_family_alias: true }).success).toBe(true);
  });
  it("treats null and empty targets as absent", () => {
    expect(aliasDocSchema.safeParse({ alias_slug: "a-b", exercise_id: "row__row-cable", family_slug: null }).success).toBe(true);
    expect(aliasDocSchema.safeParse({ alias_slug: "a-b", exercise_id: "", family_slug: "row", is_family_alias: true }).success).toBe(true);
  });
  it("rejects both targets and no target", () => {
    const both = aliasDocSchema.safeParse({ alias_slug: "x", exercise_id: "row__row-cable", family_slug: "row" });
    expect(both.success).toBe(false);
    expect(both.error?.issues[0].message).toMatch(/both/);
    const none = aliasDocSchema.safeParse({ alias_slug: "x", exercise_id: null });
    expect(none.success).toBe(false);
    expect(none.error?.issues[0].message).toMatch(/needs a target/);
  });
  it("requires is_family_alias to agree with the target", () => {
    expect(aliasDocSchema.safeParse({ alias_slug: "x", exercise_id: "row__row-cable", is_family_alias: true }).success).toBe(false);
    expect(aliasDocSchema.safeParse({ alias_slug: "x", family_slug: "row", is_family_alias: false }).success).toBe(false);
  });
  it("rejects a malformed alias slug", () => {
    expect(aliasDocSchema.safeParse({ alias_slug: "Bench Press", exercise_id: "row__row-cable" }).success).toBe(false);
  });
});

describe("familyRegistrySchema", () => {
  const family = {
    family_slug: "bench_press",
    base_name: "Bench Press",
    primary_equipment: ["barbell", "dumbbell"],
    allowed_equipment: ["barbell", "dumbbell", "bench"],
    exercise_count: 2,
    status: "active",
  };

  it("accepts a registry document", () => {
    expect(familyRegistrySchema.safeParse(family).success).toBe(true);
    expect(familyRegistrySchema.safeParse({ ...family, updated_at: new Date() }).success).toBe(true);
  });
  it("rejects unknown keys, negative counts and unknown statuses", () => {
    expect(familyRegistrySchema.safeParse({ ...family, extra: 1 }).success).toBe(false);
    expect(familyRegistrySchema.safeParse({ ...family, exercise_count: -1 }).success).toBe(false);
    expect(familyRegistrySchema.safeParse({ ...family, exercise_count: 1.5 }).success).toBe(false);
    expect(familyRegistrySchema.safeParse({ ...family, status: "archived" }).success).toBe(false);
  });
  it("requires primary equipment to be allowed", () => {
    expect(familyRegistrySchema.safeParse({ ...family, allowed_equipment: ["barbell"] }).success).toBe(false);
  });
  it("requires merged_into on a merged family", () => {
    expect(familyRegistrySchema.safeParse({ ...family, status: "merged" }).success).toBe(false);
    expect(familyRegistrySchema.safeParse({ ...family, status: "merged", merged_into: "chest_press" }).success).toBe(true);
  });
});
