import { DEMO_EXERCISES } from "../../src/catalog/demo-catalog";
import { exerciseNameProblem } from "../../src/catalog/naming-rules";
import { exercisePathSchema } from "../../src/catalog/schemas";
import { CONTENT_FIELDS, CONTENT_LIST_BOUNDS, type ContentField, MIN_EXECUTION_NOTES } from "../../src/catalog/taxonomy";
import { enrichablePaths, normalizeEnrichmentChanges } from "../../src/enrichment/normalize";
import { fakeEnrichment } from "../../src/llm/fake-enrichment";
import {
  HARD_CHECKS,
  HEURISTIC_PASS_SCORE,
  SCANNER_VERSION,
  SOFT_ISSUE_SCORE,
  enrichmentCanHelp,
  heuristicScoreExercise,
  toReviewMetadata,
} from "../../src/reviewer/quality-scanner";
import { deletePath, setPath } from "../../src/util/object-paths";

/** A complete exercise that passes every check (Bench Press (Barbell)). */
function goodExercise(): Record<string, unknown> {
  const { id: _id, ...exercise } = structuredClone(DEMO_EXERCISES[0]);
  return exercise;
}

const hardChecks = (exercise: Record<string, unknown>): string[] =>
  heuristicScoreExercise(exercise).hard_failures.map((failure) => failure.check);
const softChecks = (exercise: Record<string, unknown>): string[] =>
  heuristicScoreExercise(exercise).soft_issues.map((issue) => issue.check);

const GOOD_NOTES = [
  "Lie on a flat bench and grip the bar slightly wider than your shoulders.",
  "Lower the bar to your lower chest under control.",
  "Press the bar back up until your arms are straight.",
  "Keep your feet flat on the floor throughout the set.",
];

describe("heuristicScoreExercise — all checks pass", () => {
  it("scores 0.85 with issue type ok", () => {
    expect(heuristicScoreExercise(goodExercise())).toEqual({
      passed: true,
      score: HEURISTIC_PASS_SCORE,
      hard_failures: [],
      soft_issues: [],
      issue_type: "ok",
      needs_full_review: false,
      needs_enrichment_only: false,
    });
  });

  it("lets bodyweight classics on bodyweight equipment go without a suffix", () => {
    expect(hardChecks({ ...goodExercise(), name: "Push-Up", equipment: ["bodyweight"] })).toEqual([]);
    expect(hardChecks({ ...goodExercise(), name: "Diamond Push-Up", equipment: ["bodyweight"] })).toEqual([]);
    expect(hardChecks({ ...goodExercise(), name: "Plank", equipment: ["bodyweight"] })).toEqual([]);
    expect(hardChecks({ ...goodExercise(), name: "Pull-Up", equipment: ["pull-up-bar", "dip-belt"] })).toEqual([]);
  });

  it("accepts a suffix naming the primary equipment", () => {
    expect(hardChecks({ ...goodExercise(), name: "Curl (EZ Bar)", equipment: ["ez-bar"] })).toEqual([]);
    expect(hardChecks({ ...goodExercise(), name: "Dip (Dip Belt)", equipment: ["dip-belt", "dip-station"] })).toEqual([]);
  });
});

