import { canonicalNameIn, isMultiEquipment, nameForFamily, namesAfterJoin, namesInFamily } from "../../src/catalog/family-naming";
import { exerciseFixture } from "../helpers/catalog";

const doc = (name: string, equipment: string[], extra: Record<string, unknown> = {}) => ({ name, equipment, ...extra });
const member = (name: string, equipment: string[], family: string, extra: Record<string, unknown> = {}) => {
  const { id, ...data } = exerciseFixture(name, equipment, { family_slug: family, ...extra });
  return { id, data };
};

describe("canonicalNameIn", () => {
  it.each([
    ["Biceps Curl", ["barbell"], true, "Biceps Curl (Barbell)"],
    ["Barbell Hip Thrust", ["barbell"], false, "Hip Thrust (Barbell)"],
    ["bench press (barbell)", ["barbell"], true, "Bench Press (Barbell)"],
    ["Curl (Cable)", ["Barbells"], true, "Curl (Barbell)"],
    ["Weighted Pull-Up", ["dip-belt"], false, "Pull-Up (Dip Belt)"],
    ["Weighted Pull-Up", ["dip-belt"], true, "Pull-Up (Dip Belt)"],
    ["Crunch", ["machine"], true, "Crunch (Machine)"],
    ["Push-Up", ["resistance-band"], true, "Push-Up (Resistance Band)"],
    ["Row (Cable) (Cable)", ["cable"], false, "Row (Cable)"],
    ["Row (Cable) (Cable)", ["cable"], true, "Row (Cable)"],
    ["single-ARM row", ["dumbbell"], true, "Single-Arm Row (Dumbbell)"],
  ])("%s with %j (multi-equipment: %s) → %s", (name, equipment, multi, expected) => {
    expect(canonicalNameIn(doc(name, equipment), multi)).toBe(expected);
  });

  it.each([
    ["Bench Press (Barbell)", ["barbell"], true],
    ["Push-Up", ["bodyweight"], true],
    ["Leg Press (Machine)", ["machine"], false],
    ["Biceps Curl", ["barbell"], false],
    ["Pull-Up", ["pull-up-bar"], true],
    ["Dip", ["dip-station", "dip-belt"], true],
    // Without equipment the suffix cannot be checked, so it is kept rather than dropped.
    ["Bench Press (Barbell)", [], true],
    // A suffix naming what sets the exercise apart, not its primary equipment: a person names it.
    ["Hip Thrust (Plate)", ["barbell", "plate"], false],
    // Two suffixes naming different equipment: a person keeps the one that names the exercise.
    ["Row (Cable) (Barbell)", ["cable"], true],
  ])("keeps %s with %j (multi-equipment: %s)", (name, equipment, multi) => {
    expect(canonicalNameIn(doc(name, equipment), multi)).toBeNull();
  });
});

