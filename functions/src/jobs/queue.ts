/**
 * The fenced Firestore job queue. The job document is a lease state machine, and this class is the
 * only writer of its `status`: every change is checked against the lifecycle table
 * (`lifecycle.ts`) and written in a transaction (or with a precondition) on that document; every
 * change by a worker is conditioned on `lease_owner` AND `lease_epoch`, so a worker that lost its
 * lease cannot complete, fail, defer or renew anything.
 */
import { randomUUID } from "node:crypto";
import {
  type DocumentReference,
  type DocumentSnapshot,
  type Firestore,
  FieldValue,
  type Query,
  type QueryDocumentSnapshot,
  Timestamp,
  type Transaction,
  type WriteBatch,
} from "firebase-admin/firestore";
import { type BackoffPolicy, backoffDelayMs } from "../util/backoff";
import { GrpcStatus, grpcCode, isWriteConflict } from "../util/grpc-status";
import { display, isPlainRecord } from "../util/object-paths";
import { shortList } from "../util/short-list";
import { isStoredTime, runRecallingLastAnswer } from "../util/transactions";
import { NO_LLM_USAGE, attemptDocument, attemptRef } from "./attempt-log";
import { z } from "zod";
import { JOB_COLLECTIONS } from "./collections";
import { PARAMS } from "../config";
import { DedupClaims } from "./dedup";
import {
  InvalidTransitionError,
  JobCancelledError,
  JobFailure,
  JobNotFoundError,
  LEASE_EXPIRED,
  LeaseLostError,
  unsupportedJobType,
} from "./errors";
import { RESUME_PLAN_ON_RETRY } from "./outcomes";
import { UNKNOWN_CREATOR, buildJobDocument, rulesCheckedCreator } from "./job-document";
import { HeldLease } from "./lease";
import {
  type JobEvent,
  type JobStatus,
  LEASABLE_STATUSES,
  RETRYABLE_STATUSES,
  WORKER_STATUSES,
  isOpenStatus,
  isSuccessStatus,
  nextStatus,
} from "./lifecycle";
import {
  type ChildCounts,
  type CreateJobInput,
  type CreateJobResult,
  type Lease,
  type Issue,
  type Job,
  type JobErrorInfo,
  type JobRequest,
  LANES,
  type Lane,
  type ResultSummary,
  childCountsSchema,
  jobDocumentSchema,
  modeSchema,
  type CompletionStatus,
  type WakeupSubject,
} from "./model";
import type { JobTypes } from "./registry";
import { type Retention, DEFAULT_RETENTION, expireAt } from "./retention";
import { recordRun, runSummaryOf } from "./run-history";
import type { Writes } from "./writes";

/** The params' defaults, for a queue made without the engine's config (tests, tools). */
const DEFAULT_LEASE_MS = PARAMS.leaseMs.defaultValue;
/** A job's retry delays: doubling from JOB_BACKOFF_BASE_SECONDS up to JOB_BACKOFF_MAX_SECONDS. */
export const retryBackoff = (baseMs: number, maxMs: number): BackoffPolicy => ({ baseMs, factor: 2, maxMs });
const DEFAULT_BACKOFF = retryBackoff(PARAMS.backoffBaseMs.defaultValue, PARAMS.backoffMaxMs.defaultValue);
/** Reads a precondition failure may take before the holder gives up: someone else keeps writing the job. */
const MAX_HOLDER_WRITE_ROUNDS = 5;
/** How long a poll that found a lane's head backing off reads that lane with the `run_after` filter at most (see `strictPage`). */
const HEAD_WAIT_MEMO_MS = 60_000;
/** A parent whose children finish together changes under each count: more rounds than a holder's write. */
const MAX_COUNT_ROUNDS = 20;

export interface QueueOptions {
  types: JobTypes;
  now?: () => Date;
  random?: () => number;
  leaseMs?: number;
  backoff?: BackoffPolicy;
  /** How long what becomes history is kept (`DEFAULT_RETENTION` when not given). */
  retention?: Retention;
}

/** A ready job as a poll saw it: leasing it is a write conditioned on that version, with no re-read. */
export interface Candidate {
  job: Job;
  version: Timestamp;
}

/** A poll's candidates, and whether they are every ready job of their lane (the query found fewer than it asked for). */
export interface CandidatePage {
  candidates: Candidate[];
  complete: boolean;
}

/** The ready jobs of one lane and priority: what a spread poll reads. */
export interface Band {
  lane: Lane;
  priority: number;
}

/** A spread poll's page, the band it read, and where the next spread poll goes on from. */
export interface SpreadPage extends CandidatePage {
  /** The last slot read; below every slot (-1) when the page reached the band's end; null when its last job has no slot. */
  next: number | null;
  band: Band | null;
}

export interface LeasedJob {
  job: Job;
  lease: HeldLease;
}

/** What a cancel did: the job's status after it (or still open, asked to stop), and its parent if it is a child. */
export interface CancelResult {
  status: JobStatus;
  cancelRequested: boolean;
  /** The job was asked to stop before: nothing was written. */
  alreadyRequested: boolean;
  parentJobId: string | null;
}

/** A waiting job a lease found with its cancel requested: it was cancelled instead of leased. */
export interface CancelledAtLease {
  cancelled: Job;
}

export class InvalidJobError extends Error {
  /** Read by `toJobFailure`: a handler that asks for an invalid follow-up fails at once, as a retry would ask again. */
  readonly code = "INVALID_JOB";
  readonly transient = false;

  constructor(readonly issues: Issue[]) {
    super(`invalid job: ${issues.map(issueText).join("; ")}`);
    this.name = "InvalidJobError";
  }

