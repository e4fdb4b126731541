import { DEMO_ALIASES, DEMO_EXERCISES, DEMO_FAMILIES } from "../../src/catalog/demo-catalog";
import { InvalidJobError } from "../../src/jobs/queue";
import { exerciseFixture, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { useFirestore, describeWithFullEmulator } from "../helpers/firestore";
import { MODES, depsFor, otherJobs, runJob, seedDemo } from "./support";

const db = useFirestore();

// Scans page with cursors, which the fallback emulator does not implement.
describeWithFullEmulator.each(MODES)("MAINTENANCE_SCAN (%s)", (mode) => {
  it("asks for FAMILY_NORMALIZE where normalising helps and FAMILY_AUDIT where a person must decide", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "MAINTENANCE_SCAN", { mode });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.lockKeys).toEqual([]);
    expect(run.summary).toMatchObject({ families_scanned: 14, families_with_problems: 6 });
    expect(run.summary.findings_by_code).toMatchObject({
      non_canonical_name: 2,
      shared_primary_equipment: 1,
      merged_without_target: 1,
      name_slug_mismatch: 1,
    });
    const keys = (run.summary.follow_ups as { dedup_key: string }[]).map((followUp) => followUp.dedup_key);
    expect(keys).toEqual(
      expect.arrayContaining([
        "FAMILY_NORMALIZE:hip_thrust",
        "FAMILY_NORMALIZE:biceps_curl",
        "FAMILY_AUDIT:biceps_curl",
        "FAMILY_AUDIT:shoulder_press",
      ]),
    );
    expect(keys).not.toContain("FAMILY_NORMALIZE:bench_press");
    expect(await snapshotCatalog(db)).toBe(before);

    const jobs = await otherJobs(db, run.jobId);
    if (mode === "dry_run") {
      expect(run.summary).toMatchObject({ jobs_created: 0, jobs_would_create: keys.length });
      expect(jobs).toEqual([]);
      return;
    }
    expect(run.summary).toMatchObject({ jobs_created: keys.length, jobs_deduplicated: 0 });
    expect(jobs).toHaveLength(keys.length);
    expect(jobs).toContainEqual(
      expect.objectContaining({
        type: "FAMILY_NORMALIZE",
        payload: { mode: "apply", family_slug: "hip_thrust" },
        dedup_key: "FAMILY_NORMALIZE:hip_thrust",
        created_by: "system:MAINTENANCE_SCAN",
        status: "queued",
      }),
    );

    // A rerun while those jobs are open creates nothing new.
    const rerun = await runJob(depsFor(db, mode), "MAINTENANCE_SCAN", { mode });
    expect(rerun.summary).toMatchObject({ jobs_created: 0, jobs_deduplicated: keys.length });
    expect(await otherJobs(db, rerun.jobId)).toHaveLength(keys.length + 1);
  });

  it("reports the follow-up of a family whose legacy slug no payload accepts, and goes on with the others", async () => {
    // Sorted first: a family slug with capitals, whose exercises need their names normalised.
    const legacy = ["Deadlift", "Deadlift (Dumbbell)"].map((name, i) => ({
      ...exerciseFixture(name, [i === 0 ? "barbell" : "dumbbell"]),
      id: `legacy-deadlift-${i}`,
      family_slug: "Dead-Lift",
    }));
    await seedDemo(db, { exercises: legacy });
    const run = await runJob(depsFor(db, mode), "MAINTENANCE_SCAN", { mode });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ families_scanned: 15, families_with_problems: 7 });
    const followUps = run.summary.follow_ups as { dedup_key: string; outcome: string; issues?: unknown[] }[];
    expect(followUps).toContainEqual(
      expect.objectContaining({
        dedup_key: "FAMILY_NORMALIZE:Dead-Lift",
        outcome: "invalid",
        issues: [expect.objectContaining({ path: "payload.family_slug" })],
      }),
    );
    expect(followUps.filter((followUp) => followUp.outcome !== "invalid").length).toBeGreaterThanOrEqual(4);
    expect(run.summary.jobs_invalid).toBeGreaterThanOrEqual(1);
  });

  it("scans every family past a legacy exercise whose family_slug is not a string", async () => {
    const legacy = { ...exerciseFixture("Legacy Lift (Barbell)", ["barbell"]), id: "legacy_lift", family_slug: null };
    await seedCatalog(db, { exercises: [...DEMO_EXERCISES, legacy], aliases: DEMO_ALIASES, families: DEMO_FAMILIES });
    const run = await runJob(depsFor(db, mode), "MAINTENANCE_SCAN", { mode });

    expect(run.summary).toMatchObject({ families_scanned: 8 });
  });

  it("finds nothing to do in a clean catalog", async () => {
    await seedCatalog(db, { exercises: DEMO_EXERCISES, aliases: DEMO_ALIASES, families: DEMO_FAMILIES });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "MAINTENANCE_SCAN", { mode });

    expect(run.summary).toMatchObject({
      families_scanned: 8,
      families_with_problems: 0,
      findings: 0,
      jobs_created: 0,
      jobs_would_create: 0,
    });
    expect(await otherJobs(db, run.jobId)).toEqual([]);
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("acts on at most family_limit families with problems and names where it stopped", async () => {
    await seedDemo(db);
    const run = await runJob(depsFor(db, mode), "MAINTENANCE_SCAN", { mode, family_limit: 1 });

    expect(run.summary).toMatchObject({
      families_with_problems: 1,
      family_limit: 1,
      stopped_at_family_limit: true,
      next_family: expect.any(String),
    });
  });

  it("rejects an invalid payload before anything runs", async () => {
    const deps = depsFor(db, mode);
    await expect(
      deps.queue.createJob({ type: "MAINTENANCE_SCAN", payload: { mode, family_limit: 0 }, created_by: "test" }),
    ).rejects.toBeInstanceOf(InvalidJobError);
    await expect(
      deps.queue.createJob({ type: "MAINTENANCE_SCAN", payload: { mode, families: ["row"] }, created_by: "test" }),
    ).rejects.toBeInstanceOf(InvalidJobError);
  });
});
