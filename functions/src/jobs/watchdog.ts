/**
 * The watchdog: the engine's self-healing sweep, run on a schedule and by the CLI and the local
 * runtime. Steps, most urgent first: recover expired leases, wake ready jobs whose wake-up task was
 * lost, complete parents whose shards all finished, delete expired locks, delete expired
 * idempotency records (their TTL policy is a backstop, never relied on).
 *
 * Every step pages through a query with a cursor and stops when the time budget is spent; what it
 * left is counted and reported (`complete: false`), never silently dropped. Every change is
 * conditioned on what the query saw, so two overlapping runs change (and count) each item once.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { DocumentSnapshot, Firestore, Query, QueryDocumentSnapshot, Timestamp } from "firebase-admin/firestore";
import * as logger from "firebase-functions/logger";
import { z } from "zod";
import { APPLY_COLLECTIONS } from "../apply/collections";
import { JOB_COLLECTIONS } from "./collections";
import type { JobLogger } from "./context";
import type { LockManager } from "./locks";
import { FINAL_STATUSES, LEASABLE_STATUSES, jobDocumentSchema, type JobStatus, type Lane } from "./model";
import { isConflict, type FailOutcome, type JobQueue, WORKER_STATUSES } from "./queue";

export const WATCHDOG_STEPS = ["expired_leases", "stale_queued", "finished_parents", "expired_locks", "expired_idempotency"] as const;
export type WatchdogStep = (typeof WATCHDOG_STEPS)[number];

export const DEFAULT_WATCHDOG_PAGE_SIZE = 100;

/** A ready job that needs a wake-up task for its lane. */
export interface WakeupRequest {
  id: string;
  queue: Lane;
  run_after: Date;
  attempts: number;
  lease_epoch: number;
  /** Why the watchdog asks: lets the task adapter tell a deliberate re-enqueue from a duplicate. */
  reason: "lease_recovered" | "stale_queued";
}

export interface WatchdogDeps {
  db: Firestore;
  queue: JobQueue;
  locks: LockManager;
  now: () => Date;
  enqueueWakeup: (job: WakeupRequest) => Promise<unknown>;
  /** The enrichment fan-in: aggregates a parent's finished shards; true when it completed the parent. */
  completeParent?: (parentJobId: string) => Promise<boolean>;
  log?: Pick<JobLogger, "info" | "warn">;
}

export interface WatchdogOptions {
  budgetMs: number;
  /** A ready job whose `run_after` passed longer ago than this has lost its wake-up task. */
  staleQueuedMs: number;
  pageSize?: number;
}

export interface WatchdogCounts {
  /** Expired leases taken back: requeued, deadlettered or cancelled. */
  expired_leases_recovered: number;
  deadlettered: number;
  /** Recovered jobs whose cancel had been requested: they end as `cancelled` instead of running again. */
  cancelled: number;
  /** Locks the recovered jobs' dead workers still held. */
  locks_released: number;
  locks_deleted: number;
  idempotency_deleted: number;
  requeued: number;
  parents_completed: number;
  pages: number;
  /** Items whose handling threw; logged one by one, retried by the next run. */
  errors: number;
}

export interface WatchdogReport extends WatchdogCounts {
  run_id: string;
  started_at: Date;
  finished_at: Date;
  duration_ms: number;
  /** Every step went through all its items. */
  complete: boolean;
  /** Steps the budget ran out in (or before), with the number of items they still had. */
  remaining: Partial<Record<WatchdogStep, number>>;
  skipped: WatchdogStep[];
}

/** The job fields the watchdog needs, parsed on their own so a job whose payload no longer parses is still recovered. */
const jobFieldsSchema = jobDocumentSchema.pick({
  queue: true,
  status: true,
  attempts: true,
  max_attempts: true,
  run_after: true,
  lease_owner: true,
  lease_expires_at: true,
  lease_epoch: true,
  cancel_requested: true,
});
type JobFields = z.infer<typeof jobFieldsSchema>;