  get details(): Issue[] {
    return this.issues;
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

/** The job's change that ends an attempt: the lifecycle event and the job's other changed fields. */
export interface JobChange {
  event: JobEvent;
  fields: Record<string, unknown>;
}

/** How a holder ends its attempt: the job's change, and the bookkeeping written in the same batch. */
export interface AttemptEnding extends JobChange {
  bookkeeping: (writes: Writes, status: JobStatus) => void;
  /**
   * The change again after a write found the job changed, from what the holder has seen since: its LLM usage
   * (`HeldLease.seenLlmUsage`), a cancel (`HeldLease.cancelRequested`), which may change the event too.
   */
  refreshed?: () => JobChange;
}

/** The event a worker sends to end its run with one of the completion statuses. */
const COMPLETION_EVENT: Record<CompletionStatus, JobEvent> = {
  succeeded: "succeed",
  succeeded_dry_run: "succeed_dry_run",
  needs_review: "need_review",
  cancelled: "stop",
};
const COMPLETED_EVENTS: ReadonlySet<JobEvent> = new Set(Object.values(COMPLETION_EVENT));

/** The event that leads from a running job to a failure's outcome. */
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
  private readonly retention: Retention;
  private readonly types: JobTypes;
  private readonly dedup: DedupClaims;
  /** By lane: until when polls take the lane's head to be backing off (see `strictPage`). */
  private readonly headWaitsUntil = new Map<Lane, number>();

  constructor(
    readonly db: Firestore,
    options: QueueOptions,
  ) {
    this.types = options.types;
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.retention = options.retention ?? DEFAULT_RETENTION;
    this.dedup = new DedupClaims(db, this.now, this.retention.jobsMs);
  }

  jobRef(jobId: string): DocumentReference {
    return this.db.collection(JOB_COLLECTIONS.jobs).doc(jobId);
  }

  private ts(date: Date = this.now()): Timestamp {
    return Timestamp.fromDate(date);
  }

  /** The fields of a job that became final at `at`: from then on it is history, kept for `jobsMs`. */
  private finished(at: Date | Timestamp): { finished_at: Timestamp; expire_at: Timestamp } {
    const date = at instanceof Timestamp ? at.toDate() : at;
    return { finished_at: Timestamp.fromDate(date), expire_at: expireAt(date, this.retention.jobsMs) };
  }

  /** When a document about `jobId`'s attempts, written at `at`, may be deleted (see retention.ts). */
  historyExpiry(kind: keyof Retention, at: Date): Timestamp {
    return expireAt(at, this.retention[kind]);
  }

  /** The status `event` leads to from `from`; `InvalidTransitionError` when the lifecycle has no such step. */
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

  /** What `createJob` would refuse in `input` (its type, lane, priority or payload), without creating anything; null when nothing. */
  requestIssues(input: unknown): Issue[] | null {
    const parsed = this.types.parseRequest(input);
    return parsed.ok ? null : parsed.issues;
  }

  /**
   * Validates and creates a job with every server-owned field filled. With a `dedup_key`, at most
   * one open job per key exists: the key's claim document is created (create-if-absent) in the same
   * atomic batch as the job, and a claim whose job has finished is taken over with a write
   * conditioned on the claim's update time. No transaction, so concurrent producers never wait on locks.
   * An `id` that exists is this job asked for before, unless another wrote it (`JOB_ID_TAKEN`).
   */
  async createJob(input: CreateJobInput): Promise<CreateJobResult> {
    const parsed = this.types.parseRequest(input);
    if (!parsed.ok) throw new InvalidJobError(parsed.issues);
    if (input.answers !== undefined && !input.dedup_key)
      throw new Error("a job asked for with `answers` needs a dedup_key to keep them under");
    const request = parsed.value;
    const jobRef = input.id ? this.jobRef(input.id) : this.db.collection(JOB_COLLECTIONS.jobs).doc();
    const lane = request.queue ?? this.types.defaultLane(request.type);
    for (let round = 0; round < 10; round++) {
      const now = this.now();
      const runAfter = input.run_after ?? now;
      const slot = this.random();
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
          slot,
        }),
      );
      if (request.dedup_key) {
        const claim = await this.dedup.ref(request.dedup_key).get();
        const blocked = await this.dedup.blocking(claim, (ref) => ref.get(), input.answers);
        if (blocked) return { created: false, ...blocked };
        const fields = this.dedup.fields(request.dedup_key, jobRef.id, input.answers ?? null);
        if (claim.exists) batch.update(claim.ref, fields, { lastUpdateTime: claim.updateTime! });
        else batch.create(claim.ref, fields);
      }
      const created = (): CreateJobResult => ({
        created: true,
        jobId: jobRef.id,
        job: { id: jobRef.id, queue: lane, attempts: 0, lease_epoch: 0, run_after: runAfter },
      });
      try {
        await batch.commit();
        return created();
      } catch (err) {
        if (!isWriteConflict(err)) throw err;
        const existing = await jobRef.get();
        // A new random id that exists is this batch, landed, its resend by the Firestore client refused; so is a chosen
        // id holding this batch's random slot, written at this moment.
        const thisBatch = !input.id || (existing.get("slot") === slot && isStoredTime(existing.get("created_at"), now));
        if (existing.exists && thisBatch) return created();
        if (existing.exists) return existingJob(existing, input);
        // Another producer changed the claim between our read and write: look again.
      }
    }
    throw JobFailure.transient("DEDUP_CONTENTION", `could not claim dedup key "${request.dedup_key}"`);
  }

  // ------------------------------------------------------------------ intake

  /**
   * Takes in a document a client wrote to `catalog_jobs`, from the snapshot the trigger delivered
   * (no read): a valid one is normalised to the form `createJob` writes (`accept`), keeping the
   * client's `created_at` and any cancel it already asked for; an invalid one, or a second open job
   * for a dedup key, is failed (`reject`). The write is conditioned on the snapshot's update time;
   * if the document changed since (a client's cancel, another delivery of the trigger), it is read
   * once more and taken in as it is now. An already normalised document changes nothing, so a
   * repeated trigger is harmless.
   */
  async takeIn(delivered: DocumentSnapshot, createdBy: string): Promise<IntakeDecision> {
    let snap = delivered;
    for (let round = 0; round < MAX_HOLDER_WRITE_ROUNDS; round++) {
      if (!snap.exists) return { outcome: "missing" };
      try {
        return await this.takeInSnapshot(snap, createdBy);
      } catch (err) {
        if (!isWriteConflict(err)) throw err;
        snap = await snap.ref.get();
      }
    }
    throw JobFailure.transient("INTAKE_CONTENTION", `job ${delivered.id} kept changing during intake`);
  }

  private async takeInSnapshot(snap: DocumentSnapshot, createdBy: string): Promise<IntakeDecision> {
    const jobId = snap.id;
    const data = snap.data()!;
    if (isNormalised(data)) {
      // The watchdog took it in before this delivery came (a trigger retried past WATCHDOG_STALE_QUEUED_SECONDS),
      // without the auth context, from a document that named no creator: the creator's own read needs it.
      if (data.created_by === UNKNOWN_CREATOR && createdBy !== UNKNOWN_CREATOR)
        await snap.ref.update({ created_by: createdBy }, { lastUpdateTime: snap.updateTime! });
      if (data.status !== "queued") return { outcome: "not_queued", status: String(data.status) };
      const job = this.parseStored(snap);
      return job ? { outcome: "accepted", job } : { outcome: "not_queued", status: String(data.status) };
    }
    const now = this.now();
    const createdAt = data.created_at instanceof Timestamp ? data.created_at : undefined;
    const precondition = { lastUpdateTime: snap.updateTime! };
    const batch = this.db.batch();
    const reject = (code: string, message: string, details: unknown) =>
      batch.update(
        snap.ref,
        this.refusedFields(jobId, createdBy, { code, message, details }, createdAt ?? this.ts(now), now),
        precondition,
      );
    const parsed = this.types.parseRequest(data);
    let decision: IntakeDecision;
    if (!parsed.ok) {
      reject("INVALID_JOB", "the job document does not pass validation", parsed.issues);
      decision = { outcome: "invalid", issues: parsed.issues };
    } else {
      const dedupKey = parsed.value.dedup_key;
      const claim = dedupKey ? await this.dedup.ref(dedupKey).get() : null;
      const holder = claim ? await this.dedup.openHolder(claim, (ref) => ref.get(), jobId) : null;
      if (dedupKey && holder) {
        reject("DUPLICATE_JOB", `job ${holder} with dedup key "${dedupKey}" is still open`, { open_job_id: holder, dedup_key: dedupKey });
        decision = { outcome: "duplicate", openJobId: holder, dedupKey };
      } else {
        if (dedupKey && claim) {
          const fields = this.dedup.fields(dedupKey, jobId);
          if (claim.exists) batch.update(claim.ref, fields, { lastUpdateTime: claim.updateTime! });
          else batch.create(claim.ref, fields);
        }
        this.transition(jobId, "queued", "accept");
        const document = this.takenInDocument(parsed.value, data, createdBy, now);
        batch.update(snap.ref, document, precondition);
        decision = { outcome: "accepted", job: { id: jobId, queue: document.queue, attempts: 0, lease_epoch: 0, run_after: now } };
      }
    }
    await batch.commit();
    return decision;
  }

  /**
   * The fields of a job refused before it was taken in (intake's refusal of a client's document,
   * `createRefusedJob`): failed with `error`, never run. It has no lane or `run_after`, so no poll
   * finds it, and its retry is refused (`unparsedReason`).
   */
  private refusedFields(jobId: string, createdBy: string, error: Omit<JobErrorInfo, "transient">, createdAt: Timestamp, now: Date) {
    return {
      status: this.transition(jobId, "queued", "reject"),
      error: { ...error, transient: false },
      created_by: createdBy,
      attempts: 0,
      lease_epoch: 0,
      created_at: createdAt,
      updated_at: this.ts(now),
      ...this.finished(now),
    };
  }

  /**
   * Creates job `input.id` refused, as intake refuses a client's document: for a producer that cannot
   * build the job's request (a scheduled scan whose params do not parse), so that the refusal shows
   * where jobs do, not only in a log. `error.details.instead`, a sentence, is what a retry's refusal
   * tells the operator to do instead. As `createJob`, an id that holds the job asked for before is
   * left as it is (`refusal_exists`, or `job_exists` when the job itself was built there), and one a
   * document the engine did not write holds is refused (JOB_ID_TAKEN).
   */
  async createRefusedJob(
    input: { id: string; type: string; created_by: string },
    error: Omit<JobErrorInfo, "transient">,
  ): Promise<"created" | "refusal_exists" | "job_exists"> {
    const ref = this.jobRef(input.id);
    const now = this.now();
    try {
      await ref.create({ type: input.type, ...this.refusedFields(input.id, input.created_by, error, this.ts(now), now) });
      return "created";
    } catch (err) {
      if (grpcCode(err) !== GrpcStatus.ALREADY_EXISTS) throw err;
      const existing = await ref.get();
      // Gone already: `deleteRefusedJob` made way for the job itself, which its caller creates next.
      if (!existing.exists) return "job_exists";
      existingJob(existing, input);
      return isRefusal(existing) ? "refusal_exists" : "job_exists";
    }
  }

  /**
   * Deletes job `jobId` if it is still a refusal `createRefusedJob` wrote for `createdBy` (failed,
   * never taken in), so that its producer can create the job in its place once it can build it; true
   * if it did. Nothing ran for it, so nothing else refers to it. A run of the transaction after a
   * delete whose reply was lost finds the job gone and answers as that run did.
   */
  async deleteRefusedJob(jobId: string, createdBy: string): Promise<boolean> {
    return runRecallingLastAnswer(this.db, async (tx, lastAnswer: boolean | undefined) => {
      const snap = await tx.get(this.jobRef(jobId));
      if (lastAnswer === true && !snap.exists) return true;
      if (!isRefusal(snap) || snap.get("created_by") !== createdBy) return false;
      tx.delete(snap.ref);
      return true;
    });
  }

  /** The document intake normalises a client's valid request (`data`) to. */
  private takenInDocument(request: JobRequest, data: Record<string, unknown>, createdBy: string, now: Date) {
    return buildJobDocument(request, {
      now,
      lane: request.queue ?? this.types.defaultLane(request.type),
      createdBy,
      createdAt: data.created_at instanceof Timestamp ? data.created_at : undefined,
      cancelRequested: data.cancel_requested === true,
      slot: this.random(),
    });
  }

  // ------------------------------------------------------------------ poll and lease

  /** Up to `limit` ready candidates in lane order (priority lane first), then higher priority, then older: the first lane's page that has any. */
  async pollCandidates(lanes: readonly Lane[], limit: number): Promise<CandidatePage> {
    for (const lane of LANES.filter((l) => lanes.includes(l))) {
      const page = await this.strictPage(lane, limit);
      if (page.candidates.length > 0) return page;
    }
    return { candidates: [], complete: true };
  }

  /**
   * Up to `limit` ready jobs of `lane` in strict order. The lane's waiting jobs are read first without
   * the `run_after` filter: a query without a range filter bills no index-entry reads, and the jobs at
   * the head are ready unless some back off. When that page holds a job that is not ready, ready jobs
   * may hide behind it (a crowd backing off), so they are read with the filter, and the lane's head is
   * taken to wait until that job's `run_after` (a minute at most), so polls until then read with the
   * filter at once.
   */
  private async strictPage(lane: Lane, limit: number): Promise<CandidatePage> {
    const now = this.now().getTime();
    if ((this.headWaitsUntil.get(lane) ?? now) <= now) {
      const waiting = await this.inStrictOrder(this.waitingJobs(lane)).limit(limit).get();
      const notReady = waiting.docs.map(runAfterMillis).filter((at) => !(at <= now));
      if (notReady.length === 0) return { candidates: await this.candidatesOf(waiting.docs), complete: waiting.size < limit };
      // A document not taken in yet has no run_after (NaN): it waits for intake, not for a time.
      this.headWaitsUntil.set(lane, Math.min(now + HEAD_WAIT_MEMO_MS, ...notReady.map((at) => (Number.isNaN(at) ? now : at))));
    }
    const ready = await this.inStrictOrder(this.readyJobs(lane)).limit(limit).get();
    return { candidates: await this.candidatesOf(ready.docs), complete: ready.size < limit };
  }

  /**
   * The poll of a process that meets competition: up to `limit` ready candidates of the first lane
   * that has any, all of its head priority (its `band`), read in `slot` order from `from` on (round
   * to the lowest slot when none is left above it); the head itself only when it is all there is. A
   * process walks on from where its last page ended (`next`), so competing processes that started
   * at different places read and lease different documents instead of all paying for the same head.
   * Given the band an earlier poll found (`known`), the head is not read again until the band has
   * nothing left, so lane and priority order are as fresh as that poll. Age order inside the head
   * priority gives way. A job stored before jobs had a slot is found as the head. Never `complete`:
   * lower priorities are not read.
   */
  async pollSpread(lanes: readonly Lane[], limit: number, from: number, known?: Band): Promise<SpreadPage> {
    if (known) {
      const docs = await this.bandFrom(known, limit, from);
      if (docs.length > 0) return this.spreadPage(docs, known, limit);
    }
    for (const lane of LANES.filter((l) => lanes.includes(l))) {
      const head = await this.inStrictOrder(this.readyJobs(lane)).limit(1).get();
      if (head.empty) continue;
      const band = { lane, priority: head.docs[0].get("priority") as number };
      const others = (await this.bandFrom(band, limit, from)).filter((doc) => doc.id !== head.docs[0].id);
      return this.spreadPage(others.length > 0 ? others : head.docs, band, limit);
    }
    return { candidates: [], complete: true, next: null, band: null };
  }

  /** Up to `limit` ready jobs of `band` from slot `from` on, or else from the lowest slot. */
  private async bandFrom({ lane, priority }: Band, limit: number, from: number): Promise<QueryDocumentSnapshot[]> {
    const band = this.readyJobs(lane).where("priority", "==", priority).orderBy("slot").limit(limit);
    const docs = (await band.startAfter(from).get()).docs;
    return docs.length > 0 ? docs : (await band.get()).docs;
  }

  /** A page that came short reached the end of the band's slots: the next one starts from the lowest. */
  private async spreadPage(docs: QueryDocumentSnapshot[], band: Band, limit: number): Promise<SpreadPage> {
    const last = docs[docs.length - 1].get("slot") as number | undefined;
    const next = last === undefined ? null : docs.length < limit ? -1 : last;
    return { candidates: await this.candidatesOf(docs), complete: false, next, band };
  }

  /** The lane's jobs that wait to be leased, ready or not. */
  private waitingJobs(lane: Lane): Query {
    return this.db.collection(JOB_COLLECTIONS.jobs).where("status", "in", LEASABLE_STATUSES).where("queue", "==", lane);
  }

  /** The lane's jobs a worker may lease now. The `run_after <= now` filter runs in the query, so any number of backing-off jobs cannot hide a ready one. */
  private readyJobs(lane: Lane): Query {
    return this.waitingJobs(lane).where("run_after", "<=", this.ts());
  }

  /** Higher priority first, then older. */
  private inStrictOrder(jobs: Query): Query {
    return jobs.orderBy("priority", "desc").orderBy("created_at", "asc");
  }

  private async candidatesOf(docs: readonly QueryDocumentSnapshot[]): Promise<Candidate[]> {
    const candidates: Candidate[] = [];
    for (const doc of docs) {
      const job = this.types.parseJob(doc.id, doc.data());
      if (job.ok) candidates.push({ job: job.value, version: doc.updateTime });
      else await this.rejectUnreadable(doc, job.issues);
    }
    return candidates;
  }

  /**
   * A waiting job whose document no longer parses (its type is not registered any more, or its
   * payload fails its schema) can never run: it fails permanently instead of waiting forever.
   */
  private async rejectUnreadable(doc: DocumentSnapshot, issues: Issue[]): Promise<void> {
    const unknownType = unparsedPart(issues) === "type";
    const now = this.ts();
    await doc.ref
      .update(
        {
          status: this.transition(doc.id, doc.get("status") as JobStatus, "reject"),
          error: unknownType
            ? unsupportedJobType(display(doc.get("type"))).toInfo()
            : { code: "INVALID_JOB", message: "the stored job no longer passes validation", transient: false, details: issues },
          ...this.finished(now),
          updated_at: now,
        },
        { lastUpdateTime: doc.updateTime },
      )
      .catch((err: unknown) => {
        if (!isWriteConflict(err)) throw err;
      });
  }

  /**
   * Leases a candidate as the poll saw it: a write conditioned on the version the poll read, so
   * of many racing workers exactly one write lands and the others fail at once, with no wait on a
   * document lock. The job goes straight to `running`; `attempts` (a deferral refunds it) and
   * `lease_epoch`, the fencing token, are incremented. Null when another worker got there first or
   * the job changed since the poll; a write that fails reads the job once, as it may have landed
   * with its reply lost (`landedAfterAll`). A waiting job whose cancel was requested, or a child
   * whose parent was cancelled since it was queued (`parentCancelledSinceQueued`: a child's one
   * read; only one that finds the cancel reads the parent again, in the transaction that cancels
   * it: `cancelWithParentAtLease`), is cancelled instead (`CancelledAtLease`).
   */
  async lease(candidate: Candidate, workerId: string): Promise<LeasedJob | CancelledAtLease | null> {
    const { job, version } = candidate;
    const now = this.now();
    if (!LEASABLE_STATUSES.includes(job.status) || job.run_after > now) return null;
    const ref = this.jobRef(job.id);
    // A client asked to cancel a waiting job (rules let clients set only this flag), or its parent was cancelled:
    // honour it instead of running. One that settles its cancel itself runs (see `settlesItsCancel`).
    const settles = settlesItsCancel(job);
    if (!settles && (await this.parentCancelledSinceQueued(job))) {
      const cancelled = await this.cancelWithParentAtLease(candidate, now);
      if (cancelled) return { cancelled: { ...job, status: cancelled.status } };
    } else if (!settles && job.cancel_requested) {
      const status = this.transition(job.id, job.status, "cancel");
      try {
        // A cancelled job carries no error: not the LOCK_HELD or outage it last waited on.
        await ref.update({ status, error: null, ...this.finished(now), updated_at: this.ts(now) }, { lastUpdateTime: version });
      } catch (err) {
        // Only this write cancelled the job at this moment.
        const landed = await landedAfterAll(
          ref,
          err,
          (current) => current.get("status") === status && isStoredTime(current.get("finished_at"), now),
        );
        if (!landed) return null;
      }
      return { cancelled: { ...job, status } };
    }
    const leaseExpiresAt = new Date(now.getTime() + this.leaseMs);
    const changes = {
      status: this.transition(job.id, job.status, "lease"),
      lease_owner: workerId,
      lease_expires_at: leaseExpiresAt,
      lease_epoch: job.lease_epoch + 1,
      attempts: job.attempts + 1,
      started_at: now,
      updated_at: now,
      // Each attempt reports its own progress: an earlier one's would stay on a quick one that reports none.
      progress: null,
    };
    let written: Timestamp;
    try {
      written = (
        await ref.update(
          { ...changes, lease_expires_at: this.ts(leaseExpiresAt), started_at: this.ts(now), updated_at: this.ts(now) },
          { lastUpdateTime: version },
        )
      ).writeTime;
    } catch (err) {
      if (grpcCode(err) === GrpcStatus.NOT_FOUND) return null;
      // Only this write leaves this worker's id with this epoch.
      const landed = await landedAfterAll(
        ref,
        err,
        (current) =>
          current.get("lease_owner") === workerId &&
          current.get("lease_epoch") === changes.lease_epoch &&
          current.get("status") === changes.status,
      );
      if (!landed) return null;
      // Held at the version the poll read, not the one read now: a write since the lease landed (a cancel asked for,
      // a lost attempt's LLM usage, a child's count) is then found by the holder's first write, which reads the job.
      written = version;
    }
    return { job: { ...job, ...changes }, lease: new HeldLease(job.id, workerId, changes.lease_epoch, written, job.llm_usage) };
  }

  /**
   * Cancels at its lease the waiting child of `candidate`, as the poll saw it, whose parent's cancel
   * reached it when the lease read the parent: the transaction reads the parent again
   * (`parentCancelReachesIn`), as an operator's retry may have queued it since, its children then
   * left to run; a child that cancel still reaches keeps that it came from it (`CANCELLED_WITH_PARENT`).
   * Null when it no longer does and no cancel of the child's own was asked for (the lease goes on),
   * or when the child changed since the poll (the lease's write is then refused). A run after a
   * commit whose reply was lost answers as that run did (see `cancelJob`).
   */
  private async cancelWithParentAtLease({ job, version }: Candidate, now: Date): Promise<CancelResult | null> {
    return runRecallingLastAnswer(this.db, async (tx, lastAnswer: CancelResult | null | undefined) => {
      const snap = await tx.get(this.jobRef(job.id));
      if (leftByCancel(snap, lastAnswer, now)) return lastAnswer;
      if (!snap.updateTime?.isEqual(version)) return null;
      const withParent = await this.parentCancelReachesIn(tx, snap);
      return withParent || job.cancel_requested ? this.cancelIn(tx, snap, now, { withParent }) : null;
    });
  }

  /**
   * Reads one job and leases it if it is ready (tests only; workers lease from their polls);
   * null when it was not leased, also when it was cancelled instead (its children are left alone).
   */
  async leaseById(jobId: string, workerId: string): Promise<LeasedJob | null> {
    const snap = await this.jobRef(jobId).get();
    const job = snap.exists ? this.parseStored(snap) : null;
    const outcome = job ? await this.lease({ job, version: snap.updateTime! }, workerId) : null;
    return outcome && "lease" in outcome ? outcome : null;
  }

  /**
   * Whether a child's parent was cancelled after the child was created, or queued again by an
   * operator's retry (`requeued_at`), or is asked to stop and has not yet (`cancelPending`). A
   * parent's cancel reaches its open children in a step of its own (`JobFlows.cancelChildren`), which
   * a crash or an outage can leave undone, and a running parent creates children until one of its
   * writes meets the cancel; a child that finds its parent so when it is leased, or while it runs
   * (`Heartbeat`), is cancelled as that step would have, also after a retry or deferral of its own.
   * One an operator's retry queued again since the cancel (it queues the parent's children before
   * the parent) is left to run (`parentCancelReaches`).
   */
  async parentCancelledSinceQueued(child: Pick<Job, "parent_job_id" | "created_at" | "requeued_at">): Promise<boolean> {
    if (child.parent_job_id === null) return false;
    const parent = await this.jobRef(child.parent_job_id).get();
    return parentCancelReaches(parent, (child.requeued_at ?? child.created_at).getTime());
  }

  // ------------------------------------------------------------------ the holder's writes

  /**
   * A write by the lease holder, conditioned on its last write (`held.version`), so it needs no
   * read. When the job changed since, the job is read once: still this holder's lease → the write
   * is tried again on the new version (`onChanged` sees the job first, e.g. a cancel request, and
   * may change `changes` given as a function, read at each try); otherwise `LeaseLostError` and
   * nothing is written. Other documents written in the same batch (`more`) land with it or not at all.
   */
  private async writeAsHolder(
    held: HeldLease,
    changes: Record<string, unknown> | (() => Record<string, unknown>),
    options: { more?: (batch: WriteBatch) => void; onChanged?: () => void; stopOnCancel?: boolean } = {},
  ): Promise<void> {
    await held.serially(async () => {
      // An earlier holder write (the heartbeat's) may have found the cancel while this one waited its turn.
      if (held.cancelRequested && options.stopOnCancel) throw new JobCancelledError(held.jobId);
      for (let round = 0; round < MAX_HOLDER_WRITE_ROUNDS; round++) {
        const batch = this.db.batch();
        const fields = typeof changes === "function" ? changes() : changes;
        batch.update(this.jobRef(held.jobId), { ...fields, updated_at: this.ts() }, { lastUpdateTime: held.version });
        options.more?.(batch);
        try {
          const [written] = await batch.commit();
          held.version = written.writeTime;
          return;
        } catch (err) {
          if (grpcCode(err) !== GrpcStatus.FAILED_PRECONDITION) throw err;
          const snap = await this.jobRef(held.jobId).get();
          // A freeze whose reply was lost (`savePlan` threw) landed all the same: the job then keeps its locks,
          // also when its lease was lost since. Every holder write after it finds the job changed and reads this.
          if (snap.get("plan_id") === planIdOf(held)) held.frozenPlanId = planIdOf(held);
          const job = this.checkFence(snap, held);
          held.version = snap.updateTime!;
          held.seenChildCounts = job.shards;
          held.seenLlmUsage = job.llm_usage;
          // Whichever write finds a cancel tells the holder (its heartbeat stops the handler).
          if (job.cancel_requested) held.noteCancelRequested();
          if (held.cancelRequested && options.stopOnCancel) throw new JobCancelledError(held.jobId);
          options.onChanged?.();
        }
      }
      throw JobFailure.transient("JOB_CONTENTION", `job ${held.jobId} kept changing under its holder's writes`);
    });
  }

  /** The job if `lease` still holds it; otherwise `LeaseLostError`. */
  private checkFence(snap: DocumentSnapshot, lease: Lease): Job {
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

  /** Extends the lease; reports whether a cancel was requested (found by this write or an earlier one). */
  async renewLease(held: HeldLease): Promise<{ expiresAt: Date; cancelRequested: boolean }> {
    const expiresAt = new Date(this.now().getTime() + this.leaseMs);
    await this.writeAsHolder(held, { lease_expires_at: this.ts(expiresAt) });
    return { expiresAt, cancelRequested: held.cancelRequested };
  }

  /** Progress of a long job. */
  async reportProgress(held: HeldLease, progress: { done: number; total: number }): Promise<void> {
    await this.writeAsHolder(held, { progress });
  }

  /** Records how many children a parent has, keeping what was counted already. */
  async recordChildTotal(held: HeldLease, total: number): Promise<void> {
    // increment(0) starts a count at 0 without resetting one a child has already made.
    const zero = FieldValue.increment(0);
    await this.writeAsHolder(held, { "shards.total": total, "shards.done": zero, "shards.succeeded": zero, "shards.failed": zero });
  }

  /**
   * Saves the plan the holder commits to before its first change, as `plans/p{epoch}` beside the
   * job, and points the job at it, in one write: a later attempt finishes this plan instead of
   * making a new one, and a cancel no longer stops the job half-way. A cancel this write finds
   * requested stops the job here, with nothing changed (`JobCancelledError`).
   */
  async savePlan(held: HeldLease, plan: Record<string, unknown>): Promise<string> {
    const planId = planIdOf(held);
    const planRef = this.jobRef(held.jobId).collection(JOB_COLLECTIONS.plans).doc(planId);
    await this.writeAsHolder(
      held,
      { plan_id: planId },
      {
        more: (batch) =>
          batch.set(planRef, {
            ...plan,
            plan_id: planId,
            lease_epoch: held.epoch,
            saved_at: this.ts(),
            expire_at: this.historyExpiry("jobsMs", this.now()),
          }),
        stopOnCancel: true,
      },
    );
    held.frozenPlanId = planId;
    return planId;
  }

  /** A plan saved by `savePlan`; null when it is gone. */
  async savedPlan(jobId: string, planId: string): Promise<Record<string, unknown> | null> {
    const snap = await this.jobRef(jobId).collection(JOB_COLLECTIONS.plans).doc(planId).get();
    return snap.exists ? (snap.data() as Record<string, unknown>) : null;
  }

  /** Sets a parent's final child counts (read from the children themselves) before it completes. */
  async settleChildCounts(held: HeldLease, counts: ChildCounts): Promise<void> {
    await this.writeAsHolder(held, { shards: counts });
  }

  /**
   * Ends the attempt: the job's status change (checked against the lifecycle), its other fields and
   * the attempt's bookkeeping in one batch, conditioned on the holder's last write. The lease is
   * given up.
   */
  async endAttempt(held: HeldLease, ending: AttemptEnding): Promise<{ status: JobStatus; runAfter: Date | null }> {
    let end = this.attemptEnd(held, ending);
    await this.writeAsHolder(held, () => end.changes, {
      more: (batch) => ending.bookkeeping(batch, end.status),
      onChanged: () => (end = this.attemptEnd(held, ending.refreshed?.() ?? ending)),
    });
    const runAfter = end.changes.run_after;
    return { status: end.status, runAfter: runAfter instanceof Date ? runAfter : null };
  }

  /** The job's status and fields that end an attempt with `change`, as far as the holder has seen the job. */
  private attemptEnd(held: HeldLease, { event, fields }: JobChange): { status: JobStatus; changes: Record<string, unknown> } {
    const status = this.transition(held.jobId, "running", event);
    const changes: Record<string, unknown> = { ...fields, status, lease_owner: null, lease_expires_at: null };
    // A child counted while its parent ran found it running and woke nothing. If the parent, waiting
    // for its children, has seen the last of them counted, it is due at once instead.
    if (status === "deferred" && held.seenChildCounts && allChildrenFinished(held.seenChildCounts)) changes.run_after = this.now();
    // A cancel this write is the first to see: a completed run keeps its outcome and says so, as the worker
    // says of a cancel it saw (`endingOf`).
    const summary = changes.result_summary;
    if (COMPLETED_EVENTS.has(event) && status !== "cancelled" && held.cancelRequested && isPlainRecord(summary))
      changes.result_summary = { ...summary, cancel_requested: true };
    return { status, changes };
  }

  /** The change that completes a job with one of the completion statuses. */
  completing(status: CompletionStatus, summary: ResultSummary | null, error: JobErrorInfo | null): JobChange {
    return { event: COMPLETION_EVENT[status], fields: { result_summary: summary, error, ...this.finished(this.now()) } };
  }

  /**
   * The change that puts a job aside until `until` (a lock held by another job, children still
   * running). Waiting does not use up an attempt: the one taken by the lease is given back.
   */
  deferring(job: Pick<Job, "attempts">, until: Date, reason: JobErrorInfo, summary: ResultSummary | null): JobChange {
    return {
      event: "defer",
      fields: { run_after: until, attempts: Math.max(0, job.attempts - 1), error: reason, ...(summary ? { result_summary: summary } : {}) },
    };
  }

  /** A run its process stopped (see `processStoppingFailure`): queued again at once, its attempt given back. */
  interrupting(job: Pick<Job, "attempts">, reason: JobErrorInfo): JobChange {
    return { event: "retry", fields: { run_after: this.now(), attempts: Math.max(0, job.attempts - 1), error: reason, ...NOT_FINISHED } };
  }

  /**
   * The change a failure leads to: permanent → `failed`; needs a person → `needs_review`; transient →
   * back to `queued` after an exponential backoff with jitter, or `deadletter` once `max_attempts`
   * are used.
   */
  failing(job: Pick<Job, "attempts" | "max_attempts">, failure: JobFailure, summary: ResultSummary | null): JobChange & FailOutcome {
    const outcome = this.failureOutcome(job, failure);
    return {
      ...outcome,
      event: FAILURE_EVENT[outcome.status]!,
      fields: {
        error: failure.toInfo(),
        ...(summary ? { result_summary: summary } : {}),
        ...(outcome.runAfter ? { run_after: outcome.runAfter } : {}),
        ...(outcome.status === "queued" ? NOT_FINISHED : this.finished(this.now())),
      },
    };
  }

  /** Where a failure leads; also used for expired leases. */
  failureOutcome(job: Pick<Job, "attempts" | "max_attempts">, failure: Pick<JobFailure, "kind">): FailOutcome {
    if (failure.kind === "permanent") return { status: "failed", runAfter: null };
    if (failure.kind === "needs_review") return { status: "needs_review", runAfter: null };
    if (job.attempts >= job.max_attempts) return { status: "deadletter", runAfter: null };
    return { status: "queued", runAfter: new Date(this.now().getTime() + backoffDelayMs(job.attempts, this.backoff, this.random)) };
  }

  // ------------------------------------------------------------------ a handler's own transactions

  /**
   * Runs `fn` in a transaction that first proves the holder still holds the lease: the job exists,
   * is running, has this owner and epoch, and its lease has not run out. Otherwise `LeaseLostError`,
   * nothing written.
   */
  async fenced<T>(lease: Lease, fn: (tx: Transaction, job: Job, ref: DocumentReference) => T | Promise<T>): Promise<T> {
    return this.db.runTransaction(async (tx) => {
      const job = await this.readFencedJob(tx, lease);
      return fn(tx, job, this.jobRef(lease.jobId));
    });
  }

  /**
   * Reads the job inside `tx` and checks the fence; for callers that combine it with other writes (the
   * ApplyEngine). A lease that ran out fences too, before the watchdog moves the epoch on: the job's
   * family locks ran out with it, so another job may hold them and write the same documents.
   */
  async readFencedJob(tx: Transaction, lease: Lease): Promise<Job> {
    const job = this.checkFence(await tx.get(this.jobRef(lease.jobId)), lease);
    if (this.isExpiredLease(job))
      throw new LeaseLostError(lease.jobId, `its lease ran out at ${job.lease_expires_at!.toISOString()} without renewal`, true);
    return job;
  }

  // ------------------------------------------------------------------ watchdog

  /**
   * Takes back an expired lease as the watchdog's query saw it (`seen`), with no read of its own:
   * one batch conditioned on the snapshot's update time, so a lease renewed meanwhile, a worker
   * that finished, or an overlapping run that recovered it first makes the batch fail and the job
   * is left alone (null). A job whose cancel was requested ends cancelled, unless its own run settles
   * the cancel (`settlesItsCancel`); otherwise the lost run counts as a transient failure. Bumping
   * the epoch fences the dead worker out of every later write. The lost attempt is closed in the
   * same batch: its attempt log (`lease_expired`), its run summary and the day's counters, created
   * blind: a running job's attempt at its current epoch has no record yet (the worker's final batch
   * would have ended the lease with it). A refused batch reads that attempt record once: the id this
   * recovery gave it there means the batch landed (a lost reply).
   */
  async recoverExpiredLease(
    seen: DocumentSnapshot,
    random: () => number = this.random,
  ): Promise<(FailOutcome & { job: WakeupSubject }) | null> {
    const jobId = seen.id;
    // Only the lease fields are read, so a job whose payload no longer parses is still recovered.
    const parsed = leaseFieldsSchema.safeParse(seen.data());
    if (!parsed.success) return null;
    const job = parsed.data;
    if (!this.isExpiredLease(job)) return null;
    // One that settles its cancel itself (a frozen plan it finishes, a parent over its children) is retried to do so, as
    // `lease` runs it: ended here, it would leave half a change, or drop what its children did. A parent with no attempt
    // left ends cancelled as asked, with its open children: dead-lettered, its cancel would no longer reach them. A
    // frozen plan is dead-lettered, for an operator's retry to finish it.
    const retried = this.failureOutcome(job, { kind: "transient" });
    const settlesHere = settlesItsCancel(job) && (job.plan_id !== null || retried.status !== "deadletter");
    const outcome: FailOutcome = job.cancel_requested && !settlesHere ? { status: "cancelled", runAfter: null } : retried;
    const now = this.now();
    const error = {
      code: LEASE_EXPIRED,
      message: `the lease of ${job.lease_owner ?? "an unknown worker"} expired at ${job.lease_expires_at?.toISOString()} without renewal`,
      transient: true,
      details: { previous_owner: job.lease_owner, epoch: job.lease_epoch },
    };
    const epoch = job.lease_epoch + 1;
    // Names this recovery in its attempt record: another run's recovery of the same lease writes the same fields otherwise.
    const recoveryId = randomUUID();
    const batch = this.db.batch();
    batch.update(
      seen.ref,
      {
        status: this.transition(jobId, job.status, RECOVERY_EVENT[outcome.status]!),
        ...(outcome.runAfter ? { run_after: this.ts(outcome.runAfter) } : {}),
        error,
        lease_owner: null,
        lease_expires_at: null,
        lease_epoch: epoch,
        ...(outcome.status === "queued" ? NOT_FINISHED : this.finished(now)),
        updated_at: this.ts(now),
      },
      { lastUpdateTime: seen.updateTime! },
    );
    const identity = {
      jobId,
      attempt: job.attempts,
      workerId: job.lease_owner ?? "unknown",
      leaseEpoch: job.lease_epoch,
      startedAt: job.started_at ?? now,
    };
    // Set, not created: an attempt record of an earlier job given the same id may outlive its job for a
    // while (TTL deletes them one by one); the job's precondition already fences this write.
    const attempt = attemptRef(this.db, jobId, job.lease_epoch);
    batch.set(
      attempt,
      attemptDocument(
        identity,
        { status: "lease_expired", error, finishedAt: now, expireAt: this.historyExpiry("jobsMs", now) },
        { recovery_id: recoveryId },
      ),
    );
    recordRun(
      batch,
      this.db,
      runSummaryOf(
        // A job written past intake may lack `created_at`: its document's creation stands in.
        {
          ...job,
          id: jobId,
          created_at: job.created_at ?? seen.createTime!.toDate(),
          mode: job.payload.mode,
        },
        this.types.subjectsOf(job.payload),
        {
          leaseEpoch: job.lease_epoch,
          workerId: identity.workerId,
          attemptStatus: "lease_expired",
          jobStatus: outcome.status,
          error,
          finishedAt: now,
          result: null,
          llm: NO_LLM_USAGE,
        },
      ),
      this.historyExpiry("historyMs", now),
      random,
    );
    try {
      await batch.commit();
    } catch (err) {
      if (!isWriteConflict(err)) throw err;
      // Another run recovered it, or its worker renewed: the job changed since the sweep read it. Or this batch
      // landed and its reply was lost: the Firestore client's resend is refused by it, and its attempt record says so.
      if ((await attempt.get()).get("recovery_id") !== recoveryId) return null;
    }
    return {
      ...outcome,
      job: { id: jobId, queue: job.queue, attempts: job.attempts, lease_epoch: epoch, run_after: outcome.runAfter ?? job.run_after },
    };
  }

  private isExpiredLease(job: Pick<Job, "status" | "lease_expires_at">): boolean {
    return WORKER_STATUSES.includes(job.status) && job.lease_expires_at !== null && job.lease_expires_at.getTime() <= this.now().getTime();
  }

  // ------------------------------------------------------------------ parents and children

  /**
   * Counts a child that reached a final status into its parent's `shards` counters, once per
   * child: a marker `catalog_jobs/{parent}/shard_results/{child}` is created in the same batch, so a
   * repeated notification counts nothing. The batch is conditioned on the parent as it was read,
   * not a transaction: the parent's holder writes often (its heartbeat), and a transaction's lock on
   * the parent made each count and each of the holder's writes wait for the other (seconds per
   * child). Returns the parent when this child was the last one it waited for and the parent is
   * deferred: its `run_after` is now, so it is due. The counts only hint when to wake the parent:
   * it reads its children before it finishes.
   */
  async recordChildFinished(
    parentId: string,
    childId: string,
    status: JobStatus,
  ): Promise<"counted" | "duplicate" | "parent_closed" | Job> {
    return this.recordChildrenFinished(parentId, [{ id: childId, status }]);
  }

  /** `recordChildFinished` for several children at once, in one batch (a parent's cancel closing the children that waited). */
  async recordChildrenFinished(
    parentId: string,
    finished: ReadonlyArray<{ id: string; status: JobStatus }>,
  ): Promise<"counted" | "duplicate" | "parent_closed" | Job> {
    const parentRef = this.jobRef(parentId);
    const markerRefs = finished.map((child) => parentRef.collection(CHILD_RESULTS).doc(child.id));
    // The batch a round sent: a batch whose reply was lost, resent by the Firestore client and refused by its own
    // markers, is known by their `count_id`, and answers as it would have (the parent it made due is woken).
    let sent: { countId: string; answer: "counted" | Job } | null = null;
    for (let round = 0; round < MAX_COUNT_ROUNDS; round++) {
      const [parent, ...markers] = await this.db.getAll(parentRef, ...markerRefs);
      if (sent && markers.some((marker) => marker.get("count_id") === sent?.countId)) return sent.answer;
      const job = parent.exists ? this.parseStored(parent) : null;
      if (!job || !isOpenStatus(job.status)) return "parent_closed";
      const uncounted = finished.filter((_, index) => !markers[index].exists);
      // Settled counts (`settleChildCounts`, read from the children themselves) include these children already.
      if (uncounted.length === 0 || countsSettled(job.shards)) return "duplicate";
      const now = this.now();
      const counts = uncounted.reduce(
        (counts, child) => countFinishedChild(counts, child.status),
        job.shards ?? childCountsSchema.parse({}),
      );
      const due = allChildrenFinished(counts) && job.status === "deferred";
      const batch = this.db.batch();
      sent = { countId: randomUUID(), answer: due ? { ...job, shards: counts, run_after: now } : "counted" };
      for (const child of uncounted)
        batch.create(parentRef.collection(CHILD_RESULTS).doc(child.id), {
          ...this.childMarker(child.id, child.status, now),
          count_id: sent.countId,
        });
      batch.update(
        parentRef,
        { shards: counts, updated_at: this.ts(now), ...(due ? { run_after: this.ts(now) } : {}) },
        { lastUpdateTime: parent.updateTime! },
      );
      try {
        await batch.commit();
        return sent.answer;
      } catch (err) {
        // Another delivery created a marker first, or the parent changed since the read (or this batch landed): read again.
        if (grpcCode(err) !== GrpcStatus.ALREADY_EXISTS && grpcCode(err) !== GrpcStatus.FAILED_PRECONDITION) throw err;
      }
    }
    throw JobFailure.transient("JOB_CONTENTION", `parent ${parentId} kept changing while ${finished.length} child(ren) were counted`);
  }

  /** A marker that `childId` was counted into its parent with `status`. */
  private childMarker(childId: string, status: JobStatus, now: Date): Record<string, unknown> {
    return { child_id: childId, status, recorded_at: this.ts(now), expire_at: this.historyExpiry("jobsMs", now) };
  }

  /**
   * Before a parent's unsuccessful children are re-queued (`JobFlows.requeueChildren`): counts
   * settled from the children themselves (`settleChildCounts`) may include children without a
   * marker, whose own count was missed (a crash after their final write; a child the watchdog or
   * a cancel ended). Those get their marker first, so `requeueChild` takes each re-queued child out
   * of the counts exactly once. One small transaction per such child; none once a child was taken
   * out (the counts are no longer settled).
   */
  async markSettledChildren(parentId: string, childIds: readonly string[]): Promise<void> {
    if (childIds.length === 0) return;
    const parentRef = this.jobRef(parentId);
    const markers = await this.db.getAll(...childIds.map((childId) => parentRef.collection(CHILD_RESULTS).doc(childId)));
    for (const missing of markers.filter((marker) => !marker.exists)) {
      await this.db.runTransaction(async (tx) => {
        const [parent, child, marker] = await tx.getAll(parentRef, this.jobRef(missing.id), missing.ref);
        const status = child.get("status") as JobStatus;
        if (marker.exists || !settledCountsOf(parent) || !RETRYABLE_STATUSES.includes(status)) return;
        tx.create(missing.ref, this.childMarker(missing.id, status, this.now()));
      });
    }
  }

  /**
   * Re-runs an unsuccessful child of a parent the operator retries, as `retryJob` would, and in the
   * same transaction takes it out of the parent's counts: its marker is deleted and its count taken
   * back, so it is counted again when it finishes. Null when the child is not (or no longer) a
   * finished unsuccessful one; a run of the transaction after a commit whose reply was lost finds the
   * child queued by that commit (`requeued_at`) and answers as that run did.
   */
  async requeueChild(parentId: string, childId: string): Promise<Job | null> {
    const parentRef = this.jobRef(parentId);
    const markerRef = parentRef.collection(CHILD_RESULTS).doc(childId);
    const now = this.now();
    return runRecallingLastAnswer(this.db, async (tx, lastAnswer: Job | null | undefined) => {
      const [child, marker] = await tx.getAll(this.jobRef(childId), markerRef);
      if (lastAnswer && queuedAgainAt(child, now)) return lastAnswer;
      if (!endedUnsuccessful(child)) return null;
      const requeued = await this.requeueIn(tx, child, now);
      this.uncountChildIn(tx, parentRef, marker, now);
      return requeued;
    });
  }

  /**
   * Takes a child out of the counts of the parent at `parentRef`, in `tx`, as it was counted: with the
   * status its `marker` (read in `tx`) holds, the marker deleted, or, without one, with `settledAs`, the
   * status settled counts (`settleChildCounts`) read from the child. Its count is taken back, so it is
   * counted again when it ends. Nothing when it was not counted (or a run of `tx` after its commit took it
   * out: the marker is gone, the counts no longer settled).
   */
  private uncountChildIn(
    tx: Transaction,
    parentRef: DocumentReference,
    marker: DocumentSnapshot,
    now: Date,
    settledAs: JobStatus | null = null,
  ): void {
    const status = marker.exists ? (marker.get("status") as JobStatus) : settledAs;
    if (status === null) return;
    if (marker.exists) tx.delete(marker.ref);
    const counted = isSuccessStatus(status) ? "shards.succeeded" : "shards.failed";
    tx.update(parentRef, {
      "shards.done": FieldValue.increment(-1),
      [counted]: FieldValue.increment(-1),
      updated_at: this.ts(now),
    });
  }

  /** Makes a deferred job due now (a parent whose children all finished), unless it was; null when it is not deferred. */
  async wakeDeferred(jobId: string): Promise<Job | null> {
    return this.db.runTransaction(async (tx) => {
      const snap = await tx.get(this.jobRef(jobId));
      const job = snap.exists ? this.parseStored(snap) : null;
      if (!job || job.status !== "deferred") return null;
      const now = this.now();
      if (job.run_after <= now) return job;
      tx.update(snap.ref, { run_after: this.ts(now), updated_at: this.ts(now) });
      return { ...job, run_after: now };
    });
  }

  // ------------------------------------------------------------------ operator actions

  /**
   * Re-runs a finished job (failed, needs_review, deadletter, cancelled) from scratch, or a
   * deadletter job from its frozen plan (see `requeueIn`). A parent's children are left as they are
   * (see `JobFlows.requeueChildren`). A child whose parent is still open is taken out of the parent's
   * counts in the same transaction, as `requeueChild` takes one: still counted as ended, its new end
   * would be a duplicate, neither counted nor waking the parent. A run of the transaction after a
   * commit whose reply was lost finds the job queued by that commit (`requeued_at`, this retry's
   * moment) and answers as that run did, where the job as it is now would be refused; one queued by
   * another retry is refused.
   */
  async retryJob(jobId: string): Promise<Job> {
    const now = this.now();
    return runRecallingLastAnswer(this.db, async (tx, lastAnswer: Job | undefined) => {
      const snap = await tx.get(this.jobRef(jobId));
      if (!snap.exists) throw new JobNotFoundError(jobId);
      if (lastAnswer && queuedAgainAt(snap, now)) return lastAnswer;
      const parentId: unknown = snap.get("parent_job_id");
      // Read before `requeueIn` writes: a transaction reads everything first.
      const parentRef = typeof parentId === "string" ? this.jobRef(parentId) : null;
      const [parent, marker] = parentRef ? await tx.getAll(parentRef, parentRef.collection(CHILD_RESULTS).doc(jobId)) : [];
      const requeued = await this.requeueIn(tx, snap, now);
      // An ended parent's counts are its result: its own retry takes the children it re-runs out (`requeueChild`).
      if (parent && marker && isOpenStatus(parent.get("status") as JobStatus)) {
        // Counts settled before a finish that failed for a passing cause include the child, as it ended, also one
        // whose own count was missed (no marker).
        const settledAs = settledCountsOf(parent) ? (snap.get("status") as JobStatus) : null;
        this.uncountChildIn(tx, parent.ref, marker, now, settledAs);
      }
      return requeued;
    });
  }

  /**
   * Refuses, as `retryJob` and `requeueChild` would now, a retry of `jobId` (its status, its dedup key
   * held by another open job, its parent still stopping after a cancel) or of any of `childIds`, the
   * children it re-runs first (one whose document no longer parses), writing nothing: what an
   * operator's retry checks before it changes anything else, so a refusal finds every child as it
   * was. Returns the job's status.
   */
  async checkRetry(jobId: string, childIds: readonly string[] = []): Promise<JobStatus> {
    return this.db.runTransaction(
      async (tx) => {
        const [snap, ...children] = await tx.getAll(this.jobRef(jobId), ...childIds.map((childId) => this.jobRef(childId)));
        if (!snap.exists) throw new JobNotFoundError(jobId);
        const { status } = await this.retryable(tx, snap);
        for (const child of children.filter(endedUnsuccessful)) await this.retryable(tx, child, { id: jobId, status });
        return status;
      },
      { readOnly: true },
    );
  }

  /**
   * The finished job `snap`, the status a retry moves it to and the stored plan it resumes (see
   * `requeueIn`); refused as `InvalidTransitionError`, as a refusal of the parent `childOf` when
   * `snap` is a child its retry re-runs.
   */
  private async retryable(
    tx: Transaction,
    snap: DocumentSnapshot,
    childOf?: { id: string; status: JobStatus },
  ): Promise<{ job: Job; status: JobStatus; to: JobStatus; claim: DocumentSnapshot | null; plan: DocumentSnapshot | null }> {
    const parsed = this.types.parseJob(snap.id, snap.data());
    const status = snap.get("status") as JobStatus;
    const refused = (why: string) =>
      childOf
        ? new InvalidTransitionError(childOf.id, childOf.status, "retry", `its child ${snap.id} cannot be re-run: ${why}`)
        : new InvalidTransitionError(snap.id, status, "retry", why);
    if (!parsed.ok) throw refused(unparsedReason(snap, parsed.issues));
    const job = parsed.value;
    const to = this.transition(snap.id, status, "operator_retry");
    let claim: DocumentSnapshot | null = null;
    if (job.dedup_key) {
      const found = await this.dedup.openHolderIn(tx, job.dedup_key, job.id);
      if (found.holder) throw refused(`job ${found.holder} holds dedup key "${job.dedup_key}"`);
      claim = found.claim;
    }
    // A job whose retries ran out while it applied its frozen plan finishes that plan, as its own next
    // retry would have: planning again from a half-changed catalog could leave the rest undone (a
    // rename's old-slug alias). So does one handed to a person part-way (RESUME_PLAN_ON_RETRY). Other
    // endings (a plan the catalog no longer fits, a failure before applying, a cancel) plan again.
    // One whose plan is already gone has nothing to finish, and plans again.
    const resumes = status === "deadletter" || (status === "needs_review" && RESUME_PLAN_ON_RETRY.includes(job.error?.code ?? ""));
    const planRef = resumes && job.plan_id ? this.jobRef(job.id).collection(JOB_COLLECTIONS.plans).doc(job.plan_id) : null;
    const stored = planRef ? await tx.get(planRef) : null;
    const plan = stored?.exists ? stored : null;
    // A child queued again while its parent is still stopping would be cancelled at its lease, unrun, as the parent's
    // cancel reaches it (`parentCancelReaches`), and counted so into the parent; one that settles its cancel itself runs
    // (`settlesItsCancel`: it resumes its plan). The parent of a child its retry re-runs (`childOf`) is that retry's, ended.
    if (!childOf && job.parent_job_id !== null && !settlesItsCancel({ plan_id: plan?.id, shards: job.shards })) {
      const parent = await tx.get(this.jobRef(job.parent_job_id));
      if (cancelPending(parent))
        throw refused(
          `its parent ${job.parent_job_id} is asked to stop, so it would be cancelled before it ran: retry the parent once it has ended`,
        );
    }
    return { job, status, to, claim, plan };
  }

  /**
   * The operator's retry of the finished job `snap`, in `tx`, asked at `now`: queued with its attempts
   * reset and its dedup key claimed again. It moves the epoch on, so the retry's wake-up is named apart
   * from an earlier retry's at the same epoch (Cloud Tasks refuses a name used recently), and no worker
   * of an earlier lease can write.
   */
  private async requeueIn(tx: Transaction, snap: DocumentSnapshot, now: Date): Promise<Job> {
    const { job, to, claim, plan } = await this.retryable(tx, snap);
    // The plan it resumes is kept as long again as when it was saved (it was dated to expire with the job's last run).
    if (plan) tx.update(plan.ref, { expire_at: this.historyExpiry("jobsMs", now) });
    if (job.dedup_key && claim) this.dedup.claimIn(tx, claim, job.dedup_key, job.id);
    // The last run's outcome counts and progress go with it: a later failure that carries none must not be
    // read with them, and the new run's progress starts empty, as a new job's does.
    const reset = {
      status: to,
      attempts: 0,
      lease_epoch: job.lease_epoch + 1,
      error: null,
      result_summary: null,
      progress: null,
      cancel_requested: false,
      plan_id: plan ? job.plan_id : null,
    };
    tx.update(snap.ref, {
      ...reset,
      [CANCELLED_WITH_PARENT]: FieldValue.delete(),
      run_after: this.ts(now),
      requeued_at: this.ts(now),
      ...NOT_FINISHED,
      updated_at: this.ts(now),
    });
    return { ...job, ...reset, run_after: now, requeued_at: now, finished_at: null };
  }

  /**
   * Cancels a waiting job at once; asks a running one to stop at its next safe point. A waiting job
   * that settles its cancel itself (`settlesItsCancel`) is only asked too: one that committed to a
   * plan (`savePlan`) finishes that plan, then ends with `cancel_requested` noted, so a cancel never
   * leaves half a change; a parent whose children all exist ends with what they did at its next run.
   * A child's cancel reads its parent too: one its parent's cancel reaches keeps that it came from it
   * (`CANCELLED_WITH_PARENT`). A run of the transaction after a commit whose reply was lost finds what
   * that commit wrote (`leftByCancel`) and answers as that run did, not as to a job cancelled or asked before.
   */
  async cancelJob(jobId: string): Promise<CancelResult>;
  /** `onlyRequestedWaiting`: only a waiting job whose cancel a client asked for and that does not settle it itself; null otherwise. */
  async cancelJob(jobId: string, only: { onlyRequestedWaiting: true }): Promise<CancelResult | null>;
  async cancelJob(jobId: string, only?: { onlyRequestedWaiting: true }): Promise<CancelResult | null> {
    const now = this.now();
    return runRecallingLastAnswer(this.db, async (tx, lastAnswer: CancelResult | null | undefined) => {
      const snap = await tx.get(this.jobRef(jobId));
      if (leftByCancel(snap, lastAnswer, now)) return lastAnswer;
      const withParent = await this.parentCancelReachesIn(tx, snap);
      return this.cancelIn(tx, snap, now, { withParent, onlyRequestedWaiting: only?.onlyRequestedWaiting === true });
    });
  }

  /**
   * Cancels `childId` as its parent's cancel, as `cancelJob` would, if that cancel still reaches it
   * (`parentCancelReaches`, the parent read in the same transaction); null when it does not: the
   * parent was queued again by an operator's retry, or the child was, since the cancel (or the child
   * is gone). `requestedAt`: the moment of an operator's cancel of a parent that had already ended.
   * A run after a commit whose reply was lost answers as that run did (see `cancelJob`).
   */
  async cancelChild(childId: string, requestedAt?: Date): Promise<CancelResult | null> {
    const now = this.now();
    return runRecallingLastAnswer(this.db, async (tx, lastAnswer: CancelResult | null | undefined) => {
      const snap = await tx.get(this.jobRef(childId));
      if (leftByCancel(snap, lastAnswer, now)) return lastAnswer;
      return (await this.parentCancelReachesIn(tx, snap, requestedAt)) ? this.cancelIn(tx, snap, now, { withParent: true }) : null;
    });
  }

  /** Whether the job `snap` is a child its parent's cancel reaches (`parentCancelReaches`), the parent read in `tx`. */
  private async parentCancelReachesIn(tx: Transaction, snap: DocumentSnapshot, requestedAt?: Date): Promise<boolean> {
    const parentId: unknown = snap.get("parent_job_id");
    if (typeof parentId !== "string") return false;
    const parent = await tx.get(this.jobRef(parentId));
    const queuedAt: unknown = snap.get("requeued_at") ?? snap.get("created_at");
    // One without a creation time (a client's document intake has not taken in) was queued before any cancel.
    const queuedAtMs = queuedAt instanceof Timestamp ? queuedAt.toMillis() : 0;
    return parentCancelReaches(parent, queuedAtMs, requestedAt);
  }

  /**
   * `cancelJob` in `tx`, of the job as `snap` read it, asked at `at`; `withParent`: a child its parent's
   * cancel reaches, which the child's document keeps (`CANCELLED_WITH_PARENT`).
   */
  private cancelIn(
    tx: Transaction,
    snap: DocumentSnapshot,
    at: Date,
    { withParent, onlyRequestedWaiting = false }: { withParent: boolean; onlyRequestedWaiting?: boolean },
  ): CancelResult | null {
    const jobId = snap.id;
    if (!snap.exists) throw new JobNotFoundError(jobId);
    const data = snap.data()!;
    const takenIn = isNormalised(data);
    // A client's document intake has not taken in yet asks for a queued job (its status may be left out).
    const status = (snap.get("status") ?? (takenIn ? undefined : "queued")) as JobStatus;
    const settles = settlesItsCancel(data);
    const requestedWaiting = snap.get("cancel_requested") === true && LEASABLE_STATUSES.includes(status) && !settles;
    if (onlyRequestedWaiting && !requestedWaiting) return null;
    const now = this.ts(at);
    const parent: unknown = snap.get("parent_job_id");
    const parentJobId = typeof parent === "string" ? parent : null;
    if (WORKER_STATUSES.includes(status) || (isOpenStatus(status) && settles)) {
      // Asked again: no write, which would only make the holder's next write read the job once more.
      const alreadyRequested = snap.get("cancel_requested") === true;
      if (!alreadyRequested) tx.update(snap.ref, { cancel_requested: true, ...withParentMark(withParent), updated_at: now });
      return { status, cancelRequested: true, alreadyRequested, parentJobId };
    }
    const to = this.transition(jobId, status, "cancel");
    // Taken in as intake would (its creator the one the rules checked), so a create trigger that comes later
    // leaves the cancelled job as it is, and an operator can retry it; an invalid request only counts as taken in.
    const request = takenIn ? null : this.types.parseRequest(data);
    const takeIn = request?.ok ? this.takenInDocument(request.value, data, rulesCheckedCreator(data), now.toDate()) : {};
    const counters = takenIn ? {} : { attempts: 0, lease_epoch: 0 };
    tx.update(snap.ref, {
      ...takeIn,
      status: to,
      error: null,
      ...withParentMark(withParent),
      ...counters,
      ...this.finished(now),
      updated_at: now,
    });
    return { status: to, cancelRequested: false, alreadyRequested: false, parentJobId };
  }
}

