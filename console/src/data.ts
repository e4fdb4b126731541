/**
 * Every Firestore read of the console: the queries here, what their documents read as in
 * documents.ts, collection names in model.ts beside the documents they hold.
 * Live views subscribe (`watch…`, returning the unsubscribe function); history pages and chart
 * inputs are one-off reads. Documents come back as the plain types of model.ts, Timestamps as Dates,
 * each answer saying whether it came from the SDK's cache alone (`fromCache`).
 */
import {
  collection,
  doc,
  type DocumentData,
  type DocumentReference,
  type Firestore,
  getDocs,
  limit,
  onSnapshot,
  orderBy,
  type Query,
  query,
  type QueryConstraint,
  type QueryDocumentSnapshot,
  type QuerySnapshot,
  startAfter,
  where,
} from "firebase/firestore";
import { sumShards, toAttempt, toChange, toFrozenPlan, toJob, toRunSummary } from "./documents";
import { DAY_MS } from "./format";
import {
  type Attempt,
  type Change,
  COLLECTIONS,
  type DailyTotals,
  FAILURE_STATUSES,
  type FrozenPlan,
  type Job,
  type ParentFacts,
  type ParentState,
  parentState,
  type RunSummary,
  WAITING_STATUSES,
  WORKER_STATUSES,
} from "./model";

/**
 * Bounds on what one view reads. Running jobs are read apart from waiting ones, so a crowd of waiting
 * jobs cannot push them out: there are only as many as workers run at once. Failures are read apart from
 * the finished jobs for the same reason: a scan's follow-ups or an enrichment's shards finish by the hundred.
 */
export const RUNNING_JOBS_LIMIT = 100;
export const WAITING_JOBS_LIMIT = 500;
export const FINISHED_JOBS_LIMIT = 300;
export const FAILED_JOBS_LIMIT = 100;
/** A job's latest attempts that the job page shows, and its change-journal entries it shows at first and adds on each Show more. */
export const ATTEMPTS_LIMIT = 50;
export const CHANGES_PAGE_SIZE = 100;
/** The run summaries a day's durations are taken from: its latest ones, as many as this. */
export const RUNS_PER_DAY_LIMIT = 500;

export interface Listener<T> {
  /** `fromCache`: the SDK's cache answered, not the server (offline, or not confirmed yet): an absence in it proves nothing. */
  next: (value: T, fromCache: boolean) => void;
  error: (err: Error) => void;
}
export type Unsubscribe = () => void;

/** A one-off read's answer, and whether only the SDK's cache gave it (the server was not reached). */
export interface Read<T> {
  value: T;
  fromCache: boolean;
}

/**
 * Listeners hear metadata changes too: without them a listener whose documents stay the same is not told that
 * they went cache-only when the connection dropped, nor that the server confirmed them again.
 */
const WITH_CACHE_STATE = { includeMetadataChanges: true } as const;

/** Listens to `source`, telling `listener` each answer as `valueOf` reads it, and whether the cache alone gave it. */
function watchQuery<T>(source: Query, valueOf: (snap: QuerySnapshot) => T, listener: Listener<T>): Unsubscribe {
  return onSnapshot(source, WITH_CACHE_STATE, (snap) => listener.next(valueOf(snap), snap.metadata.fromCache), listener.error);
}

/** Listens to one document, read by `toValue` when it exists (null when it does not), as `watchQuery` does. */
function watchDoc<T>(ref: DocumentReference, toValue: (id: string, data: DocumentData) => T, listener: Listener<T | null>): Unsubscribe {
  return onSnapshot(
    ref,
    WITH_CACHE_STATE,
    (snap) => listener.next(snap.exists() ? toValue(snap.id, snap.data()) : null, snap.metadata.fromCache),
    listener.error,
  );
}

const jobsOf = (snap: QuerySnapshot): Job[] => snap.docs.map((d) => toJob(d.id, d.data()));

/**
 * Where the queue's listeners of finished jobs (and of failures) start: 24 hours before the view opened, fixed
 * while it is open. A window moved on with the clock would be a new listener each time, billing every job it
 * holds again; each of these only holds more at its old end, which `inFinishedWindow` leaves out.
 */
