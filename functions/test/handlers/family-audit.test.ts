import { snapshotCatalog } from "../helpers/catalog";
import { useFirestore, describeWithFullEmulator } from "../helpers/firestore";
import { MODES, ROWS_MERGED_INTO_ROW, depsFor, runJob, seedDemo } from "./support";

const db = useFirestore();

// Scans page with cursors, which the fallback emulator does not implement.
describeWithFullEmulator.each(MODES)("FAMILY_AUDIT (%s)", (mode) => {
  const done = mode === "apply" ? "succeeded" : "succeeded_dry_run";

  it("reports a family's findings without writing anything", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_AUDIT", { mode, family_slug: "shoulder_press" });

    expect(run.status).toBe(done);
    expect(run.lockKeys).toEqual([]);
    expect(run.summary).toMatchObject({
      family_slug: "shoulder_press",
      exercises: 4,
      live_exercises: 4,
      findings_count: 2,
      fixable_by_normalize: 1,
      needs_review_count: 1,
    });
    expect(run.summary.findings).toEqual([
      expect.objectContaining({
        code: "shared_primary_equipment",
        exercise_ids: ["shoulder_press__seated-shoulder-press-dumbbell", "shoulder_press__shoulder-press-dumbbell"],
        fix: "review",
      }),
      expect.objectContaining({ code: "registry_missing", fix: "FAMILY_NORMALIZE" }),
    ]);
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("reports no findings for a sound family", async () => {
    await seedDemo(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_AUDIT", { mode, family_slug: "deadlift" });

    expect(run.status).toBe(done);
    expect(run.summary).toMatchObject({ findings_count: 0, findings: [] });
  });

  it("says a family merged away is merged, and into which family, however sound it is", async () => {
    await seedDemo(db, ROWS_MERGED_INTO_ROW);
    const merged = await runJob(depsFor(db, mode), "FAMILY_AUDIT", { mode, family_slug: "rows" });
    const live = await runJob(depsFor(db, mode), "FAMILY_AUDIT", { mode, family_slug: "deadlift" });

    expect(merged).toMatchObject({
      status: done,
      summary: { family_slug: "rows", family_status: "merged", merged_into: "row", findings_count: 0 },
    });
    expect(live.summary).toMatchObject({ family_status: "active" });
    expect(live.summary).not.toHaveProperty("merged_into");
  });

  it("fails a family that does not exist with FAMILY_NOT_FOUND", async () => {
    await seedDemo(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_AUDIT", { mode, family_slug: "pec_deck" });

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "FAMILY_NOT_FOUND", details: { family_slug: "pec_deck" } });
  });

  it("fails a family slug that is an alias with FAMILY_NOT_FOUND, naming where it leads", async () => {
    await seedDemo(db);
    // The demo's `bent_over_row` is an alias of the family `row`; its broken `pec_deck` one of itself, which names none to use.
    const aliased = await runJob(depsFor(db, mode), "FAMILY_AUDIT", { mode, family_slug: "bent_over_row" });
    const orphaned = await runJob(depsFor(db, mode), "FAMILY_AUDIT", { mode, family_slug: "pec_deck" });

    expect(aliased.error).toMatchObject({
      code: "FAMILY_NOT_FOUND",
      message: `family bent_over_row has no exercises and no registry entry: "bent_over_row" is an alias of family row; use row`,
      details: { family_slug: "bent_over_row", alias: { family_slug: "row" } },
    });
    expect(orphaned.error).toMatchObject({
      code: "FAMILY_NOT_FOUND",
      message: `family pec_deck has no exercises and no registry entry: "pec_deck" is an alias of family pec_deck`,
    });
  });
});
