import { exerciseNameProblem } from "../../src/catalog/naming-rules";
import { toFamilySlug } from "../../src/catalog/taxonomy";

const suggestion = (name: string, primary: string | null, multiEquipment: boolean) =>
  exerciseNameProblem(name, primary, multiEquipment)?.suggestion ?? null;

describe("exerciseNameProblem", () => {
  it.each([
    ["Pull-Up", "pull-up-bar"],
    ["Dip", "dip-station"],
    ["Diamond Push-Up", "bodyweight"],
  ])("lets the classic %s on %s go without a suffix in a multi-equipment family", (name, primary) => {
    expect(exerciseNameProblem(name, primary, true)).toBeNull();
  });

  it.each([
    ["Weighted Pull-Up", "dip-belt", "Pull-Up (Dip Belt)"],
    ["Pull-Up", "dip-belt", "Pull-Up (Dip Belt)"],
    ["Crunch", "machine", "Crunch (Machine)"],
    ["Push-Up", "resistance-band", "Push-Up (Resistance Band)"],
  ])("asks %s on %s for the suffix of its equipment in a multi-equipment family", (name, primary, expected) => {
    expect(suggestion(name, primary, true)).toBe(expected);
  });

  it.each([
    ["Barbell Squat", "barbell", "Squat (Barbell)"],
    ["Smith Machine Squat", "smith-machine", "Squat (Smith Machine)"],
    ["Bodyweight Push-Up", "bodyweight", "Push-Up (Bodyweight)"],
  ])("moves the leading equipment word of %s into the suffix even in a single-equipment family", (name, primary, expected) => {
    expect(suggestion(name, primary, false)).toBe(expected);
  });

  it.each([
    ["Weighted Pull-Up", "pull-up-bar", false],
    ["Weighted Pull-Up", "pull-up-bar", true],
    ["Weighted Dip", "dip-station", false],
    ["Landmine Press", "barbell", true],
    ["Cable Curl", "barbell", false],
    ["Weighted Plank", "bodyweight", true],
    ["Cable Machine Row", "machine", false],
    ["Medicine Ball Slam", "bodyweight", true],
  ])("faults %s on %s (multi-equipment: %s) but suggests no name that drops its leading word", (name, primary, multi) => {
    const problem = exerciseNameProblem(name, primary, multi);
    expect(problem).toEqual({ message: expect.stringContaining(`does not name`) });
    expect(problem?.message).toContain(`"${primary}"`);
  });

  it("suggests no name that drops the leading word when the exercise has no equipment and its suffix names another", () => {
    expect(exerciseNameProblem("Landmine Press (Barbell)", null, true)).toEqual({ message: expect.stringContaining('"(Barbell)"') });
  });

  it.each([
    ["Hex Bar Deadlift", "trap-bar", "Deadlift (Trap Bar)"],
    ["Resistance Band Row (Resistance Band)", "resistance-band", "Row (Resistance Band)"],
    ["Cable Machine Row", "cable", "Row (Cable)"],
    ["Medicine Ball Slam", "medicine-ball", "Slam (Medicine Ball)"],
    ["Band Pull-Apart", "resistance-band", "Pull-Apart (Resistance Band)"],
    ["Weighted Dip", "weighted-vest", "Dip (Weighted Vest)"],
    ["Weighted Hip Thrust", "plate", "Hip Thrust (Plate)"],
  ])("moves the leading word of %s into the suffix when %s is what it names", (name, primary, expected) => {
    expect(suggestion(name, primary, false)).toBe(expected);
  });

  it.each([
    // The locked family-slug rule strips no abbreviation or plural: it is the movement's word, as in the family slug.
    ["DB Bench Press", "dumbbell"],
    ["Dumbbells Row", "dumbbell"],
    ["TRX Rows", "suspension-trainer"],
    ["Smith Squat", "smith-machine"],
    // Nor is a name of equipment that is the whole name, or opens a movement of its own, cut to its last word.
    ["Smith Machine", "smith-machine"],
    ["Elliptical Trainer", "elliptical"],
    ["Rower Machine", "rowing-machine"],
    ["Treadmill Walk", "treadmill"],
  ])("leaves %s on %s as it is in a single-equipment family", (name, primary) => {
    expect(exerciseNameProblem(name, primary, false)).toBeNull();
  });

  it.each([
    ["DB Bench Press", "dumbbell", "DB Bench Press (Dumbbell)"],
    ["Smith Machine", "smith-machine", "Smith Machine (Smith Machine)"],
    ["Elliptical Trainer", "elliptical", "Elliptical Trainer (Elliptical)"],
  ])("only adds the suffix to %s on %s in a multi-equipment family: %s", (name, primary, expected) => {
    expect(suggestion(name, primary, true)).toBe(expected);
  });

  it("does not ask for a suffix in a single-equipment family, nor drop one that names the primary equipment", () => {
    expect(exerciseNameProblem("Hip Thrust", "barbell", false)).toBeNull();
    expect(exerciseNameProblem("Hip Thrust (Barbell)", "barbell", false)).toBeNull();
  });

  it.each([
    ["Squat (Pause)", "barbell", true, "Pause Squat (Barbell)"],
    // The suffix's place goes to the equipment, as the scanner asks of every name.
    ["Squat (Pause)", "barbell", false, "Pause Squat (Barbell)"],
    ["Box Squat (Pause)", "barbell", false, "Pause Box Squat (Barbell)"],
    // A qualifier opening with an equipment word, and a name with two parentheses, settle in one rename.
    ["Triceps Pushdown (Cable Rope)", "cable", true, "Rope Triceps Pushdown (Cable)"],
    ["Squat (Barbell) (Pause)", "barbell", true, "Pause Squat (Barbell)"],
    ["Curl (Hammer)", "dumbbell", true, "Hammer Curl (Dumbbell)"],
    ["Bench Press (close grip)", "barbell", true, "Close Grip Bench Press (Barbell)"],
    ["Dumbbell Curl (Hammer)", "dumbbell", false, "Hammer Curl (Dumbbell)"],
  ])("keeps the qualifier of %s on %s (multi-equipment: %s) in the name instead of replacing it", (name, primary, multi, expected) => {
    expect(suggestion(name, primary, multi)).toBe(expected);
  });

  it.each([
    ["Romanian Deadlift (RDL)", "barbell", true, "Romanian Deadlift (Barbell)"],
    // The suffix's place goes to the equipment, as a qualifier's does.
    ["Romanian Deadlift (RDL)", "barbell", false, "Romanian Deadlift (Barbell)"],
    ["Stiff-Leg Deadlift (SLDL)", "dumbbell", false, "Stiff-Leg Deadlift (Dumbbell)"],
    ["Overhead Press (OHP) (Barbell)", "barbell", true, "Overhead Press (Barbell)"],
    ["Romanian Deadlift (RDL)", null, false, "Romanian Deadlift"],
    // An abbreviation that says more than the base is a qualifier.
    ["Romanian Deadlift (SL)", "dumbbell", true, "SL Romanian Deadlift (Dumbbell)"],
  ])("drops the abbreviation of the base from %s on %s (multi-equipment: %s)", (name, primary, multi, expected) => {
    expect(suggestion(name, primary, multi)).toBe(expected);
  });

  it.each([
    ["Pull-Up (Weighted)", "dip-belt", "Pull-Up (Dip Belt)"],
    ["Pull-Up (Weighted)", "weighted-vest", "Pull-Up (Weighted Vest)"],
    ["Pull-Up (Weighted)", "plate", "Pull-Up (Plate)"],
    ["Hip Thrust (Plates)", "plate", "Hip Thrust (Plate)"],
    ["Row (Landmine)", "landmine", null],
    ["Pull-Up (Dip Belt)", "dip-belt", null],
  ])("takes the equipment word of %s on %s for a suffix", (name, primary, expected) => {
    expect(suggestion(name, primary, true)).toBe(expected);
  });

  it.each([
    ["Row (Landmine)", "barbell", "Landmine"],
    ["Pull-Up (Weighted)", "pull-up-bar", "Weighted"],
    ["Pull-Up (Plate)", "pull-up-bar", "Plate"],
    ["Hip Thrust (Plates)", "barbell", "Plates"],
    ["Dip (Dip Belt)", "dip-station", "Dip Belt"],
    ["Pull-Up (Weighted)", "barbell", "Weighted"],
  ])("faults %s on %s but suggests no name that drops the word its suffix names", (name, primary, word) => {
    for (const multi of [true, false]) {
      const problem = exerciseNameProblem(name, primary, multi);
      expect(problem).toEqual({ message: expect.stringContaining(`would drop "${word}"`) });
      expect(problem?.message).toContain(`"${primary}"`);
    }
  });

  it.each([
    ["Squat (Dumbbell)", "barbell", "Squat (Barbell)"],
    ["Pull-Up (Pull-Up Bar)", "dip-belt", "Pull-Up (Dip Belt)"],
  ])("takes the suffix of %s, naming other canonical equipment, for a mistake and names %s instead", (name, primary, expected) => {
    expect(suggestion(name, primary, true)).toBe(expected);
    expect(suggestion(name, primary, false)).toBe(expected);
  });

  it("asks a name written all in capitals for Title Case, keeping known acronyms", () => {
    expect(suggestion("BENCH PRESS (BARBELL)", "barbell", false)).toBe("Bench Press (Barbell)");
    expect(suggestion("TRX ROWS", "suspension-trainer", false)).toBe("TRX Rows");
    expect(exerciseNameProblem("TRX Rows", "suspension-trainer", false)).toBeNull();
    // Judged on the whole name: its base alone may be one word.
    expect(suggestion("SQUAT (BARBELL)", "barbell", false)).toBe("Squat (Barbell)");
    expect(suggestion("BARBELL ROW", "barbell", false)).toBe("Row (Barbell)");
    // Abbreviations are no shouting.
    expect(exerciseNameProblem("SL RDL (Dumbbell)", "dumbbell", true)).toBeNull();
    expect(suggestion("Bench Press (DB)", "dumbbell", true)).toBe("Bench Press (Dumbbell)");
  });

  it("keeps one of a repeated equipment suffix", () => {
    expect(exerciseNameProblem("Row (Cable) (Cable)", "cable", true)).toEqual({
      message: expect.stringContaining("repeats"),
      suggestion: "Row (Cable)",
    });
    expect(suggestion("Row (Cable) (Cable)", null, false)).toBe("Row (Cable)");
    expect(suggestion("Row (DB) (Dumbbell)", "dumbbell", false)).toBe("Row (Dumbbell)");
    expect(suggestion("Row (Close Grip) (Cable) (Cable)", "cable", true)).toBe("Close Grip Row (Cable)");
    // The repeat of a wrong suffix gives way to the primary's, as the suffix alone would.
    expect(suggestion("Row (Barbell) (Barbell)", "cable", true)).toBe("Row (Cable)");
  });

  it.each([
    ["Row (Cable) (Barbell)", "cable"],
    ["Row (Barbell) (Cable)", "cable"],
    ["Row (Cable) (Barbell)", null],
    ["Row (Barbell) (Cable) (Cable)", "cable"],
  ])("faults %s on %s, with two suffixes naming different equipment, and leaves the choice to a person", (name, primary) => {
    for (const multi of [true, false]) {
      expect(exerciseNameProblem(name, primary, multi)).toEqual({ message: expect.stringContaining("two") });
    }
  });

  it.each([
    ["1-ARM Row (Dumbbell)", "dumbbell", "1-Arm Row (Dumbbell)"],
    ["V-UP", null, "V-Up"],
    ["Get-UP (Kettlebell)", "kettlebell", "Get-Up (Kettlebell)"],
  ])("takes no capitals of a word with inner hyphens or digits for an acronym: %s on %s → %s", (name, primary, expected) => {
    expect(suggestion(name, primary, false)).toBe(expected);
    expect(exerciseNameProblem(expected, primary, false)).toBeNull();
  });

  it.each([
    ["Squat 5RM (Barbell)", "barbell"],
    ["Single-Leg-RDL (Dumbbell)", "dumbbell"],
    ["Half-TGU (Kettlebell)", "kettlebell"],
  ])(
    "takes %s on %s for canonical: capitals beside lowercase in a hyphenated word, and a repetition maximum, are meant",
    (name, primary) => {
      expect(exerciseNameProblem(name, primary, false)).toBeNull();
    },
  );

  it("faults a name with a shouted part of a hyphenated word, as one with a shouted word, and keeps the acronyms", () => {
    expect(exerciseNameProblem("Single-ARM Row (Dumbbell)", "dumbbell", true)).toEqual({
      message: '"Single-ARM Row (Dumbbell)" is not in the canonical "Base (Equipment)" Title Case form',
      suggestion: "Single-Arm Row (Dumbbell)",
    });
    expect(suggestion("Single-Leg-ARM Press (Dumbbell)", "dumbbell", false)).toBe("Single-Leg-Arm Press (Dumbbell)");
    for (const name of [
      "McGill-Style Curl-Up (Bodyweight)",
      "Single-Leg RDL (Dumbbell)",
      "TRX Row (Suspension Trainer)",
      "Half-TGU (Kettlebell)",
    ]) {
      expect([name, exerciseNameProblem(name, null, true)]).toEqual([name, null]);
    }
  });

  it("keeps known acronyms of 4 letters or more, in the base and in the suffix", () => {
    expect(exerciseNameProblem("BOSU Ball Squat (Bodyweight)", "bodyweight", true)).toBeNull();
    expect(exerciseNameProblem("Squat (BOSU Ball)", "bosu-ball", true)).toBeNull();
    expect(suggestion("BOSU BALL SQUAT (BODYWEIGHT)", "bodyweight", true)).toBe("BOSU Ball Squat (Bodyweight)");
    expect(suggestion("squat", "bosu-ball", true)).toBe("Squat (BOSU Ball)");
  });

  it("suggests names it takes for canonical: one rename settles a name", () => {
    const names = [
      "Squat (Pause)",
      "Curl (Hammer)",
      "Triceps Pushdown (Cable Rope)",
      "Squat (Barbell) (Pause)",
      "Romanian Deadlift (RDL)",
      "Pull-Up (Weighted Wide Grip)",
      "Raise (Cable Lateral)",
      "Bench Press (DB)",
      "DEADLIFT (BB)",
      "BENCH PRESS (BARBELL)",
      "BARBELL ROW",
      "RKC PLANK",
      "Push-Up (Diamond)",
      "Hip Thrust (Plates)",
      "Dumbbell Curl (Hammer)",
      "ez bar curl",
      "Squat (barbell)",
      "Weighted Pull-Up",
      "Weighted Dip",
      "Landmine Press",
      "Hex Bar Deadlift",
      "Row (Cable) (Cable)",
      "Row (Barbell) (Barbell)",
      "BOSU BALL SQUAT",
      "Single-ARM Row",
    ];
    for (const name of names)
      for (const primary of ["barbell", "dumbbell", "cable", "bodyweight", "dip-belt", "trap-bar", null])
        for (const multi of [true, false]) {
          const first = suggestion(name, primary, multi);
          if (first !== null) expect([name, primary, multi, suggestion(first, primary, multi)]).toEqual([name, primary, multi, null]);
        }
  });

  it("keeps the leading equipment word as the suffix when the exercise has no equipment", () => {
    expect(suggestion("Barbell Squat", null, false)).toBe("Squat (Barbell)");
    expect(suggestion("ez bar curl", null, true)).toBe("Curl (EZ Bar)");
  });

  it("keeps a suffix it cannot check when the exercise has no equipment", () => {
    expect(exerciseNameProblem("Bench Press (Barbell)", null, true)).toBeNull();
    expect(exerciseNameProblem("Row (Landmine)", null, true)).toBeNull();
    expect(exerciseNameProblem("Pull-Up (Weighted)", null, false)).toBeNull();
    expect(suggestion("bench press (barbell)", null, true)).toBe("Bench Press (Barbell)");
  });
});

