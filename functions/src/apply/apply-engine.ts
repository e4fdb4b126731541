/**
 * The ApplyEngine: previews a plan (reads only, never a catalog write) or applies it operation by
 * operation. Each operation is one Firestore transaction that reads the job (fence: the worker
 * still holds its lease), the operation's idempotency record and the documents it touches, checks
 * them against what the plan was built from, and then writes the changed documents, the
 * idempotency record and the journal entry together. So an operation is applied at most once per
 * job (its key names the job and the operation, not its content: a later job making the same change
 * makes it again), never by a worker that lost its lease, never over a target that changed since
 * planning (STALE_PLAN), and never without its journal entry. Registry recomputes carry no record.
 * An operation whose commit landed with its reply lost (the Firestore client then runs the transaction
 * again) is reported as applied, by the change id chosen before its first run, not as already done.
 *
 * Apply stops at the first operation that fails (later operations often depend on earlier ones:
 * the alias of a rename, the registry of a move); the rest are reported as not attempted. A failed
 * operation writes nothing and is not recorded as done, so a later run can still apply it.
 * Infrastructure errors and a lost lease are thrown: the job retries, and the idempotency records
 * make the retry skip what was already applied. A cancel (when a signal is given) stops between
 * operations and is reported with what was applied before it.
 */
import type { Firestore, Transaction } from "firebase-admin/firestore";
import { PARAMS } from "../config";
import { APPLY_COLLECTIONS } from "./collections";
import { CatalogState, type CatalogView } from "./catalog-state";
import { changedPaths, valuesAt } from "../util/document-diff";
import { runRecallingLastAnswer } from "../util/transactions";
import { changeIssues } from "./document-rules";
import { mergeTargetProblem, slugCollisionIssue } from "./catalog-rules";
import { type ConflictCode, type DocumentChange, OperationConflict, operationEffects, operationReadSet, operationTargets } from "./effects";
import { type OperationExpectation, checkExpectations } from "./expectations";
import type { ValidationIssue } from "./issues";
import { activeResult, idempotencyRecord, idempotencyRef } from "./idempotency";
import { journalEntry } from "./journal";
import { aliasShadowIssue, aliasTargetIssue } from "./alias-rules";
import { type ChangePlan, type Operation, type OperationType, idempotencyKey, operationExerciseIds } from "./plan";
import {
  loadCatalogView,
  nameSlugChanges,
  nameSlugTaken,
  readAliasTarget,
  readAliases,
  readNameHolders,
  readOperationState,
} from "./view-loader";
import { type DocData } from "../util/object-paths";
import { CATALOG_COLLECTIONS, documentPath } from "../catalog/collections";
import { isLiveFamily } from "../catalog/family-registry";
import { JobCancelledError, type JobFailure, LeaseLostError, toJobFailure } from "../jobs/errors";

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
  /** The change that applied it (an earlier attempt of this job). */
  change_id: string;
}

interface UnchangedOperation extends OperationRef {
  reason: "no_change_operation" | "already_in_effect";
}

interface FailedOperation extends OperationRef {
  /** A conflict's code (`ConflictCode`), or the code of an error the operation would meet again (`permanentFailure`). */
  code: string;
  message: string;
  path?: string;
}

/**
 * An error the same operation would meet again (Firestore refusing the write as it is, code meeting data
 * it cannot handle): it ends the plan there, as a conflict does, so what was applied is reported and the
 * job goes to a person with its plan kept. Null for what a later attempt may get past (a lost lease, a
 * stop, an outage), which ends the attempt instead.
 */
function permanentFailure(err: unknown): JobFailure | null {
  if (err instanceof LeaseLostError || err instanceof JobCancelledError) return null;
  const failure = toJobFailure(err);
  return failure.kind === "permanent" ? failure : null;
}

