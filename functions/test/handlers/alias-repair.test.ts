import { exerciseFixture, retiredFamilyFixture, snapshotCatalog } from "../helpers/catalog";
import { useFirestore } from "../helpers/firestore";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { MODES, alias, depsFor, runJob, seedDemo } from "./support";

const db = useFirestore();

// Aliases whose targets were merged away: they follow the successor.
const merged = {
  exercises: [
    exerciseFixture("Goblet Squat (Dumbbell)", ["dumbbell"], {
      family_slug: "squat",
      status: "merged",
      merged_into: "squat__squat-dumbbell",
    }),
  ],
  families: [retiredFamilyFixture("rows_old", "row")],
  aliases: [
    { alias_slug: "db-goblet", exercise_id: "squat__goblet-squat-dumbbell", is_family_alias: false },
    { alias_slug: "old_rows", family_slug: "rows_old", is_family_alias: true },
  ],
};
// A broken alias the repair can fix: its flag is wrong.
const FLAT_BENCH = { alias_slug: "flat-bench", exercise_id: "bench_press__bench-press-barbell", is_family_alias: true };
const BROKEN = ["kettlebell-bench-press", "pec_deck", "biceps-curl-barbell", "db-curl", "military-press", "db-goblet", "old_rows"];

describe.each(MODES)("ALIAS_REPAIR (%s)", (mode) => {
  const done = mode === "apply" ? "succeeded" : "succeeded_dry_run";

  it("repairs each alias by what is wrong with it: re-point, restore, fix flags, delete only without any target", async () => {
    await seedDemo(db, merged);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "ALIAS_REPAIR", { mode, alias_slugs: BROKEN });

    expect(run.status).toBe(done);
    expect(run.lockKeys).toEqual([]);
    expect(run.summary).toMatchObject({ unresolved: [], fine: [], not_found: [] });
    expect(run.summary.repaired).toEqual([
      expect.objectContaining({ alias_slug: "kettlebell-bench-press", problem: "orphaned", action: "delete" }),
      expect.objectContaining({ alias_slug: "pec_deck", problem: "orphaned", action: "delete" }),
      expect.objectContaining({ alias_slug: "biceps-curl-barbell", problem: "no_target", action: "delete" }),
      expect.objectContaining({ alias_slug: "db-curl", problem: "flag_mismatch", action: "upsert" }),
      expect.objectContaining({ alias_slug: "military-press", problem: "missing_alias", action: "upsert" }),
      expect.objectContaining({ alias_slug: "db-goblet", problem: "merged_target", action: "upsert" }),
      expect.objectContaining({ alias_slug: "old_rows", problem: "merged_target", action: "upsert" }),
    ]);
    if (mode === "dry_run") {
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    for (const slug of ["kettlebell-bench-press", "pec_deck", "biceps-curl-barbell"]) expect(await alias(db, slug)).toBeNull();
    expect(await alias(db, "db-curl")).toMatchObject({ exercise_id: "biceps_curl__alternating-biceps-curl", is_family_alias: false });
    expect(await alias(db, "military-press")).toMatchObject({ exercise_id: "shoulder_press__military-press", is_family_alias: false });
    expect(await alias(db, "db-goblet")).toMatchObject({ exercise_id: "squat__squat-dumbbell" });
    expect(await alias(db, "old_rows")).toMatchObject({ family_slug: "row", is_family_alias: true });
  });

  it("keeps the valid target of an alias with both targets", async () => {
    await seedDemo(db);
    const run = await runJob(depsFor(db, mode), "ALIAS_REPAIR", { mode, alias_slugs: ["overhead-press"] });
    expect(run.status).toBe(done);
  });

  it("keeps the family of an alias with both targets whose slug names a family, followed to the family it was merged into since", async () => {
    const ohpOld = { alias_slug: "ohp_old", exercise_id: "shoulder_press__shoulder-press-barbell", family_slug: "press_old" };
    await seedDemo(db, { families: [retiredFamilyFixture("press_old", "shoulder_press")], aliases: [ohpOld] });
    const run = await runJob(depsFor(db, mode), "ALIAS_REPAIR", { mode, alias_slugs: ["ohp_old"] });

    expect(run).toMatchObject({ status: done, error: null });
    expect(run.summary.repaired).toEqual([expect.objectContaining({ alias_slug: "ohp_old", problem: "both_targets", action: "upsert" })]);
    if (mode === "dry_run") return;
    expect(await alias(db, "ohp_old")).toEqual({
      alias_slug: "ohp_old",
      family_slug: "shoulder_press",
      is_family_alias: true,
      updated_at: expect.anything(),
    });
  });

  it("changes nothing for aliases that are fine", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "ALIAS_REPAIR", { mode, alias_slugs: ["goblet-squat", "bent_over_row"] });

    expect(run.status).toBe(done);
    expect(run.summary).toMatchObject({ fine: ["goblet-squat", "bent_over_row"], repaired: [], no_change: 1 });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails when no given alias exists in any form with ALIAS_NOT_FOUND", async () => {
    await seedDemo(db);
    const run = await runJob(depsFor(db, mode), "ALIAS_REPAIR", { mode, alias_slugs: ["no-such-alias"] });

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "ALIAS_NOT_FOUND", details: { alias_slugs: ["no-such-alias"] } });
  });

  it("reports an alias loop for review, leaves that alias alone and repairs the others", async () => {
    await seedDemo(db, {
      exercises: [
        exerciseFixture("Front Squat (Barbell)", ["barbell"], {
          family_slug: "squat",
          status: "merged",
          merged_into: "squat__back-squat-barbell",
        }),
        exerciseFixture("Back Squat (Barbell)", ["barbell"], {
          family_slug: "squat",
          status: "merged",
          merged_into: "squat__front-squat-barbell",
        }),
      ],
      aliases: [{ alias_slug: "loopy-squat", exercise_id: "squat__front-squat-barbell", is_family_alias: false }],
    });
    const run = await runJob(depsFor(db, mode), "ALIAS_REPAIR", { mode, alias_slugs: ["loopy-squat", "db-curl"] });

    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "ALIAS_LOOP",
      details: { unresolved: [expect.objectContaining({ alias_slug: "loopy-squat", code: "ALIAS_LOOP" })] },
    });
    expect(await alias(db, "loopy-squat")).toMatchObject({ exercise_id: "squat__front-squat-barbell" });
    expect(await alias(db, "db-curl")).toMatchObject({ is_family_alias: mode === "dry_run" });
  });

  it("deletes a family alias of its family's own slug, and repairs the rest of its batch", async () => {
    await seedDemo(db, { aliases: [{ alias_slug: "squat", family_slug: "squat", is_family_alias: false }, FLAT_BENCH] });
    // Stored without its alias_slug field (seeds key aliases by that field).
    await db.collection(CATALOG_COLLECTIONS.aliases).doc("bench_press").set({ family_slug: "bench_press", is_family_alias: true });
    const run = await runJob(depsFor(db, mode), "ALIAS_REPAIR", { mode, alias_slugs: ["squat", "bench_press", "flat-bench"] });

    expect(run.status).toBe(done);
    expect(run.summary.repaired).toEqual([
      expect.objectContaining({ alias_slug: "squat", problem: "own_slug", action: "delete" }),
      expect.objectContaining({ alias_slug: "bench_press", problem: "own_slug", action: "delete" }),
      expect.objectContaining({ alias_slug: "flat-bench", problem: "flag_mismatch", action: "upsert" }),
    ]);
    if (mode === "dry_run") return;
    for (const slug of ["squat", "bench_press"]) expect(await alias(db, slug)).toBeNull();
    expect(await alias(db, "flat-bench")).toMatchObject({ exercise_id: FLAT_BENCH.exercise_id, is_family_alias: false });
  });

  it("leaves to review, not deletes, an alias of an exercise merged into one archived since", async () => {
    await seedDemo(db, merged);
    const archive = await runJob(depsFor(db, "apply"), "TARGETED_FIX", {
      mode: "apply",
      exercise_doc_ids: ["squat__squat-dumbbell"],
      fix_type: "archive",
    });
    expect(archive.status).toBe("succeeded");
    const dbGoblet = await alias(db, "db-goblet");
    const run = await runJob(depsFor(db, mode), "ALIAS_REPAIR", { mode, alias_slugs: ["db-goblet", "goblet-squat"] });

    // The archived exercise can come back: the alias that leads to it is kept for a person, as the one pointing at it directly is.
    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "ALIAS_TARGET_RETIRED",
      details: {
        unresolved: [expect.objectContaining({ alias_slug: "db-goblet", problem: "merged_target", code: "ALIAS_TARGET_RETIRED" })],
      },
    });
    expect(run.summary).toMatchObject({ repaired: [], fine: ["goblet-squat"] });
    expect(await alias(db, "db-goblet")).toEqual(dbGoblet);
  });

  it("deletes an alias of another live exercise's own name slug, which it shadows", async () => {
    await seedDemo(db, { aliases: [{ alias_slug: "deadlift-barbell", exercise_id: "squat__squat-dumbbell", is_family_alias: false }] });
    const run = await runJob(depsFor(db, mode), "ALIAS_REPAIR", { mode, alias_slugs: ["deadlift-barbell"] });

    expect(run.status).toBe(done);
    expect(run.summary.repaired).toEqual([
      expect.objectContaining({
        alias_slug: "deadlift-barbell",
        problem: "shadows_name",
        action: "delete",
        reason: "the slug is the name of live exercise deadlift__deadlift-barbell: no alias may shadow it",
      }),
    ]);
    expect(await alias(db, "deadlift-barbell")).toEqual(
      mode === "apply" ? null : expect.objectContaining({ exercise_id: "squat__squat-dumbbell" }),
    );
  });

  it("deletes an alias of its own target's slug: an exercise's own name slug, a family's own slug", async () => {
    const ownSlugs = [
      { alias_slug: "squat-barbell", exercise_id: "squat__squat-barbell", is_family_alias: false },
      { alias_slug: "squat", family_slug: "squat", is_family_alias: true },
    ];
    await seedDemo(db, { aliases: ownSlugs });
    const run = await runJob(depsFor(db, mode), "ALIAS_REPAIR", { mode, alias_slugs: ["squat-barbell", "squat"] });

    expect(run.status).toBe(done);
    expect(run.summary).toMatchObject({ fine: [], unresolved: [] });
    expect(run.summary.repaired).toEqual([
      {
        alias_slug: "squat-barbell",
        problem: "own_slug",
        action: "delete",
        reason: "the alias's slug is its target's own slug (exercise squat__squat-barbell): that slug finds it anyway",
      },
      {
        alias_slug: "squat",
        problem: "own_slug",
        action: "delete",
        reason: "the alias's slug is its target's own slug (family squat): that slug finds it anyway",
      },
    ]);
    for (const own of ownSlugs) expect(await alias(db, own.alias_slug)).toEqual(mode === "apply" ? null : expect.objectContaining(own));
  });

  it("leaves to review a family alias with a wrong flag whose family has only retired exercises, and repairs the rest", async () => {
    const sealRows = { alias_slug: "seal_rows", family_slug: "seal_row", is_family_alias: false };
    await seedDemo(db, {
      exercises: [exerciseFixture("Seal Row (Barbell)", ["barbell"], { family_slug: "seal_row", status: "deprecated" })],
      aliases: [sealRows, FLAT_BENCH],
    });
    const run = await runJob(depsFor(db, mode), "ALIAS_REPAIR", { mode, alias_slugs: ["seal_rows", "flat-bench"] });

    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({
      code: "ALIAS_TARGET_RETIRED",
      details: { unresolved: [expect.objectContaining({ alias_slug: "seal_rows", code: "ALIAS_TARGET_RETIRED" })] },
    });
    expect(await alias(db, "seal_rows")).toEqual(sealRows);
    expect(await alias(db, "flat-bench")).toMatchObject({ is_family_alias: mode === "dry_run" });
  });
});
