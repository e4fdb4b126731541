/**
 * The engine's crash-safety invariants, checked over everything it left in Firestore. Used by
 * `npm run chaos` (after SIGKILLs of the engine processes) and by the test that proves each check
 * reports what it should. Reads whole collections: meant for an emulator holding one run.
 *
 * - final_status: every job is in a final status and no worker holds it.
 * - job_lost: every job id the client wrote still exists.
 * - operation_applied_twice: one journal entry per idempotency key, and the key's record names
 *   that entry (an operation re-applied under the same key would leave two entries or a record
 *   pointing elsewhere).
 * - catalog_unjournaled: every catalog document is as its newest applied journal entry left it (by
 *   `applied_at`; a reverted entry restored its before), and one no entry names is as seeded: a
 *   write that bypassed the journal, or a lost one, shows as a document that differs. `updated_at`
 *   is not compared (a revert stamps it anew), nor a family registry a revert recomputed (derived
 *   from its members, it is not journaled; it carries the revert's stamp).
 * - plan_incomplete: a job freezes one plan, its attempts resume it (only an operator's retry,
 *   `requeued_at`, may plan again). A succeeded job names the plan it froze, and that plan is applied
 *   in full: every operation has a journal entry naming it (`operation_id`, keyed or not), unless its
 *   last attempt found it unchanged (a no_change, or already in effect). So a rename applied without
 *   the alias of its old slug, or without its family registry's update, is reported. A cancelled job
 *   applied no operation of any plan.
 * - stale_epoch_write: every journal entry and frozen plan was written (a plan last written: it is
 *   set at a fixed id) at an epoch the job held, before that attempt ended (its attempt document,
 *   written as it ends, by its worker or by the watchdog's recovery, is younger): a worker fenced
 *   out writes nothing. An operator's retry that resumes a plan re-dates it: none in these runs.
 * - history_incomplete: one run summary per attempt document and back, no attempt left `running`,
 *   and a final job's last lease is closed.
 * - daily_totals: the day's counters equal the sums over that day's run summaries.
 * - lock_of_final_job: no lock is held by a job that is final (check after a watchdog run that
 *   came after the locks' expiry); and with `locksLeft`, none was left held by one when the
 *   processes stopped, unless a kill explains it (see `KILL_EXPLAINS_LOCK_MS`).
 * - dedup_overlap: no two jobs of one dedup key ran at the same time (from the first lease of one to
 *   its final status); a job intake refused as DUPLICATE_JOB never ran (has no attempt).
 */
import { type DocumentData, type Firestore, type QueryDocumentSnapshot, type Timestamp } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import type { Operation } from "../../src/apply/plan";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { type JobStatus, isFinalStatus } from "../../src/jobs/lifecycle";
import { type DAILY_COUNTERS, dayKey } from "../../src/jobs/run-history";
import { changedPaths } from "../../src/util/document-diff";

const INVARIANTS = [
  "final_status",
  "job_lost",
  "operation_applied_twice",
  "catalog_unjournaled",
  "plan_incomplete",
  "stale_epoch_write",
  "history_incomplete",
  "daily_totals",
  "lock_of_final_job",
  "dedup_overlap",
] as const;
export type Invariant = (typeof INVARIANTS)[number];

export interface InvariantReport {
  jobs: number;
  /** Each invariant with a line per violation (empty when it holds). */
  violations: Record<Invariant, string[]>;
  total: number;
}

interface JobSnapshot {
  status: JobStatus;
  data: DocumentData;
}

/** The counters of a day that the run summaries determine. */
const SUMMED_COUNTERS: readonly (typeof DAILY_COUNTERS)[number][] = ["runs", "changes", "llm_calls"];

/**
 * A worker releases its job's locks right after the write that ends its attempt; a process killed
 * in between cannot, and its locks wait for their expiry and the watchdog. So a lock left held by a
 * final job is explained by a kill at most this long after its holder's attempt ended (or a second
 * before: the end's write was in flight); any other was left by a process that lived on.
 */
const KILL_EXPLAINS_LOCK_MS = 5_000;

/** The catalog's documents by path (`exercises/…`). */
export type CatalogSnapshot = ReadonlyMap<string, DocumentData>;