/**
 * The job found at the id `input` names: the one asked for before when it has the creator and parent
 * `createJob` would write. Any other document there is not the engine's (a client that took the id
 * first): taken for the child or follow-up asked for, a parent would wait forever for a child that
 * never reports to it, or a follow-up would never run, so the job that asked fails for a person to
 * look at the document.
 */
function existingJob(existing: DocumentSnapshot, input: Pick<CreateJobInput, "created_by" | "parent_job_id">): CreateJobResult {
  const createdBy: unknown = existing.get("created_by");
  const parentJobId: unknown = existing.get("parent_job_id") ?? null;
  if (createdBy === input.created_by && parentJobId === (input.parent_job_id ?? null))
    return { created: false, jobId: existing.id, reason: "already_exists" };
  throw JobFailure.needsReview(
    "JOB_ID_TAKEN",
    `job id ${existing.id} is taken by a document the engine did not write for ${input.created_by}` +
      `${input.parent_job_id ? ` as a child of ${input.parent_job_id}` : ""}: delete it, then ask for the job again ` +
      "(retry the job that asked for it, or `schedules run <SCAN>` for a scheduled scan)",
    { job_id: existing.id, created_by: createdBy ?? null, parent_job_id: parentJobId },
  );
}

/** The plan a holder freezes (`savePlan`): one per lease, so only that holder's write sets it. */
function planIdOf(held: Pick<Lease, "epoch">): string {
  return `p${held.epoch}`;
}

