/**
 * The ready candidates a process leases from. One poll serves the process's concurrent workers and
 * their next jobs: the page holds `page.max` candidates (more when more workers drain the lane), and
 * each candidate version is handed to one worker only, so workers of one process never race each
 * other for a document. A lease lost to another process costs no read: the worker takes the next
 * candidate of the page.
 *
 * Competing processes: one that lost a lease in the last `contentionMs` starts each page at a random
 * place in its head band (`spreadCandidates`), so they go for different documents; one that meets no
 * competition keeps strict lane, priority and age order. Processes that poll at the same moment all
 * pay for the same head, so one that won nothing from a whole page backs off for a random, growing
 * while and reads a smaller page next: under contention fewer processes poll at once, and more of
 * their polls win. (A page used up by others after this process won from it is just used up.)
 *
 * A page older than `maxAgeMs` is dropped: lane and priority order are only as fresh as the page.
 *
 * The pool also remembers the jobs this process leased, so a wake-up task for a job that already
 * ran here is known to be served without a read (`served`).
 */
import type { Lane } from "./model";
import type { Candidate, JobQueue } from "./queue";

export interface CandidatePoolOptions {
  /** How long a page is trusted (ms). */
  maxAgeMs?: number;
  /**
   * The page a poll reads, even for a single worker: `max` while leases are won, halved (down to
   * `min`) each time the process won nothing from a whole page, grown by one with each lease won.
   */
  page?: { min: number; max: number };
  /** How many leased jobs are remembered for `served`. */
  remembered?: number;
  /** How long after a lost lease pages are spread over their head band (ms). */
  contentionMs?: number;
  /** The first back-off after a lost page, and the longest (ms); each lost page in a row doubles it. */
  backoffMs?: { first: number; max: number };
  random?: () => number;
}

const DEFAULTS: Required<CandidatePoolOptions> = {
  maxAgeMs: 2_000,
  page: { min: 2, max: 8 },
  remembered: 10_000,
  contentionMs: 10_000,
  backoffMs: { first: 100, max: 2_000 },
  random: Math.random,
};

interface Page {
  /** Workers take them off one by one. */
  candidates: Candidate[];
  /** Leases this process won from the page. */
  won: number;
  /** How many ready jobs the poll found, handed out before or not. */
  found: number;
  readAt: number;
}

export class CandidatePool {
  private readonly pages = new Map<string, Page>();
  private readonly polls = new Map<string, Promise<Page>>();
  private readonly draining = new Map<string, number>();
  /** Job id → the newest lease epoch this process won for it, oldest first (insertion order). */
  private readonly leasedEpochs = new Map<string, number>();
  /** Candidate versions handed out (`id@updateTime` → when), so a later page does not hand them out again. */
  private readonly handedOut = new Map<string, number>();
  /** Pages lost in a row, by lane set. */
  private readonly lostPages = new Map<string, number>();
  /** When a lease of the lane set was last lost to another process. */
  private readonly lastLoss = new Map<string, number>();
  /** The page size polls read now, by lane set. */
  private readonly pageSizes = new Map<string, number>();
  private readonly options: Required<CandidatePoolOptions>;

