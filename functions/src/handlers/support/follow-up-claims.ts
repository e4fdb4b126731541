/**
 * What a scan's follow-ups already hold, one by one (exercise, alias). A follow-up about several of
 * them is dedup-keyed by all of them, so a later scan that groups them otherwise (a page-mate fixed, the
 * pages of a selection shifted, a batch-mate broken or repaired) asks under a new key, which knows
 * nothing of what the last job answered. So each one a follow-up asks about gets a dedup claim of its
 * own besides (`catalog_job_dedup`, key `<prefix><id>`; no job is ever created under it), pointing at
 * the job with what it answers for that one: a later scan leaves out each one whose claim is held by an
 * open job or by a finished one that answered the same (`DedupClaims.blocking`).
 */
import type { DocumentReference, DocumentSnapshot, Firestore } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "../../jobs/collections";
import { DedupClaims } from "../../jobs/dedup";
import type { FollowUp, FollowUpOutcome } from "./follow-ups";

/** One a follow-up asks about, and what it answers for it (`FollowUp.answers`, for that one alone). */
export interface ClaimAsk {
  id: string;
  answers: string;
}

/** The job that holds one: still open (`duplicate_dedup_key`), or it answered the same. */
export interface ClaimHolder {
  jobId: string;
  /** The holder's own dedup key (all it asks about). */
  dedupKey: string;
  reason: "duplicate_dedup_key" | "already_answered";
}

export class FollowUpClaims {
  protected readonly claims: DedupClaims;

  constructor(
    protected readonly db: Firestore,
    now: () => Date,
    /** How long a finished job is kept (`RETAIN_JOBS_DAYS`): the claims are kept as long as the queue keeps its own. */
    keepMs: number,
    /** What each claim's key starts with, naming what the ids are ids of. */
    private readonly prefix: string,
  ) {
    this.claims = new DedupClaims(db, now, keepMs);
  }

  protected key(id: string): string {
    return `${this.prefix}${id}`;
  }

  /**
   * The ones of `asked` a job already holds, by id, with that job. One read per id (a single round
   * trip) and one per job holding any of them, however many it holds.
   */
  async holders(asked: readonly ClaimAsk[]): Promise<Map<string, ClaimHolder>> {
    if (asked.length === 0) return new Map();
    const claims = await this.db.getAll(...asked.map(({ id }) => this.claims.ref(this.key(id))));
    const reads = new Map<string, Promise<DocumentSnapshot>>();
    const read = (ref: DocumentReference): Promise<DocumentSnapshot> => {
      if (!reads.has(ref.path)) reads.set(ref.path, ref.get());
      return reads.get(ref.path)!;
    };
    const blocked = await Promise.all(claims.map((claim, index) => this.claims.blocking(claim, read, asked[index].answers)));
    const held = new Map<string, ClaimHolder>();
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

  /** `jobId` answers `asked` from now on, each for itself. */
  async record(jobId: string, asked: readonly ClaimAsk[]): Promise<void> {
    const batch = this.db.batch();
    for (const { id, answers } of asked) batch.set(this.claims.ref(this.key(id)), this.claims.fields(this.key(id), jobId, answers));
    await batch.commit();
  }

  /**
   * Once `followUp`, about `asked` (none of them held), was asked for and `result` came of it: claims them
   * for the job that answers them. That is the one created, one that answered them before they were claimed
   * (a job from before they had claims), or one open under their key, asked for the same, whose claims were
   * not written (an outage, or a run stopped, between its creation and its claims). One open but asked for
   * other findings (they changed since, and it may have acted on the old ones) is left to claim them once a
   * later run finds it answered these.
   */
  async claimFor(followUp: FollowUp, result: { outcome: FollowUpOutcome; jobId?: string }, asked: readonly ClaimAsk[]): Promise<void> {
    const { outcome, jobId } = result;
    if (!jobId) return;
    const answers =
      outcome === "created" ||
      outcome === "already_answered" ||
      (outcome === "deduplicated" && (await this.askedTheSame(followUp.dedup_key, jobId, followUp.answers ?? "")));
    if (answers) await this.record(jobId, asked);
  }
}
