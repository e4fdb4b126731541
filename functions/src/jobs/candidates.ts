/**
 * The ready candidates a process leases from. One poll serves the process's concurrent workers and
 * their next jobs: the page holds `page.max` candidates (more when more workers drain the lane), and
 * each candidate version is handed to one worker only, so workers of one process never race each
 * other for a document; a poll waits for the leases the process is trying on its lanes, so it does
 * not read their jobs a second time. A lease lost to another process costs one read of its job (the
 * refused write may be this one's own resend after a lost reply, see `JobQueue.lease`) and no poll:
 * after its wait (below) the worker takes the next candidate of the page.
 *
 * Competing processes: one that lost a lease in the last `contentionMs` reads the priority in front
 * in slot order, walking on from a random place (`JobQueue.pollSpread`), so competing processes read
 * and lease different documents instead of all paying for the same head; one that meets no
 * competition keeps strict lane, priority and age order. Each lease lost shrinks the next page by
 * one and each lease won grows it by one (a page that was all lost is halved), so the page settles
 * where about half its candidates are won; after each lease lost the worker waits a random while,
 * doubling with each loss in a row, so the processes that go for the same jobs at once thin out to
 * about as many as there are jobs for them (more only add failed writes to the backend they share).
 *
 * A page older than `maxAgeMs` is dropped: lane and priority order are only as fresh as the page.
 *
 * The pool also remembers the jobs this process leased, so a wake-up task for a job that already
 * ran here is known to be served without a read (`served`), and the last poll of each lane set, so
 * a wake-up's drain knows when its job no longer waits (`accountedFor`) and stops without another poll.
 */
import type { Lane } from "./model";
import type { Band, Candidate, CandidatePage, JobQueue } from "./queue";

export interface CandidatePoolOptions {
  /** How long a page is trusted (ms). */
  maxAgeMs?: number;
  /**
   * The page a poll reads, even for a single worker: `max` while leases are won; each lease lost
   * takes one off (down to `min`), a page that was all lost halves it, each lease won adds one back.
   */
  page?: { min: number; max: number };
  /** How many leased jobs are remembered for `served`. */
  remembered?: number;
  /** How long after a lost lease polls are spread over the head priority (ms). */
  contentionMs?: number;
  /** The longest wait after a lease lost, and the longest of all (ms); each further loss in a row doubles it. */
  backoffMs?: { first: number; max: number };
  random?: () => number;
}

const DEFAULTS: Required<CandidatePoolOptions> = {
  maxAgeMs: 2_000,
  page: { min: 2, max: 8 },
  remembered: 10_000,
  contentionMs: 10_000,
  backoffMs: { first: 1_000, max: 2_000 },
  random: Math.random,
};

interface Page {
  /** Workers take them off one by one. */
  candidates: Candidate[];
  /** Leases this process won from the page. */
  won: number;
  /** How many ready jobs the poll found, handed out before or not. */
  found: number;
  /** When its query was sent: it saw every job ready before then. */
  sentAt: number;
  readAt: number;
}

/** What the last poll of a lane set saw, as a wake-up's drain relies on it (`accountedFor`). */
interface PollSeen {
  /** When the query was sent: it saw every job ready before then. */
  sentAt: number;
  /** Whether it returned every ready job of its lane. */
  complete: boolean;
  ids: Set<string>;
}

