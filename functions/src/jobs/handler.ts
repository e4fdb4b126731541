/**
 * The handler contract. A job type is one handler: its name, default lane and payload schema next
 * to the code that runs it (as River keeps a job's args beside its worker). Handlers get the job,
 * its context and attempt log, the services the composition root gives them (`deps`), and a
 * narrow view of the engine scoped to their lease (`engine`); they return an outcome or throw.
 */
import { createHash } from "node:crypto";
import type { DocumentReference, Timestamp, Transaction } from "firebase-admin/firestore";
import type { z } from "zod";
import type { AttemptRecorder } from "./attempt-log";
import type { HeldLease } from "./lease";
import type { JobContext } from "./context";
import type { BasePayload, CompletionStatus, Issue, Job, JobErrorInfo, Lane, ResultSummary } from "./model";
import { type CreateJobInput, type CreateJobResult, type ChildJob, type ChildSpec, type ChildrenCreated } from "./model";

/** A payload schema: its output always has `mode`. */
export type PayloadSchema = z.ZodType<BasePayload>;

/** What the engine lets a running handler do, always as the holder of its lease. */
export interface JobScope {
  /** The job's document: sub-collections of a job (its ledger, say) hang off it. */
  readonly ref: DocumentReference;
  /** When a document the job keeps about itself (a ledger entry) may be deleted: as long as the job is kept. */
  expiry(): Timestamp;
  /** The locks the job holds while it runs (its type's `lockKeys`). */
  readonly lockKeys: readonly string[];
  /** Runs `fn` in a transaction that first proves the lease; `LeaseLostError` and nothing written otherwise. */
  fenced<T>(fn: (tx: Transaction) => T | Promise<T>): Promise<T>;
  /** Proves the lease inside a caller's own transaction (reads the job document; call before any write). */
  fence(tx: Transaction): Promise<void>;
  /**
   * Commits the job to a plan before its first change (stored beside the job; see
   * `JobQueue.savePlan`); returns its id, which the job carries as `plan_id` from then on.
   */
  savePlan(plan: Record<string, unknown>): Promise<string>;
  /** The plan the job committed to on an earlier attempt (`job.plan_id`); null when there is none. */
  savedPlan(): Promise<{ planId: string; plan: Record<string, unknown> } | null>;
  /** A long job's `progress`. */
  reportProgress(progress: { done: number; total: number }): Promise<void>;
  /**
   * Asks for another job (a scan's follow-up); `created_by` names this job's type. One that names no
   * lane runs in the maintenance lane when this job does, else in its type's default lane.
   */
  createJob(input: FollowUpInput): Promise<CreateJobResult>;
  /** What `createJob` would refuse in `input` (it throws `InvalidJobError` for it); null when nothing. */
  requestIssues(input: FollowUpInput): Issue[] | null;
  /** Creates this job's children, with deterministic ids, and records how many there are. See `flows.ts`. */
  createChildren(children: AsyncIterable<ChildSpec> | Iterable<ChildSpec>): Promise<ChildrenCreated>;
}

type FollowUpInput = Omit<CreateJobInput, "created_by" | "parent_job_id" | "id"> & {
  /**
   * Names the follow-up within this job, for one that must be made once whatever happens: asked
   * again on a later attempt (a retry, a resumed plan), it is the job the first ask made, even when
   * that one has finished (a dedup key holds only while its job is open). Its id is derived from it.
   */
  onceKey?: string;
};

/**
 * The most UTF-8 bytes of a `onceKey` a follow-up's id holds. A longer one (`registry-<exercise>`, of an
 * exercise id as long as Firestore allows) is cut, and a digest of the whole follows it, so an id derived
 * from a job's stays within Firestore's 1,500 bytes, and two keys that start alike stay apart.
 */
export const MAX_ONCE_KEY_BYTES = 200;
/** Hex digits of the digest that ends a cut `onceKey`. */
const ONCE_KEY_DIGEST_DIGITS = 32;

/** `onceKey` as a follow-up's id holds it: as it is, or its start (whole characters) and the digest of the whole. */
function boundedOnceKey(onceKey: string): string {
  if (Buffer.byteLength(onceKey, "utf8") <= MAX_ONCE_KEY_BYTES) return onceKey;
  const digest = createHash("sha256").update(onceKey).digest("hex").slice(0, ONCE_KEY_DIGEST_DIGITS);
  let room = MAX_ONCE_KEY_BYTES - `-${digest}`.length;
  let start = "";
  for (const char of onceKey) {
    room -= Buffer.byteLength(char, "utf8");
    if (room < 0) break;
    start += char;
  }
  return `${start}-${digest}`;
}

/** The id of `jobId`'s follow-up named `onceKey` (its key's start kept, so `firestore.rules` know it as the engine's). */
export const followUpJobId = (jobId: string, onceKey: string): string => `${jobId}-${boundedOnceKey(onceKey)}`;

export interface HandlerInput<P extends BasePayload = BasePayload, D = unknown> {
  job: Job<P>;
  lease: HeldLease;
  ctx: JobContext;
  attempt: AttemptRecorder;
  deps: D;
  engine: JobScope;
}

export type HandlerOutcome =
  | { kind: "completed"; status: CompletionStatus; summary: ResultSummary; error?: JobErrorInfo }
  /** Wait without using up an attempt, and run again after `until`. */
  | { kind: "deferred"; until: Date; reason: { code: string; message: string; details?: unknown }; summary?: ResultSummary }
  /** A parent that created its children: it waits for them, then its `finishParent` runs. */
  | { kind: "wait_for_children"; summary?: ResultSummary };

export interface JobHandler<S extends PayloadSchema = PayloadSchema, D = unknown> {
  readonly type: string;
  readonly lane: Lane;
  readonly payload: S;
  /** Made only by its parent's fan-out (`JobFlows.createChildren`), never asked for on its own: an operator's submit is refused. */
  readonly childOnly?: boolean;
  /** Lock keys of everything the job changes; taken (all or none) before `run`. */
  lockKeys?(job: Job<z.output<S>>, deps: D): string[] | Promise<string[]>;
  run(input: HandlerInput<z.output<S>, D>): Promise<HandlerOutcome>;
  /** A parent's completion hook: runs instead of `run` once every child is final. */
  finishParent?(input: HandlerInput<z.output<S>, D>, children: readonly ChildJob[]): Promise<HandlerOutcome>;
}
