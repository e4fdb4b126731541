/**
 * Parent and child jobs (as BullMQ's flows): a parent creates its children, waits `deferred`
 * (using no attempts) until every child is final, then its type's completion hook
 * (`finishParent`) runs once with the children's outcomes.
 *
 * - Child ids are deterministic (`<parent>-shard-<n>`), so a parent retried after a crash creates
 *   none twice (and passes over those it made without a write); once every child exists the parent
 *   records `shards.total`, and from then on a lease of the parent only checks its children and,
 *   when all are final, finishes it.
 * - Each child that reaches a final status is counted into the parent's `shards` once (see
 *   `JobQueue.recordChildFinished`); the child that completes the set makes the parent due and
 *   wakes it, so it finishes at once instead of at its next check. The parent reads the children
 *   themselves before finishing, so a child whose count was missed (a crash after its final write)
 *   delays it only until its next check, or until the watchdog wakes it.
 *
 * - Cancelling a parent cancels its open children (`cancelChildren`), and a parent stops creating
 *   children once its cancel is seen; one it creates before that is cancelled when leased
 *   (`JobQueue.parentCancelledSinceQueued`). Children an operator's retry queued again since the
 *   cancel are left to run, also by a cancel still going through them. A parent waiting for its children is not ended by the
 *   cancel but asked, and woken: its own run settles it over them, cancelled with what they did when
 *   the cancel stopped one of them, else as they make it.
 * - An operator's retry of a parent re-runs its unsuccessful children and keeps the succeeded ones
 *   (`requeueChildren`), as BullMQ retries a flow's failed children: the parent waits for them
 *   again and finishes over their new outcomes.
 *
 * In the data the children are a parent's `shards`, as the product's contract names them.
 */
import type { Firestore, QueryDocumentSnapshot } from "firebase-admin/firestore";
import { pageCollection } from "../util/paging";
import { ChildrenNotCancelledError, InvalidTransitionError } from "./errors";
import { JOB_COLLECTIONS } from "./collections";
import type { HandlerInput, HandlerOutcome, JobHandler, PayloadSchema } from "./handler";
import { FINAL_STATUSES, type JobStatus, RETRYABLE_STATUSES, isFinalStatus, isSuccessStatus } from "./lifecycle";
import type { BasePayload, ChildCounts, ChildJob, ChildSpec, ChildrenCreated, Job, ResultSummary, WakeupSubject } from "./model";
import { type WakeupOutcome, sendWakeup, submitJob } from "./intake";
import { CANCELLED_WITH_PARENT, type CancelResult, type JobQueue, cancelPending } from "./queue";
import * as logs from "./logs";
import { cancelAsked } from "./outcomes";
import { type TaskQueuePort, wakeupFor, wakeupSubjectOf } from "./task-queue";
import type { HeldLease } from "./lease";
import { shortList } from "../util/short-list";

/** How long a parent waits before it looks at its children again when nothing wakes it sooner. */
export const CHILD_CHECK_INTERVAL_MS = 60_000;
/** The reason of a parent's wait for its children; a cancel does not stop it (see `settleParent`). */
export const WAITING_FOR_SHARDS = "WAITING_FOR_SHARDS";
/** Wake-ups of a parent whose children finished are named with this, apart from its own. */
const CHILDREN_DONE = "children-done";
/** Children read in one call when a retry run again wakes those an earlier run re-queued. */
const WAITING_READ_BATCH = 100;
/** Children a parent's cancel closed, counted into it per batch (a marker each, and the parent). */
const COUNTED_PER_BATCH = 200;
/** How many children still stopping a refused retry names; the rest are counted. */
const STOPPING_CHILDREN_NAMED = 3;

/** What an operator's cancel did (`JobFlows.cancel`). */
export interface OperatorCancel {
  /** The job's status after it: still open when the job was only asked to stop; an ended job's own, kept. */
  status: JobStatus;
  /** The job was asked to stop at its next safe point rather than cancelled at once. */
  cancelRequested: boolean;
  /** The job was asked to stop before: nothing was written to it. */
  alreadyRequested: boolean;
  /** The job had ended before this cancel (cancelled already, or otherwise): only its open children were cancelled. */
  alreadyEnded: boolean;
  /** The children this cancel asked to stop or cancelled (not those asked before). */
  childrenCancelled: number;
  /** A parent the cancel made due (the job, or the job's parent) whose wake-up was not sent: it waits for its next check. */
  wakeupError?: Error;
}

