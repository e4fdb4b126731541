/**
 * The worker: lease → take the job's locks → run its handler (or, for a parent whose children
 * exist, settle it) inside the job's context with a heartbeat → end the attempt: the job's next
 * status and the attempt's bookkeeping (attempt log, run summary, the day's counters, LLM usage) in
 * one batch conditioned on the worker's last write → release locks, count a finished child into
 * its parent, wake what must run later. The same code runs in the Cloud Tasks handler, the local
 * runtime and tests.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Timestamp } from "firebase-admin/firestore";
import { AttemptLog, NO_LLM_USAGE, addUsage, attemptRef } from "./attempt-log";
import type { CandidatePool } from "./candidates";
import { type JobContext, runWithJobContext } from "./context";
import {
  JobCancelledError,
  JobFailure,
  LEASE_EXPIRED,
  LeaseLostError,
  PROCESS_STOPPING,
  isRetryableWrite,
  partialOf,
  processStoppingFailure,
  runDeadlineFailure,
  toJobFailure,
} from "./errors";
import { type JobFlows, WAITING_FOR_SHARDS } from "./flows";
import { type HandlerInput, type HandlerOutcome, type JobHandler, type JobScope, type PayloadSchema, followUpJobId } from "./handler";
import { Heartbeat } from "./heartbeat";
import { submitJob } from "./intake";
import type { HeldLease } from "./lease";
import { type JobStatus, isFinalStatus } from "./lifecycle";
import type { LockManager } from "./locks";
import * as logs from "./logs";
import {
  CHILDREN_LLM_KEY,
  type CompletionStatus,
  type Job,
  type JobErrorInfo,
  type Lane,
  type LlmUsageRecord,
  type ResultSummary,
  llmUsageSchema,
} from "./model";
import { cancelAsked } from "./outcomes";
import type { JobChange, JobQueue, LeasedJob } from "./queue";
import type { JobRegistry } from "./registry";
import { type LostAttemptLlm, addLostAttemptLlm, hasUsage, recordRun, runSummaryOf, runSummaryRef } from "./run-history";
import { type TaskQueuePort, wakeupFor } from "./task-queue";

/** What a worker runs jobs with; `deps` are the services handlers get. */
export interface WorkerDeps<D> {
  queue: JobQueue;
  candidates: CandidatePool;
  locks: LockManager;
  registry: JobRegistry<D>;
  flows: JobFlows;
  tasks: TaskQueuePort;
  deps: D;
  now: () => Date;
  random?: () => number;
}

export interface WorkerOptions {
  workerId: string;
  heartbeatMs: number;
  lockRetryMs: number;
}

/** How long a drain goes on. */
export interface DrainLimits {
  /** No further job is leased once this many ran. */
  maxJobs: number;
  /** No further job is leased once this long has passed since the drain started (ms). */
  budgetMs: number;
  /**
   * A job still running this long after the drain started (ms) is asked to stop at its next safe
   * point and fails RUN_DEADLINE (retried): a drain inside a function ends its last attempt before
   * the function's timeout would cut it off. Unset: no limit.
   */
  stopRunsAfterMs?: number;
  /**
   * Fires when the process stops (the local engine's shutdown): no further job is leased, and a
   * running one is asked to stop at its next safe point and is queued again (PROCESS_STOPPING, not an attempt).
   */
  stopping?: AbortSignal;
}

/**
 * Why a drain stopped: at one of its limits (`maxJobs`, `budgetMs`, `stopRunsAfterMs`), at the process's
 * stop, with its wake-up's job accounted for, or with nothing ready left to lease.
 */
export type DrainStop = "max_jobs" | "budget" | "run_deadline" | "stopping" | "wakeup_accounted_for" | "none_ready";

/** What a drain ran, in order, and why it ran no more. */
export interface Drained {
  reports: RunReport[];
  stoppedBy: DrainStop;
}

export interface RunReport {
  jobId: string;
  type: string;
  attempt: number;
  /** The epoch of the lease this attempt ran under. */
  leaseEpoch: number;
  /** The job's status after this attempt; "lease_lost" when another worker or the watchdog took over. */
  status: JobStatus | "lease_lost";
  error: JobErrorInfo | null;
}

