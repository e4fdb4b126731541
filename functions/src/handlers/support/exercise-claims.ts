/**
 * The claims of the enrichments of exercises, exercise by exercise (`support/follow-up-claims.ts`): a
 * quality scan leaves out an exercise an open enrichment holds, or whose findings the last one
 * answered. A job asked for otherwise (EXERCISE_ADD's enrichment) holds its exercises the same way while
 * it is open.
 */
import type { Firestore } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "../../jobs/collections";
import { type JobStatus, isOpenStatus } from "../../jobs/lifecycle";
import { type ClaimAsk, FollowUpClaims } from "./follow-up-claims";

/**
 * The prefix of the claims every enrichment of exercises takes (the quality scan's, EXERCISE_ADD's), so
 * a scan leaves out an exercise any of them holds. Named for the quality scan, whose enrichments took
 * them first: the claims stored under it still count.
 */
const ENRICHMENT_CLAIM_PREFIX = "CATALOG_ENRICH_FIELD:quality_scan:exercise:";

/** An exercise an enrichment asks about, and what it answers for it. */
export type ExerciseAsk = ClaimAsk;

export class ExerciseClaims extends FollowUpClaims {
  constructor(db: Firestore, now: () => Date, keepMs: number) {
    super(db, now, keepMs, ENRICHMENT_CLAIM_PREFIX);
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
