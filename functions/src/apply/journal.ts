/**
 * The change journal `catalog_changes/{changeId}`: one entry per applied operation with the whole
 * before and after of every document it wrote, its idempotency key, rationale and job. Enough to
 * review a change and to revert it: `revertChange` restores the before values, but only once the
 * job that made the change has ended, only while the documents are still exactly as the change
 * left them (but for `updated_at`), and while no later change of them is in effect. `revertJob`
 * reverts all of a job's changes, newest first, once nothing stands in the way of any of them.
 */
import {
  type DocumentSnapshot,
  type Firestore,
  type QueryDocumentSnapshot,
  type QuerySnapshot,
  Timestamp,
  type Transaction,
} from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "./collections";
import { changedPaths, sameValue } from "../util/document-diff";
import { transactionQueryReader } from "../util/paging";
import { isStoredTime, runRecallingLastAnswer } from "../util/transactions";
import type { DocumentChange } from "./effects";
import type { Operation } from "./plan";
import { JOB_COLLECTIONS } from "../jobs/collections";
import { JobNotFoundError } from "../jobs/errors";
import { type JobStatus, isOpenStatus } from "../jobs/lifecycle";
import { type DocData } from "../util/object-paths";
import { shortList } from "../util/short-list";
import { CATALOG_COLLECTIONS, type CatalogCollection, documentPath } from "../catalog/collections";
import { describeAlias } from "../catalog/slug-aliases";
import { isLiveExercise, normalizedEquipment } from "../catalog/family-registry";
import { expectedRegistry } from "../catalog/family-findings";
import { type CatalogDoc, loadFamilyExercises } from "../catalog/repository";
import { CatalogState } from "./catalog-state";
import { nameSlugsGiven, readAliasTarget, readCatalogDocument, readNameHolders } from "./view-loader";
import { aliasTargetIssue, shadowedExercises } from "./alias-rules";

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
  /** The operation's id in its plan (`p3/0`: operation 0 of the plan frozen at epoch 3), keyed or not. */
  operationId: string;
  operation: Operation;
  /** null when the operation is not guarded by an idempotency record. */
  idempotencyKey: string | null;
  changes: readonly DocumentChange[];
  now: Date;
  /** How long the entry is kept. */
  keepMs: number;
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
    operation_id: input.operationId,
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
    // A change can be reverted as long as its entry exists.
    expire_at: Timestamp.fromMillis(input.now.getTime() + input.keepMs),
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

/** A change of the journal applied to a document after the one to revert, and in effect: the one to revert first. */
interface LaterChange {
  change_id: string;
  job_id: string;
}

/**
 * What stops a revert: one of its documents changed since (its paths) or changed later by changes of
 * the journal still in effect (`later_changes`, newest first); or another document now holding what the
 * revert gives back, or built on what it takes away (`reason`), with the later changes in effect on it
 * where reverting them clears the way (none named: written outside the journal).
 */
export interface RevertConflict {
  target: string;
  changed_paths: string[];
  later_changes?: LaterChange[];
  reason?: string;
}

/** How many later changes a conflict names; the rest are counted. */
const LATER_CHANGES_NAMED = 3;

/**
 * A document was changed again after this change, so reverting would silently undo the later edit;
 * or what the revert gives back (a name slug) is taken since, so reverting would give it twice.
 */
export class ChangeConflictError extends Error {
  readonly code = "CHANGE_CONFLICT";
  readonly transient = false;
  constructor(
    readonly changeId: string,
    readonly conflicts: RevertConflict[],
  ) {
    super(`change ${changeId} cannot be reverted: ${conflicts.map(describeConflict).join("; ")}`);
    this.name = "ChangeConflictError";
  }
}

function describeConflict({ target, changed_paths: paths, later_changes: later, reason }: RevertConflict): string {
  const state = reason ?? (paths.length > 0 ? `changed since (${paths.join(", ")})` : "is as the change left it");
  // A conflict that names its own way out, or none the journal has (a slug an exercise holds).
  if (!later) return `${target} ${state}`;
  // Reverted first, newest first, the later changes leave no conflict; with none, the journal cannot undo what changed it.
  if (later.length === 0) {
    // A revert of a member's change recomputes its family's registry unjournaled: that one is as the members are.
    if (target.startsWith(`${CATALOG_COLLECTIONS.families}/`))
      return (
        `${target} ${state}, and no later change of the journal is in effect on it: a revert of one of its members' changes ` +
        `recomputed it from the members as they are now (then nothing is lost by leaving this change), or it was written outside the journal`
      );
    return `${target} ${state}, and no later change of the journal is in effect on it: it was written outside the journal`;
  }
  const named = later.map((change) => `${change.change_id} (job ${change.job_id})`);
  const changes =
    later.length === 1 ? `later change ${named[0]} is` : `later changes ${shortList(named, LATER_CHANGES_NAMED)}, newest first, are`;
  return `${target} ${state}, and ${changes} in effect on it: revert ${later.length === 1 ? "it" : "them"} first (last applied, first reverted)`;
}

