import type { Firestore } from "firebase-admin/firestore";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { exerciseFixture, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";
import { type JobRun, MODES, depsFor, exercise, runJob, seedDemo } from "./support";

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

  it("keeps a deprecated field whose replacement only looks filled, saying why, and removes the rest", async () => {
    const legacy = [
      exerciseFixture("Squat (Barbell)", ["barbell"], {
        instructions: ["Stand tall", "Brace", "Sit down", "Drive up"],
        execution_notes: [""],
      }),
      exerciseFixture("Row (Barbell)", ["barbell"], { primary_muscles: ["lats"], muscles: { primary: "TODO", category: ["back"] } }),
      exerciseFixture("Curl (Dumbbell)", ["dumbbell"], {
        instructions: "Curl the weight up and lower it.",
        execution_notes: "see instructions",
      }),
      exerciseFixture("Dip", ["dip-station"], { instructions: [], execution_notes: null }),
    ];
    await seedCatalog(db, { exercises: legacy });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "SCHEMA_CLEANUP", { mode, exercise_doc_ids: legacy.map(({ id }) => id) });

    expect(run.status).toBe(done);
    expect(run.summary).toMatchObject({
      fields_removed: 1,
      fields_kept: 3,
      kept: [
        { exercise_id: "squat__squat-barbell", field: "instructions", reason: "its replacement execution_notes is still empty" },
        {
          exercise_id: "row__row-barbell",
          field: "primary_muscles",
          reason: expect.stringContaining("muscles.primary holds no valid value"),
        },
        {
          exercise_id: "curl__curl-dumbbell",
          field: "instructions",
          reason: expect.stringContaining("execution_notes holds no valid value"),
        },
      ],
    });
    if (mode === "dry_run") {
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    expect(await exercise(db, "squat__squat-barbell")).toHaveProperty("instructions");
    expect(await exercise(db, "row__row-barbell")).toHaveProperty("primary_muscles", ["lats"]);
    expect(await exercise(db, "curl__curl-dumbbell")).toHaveProperty("instructions");
    // An empty field has nothing to lose: it goes once its replacement exists, whatever that holds.
    expect(await exercise(db, "dip__dip")).not.toHaveProperty("instructions");
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

describeWithFullEmulator("SCHEMA_CLEANUP racing a curator", () => {
  const id = "squat__squat-barbell";

  it("refuses a removal STALE_PLAN when the replacement it relies on was emptied after the plan was frozen", async () => {
    await seedDemo(db);
    const instructions = "Stand tall, sit back and down, drive up through the heels.";
    await db.collection(CATALOG_COLLECTIONS.exercises).doc(id).update({ instructions });
    // A curator's fix, valid alone (instructions still hold the text), lands between the cleanup's frozen plan and its apply.
    let curatorFix: JobRun | undefined;
    const curatorAfterFreeze = beforeTransaction(async () => {
      if (curatorFix || !(await cleanupFrozen())) return;
      curatorFix = await runJob(depsFor(db, "apply"), "TARGETED_FIX", {
        mode: "apply",
        exercise_doc_ids: [id],
        fix_type: "patch",
        fix_data: { patch: { execution_notes: null } },
      });
    });

    const run = await runJob(depsFor(curatorAfterFreeze, "apply"), "SCHEMA_CLEANUP", {
      mode: "apply",
      exercise_doc_ids: [id],
      fields_to_remove: ["instructions"],
    });

    expect(curatorFix?.status).toBe("succeeded");
    expect(run).toMatchObject({
      status: "needs_review",
      error: {
        code: "TARGET_CHANGED",
        details: { failed: [expect.objectContaining({ operation_index: 0, code: "STALE_PLAN", path: "before.execution_notes" })] },
      },
    });
    expect(await exercise(db, id)).toMatchObject({ instructions });
  });

  /** Whether the cleanup job has frozen its plan (`plan_id` on the job): its next transaction applies it. */
  async function cleanupFrozen(): Promise<boolean> {
    const jobs = await db.collection(JOB_COLLECTIONS.jobs).where("type", "==", "SCHEMA_CLEANUP").get();
    return jobs.docs.some((job) => typeof job.get("plan_id") === "string");
  }

  /** `db` with `before()` run just before each of its transactions. */
  function beforeTransaction(before: () => Promise<void>): Firestore {
    return new Proxy(db, {
      get(target, prop) {
        if (prop !== "runTransaction") return Reflect.get(target, prop);
        return async (...args: Parameters<Firestore["runTransaction"]>) => {
          await before();
          return target.runTransaction(...args);
        };
      },
    });
  }
});
