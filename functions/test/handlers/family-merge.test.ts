import { exerciseFixture, snapshotCatalog } from "../helpers/catalog";
import { useFirestore } from "../helpers/firestore";
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
    const mergedEarlier = {
      family_slug: "seated_rows",
      base_name: "Seated Rows",
      primary_equipment: [],
      allowed_equipment: [],
      exercise_count: 0,
      status: "merged",
      merged_into: "rows",
    };
    await seedDemo(db, {
      ...rows,
      families: [...rows.families, mergedEarlier],
      aliases: [...rows.aliases, { alias_slug: "seated_rows", family_slug: "rows", is_family_alias: true }],
    });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode));

    expect(run.error).toBeNull();
    if (mode === "dry_run") return;
    expect(await family(db, "seated_rows")).toMatchObject({ status: "merged", merged_into: "row" });
    expect(await alias(db, "seated_rows")).toMatchObject({ family_slug: "row", is_family_alias: true });
  });

  it("gives a family merged into the source without an alias one, and leaves a registry that only names the source as it is", async () => {
    const registry = (slug: string, status: string) => ({
      family_slug: slug,
      base_name: slug,
      primary_equipment: [],
      allowed_equipment: [],
      exercise_count: 0,
      status,
      merged_into: "rows",
    });
    // Legacy data: a merged registry with no alias; a deprecated one that still names the source.
    await seedDemo(db, {
      ...rows,
      families: [...rows.families, registry("cable_rows_old", "merged"), registry("rows_draft", "deprecated")],
    });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode));

    expect(run.error).toBeNull();
    if (mode === "dry_run") return;
    expect(await family(db, "cable_rows_old")).toMatchObject({ status: "merged", merged_into: "row" });
    expect(await alias(db, "cable_rows_old")).toMatchObject({ family_slug: "row", is_family_alias: true });
    expect(await family(db, "rows_draft")).toMatchObject({ status: "deprecated", merged_into: "rows" });
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

  it("fails a merge into a family that does not exist with FAMILY_NOT_FOUND", async () => {
    await seedDemo(db, rows);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode, "rows", "rowing"));

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "FAMILY_NOT_FOUND", details: { family_slug: "rowing" } });
    expect(await snapshotCatalog(db)).toBe(before);
  });
});
