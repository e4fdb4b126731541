/**
 * Dedup claims: at most one open job per `dedup_key`. A key is claimed by a small document in
 * `catalog_job_dedup` (its id is the key's hash, so any key fits) pointing at the job that holds
 * it. A claim whose job has finished (or vanished) is free again, so claims are never released:
 * the next job takes them over.
 *
 * A claim also remembers what its job answers, when the job was asked for with `answers` (a scan's
 * findings): a later ask for the same answers is not made again while that job is kept and ended
 * with an answer (`answered`), so a daily scan does not ask every day for what a person has yet to
 * decide or a job could not fix.
 */
import { createHash } from "node:crypto";
import { type DocumentReference, type DocumentSnapshot, type Firestore, Timestamp, type Transaction } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "./collections";
import { expireAt } from "./retention";
import { type JobStatus, isOpenStatus, isSuccessStatus } from "./lifecycle";
import { APPLY_DISABLED, PLAN_TOO_LARGE, SHARDS_UNANSWERED } from "./outcomes";

/** Reads a document: directly or inside a transaction. */
type Read = (ref: DocumentReference) => Promise<DocumentSnapshot>;

export class DedupClaims {
  constructor(
    private readonly db: Firestore,
    private readonly now: () => Date,
    /** How long a claim is kept: as long as the job that takes it (a later job takes a claim over). */
    private readonly keepMs: number,
  ) {}

  ref(dedupKey: string): DocumentReference {
    return this.db.collection(JOB_COLLECTIONS.dedup).doc(createHash("sha256").update(dedupKey).digest("hex"));
  }

  /** The claim of `dedupKey` for `jobId`, which answers what `answers` says (see `answered`; null: nothing said). */
  fields(dedupKey: string, jobId: string, answers: string | null = null): Record<string, unknown> {
    return this.claimFields(dedupKey, jobId, answers === null ? null : answersDigest(answers));
  }

  private claimFields(dedupKey: string, jobId: string, digest: string | null): Record<string, unknown> {
    const now = this.now();
    return {
      dedup_key: dedupKey,
      job_id: jobId,
      answers_digest: digest,
      claimed_at: Timestamp.fromDate(now),
      // One that remembers answers is kept twice as long: its job's own retention counts from when it ended
      // (so it outlives its job unless the job waited longer than the retention).
      expire_at: expireAt(now, digest === null ? this.keepMs : 2 * this.keepMs),
    };
  }

  /** The job holding `claim` other than `exceptJobId`, as stored (not there: null). */
  private async holder(claim: DocumentSnapshot, read: Read, exceptJobId?: string): Promise<DocumentSnapshot | null> {
    if (!claim.exists) return null;
    const holderId = claim.get("job_id") as string | undefined;
    if (!holderId || holderId === exceptJobId) return null;
    const holder = await read(this.db.collection(JOB_COLLECTIONS.jobs).doc(holderId));
    return holder.exists ? holder : null;
  }

  /** The id of the open job holding `claim` other than `exceptJobId`, if any. */
  async openHolder(claim: DocumentSnapshot, read: Read, exceptJobId?: string): Promise<string | null> {
    const holder = await this.holder(claim, read, exceptJobId);
    return holder && isOpen(holder) ? holder.id : null;
  }

  /**
   * Why no new job is created for `claim`'s key, if none is: its job is still open, or it already
   * answered `answers` (see `answered`).
   */
  async blocking(
    claim: DocumentSnapshot,
    read: Read,
    answers?: string,
  ): Promise<{ jobId: string; reason: "duplicate_dedup_key" | "already_answered" } | null> {
    const holder = await this.holder(claim, read);
    if (!holder) return null;
    if (isOpen(holder)) return { jobId: holder.id, reason: "duplicate_dedup_key" };
    return answers !== undefined && this.answered(claim, holder, answers) ? { jobId: holder.id, reason: "already_answered" } : null;
  }

  /**
   * Whether the finished job `holder` of `claim` already answered `answers`: its claim says it was
   * asked for the same, it is still kept (its `expire_at` has not passed: the engine never relies on
   * the TTL deletion), and it ended with an answer (`endedWithAnswer`).
   */
  private answered(claim: DocumentSnapshot, holder: DocumentSnapshot, answers: string): boolean {
    if (claim.get("answers_digest") !== answersDigest(answers)) return false;
    const expiresAt = holder.get("expire_at") as Timestamp | null | undefined;
    if (expiresAt && expiresAt.toMillis() <= this.now().getTime()) return false;
    return endedWithAnswer(holder.get("status") as JobStatus, holder.get("error.code"));
  }

  /** Whether `jobId` holds `dedupKey`'s claim, asked for the same `answers` (one read). */
  async heldFor(dedupKey: string, jobId: string, answers: string): Promise<boolean> {
    const claim = await this.ref(dedupKey).get();
    return claim.get("job_id") === jobId && claim.get("answers_digest") === answersDigest(answers);
  }

  /** Inside a transaction: the open job holding `dedupKey` other than `exceptJobId`, if any, and the claim as read. */
  async openHolderIn(tx: Transaction, dedupKey: string, exceptJobId?: string): Promise<{ holder: string | null; claim: DocumentSnapshot }> {
    const claim = await tx.get(this.ref(dedupKey));
    return { holder: await this.openHolder(claim, (ref) => tx.get(ref), exceptJobId), claim };
  }

  /**
   * Inside a transaction: `jobId` holds the key of `claim` (as read) from now on. A job taking back its
   * own claim (an operator's retry) keeps what it answers; taking another job's, it answers nothing said.
   */
  claimIn(tx: Transaction, claim: DocumentSnapshot, dedupKey: string, jobId: string): void {
    const own = claim.get("job_id") === jobId;
    tx.set(claim.ref, this.claimFields(dedupKey, jobId, own ? ((claim.get("answers_digest") as string | undefined) ?? null) : null));
  }
}

/**
 * Whether a job that ended with `status` (and error `code`) answered what it was asked: it succeeded,
 * was handed to a person, or failed `PLAN_TOO_LARGE` (asked again, it would make the same plan: a
 * producer such as the maintenance scan would ask every run and spend its limit on it). A job that
 * failed otherwise, ran out of attempts, was cancelled, found applying switched off, or waited for
 * children of which one answered nothing (`SHARDS_UNANSWERED`) answered nothing.
 */
export function endedWithAnswer(status: JobStatus, code: unknown): boolean {
  if (status === "failed") return code === PLAN_TOO_LARGE;
  if (!isSuccessStatus(status) && status !== "needs_review") return false;
  return code !== APPLY_DISABLED && code !== SHARDS_UNANSWERED;
}

const isOpen = (job: DocumentSnapshot): boolean => isOpenStatus(job.get("status") as JobStatus);

function answersDigest(answers: string): string {
  return createHash("sha256").update(answers).digest("hex");
}
