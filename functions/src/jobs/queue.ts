/**
 * The fenced Firestore job queue. The job document is a lease state machine, and this class is the
 * only writer of its `status`: every change is checked against the lifecycle table
 * (`lifecycle.ts`) and written in a transaction (or with a precondition) on that document; every
 * change by a worker is conditioned on `lease_owner` AND `lease_epoch`, so a worker that lost its
 * lease cannot complete, fail, defer or renew anything.
 */
import { randomUUID } from "node:crypto";
import { type DocumentReference, type DocumentSnapshot, type Firestore, Timestamp, type Transaction } from "firebase-admin/firestore";
import { type BackoffPolicy, DEFAULT_BACKOFF, backoffDelayMs } from "../util/backoff";
import { isWriteConflict } from "../util/grpc-status";
import { display } from "../util/object-paths";
import { JOB_COLLECTIONS } from "./collections";
import { DedupClaims } from "./dedup";
import { InvalidTransitionError, JobFailure, JobNotFoundError, LeaseLostError } from "./errors";
import { buildJobDocument } from "./job-document";
import { type JobEvent, type JobStatus, LEASABLE_STATUSES, WORKER_STATUSES, isOpenStatus, nextStatus } from "./lifecycle";
import {
  type ChildCounts,
  type CreateJobInput,
  type CreateJobResult,
  type Lease,
  type Issue,
  type Job,
  type JobErrorInfo,
  LANES,
  type Lane,
  type ResultSummary,
  childCountsSchema,
  jobDocumentSchema,
  type CompletionStatus,
  type WakeupSubject,
} from "./model";
import type { JobTypes } from "./registry";

const DEFAULT_LEASE_MS = 5 * 60_000;

export interface QueueOptions {
  types: JobTypes;
  now?: () => Date;
  random?: () => number;
  leaseMs?: number;
  backoff?: BackoffPolicy;
  /** Ready candidates read per lane by one poll. */
  pollPageSize?: number;
}

export interface LeasedJob {
  job: Job;
  lease: Lease;
}

export class InvalidJobError extends Error {
  constructor(readonly issues: Issue[]) {
    super(`invalid job: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}`);
    this.name = "InvalidJobError";
  }
}

export interface FailOutcome {
  status: JobStatus;
  runAfter: Date | null;
}

/** What intake decided about a client's document; see `intake.ts`. */
export type IntakeDecision =
  | { outcome: "accepted"; job: WakeupSubject }
  | { outcome: "invalid"; issues: Issue[] }
  | { outcome: "duplicate"; openJobId: string; dedupKey: string }
  | { outcome: "missing" }
  | { outcome: "not_queued"; status: string };

/** The event a worker sends to end its run with one of the completion statuses. */
const COMPLETION_EVENT: Record<CompletionStatus, JobEvent> = {
  succeeded: "succeed",
  succeeded_dry_run: "succeed_dry_run",
  needs_review: "need_review",
  cancelled: "stop",
};

/** The event that leads from a worker's status to a failure's outcome. */
const FAILURE_EVENT: Partial<Record<JobStatus, JobEvent>> = {
  failed: "fail",
  needs_review: "need_review",
  queued: "retry",
  deadletter: "exhaust",
};

const RECOVERY_EVENT: Partial<Record<JobStatus, JobEvent>> = {
  queued: "recover",
  deadletter: "recover_exhausted",
  cancelled: "recover_cancelled",
};

/** Server-owned fields exist only on documents the engine wrote or already normalised. */
function isNormalised(data: Record<string, unknown>): boolean {
  return typeof data.lease_epoch === "number" && typeof data.attempts === "number";
}

export class JobQueue {
  readonly now: () => Date;
  readonly leaseMs: number;
  private readonly random: () => number;
  private readonly backoff: BackoffPolicy;
  private readonly pollPageSize: number;
  private readonly types: JobTypes;
  private readonly dedup: DedupClaims;

  constructor(
    readonly db: Firestore,
    options: QueueOptions,
  ) {
    this.types = options.types;
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.pollPageSize = options.pollPageSize ?? 20;
    this.dedup = new DedupClaims(db, this.now);
  }

  jobRef(jobId: string): DocumentReference {
    return this.db.collection(JOB_COLLECTIONS.jobs).doc(jobId);
  }