  constructor(
    private readonly queue: JobQueue,
    options: CandidatePoolOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /**
   * Counts a worker draining `lanes` while `work` runs (a poll reads a page at least that size); a
   * page outlives the drains that used it by no more than the last of them.
   */
  async drain<T>(lanes: readonly Lane[], work: () => Promise<T>): Promise<T> {
    const key = lanes.join(",");
    this.draining.set(key, (this.draining.get(key) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const left = (this.draining.get(key) ?? 1) - 1;
      this.draining.set(key, left);
      // The next drain starts from a fresh poll: a job that arrived since (maybe of higher priority) is seen.
      if (left === 0) this.pages.delete(key);
    }
  }

  /**
   * The next candidate of `lanes` for one worker; null when the lanes have nothing ready that is
   * not already in this process's hands.
   */
  async next(lanes: readonly Lane[]): Promise<Candidate | null> {
    const key = lanes.join(",");
    // A second poll when the workers sharing the first one used its page up before this one's turn.
    for (let polls = 0; ; polls++) {
      const page = this.pages.get(key);
      if (this.hasFresh(page)) return this.handOut(page!);
      if (polls === 2 || (await this.poll(key, lanes)).found === 0) return null;
    }
  }

  /** Records a lease this process won with a candidate of `lanes`. */
  won(lanes: readonly Lane[], jobId: string, epoch: number): void {
    const key = lanes.join(",");
    const page = this.pages.get(key);
    if (page) page.won++;
    this.lostPages.delete(key);
    this.pageSizes.set(key, Math.min(this.options.page.max, this.pageSize(key) + 1));
    this.leasedEpochs.delete(jobId);
    this.leasedEpochs.set(jobId, epoch);
    if (this.leasedEpochs.size > this.options.remembered) this.leasedEpochs.delete(this.leasedEpochs.keys().next().value!);
  }

  /**
   * Records a candidate of `lanes` lost to another process. When that used up a page this process
   * won nothing from, it backs off before the next poll, and the next page is smaller.
   */
  async lost(lanes: readonly Lane[]): Promise<void> {
    const key = lanes.join(",");
    this.lastLoss.set(key, Date.now());
    const page = this.pages.get(key);
    if (this.hasFresh(page) || (page && page.won > 0)) return;
    const streak = (this.lostPages.get(key) ?? 0) + 1;
    this.lostPages.set(key, streak);
    this.pageSizes.set(key, Math.max(this.options.page.min, Math.floor(this.pageSize(key) / 2)));
    const { first, max } = this.options.backoffMs;
    const ms = this.options.random() * Math.min(max, first * 2 ** (streak - 1));
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /**
   * Whether this process leased `jobId` after its epoch was `epoch`: a wake-up asked for at that
   * epoch is served. Only a positive answer is certain; false means "not here, as far as we know".
   */
  served(jobId: string, epoch: number): boolean {
    return (this.leasedEpochs.get(jobId) ?? -1) > epoch;
  }

  private pageSize(key: string): number {
    return this.pageSizes.get(key) ?? this.options.page.max;
  }

  /** The page's next candidate, remembered as handed out. */
  private handOut(page: Page): Candidate {
    const candidate = page.candidates.shift()!;
    this.handedOut.set(versionKey(candidate), Date.now());
    return candidate;
  }

  private hasFresh(page: Page | undefined): boolean {
    return page !== undefined && page.candidates.length > 0 && Date.now() - page.readAt <= this.options.maxAgeMs;
  }

  /** Leaves out candidates handed out already (their lease is being tried, or was lost). */
  private unseen(candidates: Candidate[]): Candidate[] {
    const now = Date.now();
    for (const [key, at] of this.handedOut) if (now - at > this.options.maxAgeMs) this.handedOut.delete(key);
    return candidates.filter((candidate) => !this.handedOut.has(versionKey(candidate)));
  }

  /** One poll at a time per lane set; workers arriving meanwhile share its page. */
  private poll(key: string, lanes: readonly Lane[]): Promise<Page> {
    let polling = this.polls.get(key);
    if (!polling) {
      const limit = Math.max(this.pageSize(key), this.draining.get(key) ?? 0);
      polling = this.queue
        .pollCandidates(lanes, limit)
        .then((candidates) => {
          const fresh = this.unseen(candidates);
          const contended = Date.now() - (this.lastLoss.get(key) ?? -Infinity) < this.options.contentionMs;
          const page = {
            candidates: contended ? this.queue.spreadCandidates(fresh) : fresh,
            won: 0,
            found: candidates.length,
            readAt: Date.now(),
          };
          this.pages.set(key, page);
          return page;
        })
        .finally(() => this.polls.delete(key));
      this.polls.set(key, polling);
    }
    return polling;
  }
}

function versionKey({ job, version }: Candidate): string {
  return `${job.id}@${version.toMillis()}.${version.nanoseconds}`;
}
