/**
 * `npm run bench`: queue throughput against a real Firestore emulator. For 1, 4 and 16 concurrent
 * workers (each with its own Firestore client, as separate function instances would have), it runs
 * N no-op jobs through the real worker path (poll → lease → mark running → attempt log → handler →
 * complete → run history and sharded daily counters) and reports jobs/s and memory.
 *
 * BENCH_JOBS (default 200), BENCH_WORKERS (default "1,4,16"), BENCH_TIMEOUT_S (default 200).
 */
import { deleteApp, getApp } from "firebase-admin/app";
import type { Firestore } from "firebase-admin/firestore";
import { firestoreClient, forgetFirestoreClient } from "../src/firestore";
import { loadEngineConfig } from "../src/config";
import { createEngine } from "../src/create-engine";
import { registryWith } from "../test/helpers/registry";
import { buildJobDocument } from "../src/jobs/job-document";
import { clearEmulator, startOrFindEmulator } from "../src/local/emulator";
import type { TaskQueuePort } from "../src/jobs/task-queue";

const PROJECT = "demo-catalog-bench";
const JOBS = Number(process.env.BENCH_JOBS ?? 200);
const LEVELS = (process.env.BENCH_WORKERS ?? "1,4,16").split(",").map(Number);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 200) * 1000;

const noop = registryWith({
  FAMILY_AUDIT: { run: () => Promise.resolve({ kind: "completed", status: "succeeded_dry_run", summary: {} }) },
});
/** Wake-ups are not needed: the workers poll until the queue is empty. */
const noTasks: TaskQueuePort = { enqueueWakeup: () => Promise.resolve("duplicate") };

let appCounter = 0;
function client(): { db: Firestore; close: () => Promise<void> } {
  const name = `bench-${++appCounter}`;
  const db = firestoreClient({ projectId: PROJECT }, name);
  return {
    db,
    close: () => {
      forgetFirestoreClient(name);
      return deleteApp(getApp(name));
    },
  };
}

async function seedJobs(db: Firestore, n: number): Promise<void> {
  const writer = db.bulkWriter();
  const base = Date.now() - 60_000;
  for (let i = 0; i < n; i++) {
    const doc = buildJobDocument(
      { type: "FAMILY_AUDIT", payload: { family_slug: "bench", mode: "dry_run" }, priority: (i % 5) * 100 },
      { now: new Date(base + i), createdBy: "system:bench", lane: "priority" },
    );
    void writer.set(db.collection("catalog_jobs").doc(`bench-${i}`), doc);
  }
  await writer.close();
}

async function runLevel(
  workers: number,
  clearUrl: string,
): Promise<{ workers: number; jobs: number; seconds: number; jobsPerSecond: number; rssMb: number }> {
  await clearEmulator(clearUrl);
  const seeder = client();
  await seedJobs(seeder.db, JOBS);
  const config = { ...loadEngineConfig({}), heartbeatMs: 60_000 };
  const clients = Array.from({ length: workers }, client);
  let done = 0;
  const started = Date.now();
  await Promise.all(
    clients.map(async ({ db }, i) => {
      const worker = createEngine({ db, config, tasks: noTasks, registry: noop }).worker(`bench-worker-${i}`);
      let idlePolls = 0;
      while (done < JOBS && Date.now() - started < TIMEOUT_MS) {
        const report = await worker.runNext(["priority", "maintenance"]);
        if (report) {
          done++;
          idlePolls = 0;
        } else if (++idlePolls > 3) break;
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  const finished = (await seeder.db.collection("catalog_jobs").where("status", "==", "succeeded_dry_run").count().get()).data().count;
  await Promise.all([seeder, ...clients].map((c) => c.close()));
  return {
    workers,
    jobs: finished,
    seconds: Number(seconds.toFixed(1)),
    jobsPerSecond: Number((finished / seconds).toFixed(1)),
    rssMb: Math.round(process.memoryUsage().rss / 1e6),
  };
}

async function main(): Promise<void> {
  const emulator = await startOrFindEmulator({ projectId: PROJECT });
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  try {
    const results = [];
    for (const workers of LEVELS) {
      const result = await runLevel(workers, emulator.clearUrl);
      results.push(result);
      console.log(
        `${String(workers).padStart(3)} workers: ${result.jobs}/${JOBS} jobs in ${result.seconds}s = ${result.jobsPerSecond} jobs/s (rss ${result.rssMb} MB)`,
      );
    }
    console.log(JSON.stringify({ backend: emulator.backend, jobs: JOBS, results }));
    if (results.some((r) => r.jobs < JOBS)) process.exitCode = 1;
  } finally {
    await emulator.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
