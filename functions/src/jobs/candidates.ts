/**
 * The ready candidates a process leases from. One poll serves the process's concurrent workers: the
 * page is sized to the workers draining the lane right now, and each candidate is handed to one
 * worker, so workers of one process never race each other for a document and a poll's reads are
 * not thrown away. Processes still race each other; the spread of `spreadCandidates` keeps them on
 * different documents, and the lease's precondition decides. A page older than `maxAgeMs` is
 * dropped: lane and priority order are only as fresh as the page.
 */
import type { Lane } from "./model";
import type { Candidate, JobQueue } from "./queue";

const DEFAULT_MAX_AGE_MS = 2_000;

interface Page {
  candidates: Candidate[];
  /** How many the poll found (workers take them off `candidates`). */
  found: number;
  readAt: number;
}

export class CandidatePool {
  private readonly pages = new Map<string, Page>();
  private readonly polls = new Map<string, Promise<Page>>();
  private readonly draining = new Map<string, number>();

  constructor(
    private readonly queue: JobQueue,
    private readonly maxAgeMs = DEFAULT_MAX_AGE_MS,
  ) {}

  /** Counts a worker draining `lanes` while `work` runs (the next poll reads a page that size). */
  async drain<T>(lanes: readonly Lane[], work: () => Promise<T>): Promise<T> {
    const key = lanes.join(",");
    this.draining.set(key, (this.draining.get(key) ?? 0) + 1);
    try {
      return await work();
    } finally {
      this.draining.set(key, (this.draining.get(key) ?? 1) - 1);
    }
  }

  /** The next candidate of `lanes` for one worker; null when the lanes have nothing ready. */
  async next(lanes: readonly Lane[]): Promise<Candidate | null> {
    const key = lanes.join(",");
    for (;;) {
      const page = this.pages.get(key);
      if (page && page.candidates.length > 0 && Date.now() - page.readAt <= this.maxAgeMs) return page.candidates.shift()!;
      const polled = await this.poll(key, lanes);
      if (polled.found === 0) return null;
    }
  }

  /** One poll at a time per lane set; workers arriving meanwhile share its page. */
  private poll(key: string, lanes: readonly Lane[]): Promise<Page> {
    let polling = this.polls.get(key);
    if (!polling) {
      const limit = Math.max(1, this.draining.get(key) ?? 0);
      polling = this.queue
        .pollCandidates(lanes, limit)
        .then((candidates) => {
          const page = { candidates: this.queue.spreadCandidates(candidates), found: candidates.length, readAt: Date.now() };
          this.pages.set(key, page);
          return page;
        })
        .finally(() => this.polls.delete(key));
      this.polls.set(key, polling);
    }
    return polling;
  }
}
