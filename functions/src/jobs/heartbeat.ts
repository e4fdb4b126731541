/**
 * Keeps a running job's lease and its locks alive. When renewal shows the lease is gone, or any
 * write of the holder found a cancel requested (or a child's renewal found its parent cancelled or
 * asked to stop), it fires the abort signal the handler watches, so a worker that lost its job
 * stops at the next safe point and writes nothing more. After a cancel it keeps renewing: a job
 * holding a frozen plan finishes it first, and must keep its lease and locks until it has. A run
 * given a deadline (`stopAt`), or the process stopping (`stopWhen`), is asked to stop the same way
 * when it comes.
 */
import { JobCancelledError, LeaseLostError } from "./errors";
import type { LockManager } from "./locks";
import type { JobQueue } from "./queue";
import type { HeldLease } from "./lease";
import type { Job } from "./model";

/** A beat that came too late (a paused process) or a renewal that hung: either way, nothing was renewed in time. */
const LAPSED = "lease expired before it was renewed";

export class Heartbeat {
  private readonly controller = new AbortController();
  /** Aborted with the lost lease or the deadline, never a cancel (`JobContext.hardStop`). */
  private readonly hardStopController = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  /** Fires when what was last renewed lapses: a renewal that hangs, neither landing nor failing, still stops the run. */
  private lapse: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  /** The renewal under way, if any: `stop` waits for it, so no write of this lease outlives the run. */
  private beating: Promise<void> | undefined;
  private stopped = false;
  /** Why the lease is gone, once renewal showed it (the signal may already carry a cancel). */
  private lost: LeaseLostError | undefined;
  private expiresAt: Date;

  constructor(
    private readonly queue: JobQueue,
    private readonly locks: LockManager,
    private readonly lease: HeldLease,
    private readonly intervalMs: number,
    private readonly now: () => Date,
    /** A child job: it is asked to stop once its parent is cancelled or asked to stop (see `JobQueue.parentCancelledSinceQueued`). */
    private readonly child: Pick<Job, "parent_job_id" | "created_at" | "requeued_at"> | null = null,
  ) {
    this.expiresAt = new Date(now().getTime() + queue.leaseMs);
    // Any write of the holder may be the one that finds the cancel (progress every second, the renewal every minute).
    lease.onCancelRequested(() => this.controller.abort(new JobCancelledError(lease.jobId)));
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get hardStop(): AbortSignal {
    return this.hardStopController.signal;
  }

  start(lockKeys: readonly string[]): void {
    const beat = async () => {
      if (this.stopped) return;
      const startedAt = this.now().getTime();
      // Asleep past its lease (a paused process): its locks may be another job's by now, so it does not
      // take the lease back; its worker ends the attempt as the watchdog would (`holderMayEnd`), unless the
      // watchdog took the job back first.
      if (startedAt >= this.expiresAt.getTime()) {
        this.loseLease(new LeaseLostError(this.lease.jobId, LAPSED, true));
        return;
      }
      try {
        const renewed = await this.queue.renewLease(this.lease);
        await this.locks
          .renewLocks(lockKeys, { jobId: this.lease.jobId, epoch: this.lease.epoch, owner: this.lease.owner })
          .catch((err: unknown) => {
            // A lock lost, its lease just renewed: the job is still this worker's to end (`holderMayEnd`), though it must stop.
            throw err instanceof LeaseLostError ? new LeaseLostError(this.lease.jobId, err.reason, true) : err;
          });
        // Held until then only once both are renewed: a job whose locks lapse must stop, though its lease holds.
        this.expiresAt = renewed.expiresAt;
        this.armLapse();
        if (this.child && !renewed.cancelRequested && (await this.queue.parentCancelledSinceQueued(this.child))) {
          // As the parent's cancel asks its running children (the step a crash can leave undone), the parent read again
          // where the cancel is written: an operator's retry may have queued it since, its children then left to run.
          if (await this.queue.cancelChild(this.lease.jobId)) this.lease.noteCancelRequested();
        }
      } catch (err) {
        // A lost lease stops the handler at once; a passing outage only once the lease would lapse before
        // the next renewal ends (taken to last as long as this one did). The lease is still its own then:
        // its worker ends the attempt itself (`holderMayEnd`), a write that lands if the outage has passed.
        const now = this.now().getTime();
        if (err instanceof LeaseLostError) this.loseLease(err);
        else if (now + this.intervalMs + (now - startedAt) >= this.expiresAt.getTime()) {
          this.loseLease(new LeaseLostError(this.lease.jobId, `lease renewal failing: ${(err as Error).message}`, true));
        }
      }
      if (!this.stopped && !this.lost) this.schedule(beat);
    };
    this.armLapse();
    this.schedule(beat);
  }

  /**
   * Stops the run when the lease and locks last renewed together lapse. A beat notices a lapse only
   * when its renewal returns; one that hangs (a lease renewed, its locks' renewal stalled) would let the
   * locks go to another job while the run, fenced by its lease alone, went on writing.
   */
  private armLapse(): void {
    clearTimeout(this.lapse);
    // A renewal that ends after `stop` sets no timer that nothing would clear.
    if (this.stopped) return;
    this.lapse = setTimeout(
      () => {
        // Nobody need have taken the job: its worker may still end the attempt (LeaseLostError's `holderMayEnd`).
        if (!this.stopped && !this.lost) this.loseLease(new LeaseLostError(this.lease.jobId, LAPSED, true));
      },
      Math.max(0, this.expiresAt.getTime() - this.now().getTime()),
    );
  }

  /** Fires both signals with `reason` at `atMs` (the machine's clock), unless they fired before; `stop` clears it. */
  stopAt(atMs: number, reason: Error): void {
    this.deadline = setTimeout(() => this.hardStopWith(reason), Math.max(0, atMs - Date.now()));
  }

  /** Fires both signals with `reason` when `signal` fires (at once if it has), unless they fired before; `stop` clears it. */
  stopWhen(signal: AbortSignal, reason: Error): void {
    if (signal.aborted) return this.hardStopWith(reason);
    const stop = () => this.hardStopWith(reason);
    signal.addEventListener("abort", stop, { once: true });
    this.unwatch = () => signal.removeEventListener("abort", stop);
  }

  private loseLease(err: LeaseLostError): void {
    this.lost = err;
    this.hardStopWith(err);
  }

  private hardStopWith(reason: Error): void {
    this.controller.abort(reason);
    this.hardStopController.abort(reason);
  }

  private schedule(beat: () => Promise<void>): void {
    this.timer = setTimeout(() => {
      this.beating = beat().finally(() => (this.beating = undefined));
    }, this.intervalMs);
  }

  /** After the handler returned: if the lease was lost meanwhile, its result must not be written. */
  throwIfLeaseLost(): void {
    if (this.lost) throw this.lost;
  }

  /**
   * Stops renewing, and resolves once a renewal already under way has ended: its lock renewal runs
   * beside the holder's writes, and a Cloud Function must not leave work behind when it returns.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.deadline) clearTimeout(this.deadline);
    clearTimeout(this.lapse);
    this.unwatch?.();
    await this.beating;
  }
}
