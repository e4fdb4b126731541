import { exerciseFixture, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { useFirestore } from "../helpers/firestore";
import { registry } from "../../src/handlers";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { canonicalJson } from "../../src/util/document-diff";
import { MODES, ROWS_MERGED_INTO_ROW, alias, depsFor, exercise, family, runJob, seedDemo } from "./support";

const db = useFirestore();

/** The catalog's exercises and aliases, as JSON: what a registry-only normalisation leaves as they are. */
async function exercisesAndAliases(): Promise<string> {
  const docs = async (collection: string) => (await db.collection(collection).get()).docs.map((doc) => [doc.id, doc.data()]);
  return canonicalJson([await docs(CATALOG_COLLECTIONS.exercises), await docs(CATALOG_COLLECTIONS.aliases)]);
}

describe("FAMILY_NORMALIZE's payload", () => {
  it("takes registry_only as a boolean and refuses anything else", () => {
    const parse = (registryOnly: unknown) =>
      registry.parseRequest({ type: "FAMILY_NORMALIZE", payload: { family_slug: "squat", registry_only: registryOnly } });
    expect(parse(true)).toMatchObject({ ok: true, value: { payload: { mode: "dry_run", family_slug: "squat", registry_only: true } } });
    expect(parse("yes")).toMatchObject({ ok: false, issues: [expect.objectContaining({ path: "payload.registry_only" })] });
  });
});

describe.each(MODES)("FAMILY_NORMALIZE (%s)", (mode) => {
  it("gives a multi-equipment family canonical names, keeps old slugs as aliases and writes its registry", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_NORMALIZE", { mode, family_slug: "biceps_curl" });

    expect(run.lockKeys).toEqual(["family:biceps_curl"]);
    expect(run.summary).toMatchObject({ family_slug: "biceps_curl", renamed: 1 });
    // "Biceps Curl" would become "Biceps Curl (Barbell)", whose slug a broken alias holds: left for review.
    expect(run.summary.unresolved).toMatchObject({
      findings: expect.arrayContaining([expect.objectContaining({ code: "name_collision" })]),
    });
    if (mode === "dry_run") {
      expect(run.status).toBe("succeeded_dry_run");
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    expect(run.status).toBe("succeeded");
    expect(await exercise(db, "biceps_curl__alternating-biceps-curl")).toMatchObject({
      name: "Alternating Biceps Curl (Dumbbell)",
      name_slug: "alternating-biceps-curl-dumbbell",
    });
    expect(await alias(db, "alternating-biceps-curl")).toMatchObject({
      exercise_id: "biceps_curl__alternating-biceps-curl",
      is_family_alias: false,
    });
    expect(await family(db, "biceps_curl")).toMatchObject({
      status: "active",
      exercise_count: 4,
      primary_equipment: ["barbell", "cable", "dumbbell", "ez-bar"],
    });
  });

  it("normalises the rest of a family whose member's old slug is an alias of another family, leaving that one for review", async () => {
    // "Row" would become "Row (Dumbbell)" and keep "row" as its alias, which leads to the plank family.
    await seedCatalog(db, {
      exercises: [
        exerciseFixture("Row (Barbell)", ["barbell"]),
        exerciseFixture("Row", ["dumbbell"]),
        exerciseFixture("Cable Row", ["cable"], { family_slug: "row" }),
        exerciseFixture("Plank", ["bodyweight"]),
      ],
      aliases: [{ alias_slug: "row", family_slug: "plank", is_family_alias: true }],
    });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_NORMALIZE", { mode, family_slug: "row" });

    const aliasHeld = {
      code: "alias_held",
      exercise_ids: ["row__row"],
      message: '"Row" should be "Row (Dumbbell)", but its old slug must stay its alias, and "row" is an alias of family plank',
      suggestion: "Row (Dumbbell)",
      fix: "review",
    };
    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ renamed: 1, unresolved: { findings_count: 1, needs_review_count: 1, findings: [aliasHeld] } });
    // FAMILY_AUDIT, which the maintenance scan asks for such findings, reports it the same way.
    const audit = await runJob(depsFor(db, mode), "FAMILY_AUDIT", { mode, family_slug: "row" });
    expect(audit.summary.findings).toContainEqual(aliasHeld);
    if (mode === "dry_run") {
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    expect(audit.summary).toMatchObject({ findings_count: 1, needs_review_count: 1 });
    expect(await exercise(db, "row__cable-row")).toMatchObject({ name: "Row (Cable)", name_slug: "row-cable" });
    expect(await alias(db, "cable-row")).toMatchObject({ exercise_id: "row__cable-row" });
    expect(await exercise(db, "row__row")).toMatchObject({ name: "Row", name_slug: "row" });
    expect(await alias(db, "row")).toMatchObject({ family_slug: "plank" });
    expect(await family(db, "row")).toMatchObject({ status: "active", exercise_count: 3 });
  });

  it("takes over an alias of another exercise at a member's own name slug when renaming it: the alias shadowed that name", async () => {
    // "row" finds the live "Row" by its name, never the plank the alias names; the alias repair would delete it.
    await seedCatalog(db, {
      exercises: [
        exerciseFixture("Row (Barbell)", ["barbell"]),
        exerciseFixture("Row", ["dumbbell"]),
        exerciseFixture("Plank", ["bodyweight"]),
      ],
      aliases: [{ alias_slug: "row", exercise_id: "plank__plank", is_family_alias: false }],
    });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_NORMALIZE", { mode, family_slug: "row" });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ renamed: 1, unresolved: { findings_count: 0 } });
    if (mode === "dry_run") {
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    expect(await exercise(db, "row__row")).toMatchObject({ name: "Row (Dumbbell)", name_slug: "row-dumbbell" });
    expect(await alias(db, "row")).toMatchObject({ exercise_id: "row__row" });
    expect((await runJob(depsFor(db, mode), "FAMILY_AUDIT", { mode, family_slug: "row" })).summary).toMatchObject({ findings_count: 0 });
  });

  it("normalises the rest of a family that holds a misfiled exercise, leaving that one for review", async () => {
    const misfiled = exerciseFixture("Kettlebell Floor Press", ["kettlebell"], { family_slug: "biceps_curl" });
    await seedDemo(db, { exercises: [misfiled] });
    const before = await exercise(db, misfiled.id);
    const run = await runJob(depsFor(db, mode), "FAMILY_NORMALIZE", { mode, family_slug: "biceps_curl" });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ renamed: 1 });
    expect(run.summary.unresolved).toMatchObject({
      findings: expect.arrayContaining([
        expect.objectContaining({ code: "name_does_not_fit_family", exercise_ids: [misfiled.id] }),
        expect.objectContaining({ code: "non_canonical_name", exercise_ids: [misfiled.id], fix: "review" }),
      ]),
    });
    expect(await exercise(db, misfiled.id)).toEqual(before);
    if (mode === "apply")
      expect(await exercise(db, "biceps_curl__alternating-biceps-curl")).toMatchObject({ name: "Alternating Biceps Curl (Dumbbell)" });
  });

  it("leaves names the locked family-slug rule derives to their family as they are: an abbreviation, equipment named whole, an en dash", async () => {
    const legacy = [
      exerciseFixture("DB Bench Press", ["dumbbell"]),
      exerciseFixture("Elliptical Trainer", ["elliptical"]),
      exerciseFixture("90\u201390 Hip Switch", ["bodyweight"]),
    ];
    expect(legacy.map(({ family_slug }) => family_slug)).toEqual(["db_bench_press", "elliptical_trainer", "9090_hip_switch"]);
    await seedDemo(db, { exercises: legacy });
    for (const { id, family_slug } of legacy) {
      const before = await exercise(db, id);
      const run = await runJob(depsFor(db, mode), "FAMILY_NORMALIZE", { mode, family_slug });

      expect([family_slug, run.summary]).toMatchObject([family_slug, { renamed: 0, unresolved: { findings_count: 0 } }]);
      expect(await exercise(db, id)).toEqual(before);
    }
  });

  it("does not rename away a leading word that is not the primary equipment: it leaves that name for review", async () => {
    const dip = exerciseFixture("Dip", ["dip-station"]);
    const weighted = exerciseFixture("Weighted Dip", ["dip-station", "dip-belt"]);
    await seedDemo(db, { exercises: [dip, weighted] });
    const before = await exercise(db, weighted.id);
    const run = await runJob(depsFor(db, mode), "FAMILY_NORMALIZE", { mode, family_slug: "dip" });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ renamed: 0 });
    expect(run.summary.unresolved).toMatchObject({
      findings: [{ code: "non_canonical_name", exercise_ids: [weighted.id], fix: "review" }],
    });
    expect(run.summary.unresolved).not.toHaveProperty("findings.0.suggestion");
    // "Dip (Dip Station)" would read as the plain Dip: the name stays, and no alias is written for it.
    expect(await exercise(db, weighted.id)).toEqual(before);
    expect(await alias(db, weighted.name_slug as string)).toBeNull();
  });

  it("does not rename away the word a suffix names that is not the primary equipment: it leaves that name for review", async () => {
    const weighted = exerciseFixture("Pull-Up (Weighted)", ["pull-up-bar", "dip-belt"]);
    await seedDemo(db, { exercises: [weighted] });
    const before = await exercise(db, weighted.id);
    const run = await runJob(depsFor(db, mode), "FAMILY_NORMALIZE", { mode, family_slug: "pull_up" });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ renamed: 0 });
    expect(run.summary.unresolved).toMatchObject({
      findings: [{ code: "non_canonical_name", exercise_ids: [weighted.id], fix: "review" }],
    });
    expect(run.summary.unresolved).not.toHaveProperty("findings.0.suggestion");
    // "Pull-Up (Pull-Up Bar)" would read as the plain Pull-Up: the name stays, and no alias is written for it.
    expect(await exercise(db, weighted.id)).toEqual(before);
    expect(await alias(db, weighted.name_slug as string)).toBeNull();
  });

  it("with registry_only recomputes the registry and nothing else: no renames, no equipment patches, no aliases", async () => {
    // Normalised in full, hip_thrust renames "Barbell Hip Thrust" and normalises the dumbbell variant's equipment.
    const dumbbell = exerciseFixture("Hip Thrust (Dumbbell)", ["Dumbbells"], { family_slug: "hip_thrust" });
    await seedDemo(db, { exercises: [dumbbell] });
    const full = await runJob(depsFor(db, "dry_run"), "FAMILY_NORMALIZE", { mode: "dry_run", family_slug: "hip_thrust" });
    expect(full.summary).toMatchObject({ renamed: 1, equipment_normalised: 1 });
    const before = await exercisesAndAliases();
    const run = await runJob(depsFor(db, mode), "FAMILY_NORMALIZE", { mode, family_slug: "hip_thrust", registry_only: true });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.lockKeys).toEqual(["family:hip_thrust"]);
    expect(run.summary).toMatchObject({
      renamed: 0,
      equipment_normalised: 0,
      operations: 1,
      changes_preview: [expect.stringMatching(/^update_family_registry /)],
    });
    expect(await exercisesAndAliases()).toBe(before);
    if (mode === "apply")
      expect(await family(db, "hip_thrust")).toMatchObject({ status: "active", primary_equipment: ["barbell", "dumbbell"] });
    else expect(await family(db, "hip_thrust")).toBeNull();
  });

  it("changes nothing in a family that is already canonical", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_NORMALIZE", { mode, family_slug: "bench_press" });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ renamed: 0, equipment_normalised: 0, operations: 1, no_change: 1 });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("says a family merged away is merged, and into which family, when it has nothing to normalise", async () => {
    await seedDemo(db, ROWS_MERGED_INTO_ROW);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_NORMALIZE", { mode, family_slug: "rows" });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ family_slug: "rows", family_status: "merged", merged_into: "row", renamed: 0, no_change: 1 });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails a family that does not exist with FAMILY_NOT_FOUND, writing nothing", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_NORMALIZE", { mode, family_slug: "no_such_family" });

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "FAMILY_NOT_FOUND", transient: false });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("fails a family slug that is a family alias with FAMILY_NOT_FOUND, naming the family to normalise instead", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    // The demo's `bent_over_row` is an alias of the family `row`.
    const run = await runJob(depsFor(db, mode), "FAMILY_NORMALIZE", { mode, family_slug: "bent_over_row" });

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({
      code: "FAMILY_NOT_FOUND",
      message: `family bent_over_row has no exercises and no registry entry: "bent_over_row" is an alias of family row; use row`,
    });
    expect(await snapshotCatalog(db)).toBe(before);
  });
});