/** Every document of the catalog's collections: read right after seeding, what `catalog_unjournaled` holds documents no entry names to. */
export async function catalogSnapshot(db: Firestore): Promise<CatalogSnapshot> {
  const collections = await Promise.all(Object.values(CATALOG_COLLECTIONS).map((collection) => db.collection(collection).get()));
  return new Map(collections.flatMap((snap) => snap.docs.map((doc) => [doc.ref.path, doc.data()] as const)));
}

export interface InvariantOptions {
  expectedJobIds?: Iterable<string>;
  /** The catalog as seeded (`catalogSnapshot`). */
  seed: CatalogSnapshot;
  /**
   * The locks as the engine processes left them, read before the watchdog run that deletes the
   * expired ones, and when the processes were SIGKILLed (epoch ms).
   */
  locksLeft?: { docs: readonly QueryDocumentSnapshot[]; killedAt: readonly number[] };
}

export async function checkInvariants(db: Firestore, options: InvariantOptions): Promise<InvariantReport> {
  const violations = Object.fromEntries(INVARIANTS.map((name) => [name, [] as string[]])) as Record<Invariant, string[]>;
  const report = (name: Invariant, line: string) => violations[name].push(line);

  const [jobDocs, attemptDocs, planDocs, runDocs, shardDocs, changeDocs, recordDocs, lockDocs] = await Promise.all([
    db.collection(JOB_COLLECTIONS.jobs).get(),
    db.collectionGroup(JOB_COLLECTIONS.attempts).get(),
    db.collectionGroup(JOB_COLLECTIONS.plans).get(),
    db.collection(JOB_COLLECTIONS.runSummaries).get(),
    db.collectionGroup(JOB_COLLECTIONS.dailyShards).get(),
    db.collection(APPLY_COLLECTIONS.changes).get(),
    db.collection(APPLY_COLLECTIONS.idempotency).get(),
    db.collection(JOB_COLLECTIONS.locks).get(),
  ]);
  const jobs = new Map<string, JobSnapshot>(
    jobDocs.docs.map((doc) => [doc.id, { status: doc.get("status") as JobStatus, data: doc.data() }]),
  );
  const parentId = (doc: QueryDocumentSnapshot) => doc.ref.parent.parent?.id ?? "";
  const jobAttempts = (doc: QueryDocumentSnapshot) => doc.ref.parent.parent?.parent.id === JOB_COLLECTIONS.jobs;
  const attempts = new Map(attemptDocs.docs.filter(jobAttempts).map((doc) => [`${parentId(doc)}_${doc.id}`, doc.data()]));
  // An attempt's document is written as it ends, by its worker or by the watchdog's recovery: whatever
  // the attempt wrote came before it, and a write after it came from a worker already fenced out.
  const attemptEnded = new Map(attemptDocs.docs.filter(jobAttempts).map((doc) => [`${parentId(doc)}_${doc.id}`, doc.createTime]));
  const staleWrite = (what: string, jobId: string, epoch: number, written: Timestamp): string | null => {
    const ended = attemptEnded.get(`${jobId}_${epoch}`);
    if (!ended) return `${what} written at epoch ${epoch}, which has no attempt`;
    return written.toMillis() > ended.toMillis() ? `${what} written at epoch ${epoch} after that attempt had ended` : null;
  };
  // Keyed as the attempts are (job and epoch): a summary's own id also holds its job's creation time.
  const runs = new Map(runDocs.docs.map((doc) => [`${String(doc.get("job_id"))}_${String(doc.get("lease_epoch"))}`, doc.data()]));

  // dedup_overlap: each key's jobs that ran, by their first lease, must each end before the next begins
  const ranByKey = new Map<string, { id: string; from: number; to: number }[]>();
  for (const attempt of attempts.values()) {
    const job = jobs.get(attempt.job_id as string);
    const key = job?.data.dedup_key as string | undefined;
    if (!job || !key) continue;
    const ran = ranByKey.get(key) ?? [];
    const startedAt = (attempt.started_at as Timestamp).toMillis();
    const known = ran.find((run) => run.id === attempt.job_id);
    if (known) known.from = Math.min(known.from, startedAt);
    else
      ran.push({ id: attempt.job_id as string, from: startedAt, to: (job.data.finished_at as Timestamp | null)?.toMillis() ?? Infinity });
    ranByKey.set(key, ran);
  }
  for (const [key, ran] of ranByKey) {
    ran.sort((a, b) => a.from - b.from);
    for (let i = 1; i < ran.length; i++) {
      if (ran[i].from < ran[i - 1].to)
        report("dedup_overlap", `dedup key "${key}": ${ran[i].id} ran while ${ran[i - 1].id} was still open`);
    }
  }
  // Refused at intake, before any lease: an attempt document means it ran.
  const ranJobs = new Set(attemptDocs.docs.filter(jobAttempts).map(parentId));
  for (const [id, { status, data }] of jobs) {
    if (status === "failed" && (data.error as { code?: string } | null)?.code === "DUPLICATE_JOB" && ranJobs.has(id))
      report("dedup_overlap", `${id} was refused as a duplicate (DUPLICATE_JOB) but has attempts`);
  }

  // final_status, job_lost
  for (const [id, { status, data }] of jobs) {
    if (!isFinalStatus(status)) report("final_status", `${id} is ${status}`);
    else if (data.lease_owner) report("final_status", `${id} is ${status} but leased to ${String(data.lease_owner)}`);
  }
  for (const id of options.expectedJobIds ?? []) if (!jobs.has(id)) report("job_lost", `${id} was written and is gone`);

  // operation_applied_twice
  const entriesByKey = new Map<string, string[]>();
  for (const entry of changeDocs.docs) {
    const key = entry.get("idempotency_key") as string | null;
    if (key) entriesByKey.set(key, [...(entriesByKey.get(key) ?? []), entry.id]);
  }
  const records = new Map(recordDocs.docs.map((doc) => [doc.id, doc.data()]));
  for (const [key, entries] of entriesByKey) {
    const recorded = (records.get(key)?.result as { change_id?: string } | undefined)?.change_id;
    if (entries.length > 1) report("operation_applied_twice", `key ${key} has ${entries.length} journal entries: ${entries.join(", ")}`);
    else if (recorded !== entries[0]) report("operation_applied_twice", `key ${key}: entry ${entries[0]} but the record names ${recorded}`);
  }

  await checkCatalogAgainstJournal(db, changeDocs.docs, options.seed, (line) => report("catalog_unjournaled", line));

  // stale_epoch_write for plans: set at a fixed id, so an overwrite keeps the create time
  const plansByJob = new Map<string, QueryDocumentSnapshot[]>();
  for (const plan of planDocs.docs.filter(jobAttempts)) {
    const jobId = parentId(plan);
    const stalePlan = staleWrite(`plan ${jobId}/${plan.id}`, jobId, plan.get("lease_epoch") as number, plan.updateTime);
    if (stalePlan) report("stale_epoch_write", stalePlan);
    plansByJob.set(jobId, [...(plansByJob.get(jobId) ?? []), plan]);
  }

  // plan_incomplete: operations by the id their entries name (`job/p3/0`: operation 0 of the plan frozen at epoch 3)
  const journaled = new Set(changeDocs.docs.map((entry) => `${String(entry.get("job_id"))}/${String(entry.get("operation_id"))}`));
  for (const [jobId, plans] of plansByJob) {
    const job = jobs.get(jobId);
    const planIds = plans.map((plan) => plan.id).join(", ");
    const retried = job?.data.requeued_at != null;
    if (plans.length > 1 && !retried)
      report("plan_incomplete", `job ${jobId} froze ${plans.length} plans (${planIds}) with no operator's retry: an attempt planned again`);
    const operationsOf = (plan: QueryDocumentSnapshot) => (plan.get("plan") as { operations: Operation[] }).operations;
    // A cancel never leaves half a change: a job that began its plan finishes it, cancel or not.
    for (const plan of plans) {
      const operations = operationsOf(plan);
      const applied = operations.filter((_op, index) => journaled.has(`${jobId}/${plan.id}/${index}`)).length;
      if (job?.status === "cancelled" && applied > 0)
        report("plan_incomplete", `cancelled job ${jobId} applied ${applied} of the ${operations.length} operations of plan ${plan.id}`);
    }
    if (job?.status !== "succeeded") continue;
    const named = plans.find((plan) => plan.id === job.data.plan_id);
    // After an operator's retry the job may have planned again, or ended before freezing a plan.
    if (!named) {
      if (!retried)
        report("plan_incomplete", `succeeded job ${jobId} names plan ${String(job.data.plan_id)}, not the one it froze (${planIds})`);
      continue;
    }
    const lastAttempt = attempts.get(`${jobId}_${String(job.data.lease_epoch)}`);
    const unchanged = new Set(
      ((lastAttempt?.apply_result as { unchanged?: { operation_index: number }[] } | undefined)?.unchanged ?? []).map(
        (op) => op.operation_index,
      ),
    );
    operationsOf(named).forEach((op, index) => {
      if (!unchanged.has(index) && !journaled.has(`${jobId}/${named.id}/${index}`)) {
        report("plan_incomplete", `succeeded job ${jobId}: operation ${index} (${op.op}) of plan ${named.id} was never applied`);
      }
    });
  }

  // stale_epoch_write for catalog changes
  for (const entry of changeDocs.docs) {
    const jobId = entry.get("job_id") as string;
    const epoch = entry.get("lease_epoch") as number;
    const staleChange = staleWrite(`change ${entry.id} of job ${jobId}`, jobId, epoch, entry.createTime);
    if (staleChange) report("stale_epoch_write", staleChange);
  }

  // history_incomplete
  for (const [key, attempt] of attempts) {
    if (!runs.has(key)) report("history_incomplete", `attempt ${key} has no run summary`);
    if (attempt.status === "running") report("history_incomplete", `attempt ${key} is still running`);
  }
  for (const key of runs.keys()) if (!attempts.has(key)) report("history_incomplete", `run summary ${key} has no attempt`);
  for (const [id, { status, data }] of jobs) {
    const epoch = data.lease_epoch as number | undefined;
    if (!isFinalStatus(status) || !epoch) continue;
    // The last lease ended by its worker (attempt at the epoch) or recovered by the watchdog (which moved the epoch on),
    // or there was none since an operator's retry moved the epoch on (and reset attempts; a lease counts one).
    const closedByWorker = attempts.has(`${id}_${epoch}`);
    const recovered = attempts.get(`${id}_${epoch - 1}`)?.status === "lease_expired";
    const notLeasedSinceRetry = data.attempts === 0;
    if (!closedByWorker && !recovered && !notLeasedSinceRetry)
      report("history_incomplete", `final job ${id} has no closed attempt for its last lease (epoch ${epoch})`);
  }

  // daily_totals
  const expectedByDay = new Map<string, Record<string, number>>();
  for (const run of runs.values()) {
    const day = dayKey((run.finished_at as Timestamp).toDate());
    const totals = expectedByDay.get(day) ?? {};
    totals.runs = (totals.runs ?? 0) + 1;
    totals.changes = (totals.changes ?? 0) + Number(run.changes_count);
    totals.llm_calls = (totals.llm_calls ?? 0) + Number((run.llm as { calls: number }).calls);
    const status = `by_status.${String(run.attempt_status)}`;
    totals[status] = (totals[status] ?? 0) + 1;
    expectedByDay.set(day, totals);
  }
  const countedByDay = new Map<string, Record<string, number>>();
  for (const shard of shardDocs.docs) {
    const dayRef = shard.ref.parent.parent;
    if (dayRef?.parent.id !== JOB_COLLECTIONS.dailySummaries) continue;
    const totals = countedByDay.get(dayRef.id) ?? {};
    for (const counter of SUMMED_COUNTERS) totals[counter] = (totals[counter] ?? 0) + Number(shard.get(counter) ?? 0);
    for (const [status, count] of Object.entries((shard.get("by_status") as Record<string, number> | undefined) ?? {})) {
      totals[`by_status.${status}`] = (totals[`by_status.${status}`] ?? 0) + count;
    }
    countedByDay.set(dayRef.id, totals);
  }
  for (const day of new Set([...expectedByDay.keys(), ...countedByDay.keys()])) {
    const expected = expectedByDay.get(day) ?? {};
    const counted = countedByDay.get(day) ?? {};
    for (const counter of new Set([...Object.keys(expected), ...Object.keys(counted)])) {
      if ((expected[counter] ?? 0) !== (counted[counter] ?? 0)) {
        report(
          "daily_totals",
          `${day} ${counter}: the daily summary counts ${counted[counter] ?? 0}, the run summaries ${expected[counter] ?? 0}`,
        );
      }
    }
  }

  // lock_of_final_job: the locks now, and those the processes left unless a kill explains them
  const finalHolder = (lock: QueryDocumentSnapshot) => {
    const holder = jobs.get(lock.get("job_id") as string);
    return holder && isFinalStatus(holder.status) ? holder : null;
  };
  for (const lock of lockDocs.docs) {
    const holder = finalHolder(lock);
    if (holder)
      report("lock_of_final_job", `lock ${String(lock.get("key"))} is held by ${String(lock.get("job_id"))}, which is ${holder.status}`);
  }
  const { docs: locksLeft = [], killedAt = [] } = options.locksLeft ?? {};
  for (const lock of locksLeft) {
    const holder = finalHolder(lock);
    const ended = attemptEnded.get(`${String(lock.get("job_id"))}_${String(lock.get("lease_epoch"))}`)?.toMillis();
    const explained = ended !== undefined && killedAt.some((at) => at >= ended - 1000 && at <= ended + KILL_EXPLAINS_LOCK_MS);
    if (holder && !explained) {
      report(
        "lock_of_final_job",
        `lock ${String(lock.get("key"))} was left held by ${String(lock.get("job_id"))} (${holder.status}), with no kill within ` +
          `${KILL_EXPLAINS_LOCK_MS / 1000} s of its attempt ${String(lock.get("lease_epoch"))}'s end`,
      );
    }
  }

  const total = Object.values(violations).reduce((sum, lines) => sum + lines.length, 0);
  return { jobs: jobs.size, violations, total };
}