/** A waiting job's `run_after` in milliseconds; NaN for a document intake has not normalised yet. */
function runAfterMillis(doc: QueryDocumentSnapshot): number {
  const runAfter: unknown = doc.get("run_after");
  return runAfter instanceof Timestamp ? runAfter.toMillis() : Number.NaN;
}

/**
 * Whether `snap` is the job as a retry asked at `now` queued it again: its `requeued_at` (a later retry, or another
 * operator's at another moment, writes its own).
 */
function queuedAgainAt(snap: DocumentSnapshot, now: Date): boolean {
  return isStoredTime(snap.get("requeued_at"), now);
}

/**
 * Whether `snap` is the job as the cancel asked at `now` that answered `answer` left it: cancelled at that moment
 * (`finished_at`), or asked to stop. An ask is the flag alone: another's that landed instead of this one is the same
 * ask. An answer that wrote nothing (asked before, or not this cancel's to make) left nothing to find.
 */
function leftByCancel(snap: DocumentSnapshot, answer: CancelResult | null | undefined, now: Date): answer is CancelResult {
  if (!answer || answer.alreadyRequested) return false;
  if (answer.cancelRequested) return snap.get("cancel_requested") === true;
  return snap.get("status") === "cancelled" && isStoredTime(snap.get("finished_at"), now);
}