describe("heuristicScoreExercise — each hard check fails on its own", () => {
  it.each([
    ["canonical_name", "name starts with an equipment word", { name: "Barbell Bench Press" }],
    ["canonical_name", "equipment word before a suffix", { name: "Barbell Bench Press (Barbell)" }],
    ["canonical_name", "no suffix", { name: "Bench Press" }],
    ["canonical_name", "suffix is not the exercise's equipment", { name: "Bench Press (Dumbbell)" }],
    [
      "canonical_name",
      "suffix names other equipment of the exercise",
      { name: "Bench Press (Dumbbell)", equipment: ["barbell", "dumbbell"] },
    ],
    ["canonical_name", "suffix names a plate on a barbell exercise", { name: "Bench Press (Plate)", equipment: ["barbell", "plate"] }],
    ["canonical_name", "lowercase suffix", { name: "Bench Press (barbell)" }],
    ["canonical_name", "classic on a machine without suffix", { name: "Crunch", equipment: ["machine"] }],
    ["canonical_name", "classic with a dip belt without suffix", { name: "Pull-Up", equipment: ["dip-belt"] }],
    ["canonical_name", "suffix is not equipment", { name: "Bench Press (Wide Grip)" }],
    ["canonical_name", "not Title Case", { name: "Bench press (Barbell)" }],
    ["canonical_name", "a shouted word", { name: "Bench PRESS (Barbell)" }],
    ["canonical_name", "a qualifier in brackets before the suffix", { name: "Bench Press (Close Grip) (Barbell)" }],
    ["canonical_name", "missing name", { name: undefined }],
    ["equipment_present", "empty equipment", { equipment: [] }],
    ["equipment_present", "equipment not a list", { equipment: "barbell" }],
    ["category_present", "missing category", { category: undefined }],
    ["category_present", "empty category", { category: "" }],
    ["primary_muscles_present", "no primary muscles", { "muscles.primary": [] }],
    ["execution_notes_present", "one execution note", { execution_notes: [GOOD_NOTES[0]] }],
    ["execution_notes_present", "missing execution notes", { execution_notes: undefined }],
    ["execution_notes_present", "blank execution notes", { execution_notes: ["", "  "] }],
    ["category_canonical", "unknown category", { category: "strength" }],
    ["movement_type_canonical", "unknown movement type", { "movement.type": "press" }],
    ["movement_type_canonical", "missing movement type", { "movement.type": undefined }],
    ["movement_split_canonical", "unknown split", { "movement.split": "full body" }],
    ["movement_split_canonical", "missing split", { "movement.split": undefined }],
    ["description_length", "short description", { description: "A chest press." }],
    ["description_length", "missing description", { description: undefined }],
    ["primary_muscles_format", "capitalised muscle", { "muscles.primary": ["Pectoralis major"] }],
    ["primary_muscles_format", "underscored muscle", { "muscles.primary": ["pectoralis_major"] }],
    // What a write of the field would refuse (muscleNameSchema), not only "_" and capitals.
    ["primary_muscles_format", "hyphenated muscle", { "muscles.primary": ["rectus-abdominis"] }],
    ["primary_muscles_format", "doubled space", { "muscles.primary": ["pectoralis  major"] }],
    ["primary_muscles_format", "muscle that is not a string", { "muscles.primary": [7] }],
    ["primary_muscles_format", "aliases", { "muscles.primary": ["quads", "lats"] }],
    ["content_format", "common_mistakes missing", { common_mistakes: undefined }],
    ["content_format", "common_mistakes not a list", { common_mistakes: "Bouncing the bar off the chest." }],
    ["content_format", "numbered execution note", { execution_notes: ["1. Lie on the bench and grip the bar.", ...GOOD_NOTES.slice(1)] }],
    [
      "content_format",
      "numbered with a parenthesis",
      { execution_notes: ["1) Lie on the bench and grip the bar.", ...GOOD_NOTES.slice(1)] },
    ],
    [
      "content_format",
      "numbered with a full stop and a parenthesis",
      { execution_notes: ["1.) Lie on the bench and grip the bar.", ...GOOD_NOTES.slice(1)] },
    ],
    ["content_format", "bulleted mistake", { common_mistakes: ["- Bouncing the bar off the chest.", "Flaring the elbows out wide."] }],
    ["content_format", "bold mistake", { common_mistakes: ["**Bouncing** the bar off the chest.", "Flaring the elbows out wide."] }],
    ["muscle_category_present", "empty muscle category", { "muscles.category": [] }],
    ["muscle_category_present", "missing muscle category", { "muscles.category": undefined }],
    ["muscle_category_present", "blank muscle category", { "muscles.category": [""] }],
  ])("%s: %s", (check, _case, changes) => {
    let exercise = goodExercise();
    for (const [path, value] of Object.entries(changes)) {
      exercise = value === undefined ? deletePath(exercise, path) : setPath(exercise, path, value);
    }
    const result = heuristicScoreExercise(exercise);
    expect(result.hard_failures.map((failure) => failure.check)).toEqual([check]);
    expect(result).toMatchObject({
      passed: false,
      score: 0.45,
      issue_type: "needs_full_review",
      needs_full_review: true,
      needs_enrichment_only: false,
    });
    // Enrichment never renames, so a name that fails alone is not sent to it.
    expect(enrichmentCanHelp(result)).toBe(check !== "canonical_name");
  });

  it("names the canonical form of an alias, so enrichment knows what to write", () => {
    const result = heuristicScoreExercise(setPath(goodExercise(), "muscles.primary", ["quads", "lats", "biceps!"]));
    expect(result.hard_failures[0].message).toMatch(/: quads \(write "quadriceps"\), lats \(write "latissimus dorsi"\), biceps!$/);
  });

  it("names every content format problem: mistakes that are no list and numbered notes", () => {
    const exercise = {
      ...goodExercise(),
      common_mistakes: "Bouncing the bar off the chest.",
      execution_notes: ["1. Lie on the bench and grip the bar.", "2) Lower the bar to your chest.", ...GOOD_NOTES.slice(2)],
    };
    const [failure] = heuristicScoreExercise(exercise).hard_failures;
    expect(failure.check).toBe("content_format");
    expect(failure.message).toBe(
      'common_mistakes is not a list; 2 execution_notes item(s) start with numbering, a bullet or bold: "1. Lie on the bench and grip the bar."',
    );
    expect(heuristicScoreExercise(deletePath(exercise, "common_mistakes")).hard_failures[0].message).toMatch(
      /^common_mistakes is missing; 2 /,
    );
  });

  it("does not fall back to the deprecated primary_muscles field", () => {
    const legacy = { ...deletePath(goodExercise(), "muscles.primary"), primary_muscles: ["pectoralis major"] };
    expect(hardChecks(legacy)).toEqual(["primary_muscles_present"]);
  });

  it("reports hard failures in the documented order and lowers the score per failure", () => {
    const exercise = { ...goodExercise(), name: "Barbell Bench Press", category: "strength", description: "Short." };
    const result = heuristicScoreExercise(exercise);
    expect(result.hard_failures.map((failure) => failure.check)).toEqual(["canonical_name", "category_canonical", "description_length"]);
    expect(result.score).toBe(0.35);
  });

  it("never scores below 0.1 and survives an empty or malformed document", () => {
    const empty = heuristicScoreExercise({});
    expect(empty.score).toBe(0.1);
    expect(empty.hard_failures.map((failure) => failure.check)).toEqual(
      HARD_CHECKS.filter((check) => check !== "category_canonical" && check !== "primary_muscles_format"),
    );
    const garbage = { name: 42, equipment: "barbell", muscles: "chest", movement: [], execution_notes: [1, 2], common_mistakes: [null] };
    expect(() => heuristicScoreExercise(garbage)).not.toThrow();
    expect(hardChecks(garbage)).toContain("content_format");
  });
});