/** How an attempt ends, before it is written. */
type Ending =
  | { kind: "completed"; status: CompletionStatus; summary: ResultSummary; error: JobErrorInfo | null }
  | { kind: "deferred"; until: Date; reason: JobErrorInfo; summary: ResultSummary | null }
  | { kind: "failed"; failure: JobFailure; summary: ResultSummary | null }
  /** Stopped with its process, not by anything of its own: queued again at once, its attempt given back. */
  | { kind: "interrupted"; reason: JobErrorInfo; summary: null }
  | { kind: "lease_lost"; err: LeaseLostError };

/** How many candidates one lease attempt may lose to other processes before the worker polls afresh. */
const MAX_LEASE_TRIES = 10;
/** Tries of an attempt's last write, and the wait before the second (doubling): about 3 s in all, well inside a lease. */
const END_WRITE_TRIES = 5;
const END_WRITE_BACKOFF_MS = 200;

export class Worker<D> {
  constructor(
    private readonly engine: WorkerDeps<D>,
    private readonly options: WorkerOptions,
  ) {}

  get workerId(): string {
    return this.options.workerId;
  }

  /** Leases the best ready job of `lanes` and runs it; null when nothing is ready, or every candidate tried went to other processes. */
  async runNext(lanes: readonly Lane[]): Promise<RunReport | null> {
    const leased = await this.leaseNext(lanes);
    return typeof leased === "string" ? null : this.run(leased);
  }

  /**
   * Runs ready jobs until none is left, `maxJobs` ran or `budgetMs` passed. A drain that answers the
   * wake-up of one job (`wakeup`) stops as soon as that job is accounted for (`CandidatePool.accountedFor`):
   * the jobs after it have wake-ups of their own, so it needs no last poll to find the lane empty.
   * It tells why it stopped, so its caller need not work that out again with a clock of its own.
   */
  async drain(lanes: readonly Lane[], limits: DrainLimits, wakeup?: { jobId: string; epoch: number }): Promise<Drained> {
    const { candidates } = this.engine;
    return candidates.drain(lanes, async () => {
      const started = Date.now();
      const stopAfterMs = limits.stopRunsAfterMs;
      const deadline = stopAfterMs === undefined ? null : { atMs: started + stopAfterMs, afterMs: stopAfterMs };
      const reports: RunReport[] = [];
      const within = (ms: number) => Date.now() - started < ms;
      const stopBeforeLease = (): DrainStop | null => {
        if (reports.length >= limits.maxJobs) return "max_jobs";
        if (!within(limits.budgetMs)) return "budget";
        if (deadline && !within(deadline.afterMs)) return "run_deadline";
        if (limits.stopping?.aborted) return "stopping";
        if (wakeup && candidates.accountedFor(lanes, wakeup.jobId, wakeup.epoch, started)) return "wakeup_accounted_for";
        return null;
      };
      for (;;) {
        const stoppedBy = stopBeforeLease();
        if (stoppedBy) return { reports, stoppedBy };
        const leased = await this.leaseNext(lanes);
        if (leased === "none_ready") return { reports, stoppedBy: "none_ready" };
        // Lost to other processes, which are draining the lane too: the jobs after those still wait.
        if (leased === "gave_up") continue;
        reports.push(await this.run(leased, deadline, limits.stopping));
      }
    });
  }

  /** A job leased from `lanes`; "gave_up" after `MAX_LEASE_TRIES` candidates lost or cancelled in a row. */
  private async leaseNext(lanes: readonly Lane[]): Promise<LeasedJob | "none_ready" | "gave_up"> {
    for (let tries = 0; tries < MAX_LEASE_TRIES; tries++) {
      const candidate = await this.engine.candidates.next(lanes);
      if (!candidate) return "none_ready";
      const outcome = await this.engine.candidates.leasing(lanes, () => this.engine.queue.lease(candidate, this.options.workerId));
      if (outcome && "lease" in outcome) {
        this.engine.candidates.won(lanes, outcome.job.id, outcome.lease.epoch);
        return outcome;
      }
      if (outcome) await this.cancelledAtLease(outcome.cancelled);
      else await this.engine.candidates.lost(lanes);
    }
    return "gave_up";
  }