/**
 * Whether a write of `ref` that failed with `err` landed all the same, its reply lost: `leftByIt` knows, in the job read
 * once, what only that write leaves. The Firestore client sends a commit again when its reply is lost, and the write
 * that landed refuses the resend (a conflict); a reply lost otherwise (DEADLINE_EXCEEDED, or UNAVAILABLE once the
 * client's resends ran out) fails the commit whether it landed or not. False for a refusal the write did not cause;
 * any other error not landed is thrown again.
 */
async function landedAfterAll(ref: DocumentReference, err: unknown, leftByIt: (current: DocumentSnapshot) => boolean): Promise<boolean> {
  if (leftByIt(await ref.get())) return true;
  if (isWriteConflict(err)) return false;
  throw err;
}

/** Whether `snap` is a job refused before it was taken in (`refusedFields`): failed, never given a `run_after`. */
function isRefusal(snap: DocumentSnapshot): boolean {
  return snap.exists && snap.get("status") === "failed" && snap.get("run_after") === undefined;
}

/** The fields of a job that is open (again): not history, so nothing expires it. */
const NOT_FINISHED = { finished_at: null, expire_at: null } as const;

/**
 * Set on a child whose cancel came from its parent's (`parentCancelReaches`): closed or asked to stop by it, at
 * once, at its lease or by its heartbeat. A parent asked to stop ends cancelled when its cancel stopped one of its
 * children, not for one cancelled on its own before (`JobFlows.settleParent`). An operator's retry clears it.
 */
