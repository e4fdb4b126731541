/**
 * The fenced Firestore job queue. The job document is a lease state machine: every state change is a
 * transaction on that document, and every change by a worker is conditioned on `lease_owner` AND
 * `lease_epoch`, so a worker that lost its lease cannot complete, fail, defer or renew anything.
 */
import { randomUUID } from "node:crypto";
import { DocumentReference, DocumentSnapshot, Firestore, Timestamp, Transaction } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "./collections";
import { BackoffPolicy, DEFAULT_BACKOFF, backoffDelayMs } from "../util/backoff";
import { InvalidTransitionError, JobFailure, JobNotFoundError, LeaseLostError } from "./errors";
import { buildJobDocument, dedupDocId } from "./job-document";
import {
  Issue,
  Job,
  JobErrorInfo,
  JobStatus,
  LANES,
  LEASABLE_STATUSES,
  Lane,
  RETRYABLE_STATUSES,
  ResultSummary,
  isOpenStatus,
  parseJobDocument,
  parseJobRequest,
} from "./model";

export const DEFAULT_LEASE_MS = 5 * 60_000;

export interface QueueOptions {
  now?: () => Date;
  random?: () => number;
  leaseMs?: number;
  backoff?: BackoffPolicy;
  /** Ready candidates read per lane by one poll. */
  pollPageSize?: number;
}

/** Proof that a worker holds a job: its id, the owner and the fencing epoch. */
export interface Lease {
  jobId: string;
  owner: string;
  epoch: number;
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

export interface CreateJobInput {
  type: string;
  payload: Record<string, unknown>;
  queue?: Lane;
  priority?: number;
  dedup_key?: string;
  created_by: string;
  run_after?: Date;
  max_attempts?: number;
  parent_job_id?: string;
  /** A deterministic id (e.g. `<parent>-shard-3`): creating it twice creates it once. */
  id?: string;
}

export type CreateJobResult =
  { created: true; jobId: string } | { created: false; jobId: string; reason: "duplicate_dedup_key" | "already_exists" };

export type CompletionStatus = "succeeded" | "succeeded_dry_run" | "needs_review" | "cancelled";

export interface FailOutcome {
  status: JobStatus;
  runAfter: Date | null;
}

/** Statuses in which a worker holds the job's lease. */
export const WORKER_STATUSES: readonly JobStatus[] = ["leased", "running"];

export class JobQueue {
  readonly now: () => Date;
  private readonly random: () => number;
  readonly leaseMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly pollPageSize: number;

  constructor(
    readonly db: Firestore,
    options: QueueOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.pollPageSize = options.pollPageSize ?? 20;
  }

  jobRef(jobId: string): DocumentReference {
    return this.db.collection(JOB_COLLECTIONS.jobs).doc(jobId);
  }

  private dedupRef(dedupKey: string): DocumentReference {
    return this.db.collection(JOB_COLLECTIONS.dedup).doc(dedupDocId(dedupKey));
  }

  private ts(date: Date = this.now()): Timestamp {
    return Timestamp.fromDate(date);
  }

  async getJob(jobId: string): Promise<Job | null> {
    const snap = await this.jobRef(jobId).get();
    return snap.exists ? parseStoredJob(snap) : null;
  }

  // ------------------------------------------------------------------ create

  /**
   * Validates and creates a job with every server-owned field filled. With a `dedup_key`, at most
   * one open job per key exists: the key's claim document is created (create-if-absent) in the same
   * atomic batch as the job, and a claim whose job has finished is taken over with a write
   * conditioned on the claim's update time. No transaction, so concurrent producers never wait on locks.
   */
  async createJob(input: CreateJobInput): Promise<CreateJobResult> {
    const parsed = parseJobRequest(input);
    if (!parsed.ok) throw new InvalidJobError(parsed.issues);
    const request = parsed.value;
    const jobRef = input.id ? this.jobRef(input.id) : this.db.collection(JOB_COLLECTIONS.jobs).doc();
    const document = () =>
      buildJobDocument(request, {
        now: this.now(),
        createdBy: input.created_by,
        runAfter: input.run_after,
        maxAttempts: input.max_attempts,
        parentJobId: input.parent_job_id,
      });
    for (let round = 0; round < 10; round++) {
      const batch = this.db.batch();
      batch.create(jobRef, document());
      if (request.dedup_key) {
        const claim = await this.dedupRef(request.dedup_key).get();
        if (claim.exists) {
          const holder = await this.openJobHolding(claim, (ref) => ref.get());
          if (holder) return { created: false, jobId: holder, reason: "duplicate_dedup_key" };
          batch.update(claim.ref, this.claimFields(request.dedup_key, jobRef.id), { lastUpdateTime: claim.updateTime! });
        } else {
          batch.create(claim.ref, this.claimFields(request.dedup_key, jobRef.id));
        }
      }
      try {
        await batch.commit();
        return { created: true, jobId: jobRef.id };
      } catch (err) {
        if (!isConflict(err)) throw err;
        if (input.id && (await jobRef.get()).exists) return { created: false, jobId: jobRef.id, reason: "already_exists" };
        // Another producer changed the claim between our read and write: look again.
      }
    }
    throw JobFailure.transient("DEDUP_CONTENTION", `could not claim dedup key "${request.dedup_key}"`);
  }

