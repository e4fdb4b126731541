import { exerciseNameProblem } from "../../src/catalog/naming-rules";

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

  it("does not ask for a suffix in a single-equipment family, nor drop one that names the primary equipment", () => {
    expect(exerciseNameProblem("Hip Thrust", "barbell", false)).toBeNull();
    expect(exerciseNameProblem("Hip Thrust (Barbell)", "barbell", false)).toBeNull();
  });

  it.each([
    ["Squat (Pause)", "barbell", true, "Pause Squat (Barbell)"],
    ["Squat (Pause)", "barbell", false, "Pause Squat"],
    ["Curl (Hammer)", "dumbbell", true, "Hammer Curl (Dumbbell)"],
    ["Bench Press (close grip)", "barbell", true, "Close Grip Bench Press (Barbell)"],
    ["Dumbbell Curl (Hammer)", "dumbbell", false, "Hammer Curl (Dumbbell)"],
  ])("keeps the qualifier of %s on %s (multi-equipment: %s) in the name instead of replacing it", (name, primary, multi, expected) => {
    expect(suggestion(name, primary, multi)).toBe(expected);
  });

  it.each([
    ["Pull-Up (Weighted)", "dip-belt", "Pull-Up (Dip Belt)"],
    ["Hip Thrust (Plates)", "barbell", "Hip Thrust (Barbell)"],
    ["Row (Landmine)", "landmine", null],
  ])("takes the equipment word of %s on %s for a suffix", (name, primary, expected) => {
    expect(suggestion(name, primary, true)).toBe(expected);
  });

  it("asks a name written all in capitals for Title Case, keeping known acronyms", () => {
    expect(suggestion("BENCH PRESS (BARBELL)", "barbell", false)).toBe("Bench Press (Barbell)");
    expect(suggestion("TRX ROW", "suspension-trainer", false)).toBe("TRX Row");
    expect(exerciseNameProblem("TRX Row", "suspension-trainer", false)).toBeNull();
  });

  it("keeps the leading equipment word as the suffix when the exercise has no equipment", () => {
    expect(suggestion("Barbell Squat", null, false)).toBe("Squat (Barbell)");
    expect(suggestion("ez bar curl", null, true)).toBe("Curl (EZ Bar)");
  });

  it("keeps a suffix it cannot check when the exercise has no equipment", () => {
    expect(exerciseNameProblem("Bench Press (Barbell)", null, true)).toBeNull();
    expect(suggestion("bench press (barbell)", null, true)).toBe("Bench Press (Barbell)");
  });
});