describe("exerciseNameProblem on brackets that do not pair", () => {
  it.each([
    "Squat (Barbell",
    "Squat (Barbell (Barbell)",
    "Squat Barbell)",
    "Squat Barbell) (Barbell)",
    "Squat (Pause) (Barbell",
    "Row [Barbell)",
  ])("faults %s, whose brackets do not pair, with no suggestion, in any family", (name) => {
    for (const multi of [true, false]) {
      expect(exerciseNameProblem(name, "barbell", multi)).toEqual({ message: expect.stringContaining("does not pair") });
    }
  });

  it("leaves brackets that pair to the other rules", () => {
    expect(exerciseNameProblem("Squat (Barbell)", "barbell", true)).toBeNull();
    expect(suggestion("Squat (Pause) (Barbell)", "barbell", true)).toBe("Pause Squat (Barbell)");
  });
});

describe("exerciseNameProblem on a dash other than the hyphen", () => {
  // The slugs drop it (NFKD/ASCII, locked), so a name keeps it: written as "-" it would name another family.
  it.each([
    ["90\u201390 Hip Switch", "9090_hip_switch"],
    ["Push\u2013Up", "pushup"],
  ])("suggests for %s only a name of its family %s", (name, family) => {
    for (const multi of [true, false]) {
      const problem = exerciseNameProblem(name, "bodyweight", multi);
      expect(toFamilySlug(problem?.suggestion ?? name)).toBe(family);
    }
  });

  it("leaves a name joined by an en dash that is otherwise canonical as it is", () => {
    expect(exerciseNameProblem("90\u201390 Hip Switch", "bodyweight", false)).toBeNull();
    expect(exerciseNameProblem("90\u201390 Hip Switch (Bodyweight)", "bodyweight", true)).toBeNull();
  });
});