  /**
   * The id of the open job a dedup claim points at, if any. A claim whose job has finished (or
   * vanished) is free again, so claims never need releasing.
   */
  private async openJobHolding(
    claim: DocumentSnapshot,
    read: (ref: DocumentReference) => Promise<DocumentSnapshot>,
    exceptJobId?: string,
  ): Promise<string | null> {
    const holderId = claim.get("job_id") as string | undefined;
    if (!holderId || holderId === exceptJobId) return null;
    const status = (await read(this.jobRef(holderId))).get("status") as JobStatus | undefined;
    return status && isOpenStatus(status) ? holderId : null;
  }

  /** Inside a transaction: the open job holding `dedupKey` other than `exceptJobId`, if any. */
  async openDedupHolder(tx: Transaction, dedupKey: string, exceptJobId?: string): Promise<string | null> {
    const claim = await tx.get(this.dedupRef(dedupKey));
    return claim.exists ? this.openJobHolding(claim, (ref) => tx.get(ref), exceptJobId) : null;
  }

  claimDedup(tx: Transaction, dedupKey: string, jobId: string): void {
    tx.set(this.dedupRef(dedupKey), this.claimFields(dedupKey, jobId));
  }

  private claimFields(dedupKey: string, jobId: string): Record<string, unknown> {
    return { dedup_key: dedupKey, job_id: jobId, claimed_at: this.ts() };
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
      const jobs = snap.docs.map(parseStoredJob).filter((job): job is Job => job !== null);
      if (jobs.length > 0) return jobs;
    }
    return [];
  }

