/** Building the normalised job document from a validated request. Pure: no I/O. */
import { Timestamp } from "firebase-admin/firestore";
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_PRIORITY, type JobRequest, type Lane } from "./model";
import { isNonEmptyString } from "../util/object-paths";

export interface ServerJobFields {
  now: Date;
  createdBy: string;
  /** The request's lane, or the job type's default. */
  lane: Lane;
  runAfter?: Date;
  maxAttempts?: number;
  parentJobId?: string | null;
  /** Keep a client's `created_at` (request.time) so FIFO order follows what the client wrote. */
  createdAt?: Timestamp;
  /** A client may ask for cancellation before intake; that request is kept. */
  cancelRequested?: boolean;
  /** The job's random place in its priority, in [0, 1): competing workers poll from different places (`JobQueue.pollSpread`). */
  slot: number;
}

/** The creator intake records when nothing names one: no auth context and no `created_by`. */
export const UNKNOWN_CREATOR = "unknown";

/** Without the create trigger's auth context (gone, or never came): the `created_by` the rules checked, if any. */
export function rulesCheckedCreator(data: Record<string, unknown>, otherwise: string = UNKNOWN_CREATOR): string {
  const createdBy = data.created_by;
  return isNonEmptyString(createdBy) ? createdBy : otherwise;
}

/** Every field of a fresh `queued` job: what `createJob` writes and what intake normalises a client document to. */
export function buildJobDocument(request: JobRequest, server: ServerJobFields) {
  const now = Timestamp.fromDate(server.now);
  return {
    type: request.type,
    queue: server.lane,
    priority: request.priority ?? DEFAULT_PRIORITY,
    slot: server.slot,
    status: "queued",
    payload: request.payload,
    dedup_key: request.dedup_key ?? null,
    attempts: 0,
    max_attempts: server.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    run_after: server.runAfter ? Timestamp.fromDate(server.runAfter) : now,
    lease_owner: null,
    lease_expires_at: null,
    lease_epoch: 0,
    created_at: server.createdAt ?? now,
    updated_at: now,
    started_at: null,
    finished_at: null,
    expire_at: null,
    created_by: server.createdBy,
    error: null,
    result_summary: null,
    progress: null,
    parent_job_id: server.parentJobId ?? null,
    shards: null,
    cancel_requested: server.cancelRequested ?? false,
    plan_id: null,
    llm_usage: null,
  };
}
