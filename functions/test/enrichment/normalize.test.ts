import { DEMO_EXERCISES } from "../../src/catalog/demo-catalog";
import { isAllowedExercisePath, isLockedForEnrichment } from "../../src/catalog/fields";
import { exerciseDocSchema } from "../../src/catalog/schemas";
import { enrichablePaths, normalizeEnrichmentChanges } from "../../src/enrichment/normalize";
import { heuristicScoreExercise } from "../../src/reviewer/quality-scanner";
import { setPath } from "../../src/util/object-paths";

/** A stored exercise with primary muscles, as the other muscle fields need. */
const WITH_PRIMARY = { muscles: { primary: ["quadriceps"] } };

/** A legacy exercise that needs enrichment: identity only, plus a few non-canonical values. */
const THIN: Readonly<Record<string, unknown>> = {
  name: "Romanian Deadlift (Barbell)",
  name_slug: "romanian-deadlift-barbell",
  family_slug: "romanian_deadlift",
  equipment: ["barbell"],
  category: "strength",
  movement: { type: "Hip Hinge" },
};

/** A complete exercise (Bench Press (Barbell)) whose fields are already good. */
function complete(): Record<string, unknown> {
  const { id: _id, ...exercise } = structuredClone(DEMO_EXERCISES[0]);
  return exercise;
}

const reasonFor = (result: { dropped: { path: string; reason: string }[] }, path: string): string | undefined =>
  result.dropped.find((drop) => drop.path === path)?.reason;

/** What a good LLM answer for THIN looks like, with the usual slips in form. */
const LLM_CHANGES: Record<string, unknown> = {
  category: "Compound",
  description:
    "A hip hinge that lowers the bar along the legs with nearly straight knees, loading the hamstrings and glutes through a long stretch.",
  "muscles.primary": ["Hamstrings", "Glute"],
  "muscles.secondary": ["lower back", "Traps", "hamstrings"],
  "muscles.category": ["Legs", "back"],
  "muscles.contribution": { hams: 50, glutes: 35, "lower back": 15 },
  "metadata.level": "Intermediate",
  "metadata.plane_of_motion": "sagittal plane",
  "metadata.unilateral": "no",
  "movement.type": "hip hinge",
  "movement.split": "Lower Body",
  execution_notes: [
    "1. Stand tall holding the barbell at your thighs with a shoulder-width grip.",
    "2. **Brace** your core and push your hips back while keeping the bar close to your legs.",
    "3. Lower the bar until you feel a deep stretch in your hamstrings.",
    "4. Drive your hips forward to return to standing.",
  ],
  common_mistakes: ["- Rounding the lower back as the bar descends.", "Bar drift: Letting the bar drift away from the legs."],
  suitability_notes: ["Suits lifters who want stronger hamstrings.", "Needs enough hamstring flexibility to hinge with a flat back."],
  programming_use_cases: [
    "Use it as the main hinge on a lower-body day",
    "Program 3 to 4 sets of 6 to 10 repetitions.",
    "Pair it with a squat pattern to balance the legs",
  ],
  stimulus_tags: ["hypertrophy", "posterior chain", "strength", "hip hinge."],
  name: "RDL (Barbell)",
  status: "approved",
};

describe("normalizeEnrichmentChanges — a full enrichment", () => {
  const result = normalizeEnrichmentChanges(LLM_CHANGES, THIN);

  it("produces canonical values", () => {
    expect(result.patch).toEqual({
      category: "compound",
      description: LLM_CHANGES.description,
      "muscles.primary": ["hamstrings", "glutes"],
      "muscles.secondary": ["erector spinae", "trapezius"],
      "muscles.category": ["legs", "back"],
      "muscles.contribution": { hamstrings: 0.5, glutes: 0.35, "erector spinae": 0.15 },
      "metadata.level": "intermediate",
      "metadata.plane_of_motion": "sagittal",
      "metadata.unilateral": false,
      "movement.type": "hinge",
      "movement.split": "lower",
      execution_notes: [
        "Stand tall holding the barbell at your thighs with a shoulder-width grip.",
        "Brace your core and push your hips back while keeping the bar close to your legs.",
        "Lower the bar until you feel a deep stretch in your hamstrings.",
        "Drive your hips forward to return to standing.",
      ],
      common_mistakes: ["Rounding the lower back as the bar descends.", "Letting the bar drift away from the legs."],
      suitability_notes: LLM_CHANGES.suitability_notes,
      programming_use_cases: [
        "Use it as the main hinge on a lower-body day.",
        "Program 3 to 4 sets of 6 to 10 repetitions.",
        "Pair it with a squat pattern to balance the legs.",
      ],
      stimulus_tags: ["Hypertrophy", "Posterior Chain", "Strength", "Hip Hinge"],
    });
  });

  it("drops the locked fields", () => {
    expect(result.dropped).toEqual([
      { path: "name", reason: "locked field" },
      { path: "status", reason: "locked field" },
    ]);
  });

  it("yields a document that is valid and passes the scanner", () => {
    const updated = Object.entries(result.patch).reduce((doc, [path, value]) => setPath(doc, path, value), { ...THIN });
    expect(exerciseDocSchema.safeParse(updated).error?.issues ?? []).toEqual([]);
    expect(heuristicScoreExercise(updated)).toMatchObject({ passed: true, score: 0.85, issue_type: "ok" });
  });

  it("writes only allowed, unlocked, flat paths", () => {
    for (const path of Object.keys(result.patch)) {
      expect(isAllowedExercisePath(path)).toBe(true);
      expect(isLockedForEnrichment(path)).toBe(false);
    }
  });
});