export function finishedJobsListenerStart(openedAt: Date): Date {
  return new Date(openedAt.getTime() - DAY_MS);
}

/**
 * The jobs of the listener that finished in the 24 hours before `now`. It reads the newest first up to its
 * limit, so it holds every one of them whenever it holds an older one, and as many as the limit otherwise.
 */
export function inFinishedWindow(jobs: readonly Job[], now: Date): Job[] {
  const since = now.getTime() - DAY_MS;
  return jobs.filter((job) => job.finished_at !== null && job.finished_at.getTime() >= since);
}

const QUEUE_READ_LIMITS = {
  running: RUNNING_JOBS_LIMIT,
  waiting: WAITING_JOBS_LIMIT,
  finished: FINISHED_JOBS_LIMIT,
  failed: FAILED_JOBS_LIMIT,
};
export type QueueRead = keyof typeof QUEUE_READ_LIMITS;

/** The queue's reads that came back as full as their limit: jobs beyond it are left out of them. */
export function cappedQueueReads(held: Record<QueueRead, number>): QueueRead[] {
  return (Object.keys(QUEUE_READ_LIMITS) as QueueRead[]).filter((read) => held[read] >= QUEUE_READ_LIMITS[read]);
}

/**
 * A child's parent as the queue's reads know it: as `parentState` reads it when among the jobs read (open, or asked
 * to stop and not stopped yet, when among the open ones; ended when among the finished ones); unknown otherwise
 * (loading, a read as full as its limit, a parent that ended before the finished jobs' window, or one whose record is
 * gone, where the child's own page offers Retry): the child's page, which reads its parent, tells. `running` and
 * `waiting` are null while they load.
 */
export function parentInQueue(
  parentId: string,
  held: { running: readonly ParentInQueue[] | null; waiting: readonly ParentInQueue[] | null; finished: readonly ParentInQueue[] },
): ParentState {
  const isParent = (job: ParentInQueue) => job.id === parentId;
  const parent = held.running?.find(isParent) ?? held.waiting?.find(isParent) ?? held.finished.find(isParent);
  // Read: whether the cache alone gave it matters only to a parent not read.
  return parent ? parentState(parent, false) : "unknown";
}

type ParentInQueue = Pick<Job, "id"> & ParentFacts;

/**
 * One listener per key (`watch`), told to `listener` as one answer: none until each has answered, then each one's
 * latest value, from the cache when any one's is. Firestore ends a listener that fails, so once one has, the answer
 * stays its error: the others' would tell its last value again as current.
 */
export function watchAll<K, T>(
  keys: readonly K[],
  watch: (key: K, listener: Listener<T>) => Unsubscribe,
  listener: Listener<T[]>,
): Unsubscribe {
  const answers: (Read<T> | null)[] = keys.map(() => null);
  let failed = false;
  const tell = () => {
    const read = answers.filter((answer) => answer !== null);
    if (failed || read.length < keys.length) return;
    listener.next(
      read.map((answer) => answer.value),
      read.some((answer) => answer.fromCache),
    );
  };
  const unsubscribes = keys.map((key, i) =>
    watch(key, {
      next: (value, fromCache) => {
        answers[i] = { value, fromCache };
        tell();
      },
      error: (err) => {
        if (failed) return;
        failed = true;
        listener.error(err);
      },
    }),
  );
  return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
}

/** What a bounded read shows, and whether there is more than that (it reads one more than it shows). */
export interface Bounded<T> {
  items: T[];
  more: boolean;
}

const bounded = <T>(items: T[], max: number): Bounded<T> => ({ items: items.slice(0, max), more: items.length > max });

/**
 * Every query the console sends, built from its parameters alone. The emulator serves a query whose
 * composite index production lacks, so a unit test (test/unit/query-indexes.test.ts) checks each one
 * against firestore.indexes.json: build any new query here. (A whole collection, as the daily shards
 * are read, needs no composite index.)
 */
