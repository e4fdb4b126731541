import { DuplicateIndex, exerciseDuplicateKey, familyDuplicateKey } from "../../src/handlers/plans/duplicate-detection";
import { exerciseFixture } from "../helpers/catalog";

const member = (name: string, equipment: string[], family: string, extra: Record<string, unknown> = {}) => {
  const { id, ...data } = exerciseFixture(name, equipment, { family_slug: family, ...extra });
  return { id, data };
};

describe("duplicate keys", () => {
  it("gives push_up and push_ups, and their exercises, the same key", () => {
    expect(["push_up", "push_ups", "sit_ups", "chin_ups"].map(familyDuplicateKey)).toEqual(["push_up", "push_up", "sit_up", "chin_up"]);
    const key = (name: string) => exerciseDuplicateKey(member(name, ["bodyweight"], "x"));
    expect(key("Pull-Ups")).toBe(key("Pull-Up"));
  });

  it("gives families that differ by plural or equipment words the same key", () => {
    expect(["bench_press", "bench_presses", "dumbbell_bench_press", "smith_machine_bench_press"].map(familyDuplicateKey)).toEqual(
      Array(4).fill("bench_press"),
    );
    expect(familyDuplicateKey("machine")).toBe("machine");
  });

  it("keys exercises by their words in any order and their primary equipment", () => {
    const key = (name: string, equipment: string[]) => exerciseDuplicateKey(member(name, equipment, "x"));
    expect(key("Bench Press (Barbell)", ["barbell"])).toBe(key("Barbell Bench Presses", ["barbell"]));
    expect(key("Bench Press (Barbell)", ["barbell"])).not.toBe(key("Bench Press (Dumbbell)", ["dumbbell"]));
  });

  it("keeps an equipment word the primary equipment does not say: a landmine row is no barbell row", () => {
    const key = (name: string, equipment: string[]) => exerciseDuplicateKey(member(name, equipment, "x"));
    const barbellRow = key("Row (Barbell)", ["barbell"]);
    expect(key("Barbell Row", ["barbell"])).toBe(barbellRow);
    expect(key("Landmine Row", ["barbell", "landmine"])).not.toBe(barbellRow);
    expect(key("Row (Landmine)", ["barbell", "landmine"])).not.toBe(barbellRow);
    expect(key("Row (Landmine)", ["barbell", "landmine"])).toBe(key("Landmine Row", ["barbell", "landmine"]));
    expect(key("Weighted Chin-Up", ["pull-up-bar"])).not.toBe(key("Chin-Up", ["pull-up-bar"]));
    // The word kept is counted once, wherever the name puts it.
    expect(key("Hip Thrust (Plate)", ["barbell"])).toBe(key("Plate Hip Thrust", ["barbell"]));
    expect(key("Pull-Up (Weighted Vest)", ["pull-up-bar"])).toBe(key("Weighted Vest Pull-Up", ["pull-up-bar"]));
    // What the primary says is no word apart: a weighted pull-up on a dip belt is the dip-belt pull-up.
    expect(key("Weighted Pull-Up", ["dip-belt"])).toBe(key("Pull-Up (Dip Belt)", ["dip-belt"]));
  });
});

describe("DuplicateIndex", () => {
  it("proposes merging look-alike families into the one named by their key", () => {
    const index = new DuplicateIndex();
    index.addFamily("rows", [member("Rows (Cable)", ["cable"], "rows")]);
    index.addFamily("row", [member("Row (Barbell)", ["barbell"], "row")]);
    index.addFamily("dumbbell_row", [
      member("Row (Dumbbell)", ["dumbbell"], "dumbbell_row"),
      member("Row (Kettlebell)", ["kettlebell"], "dumbbell_row"),
    ]);
    expect(index.findings().merges).toEqual([
      expect.objectContaining({ source: "rows", target: "row" }),
      expect.objectContaining({ source: "dumbbell_row", target: "row" }),
    ]);
  });

  it("proposes merging families that hold the same exercise, and reports duplicates within one family", () => {
    const index = new DuplicateIndex();
    index.addFamily("press", [
      member("Bench Press (Barbell)", ["barbell"], "press"),
      member("Press Bench (Barbell)", ["barbell"], "press"),
    ]);
    index.addFamily("bench_press", [
      member("Bench Press (Barbell)", ["barbell"], "bench_press"),
      member("Bench Press (Dumbbell)", ["dumbbell"], "bench_press"),
    ]);
    const findings = index.findings();
    expect(findings.merges).toEqual([expect.objectContaining({ source: "press", target: "bench_press" })]);
    expect(findings.within_family).toEqual([
      { family_slug: "press", exercise_ids: ["press__bench-press-barbell", "press__press-bench-barbell"] },
    ]);
  });

  it("leaves out retired families and never proposes chains", () => {
    const index = new DuplicateIndex();
    index.addFamily("curls", [member("Curls (Cable)", ["cable"], "curls", { status: "merged", merged_into: "curl__curl-cable" })]);
    index.addFamily("curl", [member("Curl (Cable)", ["cable"], "curl")]);
    expect(index.findings().merges).toEqual([]);
  });
});