describe("normalizeEnrichmentChanges — paths", () => {
  it.each([
    ["name", "locked field"],
    ["name_slug", "locked field"],
    ["family_slug", "locked field"],
    ["status", "locked field"],
    ["merged_into", "locked field"],
    ["updated_at", "locked field"],
    ["review_metadata.quality_score", "locked field"],
    ["id", "locked field"],
    ["difficulty", "unknown field"],
    ["muscles.unknown", "unknown field"],
    ["execution_notes.0", "array indexing is not allowed"],
    ["stimulus_tags[1]", "array indexing is not allowed"],
    ["coaching_cues", "deprecated field"],
    ["enriched_description", "deprecated field"],
  ])("drops %s (%s)", (path, reason) => {
    const result = normalizeEnrichmentChanges({ [path]: "x" }, THIN);
    expect(result).toEqual({ patch: {}, dropped: [{ path, reason }], writtenWithStyleIssues: [] });
  });

  it("expands nested container objects into dotted paths", () => {
    const result = normalizeEnrichmentChanges({ movement: { type: "Pull", split: "upper body" }, metadata: { level: "novice" } }, THIN);
    expect(result.patch).toEqual({ "metadata.level": "beginner", "movement.type": "pull", "movement.split": "upper" });
    expect(result.dropped).toEqual([]);
  });

  it("rejects a container written as a scalar", () => {
    expect(reasonFor(normalizeEnrichmentChanges({ muscles: "chest" }, THIN), "muscles")).toMatch(/dotted paths/);
  });

  it("locks nested review_metadata given as an object", () => {
    const result = normalizeEnrichmentChanges({ review_metadata: { quality_score: 1 } }, THIN);
    expect(result.dropped).toEqual([{ path: "review_metadata.quality_score", reason: "locked field" }]);
  });

  it("moves deprecated fields to their replacement", () => {
    const result = normalizeEnrichmentChanges({ primary_muscles: ["Quads"], instructions: "1. Sit down\n2. Stand up" }, THIN);
    expect(result.patch["muscles.primary"]).toEqual(["quadriceps"]);
    expect(reasonFor(result, "execution_notes")).toBe("needs 4–8 items, got 2");
  });

  it("prefers the replacement when both are given", () => {
    const result = normalizeEnrichmentChanges({ primary_muscles: ["quads"], "muscles.primary": ["glutes"] }, THIN);
    expect(result.patch["muscles.primary"]).toEqual(["glutes"]);
    expect(reasonFor(result, "primary_muscles")).toMatch(/deprecated field/);
  });

  it.each([
    ["after", { primary_muscles: ["quads"], muscles: { primary: ["glutes"] } }],
    ["before", { muscles: { primary: ["glutes"] }, primary_muscles: ["quads"] }],
  ])("prefers the replacement given nested in its container, %s the deprecated field", (_order, changes) => {
    const result = normalizeEnrichmentChanges(changes, THIN);
    expect(result.patch["muscles.primary"]).toEqual(["glutes"]);
    expect(reasonFor(result, "primary_muscles")).toMatch(/deprecated field/);
  });

  it("lists every enrichable path as allowed and unlocked", () => {
    for (const path of enrichablePaths()) {
      expect(isAllowedExercisePath(path)).toBe(true);
      expect(isLockedForEnrichment(path)).toBe(false);
    }
  });
});

