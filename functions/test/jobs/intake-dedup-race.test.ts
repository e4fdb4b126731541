/**
 * Intake racing itself: two client documents with one dedup key, taken in at the same moment by two
 * deliveries of the create trigger, each on a Firestore client of its own. A delivery that throws is
 * delivered again with the same snapshot, as Cloud Functions retries a trigger. Exactly one job must
 * be accepted; the other is refused DUPLICATE_JOB and never runs. Round after round on one key: the
 * first race creates the key's claim, the later ones take over a claim whose job has ended.
 */
import { type DocumentSnapshot, Timestamp } from "firebase-admin/firestore";
import { type Engine, createEngine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import type { IntakeResult } from "../../src/jobs/intake";
import { isFinalStatus } from "../../src/jobs/lifecycle";
import { describeWithIsolation, newFirestore, useFirestore } from "../helpers/firestore";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();

const ROUNDS = 8;
/** Deliveries of one trigger event before the test gives up on it (Cloud Functions retries a failed event for days). */
const DELIVERIES = 5;
const DEDUP_KEY = "user:alice:audit-bench-press";

/** The trigger of `engine` taking `delivered` in, delivered again with the same snapshot while it throws. */
async function deliverUntilDone(engine: Engine, delivered: DocumentSnapshot): Promise<IntakeResult> {
  for (let delivery = 1; ; delivery++) {
    try {
      return await engine.intake(delivered, "alice");
    } catch (err) {
      if (delivery >= DELIVERIES) throw err;
    }
  }
}

describeWithIsolation("intake of two documents with one dedup key at the same moment", () => {
  it(`accepts exactly one and refuses the other as DUPLICATE_JOB, never run, in each of ${ROUNDS} rounds`, async () => {
    const config = testConfig();
    const triggers = [newFirestore(), newFirestore()].map((client) => createEngine({ db: client, config, tasks: new RecordingTasks() }));
    const jobs = db.collection(JOB_COLLECTIONS.jobs);

    for (let round = 1; round <= ROUNDS; round++) {
      const written = await Promise.all(
        triggers.map(() =>
          jobs.add({
            type: "FAMILY_AUDIT",
            payload: { family_slug: "bench_press" },
            dedup_key: DEDUP_KEY,
            status: "queued",
            created_at: Timestamp.now(),
          }),
        ),
      );
      // What each trigger is delivered: the document as created.
      const delivered = await Promise.all(written.map((ref) => ref.get()));
      const results = await Promise.all(triggers.map((trigger, i) => deliverUntilDone(trigger, delivered[i])));

      const accepted = results.flatMap((result, i) => (result.outcome === "accepted" ? [written[i].id] : []));
      expect({ round, accepted: accepted.length }).toEqual({ round, accepted: 1 });
      const [winner] = accepted;
      const loser = written.find((ref) => ref.id !== winner)!;
      expect(results).toContainEqual({ outcome: "duplicate", openJobId: winner, dedupKey: DEDUP_KEY });
      expect((await loser.get()).data()).toMatchObject({
        status: "failed",
        attempts: 0,
        error: { code: "DUPLICATE_JOB", details: { open_job_id: winner } },
      });

      // The accepted job runs to its end, which frees the key for the next round; the refused one is never leased.
      await triggers[0].worker("w1").drain(["priority", "maintenance"], { maxJobs: 10, budgetMs: 20_000 });
      expect(isFinalStatus((await jobs.doc(winner).get()).get("status"))).toBe(true);
      expect((await loser.collection(JOB_COLLECTIONS.attempts).get()).size).toBe(0);
      expect((await loser.get()).get("status")).toBe("failed");
    }
  }, 120_000);
});