export function childJobId(parentId: string, index: number): string {
  return `${parentId}-shard-${index}`;
}

export class JobFlows {
  constructor(
    private readonly db: Firestore,
    private readonly queue: JobQueue,
    private readonly tasks: TaskQueuePort,
  ) {}

  /**
   * Creates `parent`'s children in order (an existing id is left as it is), then records their
   * total; stops with the signal's reason (a cancel, a lost lease) before the next child. A retry
   * part-way through passes over the children an earlier attempt made, known from one listing,
   * instead of asking to create each again.
   */
  async createChildren(
    parent: Job,
    lease: HeldLease,
    children: AsyncIterable<ChildSpec> | Iterable<ChildSpec>,
    signal: AbortSignal,
  ): Promise<ChildrenCreated> {
    const result: ChildrenCreated = { total: 0, created: 0, existing: 0 };
    const createdBy = `system:${parent.type}`;
    const made = await this.childIdsCreatedBy(parent.id, createdBy);
    for await (const child of children) {
      signal.throwIfAborted();
      result.total++;
      const id = childJobId(parent.id, result.total);
      if (made.has(id)) {
        result.existing++;
        continue;
      }
      const created = await submitJob(this.queue, this.tasks, { ...child, id, parent_job_id: parent.id, created_by: createdBy });
      if (created.created) result.created++;
      else result.existing++;
    }
    await this.queue.recordChildTotal(lease, result.total);
    return result;
  }

  /** The ids of `parentId`'s children written by `createdBy` (as `createJob` would find them its own). */
  private async childIdsCreatedBy(parentId: string, createdBy: string): Promise<Set<string>> {
    const query = this.db.collection(JOB_COLLECTIONS.jobs).where("parent_job_id", "==", parentId).select("created_by");
    const ids = new Set<string>();
    for await (const page of pageCollection(query)) for (const doc of page) if (doc.get("created_by") === createdBy) ids.add(doc.id);
    return ids;
  }

  /**
   * An operator's cancel of `jobId` and its open children. The job is cancelled first; when a
   * child's cancel then fails, the error says so, and the same cancel run again finishes the
   * children. A parent waiting for its children is only asked (`JobQueue.cancelJob`), and made due
   * once none of them is still stopping, so its own run settles it over them at once; the children
   * the cancel closed are counted into it, so one with a child still stopping is woken as that child ends. A job that has ended keeps its status and has
   * its open children cancelled: cancelled already, or ended otherwise with children an operator's
   * retry cut short queued again. It is refused only when none of its children was left open.
   * Children an operator's retry of the job queued again while this cancel went through them are
   * left to run, and not counted (`JobQueue.cancelChild`).
   */
  async cancel(jobId: string): Promise<OperatorCancel> {
    const cancelChildren = async (outcome: string, requestedAt?: Date) => {
      try {
        return await this.cancelOpenChildren(jobId, requestedAt);
      } catch (err) {
        throw new ChildrenNotCancelledError(jobId, outcome, err);
      }
    };
    let cancelled: CancelResult;
    try {
      cancelled = await this.queue.cancelJob(jobId);
    } catch (err) {
      const ended = err instanceof InvalidTransitionError ? FINAL_STATUSES.find((status) => status === err.from) : undefined;
      if (!ended) throw err;
      // A failure among its children names the job as it is: cancelled, or as it ended otherwise. Its open children
      // are those queued before this cancel (by a retry cut short).
      const childrenCancelled = (await cancelChildren(ended, this.queue.now())).asked;
      if (childrenCancelled === 0) throw err;
      return { status: ended, cancelRequested: false, alreadyRequested: false, alreadyEnded: true, childrenCancelled };
    }
    const parentWoken = cancelled.status === "cancelled" ? await this.cancelledChildFinished(jobId, cancelled.parentJobId) : null;
    const { status, cancelRequested, alreadyRequested } = cancelled;
    const children = await cancelChildren(cancelRequested ? "asked to stop" : "cancelled");
    // A parent asked to stop stays open: the children the cancel closed are counted into it, so the last of
    // those still stopping wakes it when it ends (`childFinished`).
    let woken = cancelRequested ? await this.cancelledChildrenFinished(jobId, children.closed) : null;
    if (!woken && cancelRequested && status === "deferred" && children.total > 0 && children.stopping === 0) {
      const due = await this.queue.wakeDeferred(jobId);
      if (due) woken = await sendWakeup(this.tasks, wakeupFor(due, CHILDREN_DONE));
    }
    const wakeupError = woken?.wakeupError ?? parentWoken?.wakeupError;
    return {
      status,
      cancelRequested,
      alreadyRequested,
      alreadyEnded: false,
      childrenCancelled: children.asked,
      ...(wakeupError ? { wakeupError } : {}),
    };
  }

