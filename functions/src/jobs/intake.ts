/**
 * How jobs enter the engine. `submitJob` is the one path of every producer (a scan's follow-ups, a
 * parent's children, the CLI, the schedules): create the job, then wake its lane.
 *
 * Intake of a job document that just appeared in `catalog_jobs` (the onDocumentCreated trigger):
 * `JobQueue.takeIn` validates and normalises a client-written document to the form `createJob`
 * writes (invalid → `failed` INVALID_JOB with the issues; a second open job with the same dedup key
 * → `failed` DUPLICATE_JOB), then the lane gets a wake-up task. Triggers are delivered at least
 * once: a repeated delivery changes nothing and enqueues nothing new.
 */
import type { DocumentSnapshot } from "firebase-admin/firestore";
import * as logs from "./logs";
import type { Issue, Lane } from "./model";
import type { IntakeDecision, JobQueue } from "./queue";
import { type TaskQueuePort, type WakeupTask, wakeupFor } from "./task-queue";
import { type CreateJobInput, type CreateJobResult } from "./model";

export type IntakeResult =
  | { outcome: "accepted"; lane: Lane; wakeup: "enqueued" | "duplicate" }
  | { outcome: "invalid"; issues: Issue[] }
  | { outcome: "duplicate"; openJobId: string; dedupKey: string }
  | { outcome: "missing" }
  | { outcome: "not_queued"; status: string };

/**
 * Takes in the document the trigger delivered (its snapshot, so intake needs no read of its own; a
 * job id alone is read first) and wakes its lane.
 */
export async function acceptJob(
  queue: JobQueue,
  tasks: TaskQueuePort,
  delivered: DocumentSnapshot | string,
  createdBy: string,
): Promise<IntakeResult> {
  const snap = typeof delivered === "string" ? await queue.jobRef(delivered).get() : delivered;
  const decision = await takeInJob(queue, snap, createdBy);
  if (decision.outcome !== "accepted") return decision;
  const wakeup = await tasks.enqueueWakeup(wakeupFor(decision.job));
  return { outcome: "accepted", lane: decision.job.queue, wakeup };
}

/** Takes in a client's document and logs a refusal; waking an accepted job's lane is the caller's (`acceptJob`, the watchdog). */
export async function takeInJob(queue: JobQueue, snap: DocumentSnapshot, createdBy: string): Promise<IntakeDecision> {
  const decision = await queue.takeIn(snap, createdBy);
  if (decision.outcome === "invalid") logs.invalidJobDocument(snap.id, decision.issues);
  if (decision.outcome === "duplicate") logs.duplicateJob(snap.id, decision.openJobId, decision.dedupKey);
  return decision;
}

/** Why a job's wake-up task was not sent, when it was not: the job waits, queued, for the watchdog's stale-queued sweep. */
export interface WakeupOutcome {
  wakeupError?: Error;
}

/** A created (or existing) job, and whether its wake-up was sent. */
export type SubmitResult = CreateJobResult & WakeupOutcome;

/**
 * Creates a job and wakes its lane; an existing job (dedup key, deterministic id) is left as it is.
 * A wake-up that cannot be sent does not fail the creation, which already happened: a caller told
 * "failed" would create the job again (`sendWakeup`).
 */
export async function submitJob(queue: JobQueue, tasks: TaskQueuePort, input: CreateJobInput): Promise<SubmitResult> {
  const result = await queue.createJob(input);
  return result.created ? { ...result, ...(await sendWakeup(tasks, wakeupFor(result.job))) } : result;
}

/** Sends a wake-up task for a job already written; a failure is logged and returned, not thrown (the watchdog wakes the job). */
export async function sendWakeup(tasks: TaskQueuePort, task: WakeupTask): Promise<WakeupOutcome> {
  try {
    await tasks.enqueueWakeup(task);
    return {};
  } catch (err) {
    const wakeupError = err instanceof Error ? err : new Error(String(err));
    logs.wakeupNotSent(task.lane, task.jobId, wakeupError);
    return { wakeupError };
  }
}
