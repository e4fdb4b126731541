/**
 * The ApplyEngine: previews a plan (reads only, never a catalog write) or applies it operation by
 * operation. Each operation is one Firestore transaction that reads the job (fence: the worker
 * still holds its lease), the operation's idempotency record and the documents it touches, and
 * then writes the changed documents, the idempotency record and the journal entry together — so an
 * operation is applied at most once per key, never by a worker that lost its lease, and never
 * without its journal entry. (Registry recomputes carry no record: see `idempotencyKey`.)
 *
 * Apply stops at the first operation that fails (later operations often depend on earlier ones:
 * the alias of a rename, the registry of a move); the rest are reported as not attempted. A failed
 * operation writes nothing and is not recorded as done, so a later run can still apply it.
 * Infrastructure errors, a lost lease and an aborted signal are thrown: the job retries, and the
 * idempotency records make the retry skip what was already applied.
 */
import type { Firestore, Transaction } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "./collections";
import { CatalogState, type CatalogView } from "./catalog-state";
import { changedPaths, valuesAt } from "../util/document-diff";
import { changeIssues } from "./document-rules";
import { type ConflictCode, type DocumentChange, OperationConflict, operationEffects, operationTargets } from "./effects";
import { activeResult, idempotencyRecord, idempotencyRef } from "./idempotency";
import { journalEntry } from "./journal";
import { type ChangePlan, type Operation, type OperationType, idempotencyKey } from "./plan";
import { loadCatalogView, readOperationState } from "./view-loader";
import { type DocData } from "../util/object-paths";
import { documentPath } from "../catalog/collections";

interface OperationRef {
  operation_index: number;
  op: OperationType;
}

interface AppliedOperation extends OperationRef {
  /** null for an operation that is not guarded by a record (see `idempotencyKey`). */
  idempotency_key: string | null;
  change_id: string;
}

interface SkippedOperation extends OperationRef {
  idempotency_key: string;
  reason: "already_applied";
  /** The change that applied it, and the job that made it. */
  change_id: string;
  applied_by_job: string;
}

interface UnchangedOperation extends OperationRef {
  reason: "no_change_operation" | "already_in_effect";
}

interface FailedOperation extends OperationRef {
  code: ConflictCode;
  message: string;
  path: string;
}

export interface ApplyResult {
  applied: AppliedOperation[];
  skipped: SkippedOperation[];
  unchanged: UnchangedOperation[];
  failed: FailedOperation[];
  /** Operations after the first failure. */
  not_attempted: number[];
  change_ids: string[];
}

interface DocumentDiff {
  target: string;
  change: "create" | "update" | "delete";
  changed_paths: string[];
  /** Values at the changed paths; null when the document does not exist on that side. */
  before: DocData | null;
  after: DocData | null;
}

type PreviewOutcome = "would_apply" | "already_applied" | "no_change" | "would_fail" | "not_attempted";

export interface PreviewOperation extends OperationRef {
  idempotency_key: string | null;
  outcome: PreviewOutcome;
  changes: DocumentDiff[];
  error?: { code: ConflictCode; message: string; path: string };
}

export interface PreviewResult {
  operations: PreviewOperation[];
  counts: Record<PreviewOutcome, number>;
}

export interface ApplyOptions {
  /** Checked before every operation; an aborted signal throws its reason. */
  signal?: AbortSignal;
  /** Fault injection for tests: runs before each operation; throwing simulates a crash there. */
  beforeOperation?: (index: number) => void | Promise<void>;
}

/**
 * Who applies a plan: the job, its lease epoch (recorded in the journal), and the fence that proves,
 * inside each operation's transaction, that it still holds its lease.
 */
export interface PlanWriter {
  jobId: string;
  jobType: string;
  leaseEpoch: number;
  /** Reads the job inside `tx` and throws when the lease is lost; called before any write. */
  fence(tx: Transaction): Promise<void>;
}

export interface ApplyEngineOptions {
  now?: () => Date;
  idempotencyTtlMs?: number;
}

type OperationOutcome =
  { kind: "applied"; change_id: string } | { kind: "skipped"; key: string; change_id: string; job_id: string } | { kind: "unchanged" };

export class ApplyEngine {
  private readonly now: () => Date;