  /**
   * A job cancelled at its lease (its cancel was requested while it waited, or its parent was
   * cancelled): counted into its parent, and its open children go with it, as with `Engine.cancel`.
   */
  private async cancelledAtLease(job: Job): Promise<void> {
    logs.jobCancelledAtLease(job, this.options.workerId);
    await this.engine.flows.cancelledChildFinished(job.id, job.parent_job_id);
    try {
      await this.engine.flows.cancelChildren(job.id);
    } catch (err) {
      logs.cleanupFailed(job, null, "cancel_children", err);
    }
  }

  /** Runs a leased job; with a `deadline`, a run still going at `atMs` is asked to stop (see `DrainLimits.stopRunsAfterMs`). */
  async run(
    { job, lease }: LeasedJob,
    deadline: { atMs: number; afterMs: number } | null = null,
    stopping?: AbortSignal,
  ): Promise<RunReport> {
    const { queue, locks, now } = this.engine;
    const attempt = new AttemptLog(
      { jobId: job.id, attempt: job.attempts, workerId: lease.owner, leaseEpoch: lease.epoch, startedAt: job.started_at ?? now() },
      now,
    );
    const heartbeat = new Heartbeat(queue, locks, lease, this.options.heartbeatMs, now, job.parent_job_id === null ? null : job);
    const holder = { jobId: job.id, epoch: lease.epoch, owner: lease.owner };
    let lockKeys: string[] = [];
    let ending: Ending;
    logs.jobLeased(job, lease);
    try {
      const handler = this.engine.registry.handlerFor(job.type);
      const keys = (await handler.lockKeys?.(job, this.engine.deps)) ?? [];
      const taken = keys.length > 0 ? await locks.acquireLocks(keys, holder) : ({ acquired: true } as const);
      if (!taken.acquired) {
        const until = new Date(now().getTime() + this.options.lockRetryMs);
        attempt.event("deferred", { reason: "LOCK_HELD", until: until.toISOString() });
        const message = `locks held by ${taken.heldBy.map((h) => h.jobId).join(", ")}`;
        ending = { kind: "deferred", until, reason: { code: "LOCK_HELD", message, transient: true, details: taken.heldBy }, summary: null };
      } else {
        lockKeys = keys;
        if (keys.length > 0) attempt.event("locks_acquired", { keys });
        heartbeat.start(lockKeys);
        if (deadline) heartbeat.stopAt(deadline.atMs, runDeadlineFailure(job.id, deadline.afterMs));
        if (stopping) heartbeat.stopWhen(stopping, processStoppingFailure(job.id));
        const ctx: JobContext = {
          jobId: job.id,
          type: job.type,
          attempt: job.attempts,
          leaseEpoch: lease.epoch,
          workerId: lease.owner,
          mode: job.payload.mode,
          signal: heartbeat.signal,
          hardStop: heartbeat.hardStop,
        };
        const outcome = await runWithJobContext(ctx, () => this.execute(job, lease, ctx, attempt, handler, keys));
        // A lost lease voids the result; a cancel that came after the work was done does not undo it.
        heartbeat.throwIfLeaseLost();
        ending = endingOf(outcome, { asked: cancelAsked(job, lease), stops: cancelStops(job, lease) });
      }
    } catch (err) {
      ending = endingOfError(err, cancelStops(job, lease));
    } finally {
      await heartbeat.stop();
    }
    const { status, runAfter, ended } = await this.end(job, lease, attempt, ending);
    await this.afterEnd(job, lease, holder, lockKeys, ended, status, runAfter);
    return { jobId: job.id, type: job.type, attempt: job.attempts, leaseEpoch: lease.epoch, status, error: errorOf(ended) };
  }

