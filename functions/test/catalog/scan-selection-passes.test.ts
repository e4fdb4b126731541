/**
 * The stale source of the incremental QUALITY_SCAN selection with more due than the runs take (a
 * backlog): apply runs move what they scan to the end, so its cursor never reaches the end of the
 * query; its pass still ends, and an exercise due behind the cursor is reached in the next one.
 */
import { Timestamp } from "firebase-admin/firestore";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { type SelectionCursor, readSelectionCursor, selectExercisesToScan, selectionCursorRef } from "../../src/catalog/scan-selection";
import { exerciseFixture, seedCatalog } from "../helpers/catalog";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";

const db = useFirestore();
const DAY = 86_400_000;
const LIMIT = 10;
const STALE_AFTER_DAYS = 7;
/** Live exercises, all stale: more than LIMIT × STALE_AFTER_DAYS, so the runs never catch up. */
const CATALOG_SIZE = 100;
/** The runs a pass over them takes, and the one that passes into what the pass itself scanned. */
const ONE_PASS = CATALOG_SIZE / LIMIT + 1;

const exercises = () => db.collection(CATALOG_COLLECTIONS.exercises);
const scannedAt = (at: number) => ({ review_metadata: { last_scanned_at: Timestamp.fromMillis(at) } });

/** CATALOG_SIZE live exercises scanned 8 to 107 days before `now`, and `late`, scanned longest ago (200 days). */
async function seedBacklog(now: number, late: { status: string } & Record<string, unknown>): Promise<string> {
  const live = Array.from({ length: CATALOG_SIZE }, (_, i) =>
    exerciseFixture(`Test Move ${String(i).padStart(3, "0")} (Dumbbell)`, ["dumbbell"], scannedAt(now - (8 + i) * DAY)),
  );
  const lateExercise = exerciseFixture("Test Move Late (Dumbbell)", ["dumbbell"], { ...late, ...scannedAt(now - 200 * DAY) });
  await seedCatalog(db, { exercises: [...live, lateExercise] });
  return lateExercise.id;
}

/**
 * Daily selections as apply runs make them, each run's exercises marked scanned at its `now` but
 * those `failsOnce` names the first time they are taken (their write failed); `afterFirstRun` runs
 * after the first. The ids each run took.
 */
async function dailyRuns(
  start: number,
  runs: number,
  { failsOnce = [], afterFirstRun }: { failsOnce?: string[]; afterFirstRun?: () => Promise<void> },
): Promise<string[][]> {
  const failing = new Set(failsOnce);
  let cursor: SelectionCursor = { never_scanned_after: null, stale_after: null };
  const taken: string[][] = [];
  for (let run = 0; run < runs; run++) {
    const now = start + run * DAY;
    const selection = await selectExercisesToScan(db, { staleAfterDays: STALE_AFTER_DAYS, limit: LIMIT, now: new Date(now), cursor });
    for (const id of selection.ids) {
      if (failing.delete(id)) continue;
      await exercises()
        .doc(id)
        .update({ "review_metadata.last_scanned_at": Timestamp.fromMillis(now) });
    }
    taken.push(selection.ids);
    cursor = selection.cursor;
    if (run === 0) await afterFirstRun?.();
  }
  return taken;
}

const firstRunTaking = (taken: string[][], id: string) => taken.findIndex((ids) => ids.includes(id));

describeWithFullEmulator("stale selection with a backlog", () => {
  it("reaches an exercise retired when the cursor passed it and restored since, within one pass, before newer verdicts", async () => {
    const start = Date.now();
    const restored = await seedBacklog(start, { status: "deprecated", deprecated_at: new Date(start) });
    const restore = async () => {
      await exercises().doc(restored).update({ status: "approved", deprecated_at: null });
    };

    const taken = await dailyRuns(start, ONE_PASS + 1, { afterFirstRun: restore });

    expect(taken.map((ids) => ids.length)).toEqual(taken.map(() => LIMIT));
    expect(taken[0]).not.toContain(restored);
    // The pass ends after the run that reached the verdicts it wrote itself; the next one starts over, oldest first.
    expect(firstRunTaking(taken, restored)).toBe(ONE_PASS);
    expect(taken[ONE_PASS][0]).toBe(restored);
  });

  it("takes an exercise whose review_metadata write failed again in the next pass", async () => {
    const start = Date.now();
    const failed = await seedBacklog(start, { status: "approved" });

    const taken = await dailyRuns(start, ONE_PASS + 1, { failsOnce: [failed] });

    expect(taken[0][0]).toBe(failed);
    expect(firstRunTaking(taken.slice(1), failed) + 1).toBe(ONE_PASS);
  });
});

describeWithFullEmulator("stored selection cursor", () => {
  const position = { last_scanned_at: Timestamp.fromMillis(Date.UTC(2026, 0, 1)), id: "bench_press__bench-press-barbell" };

  it("keeps the start of the stale source's pass", async () => {
    const ref = selectionCursorRef(db, "QUALITY_SCAN", "apply");
    const stale_after = { ...position, pass_started_at: Timestamp.fromMillis(Date.UTC(2026, 0, 20)) };
    await ref.set({ mode: "apply", never_scanned_after: null, stale_after });

    expect(await readSelectionCursor(ref, "apply")).toEqual({ never_scanned_after: null, stale_after });
  });

  it("starts the stale source over once from a position stored without the start of its pass (it may have passed due ones)", async () => {
    const ref = selectionCursorRef(db, "QUALITY_SCAN", "apply");
    await ref.set({ mode: "apply", never_scanned_after: "a", stale_after: position });

    expect(await readSelectionCursor(ref, "apply")).toEqual({ never_scanned_after: "a", stale_after: null });
  });
});