export interface ApplyResult {
  applied: AppliedOperation[];
  skipped: SkippedOperation[];
  unchanged: UnchangedOperation[];
  failed: FailedOperation[];
  /** Operations after the first failure, or after a cancel. */
  not_attempted: number[];
  change_ids: string[];
  /** A cancel stopped the plan before `not_attempted`. */
  cancelled: boolean;
}

interface DocumentDiff {
  target: string;
  change: "create" | "update" | "delete";
  changed_paths: string[];
  /** Values at the changed paths; null when the document does not exist on that side. */
  before: DocData | null;
  after: DocData | null;
}

type PreviewOutcome = "would_apply" | "no_change" | "would_fail" | "not_attempted";

export interface PreviewOperation extends OperationRef {
  outcome: PreviewOutcome;
  changes: DocumentDiff[];
  error?: { code: ConflictCode; message: string; path: string };
}

export interface PreviewResult {
  operations: PreviewOperation[];
  counts: Record<PreviewOutcome, number>;
}

export interface ApplyOptions {
  /**
   * Checked before every operation: a cancel (`JobCancelledError`) stops the plan there and is
   * reported in the result; any other reason (a lost lease, a deadline) is thrown. Without it a
   * plan runs to its end.
   */
  signal?: AbortSignal;
  /** By operation index: what the plan was built from (see `expectations.ts`). */
  expectations?: readonly OperationExpectation[];
  /** Fault injection for tests: runs before each operation; throwing simulates a crash there. */
  beforeOperation?: (index: number) => void | Promise<void>;
  /** After each operation that ended (applied, already done, or unchanged): how many of the plan's have. */
  onProgress?: (done: number) => Promise<void>;
  /**
   * When something thrown ends the apply part-way (a lost lease, a stop, an outage): what to throw instead, given
   * what was done so far (the run history counts it).
   */
  onInterrupted?: (soFar: ApplyResult, err: unknown) => unknown;
}

/**
 * Who applies a plan: the job, its lease epoch (recorded in the journal), the fence that proves,
 * inside each operation's transaction, that it still holds its lease, and the name of each
 * operation within the job, from which its idempotency key is made.
 */
export interface PlanWriter {
  jobId: string;
  jobType: string;
  leaseEpoch: number;
  /** Reads the job inside `tx` and throws when the lease is lost; called before any write. */
  fence(tx: Transaction): Promise<void>;
  /** Stable across the job's attempts: `p3/0` (operation 0 of the plan frozen at epoch 3), `patch/<exercise>`. */
  operationId(op: Operation, index: number): string;
}

export interface ApplyEngineOptions {
  now?: () => Date;
  /** How long idempotency records are kept: as long as the job that writes them (RETAIN_JOBS_DAYS). */
  idempotencyTtlMs: number;
  /** How long journal entries are kept (RETAIN_JOURNAL_DAYS). */
  journalRetentionMs?: number;
}

type OperationOutcome =
  { kind: "applied"; change_id: string } | { kind: "skipped"; key: string; change_id: string } | { kind: "unchanged" };

export class ApplyEngine {
  private readonly now: () => Date;

