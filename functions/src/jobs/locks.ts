/**
 * Locks in `catalog_locks`: a job takes every key its handler names (what it will change) before it
 * runs, all or nothing, fenced by job id and lease epoch. An expired lock is free (its holder died),
 * but for a job that froze a plan and is still open (`keptForPlan`): between its attempts the
 * catalog is half-changed, so it keeps its locks until it ends. The watchdog deletes expired locks
 * no job keeps, but correctness never waits for it; Firestore's TTL (`expire_at`) only long after.
 */
import { type DocumentReference, type DocumentSnapshot, type Firestore, Timestamp } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "./collections";
import { isWriteConflict } from "../util/grpc-status";
import { LeaseLostError } from "./errors";
import { type JobStatus, isOpenStatus } from "./lifecycle";
import { DEFAULT_RETENTION, expireAt } from "./retention";
import { PARAMS } from "../config";

export interface LockHolder {
  jobId: string;
  epoch: number;
  owner: string;
}

export type AcquireResult = { acquired: true } | { acquired: false; heldBy: { key: string; jobId: string }[] };

/** Locks live as long as a lease (the engine passes its JOB_LEASE_SECONDS); this is that param's default. */
const DEFAULT_LOCK_TTL_MS = PARAMS.leaseMs.defaultValue;

export class LockManager {
  constructor(
    private readonly db: Firestore,
    private readonly now: () => Date = () => new Date(),
    private readonly ttlMs = DEFAULT_LOCK_TTL_MS,
    /**
     * When Firestore's TTL may delete a lock (`expire_at`): a backstop for one nobody released, long
     * after its `expires_at`, since a lock kept for a plan (`keptForPlan`) outlives that.
     */
    private readonly keepMs = DEFAULT_RETENTION.jobsMs,
  ) {}

  private refs(keys: readonly string[]): DocumentReference[] {
    // Sorted and de-duplicated so two jobs always touch the same documents in the same order.
    return [...new Set(keys)].sort().map((key) => this.db.collection(JOB_COLLECTIONS.locks).doc(encodeURIComponent(key)));
  }

  /**
   * Takes every key or none. A key this job already holds (same or older epoch) is re-taken. A lock
   * that ran out is taken once its job is found not to keep it (`keptForPlan`): that job is read outside
   * the transaction, so jobs waiting for a lock never hold a read lock on the document its own worker
   * writes (its lease, its heartbeat), and only when a lock ran out.
   */
  async acquireLocks(keys: readonly string[], holder: LockHolder): Promise<AcquireResult> {
    if (keys.length === 0) return { acquired: true };
    const refs = this.refs(keys);
    const released = new Set<string>();
    let unchecked: { key: string; jobId: string }[] = [];
    for (let round = 0; round < MAX_ACQUIRE_ROUNDS; round++) {
      const outcome = await this.tryAcquire(refs, holder, released);
      if (!("unchecked" in outcome)) return outcome;
      unchecked = outcome.unchecked;
      const jobs = await this.db.getAll(...unchecked.map(({ jobId }) => this.jobRef(jobId)));
      const kept = unchecked.filter((_, index) => keptForPlan(jobs[index]));
      if (kept.length > 0) return { acquired: false, heldBy: kept };
      for (const { jobId } of unchecked) released.add(jobId);
    }
    // Locks that kept running out under other jobs between the reads: as held, tried again later.
    return { acquired: false, heldBy: unchecked };
  }

  /** One transaction of `acquireLocks`: taken, held, or locks run out whose jobs (but `released`) are still to be read. */
  private tryAcquire(
    refs: readonly DocumentReference[],
    holder: LockHolder,
    released: ReadonlySet<string>,
  ): Promise<AcquireResult | { unchecked: { key: string; jobId: string }[] }> {
    return this.db.runTransaction(async (tx) => {
      const snaps = await tx.getAll(...refs);
      const now = this.now();
      const heldBy: { key: string; jobId: string }[] = [];
      const unchecked: { key: string; jobId: string }[] = [];
      for (const snap of snaps) {
        if (!snap.exists) continue;
        const jobId = snap.get("job_id") as string;
        if (jobId === holder.jobId) {
          if ((snap.get("lease_epoch") as number) > holder.epoch)
            throw new LeaseLostError(holder.jobId, `lock ${snap.get("key")} taken at a newer epoch`);
          continue;
        }
        const lock = { key: snap.get("key") as string, jobId };
        if ((snap.get("expires_at") as Timestamp).toDate() > now) heldBy.push(lock);
        else if (!released.has(jobId)) unchecked.push(lock);
      }
      if (heldBy.length > 0) return { acquired: false, heldBy };
      if (unchecked.length > 0) return { unchecked };
      const acquiredAt = Timestamp.fromDate(now);
      const expiresAt = Timestamp.fromDate(new Date(now.getTime() + this.ttlMs));
      refs.forEach((ref) => {
        tx.set(ref, {
          key: decodeURIComponent(ref.id),
          job_id: holder.jobId,
          lease_epoch: holder.epoch,
          owner: holder.owner,
          acquired_at: acquiredAt,
          expires_at: expiresAt,
          expire_at: expireAt(now, this.keepMs),
        });
      });
      return { acquired: true } as const;
    });
  }