describe("heuristicScoreExercise — canonical name", () => {
  it.each([
    ["Squat (Barbell)", ["barbell"]],
    ["Squat (barbell)", ["barbell"]],
    ["Squat", ["barbell"]],
    ["Barbell Squat", ["barbell"]],
    ["Bench Press (Dumbbell)", ["barbell", "dumbbell"]],
    ["Hip Thrust (Plate)", ["barbell", "plate"]],
    ["Hip Thrust (Plate)", ["plate"]],
    ["Pull-Up", ["pull-up-bar"]],
    ["Weighted Pull-Up", ["dip-belt"]],
    ["Pull-Up (Dip Belt)", ["dip-belt"]],
    ["Crunch", ["machine"]],
    ["Push-Up", ["resistance-band"]],
    ["Around The World (Dumbbell)", ["dumbbell"]],
    ["Front SQUAT (Barbell)", ["barbell"]],
    ["Row (Close Grip) (Cable)", ["cable"]],
    ["Machine Row (Cable)", ["cable"]],
    ["Cable Machine Row (Machine)", ["machine"]],
    ["Row (Cable) (Cable)", ["cable"]],
    ["Row (Cable) (Barbell)", ["cable"]],
    ["BOSU Ball Squat (Bodyweight)", ["bodyweight"]],
  ])("judges %s with %j as the naming rules judge it in a multi-equipment family", (name, equipment) => {
    const failsScan = hardChecks({ ...goodExercise(), name, equipment }).includes("canonical_name");
    expect(failsScan).toBe(exerciseNameProblem(name, equipment[0], true) !== null);
  });
});

