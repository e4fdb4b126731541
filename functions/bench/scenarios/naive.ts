/**
 * The naive baseline the spec (§5) warns about, built here without the engine so every figure of the
 * worker path has something to be a ratio of. Each worker, in a loop:
 *
 * 1. reads the same first page of queued jobs (highest priority, then oldest);
 * 2. leases the first of them in a transaction (read, check queued, write `leased`);
 * 3. marks it running in another transaction (read, check owner, write);
 * 4. runs the job (a no-change job: nothing to do);
 * 5. completes it in a third transaction (read, check owner, write the final status);
 * 6. writes a run-history document;
 * 7. bumps ONE shared daily-summary document, read-modify-write in a transaction.
 *
 * The server's Firestore clients take pessimistic locks in transactions, so racing workers queue on
 * the first job's document and on the daily document: that is the collapse to be measured. Same
 * emulator, same process run, same job count and priorities as the worker-path scenario.
 */
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { OpCounter } from "../billing-counter";
import { withClients } from "../support/clients";
import type { BenchContext } from "../support/context";
import { backlogPriority } from "../settings";
import { jobsRow, readJobOutcomes } from "../support/jobs";
import { ErrorTally } from "../support/errors";
import { untilDeadline } from "../support/deadline";
import type { Row } from "../support/row";

/** The rows of the baseline's levels are `naive@<workers>`. */
export const NAIVE_ROW = "naive@";

const NAIVE = { jobs: "naive_jobs", history: "naive_run_history", daily: "naive_daily_summaries" } as const;
const PAGE_SIZE = 20;
const LEASE_MS = 5 * 60_000;

async function seedNaiveJobs(db: Firestore, jobs: number, priorities: number): Promise<void> {
  for (let start = 0; start < jobs; start += 400) {
    const batch = db.batch();
    for (let i = start; i < Math.min(jobs, start + 400); i++) {
      batch.set(db.collection(NAIVE.jobs).doc(`naive-${i}`), {
        type: "FAMILY_AUDIT",
        payload: { family_slug: "bench", mode: "dry_run" },
        priority: backlogPriority(i, priorities),
        status: "queued",
        created_at: Timestamp.now(),
        attempts: 0,
        lease_owner: null,
      });
    }
    await batch.commit();
  }
}

/** One job through the naive pattern; false when another worker leased it first. */
async function runOneNaive(db: Firestore, workerId: string, jobId: string): Promise<boolean> {
  const ref = db.collection(NAIVE.jobs).doc(jobId);
  const leased = await db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (snap.get("status") !== "queued") return false;
    tx.update(ref, {
      status: "leased",
      lease_owner: workerId,
      lease_expires_at: Timestamp.fromMillis(Date.now() + LEASE_MS),
      attempts: (snap.get("attempts") as number) + 1,
      started_at: Timestamp.now(),
    });
    return true;
  });
  if (!leased) return false;
  const ownedUpdate = (fields: Record<string, unknown>) =>
    db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (snap.get("lease_owner") !== workerId) throw new Error(`naive job ${jobId} lost its lease`);
      tx.update(ref, fields);
    });
  await ownedUpdate({ status: "running", updated_at: Timestamp.now() });
  const finishedAt = Timestamp.now();
  await ownedUpdate({ status: "succeeded_dry_run", finished_at: finishedAt, updated_at: finishedAt, lease_owner: null });
  await db
    .collection(NAIVE.history)
    .doc(`${jobId}_1`)
    .set({ job_id: jobId, worker_id: workerId, status: "succeeded_dry_run", finished_at: finishedAt });
  const day = db.collection(NAIVE.daily).doc(finishedAt.toDate().toISOString().slice(0, 10));
  await db.runTransaction(async (tx) => {
    const snap = await tx.get(day);
    tx.set(day, { runs: ((snap.get("runs") as number | undefined) ?? 0) + 1 }, { merge: true });
  });
  return true;
}

export async function runNaiveLevel(ctx: BenchContext, jobs: number, workers: number): Promise<Row> {
  const project = await ctx.project();
  return withClients(project.id, async (clients) => {
    const seeder = clients.open("naive-seeder");
    await seedNaiveJobs(seeder, jobs, ctx.settings.priorities);
    const counter = new OpCounter();
    const dbs = Array.from({ length: workers }, (_, i) => clients.open(`naive${i}`, counter));
    const deadline = Date.now() + ctx.settings.levelTimeoutMs;
    const errors = new ErrorTally();
    let done = 0;
    const started = Date.now();
    const loops = dbs.map(async (db, i) => {
      const workerId = `naive-${workers}-${i}`;
      for (let misses = 0; done < jobs && misses < 3 && Date.now() < deadline;) {
        const page = await errors.guard(() =>
          db
            .collection(NAIVE.jobs)
            .where("status", "==", "queued")
            .orderBy("priority", "desc")
            .orderBy("created_at")
            .limit(PAGE_SIZE)
            .get(),
        );
        if (!page || page.empty) {
          misses++;
          continue;
        }
        misses = 0;
        if (await errors.guard(() => runOneNaive(db, workerId, page.docs[0].id))) done++;
      }
    });
    // A worker stuck in a transaction at the time limit is left behind (its client is closed below).
    await untilDeadline(Promise.all(loops), deadline + 5000);
    const seconds = (Date.now() - started) / 1000;
    const timedOut = Date.now() >= deadline;
    const counts = counter.counts;
    const outcomes = await readJobOutcomes(seeder, NAIVE.jobs);
    return jobsRow(
      {
        id: `${NAIVE_ROW}${workers}`,
        scenario: "naive baseline: no-change job",
        variant: `${workers} worker${workers > 1 ? "s" : ""}, own clients`,
        units: jobs,
        counts,
      },
      { outcomes, expectedStatus: "succeeded_dry_run", startedAt: started, seconds, timedOut },
      errors.extra,
    );
  });
}
