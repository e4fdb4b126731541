/**
 * A long job's `progress`, written at most about once a second (a Firestore document takes about
 * one write a second). Best effort: a failed write is skipped, a lost lease is the heartbeat's to notice.
 */

export interface Progress {
  done: number;
  total: number;
}

export class ProgressReporter {
  private lastWriteMs = Number.NEGATIVE_INFINITY;
  private writing: Promise<void> | null = null;

  constructor(
    /** Writes the job's `progress` (fenced by its lease): `JobScope.reportProgress`. */
    private readonly report: (progress: Progress) => Promise<void>,
    private readonly minIntervalMs = 1000,
  ) {}

  /** Writes `progress` unless a write is under way or the last one was too recent. */
  async update(progress: Progress): Promise<void> {
    const now = Date.now();
    if (this.writing || now - this.lastWriteMs < this.minIntervalMs) return;
    this.lastWriteMs = now;
    this.writing = this.write(progress);
    await this.writing;
    this.writing = null;
  }

  /** The last word, whatever the interval: the job's final count. */
  async finish(progress: Progress): Promise<void> {
    await this.writing;
    await this.write(progress);
  }

  private async write(progress: Progress): Promise<void> {
    try {
      await this.report(progress);
    } catch {
      // Progress is for display; the next update or the job's outcome says the rest.
    }
  }
}