describe("heuristicScoreExercise — soft checks", () => {
  it.each([
    ["few_execution_notes", { execution_notes: GOOD_NOTES.slice(0, 3) }],
    ["missing_common_mistakes", { common_mistakes: [] }],
    ["missing_suitability_notes", { suitability_notes: undefined }],
    ["missing_programming_use_cases", { programming_use_cases: [] }],
    ["missing_stimulus_tags", { stimulus_tags: undefined }],
    // Blank items count for none, as blank execution notes do.
    ["missing_common_mistakes", { common_mistakes: [" "] }],
    ["missing_suitability_notes", { suitability_notes: [""] }],
    ["missing_programming_use_cases", { programming_use_cases: ["  "] }],
    ["missing_stimulus_tags", { stimulus_tags: ["", "\t"] }],
    ["markup", { suitability_notes: ["1. Suits lifters who want a bigger chest.", "2. Needs healthy shoulders for pressing."] }],
    ["markup", { execution_notes: [...GOOD_NOTES.slice(0, 3), "Keep the **bar** over your wrists at all times."] }],
    ["voice", { execution_notes: [...GOOD_NOTES.slice(0, 3), "I keep my feet flat on the floor."] }],
    ["voice", { execution_notes: [...GOOD_NOTES.slice(0, 3), "The lifter keeps the feet flat on the floor."] }],
    [
      "missing_setup",
      {
        execution_notes: [
          "Lower the bar to your lower chest under control.",
          "Press the bar back up until your arms are straight.",
          "Squeeze your shoulder blades together throughout.",
          "Breathe out as you press the bar away.",
        ],
      },
    ],
    ["label_format", { common_mistakes: ["Elbow flare: letting the elbows drift out.", "Bouncing the bar off the chest."] }],
    ["not_gerund", { common_mistakes: ["Elbows flare out to the sides.", "Bouncing the bar off the chest."] }],
    ["short_items", { suitability_notes: ["Most lifters.", "Healthy shoulders.", "Suits lifters who want a bigger chest."] }],
    ["description_short", { description: "A horizontal press that builds the chest, shoulders and triceps." }],
    [
      "description_equipment",
      { description: "A horizontal press for the chest that works with a barbell, a pair of dumbbells or a smith machine in any gym." },
    ],
  ])("%s", (check, changes) => {
    let exercise = goodExercise();
    for (const [path, value] of Object.entries(changes)) {
      exercise = value === undefined ? deletePath(exercise, path) : setPath(exercise, path, value);
    }
    const result = heuristicScoreExercise(exercise);
    expect(result.hard_failures).toEqual([]);
    expect(result.soft_issues.map((issue) => issue.check)).toContain(check);
    expect(result).toMatchObject({
      passed: true,
      score: SOFT_ISSUE_SCORE,
      issue_type: "needs_enrichment",
      needs_full_review: false,
      needs_enrichment_only: true,
    });
  });

  it("fails fewer execution notes than the catalog's hard minimum, and only marks fewer than its content minimum", () => {
    const withNotes = (count: number) => ({ ...goodExercise(), execution_notes: GOOD_NOTES.slice(0, count) });
    expect(hardChecks(withNotes(MIN_EXECUTION_NOTES - 1))).toEqual(["execution_notes_present"]);
    expect(hardChecks(withNotes(MIN_EXECUTION_NOTES))).toEqual([]);
    expect(softChecks(withNotes(MIN_EXECUTION_NOTES))).toContain("few_execution_notes");
    expect(softChecks(withNotes(CONTENT_LIST_BOUNDS.execution_notes.min))).not.toContain("few_execution_notes");
    // Blank notes count for neither.
    const padded = { ...goodExercise(), execution_notes: [...GOOD_NOTES.slice(0, MIN_EXECUTION_NOTES), "", " "] };
    expect(hardChecks(padded)).toEqual([]);
    expect(softChecks(padded)).toContain("few_execution_notes");
  });

  it("does not repeat as soft what a hard check already reports", () => {
    const exercise = { ...goodExercise(), execution_notes: ["1. Lie on the bench and grip the bar.", ...GOOD_NOTES.slice(1)] };
    expect(hardChecks(exercise)).toEqual(["content_format"]);
    expect(softChecks(exercise)).not.toContain("markup");
    expect(softChecks({ ...goodExercise(), execution_notes: [GOOD_NOTES[0]] })).not.toContain("few_execution_notes");
    expect(softChecks({ ...goodExercise(), description: "Short." })).not.toContain("description_short");
    // Mistakes that are no list fail check 11, which says so.
    expect(softChecks(deletePath(goodExercise(), "common_mistakes"))).not.toContain("missing_common_mistakes");
  });

  it("keeps the markup a hard check does not report: inline markdown, and markers of a field check 11 passed", () => {
    const inline = [...GOOD_NOTES.slice(0, 3), "Keep the **bar** over your wrists at all times."];
    const exercise = { ...goodExercise(), execution_notes: inline, common_mistakes: "Bouncing the bar off the chest." };
    expect(hardChecks(exercise)).toEqual(["content_format"]);
    expect(softChecks(exercise)).toContain("markup");
  });

  it("keeps soft issues alongside hard failures, for enrichment to use", () => {
    const exercise = { ...deletePath(goodExercise(), "stimulus_tags"), category: "strength" };
    const result = heuristicScoreExercise(exercise);
    expect(result.hard_failures.map((failure) => failure.check)).toEqual(["category_canonical"]);
    expect(result.soft_issues.map((issue) => issue.check)).toEqual(["missing_stimulus_tags"]);
    expect(result.issue_type).toBe("needs_full_review");
  });
});