  private ts(date: Date = this.now()): Timestamp {
    return Timestamp.fromDate(date);
  }

  /** The status `event` leads to from `job`'s status; `InvalidTransitionError` when the lifecycle has no such step. */
  private transition(jobId: string, from: JobStatus, event: JobEvent): JobStatus {
    const to = nextStatus(from, event);
    if (!to) throw new InvalidTransitionError(jobId, from, event);
    return to;
  }

  async getJob(jobId: string): Promise<Job | null> {
    const snap = await this.jobRef(jobId).get();
    return snap.exists ? this.parseStored(snap) : null;
  }

  /** A stored job, or null if its document does not parse (intake fails such documents). */
  parseStored(snap: DocumentSnapshot): Job | null {
    const parsed = this.types.parseJob(snap.id, snap.data());
    return parsed.ok ? parsed.value : null;
  }

  // ------------------------------------------------------------------ create

  /**
   * Validates and creates a job with every server-owned field filled. With a `dedup_key`, at most
   * one open job per key exists: the key's claim document is created (create-if-absent) in the same
   * atomic batch as the job, and a claim whose job has finished is taken over with a write
   * conditioned on the claim's update time. No transaction, so concurrent producers never wait on locks.
   */
  async createJob(input: CreateJobInput): Promise<CreateJobResult> {
    const parsed = this.types.parseRequest(input);
    if (!parsed.ok) throw new InvalidJobError(parsed.issues);
    const request = parsed.value;
    const jobRef = input.id ? this.jobRef(input.id) : this.db.collection(JOB_COLLECTIONS.jobs).doc();
    const lane = request.queue ?? this.types.defaultLane(request.type);
    for (let round = 0; round < 10; round++) {
      const now = this.now();
      const runAfter = input.run_after ?? now;
      const batch = this.db.batch();
      batch.create(
        jobRef,
        buildJobDocument(request, {
          now,
          lane,
          createdBy: input.created_by,
          runAfter,
          maxAttempts: input.max_attempts,
          parentJobId: input.parent_job_id,
        }),
      );
      if (request.dedup_key) {
        const claim = await this.dedup.ref(request.dedup_key).get();
        const holder = await this.dedup.openHolder(claim, (ref) => ref.get());
        if (holder) return { created: false, jobId: holder, reason: "duplicate_dedup_key" };
        const fields = this.dedup.fields(request.dedup_key, jobRef.id);
        if (claim.exists) batch.update(claim.ref, fields, { lastUpdateTime: claim.updateTime! });
        else batch.create(claim.ref, fields);
      }
      try {
        await batch.commit();
        return { created: true, jobId: jobRef.id, job: { id: jobRef.id, queue: lane, attempts: 0, lease_epoch: 0, run_after: runAfter } };
      } catch (err) {
        if (!isWriteConflict(err)) throw err;
        if (input.id && (await jobRef.get()).exists) return { created: false, jobId: jobRef.id, reason: "already_exists" };
        // Another producer changed the claim between our read and write: look again.
      }
    }
    throw JobFailure.transient("DEDUP_CONTENTION", `could not claim dedup key "${request.dedup_key}"`);
  }

  // ------------------------------------------------------------------ intake

