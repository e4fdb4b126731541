/**
 * The task queue port. A task is a wake-up for a lane: the task handler polls the lane, so lane
 * order and priority hold whichever task arrives first. Task names are derived from the job, its
 * attempt and lease epoch, so a duplicated trigger enqueues nothing new.
 */
import { createHash } from "node:crypto";
import type { DocumentSnapshot } from "firebase-admin/firestore";
import { z } from "zod";
import { LANES, type Lane, type WakeupSubject, jobDocumentSchema } from "./model";

export interface WakeupTask {
  lane: Lane;
  jobId: string;
  /** The job's `attempts` and `lease_epoch` when the wake-up was asked for: part of the task name. */
  attempt: number;
  epoch: number;
  /** Not before this time (Cloud Tasks `scheduleTime`). */
  runAfter: Date;
  /** Distinguishes a deliberate re-enqueue (the watchdog, an early arrival) from a duplicate. */
  reason?: string;
  /** How many wake-ups for this job arrived before its `run_after` and asked for this one (travels in the payload). */
  earlyArrivals?: number;
  /** The job's `run_after` when it differs from `runAfter` (a re-enqueued early arrival is scheduled later). */
  target?: Date;
}

/**
 * The body every adapter delivers to the lane's task function, and what the function accepts of it:
 * one schema, so a field the producer adds is not dropped by the consumer's parse.
 */
export const wakeupPayloadSchema = z.object({
  lane: z.enum(LANES),
  job_id: z.string().min(1),
  attempt: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  /**
   * The job's `run_after` this wake-up is for (ms since the epoch): a task that arrives before it knows so
   * without a read. Always sent (`WakeupPayload`); a wake-up without it (a task enqueued before it was)
   * skips that check.
   */
  run_after: z.number().optional(),
  /** Present on a wake-up re-enqueued because an earlier one arrived before the job's `run_after`. */
  early_arrivals: z.number().int().nonnegative().optional(),
});

/** A wake-up as the task function receives it. */
export type ReceivedWakeup = z.infer<typeof wakeupPayloadSchema>;
/** A wake-up as the adapters send it: always with its `run_after`. */
export type WakeupPayload = ReceivedWakeup & { run_after: number };

/** Limits of one wake-up: a few jobs at most, well inside a task's dispatch deadline. */
export const WAKEUP_LIMITS = { maxJobs: 5, budgetMs: 120_000 } as const;

export type EnqueueResult = "enqueued" | "duplicate";

export interface TaskQueuePort {
  enqueueWakeup(task: WakeupTask): Promise<EnqueueResult>;
}

/** The job fields a wake-up is made of, parsed on their own so a job whose payload no longer parses is still woken. */
const wakeupFieldsSchema = jobDocumentSchema.pick({ queue: true, attempts: true, lease_epoch: true, run_after: true });

/** What a stored job's wake-up is made of; an unreadable document is an error naming it. */
export function wakeupSubjectOf(doc: DocumentSnapshot): WakeupSubject {
  const parsed = wakeupFieldsSchema.safeParse(doc.data());
  if (!parsed.success) throw new Error(`job ${doc.id} is unreadable: ${z.prettifyError(parsed.error)}`);
  return { id: doc.id, ...parsed.data };
}

/**
 * The wake-up for `job` as it is now: its lane, named after its attempt and epoch, not before its
 * `run_after`. `reason` marks a deliberate re-enqueue for the same attempt and epoch (a parent
 * whose children finished, an operator's retry, the watchdog), so it is not taken for a duplicate.
 */
export function wakeupFor(job: WakeupSubject, reason?: string): WakeupTask {
  return {
    lane: job.queue,
    jobId: job.id,
    attempt: job.attempts,
    epoch: job.lease_epoch,
    runAfter: job.run_after,
    ...(reason ? { reason } : {}),
  };
}

/** Each further early arrival for the same target is scheduled a second later, so a clock that runs behind converges. */
const EARLY_ARRIVAL_STEP_MS = 1000;

/**
 * The wake-up asked for by a task that arrived before its job's `run_after`. Its name carries the
 * target time and the count of early arrivals, so it is never refused as a duplicate of the task that
 * arrived early (nor of an earlier early arrival), while a duplicated delivery of the same task still
 * enqueues nothing new.
 */
export function wakeupAfterEarlyArrival(wakeup: WakeupPayload): WakeupTask {
  const arrivals = (wakeup.early_arrivals ?? 0) + 1;
  const target = wakeup.run_after;
  return {
    lane: wakeup.lane,
    jobId: wakeup.job_id,
    attempt: wakeup.attempt,
    epoch: wakeup.epoch,
    runAfter: new Date(target + (arrivals - 1) * EARLY_ARRIVAL_STEP_MS),
    target: new Date(target),
    reason: `at${target}-${arrivals}`,
    earlyArrivals: arrivals,
  };
}

/**
 * The wake-up that continues a lane task which stopped at its limits before its job was accounted
 * for: it stands in for the task's own wake-up. Named after the last lease the task ran (`lastRun`),
 * which only one task ever ran, so it is unique, and a duplicated delivery (which runs other jobs)
 * asks for its own.
 */
export function continuationOf(lane: Lane, wakeup: ReceivedWakeup, lastRun: { jobId: string; leaseEpoch: number }, now: Date): WakeupTask {
  return {
    lane,
    jobId: wakeup.job_id,
    attempt: wakeup.attempt,
    epoch: wakeup.epoch,
    runAfter: now,
    reason: `more-${lastRun.jobId}-${lastRun.leaseEpoch}`,
  };
}

/** What Cloud Tasks accepts as a task id. */
const TASK_ID = /^[A-Za-z0-9_-]{1,500}$/;
/** Hex digits of the name's digest that lead it. */
const SPREAD_DIGITS = 8;

/**
 * Deterministic task name: letters, digits, `-` and `_` only, at most 500 characters, led by 8 hex
 * digits of its digest. Cloud Tasks slows down on names with sequential prefixes, which a parent's
 * children (`<parent>-shard-1`, `-2`, …) would otherwise have. A name that does not fit as it is (a job
 * id with other characters, or a long one) is spelled with a digest of the whole, so two ids that read
 * alike ("a.b", "a_b") or two wake-ups of a long id never share a name: Cloud Tasks would refuse the
 * second as a duplicate, and the job would wait for no task.
 */
export function wakeupTaskName(task: WakeupTask): string {
  const base = `${task.jobId}-${task.attempt}-${task.epoch}${task.reason ? `-${task.reason}` : ""}`;
  const digest = createHash("sha256").update(base).digest("hex");
  const spread = digest.slice(0, SPREAD_DIGITS);
  const name = `${spread}-${base}`;
  if (TASK_ID.test(name)) return name;
  return `${spread}-${base.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 400)}-${digest.slice(0, 32)}`;
}

export function wakeupPayload(task: WakeupTask): WakeupPayload {
  const payload: WakeupPayload = {
    lane: task.lane,
    job_id: task.jobId,
    attempt: task.attempt,
    epoch: task.epoch,
    run_after: (task.target ?? task.runAfter).getTime(),
  };
  if (task.earlyArrivals) payload.early_arrivals = task.earlyArrivals;
  return payload;
}
