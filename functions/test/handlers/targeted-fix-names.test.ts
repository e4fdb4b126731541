/**
 * TARGETED_FIX and the names it leaves: a rename that is no variant of the family, an exercise brought
 * back into a family merged away or under a name that no longer fits its family, and names the family's
 * naming rule allows but the quality scanner's name check fails.
 */
import { Timestamp } from "firebase-admin/firestore";
import { registry } from "../../src/handlers";
import { revertJob } from "../../src/apply/journal";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";
import { heuristicScoreExercise } from "../../src/reviewer/quality-scanner";
import { archivedExerciseFixture, exerciseFixture, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { leaseForTest } from "../helpers/engine";
import { useFirestore } from "../helpers/firestore";
import { MODES, ROWS_MERGED_INTO_ROW, alias, depsFor, exercise, runJob, seedDemo } from "./support";

const db = useFirestore();

describe.each(MODES)("TARGETED_FIX names (%s)", (mode) => {
  const done = mode === "apply" ? "succeeded" : "succeeded_dry_run";

  /** Runs the fix and asserts it failed with `code`, the catalog unchanged. */
  async function refused(payload: Record<string, unknown>, status: "failed" | "needs_review", code: string) {
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "TARGETED_FIX", { mode, ...payload });
    expect(run).toMatchObject({ status, error: { code } });
    expect(await snapshotCatalog(db)).toBe(before);
    return run;
  }

  /** Runs the fix through its handler, asserting it succeeded; returns its summary and its attempt log's events. */
  async function succeeded(payload: Record<string, unknown>) {
    const input = await leaseForTest(depsFor(db, mode), { type: "TARGETED_FIX", payload: { mode, ...payload } });
    const outcome = await registry.handlerFor("TARGETED_FIX").run(input);
    expect(outcome).toMatchObject({ kind: "completed", status: done });
    const log = input.attemptLog.document({ status: done, error: null, finishedAt: new Date(), expireAt: Timestamp.now() });
    return { summary: outcome.summary ?? {}, events: log.events as Array<{ event: string; details?: Record<string, unknown> }> };
  }

  it("refuses a new name that is no variant of the family before planning it: RENAME_CONFLICT, nothing written", async () => {
    await seedDemo(db);
    const run = await refused(
      { exercise_doc_ids: ["squat__squat-barbell"], fix_type: "rename", fix_data: { new_name: "Hip Hinge (Barbell)" } },
      "needs_review",
      "RENAME_CONFLICT",
    );
    expect(run.error).toMatchObject({
      details: { exercise_id: "squat__squat-barbell", new_name: "Hip Hinge (Barbell)", family_slug: "squat" },
    });
    expect(run.error?.message).toContain("no variant of family squat");
  });

  it("renames an exercise whose name slug an alias of another exercise shadowed: the alias leads to it now", async () => {
    // "squat-barbell" finds the live "Squat (Barbell)" by its name, never the deadlift the alias names.
    await seedDemo(db, { aliases: [{ alias_slug: "squat-barbell", exercise_id: "deadlift__deadlift-barbell" }] });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "TARGETED_FIX", {
      mode,
      exercise_doc_ids: ["squat__squat-barbell"],
      fix_type: "rename",
      fix_data: { new_name: "Back Squat (Barbell)" },
    });
    expect(run.status).toBe(done);
    if (mode === "dry_run") {
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    expect(await exercise(db, "squat__squat-barbell")).toMatchObject({ name: "Back Squat (Barbell)" });
    expect(await alias(db, "squat-barbell")).toMatchObject({ exercise_id: "squat__squat-barbell" });

    // Reverted whole, the job gives back the name and the alias as they were, side by side.
    await db.collection(JOB_COLLECTIONS.jobs).doc(run.jobId).update({ status: done });
    expect((await revertJob(db, run.jobId)).reverted.length).toBeGreaterThan(0);
    expect(await exercise(db, "squat__squat-barbell")).toMatchObject({ name: "Squat (Barbell)", name_slug: "squat-barbell" });
    expect(await alias(db, "squat-barbell")).toMatchObject({ exercise_id: "deadlift__deadlift-barbell" });
  });

  it("brings back an exercise a one-word family's rename moved unrenamed beside the family alias of its name", async () => {
    await seedCatalog(db, {
      exercises: [
        exerciseFixture("Squats (Barbell)", ["barbell"]),
        exerciseFixture("Squats (Dumbbell)", ["dumbbell"]),
        archivedExerciseFixture("Squats", ["bodyweight"]),
      ],
    });
    const renameSlug = { rename_config: { old_family_slug: "squats", new_family_slug: "squat" } };
    expect(await runJob(depsFor(db, "apply"), "FAMILY_RENAME_SLUG", { mode: "apply", ...renameSlug })).toMatchObject({
      status: "succeeded",
    });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "TARGETED_FIX", {
      mode,
      exercise_doc_ids: ["squats__squats"],
      fix_type: "patch",
      fix_data: { patch: { status: "approved" } },
    });
    expect(run.status).toBe(done);
    if (mode === "dry_run") {
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    // Its old slug is the family's alias, which reaches it in its family: no alias of its own takes it over.
    expect(await exercise(db, "squats__squats")).toMatchObject({ name: "Squat (Bodyweight)", family_slug: "squat", status: "approved" });
    expect(await alias(db, "squats")).toMatchObject({ family_slug: "squat", is_family_alias: true });
  });

  it("refuses to bring an exercise back into a family merged away, naming its successor: TARGET_FAMILY_RETIRED", async () => {
    const rows = archivedExerciseFixture("Rows (Trap Bar)", ["trap-bar"]);
    await seedDemo(db, { ...ROWS_MERGED_INTO_ROW, exercises: [rows] });
    const run = await refused(
      { exercise_doc_ids: [rows.id], fix_type: "patch", fix_data: { patch: { status: "approved" } } },
      "failed",
      "TARGET_FAMILY_RETIRED",
    );
    expect(run.error).toMatchObject({ details: { family_slug: "rows", merged_into: "row" } });
    expect(run.error?.message).toContain("add it to row anew with EXERCISE_ADD");
  });

  it("rebases the name of an exercise it brings back onto its family, as the family rename that moved it would have", async () => {
    // A family rename moves an archived member under the name it had: "Pause Squats" is no variant of squat.
    await seedCatalog(db, {
      exercises: [
        exerciseFixture("Squats (Barbell)", ["barbell"]),
        archivedExerciseFixture("Pause Squats (Dumbbell)", ["dumbbell"], { family_slug: "squats" }),
      ],
    });
    const renameSlug = { rename_config: { old_family_slug: "squats", new_family_slug: "squat" } };
    expect(await runJob(depsFor(db, "apply"), "FAMILY_RENAME_SLUG", { mode: "apply", ...renameSlug })).toMatchObject({
      status: "succeeded",
    });
    const id = "squats__pause-squats-dumbbell";
    expect(await exercise(db, id)).toMatchObject({ name: "Pause Squats (Dumbbell)", family_slug: "squat", status: "deprecated" });

    const run = await runJob(depsFor(db, mode), "TARGETED_FIX", {
      mode,
      exercise_doc_ids: [id],
      fix_type: "patch",
      fix_data: { patch: { status: "approved" } },
    });
    expect(run).toMatchObject({ status: done, error: null });
    expect(run.summary.renamed).toEqual([
      {
        exercise_id: id,
        old_name: "Pause Squats (Dumbbell)",
        new_name: "Pause Squat (Dumbbell)",
        because: "no variant of squat, rebased onto it as the patch brings it back",
      },
    ]);
    if (mode === "dry_run") return;
    expect(await exercise(db, id)).toMatchObject({ name: "Pause Squat (Dumbbell)", name_slug: "pause-squat-dumbbell", status: "approved" });
    expect(await alias(db, "pause-squats-dumbbell")).toMatchObject({ exercise_id: id });
    const audit = await runJob(depsFor(db, "apply"), "FAMILY_AUDIT", { mode: "apply", family_slug: "squat" });
    expect(audit.summary).toMatchObject({ findings_count: 0 });
  });

  /**
   * Moves "Rows (Cable)" and "Incline Rows (Dumbbell)" into row by a merge, which keeps their ids and names
   * them "Row (Cable)" and "Incline Row (Dumbbell)", archives them, then renames row to rowing: the family
   * their ids were created in (rows) is no longer in their names.
   */
  async function mergedInArchivedThenRenamed(): Promise<{ plain: string; variant: string }> {
    const rows = [
      exerciseFixture("Rows (Cable)", ["cable"]),
      exerciseFixture("Incline Rows (Dumbbell)", ["dumbbell"], { family_slug: "rows" }),
    ];
    const row = exerciseFixture("Row (Barbell)", ["barbell"]);
    await seedCatalog(db, {
      exercises: [...rows, row],
      families: [computeFamilyRegistry("rows", rows), computeFamilyRegistry("row", [row])],
    });
    const ids = rows.map(({ id }) => id);
    for (const [type, payload] of [
      ["FAMILY_MERGE", { merge_config: { source_family: "rows", target_family: "row" } }],
      ["TARGETED_FIX", { exercise_doc_ids: ids, fix_type: "archive" }],
      ["FAMILY_RENAME_SLUG", { rename_config: { old_family_slug: "row", new_family_slug: "rowing" } }],
    ] as const)
      expect(await runJob(depsFor(db, "apply"), type, { mode: "apply", ...payload })).toMatchObject({ status: "succeeded" });
    const [plain, variant] = ids;
    expect(await exercise(db, plain)).toMatchObject({ name: "Row (Cable)", family_slug: "rowing", status: "deprecated" });
    return { plain, variant };
  }

  // Which family such a name came from is a guess (row, or incline_row for the variant): a wrong guess would write
  // another movement's name ("Back Squat (Trap Bar)" for a misfiled deadlift), so nothing is written.
  it.each(["plain", "variant"] as const)(
    "refuses to bring back a %s exercise a merge moved in, its id's family no longer in its name: RENAME_CONFLICT, nothing written",
    async (which) => {
      const moved = await mergedInArchivedThenRenamed();
      await refused(
        { exercise_doc_ids: [moved[which]], fix_type: "patch", fix_data: { patch: { status: "approved" } } },
        "needs_review",
        "RENAME_CONFLICT",
      );
    },
  );

  it("refuses to bring back a misfiled exercise after its family's slug rename: RENAME_CONFLICT, not another movement's name", async () => {
    const misfiled = archivedExerciseFixture("Deadlift (Trap Bar)", ["trap-bar"], { family_slug: "squat" });
    await seedDemo(db, { exercises: [misfiled] });
    const rename = { mode: "apply", rename_config: { old_family_slug: "squat", new_family_slug: "back_squat" } };
    expect(await runJob(depsFor(db, "apply"), "FAMILY_RENAME_SLUG", rename)).toMatchObject({ status: "succeeded" });
    expect(await exercise(db, misfiled.id)).toMatchObject({ name: "Deadlift (Trap Bar)", family_slug: "back_squat" });
    await refused(
      { exercise_doc_ids: [misfiled.id], fix_type: "patch", fix_data: { patch: { status: "approved" } } },
      "needs_review",
      "RENAME_CONFLICT",
    );
  });

  it("refuses to bring back an exercise whose name cannot be rebased onto its family: RENAME_CONFLICT, nothing written", async () => {
    const misfiled = archivedExerciseFixture("Deadlift (Trap Bar)", ["trap-bar"], { family_slug: "squat" });
    await seedDemo(db, { exercises: [misfiled] });
    const run = await refused(
      { exercise_doc_ids: [misfiled.id], fix_type: "patch", fix_data: { patch: { status: "approved" } } },
      "needs_review",
      "RENAME_CONFLICT",
    );
    expect(run.error).toMatchObject({ details: { conflicts: [expect.objectContaining({ exercise_id: misfiled.id, kind: "name" })] } });
  });

  describe("lists the names it leaves that the quality scanner's name check fails", () => {
    it("after a rename its family's naming rule allows, and warns in the attempt log", async () => {
      // leg_press is single-equipment: its naming rule asks no suffix, the scanner asks every name for one.
      const id = "leg_press__single-leg-press-machine";
      await seedDemo(db);
      const { summary, events } = await succeeded({
        exercise_doc_ids: [id],
        fix_type: "rename",
        fix_data: { new_name: "Unilateral Leg Press" },
      });
      const failing = [
        { exercise_id: id, name: "Unilateral Leg Press", problem: expect.stringContaining('lacks the "(Equipment)" suffix') },
      ];
      expect(summary).toMatchObject({ names_failing_scanner: failing });
      expect(events).toContainEqual(
        expect.objectContaining({ event: "names_failing_scanner", details: expect.objectContaining({ exercises: failing }) }),
      );
      if (mode === "dry_run") return;
      // The scan's own finding, word for word.
      const [{ problem }] = summary.names_failing_scanner as Array<{ problem: string }>;
      expect(heuristicScoreExercise((await exercise(db, id)) ?? {}).hard_failures).toContainEqual(
        expect.objectContaining({ check: "canonical_name", message: problem }),
      );
    });

    it("after bringing back an exercise whose name its single-equipment family's rule allows", async () => {
      const shrug = archivedExerciseFixture("Shrug", ["barbell"]);
      await seedDemo(db, { exercises: [shrug, exerciseFixture("Wide Shrug (Barbell)", ["barbell"], { family_slug: "shrug" })] });
      const { summary } = await succeeded({ exercise_doc_ids: [shrug.id], fix_type: "patch", fix_data: { patch: { status: "approved" } } });
      expect(summary).toMatchObject({
        names_failing_scanner: [{ exercise_id: shrug.id, name: "Shrug", problem: expect.stringContaining("suffix") }],
      });
      expect(summary).not.toHaveProperty("renamed");
    });

    it("none after a rename to the suffixed name", async () => {
      await seedDemo(db);
      const { summary, events } = await succeeded({
        exercise_doc_ids: ["leg_press__single-leg-press-machine"],
        fix_type: "rename",
        fix_data: { new_name: "Unilateral Leg Press (Machine)" },
      });
      expect(summary).not.toHaveProperty("names_failing_scanner");
      expect(events.map(({ event }) => event)).not.toContain("names_failing_scanner");
    });
  });
});
