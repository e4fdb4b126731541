import { snapshotCatalog } from "../helpers/catalog";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";
import { MODES, depsFor, exercise, runJob, seedDemo } from "./support";

const db = useFirestore();

// Removing fields needs field deletes, which the fallback emulator does not implement.
describeWithFullEmulator.each(MODES)("SCHEMA_CLEANUP (%s)", (mode) => {
  const done = mode === "apply" ? "succeeded" : "succeeded_dry_run";

  it("removes deprecated fields whose replacement exists", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "SCHEMA_CLEANUP", {
      mode,
      exercise_doc_ids: ["leg_press__leg-press-machine", "squat__squat-barbell"],
    });

    expect(run.status).toBe(done);
    expect(run.lockKeys).toEqual([]);
    expect(run.summary).toMatchObject({ fields_removed: 3, fields_kept: 0 });
    if (mode === "dry_run") {
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    const cleaned = await exercise(db, "leg_press__leg-press-machine");
    expect(cleaned).not.toHaveProperty("primary_muscles");
    expect(cleaned).not.toHaveProperty("coaching_cues");
    expect(cleaned).not.toHaveProperty("enriched_at");
    expect(cleaned).toMatchObject({ status: "approved", muscles: { primary: ["quadriceps", "glutes"] } });
  });

  it("treats an exercise named twice as named once", async () => {
    await seedDemo(db);
    const run = await runJob(depsFor(db, mode), "SCHEMA_CLEANUP", {
      mode,
      exercise_doc_ids: ["leg_press__leg-press-machine", "squat__squat-barbell", "leg_press__leg-press-machine"],
    });

    expect(run.status).toBe(done);
    expect(run.summary).toMatchObject({ fields_removed: 3, fields_kept: 0 });
    if (mode === "apply") expect(await exercise(db, "leg_press__leg-press-machine")).not.toHaveProperty("primary_muscles");
  });

  it("changes nothing on exercises without deprecated fields", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "SCHEMA_CLEANUP", { mode, exercise_doc_ids: ["squat__squat-barbell"] });

    expect(run.status).toBe(done);
    expect(run.summary).toMatchObject({ fields_removed: 0, no_change: 1 });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails on fields that are not deprecated with INVALID_FIELDS and writes nothing", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "SCHEMA_CLEANUP", {
      mode,
      exercise_doc_ids: ["chest_fly__chest-fly-machine"],
      fields_to_remove: ["status", "coaching_cues"],
    });

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "INVALID_FIELDS", details: { invalid: ["status"] } });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails on a missing exercise with EXERCISE_NOT_FOUND", async () => {
    await seedDemo(db);
    const run = await runJob(depsFor(db, mode), "SCHEMA_CLEANUP", { mode, exercise_doc_ids: ["leg_press__nope"] });

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "EXERCISE_NOT_FOUND" });
  });
});