  /**
   * Takes in a document a client wrote to `catalog_jobs`, in one transaction: a valid one is
   * normalised to the form `createJob` writes (`accept`), keeping the client's `created_at` and any
   * cancel it already asked for; an invalid one, or a second open job for a dedup key, is failed
   * (`reject`). An already normalised document changes nothing, so a repeated trigger is harmless.
   */
  async takeIn(jobId: string, createdBy: string): Promise<IntakeDecision> {
    const ref = this.jobRef(jobId);
    return this.db.runTransaction(async (tx): Promise<IntakeDecision> => {
      const snap = await tx.get(ref);
      if (!snap.exists) return { outcome: "missing" };
      const data = snap.data()!;
      if (isNormalised(data)) {
        if (data.status !== "queued") return { outcome: "not_queued", status: String(data.status) };
        const job = this.parseStored(snap);
        return job ? { outcome: "accepted", job } : { outcome: "not_queued", status: String(data.status) };
      }
      const now = this.now();
      const createdAt = data.created_at instanceof Timestamp ? data.created_at : undefined;
      const reject = (code: string, message: string, details: unknown) =>
        tx.update(ref, {
          status: this.transition(jobId, "queued", "reject"),
          error: { code, message, transient: false, details },
          created_by: createdBy,
          attempts: 0,
          lease_epoch: 0,
          created_at: createdAt ?? this.ts(now),
          updated_at: this.ts(now),
          finished_at: this.ts(now),
        });
      const parsed = this.types.parseRequest(data);
      if (!parsed.ok) {
        reject("INVALID_JOB", "the job document does not pass validation", parsed.issues);
        return { outcome: "invalid", issues: parsed.issues };
      }
      const dedupKey = parsed.value.dedup_key;
      if (dedupKey) {
        const holder = await this.dedup.openHolderIn(tx, dedupKey, jobId);
        if (holder) {
          reject("DUPLICATE_JOB", `job ${holder} with dedup key "${dedupKey}" is still open`, { open_job_id: holder, dedup_key: dedupKey });
          return { outcome: "duplicate", openJobId: holder, dedupKey };
        }
        this.dedup.claimIn(tx, dedupKey, jobId);
      }
      const lane = parsed.value.queue ?? this.types.defaultLane(parsed.value.type);
      this.transition(jobId, "queued", "accept");
      tx.set(ref, buildJobDocument(parsed.value, { now, lane, createdBy, createdAt, cancelRequested: data.cancel_requested === true }));
      return { outcome: "accepted", job: { id: jobId, queue: lane, attempts: 0, lease_epoch: 0, run_after: now } };
    });
  }

  // ------------------------------------------------------------------ poll and lease

  /**
   * Ready candidates in lane order (priority lane first), then higher priority, then older. The
   * `run_after <= now` filter runs in the query, so any number of backing-off jobs cannot hide a
   * ready one. Returns the first lane's page that has any.
   */
  async pollCandidates(lanes: readonly Lane[] = LANES): Promise<Job[]> {
    const ordered = LANES.filter((lane) => lanes.includes(lane));
    for (const lane of ordered) {
      const snap = await this.db
        .collection(JOB_COLLECTIONS.jobs)
        .where("status", "in", LEASABLE_STATUSES)
        .where("queue", "==", lane)
        .where("run_after", "<=", this.ts())
        .orderBy("priority", "desc")
        .orderBy("created_at", "asc")
        .limit(this.pollPageSize)
        .get();
      const jobs: Job[] = [];
      for (const doc of snap.docs) {
        const job = this.types.parseJob(doc.id, doc.data());
        if (job.ok) jobs.push(job.value);
        else await this.rejectUnreadable(doc, job.issues);
      }
      if (jobs.length > 0) return jobs;
    }
    return [];
  }

  /**
   * A waiting job whose document no longer parses (its type is not registered any more, or its
   * payload fails its schema) can never run: it fails permanently instead of waiting forever.
   */
  private async rejectUnreadable(doc: DocumentSnapshot, issues: Issue[]): Promise<void> {
    const unknownType = issues.some((issue) => issue.path === "type");
    const now = this.ts();
    await doc.ref
      .update(
        {
          status: this.transition(doc.id, doc.get("status") as JobStatus, "reject"),
          error: unknownType
            ? {
                code: "UNSUPPORTED_JOB_TYPE",
                message: `no handler is registered for job type ${String(doc.get("type"))}`,
                transient: false,
              }
            : { code: "INVALID_JOB", message: "the stored job no longer passes validation", transient: false, details: issues },
          finished_at: now,
          updated_at: now,
        },
        { lastUpdateTime: doc.updateTime },
      )
      .catch((err: unknown) => {
        if (!isWriteConflict(err)) throw err;
      });
  }

  /**
   * The order in which a worker should try the candidates. Workers start at different places
   * inside the head band (the candidates sharing the best lane and priority), so concurrent workers
   * race for different documents while lane and priority order still rule: no worker takes a
   * lower-priority job while it has a higher-priority candidate left to try.
   */
  spreadCandidates(candidates: Job[]): Job[] {
    if (candidates.length <= 1) return candidates;
    const head = candidates[0];
    let band = 1;
    while (band < candidates.length && candidates[band].priority === head.priority && candidates[band].queue === head.queue) band++;
    const start = Math.floor(this.random() * band);
    return [...candidates.slice(start, band), ...candidates.slice(0, start), ...candidates.slice(band)];
  }

