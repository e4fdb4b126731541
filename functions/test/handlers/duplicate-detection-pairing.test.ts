/**
 * The duplicate scan's pairing of spellings a review found missed (the "-yes" plural of a "-y" word, "abs", legacy
 * family slugs in capitals or with hyphens), and its merge targets: only a family whose slug can hold a registry
 * entry, as FAMILY_MERGE's `target_family` must be.
 */
import { DuplicateIndex, exerciseDuplicateKeys, familyDuplicateKey, mergeCandidateJob } from "../../src/handlers/plans/duplicate-detection";
import { registry } from "../../src/handlers";
import { exerciseFixture } from "../helpers/catalog";

const member = (name: string, equipment: string[], family: string) => {
  const { id, ...data } = exerciseFixture(name, equipment, { family_slug: family });
  return { id, data };
};

/** Whether two exercises (named, on their equipment) share a duplicate key. */
const alike = ([name, equipment]: [string, string[]], [otherName, otherEquipment]: [string, string[]]) => {
  const otherKeys = exerciseDuplicateKeys(member(otherName, otherEquipment, "x"));
  return exerciseDuplicateKeys(member(name, equipment, "x")).some((key) => otherKeys.includes(key));
};

describe("duplicate pairing", () => {
  it("pairs the -yes plural of a -y word, and abs with ab, as families and as exercises", () => {
    expect(["flyes", "chest_flyes", "abs_crunch"].map(familyDuplicateKey)).toEqual(
      ["fly", "chest_fly", "ab_crunch"].map(familyDuplicateKey),
    );
    expect(alike(["Flyes (Dumbbell)", ["dumbbell"]], ["Fly (Dumbbell)", ["dumbbell"]])).toBe(true);
    expect(alike(["Abs Crunch", ["bodyweight"]], ["Ab Crunch", ["bodyweight"]])).toBe(true);
  });

  it("keys a legacy family slug in capitals or with hyphens as the slug rule spells it", () => {
    expect(["bench-press", "Bench_Press", "BENCH-PRESSES"].map(familyDuplicateKey)).toEqual(
      Array(3).fill(familyDuplicateKey("bench_press")),
    );
    const index = new DuplicateIndex();
    index.addFamily("Bench_Press", [member("Bench Press (Dumbbell)", ["dumbbell"], "Bench_Press")], null);
    index.addFamily("bench_press", [member("Bench Press (Barbell)", ["barbell"], "bench_press")], null);
    expect(index.findings().merges).toEqual([expect.objectContaining({ source: "Bench_Press", target: "bench_press" })]);
  });
});

describe("merge targets", () => {
  const mergePayload = registry.handlerFor("FAMILY_MERGE").payload;

  it("merges into a family whose slug can hold a registry entry, not into a legacy one with more exercises", () => {
    const index = new DuplicateIndex();
    index.addFamily(
      "Bench_Press",
      ["Dumbbell", "Cable", "Machine"].map((equipment) => member(`Bench Press (${equipment})`, [equipment.toLowerCase()], "Bench_Press")),
      null,
    );
    index.addFamily("db_bench_press", [member("DB Bench Press", ["dumbbell"], "db_bench_press")], null);
    const { merges } = index.findings();

    expect(merges).toEqual([expect.objectContaining({ source: "Bench_Press", target: "db_bench_press" })]);
    for (const merge of merges) expect(mergePayload.safeParse(mergeCandidateJob(merge).payload).success).toBe(true);
  });

  it("asks for no merge among families none of which can hold one, and lists them for a slug rename first", () => {
    const index = new DuplicateIndex();
    index.addFamily("Hip_Thrust", [member("Hip Thrust (Barbell)", ["barbell"], "Hip_Thrust")], null);
    index.addFamily("hip-thrusts", [member("Hip Thrusts (Machine)", ["machine"], "hip-thrusts")], null);
    const findings = index.findings();

    expect(findings.merges).toEqual([]);
    expect(findings.awaiting_rename).toEqual([
      { families: ["Hip_Thrust", "hip-thrusts"], reason: expect.stringContaining("FAMILY_RENAME_SLUG") },
    ]);
  });
});