describe("nameForFamily", () => {
  it("keeps a base that fits the new family", () => {
    expect(nameForFamily(doc("Barbell Row", ["barbell"]), { from: "barbell_rows", to: "row", toBase: "Row", multiEquipment: true })).toBe(
      "Row (Barbell)",
    );
  });

  it("carries one of a repeated suffix over", () => {
    expect(nameForFamily(doc("Row (Cable) (Cable)", ["cable"]), { from: "rows", to: "row", toBase: "Row", multiEquipment: true })).toBe(
      "Row (Cable)",
    );
  });

  it("replaces the words naming the old family by the new family's base", () => {
    expect(
      nameForFamily(doc("Incline Bench Presses (Dumbbell)", ["dumbbell"]), {
        from: "bench_presses",
        to: "bench_press",
        toBase: "Bench Press",
        multiEquipment: true,
      }),
    ).toBe("Incline Bench Press (Dumbbell)");
  });

  // toBase null: the family moved into has no base name yet (a slug rename, a split's new family).
  it.each([
    ["push_up", "renegade_push_up", "Push-Up (Dumbbell)", ["dumbbell"], "Renegade Push-Up (Dumbbell)"],
    ["push_ups", "push_up", "Push-Ups (Dumbbell)", ["dumbbell"], "Push-Up (Dumbbell)"],
    ["push_up", "press_up", "Incline Push-Up", ["bodyweight"], "Incline Press-Up"],
    ["plank", "front_plank", "Plank", ["bodyweight"], "Front Plank"],
    ["chest_fly", "pec_fly", "Chest Fly (Cable)", ["cable"], "Pec Fly (Cable)"],
    // The same letters in fewer words: a respelling, whose variants keep their own words.
    ["pull_up", "pullup", "Wide-Grip Pull-Up", ["bodyweight"], "Wide-Grip Pullup"],
  ])("moving from %s to the new family %s, spells its base as %s spells the old one", (from, to, name, equipment, expected) => {
    expect(nameForFamily(doc(name, equipment), { from, to, toBase: null, multiEquipment: false })).toBe(expected);
  });

  it("renames no variant into a new family whose base adds words to its own: a side plank is no front plank", () => {
    expect(
      nameForFamily(doc("Side Plank", ["bodyweight"]), { from: "plank", to: "front_plank", toBase: null, multiEquipment: false }),
    ).toBeNull();
    expect(
      nameForFamily(doc("Incline Push-Up", ["bodyweight"]), {
        from: "push_up",
        to: "renegade_push_up",
        toBase: null,
        multiEquipment: false,
      }),
    ).toBeNull();
  });

  it("renames no variant into an existing family whose base adds words to its own either", () => {
    const intoFrontPlank = { from: "plank", to: "front_plank", toBase: "Front Plank", multiEquipment: false };
    expect(nameForFamily(doc("Side Plank", ["bodyweight"]), intoFrontPlank)).toBeNull();
    // Fewer words, but not only equipment words: a paused lockout is no paused bench press.
    expect(
      nameForFamily(doc("Paused Bench Press Lockout", ["barbell"]), {
        from: "bench_press_lockout",
        to: "bench_press",
        toBase: "Bench Press",
        multiEquipment: false,
      }),
    ).toBeNull();
    // The plain base is what the person merged: it takes the family's base.
    expect(nameForFamily(doc("Plank", ["bodyweight"]), intoFrontPlank)).toBe("Front Plank");
    // A family of as many words respells the old base, and its variants carry over.
    expect(
      nameForFamily(doc("Diamond Push-Up", ["bodyweight"]), { from: "push_up", to: "press_up", toBase: "Press-Up", multiEquipment: false }),
    ).toBe("Diamond Press-Up");
  });

  it.each([
    // More words, the same letters in singular: a respelling.
    ["Diamond Pushups", ["bodyweight"], "pushups", "push_up", "Push-Up", false, "Diamond Push-Up"],
    // Fewer words: the same movement said with less, the suffix saying the equipment word.
    ["Wide-Grip Seated Cable Row", ["cable"], "seated_cable_row", "seated_row", "Seated Row", true, "Wide-Grip Seated Row (Cable)"],
    ["Wide-Grip Seated Cable Row", ["cable"], "seated_cable_row", "seated_row", null, false, "Wide-Grip Seated Row"],
  ])("carries the variant %s on %j from %s over to %s (base %s)", (name, equipment, from, to, toBase, multiEquipment, expected) => {
    expect(nameForFamily(doc(name, equipment), { from, to, toBase, multiEquipment })).toBe(expected);
  });

  it("gives up on a name that cannot fit", () => {
    expect(
      nameForFamily(doc("Wrist Roller (Dumbbell)", ["dumbbell"]), { from: "curl", to: "row", toBase: "Row", multiEquipment: true }),
    ).toBeNull();
  });
});

describe("isMultiEquipment / namesAfterJoin", () => {
  it("counts only live exercises and normalised primary equipment", () => {
    expect(isMultiEquipment([member("Row (Dumbbell)", ["dumbbell"], "row"), member("Row (Dumbbells)", ["Dumbbells"], "row")])).toBe(false);
    expect(
      isMultiEquipment([member("Row (Dumbbell)", ["dumbbell"], "row"), member("Row (Cable)", ["cable"], "row", { status: "deprecated" })]),
    ).toBe(false);
  });

  it("does not count an exercise without equipment as a primary equipment of its own", () => {
    const family = [
      member("Romanian Deadlift", ["barbell"], "romanian_deadlift"),
      member("Deficit Romanian Deadlift", [], "romanian_deadlift", { status: "draft" }),
    ];
    expect(isMultiEquipment(family)).toBe(false);
    expect([...namesInFamily(family, isMultiEquipment(family)).values()]).toEqual(["Romanian Deadlift", "Deficit Romanian Deadlift"]);
  });

  it("renames the staying exercises when the joining ones make the family multi-equipment", () => {
    const { multiEquipment, names } = namesAfterJoin(
      [member("Hip Thrust", ["barbell"], "hip_thrust")],
      [member("Hip Thrusts", ["machine"], "hip_thrusts")],
      {
        from: "hip_thrusts",
        to: "hip_thrust",
        toBase: "Hip Thrust",
      },
      new Set(),
    );
    expect(multiEquipment).toBe(true);
    expect([...names.values()]).toEqual(["Hip Thrust (Barbell)", "Hip Thrust (Machine)"]);
  });

  it("does not count a joining twin toward the family's equipment: it never joins, so nothing is renamed for it", () => {
    const twin = member("Hip Thrusts", ["machine"], "hip_thrusts");
    const { multiEquipment, names } = namesAfterJoin(
      [member("Hip Thrust", ["barbell"], "hip_thrust")],
      [twin],
      { from: "hip_thrusts", to: "hip_thrust", toBase: "Hip Thrust" },
      new Set([twin.id]),
    );
    expect(multiEquipment).toBe(false);
    expect([...names.values()]).toEqual(["Hip Thrust", "Hip Thrust"]);
  });
});