  /** The job a worker should try to lease next, or null when nothing is ready. */
  async pollJob(lanes: readonly Lane[] = LANES): Promise<Job | null> {
    const candidates = this.spreadCandidates(await this.pollCandidates(lanes));
    return candidates[0] ?? null;
  }

  /** Polls and leases the best ready job this worker can win; null when none is left. */
  async leaseNextJob(workerId: string, lanes: readonly Lane[] = LANES, maxRounds = 5): Promise<LeasedJob | null> {
    for (let round = 0; round < maxRounds; round++) {
      const candidates = this.spreadCandidates(await this.pollCandidates(lanes));
      if (candidates.length === 0) return null;
      for (const candidate of candidates) {
        const leased = await this.leaseJob(candidate.id, workerId);
        if (leased) return leased;
      }
    }
    return null;
  }

  /**
   * Leases one job: only a queued (or deferred) job whose `run_after` has passed. Increments
   * `attempts` (a deferral refunds it) and `lease_epoch`, the fencing token. Null when another
   * worker got there first or the job is not ready.
   *
   * An optimistic transaction on the job document: read, check, and write conditioned on the
   * document's update time. Of many racing workers exactly one write lands and the others fail
   * at once, instead of queueing on a pessimistic document lock (which collapses throughput).
   */
  async leaseJob(jobId: string, workerId: string): Promise<LeasedJob | null> {
    const snap = await this.jobRef(jobId).get();
    if (!snap.exists) return null;
    const job = this.parseStored(snap);
    const now = this.now();
    if (!job || !LEASABLE_STATUSES.includes(job.status) || job.run_after > now) return null;
    if (job.cancel_requested) {
      // A client asked to cancel a waiting job (rules let clients set only this flag): honour it instead of running.
      await snap.ref
        .update(
          { status: this.transition(jobId, job.status, "cancel"), finished_at: this.ts(now), updated_at: this.ts(now) },
          { lastUpdateTime: snap.updateTime! },
        )
        .catch((err: unknown) => {
          if (!isWriteConflict(err)) throw err;
        });
      return null;
    }
    const leaseExpiresAt = new Date(now.getTime() + this.leaseMs);
    const changes = {
      status: this.transition(jobId, job.status, "lease"),
      lease_owner: workerId,
      lease_expires_at: leaseExpiresAt,
      lease_epoch: job.lease_epoch + 1,
      attempts: job.attempts + 1,
      started_at: now,
      updated_at: now,
    };
    try {
      await snap.ref.update(
        { ...changes, lease_expires_at: this.ts(leaseExpiresAt), started_at: this.ts(now), updated_at: this.ts(now) },
        { lastUpdateTime: snap.updateTime! },
      );
    } catch (err) {
      if (isWriteConflict(err)) return null;
      throw err;
    }
    return { job: { ...job, ...changes }, lease: { jobId, owner: workerId, epoch: changes.lease_epoch } };
  }

  // ------------------------------------------------------------------ fenced worker transitions

  /**
   * Runs `fn` in a transaction that first proves the worker still holds the lease: the job exists,
   * is leased or running, and has this owner and epoch. Otherwise `LeaseLostError`, nothing written.
   */
  async fenced<T>(lease: Lease, fn: (tx: Transaction, job: Job, ref: DocumentReference) => T | Promise<T>): Promise<T> {
    return this.db.runTransaction(async (tx) => {
      const job = await this.readFencedJob(tx, lease);
      return fn(tx, job, this.jobRef(lease.jobId));
    });
  }

  /** Reads the job inside `tx` and checks the fence; for callers that combine it with other writes (the ApplyEngine). */
  async readFencedJob(tx: Transaction, lease: Lease): Promise<Job> {
    const snap = await tx.get(this.jobRef(lease.jobId));
    if (!snap.exists) throw new LeaseLostError(lease.jobId, "job deleted");
    const owner: unknown = snap.get("lease_owner");
    const epoch: unknown = snap.get("lease_epoch");
    const status = snap.get("status") as JobStatus;
    if (owner !== lease.owner || epoch !== lease.epoch || !WORKER_STATUSES.includes(status)) {
      throw new LeaseLostError(lease.jobId, `held by ${display(owner ?? "nobody")} at epoch ${display(epoch)}, status ${status}`);
    }
    const job = this.parseStored(snap);
    if (!job) throw new LeaseLostError(lease.jobId, "job document no longer parses");
    return job;
  }

