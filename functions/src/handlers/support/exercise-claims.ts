/**
 * What a scan's follow-ups already hold, exercise by exercise. A follow-up about several exercises is
 * dedup-keyed by all of them, so a later scan that groups them otherwise (a page-mate fixed, the
 * pages of a selection shifted) asks under a new key, which knows nothing of what the last job
 * answered. So each exercise a follow-up asks about gets a dedup claim of its own besides
 * (`catalog_job_dedup`, key `<prefix><exercise id>`; no job is ever created under it), pointing at
 * the job with what it answers for that exercise: a later scan leaves out each exercise whose claim
 * is held by an open job or by a finished one that answered the same (`DedupClaims.blocking`). A job
 * asked for otherwise (EXERCISE_ADD's enrichment) holds its exercises the same way while it is open.
 */
import type { DocumentReference, DocumentSnapshot, Firestore } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "../../jobs/collections";
import { DedupClaims } from "../../jobs/dedup";
import { type JobStatus, isOpenStatus } from "../../jobs/lifecycle";

/**
 * The prefix of the claims every enrichment of exercises takes (the quality scan's, EXERCISE_ADD's), so
 * a scan leaves out an exercise any of them holds. Named for the quality scan, whose enrichments took
 * them first: the claims stored under it still count.
 */
const ENRICHMENT_CLAIM_PREFIX = "CATALOG_ENRICH_FIELD:quality_scan:exercise:";

/** An exercise a follow-up asks about, and what it answers for it (`FollowUp.answers`, for that exercise alone). */
export interface ExerciseAsk {
  id: string;
  answers: string;
}

/** The job that holds an exercise: still open (`duplicate_dedup_key`), or it answered the same. */
export interface ExerciseHolder {
  jobId: string;
  /** The holder's own dedup key (its whole set of exercises). */
  dedupKey: string;
  reason: "duplicate_dedup_key" | "already_answered";
}

export class ExerciseClaims {
  private readonly claims: DedupClaims;

  constructor(
    private readonly db: Firestore,
    now: () => Date,
    /** How long a finished job is kept (`RETAIN_JOBS_DAYS`): the claims are kept as long as the queue keeps its own. */
    keepMs: number,
  ) {
    this.claims = new DedupClaims(db, now, keepMs);
  }

  private key(exerciseId: string): string {
    return `${ENRICHMENT_CLAIM_PREFIX}${exerciseId}`;
  }

  /**
   * The exercises of `asked` a job already holds, by id, with that job. One read per exercise (a
   * single round trip) and one per job holding any of them, however many exercises it holds.
   */
  async holders(asked: readonly ExerciseAsk[]): Promise<Map<string, ExerciseHolder>> {
    if (asked.length === 0) return new Map();
    const claims = await this.db.getAll(...asked.map(({ id }) => this.claims.ref(this.key(id))));
    const reads = new Map<string, Promise<DocumentSnapshot>>();
    const read = (ref: DocumentReference): Promise<DocumentSnapshot> => {
      if (!reads.has(ref.path)) reads.set(ref.path, ref.get());
      return reads.get(ref.path)!;
    };
    const blocked = await Promise.all(claims.map((claim, index) => this.claims.blocking(claim, read, asked[index].answers)));
    const held = new Map<string, ExerciseHolder>();
    for (const [index, holder] of blocked.entries()) {
      if (!holder) continue;
      const job = await read(this.db.collection(JOB_COLLECTIONS.jobs).doc(holder.jobId));
      held.set(asked[index].id, { ...holder, dedupKey: job.get("dedup_key") as string });
    }
    return held;
  }

  /** Whether `jobId` holds the follow-up's own key (`dedupKey`), asked for the same `answers`: then it answers them. */
  askedTheSame(dedupKey: string, jobId: string, answers: string): Promise<boolean> {
    return this.claims.heldFor(dedupKey, jobId, answers);
  }

  /** `jobId` answers `asked` from now on, each exercise for itself. */
  async record(jobId: string, asked: readonly ExerciseAsk[]): Promise<void> {
    const batch = this.db.batch();
    for (const { id, answers } of asked) batch.set(this.claims.ref(this.key(id)), this.claims.fields(this.key(id), jobId, answers));
    await batch.commit();
  }

  /**
   * `jobId`, asked for otherwise than for a scan's findings, holds `exerciseIds` while it is open: once it ended, a
   * scan asks for them as for any (it answered none of their findings). In one transaction, so nothing is taken from
   * another open job: one that ended already (asked for again by a retry) claims nothing, and an exercise another
   * open job holds (a scan's enrichment that reached it first) is left to that job, which answers for it.
   */
  async hold(jobId: string, exerciseIds: readonly string[]): Promise<void> {
    await this.db.runTransaction(async (tx) => {
      const job = await tx.get(this.db.collection(JOB_COLLECTIONS.jobs).doc(jobId));
      if (!isOpenStatus(job.get("status") as JobStatus)) return;
      const held = await Promise.all(exerciseIds.map((id) => this.claims.openHolderIn(tx, this.key(id), jobId)));
      for (const [index, { holder }] of held.entries()) {
        const key = this.key(exerciseIds[index]);
        if (holder === null) tx.set(this.claims.ref(key), this.claims.fields(key, jobId));
      }
    });
  }
}

/** The claims of the enrichments of exercises (`ENRICHMENT_CLAIM_PREFIX`), kept as long as the queue keeps its jobs. */
export function enrichmentClaims(deps: { db: Firestore; now: () => Date; config: { retainJobsMs: number } }): ExerciseClaims {
  return new ExerciseClaims(deps.db, deps.now, deps.config.retainJobsMs);
}