interface JournalDocument {
  collection: string;
  id: string;
  before: DocumentData | null;
  after: DocumentData | null;
}

/**
 * Reports each catalog document that is not as its newest applied journal entry left it (when every
 * entry naming it was reverted: as the oldest found it), or, when no entry names it, as seeded.
 */
async function checkCatalogAgainstJournal(
  db: Firestore,
  entries: QueryDocumentSnapshot[],
  seed: CatalogSnapshot,
  report: (line: string) => void,
): Promise<void> {
  // Two changes of one document are transactions one after the other: applied_at orders them, the commit breaks a tie.
  const applied = (entry: QueryDocumentSnapshot) => (entry.get("applied_at") as Timestamp).toMillis();
  const ordered = [...entries].sort((a, b) => applied(a) - applied(b) || a.createTime.toMillis() - b.createTime.toMillis());
  const expected = new Map<string, { state: DocumentData | null; by: string }>();
  for (const entry of ordered) {
    const reverted = entry.get("status") === "reverted";
    for (const doc of entry.get("documents") as JournalDocument[]) {
      const path = `${doc.collection}/${doc.id}`;
      if (!reverted) expected.set(path, { state: doc.after, by: `entry ${entry.id}` });
      else if (!expected.has(path)) expected.set(path, { state: doc.before, by: `reverted entry ${entry.id}` });
    }
  }
  // A revert also recomputes, unjournaled, the registries of the families whose members it moves: stamped as it restores.
  const revertedAt = new Map(
    entries
      .filter((entry) => entry.get("status") === "reverted")
      .map((entry) => [(entry.get("reverted_at") as Timestamp).toMillis(), entry.get("targets") as string[]]),
  );
  const current = await catalogSnapshot(db);
  for (const path of new Set([...seed.keys(), ...expected.keys(), ...current.keys()])) {
    const { state, by } = expected.get(path) ?? { state: seed.get(path) ?? null, by: "the seed" };
    const stored = current.get(path) ?? null;
    const restored = revertedAt.get((stored?.updated_at as Timestamp | undefined)?.toMillis() ?? NaN);
    if (path.startsWith(`${CATALOG_COLLECTIONS.families}/`) && restored && !restored.includes(path)) continue;
    if (state === null && stored !== null) report(`${path} exists, but ${by} left none`);
    else if (state !== null && stored === null) report(`${path} is gone, but ${by} left it`);
    else {
      const differing = changedPaths(state, stored, ["updated_at"]);
      if (differing.length > 0) report(`${path} is not as ${by} left it (${differing.join(", ")})`);
    }
  }
}