  async markRunning(lease: Lease): Promise<void> {
    await this.fenced(lease, (tx, job, ref) => {
      tx.update(ref, { status: this.transition(job.id, job.status, "start"), updated_at: this.ts() });
    });
  }

  /** Extends the lease; returns the new expiry. Also reports whether a cancel was requested meanwhile. */
  async renewLease(lease: Lease): Promise<{ expiresAt: Date; cancelRequested: boolean }> {
    return this.fenced(lease, (tx, job, ref) => {
      const expiresAt = new Date(this.now().getTime() + this.leaseMs);
      tx.update(ref, { lease_expires_at: this.ts(expiresAt), updated_at: this.ts() });
      return { expiresAt, cancelRequested: job.cancel_requested };
    });
  }

  /** Progress of a long job; fenced like every worker write. */
  async reportProgress(lease: Lease, progress: { done: number; total: number }): Promise<void> {
    await this.fenced(lease, (tx, _job, ref) => {
      tx.update(ref, { progress, updated_at: this.ts() });
    });
  }

  async completeJob(
    lease: Lease,
    outcome: { status: CompletionStatus; result_summary?: ResultSummary; error?: JobErrorInfo | null },
  ): Promise<void> {
    await this.fenced(lease, (tx, job, ref) => {
      const now = this.ts();
      tx.update(ref, {
        status: this.transition(job.id, job.status, COMPLETION_EVENT[outcome.status]),
        result_summary: outcome.result_summary ?? null,
        error: outcome.error ?? null,
        lease_owner: null,
        lease_expires_at: null,
        finished_at: now,
        updated_at: now,
      });
    });
  }

  /**
   * Records a failure: permanent → `failed`; needs a person → `needs_review`; transient → back to
   * `queued` after an exponential backoff with jitter, or `deadletter` once `max_attempts` are used.
   */
  async failJob(lease: Lease, failure: JobFailure, resultSummary?: ResultSummary): Promise<FailOutcome> {
    return this.fenced(lease, (tx, job, ref) => {
      const outcome = this.failureOutcome(job, failure);
      const now = this.ts();
      tx.update(ref, {
        status: this.transition(job.id, job.status, FAILURE_EVENT[outcome.status]!),
        error: failure.toInfo(),
        ...(resultSummary ? { result_summary: resultSummary } : {}),
        lease_owner: null,
        lease_expires_at: null,
        run_after: outcome.runAfter ? this.ts(outcome.runAfter) : Timestamp.fromDate(job.run_after),
        finished_at: outcome.status === "queued" ? null : now,
        updated_at: now,
      });
      return outcome;
    });
  }

  /** Where a failure leads; also used for expired leases. */
  failureOutcome(job: Pick<Job, "attempts" | "max_attempts">, failure: Pick<JobFailure, "kind">): FailOutcome {
    if (failure.kind === "permanent") return { status: "failed", runAfter: null };
    if (failure.kind === "needs_review") return { status: "needs_review", runAfter: null };
    if (job.attempts >= job.max_attempts) return { status: "deadletter", runAfter: null };
    return { status: "queued", runAfter: new Date(this.now().getTime() + backoffDelayMs(job.attempts, this.backoff, this.random)) };
  }

  /**
   * Puts a job aside until `until` (a lock held by another job, a parent waiting for its children).
   * Waiting does not use up an attempt: the one taken by the lease is given back.
   */
  async deferJob(
    lease: Lease,
    until: Date,
    reason: { code: string; message: string; details?: unknown },
    resultSummary?: ResultSummary,
  ): Promise<void> {
    await this.fenced(lease, (tx, job, ref) => {
      tx.update(ref, {
        status: this.transition(job.id, job.status, "defer"),
        run_after: this.ts(until),
        attempts: Math.max(0, job.attempts - 1),
        lease_owner: null,
        lease_expires_at: null,
        error: {
          code: reason.code,
          message: reason.message,
          transient: true,
          ...(reason.details !== undefined ? { details: reason.details } : {}),
        },
        ...(resultSummary ? { result_summary: resultSummary } : {}),
        updated_at: this.ts(),
      });
    });
  }

