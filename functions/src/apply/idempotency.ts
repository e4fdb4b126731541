/**
 * Idempotency records `catalog_idempotency/{key}` (see `idempotencyKey`: one per operation of a
 * job): written in the same transaction as the change they guard, so an operation is applied at
 * most once per job. Kept RETAIN_JOBS_DAYS from when they were written, so a retry that resumes
 * its frozen plan within that time finds them (a later one meets the operations' guards instead). A
 * record past `expires_at` counts as absent whether or not the TTL policy has deleted it yet.
 */
import { type DocumentReference, type DocumentSnapshot, type Firestore, Timestamp } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "./collections";

export interface IdempotencyResult {
  change_id: string;
  operation_index: number;
  op: string;
}

export function idempotencyRef(db: Firestore, key: string): DocumentReference {
  return db.collection(APPLY_COLLECTIONS.idempotency).doc(key);
}

/** The result recorded under a live record, or null when there is none (or it has expired). */
export function activeResult(snap: DocumentSnapshot, now: Date): IdempotencyResult | null {
  if (!snap.exists) return null;
  const expiresAt = snap.get("expires_at") as Timestamp | undefined;
  if (expiresAt && expiresAt.toMillis() <= now.getTime()) return null;
  return snap.get("result") as IdempotencyResult;
}

export function idempotencyRecord(input: {
  key: string;
  jobId: string;
  operationId: string;
  scope: string;
  result: IdempotencyResult;
  now: Date;
  ttlMs: number;
}): Record<string, unknown> {
  return {
    key: input.key,
    job_id: input.jobId,
    operation_id: input.operationId,
    scope: input.scope,
    result: input.result,
    created_at: Timestamp.fromDate(input.now),
    expires_at: Timestamp.fromMillis(input.now.getTime() + input.ttlMs),
  };
}