  constructor(
    private readonly db: Firestore,
    private readonly options: ApplyEngineOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * What applying `plan` now would do, operation by operation, simulated on `view` (loaded when
   * not given). Reads the catalog; writes nothing.
   */
  async preview(plan: ChangePlan, view?: CatalogView): Promise<PreviewResult> {
    const state = new CatalogState(view ?? (await loadCatalogView(this.db, plan)));
    const now = this.now();
    const operations: PreviewOperation[] = [];
    let failed = false;
    for (const [index, op] of plan.operations.entries()) {
      const base = { operation_index: index, op: op.op, changes: [] };
      if (failed) operations.push({ ...base, outcome: "not_attempted" });
      else if (op.op === "no_change") operations.push({ ...base, outcome: "no_change" });
      else {
        try {
          const changes = checkedEffects(op, state, now);
          state.apply(changes);
          operations.push({ ...base, outcome: changes.length > 0 ? "would_apply" : "no_change", changes: changes.map(diffOf) });
        } catch (err) {
          if (!(err instanceof OperationConflict)) throw err;
          failed = true;
          operations.push({ ...base, outcome: "would_fail", error: { code: err.code, message: err.message, path: err.path } });
        }
      }
    }
    const counts: Record<PreviewOutcome, number> = { would_apply: 0, no_change: 0, would_fail: 0, not_attempted: 0 };
    for (const operation of operations) counts[operation.outcome]++;
    return { operations, counts };
  }

  /** Applies `plan` as `writer`; see the module comment for what is guaranteed. */
  async apply(plan: ChangePlan, writer: PlanWriter, options: ApplyOptions = {}): Promise<ApplyResult> {
    const result: ApplyResult = {
      applied: [],
      skipped: [],
      unchanged: [],
      failed: [],
      not_attempted: [],
      change_ids: [],
      cancelled: false,
    };
    try {
      await this.applyEach(plan, writer, options, result);
    } catch (err) {
      throw options.onInterrupted ? options.onInterrupted(result, err) : err;
    }
    return result;
  }

  /** Applies the plan's operations in order into `result`, up to a failure, a cancel or a thrown stop. */
  private async applyEach(plan: ChangePlan, writer: PlanWriter, options: ApplyOptions, result: ApplyResult): Promise<void> {
    const rest = (from: number) => plan.operations.slice(from).map((_, offset) => from + offset);
    // The plan's own exercises may pass a name slug between them (its simulation checked that).
    const planned = new Set(plan.operations.flatMap(operationExerciseIds));
    for (const [index, op] of plan.operations.entries()) {
      await options.beforeOperation?.(index);
      if (options.signal?.aborted) {
        if (!(options.signal.reason instanceof JobCancelledError)) throw options.signal.reason;
        result.cancelled = true;
        result.not_attempted = rest(index);
        break;
      }
      const ref = { operation_index: index, op: op.op };
      if (op.op === "no_change") {
        result.unchanged.push({ ...ref, reason: "no_change_operation" });
        await options.onProgress?.(index + 1);
        continue;
      }
      let outcome: OperationOutcome;
      try {
        outcome = await this.applyOperation(plan, index, writer, planned, options.expectations?.[index]);
      } catch (err) {
        const failure = err instanceof OperationConflict ? err : permanentFailure(err);
        // A lost lease, a stop or an outage ends the attempt, and the next one resumes the plan.
        if (failure === null) throw err;
        const path = failure instanceof OperationConflict ? { path: failure.path } : {};
        result.failed.push({ ...ref, code: failure.code, message: failure.message, ...path });
        result.not_attempted = rest(index + 1);
        break;
      }
      if (outcome.kind === "applied") {
        result.applied.push({
          ...ref,
          idempotency_key: idempotencyKey(op, writer.jobId, writer.operationId(op, index)),
          change_id: outcome.change_id,
        });
        result.change_ids.push(outcome.change_id);
      } else if (outcome.kind === "skipped") {
        result.skipped.push({ ...ref, idempotency_key: outcome.key, reason: "already_applied", change_id: outcome.change_id });
      } else {
        result.unchanged.push({ ...ref, reason: "already_in_effect" });
      }
      await options.onProgress?.(index + 1);
    }
  }

  private applyOperation(
    plan: ChangePlan,
    index: number,
    writer: PlanWriter,
    planned: ReadonlySet<string>,
    expected?: OperationExpectation,
  ): Promise<OperationOutcome> {
    const op = plan.operations[index];
    const operationId = writer.operationId(op, index);
    const key = idempotencyKey(op, writer.jobId, operationId);
    const recordRef = key === null ? null : idempotencyRef(this.db, key);
    // Chosen before the first run: a run that finds it recorded or journaled knows the change for its own.
    const changeRef = this.db.collection(APPLY_COLLECTIONS.changes).doc();
    const applied: OperationOutcome = { kind: "applied", change_id: changeRef.id };
    return runRecallingLastAnswer(this.db, async (tx, lastAnswer: OperationOutcome | undefined) => {
      // Reads first (fence, idempotency record, documents), then every write.
      await writer.fence(tx);
      const now = this.now();
      // A run again after a commit that landed, its reply lost, finds its own record (or, for an operation without
      // one, its journal entry, looked for only after a run that answered applied): the change is this call's.
      const recorded = key && recordRef ? activeResult(await tx.get(recordRef), now) : null;
      if (recorded?.change_id === changeRef.id) return applied;
      if (key && recorded) return { kind: "skipped", key, change_id: recorded.change_id };
      if (!key && lastAnswer?.kind === "applied" && (await tx.get(changeRef)).exists) return applied;
      const state = await readOperationState(tx, this.db, op);
      const changes = expectedEffects(op, state, now, expected);
      // Already in effect (an earlier attempt, or someone made the same change): nothing is overwritten.
      if (changes.length === 0) return { kind: "unchanged" };
      // Validated live, the target may have been retired since by a job under other locks.
      const retired = mergeTargetProblem(op, state);
      if (retired) {
        const message = `${op.op}: the exercise it merges into changed since the plan was built (${retired.message})`;
        throw new OperationConflict("STALE_PLAN", message, retired.path);
      }
      const later = plan.operations.slice(index + 1);
      // Validated on the plan's end state, the alias may lead to what a later operation of the plan creates
      // or revives; anything else must be live now (a revert takes no lock).
      if (op.op === "upsert_alias" && !writtenBy(later, op)) {
        const gone = aliasTargetIssue(op, await readAliasTarget(tx, this.db, op));
        if (gone) {
          const message = `${op.op}: what the alias points at changed since the plan was built (${gone.message})`;
          throw new OperationConflict("STALE_PLAN", message, gone.path);
        }
      }
      // Validated on the names as they were, the alias's slug may have become another live exercise's name since (an
      // alias repair takes no lock). Only an alias of an exercise can shadow one (`aliasShadowIssue`): a family
      // alias reads nothing more. A holder a later operation renames or retires was judged by the plan's simulation.
      if (op.op === "upsert_alias" && op.exercise_id) {
        const holders = await readNameHolders(tx, this.db, op.alias_slug, new Set(later.flatMap(operationExerciseIds)));
        const shadows = aliasShadowIssue(op.alias_slug, op, holders);
        if (shadows) {
          const message = `${op.op}: what holds the slug as its name changed since the plan was built (${shadows.message})`;
          throw new OperationConflict("STALE_PLAN", message, shadows.path);
        }
      }
      // Validated with its members moved out or retired first, the family the operation retires may have gained a live
      // exercise since (a job under other locks, or a direct write), which the plan does not move.
      const left = liveMemberLeft(op, state, changes, later);
      if (left) {
        const message = `${op.op}: family ${left.family} would be ${left.status} with live exercise ${left.id} in it, which the plan does not move`;
        throw new OperationConflict("STALE_PLAN", message, "status");
      }
      const taken = await nameSlugTaken(tx, this.db, changes, planned);
      if (taken) {
        const message = `${op.op}: name_slug "${taken.slug}" is held by ${taken.holders.join(", ")} since the plan was built`;
        throw new OperationConflict("STALE_PLAN", message, "name_slug");
      }
      const collision = await aliasedNameSlug(tx, this.db, changes, later);
      if (collision) {
        const message = `${op.op}: the alias of the name_slug it gives ${collision.id} changed since the plan was built (${collision.issue.message})`;
        throw new OperationConflict("STALE_PLAN", message, collision.issue.path);
      }

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
            operationId,
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
          operationId,
          operation: op,
          idempotencyKey: key,
          changes,
          now,
          keepMs: this.options.journalRetentionMs ?? PARAMS.retainJournalMs.defaultValue,
        }),
      );
      return applied;
    });
  }
}