  /** Extends every lock; `LeaseLostError` if any of them is no longer this holder's. */
  async renewLocks(keys: readonly string[], holder: LockHolder): Promise<void> {
    if (keys.length === 0) return;
    const refs = this.refs(keys);
    await this.db.runTransaction(async (tx) => {
      const snaps = await tx.getAll(...refs);
      for (const snap of snaps) {
        if (!snap.exists || snap.get("job_id") !== holder.jobId || snap.get("lease_epoch") !== holder.epoch) {
          throw new LeaseLostError(holder.jobId, `lock ${decodeURIComponent(snap.id)} is no longer held`);
        }
      }
      const expiresAt = Timestamp.fromDate(new Date(this.now().getTime() + this.ttlMs));
      refs.forEach((ref) => tx.update(ref, { expires_at: expiresAt }));
    });
  }

  /** Whether the job holding `lock`, which ran out, still keeps it (`keptForPlan`; the watchdog's sweep of expired locks). One read. */
  async expiredButKept(lock: DocumentSnapshot): Promise<boolean> {
    return keptForPlan(await this.jobRef(lock.get("job_id") as string).get());
  }

  private jobRef(jobId: string): DocumentReference {
    return this.db.collection(JOB_COLLECTIONS.jobs).doc(jobId);
  }

  /** Releases the locks this holder (job and epoch) still has; others' locks are left alone. Returns how many. */
  async releaseLocks(keys: readonly string[], holder: Pick<LockHolder, "jobId" | "epoch">): Promise<number> {
    if (keys.length === 0) return 0;
    const refs = this.refs(keys);
    return this.db.runTransaction(async (tx) => {
      const snaps = await tx.getAll(...refs);
      const mine = snaps.filter((s) => s.exists && s.get("job_id") === holder.jobId && s.get("lease_epoch") === holder.epoch);
      mine.forEach((s) => tx.delete(s.ref));
      return mine.length;
    });
  }

  /**
   * Releases every lock the given jobs hold at any epoch up to their `maxEpoch` (the watchdog, after
   * recovering dead workers' jobs): one query per 30 jobs, which reads only the locks it finds, and a
   * delete of each conditioned on the query's snapshot, so a lock re-taken meanwhile survives.
   * Returns how many were released.
   */
  async releaseAllForJobs(jobs: readonly { jobId: string; maxEpoch: number }[]): Promise<number> {
    const maxEpochOf = new Map(jobs.map(({ jobId, maxEpoch }) => [jobId, maxEpoch]));
    const ids = [...maxEpochOf.keys()];
    let released = 0;
    for (let start = 0; start < ids.length; start += IN_QUERY_LIMIT) {
      const snap = await this.db
        .collection(JOB_COLLECTIONS.locks)
        .where("job_id", "in", ids.slice(start, start + IN_QUERY_LIMIT))
        .get();
      const deletions = snap.docs
        .filter((doc) => (doc.get("lease_epoch") as number) <= maxEpochOf.get(doc.get("job_id") as string)!)
        .map((doc) =>
          doc.ref.delete({ lastUpdateTime: doc.updateTime }).then(
            () => true,
            (err: unknown) => {
              if (isWriteConflict(err)) return false;
              throw err;
            },
          ),
        );
      released += (await Promise.all(deletions)).filter(Boolean).length;
    }
    return released;
  }
}

/** Rounds of `acquireLocks` that may find locks run out under jobs not read yet (one, but for a race). */
const MAX_ACQUIRE_ROUNDS = 3;

/** Firestore's limit on the values of one `in` filter. */
const IN_QUERY_LIMIT = 30;

/**
 * A job keeps its locks past their expiry while it is open with a frozen plan (`plan_id`): an attempt
 * ended part-way leaves the catalog half-changed, which no other job may plan from until the plan ends.
 */
function keptForPlan(job: DocumentSnapshot): boolean {
  return job.exists && typeof job.get("plan_id") === "string" && isOpenStatus(job.get("status") as JobStatus);
}