  // ------------------------------------------------------------------ watchdog

  /**
   * Takes back an expired lease, in a transaction that re-reads the job and re-checks it against
   * the epoch the watchdog's query saw: a lease renewed meanwhile, or already recovered by an
   * overlapping run (the epoch moved), is left alone (null). A job whose cancel was requested ends
   * cancelled; otherwise the lost run counts as a transient failure. Bumping the epoch fences the
   * dead worker out of every later write.
   */
  async recoverExpiredLease(jobId: string, seenEpoch: number): Promise<(FailOutcome & { job: WakeupSubject }) | null> {
    return this.db.runTransaction(async (tx) => {
      const snap = await tx.get(this.jobRef(jobId));
      // Only the lease fields are read, so a job whose payload no longer parses is still recovered.
      const parsed = leaseFieldsSchema.safeParse(snap.data());
      if (!parsed.success) return null;
      const job = parsed.data;
      if (!this.isExpiredLease(job, seenEpoch)) return null;
      const outcome: FailOutcome = job.cancel_requested
        ? { status: "cancelled", runAfter: null }
        : this.failureOutcome(job, { kind: "transient" });
      const now = this.ts();
      const epoch = job.lease_epoch + 1;
      tx.update(snap.ref, {
        status: this.transition(jobId, job.status, RECOVERY_EVENT[outcome.status]!),
        ...(outcome.runAfter ? { run_after: this.ts(outcome.runAfter) } : {}),
        error: {
          code: "LEASE_EXPIRED",
          message: `the lease of ${job.lease_owner ?? "an unknown worker"} expired at ${job.lease_expires_at?.toISOString()} without renewal`,
          transient: true,
          details: { previous_owner: job.lease_owner, epoch: job.lease_epoch },
        },
        lease_owner: null,
        lease_expires_at: null,
        lease_epoch: epoch,
        finished_at: outcome.status === "queued" ? null : now,
        updated_at: now,
      });
      return {
        ...outcome,
        job: { id: jobId, queue: job.queue, attempts: job.attempts, lease_epoch: epoch, run_after: outcome.runAfter ?? job.run_after },
      };
    });
  }

  private isExpiredLease(job: Pick<Job, "status" | "lease_epoch" | "lease_expires_at">, seenEpoch: number): boolean {
    return (
      WORKER_STATUSES.includes(job.status) &&
      job.lease_epoch === seenEpoch &&
      job.lease_expires_at !== null &&
      job.lease_expires_at.getTime() <= this.now().getTime()
    );
  }

  // ------------------------------------------------------------------ parents and children

  /**
   * Counts a child that reached a final status into its parent's `shards` counters, once per
   * child: a marker `catalog_jobs/{parent}/shard_results/{child}` is created in the same
   * transaction, so a repeated notification counts nothing. Returns the parent when this child was
   * the last one it waited for and the parent is deferred: its `run_after` is now, so it is due.
   */
  async recordChildFinished(
    parentId: string,
    childId: string,
    status: JobStatus,
  ): Promise<"counted" | "duplicate" | "parent_closed" | Job> {
    const parentRef = this.jobRef(parentId);
    const markerRef = parentRef.collection(CHILD_RESULTS).doc(childId);
    return this.db.runTransaction(async (tx) => {
      const [parent, marker] = await tx.getAll(parentRef, markerRef);
      const job = parent.exists ? this.parseStored(parent) : null;
      if (!job || !isOpenStatus(job.status)) return "parent_closed";
      if (marker.exists) return "duplicate";
      const now = this.now();
      const counts = countFinishedChild(job.shards ?? childCountsSchema.parse({}), status);
      const due = allChildrenFinished(counts) && job.status === "deferred";
      tx.create(markerRef, { child_id: childId, status, recorded_at: this.ts(now) });
      tx.update(parentRef, { shards: counts, updated_at: this.ts(now), ...(due ? { run_after: this.ts(now) } : {}) });
      return due ? { ...job, shards: counts, run_after: now } : "counted";
    });
  }