  /** The handler's run, or for a parent whose children exist, their settlement (`flows.ts`). */
  private async execute(
    job: Job,
    lease: HeldLease,
    ctx: JobContext,
    attempt: AttemptLog,
    handler: JobHandler<PayloadSchema, D>,
    lockKeys: readonly string[],
  ): Promise<HandlerOutcome> {
    const { flows } = this.engine;
    const children = { total: job.shards?.total ?? null };
    const scope = jobScope(this.engine, job, lease, { signal: ctx.signal, lockKeys }, (total) => (children.total = total));
    const input: HandlerInput<Job["payload"], D> = { job, lease, ctx, attempt, deps: this.engine.deps, engine: scope };
    if (children.total !== null) return flows.settleParent(input, handler, children.total);
    const outcome = await handler.run(input);
    const total = childrenTotal(children);
    if (outcome.kind !== "wait_for_children") return outcome;
    if (total === null) throw new Error(`job ${job.id} asked to wait for children it never created`);
    return flows.settleParent(input, handler, total, outcome.summary);
  }

  /**
   * Writes the attempt's end: the job's new status, and when it runs again (a deferral, a retry).
   * "lease_lost" when the lease was lost: only what the attempt spent on the LLM is written then
   * (`recordLostAttemptLlm`). `ended`: the ending written, which a cancel the write is the first to
   * find may have changed (a failure stops there, as when the run saw the cancel).
   */
  private async end(
    job: Job,
    lease: HeldLease,
    attempt: AttemptLog,
    ending: Ending,
  ): Promise<{ status: RunReport["status"]; runAfter: Date | null; ended: Ending }> {
    const lost = async (reason: LeaseLostError) => {
      logs.leaseLost(job, lease, reason);
      const llm = attempt.llmTotals();
      try {
        logs.lostAttemptLlm(job, lease, llm, await recordLostAttemptLlm(this.engine, job, lease, attempt));
      } catch (err) {
        logs.attemptLlmNotCounted(job, lease, llm, "lease_lost_record_failed", err);
      }
      return { status: "lease_lost" as const, runAfter: null };
    };
    if (ending.kind === "lease_lost") return { ...(await lost(ending.err)), ended: ending };
    let ended = ending;
    const now = this.engine.now();
    // The job's usage over its attempts: this one's added to what its last write saw.
    const endingNow = () => this.attemptEnding(job, ended, addUsage(lease.seenLlmUsage ?? NO_LLM_USAGE, attempt.llmTotals()));
    let written = endingNow();
    const { queue } = this.engine;
    const write = () =>
      queue.endAttempt(lease, {
        ...written,
        refreshed: () => {
          // The job changed since the run's last write: a cancel found only now stops a failed or waiting run all the same.
          if (cancelStops(job, lease)) ended = stoppedAtCancel(ended);
          written = endingNow();
          return written;
        },
        bookkeeping: (writes, status) => {
          const error = errorOf(ended);
          const { queue } = this.engine;
          const record = { status, error, finishedAt: now, expireAt: queue.historyExpiry("jobsMs", now) };
          writes.set(attemptRef(queue.db, job.id, lease.epoch), attempt.document(record), {});
          const run = runSummaryOf({ ...job, mode: job.payload.mode }, this.engine.registry.subjectsOf(job.payload), {
            leaseEpoch: lease.epoch,
            workerId: lease.owner,
            attemptStatus: status,
            jobStatus: status,
            error,
            finishedAt: now,
            result: written.summary,
            llm: attempt.llmTotals(),
          });
          recordRun(writes, queue.db, run, queue.historyExpiry("historyMs", now), this.engine.random);
        },
      });
    // An outage or contention at the last write is retried while the lease holds: left to the
    // watchdog, a finished run would cost an attempt and hold its locks until the lease ran out.
    for (let tries = 1; ; tries++) {
      try {
        return { ...(await write()), ended };
      } catch (err) {
        // A write whose reply was lost may have landed: the next try then finds the job ended, and so may the
        // first, as the Firestore client itself sends a commit again after UNAVAILABLE or ABORTED.
        const landed = err instanceof LeaseLostError ? await this.landedEnding(job, lease, now) : null;
        if (landed) return { ...landed, ended };
        if (err instanceof LeaseLostError) return { ...(await lost(err)), ended };
        if (!isRetryableWrite(err) || tries === END_WRITE_TRIES) {
          // The watchdog ends the attempt once its lease runs out, knowing nothing of what it spent.
          const llm = attempt.llmTotals();
          if (hasUsage(llm)) logs.attemptLlmNotCounted(job, lease, llm, "end_write_failed", err);
          throw err;
        }
        logs.endWriteRetried(job, lease, err, tries);
        await sleep(END_WRITE_BACKOFF_MS * 2 ** (tries - 1));
      }
    }
  }

