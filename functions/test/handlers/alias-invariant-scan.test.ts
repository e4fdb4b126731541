import { DEMO_ALIASES, DEMO_EXERCISES, DEMO_FAMILIES } from "../../src/catalog/demo-catalog";
import { APPLY_DISABLED } from "../../src/jobs/outcomes";
import { InvalidJobError } from "../../src/jobs/queue";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import type { DocData } from "../../src/util/object-paths";
import type { DocumentSnapshot } from "firebase-admin/firestore";
import { registry } from "../../src/handlers";
import { exerciseFixture, retiredFamilyFixture, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { leaseForTest, recordingProgress } from "../helpers/engine";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";
import { ALIAS_REPAIR_BATCH, aliasRepairGroup } from "../../src/handlers/plans/alias-invariant-scan";
import { MODES, alias, cancelledAtFollowUp, depsFor, endFollowUps, otherJobs, runJob, seedDemo } from "./support";

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
    // Every problem here is one ALIAS_REPAIR can be asked to repair.
    const repairable = (run.summary.problems_listed as { alias_slug: string }[]).map(({ alias_slug }) => alias_slug);
    expect(repairable).toHaveLength(7);
    // One job per group of slugs (by a hash of the slug), which together name every repairable alias.
    const groups = new Set(repairable.map(aliasRepairGroup));
    expect(jobs).toHaveLength(groups.size);
    for (const job of jobs)
      expect(job).toMatchObject({
        type: "ALIAS_REPAIR",
        payload: { mode: "apply" },
        dedup_key: expect.stringMatching(/^ALIAS_REPAIR:/),
        created_by: "system:ALIAS_INVARIANT_SCAN",
        // Not ALIAS_REPAIR's default (priority): background work stays background.
        queue: "maintenance",
      });
    expect(jobs.flatMap((job) => (job.payload as { alias_slugs: string[] }).alias_slugs).sort()).toEqual([...repairable].sort());
    const rerun = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });
    expect(rerun.summary).toMatchObject({ jobs_created: 0, jobs_deduplicated: groups.size });

    // The repairs ended leaving the aliases as they were (a person must decide): the same problems are not asked about again.
    await endFollowUps(db);
    const afterRepair = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });
    expect(afterRepair.summary).toMatchObject({ problems: 7, jobs_created: 0, jobs_deduplicated: 0, jobs_already_answered: groups.size });
    // Another broken alias is asked about alone: the others stay answered.
    const lost = "lost-lift";
    await seedCatalog(db, { aliases: [{ alias_slug: lost, exercise_id: "no-such-exercise", is_family_alias: false }] });
    const afterNewProblem = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });
    expect(afterNewProblem.summary).toMatchObject({ problems: 8, jobs_created: 1, jobs_already_answered: groups.size });
    const [newRepair] = (await otherJobs(db, afterNewProblem.jobId)).filter((job) => job.status === "queued");
    expect(newRepair.payload).toEqual({ mode: "apply", alias_slugs: [lost] });
  });

  it("takes no old slug that another live exercise now has as its own name for a missing alias", async () => {
    // military-press is the slug shoulder_press__military-press was created with and has left.
    await seedDemo(db, { exercises: [exerciseFixture("Military Press", ["barbell"], { family_slug: "military_press" })] });
    const run = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });
    expect(run.summary.problems_listed).not.toContainEqual({ alias_slug: "military-press", problem: "missing_alias" });
    expect(run.summary).toMatchObject({ problems: 6, problems_by_kind: { missing_alias: 1 } });
  });

  it("reports a problem alias whose id is no alias slug (legacy data) and asks for the repair of the others", async () => {
    await seedDemo(db, { aliases: [{ alias_slug: "Bench-Press", exercise_id: "no-such-exercise", is_family_alias: false }] });
    const run = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ problems: 8, unrepairable_slugs: ["Bench-Press"], jobs_invalid: 0 });
    // The seven others are asked for, in their groups (the legacy alias in none).
    const groups = new Set(
      (run.summary.problems_listed as { alias_slug: string }[])
        .map(({ alias_slug }) => alias_slug)
        .filter((slug) => slug !== "Bench-Press")
        .map(aliasRepairGroup),
    );
    expect(run.summary).toMatchObject(mode === "apply" ? { jobs_created: groups.size } : { jobs_would_create: groups.size });
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

  it("reports, without asking for its repair, a family alias whose only fault is its flag while its family has only retired exercises", async () => {
    await seedCatalog(db, {
      exercises: [...DEMO_EXERCISES, exerciseFixture("Seal Row (Barbell)", ["barbell"], { family_slug: "seal_row", status: "deprecated" })],
      aliases: [...DEMO_ALIASES, { alias_slug: "seal_rows", family_slug: "seal_row", is_family_alias: false }],
      families: DEMO_FAMILIES,
    });
    const run = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });

    expect(run.summary).toMatchObject({ problems: 1, problems_by_kind: { flag_mismatch: 1 }, retired_target_slugs: ["seal_rows"] });
    expect(run.summary).toMatchObject({ jobs_created: 0, jobs_would_create: 0 });
    expect(await otherJobs(db, run.jobId)).toEqual([]);
  });

  it("reports, without asking for their repair, aliases whose merged target's merges end at an archived exercise or deprecated family", async () => {
    const archived = exerciseFixture("Goblet Squat (Kettlebell)", ["kettlebell"], { family_slug: "squat", status: "deprecated" });
    const merged = exerciseFixture("KB Goblet Squat", ["kettlebell"], { family_slug: "squat", status: "merged", merged_into: archived.id });
    await seedCatalog(db, {
      exercises: [...DEMO_EXERCISES, archived, merged],
      aliases: [
        ...DEMO_ALIASES,
        { alias_slug: "kb-goblet", exercise_id: merged.id, is_family_alias: false },
        { alias_slug: "old_rows", family_slug: "rows_old", is_family_alias: true },
      ],
      families: [...DEMO_FAMILIES, retiredFamilyFixture("rows_old", "rows_dead"), retiredFamilyFixture("rows_dead")],
    });
    const run = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });

    // ALIAS_REPAIR would leave them to a person (ALIAS_TARGET_RETIRED): asking at every run would only repeat that.
    expect(run.summary).toMatchObject({ problems: 2, problems_by_kind: { merged_target: 2 } });
    expect([...(run.summary.retired_target_slugs as string[])].sort()).toEqual(["kb-goblet", "old_rows"]);
    expect(run.summary).toMatchObject({ jobs_created: 0, jobs_would_create: 0 });
    expect(await otherJobs(db, run.jobId)).toEqual([]);
  });

  it("finds an alias of another live exercise's own name slug and asks for its repair, which deletes it", async () => {
    const shadowing = { alias_slug: "deadlift-barbell", exercise_id: "squat__squat-dumbbell", is_family_alias: false };
    await seedCatalog(db, { exercises: DEMO_EXERCISES, aliases: [...DEMO_ALIASES, shadowing], families: DEMO_FAMILIES });
    const run = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });

    expect(run.summary).toMatchObject({ problems: 1, problems_listed: [{ alias_slug: "deadlift-barbell", problem: "shadows_name" }] });
    if (mode === "dry_run") {
      expect(run.summary).toMatchObject({ jobs_would_create: 1 });
      return;
    }
    const [job] = await otherJobs(db, run.jobId);
    expect(job).toMatchObject({ type: "ALIAS_REPAIR", payload: { mode: "apply", alias_slugs: ["deadlift-barbell"] } });
    const repair = await runJob(depsFor(db, mode), "ALIAS_REPAIR", job.payload as Record<string, unknown>);
    expect(repair.status).toBe("succeeded");
    expect(await alias(db, "deadlift-barbell")).toBeNull();
  });

  it("finds an alias of its own target's slug and asks for its repair, which deletes it", async () => {
    const ownSlugs = [
      { alias_slug: "squat-barbell", exercise_id: "squat__squat-barbell", is_family_alias: false },
      { alias_slug: "squat", family_slug: "squat", is_family_alias: true },
    ];
    await seedCatalog(db, { exercises: DEMO_EXERCISES, aliases: [...DEMO_ALIASES, ...ownSlugs], families: DEMO_FAMILIES });
    const run = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });

    expect(run.summary).toMatchObject({ problems: 2, problems_by_kind: { own_slug: 2 } });
    if (mode === "dry_run") return;
    const repairs = await otherJobs(db, run.jobId);
    expect(repairs.flatMap((job) => (job.payload as { alias_slugs: string[] }).alias_slugs).sort()).toEqual(["squat", "squat-barbell"]);
    for (const job of repairs)
      expect((await runJob(depsFor(db, mode), "ALIAS_REPAIR", job.payload as Record<string, unknown>)).status).toBe("succeeded");
    for (const own of ownSlugs) expect(await alias(db, own.alias_slug)).toBeNull();
  });

  it.each([
    ["both live", {}, {}],
    ["the second merged into the first", {}, { status: "merged", merged_into: "bench_press__bench-press" }],
    ["the first merged into the second", { status: "merged", merged_into: "press__bench-press" }, {}],
  ])("counts once an old slug two exercises on different pages were created with, %s", async (_, firstStatus, secondStatus) => {
    // Both created as "Bench Press", in two families, and renamed since; "bench-press" has no alias.
    const first = exerciseFixture("Flat Bench Press", ["barbell"], {
      id: "bench_press__bench-press",
      family_slug: "bench_press",
      ...firstStatus,
    });
    const other = exerciseFixture("Press Bench", ["barbell"], { id: "press__bench-press", family_slug: "press", ...secondStatus });
    // Between the two by id: more than a page of exercises (200).
    const fillers = Array.from({ length: 210 }, (_, i) =>
      exerciseFixture(`Filler ${String(i).padStart(3, "0")}`, ["barbell"], { family_slug: "c_filler" }),
    );
    await seedCatalog(db, { exercises: [...DEMO_EXERCISES, first, ...fillers, other], aliases: DEMO_ALIASES, families: DEMO_FAMILIES });
    const run = await runJob(depsFor(db, mode), "ALIAS_INVARIANT_SCAN", { mode });

    expect(run.summary).toMatchObject({ problems: 1, problems_by_kind: { missing_alias: 1 } });
    expect(run.summary.problems_listed).toEqual([{ alias_slug: "bench-press", problem: "missing_alias" }]);
    if (mode === "apply")
      expect((await otherJobs(db, run.jobId)).map((job) => job.payload)).toEqual([{ mode: "apply", alias_slugs: ["bench-press"] }]);
  });

  it("reports, without asking for its repair, the old slug of a retired exercise that no live exercise succeeds", async () => {
    const live = exerciseFixture("Zottman Curl (Dumbbell)", ["dumbbell"]);
    // Each renamed away from the slug it was created with, which has no alias.
    const archived = exerciseFixture("Zottman Curl (Band)", ["band"], {
      id: "zottman_curl__band-zottman-curl",
      status: "deprecated",
      deprecated_at: new Date(),
    });
    const mergedIntoArchived = exerciseFixture("Zottman Curl (Plate)", ["plate"], {
      id: "zottman_curl__plate-zottman-curl",
      status: "merged",
      merged_into: archived.id,
    });
    const mergedIntoLive = exerciseFixture("Zottman Curl (Cable)", ["cable"], {
      id: "zottman_curl__cable-zottman-curl",
      status: "merged",
      merged_into: live.id,
    });
    await seedCatalog(db, {
      exercises: [...DEMO_EXERCISES, live, archived, mergedIntoArchived, mergedIntoLive],
      aliases: DEMO_ALIASES,
      families: DEMO_FAMILIES,
    });
    const deps = depsFor(db, mode);
    const aliasRepairs = async (exceptJobId: string) =>
      (await otherJobs(db, exceptJobId))
        .filter((job) => job.type === "ALIAS_REPAIR")
        .map((job) => job.payload as { alias_slugs: string[] });

    const run = await runJob(deps, "ALIAS_INVARIANT_SCAN", { mode });
    // Only the old slug of the one merged into a live exercise is asked for: its repair leads the slug there.
    if (mode === "apply") expect(await aliasRepairs(run.jobId)).toEqual([{ mode: "apply", alias_slugs: ["cable-zottman-curl"] }]);
    else expect(run.summary).toMatchObject({ jobs_would_create: 1 });
    // No alias may lead to a retired exercise: ALIAS_REPAIR would fail ALIAS_NOT_FOUND, answering nothing.
    expect(run.summary).toMatchObject({ problems: 3, problems_by_kind: { missing_alias: 3 } });
    expect([...((run.summary.retired_target_slugs ?? []) as string[])].sort()).toEqual(["band-zottman-curl", "plate-zottman-curl"]);
    if (mode === "dry_run") {
      expect(await otherJobs(db, run.jobId)).toEqual([]);
      return;
    }
    const rerun = await runJob(deps, "ALIAS_INVARIANT_SCAN", { mode });
    expect(rerun.summary).toMatchObject({ jobs_created: 0, retired_target_slugs: run.summary.retired_target_slugs });
    expect(await aliasRepairs(run.jobId)).toHaveLength(1);

    const repair = await runJob(deps, "ALIAS_REPAIR", { mode: "apply", alias_slugs: ["cable-zottman-curl"] });
    expect(repair.status).toBe("succeeded");
    expect(await alias(db, "cable-zottman-curl")).toMatchObject({ exercise_id: live.id });
    // What asking for the others would have come to.
    const doomed = await runJob(deps, "ALIAS_REPAIR", { mode: "apply", alias_slugs: ["band-zottman-curl", "plate-zottman-curl"] });
    expect(doomed).toMatchObject({ status: "failed", error: { code: "ALIAS_NOT_FOUND" } });
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

describe("ALIAS_INVARIANT_SCAN's repairs, alias by alias (apply)", () => {
  const deps = () => depsFor(db, "apply");
  const scan = () => runJob(deps(), "ALIAS_INVARIANT_SCAN", { mode: "apply" });
  const openRepairs = async () =>
    (await db.collection(JOB_COLLECTIONS.jobs).where("type", "==", "ALIAS_REPAIR").where("status", "==", "queued").get()).docs;
  const slugsOf = (job: DocumentSnapshot) => job.get("payload.alias_slugs") as string[];
  /** Runs the repair each open follow-up asks for, and ends the follow-up as its worker would. */
  const repairAll = async () => {
    for (const job of await openRepairs()) {
      const repair = await runJob(deps(), "ALIAS_REPAIR", job.get("payload") as Record<string, unknown>);
      await job.ref.update({ status: repair.status, error: repair.error, finished_at: new Date() });
    }
  };
  /** `count` slugs starting with `prefix` in the hash group of `slug` (`aliasRepairGroup`), in id order. */
  const slugsInGroupOf = (slug: string, prefix: string, count: number) =>
    Array.from({ length: 100 * count }, (_, i) => `${prefix}-${i}`)
      .filter((candidate) => aliasRepairGroup(candidate) === aliasRepairGroup(slug))
      .slice(0, count)
      .sort();
  const orphan = (slug: string) => ({ alias_slug: slug, exercise_id: "no_such__exercise", is_family_alias: false });
  // Two exercises merged into each other: ALIAS_REPAIR leaves an alias of either to a person (ALIAS_LOOP).
  const looped = exerciseFixture("Loop Move One (Dumbbell)", ["dumbbell"]);
  const loopMate = exerciseFixture("Loop Move Two (Dumbbell)", ["dumbbell"]);
  const loop = { alias_slug: "old-loop-move", exercise_id: looped.id, is_family_alias: false };
  const seedLoop = (aliases: DocData[]) =>
    seedCatalog(db, {
      exercises: [
        { ...looped, status: "merged", merged_into: loopMate.id },
        { ...loopMate, status: "merged", merged_into: looped.id },
        exerciseFixture("Live Move (Dumbbell)", ["dumbbell"]),
      ],
      aliases: [loop, ...aliases],
    });

  it("does not ask again about an alias its repair left to a person when another alias of its batch is fixed or breaks", async () => {
    const [fixed, broken] = slugsInGroupOf(loop.alias_slug, "gone-move", 2);
    await seedLoop([orphan(fixed)]);
    const first = await scan();
    const [repair] = await openRepairs();
    expect(first.summary).toMatchObject({ jobs_created: 1 });
    expect(slugsOf(repair).sort()).toEqual([fixed, loop.alias_slug].sort());
    // The repair deletes the orphan and leaves the loop to a person.
    await repairAll();
    expect((await repair.ref.get()).get("status")).toBe("needs_review");
    expect(await alias(db, fixed)).toBeNull();

    // The loop alone, unchanged: answered by that repair.
    const afterFix = await scan();
    expect(afterFix.summary).toMatchObject({ problems: 1, jobs_created: 0, jobs_already_answered: 1 });
    expect(afterFix.summary.follow_ups).toEqual([expect.objectContaining({ outcome: "already_answered", job_id: repair.id })]);

    // Another alias of its group breaks: it alone is asked about.
    await seedCatalog(db, { aliases: [orphan(broken)] });
    const afterBreak = await scan();
    expect(afterBreak.summary).toMatchObject({ problems: 2, jobs_created: 1, jobs_already_answered: 1 });
    expect((await openRepairs()).map(slugsOf)).toEqual([[broken]]);
    // While that repair is open, it holds its alias.
    expect((await scan()).summary).toMatchObject({ jobs_created: 0, jobs_deduplicated: 1, jobs_already_answered: 1 });

    // The loop found otherwise (its alias changed) is asked about again.
    await repairAll();
    await db.collection(CATALOG_COLLECTIONS.aliases).doc(loop.alias_slug).update({ exercise_id: loopMate.id });
    const afterChange = await scan();
    expect(afterChange.summary).toMatchObject({ problems: 1, jobs_created: 1 });
    expect((await openRepairs()).map(slugsOf)).toEqual([[loop.alias_slug]]);
  });

  it("never asks for an alias an open repair holds, however a group of more than a batch shifts", async () => {
    const orphans = slugsInGroupOf("any", "lost-lift", ALIAS_REPAIR_BATCH + 1);
    await seedCatalog(db, { aliases: orphans.map(orphan) });
    expect((await scan()).summary).toMatchObject({ jobs_created: 2 });
    const asked = (await openRepairs()).flatMap(slugsOf);
    expect(asked.sort()).toEqual(orphans);

    // The first one found is fixed: every batch after it would start one alias later.
    await db.collection(CATALOG_COLLECTIONS.aliases).doc(orphans[0]).delete();
    const rerun = await scan();
    expect(rerun.summary).toMatchObject({ problems: ALIAS_REPAIR_BATCH, jobs_created: 0, jobs_deduplicated: 2 });
    expect(await openRepairs()).toHaveLength(2);
  });

  it("claims, once it finds them answered, the aliases of a repair asked for before they were claimed one by one", async () => {
    const [mate] = slugsInGroupOf(loop.alias_slug, "gone-move", 1);
    await seedLoop([]);
    await scan();
    const [repair] = await openRepairs();
    // As a repair asked for before aliases had claims of their own: only its own key is claimed.
    const claims = await db.collection(JOB_COLLECTIONS.dedup).get();
    await Promise.all(claims.docs.filter((claim) => claim.get("dedup_key") !== repair.get("dedup_key")).map((claim) => claim.ref.delete()));
    await repairAll();

    // Its batch, unchanged, is answered under its key; its alias is claimed then, so a new batch-mate leaves it out.
    expect((await scan()).summary).toMatchObject({ jobs_created: 0, jobs_already_answered: 1 });
    await seedCatalog(db, { aliases: [orphan(mate)] });
    expect((await scan()).summary).toMatchObject({ jobs_created: 1, jobs_already_answered: 1 });
    expect((await openRepairs()).map(slugsOf)).toEqual([[mate]]);
  });
});

describe("ALIAS_INVARIANT_SCAN in apply mode while applying is off", () => {
  it("ends APPLY_DISABLED without scanning, instead of asking for repairs that would each end so", async () => {
    await seedDemo(db);
    const run = await runJob(depsFor(db, "dry_run"), "ALIAS_INVARIANT_SCAN", { mode: "apply" });

    expect(run).toMatchObject({ status: "needs_review", error: { code: APPLY_DISABLED } });
    expect(run.summary).not.toHaveProperty("aliases_scanned");
    expect(await otherJobs(db, run.jobId)).toEqual([]);
  });
});

describe("ALIAS_INVARIANT_SCAN cancelled while it runs (apply)", () => {
  it("stops at its next page and ends cancelled, its summary naming the repair it asked for so far", async () => {
    // A full batch of orphaned aliases in one group: their repair is asked for as the aliases' page is judged.
    const orphans = Array.from({ length: 4_000 }, (_, i) => `lost-lift-${i}`)
      .filter((slug) => aliasRepairGroup(slug) === 0)
      .slice(0, ALIAS_REPAIR_BATCH)
      .map((slug) => ({ alias_slug: slug, exercise_id: "no-such-exercise", is_family_alias: false }));
    await seedCatalog(db, { exercises: DEMO_EXERCISES, aliases: [...DEMO_ALIASES, ...orphans], families: DEMO_FAMILIES });
    const input = await leaseForTest(depsFor(db, "apply"), { type: "ALIAS_INVARIANT_SCAN", payload: { mode: "apply" } });
    const outcome = await registry.handlerFor("ALIAS_INVARIANT_SCAN").run(cancelledAtFollowUp(input));

    const [repair, ...others] = await otherJobs(db, input.job.id);
    expect(others).toEqual([]);
    expect(repair).toMatchObject({ type: "ALIAS_REPAIR", status: "queued", payload: { mode: "apply" } });
    expect((repair.payload as { alias_slugs: string[] }).alias_slugs).toHaveLength(ALIAS_REPAIR_BATCH);
    // The aliases' page was judged whole; the exercises were not reached.
    expect(outcome).toMatchObject({
      kind: "completed",
      status: "cancelled",
      summary: {
        mode: "apply",
        aliases_scanned: DEMO_ALIASES.length + ALIAS_REPAIR_BATCH,
        exercises_scanned: 0,
        problems: ALIAS_REPAIR_BATCH,
        jobs_created: 1,
        follow_ups: [{ type: "ALIAS_REPAIR", dedup_key: repair.dedup_key, outcome: "created", job_id: expect.any(String) }],
      },
    });
  });
});

describeWithFullEmulator("ALIAS_INVARIANT_SCAN's progress", () => {
  it("reports the aliases and exercises it has gone through, of all it reads, once it has run a second", async () => {
    await seedDemo(db);
    const countOf = async (collection: string) => (await db.collection(collection).count().get()).data().count;
    const aliases = await countOf(CATALOG_COLLECTIONS.aliases);
    const total = aliases + (await countOf(CATALOG_COLLECTIONS.exercises));
    const input = await leaseForTest(depsFor(db, "dry_run"), { type: "ALIAS_INVARIANT_SCAN", payload: { mode: "dry_run" } });
    // Its first page slowed (it asks for its follow-ups only at its end): the first report is due after that page.
    const signal = new AbortController().signal;
    let slowed = false;
    signal.throwIfAborted = () => {
      if (!slowed) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1100);
      slowed = true;
    };
    const { engine, reported } = recordingProgress(input);
    const outcome = await registry.handlerFor("ALIAS_INVARIANT_SCAN").run({ ...input, ctx: { ...input.ctx, signal }, engine });
    expect(outcome).toMatchObject({ kind: "completed", status: "succeeded_dry_run" });
    // The first report comes after the aliases' page, with the total of aliases and exercises together.
    expect(reported[0]).toEqual({ done: aliases, total });
    expect((await input.deps.queue.getJob(input.job.id))?.progress).toEqual({ done: total, total });
  });
});
