/**
 * Dedup claims: at most one open job per `dedup_key`. A key is claimed by a small document in
 * `catalog_job_dedup` (its id is the key's hash, so any key fits) pointing at the job that holds
 * it. A claim whose job has finished (or vanished) is free again, so claims are never released:
 * the next job takes them over.
 */
import { createHash } from "node:crypto";
import { type DocumentReference, type DocumentSnapshot, type Firestore, Timestamp, type Transaction } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "./collections";
import { expireAt } from "./retention";
import { type JobStatus, isOpenStatus } from "./lifecycle";

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

  fields(dedupKey: string, jobId: string): Record<string, unknown> {
    const now = this.now();
    return { dedup_key: dedupKey, job_id: jobId, claimed_at: Timestamp.fromDate(now), expire_at: expireAt(now, this.keepMs) };
  }

  /** The id of the open job holding `claim` other than `exceptJobId`, if any. */
  async openHolder(claim: DocumentSnapshot, read: Read, exceptJobId?: string): Promise<string | null> {
    if (!claim.exists) return null;
    const holderId = claim.get("job_id") as string | undefined;
    if (!holderId || holderId === exceptJobId) return null;
    const status = (await read(this.db.collection(JOB_COLLECTIONS.jobs).doc(holderId))).get("status") as JobStatus | undefined;
    return status && isOpenStatus(status) ? holderId : null;
  }

  /** Inside a transaction: the open job holding `dedupKey` other than `exceptJobId`, if any. */
  async openHolderIn(tx: Transaction, dedupKey: string, exceptJobId?: string): Promise<string | null> {
    return this.openHolder(await tx.get(this.ref(dedupKey)), (ref) => tx.get(ref), exceptJobId);
  }

  /** Inside a transaction: `jobId` holds `dedupKey` from now on. */
  claimIn(tx: Transaction, dedupKey: string, jobId: string): void {
    tx.set(this.ref(dedupKey), this.fields(dedupKey, jobId));
  }
}
