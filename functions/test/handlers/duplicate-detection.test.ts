import { DuplicateIndex, exerciseDuplicateKeys, familyDuplicateKey } from "../../src/handlers/plans/duplicate-detection";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";
import { exerciseFixture, retiredFamilyFixture } from "../helpers/catalog";

const member = (name: string, equipment: string[], family: string, extra: Record<string, unknown> = {}) => {
  const { id, ...data } = exerciseFixture(name, equipment, { family_slug: family, ...extra });
  return { id, data };
};

/** Whether two exercises (named, on their equipment) share a duplicate key. */
const alike = ([name, equipment]: [string, string[]], [otherName, otherEquipment]: [string, string[]]) => {
  const otherKeys = exerciseDuplicateKeys(member(otherName, otherEquipment, "x"));
  return exerciseDuplicateKeys(member(name, equipment, "x")).some((key) => otherKeys.includes(key));
};

describe("duplicate keys", () => {
  it("gives push_up and push_ups, and their exercises, the same key", () => {
    expect(["push_up", "push_ups", "sit_ups", "chin_ups"].map(familyDuplicateKey)).toEqual(["pushup", "pushup", "situp", "chinup"]);
    expect(alike(["Pull-Ups", ["bodyweight"]], ["Pull-Up", ["bodyweight"]])).toBe(true);
  });

  it("gives families that differ by plural or equipment words the same key", () => {
    expect(["bench_press", "bench_presses", "dumbbell_bench_press", "smith_machine_bench_press"].map(familyDuplicateKey)).toEqual(
      Array(4).fill("benchpress"),
    );
    expect(familyDuplicateKey("machine")).toBe("machine");
  });

  it("takes an abbreviation or a plural of the locked rule's equipment for the equipment word it is", () => {
    expect(["db_bench_press", "dumbbells_bench_press", "trap_bars_bench_press"].map(familyDuplicateKey)).toEqual(
      Array(3).fill("benchpress"),
    );
    expect(["dumbbells_row", "kb_row", "smith_row"].map(familyDuplicateKey)).toEqual(Array(3).fill("row"));
    expect(alike(["DB Bench Press (Dumbbell)", ["dumbbell"]], ["Bench Press (Dumbbell)", ["dumbbell"]])).toBe(true);
    expect(alike(["Dumbbells Row", ["dumbbell"]], ["Row (Dumbbell)", ["dumbbell"]])).toBe(true);
  });

  it("keeps another name of equipment the family-slug rule keeps as a word of the movement", () => {
    expect(["rower_sprint", "trx_rows", "treadmill_walk", "elliptical_trainer"].map(familyDuplicateKey)).toEqual([
      "rowersprint",
      "trxrow",
      "treadmillwalk",
      "ellipticaltrainer",
    ]);
    expect(alike(["Rower Sprint", ["rowing-machine"]], ["Sprint (Rowing Machine)", ["rowing-machine"]])).toBe(false);
    expect(alike(["TRX Rows", ["suspension-trainer"]], ["Row (Suspension Trainer)", ["suspension-trainer"]])).toBe(false);
  });

  it("gives a family spelled as one word the key of its words apart, as a slug rename judges one movement", () => {
    const legacy = ["pullups", "pushups", "chinups", "situps"];
    expect(legacy.map(familyDuplicateKey)).toEqual(["pull_up", "push_up", "chin_up", "sit_up"].map(familyDuplicateKey));
    expect(familyDuplicateKey("pull_down")).toBe(familyDuplicateKey("pulldown"));
    expect(familyDuplicateKey("pull_up")).not.toBe(familyDuplicateKey("chin_up"));
  });

  it("keys exercises by their words in any order and their primary equipment", () => {
    expect(alike(["Bench Press (Barbell)", ["barbell"]], ["Barbell Bench Presses", ["barbell"]])).toBe(true);
    expect(alike(["Press Bench (Barbell)", ["barbell"]], ["Bench Press (Barbell)", ["barbell"]])).toBe(true);
    expect(alike(["Bench Press (Barbell)", ["barbell"]], ["Bench Press (Dumbbell)", ["dumbbell"]])).toBe(false);
  });

  it("keys exercises by their words run together in their order: a legacy one-word spelling is the same exercise", () => {
    expect(alike(["Pullups", ["pull-up-bar"]], ["Pull-Up", ["pull-up-bar"]])).toBe(true);
    expect(alike(["Chinups (Pull-Up Bar)", ["pull-up-bar"]], ["Chin-Up", ["pull-up-bar"]])).toBe(true);
    expect(alike(["Situp Twist", ["bodyweight"]], ["Sit-Up Twist", ["bodyweight"]])).toBe(true);
    expect(alike(["Lat Pulldown (Cable)", ["cable"]], ["Lat Pull-Down (Cable)", ["cable"]])).toBe(true);
    expect(alike(["Dips", ["dip-station"]], ["Dip (Dip Station)", ["dip-station"]])).toBe(true);
    // Not across equipment, nor other words.
    expect(alike(["Pullups", ["pull-up-bar"]], ["Pull-Up", ["resistance-band"]])).toBe(false);
    expect(alike(["Chinups", ["pull-up-bar"]], ["Pull-Up", ["pull-up-bar"]])).toBe(false);
  });

  it("keeps an equipment word the primary equipment does not say: a landmine row is no barbell row", () => {
    const barbellRow: [string, string[]] = ["Row (Barbell)", ["barbell"]];
    expect(alike(["Barbell Row", ["barbell"]], barbellRow)).toBe(true);
    expect(alike(["Landmine Row", ["barbell", "landmine"]], barbellRow)).toBe(false);
    expect(alike(["Row (Landmine)", ["barbell", "landmine"]], barbellRow)).toBe(false);
    expect(alike(["Row (Landmine)", ["barbell", "landmine"]], ["Landmine Row", ["barbell", "landmine"]])).toBe(true);
    expect(alike(["Weighted Chin-Up", ["pull-up-bar"]], ["Chin-Up", ["pull-up-bar"]])).toBe(false);
    expect(alike(["Weighted Chinups", ["pull-up-bar"]], ["Chin-Up", ["pull-up-bar"]])).toBe(false);
    // The word kept is counted once, wherever the name puts it.
    expect(alike(["Hip Thrust (Plate)", ["barbell"]], ["Plate Hip Thrust", ["barbell"]])).toBe(true);
    expect(alike(["Pull-Up (Weighted Vest)", ["pull-up-bar"]], ["Weighted Vest Pull-Up", ["pull-up-bar"]])).toBe(true);
    // What the primary says is no word apart: a weighted pull-up on a dip belt is the dip-belt pull-up.
    expect(alike(["Weighted Pull-Up", ["dip-belt"]], ["Pull-Up (Dip Belt)", ["dip-belt"]])).toBe(true);
  });
});