export const CANCELLED_WITH_PARENT = "cancelled_with_parent";

function withParentMark(withParent: boolean): Record<string, true> {
  return withParent ? { [CANCELLED_WITH_PARENT]: true } : {};
}

/**
 * A job asked to stop that has not stopped yet and will: open, its cancel requested, and no frozen plan
 * (a job holding one finishes it first, see `cancelJob`).
 */
export function cancelPending(doc: DocumentSnapshot): boolean {
  return isOpenStatus(doc.get("status") as JobStatus) && doc.get("cancel_requested") === true && doc.get("plan_id") == null;
}

/**
 * A job whose cancel does not end it while it waits, nor when its worker died (`recoverExpiredLease`):
 * it is leased with the cancel asked, and its own run ends it. One that committed to a plan finishes
 * that plan first; a parent whose children all exist (`shards.total`, none is created after) settles
 * over them (`JobFlows.settleParent`): cancelled with their aggregate when the cancel stopped one of
 * them, else as they make it.
 */
function settlesItsCancel(job: { plan_id?: unknown; shards?: unknown }): boolean {
  return typeof job.plan_id === "string" || (isPlainRecord(job.shards) && typeof job.shards.total === "number");
}

/**
 * Whether `parent`'s cancel reaches a child queued at `queuedAtMs` (created, or queued again by an
 * operator's retry: `requeued_at`): the parent is asked to stop and has not yet (`cancelPending`: its
 * open children are all of this run, as only an ended job is retried, which clears the flag), or it
 * was cancelled after the child was queued and not queued again since. `requestedAt` stands for the
 * cancel's moment when an operator cancels a parent that had already ended (its open children queued
 * again by a retry cut short): those queued before it. A child a retry queued again after the cancel,
 * or any child once the retry queued the parent, is left to run.
 */