  /**
   * Children cancelled where no worker ends them (those a parent's cancel closed; one an operator's or
   * a client's cancel, or its lease, found waiting) are counted into their parent now, in batches, so a
   * parent whose last children they were is woken at once, not at its next check; whether that made it
   * due (its wake-up is sent: whether it was, or null when it was not made due). Counting is the parent's to finish: a
   * failure only delays it until that check.
   */
  private async cancelledChildrenFinished(parentId: string, cancelled: readonly string[]): Promise<WakeupOutcome | null> {
    try {
      for (let start = 0; start < cancelled.length; start += COUNTED_PER_BATCH) {
        const finished = cancelled.slice(start, start + COUNTED_PER_BATCH).map((id) => ({ id, status: "cancelled" as const }));
        const result = await this.queue.recordChildrenFinished(parentId, finished);
        if (typeof result === "object") return await sendWakeup(this.tasks, wakeupFor(result, CHILDREN_DONE));
      }
    } catch (err) {
      logs.childrenNotCounted(parentId, cancelled.length, err);
    }
    return null;
  }

  /** `cancelledChildrenFinished` for one cancelled job, when it is a child. */
  async cancelledChildFinished(jobId: string, parentJobId: string | null): Promise<WakeupOutcome | null> {
    return parentJobId === null ? null : this.cancelledChildrenFinished(parentJobId, [jobId]);
  }

  /**
   * Cancels every open child of `parentId` its cancel reaches (a running one at its next safe point);
   * how many were asked (not those asked before). A child that finished since it was read is left as
   * it is, and so is one an operator's retry of the parent queued again since (this may run late:
   * after a crash, from the watchdog), each child's cancel reading the parent (`JobQueue.cancelChild`).
   * A child whose cancel fails does not keep the others running: each is tried, then the first
   * failure is thrown.
   */
  async cancelChildren(parentId: string): Promise<number> {
    return (await this.cancelOpenChildren(parentId)).asked;
  }

  /**
   * `cancelChildren`, with how many children the parent has and how many of them are still stopping (asked, not ended).
   * `requestedAt`: an operator's cancel of a parent that had ended (see `JobQueue.cancelChild`). `children`: the
   * parent's children read already (each child's cancel reads it again in its transaction, so a stale status is safe).
   */
  private async cancelOpenChildren(
    parentId: string,
    requestedAt?: Date,
    read?: readonly ChildJob[],
  ): Promise<{ total: number; asked: number; stopping: number; closed: string[] }> {
    const children = read ?? (await this.children(parentId));
    let asked = 0;
    let stopping = 0;
    const closed: string[] = [];
    const failures: Error[] = [];
    for (const child of children.filter((child) => !isFinalStatus(child.status))) {
      try {
        const cancelled = await this.queue.cancelChild(child.id, requestedAt);
        if (!cancelled) continue;
        // One asked to stop before is not counted again (a second cancel of a running parent).
        if (!cancelled.alreadyRequested) asked++;
        if (cancelled.cancelRequested) stopping++;
        else closed.push(child.id);
      } catch (err) {
        if (!(err instanceof InvalidTransitionError)) failures.push(err as Error);
      }
    }
    if (failures.length > 0) throw failures[0];
    return { total: children.length, asked, stopping, closed };
  }