describe("heuristicScoreExercise — stored values the exercise schema refuses (invalid_value)", () => {
  const findingsOn = (exercise: Record<string, unknown>) => {
    const result = heuristicScoreExercise(exercise);
    return [...result.hard_failures, ...result.soft_issues].map(({ check, fields }) => ({ check, fields }));
  };

  it.each([
    ["a level that is a near-synonym", { "metadata.level": "Expert" }, ["metadata.level"]],
    ["a plane of motion that is a near-synonym", { "metadata.plane_of_motion": "coronal" }, ["metadata.plane_of_motion"]],
    ["unilateral as a word", { "metadata.unilateral": "yes" }, ["metadata.unilateral"]],
    ["a muscle category in Title Case", { "muscles.category": ["Legs"] }, ["muscles.category"]],
    ["a repeated muscle category", { "muscles.category": ["chest", "chest"] }, ["muscles.category"]],
    [
      "four primary muscles",
      { "muscles.primary": ["pectoralis major", "triceps", "anterior deltoid", "serratus anterior"] },
      ["muscles.primary"],
    ],
    [
      "six secondary muscles",
      { "muscles.secondary": ["triceps", "anterior deltoid", "serratus anterior", "biceps", "forearms", "rhomboids"] },
      ["muscles.secondary"],
    ],
    ["an aliased secondary muscle", { "muscles.secondary": ["lats"] }, ["muscles.secondary"]],
    ["contribution shares summing to 2", { "muscles.contribution": { "pectoralis major": 1, triceps: 1 } }, ["muscles.contribution"]],
    ["an aliased contribution key", { "muscles.contribution": { pecs: 1 } }, ["muscles.contribution"]],
    ["equipment not normalised", { equipment: ["Barbell"] }, ["equipment"]],
    [
      "several at once, in the schema's order",
      { "metadata.level": "Expert", "muscles.category": ["Legs"], "muscles.secondary": ["lats"] },
      ["muscles.secondary", "muscles.category", "metadata.level"],
    ],
  ])("%s: needs enrichment of the fields it names", (_case, changes, fields) => {
    let exercise = goodExercise();
    for (const [path, value] of Object.entries(changes)) exercise = setPath(exercise, path, value);
    const result = heuristicScoreExercise(exercise);
    expect(result).toMatchObject({
      passed: true,
      score: SOFT_ISSUE_SCORE,
      hard_failures: [],
      soft_issues: [{ check: "invalid_value", fields }],
      issue_type: "needs_enrichment",
      needs_full_review: false,
      needs_enrichment_only: true,
    });
    expect(enrichmentCanHelp(result)).toBe(true);
  });

  it("quotes each refused value with the schema's reason, so the enrichment prompt says what to fix", () => {
    const exercise = setPath(setPath(goodExercise(), "metadata.level", "Expert"), "muscles.secondary", ["lats"]);
    const [issue] = heuristicScoreExercise(exercise).soft_issues;
    expect(issue.message).toMatch(
      /^stored values the exercise schema refuses: muscles\.secondary \["lats"\] \(.*write "latissimus dorsi"\); /,
    );
    expect(issue.message).toMatch(/; metadata\.level "Expert" \(.*"beginner".*\)$/);
  });

  it("names every field enrichment may write whose stored value its schema refuses, through this check or another", () => {
    for (const path of enrichablePaths()) {
      const exercise = setPath(goodExercise(), path, 42);
      expect(exercisePathSchema(path)?.safeParse(42).success).toBe(false);
      expect({ path, named: findingsOn(exercise).some(({ fields }) => fields.includes(path)) }).toEqual({ path, named: true });
      expect({ path, issue_type: heuristicScoreExercise(exercise).issue_type }).not.toEqual({ path, issue_type: "ok" });
    }
  });

  it("leaves a field a hard check fails to that check", () => {
    const tooManyAliases = setPath(goodExercise(), "muscles.primary", ["pecs", "triceps", "front delts", "serratus anterior"]);
    expect(findingsOn(tooManyAliases)).toEqual([{ check: "primary_muscles_format", fields: ["muscles.primary"] }]);
    expect(findingsOn(setPath(goodExercise(), "movement.type", "press"))).toEqual([
      { check: "movement_type_canonical", fields: ["movement.type"] },
    ]);
    expect(findingsOn(setPath(goodExercise(), "muscles.category", [""]))).toEqual([
      { check: "muscle_category_present", fields: ["muscles.category"] },
    ]);
    expect(findingsOn({ ...goodExercise(), category: "Compound" })).toEqual([{ check: "category_canonical", fields: ["category"] }]);
  });

  it("leaves a field another soft check reports to that check", () => {
    expect(findingsOn({ ...goodExercise(), suitability_notes: "Suits lifters who want a bigger chest." })).toEqual([
      { check: "missing_suitability_notes", fields: ["suitability_notes"] },
    ]);
    expect(findingsOn({ ...goodExercise(), stimulus_tags: ["", " "] })).toEqual([
      { check: "missing_stimulus_tags", fields: ["stimulus_tags"] },
    ]);
  });

  it("judges no locked field: the name, slugs and status are no enrichment's", () => {
    expect(findingsOn({ ...goodExercise(), name_slug: "not-the-name" })).toEqual([]);
    expect(findingsOn({ ...goodExercise(), status: "Archived" })).toEqual([]);
  });

  it("finds nothing in missing metadata, secondary muscles or contribution: the field table does not require them", () => {
    let exercise = deletePath(goodExercise(), "metadata");
    for (const path of ["muscles.secondary", "muscles.contribution"]) exercise = deletePath(exercise, path);
    expect(heuristicScoreExercise(exercise)).toMatchObject({ score: HEURISTIC_PASS_SCORE, soft_issues: [], issue_type: "ok" });
  });

  it("reads a stored null as missing, not as a value its schema refuses", () => {
    let exercise = goodExercise();
    for (const path of ["metadata.level", "muscles.secondary", "muscles.contribution"]) exercise = setPath(exercise, path, null);
    expect(heuristicScoreExercise(exercise)).toMatchObject({ score: HEURISTIC_PASS_SCORE, soft_issues: [], issue_type: "ok" });
    expect(heuristicScoreExercise({ ...goodExercise(), metadata: null })).toMatchObject({ soft_issues: [], issue_type: "ok" });
  });
});

