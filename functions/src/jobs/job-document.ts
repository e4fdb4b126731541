/** Building the normalised job document from a validated request. Pure: no I/O. */
import { createHash } from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import { DEFAULT_LANE, DEFAULT_MAX_ATTEMPTS, DEFAULT_PRIORITY, JobPayload, JobType, Lane } from "./model";

export interface ValidJobRequest {
  type: JobType;
  payload: JobPayload;
  queue?: Lane;
  priority?: number;
  dedup_key?: string;
}

export interface ServerJobFields {
  now: Date;
  createdBy: string;
  runAfter?: Date;
  maxAttempts?: number;
  parentJobId?: string | null;
  /** Keep a client's `created_at` (request.time) so FIFO order follows what the client wrote. */
  createdAt?: Timestamp;
}

/** Every field of a fresh `queued` job: what `createJob` writes and what the trigger normalises a client document to. */
export function buildJobDocument(request: ValidJobRequest, server: ServerJobFields): Record<string, unknown> {
  const now = Timestamp.fromDate(server.now);
  return {
    type: request.type,
    queue: request.queue ?? DEFAULT_LANE[request.type],
    priority: request.priority ?? DEFAULT_PRIORITY,
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
    created_by: server.createdBy,
    error: null,
    result_summary: null,
    progress: null,
    parent_job_id: server.parentJobId ?? null,
    shards: null,
    cancel_requested: false,
  };
}

/** Dedup keys are free text; the claim document's id is their hash so any key fits in a document id. */
export function dedupDocId(dedupKey: string): string {
  return createHash("sha256").update(dedupKey).digest("hex");
}
