import {
  type CatalogSeed,
  archivedExerciseFixture,
  exerciseFixture,
  retiredFamilyFixture,
  seedCatalog,
  snapshotCatalog,
} from "../helpers/catalog";
import { useFirestore } from "../helpers/firestore";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";
import { registry } from "../../src/handlers";
import { leaseForTest } from "../helpers/engine";
import { MODES, alias, depsFor, exercise, family, runJob, seedDemo } from "./support";

const db = useFirestore();

const rename = (mode: string, from: string, to: string) => ({ mode, rename_config: { old_family_slug: from, new_family_slug: to } });

// What an alias of push_up that names an exercise outside the family too becomes: the family's alias, or that exercise's.
const FOLLOWS_FAMILY = { family_slug: "press_up", is_family_alias: true };
const LIVE_OUTSIDE = "bench_press__bench-press-barbell";
const KEEPS_LIVE_OUTSIDE = { exercise_id: LIVE_OUTSIDE, is_family_alias: false };
const ARCHIVED_PULLOVER = archivedExerciseFixture("Pullover (Machine)", ["machine"]);
const MERGED_AWAY = exerciseFixture("Deficit Push-Up", ["bodyweight"], {
  family_slug: "push_up",
  status: "merged",
  merged_into: LIVE_OUTSIDE,
});