/**
 * Inside `tx`: an exercise `changes` give a name slug whose alias leads elsewhere (`slugCollisionIssue`), with the
 * collision; null when there is none. An alias may take the slug while the plan waits (an alias repair takes no lock).
 * One document read per slug, but for an alias one of the plan's `later` operations writes: its simulation judged
 * the alias the plan leaves there.
 */
async function aliasedNameSlug(
  tx: Transaction,
  db: Firestore,
  changes: readonly DocumentChange[],
  later: readonly Operation[],
): Promise<{ id: string; issue: Omit<ValidationIssue, "operation_index"> } | null> {
  const rewritten = new Set(later.flatMap((op) => operationReadSet(op).aliases));
  const given = nameSlugChanges(changes).filter(({ slug }) => !rewritten.has(slug));
  const aliases = await readAliases(
    tx,
    db,
    given.map(({ slug }) => slug),
  );
  for (const { id, slug, exercise } of given) {
    const alias = aliases.get(slug);
    const issue = alias ? slugCollisionIssue(slug, alias, id, exercise) : null;
    if (issue) return { id, issue };
  }
  return null;
}

/** Whether one of `operations` writes what `alias` points at: the exercise, or the family (its registry entry, or a member's family). */
function writtenBy(operations: readonly Operation[], alias: { exercise_id?: string; family_slug?: string }): boolean {
  return operations.some((op) =>
    alias.exercise_id ? operationExerciseIds(op).includes(alias.exercise_id) : familiesNamed(op).includes(alias.family_slug),
  );
}