describe("DuplicateIndex", () => {
  it("proposes merging look-alike families into the one named by their key", () => {
    const index = new DuplicateIndex();
    index.addFamily("rows", [member("Rows (Cable)", ["cable"], "rows")], null);
    index.addFamily("row", [member("Row (Barbell)", ["barbell"], "row")], null);
    index.addFamily(
      "dumbbell_row",
      [member("Row (Dumbbell)", ["dumbbell"], "dumbbell_row"), member("Row (Kettlebell)", ["kettlebell"], "dumbbell_row")],
      null,
    );
    expect(index.findings().merges).toEqual([
      expect.objectContaining({ source: "rows", target: "row" }),
      expect.objectContaining({ source: "dumbbell_row", target: "row" }),
    ]);
  });

  it("proposes merging families that hold the same exercise, and reports duplicates within one family", () => {
    const index = new DuplicateIndex();
    index.addFamily(
      "press",
      [member("Bench Press (Barbell)", ["barbell"], "press"), member("Press Bench (Barbell)", ["barbell"], "press")],
      null,
    );
    index.addFamily(
      "bench_press",
      [member("Bench Press (Barbell)", ["barbell"], "bench_press"), member("Bench Press (Dumbbell)", ["dumbbell"], "bench_press")],
      null,
    );
    const findings = index.findings();
    expect(findings.merges).toEqual([expect.objectContaining({ source: "press", target: "bench_press" })]);
    expect(findings.within_family).toEqual([
      { family_slug: "press", exercise_ids: ["press__bench-press-barbell", "press__press-bench-barbell"] },
    ]);
  });

  it("proposes merging a legacy family spelled as one word into the family of its words apart", () => {
    const index = new DuplicateIndex();
    index.addFamily("pull_up", [member("Pull-Up", ["pull-up-bar"], "pull_up")], null);
    index.addFamily(
      "pullups",
      [member("Pullups", ["pull-up-bar"], "pullups"), member("Wide-Grip Pullups", ["pull-up-bar"], "pullups")],
      null,
    );
    expect(index.findings()).toEqual({
      merges: [expect.objectContaining({ source: "pullups", target: "pull_up" })],
      within_family: [],
      awaiting_rename: [],
    });
  });

  it("merges into the family named by its key alone with most live exercises, when several are", () => {
    const index = new DuplicateIndex();
    index.addFamily("pull_up", [member("Pull-Up", ["pull-up-bar"], "pull_up")], null);
    index.addFamily("pullup", [member("Pullup", ["pull-up-bar"], "pullup"), member("Wide-Grip Pullup", ["pull-up-bar"], "pullup")], null);
    index.addFamily(
      "pullups",
      [
        member("Close-Grip Pullups", ["pull-up-bar"], "pullups"),
        member("Archer Pullups", ["pull-up-bar"], "pullups"),
        member("Typewriter Pullups", ["pull-up-bar"], "pullups"),
      ],
      null,
    );
    expect(index.findings().merges).toEqual([
      expect.objectContaining({ source: "pull_up", target: "pullup" }),
      expect.objectContaining({ source: "pullups", target: "pullup" }),
    ]);
  });

  it("reports exercises alike by either key once, as one group", () => {
    const index = new DuplicateIndex();
    index.addFamily(
      "bench_press",
      [
        member("Bench Press (Barbell)", ["barbell"], "bench_press"),
        member("Press Bench (Barbell)", ["barbell"], "bench_press"),
        member("Bench Presses (Barbell)", ["barbell"], "bench_press"),
        member("Benchpress (Barbell)", ["barbell"], "bench_press"),
      ],
      null,
    );
    index.addFamily("pull_up", [member("Pull-Up", ["pull-up-bar"], "pull_up"), member("Pullups", ["pull-up-bar"], "pull_up")], null);
    expect(index.findings()).toEqual({
      merges: [],
      within_family: [
        {
          family_slug: "bench_press",
          exercise_ids: [
            "bench_press__bench-press-barbell",
            "bench_press__press-bench-barbell",
            "bench_press__bench-presses-barbell",
            "bench_press__benchpress-barbell",
          ],
        },
        { family_slug: "pull_up", exercise_ids: ["pull_up__pull-up", "pull_up__pullups"] },
      ],
      awaiting_rename: [],
    });
  });

  it("leaves out retired families and never proposes chains", () => {
    const index = new DuplicateIndex();
    index.addFamily("curls", [member("Curls (Cable)", ["cable"], "curls", { status: "merged", merged_into: "curl__curl-cable" })], null);
    index.addFamily("curl", [member("Curl (Cable)", ["cable"], "curl")], null);
    expect(index.findings().merges).toEqual([]);
  });

  it("leaves out, as source and as target, a family with live exercises its registry entry retires", () => {
    const active = (family: string, members: { data: Record<string, unknown> }[]) =>
      computeFamilyRegistry(
        family,
        members.map(({ data }) => data),
      );
    const index = new DuplicateIndex();
    // Merged away, an exercise still left behind: a merge from it fails SOURCE_FAMILY_RETIRED.
    const rows = [member("Rows (Cable)", ["cable"], "rows")];
    index.addFamily("rows", rows, retiredFamilyFixture("rows", "row"));
    const row = [member("Row (Barbell)", ["barbell"], "row")];
    index.addFamily("row", row, active("row", row));
    // Merged away or deprecated targets.
    index.addFamily("curls", [member("Curls (Cable)", ["cable"], "curls")], null);
    index.addFamily("curl", [member("Curl (Cable)", ["cable"], "curl")], retiredFamilyFixture("curl", "biceps_curl"));
    index.addFamily("lunges", [member("Lunges (Dumbbell)", ["dumbbell"], "lunges")], null);
    index.addFamily("lunge", [member("Lunge (Dumbbell)", ["dumbbell"], "lunge")], retiredFamilyFixture("lunge"));
    // Live families are still merge candidates, with or without a registry entry.
    index.addFamily("pullups", [member("Pullups", ["pull-up-bar"], "pullups")], null);
    const pullUp = [member("Pull-Up", ["pull-up-bar"], "pull_up")];
    index.addFamily("pull_up", pullUp, active("pull_up", pullUp));
    expect(index.findings().merges).toEqual([expect.objectContaining({ source: "pullups", target: "pull_up" })]);
  });
});