/**
 * The change's job has not ended (queued, running, deferred): it may still apply, or resume, the
 * plan the change belongs to, and would build on the reverted documents or write the change again.
 */
export class ChangeJobOpenError extends Error {
  readonly code = "JOB_STILL_OPEN";
  readonly transient = false;
  constructor(
    readonly changeId: string,
    readonly jobId: string,
    readonly jobStatus: JobStatus,
  ) {
    super(`change ${changeId} cannot be reverted yet: job ${jobId} is still applying its plan (it is ${jobStatus}); revert after it ends`);
    this.name = "ChangeJobOpenError";
  }
}

export interface RevertResult {
  change_id: string;
  /** The job that made the change. */
  job_id: string;
  status: "reverted" | "already_reverted";
  targets: string[];
}

/**
 * Restores the before values of a journal entry in one transaction. Refused with
 * `ChangeJobOpenError` while the change's job is open (a job whose document is gone has ended),
 * and with `ChangeConflictError` if any document differs from the entry's after in a field other
 * than `updated_at`, or while a later applied change of one of its documents is in effect (revert
 * that first). Restored documents get a new `updated_at` (clients that sync by it must see the
 * revert). The registry entries of the families whose members the revert moves, retires, revives,
 * re-equips or renames are recomputed from their members. The entry is marked reverted; the operation's
 * idempotency record is kept, so a retry of the job skips that operation while the record lasts (a
 * new job may make the same change). Reverting twice is a no-op, answered `already_reverted` (but by
 * the call that reverted it, run again by the Firestore client after its commit landed, its reply lost).
 */
export async function revertChange(
  db: Firestore,
  changeId: string,
  options: { now?: () => Date; revertedBy?: string } = {},
): Promise<RevertResult> {
  // Fixed before the first run, so a run again after a commit that landed (its reply lost) knows the revert for its own.
  const revertedAt = options.now?.() ?? new Date();
  const stamp = Timestamp.fromDate(revertedAt);
  const revertedBy = options.revertedBy ?? null;
  return runRecallingLastAnswer(db, async (tx, lastAnswer: RevertResult | undefined) => {
    const entry = await tx.get(db.collection(APPLY_COLLECTIONS.changes).doc(changeId));
    if (!entry.exists) throw new ChangeNotFoundError(changeId);
    const documents = entry.get("documents") as JournalDocument[];
    const targets = documents.map((doc) => documentPath(doc.collection, doc.id));
    const jobId = entry.get("job_id") as string;
    if ((entry.get("status") as ChangeStatus) === "reverted") {
      // This call's revert, its commit landed and its reply lost: the entry bears its stamp and reverter.
      const own =
        lastAnswer?.status === "reverted" && isStoredTime(entry.get("reverted_at"), revertedAt) && entry.get("reverted_by") === revertedBy;
      return { change_id: changeId, job_id: jobId, status: own ? "reverted" : "already_reverted", targets };
    }

    // Read in the transaction: an operator's retry that reopens the job meanwhile makes the revert run again and refuse.
    refuseWhileJobOpen(await tx.get(db.collection(JOB_COLLECTIONS.jobs).doc(jobId)), changeId);
    const conflicts = await revertConflicts(tx, db, entry, NONE_REVERTED_FIRST);
    if (conflicts.length > 0) throw new ChangeConflictError(changeId, conflicts);
    const registries = await registriesAfterRevert(tx, db, documents);
    const refs = documents.map((doc) => db.collection(doc.collection).doc(doc.id));

    documents.forEach((doc, i) => {
      if (doc.before === null) tx.delete(refs[i]);
      else tx.set(refs[i], { ...doc.before, updated_at: stamp });
    });
    // Not journaled: a registry is derived from its members, which the revert restores. The job's own
    // update_family_registry changes come after this one and are reverted first (last applied, first
    // reverted); one reverted after finds the registry changed since and is refused, as any document
    // would be, with nothing lost: the registry already agrees with its members.
    registries.forEach((registry, family) =>
      tx.set(db.collection(CATALOG_COLLECTIONS.families).doc(family), { ...registry, updated_at: stamp }),
    );
    tx.update(entry.ref, { status: "reverted" satisfies ChangeStatus, reverted_at: stamp, reverted_by: revertedBy });
    return { change_id: changeId, job_id: jobId, status: "reverted" as const, targets };
  });
}

/** What `revertJob` did: the job's changes it reverted, newest first. */
export interface JobRevertResult {
  job_id: string;
  reverted: RevertResult[];
  /** How many of the job's changes were reverted before (one by one, or by a revert of the job stopped part-way). */
  already_reverted: number;
}

/** How many of a job's blocked changes a refusal names; the rest are counted. */
const BLOCKED_CHANGES_NAMED = 3;

