import { DEMO_ALIASES, DEMO_EXERCISES, DEMO_FAMILIES } from "../../src/catalog/demo-catalog";
import { InvalidJobError } from "../../src/jobs/queue";
import { exerciseFixture, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { useFirestore } from "../helpers/firestore";
import { MODES, depsFor, endFollowUps, otherJobs, runJob, seedDemo } from "./support";

const db = useFirestore();

describe.each(MODES)("ALIAS_INVARIANT_SCAN (%s)", (mode) => {
  it("finds every broken alias and old slug without alias and asks for ALIAS_REPAIR", async () => {
    await seedDemo(db);
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({
      problems: 7,
      problems_by_kind: { orphaned: 2, both_targets: 1, no_target: 1, flag_mismatch: 1, missing_alias: 2 },
    });
    expect(run.summary.problems_listed).toEqual(
      expect.arrayContaining([
        { alias_slug: "kettlebell-bench-press", problem: "orphaned" },
        { alias_slug: "pec_deck", problem: "orphaned" },
        { alias_slug: "military-press", problem: "missing_alias" },
      ]),
    );
    expect(await snapshotCatalog(db)).toBe(before);
    const jobs = await otherJobs(db, run.jobId);
    if (mode === "dry_run") {
      expect(jobs).toEqual([]);
      return;
    }
    expect(jobs).toEqual([
      expect.objectContaining({
        type: "ALIAS_REPAIR",
        payload: expect.objectContaining({
          mode: "apply",
          alias_slugs: expect.arrayContaining(["db-curl", "military-press", "overhead-press"]),
        }),
        dedup_key: expect.stringMatching(/^ALIAS_REPAIR:/),
        created_by: "system:ALIAS_INVARIANT_SCAN",
      }),
    ]);
    const rerun = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });
    expect(rerun.summary).toMatchObject({ jobs_created: 0, jobs_deduplicated: 1 });

    // The repair ended leaving the aliases as they were (a person must decide): the same problems are not asked about again.
    await endFollowUps(db);
    const afterRepair = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });
    expect(afterRepair.summary).toMatchObject({ problems: 7, jobs_created: 0, jobs_deduplicated: 0, jobs_already_asked: 1 });
    // Another broken alias makes another batch, which is asked for.
    await seedCatalog(db, { aliases: [{ alias_slug: "lost-lift", exercise_id: "no-such-exercise", is_family_alias: false }] });
    const afterNewProblem = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });
    expect(afterNewProblem.summary).toMatchObject({ problems: 8, jobs_created: 1, jobs_already_asked: 0 });
  });

  it("reports a problem alias whose id is no alias slug (legacy data) and asks for the repair of the others", async () => {
    await seedDemo(db, { aliases: [{ alias_slug: "Bench-Press", exercise_id: "no-such-exercise", is_family_alias: false }] });
    const run = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ problems: 8, unrepairable_slugs: ["Bench-Press"], jobs_invalid: 0 });
    expect(run.summary).toMatchObject(mode === "apply" ? { jobs_created: 1 } : { jobs_would_create: 1 });
  });

  it("reports, without asking for its repair, an alias whose only fault is its flag while its exercise is archived", async () => {
    const archived = exerciseFixture("Curl (Band)", ["band"], { status: "deprecated" });
    await seedCatalog(db, {
      exercises: [...DEMO_EXERCISES, archived],
      aliases: [...DEMO_ALIASES, { alias_slug: "old-band-curl", exercise_id: archived.id, is_family_alias: true }],
      families: DEMO_FAMILIES,
    });
    const run = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });

    expect(run.summary).toMatchObject({ problems: 1, problems_by_kind: { flag_mismatch: 1 }, retired_target_slugs: ["old-band-curl"] });
    expect(run.summary).toMatchObject({ jobs_created: 0, jobs_would_create: 0 });
    expect(await otherJobs(db, run.jobId)).toEqual([]);
  });

  it("finds nothing wrong with the clean demo aliases", async () => {
    await seedCatalog(db, { exercises: DEMO_EXERCISES, aliases: DEMO_ALIASES, families: DEMO_FAMILIES });
    const run = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });

    expect(run.summary).toMatchObject({
      aliases_scanned: DEMO_ALIASES.length,
      exercises_scanned: DEMO_EXERCISES.length,
      problems: 0,
      jobs_created: 0,
      jobs_would_create: 0,
    });
    expect(await otherJobs(db, run.jobId)).toEqual([]);
  });

  it("rejects a payload with unknown keys before anything runs", async () => {
    await expect(
      depsFor(db, mode).queue.createJob({ type: "ALIAS_INVARIANT_SCAN", payload: { mode, alias_slugs: ["x"] }, created_by: "test" }),
    ).rejects.toBeInstanceOf(InvalidJobError);
  });
});