  /** The attempt's end as an earlier try of its write left it: its attempt record (same batch) holds when it finished. */
  private async landedEnding(job: Job, lease: HeldLease, finishedAt: Date): Promise<{ status: JobStatus; runAfter: Date | null } | null> {
    const { db } = this.engine.queue;
    const record = await attemptRef(db, job.id, lease.epoch).get();
    const at: unknown = record.get("finished_at");
    if (record.get("worker_id") !== lease.owner || !(at instanceof Timestamp) || at.toMillis() !== finishedAt.getTime()) return null;
    const current = await this.engine.queue.jobRef(job.id).get();
    const runAfter: unknown = current.get("run_after");
    const waiting =
      current.get("lease_epoch") === lease.epoch && runAfter instanceof Timestamp && !isFinalStatus(current.get("status") as JobStatus);
    return { status: record.get("status") as JobStatus, runAfter: waiting ? runAfter.toDate() : null };
  }

  /**
   * The job's change for `ending`, with the summary its run history records: LLM usage summed over
   * the job's attempts, and for a parent its children's too.
   */
  private attemptEnding(
    job: Job,
    ending: Exclude<Ending, { kind: "lease_lost" }>,
    llm: LlmUsageRecord,
  ): JobChange & { summary: ResultSummary | null } {
    const { queue } = this.engine;
    const children = llmUsageSchema.safeParse(ending.summary?.[CHILDREN_LLM_KEY]);
    const summary = ending.summary ? { ...ending.summary, llm: children.success ? addUsage(llm, children.data) : llm } : null;
    const change = (() => {
      switch (ending.kind) {
        case "completed":
          return queue.completing(ending.status, summary, ending.error);
        case "deferred":
          return queue.deferring(job, ending.until, ending.reason, summary);
        case "failed":
          return queue.failing(job, ending.failure, summary);
        case "interrupted":
          return queue.interrupting(job, ending.reason);
      }
    })();
    return { ...change, fields: { ...change.fields, llm_usage: llm }, summary };
  }

  /** Best effort after the attempt's end is written: what fails here the watchdog reconciles. */
  private async afterEnd(
    job: Job,
    lease: HeldLease,
    holder: { jobId: string; epoch: number },
    lockKeys: string[],
    ending: Ending,
    status: RunReport["status"],
    runAfter: Date | null,
  ): Promise<void> {
    const { locks, flows, tasks } = this.engine;
    const steps: Array<[string, () => Promise<unknown>]> = [];
    // A plan frozen and not finished keeps the job's locks until it ends (`keptForPlan`): the catalog is half-changed.
    const keepsPlanLocks = (job.plan_id !== null || lease.frozenPlanId !== null) && (status === "lease_lost" || !isFinalStatus(status));
    if (!keepsPlanLocks) steps.push(["release_locks", () => locks.releaseLocks(lockKeys, holder)]);
    if ((status === "deferred" || status === "queued") && runAfter) {
      // Named after the job's attempts and epoch as they are now, so it is this wait's own wake-up.
      const attempts = status === "deferred" || ending.kind === "interrupted" ? job.attempts - 1 : job.attempts;
      steps.push(["wake", () => tasks.enqueueWakeup(wakeupFor({ ...job, lease_epoch: lease.epoch, attempts, run_after: runAfter }))]);
    }
    if (status !== "lease_lost" && isFinalStatus(status)) steps.push(["child_finished", () => flows.childFinished(job, status)]);
    // Children it created before the cancel stopped it.
    if (status === "cancelled") steps.push(["cancel_children", () => flows.cancelChildren(job.id)]);
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        logs.cleanupFailed(job, lease, name, err);
      }
    }
    if (ending.kind === "failed" && status !== "lease_lost") logs.jobFailed(job, lease, ending.failure, status);
    logs.jobFinished(job, lease, status, errorOf(ending));
  }
}

