/**
 * A long job's `progress`, written at most about once a second (a Firestore document takes about
 * one write a second). Best effort: a failed write is skipped, a lost lease is the heartbeat's to notice.
 */

export interface Progress {
  done: number;
  total: number;
}

/** How long a job that may run long (a scan, a plan's apply) runs before it reports progress. */
export const PROGRESS_QUIET_MS = 1000;

export interface ProgressOptions {
  /** The shortest time between two writes (ms). */
  minIntervalMs?: number;
  /**
   * How long the job runs before its first write (ms): a job done sooner writes no progress at all,
   * not even its final count, so short runs of a job type that can be long cost nothing.
   */
  quietForMs?: number;
}

export class ProgressReporter {
  private readonly startedMs = Date.now();
  private lastWriteMs = Number.NEGATIVE_INFINITY;
  private writing: Promise<void> | null = null;
  private readonly minIntervalMs: number;
  private readonly quietForMs: number;

  constructor(
    /** Writes the job's `progress` (fenced by its lease): `JobScope.reportProgress`. */
    private readonly report: (progress: Progress) => Promise<void>,
    options: ProgressOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.quietForMs = options.quietForMs ?? 0;
  }

  /**
   * Writes the progress `current` gives unless a write is under way, the last one was too recent or
   * the quiet start lasts; `current` is only asked then (it may read, as a count of the total does).
   */
  async update(current: () => Progress | Promise<Progress>): Promise<void> {
    const now = Date.now();
    if (this.writing || now - this.lastWriteMs < this.minIntervalMs || now - this.startedMs < this.quietForMs) return;
    this.lastWriteMs = now;
    this.writing = this.write(current);
    await this.writing;
    this.writing = null;
  }

  /** The last word, whatever the interval: the job's final count (none after a quiet run that wrote nothing). */
  async finish(progress: Progress): Promise<void> {
    await this.writing;
    if (this.quietForMs > 0 && this.lastWriteMs === Number.NEGATIVE_INFINITY) return;
    await this.write(() => progress);
  }

  private async write(current: () => Progress | Promise<Progress>): Promise<void> {
    try {
      await this.report(await current());
    } catch {
      // Progress is for display; the next update or the job's outcome says the rest.
    }
  }
}