export const consoleQueries = {
  runningJobs: (db: Firestore) =>
    query(collection(db, COLLECTIONS.jobs), where("status", "in", [...WORKER_STATUSES]), limit(RUNNING_JOBS_LIMIT)),

  waitingJobs: (db: Firestore) =>
    query(collection(db, COLLECTIONS.jobs), where("status", "in", [...WAITING_STATUSES]), limit(WAITING_JOBS_LIMIT)),

  finishedJobs: (db: Firestore, since: Date) =>
    query(collection(db, COLLECTIONS.jobs), where("finished_at", ">=", since), orderBy("finished_at", "desc"), limit(FINISHED_JOBS_LIMIT)),

  /** Index status, finished_at DESC. */
  failedJobs: (db: Firestore, since: Date) =>
    query(
      collection(db, COLLECTIONS.jobs),
      where("status", "in", [...FAILURE_STATUSES]),
      where("finished_at", ">=", since),
      orderBy("finished_at", "desc"),
      limit(FAILED_JOBS_LIMIT),
    ),

  /** The latest first by when they started, never by document id (ids are an engine detail); one more than shown. */
  attempts: (db: Firestore, jobId: string) =>
    query(collection(db, COLLECTIONS.jobs, jobId, COLLECTIONS.attempts), orderBy("started_at", "desc"), limit(ATTEMPTS_LIMIT + 1)),

  /**
   * A job's latest `shown` entries, newest first: the order they are reverted in (last applied, first reverted);
   * index job_id, applied_at DESC. One more than shown.
   */
  changes: (db: Firestore, jobId: string, shown: number) =>
    query(collection(db, COLLECTIONS.changes), where("job_id", "==", jobId), orderBy("applied_at", "desc"), limit(shown + 1)),

  /** One more than `pageSize`, to tell whether another page follows. A job's runs: index job_id, finished_at DESC. */
  historyPage: (db: Firestore, filter: HistoryFilter, pageSize: number, after?: HistoryCursor) => {
    const constraints: QueryConstraint[] = [];
    if ("job" in filter) constraints.push(where("job_id", "==", filter.job));
    else {
      // A run's subjects are the families its job's payload names (a merge's target and source, a rename's old slug, ...).
      if (filter.family) constraints.push(where("subjects", "array-contains", filter.family));
      if (filter.type) constraints.push(where("type", "==", filter.type));
      if (filter.status) constraints.push(where("attempt_status", "==", filter.status));
    }
    if (filter.from) constraints.push(where("finished_at", ">=", filter.from));
    if (filter.until) constraints.push(where("finished_at", "<", filter.until));
    constraints.push(orderBy("finished_at", "desc"));
    if (after) constraints.push(startAfter(after.snapshot));
    return query(collection(db, COLLECTIONS.runSummaries), ...constraints, limit(pageSize + 1));
  },

  runsBetween: (db: Firestore, from: Date, until: Date, max: number) =>
    query(
      collection(db, COLLECTIONS.runSummaries),
      where("finished_at", ">=", from),
      where("finished_at", "<", until),
      orderBy("finished_at", "desc"),
      limit(max),
    ),
};

export class ConsoleData {
  constructor(private readonly db: Firestore) {}

  watchRunningJobs(listener: Listener<Job[]>): Unsubscribe {
    return watchQuery(consoleQueries.runningJobs(this.db), jobsOf, listener);
  }

  /** Jobs that are queued or deferred. */
  watchWaitingJobs(listener: Listener<Job[]>): Unsubscribe {
    return watchQuery(consoleQueries.waitingJobs(this.db), jobsOf, listener);
  }

  /** Jobs finished since `since`, newest first. */
  watchFinishedJobs(since: Date, listener: Listener<Job[]>): Unsubscribe {
    return watchQuery(consoleQueries.finishedJobs(this.db, since), jobsOf, listener);
  }

  /** Jobs that failed (FAILURE_STATUSES) since `since`, newest first. */
  watchFailedJobs(since: Date, listener: Listener<Job[]>): Unsubscribe {
    return watchQuery(consoleQueries.failedJobs(this.db, since), jobsOf, listener);
  }

