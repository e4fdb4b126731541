/**
 * The watchdog: the engine's self-healing sweep, run on a schedule and by the CLI and the local
 * runtime. Steps, most urgent first: recover expired leases, take in client-written jobs whose
 * create trigger never ran, cancel waiting jobs whose cancel a client asked for, wake lanes whose
 * last ready jobs may have lost their wake-up tasks, wake parents whose children all finished,
 * delete expired locks, delete expired records of the collections the composition root names
 * (idempotency records; their TTL policy is a backstop, never relied on).
 *
 * Every step but the lanes' (a page or two each) pages through a query with a cursor and stops when the
 * time budget is spent; what it left is counted and reported (`complete: false`), never silently
 * dropped. Every change is conditioned on what the query saw, so two overlapping runs change each
 * item once; they count it once too, except a job taken in (intake reports it accepted to the taker
 * that lost the race as well), a wake-up two runs in different staleness windows both ask for, and
 * one whose enqueue went unanswered and whose retry found it sent, perhaps by the other run
 * (`CloudTasksQueue.enqueueWakeup`).
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { type Firestore, type Query, type QueryDocumentSnapshot, Timestamp } from "firebase-admin/firestore";
import { isWriteConflict } from "../util/grpc-status";
import type { LogFields } from "../util/log";
import { JOB_COLLECTIONS } from "./collections";
import type { LockManager } from "./locks";
import type { JobFlows } from "./flows";
import { takeInJob } from "./intake";
import { rulesCheckedCreator } from "./job-document";
import * as logs from "./logs";
import { FINAL_STATUSES, type JobStatus, LEASABLE_STATUSES, WORKER_STATUSES, isOpenStatus } from "./lifecycle";
import { LANES, type Lane, type WakeupSubject } from "./model";
import type { FailOutcome, JobQueue } from "./queue";
import { type TaskQueuePort, wakeupFor, wakeupSubjectOf } from "./task-queue";

type WatchdogStep =
  "expired_leases" | "untaken_jobs" | "cancel_requests" | "stale_queued" | "finished_parents" | "expired_locks" | `expired:${string}`;

/** The steps that page through their items with a cursor, so that what the budget left of them can be counted. */
type PagedStep = Exclude<WatchdogStep, "stale_queued">;

const DEFAULT_WATCHDOG_PAGE_SIZE = 100;

/** Firestore's earliest timestamp: a range from it matches every document whose `run_after` is a timestamp. */
const EARLIEST = new Timestamp(-62_135_596_800, 0);

export interface WatchdogDeps {
  db: Firestore;
  queue: JobQueue;
  locks: LockManager;
  flows: JobFlows;
  tasks: TaskQueuePort;
  now: () => Date;
}

export interface WatchdogOptions {
  budgetMs: number;
  /**
   * A ready job whose `run_after` passed longer ago than this may have lost its wake-up task; a
   * client's job created longer ago than this and not yet taken in has lost its create trigger.
   */
  staleQueuedMs: number;
  /** How many of a lane's last ready jobs a run reads and may wake: the lane's concurrency (see `wakeLaneTails`). */
  staleWakeupsPerLane: Record<Lane, number>;
  /** Collections (besides the engine's locks) whose documents carry `expires_at` and are deleted once it passed. */
  expiringCollections?: readonly string[];
  pageSize?: number;
}

