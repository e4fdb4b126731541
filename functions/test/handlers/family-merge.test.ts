import { type CatalogSeed, archivedExerciseFixture, exerciseFixture, retiredFamilyFixture, snapshotCatalog } from "../helpers/catalog";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { useFirestore } from "../helpers/firestore";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { revertChange } from "../../src/apply/journal";
import { registry } from "../../src/handlers";
import { leaseForTest } from "../helpers/engine";
import { MODES, ROWS_MERGED_INTO_ROW, alias, depsFor, exercise, family, runJob, seedDemo } from "./support";

const db = useFirestore();

const rows = {
  exercises: [exerciseFixture("Rows (Kettlebell)", ["kettlebell"]), exerciseFixture("Rows (Cable)", ["cable"])],
  aliases: [
    { alias_slug: "kb-rows", exercise_id: "rows__rows-kettlebell", is_family_alias: false },
    { alias_slug: "cable-rows", exercise_id: "rows__rows-cable", is_family_alias: false },
  ],
  families: [
    {
      family_slug: "rows",
      base_name: "Rows",
      primary_equipment: ["cable", "kettlebell"],
      allowed_equipment: ["cable", "kettlebell"],
      exercise_count: 2,
      status: "active",
    },
  ],
};
// A deprecated family: its one exercise archived, its registry derived from that.
const archivedPullover = archivedExerciseFixture("Pullover (Machine)", ["machine"]);
const deprecatedPullover = {
  exercises: [archivedPullover],
  families: [retiredFamilyFixture("pullover")],
};
const pullovers = [exerciseFixture("Pullovers (Dumbbell)", ["dumbbell"]), exerciseFixture("Pullovers (Cable)", ["cable"])];
// What an alias of rows that names an exercise outside both families too becomes: the target's alias, or that exercise's.
const FOLLOWS_TARGET = { family_slug: "row", is_family_alias: true };
const LIVE_OUTSIDE = "bench_press__bench-press-barbell";
const KEEPS_LIVE_OUTSIDE = { exercise_id: LIVE_OUTSIDE, is_family_alias: false };
const MERGED_AWAY = exerciseFixture("Inverted Rows", ["bodyweight"], { family_slug: "rows", status: "merged", merged_into: LIVE_OUTSIDE });
const merge = (mode: string, source = "rows", target = "row") => ({ mode, merge_config: { source_family: source, target_family: target } });

