/**
 * Firestore failing under the engine: UNAVAILABLE and ABORTED thrown into transactions and batch
 * commits at random (seeded), before the write or after it landed (the reply lost), while workers
 * race and a watchdog recovers what they abandon. Every job must still end in one final status with
 * its history complete and no catalog operation applied twice.
 */
import type { Firestore, WriteBatch } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { createEngine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { FINAL_STATUSES, type JobStatus } from "../../src/jobs/lifecycle";
import { FakeLlmClient } from "../../src/llm/index";
import { GrpcStatus } from "../../src/util/grpc-status";
import { seedDemo } from "../handlers/support";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with its seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function grpcError(code: number, what: string): Error {
  return Object.assign(new Error(`${code === GrpcStatus.ABORTED ? "ABORTED" : "UNAVAILABLE"}: injected fault in ${what}`), { code });
}

/** `database` whose transactions and batch commits fail with probability `rate`, half of them after the write landed. */
function faulty(database: Firestore, random: () => number, rate: number, injected: { count: number }): Firestore {
  const fault = (what: string): Error | null => {
    if (random() >= rate) return null;
    injected.count++;
    return grpcError(random() < 0.5 ? GrpcStatus.UNAVAILABLE : GrpcStatus.ABORTED, what);
  };
  const faultyBatch = (batch: WriteBatch): WriteBatch =>
    new Proxy(batch, {
      get(target, prop) {
        if (prop !== "commit") {
          const value = Reflect.get(target, prop) as unknown;
          if (typeof value !== "function") return value;
          // Chained calls (batch.set(...).update(...)) keep the proxy.
          return (...args: unknown[]) => {
            const result = (value as (...a: unknown[]) => unknown).apply(target, args);
            return result === target ? faultyBatch(target) : result;
          };
        }
        return async () => {
          const before = fault("batch commit");
          if (before) throw before;
          const result = await target.commit();
          const lost = fault("batch commit reply");
          if (lost) throw lost;
          return result;
        };
      },
    });
  return new Proxy(database, {
    get(target, prop) {
      if (prop === "batch") return () => faultyBatch(target.batch());
      if (prop === "runTransaction") {
        return async (...args: Parameters<Firestore["runTransaction"]>) => {
          const before = fault("transaction");
          if (before) throw before;
          const result = await target.runTransaction(...args);
          const lost = fault("transaction reply");
          if (lost) throw lost;
          return result;
        };
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const FAMILIES = ["bench_press", "squat", "row", "deadlift", "lateral_raise", "pull_up", "plank", "shoulder_press"];

describeWithIsolation("Firestore faults under racing workers and a watchdog", () => {
  it("ends every job once, with its history complete and no operation applied twice", async () => {
    const seed = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);
    process.stdout.write(`firestore-faults seed ${seed} (FAULT_SEED=${seed} replays it)\n`);
    const random = seeded(seed);
    await seedDemo(db);
    const config = testConfig({ applyEnabled: true, leaseMs: 1500, heartbeatMs: 300, staleQueuedMs: 500 });
    const injected = { count: 0 };
    const tasks = new RecordingTasks();
    const engine = createEngine({ db: faulty(db, random, 0.15, injected), config, tasks, llm: new FakeLlmClient() });
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
    process.stdout.write(`firestore-faults: ${injected.count} faults injected into ${jobIds.length} jobs\n`);
    expect(injected.count).toBeGreaterThan(0);

    const violations: string[] = [];
    for (const jobId of jobIds) {
      const job = await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get();
      const status = job.get("status") as JobStatus;
      if (!FINAL_STATUSES.includes(status)) violations.push(`${jobId}: not final (${status})`);
      const epoch = job.get("lease_epoch") as number;
      const attempts = await job.ref.collection(JOB_COLLECTIONS.attempts).get();
      const epochs = attempts.docs.map((doc) => Number(doc.id)).sort((a, b) => a - b);
      // Every lease ended with exactly one attempt record (an abandoned one by the watchdog's recovery,
      // which takes the next epoch itself to fence the lost worker out).
      const fencing = new Set(attempts.docs.filter((doc) => doc.get("status") === "lease_expired").map((doc) => Number(doc.id) + 1));
      const leases = Array.from({ length: epoch }, (_, i) => i + 1).filter((e) => !fencing.has(e));
      if (epochs.join() !== leases.join()) violations.push(`${jobId}: attempts ${epochs.join() || "none"} for leases ${leases.join()}`);
      for (const attempt of attempts.docs) {
        if (attempt.get("status") === "running") violations.push(`${jobId}: attempt ${attempt.id} still running`);
        const run = await db.collection(JOB_COLLECTIONS.runSummaries).doc(`${jobId}_${attempt.id}`).get();
        if (!run.exists) violations.push(`${jobId}: attempt ${attempt.id} has no run summary`);
      }
    }
    const journal = await db.collection(APPLY_COLLECTIONS.changes).get();
    const keys = journal.docs.map((doc) => doc.get("idempotency_key") as string | null).filter((key) => key !== null);
    const twice = keys.filter((key, index) => keys.indexOf(key) !== index);
    if (twice.length > 0) violations.push(`operations applied twice: ${twice.join(", ")}`);
    const runs = await db.collection(JOB_COLLECTIONS.runSummaries).get();
    const shards = await db.collectionGroup("shards").get();
    const counted = shards.docs.reduce((sum, doc) => sum + ((doc.get("runs") as number | undefined) ?? 0), 0);
    if (counted !== runs.size) violations.push(`daily totals count ${counted} runs, the run summaries ${runs.size}`);
    expect(violations).toEqual([]);
  }, 180_000);
});
