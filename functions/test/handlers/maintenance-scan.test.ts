import { DEMO_ALIASES, DEMO_EXERCISES, DEMO_FAMILIES } from "../../src/catalog/demo-catalog";
import { Timestamp } from "firebase-admin/firestore";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { APPLY_DISABLED } from "../../src/jobs/outcomes";
import { InvalidJobError } from "../../src/jobs/queue";
import { exerciseFixture, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { useFirestore, describeWithFullEmulator } from "../helpers/firestore";
import { registry } from "../../src/handlers";
import { leaseForTest, recordingProgress, withSlowFollowUps } from "../helpers/engine";
import {
  MODES,
  cancelledAtFollowUp,
  depsFor,
  endFollowUps,
  familyQueryCounter,
  numberedFamilies,
  otherJobs,
  runAtDeadline,
  runJob,
  seedDemo,
} from "./support";
import { createEngine } from "../../src/create-engine";
import { RecordingTasks, testConfig } from "../helpers/runtime";

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
        payload: { mode: "apply", family_slug: "hip_thrust", registry_only: false },
        dedup_key: "FAMILY_NORMALIZE:hip_thrust",
        created_by: "system:MAINTENANCE_SCAN",
        status: "queued",
      }),
    );
    // Background work stays background: FAMILY_NORMALIZE and FAMILY_AUDIT default to the priority lane.
    expect(jobs.map((job) => job.queue)).toEqual(keys.map(() => "maintenance"));

    // A rerun while those jobs are open creates nothing new.
    const rerun = await runJob(depsFor(db, mode), "MAINTENANCE_SCAN", { mode });
    expect(rerun.summary).toMatchObject({ jobs_created: 0, jobs_deduplicated: keys.length });
    expect(await otherJobs(db, rerun.jobId)).toHaveLength(keys.length + 1);
  });

  it("asks once about the same findings: a rerun after its follow-ups ended asks again only about a family whose findings changed", async () => {
    await seedDemo(db);
    const first = await runJob(depsFor(db, mode), "MAINTENANCE_SCAN", { mode });
    const asked = (first.summary.follow_ups as { dedup_key: string }[]).length;
    expect(first.summary).toMatchObject({ families_asked: first.summary.families_with_problems });
    if (mode === "dry_run") {
      // Nothing was asked for, so the next dry run reports the same.
      const again = await runJob(depsFor(db, mode), "MAINTENANCE_SCAN", { mode });
      expect(again.summary).toMatchObject({ jobs_would_create: asked, jobs_already_answered: 0 });
      return;
    }
    await endFollowUps(db);
    // A person has not acted on the audits, and the normalisations left nothing they could fix differently.
    const rerun = await runJob(depsFor(db, mode), "MAINTENANCE_SCAN", { mode });
    expect(rerun.summary).toMatchObject({ families_asked: 0, jobs_created: 0, jobs_deduplicated: 0, jobs_already_answered: asked });
    // Each names the job that answered it.
    expect((rerun.summary.follow_ups as { outcome: string; job_id: string }[]).map(({ job_id }) => job_id).sort()).toEqual(
      (first.summary.follow_ups as { job_id: string }[]).map(({ job_id }) => job_id).sort(),
    );

    // A new exercise in hip_thrust changes its findings: it is asked about again, and only it.
    await seedCatalog(db, {
      exercises: [{ ...exerciseFixture("Hip Thrust Band", ["band"]), id: "hip_thrust_band", family_slug: "hip_thrust" }],
    });
    const afterChange = await runJob(depsFor(db, mode), "MAINTENANCE_SCAN", { mode });
    expect(afterChange.summary).toMatchObject({ families_asked: 1, jobs_already_answered: asked - 1 });
    const created = (afterChange.summary.follow_ups as { dedup_key: string; outcome: string }[]).filter(
      ({ outcome }) => outcome === "created",
    );
    expect(created.map(({ dedup_key }) => dedup_key)).toContain("FAMILY_NORMALIZE:hip_thrust");
    expect(created.every(({ dedup_key }) => dedup_key.endsWith(":hip_thrust"))).toBe(true);
  });

  it("reports the follow-up of a family whose legacy slug no payload accepts, and goes on with the others", async () => {
    // Sorted first: a family slug no document id can be, whose findings (no registry entry can be made) go to a person.
    const legacy = ["Deadlift", "Deadlift (Dumbbell)"].map((name, i) => ({
      ...exerciseFixture(name, [i === 0 ? "barbell" : "dumbbell"]),
      id: `legacy-deadlift-${i}`,
      family_slug: "Dead/Lift",
    }));
    await seedDemo(db, { exercises: legacy });
    const run = await runJob(depsFor(db, mode), "MAINTENANCE_SCAN", { mode });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ families_scanned: 15, families_with_problems: 7 });
    const followUps = run.summary.follow_ups as { dedup_key: string; outcome: string; issues?: unknown[] }[];
    expect(followUps).toContainEqual(
      expect.objectContaining({
        dedup_key: "FAMILY_AUDIT:Dead/Lift",
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
      families_asked: 1,
      family_limit: 1,
      stopped_at_family_limit: true,
      next_family: expect.any(String),
    });
  });

  it("goes on from the family where the last run in its mode stopped at family_limit", async () => {
    await seedDemo(db);
    const askedFamilies: string[] = [];
    for (let run = 0; run < 3; run++) {
      const scan = await runJob(depsFor(db, mode), "MAINTENANCE_SCAN", { mode, family_limit: 1 });
      expect(scan.summary).toMatchObject({ families_asked: 1, stopped_at_family_limit: true, complete: false });
      const followUps = scan.summary.follow_ups as { dedup_key: string }[];
      askedFamilies.push(...new Set(followUps.map(({ dedup_key }) => dedup_key.split(":")[1])));
      await endFollowUps(db);
    }
    // A dry run previews the next family with problems, as an apply run asks about it.
    expect(askedFamilies).toHaveLength(3);
    expect(askedFamilies).toEqual([...new Set(askedFamilies)].sort());
  });

  it("does not count towards family_limit a family whose findings were already answered or whose jobs are open", async () => {
    await seedDemo(db);
    const everyFamily = await runJob(depsFor(db, mode), "MAINTENANCE_SCAN", { mode });
    expect(everyFamily.summary).toMatchObject({ complete: true, next_family: null });
    const limited = await runJob(depsFor(db, mode), "MAINTENANCE_SCAN", { mode, family_limit: 1 });

    // Nothing was asked for in a dry run, so it stops at the first family with problems again; apply asked about all.
    expect(limited.summary).toMatchObject(
      mode === "apply" ? { families_asked: 0, complete: true } : { families_asked: 1, stopped_at_family_limit: true },
    );
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

describe("MAINTENANCE_SCAN in apply mode while applying is off", () => {
  it("ends APPLY_DISABLED without scanning, instead of asking for normalisations that would each end so", async () => {
    await seedDemo(db);
    const run = await runJob(depsFor(db, "dry_run"), "MAINTENANCE_SCAN", { mode: "apply" });

    expect(run).toMatchObject({ status: "needs_review", error: { code: APPLY_DISABLED } });
    expect(run.summary).not.toHaveProperty("families_scanned");
    expect(await otherJobs(db, run.jobId)).toEqual([]);
  });
});

describeWithFullEmulator("MAINTENANCE_SCAN asking again (apply)", () => {
  it("asks again about findings whose last job answered nothing or is no longer kept, and not for a quality scan's bookkeeping", async () => {
    await seedDemo(db);
    const first = await runJob(depsFor(db, "apply"), "MAINTENANCE_SCAN", { mode: "apply" });
    const followUps = first.summary.follow_ups as { dedup_key: string; job_id: string }[];
    const [outage, gated, expired, ...answered] = followUps.map(({ job_id }) => db.collection(JOB_COLLECTIONS.jobs).doc(job_id));
    const ended = { finished_at: new Date(), expire_at: Timestamp.fromMillis(Date.now() + 86_400_000) };
    await Promise.all([
      outage.update({ ...ended, status: "deadletter", error: { code: "FIRESTORE_UNAVAILABLE", message: "outage", transient: true } }),
      gated.update({ ...ended, status: "needs_review", error: { code: APPLY_DISABLED, message: "apply is off", transient: false } }),
      expired.update({ ...ended, status: "succeeded", expire_at: Timestamp.fromMillis(Date.now() - 1_000) }),
      ...answered.map((ref, i) => ref.update({ ...ended, status: i % 2 ? "succeeded" : "needs_review" })),
    ]);
    // The quality scan writes review_metadata into the families' exercises, stamped as every catalog write is:
    // that is no change to a family.
    const members = await db.collection(CATALOG_COLLECTIONS.exercises).get();
    await Promise.all(members.docs.map((doc) => doc.ref.update({ "review_metadata.score": 0.5, updated_at: Timestamp.now() })));

    const rerun = await runJob(depsFor(db, "apply"), "MAINTENANCE_SCAN", { mode: "apply" });
    expect(rerun.summary).toMatchObject({ jobs_created: 3, jobs_deduplicated: 0, jobs_already_answered: answered.length });
    const again = (rerun.summary.follow_ups as { dedup_key: string; job_id: string; outcome: string }[]).filter(
      ({ outcome }) => outcome === "created",
    );
    expect(again.map(({ dedup_key }) => dedup_key).sort()).toEqual(
      followUps
        .slice(0, 3)
        .map(({ dedup_key }) => dedup_key)
        .sort(),
    );
    // Each is a new job: the old one keeps its own history.
    for (const { job_id } of again) expect([outage.id, gated.id, expired.id]).not.toContain(job_id);
  });
});

describeWithFullEmulator("MAINTENANCE_SCAN finding an enrichment's registry refresh under its key (apply)", () => {
  it("leaves the family while the refresh is open and asks for the full normalisation at its next run, the refresh ended", async () => {
    await seedDemo(db);
    const deps = depsFor(db, "apply");
    // What an enrichment shard asks for after a patch of equipment in hip_thrust: its registry recomputed, nothing renamed.
    const refresh = await deps.queue.createJob({
      type: "FAMILY_NORMALIZE",
      payload: { mode: "apply", family_slug: "hip_thrust", registry_only: true },
      dedup_key: "FAMILY_NORMALIZE:hip_thrust",
      created_by: "system:CATALOG_ENRICH_FIELD_SHARD",
    });
    const hipThrust = (run: { summary: Record<string, unknown> }) =>
      (run.summary.follow_ups as { dedup_key: string; outcome: string; job_id: string }[]).filter(
        ({ dedup_key }) => dedup_key === "FAMILY_NORMALIZE:hip_thrust",
      );

    const first = await runJob(deps, "MAINTENANCE_SCAN", { mode: "apply" });
    expect(hipThrust(first)).toEqual([expect.objectContaining({ outcome: "deduplicated", job_id: refresh.jobId })]);

    // The refresh renamed nothing, so it answered none of the scan's findings.
    await endFollowUps(db);
    const rerun = await runJob(deps, "MAINTENANCE_SCAN", { mode: "apply" });
    const [asked] = hipThrust(rerun);
    expect(asked).toMatchObject({ outcome: "created" });
    expect((await db.collection(JOB_COLLECTIONS.jobs).doc(asked.job_id).get()).get("payload")).toEqual({
      mode: "apply",
      family_slug: "hip_thrust",
      registry_only: false,
    });
  });
});

describeWithFullEmulator("MAINTENANCE_SCAN cancelled while it runs (apply)", () => {
  it("stops before its next family and ends cancelled, its summary naming the follow-ups it asked for so far", async () => {
    await seedDemo(db);
    const input = await leaseForTest(depsFor(db, "apply"), { type: "MAINTENANCE_SCAN", payload: { mode: "apply" } });
    const outcome = await registry.handlerFor("MAINTENANCE_SCAN").run(cancelledAtFollowUp(input));

    // The follow-ups of the first family with problems, queued in apply mode: they will run.
    const queued = await otherJobs(db, input.job.id);
    expect(queued.length).toBeGreaterThan(0);
    for (const job of queued) expect(job).toMatchObject({ status: "queued", payload: { mode: "apply" } });
    expect(outcome).toMatchObject({
      kind: "completed",
      status: "cancelled",
      summary: { mode: "apply", families_with_problems: 1, families_asked: 1, jobs_created: queued.length },
    });
    const summary = outcome.summary as { families_scanned: number; follow_ups: { dedup_key: string; outcome: string }[] };
    // The demo's 14 families were not all gone through.
    expect(summary.families_scanned).toBeLessThan(14);
    expect(summary.follow_ups.every(({ outcome }) => outcome === "created")).toBe(true);
    expect(summary.follow_ups.map(({ dedup_key }) => dedup_key).sort()).toEqual(queued.map(({ dedup_key }) => dedup_key).sort());
  });
});

describeWithFullEmulator("MAINTENANCE_SCAN put in the priority lane (apply)", () => {
  it("asks for its follow-ups in their types' lanes", async () => {
    await seedDemo(db);
    const input = await leaseForTest(depsFor(db, "apply"), { type: "MAINTENANCE_SCAN", payload: { mode: "apply" }, queue: "priority" });
    await registry.handlerFor("MAINTENANCE_SCAN").run(input);
    const jobs = await otherJobs(db, input.job.id);
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.map((job) => job.queue)).toEqual(jobs.map((job) => registry.defaultLane(String(job.type))));
  });
});

describeWithFullEmulator("the scans' progress", () => {
  it("MAINTENANCE_SCAN reports the exercises of the families it has audited, of all it walks", async () => {
    await seedDemo(db);
    const walked = (await db.collection(CATALOG_COLLECTIONS.exercises).where("family_slug", ">=", "").get()).size;
    expect(walked).toBeGreaterThan(40);
    const input = await leaseForTest(depsFor(db, "apply"), { type: "MAINTENANCE_SCAN", payload: { mode: "apply" } });
    // Each follow-up it asks for slowed: the scan runs past its quiet first second.
    const { engine, reported } = recordingProgress(input);
    const outcome = await registry.handlerFor("MAINTENANCE_SCAN").run({ ...input, engine: withSlowFollowUps(engine, 400) });
    expect(outcome).toMatchObject({ kind: "completed", status: "succeeded" });
    // Its first report comes part-way, with the total of the whole walk.
    expect(reported[0].total).toBe(walked);
    expect(reported[0].done).toBeLessThan(walked);
    expect((await input.deps.queue.getJob(input.job.id))?.progress).toEqual({ done: walked, total: walked });
  });
});

describeWithFullEmulator("MAINTENANCE_SCAN over a family too large to read whole (dry_run)", () => {
  it("names it and scans the families after it, instead of failing there every run", async () => {
    await seedDemo(db);
    // One more than a family read takes (MAX_FAMILY_EXERCISES), in a family whose slug sorts first.
    const exercises = Array.from({ length: 2_001 }, (_, i) =>
      exerciseFixture(`Giant Move ${String(i).padStart(4, "0")} (Dumbbell)`, ["dumbbell"], { family_slug: "aaa_giant_move" }),
    );
    await seedCatalog(db, { exercises });
    const run = await runJob(depsFor(db, "dry_run"), "MAINTENANCE_SCAN", { mode: "dry_run" });

    expect(run.status).toBe("succeeded_dry_run");
    expect(run.summary).toMatchObject({ families_too_large: ["aaa_giant_move"], families_scanned: 14, families_with_problems: 6 });
  });
});

/** The catalog's family slugs in the order the scans walk them. */
async function walkedFamilySlugs(): Promise<string[]> {
  const members = await db.collection(CATALOG_COLLECTIONS.exercises).where("family_slug", ">=", "").orderBy("family_slug").get();
  return [...new Set(members.docs.map((doc) => doc.get("family_slug") as string))];
}

describeWithFullEmulator.each(MODES)("MAINTENANCE_SCAN at its run's deadline (%s)", (mode) => {
  it("ends with what it did, and the next run goes on from there, round to the first family", async () => {
    await seedDemo(db);
    const families = await walkedFamilySlugs();
    const engine = createEngine({ db, config: testConfig({ applyEnabled: mode === "apply" }), tasks: new RecordingTasks() });
    const scan = async (atDeadline: boolean) => {
      const { jobId } = await engine.queue.createJob({ type: "MAINTENANCE_SCAN", payload: { mode }, created_by: "test" });
      const reports = atDeadline
        ? [await runAtDeadline(engine, jobId)]
        : await engine.runLane("maintenance", { maxJobs: 1, budgetMs: 10_000 });
      // Its follow-ups wait in its lane: ended, so the next scan is the lane's next job.
      await endFollowUps(db);
      expect(reports).toEqual([expect.objectContaining({ jobId, status: mode === "apply" ? "succeeded" : "succeeded_dry_run" })]);
      return (await engine.queue.getJob(jobId))!.result_summary!;
    };

    // A deadline that comes as it starts: each run goes through one family and stops before the next.
    const nextFamilies: unknown[] = [];
    for (let run = 0; run < families.length; run++) {
      const summary = await scan(true);
      expect(summary).toMatchObject({ families_scanned: 1, complete: false, stopped_at_run_deadline: true });
      expect(summary.started_after_family).toBe(run === 0 ? null : families[run - 1]);
      nextFamilies.push(summary.next_family);
    }
    expect(nextFamilies).toEqual([...families.slice(1), families[0]]);

    // With time for all, a run goes through every family once, round from where the last one stopped; the next starts from the first.
    const whole = await scan(false);
    expect(whole).toMatchObject({
      started_after_family: families.at(-1),
      families_scanned: families.length,
      complete: true,
      next_family: null,
    });
    expect(await scan(false)).toMatchObject({ started_after_family: null, complete: true });
  });
});

describeWithFullEmulator("MAINTENANCE_SCAN's cursors", () => {
  it("are kept per mode: a dry run stopped part-way does not move apply runs on", async () => {
    await seedDemo(db);
    const engine = createEngine({ db, config: testConfig({ applyEnabled: true }), tasks: new RecordingTasks() });
    const { jobId: previewId } = await engine.queue.createJob({
      type: "MAINTENANCE_SCAN",
      payload: { mode: "dry_run" },
      created_by: "test",
    });
    const preview = await runAtDeadline(engine, previewId);
    expect((await engine.queue.getJob(preview.jobId))?.result_summary).toMatchObject({ complete: false });

    const run = await runJob(depsFor(db, "apply"), "MAINTENANCE_SCAN", { mode: "apply" });
    expect(run.summary).toMatchObject({ started_after_family: null, families_scanned: 14, complete: true });
  });
});

describeWithFullEmulator("MAINTENANCE_SCAN's reads (dry_run)", () => {
  it("reads the families a page of exercises at a time, not with queries per family", async () => {
    // More families of four than a page (500 exercises) holds.
    await seedCatalog(db, { exercises: numberedFamilies(150, 4) });
    const familyQueries = familyQueryCounter(db);
    const run = await runJob(depsFor(db, "dry_run"), "MAINTENANCE_SCAN", { mode: "dry_run" });

    // Two pages, the family the first ends in, and the count of the progress's total, if it was reported.
    expect(familyQueries()).toBeLessThanOrEqual(4);
    expect(run.summary).toMatchObject({ families_scanned: 150, complete: true });
  });
});
