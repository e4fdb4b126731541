/**
 * How the scans that walk the catalog's families (`walkFamilies`) stop in time: at the run's deadline,
 * a safe point between two families ends the run with what it did instead of failing RUN_DEADLINE,
 * whose retries would each start again from the first family until the job is deadlettered. A scan
 * that can go on from there keeps a `FamilyCursor`.
 */
import type { DocumentReference, Firestore } from "firebase-admin/firestore";
import type { JobContext } from "../../jobs/context";
import { JobFailure, RUN_DEADLINE } from "../../jobs/errors";
import type { JobScope } from "../../jobs/handler";
import type { Mode } from "../../jobs/model";
import { type WalkedFamily, walkFamilies } from "../../catalog/reads";
import { selectionCursorRef } from "../../catalog/scan-selection";

/**
 * Whether the run's deadline has come (a lane task's, a minute before its function's timeout, for the
 * way to a safe point and the attempt's last write): the job is still its worker's to end, unlike after
 * a lost lease, and its process goes on, unlike at a stop of the local engine (whose job runs again at
 * the next start).
 */
export function runDeadlinePassed(ctx: Pick<JobContext, "hardStop">): boolean {
  const reason: unknown = ctx.hardStop.reason;
  return ctx.hardStop.aborted && reason instanceof JobFailure && reason.code === RUN_DEADLINE;
}

/**
 * Where a scan's runs in one mode go on from: after the last family the previous one went through.
 * Kept as the quality scan's selection cursors are (`selectionCursorRef`): a preview does not move
 * apply runs past families it only previewed.
 */
export class FamilyCursor {
  private constructor(
    private readonly ref: DocumentReference,
    private readonly mode: Mode,
    /** The last family the previous run went through; null: start from the first. */
    readonly after: string | null,
  ) {}

  static async read(db: Firestore, jobType: string, mode: Mode): Promise<FamilyCursor> {
    const ref = selectionCursorRef(db, jobType, mode);
    const after: unknown = (await ref.get()).get("after_family");
    return new FamilyCursor(ref, mode, typeof after === "string" ? after : null);
  }

  /** This run's families: those after the cursor, then, wrapping round, those from the first up to it, so a run may go through all once. */
  async *families(db: Firestore): AsyncGenerator<WalkedFamily> {
    yield* walkFamilies(db, { after: this.after });
    if (this.after !== null) yield* walkFamilies(db, { upTo: this.after });
  }

  /** Where the next run goes on from: after `after`, or from the first family (null) once a run went through them all. */
  async save(engine: Pick<JobScope, "fenced">, after: string | null, by: { jobId: string; at: Date }): Promise<void> {
    await engine.fenced((tx) => tx.set(this.ref, { after_family: after, mode: this.mode, job_id: by.jobId, updated_at: by.at }));
  }
}
