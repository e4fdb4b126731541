/**
 * A lease as its holder keeps it: the job, the owner, the fencing epoch, and the update time of the
 * job document after the holder's last write. Every write by the holder is conditioned on that
 * update time, so it needs no read: if the document changed since (a client asked to cancel, an
 * operator, the watchdog), the write fails, the holder reads the document once, and either goes on
 * (still its lease) or stops (`LeaseLostError`). The holder's writes run one at a time (the
 * heartbeat, progress and the final write share the lease), so none invalidates another in flight.
 */
import type { Timestamp } from "firebase-admin/firestore";
import type { ChildCounts, Lease, LlmUsageRecord } from "./model";

export class HeldLease implements Lease {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly jobId: string,
    readonly owner: string,
    readonly epoch: number,
    /**
     * Update time of the job document after this holder's last write (or as it leased it; a lease whose reply was
     * lost holds the version its poll read, so that its first write reads the job and sees what changed since).
     */
    public version: Timestamp,
    /**
     * The job's `llm_usage` at `version`. An attempt that lost its lease earlier may add its usage
     * meanwhile (`recordLostAttemptLlm`); the holder's final write adds its own to what is there.
     */
    public seenLlmUsage: LlmUsageRecord | null,
  ) {}

  /** The job's child counts as last read by the holder (when a write found the document changed). */
  seenChildCounts: ChildCounts | null = null;

  /** The plan this holder froze (`JobQueue.savePlan`): from then on a cancel no longer stops the job. */
  frozenPlanId: string | null = null;

  /** Whether one of the holder's writes found a cancel requested (`cancel_requested`), whichever write it was. */
  cancelRequested = false;
  private cancelListener: (() => void) | undefined;

  /** `listener` runs once, when a write of the holder first finds a cancel requested. */
  onCancelRequested(listener: () => void): void {
    this.cancelListener = listener;
  }

  /** Records that a write of the holder found the job's cancel requested. */
  noteCancelRequested(): void {
    if (this.cancelRequested) return;
    this.cancelRequested = true;
    this.cancelListener?.();
  }

  /** Runs `write` after the holder's writes already queued; it sees (and may advance) `version`. */
  serially<T>(write: () => Promise<T>): Promise<T> {
    const result = this.tail.then(write, write);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