describe("normalizeEnrichmentChanges — enums", () => {
  it.each([
    ["movement.type", "press", "push"],
    ["movement.type", "Pressing", "push"],
    ["movement.type", "rowing", "pull"],
    ["movement.split", "full body", "full_body"],
    ["movement.split", "Total-Body", "full_body"],
    ["category", "stretching", "mobility"],
    ["category", "Isolation exercise", "isolation"],
    ["metadata.level", "Expert", "advanced"],
    ["metadata.plane_of_motion", "coronal", "frontal"],
    ["metadata.plane_of_motion", "Multi-Planar", "multi-plane"],
  ])("%s: %s → %s", (path, raw, value) => {
    expect(normalizeEnrichmentChanges({ [path]: raw }, {}).patch).toEqual({ [path]: value });
  });

  it("drops unknown enum values with the value in the reason", () => {
    const result = normalizeEnrichmentChanges({ category: "strength", "movement.type": 7 }, {});
    expect(result.patch).toEqual({});
    expect(reasonFor(result, "category")).toBe('unknown category "strength"');
    expect(reasonFor(result, "movement.type")).toBe("unknown movement type 7");
  });

  it("drops the other muscle fields when the exercise would have no primary muscles, keeping the rest of the patch", () => {
    const changes = { "muscles.primary": ["pectoralis major (sternal head)"], "muscles.category": ["chest"], description: "A press." };
    const result = normalizeEnrichmentChanges(changes, {});
    expect(result.patch).not.toHaveProperty("muscles.category");
    expect(reasonFor(result, "muscles.category")).toBe("no muscles.primary to go with it");
    // With stored primary muscles, the same category is kept.
    expect(normalizeEnrichmentChanges({ "muscles.category": ["chest"] }, WITH_PRIMARY).patch).toEqual({ "muscles.category": ["chest"] });
  });

  it("applies fields_to_enrich before the muscle rules: a primary outside it is not what the others are checked against", () => {
    const changes = { "muscles.primary": ["glutes"], "muscles.secondary": ["glutes", "hamstrings"] };
    const result = normalizeEnrichmentChanges(changes, WITH_PRIMARY, ["muscles.secondary"]);
    expect(reasonFor(result, "muscles.primary")).toBe("not in fields_to_enrich");
    expect(result.patch).toEqual({ "muscles.secondary": ["glutes", "hamstrings"] });
  });

  it("maps muscle categories and drops the field on an unknown one", () => {
    expect(normalizeEnrichmentChanges({ "muscles.category": ["Full Body", "full_body"] }, WITH_PRIMARY).patch).toEqual({
      "muscles.category": ["full_body"],
    });
    expect(reasonFor(normalizeEnrichmentChanges({ "muscles.category": ["legs", "neck"] }, WITH_PRIMARY), "muscles.category")).toBe(
      "unknown muscle categories: neck",
    );
  });

  it("reads booleans written as words", () => {
    expect(normalizeEnrichmentChanges({ "metadata.unilateral": "Unilateral" }, {}).patch).toEqual({ "metadata.unilateral": true });
    expect(reasonFor(normalizeEnrichmentChanges({ "metadata.unilateral": "sometimes" }, {}), "metadata.unilateral")).toMatch(/boolean/);
  });
});

describe("normalizeEnrichmentChanges — muscles", () => {
  it("lowercases, de-aliases and de-duplicates", () => {
    expect(normalizeEnrichmentChanges({ "muscles.primary": ["Lats", "latissimus_dorsi", "Rear Delts"] }, {}).patch).toEqual({
      "muscles.primary": ["latissimus dorsi", "posterior deltoid"],
    });
    expect(normalizeEnrichmentChanges({ "muscles.primary": ["Rear-Delts", "rear delt"] }, {}).patch).toEqual({
      "muscles.primary": ["posterior deltoid"],
    });
  });

  it("enforces 1–3 primary and at most 5 secondary muscles", () => {
    expect(reasonFor(normalizeEnrichmentChanges({ "muscles.primary": ["quads", "glutes", "hams", "calves"] }, {}), "muscles.primary")).toBe(
      "needs 1–3 primary muscles, got 4",
    );
    expect(reasonFor(normalizeEnrichmentChanges({ "muscles.primary": [] }, {}), "muscles.primary")).toBe(
      "needs 1–3 primary muscles, got 0",
    );
    const six = ["calves", "obliques", "forearms", "biceps", "triceps", "trapezius"];
    expect(reasonFor(normalizeEnrichmentChanges({ "muscles.secondary": six }, WITH_PRIMARY), "muscles.secondary")).toBe(
      "needs at most 5 secondary muscles, got 6",
    );
  });

  it("removes secondary muscles that are primary (stored or in the same patch)", () => {
    const stored = { muscles: { primary: ["quadriceps"] } };
    expect(normalizeEnrichmentChanges({ "muscles.secondary": ["quads", "glutes"] }, stored).patch).toEqual({
      "muscles.secondary": ["glutes"],
    });
    // The job asks for the muscles, so the good stored primary muscle may be replaced.
    const both = normalizeEnrichmentChanges({ "muscles.secondary": ["quads", "glutes"], "muscles.primary": ["glutes"] }, stored, [
      "muscles",
    ]);
    expect(both.patch).toEqual({ "muscles.primary": ["glutes"], "muscles.secondary": ["quadriceps"] });
  });

  it("checks the stored secondary muscles against new primary ones the answer gives alone", () => {
    const stored = { muscles: { primary: ["pecs"], secondary: ["anterior deltoid", "triceps"] } };
    const changes = { "muscles.primary": ["pectoralis major", "anterior deltoid"] };
    expect(normalizeEnrichmentChanges(changes, stored)).toEqual({
      patch: { "muscles.primary": ["pectoralis major", "anterior deltoid"], "muscles.secondary": ["triceps"] },
      dropped: [],
      writtenWithStyleIssues: [],
    });
    // A secondary list the answer gives but that is dropped (too long) is no different: the stored one is checked.
    const six = ["calves", "obliques", "forearms", "biceps", "triceps", "trapezius"];
    expect(normalizeEnrichmentChanges({ ...changes, "muscles.secondary": six }, stored).patch).toEqual({
      "muscles.primary": ["pectoralis major", "anterior deltoid"],
      "muscles.secondary": ["triceps"],
    });
    // Where the secondary muscles may not be written, the primary change that would repeat them is dropped.
    const primaryOnly = normalizeEnrichmentChanges(changes, stored, ["muscles.primary"]);
    expect(primaryOnly.patch).toEqual({});
    expect(reasonFor(primaryOnly, "muscles.primary")).toBe(
      "the stored muscles.secondary has anterior deltoid, and muscles.secondary is not in fields_to_enrich",
    );
    // New primary muscles the stored secondary ones do not repeat leave those as they are.
    expect(normalizeEnrichmentChanges({ "muscles.primary": ["pectoralis major"] }, stored, ["muscles.primary"]).patch).toEqual({
      "muscles.primary": ["pectoralis major"],
    });
  });

  it("validates muscle names against the schema after normalising", () => {
    expect(reasonFor(normalizeEnrichmentChanges({ "muscles.primary": ["Biceps2"] }, {}), "muscles.primary")).toMatch(
      /^invalid: muscle names/,
    );
  });

  it("rejects a list that is not a list of strings", () => {
    expect(reasonFor(normalizeEnrichmentChanges({ "muscles.primary": [1, 2] }, {}), "muscles.primary")).toBe(
      "expected a list of muscle names",
    );
  });
});

