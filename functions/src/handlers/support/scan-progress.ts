/**
 * The progress of a scan that may run for minutes: how many of the documents it goes through it has
 * gone through, of a total counted (an aggregation, one read per 1,000 documents) only once the scan
 * has run a second, so a quick scan writes and counts nothing (`ProgressReporter`).
 */
import type { JobScope } from "../../jobs/handler";
import { PROGRESS_QUIET_MS, ProgressReporter } from "../../jobs/progress";

export class ScanProgress {
  private done = 0;
  private total: Promise<number | null> | undefined;
  private readonly reporter: ProgressReporter;

  constructor(
    engine: Pick<JobScope, "reportProgress">,
    /** The documents the scan goes through, counted when the first report is due. */
    private readonly countTotal: () => Promise<number>,
  ) {
    this.reporter = new ProgressReporter((progress) => engine.reportProgress(progress), { quietForMs: PROGRESS_QUIET_MS });
  }

  /** Counts `documents` more gone through, and reports when a report is due. */
  async add(documents: number): Promise<void> {
    this.done += documents;
    await this.reporter.update(async () => this.progress(await this.totalCount()));
  }

  /**
   * The final count, when the scan reported any (a failed count of the total reports none). A scan
   * that stopped where it was asked to (a limit) went through all it had to: its total is its count.
   */
  async finish(options: { stoppedAtLimit?: boolean } = {}): Promise<void> {
    const total = this.total ? await this.total : null;
    if (total !== null) await this.reporter.finish(this.progress(options.stoppedAtLimit ? this.done : total));
  }

  private totalCount(): Promise<number | null> {
    this.total ??= this.countTotal().catch(() => null);
    return this.total;
  }

  /** Documents added while the scan ran may take it past the total it counted. */
  private progress(total: number | null): { done: number; total: number } {
    if (total === null) throw new Error("the total could not be counted");
    return { done: this.done, total: Math.max(total, this.done) };
  }
}