const ENRICH_PARENT_TYPE = "CATALOG_ENRICH_FIELD";

export class Watchdog {
  constructor(
    private readonly deps: WatchdogDeps,
    private readonly options: WatchdogOptions,
  ) {}

  /** One sweep. `runId` names the report document; a re-delivered schedule event that passes the same id overwrites it. */
  async run(runId?: string): Promise<WatchdogReport> {
    const startedAt = this.deps.now();
    return new WatchdogRun(this.deps, this.options, runId ?? defaultRunId(startedAt), startedAt).execute();
  }
}

function defaultRunId(startedAt: Date): string {
  return `${startedAt.toISOString()}_${randomUUID().slice(0, 8)}`;
}

/** The state of one sweep: its clock cut-off, budget and counts. */
class WatchdogRun {
  private readonly startedMs = performance.now();
  private readonly pageSize: number;
  private readonly log: Pick<JobLogger, "info" | "warn">;
  private readonly counts: WatchdogCounts = {
    expired_leases_recovered: 0,
    deadlettered: 0,
    cancelled: 0,
    locks_released: 0,
    locks_deleted: 0,
    idempotency_deleted: 0,
    requeued: 0,
    parents_completed: 0,
    pages: 0,
    errors: 0,
  };
  private readonly remaining: Partial<Record<WatchdogStep, number>> = {};
  private readonly skipped: WatchdogStep[] = [];

  constructor(
    private readonly deps: WatchdogDeps,
    private readonly options: WatchdogOptions,
    private readonly runId: string,
    /** Every query compares against this one instant, so a step's item set is fixed and its paging ends. */
    private readonly startedAt: Date,
  ) {
    this.pageSize = options.pageSize ?? DEFAULT_WATCHDOG_PAGE_SIZE;
    this.log = deps.log ?? logger;
  }

  async execute(): Promise<WatchdogReport> {
    await this.sweep("expired_leases", this.expiredLeasesQuery(), (doc) => this.recoverLease(doc));
    await this.sweep("stale_queued", this.staleQueuedQuery(), (doc) => this.wakeStaleJob(doc));
    await this.completeFinishedParents();
    await this.sweep("expired_locks", this.expiredQuery(JOB_COLLECTIONS.locks), (doc) => this.deleteExpired(doc, "locks_deleted"));
    await this.sweep("expired_idempotency", this.expiredQuery(APPLY_COLLECTIONS.idempotency), (doc) =>
      this.deleteExpired(doc, "idempotency_deleted"),
    );
    const report = this.report();
    this.logReport(report);
    await this.saveReport(report);
    return report;
  }

  // ------------------------------------------------------------------ paging and budget

  /**
   * Pages through `query` with a cursor, handling a page's items concurrently. Checked between
   * pages, so a run overruns its budget by at most one page. When the budget is spent, counts what
   * is left after the cursor.
   */
  private async sweep(step: WatchdogStep, query: Query, handle: (doc: QueryDocumentSnapshot) => Promise<void>): Promise<void> {
    let cursor: QueryDocumentSnapshot | undefined;
    for (;;) {
      const rest = cursor ? query.startAfter(cursor) : query;
      if (this.budgetSpent()) return this.recordRemaining(step, rest);
      const page = await rest.limit(this.pageSize).get();
      this.counts.pages++;
      await Promise.all(page.docs.map((doc) => this.guarded(step, doc.id, () => handle(doc))));
      if (page.size < this.pageSize) return;
      cursor = page.docs[page.size - 1];
    }
  }

  private budgetSpent(): boolean {
    return performance.now() - this.startedMs >= this.options.budgetMs;
  }

  private async recordRemaining(step: WatchdogStep, rest: Query): Promise<void> {
    const left = await countOf(rest);
    if (left > 0) this.remaining[step] = left;
  }