  /**
   * The first step of an operator's retry of `parentId`, before the parent itself is queued: its
   * unsuccessful children (failed, needs_review, deadletter, cancelled) are queued again and taken
   * out of its counts, one transaction each; its succeeded children are kept. The parent, queued
   * next, then waits for them and the last to finish wakes it. A crash or a timeout part-way leaves
   * the parent finished, so the same retry run again completes it: it re-queues the children left,
   * and wakes those the first run re-queued that still wait. (One of those that ran meanwhile, as
   * the watchdog's stale step or another wake-up of its lane may run it, found its parent closed:
   * unsuccessful, it is re-queued again; succeeded, it is in no count, and the parent finishes at
   * its own next check, which reads its children, rather than on their last wake-up.) Returns the children
   * waiting again, to be woken once the parent is queued (one that finished before would find its
   * parent closed and not be counted). A retry refused throws first, changing nothing: by the
   * parent's status or dedup key, a child to re-run whose document no longer parses, or a child
   * still stopping after a cancel (it would end cancelled once the parent is queued, counted as a
   * failure). Another job that takes the parent's dedup key while the children are re-queued has
   * the parent refused after them, as a retry cut short (see `Engine.retry`).
   */
  async requeueChildren(parentId: string): Promise<WakeupSubject[]> {
    const children = await this.childDocs(parentId);
    const statusOf = (child: QueryDocumentSnapshot) => child.get("status") as JobStatus;
    const unsuccessful = children.filter((child) => RETRYABLE_STATUSES.includes(statusOf(child))).map((child) => child.id);
    const status = await this.queue.checkRetry(parentId, unsuccessful);
    const stopping = children.filter(cancelPending).map((child) => child.id);
    if (stopping.length > 0) {
      throw new InvalidTransitionError(
        parentId,
        status,
        "retry",
        `children still stopping after a cancel (${shortList(stopping, STOPPING_CHILDREN_NAMED)}): retry when they have ended`,
      );
    }
    // Open children of a finished parent: an earlier run of this retry re-queued them (or an operator each).
    const waiting = children.filter((child) => statusOf(child) === "queued").map((child) => child.id);
    await this.queue.markSettledChildren(parentId, unsuccessful);
    const requeued: WakeupSubject[] = [];
    // The work left first: a run cut short again by the deadline spends it on what the last one did not do.
    for (const childId of unsuccessful) {
      const child = await this.queue.requeueChild(parentId, childId);
      if (child) requeued.push(child);
    }
    for (let start = 0; start < waiting.length; start += WAITING_READ_BATCH) {
      const refs = waiting.slice(start, start + WAITING_READ_BATCH).map((id) => this.queue.jobRef(id));
      for (const doc of await this.db.getAll(...refs)) if (doc.get("status") === "queued") requeued.push(wakeupSubjectOf(doc));
    }
    return requeued;
  }

  /** Every child of `parentId`, page by page. */
  async children(parentId: string): Promise<ChildJob[]> {
    return (await this.childDocs(parentId)).map(childJobOf);
  }

  /** The documents of every child of `parentId`, page by page. */
  private async childDocs(parentId: string): Promise<QueryDocumentSnapshot[]> {
    const query = this.db.collection(JOB_COLLECTIONS.jobs).where("parent_job_id", "==", parentId);
    const docs: QueryDocumentSnapshot[] = [];
    for await (const page of pageCollection(query)) docs.push(...page);
    return docs;
  }