  /** Records how many children a parent has (keeping what was counted already), fenced by its lease. */
  async recordChildTotal(lease: Lease, total: number): Promise<ChildCounts> {
    return this.fenced(lease, (tx, job, ref) => {
      const counts = { ...(job.shards ?? childCountsSchema.parse({})), total };
      tx.update(ref, { shards: counts, updated_at: this.ts() });
      return counts;
    });
  }

  /** Sets a parent's final child counts (read from the children themselves) before it completes. */
  async settleChildCounts(lease: Lease, counts: ChildCounts): Promise<void> {
    await this.fenced(lease, (tx, _job, ref) => {
      tx.update(ref, { shards: counts, updated_at: this.ts() });
    });
  }

  /** Makes a deferred job due now (a parent whose children all finished); null when it is not deferred. */
  async wakeDeferred(jobId: string): Promise<Job | null> {
    return this.db.runTransaction(async (tx) => {
      const snap = await tx.get(this.jobRef(jobId));
      const job = snap.exists ? this.parseStored(snap) : null;
      if (!job || job.status !== "deferred") return null;
      const now = this.now();
      if (job.run_after > now) {
        tx.update(snap.ref, { run_after: this.ts(now), updated_at: this.ts(now) });
        return { ...job, run_after: now };
      }
      return job;
    });
  }

  // ------------------------------------------------------------------ operator actions

  /** Re-runs a finished job (failed, needs_review, deadletter, cancelled) from scratch. */
  async retryJob(jobId: string): Promise<Job> {
    return this.db.runTransaction(async (tx) => {
      const snap = await tx.get(this.jobRef(jobId));
      if (!snap.exists) throw new JobNotFoundError(jobId);
      const job = this.parseStored(snap);
      const status = snap.get("status") as JobStatus;
      if (!job) throw new InvalidTransitionError(jobId, status, "operator_retry: the job document no longer parses");
      const to = this.transition(jobId, status, "operator_retry");
      if (job.dedup_key) {
        const holder = await this.dedup.openHolderIn(tx, job.dedup_key, jobId);
        if (holder) throw new InvalidTransitionError(jobId, status, `retry: job ${holder} holds dedup key "${job.dedup_key}"`);
        this.dedup.claimIn(tx, job.dedup_key, jobId);
      }
      const now = this.now();
      tx.update(snap.ref, {
        status: to,
        attempts: 0,
        run_after: this.ts(now),
        error: null,
        cancel_requested: false,
        finished_at: null,
        updated_at: this.ts(now),
      });
      return { ...job, status: to, attempts: 0, run_after: now, error: null, cancel_requested: false, finished_at: null };
    });
  }

  /** Cancels a waiting job at once; asks a running one to stop at its next safe point. */
  async cancelJob(jobId: string): Promise<{ status: JobStatus; cancelRequested: boolean }> {
    return this.db.runTransaction(async (tx) => {
      const snap = await tx.get(this.jobRef(jobId));
      if (!snap.exists) throw new JobNotFoundError(jobId);
      const status = snap.get("status") as JobStatus;
      const now = this.ts();
      if (WORKER_STATUSES.includes(status)) {
        tx.update(snap.ref, { cancel_requested: true, updated_at: now });
        return { status, cancelRequested: true };
      }
      const to = this.transition(jobId, status, "cancel");
      tx.update(snap.ref, { status: to, finished_at: now, updated_at: now });
      return { status: to, cancelRequested: false };
    });
  }
}

/** `catalog_jobs/{parent}/shard_results/{child}`: one marker per child counted into its parent. */
export const CHILD_RESULTS = "shard_results";

/** The counts after one more child finished with `status`. */
function countFinishedChild(counts: ChildCounts, status: JobStatus): ChildCounts {
  const succeeded = status === "succeeded" || status === "succeeded_dry_run";
  return {
    ...counts,
    done: counts.done + 1,
    succeeded: counts.succeeded + (succeeded ? 1 : 0),
    failed: counts.failed + (succeeded ? 0 : 1),
  };
}

function allChildrenFinished(counts: ChildCounts): boolean {
  return counts.total !== null && counts.done >= counts.total;
}

/** The fields expired-lease recovery reads. */
const leaseFieldsSchema = jobDocumentSchema.pick({
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

/** A worker id unique to this process instance. */
export function newWorkerId(prefix = "worker"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