/**
 * A live exercise of the family whose registry entry `op` retires (a live family written merged or deprecated), that
 * none of the plan's `later` operations moves out or retires; null when there is none. The family's members are in
 * `state`: the registry recompute reads them all. A family already retired is not retired by `op` (one merged on with
 * live exercises is a legacy problem its validation only warned about).
 */
function liveMemberLeft(
  op: Operation,
  state: CatalogState,
  changes: readonly DocumentChange[],
  later: readonly Operation[],
): { family: string; status: string; id: string } | null {
  if (op.op !== "update_family_registry" || !state.isFamilyLive(op.family_slug)) return null;
  const entry = changes.find((change) => change.collection === CATALOG_COLLECTIONS.families && change.id === op.family_slug)?.after;
  // An entry alone says whether its family is live (its members count only without one).
  if (!entry || isLiveFamily(entry, false)) return null;
  const left = state.liveFamilyMembers(op.family_slug).find(([id]) => !writtenBy(later, { exercise_id: id }));
  return left ? { family: op.family_slug, status: String(entry.status), id: left[0] } : null;
}

/** The families `op` creates an exercise in, moves one between, or writes the registry entry of. */
function familiesNamed(op: Operation): unknown[] {
  if (op.op === "create_exercise") return [op.data.family_slug];
  if (op.op === "reassign_family") return [op.from_family, op.to_family];
  return op.op === "update_family_registry" ? [op.family_slug] : [];
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

/**
 * `checkedEffects` checked against what the plan saw (`expected`). An operation that cannot apply is
 * checked against it first: a target deleted or created since planning is a changed target
 * (STALE_PLAN), not a missing or taken exercise. One already in effect writes nothing and is not checked.
 */
function expectedEffects(op: Operation, state: CatalogState, now: Date, expected?: OperationExpectation): DocumentChange[] {
  let changes: DocumentChange[];
  try {
    changes = checkedEffects(op, state, now);
  } catch (err) {
    // No effects to compare: only the documents the plan saw are checked.
    if (expected && err instanceof OperationConflict) checkExpectations(op, expected, state, []);
    throw err;
  }
  if (expected && changes.length > 0) checkExpectations(op, expected, state, changes);
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