describe("normalizeEnrichmentChanges — contribution", () => {
  it("renormalises shares whose sum is outside 0.85–1.15", () => {
    expect(normalizeEnrichmentChanges({ "muscles.contribution": { quads: 3, glutes: 1 } }, WITH_PRIMARY).patch).toEqual({
      "muscles.contribution": { quadriceps: 0.75, glutes: 0.25 },
    });
    expect(normalizeEnrichmentChanges({ "muscles.contribution": { quads: "60%", glutes: "40%" } }, WITH_PRIMARY).patch).toEqual({
      "muscles.contribution": { quadriceps: 0.6, glutes: 0.4 },
    });
  });

  it("reads a share written with % as a percentage, next to plain fractions", () => {
    expect(normalizeEnrichmentChanges({ "muscles.contribution": { lats: "60%", biceps: 0.4 } }, WITH_PRIMARY).patch).toEqual({
      "muscles.contribution": { "latissimus dorsi": 0.6, biceps: 0.4 },
    });
  });

  it("keeps shares that already sum to about 1", () => {
    expect(normalizeEnrichmentChanges({ "muscles.contribution": { quads: 0.5, glutes: 0.4 } }, WITH_PRIMARY).patch).toEqual({
      "muscles.contribution": { quadriceps: 0.5, glutes: 0.4 },
    });
  });

  it("adds up shares of names that are aliases of one muscle", () => {
    expect(
      normalizeEnrichmentChanges({ "muscles.contribution": { lats: 0.3, "latissimus dorsi": 0.4, biceps: 0.3 } }, WITH_PRIMARY).patch,
    ).toEqual({
      "muscles.contribution": { "latissimus dorsi": 0.7, biceps: 0.3 },
    });
  });

  it("folds per-muscle paths into the stored map", () => {
    const stored = { muscles: { primary: ["quadriceps"], contribution: { quadriceps: 0.6, glutes: 0.4 } } };
    expect(
      normalizeEnrichmentChanges({ "muscles.contribution.glutes": 0.3, "muscles.contribution.hamstrings": 0.1 }, stored, [
        "muscles.contribution",
      ]).patch,
    ).toEqual({
      "muscles.contribution": { quadriceps: 0.6, glutes: 0.3, hamstrings: 0.1 },
    });
  });

  it("replaces a muscle's share when its per-muscle path names it by an alias, in either direction", () => {
    const contribution = (stored: Record<string, number>, part: string) =>
      normalizeEnrichmentChanges(
        { [`muscles.contribution.${part}`]: 0.5 },
        { muscles: { primary: ["quadriceps"], contribution: stored } },
        ["muscles.contribution"],
      ).patch;
    // 0.5 + 0.4 = 0.9 is inside 0.85–1.15, so the shares stay as given.
    expect(contribution({ quadriceps: 0.6, glutes: 0.4 }, "quads")).toEqual({ "muscles.contribution": { quadriceps: 0.5, glutes: 0.4 } });
    expect(contribution({ quads: 0.6, glutes: 0.4 }, "quadriceps")).toEqual({ "muscles.contribution": { quadriceps: 0.5, glutes: 0.4 } });
  });

  it("drops negative, non-numeric and all-zero shares", () => {
    expect(reasonFor(normalizeEnrichmentChanges({ "muscles.contribution": { quads: -1 } }, WITH_PRIMARY), "muscles.contribution")).toMatch(
      /invalid share/,
    );
    expect(
      reasonFor(normalizeEnrichmentChanges({ "muscles.contribution": { quads: "lots" } }, WITH_PRIMARY), "muscles.contribution"),
    ).toMatch(/invalid share/);
    expect(reasonFor(normalizeEnrichmentChanges({ "muscles.contribution": { quads: 0 } }, WITH_PRIMARY), "muscles.contribution")).toMatch(
      /zero/,
    );
    expect(reasonFor(normalizeEnrichmentChanges({ "muscles.contribution": ["quads"] }, WITH_PRIMARY), "muscles.contribution")).toMatch(
      /map/,
    );
  });
});

