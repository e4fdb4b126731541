/**
 * The change journal `catalog_changes/{changeId}`: one entry per applied operation with the whole
 * before and after of every document it wrote, its idempotency key, rationale and job. Enough to
 * review a change and to revert it: `revertChange` restores the before values, but only while the
 * documents are still exactly as the change left them.
 */
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "./collections";
import { changedPaths, sameValue } from "../util/document-diff";
import type { DocumentChange } from "./effects";
import { idempotencyRef } from "./idempotency";
import type { Operation } from "./plan";
import { type DocData } from "../util/object-paths";
import { type CatalogCollection, documentPath } from "../catalog/collections";

type ChangeStatus = "applied" | "reverted";

interface JournalDocument {
  collection: CatalogCollection;
  id: string;
  before: DocData | null;
  after: DocData | null;
  changed_paths: string[];
}

export interface JournalEntryInput {
  changeId: string;
  jobId: string;
  jobType: string;
  leaseEpoch: number;
  operationIndex: number;
  operation: Operation;
  /** null when the operation is not guarded by an idempotency record. */
  idempotencyKey: string | null;
  changes: readonly DocumentChange[];
  now: Date;
}

export function journalEntry(input: JournalEntryInput): DocData {
  const documents: JournalDocument[] = input.changes.map((change) => ({
    collection: change.collection,
    id: change.id,
    before: change.before,
    after: change.after,
    changed_paths: changedPaths(change.before, change.after, ["updated_at"]),
  }));
  return {
    change_id: input.changeId,
    job_id: input.jobId,
    job_type: input.jobType,
    lease_epoch: input.leaseEpoch,
    operation_index: input.operationIndex,
    op: input.operation.op,
    operation: input.operation,
    idempotency_key: input.idempotencyKey,
    rationale: input.operation.rationale,
    risk: input.operation.risk,
    targets: documents.map((doc) => documentPath(doc.collection, doc.id)),
    documents,
    status: "applied" satisfies ChangeStatus,
    applied_at: Timestamp.fromDate(input.now),
    reverted_at: null,
  };
}

export class ChangeNotFoundError extends Error {
  readonly code = "CHANGE_NOT_FOUND";
  readonly transient = false;
  constructor(readonly changeId: string) {
    super(`change ${changeId} does not exist`);
    this.name = "ChangeNotFoundError";
  }
}

/** A document was changed again after this change: reverting would silently undo the later edit. */
export class ChangeConflictError extends Error {
  readonly code = "CHANGE_CONFLICT";
  readonly transient = false;
  constructor(
    readonly changeId: string,
    readonly conflicts: { target: string; changed_paths: string[] }[],
  ) {
    super(
      `change ${changeId} cannot be reverted: ${conflicts.map((c) => `${c.target} changed since (${c.changed_paths.join(", ")})`).join("; ")}`,
    );
    this.name = "ChangeConflictError";
  }
}

export interface RevertResult {
  change_id: string;
  status: "reverted" | "already_reverted";
  targets: string[];
}

/**
 * Restores the before values of a journal entry in one transaction, refusing with
 * `ChangeConflictError` if any document differs from the entry's after. Restored documents get a
 * new `updated_at` (clients that sync by it must see the revert). The entry is marked reverted and
 * the operation's idempotency record is removed, so the same operation may be applied again later.
 * Reverting twice is a no-op.
 */
export async function revertChange(
  db: Firestore,
  changeId: string,
  options: { now?: () => Date; revertedBy?: string } = {},
): Promise<RevertResult> {
  const now = options.now ?? (() => new Date());
  return db.runTransaction(async (tx) => {
    const entry = await tx.get(db.collection(APPLY_COLLECTIONS.changes).doc(changeId));
    if (!entry.exists) throw new ChangeNotFoundError(changeId);
    const documents = entry.get("documents") as JournalDocument[];
    const targets = documents.map((doc) => documentPath(doc.collection, doc.id));
    if ((entry.get("status") as ChangeStatus) === "reverted") return { change_id: changeId, status: "already_reverted" as const, targets };

    const refs = documents.map((doc) => db.collection(doc.collection).doc(doc.id));
    const current = refs.length > 0 ? await tx.getAll(...refs) : [];
    const key = entry.get("idempotency_key") as string | null;
    const record = key ? await tx.get(idempotencyRef(db, key)) : null;

    const conflicts = documents.flatMap((doc, i) => {
      const stored = current[i].exists ? (current[i].data() as DocData) : null;
      return sameValue(stored, doc.after) ? [] : [{ target: targets[i], changed_paths: changedPaths(doc.after, stored) }];
    });
    if (conflicts.length > 0) throw new ChangeConflictError(changeId, conflicts);

    const stamp = Timestamp.fromDate(now());
    documents.forEach((doc, i) => {
      if (doc.before === null) tx.delete(refs[i]);
      else tx.set(refs[i], { ...doc.before, updated_at: stamp });
    });
    tx.update(entry.ref, { status: "reverted" satisfies ChangeStatus, reverted_at: stamp, reverted_by: options.revertedBy ?? null });
    if (record?.exists && record.get("result.change_id") === changeId) tx.delete(record.ref);
    return { change_id: changeId, status: "reverted" as const, targets };
  });
}

/** Ids of the exercises earlier attempts of `jobId` created, from the change journal. */
export async function exercisesCreatedByJob(db: Firestore, jobId: string): Promise<string[]> {
  const changes = await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", jobId).get();
  return changes.docs
    .filter((change) => change.get("op") === "create_exercise" && change.get("status") === "applied")
    .map((change) => String(change.get("operation.exercise_id")));
}