describe("heuristicScoreExercise — content lists outside the field table's rules (content_list_rules)", () => {
  const findingsOn = (exercise: Record<string, unknown>) => {
    const result = heuristicScoreExercise(exercise);
    return [...result.hard_failures, ...result.soft_issues].map(({ check, fields }) => ({ check, fields }));
  };
  /** `items` repeated (or cut) to `count` items. */
  const sized = (items: readonly string[], count: number): string[] =>
    Array.from({ length: count }, (_, index) => items[index % items.length]);
  const GOOD = goodExercise();
  const itemsOf = (field: ContentField): string[] => GOOD[field] as string[];

  it.each([
    ["1 common mistake", { common_mistakes: ["Bouncing the bar off the chest."] }, ["common_mistakes"]],
    ["6 common mistakes", { common_mistakes: sized(itemsOf("common_mistakes"), 6) }, ["common_mistakes"]],
    ["1 suitability note", { suitability_notes: ["Suits lifters who want to build upper-body pushing strength."] }, ["suitability_notes"]],
    ["2 stimulus tags", { stimulus_tags: ["Hypertrophy", "Strength"] }, ["stimulus_tags"]],
    ["8 stimulus tags", { stimulus_tags: [...itemsOf("stimulus_tags"), "Chest", "Power", "Triceps", "Grip"] }, ["stimulus_tags"]],
    ["lowercase tags", { stimulus_tags: ["hypertrophy", "strength", "compound movement", "upper body push"] }, ["stimulus_tags"]],
    ["a tag in sentence case", { stimulus_tags: [...itemsOf("stimulus_tags").slice(0, 3), "Upper body push"] }, ["stimulus_tags"]],
    [
      "1 use case without a final full stop",
      { programming_use_cases: ["Pair it with a horizontal row in an upper-body session"] },
      ["programming_use_cases"],
    ],
    [
      'a use case ending with "!"',
      { programming_use_cases: [...itemsOf("programming_use_cases").slice(0, 2), "Go heavy on it!"] },
      ["programming_use_cases"],
    ],
    ["10 execution notes", { execution_notes: sized(GOOD_NOTES, 10) }, ["execution_notes"]],
    [
      "several lists at once, in the field order",
      { execution_notes: sized(GOOD_NOTES, 9), stimulus_tags: ["strength"] },
      ["execution_notes", "stimulus_tags"],
    ],
  ])("%s: needs enrichment of the lists it names", (_case, changes, fields) => {
    const result = heuristicScoreExercise({ ...goodExercise(), ...changes });
    expect(result).toMatchObject({
      passed: true,
      score: SOFT_ISSUE_SCORE,
      hard_failures: [],
      soft_issues: [{ check: "content_list_rules", fields }],
      issue_type: "needs_enrichment",
      needs_enrichment_only: true,
    });
    expect(enrichmentCanHelp(result)).toBe(true);
  });

  it("takes each list's bounds from CONTENT_LIST_BOUNDS, both ends included", () => {
    for (const field of CONTENT_FIELDS) {
      const { min, max } = CONTENT_LIST_BOUNDS[field];
      const flagged = (count: number) =>
        softChecks({ ...goodExercise(), [field]: sized(itemsOf(field), count) }).includes("content_list_rules");
      expect({ field, min: flagged(min), max: flagged(max), over: flagged(max + 1) }).toEqual({
        field,
        min: false,
        max: false,
        over: true,
      });
      // Too few execution notes are check 5's or few_execution_notes'.
      if (field !== "execution_notes") expect({ field, under: flagged(min - 1) }).toEqual({ field, under: true });
    }
  });

  it("says what breaks the rules: the count and its bounds, and the first item of the wrong form", () => {
    const exercise = { ...goodExercise(), stimulus_tags: ["strength", "Power"], programming_use_cases: ["Train it heavy", "Go light!"] };
    const issue = heuristicScoreExercise(exercise).soft_issues.find(({ check }) => check === "content_list_rules");
    expect(issue?.message).toBe(
      "content lists outside the field table's rules: " +
        'programming_use_cases has 2 item(s); 3–5 needed and has 2 item(s) not ending with ".": "Train it heavy"; ' +
        'stimulus_tags has 2 item(s); 4–6 needed and has 1 item(s) not in Title Case: "strength"',
    );
  });

  it("does not repeat what another check reports: a missing list, too few execution notes, mistakes that are no list", () => {
    for (const field of CONTENT_FIELDS) expect(softChecks({ ...goodExercise(), [field]: [] })).not.toContain("content_list_rules");
    expect(findingsOn({ ...goodExercise(), stimulus_tags: [" "] })).toEqual([
      { check: "missing_stimulus_tags", fields: ["stimulus_tags"] },
    ]);
    expect(findingsOn({ ...goodExercise(), execution_notes: [GOOD_NOTES[0]] })).toEqual([
      { check: "execution_notes_present", fields: ["execution_notes"] },
    ]);
    expect(findingsOn({ ...goodExercise(), execution_notes: GOOD_NOTES.slice(0, 3) })).toEqual([
      { check: "few_execution_notes", fields: ["execution_notes"] },
    ]);
    expect(findingsOn({ ...goodExercise(), common_mistakes: "Bouncing the bar off the chest." })).toEqual([
      { check: "content_format", fields: ["execution_notes", "common_mistakes"] },
    ]);
  });

  it("counts blank items for none, and takes a list with them from invalid_value", () => {
    expect(findingsOn({ ...goodExercise(), stimulus_tags: ["Strength", "", " ", "\t"] })).toEqual([
      { check: "content_list_rules", fields: ["stimulus_tags"] },
    ]);
  });

  /** Each way a demo exercise's list may break the field table's rules, as a stored value. */
  const BREAKS: ReadonlyArray<[string, ContentField, (items: string[]) => string[]]> = [
    ...CONTENT_FIELDS.map((field): [string, ContentField, (items: string[]) => string[]] => [
      "one item over the maximum",
      field,
      (items) => sized(items, CONTENT_LIST_BOUNDS[field].max + 1),
    ]),
    ...CONTENT_FIELDS.filter((field) => field !== "execution_notes").map((field): [string, ContentField, (items: string[]) => string[]] => [
      "one item under the minimum",
      field,
      (items) => items.slice(0, CONTENT_LIST_BOUNDS[field].min - 1),
    ]),
    ["use cases without their full stop", "programming_use_cases", (items) => items.map((item) => item.replace(/\.$/, ""))],
    ["tags in lowercase", "stimulus_tags", (items) => items.map((item) => item.toLowerCase())],
  ];
  // The demo exercises that scan ok; the others leave lists out or short, for enrichment to complete.
  const OK_DEMO = DEMO_EXERCISES.filter(({ id: _id, ...exercise }) => heuristicScoreExercise(exercise).issue_type === "ok");
  const DEMO_CASES = OK_DEMO.flatMap(({ id, ...exercise }) =>
    BREAKS.map(
      ([change, field, broken]) =>
        [`${id}: ${field}, ${change}`, field, { ...exercise, [field]: broken(exercise[field] as string[]) }] as const,
    ),
  );

  it("finds no demo exercise's lists outside the rules", () => {
    expect(OK_DEMO.length).toBeGreaterThan(DEMO_EXERCISES.length / 2);
    for (const { id, ...exercise } of DEMO_EXERCISES) {
      expect({ id, checks: softChecks(exercise) }).not.toEqual({ id, checks: expect.arrayContaining(["content_list_rules"]) });
    }
  });

  it.each(DEMO_CASES)("%s: enrichment replaces what the scan flags, after which the exercise scans ok", (_case, field, broken) => {
    expect(findingsOn(broken)).toEqual([{ check: "content_list_rules", fields: [field] }]);
    // As the scan's enrichment asks it (no fields_to_enrich): the normaliser must not keep the stored list as good.
    const { changes } = fakeEnrichment(broken);
    expect(Object.keys(changes)).toEqual([field]);
    const { patch, dropped } = normalizeEnrichmentChanges(changes, broken);
    expect(dropped).toEqual([]);
    expect(heuristicScoreExercise(setPath(broken, field, patch[field]))).toMatchObject({ issue_type: "ok", soft_issues: [] });
  });
});