describe.each(MODES)("FAMILY_MERGE (%s)", (mode) => {
  it("moves the source family into the target, merging identical exercises, and retires the source", async () => {
    await seedDemo(db, rows);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode));

    expect(run.lockKeys).toEqual(["family:rows", "family:row"]);
    expect(run.summary).toMatchObject({ source_family: "rows", target_family: "row", moved: 1, renamed: 1, merged_exercises: 1 });
    if (mode === "dry_run") {
      expect(run.status).toBe("succeeded_dry_run");
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    expect(run.status).toBe("succeeded");
    expect(await exercise(db, "rows__rows-kettlebell")).toMatchObject({
      family_slug: "row",
      name: "Row (Kettlebell)",
      name_slug: "row-kettlebell",
    });
    expect(await alias(db, "rows-kettlebell")).toMatchObject({ exercise_id: "rows__rows-kettlebell" });
    expect(await alias(db, "kb-rows")).toMatchObject({ exercise_id: "rows__rows-kettlebell" });
    expect(await exercise(db, "rows__rows-cable")).toMatchObject({ family_slug: "rows", status: "merged", merged_into: "row__row-cable" });
    expect(await alias(db, "cable-rows")).toMatchObject({ exercise_id: "row__row-cable" });
    expect(await alias(db, "rows")).toMatchObject({ family_slug: "row", is_family_alias: true });
    expect(await family(db, "rows")).toMatchObject({ status: "merged", merged_into: "row", exercise_count: 0 });
    expect(await family(db, "row")).toMatchObject({ status: "active", exercise_count: 6 });
  });

  it("re-points the exercises merged earlier into one it merges into its twin, so none is left merged into a retired exercise", async () => {
    const seated = exerciseFixture("Seated Rows (Cable)", ["cable"], {
      family_slug: "rows",
      status: "merged",
      merged_into: "rows__rows-cable",
    });
    await seedDemo(db, { ...rows, exercises: [...rows.exercises, seated] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode));

    expect(run.summary).toMatchObject({ merged_exercises: 1 });
    expect(run.summary.changes_preview).toContain(`patch_fields exercises/${seated.id}`);
    if (mode === "dry_run") {
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    expect(await exercise(db, "rows__rows-cable")).toMatchObject({ status: "merged", merged_into: "row__row-cable" });
    expect(await exercise(db, seated.id)).toMatchObject({ status: "merged", merged_into: "row__row-cable" });
  });

  it("keeps, of an alias's two targets, the exercise its name-shaped slug names (or its twin), as ALIAS_REPAIR would", async () => {
    const bothTargets = [
      { alias_slug: "rows-on-kettlebell", exercise_id: "rows__rows-kettlebell", family_slug: "rows" },
      { alias_slug: "rows-on-cable", exercise_id: "rows__rows-cable", family_slug: "rows" },
    ];
    await seedDemo(db, { ...rows, aliases: [...rows.aliases, ...bothTargets] });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode));

    expect(run).toMatchObject({ status: mode === "apply" ? "succeeded" : "succeeded_dry_run", error: null });
    if (mode === "dry_run") return;
    const aliasOf = (exercise_id: string) => ({ exercise_id, is_family_alias: false, updated_at: expect.anything() });
    expect(await alias(db, "rows-on-kettlebell")).toEqual({ alias_slug: "rows-on-kettlebell", ...aliasOf("rows__rows-kettlebell") });
    // Merged into its twin, it leads to the twin.
    expect(await alias(db, "rows-on-cable")).toEqual({ alias_slug: "rows-on-cable", ...aliasOf("row__row-cable") });
    const slugs = bothTargets.map(({ alias_slug }) => alias_slug);
    const repair = await runJob(depsFor(db, "dry_run"), "ALIAS_REPAIR", { mode: "dry_run", alias_slugs: slugs });
    expect(repair.summary).toMatchObject({ fine: slugs, repaired: [] });
  });

  it("re-points to the target an alias with both targets whose slug names a family, leaving it nothing to repair", async () => {
    const kbRows = { alias_slug: "kb_rows", exercise_id: "rows__rows-kettlebell", family_slug: "rows" };
    await seedDemo(db, { ...rows, aliases: [...rows.aliases, kbRows] });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode));

    expect(run).toMatchObject({ status: mode === "apply" ? "succeeded" : "succeeded_dry_run", error: null });
    if (mode === "dry_run") return;
    expect(await alias(db, "kb_rows")).toEqual({
      alias_slug: "kb_rows",
      family_slug: "row",
      is_family_alias: true,
      updated_at: expect.anything(),
    });
    const repair = await runJob(depsFor(db, "dry_run"), "ALIAS_REPAIR", { mode: "dry_run", alias_slugs: ["kb_rows"] });
    expect(repair.summary).toMatchObject({ fine: ["kb_rows"], repaired: [] });
  });

  it.each<[string, string, CatalogSeed, Record<string, unknown>]>([
    ["missing", "ghost__ghost-rows", {}, FOLLOWS_TARGET],
    ["archived", archivedPullover.id, deprecatedPullover, FOLLOWS_TARGET],
    ["live", LIVE_OUTSIDE, {}, KEEPS_LIVE_OUTSIDE],
    ["a member merged into a live one", MERGED_AWAY.id, { exercises: [MERGED_AWAY] }, KEEPS_LIVE_OUTSIDE],
  ])(
    "keeps, of an alias's two targets, an exercise outside the families only where it leads to a live one, as ALIAS_REPAIR would (%s)",
    async (_case, exerciseId, seed, target) => {
      const legacy = { alias_slug: "rows-legacy", exercise_id: exerciseId, family_slug: "rows" };
      await seedDemo(db, {
        exercises: [...rows.exercises, ...(seed.exercises ?? [])],
        families: [...rows.families, ...(seed.families ?? [])],
        aliases: [...rows.aliases, legacy],
      });
      const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode));

      expect(run).toMatchObject({ status: mode === "apply" ? "succeeded" : "succeeded_dry_run", error: null });
      if (mode === "dry_run") return;
      expect(await alias(db, "rows-legacy")).toEqual({ alias_slug: "rows-legacy", ...target, updated_at: expect.anything() });
      const repair = await runJob(depsFor(db, "dry_run"), "ALIAS_REPAIR", { mode: "dry_run", alias_slugs: ["rows-legacy"] });
      expect(repair.summary).toMatchObject({ fine: ["rows-legacy"], repaired: [] });
    },
  );

  it("locks the family of an exercise of another family merged earlier into one it merges away, which it re-points", async () => {
    const seated = exerciseFixture("Seated Row (Cable)", ["cable"], {
      family_slug: "seated_row",
      status: "merged",
      merged_into: "rows__rows-cable",
    });
    await seedDemo(db, { ...rows, exercises: [...rows.exercises, seated] });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode));

    expect(run).toMatchObject({ error: null, lockKeys: ["family:rows", "family:row", "family:seated_row"] });
    if (mode === "apply") expect(await exercise(db, seated.id)).toMatchObject({ status: "merged", merged_into: "row__row-cable" });
  });

  it("merges a one-word family whose exercise is named as the family: the old slug, its family alias, reaches that exercise too", async () => {
    const registry = (slug: string, base: string, equipment: string[]) => ({
      family_slug: slug,
      base_name: base,
      primary_equipment: equipment,
      allowed_equipment: equipment,
      exercise_count: 1,
      status: "active",
    });
    const burpee = exerciseFixture("Burpee", ["bodyweight"]);
    await seedDemo(db, {
      exercises: [burpee, exerciseFixture("Jump Burpee (Weighted Vest)", ["weighted-vest"])],
      families: [registry("burpee", "Burpee", ["bodyweight"]), registry("jump_burpee", "Jump Burpee", ["weighted-vest"])],
    });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "burpee", "jump_burpee"));

    expect(run.error).toBeNull();
    if (mode === "dry_run") return;
    expect(await exercise(db, burpee.id)).toMatchObject({ family_slug: "jump_burpee" });
    expect(await alias(db, "burpee")).toMatchObject({ family_slug: "jump_burpee", is_family_alias: true });
    expect(await alias(db, "burpee")).not.toHaveProperty("exercise_id");
  });

  it("moves the families merged into the source on to the target: no registry names a retired family as the one to use", async () => {
    const mergedEarlier = retiredFamilyFixture("seated_rows", "rows");
    await seedDemo(db, {
      ...rows,
      families: [...rows.families, mergedEarlier],
      aliases: [...rows.aliases, { alias_slug: "seated_rows", family_slug: "rows", is_family_alias: true }],
    });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode));

    expect(run.error).toBeNull();
    // Its registry changes too: the merge locks it as it locks the source and the target.
    expect(run.lockKeys).toEqual(["family:rows", "family:row", "family:seated_rows"]);
    if (mode === "dry_run") return;
    expect(await family(db, "seated_rows")).toMatchObject({ status: "merged", merged_into: "row" });
    expect(await alias(db, "seated_rows")).toMatchObject({ family_slug: "row", is_family_alias: true });
  });

  it("takes its locks again when a family was merged into the source after it chose them", async () => {
    await seedDemo(db, rows);
    const deps = depsFor(db, mode);
    const input = await leaseForTest(deps, { type: "FAMILY_MERGE", payload: merge(mode) });
    expect(input.engine.lockKeys).toEqual(["family:rows", "family:row"]);
    // Another job merges seated_rows into rows before this one holds the locks.
    await db.collection(CATALOG_COLLECTIONS.families).doc("seated_rows").set(retiredFamilyFixture("seated_rows", "rows"));
    const before = await snapshotCatalog(db);

    const outcome = await registry.handlerFor("FAMILY_MERGE").run(input);
    expect(outcome).toMatchObject({
      kind: "deferred",
      reason: {
        code: "LOCKS_OUTDATED",
        message: "seated_rows merged into rows after the job chose its locks; it takes its locks again",
        details: { unlocked_families: ["seated_rows"] },
      },
    });
    expect(await snapshotCatalog(db)).toBe(before);

    // Its next run locks seated_rows too, and moves it on to the target.
    const again = await runJob(deps, "FAMILY_MERGE", merge(mode));
    expect(again).toMatchObject({ error: null, lockKeys: ["family:rows", "family:row", "family:seated_rows"] });
    if (mode === "apply") expect(await family(db, "seated_rows")).toMatchObject({ status: "merged", merged_into: "row" });
  });

  it("gives a family merged into the source without an alias one, and leaves a registry that only names the source as it is", async () => {
    // Legacy data: a merged registry with no alias; a deprecated one that still names the source.
    await seedDemo(db, {
      ...rows,
      families: [
        ...rows.families,
        retiredFamilyFixture("cable_rows_old", "rows"),
        { ...retiredFamilyFixture("rows_draft"), merged_into: "rows" },
      ],
    });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode));

    expect(run.error).toBeNull();
    if (mode === "dry_run") return;
    expect(await family(db, "cable_rows_old")).toMatchObject({ status: "merged", merged_into: "row" });
    expect(await alias(db, "cable_rows_old")).toMatchObject({ family_slug: "row", is_family_alias: true });
    expect(await family(db, "rows_draft")).toMatchObject({ status: "deprecated", merged_into: "rows" });
  });

  it("merges an exercise that differs from one of the target's only by the optional equipment suffix", async () => {
    // lunge is single-equipment, so its "Lunge" needs no suffix; lunges spells the same exercise "Lunge (Dumbbell)".
    await seedDemo(db, {
      exercises: [exerciseFixture("Lunge", ["dumbbell"]), exerciseFixture("Lunge (Dumbbell)", ["dumbbell"], { family_slug: "lunges" })],
    });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "lunges", "lunge"));

    expect(run.error).toBeNull();
    expect(run.summary).toMatchObject({ moved: 0, merged_exercises: 1 });
    if (mode === "dry_run") return;
    expect(await exercise(db, "lunges__lunge-dumbbell")).toMatchObject({ status: "merged", merged_into: "lunge__lunge" });
    expect(await exercise(db, "lunge__lunge")).toMatchObject({ family_slug: "lunge", name: "Lunge", status: "approved" });
  });

  it("merges away a one-word family whose exercise kept the family slug as its old-name alias: the family alias takes it over", async () => {
    // As FAMILY_NORMALIZE leaves it: "Lunge" renamed "Lunge (Barbell)", its old slug "lunge" an alias of the exercise.
    await seedDemo(db, {
      exercises: [
        exerciseFixture("Lunge (Barbell)", ["barbell"], { id: "lunge__lunge" }),
        exerciseFixture("Lunge (Dumbbell)", ["dumbbell"]),
        exerciseFixture("Walking Lunge (Kettlebell)", ["kettlebell"]),
      ],
      aliases: [{ alias_slug: "lunge", exercise_id: "lunge__lunge", is_family_alias: false }],
    });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "lunge", "walking_lunge"));

    expect(run.error).toBeNull();
    expect(run.summary).toMatchObject({ moved: 2, merged_exercises: 0 });
    if (mode === "dry_run") return;
    expect(await exercise(db, "lunge__lunge")).toMatchObject({ family_slug: "walking_lunge", name: "Walking Lunge (Barbell)" });
    expect(await alias(db, "lunge")).toMatchObject({ family_slug: "walking_lunge", is_family_alias: true });
    expect(await alias(db, "lunge")).not.toHaveProperty("exercise_id");
  });

  it("keeps the merged exercise that already carries the name its twin would take, and merges the twin into it", async () => {
    // Merging makes lunge multi-equipment: its "Lunge" would have to become "Lunge (Barbell)", the name lunges' twin has.
    await seedDemo(db, {
      exercises: [
        exerciseFixture("Lunge", ["barbell"]),
        exerciseFixture("Lunge (Barbell)", ["barbell"], { family_slug: "lunges" }),
        exerciseFixture("Lunges (Dumbbell)", ["dumbbell"]),
      ],
      // An alias of the twin merged away follows it to the exercise it is merged into.
      aliases: [{ alias_slug: "forward-lunge", exercise_id: "lunge__lunge", is_family_alias: false }],
    });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "lunges", "lunge"));

    expect(run.error).toBeNull();
    expect(run.summary).toMatchObject({ moved: 2, renamed: 1, merged_exercises: 1 });
    if (mode === "dry_run") return;
    expect(await exercise(db, "lunges__lunge-barbell")).toMatchObject({
      family_slug: "lunge",
      name: "Lunge (Barbell)",
      name_slug: "lunge-barbell",
      status: "approved",
    });
    expect(await exercise(db, "lunge__lunge")).toMatchObject({ name: "Lunge", status: "merged", merged_into: "lunges__lunge-barbell" });
    expect((await db.collection(CATALOG_COLLECTIONS.aliases).doc("forward-lunge").get()).data()).toMatchObject({
      exercise_id: "lunges__lunge-barbell",
    });
    expect(await exercise(db, "lunges__lunges-dumbbell")).toMatchObject({ family_slug: "lunge", name: "Lunge (Dumbbell)" });
    expect(await family(db, "lunge")).toMatchObject({ status: "active", exercise_count: 2 });
  });

  it("merges two exercises into one twin, each filling only what the twin still lacks", async () => {
    // The twin has no metadata; both exercises merged into it have some.
    await seedDemo(db, {
      exercises: [
        exerciseFixture("Lunge (Barbell)", ["barbell"]),
        exerciseFixture("Lunges (Barbell)", ["barbell"], { metadata: { level: "beginner" } }),
        exerciseFixture("Barbell Lunges", ["barbell"], { metadata: { level: "advanced" } }),
      ],
    });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "lunges", "lunge"));

    expect(run.error).toBeNull();
    expect(run.summary).toMatchObject({ moved: 0, merged_exercises: 2 });
    if (mode === "dry_run") return;
    for (const id of ["lunges__lunges-barbell", "lunges__barbell-lunges"])
      expect(await exercise(db, id)).toMatchObject({ status: "merged", merged_into: "lunge__lunge-barbell" });
    expect(await exercise(db, "lunge__lunge-barbell")).toMatchObject({
      metadata: { level: expect.stringMatching(/^(beginner|advanced)$/) },
    });
  });

  it("leaves a misfiled member of the target alone when the merge does not change the target's naming rule", async () => {
    // calf_raise is multi-equipment before and after; its misfiled "Tibialis Raise" is an older problem, not this job's.
    await seedDemo(db, {
      exercises: [
        exerciseFixture("Calf Raise (Machine)", ["machine"]),
        exerciseFixture("Calf Raise (Dumbbell)", ["dumbbell"]),
        exerciseFixture("Tibialis Raise", ["bodyweight"], { family_slug: "calf_raise" }),
        exerciseFixture("Calf Raises (Smith Machine)", ["smith-machine"]),
      ],
    });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "calf_raises", "calf_raise"));

    expect(run.error).toBeNull();
    expect(run.summary).toMatchObject({ moved: 1, renamed: 1 });
    if (mode === "dry_run") return;
    expect(await exercise(db, "calf_raises__calf-raises-smith-machine")).toMatchObject({ name: "Calf Raise (Smith Machine)" });
    expect(await exercise(db, "calf_raise__tibialis-raise")).toMatchObject({ name: "Tibialis Raise", name_slug: "tibialis-raise" });
  });

  it("changes nothing when the source is already merged into the target", async () => {
    await seedDemo(db, ROWS_MERGED_INTO_ROW);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode));

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ moved: 0, merged_exercises: 0, no_change: 1 });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("sends a merge with a conflicting equipment variant to review with MERGE_CONFLICT, writing nothing", async () => {
    await seedDemo(db, { exercises: [...rows.exercises, exerciseFixture("Kroc Rows (Dumbbell)", ["dumbbell"], { family_slug: "rows" })] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode));

    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "MERGE_CONFLICT",
      details: { conflicts: [expect.objectContaining({ exercise_id: "rows__kroc-rows-dumbbell", with: "row__row-dumbbell" })] },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("merges no exercise into one whose leading word sets it apart: a shared primary equipment is a MERGE_CONFLICT", async () => {
    // "Landmine Lunge" on a barbell is not "Lunge (Barbell)": "Barbell Lunge" joining lunge is another exercise on its primary.
    await seedDemo(db, {
      exercises: [
        exerciseFixture("Landmine Lunge", ["barbell", "landmine"], { family_slug: "lunge" }),
        exerciseFixture("Lunge (Dumbbell)", ["dumbbell"]),
        exerciseFixture("Barbell Lunge", ["barbell"], { family_slug: "barbell_lunge" }),
      ],
    });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "barbell_lunge", "lunge"));

    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "MERGE_CONFLICT",
      details: {
        conflicts: [
          expect.objectContaining({ exercise_id: "barbell_lunge__barbell-lunge", kind: "equipment", with: "lunge__landmine-lunge" }),
        ],
      },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("carries variants over a respelling in more words: pushups into push_up, a twin merged into the target's", async () => {
    await seedDemo(db, {
      exercises: [
        exerciseFixture("Diamond Pushups", ["bodyweight"], { family_slug: "pushups" }),
        exerciseFixture("Archer Pushups", ["bodyweight"], { family_slug: "pushups" }),
      ],
    });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "pushups", "push_up"));

    expect(run).toMatchObject({ status: mode === "apply" ? "succeeded" : "succeeded_dry_run", error: null });
    expect(run.summary).toMatchObject({ moved: 1, merged_exercises: 1 });
    if (mode === "dry_run") return;
    expect(await exercise(db, "pushups__diamond-pushups")).toMatchObject({ status: "merged", merged_into: "push_up__diamond-push-up" });
    expect(await exercise(db, "pushups__archer-pushups")).toMatchObject({ family_slug: "push_up", name: "Archer Push-Up" });
  });

  it("merges no exercise into one whose suffix word sets it apart: a landmine row is no barbell row", async () => {
    await seedDemo(db, {
      exercises: [
        exerciseFixture("Row (Landmine)", ["barbell", "landmine"], { family_slug: "rows" }),
        exerciseFixture("Row (Barbell)", ["barbell"]),
        exerciseFixture("Row (Dumbbell)", ["dumbbell"]),
      ],
    });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "rows", "row"));

    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "MERGE_CONFLICT",
      details: { conflicts: [expect.objectContaining({ exercise_id: "rows__row-landmine", kind: "equipment", with: "row__row-barbell" })] },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("merges into a deprecated family (every exercise archived): it takes the exercises in and is active again, its archived one untouched", async () => {
    await seedDemo(db, { ...deprecatedPullover, exercises: [archivedPullover, ...pullovers] });
    const before = await snapshotCatalog(db);
    const archivedBefore = await exercise(db, archivedPullover.id);
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "pullovers", "pullover"));

    expect(run.error).toBeNull();
    expect(run.summary).toMatchObject({ moved: 2, renamed: 2, merged_exercises: 0 });
    if (mode === "dry_run") {
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    expect(await exercise(db, "pullovers__pullovers-dumbbell")).toMatchObject({ family_slug: "pullover", name: "Pullover (Dumbbell)" });
    expect(await exercise(db, "pullovers__pullovers-cable")).toMatchObject({ family_slug: "pullover", name: "Pullover (Cable)" });
    expect(await exercise(db, archivedPullover.id)).toEqual(archivedBefore);
    expect(await family(db, "pullover")).toMatchObject({
      status: "active",
      exercise_count: 2,
      primary_equipment: ["cable", "dumbbell"],
      base_name: "Pullover",
    });
    expect(await family(db, "pullovers")).toMatchObject({ status: "merged", merged_into: "pullover" });
    expect(await alias(db, "pullovers")).toMatchObject({ family_slug: "pullover", is_family_alias: true });
  });

  it("sends a merge into a deprecated family to review when a moving name takes an archived member's slug, writing nothing", async () => {
    // "Pullovers (Machine)" would be "Pullover (Machine)" there, the slug the archived exercise keeps.
    const machine = exerciseFixture("Pullovers (Machine)", ["machine"]);
    await seedDemo(db, { ...deprecatedPullover, exercises: [archivedPullover, ...pullovers, machine] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "pullovers", "pullover"));

    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "MERGE_CONFLICT",
      details: { conflicts: [expect.objectContaining({ exercise_id: machine.id, reason: expect.stringContaining(archivedPullover.id) })] },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails a merge of a family with no live exercise into a deprecated one with TARGET_FAMILY_RETIRED: nothing would make it live", async () => {
    const archived = archivedExerciseFixture("Pullovers (Cable)", ["cable"]);
    await seedDemo(db, { ...deprecatedPullover, exercises: [archivedPullover, archived] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "pullovers", "pullover"));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "TARGET_FAMILY_RETIRED", details: { family_slug: "pullover" } });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails a merge into a family merged into another with TARGET_FAMILY_RETIRED, naming its successor, writing nothing", async () => {
    await seedDemo(db, { ...ROWS_MERGED_INTO_ROW, exercises: pullovers });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "pullovers", "rows"));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "TARGET_FAMILY_RETIRED",
      message: "family rows is merged into row; merge pullovers into row instead",
      details: { family_slug: "rows", merged_into: "row" },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails a merge into a family merged into the source with TARGET_FAMILY_RETIRED, saying there is nothing to merge", async () => {
    await seedDemo(db, ROWS_MERGED_INTO_ROW);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "row", "rows"));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "TARGET_FAMILY_RETIRED",
      message: "family rows is merged into row; row already holds the exercises of rows (that merge went the other way): nothing to merge",
      details: { family_slug: "rows", merged_into: "row" },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails a merge into a family alias with FAMILY_NOT_FOUND, naming the family it leads to", async () => {
    await seedDemo(db, rows);
    const before = await snapshotCatalog(db);
    // The demo's `bent_over_row` is an alias of the family `row`.
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "rows", "bent_over_row"));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "FAMILY_NOT_FOUND",
      message: `family bent_over_row has no exercises and no registry entry: "bent_over_row" is an alias of family row; use row`,
      details: { family_slug: "bent_over_row", alias: { family_slug: "row" } },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it.each([
    ["into an alias of the source", "row", "bent_over_row"],
    ["of an alias of the target", "bent_over_row", "row"],
  ])("fails a merge %s with FAMILY_NOT_FOUND, saying both slugs name one family", async (_case, source, target) => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, source, target));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "FAMILY_NOT_FOUND",
      message: `family bent_over_row has no exercises and no registry entry: "bent_over_row" is an alias of family row, the other family this job names: both name one family`,
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails a merge into a family that does not exist with FAMILY_NOT_FOUND", async () => {
    await seedDemo(db, rows);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "rows", "rowing"));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "FAMILY_NOT_FOUND", details: { family_slug: "rowing" } });
    expect(await snapshotCatalog(db)).toBe(before);
  });
});

it("reverting a merge into a deprecated family, newest change first, leaves that family deprecated again", async () => {
  await seedDemo(db, { ...deprecatedPullover, exercises: [archivedPullover, ...pullovers] });
  const registryBefore = await family(db, "pullover");
  const run = await runJob(depsFor(db, "apply"), "FAMILY_MERGE", merge("apply", "pullovers", "pullover"));
  expect(run.status).toBe("succeeded");
  expect(await family(db, "pullover")).toMatchObject({ status: "active" });
  await db.collection(JOB_COLLECTIONS.jobs).doc(run.jobId).update({ status: "succeeded" });

  const changes = await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", run.jobId).get();
  const newestFirst = changes.docs.sort((a, b) => Number(b.get("operation_index")) - Number(a.get("operation_index")));
  for (const change of newestFirst) expect((await revertChange(db, change.id)).status).toBe("reverted");
  const { updated_at: _stamp, ...registry } = (await family(db, "pullover"))!;
  expect(registry).toEqual(registryBefore);
  for (const { id, name } of pullovers) expect(await exercise(db, id)).toMatchObject({ family_slug: "pullovers", name });
  expect(await family(db, "pullovers")).toBeNull();
  expect(await alias(db, "pullovers")).toBeNull();
});