describe.each(MODES)("FAMILY_RENAME_SLUG (%s)", (mode) => {
  it("renames the family everywhere and keeps the old slug as a family alias", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "push_up", "press_up"));

    expect(run.lockKeys).toEqual(["family:push_up", "family:press_up"]);
    expect(run.summary).toMatchObject({ old_family_slug: "push_up", new_family_slug: "press_up", moved: 4, renamed: 4 });
    if (mode === "dry_run") {
      expect(run.status).toBe("succeeded_dry_run");
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    expect(run.status).toBe("succeeded");
    expect(await exercise(db, "push_up__incline-push-up")).toMatchObject({
      family_slug: "press_up",
      name: "Incline Press-Up",
      name_slug: "incline-press-up",
    });
    expect(await alias(db, "incline-push-up")).toMatchObject({ exercise_id: "push_up__incline-push-up" });
    // "press_up" was an alias of the family; it now is the family itself.
    expect(await alias(db, "press_up")).toBeNull();
    expect(await alias(db, "push_up")).toMatchObject({ family_slug: "press_up", is_family_alias: true });
    expect(await family(db, "press_up")).toMatchObject({ status: "active", exercise_count: 4 });
    expect(await family(db, "push_up")).toMatchObject({ status: "merged", merged_into: "press_up", exercise_count: 0 });
  });

  it("renames a member whose name slug an alias of another exercise shadowed: the alias leads to the member now", async () => {
    // "squats-barbell" finds the live "Squats (Barbell)" by its name, never the lunge the alias names.
    await seedCatalog(db, {
      exercises: [
        exerciseFixture("Squats (Barbell)", ["barbell"]),
        exerciseFixture("Squats (Dumbbell)", ["dumbbell"]),
        exerciseFixture("Lunge", ["bodyweight"]),
      ],
      aliases: [{ alias_slug: "squats-barbell", exercise_id: "lunge__lunge" }],
    });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "squats", "squat"));

    expect(run).toMatchObject({ status: mode === "apply" ? "succeeded" : "succeeded_dry_run", summary: { moved: 2, renamed: 2 } });
    if (mode === "dry_run") {
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    expect(await exercise(db, "squats__squats-barbell")).toMatchObject({ family_slug: "squat", name: "Squat (Barbell)" });
    expect(await alias(db, "squats-barbell")).toMatchObject({ exercise_id: "squats__squats-barbell" });
  });

  it("moves a retired exercise under its own name: no alias may lead to it, so it is not renamed", async () => {
    // chest_fly holds "Chest Fly (Machine)", merged, beside a live "Chest Fly (Cable)".
    await seedDemo(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "chest_fly", "pec_fly"));

    expect(run.error).toBeNull();
    expect(run.summary).toMatchObject({ moved: 2, renamed: 1 });
    if (mode === "dry_run") return;
    expect(await exercise(db, "chest_fly__chest-fly-cable")).toMatchObject({ family_slug: "pec_fly", name: "Pec Fly (Cable)" });
    expect(await alias(db, "chest-fly-cable")).toMatchObject({ exercise_id: "chest_fly__chest-fly-cable" });
    expect(await exercise(db, "chest_fly__chest-fly-machine")).toMatchObject({
      family_slug: "pec_fly",
      name: "Chest Fly (Machine)",
      name_slug: "chest-fly-machine",
      status: "merged",
    });
    expect(await alias(db, "chest-fly-machine")).toBeNull();
  });

  it("moves the families merged into the renamed one on to its new slug", async () => {
    const mergedEarlier = retiredFamilyFixture("pushups", "push_up");
    await seedDemo(db, {
      families: [mergedEarlier],
      aliases: [{ alias_slug: "pushups", family_slug: "push_up", is_family_alias: true }],
    });
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "push_up", "press_up"));

    expect(run.error).toBeNull();
    expect(run.lockKeys).toEqual(["family:push_up", "family:press_up", "family:pushups"]);
    if (mode === "dry_run") return;
    expect(await family(db, "pushups")).toMatchObject({ status: "merged", merged_into: "press_up" });
    expect(await alias(db, "pushups")).toMatchObject({ family_slug: "press_up", is_family_alias: true });
  });

  it("keeps, of an alias's two targets, the exercise its name-shaped slug names, as ALIAS_REPAIR would, leaving it nothing to repair", async () => {
    // The demo's "overhead-press" names both shoulder_press__shoulder-press-barbell and the family shoulder_press.
    await seedDemo(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "shoulder_press", "shoulder_presses"));

    expect(run).toMatchObject({ status: mode === "apply" ? "succeeded" : "succeeded_dry_run", error: null });
    if (mode === "dry_run") return;
    expect(await alias(db, "overhead-press")).toEqual({
      alias_slug: "overhead-press",
      exercise_id: "shoulder_press__shoulder-press-barbell",
      is_family_alias: false,
      updated_at: expect.anything(),
    });
    const repair = await runJob(depsFor(db, "dry_run"), "ALIAS_REPAIR", { mode: "dry_run", alias_slugs: ["overhead-press"] });
    expect(repair.summary).toMatchObject({ fine: ["overhead-press"], repaired: [] });
  });

  it("re-points to the new family an alias with both targets whose slug names a family, leaving it nothing to repair", async () => {
    const ohpFamily = { alias_slug: "ohp_family", exercise_id: "shoulder_press__shoulder-press-barbell", family_slug: "shoulder_press" };
    await seedDemo(db, { aliases: [ohpFamily] });
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "shoulder_press", "shoulder_presses"));

    expect(run).toMatchObject({ status: mode === "apply" ? "succeeded" : "succeeded_dry_run", error: null });
    if (mode === "dry_run") return;
    expect(await alias(db, "ohp_family")).toEqual({
      alias_slug: "ohp_family",
      family_slug: "shoulder_presses",
      is_family_alias: true,
      updated_at: expect.anything(),
    });
    const repair = await runJob(depsFor(db, "dry_run"), "ALIAS_REPAIR", { mode: "dry_run", alias_slugs: ["ohp_family"] });
    expect(repair.summary).toMatchObject({ fine: ["ohp_family"], repaired: [] });
  });

  it.each<[string, string, CatalogSeed, Record<string, unknown>]>([
    ["missing", "ghost__ghost-push-up", {}, FOLLOWS_FAMILY],
    ["archived", ARCHIVED_PULLOVER.id, { exercises: [ARCHIVED_PULLOVER], families: [retiredFamilyFixture("pullover")] }, FOLLOWS_FAMILY],
    ["live", LIVE_OUTSIDE, {}, KEEPS_LIVE_OUTSIDE],
    ["a member merged into a live one", MERGED_AWAY.id, { exercises: [MERGED_AWAY] }, KEEPS_LIVE_OUTSIDE],
  ])(
    "keeps, of an alias's two targets, an exercise outside the family only where it leads to a live one, as ALIAS_REPAIR would (%s)",
    async (_case, exerciseId, seed, target) => {
      await seedDemo(db, { ...seed, aliases: [{ alias_slug: "push-up-legacy", exercise_id: exerciseId, family_slug: "push_up" }] });
      const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "push_up", "press_up"));

      expect(run).toMatchObject({ status: mode === "apply" ? "succeeded" : "succeeded_dry_run", error: null });
      if (mode === "dry_run") return;
      expect(await alias(db, "push-up-legacy")).toEqual({ alias_slug: "push-up-legacy", ...target, updated_at: expect.anything() });
      const repair = await runJob(depsFor(db, "dry_run"), "ALIAS_REPAIR", { mode: "dry_run", alias_slugs: ["push-up-legacy"] });
      expect(repair.summary).toMatchObject({ fine: ["push-up-legacy"], repaired: [] });
    },
  );

  it("takes its locks again when a family was merged into it after it chose them", async () => {
    await seedDemo(db);
    const input = await leaseForTest(depsFor(db, mode), { type: "FAMILY_RENAME_SLUG", payload: rename(mode, "push_up", "press_up") });
    expect(input.engine.lockKeys).toEqual(["family:push_up", "family:press_up"]);
    await db.collection(CATALOG_COLLECTIONS.families).doc("pushups").set(retiredFamilyFixture("pushups", "push_up"));
    const before = await snapshotCatalog(db);

    expect(await registry.handlerFor("FAMILY_RENAME_SLUG").run(input)).toMatchObject({
      kind: "deferred",
      reason: { code: "LOCKS_OUTDATED", details: { unlocked_families: ["pushups"] } },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("changes nothing when the family already carries the new slug", async () => {
    await seedDemo(db, {
      families: [retiredFamilyFixture("bench_presses", "bench_press")],
    });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "bench_presses", "bench_press"));

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ moved: 0, no_change: 1 });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("renames a family back to the slug it had (the old registry entry, merged into it, is its own former name)", async () => {
    await seedDemo(db);
    const first = await runJob(depsFor(db, "apply"), "FAMILY_RENAME_SLUG", rename("apply", "push_up", "press_up"));
    expect(first.status).toBe("succeeded");
    const before = await snapshotCatalog(db);
    const back = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "press_up", "push_up"));

    expect(back.summary).toMatchObject({ old_family_slug: "press_up", new_family_slug: "push_up", moved: 4 });
    if (mode === "dry_run") {
      expect(back.status).toBe("succeeded_dry_run");
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    expect(back.status).toBe("succeeded");
    expect(await exercise(db, "push_up__incline-push-up")).toMatchObject({ family_slug: "push_up", name: "Incline Push-Up" });
    expect(await family(db, "push_up")).toMatchObject({ status: "active", exercise_count: 4 });
    expect(await family(db, "press_up")).toMatchObject({ status: "merged", merged_into: "push_up", exercise_count: 0 });
    expect(await alias(db, "push_up")).toBeNull();
    expect(await alias(db, "press_up")).toMatchObject({ family_slug: "push_up", is_family_alias: true });
  });

  it("sends a rename whose slug adds words to the base to review: Plank would be Front Plank, but Side Plank is no front plank", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "plank", "front_plank"));

    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "RENAME_CONFLICT",
      details: { conflicts: [expect.objectContaining({ exercise_id: "plank__side-plank", kind: "name" })] },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails a rename of a deprecated family (every exercise archived) with SOURCE_FAMILY_RETIRED, writing nothing", async () => {
    await seedDemo(db, { families: [retiredFamilyFixture("old_fly")] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "old_fly", "fly"));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "SOURCE_FAMILY_RETIRED",
      message: "family old_fly is deprecated (none of its exercises is live)",
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails a rename of a family with no registry entry and no live exercise (legacy data) with SOURCE_FAMILY_RETIRED, writing nothing", async () => {
    await seedDemo(db, { exercises: [archivedExerciseFixture("Old Row (Barbell)", ["barbell"])] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "old_row", "bent_row"));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "SOURCE_FAMILY_RETIRED",
      message: "family old_row is deprecated (none of its exercises is live)",
      details: { family_slug: "old_row", merged_into: null },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("renames a one-word family whose exercise is named as the family: the old slug, its family alias, reaches that exercise too", async () => {
    const burpee = exerciseFixture("Burpee", ["bodyweight"]);
    const registry = { base_name: "Burpee", primary_equipment: ["bodyweight"], allowed_equipment: ["bodyweight"], exercise_count: 1 };
    await seedDemo(db, { exercises: [burpee], families: [{ family_slug: "burpee", ...registry, status: "active" }] });
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "burpee", "jump_burpee"));

    expect(run.error).toBeNull();
    if (mode === "dry_run") return;
    expect(await exercise(db, burpee.id)).toMatchObject({ family_slug: "jump_burpee", name: "Jump Burpee", name_slug: "jump-burpee" });
    // "burpee" was both the family's slug and the exercise's name slug: one alias, the family's, leads on.
    expect(await alias(db, "burpee")).toMatchObject({ family_slug: "jump_burpee", is_family_alias: true });
    expect(await alias(db, "burpee")).not.toHaveProperty("exercise_id");
    expect(await family(db, "burpee")).toMatchObject({ status: "merged", merged_into: "jump_burpee" });
  });

  it("renames a one-word family holding a retired exercise named as the family, which keeps its name beside the family alias", async () => {
    await seedCatalog(db, {
      exercises: [
        exerciseFixture("Squats (Barbell)", ["barbell"]),
        exerciseFixture("Squats (Dumbbell)", ["dumbbell"]),
        archivedExerciseFixture("Squats", ["bodyweight"]),
      ],
    });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "squats", "squat"));

    expect(run).toMatchObject({ status: mode === "apply" ? "succeeded" : "succeeded_dry_run", summary: { moved: 3, renamed: 2 } });
    if (mode === "dry_run") {
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    expect(await exercise(db, "squats__squats")).toMatchObject({
      family_slug: "squat",
      name: "Squats",
      name_slug: "squats",
      status: "deprecated",
    });
    expect(await alias(db, "squats")).toMatchObject({ family_slug: "squat", is_family_alias: true });
  });

  it("renames a one-word family back: the family alias of its slug, which the rename deletes, does not hold the name it takes back", async () => {
    await seedDemo(db);
    const first = await runJob(depsFor(db, "apply"), "FAMILY_RENAME_SLUG", rename("apply", "plank", "planks"));
    expect(first.status).toBe("succeeded");
    const back = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "planks", "plank"));

    expect(back).toMatchObject({ status: mode === "apply" ? "succeeded" : "succeeded_dry_run", error: null });
    if (mode === "dry_run") return;
    expect(await exercise(db, "plank__plank")).toMatchObject({ family_slug: "plank", name: "Plank", name_slug: "plank" });
    expect(await alias(db, "plank")).toBeNull();
    expect(await alias(db, "planks")).toMatchObject({ family_slug: "plank", is_family_alias: true });
  });

  // As FAMILY_NORMALIZE leaves it: "Lunge" renamed "Lunge (Barbell)", its old slug "lunge" an alias of the exercise;
  // or an alias "lunge" of one created under another name (its id holds no "lunge" slug).
  it.each(["lunge__lunge", "lunge__lunge-barbell"])(
    "renames a one-word family whose exercise (%s) holds the family slug as an alias: the family alias takes it over",
    async (id) => {
      await seedDemo(db, {
        exercises: [exerciseFixture("Lunge (Barbell)", ["barbell"], { id }), exerciseFixture("Lunge (Dumbbell)", ["dumbbell"])],
        aliases: [{ alias_slug: "lunge", exercise_id: id, is_family_alias: false }],
      });
      const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "lunge", "forward_lunge"));

      expect(run.error).toBeNull();
      if (mode === "dry_run") return;
      expect(await exercise(db, id)).toMatchObject({ family_slug: "forward_lunge", name: "Forward Lunge (Barbell)" });
      expect(await alias(db, "lunge")).toMatchObject({ family_slug: "forward_lunge", is_family_alias: true });
      expect(await alias(db, "lunge")).not.toHaveProperty("exercise_id");
    },
  );

  it("fails a rename to a slug another family has with FAMILY_EXISTS, writing nothing", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "row", "squat"));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "FAMILY_EXISTS", details: { family_slug: "squat" } });
    expect(run.error?.details).not.toHaveProperty("moved_from_source");
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails a rename to the slug of a deprecated family with FAMILY_EXISTS, whose advice, a FAMILY_MERGE into it, succeeds", async () => {
    const archived = archivedExerciseFixture("Pullover (Machine)", ["machine"]);
    const deprecated = retiredFamilyFixture("pullover");
    await seedDemo(db, { exercises: [archived, exerciseFixture("Pullovers (Cable)", ["cable"])], families: [deprecated] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "pullovers", "pullover"));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "FAMILY_EXISTS",
      message: "family pullover already exists; merge pullovers into it with FAMILY_MERGE instead",
      details: { family_slug: "pullover" },
    });
    expect(await snapshotCatalog(db)).toBe(before);

    const merge = await runJob(depsFor(db, mode), "FAMILY_MERGE", {
      mode,
      merge_config: { source_family: "pullovers", target_family: "pullover" },
    });
    expect(merge).toMatchObject({ status: mode === "apply" ? "succeeded" : "succeeded_dry_run", error: null });
    if (mode === "dry_run") return;
    expect(await exercise(db, "pullovers__pullovers-cable")).toMatchObject({ family_slug: "pullover", name: "Pullover (Cable)" });
    expect(await family(db, "pullover")).toMatchObject({ status: "active", exercise_count: 1 });
  });

  it("fails a rename of a deprecated family to a deprecated family's slug with SOURCE_FAMILY_RETIRED, not advice no merge can take", async () => {
    const archived = (name: string) => archivedExerciseFixture(name, ["machine"]);
    await seedDemo(db, {
      exercises: [archived("Pullover (Machine)"), archived("Pullovers (Machine)")],
      families: [retiredFamilyFixture("pullover"), retiredFamilyFixture("pullovers")],
    });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "pullovers", "pullover"));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "SOURCE_FAMILY_RETIRED",
      message: "family pullovers is deprecated (none of its exercises is live)",
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails a rename of a family merged away to an existing family's slug with SOURCE_FAMILY_RETIRED, not advice no merge can take", async () => {
    const mergedAway = retiredFamilyFixture("pullovers", "row");
    await seedDemo(db, { exercises: [exerciseFixture("Pullover (Cable)", ["cable"])], families: [mergedAway] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "pullovers", "pullover"));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "SOURCE_FAMILY_RETIRED", message: "family pullovers is already merged into row" });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails a rename to the slug of a family merged into another with FAMILY_EXISTS, naming the successor to merge into", async () => {
    const mergedAway = retiredFamilyFixture("pushups", "push_up");
    await seedDemo(db, { families: [mergedAway] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "row", "pushups"));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "FAMILY_EXISTS",
      message: "family pushups was merged into push_up; merge row into push_up with FAMILY_MERGE instead",
      details: { family_slug: "pushups" },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails a rename whose target holds exercises moved from the family (a rename stopped part-way) saying how to finish it", async () => {
    // Half of a rename of row to rowing: one exercise moved (its id keeps the family it was created in).
    const moved = exerciseFixture("Rowing (Cable)", ["cable"], { id: "row__rowing-cable", family_slug: "rowing" });
    await seedDemo(db, { exercises: [moved] });
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "row", "rowing"));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "FAMILY_EXISTS",
      message: expect.stringMatching(
        /moved from row .*: retry that FAMILY_RENAME_SLUG job, .*; a FAMILY_MERGE of row into rowing would finish it/,
      ),
      details: { family_slug: "rowing", moved_from_source: ["row__rowing-cable"] },
    });
  });

  it("names no stopped rename where the target holding exercises created in the family has a registry entry of its own (a split's)", async () => {
    // An earlier FAMILY_SPLIT of row moved its cable row into rowing, which it gave a registry entry.
    const split = exerciseFixture("Rowing (Cable)", ["cable"], { id: "row__rowing-cable", family_slug: "rowing" });
    await seedDemo(db, { exercises: [split], families: [computeFamilyRegistry("rowing", [split])] });
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "row", "rowing"));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "FAMILY_EXISTS",
      message: "family rowing already exists; merge row into it with FAMILY_MERGE instead",
      details: { family_slug: "rowing" },
    });
    expect(run.error?.details).not.toHaveProperty("moved_from_source");
  });

  it("takes back the slug of a family merged into it that holds only the duplicates that merge retired", async () => {
    // split_squats' one exercise is merged into split_squat's twin, and stays behind in split_squats, retired.
    await seedDemo(db, {
      exercises: [
        exerciseFixture("Split Squat", ["dumbbell"]),
        exerciseFixture("Split Squat (Dumbbell)", ["dumbbell"], { family_slug: "split_squats" }),
      ],
    });
    const merge = await runJob(depsFor(db, "apply"), "FAMILY_MERGE", {
      mode: "apply",
      merge_config: { source_family: "split_squats", target_family: "split_squat" },
    });
    expect(merge).toMatchObject({ status: "succeeded", summary: { merged_exercises: 1 } });
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "split_squat", "split_squats"));

    expect(run).toMatchObject({ status: mode === "apply" ? "succeeded" : "succeeded_dry_run", error: null, summary: { moved: 1 } });
    if (mode === "dry_run") return;
    expect(await exercise(db, "split_squat__split-squat")).toMatchObject({ family_slug: "split_squats", name: "Split Squats" });
    expect(await exercise(db, "split_squats__split-squat-dumbbell")).toMatchObject({
      family_slug: "split_squats",
      status: "merged",
      merged_into: "split_squat__split-squat",
    });
    expect(await family(db, "split_squats")).toMatchObject({ status: "active", exercise_count: 1 });
    expect(await family(db, "split_squat")).toMatchObject({ status: "merged", merged_into: "split_squats" });
    expect(await alias(db, "split_squat")).toMatchObject({ family_slug: "split_squats", is_family_alias: true });
    expect(await alias(db, "split_squats")).toBeNull();
  });

  it("fails a rename to the slug of a family merged into it that holds live exercises again with FAMILY_EXISTS, not advice to merge it into itself", async () => {
    // rows was merged into row; a live exercise (created elsewhere) is in rows again.
    const strayed = exerciseFixture("Rows (Cable)", ["cable"], { id: "cable_rows__rows-cable", family_slug: "rows" });
    await seedDemo(db, { exercises: [strayed], families: [retiredFamilyFixture("rows", "row")] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", rename(mode, "row", "rows"));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "FAMILY_EXISTS",
      message: "family rows was merged into row but holds live exercises again; its slug is free to take back once none of them is live",
      details: { family_slug: "rows" },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });
});