  /**
   * A parent with children: when every child exists and is final, its counts are settled and its
   * type's `finishParent` runs; otherwise it waits (deferred) until its next check. Asked to stop, it
   * asks its open children to stop too and waits on for them, so it settles over all they did rather
   * than end before those still stopping (their ends would find it closed, their work left out of it).
   */
  async settleParent<D>(
    input: HandlerInput<BasePayload, D>,
    handler: JobHandler<PayloadSchema, D>,
    total: number,
    waitingSummary: ResultSummary = {},
  ): Promise<HandlerOutcome> {
    const { job, lease, engine } = input;
    let childDocs = await this.childDocs(job.id);
    if (cancelAsked(job, lease) && childDocs.some((child) => !isFinalStatus(child.get("status") as JobStatus))) {
      // Those waiting are closed and counted at once (the last still stopping then wakes it as it ends); read again.
      const cancelled = await this.cancelOpenChildren(job.id, undefined, childDocs.map(childJobOf));
      await this.cancelledChildrenFinished(job.id, cancelled.closed);
      childDocs = await this.childDocs(job.id);
    }
    const children = childDocs.map(childJobOf);
    const final = children.filter((child) => isFinalStatus(child.status));
    const succeeded = final.filter((child) => isSuccessStatus(child.status)).length;
    const counts: ChildCounts = { total, done: final.length, succeeded, failed: final.length - succeeded };
    await engine.reportProgress({ done: counts.done, total });
    // Its children all exist once their total is recorded: one gone since (deleted by its TTL while an
    // operator's retry of the parent kept it, or by hand) never comes back, so waiting would never end.
    const present = new Set(children.map((child) => child.id));
    const missing = Array.from({ length: total }, (_, index) => childJobId(job.id, index + 1)).filter((id) => !present.has(id));
    if (missing.length > 0) {
      return {
        kind: "completed",
        status: "needs_review",
        summary: {
          mode: job.payload.mode,
          ...waitingSummary,
          shards_total: total,
          shards_done: counts.done,
          shards_missing: missing.length,
        },
        error: {
          code: "SHARDS_MISSING",
          message: `${missing.length} of ${total} shard(s) no longer exist, so this job cannot finish: write a new job for their part`,
          transient: false,
          details: { missing: missing.slice(0, 100) },
        },
      };
    }
    if (final.length < children.length) {
      return {
        kind: "deferred",
        until: new Date(this.queue.now().getTime() + CHILD_CHECK_INTERVAL_MS),
        reason: { code: WAITING_FOR_SHARDS, message: `${counts.done} of ${total} shard(s) finished` },
        summary: { mode: job.payload.mode, ...waitingSummary, shards_total: total, shards_done: counts.done },
      };
    }
    await this.queue.settleChildCounts(lease, counts);
    if (!handler.finishParent) throw new Error(`job type ${job.type} created children but has no finishParent hook`);
    const outcome = await handler.finishParent(input, children);
    // Asked to stop (while it ran, or while it waited: leased with the cancel asked), and the cancel closed children
    // before they ran: it ends cancelled (with what its children did), not with the failure those children make.
    // Children that all ran leave their outcome standing, and so does one cancelled on its own before the cancel.
    const stoppedByCancel = (child: QueryDocumentSnapshot) =>
      child.get("status") === "cancelled" && child.get(CANCELLED_WITH_PARENT) === true;
    if (cancelAsked(job, lease) && childDocs.some(stoppedByCancel))
      return { kind: "completed", status: "cancelled", summary: outcome.kind === "completed" ? outcome.summary : {} };
    return outcome;
  }

  /** A job reached a final status: if it is a child, it is counted into its parent, which is woken when it was the last. */
  async childFinished(child: Pick<Job, "id" | "parent_job_id">, status: JobStatus): Promise<void> {
    if (!child.parent_job_id) return;
    const result = await this.queue.recordChildFinished(child.parent_job_id, child.id, status);
    if (typeof result === "object") await this.tasks.enqueueWakeup(wakeupFor(result, CHILDREN_DONE));
  }

  /**
   * Makes a waiting parent due now and enqueues its wake-up (the watchdog, once it saw every child
   * final); a worker then finishes it. Whether this call woke it: whether its wake-up is the one
   * the task queue took (named after the parent's wait, so of overlapping calls one is, whichever
   * made the parent due; both, when one's enqueue went unanswered: `CloudTasksQueue.enqueueWakeup`).
   * False when the parent is not waiting, or its wake-up was sent already (by its last child, a
   * cancel, another call).
   */
  async wakeParent(parentId: string): Promise<boolean> {
    const woken = await this.queue.wakeDeferred(parentId);
    if (!woken) return false;
    return (await this.tasks.enqueueWakeup(wakeupFor(woken, CHILDREN_DONE))) === "enqueued";
  }
}

/** A child as its parent's `finishParent` sees it. */
function childJobOf(doc: QueryDocumentSnapshot): ChildJob {
  return {
    id: doc.id,
    type: doc.get("type") as string,
    status: doc.get("status") as JobStatus,
    payload: (doc.get("payload") as Record<string, unknown> | undefined) ?? {},
    result_summary: (doc.get("result_summary") as ResultSummary | null | undefined) ?? null,
    llm_usage: doc.get("llm_usage") as unknown,
    error: doc.get("error") as unknown,
  };
}