function parentCancelReaches(parent: DocumentSnapshot, queuedAtMs: number, requestedAt?: Date): boolean {
  if (cancelPending(parent)) return true;
  const finishedAt: unknown = parent.get("finished_at");
  const cancelledAt =
    requestedAt?.getTime() ?? (parent.get("status") === "cancelled" && finishedAt instanceof Timestamp ? finishedAt.toMillis() : null);
  if (cancelledAt === null) return false;
  const requeuedAt: unknown = parent.get("requeued_at");
  const retriedSince = requeuedAt instanceof Timestamp && requeuedAt.toMillis() > cancelledAt;
  // The cancel's own millisecond counts as before it: an operator's retry, which comes after the cancel, lands later.
  return !retriedSince && queuedAtMs <= cancelledAt;
}

/** A job that ended without succeeding: what an operator's retry re-runs. */
function endedUnsuccessful(doc: DocumentSnapshot): boolean {
  return doc.exists && RETRYABLE_STATUSES.includes(doc.get("status") as JobStatus);
}

/**
 * Why a job whose document does not parse (`issues`) cannot be retried. One intake took in names its
 * first issues, and what may mend it: a deploy that accepts its type or payload again (`unparsedPart`).
 * One intake never took in (refused, or cancelled before it with a request that does not pass
 * validation) lacks the fields intake gives a job, `run_after` among them, as the console tells it: a
 * new job must be written (or what the refusal's `details.instead` says, see `createRefusedJob`).
 */