describe("normalizeEnrichmentChanges — content", () => {
  const notes = [
    "Lie on a flat bench and grip the bar slightly wider than your shoulders.",
    "Lower the bar to your lower chest under control.",
    "Press the bar back up until your arms are straight.",
    "Keep your feet flat on the floor throughout the set.",
  ];

  it("strips numbering, bullets and bold, and splits a newline-separated string", () => {
    const text = notes.map((note, index) => `${index + 1}. **${note}**`).join("\n");
    expect(normalizeEnrichmentChanges({ execution_notes: text }, {}).patch).toEqual({ execution_notes: notes });
  });

  it("keeps text that opens with a sign, a number before a word or a unit: no list marker", () => {
    const signed = [
      "\u22125° decline puts less load on the upper chest than a flat bench.",
      "60 - second rest between sets keeps the load heavy.",
      "90 – degree bend at the elbows is the bottom of each rep.",
      "° of elbow flare stay under 45 throughout the set.",
    ];
    expect(normalizeEnrichmentChanges({ execution_notes: signed }, {}).patch).toEqual({ execution_notes: signed });
    const description = "©2020 drills call this a horizontal press that builds the chest, the shoulders and the triceps.";
    expect(normalizeEnrichmentChanges({ description }, {}).patch).toEqual({ description });
  });

  it("drops blank and repeated items before counting", () => {
    expect(normalizeEnrichmentChanges({ execution_notes: [...notes, "", " - ", notes[0].toUpperCase()] }, {}).patch).toEqual({
      execution_notes: notes,
    });
  });

  it.each([
    ["execution_notes", 3, "needs 4–8 items, got 3"],
    ["execution_notes", 9, "needs 4–8 items, got 9"],
    ["common_mistakes", 1, "needs 2–5 items, got 1"],
    ["common_mistakes", 6, "needs 2–5 items, got 6"],
    ["suitability_notes", 5, "needs 2–4 items, got 5"],
    ["programming_use_cases", 2, "needs 3–5 items, got 2"],
    ["stimulus_tags", 7, "needs 4–6 items, got 7"],
  ])("enforces the length of %s (%i items)", (field, count, reason) => {
    const items = Array.from({ length: count }, (_, index) => `Rounding item number ${index + 1} of the list.`);
    expect(reasonFor(normalizeEnrichmentChanges({ [field]: items }, {}), field)).toBe(reason);
  });

  it("Title Cases stimulus tags", () => {
    expect(
      normalizeEnrichmentChanges({ stimulus_tags: ["hypertrophy", "compound movement", "- strength", "upper body."] }, {}).patch,
    ).toEqual({
      stimulus_tags: ["Hypertrophy", "Compound Movement", "Strength", "Upper Body"],
    });
  });

  it("keeps acronyms in stimulus tags and minor words inside hyphenated ones lowercase", () => {
    expect(normalizeEnrichmentChanges({ stimulus_tags: ["HIIT", "EMOM", "conditioning", "one-and-a-half reps"] }, {}).patch).toEqual({
      stimulus_tags: ["HIIT", "EMOM", "Conditioning", "One-and-a-Half Reps"],
    });
  });

  it("title-cases a tag written all in capitals, keeping its known acronyms", () => {
    expect(normalizeEnrichmentChanges({ stimulus_tags: ["COMPOUND MOVEMENT", "HIIT FINISHER", "AMRAP", "strength"] }, {}).patch).toEqual({
      stimulus_tags: ["Compound Movement", "HIIT Finisher", "AMRAP", "Strength"],
    });
  });

  it("keeps the letters of tags already written with meant capitals, and capitalises each part after a slash", () => {
    const written = ["Conditioning", "VO2 Max", "Push/Pull", "Work Capacity"];
    expect(normalizeEnrichmentChanges({ stimulus_tags: written }, {}).patch).toEqual({ stimulus_tags: written });
    expect(normalizeEnrichmentChanges({ stimulus_tags: ["conditioning", "VO2 max", "push/pull", "mcGill core work"] }, {}).patch).toEqual({
      stimulus_tags: ["Conditioning", "VO2 Max", "Push/Pull", "McGill Core Work"],
    });
  });

  // A run of "." before a tag's end, tried by a trailing-run regex from each of its characters, took
  // quadratic time: seconds at 60,000 characters, well past a minute at 200,000. The test yields a turn
  // of the event loop after the work, as jest's timeout (its default, 5 s, here) fires only then.
  it("title-cases a tag with a long run of '.' inside as it did a short one", async () => {
    for (const dots of [".".repeat(5), ".".repeat(200_000)]) {
      expect(normalizeEnrichmentChanges({ stimulus_tags: [`a${dots}b`, "strength", "hypertrophy", "power..."] }, {}).patch).toEqual({
        stimulus_tags: [`A${dots}b`, "Strength", "Hypertrophy", "Power"],
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }, 5_000);

  it("turns 'Label: gerund phrase' mistakes into the gerund phrase", () => {
    const result = normalizeEnrichmentChanges(
      { common_mistakes: ["Elbow flare: letting the elbows drift out.", "Bouncing: bouncing the bar off the chest."] },
      {},
    );
    expect(result.patch).toEqual({ common_mistakes: ["Letting the elbows drift out.", "Bouncing the bar off the chest."] });
  });

  it("cleans the gerund phrase a label is dropped from, so a marker after the label does not refuse the list", () => {
    const result = normalizeEnrichmentChanges(
      { common_mistakes: ["Elbows: •Flaring the elbows out wide", "Bar path: 1. **drifting** the bar toward the face"] },
      {},
    );
    expect(result.patch).toEqual({ common_mistakes: ["Flaring the elbows out wide", "Drifting the bar toward the face"] });
  });

  it("ends programming use cases with a full stop", () => {
    const cases = ["use it early in the session", "Train it twice a week.", "Pair it with rows (for balance)"];
    expect(normalizeEnrichmentChanges({ programming_use_cases: cases }, {}).patch).toEqual({
      programming_use_cases: ["Use it early in the session.", "Train it twice a week.", "Pair it with rows (for balance)."],
    });
    const slips = ["Pair with squats,", 'Great for "conditioning"', "Use it on heavy days;", 'Call it "the finisher."'];
    expect(normalizeEnrichmentChanges({ programming_use_cases: slips }, {}).patch).toEqual({
      programming_use_cases: ["Pair with squats.", 'Great for "conditioning".', "Use it on heavy days.", 'Call it "the finisher."'],
    });
  });

  it("turns a final '!', '?' or '…' into a full stop, inside closing quotes too", () => {
    const cases = ["Go heavy on strength days!", "Add it to a pull day?", 'Call it "the finisher!"', "Save it for the last sets…"];
    expect(normalizeEnrichmentChanges({ programming_use_cases: cases }, {}).patch).toEqual({
      programming_use_cases: [
        "Go heavy on strength days.",
        "Add it to a pull day.",
        'Call it "the finisher."',
        "Save it for the last sets.",
      ],
    });
  });

  it("cleans and length-checks the description", () => {
    const description = "A **horizontal press** that builds the chest, the front of the shoulders and the triceps on a flat bench.";
    expect(normalizeEnrichmentChanges({ description }, {}).patch).toEqual({ description: description.replace(/\*\*/g, "") });
    expect(reasonFor(normalizeEnrichmentChanges({ description: "A chest press." }, {}), "description")).toBe(
      "description shorter than 50 characters",
    );
    expect(reasonFor(normalizeEnrichmentChanges({ description: 42 }, {}), "description")).toBe("expected a string");
  });
});

describe("normalizeEnrichmentChanges — if it isn't broken, don't fix it", () => {
  it("drops values equal to the stored ones, after normalising", () => {
    const stored = complete();
    const result = normalizeEnrichmentChanges(
      {
        category: "Compound",
        "movement.type": "press",
        stimulus_tags: ["hypertrophy", "strength", "compound movement", "upper body push"],
        "muscles.primary": ["Pecs"],
      },
      stored,
    );
    expect(result.patch).toEqual({});
    expect(result.dropped.map((drop) => drop.reason)).toEqual(["unchanged", "unchanged", "unchanged", "unchanged"]);
  });

  it("keeps a good stored value over one with style issues, even when the job asks for the field", () => {
    const stored = complete();
    const firstPerson = ["I lie on the bench and grip the bar.", ...(stored.execution_notes as string[]).slice(1)];
    expect(reasonFor(normalizeEnrichmentChanges({ execution_notes: firstPerson }, stored), "execution_notes")).toBe(
      "stored value is valid",
    );
    expect(reasonFor(normalizeEnrichmentChanges({ execution_notes: firstPerson }, stored, ["execution_notes"]), "execution_notes")).toMatch(
      /^style issues \(execution notes: written in the first person.*\) and the stored value is no worse$/,
    );
  });

  it("accepts content with style issues when nothing usable is stored", () => {
    const firstPerson = [
      "I lie on the bench and grip the bar.",
      "I lower the bar to my chest.",
      "I press it back up.",
      "I rack the bar safely.",
    ];
    expect(normalizeEnrichmentChanges({ execution_notes: firstPerson }, THIN).patch).toEqual({ execution_notes: firstPerson });
    const tooFewStored = { ...THIN, execution_notes: ["Lower it.", "Press it."] };
    expect(normalizeEnrichmentChanges({ execution_notes: firstPerson }, tooFewStored).patch).toEqual({ execution_notes: firstPerson });
  });

  it("accepts a replacement with fewer style issues than the stored value", () => {
    const stored = { ...THIN, common_mistakes: ["Elbows: flaring", "Back: rounding"] };
    const better = ["Flaring the elbows out wide.", "Back rounds at the bottom of the rep."];
    expect(normalizeEnrichmentChanges({ common_mistakes: better }, stored).patch).toEqual({ common_mistakes: better });
  });

  it("takes a clean replacement with style issues over a stored list that fails the scan's format check", () => {
    const stored = {
      ...complete(),
      execution_notes: (complete().execution_notes as string[]).map((note, index) => `${index + 1}. ${note}`),
    };
    expect(heuristicScoreExercise(stored).passed).toBe(false);
    const clean = [
      "Lie on a flat bench and grip the bar slightly wider than your shoulders.",
      "Lower the bar to your lower chest under control.",
      "Press the bar back up until your arms are straight.",
      "Brace hard.",
      "Breathe out.",
    ];
    const { patch } = normalizeEnrichmentChanges({ execution_notes: clean }, stored);
    expect(patch).toEqual({ execution_notes: clean });
    expect(heuristicScoreExercise({ ...stored, ...patch }).passed).toBe(true);
  });

  it("refuses a description naming three equipment kinds over a good one, but takes it over a missing one", () => {
    const crowded = "A horizontal press for the chest that works with a barbell, a pair of dumbbells or a smith machine in any gym.";
    expect(reasonFor(normalizeEnrichmentChanges({ description: crowded }, complete(), ["description"]), "description")).toMatch(
      /equipment kinds/,
    );
    expect(normalizeEnrichmentChanges({ description: crowded }, THIN).patch).toEqual({ description: crowded });
  });
});

describe("normalizeEnrichmentChanges — text that breaks the style rules", () => {
  const thirdPerson = [
    "The lifter lies on the bench with both feet flat on the floor.",
    "He grips the bar just outside shoulder width.",
    "He lowers the bar to the middle of his chest.",
    "He presses the bar back up over his shoulders.",
  ];
  const threeGoodSteps = [
    "Lie on the bench with your eyes under the bar.",
    "Lower the bar to your mid chest under control.",
    "Press the bar back up over your shoulders.",
  ];

  it("fills a missing field with text that has style issues, and says which issues it wrote", () => {
    const labelled = ["Elbow flare: the elbows drift out wide", "Bounce: the bar bounces off the chest"];
    const crowded =
      "A horizontal press for the chest and triceps, done on a flat bench with a barbell, dumbbells, a kettlebell or a cable machine.";
    const result = normalizeEnrichmentChanges({ execution_notes: thirdPerson, common_mistakes: labelled, description: crowded }, THIN);
    expect(result.patch).toEqual({ description: crowded, execution_notes: thirdPerson, common_mistakes: labelled });
    expect(result.dropped).toEqual([]);
    expect(result.writtenWithStyleIssues).toEqual([
      { path: "description", issues: ["description: names 4 equipment kinds (at most 2)"] },
      { path: "execution_notes", issues: ["execution notes: written in the third person; use second-person imperatives"] },
      {
        path: "common_mistakes",
        issues: [
          'common mistakes: uses the "Label: text" format; write gerund phrases',
          'common mistakes: 2 item(s) do not start with a gerund ("Rounding…")',
        ],
      },
    ]);
  });

  it("fills a list of blank items as missing, saying which issues it wrote", () => {
    const result = normalizeEnrichmentChanges({ execution_notes: thirdPerson }, { ...THIN, execution_notes: ["", " "] });
    expect(result.patch).toEqual({ execution_notes: thirdPerson });
    expect(result.writtenWithStyleIssues).toEqual([expect.objectContaining({ path: "execution_notes" })]);
  });

  it("writes nothing about a value without style issues", () => {
    expect(normalizeEnrichmentChanges(LLM_CHANGES, THIN).writtenWithStyleIssues).toEqual([]);
  });

  it("keeps a stored list short of its bounds over one with more style issues, naming them", () => {
    const stored = { ...THIN, execution_notes: threeGoodSteps };
    const result = normalizeEnrichmentChanges({ execution_notes: thirdPerson }, stored);
    expect(result.patch).toEqual({});
    expect(reasonFor(result, "execution_notes")).toBe(
      "style issues (execution notes: written in the third person; use second-person imperatives), more than the stored value's 0, " +
        "which is kept though it needs 4–8 items, got 3",
    );
  });

  it('keeps a stored list past its bounds over a "Label: text" list, and takes one with no more issues', () => {
    const gerunds = ["Flaring the elbows out wide.", "Bouncing the bar off the chest.", "Lifting the hips off the bench."];
    const stored = {
      ...THIN,
      common_mistakes: [...gerunds, "Holding the breath too long.", "Losing the arch in the upper back.", "Gripping the bar far too wide."],
    };
    const labelled = ["Elbow flare: the elbows drift out wide", "Bounce: the bar bounces off the chest"];
    expect(reasonFor(normalizeEnrichmentChanges({ common_mistakes: labelled }, stored), "common_mistakes")).toMatch(
      /^style issues \(common mistakes: uses the "Label: text" format.*\), more than the stored value's 0, which is kept though it needs 2–5 items, got 6$/,
    );
    const result = normalizeEnrichmentChanges({ common_mistakes: gerunds }, stored);
    expect(result.patch).toEqual({ common_mistakes: gerunds });
    expect(result.writtenWithStyleIssues).toEqual([]);
  });

  it("replaces a stored list short of its bounds by one with as many style issues, saying which it wrote", () => {
    const stored = { ...THIN, execution_notes: ["I lie on the bench under the bar.", ...threeGoodSteps.slice(1)] };
    const result = normalizeEnrichmentChanges({ execution_notes: thirdPerson }, stored);
    expect(result.patch).toEqual({ execution_notes: thirdPerson });
    expect(result.writtenWithStyleIssues).toEqual([expect.objectContaining({ path: "execution_notes" })]);
  });

  it("replaces a stored value that fails a hard check of the scan, whatever the replacement's style issues", () => {
    // One execution note fails check 5, a description under 50 characters check 9: the exercise fails the scan.
    const stored = { ...THIN, execution_notes: ["Lie on the bench with your eyes under the bar."], description: "A barbell chest press." };
    const crowded =
      "A horizontal press for the chest and triceps, done on a flat bench with a barbell, dumbbells, a kettlebell or a cable machine.";
    const result = normalizeEnrichmentChanges({ execution_notes: thirdPerson, description: crowded }, stored);
    expect(result.patch).toEqual({ description: crowded, execution_notes: thirdPerson });
    expect(result.writtenWithStyleIssues.map((written) => written.path)).toEqual(["description", "execution_notes"]);
  });
});

describe("normalizeEnrichmentChanges — good stored values stay", () => {
  /** Valid values for every enrichable path but equipment, none equal to complete()'s: mostly the Romanian deadlift's. */
  const otherValues: Record<string, unknown> = {
    ...normalizeEnrichmentChanges(LLM_CHANGES, THIN).patch,
    category: "isolation",
    "metadata.level": "beginner",
    "metadata.unilateral": true,
  };
  /** complete() with secondary equipment, which a shorter valid list must not silently drop. */
  const stored: Record<string, unknown> = { ...complete(), equipment: ["barbell", "flat-bench"] };
  const changes = { ...otherValues, equipment: ["barbell"] };

  it("drops a valid change to any field whose stored value is already good", () => {
    expect(Object.keys(changes).sort()).toEqual(enrichablePaths().sort());
    const result = normalizeEnrichmentChanges(changes, stored);
    expect(result.patch).toEqual({});
    expect(result.dropped).toEqual(enrichablePaths().map((path) => ({ path, reason: "stored value is valid" })));
  });

  it("takes the change when the job names the field in fields_to_enrich (a map covers its paths)", () => {
    const asked = ["equipment", "category", "muscles", "movement.type"];
    const result = normalizeEnrichmentChanges(changes, stored, asked);
    expect(result.patch).toEqual({
      equipment: ["barbell"],
      category: otherValues.category,
      "muscles.primary": otherValues["muscles.primary"],
      "muscles.secondary": otherValues["muscles.secondary"],
      "muscles.category": otherValues["muscles.category"],
      "muscles.contribution": otherValues["muscles.contribution"],
      "movement.type": otherValues["movement.type"],
    });
    expect(reasonFor(result, "movement.split")).toBe("not in fields_to_enrich");
  });

  it("replaces a stored value that is present but not canonical, or that the scanner flags for style", () => {
    const flawed = {
      ...stored,
      equipment: ["Barbell", "Flat Bench"],
      category: "Compound",
      muscles: { ...(stored.muscles as object), primary: ["Pecs"] },
      execution_notes: ["I lie on the bench.", "I grip the bar.", "I lower it to my chest.", "I press it back up."],
    };
    const result = normalizeEnrichmentChanges(
      { equipment: ["barbell"], category: "isolation", "muscles.primary": ["biceps"], execution_notes: otherValues.execution_notes },
      flawed,
    );
    expect(result.dropped).toEqual([]);
    expect(result.patch).toEqual({
      equipment: ["barbell"],
      category: "isolation",
      "muscles.primary": ["biceps"],
      execution_notes: otherValues.execution_notes,
    });
  });
});

describe("normalizeEnrichmentChanges — equipment", () => {
  it("normalises the list and keeps the stored primary equipment", () => {
    const unnormalised = { ...THIN, equipment: ["Barbell"] };
    expect(normalizeEnrichmentChanges({ equipment: ["Barbell", "Flat Bench", "barbell"] }, unnormalised).patch).toEqual({
      equipment: ["barbell", "flat-bench"],
    });
  });

  it("refuses to change the primary equipment", () => {
    expect(reasonFor(normalizeEnrichmentChanges({ equipment: ["dumbbell", "barbell"] }, THIN), "equipment")).toBe(
      'the primary equipment "barbell" is locked',
    );
  });

  it("with none stored, keeps the primary equipment the name's suffix names", () => {
    const unequipped = { ...complete(), name: "Bench Press (Barbell)", equipment: [] };
    const contradicting = normalizeEnrichmentChanges({ equipment: ["dumbbell", "flat bench"] }, unequipped);
    expect(contradicting.patch).toEqual({});
    expect(reasonFor(contradicting, "equipment")).toBe('the name "Bench Press (Barbell)" names the primary equipment "barbell"');
    expect(normalizeEnrichmentChanges({ equipment: ["Barbells", "flat bench"] }, unequipped).patch).toEqual({
      equipment: ["barbell", "flat-bench"],
    });
    // A "(…)" that names no equipment locks nothing.
    expect(normalizeEnrichmentChanges({ equipment: ["dumbbell"] }, { name: "Squat (Pause)", equipment: [] }).patch).toEqual({
      equipment: ["dumbbell"],
    });
    // Nor does a word of equipment that names no piece of it.
    expect(normalizeEnrichmentChanges({ equipment: ["dip belt"] }, { name: "Dip (Weighted)", equipment: [] }).patch).toEqual({
      equipment: ["dip-belt"],
    });
  });

  it("sets equipment freely when none is stored, but never to an empty list", () => {
    expect(normalizeEnrichmentChanges({ equipment: ["Dumbbells"] }, {}).patch).toEqual({ equipment: ["dumbbell"] });
    expect(reasonFor(normalizeEnrichmentChanges({ equipment: [" "] }, {}), "equipment")).toBe("equipment must not be empty");
  });
});