  /**
   * The order in which `workerId` should try the candidates. Workers start at different places
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

  /** The job `workerId` should try to lease next, or null when nothing is ready. */
  async pollJob(_workerId: string, lanes: readonly Lane[] = LANES): Promise<Job | null> {
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
    const job = parseStoredJob(snap);
    const now = this.now();
    if (!job || !LEASABLE_STATUSES.includes(job.status) || job.run_after > now) return null;
    if (job.cancel_requested) {
      // A client asked to cancel a waiting job (rules let clients set only this flag): honour it instead of running.
      await snap.ref
        .update({ status: "cancelled", finished_at: this.ts(now), updated_at: this.ts(now) }, { lastUpdateTime: snap.updateTime! })
        .catch((err: unknown) => {
          if (!isConflict(err)) throw err;
        });
      return null;
    }
    const leaseExpiresAt = new Date(now.getTime() + this.leaseMs);
    const changes = {
      status: "leased" as const,
      lease_owner: workerId,
      lease_expires_at: leaseExpiresAt,
      lease_epoch: job.lease_epoch + 1,
      attempts: job.attempts + 1,
      started_at: now,
      updated_at: now,
    };
    try {
      await snap.ref.update(
        {
          ...changes,
          lease_expires_at: this.ts(leaseExpiresAt),
          started_at: this.ts(now),
          updated_at: this.ts(now),
        },
        { lastUpdateTime: snap.updateTime! },
      );
    } catch (err) {
      if (isConflict(err)) return null;
      throw err;
    }
    return { job: { ...job, ...changes } as Job, lease: { jobId, owner: workerId, epoch: changes.lease_epoch } };
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

  /** Reads the job inside `tx` and checks the fence; for callers that combine it with other writes (apply engine). */
  async readFencedJob(tx: Transaction, lease: Lease): Promise<Job> {
    const snap = await tx.get(this.jobRef(lease.jobId));
    if (!snap.exists) throw new LeaseLostError(lease.jobId, "job deleted");
    const owner = snap.get("lease_owner");
    const epoch = snap.get("lease_epoch");
    const status = snap.get("status") as JobStatus;
    if (owner !== lease.owner || epoch !== lease.epoch || !WORKER_STATUSES.includes(status)) {
      throw new LeaseLostError(lease.jobId, `held by ${owner ?? "nobody"} at epoch ${epoch}, status ${status}`);
    }
    const job = parseStoredJob(snap);
    if (!job) throw new LeaseLostError(lease.jobId, "job document no longer parses");
    return job;
  }

  async markRunning(lease: Lease): Promise<void> {
    await this.fenced(lease, (tx, _job, ref) => {
      tx.update(ref, { status: "running", updated_at: this.ts() });
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
    await this.fenced(lease, (tx, _job, ref) => {
      const now = this.ts();
      tx.update(ref, {
        status: outcome.status,
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
        status: outcome.status,
        error: failure.toInfo(),
        ...(resultSummary ? { result_summary: resultSummary } : {}),
        lease_owner: null,
        lease_expires_at: null,
        run_after: outcome.runAfter ? this.ts(outcome.runAfter) : job.run_after,
        finished_at: outcome.status === "queued" ? null : now,
        updated_at: now,
      });
      return outcome;
    });
  }

  /** Where a failure leads; also used by the watchdog for expired leases. */
  failureOutcome(job: Pick<Job, "attempts" | "max_attempts">, failure: Pick<JobFailure, "kind">): FailOutcome {
    if (failure.kind === "permanent") return { status: "failed", runAfter: null };
    if (failure.kind === "needs_review") return { status: "needs_review", runAfter: null };
    if (job.attempts >= job.max_attempts) return { status: "deadletter", runAfter: null };
    return { status: "queued", runAfter: new Date(this.now().getTime() + backoffDelayMs(job.attempts, this.backoff, this.random)) };
  }

  /**
   * Puts a job aside until `until` (a lock held by another job, a parent waiting for its shards).
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
        status: "deferred",
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

  // ------------------------------------------------------------------ operator actions

  /** Re-runs a finished job (failed, needs_review, deadletter, cancelled) from scratch. */
  async retryJob(jobId: string): Promise<void> {
    await this.db.runTransaction(async (tx) => {
      const snap = await tx.get(this.jobRef(jobId));
      if (!snap.exists) throw new JobNotFoundError(jobId);
      const status = snap.get("status") as JobStatus;
      if (!RETRYABLE_STATUSES.includes(status)) throw new InvalidTransitionError(jobId, status, "retry");
      const dedupKey = snap.get("dedup_key") as string | null;
      if (dedupKey) {
        const holder = await this.openDedupHolder(tx, dedupKey, jobId);
        if (holder) throw new InvalidTransitionError(jobId, status, `retry: job ${holder} holds dedup key "${dedupKey}"`);
        this.claimDedup(tx, dedupKey, jobId);
      }
      const now = this.ts();
      tx.update(snap.ref, {
        status: "queued",
        attempts: 0,
        run_after: now,
        error: null,
        cancel_requested: false,
        finished_at: null,
        updated_at: now,
      });
    });
  }

  /** Cancels a waiting job at once; asks a running one to stop at its next safe point. */
  async cancelJob(jobId: string): Promise<{ status: JobStatus; cancelRequested: boolean }> {
    return this.db.runTransaction(async (tx) => {
      const snap = await tx.get(this.jobRef(jobId));
      if (!snap.exists) throw new JobNotFoundError(jobId);
      const status = snap.get("status") as JobStatus;
      const now = this.ts();
      if (LEASABLE_STATUSES.includes(status)) {
        tx.update(snap.ref, { status: "cancelled", finished_at: now, updated_at: now });
        return { status: "cancelled" as JobStatus, cancelRequested: false };
      }
      if (WORKER_STATUSES.includes(status)) {
        tx.update(snap.ref, { cancel_requested: true, updated_at: now });
        return { status, cancelRequested: true };
      }
      throw new InvalidTransitionError(jobId, status, "cancel");
    });
  }
}

/** A stored job, or null if its document does not parse (the trigger fails such documents). */
export function parseStoredJob(snap: DocumentSnapshot): Job | null {
  const parsed = parseJobDocument(snap.id, snap.data());
  return parsed.ok ? parsed.value : null;
}

/** ALREADY_EXISTS, FAILED_PRECONDITION or ABORTED: someone else wrote first. */
export function isConflict(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 6 || code === 9 || code === 10;
}

/** A worker id unique to this process instance. */
export function newWorkerId(prefix = "worker"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
