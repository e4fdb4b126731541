/**
 * The scheduled QUALITY_SCAN in apply with more stale exercises than its runs catch up with: an
 * exercise restored after the runs passed it while it was retired is scanned within one pass, through
 * the cursor each run stores and the next reads.
 */
import { Timestamp } from "firebase-admin/firestore";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { createEngine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { produceScheduledScan } from "../../src/schedules/producer";
import { findScanSchedule } from "../../src/schedules/scans";
import { exerciseFixture, seedCatalog } from "../helpers/catalog";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { RecordingTasks, movableClock, testConfig } from "../helpers/runtime";

const db = useFirestore();
const DAY = 86_400_000;
const LIMIT = 2;
/** Live exercises, all stale: more than LIMIT × QUALITY_SCAN_STALE_AFTER_DAYS (7), so the runs never catch up. */
const CATALOG_SIZE = 16;
/** The runs a pass over them takes, and the one that passes into what the pass itself scanned. */
const ONE_PASS = CATALOG_SIZE / LIMIT + 1;

const lastScannedAt = async (id: string) =>
  ((await db.collection(CATALOG_COLLECTIONS.exercises).doc(id).get()).get("review_metadata.last_scanned_at") as Timestamp).toMillis();

describeWithIsolation("scheduled QUALITY_SCAN in apply with a backlog of stale exercises", () => {
  it("scans an exercise restored after the first run passed it while it was retired within one pass", async () => {
    const clock = movableClock();
    const start = clock.now().getTime();
    const scannedDaysAgo = (days: number) => ({ review_metadata: { last_scanned_at: Timestamp.fromMillis(start - days * DAY) } });
    const live = Array.from({ length: CATALOG_SIZE }, (_, i) =>
      exerciseFixture(`Test Move ${String(i).padStart(3, "0")} (Dumbbell)`, ["dumbbell"], scannedDaysAgo(8 + i)),
    );
    const restored = exerciseFixture("Test Move Restored (Dumbbell)", ["dumbbell"], {
      status: "deprecated",
      deprecated_at: new Date(start),
      ...scannedDaysAgo(200),
    });
    await seedCatalog(db, { exercises: [...live, restored] });
    const engine = createEngine({
      db,
      tasks: new RecordingTasks(),
      now: clock.now,
      config: testConfig({ applyEnabled: true, qualityScanApply: true, qualityScanLimit: LIMIT }),
    });
    const scanTonight = async () => {
      await produceScheduledScan(engine, findScanSchedule("QUALITY_SCAN")!, clock.now());
      const [report] = await engine.runLane("maintenance", { maxJobs: 1, budgetMs: 60_000 });
      expect(report.status).toBe("succeeded");
      // The enrichments it asked for, at its priority and older than the next scan, would run first.
      const followUps = await db
        .collection(JOB_COLLECTIONS.jobs)
        .where("created_by", "==", "system:QUALITY_SCAN")
        .where("status", "==", "queued")
        .get();
      for (const followUp of followUps.docs) await engine.queue.cancelJob(followUp.id);
      clock.advance(DAY);
    };

    await scanTonight();
    await db.collection(CATALOG_COLLECTIONS.exercises).doc(restored.id).update({ status: "approved", deprecated_at: null });
    for (let night = 1; night <= ONE_PASS; night++) await scanTonight();

    // Scanned on the last of those nights, the first of the pass after the first run's.
    expect(await lastScannedAt(restored.id)).toBeGreaterThanOrEqual(start + ONE_PASS * DAY);
  });
});