  constructor(
    private readonly db: Firestore,
    private readonly options: ApplyEngineOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * What applying `plan` now would do, operation by operation, simulated on `view` (loaded when
   * not given). Reads the catalog and the idempotency records; writes nothing.
   */
  async preview(plan: ChangePlan, view?: CatalogView): Promise<PreviewResult> {
    const state = new CatalogState(view ?? (await loadCatalogView(this.db, plan)));
    const keys = plan.operations.map(idempotencyKey);
    const now = this.now();
    const recorded = await this.recordedKeys(keys, now);
    const operations: PreviewOperation[] = [];
    let failed = false;
    for (const [index, op] of plan.operations.entries()) {
      const base = { operation_index: index, op: op.op, idempotency_key: keys[index], changes: [] };
      if (failed) operations.push({ ...base, outcome: "not_attempted" });
      else if (op.op === "no_change") operations.push({ ...base, outcome: "no_change" });
      else if (keys[index] !== null && recorded.has(keys[index])) operations.push({ ...base, outcome: "already_applied" });
      else {
        try {
          const changes = checkedEffects(op, state, now);
          state.apply(changes);
          // A repeat of this operation later in the plan is skipped, as apply would skip it.
          if (changes.length > 0 && keys[index] !== null) recorded.add(keys[index]);
          operations.push({ ...base, outcome: changes.length > 0 ? "would_apply" : "no_change", changes: changes.map(diffOf) });
        } catch (err) {
          if (!(err instanceof OperationConflict)) throw err;
          failed = true;
          operations.push({ ...base, outcome: "would_fail", error: { code: err.code, message: err.message, path: err.path } });
        }
      }
    }
    const counts: Record<PreviewOutcome, number> = { would_apply: 0, already_applied: 0, no_change: 0, would_fail: 0, not_attempted: 0 };
    for (const operation of operations) counts[operation.outcome]++;
    return { operations, counts };
  }

  /** Applies `plan` as `writer`; see the module comment for what is guaranteed. */
  async apply(plan: ChangePlan, writer: PlanWriter, options: ApplyOptions = {}): Promise<ApplyResult> {
    const result: ApplyResult = { applied: [], skipped: [], unchanged: [], failed: [], not_attempted: [], change_ids: [] };
    for (const [index, op] of plan.operations.entries()) {
      await options.beforeOperation?.(index);
      options.signal?.throwIfAborted();
      const ref = { operation_index: index, op: op.op };
      if (op.op === "no_change") {
        result.unchanged.push({ ...ref, reason: "no_change_operation" });
        continue;
      }
      let outcome: OperationOutcome;
      try {
        outcome = await this.applyOperation(plan, index, writer);
      } catch (err) {
        if (!(err instanceof OperationConflict)) throw err;
        result.failed.push({ ...ref, code: err.code, message: err.message, path: err.path });
        result.not_attempted = plan.operations.slice(index + 1).map((_, offset) => index + 1 + offset);
        break;
      }
      if (outcome.kind === "applied") {
        result.applied.push({ ...ref, idempotency_key: idempotencyKey(op), change_id: outcome.change_id });
        result.change_ids.push(outcome.change_id);
      } else if (outcome.kind === "skipped") {
        result.skipped.push({
          ...ref,
          idempotency_key: outcome.key,
          reason: "already_applied",
          change_id: outcome.change_id,
          applied_by_job: outcome.job_id,
        });
      } else {
        result.unchanged.push({ ...ref, reason: "already_in_effect" });
      }
    }
    return result;
  }

  private applyOperation(plan: ChangePlan, index: number, writer: PlanWriter): Promise<OperationOutcome> {
    const op = plan.operations[index];
    const key = idempotencyKey(op);
    const recordRef = key === null ? null : idempotencyRef(this.db, key);
    return this.db.runTransaction(async (tx) => {
      // Reads first (fence, idempotency record, documents), then every write.
      await writer.fence(tx);
      const now = this.now();
      const recorded = key && recordRef ? activeResult(await tx.get(recordRef), now) : null;
      if (key && recorded) return { kind: "skipped", key, change_id: recorded.change_id, job_id: recorded.job_id };
      const changes = checkedEffects(op, await readOperationState(tx, this.db, op), now);
      if (changes.length === 0) return { kind: "unchanged" };

      const changeRef = this.db.collection(APPLY_COLLECTIONS.changes).doc();
      for (const change of changes) {
        const ref = this.db.collection(change.collection).doc(change.id);
        if (change.after === null) tx.delete(ref);
        else tx.set(ref, change.after);
      }
      if (key && recordRef) {
        tx.set(
          recordRef,
          idempotencyRecord({
            key,
            jobId: writer.jobId,
            scope: `${op.op} ${operationTargets(op).join(" ")}`,
            result: { change_id: changeRef.id, operation_index: index, op: op.op },
            now,
            ttlMs: this.options.idempotencyTtlMs,
          }),
        );
      }
      tx.create(
        changeRef,
        journalEntry({
          changeId: changeRef.id,
          jobId: writer.jobId,
          jobType: writer.jobType,
          leaseEpoch: writer.leaseEpoch,
          operationIndex: index,
          operation: op,
          idempotencyKey: key,
          changes,
          now,
        }),
      );
      return { kind: "applied", change_id: changeRef.id };
    });
  }

  /** The keys among `keys` that have a live idempotency record. */
  private async recordedKeys(keys: readonly (string | null)[], now: Date): Promise<Set<string>> {
    const unique = [...new Set(keys.filter((key): key is string => key !== null))];
    if (unique.length === 0) return new Set();
    const snaps = await this.db.getAll(...unique.map((key) => idempotencyRef(this.db, key)));
    return new Set(snaps.filter((snap) => activeResult(snap, now) !== null).map((snap) => snap.id));
  }
}

/** The operation's effects, refusing any that would write a document with a new schema problem. */
function checkedEffects(op: Operation, state: CatalogState, now: Date): DocumentChange[] {
  const changes = operationEffects(op, state, now);
  for (const change of changes) {
    const [issue] = changeIssues(change).introduced;
    if (issue)
      throw new OperationConflict(
        issue.code,
        `${documentPath(change.collection, change.id)}: ${issue.path || "document"}: ${issue.message}`,
        issue.path,
      );
  }
  return changes;
}

function diffOf(change: DocumentChange): DocumentDiff {
  const paths = changedPaths(change.before, change.after, ["updated_at"]);
  return {
    target: documentPath(change.collection, change.id),
    change: change.before === null ? "create" : change.after === null ? "delete" : "update",
    changed_paths: paths,
    before: change.before && valuesAt(change.before, paths),
    after: change.after && valuesAt(change.after, paths),
  };
}