function unparsedReason(doc: DocumentSnapshot, issues: readonly Issue[]): string {
  if (doc.get("run_after") !== undefined) {
    const part = unparsedPart(issues);
    const named = shortList(issues.map(issueText), MAX_REFUSAL_ISSUES, { separator: "; " });
    const advice = part ? `retry with the CLI once a deploy accepts its ${part} again, or write a new job` : "write a new job";
    return `the job document no longer parses (${named}): ${advice}`;
  }
  const code: unknown = doc.get("error.code");
  const instead: unknown = doc.get("error.details.instead");
  if (typeof code !== "string") return "never taken in: write a new job";
  // Only a producer's refusal (`createRefusedJob`) says what to do instead: its job was made refused, never seen by intake.
  return typeof instead === "string"
    ? `refused by the run that made it, as ${code}: ${instead}`
    : `rejected at intake as ${code}: write a new job`;
}

/** How many of its issues a refusal of a job whose document no longer parses names: enough to see what broke. */
const MAX_REFUSAL_ISSUES = 3;

/** An issue as a message names it: `path: message`. */
function issueText(issue: Issue): string {
  return `${issue.path || "(root)"}: ${issue.message}`;
}

/**
 * What of a stored job that no longer parses (`issues`) a deploy may accept again: its type (it has no
 * handler) or its payload (its schema changed); null when a field the engine writes is at fault.
 */
function unparsedPart(issues: readonly Issue[]): "type" | "payload" | null {
  if (issues.some((issue) => issue.path === "type")) return "type";
  return issues.every((issue) => issue.path === "payload" || issue.path.startsWith("payload.")) ? "payload" : null;
}

/** `catalog_jobs/{parent}/shard_results/{child}`: one marker per child counted into its parent. */
export const CHILD_RESULTS = "shard_results";

/** The counts after one more child finished with `status`. */
function countFinishedChild(counts: ChildCounts, status: JobStatus): ChildCounts {
  const succeeded = isSuccessStatus(status);
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

/** Counts that include every child of the parent (`settleChildCounts` sets them from the children themselves). */
function countsSettled(counts: ChildCounts | null): boolean {
  return counts !== null && (counts.total ?? 0) > 0 && allChildrenFinished(counts);
}

/** Whether the stored parent `parent`'s counts are settled (`countsSettled`); counts that no longer parse are not. */
function settledCountsOf(parent: DocumentSnapshot): boolean {
  const counts = childCountsSchema.safeParse(parent.get("shards"));
  return counts.success && countsSettled(counts.data);
}

/** The fields expired-lease recovery reads: a job whose payload no longer parses is still recovered. */
const leaseFieldsSchema = jobDocumentSchema
  .pick({
    type: true,
    queue: true,
    priority: true,
    status: true,
    attempts: true,
    max_attempts: true,
    run_after: true,
    lease_owner: true,
    lease_expires_at: true,
    lease_epoch: true,
    started_at: true,
    cancel_requested: true,
    plan_id: true,
  })
  .extend({
    // A mode the payload no longer parses with is read as the default one, as a payload without one.
    payload: z.looseObject({ mode: modeSchema.catch(() => modeSchema.parse(undefined)) }),
    // Counts that no longer parse are read as none: the job is still recovered, as one that does not settle its cancel.
    shards: jobDocumentSchema.shape.shards.catch(null),
    created_at: jobDocumentSchema.shape.created_at.optional(),
  });

/** A worker id unique to this process instance. */
export function newWorkerId(prefix = "worker"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
