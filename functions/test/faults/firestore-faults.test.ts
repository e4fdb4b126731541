/**
 * Firestore failing under the engine: UNAVAILABLE and ABORTED thrown into transactions and batch
 * commits at random (seeded), before the write or after it landed (the reply lost), while workers
 * race and a watchdog recovers what they abandon. Every job must still end in one final status with
 * its history complete and no catalog operation applied twice.
 */
import { createEngine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { FINAL_STATUSES } from "../../src/jobs/lifecycle";
import { FakeLlmClient } from "../../src/llm/index";
import { faultyFirestore } from "../helpers/faults";
import { seededRandom } from "../../src/util/seeded-random";
import { catalogSnapshot, checkInvariants } from "../helpers/invariants";
import { seedDemo } from "../handlers/support";
import { wholeNumberFromEnv } from "../helpers/env-numbers";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();

const FAMILIES = ["bench_press", "squat", "row", "deadlift", "lateral_raise", "pull_up", "plank", "shoulder_press"];

describeWithIsolation("Firestore faults under racing workers and a watchdog", () => {
  it("ends every job once, with its history complete and no operation applied twice", async () => {
    const seed = wholeNumberFromEnv("FAULT_SEED", Date.now() % 1_000_000);
    process.stdout.write(
      `firestore-faults seed ${seed} (FAULT_SEED=${seed} draws the same faults; which writes they meet depends on the workers' timing)\n`,
    );
    const random = seededRandom(seed);
    await seedDemo(db);
    const seeded = await catalogSnapshot(db);
    const config = testConfig({ applyEnabled: true, leaseMs: 1500, heartbeatMs: 300, staleQueuedMs: 500 });
    const injected = { count: 0 };
    const tasks = new RecordingTasks();
    const engine = createEngine({ db: faultyFirestore(db, random, 0.15, injected), config, tasks, llm: new FakeLlmClient() });
    const watchdog = createEngine({ db, config, tasks, llm: new FakeLlmClient() });

    const jobIds: string[] = [];
    for (const family of FAMILIES) {
      for (const request of [
        { type: "FAMILY_AUDIT", payload: { family_slug: family } },
        { type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: family } },
      ]) {
        jobIds.push((await watchdog.queue.createJob({ ...request, created_by: "test" })).jobId);
      }
    }

    const deadline = Date.now() + 120_000;
    const allFinal = async () => {
      const open = await db.collection(JOB_COLLECTIONS.jobs).where("status", "not-in", FINAL_STATUSES).get();
      return open.empty;
    };
    const work = async (workerId: string) => {
      while (Date.now() < deadline && !(await allFinal())) {
        // A Cloud Tasks delivery whose function threw is retried; here the loop is the retry.
        await engine
          .worker(workerId)
          .drain(["priority", "maintenance"], { maxJobs: 5, budgetMs: 20_000 })
          .catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const sweep = async () => {
      while (Date.now() < deadline && !(await allFinal())) {
        await watchdog.runWatchdog().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 700));
      }
    };
    await Promise.all([work("w1"), work("w2"), work("w3"), sweep()]);
    // A lock whose release (after the attempt's final batch) hit a fault expires with its lease; the
    // watchdog then deletes it.
    await new Promise((resolve) => setTimeout(resolve, config.leaseMs + 500));
    await watchdog.runWatchdog();
    process.stdout.write(`firestore-faults: ${injected.count} faults injected into ${jobIds.length} jobs\n`);
    expect(injected.count).toBeGreaterThan(0);

    const violations = Object.values((await checkInvariants(db, { expectedJobIds: jobIds, seed: seeded })).violations).flat();
    expect(violations).toEqual([]);
  }, 180_000);
});