interface WatchdogCounts {
  /** Expired leases taken back: requeued, deadlettered or cancelled. */
  expired_leases_recovered: number;
  deadlettered: number;
  /**
   * Recovered jobs whose cancel had been requested: they end as `cancelled` instead of running again (but one that
   * settles its cancel itself, with a frozen plan or as a parent over its children, is queued again to do so).
   */
  cancelled: number;
  /** Locks the recovered jobs' dead workers still held. */
  locks_released: number;
  locks_deleted: number;
  /**
   * Client-written jobs whose create trigger never took them in, taken in here: queued, or failed
   * INVALID_JOB / DUPLICATE_JOB as intake fails them. A late trigger (or another run) taking one in
   * at the same moment writes it once, but both may count it.
   */
  untaken_taken_in: number;
  /** Waiting jobs cancelled because a client had asked (set `cancel_requested`), and not yet leased since. */
  cancel_requests_applied: number;
  /** Expired documents deleted, by collection. */
  expired_deleted: Record<string, number>;
  /**
   * Stale waiting jobs whose wake-up was asked for; not one an overlapping run asked for in the same window (but for
   * an enqueue left unanswered: see the module comment).
   */
  requeued: number;
  /**
   * Waiting parents whose wake-up was sent here, whether this run made them due or found them due (their last child's
   * wake-up lost); not one whose wake-up its last child, a cancel or an overlapping run sent, though this run made it due
   * (but for an enqueue left unanswered: see the module comment).
   */
  parents_woken: number;
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
  /**
   * Steps the budget ran out in (or before), with the number of items they still had; the lanes' step, which reads
   * lane tails and never counts a lane's jobs, as `stale_queued_lanes` with the number of lanes it did not read.
   */
  remaining: Partial<Record<PagedStep | "stale_queued_lanes", number>>;
  /** Steps stopped by a failure of their own queries (counted in `errors` too); the next run goes through them again. */
  failed_steps: WatchdogStep[];
}

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
  private readonly counts: WatchdogCounts = {
    expired_leases_recovered: 0,
    deadlettered: 0,
    cancelled: 0,
    locks_released: 0,
    locks_deleted: 0,
    untaken_taken_in: 0,
    cancel_requests_applied: 0,
    expired_deleted: {},
    requeued: 0,
    parents_woken: 0,
    pages: 0,
    errors: 0,
  };
  private readonly remaining: WatchdogReport["remaining"] = {};
  private readonly failedSteps: WatchdogStep[] = [];

  constructor(
    private readonly deps: WatchdogDeps,
    private readonly options: WatchdogOptions,
    private readonly runId: string,
    /** Every query compares against this one instant, so a step's item set is fixed and its paging ends. */
    private readonly startedAt: Date,
  ) {
    this.pageSize = options.pageSize ?? DEFAULT_WATCHDOG_PAGE_SIZE;
  }

  async execute(): Promise<WatchdogReport> {
    await this.step("expired_leases", () =>
      this.sweepPages("expired_leases", this.expiredLeasesQuery(), (docs) => this.recoverLeases(docs)),
    );
    await this.step("untaken_jobs", () => this.takeInUntakenJobs());
    await this.step("cancel_requests", () =>
      this.sweep("cancel_requests", this.cancelRequestedQuery(), (doc) => this.applyCancelRequest(doc)),
    );
    await this.step("stale_queued", () => this.wakeLaneTails());
    await this.step("finished_parents", () =>
      this.sweep("finished_parents", this.waitingParentsQuery(), (doc) => this.wakeFinishedParent(doc)),
    );
    await this.step("expired_locks", () =>
      this.sweep("expired_locks", this.expiredQuery(JOB_COLLECTIONS.locks), async (doc) => {
        if (!(await this.deps.locks.expiredButKept(doc)) && (await this.deleteExpired(doc))) this.counts.locks_deleted++;
      }),
    );
    for (const collection of this.options.expiringCollections ?? []) {
      this.counts.expired_deleted[collection] = 0;
      await this.step(`expired:${collection}`, () =>
        this.sweep(`expired:${collection}`, this.expiredQuery(collection), async (doc) => {
          if (await this.deleteExpired(doc)) this.counts.expired_deleted[collection]++;
        }),
      );
    }
    const report = this.report();
    this.logReport(report);
    await this.saveReport(report);
    return report;
  }

  // ------------------------------------------------------------------ paging and budget

  /** A step whose query fails (an outage) is reported as failed; the steps after it still run, and the report is saved. */
  private async step(step: WatchdogStep, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      this.counts.errors++;
      this.failedSteps.push(step);
      logs.watchdogStepFailed(this.runId, step, err);
    }
  }

  /** Pages through `query`, handling a page's items concurrently, each on its own (see `sweepPages`). */
  private sweep(step: PagedStep, query: Query, handle: (doc: QueryDocumentSnapshot) => Promise<void>): Promise<void> {
    return this.sweepPages(step, query, async (docs) => {
      await Promise.all(docs.map((doc) => this.guarded(step, itemOf(step, doc.id), () => handle(doc))));
    });
  }

  /**
   * Pages through `query` with a cursor. Checked between pages, so a run overruns its budget by at
   * most one page. When the budget is spent, counts what is left after the cursor.
   */
  private async sweepPages(step: PagedStep, query: Query, handlePage: (docs: QueryDocumentSnapshot[]) => Promise<void>): Promise<void> {
    let cursor: QueryDocumentSnapshot | undefined;
    for (;;) {
      const rest = cursor ? query.startAfter(cursor) : query;
      if (this.budgetSpent()) return this.recordRemaining(step, rest);
      const page = await rest.limit(this.pageSize).get();
      this.counts.pages++;
      await handlePage(page.docs);
      if (page.size < this.pageSize) return;
      cursor = page.docs[page.size - 1];
    }
  }

  private budgetSpent(): boolean {
    return performance.now() - this.startedMs >= this.options.budgetMs;
  }

  private async recordRemaining(step: PagedStep, rest: Query): Promise<void> {
    const left = await countOf(rest);
    if (left > 0) this.remaining[step] = left;
  }

  /** One item's failure (contention, an outage) must not stop the sweep: it is counted, logged, and left for the next run. */
  private async guarded(step: WatchdogStep, item: LogFields, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.counts.errors++;
      logs.watchdogItemFailed(this.runId, step, item, err);
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

  /** Waiting jobs with a client's cancel request and no frozen plan (one holding a plan runs on to finish it). */
  private cancelRequestedQuery(): Query {
    return this.jobs.where("status", "in", LEASABLE_STATUSES).where("cancel_requested", "==", true).where("plan_id", "==", null);
  }

  private get staleBefore(): Timestamp {
    return Timestamp.fromMillis(this.startedAt.getTime() - this.options.staleQueuedMs);
  }

  /** The lane's ready jobs, last in lane order first (lowest priority, newest). */
  private laneTailQuery(lane: Lane): Query {
    return this.jobs
      .where("queue", "==", lane)
      .where("status", "in", LEASABLE_STATUSES)
      .where("run_after", "<=", Timestamp.fromDate(this.startedAt))
      .orderBy("priority", "asc")
      .orderBy("created_at", "desc")
      .orderBy("run_after");
  }

  /** Descending: the index of the CLI's `list --status` serves it, so job writes maintain no extra index. */
  private oldQueuedQuery(): Query {
    return this.jobs.where("status", "==", "queued").where("created_at", "<=", this.staleBefore).orderBy("created_at", "desc");
  }

  /** Deferred parents whose children all exist (`shards.total` is recorded once they do). */
  private waitingParentsQuery(): Query {
    return this.jobs.where("status", "==", "deferred").where("shards.total", ">", 0);
  }

  private expiredQuery(collection: string): Query {
    return this.deps.db.collection(collection).where("expires_at", "<=", Timestamp.fromDate(this.startedAt)).orderBy("expires_at");
  }

  // ------------------------------------------------------------------ expired leases

  /**
   * Takes back a page of expired leases (see `JobQueue.recoverExpiredLease`: no read beyond the
   * page), then frees the dead workers' locks with one query for the whole page, then wakes the
   * jobs that may run again and cancels the open children of those cancelled (as `Engine.cancel`
   * does). After the commits, not inside them: a crash in between leaves locks that expire on
   * their own, jobs the stale step wakes, and children that run to their end for a closed parent.
   */
  private async recoverLeases(docs: QueryDocumentSnapshot[]): Promise<void> {
    const recovered: Array<FailOutcome & { job: WakeupSubject; keepsLocks: boolean }> = [];
    await Promise.all(
      docs.map((doc) =>
        this.guarded("expired_leases", { job_id: doc.id }, async () => {
          const recovery = await this.deps.queue.recoverExpiredLease(doc);
          if (!recovery) return;
          this.countRecovery(recovery.status);
          logs.expiredLeaseRecovered(this.runId, doc, recovery.status);
          // A job queued again with its plan frozen keeps its locks (`keptForPlan`).
          recovered.push({ ...recovery, keepsLocks: typeof doc.get("plan_id") === "string" && isOpenStatus(recovery.status) });
        }),
      ),
    );
    if (recovered.length === 0) return;
    const releasing = recovered.filter(({ keepsLocks }) => !keepsLocks).map(({ job }) => ({ jobId: job.id, maxEpoch: job.lease_epoch }));
    await this.guarded("expired_leases", { locks_of_jobs: releasing.map(({ jobId }) => jobId) }, async () => {
      this.counts.locks_released += await this.deps.locks.releaseAllForJobs(releasing);
    });
    await Promise.all(
      recovered
        .filter((recovery) => recovery.runAfter)
        .map((recovery) =>
          this.guarded(
            "expired_leases",
            { job_id: recovery.job.id },
            async () => void (await this.deps.tasks.enqueueWakeup(wakeupFor(recovery.job))),
          ),
        ),
    );
    await Promise.all(
      recovered
        .filter((recovery) => recovery.status === "cancelled")
        .map((recovery) =>
          this.guarded(
            "expired_leases",
            { job_id: recovery.job.id },
            async () => void (await this.deps.flows.cancelChildren(recovery.job.id)),
          ),
        ),
    );
  }

  private countRecovery(status: JobStatus): void {
    this.counts.expired_leases_recovered++;
    if (status === "deadletter") this.counts.deadlettered++;
    if (status === "cancelled") this.counts.cancelled++;
  }

  // ------------------------------------------------------------------ jobs intake never took in

  /**
   * A client's document has no `run_after` until intake writes one, so if its create trigger never
   * ran (deployed later than the rules, recreated, or failing past Eventarc's 24 hours of retries)
   * neither the polls nor the stale step see it, and Firestore cannot query for a missing field.
   * Counting the queued jobs older than `staleQueuedMs` (younger ones are left to their trigger, which
   * may be in flight) with and without a `run_after` range (every taken-in job has one), both at one
   * read time so a lease between them is no difference, costs a read per 1,000 such jobs and none for
   * finished ones; only when the counts differ are those jobs read, and the ones still without
   * `run_after` taken in as the trigger would. A document without `status` or `created_at` (the rules
   * let a client leave both out) is not found.
   */
  private async takeInUntakenJobs(): Promise<void> {
    const old = this.oldQueuedQuery();
    const [all, takenIn] = await this.deps.db.runTransaction(
      (tx) => Promise.all([tx.get(old.count()), tx.get(old.where("run_after", ">=", EARLIEST).count())]),
      { readOnly: true },
    );
    if (all.data().count === takenIn.data().count) return;
    await this.sweep("untaken_jobs", old, (doc) => this.takeIn(doc));
  }

  /**
   * Intake is conditioned on the document as this page read it: a late trigger racing this run takes
   * the job in once, and whichever loses sees it taken in and writes nothing. The trigger's auth
   * context is gone: the creator is the `created_by` the rules checked. Counted once taken in, before
   * its wake-up, as no later run finds it to count; a wake-up that fails is an error of its own, and
   * the stale step sends one later.
   */
  private async takeIn(doc: QueryDocumentSnapshot): Promise<void> {
    if (doc.get("run_after") !== undefined) return;
    const decision = await takeInJob(this.deps.queue, doc, rulesCheckedCreator(doc.data()));
    if (decision.outcome !== "accepted" && decision.outcome !== "invalid" && decision.outcome !== "duplicate") return;
    this.counts.untaken_taken_in++;
    logs.untakenJobTakenIn(this.runId, doc.id, decision.outcome);
    if (decision.outcome === "accepted") await this.deps.tasks.enqueueWakeup(wakeupFor(decision.job));
  }

  // ------------------------------------------------------------------ cancel requests

  /**
   * A client may only set `cancel_requested` (firestore.rules); the job's next lease would honour it,
   * but a job backing off or waiting for a lock or its children may not be leased for minutes. As
   * `Engine.cancel` would: the job is cancelled and its open children with it.
   */
  private async applyCancelRequest(doc: QueryDocumentSnapshot): Promise<void> {
    // Only as the query saw it: a lease (or an overlapping run) may have cancelled it since, an operator retried it.
    const cancelled = await this.deps.queue.cancelJob(doc.id, { onlyRequestedWaiting: true });
    if (cancelled?.status !== "cancelled") return;
    this.counts.cancel_requests_applied++;
    logs.cancelRequestApplied(this.runId, doc.id);
    await this.deps.flows.cancelledChildFinished(doc.id, cancelled.parentJobId);
    await this.deps.flows.cancelChildren(doc.id);
  }

  // ------------------------------------------------------------------ wake-ups

  /**
   * Lost wake-ups. A wake-up drains its lane in lane order until its own job is leased, so a ready
   * job whose wake-up is alive (one ready since recently) covers every job before it. So each run
   * reads the lane's ready jobs from its tail (lowest priority, newest), at most
   * `staleWakeupsPerLane`, and wakes those ready longer than `staleQueuedMs` up to the first that is
   * not. That count is the lane's concurrency: each wake-up drains the lane up to its job, so a
   * backlog whose wake-ups were all lost drains that wide. A backlog costs a run a page per lane,
   * not a read and a task per job.
   */
  private async wakeLaneTails(): Promise<void> {
    const isStale = (doc: QueryDocumentSnapshot) => (doc.get("run_after") as Timestamp).toMillis() <= this.staleBefore.toMillis();
    for (const [index, lane] of LANES.entries()) {
      // Left to the next run, which reads the tail as it is then: the lanes not read are what remains.
      if (this.budgetSpent()) {
        this.remaining.stale_queued_lanes = LANES.length - index;
        return;
      }
      // The last job first, alone: a lane that is empty or whose last job is fresh costs one read.
      const [last] = (await this.laneTailQuery(lane).limit(1).get()).docs;
      this.counts.pages++;
      if (!last || !isStale(last)) continue;
      const stale = [last];
      const wanted = this.options.staleWakeupsPerLane[lane];
      if (wanted > 1) {
        const before = await this.laneTailQuery(lane)
          .startAfter(last)
          .limit(wanted - 1)
          .get();
        this.counts.pages++;
        for (const doc of before.docs) {
          if (!isStale(doc)) break;
          stale.push(doc);
        }
      }
      await Promise.all(stale.map((doc) => this.guarded("stale_queued", { job_id: doc.id }, () => this.wakeStaleJob(doc))));
    }
  }

  /**
   * A stale job's earlier task may exist under its plain name, so the wake-up is named after the
   * staleness window: an overlapping run in the same window enqueues nothing new.
   */
  private async wakeStaleJob(doc: QueryDocumentSnapshot): Promise<void> {
    const job = wakeupSubjectOf(doc);
    const window = Math.floor(this.startedAt.getTime() / this.options.staleQueuedMs);
    if ((await this.deps.tasks.enqueueWakeup(wakeupFor(job, `stale${window}`))) !== "enqueued") return;
    this.counts.requeued++;
    logs.staleJobWoken(this.runId, doc.id, job.queue);
  }

  // ------------------------------------------------------------------ parents

  private async wakeFinishedParent(parent: QueryDocumentSnapshot): Promise<void> {
    if (!(await this.childrenAllFinished(parent))) return;
    if (!(await this.deps.flows.wakeParent(parent.id))) return;
    this.counts.parents_woken++;
    logs.parentWoken(this.runId, parent.id);
  }

  /** Counted, not read: a parent may have thousands of children. All of them must exist (`shards.total`) and be final. */
  private async childrenAllFinished(parent: QueryDocumentSnapshot): Promise<boolean> {
    const children = this.jobs.where("parent_job_id", "==", parent.id);
    const [all, finished] = await Promise.all([countOf(children), countOf(children.where("status", "in", FINAL_STATUSES))]);
    const expected = parent.get("shards.total") as unknown;
    return all > 0 && finished === all && (typeof expected !== "number" || all >= expected);
  }

  // ------------------------------------------------------------------ expired documents

  /**
   * Deletes the document only if unchanged since the query saw it expired: a lock re-taken (or a
   * record rewritten) meanwhile survives, and of two overlapping runs only one delete lands.
   */
  private async deleteExpired(doc: QueryDocumentSnapshot): Promise<boolean> {
    try {
      await doc.ref.delete({ lastUpdateTime: doc.updateTime });
      return true;
    } catch (err) {
      if (!isWriteConflict(err)) throw err;
      return false;
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
      complete: Object.keys(this.remaining).length === 0 && this.failedSteps.length === 0,
      remaining: this.remaining,
      failed_steps: this.failedSteps,
    };
  }

  private logReport(report: WatchdogReport): void {
    logs.watchdogRun({ ...report, started_at: report.started_at.toISOString(), finished_at: report.finished_at.toISOString() });
  }

  private async saveReport(report: WatchdogReport): Promise<void> {
    await this.deps.db
      .collection(JOB_COLLECTIONS.watchdogRuns)
      .doc(report.run_id)
      .set({
        ...report,
        started_at: Timestamp.fromDate(report.started_at),
        finished_at: Timestamp.fromDate(report.finished_at),
        expire_at: this.deps.queue.historyExpiry("watchdogReportsMs", report.finished_at),
      });
  }
}

/** How the log names an item of `step` whose handling failed: a job, a lock, or an expired record of the step's collection. */
function itemOf(step: WatchdogStep, id: string): LogFields {
  if (step === "expired_locks") return { lock_id: id };
  if (step.startsWith("expired:")) return { doc_id: id };
  return { job_id: id };
}

async function countOf(query: Query): Promise<number> {
  return (await query.count().get()).data().count;
}