/**
 * Reverting a job would be refused at some of its changes (`blocked`, newest first, each refused as its own
 * revert would refuse it once the job's later changes are reverted), so none of them was reverted.
 */
export class JobRevertConflictError extends Error {
  readonly code = "CHANGE_CONFLICT";
  readonly transient = false;
  constructor(
    readonly jobId: string,
    readonly blocked: ChangeConflictError[],
  ) {
    const refusals = shortList(
      blocked.map((refusal) => refusal.message),
      BLOCKED_CHANGES_NAMED,
      { separator: "; ", others: "more of its changes" },
    );
    super(`job ${jobId} cannot be reverted, nothing was: ${refusals}`);
    this.name = "JobRevertConflictError";
  }
}

/**
 * A job's revert refused part-way, though the check before it found nothing in the way: a change landed
 * in between, or what the check cannot foresee stood in the way. The changes `reverted` (newest first)
 * stay reverted, those `left` applied: run again once the way is clear, the job's revert goes on with them.
 */
export class JobRevertStoppedError extends Error {
  readonly code = "JOB_REVERT_STOPPED";
  readonly transient = false;
  constructor(
    readonly jobId: string,
    readonly reverted: RevertResult[],
    readonly left: string[],
    readonly refusal: unknown,
  ) {
    const why = refusal instanceof Error ? refusal.message : String(refusal);
    super(
      `job ${jobId}'s revert stopped with ${reverted.length} of its changes reverted (${reverted.map((result) => result.change_id).join(", ") || "none"}) ` +
        `and ${left.length} left (${left.join(", ")}): ${why}; revert the job again to go on with those left`,
    );
    this.name = "JobRevertStoppedError";
  }
}

/**
 * Reverts every applied change of job `jobId`, newest first (last applied, first reverted), each with
 * `revertChange`, in a transaction of its own. First, in one read-only transaction, each is judged as its
 * revert will judge it once the job's later changes are reverted (`RevertedFirst`), and nothing is
 * reverted while the job is open (`ChangeJobOpenError`, naming its newest change) or any of them would be
 * refused (`JobRevertConflictError`, naming for each what stands in its way: the later changes of other jobs,
 * or a write outside the journal). A revert refused anyway (a change landing in between, or what the check
 * cannot foresee: a registry a revert recomputes, a slug only a revert frees) stops there
 * (`JobRevertStoppedError`: what was reverted, what is left); run again, it goes on with what is left.
 * `JobNotFoundError` when neither the job's record nor a change of it is left.
 */