export class CandidatePool {
  private readonly pages = new Map<string, Page>();
  private readonly polls = new Map<string, Promise<Page>>();
  private readonly draining = new Map<string, number>();
  /** Job id → the newest lease epoch this process won for it, oldest first (insertion order). */
  private readonly leasedEpochs = new Map<string, number>();
  /** Leases being tried with candidates of each lane set (`leasing`). */
  private readonly inFlight = new Map<string, Set<Promise<unknown>>>();
  /** Candidate versions handed out (`id@updateTime` → when), so a later page does not hand them out again. */
  private readonly handedOut = new Map<string, number>();
  /** Leases lost in a row, by lane set. */
  private readonly lostLeases = new Map<string, number>();
  /** When a lease of the lane set was last lost to another process. */
  private readonly lastLoss = new Map<string, number>();
  /** The page size polls read now, by lane set. */
  private readonly pageSizes = new Map<string, number>();
  /** The last poll of each lane set, for `accountedFor`. */
  private readonly lastPolls = new Map<string, PollSeen>();
  /** Where the next spread poll of a lane set goes on from (`SpreadPage.next`). */
  private readonly slotCursors = new Map<string, number>();
  /** The band (lane and head priority) the last head read of a lane set found, and when. */
  private readonly bands = new Map<string, { band: Band; readAt: number }>();
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
    const asked = Date.now();
    for (let polls = 0; ; polls++) {
      const page = this.pages.get(key);
      if (this.hasFresh(page)) return this.handOut(page!);
      // Only a poll sent since this call began saw the jobs made ready before it (a wake-up's own job):
      // an empty one joined while in flight may predate them. A second poll when the workers sharing the
      // first one used its page up before this one's turn.
      const current = page !== undefined && page.sentAt >= asked;
      if ((current && page.found === 0) || polls >= 2) return null;
      await this.poll(key, lanes);
    }
  }

  /** Runs the lease of a candidate of `lanes` handed out here; until it settles, polls of the lane set wait (see `poll`). */
  async leasing<T>(lanes: readonly Lane[], lease: () => Promise<T>): Promise<T> {
    const key = lanes.join(",");
    const attempt = lease();
    const inFlight = this.inFlight.get(key) ?? new Set<Promise<unknown>>();
    this.inFlight.set(key, inFlight.add(attempt));
    try {
      return await attempt;
    } finally {
      inFlight.delete(attempt);
    }
  }

  /** Records a lease this process won with a candidate of `lanes`. */
  won(lanes: readonly Lane[], jobId: string, epoch: number): void {
    const key = lanes.join(",");
    const page = this.pages.get(key);
    if (page) page.won++;
    this.lostLeases.delete(key);
    this.pageSizes.set(key, Math.min(this.options.page.max, this.pageSize(key) + 1));
    this.leasedEpochs.delete(jobId);
    this.leasedEpochs.set(jobId, epoch);
    if (this.leasedEpochs.size > this.options.remembered) this.leasedEpochs.delete(this.leasedEpochs.keys().next().value!);
  }

  /**
   * Records a candidate of `lanes` lost to another process: the next page is smaller, and the worker
   * waits before it tries again (see `backoffMs`).
   */
  async lost(lanes: readonly Lane[]): Promise<void> {
    const key = lanes.join(",");
    this.lastLoss.set(key, Date.now());
    // The process that won walks the same way: go on from somewhere else.
    this.slotCursors.delete(key);
    // Each lease lost shrinks the next page by one, each lease won grows it by one: the page settles
    // where about half its candidates are won.
    this.pageSizes.set(key, Math.max(this.options.page.min, this.pageSize(key) - 1));
    const page = this.pages.get(key);
    if (!this.hasFresh(page) && !(page && page.won > 0))
      this.pageSizes.set(key, Math.max(this.options.page.min, Math.floor(this.pageSize(key) / 2)));
    const streak = (this.lostLeases.get(key) ?? 0) + 1;
    this.lostLeases.set(key, streak);
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

  /**
   * Whether the wake-up of `jobId` (asked for at `epoch`) that a drain of `lanes` began answering at
   * `since` is answered: this process leased the job, or a poll sent since then returned every ready
   * job of the lane and not this one (another worker holds it, or it is no longer waiting; whatever
   * makes it wait again asks for its own wake-up). A single lane only: a page of several lanes holds
   * the first lane that had any.
   */
  accountedFor(lanes: readonly Lane[], jobId: string, epoch: number, since: number): boolean {
    if (this.served(jobId, epoch)) return true;
    const seen = this.lastPolls.get(lanes.join(","));
    return lanes.length === 1 && seen !== undefined && seen.sentAt >= since && seen.complete && !seen.ids.has(jobId);
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

  /**
   * One poll at a time per lane set; workers arriving meanwhile share its page. It waits for the
   * leases this process is trying on the lane set (`leasing`): their jobs would come back in its
   * page, read for nothing, as each still looks ready until its lease lands a few milliseconds later.
   */
  private poll(key: string, lanes: readonly Lane[]): Promise<Page> {
    let polling = this.polls.get(key);
    if (!polling) {
      polling = Promise.allSettled([...(this.inFlight.get(key) ?? [])])
        .then(() => this.read(key, lanes))
        .finally(() => this.polls.delete(key));
      this.polls.set(key, polling);
    }
    return polling;
  }

  private async read(key: string, lanes: readonly Lane[]): Promise<Page> {
    const sentAt = Date.now();
    const contended = sentAt - (this.lastLoss.get(key) ?? -Infinity) < this.options.contentionMs;
    const limit = Math.max(this.pageSize(key), this.draining.get(key) ?? 0);
    const { candidates, complete } = await (contended ? this.pollSpread(key, lanes, limit) : this.queue.pollCandidates(lanes, limit));
    this.lastPolls.set(key, { sentAt, complete, ids: new Set(candidates.map(({ job }) => job.id)) });
    const page = { candidates: this.unseen(candidates), won: 0, found: candidates.length, sentAt, readAt: Date.now() };
    this.pages.set(key, page);
    return page;
  }

  /**
   * A spread poll from where this process's last one ended (at first from a random place), in the
   * band its last head read found while that is fresh.
   */
  private async pollSpread(key: string, lanes: readonly Lane[], limit: number): Promise<CandidatePage> {
    const known = this.bands.get(key);
    const fresh = known && Date.now() - known.readAt <= this.options.maxAgeMs ? known.band : undefined;
    const readAt = Date.now();
    const page = await this.queue.pollSpread(lanes, limit, this.slotCursors.get(key) ?? this.options.random(), fresh);
    if (page.next === null) this.slotCursors.delete(key);
    else this.slotCursors.set(key, page.next);
    if (page.band === null) this.bands.delete(key);
    // A band read without its head keeps the time of the head read that found it.
    else if (page.band !== fresh) this.bands.set(key, { band: page.band, readAt });
    return page;
  }
}

function versionKey({ job, version }: Candidate): string {
  return `${job.id}@${version.toMillis()}.${version.nanoseconds}`;
}