describe("heuristicScoreExercise — canonical name suggestions", () => {
  it.each([
    ["Row (Close Grip) (Cable)", "cable", "Close Grip Row (Cable)"],
    ["Squat (pause) (Barbell)", "barbell", "Pause Squat (Barbell)"],
    ["Lat PULLDOWN (Cable)", "cable", "Lat Pulldown (Cable)"],
    ["Resistance Band Row (Resistance Band)", "resistance-band", "Row (Resistance Band)"],
    ["Medicine Ball Slam (Medicine Ball)", "medicine-ball", "Slam (Medicine Ball)"],
    ["Cable Machine Row", "cable", "Row (Cable)"],
    ["Row (Cable) (Cable)", "cable", "Row (Cable)"],
    ["BOSU BALL SQUAT (BODYWEIGHT)", "bodyweight", "BOSU Ball Squat (Bodyweight)"],
  ])("fails %s on %s and suggests %s, which passes", (name, primary, suggested) => {
    expect(hardChecks({ ...goodExercise(), name, equipment: [primary] })).toEqual(["canonical_name"]);
    expect(exerciseNameProblem(name, primary, true)?.suggestion).toBe(suggested);
    expect(hardChecks({ ...goodExercise(), name: suggested, equipment: [primary] })).toEqual([]);
  });
});