export async function revertJob(
  db: Firestore,
  jobId: string,
  options: { now?: () => Date; revertedBy?: string; onReverted?: (result: RevertResult) => void | Promise<void> } = {},
): Promise<JobRevertResult> {
  const { applied, alreadyReverted } = await db.runTransaction(
    async (tx) => {
      const entries = (await tx.get(db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", jobId))).docs;
      const job = await tx.get(db.collection(JOB_COLLECTIONS.jobs).doc(jobId));
      if (entries.length === 0 && !job.exists) throw new JobNotFoundError(jobId);
      const inEffect = entries
        .filter((change) => change.get("status") === ("applied" satisfies ChangeStatus))
        .sort((a, b) => compareApplied(b, a));
      if (inEffect.length > 0) refuseWhileJobOpen(job, inEffect[0].id);
      const blocked: ChangeConflictError[] = [];
      for (const [i, change] of inEffect.entries()) {
        const conflicts = await revertConflicts(tx, db, change, new Set(inEffect.slice(0, i).map((later) => later.id)));
        if (conflicts.length > 0) blocked.push(new ChangeConflictError(change.id, conflicts));
      }
      if (blocked.length > 0) throw new JobRevertConflictError(jobId, blocked);
      return { applied: inEffect.map((change) => change.id), alreadyReverted: entries.length - inEffect.length };
    },
    { readOnly: true },
  );
  const reverted: RevertResult[] = [];
  for (const [i, changeId] of applied.entries()) {
    const result = await revertChange(db, changeId, { now: options.now, revertedBy: options.revertedBy }).catch((err: unknown) => {
      throw new JobRevertStoppedError(jobId, reverted, applied.slice(i), err);
    });
    reverted.push(result);
    await options.onReverted?.(result);
  }
  return { job_id: jobId, reverted, already_reverted: alreadyReverted };
}

/** Refuses (`ChangeJobOpenError`, naming `changeId`) while `job`, read in the transaction, has not ended; a job whose document is gone has. */
function refuseWhileJobOpen(job: DocumentSnapshot, changeId: string): void {
  const jobStatus = job.get("status") as JobStatus | undefined;
  if (jobStatus && isOpenStatus(jobStatus)) throw new ChangeJobOpenError(changeId, job.id, jobStatus);
}

/**
 * The changes reverted before the one judged, by id: its job's later changes, when the whole job is reverted
 * newest first (`revertJob`); none for a change reverted on its own. The documents they wrote are judged as
 * their reverts will leave them, and a conflict only they make is none.
 */
type RevertedFirst = ReadonlySet<string>;

const NONE_REVERTED_FIRST: RevertedFirst = new Set();

/**
 * Inside `tx`: what stands in the way of reverting `entry` once the changes `first` are reverted: its documents
 * changed since; else a slug it would give back twice, an alias it would give back pointing at nothing live, or
 * what a later change built on what it takes away. None: the revert may go ahead.
 */
async function revertConflicts(tx: Transaction, db: Firestore, entry: DocumentSnapshot, first: RevertedFirst): Promise<RevertConflict[]> {
  const documents = entry.get("documents") as JournalDocument[];
  const changed = await documentsChangedSince(tx, db, entry, documents, first);
  if (changed.length > 0) return changed;
  return [
    ...(await slugsTakenSince(tx, db, entry, documents, first)),
    ...(await aliasTargetsGoneSince(tx, db, entry, documents, first)),
    ...(await dependentsLeftBehind(tx, db, entry, documents, first)),
  ];
}

/**
 * Inside `tx`: the documents of `entry` that differ from its after (a field other than `updated_at`, or whether it
 * exists), or on which a later change is in effect, once the changes `first` are reverted.
 */
async function documentsChangedSince(
  tx: Transaction,
  db: Firestore,
  entry: DocumentSnapshot,
  documents: readonly JournalDocument[],
  first: RevertedFirst,
): Promise<RevertConflict[]> {
  const refs = documents.map((doc) => db.collection(doc.collection).doc(doc.id));
  const current = refs.length > 0 ? await tx.getAll(...refs) : [];
  const conflicts: RevertConflict[] = [];
  for (const [i, doc] of documents.entries()) {
    const target = documentPath(doc.collection, doc.id);
    const later = await changesInEffectAfter(tx, db, entry, target);
    const restored = restoredFirst(later, first, target);
    const stored = restored ? restored.before : current[i].exists ? (current[i].data() as DocData) : null;
    // Not `updated_at`: reverting a later change of the document first stamps it anew.
    const changed = changedPaths(doc.after, stored, ["updated_at"]);
    const unchanged = (stored === null) === (doc.after === null) && changed.length === 0;
    // Even a document that looks as the change left it (a later change wrote the same values again):
    // reverting this change would undo that one too, unseen.
    const inEffect = laterChanges(later, first);
    if (unchanged && inEffect.length === 0) continue;
    conflicts.push({ target, changed_paths: changed, later_changes: inEffect });
  }
  return conflicts;
}

/**
 * Of `changes` of document `target` (in effect after the change judged, newest first), the oldest of those reverted
 * first: its entry for `target`, whose before is the document as they leave it; undefined when none of them is.
 */
function restoredFirst(changes: readonly DocumentSnapshot[], first: RevertedFirst, target: string): JournalDocument | undefined {
  return journalDocumentOf(changes.filter((change) => first.has(change.id)).at(-1), target);
}

/** `change`'s journal entry for document `target`; undefined without a change, or when it did not write `target`. */
function journalDocumentOf(change: DocumentSnapshot | undefined, target: string): JournalDocument | undefined {
  return (change?.get("documents") as JournalDocument[] | undefined)?.find((doc) => documentPath(doc.collection, doc.id) === target);
}

/**
 * Inside `tx`: catalog document `id` of `collection` as the revert of `entry` finds it once the changes `first` are
 * reverted: `stored` (as read now), or as the oldest of them on it found it.
 */
async function atRevertOf(
  tx: Transaction,
  db: Firestore,
  entry: DocumentSnapshot,
  first: RevertedFirst,
  collection: CatalogCollection,
  id: string,
  stored: DocData | null,
): Promise<DocData | null> {
  if (first.size === 0) return stored;
  const target = documentPath(collection, id);
  const restored = restoredFirst(await changesInEffectAfter(tx, db, entry, target), first, target);
  return restored ? restored.before : stored;
}

/**
 * Inside `tx`: whether alias `target`, as the revert of `entry` finds it (`alias`), is as `entry`'s own job found it:
 * given back by the revert of the job's later changes on it (those reverted `first`, or reverted already), and not
 * changed since. It stood beside the name before the job (one that only shadowed the name, which a rename took
 * over): reverted whole, the job gives both back as they were.
 */
async function asItsJobFoundIt(
  tx: Transaction,
  db: Firestore,
  entry: DocumentSnapshot,
  first: RevertedFirst,
  target: string,
  alias: Readonly<DocData>,
): Promise<boolean> {
  const givenBack = (change: DocumentSnapshot) => first.has(change.id) || change.get("status") === ("reverted" satisfies ChangeStatus);
  const oldest = (await journalOf(tx, db, target))
    .filter((change) => change.id !== entry.id && change.get("job_id") === entry.get("job_id") && compareApplied(change, entry) > 0)
    .filter(givenBack)
    .sort(compareApplied)[0];
  const found = journalDocumentOf(oldest, target);
  return found?.before != null && changedPaths(found.before, alias, ["updated_at"]).length === 0;
}

/**
 * Inside `tx`: the applied (not reverted) changes of document `target` made after `entry`, newest first
 * (by applied_at, then by which entry was written first): the order to revert them in.
 */
async function changesInEffectAfter(
  tx: Transaction,
  db: Firestore,
  entry: DocumentSnapshot,
  target: string,
): Promise<QueryDocumentSnapshot[]> {
  return (await journalOf(tx, db, target)).filter((change) => inEffectAfter(change, entry)).sort((a, b) => compareApplied(b, a));
}

/**
 * Inside `tx`: the later changes in effect on document `target` but for those reverted `first`, newest first, as a
 * conflict names them: the ones to revert first.
 */
async function laterChangesOn(
  tx: Transaction,
  db: Firestore,
  entry: DocumentSnapshot,
  target: string,
  first: RevertedFirst,
): Promise<LaterChange[]> {
  return laterChanges(await changesInEffectAfter(tx, db, entry, target), first);
}

/** `changes` (newest first) but for those reverted `first`, as a conflict names them. */
function laterChanges(changes: readonly DocumentSnapshot[], first: RevertedFirst): LaterChange[] {
  return changes
    .filter((change) => !first.has(change.id))
    .map((change) => ({ change_id: change.id, job_id: change.get("job_id") as string }));
}

/** Inside `tx`: every journal entry of document `target`. */
async function journalOf(tx: Transaction, db: Firestore, target: string): Promise<QueryDocumentSnapshot[]> {
  return (await tx.get(db.collection(APPLY_COLLECTIONS.changes).where("targets", "array-contains", target))).docs;
}

/** Whether `change` is applied (not reverted) and was made after `entry` (by applied_at, then by which entry was written first). */
function inEffectAfter(change: DocumentSnapshot, entry: DocumentSnapshot): boolean {
  return change.id !== entry.id && change.get("status") === ("applied" satisfies ChangeStatus) && compareApplied(change, entry) > 0;
}

/** Journal entries in the order they were applied: by applied_at, then by which entry was written first. */
function compareApplied(a: DocumentSnapshot, b: DocumentSnapshot): number {
  const order = (doc: DocumentSnapshot) => [(doc.get("applied_at") as Timestamp).toMillis(), doc.createTime?.toMillis() ?? 0];
  const [[at, created], [otherAt, otherCreated]] = [order(a), order(b)];
  return at - otherAt || created - otherCreated;
}

/**
 * Inside `tx`: a change that left document `target` as it is since `entry` was applied: one in effect made
 * after it (but for those reverted `first`), or one reverted after it (the revert changed the document);
 * undefined when none did.
 */
async function changedSince(
  tx: Transaction,
  db: Firestore,
  entry: DocumentSnapshot,
  target: string,
  first: RevertedFirst,
): Promise<QueryDocumentSnapshot | undefined> {
  const appliedAt = (entry.get("applied_at") as Timestamp).toMillis();
  const revertedAfter = (change: DocumentSnapshot) => {
    const revertedAt = change.get("reverted_at") as Timestamp | null | undefined;
    return change.get("status") === ("reverted" satisfies ChangeStatus) && revertedAt != null && revertedAt.toMillis() > appliedAt;
  };
  return (await journalOf(tx, db, target)).find(
    (change) => !first.has(change.id) && (inEffectAfter(change, entry) || revertedAfter(change)),
  );
}

/**
 * Inside `tx`: the slugs the revert gives back that are taken since (once the changes `first` are reverted).
 * A name slug given back to an exercise, held by another exercise or by an alias (a rename's old slug kept
 * as an alias is one: its change, named, is reverted first); an alias given back (its deletion reverted),
 * whose slug another live exercise took as its name (`aliasShadowIssue`).
 */
async function slugsTakenSince(
  tx: Transaction,
  db: Firestore,
  entry: DocumentSnapshot,
  documents: readonly JournalDocument[],
  first: RevertedFirst,
): Promise<RevertConflict[]> {
  const restoring = documents.map(({ collection, id, before, after }) => ({ collection, id, before: after, after: before }));
  const reverted = new Set(documents.filter((doc) => doc.collection === CATALOG_COLLECTIONS.exercises).map((doc) => doc.id));
  const conflicts: RevertConflict[] = [];
  const holdersOf = async (slug: string) => exercisesAtRevertOf(tx, db, entry, first, await readNameHolders(tx, db, slug, reverted));
  for (const slug of nameSlugsGiven(restoring)) {
    for (const [holder, exercise] of (await holdersOf(slug)).exercises()) {
      if (exercise.name_slug !== slug) continue;
      conflicts.push({
        target: documentPath(CATALOG_COLLECTIONS.exercises, holder),
        changed_paths: ["name_slug"],
        reason: `holds the name slug "${slug}" the revert would give back`,
      });
    }
    // A slug that cannot be an alias's id (hand-edited) is held by no alias.
    const stored = await readCatalogDocument(tx, db, CATALOG_COLLECTIONS.aliases, slug);
    const alias = await atRevertOf(tx, db, entry, first, CATALOG_COLLECTIONS.aliases, slug, stored);
    const target = documentPath(CATALOG_COLLECTIONS.aliases, slug);
    if (!alias || (await asItsJobFoundIt(tx, db, entry, first, target, alias))) continue;
    conflicts.push({
      target,
      changed_paths: [],
      reason: `names the slug the revert would give back (${describeAlias(slug, alias)})`,
      later_changes: await laterChangesOn(tx, db, entry, target, first),
    });
  }
  for (const { collection, id, before, after } of restoring) {
    if (collection !== CATALOG_COLLECTIONS.aliases || before !== null || after === null) continue;
    for (const holder of shadowedExercises(id, after, await holdersOf(id))) {
      conflicts.push({
        target: documentPath(CATALOG_COLLECTIONS.exercises, holder),
        changed_paths: ["name_slug"],
        reason: `holds the slug "${id}" as its name; the alias the revert would give back would shadow it`,
      });
    }
  }
  return conflicts;
}

/** Inside `tx`: the exercises of `state` as the revert of `entry` finds them once the changes `first` are reverted. */
async function exercisesAtRevertOf(
  tx: Transaction,
  db: Firestore,
  entry: DocumentSnapshot,
  first: RevertedFirst,
  state: CatalogState,
): Promise<CatalogState> {
  const exercises = new Map<string, DocData>();
  for (const [id, stored] of state.exercises()) {
    const exercise = await atRevertOf(tx, db, entry, first, CATALOG_COLLECTIONS.exercises, id, stored);
    if (exercise) exercises.set(id, exercise);
  }
  return new CatalogState({ exercises, aliases: new Map(), families: new Map() });
}

/**
 * Inside `tx`: the aliases the revert gives back (a deletion or a repoint reverted) whose exercise or
 * family is missing or retired since (`aliasTargetIssue`, as the validator names it), by a change other
 * than those reverted `first`: given back, they would lead to nothing live.
 */
async function aliasTargetsGoneSince(
  tx: Transaction,
  db: Firestore,
  entry: DocumentSnapshot,
  documents: readonly JournalDocument[],
  first: RevertedFirst,
): Promise<RevertConflict[]> {
  const conflicts: RevertConflict[] = [];
  for (const { collection, id, before, after } of documents) {
    if (collection !== CATALOG_COLLECTIONS.aliases || before === null) continue;
    // The target the alias keeps is no more gone for the revert than it is now.
    if (after !== null && before.exercise_id === after.exercise_id && before.family_slug === after.family_slug) continue;
    const gone = aliasTargetIssue(before, await readAliasTarget(tx, db, before));
    if (!gone) continue;
    // Retired or deleted before the alias changed (a merge whose aliases its job then repointed): the revert gives
    // back a state the journal went through, and reverting the job newest first reverts that retirement next.
    const targetPath =
      typeof before.exercise_id === "string"
        ? documentPath(CATALOG_COLLECTIONS.exercises, before.exercise_id)
        : documentPath(CATALOG_COLLECTIONS.families, String(before.family_slug));
    const since = await changedSince(tx, db, entry, targetPath, first);
    if (!since) continue;
    conflicts.push({
      target: documentPath(CATALOG_COLLECTIONS.aliases, id),
      changed_paths: [gone.path],
      reason: `would be given back pointing at nothing live: ${gone.message} (${gone.code}), since change ${since.id}: revert it first`,
    });
  }
  return conflicts;
}

/**
 * Inside `tx`: what a later change built on a document the revert would take away, and the revert
 * would leave pointing at nothing: an exercise merged into, or an alias of, an exercise the revert
 * deletes or retires, or an alias of a family whose entry it deletes (that later change, named, is
 * reverted first); and an exercise the revert moves back into, or brings back to life in, a family
 * retired since (the family's merge is reverted first).
 */
async function dependentsLeftBehind(
  tx: Transaction,
  db: Firestore,
  entry: DocumentSnapshot,
  documents: readonly JournalDocument[],
  first: RevertedFirst,
): Promise<RevertConflict[]> {
  const inRevert = new Set(documents.map(({ collection, id }) => documentPath(collection, id)));
  const exercises = db.collection(CATALOG_COLLECTIONS.exercises);
  const aliases = db.collection(CATALOG_COLLECTIONS.aliases);
  const conflicts: RevertConflict[] = [];
  for (const { collection, id, before, after } of documents) {
    if (collection !== CATALOG_COLLECTIONS.exercises || after === null) continue;
    if (isLiveExercise(after) && !(before && isLiveExercise(before))) {
      const gone = before === null ? "delete" : "retire";
      const [merged, pointing] = await Promise.all([
        tx.get(exercises.where("merged_into", "==", id).limit(10)),
        tx.get(aliases.where("exercise_id", "==", id).limit(10)),
      ]);
      const mergedReason = `is merged into exercise ${id}, which the revert would ${gone}`;
      const aliasReason = `points at exercise ${id}, which the revert would ${gone}`;
      conflicts.push(
        ...(await leftBehind(tx, db, entry, first, merged, CATALOG_COLLECTIONS.exercises, "merged_into", inRevert, mergedReason)),
        ...(await leftBehind(tx, db, entry, first, pointing, CATALOG_COLLECTIONS.aliases, "exercise_id", inRevert, aliasReason)),
      );
    }
    const family = before?.family_slug;
    // The revert makes the exercise a live member of `family` again: moved back, or restored where it stayed retired.
    const movesBack = typeof family === "string" && family !== after.family_slug;
    const revives = typeof family === "string" && family === after.family_slug && !isLiveExercise(after);
    if (typeof family === "string" && (movesBack || revives) && before && isLiveExercise(before)) {
      const registry = await readCatalogDocument(tx, db, CATALOG_COLLECTIONS.families, family);
      // Merged since the change, not before it (a merge may take in a family retired before). A deprecated
      // family only has no live member: the registry the revert recomputes makes it active again.
      const merge = registry?.status === "merged" ? await mergeSince(tx, db, entry, family, first) : undefined;
      if (merge)
        conflicts.push({
          target: documentPath(CATALOG_COLLECTIONS.families, family),
          changed_paths: ["status"],
          reason: `is merged since (change ${merge.id}); the revert would ${movesBack ? "move" : "bring"} exercise ${id} back into it: revert the family's retirement first`,
        });
    }
  }
  conflicts.push(...(await familyAliasesLeftBehind(tx, db, entry, documents, inRevert, first)));
  return conflicts;
}

/**
 * Inside `tx`: the change in effect, made after `entry` and not reverted `first`, that merged `family`'s registry
 * entry (from any other status, or none). Any write moves the entry's update time (a job's refresh keeping a
 * merged family merged, a revert's recompute): the journal tells when its status became merged.
 */
async function mergeSince(
  tx: Transaction,
  db: Firestore,
  entry: DocumentSnapshot,
  family: string,
  first: RevertedFirst,
): Promise<QueryDocumentSnapshot | undefined> {
  const target = documentPath(CATALOG_COLLECTIONS.families, family);
  const merges = (doc: JournalDocument) =>
    documentPath(doc.collection, doc.id) === target && doc.before?.status !== "merged" && doc.after?.status === "merged";
  return (await changesInEffectAfter(tx, db, entry, target)).find(
    (change) => !first.has(change.id) && (change.get("documents") as JournalDocument[]).some(merges),
  );
}

/**
 * Inside `tx`: the family aliases the revert would leave pointing at nothing: at a family whose entry
 * it deletes or whose live exercises it deletes, retires or moves out, left with neither an entry (as
 * the changes `first`, reverted, leave it) nor a live member.
 */
async function familyAliasesLeftBehind(
  tx: Transaction,
  db: Firestore,
  entry: DocumentSnapshot,
  documents: readonly JournalDocument[],
  inRevert: ReadonlySet<string>,
  first: RevertedFirst,
): Promise<RevertConflict[]> {
  const families = new Set<string>();
  for (const { collection, id, before, after } of documents) {
    if (collection === CATALOG_COLLECTIONS.families && before === null && after !== null) families.add(id);
    // A live exercise that the revert deletes, retires, or moves back out of the family it was moved into.
    const stays = before && isLiveExercise(before) && before.family_slug === after?.family_slug;
    const leaves = collection === CATALOG_COLLECTIONS.exercises && after && isLiveExercise(after) && !stays;
    if (leaves && typeof after.family_slug === "string") families.add(after.family_slug);
  }
  const conflicts: RevertConflict[] = [];
  for (const family of families) {
    const registry = documents.find(({ collection, id }) => collection === CATALOG_COLLECTIONS.families && id === family);
    const stored = async () => {
      const read = await readCatalogDocument(tx, db, CATALOG_COLLECTIONS.families, family);
      return atRevertOf(tx, db, entry, first, CATALOG_COLLECTIONS.families, family, read);
    };
    const keepsEntry = registry ? registry.before !== null : (await stored()) !== null;
    if (keepsEntry || (await membersAfterRevert(tx, db, family, restoredExercises(documents))).some(({ data }) => isLiveExercise(data)))
      continue;
    const pointing = await tx.get(db.collection(CATALOG_COLLECTIONS.aliases).where("family_slug", "==", family).limit(10));
    const reason = `points at family ${family}, which the revert would leave with neither an entry nor a live exercise`;
    conflicts.push(...(await leftBehind(tx, db, entry, first, pointing, CATALOG_COLLECTIONS.aliases, "family_slug", inRevert, reason)));
  }
  return conflicts;
}

/**
 * Inside `tx`: a conflict for each of `found` (in `collection`, built on what the revert takes away at `path`) that the
 * revert does not restore itself, nor the changes `first`, reverted, take off it, naming the later changes in effect on
 * it: reverted first, they clear the way.
 */
async function leftBehind(
  tx: Transaction,
  db: Firestore,
  entry: DocumentSnapshot,
  first: RevertedFirst,
  found: QuerySnapshot,
  collection: CatalogCollection,
  path: string,
  inRevert: ReadonlySet<string>,
  reason: string,
): Promise<RevertConflict[]> {
  const conflicts: RevertConflict[] = [];
  for (const doc of found.docs) {
    const target = documentPath(collection, doc.id);
    if (inRevert.has(target)) continue;
    const atRevert = await atRevertOf(tx, db, entry, first, collection, doc.id, doc.data());
    if (atRevert?.[path] !== doc.get(path)) continue;
    conflicts.push({ target, changed_paths: [path], reason, later_changes: await laterChangesOn(tx, db, entry, target, first) });
  }
  return conflicts;
}

/** The exercises of the revert, by id, as it leaves them (null: deleted). */
function restoredExercises(documents: readonly JournalDocument[]): Map<string, DocData | null> {
  return new Map(documents.filter(({ collection }) => collection === CATALOG_COLLECTIONS.exercises).map(({ id, before }) => [id, before]));
}

/** Inside `tx`: the members of `family` once the revert leaves its exercises as `restored` says. */
async function membersAfterRevert(
  tx: Transaction,
  db: Firestore,
  family: string,
  restored: ReadonlyMap<string, DocData | null>,
): Promise<CatalogDoc[]> {
  return [
    ...(await loadFamilyExercises(db, family, { read: transactionQueryReader(tx) })).filter((member) => !restored.has(member.id)),
    ...[...restored].flatMap(([id, data]) => (data?.family_slug === family ? [{ id, data }] : [])),
  ];
}

/** What of an exercise its family's registry entry is computed from; null: in no family. */
function registryInputs(exercise: DocData | null): unknown[] | null {
  if (typeof exercise?.family_slug !== "string") return null;
  return [exercise.family_slug, isLiveExercise(exercise), normalizedEquipment(exercise), exercise.name];
}

/**
 * Inside `tx`: the registry entries the revert changes, by family: those of the families an exercise
 * of the revert leaves or joins, or changes in status, equipment or name, recomputed from their
 * members as the revert leaves them (as update_family_registry computes them; a merged family stays
 * merged). A family without an entry gets none (the entry's own change, reverted first, may have
 * deleted it).
 */
async function registriesAfterRevert(tx: Transaction, db: Firestore, documents: readonly JournalDocument[]): Promise<Map<string, DocData>> {
  const restored = restoredExercises(documents);
  const families = new Set<string>();
  for (const { collection, before, after } of documents) {
    if (collection !== CATALOG_COLLECTIONS.exercises) continue;
    if (sameValue(registryInputs(before), registryInputs(after))) continue;
    for (const doc of [before, after]) if (typeof doc?.family_slug === "string") families.add(doc.family_slug);
  }
  const registries = new Map<string, DocData>();
  for (const family of families) {
    const stored = await readCatalogDocument(tx, db, CATALOG_COLLECTIONS.families, family);
    if (!stored) continue;
    const registry = expectedRegistry(family, await membersAfterRevert(tx, db, family, restored), stored);
    if (changedPaths(stored, registry, ["updated_at"]).length > 0) registries.set(family, registry);
  }
  return registries;
}

/**
 * The reverted changes of `jobId`: change id by operation id, and by idempotency key for entries
 * written before they named their operation (an operation without a key, a registry refresh, is
 * found by its id only).
 */
export async function revertedChangesOf(db: Firestore, jobId: string): Promise<Map<string, string>> {
  const reverted = await db
    .collection(APPLY_COLLECTIONS.changes)
    .where("job_id", "==", jobId)
    .where("status", "==", "reverted" satisfies ChangeStatus)
    .select("idempotency_key", "operation_id")
    .get();
  return new Map(
    reverted.docs.flatMap((change) =>
      [change.get("operation_id") as unknown, change.get("idempotency_key") as unknown].flatMap((id) =>
        typeof id === "string" ? [[id, change.id] as const] : [],
      ),
    ),
  );
}

/** Ids of the exercises earlier attempts of `jobId` created, from the change journal. */
export async function exercisesCreatedByJob(db: Firestore, jobId: string): Promise<string[]> {
  const changes = await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", jobId).get();
  return changes.docs
    .filter((change) => change.get("op") === "create_exercise" && change.get("status") === "applied")
    .map((change) => String(change.get("operation.exercise_id")));
}