/**
 * Records what an attempt whose lease was lost spent on the LLM, which only its worker knows (its
 * attempt log, in memory): in the run summary the watchdog's recovery wrote for the attempt, that
 * day's totals and the attempt's log, and in the job's `llm_usage` (a later attempt holding the job
 * adds its own to it: its final write, conditioned on its last one, finds the change). Once, in one
 * transaction conditioned on the recovery's summary (`addLostAttemptLlm`); the job's status and
 * lease stay as they are.
 * Before the watchdog ended the attempt there is no summary to add to ("not_ended"): the usage
 * then goes uncounted, as a crashed worker's does.
 */
export async function recordLostAttemptLlm(
  { queue, now, random }: Pick<WorkerDeps<unknown>, "queue" | "now" | "random">,
  job: Job,
  lease: HeldLease,
  attempt: AttemptLog,
): Promise<LostAttemptLlm | "none_spent"> {
  const llm = attempt.llmTotals();
  if (!hasUsage(llm)) return "none_spent";
  const { db } = queue;
  const jobRef = queue.jobRef(job.id);
  return db.runTransaction(async (tx) => {
    const current = await tx.get(jobRef);
    const at = now();
    const summaryRef = runSummaryRef(db, job.id, job.created_at, lease.epoch);
    const added = await addLostAttemptLlm(tx, summaryRef, { workerId: lease.owner, llm }, queue.historyExpiry("historyMs", at), random);
    if (added !== "added") return added;
    tx.set(attemptRef(db, job.id, lease.epoch), { llm_calls: attempt.llmCalls() }, { merge: true });
    const createdAt: unknown = current.get("created_at");
    const sameJob = createdAt instanceof Timestamp && createdAt.toMillis() === job.created_at.getTime();
    if (!sameJob) return "added_not_to_job";
    const usage = llmUsageSchema.safeParse(current.get("llm_usage"));
    tx.update(jobRef, { llm_usage: addUsage(usage.success ? usage.data : NO_LLM_USAGE, llm), updated_at: Timestamp.fromDate(at) });
    return added;
  });
}

/** The engine as a running handler sees it: every write fenced by its lease. */
export function jobScope(
  { queue, flows, tasks }: Pick<WorkerDeps<unknown>, "queue" | "flows" | "tasks">,
  job: Job,
  lease: HeldLease,
  { signal, lockKeys }: { signal: AbortSignal; lockKeys: readonly string[] },
  onChildrenCreated: (total: number) => void = () => undefined,
): JobScope {
  return {
    ref: queue.jobRef(job.id),
    lockKeys,
    expiry: () => queue.historyExpiry("jobsMs", queue.now()),
    fenced: (fn) => queue.fenced(lease, (tx) => fn(tx)),
    fence: async (tx) => {
      await queue.readFencedJob(tx, lease);
    },
    savePlan: (plan) => queue.savePlan(lease, plan),
    savedPlan: async () => {
      if (job.plan_id === null) return null;
      const plan = await queue.savedPlan(job.id, job.plan_id);
      if (!plan) throw new Error(`job ${job.id} committed to plan ${job.plan_id}, which is gone`);
      return { planId: job.plan_id, plan };
    },
    reportProgress: (progress) => queue.reportProgress(lease, progress),
    createJob: ({ onceKey, ...input }) =>
      submitJob(queue, tasks, {
        ...input,
        // Background work stays background: what a maintenance job asks for does not go ahead of curators' jobs.
        // Its priority is the asking job's, in whichever lane it runs: a scan's `<TYPE>_PRIORITY` keeps its
        // follow-ups behind what the scan was queued behind, and a curator's urgent job its follow-ups urgent.
        queue: input.queue ?? (job.queue === "maintenance" ? job.queue : undefined),
        priority: input.priority ?? job.priority,
        created_by: `system:${job.type}`,
        ...(onceKey ? { id: followUpJobId(job.id, onceKey) } : {}),
      }),
    requestIssues: (input) => queue.requestIssues(input),
    createChildren: async (children) => {
      const created = await flows.createChildren(job, lease, children, signal);
      onChildrenCreated(created.total);
      return created;
    },
  };
}

