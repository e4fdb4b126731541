/**
 * What must hold after any run of the engine, however it was disturbed: every job in one final
 * status, one attempt record per lease and one run summary per attempt, the day's totals equal to
 * the run summaries, no catalog operation applied twice or under a lease its job never held, and no
 * lock held by a finished job. Returns the violations, one line each.
 */
import type { Firestore } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { FINAL_STATUSES, type JobStatus } from "../../src/jobs/lifecycle";

export async function historyViolations(db: Firestore, jobIds: readonly string[]): Promise<string[]> {
  const violations: string[] = [];
  const jobs = await db.collection(JOB_COLLECTIONS.jobs).get();
  const present = new Set(jobs.docs.map((doc) => doc.id));
  for (const jobId of jobIds) if (!present.has(jobId)) violations.push(`${jobId}: lost`);
  const attemptEpochs = new Map<string, Set<number>>();
  for (const job of jobs.docs) {
    const status = job.get("status") as JobStatus;
    if (!FINAL_STATUSES.includes(status)) violations.push(`${job.id}: not final (${status})`);
    const epoch = job.get("lease_epoch") as number;
    const attempts = await job.ref.collection(JOB_COLLECTIONS.attempts).get();
    const epochs = attempts.docs.map((doc) => Number(doc.id)).sort((a, b) => a - b);
    attemptEpochs.set(job.id, new Set(epochs));
    // Every lease ends with exactly one attempt record (an abandoned one by the watchdog's recovery,
    // which takes the next epoch itself to fence the lost worker out).
    const fencing = new Set(attempts.docs.filter((doc) => doc.get("status") === "lease_expired").map((doc) => Number(doc.id) + 1));
    const leases = Array.from({ length: epoch }, (_, i) => i + 1).filter((e) => !fencing.has(e));
    if (epochs.join() !== leases.join())
      violations.push(`${job.id}: attempt records ${epochs.join() || "none"} for leases ${leases.join()}`);
    for (const attempt of attempts.docs) {
      if (attempt.get("status") === "running") violations.push(`${job.id}: attempt ${attempt.id} still running`);
    }
  }
  const runs = await db.collection(JOB_COLLECTIONS.runSummaries).get();
  const runIds = new Set(runs.docs.map((doc) => doc.id));
  for (const [jobId, epochs] of attemptEpochs) {
    for (const epoch of epochs) if (!runIds.has(`${jobId}_${epoch}`)) violations.push(`${jobId}: attempt ${epoch} has no run summary`);
  }
  const shards = await db.collectionGroup("shards").get();
  const counted = shards.docs.reduce((sum, doc) => sum + ((doc.get("runs") as number | undefined) ?? 0), 0);
  if (counted !== runs.size) violations.push(`the day's totals count ${counted} runs, the run summaries ${runs.size}`);

  const journal = await db.collection(APPLY_COLLECTIONS.changes).get();
  const seen = new Set<string>();
  for (const entry of journal.docs) {
    const key = entry.get("idempotency_key") as string | null;
    if (key !== null && seen.has(key)) violations.push(`operation ${key} applied twice`);
    if (key !== null) seen.add(key);
    const jobId = entry.get("job_id") as string;
    if (!attemptEpochs.get(jobId)?.has(entry.get("lease_epoch") as number)) {
      violations.push(`change ${entry.id} written under epoch ${String(entry.get("lease_epoch"))}, which ${jobId} has no attempt of`);
    }
  }
  const locks = await db.collection(JOB_COLLECTIONS.locks).get();
  for (const lock of locks.docs) {
    const holder = jobs.docs.find((doc) => doc.id === lock.get("job_id"));
    if (holder && FINAL_STATUSES.includes(holder.get("status") as JobStatus)) {
      violations.push(`lock ${lock.id} still held by finished job ${holder.id}`);
    }
  }
  return violations;
}
