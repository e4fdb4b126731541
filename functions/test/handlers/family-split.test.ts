import { archivedExerciseFixture, exerciseFixture, retiredFamilyFixture, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { useFirestore } from "../helpers/firestore";
import { MODES, alias, depsFor, exercise, family, runJob, seedDemo } from "./support";

const db = useFirestore();

// "curl" wrongly holds a leg exercise next to its arm curls.
const curl = {
  exercises: [
    exerciseFixture("Hammer Curl (Dumbbell)", ["dumbbell"], { family_slug: "curl" }),
    exerciseFixture("Hammer Curl (Cable)", ["cable"], { family_slug: "curl" }),
    exerciseFixture("Leg Curl (Machine)", ["machine"], { family_slug: "curl" }),
  ],
};
// leg_curls spells its family in the plural; leg_curl is deprecated, every exercise archived.
const legCurls = [exerciseFixture("Leg Curls (Machine)", ["machine"]), exerciseFixture("Leg Curls (Cable)", ["cable"])];
const deprecatedLegCurl = (archivedNames: string[]) => ({
  exercises: [...legCurls, ...archivedNames.map((name) => archivedExerciseFixture(name, ["dumbbell"]))],
  families: [retiredFamilyFixture("leg_curl")],
});
const splitMachines = (mode: string) => ({
  mode,
  family_slug: "leg_curls",
  split_config: { target_family: "leg_curl", equipment: ["machine"] },
});
const split = (mode: string, target: string, equipment: string[]) => ({
  mode,
  family_slug: "curl",
  split_config: { target_family: target, equipment },
});

describe.each(MODES)("FAMILY_SPLIT (%s)", (mode) => {
  it("moves the exercises of the given equipment into a new family", async () => {
    await seedDemo(db, curl);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_SPLIT", split(mode, "leg_curl", ["machine"]));

    expect(run.lockKeys).toEqual(["family:curl", "family:leg_curl"]);
    expect(run.summary).toMatchObject({ family_slug: "curl", target_family: "leg_curl", moved: 1, renamed: 0 });
    if (mode === "dry_run") {
      expect(run.status).toBe("succeeded_dry_run");
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    expect(run.status).toBe("succeeded");
    expect(await exercise(db, "curl__leg-curl-machine")).toMatchObject({ family_slug: "leg_curl", name: "Leg Curl (Machine)" });
    expect(await family(db, "leg_curl")).toMatchObject({ status: "active", exercise_count: 1, primary_equipment: ["machine"] });
    expect(await family(db, "curl")).toMatchObject({ status: "active", exercise_count: 2, primary_equipment: ["cable", "dumbbell"] });
  });

  it("moves exercises into a deprecated family (every exercise archived), which is active again, its archived one untouched", async () => {
    await seedDemo(db, deprecatedLegCurl(["Leg Curl (Dumbbell)"]));
    const before = await snapshotCatalog(db);
    const archivedBefore = await exercise(db, "leg_curl__leg-curl-dumbbell");
    const run = await runJob(depsFor(db, mode), "FAMILY_SPLIT", splitMachines(mode));

    expect(run.error).toBeNull();
    expect(run.summary).toMatchObject({ moved: 1, renamed: 1 });
    if (mode === "dry_run") {
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    expect(await exercise(db, "leg_curls__leg-curls-machine")).toMatchObject({ family_slug: "leg_curl", name: "Leg Curl (Machine)" });
    expect(await exercise(db, "leg_curl__leg-curl-dumbbell")).toEqual(archivedBefore);
    expect(await family(db, "leg_curl")).toMatchObject({ status: "active", exercise_count: 1, primary_equipment: ["machine"] });
    expect(await family(db, "leg_curls")).toMatchObject({ status: "active", exercise_count: 1, primary_equipment: ["cable"] });
  });

  it("sends a split into a deprecated family to review when a moving name takes an archived member's slug, writing nothing", async () => {
    // "Leg Curls (Machine)" would be "Leg Curl (Machine)" there, the slug the archived exercise keeps.
    await seedDemo(db, deprecatedLegCurl(["Leg Curl (Machine)"]));
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_SPLIT", splitMachines(mode));

    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "SPLIT_NAME_CONFLICT",
      details: {
        conflicts: [
          expect.objectContaining({
            exercise_id: "leg_curls__leg-curls-machine",
            reason: expect.stringContaining("leg_curl__leg-curl-machine"),
          }),
        ],
      },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails a split into a family merged into another with TARGET_FAMILY_RETIRED, naming its successor, writing nothing", async () => {
    const { exercises, families } = deprecatedLegCurl([]);
    await seedDemo(db, { exercises, families: [{ ...families[0], status: "merged", merged_into: "curl" }] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_SPLIT", splitMachines(mode));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "TARGET_FAMILY_RETIRED",
      message: "family leg_curl is merged into curl; split the exercises off into curl instead",
      details: { family_slug: "leg_curl", merged_into: "curl" },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails a split into a family merged into the one it splits with TARGET_FAMILY_RETIRED, saying so and what works instead", async () => {
    // leg_curl was merged into curl, whose misfiled leg curl a split would now take back out.
    await seedDemo(db, { ...curl, families: [retiredFamilyFixture("leg_curl", "curl")] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_SPLIT", split(mode, "leg_curl", ["machine"]));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "TARGET_FAMILY_RETIRED",
      message:
        "family leg_curl is merged into curl; curl is the family being split: revert that merge's changes in the change journal to have leg_curl back, or split into a new target slug",
      details: { family_slug: "leg_curl", merged_into: "curl" },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("renames no staying member the split does not concern: a misfiled one stays as it is and blocks nothing", async () => {
    // calf_raise stays multi-equipment; its misfiled "Tibialis Raise" lacks a suffix, an older problem the split leaves alone.
    await seedDemo(db, {
      exercises: [
        exerciseFixture("Calf Raise (Machine)", ["machine"]),
        exerciseFixture("Calf Raise (Dumbbell)", ["dumbbell"]),
        exerciseFixture("Calf Raise (Smith Machine)", ["smith-machine"]),
        exerciseFixture("Tibialis Raise", ["bodyweight"], { family_slug: "calf_raise" }),
      ],
    });
    const run = await runJob(depsFor(db, mode), "FAMILY_SPLIT", {
      mode,
      family_slug: "calf_raise",
      split_config: { target_family: "standing_calf_raise", equipment: ["smith-machine"] },
    });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ moved: 1, renamed: 1 });
    if (mode === "dry_run") return;
    expect(await exercise(db, "calf_raise__calf-raise-smith-machine")).toMatchObject({
      family_slug: "standing_calf_raise",
      name: "Standing Calf Raise (Smith Machine)",
    });
    expect(await exercise(db, "calf_raise__tibialis-raise")).toMatchObject({
      family_slug: "calf_raise",
      name: "Tibialis Raise",
      name_slug: "tibialis-raise",
    });
  });

  it("spells a new family's base as the catalog spells the old one: Push-Up keeps its hyphen and its equipment suffix", async () => {
    await seedDemo(db, { exercises: [exerciseFixture("Push-Up (Dumbbell)", ["dumbbell"], { family_slug: "push_up" })] });
    const run = await runJob(depsFor(db, mode), "FAMILY_SPLIT", {
      mode,
      family_slug: "push_up",
      split_config: { target_family: "renegade_push_up", equipment: ["dumbbell"] },
    });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ moved: 1, renamed: 1 });
    if (mode === "dry_run") return;
    expect(await exercise(db, "push_up__push-up-dumbbell")).toMatchObject({
      family_slug: "renegade_push_up",
      name: "Renegade Push-Up (Dumbbell)",
      name_slug: "renegade-push-up-dumbbell",
    });
    expect(await family(db, "renegade_push_up")).toMatchObject({ base_name: "Renegade Push-Up", status: "active", exercise_count: 1 });
  });

  it("sends a split to review when it moves an exercise the target has already, but for the optional suffix", async () => {
    // squat_jump is single-equipment: "Squat Jump" on bodyweight is the same exercise as "Squat Jump (Bodyweight)".
    await seedDemo(db, {
      exercises: [
        ...curl.exercises,
        exerciseFixture("Squat Jump", ["bodyweight"]),
        exerciseFixture("Squat Jump (Bodyweight)", ["bodyweight"], { family_slug: "curl" }),
      ],
    });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_SPLIT", split(mode, "squat_jump", ["bodyweight"]));

    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "SPLIT_NAME_CONFLICT",
      details: { conflicts: [expect.objectContaining({ exercise_id: "curl__squat-jump-bodyweight", with: "squat_jump__squat-jump" })] },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("changes nothing when the exercises already are in the target family", async () => {
    await seedDemo(db, { exercises: [curl.exercises[0], curl.exercises[1], { ...curl.exercises[2], family_slug: "leg_curl" }] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_SPLIT", split(mode, "leg_curl", ["machine"]));

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ moved: 0, no_change: 1 });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails NO_MATCHING_EXERCISES when the family has none of the equipment, whatever the target holds, writing nothing", async () => {
    await seedDemo(db, curl);
    const before = await snapshotCatalog(db);
    // The demo's squat family has barbell squats of its own: no sign of an earlier split of curl.
    const run = await runJob(depsFor(db, mode), "FAMILY_SPLIT", split(mode, "squat", ["barbell"]));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "NO_MATCHING_EXERCISES", details: { family_slug: "curl", equipment: ["barbell"] } });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("sends a split into a family with the same equipment to review with SPLIT_EQUIPMENT_CONFLICT, writing nothing", async () => {
    // A biceps curl misfiled in curl: its name fits biceps_curl, whose cable exercise it would meet.
    await seedDemo(db, {
      exercises: [curl.exercises[0], exerciseFixture("Reverse Biceps Curl (Cable)", ["cable"], { family_slug: "curl" }), curl.exercises[2]],
    });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_SPLIT", split(mode, "biceps_curl", ["cable"]));

    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "SPLIT_EQUIPMENT_CONFLICT",
      details: {
        conflicts: [expect.objectContaining({ exercise_id: "curl__reverse-biceps-curl-cable", kind: "equipment" })],
      },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("sends a variant to review rather than invent its name in a family whose base adds words: a hammer curl is no hammer biceps curl", async () => {
    await seedDemo(db, curl);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_SPLIT", split(mode, "biceps_curl", ["cable"]));

    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "SPLIT_NAME_CONFLICT",
      details: {
        conflicts: [
          expect.objectContaining({
            exercise_id: "curl__hammer-curl-cable",
            kind: "name",
            reason: expect.stringContaining("cannot be named as a variant of biceps_curl"),
          }),
        ],
      },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails a split of equipment the family does not have with NO_MATCHING_EXERCISES", async () => {
    await seedDemo(db, curl);
    const run = await runJob(depsFor(db, mode), "FAMILY_SPLIT", split(mode, "leg_curl", ["kettlebell"]));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "NO_MATCHING_EXERCISES" });
  });
});

describe("FAMILY_SPLIT of a one-word family's exercise named as the family, then the family's retirement", () => {
  // "Crunch" (bodyweight) has the family's slug as its name slug; split off into reverse_crunch, it is "Reverse Crunch".
  const crunch = {
    exercises: [
      exerciseFixture("Crunch", ["bodyweight"]),
      exerciseFixture("Crunch (Machine)", ["machine"]),
      exerciseFixture("Crunch (Cable)", ["cable"]),
    ],
  };
  const retire = {
    FAMILY_RENAME_SLUG: { mode: "apply", rename_config: { old_family_slug: "crunch", new_family_slug: "crunches" } },
    FAMILY_MERGE: { mode: "apply", merge_config: { source_family: "crunch", target_family: "crunches" } },
  };

  it.each(Object.keys(retire) as (keyof typeof retire)[])(
    "keeps the old slug for the exercise until %s of the family that stays, whose family alias then takes it over, no alias broken",
    async (type) => {
      // For the merge, crunches is a family of its own.
      await seedCatalog(db, {
        exercises: [...crunch.exercises, ...(type === "FAMILY_MERGE" ? [exerciseFixture("Crunches (Band)", ["resistance-band"])] : [])],
      });
      const run = await runJob(depsFor(db, "apply"), "FAMILY_SPLIT", {
        mode: "apply",
        family_slug: "crunch",
        split_config: { target_family: "reverse_crunch", equipment: ["bodyweight"] },
      });
      expect(run).toMatchObject({ status: "succeeded", error: null });
      expect(await exercise(db, "crunch__crunch")).toMatchObject({ family_slug: "reverse_crunch", name: "Reverse Crunch" });
      expect(await alias(db, "crunch")).toMatchObject({ exercise_id: "crunch__crunch" });

      const retirement = await runJob(depsFor(db, "apply"), type, retire[type]);
      expect(retirement).toMatchObject({ status: "succeeded", error: null });
      // The family held the slug before its exercise was named so: retired, it keeps the slug as its alias.
      expect(await alias(db, "crunch")).toMatchObject({ family_slug: "crunches", is_family_alias: true });
      expect(await alias(db, "crunch")).not.toHaveProperty("exercise_id");
      expect(await family(db, "crunch")).toMatchObject({ status: "merged", merged_into: "crunches" });

      const scan = await runJob(depsFor(db, "apply"), "ALIAS_INVARIANT_SCAN", { mode: "apply" });
      expect(scan.summary).toMatchObject({ problems: 0 });
    },
  );
});