/**
 * A cancel stops the run at its next safe point, unless the job froze a plan, then or in this run: it
 * finishes the plan first (a job that froze one is leased with its cancel request standing).
 */
function cancelStops(job: Job, lease: HeldLease): boolean {
  return cancelAsked(job, lease) && job.plan_id === null && lease.frozenPlanId === null;
}

function endingOf(outcome: HandlerOutcome, cancel: { asked: boolean; stops: boolean }): Ending {
  switch (outcome.kind) {
    case "completed":
      return {
        kind: "completed",
        status: outcome.status,
        // The work was done before the cancel could stop it: the job keeps its outcome, and says so.
        summary: cancel.asked && outcome.status !== "cancelled" ? { ...outcome.summary, cancel_requested: true } : outcome.summary,
        error: outcome.error ?? null,
      };
    case "deferred": {
      const deferred: Ending = {
        kind: "deferred",
        until: outcome.until,
        reason: { ...outcome.reason, transient: true },
        summary: outcome.summary ?? null,
      };
      return cancel.stops ? stoppedAtCancel(deferred) : deferred;
    }
    case "wait_for_children":
      throw new Error("a parent's wait is settled before it ends");
  }
}

function endingOfError(err: unknown, cancelStops: boolean): Ending {
  if (err instanceof LeaseLostError && !err.holderMayEnd) return { kind: "lease_lost", err };
  if (err instanceof JobFailure && err.code === PROCESS_STOPPING) return { kind: "interrupted", reason: err.toInfo(), summary: null };
  // Stopped at a safe point after a cancel: the handler's partial summary, if it gave one, is in the attempt log.
  if (err instanceof JobCancelledError) return { kind: "completed", status: "cancelled", summary: {}, error: null };
  // A lease that ran out, or whose renewals kept failing until it was about to, the job not taken back yet: its
  // holder ends the attempt as the watchdog would, and counts what it spent (its final write is fenced by the
  // lease's owner and epoch, which still hold, not by its locks, which may have lapsed).
  const failure =
    err instanceof LeaseLostError ? JobFailure.transient(LEASE_EXPIRED, `${err.reason}; its worker ended the attempt`) : toJobFailure(err);
  const failed: Ending = { kind: "failed", failure, summary: null };
  return cancelStops ? stoppedAtCancel(failed) : failed;
}

/**
 * A run asked to stop ends `cancelled` where it would wait or fail. A wait is a safe point to stop at, but for a
 * parent's for its children, which it settles over. A failure before its next safe point stops there too, not retried nor left
 * failed; its error says how it ended (as the watchdog's LEASE_EXPIRED does for a cancelled job whose worker died).
 */
function stoppedAtCancel<E extends Ending>(ending: E): E | Extract<Ending, { kind: "completed" }> {
  switch (ending.kind) {
    case "deferred":
      // A parent waiting for its children asked them to stop (`JobFlows.settleParent`): it waits on, to settle over them.
      if (ending.reason.code === WAITING_FOR_SHARDS) return ending;
      return { kind: "completed", status: "cancelled", summary: ending.summary ?? {}, error: null };
    case "failed":
      return { kind: "completed", status: "cancelled", summary: partialOf(ending.failure) ?? {}, error: ending.failure.toInfo() };
    case "completed":
    case "interrupted":
    case "lease_lost":
      return ending;
  }
}

function errorOf(ending: Ending): JobErrorInfo | null {
  switch (ending.kind) {
    case "completed":
      return ending.error;
    case "deferred":
      return ending.reason;
    case "failed":
      return ending.failure.toRecordedInfo();
    case "interrupted":
      return ending.reason;
    case "lease_lost":
      return null;
  }
}

/** Read through a call: the handler's run may have set it (TypeScript keeps the narrowing from before). */
function childrenTotal(children: { total: number | null }): number | null {
  return children.total;
}
