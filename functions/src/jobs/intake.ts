/**
 * Intake of a job document that just appeared in `catalog_jobs` (the onDocumentCreated trigger):
 * a client-written document is validated and normalised to the form `createJob` writes, in one
 * transaction; invalid → `failed` with INVALID_JOB and the issues; a second open job with the same
 * dedup key → `failed` with DUPLICATE_JOB. Then the lane gets a wake-up task. Triggers are
 * delivered at least once: a repeated delivery changes nothing and enqueues nothing new.
 */
import { Timestamp } from "firebase-admin/firestore";
import * as logs from "./logs";
import { buildJobDocument } from "./job-document";
import { Issue, Lane, parseJobRequest } from "./model";
import type { JobQueue } from "./queue";
import type { TaskQueuePort } from "./task-queue";

export type IntakeResult =
  | { outcome: "accepted"; lane: Lane; wakeup: "enqueued" | "duplicate" }
  | { outcome: "invalid"; issues: Issue[] }
  | { outcome: "duplicate"; openJobId: string; dedupKey: string }
  | { outcome: "missing" }
  | { outcome: "not_queued"; status: string };

type Decision =
  { outcome: "accepted"; lane: Lane; attempts: number; epoch: number; runAfter: Date } | Exclude<IntakeResult, { outcome: "accepted" }>;

/** Server-owned fields exist only on documents the engine wrote or already normalised. */
function isNormalised(data: Record<string, unknown>): boolean {
  return typeof data.lease_epoch === "number" && typeof data.attempts === "number";
}

export async function acceptJob(queue: JobQueue, tasks: TaskQueuePort, jobId: string, createdBy: string): Promise<IntakeResult> {
  const ref = queue.jobRef(jobId);
  const decision = await queue.db.runTransaction(async (tx): Promise<Decision> => {
    const snap = await tx.get(ref);
    if (!snap.exists) return { outcome: "missing" };
    const data = snap.data()!;
    if (isNormalised(data)) {
      if (data.status !== "queued") return { outcome: "not_queued", status: String(data.status) };
      return {
        outcome: "accepted",
        lane: data.queue as Lane,
        attempts: data.attempts as number,
        epoch: data.lease_epoch as number,
        runAfter: (data.run_after as Timestamp).toDate(),
      };
    }
    const now = queue.now();
    const failed = (code: string, message: string, details: unknown) =>
      tx.update(ref, {
        status: "failed",
        error: { code, message, transient: false, details },
        created_by: createdBy,
        attempts: 0,
        lease_epoch: 0,
        created_at: data.created_at instanceof Timestamp ? data.created_at : Timestamp.fromDate(now),
        updated_at: Timestamp.fromDate(now),
        finished_at: Timestamp.fromDate(now),
      });
    const parsed = parseJobRequest(data);
    if (!parsed.ok) {
      failed("INVALID_JOB", "the job document does not pass validation", parsed.issues);
      return { outcome: "invalid", issues: parsed.issues };
    }
    const dedupKey = parsed.value.dedup_key;
    if (dedupKey) {
      const holder = await queue.openDedupHolder(tx, dedupKey, jobId);
      if (holder) {
        failed("DUPLICATE_JOB", `job ${holder} with dedup key "${dedupKey}" is still open`, { open_job_id: holder, dedup_key: dedupKey });
        return { outcome: "duplicate", openJobId: holder, dedupKey };
      }
      queue.claimDedup(tx, dedupKey, jobId);
    }
    const document = buildJobDocument(parsed.value, {
      now,
      createdBy,
      createdAt: data.created_at instanceof Timestamp ? data.created_at : undefined,
    });
    tx.set(ref, document);
    return { outcome: "accepted", lane: document.queue as Lane, attempts: 0, epoch: 0, runAfter: now };
  });

  if (decision.outcome === "invalid") logs.invalidJobDocument(jobId, decision.issues);
  if (decision.outcome === "duplicate") logs.duplicateJob(jobId, decision.openJobId, decision.dedupKey);
  if (decision.outcome !== "accepted") return decision;
  const wakeup = await tasks.enqueueWakeup({
    lane: decision.lane,
    jobId,
    attempt: decision.attempts,
    epoch: decision.epoch,
    runAfter: decision.runAfter,
  });
  return { outcome: "accepted", lane: decision.lane, wakeup };
}
