/**
 * Incremental QUALITY_SCAN: the scheduled scan works through a 100-exercise catalog a bounded
 * number at a time, never-scanned and oldest first, and reaches every exercise.
 */
import { Timestamp } from "firebase-admin/firestore";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { type SelectionCursor, selectExercisesToScan, selectionCursorRef } from "../../src/catalog/scan-selection";
import { type Engine, createEngine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { produceScheduledScan } from "../../src/schedules/producer";
import { findScanSchedule } from "../../src/schedules/scans";
import { type ExerciseFixture, exerciseFixture, seedCatalog } from "../helpers/catalog";
import { describeWithFullEmulator, describeWithIsolation, useFirestore } from "../helpers/firestore";
import { RecordingTasks, movableClock, testConfig } from "../helpers/runtime";

const db = useFirestore();
const DAY = 86_400_000;
const LIMIT = 20;
const qualityScan = findScanSchedule("QUALITY_SCAN")!;

const scannedDaysAgo = (days: number, now: Date) => ({
  review_metadata: { quality_score: 0.85, issue_type: "ok", last_scanned_at: Timestamp.fromMillis(now.getTime() - days * DAY) },
});

/**
 * 100 live exercises: 40 never scanned, 50 stale (scanned 8 to 57 days ago, every one a different
 * day, listed in an order unrelated to their age), 10 fresh (scanned a day ago); and 3 retired ones
 * that are due but must never be picked.
 */
function catalogAt(now: Date): { live: ExerciseFixture[]; retired: ExerciseFixture[]; neverScanned: string[]; staleOldestFirst: string[] } {
  const exercise = (n: number, extra = {}) => exerciseFixture(`Test Move ${String(n).padStart(3, "0")} (Dumbbell)`, ["dumbbell"], extra);
  const neverScanned = Array.from({ length: 40 }, (_, i) => exercise(i * 2 + 1));
  const stale = Array.from({ length: 50 }, (_, i) => exercise(i * 2 + 2, scannedDaysAgo(8 + ((i * 17) % 50), now)));
  const fresh = Array.from({ length: 10 }, (_, i) => exercise(111 + i, scannedDaysAgo(1, now)));
  const retired = [
    exercise(200, { status: "deprecated", deprecated_at: now }),
    exercise(201, { status: "merged", merged_into: neverScanned[0].id }),
    exercise(202, { status: "deprecated", deprecated_at: now, ...scannedDaysAgo(90, now) }),
  ];
  const ageOf = (e: ExerciseFixture) => (e.review_metadata as { last_scanned_at: Timestamp }).last_scanned_at.toMillis();
  return {
    live: [...neverScanned, ...stale, ...fresh],
    retired,
    neverScanned: neverScanned.map((e) => e.id).sort(),
    staleOldestFirst: [...stale].sort((a, b) => ageOf(a) - ageOf(b)).map((e) => e.id),
  };
}

async function lastScannedAt(): Promise<Map<string, number | null>> {
  const snap = await db.collection(CATALOG_COLLECTIONS.exercises).get();
  return new Map(
    snap.docs.map((doc) => [doc.id, (doc.get("review_metadata.last_scanned_at") as Timestamp | undefined)?.toMillis() ?? null]),
  );
}

/** The enrichments a scan asked for, at its priority and older than the next scan, would run first. */
async function cancelFollowUps(engine: Engine): Promise<void> {
  const followUps = await db
    .collection(JOB_COLLECTIONS.jobs)
    .where("created_by", "==", "system:QUALITY_SCAN")
    .where("status", "==", "queued")
    .get();
  for (const followUp of followUps.docs) await engine.queue.cancelJob(followUp.id);
}

/** The engine of a deployment whose scheduled QUALITY_SCAN runs in apply, `LIMIT` exercises a run. */
function scheduledInApply(now: () => Date) {
  return createEngine({
    db,
    tasks: new RecordingTasks(),
    now,
    config: testConfig({ applyEnabled: true, qualityScanApply: true, qualityScanLimit: LIMIT }),
  });
}

/** Runs the scheduled scan of the day in `engine` to its end, and the next day comes; the exercises it scanned. */
async function scheduledRun(engine: Engine, clock: ReturnType<typeof movableClock>): Promise<string[]> {
  const before = await lastScannedAt();
  await produceScheduledScan(engine, qualityScan, clock.now());
  const [report] = await engine.runLane("maintenance", { maxJobs: 1, budgetMs: 60_000 });
  expect(report.status).toBe("succeeded");
  await cancelFollowUps(engine);
  clock.advance(DAY);
  const after = await lastScannedAt();
  return [...after].filter(([id, at]) => at !== before.get(id)).map(([id]) => id);
}

describeWithIsolation("scheduled QUALITY_SCAN over a 100-exercise catalog (apply)", () => {
  it("scans at most the limit per run, never-scanned and oldest first, and covers every exercise over successive runs", async () => {
    const clock = movableClock();
    const start = clock.now();
    const catalog = catalogAt(start);
    await seedCatalog(db, { exercises: [...catalog.live, ...catalog.retired] });
    const engine = scheduledInApply(clock.now);

    const picked: string[][] = [];
    for (let night = 0; night < 9; night++) {
      const before = await lastScannedAt();
      const run = await produceScheduledScan(engine, qualityScan, clock.now());
      expect(run).toMatchObject({ outcome: "created", mode: "apply" });
      const [report] = await engine.runLane("maintenance", { maxJobs: 1, budgetMs: 60_000 });
      expect(report).toMatchObject({ jobId: run.outcome === "created" ? run.jobId : "", status: "succeeded" });
      const after = await lastScannedAt();
      const scannedNow = [...after].filter(([id, at]) => at !== before.get(id)).map(([id]) => id);
      picked.push(scannedNow);
      await cancelFollowUps(engine);

      // Every run takes the limit while enough is due; what it takes was due: never scanned, or stale.
      const cutoff = clock.now().getTime() - 7 * DAY;
      const due = [...before].filter(([id, at]) => !catalog.retired.some((e) => e.id === id) && (at === null || at < cutoff));
      expect(scannedNow).toHaveLength(Math.min(LIMIT, due.length));
      expect(scannedNow.every((id) => due.some(([dueId]) => dueId === id))).toBe(true);
      // Oldest first: no stale exercise left waiting was scanned longer ago than one taken.
      const takenStale = scannedNow.map((id) => before.get(id)).filter((at): at is number => at !== null);
      const leftStale = due.filter(([id, at]) => at !== null && !scannedNow.includes(id)).map(([, at]) => at!);
      if (takenStale.length > 0 && leftStale.length > 0) expect(Math.max(...takenStale)).toBeLessThanOrEqual(Math.min(...leftStale));
      clock.advance(DAY);
    }

    // Night one: half never-scanned (id order), half the oldest stale ones.
    expect(picked[0].filter((id) => catalog.neverScanned.includes(id)).sort()).toEqual(catalog.neverScanned.slice(0, LIMIT / 2));
    expect(picked[0].filter((id) => !catalog.neverScanned.includes(id)).sort()).toEqual(
      catalog.staleOldestFirst.slice(0, LIMIT / 2).sort(),
    );
    // Nobody starved: the 90 due at the start are all scanned within the first five nights (90 / 20),
    // and after nine nights every live exercise has been scanned during the test, the fresh ones once they aged.
    expect(new Set(picked.slice(0, 5).flat())).toEqual(new Set([...catalog.neverScanned, ...catalog.staleOldestFirst]));
    const final = await lastScannedAt();
    for (const exercise of catalog.live) expect(final.get(exercise.id)).toBeGreaterThanOrEqual(start.getTime());
    for (const exercise of catalog.retired) expect(picked.flat()).not.toContain(exercise.id);
    const jobs = await db.collection(JOB_COLLECTIONS.jobs).where("type", "==", "QUALITY_SCAN").get();
    expect(jobs.size).toBe(9);
  });
});

describeWithIsolation("scheduled QUALITY_SCAN in apply, with an operator's dry-run previews between its runs", () => {
  it("goes on where the previous apply run stopped, and each preview where the previous preview stopped", async () => {
    const clock = movableClock();
    const catalog = catalogAt(clock.now());
    await seedCatalog(db, { exercises: [...catalog.live, ...catalog.retired] });
    const engine = scheduledInApply(clock.now);
    // As `catalog-jobs submit QUALITY_SCAN '{"selection":…}'` makes it: dry_run by default.
    const preview = async () => {
      const { jobId } = await engine.queue.createJob({
        type: "QUALITY_SCAN",
        payload: { selection: { stale_after_days: 7, limit: LIMIT } },
        created_by: "test",
      });
      const [report] = await engine.runLane("maintenance", { maxJobs: 1, budgetMs: 60_000 });
      expect(report).toMatchObject({ jobId, status: "succeeded_dry_run" });
      return (await selectionCursorRef(db, "QUALITY_SCAN", "dry_run").get()).data();
    };
    const scanned = (neverScanned: string[], stale: string[]) => [...neverScanned, ...stale].sort();

    expect((await scheduledRun(engine, clock)).sort()).toEqual(
      scanned(catalog.neverScanned.slice(0, 10), catalog.staleOldestFirst.slice(0, 10)),
    );
    // The first preview starts from the beginning and passes over what the apply run just scanned.
    expect(await preview()).toMatchObject({
      never_scanned_after: catalog.neverScanned[19],
      stale_after: { id: catalog.staleOldestFirst[19] },
    });
    // The next one goes on from there.
    expect(await preview()).toMatchObject({
      never_scanned_after: catalog.neverScanned[29],
      stale_after: { id: catalog.staleOldestFirst[29] },
    });
    // The previews moved only their own cursor: the next apply run takes what comes after the previous one's.
    expect((await scheduledRun(engine, clock)).sort()).toEqual(
      scanned(catalog.neverScanned.slice(10, 20), catalog.staleOldestFirst.slice(10, 20)),
    );
  });
});

describeWithIsolation("scheduled QUALITY_SCAN in apply, after an upgrade from one cursor for both modes", () => {
  it("starts from the beginning once, as that cursor may hold a dry run's position, and keeps its own from then on", async () => {
    const clock = movableClock();
    const catalog = catalogAt(clock.now());
    await seedCatalog(db, { exercises: [...catalog.live, ...catalog.retired] });
    // Where three dry runs of 20 left the one cursor that apply and dry runs shared (no `mode` in it).
    const previewsStopped = { never_scanned_after: catalog.neverScanned[29], stale_after: null };
    await selectionCursorRef(db, "QUALITY_SCAN", "apply").set({ ...previewsStopped, job_id: "an-old-preview" });
    const engine = scheduledInApply(clock.now);
    const neverScannedOf = async () => (await scheduledRun(engine, clock)).filter((id) => catalog.neverScanned.includes(id));

    // Not from the 31st never-scanned exercise: the 30 before it, which no apply run scanned, come first.
    expect((await neverScannedOf()).sort()).toEqual(catalog.neverScanned.slice(0, 10));
    expect((await selectionCursorRef(db, "QUALITY_SCAN", "apply").get()).data()).toMatchObject({
      mode: "apply",
      never_scanned_after: catalog.neverScanned[9],
    });
    expect((await neverScannedOf()).sort()).toEqual(catalog.neverScanned.slice(10, 20));
  });
});

describeWithFullEmulator("incremental selection in a dry run (nothing written to the catalog)", () => {
  it("goes on from its cursor, so successive runs reach every due exercise once per pass", async () => {
    const now = new Date();
    const catalog = catalogAt(now);
    await seedCatalog(db, { exercises: [...catalog.live, ...catalog.retired] });
    let cursor: SelectionCursor = { never_scanned_after: null, stale_after: null };
    const runs: string[][] = [];
    for (let run = 0; run < 5; run++) {
      const selection = await selectExercisesToScan(db, { staleAfterDays: 7, limit: LIMIT, now, cursor });
      runs.push(selection.ids);
      cursor = selection.cursor;
    }
    // 90 due: four full runs, then the last ten.
    expect(runs.map((ids) => ids.length)).toEqual([20, 20, 20, 20, 10]);
    // Never-scanned get half of each run while stale ones wait: 40 in four runs; the stale ones take the rest.
    expect(runs.map((ids) => ids.filter((id) => catalog.neverScanned.includes(id)).length)).toEqual([10, 10, 10, 10, 0]);
    expect(
      runs
        .slice(0, 4)
        .flat()
        .filter((id) => catalog.neverScanned.includes(id)),
    ).toEqual(catalog.neverScanned);
    expect(runs.flat().filter((id) => !catalog.neverScanned.includes(id))).toEqual(catalog.staleOldestFirst);
    // The pass is over: the next run starts again from the beginning of each source.
    const next = await selectExercisesToScan(db, { staleAfterDays: 7, limit: LIMIT, now, cursor });
    expect(next.ids.slice(0, 10)).toEqual(catalog.neverScanned.slice(0, 10));
  });

  it.each([1, 4, 5, 8])(
    "takes the whole limit of %i when only never-scanned exercises are due (what the stale source leaves)",
    async (limit) => {
      const now = new Date();
      const exercises = Array.from({ length: 44 }, (_, i) =>
        exerciseFixture(`Test Move ${String(i).padStart(3, "0")} (Dumbbell)`, ["dumbbell"]),
      );
      await seedCatalog(db, { exercises });
      const all = exercises.map((e) => e.id).sort();
      let cursor: SelectionCursor = { never_scanned_after: null, stale_after: null };
      const picked: string[] = [];
      for (let run = 0; run < 3; run++) {
        const selection = await selectExercisesToScan(db, { staleAfterDays: 7, limit, now, cursor });
        expect(selection).toMatchObject({ never_scanned: limit, stale: 0 });
        picked.push(...selection.ids);
        cursor = selection.cursor;
      }
      // In order, none skipped or taken twice across runs.
      expect(picked).toEqual(all.slice(0, 3 * limit));
    },
  );

  it("the scan keeps its cursor after a dry run", async () => {
    const clock = movableClock();
    const catalog = catalogAt(clock.now());
    await seedCatalog(db, { exercises: [...catalog.live, ...catalog.retired] });
    const engine = createEngine({ db, tasks: new RecordingTasks(), now: clock.now, config: testConfig({ qualityScanLimit: LIMIT }) });
    await produceScheduledScan(engine, qualityScan, clock.now());
    const [report] = await engine.runLane("maintenance", { maxJobs: 1, budgetMs: 60_000 });
    expect(report.status).toBe("succeeded_dry_run");
    const job = await engine.queue.getJob(report.jobId);
    expect(job?.result_summary).toMatchObject({
      selection: { never_scanned: 10, stale: 10 },
      metadata_would_write: 20,
      metadata_written: 0,
    });
    const stored = (await selectionCursorRef(db, "QUALITY_SCAN", "dry_run").get()).data();
    expect(stored).toMatchObject({
      never_scanned_after: catalog.neverScanned[9],
      stale_after: { id: catalog.staleOldestFirst[9] },
      job_id: report.jobId,
    });
    expect((await selectionCursorRef(db, "QUALITY_SCAN", "apply").get()).exists).toBe(false);
    expect([...(await lastScannedAt()).values()].filter((at) => at !== null && at >= clock.now().getTime() - 60_000)).toEqual([]);
  });
});