  watchJob(jobId: string, listener: Listener<Job | null>): Unsubscribe {
    return watchDoc(doc(this.db, COLLECTIONS.jobs, jobId), toJob, listener);
  }

  /** A job's latest attempts (ATTEMPTS_LIMIT), newest first, as the change journal lists its entries. */
  watchAttempts(jobId: string, listener: Listener<Bounded<Attempt>>): Unsubscribe {
    return watchQuery(
      consoleQueries.attempts(this.db, jobId),
      (snap) => {
        const latest = bounded(snap.docs, ATTEMPTS_LIMIT);
        return { items: latest.items.map((d) => toAttempt(d.id, d.data())), more: latest.more };
      },
      listener,
    );
  }

  /** The plan a job froze before applying it (null while it has none, or if it is gone). */
  watchFrozenPlan(jobId: string, planId: string, listener: Listener<FrozenPlan | null>): Unsubscribe {
    return watchDoc(doc(this.db, COLLECTIONS.jobs, jobId, COLLECTIONS.plans, planId), toFrozenPlan, listener);
  }

  /**
   * A job's latest `shown` change-journal entries, newest first (saying whether it has more). Showing more is a
   * listener with a larger limit, not one per page: an entry applied meanwhile moves the others down, which
   * would leave a gap between pages each cut where it was.
   */
  watchChanges(jobId: string, shown: number, listener: Listener<Bounded<Change>>): Unsubscribe {
    return watchQuery(
      consoleQueries.changes(this.db, jobId, shown),
      (snap) => {
        const some = bounded(snap.docs, shown);
        return { items: some.items.map((d) => toChange(d.id, d.data())), more: some.more };
      },
      listener,
    );
  }

  /** Offline, `getDocs` answers from the cache (`fromCache`), which holds what earlier reads brought, if anything. */
  async historyPage(filter: HistoryFilter, pageSize: number, after?: HistoryCursor): Promise<Read<HistoryPage>> {
    const snap = await getDocs(consoleQueries.historyPage(this.db, filter, pageSize, after));
    const page = bounded(snap.docs, pageSize);
    const last = page.items[page.items.length - 1];
    return {
      value: { rows: page.items.map((d) => toRunSummary(d.id, d.data())), next: page.more && last ? { snapshot: last } : null },
      fromCache: snap.metadata.fromCache,
    };
  }

  /** The latest run summaries finished in [from, until) (up to `max`), for the duration chart. */
  async runsBetween(from: Date, until: Date, max = RUNS_PER_DAY_LIMIT): Promise<Read<RunSummary[]>> {
    const snap = await getDocs(consoleQueries.runsBetween(this.db, from, until, max));
    return { value: snap.docs.map((d) => toRunSummary(d.id, d.data())), fromCache: snap.metadata.fromCache };
  }

  /** Each day's totals, live: one listener per day on its counter shards (see `watchAll`). */
  watchDailyTotals(days: string[], listener: Listener<DailyTotals[]>): Unsubscribe {
    return watchAll(
      days,
      (day, dayListener) =>
        watchQuery(
          collection(this.db, COLLECTIONS.dailySummaries, day, COLLECTIONS.dailyShards),
          (snap) =>
            sumShards(
              day,
              snap.docs.map((d) => d.data()),
            ),
          dayListener,
        ),
      listener,
    );
  }
}

interface FinishedBetween {
  from?: Date;
  /** Exclusive. */
  until?: Date;
}

/**
 * One job's runs, or runs of any job narrowed by type, status and family; either within a range of finish times. A
 * job's runs are not narrowed further, as the CLI's `history --job` is not: no index serves that.
 */
export type HistoryFilter = FinishedBetween & ({ job: string } | { type?: string; status?: string; family?: string });

/** Where the next history page starts; opaque to views. */
export interface HistoryCursor {
  snapshot: QueryDocumentSnapshot<DocumentData>;
}

export interface HistoryPage {
  rows: RunSummary[];
  next: HistoryCursor | null;
}