describe("heuristicScoreExercise — two suffixes", () => {
  it.each([
    ["Row (Cable) (Barbell)", "cable"],
    ["Row (Barbell) (Cable)", "cable"],
  ])("fails %s on %s with no suggestion: a person keeps the suffix that names the exercise", (name, primary) => {
    const result = heuristicScoreExercise({ ...goodExercise(), name, equipment: [primary] });
    expect(result.hard_failures.map(({ check, message }) => [check, message])).toEqual([
      ["canonical_name", expect.stringContaining("two")],
    ]);
    expect(exerciseNameProblem(name, primary, true)?.suggestion).toBeUndefined();
  });
});

describe("heuristicScoreExercise — step instructions", () => {
  it("takes 'Step' and a number for an instruction, not numbering, unless a mark or a capitalised word closes it", () => {
    const stepNotes = [
      "Step 2-3 feet away from the cable stack and face away from it.",
      "Step 1 foot forward into a split stance.",
      ...GOOD_NOTES.slice(1),
    ];
    expect(hardChecks({ ...goodExercise(), execution_notes: stepNotes })).toEqual([]);
    expect(exercisePathSchema("execution_notes")?.safeParse(stepNotes).success).toBe(true);
    expect(hardChecks({ ...goodExercise(), execution_notes: ["Step 1 Stand tall at the bench.", ...GOOD_NOTES.slice(1)] })).toEqual([
      "content_format",
    ]);
  });
});

describe("heuristicScoreExercise — agrees with the validator", () => {
  const mistakes = ["Bouncing the bar off the chest.", "Flaring the elbows out wide."];
  it.each([
    ["execution_notes", ["1. Set up as usual.", "2. Do the rep."]],
    ["execution_notes", ["Lie on the bench.", "1.) Press the bar up."]],
    ["execution_notes", [GOOD_NOTES[0]]],
    ["execution_notes", GOOD_NOTES],
    ["execution_notes", ["", " "]],
    ["common_mistakes", ["- Bouncing the bar off the chest.", mistakes[1]]],
    ["common_mistakes", ["__Bouncing__ the bar off the chest.", mistakes[1]]],
    ["common_mistakes", mistakes],
    ["common_mistakes", mistakes[0]],
    ["muscles.primary", ["quads", "lats"]],
    ["muscles.primary", ["Pectoralis major"]],
    ["muscles.primary", ["pectoralis major", "triceps"]],
  ])("%s = %j fails the scan exactly when a write of it is refused", (path, value) => {
    const refused = exercisePathSchema(path)?.safeParse(value).success === false;
    expect(hardChecks(setPath(goodExercise(), path, value)).length > 0).toBe(refused);
  });
});

describe("enrichmentCanHelp", () => {
  it("is true for a bad name that comes with something enrichment may fix", () => {
    const withSoftIssue = deletePath({ ...goodExercise(), name: "Bench Press" }, "stimulus_tags");
    expect(enrichmentCanHelp(heuristicScoreExercise(withSoftIssue))).toBe(true);
    const withHardFailure = { ...goodExercise(), name: "Bench Press", category: "strength" };
    expect(enrichmentCanHelp(heuristicScoreExercise(withHardFailure))).toBe(true);
    expect(enrichmentCanHelp(heuristicScoreExercise({ ...goodExercise(), name: "Bench Press" }))).toBe(false);
  });
});

describe("toReviewMetadata", () => {
  it("maps a scan result to the review_metadata fields", () => {
    const scannedAt = new Date("2026-01-02T03:04:05Z");
    expect(toReviewMetadata(heuristicScoreExercise(goodExercise()), scannedAt)).toEqual({
      quality_score: 0.85,
      issue_type: "ok",
      needs_full_review: false,
      needs_enrichment_only: false,
      last_scanned_at: scannedAt,
      scanner_version: SCANNER_VERSION,
    });
  });
});
