import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { registry } from "../../src/handlers";
import { type CatalogSeed, archivedExerciseFixture, exerciseFixture, snapshotCatalog } from "../helpers/catalog";
import { leaseForTest } from "../helpers/engine";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";
import type { Mode } from "../../src/jobs/model";
import { MODES, alias, depsFor, exercise, family, runJob, seedDemo } from "./support";

const db = useFirestore();

describe.each(MODES)("TARGETED_FIX (%s)", (mode) => {
  const done = mode === "apply" ? "succeeded" : "succeeded_dry_run";

  /** Runs the fix; in dry_run asserts nothing was written and returns false, in apply returns true. */
  async function fix(payload: Record<string, unknown>) {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "TARGETED_FIX", { mode, ...payload });
    expect(run.status).toBe(done);
    if (mode === "dry_run") expect(await snapshotCatalog(db)).toBe(before);
    return run;
  }

  /** Runs the fix and asserts it changed nothing, the exercise named `unchanged`. */
  async function changesNothing(patch: Record<string, unknown>) {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "TARGETED_FIX", {
      mode,
      exercise_doc_ids: ["squat__squat-barbell"],
      fix_type: "patch",
      fix_data: { patch },
    });
    expect(run).toMatchObject({ status: done, summary: { changed: [], unchanged: ["squat__squat-barbell"], no_change: 1 } });
    expect(await snapshotCatalog(db)).toBe(before);
  }

  /** Runs the fix and asserts validation refused it with `error` (a `details.errors` entry), the catalog unchanged. */
  async function refusedAtValidation(payload: Record<string, unknown>, error: Record<string, unknown>) {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "TARGETED_FIX", { mode, ...payload });
    expect(run.status).toBe("needs_review");
    expect(run.error).toMatchObject({ code: "VALIDATION_FAILED", details: { errors: [expect.objectContaining(error)] } });
    expect(await snapshotCatalog(db)).toBe(before);
  }

  it("renames an exercise and keeps its old slug as an alias", async () => {
    const run = await fix({
      exercise_doc_ids: ["leg_press__single-leg-press-machine"],
      fix_type: "rename",
      fix_data: { new_name: "Unilateral Leg Press (Machine)" },
      reason: "clearer",
    });
    expect(run.lockKeys).toEqual(["family:leg_press"]);
    expect(run.summary).toMatchObject({ fix_type: "rename", changed: ["leg_press__single-leg-press-machine"] });
    if (mode === "dry_run") return;
    expect(await exercise(db, "leg_press__single-leg-press-machine")).toMatchObject({
      name: "Unilateral Leg Press (Machine)",
      name_slug: "unilateral-leg-press-machine",
    });
    expect(await alias(db, "single-leg-press-machine")).toMatchObject({ exercise_id: "leg_press__single-leg-press-machine" });
  });

  it("patches fields", async () => {
    const description = "A single-leg machine press that trains each leg on its own to even out strength between the sides.";
    const run = await fix({
      exercise_doc_ids: ["leg_press__single-leg-press-machine"],
      fix_type: "patch",
      fix_data: { patch: { description } },
    });
    // A dry run plans the same change it does not make.
    expect(run.summary).toMatchObject({ fix_type: "patch", changed: ["leg_press__single-leg-press-machine"] });
    if (mode === "dry_run") return;
    expect(await exercise(db, "leg_press__single-leg-press-machine")).toMatchObject({ description });
  });

  it("renormalises a patched muscle contribution whose shares do not sum to about 1, as enrichment does, and says so", async () => {
    const run = await fix({
      exercise_doc_ids: ["squat__squat-barbell"],
      fix_type: "patch",
      fix_data: { patch: { "muscles.contribution": { quadriceps: 3, glutes: 2 } } },
    });
    const shares = { quadriceps: 0.6, glutes: 0.4 };
    expect(run.summary).toMatchObject({ changed: ["squat__squat-barbell"], contribution_renormalized: { given_sum: 5, shares } });
    if (mode === "dry_run") return;
    expect((await exercise(db, "squat__squat-barbell"))?.muscles).toMatchObject({ contribution: shares });
  });

  it("renormalises the contribution of a muscles map set whole too", async () => {
    const muscles = { primary: ["quadriceps", "glutes"], category: ["legs"], contribution: { quadriceps: 0.3, glutes: 0.2 } };
    const run = await fix({ exercise_doc_ids: ["squat__squat-barbell"], fix_type: "patch", fix_data: { patch: { muscles } } });
    const shares = { quadriceps: 0.6, glutes: 0.4 };
    expect(run.summary).toMatchObject({ contribution_renormalized: { given_sum: 0.5, shares } });
    if (mode === "dry_run") return;
    expect((await exercise(db, "squat__squat-barbell"))?.muscles).toEqual({ ...muscles, contribution: shares });
  });

  it("renames to the naming rule's spelling of a new name given in other letter case or spacing, and says so", async () => {
    const run = await fix({
      exercise_doc_ids: ["squat__squat-barbell"],
      fix_type: "rename",
      fix_data: { new_name: "back  squat (barbell)" },
    });
    expect(run.summary).toMatchObject({
      changed: ["squat__squat-barbell"],
      normalized: { new_name: { given: "back  squat (barbell)", canonical: "Back Squat (Barbell)" } },
    });
    if (mode === "dry_run") return;
    expect(await exercise(db, "squat__squat-barbell")).toMatchObject({ name: "Back Squat (Barbell)", name_slug: "back-squat-barbell" });
  });

  it("leaves to validation a new name the naming rule would change in more than its spelling: no word is added or moved", async () => {
    await refusedAtValidation(
      { exercise_doc_ids: ["squat__squat-barbell"], fix_type: "rename", fix_data: { new_name: "barbell back squat" } },
      { code: "NON_CANONICAL_NAME", suggestion: "Back Squat (Barbell)" },
    );
  });

  it("writes patch values in canonical form (enum synonyms, muscle and equipment aliases), and says so", async () => {
    const run = await fix({
      exercise_doc_ids: ["squat__squat-barbell"],
      fix_type: "patch",
      fix_data: {
        patch: {
          "metadata.level": "Expert",
          "movement.split": "Lower Body",
          "muscles.primary": ["Quads", "quadriceps", "Glute"],
          "muscles.secondary": ["Hams", "Lower Back"],
          equipment: ["Barbells", "Smith Machine"],
        },
      },
    });
    expect(run.summary).toMatchObject({
      changed: ["squat__squat-barbell"],
      normalized: {
        "metadata.level": { given: "Expert", canonical: "advanced" },
        "movement.split": { given: "Lower Body", canonical: "lower" },
        "muscles.primary": { given: ["Quads", "quadriceps", "Glute"], canonical: ["quadriceps", "glutes"] },
        "muscles.secondary": { given: ["Hams", "Lower Back"], canonical: ["hamstrings", "erector spinae"] },
        equipment: { given: ["Barbells", "Smith Machine"], canonical: ["barbell", "smith-machine"] },
      },
    });
    if (mode === "dry_run") return;
    expect(await exercise(db, "squat__squat-barbell")).toMatchObject({
      equipment: ["barbell", "smith-machine"],
      metadata: { level: "advanced" },
      movement: { split: "lower" },
      muscles: { primary: ["quadriceps", "glutes"], secondary: ["hamstrings", "erector spinae"] },
    });
  });

  it("normalises the fields of a map set whole, renormalising its contribution under the canonical muscle names", async () => {
    const muscles = { primary: ["Quads"], category: ["Legs"], contribution: { Quads: 3, glutes: 2 } };
    const run = await fix({ exercise_doc_ids: ["squat__squat-barbell"], fix_type: "patch", fix_data: { patch: { muscles } } });
    const shares = { quadriceps: 0.6, glutes: 0.4 };
    expect(run.summary).toMatchObject({
      normalized: {
        "muscles.primary": { given: ["Quads"], canonical: ["quadriceps"] },
        "muscles.category": { given: ["Legs"], canonical: ["legs"] },
        "muscles.contribution": { given: { Quads: 3, glutes: 2 }, canonical: { quadriceps: 3, glutes: 2 } },
      },
      contribution_renormalized: { given_sum: 5, shares },
    });
    if (mode === "dry_run") return;
    expect((await exercise(db, "squat__squat-barbell"))?.muscles).toEqual({
      primary: ["quadriceps"],
      category: ["legs"],
      contribution: shares,
    });
  });

  it("writes boolean words and percentage shares in canonical form, as enrichment does", async () => {
    const run = await fix({
      exercise_doc_ids: ["squat__squat-barbell"],
      fix_type: "patch",
      fix_data: { patch: { "metadata.unilateral": "Yes", "muscles.contribution": { Quads: "60%", glutes: "40%" } } },
    });
    const shares = { quadriceps: 0.6, glutes: 0.4 };
    expect(run.summary).toMatchObject({
      changed: ["squat__squat-barbell"],
      normalized: {
        "metadata.unilateral": { given: "Yes", canonical: true },
        "muscles.contribution": { given: { Quads: "60%", glutes: "40%" }, canonical: shares },
      },
    });
    if (mode === "dry_run") return;
    expect(await exercise(db, "squat__squat-barbell")).toMatchObject({ metadata: { unilateral: true }, muscles: { contribution: shares } });
  });

  it("writes a patched status in canonical form whatever its letter case or spacing, and says so", async () => {
    const run = await fix({ exercise_doc_ids: ["squat__squat-barbell"], fix_type: "patch", fix_data: { patch: { status: " Draft " } } });
    expect(run).toMatchObject({
      error: null,
      summary: { changed: ["squat__squat-barbell"], normalized: { status: { given: " Draft ", canonical: "draft" } } },
    });
    if (mode === "dry_run") return;
    expect(await exercise(db, "squat__squat-barbell")).toMatchObject({ status: "draft" });
  });

  it("changes nothing when the values given are another spelling of the stored ones", async () => {
    await changesNothing({ category: "Multi-Joint", "movement.type": "Squatting", equipment: ["BB"] });
  });

  describe("renames where a patch of equipment or status makes the family's naming rule ask for another name", () => {
    const machine = exerciseFixture("Hip Abduction (Machine)", ["machine"]);
    const cable = exerciseFixture("Hip Abduction (Cable)", ["cable"]);

    /** Seeds the demo with `exercises` (and `extra`), runs the patch of `id`, and asserts nothing was written unless it applied. */
    async function patchOf(exercises: CatalogSeed["exercises"], id: string, patch: Record<string, unknown>, extra: CatalogSeed = {}) {
      await seedDemo(db, { exercises, ...extra });
      const before = await snapshotCatalog(db);
      const run = await runJob(depsFor(db, mode), "TARGETED_FIX", { mode, exercise_doc_ids: [id], fix_type: "patch", fix_data: { patch } });
      if (mode === "dry_run" || run.status !== done) expect(await snapshotCatalog(db)).toBe(before);
      return run;
    }

    it("corrects the primary equipment of an exercise whose name carries it, renaming it and keeping its old slug as an alias", async () => {
      const run = await patchOf([machine, cable], cable.id, { equipment: ["resistance band"] });
      expect(run).toMatchObject({ status: done, error: null });
      expect(run.summary).toMatchObject({
        changed: [cable.id],
        normalized: { equipment: { given: ["resistance band"], canonical: ["resistance-band"] } },
        renamed: [
          {
            exercise_id: cable.id,
            old_name: "Hip Abduction (Cable)",
            new_name: "Hip Abduction (Resistance Band)",
            because: 'canonical name once the patch makes its primary equipment "resistance-band"',
          },
        ],
      });
      if (mode === "dry_run") return;
      expect(await exercise(db, cable.id)).toMatchObject({
        name: "Hip Abduction (Resistance Band)",
        name_slug: "hip-abduction-resistance-band",
        equipment: ["resistance-band"],
      });
      expect(await alias(db, "hip-abduction-cable")).toMatchObject({ exercise_id: cable.id });
      expect(await exercise(db, machine.id)).toMatchObject({ name: "Hip Abduction (Machine)" });
    });

    it("brings an archived exercise back under the name its family, multi-equipment since, asks for", async () => {
      const shrug = archivedExerciseFixture("Shrug", ["barbell"]);
      const run = await patchOf(
        [shrug, exerciseFixture("Shrug (Dumbbell)", ["dumbbell"]), exerciseFixture("Shrug (Trap Bar)", ["trap-bar"])],
        shrug.id,
        { status: "approved" },
      );
      expect(run).toMatchObject({ status: done, error: null });
      expect(run.summary).toMatchObject({
        changed: [shrug.id],
        renamed: [
          {
            exercise_id: shrug.id,
            old_name: "Shrug",
            new_name: "Shrug (Barbell)",
            because: "canonical name in shrug once the patch brings it back",
          },
        ],
      });
      if (mode === "dry_run") return;
      const revived = await exercise(db, shrug.id);
      expect(revived).toMatchObject({ status: "approved", name: "Shrug (Barbell)", name_slug: "shrug-barbell" });
      expect(revived).not.toHaveProperty("deprecated_at");
      expect(await alias(db, "shrug")).toMatchObject({ exercise_id: shrug.id });
    });

    it("renames the family's other members when the patch makes it multi-equipment, as an added exercise does", async () => {
      const plain = exerciseFixture("Good Morning", ["barbell"]);
      const seated = exerciseFixture("Seated Good Morning", ["barbell"], { family_slug: "good_morning" });
      const run = await patchOf([plain, seated], seated.id, { equipment: ["dumbbell"] });
      expect(run).toMatchObject({ status: done, error: null });
      const renamed = run.summary.renamed as { exercise_id: string; new_name: string; because: string }[];
      expect(renamed).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            exercise_id: plain.id,
            new_name: "Good Morning (Barbell)",
            because: "canonical name once the patch makes good_morning multi-equipment",
          }),
          expect.objectContaining({ exercise_id: seated.id, new_name: "Seated Good Morning (Dumbbell)" }),
        ]),
      );
      expect(renamed).toHaveLength(2);
      if (mode === "dry_run") return;
      expect(await exercise(db, plain.id)).toMatchObject({ name: "Good Morning (Barbell)" });
      expect(await exercise(db, seated.id)).toMatchObject({ name: "Seated Good Morning (Dumbbell)", equipment: ["dumbbell"] });
      expect(await alias(db, "good-morning")).toMatchObject({ exercise_id: plain.id });
      expect(await alias(db, "seated-good-morning")).toMatchObject({ exercise_id: seated.id });
    });

    it("leaves a required name whose slug an alias of another exercise holds to review: RENAME_CONFLICT, nothing written", async () => {
      const taken = { alias_slug: "hip-abduction-resistance-band", exercise_id: "squat__squat-barbell", is_family_alias: false };
      const run = await patchOf([machine, cable], cable.id, { equipment: ["resistance-band"] }, { aliases: [taken] });
      expect(run).toMatchObject({
        status: "needs_review",
        error: { code: "RENAME_CONFLICT", details: { conflicts: [expect.objectContaining({ exercise_id: cable.id })] } },
      });
      expect(run.error?.message).toContain("hip-abduction-resistance-band");
    });

    it("refuses a patch onto the primary equipment another member uses, naming the pair: PATCH_EQUIPMENT_CONFLICT, nothing written", async () => {
      // Before the naming rule's "Hip Abduction (Machine)", whose slug the machine exercise holds, is judged.
      const band = exerciseFixture("Hip Abduction (Resistance Band)", ["resistance-band"]);
      const run = await patchOf([machine, cable, band], cable.id, { equipment: ["Machine"] });
      expect(run).toMatchObject({
        status: "needs_review",
        error: {
          code: "PATCH_EQUIPMENT_CONFLICT",
          details: { conflicts: [{ exercise_id: cable.id, kind: "equipment", with: machine.id, reason: expect.any(String) }] },
        },
      });
      expect(run.error?.message).toContain('both use the primary equipment "machine"');
    });

    it("leaves a name the rule faulted before the patch alone: an older problem, FAMILY_NORMALIZE's", async () => {
      // "Hip Abduction" lacks its suffix in a multi-equipment family already; a patch of its secondary equipment does not rename it.
      const legacy = exerciseFixture("Hip Abduction", ["cable"]);
      const run = await patchOf([machine, legacy], legacy.id, { equipment: ["cable", "resistance-band"] });
      expect(run).toMatchObject({ status: done, error: null, summary: { changed: [legacy.id] } });
      expect(run.summary).not.toHaveProperty("renamed");
    });
  });

  it("still refuses a patch value no normaliser makes canonical", async () => {
    await refusedAtValidation(
      { exercise_doc_ids: ["squat__squat-barbell"], fix_type: "patch", fix_data: { patch: { category: "Compund" } } },
      { code: "SCHEMA_INVALID", path: "category" },
    );
  });

  it("refuses a patch of equipment with a path under a stored list (a legacy muscles: [...]) for good, as validation words it", async () => {
    const legacy = exerciseFixture("Hip Abduction (Cable)", ["cable"], { muscles: ["glutes"] });
    await seedDemo(db, { exercises: [legacy] });
    const before = await snapshotCatalog(db);
    const patchOf = (patch: Record<string, unknown>) =>
      runJob(depsFor(db, mode), "TARGETED_FIX", { mode, exercise_doc_ids: [legacy.id], fix_type: "patch", fix_data: { patch } });
    const refusal = { code: "INVALID_PATH", message: 'cannot set "muscles.primary": "muscles" is not a map' };
    // Alone, the path is refused by validation...
    expect(await patchOf({ "muscles.primary": ["glutes"] })).toMatchObject({
      status: "needs_review",
      error: { code: "VALIDATION_FAILED", details: { errors: [expect.objectContaining(refusal)] } },
    });
    // ...with equipment, whose renames are worked out on the patched exercise first, by the plan: not an error retried.
    expect(await patchOf({ equipment: ["resistance-band"], "muscles.primary": ["glutes"] })).toMatchObject({
      status: "failed",
      error: {
        code: "INVALID_PATCH",
        transient: false,
        details: { refused: [{ ...refusal, path: "muscles.primary", target: `exercises/${legacy.id}` }] },
      },
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("refuses a path no patch may write in a patch of equipment too, before working out its renames", async () => {
    await seedDemo(db);
    const run = await runJob(depsFor(db, mode), "TARGETED_FIX", {
      mode,
      exercise_doc_ids: ["squat__squat-barbell"],
      fix_type: "patch",
      fix_data: { patch: { equipment: ["barbell", "squat-rack"], "muscles..primary": ["quadriceps"] } },
    });
    expect(run).toMatchObject({
      status: "failed",
      error: {
        code: "INVALID_PATCH",
        details: { refused: [expect.objectContaining({ code: "PATH_NOT_ALLOWED", path: "muscles..primary" })] },
      },
    });
  });

  it("archives exercises and recomputes their family's registry", async () => {
    const run = await fix({ exercise_doc_ids: ["squat__squat-smith-machine"], fix_type: "archive" });
    expect(run.summary).toMatchObject({ fix_type: "archive", changed: ["squat__squat-smith-machine"] });
    if (mode === "dry_run") return;
    expect(await exercise(db, "squat__squat-smith-machine")).toMatchObject({ status: "deprecated", deprecated_at: expect.anything() });
    expect(await family(db, "squat")).toMatchObject({ exercise_count: 4 });
  });

  it("marks an exercise merged into another and points its aliases there", async () => {
    const run = await fix({
      exercise_doc_ids: ["squat__squat-dumbbell"],
      fix_type: "mark_merged",
      fix_data: { merged_into: "squat__squat-kettlebell" },
    });
    expect(run.summary).toMatchObject({ fix_type: "mark_merged", changed: expect.arrayContaining(["squat__squat-dumbbell"]) });
    if (mode === "dry_run") return;
    expect(await exercise(db, "squat__squat-dumbbell")).toMatchObject({ status: "merged", merged_into: "squat__squat-kettlebell" });
    expect(await alias(db, "goblet-squat")).toMatchObject({ exercise_id: "squat__squat-kettlebell" });
  });

  const markMerged = (runMode: Mode, id: string, into: string) =>
    runJob(depsFor(db, runMode), "TARGETED_FIX", {
      mode: runMode,
      exercise_doc_ids: [id],
      fix_type: "mark_merged",
      fix_data: { merged_into: into },
    });

  it("re-points the exercises merged earlier into one it marks merged, so none is left merged into a retired exercise", async () => {
    await seedDemo(db);
    // The first merge applied in either mode: the second is the one a dry run previews.
    expect(await markMerged("apply", "row__row-machine", "row__row-cable")).toMatchObject({ status: "succeeded" });
    const before = await snapshotCatalog(db);

    const run = await markMerged(mode, "row__row-cable", "row__row-dumbbell");
    expect(run).toMatchObject({ status: done, summary: { changed: ["row__row-cable"] } });
    expect(run.summary.changes_preview).toContain("patch_fields exercises/row__row-machine");
    if (mode === "dry_run") {
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    expect(await exercise(db, "row__row-cable")).toMatchObject({ status: "merged", merged_into: "row__row-dumbbell" });
    expect(await exercise(db, "row__row-machine")).toMatchObject({ status: "merged", merged_into: "row__row-dumbbell" });
  });

  it("locks the family of an exercise merged earlier into one it marks merged, which it re-points", async () => {
    await seedDemo(db);
    // An exercise of another family merged into a row: the second merge patches it, in a family it names nowhere.
    expect(await markMerged("apply", "squat__squat-dumbbell", "row__row-cable")).toMatchObject({ status: "succeeded" });

    const run = await markMerged(mode, "row__row-cable", "row__row-dumbbell");
    expect(run).toMatchObject({ status: done, lockKeys: ["family:row", "family:squat"] });
    if (mode === "apply") expect(await exercise(db, "squat__squat-dumbbell")).toMatchObject({ merged_into: "row__row-dumbbell" });
  });

  it("treats an exercise named twice as named once", async () => {
    const run = await fix({
      exercise_doc_ids: ["squat__squat-smith-machine", "squat__squat-dumbbell", "squat__squat-smith-machine"],
      fix_type: "archive",
    });
    expect(run.summary).toMatchObject({ changed: ["squat__squat-smith-machine", "squat__squat-dumbbell"], unchanged: [] });
    if (mode === "dry_run") return;
    expect(await exercise(db, "squat__squat-smith-machine")).toMatchObject({ status: "deprecated" });
    expect(await family(db, "squat")).toMatchObject({ exercise_count: 3 });
  });

  it("changes nothing when the exercises already are as requested", async () => {
    await changesNothing({ category: "compound" });
  });

  it("fails on a missing exercise with EXERCISE_NOT_FOUND and writes nothing", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "TARGETED_FIX", {
      mode,
      exercise_doc_ids: ["squat__squat-barbell", "squat__no-such-squat"],
      fix_type: "archive",
    });

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "EXERCISE_NOT_FOUND", transient: false, details: { missing: ["squat__no-such-squat"] } });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("renames without an alias for the slug it was created with when another live exercise has taken it as its name", async () => {
    // shoulder_press__military-press left "military-press" long ago; a live Military Press has it now.
    await seedDemo(db, { exercises: [exerciseFixture("Military Press", ["barbell"], { family_slug: "military_press" })] });
    const run = await runJob(depsFor(db, mode), "TARGETED_FIX", {
      mode,
      exercise_doc_ids: ["shoulder_press__military-press"],
      fix_type: "rename",
      fix_data: { new_name: "Standing Shoulder Press (Smith Machine)" },
    });
    expect(run).toMatchObject({ status: done, error: null });
    if (mode === "dry_run") return;
    expect(await alias(db, "shoulder-press-smith-machine")).toMatchObject({ exercise_id: "shoulder_press__military-press" });
    expect(await alias(db, "military-press")).toBeNull();
  });

  it("refuses a patch that would retire an exercise: archive and mark_merged do it whole (a date, the aliases moved)", async () => {
    const deps = depsFor(db, mode);
    // A status in another letter case or spacing is the same status (the plan writes it canonical).
    const retiring = [
      { status: "merged", merged_into: "squat__squat-barbell" },
      { status: "deprecated" },
      { status: "Deprecated" },
      { status: " MERGED " },
      { deprecated_at: null },
    ];
    for (const patch of retiring) {
      const issues = deps.queue.requestIssues({
        type: "TARGETED_FIX",
        payload: { mode, exercise_doc_ids: ["squat__squat-dumbbell"], fix_type: "patch", fix_data: { patch } },
      });
      expect(issues).toEqual(
        expect.arrayContaining([expect.objectContaining({ message: expect.stringMatching(/^retire with fix_type/) })]),
      );
    }
    // Bringing an exercise back is a patch like any other.
    expect(
      deps.queue.requestIssues({
        type: "TARGETED_FIX",
        payload: { mode, exercise_doc_ids: ["squat__squat-dumbbell"], fix_type: "patch", fix_data: { patch: { status: "approved" } } },
      }),
    ).toBeNull();
  });

  it("refuses fix_data an archive would ignore: mark_merged is the fix that takes merged_into", () => {
    const issues = depsFor(db, mode).queue.requestIssues({
      type: "TARGETED_FIX",
      payload: {
        mode,
        exercise_doc_ids: ["squat__squat-dumbbell"],
        fix_type: "archive",
        fix_data: { merged_into: "squat__squat-barbell" },
      },
    });
    expect(issues).toEqual([expect.objectContaining({ message: expect.stringContaining("fix_type archive takes no fix_data") })]);
  });

  it("locks the merge target's family too, and takes its locks again when the target moved after it chose them", async () => {
    await seedDemo(db);
    const deps = depsFor(db, mode);
    const payload = {
      mode,
      exercise_doc_ids: ["squat__squat-dumbbell"],
      fix_type: "mark_merged",
      fix_data: { merged_into: "row__row-cable" },
    };
    const input = await leaseForTest(deps, { type: "TARGETED_FIX", payload });
    // The plan points aliases at the target: a FAMILY_MERGE of its family must not retire it meanwhile.
    expect(input.engine.lockKeys).toEqual(["family:squat", "family:row"]);
    await db.collection(CATALOG_COLLECTIONS.exercises).doc("row__row-cable").update({ family_slug: "lunge" });
    const before = await snapshotCatalog(db);

    const outcome = await registry.handlerFor("TARGETED_FIX").run(input);
    expect(outcome).toMatchObject({ kind: "deferred", reason: { code: "LOCKS_OUTDATED", details: { unlocked_families: ["lunge"] } } });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("reports the progress of an apply that runs longer than a second, and none of a quick one", async () => {
    await seedDemo(db);
    const ids = ["squat__squat-dumbbell", "squat__squat-smith-machine", "leg_press__single-leg-press-machine"];
    const patchOf = (description: string) => ({ mode, exercise_doc_ids: ids, fix_type: "patch", fix_data: { patch: { description } } });
    const quick = await runJob(depsFor(db, mode), "TARGETED_FIX", patchOf("A lower-body exercise, described here at length for the test."));
    expect(quick.status).toBe(done);
    expect((await depsFor(db, mode).queue.getJob(quick.jobId))?.progress ?? null).toBeNull();

    const input = await leaseForTest(depsFor(db, mode), {
      type: "TARGETED_FIX",
      payload: patchOf("A lower-body exercise, described here again at length for the test."),
    });
    // Each operation's transaction checks the lease first: slowed there, the apply runs past the quiet second.
    const fence: typeof input.engine.fence = async (tx) => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      await input.engine.fence(tx);
    };
    const outcome = await registry.handlerFor("TARGETED_FIX").run({ ...input, engine: { ...input.engine, fence } });
    expect(outcome).toMatchObject({ kind: "completed", status: done });
    const progress = (await input.deps.queue.getJob(input.job.id))?.progress ?? null;
    expect(progress).toEqual(mode === "apply" ? { done: 3, total: 3 } : null);
  });

  it("takes its locks again when an exercise moved to another family after it chose them", async () => {
    await seedDemo(db);
    const deps = depsFor(db, mode);
    const payload = { mode, exercise_doc_ids: ["squat__squat-dumbbell"], fix_type: "archive" };
    const input = await leaseForTest(deps, { type: "TARGETED_FIX", payload });
    expect(input.engine.lockKeys).toEqual(["family:squat"]);
    // Another job moves the exercise before this one holds the lock of its family.
    await db.collection(CATALOG_COLLECTIONS.exercises).doc("squat__squat-dumbbell").update({ family_slug: "lunge" });
    const before = await snapshotCatalog(db);

    const outcome = await registry.handlerFor("TARGETED_FIX").run(input);
    expect(outcome).toMatchObject({
      kind: "deferred",
      reason: { code: "LOCKS_OUTDATED", details: { unlocked_families: ["lunge"] } },
    });
    expect(await snapshotCatalog(db)).toBe(before);

    // Its next run chooses the locks of where the exercise is now, and fixes it.
    const again = await runJob(deps, "TARGETED_FIX", payload);
    expect(again).toMatchObject({ status: done, lockKeys: ["family:lunge"] });
  });
});

// The maintenance scan pages with cursors, which the fallback emulator does not implement.
describeWithFullEmulator("TARGETED_FIX (apply) of a chain of merges", () => {
  /** What the alias and maintenance scans find, as a dry run of each reports it. */
  async function scanFindings() {
    const aliasScan = await runJob(depsFor(db, "dry_run"), "ALIAS_INVARIANT_SCAN", { mode: "dry_run" });
    const maintenanceScan = await runJob(depsFor(db, "dry_run"), "MAINTENANCE_SCAN", { mode: "dry_run" });
    return {
      aliases: pick(aliasScan.summary, ["problems_by_kind", "problems_listed", "retired_target_slugs"]),
      families: pick(maintenanceScan.summary, ["families_with_problems", "findings_by_code"]),
    };
  }
  const pick = (summary: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((key) => [key, summary[key]]));

  it("ends with each merged exercise naming the live one, leaving nothing for the alias and maintenance scans to find", async () => {
    await seedDemo(db);
    const before = await scanFindings();
    for (const [id, into] of [
      ["row__row-machine", "row__row-cable"],
      ["row__row-cable", "row__row-dumbbell"],
    ]) {
      const run = await runJob(depsFor(db, "apply"), "TARGETED_FIX", {
        mode: "apply",
        exercise_doc_ids: [id],
        fix_type: "mark_merged",
        fix_data: { merged_into: into },
      });
      expect(run.status).toBe("succeeded");
    }
    for (const id of ["row__row-machine", "row__row-cable"])
      expect(await exercise(db, id)).toMatchObject({ status: "merged", merged_into: "row__row-dumbbell" });
    expect(await scanFindings()).toEqual(before);
  });
});