  /** One item's failure (contention, an outage) must not stop the sweep: it is counted, logged, and left for the next run. */
  private async guarded(step: WatchdogStep, docId: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.counts.errors++;
      this.log.warn("watchdog item failed", {
        run_id: this.runId,
        step,
        doc_id: docId,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  }

  // ------------------------------------------------------------------ queries

  private get jobs(): Query {
    return this.deps.db.collection(JOB_COLLECTIONS.jobs);
  }

  private expiredLeasesQuery(): Query {
    return this.jobs
      .where("status", "in", WORKER_STATUSES)
      .where("lease_expires_at", "<=", Timestamp.fromDate(this.startedAt))
      .orderBy("lease_expires_at");
  }

  private staleQueuedQuery(): Query {
    const staleBefore = new Date(this.startedAt.getTime() - this.options.staleQueuedMs);
    return this.jobs
      .where("status", "in", LEASABLE_STATUSES)
      .where("run_after", "<=", Timestamp.fromDate(staleBefore))
      .orderBy("run_after");
  }

  private deferredParentsQuery(): Query {
    return this.jobs.where("type", "==", ENRICH_PARENT_TYPE).where("status", "==", "deferred");
  }

  private expiredQuery(collection: string): Query {
    return this.deps.db.collection(collection).where("expires_at", "<=", Timestamp.fromDate(this.startedAt)).orderBy("expires_at");
  }

  // ------------------------------------------------------------------ expired leases

  /**
   * Takes back one expired lease in a transaction that re-reads the job and re-checks it against
   * what the query saw: a lease renewed meanwhile, or already recovered by an overlapping run (the
   * epoch moved), is left alone. Bumping the epoch fences the dead worker out of every later write.
   */
  private async recoverLease(seen: QueryDocumentSnapshot): Promise<void> {
    const seenEpoch = seen.get("lease_epoch") as number;
    const recovery = await this.deps.db.runTransaction(async (tx) => {
      const snap = await tx.get(seen.ref);
      if (!snap.exists) return null;
      const job = readJobFields(snap);
      if (!this.isExpiredLease(job, seenEpoch)) return null;
      const outcome = this.recoveryOutcome(job);
      tx.update(snap.ref, this.recoveryChanges(job, outcome));
      return { job, outcome, epoch: job.lease_epoch + 1 };
    });
    if (!recovery) return;
    this.countRecovery(recovery.outcome.status);
    // After the commit, not inside it: a crash here leaves locks that expire on their own and a job the stale step wakes.
    this.counts.locks_released += await this.deps.locks.releaseAllForJob(seen.id, recovery.epoch);
    if (recovery.outcome.runAfter) {
      await this.wake(seen.id, { ...recovery.job, lease_epoch: recovery.epoch }, recovery.outcome.runAfter, "lease_recovered");
    }
  }

  private isExpiredLease(job: JobFields, seenEpoch: number): boolean {
    return (
      WORKER_STATUSES.includes(job.status) &&
      job.lease_epoch === seenEpoch &&
      job.lease_expires_at !== null &&
      job.lease_expires_at.toMillis() <= this.deps.now().getTime()
    );
  }

  /** A job whose cancel was requested is not run again; otherwise the lost run counts as a transient failure. */
  private recoveryOutcome(job: JobFields): FailOutcome {
    if (job.cancel_requested) return { status: "cancelled", runAfter: null };
    return this.deps.queue.failureOutcome(job, { kind: "transient" });
  }

  private recoveryChanges(job: JobFields, outcome: FailOutcome): Record<string, unknown> {
    const now = Timestamp.fromDate(this.deps.now());
    return {
      status: outcome.status,
      ...(outcome.runAfter ? { run_after: Timestamp.fromDate(outcome.runAfter) } : {}),
      error: {
        code: "LEASE_EXPIRED",
        message: `the lease of ${job.lease_owner ?? "an unknown worker"} expired at ${job.lease_expires_at?.toDate().toISOString()} without renewal`,
        transient: true,
        details: { previous_owner: job.lease_owner, epoch: job.lease_epoch },
      },
      lease_owner: null,
      lease_expires_at: null,
      lease_epoch: job.lease_epoch + 1,
      finished_at: outcome.status === "queued" ? null : now,
      updated_at: now,
    };
  }

  private countRecovery(status: JobStatus): void {
    this.counts.expired_leases_recovered++;
    if (status === "deadletter") this.counts.deadlettered++;
    if (status === "cancelled") this.counts.cancelled++;
  }

  // ------------------------------------------------------------------ wake-ups

  /** Task names derive from the job, so an overlapping run asking for the same wake-up enqueues nothing new. */
  private async wakeStaleJob(doc: QueryDocumentSnapshot): Promise<void> {
    const job = readJobFields(doc);
    await this.wake(doc.id, job, job.run_after.toDate(), "stale_queued");
    this.counts.requeued++;
  }

  private async wake(
    id: string,
    job: Pick<JobFields, "queue" | "attempts" | "lease_epoch">,
    runAfter: Date,
    reason: WakeupRequest["reason"],
  ): Promise<void> {
    await this.deps.enqueueWakeup({
      id,
      queue: job.queue,
      run_after: runAfter,
      attempts: job.attempts,
      lease_epoch: job.lease_epoch,
      reason,
    });
  }

  // ------------------------------------------------------------------ parents

  private async completeFinishedParents(): Promise<void> {
    const completeParent = this.deps.completeParent;
    if (!completeParent) {
      this.skipped.push("finished_parents");
      return;
    }
    await this.sweep("finished_parents", this.deferredParentsQuery(), async (parent) => {
      if (!(await this.shardsAllFinished(parent))) return;
      if (await completeParent(parent.id)) this.counts.parents_completed++;
    });
  }

  /** Counted, not read: a parent may have thousands of shards. All of them must exist (`shards.total`) and be final. */
  private async shardsAllFinished(parent: QueryDocumentSnapshot): Promise<boolean> {
    const shards = this.jobs.where("parent_job_id", "==", parent.id);
    const [all, finished] = await Promise.all([countOf(shards), countOf(shards.where("status", "in", FINAL_STATUSES))]);
    const expected = parent.get("shards.total") as unknown;
    return all > 0 && finished === all && (typeof expected !== "number" || all >= expected);
  }

  // ------------------------------------------------------------------ expired documents

  /**
   * Deletes the document only if unchanged since the query saw it expired: a lock re-taken (or a
   * record rewritten) meanwhile survives, and of two overlapping runs only one delete lands.
   */
  private async deleteExpired(doc: QueryDocumentSnapshot, counter: "locks_deleted" | "idempotency_deleted"): Promise<void> {
    try {
      await doc.ref.delete({ lastUpdateTime: doc.updateTime });
      this.counts[counter]++;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }

  // ------------------------------------------------------------------ report

  private report(): WatchdogReport {
    return {
      run_id: this.runId,
      started_at: this.startedAt,
      finished_at: this.deps.now(),
      duration_ms: Math.round(performance.now() - this.startedMs),
      ...this.counts,
      complete: Object.keys(this.remaining).length === 0,
      remaining: this.remaining,
      skipped: this.skipped,
    };
  }

  private logReport(report: WatchdogReport): void {
    const fields = { ...report, started_at: report.started_at.toISOString(), finished_at: report.finished_at.toISOString() };
    if (report.complete && report.errors === 0) this.log.info("watchdog run", fields);
    else this.log.warn("watchdog run", fields);
  }

  private async saveReport(report: WatchdogReport): Promise<void> {
    await this.deps.db
      .collection(JOB_COLLECTIONS.watchdogRuns)
      .doc(report.run_id)
      .set({ ...report, started_at: Timestamp.fromDate(report.started_at), finished_at: Timestamp.fromDate(report.finished_at) });
  }
}

function readJobFields(snap: DocumentSnapshot): JobFields {
  const parsed = jobFieldsSchema.safeParse(snap.data());
  if (!parsed.success) throw new Error(`job ${snap.id} is unreadable: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

async function countOf(query: Query): Promise<number> {
  return (await query.count().get()).data().count;
}
