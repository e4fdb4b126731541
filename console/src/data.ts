/**
 * Every Firestore read of the console: field names live here and nowhere else, collection names
 * in model.ts beside the documents they hold.
 * Live views subscribe (`watch…`, returning the unsubscribe function); history pages and chart
 * inputs are one-off reads. Documents come back as the plain types of model.ts, Timestamps as Dates.
 */
import {
  collection,
  doc,
  type DocumentData,
  type Firestore,
  getDocs,
  limit,
  onSnapshot,
  orderBy,
  query,
  type QueryConstraint,
  type QueryDocumentSnapshot,
  startAfter,
  Timestamp,
  where,
} from "firebase/firestore";
import {
  type Attempt,
  type AttemptStatus,
  type Change,
  COLLECTIONS,
  type DailyTotals,
  type FrozenPlan,
  type Job,
  type JobStatus,
  type Lane,
  OPEN_STATUSES,
  type RunSummary,
} from "./model";

/** Bounds on what one live view reads. */
const OPEN_JOBS_LIMIT = 500;
const FINISHED_JOBS_LIMIT = 300;
const FAMILY_JOBS_LIMIT = 30; // the most `in` accepts

export interface Listener<T> {
  next: (value: T) => void;
  error: (err: Error) => void;
}
export type Unsubscribe = () => void;

/** Timestamps → Dates, all the way down. */
function plain(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

function record(snap: QueryDocumentSnapshot<DocumentData>): Record<string, unknown> {
  return plain(snap.data()) as Record<string, unknown>;
}

const orNull = <T>(value: unknown): T | null => (value === undefined ? null : (value as T));
/** A text field: "" when absent or not text. */
const text = (value: unknown): string => (typeof value === "string" ? value : "");

function toJob(id: string, d: Record<string, unknown>): Job {
  return {
    id,
    type: text(d.type),
    queue: (d.queue as Lane) ?? "priority",
    priority: Number(d.priority ?? 100),
    status: d.status as JobStatus,
    payload: (d.payload as Record<string, unknown>) ?? {},
    attempts: Number(d.attempts ?? 0),
    max_attempts: Number(d.max_attempts ?? 0),
    run_after: orNull(d.run_after),
    lease_owner: orNull(d.lease_owner),
    lease_expires_at: orNull(d.lease_expires_at),
    lease_epoch: Number(d.lease_epoch ?? 0),
    created_at: orNull(d.created_at),
    updated_at: orNull(d.updated_at),
    started_at: orNull(d.started_at),
    finished_at: orNull(d.finished_at),
    created_by: orNull(d.created_by),
    error: orNull(d.error),
    result_summary: orNull(d.result_summary),
    progress: orNull(d.progress),
    parent_job_id: orNull(d.parent_job_id),
    shards: orNull(d.shards),
    cancel_requested: d.cancel_requested === true,
    plan_id: orNull(d.plan_id),
    llm_usage: orNull(d.llm_usage),
  };
}

function toAttempt(id: string, d: Record<string, unknown>): Attempt {
  return {
    id,
    attempt: Number(d.attempt ?? 0),
    worker_id: text(d.worker_id),
    lease_epoch: Number(d.lease_epoch ?? 0),
    started_at: orNull(d.started_at),
    finished_at: orNull(d.finished_at),
    status: d.status as AttemptStatus,
    plan: orNull(d.plan),
    validation: orNull(d.validation),
    repairs: (d.repairs as Attempt["repairs"]) ?? [],
    apply_result: orNull(d.apply_result),
    llm_calls: (d.llm_calls as Attempt["llm_calls"]) ?? [],
    events: (d.events as Attempt["events"]) ?? [],
    error: orNull(d.error),
  };
}

function toFrozenPlan(id: string, d: Record<string, unknown>): FrozenPlan {
  return {
    id,
    plan: (d.plan as FrozenPlan["plan"]) ?? {},
    expectations: (d.expectations as unknown[]) ?? [],
    lease_epoch: Number(d.lease_epoch ?? 0),
    saved_at: orNull(d.saved_at),
  };
}

function toChange(id: string, d: Record<string, unknown>): Change {
  return {
    id,
    job_id: text(d.job_id),
    job_type: text(d.job_type),
    op: text(d.op),
    rationale: text(d.rationale),
    targets: (d.targets as string[]) ?? [],
    documents: (d.documents as Change["documents"]) ?? [],
    status: d.status === "reverted" ? "reverted" : "applied",
    applied_at: orNull(d.applied_at),
    reverted_at: orNull(d.reverted_at),
  };
}

function toRunSummary(id: string, d: Record<string, unknown>): RunSummary {
  return {
    id,
    job_id: text(d.job_id),
    attempt: Number(d.attempt ?? 0),
    lease_epoch: Number(d.lease_epoch ?? 0),
    type: text(d.type),
    lane: (d.lane as Lane) ?? "priority",
    attempt_status: d.attempt_status as AttemptStatus,
    job_status: d.job_status as JobStatus,
    mode: text(d.mode),
    worker_id: text(d.worker_id),
    started_at: orNull(d.started_at),
    finished_at: orNull(d.finished_at),
    duration_ms: Number(d.duration_ms ?? 0),
    changes_count: Number(d.changes_count ?? 0),
    changes_preview: (d.changes_preview as string[]) ?? [],
    error: orNull(d.error),
    llm: orNull(d.llm),
  };
}

const byAppliedAt = (a: Change, b: Change) => (a.applied_at?.getTime() ?? 0) - (b.applied_at?.getTime() ?? 0);

export class ConsoleData {
  constructor(private readonly db: Firestore) {}

  /** Jobs that are queued, running or deferred. */
  watchOpenJobs(listener: Listener<Job[]>): Unsubscribe {
    const q = query(collection(this.db, COLLECTIONS.jobs), where("status", "in", [...OPEN_STATUSES]), limit(OPEN_JOBS_LIMIT));
    return onSnapshot(q, (snap) => listener.next(snap.docs.map((d) => toJob(d.id, record(d)))), listener.error);
  }

  /** Jobs finished since `since`, newest first. */
  watchFinishedJobs(since: Date, listener: Listener<Job[]>): Unsubscribe {
    const q = query(
      collection(this.db, COLLECTIONS.jobs),
      where("finished_at", ">=", since),
      orderBy("finished_at", "desc"),
      limit(FINISHED_JOBS_LIMIT),
    );
    return onSnapshot(q, (snap) => listener.next(snap.docs.map((d) => toJob(d.id, record(d)))), listener.error);
  }

  watchJob(jobId: string, listener: Listener<Job | null>): Unsubscribe {
    return onSnapshot(
      doc(this.db, COLLECTIONS.jobs, jobId),
      (snap) => listener.next(snap.exists() ? toJob(snap.id, plain(snap.data()) as Record<string, unknown>) : null),
      listener.error,
    );
  }

  /** A job's attempts in the order they started (never by document id: ids are an engine detail). */
  watchAttempts(jobId: string, listener: Listener<Attempt[]>): Unsubscribe {
    const q = query(collection(this.db, COLLECTIONS.jobs, jobId, COLLECTIONS.attempts), orderBy("started_at"));
    return onSnapshot(q, (snap) => listener.next(snap.docs.map((d) => toAttempt(d.id, record(d)))), listener.error);
  }

  /** The plan a job froze before applying it (null while it has none, or if it is gone). */
  watchFrozenPlan(jobId: string, planId: string, listener: Listener<FrozenPlan | null>): Unsubscribe {
    return onSnapshot(
      doc(this.db, COLLECTIONS.jobs, jobId, COLLECTIONS.plans, planId),
      (snap) => listener.next(snap.exists() ? toFrozenPlan(snap.id, plain(snap.data()) as Record<string, unknown>) : null),
      listener.error,
    );
  }

  /** A job's change-journal entries in the order they were applied. */
  watchChanges(jobId: string, listener: Listener<Change[]>): Unsubscribe {
    const q = query(collection(this.db, COLLECTIONS.changes), where("job_id", "==", jobId));
    return onSnapshot(q, (snap) => listener.next(snap.docs.map((d) => toChange(d.id, record(d))).sort(byAppliedAt)), listener.error);
  }

  async historyPage(filter: HistoryFilter, pageSize: number, after?: HistoryCursor): Promise<HistoryPage> {
    const constraints: QueryConstraint[] = [];
    if (filter.family) {
      const jobIds = await this.jobIdsOfFamily(filter.family);
      if (jobIds.length === 0) return { rows: [], next: null };
      constraints.push(where("job_id", "in", jobIds));
    }
    if (filter.type) constraints.push(where("type", "==", filter.type));
    if (filter.status) constraints.push(where("attempt_status", "==", filter.status));
    if (filter.from) constraints.push(where("finished_at", ">=", filter.from));
    if (filter.until) constraints.push(where("finished_at", "<", filter.until));
    constraints.push(orderBy("finished_at", "desc"));
    if (after) constraints.push(startAfter(after.snapshot));
    const snap = await getDocs(query(collection(this.db, COLLECTIONS.runSummaries), ...constraints, limit(pageSize + 1)));
    const docs = snap.docs.slice(0, pageSize);
    const last = docs[docs.length - 1];
    return {
      rows: docs.map((d) => toRunSummary(d.id, record(d))),
      next: snap.docs.length > pageSize && last ? { snapshot: last } : null,
    };
  }

  /**
   * Run summaries carry no family, so a family filter goes through the jobs: the latest jobs whose
   * payload names the family (FAMILY_AUDIT, FAMILY_NORMALIZE, FAMILY_SPLIT).
   */
  private async jobIdsOfFamily(family: string): Promise<string[]> {
    const q = query(
      collection(this.db, COLLECTIONS.jobs),
      where("payload.family_slug", "==", family),
      orderBy("created_at", "desc"),
      limit(FAMILY_JOBS_LIMIT),
    );
    return (await getDocs(q)).docs.map((d) => d.id);
  }

  /** Run summaries finished in [from, until), for the duration chart. */
  async runsBetween(from: Date, until: Date, max = 2000): Promise<RunSummary[]> {
    const q = query(
      collection(this.db, COLLECTIONS.runSummaries),
      where("finished_at", ">=", from),
      where("finished_at", "<", until),
      orderBy("finished_at"),
      limit(max),
    );
    return (await getDocs(q)).docs.map((d) => toRunSummary(d.id, record(d)));
  }

  /** Each day's totals, live: one listener per day on its counter shards. */
  watchDailyTotals(days: string[], listener: Listener<DailyTotals[]>): Unsubscribe {
    const totals = new Map<string, DailyTotals>();
    const emit = () => {
      if (totals.size === days.length) listener.next(days.map((day) => totals.get(day) ?? emptyTotals(day)));
    };
    const unsubscribes = days.map((day) =>
      onSnapshot(
        collection(this.db, COLLECTIONS.dailySummaries, day, COLLECTIONS.dailyShards),
        (snap) => {
          totals.set(
            day,
            sumShards(
              day,
              snap.docs.map((d) => d.data()),
            ),
          );
          emit();
        },
        listener.error,
      ),
    );
    return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
  }
}

export interface HistoryFilter {
  type?: string;
  status?: string;
  family?: string;
  from?: Date;
  /** Exclusive. */
  until?: Date;
}

/** Where the next history page starts; opaque to views. */
export interface HistoryCursor {
  snapshot: QueryDocumentSnapshot<DocumentData>;
}

export interface HistoryPage {
  rows: RunSummary[];
  next: HistoryCursor | null;
}

function emptyTotals(day: string): DailyTotals {
  return {
    day,
    runs: 0,
    by_type: {},
    by_status: {},
    by_mode: {},
    changes: 0,
    scanner_fail: 0,
    llm_calls: 0,
    llm_input_tokens: 0,
    llm_output_tokens: 0,
    llm_cost_usd: 0,
  };
}

/** The day's totals are the sum of its shards (counters and per-key maps alike). */
export function sumShards(day: string, shards: DocumentData[]): DailyTotals {
  const total = emptyTotals(day);
  const counters = ["runs", "changes", "scanner_fail", "llm_calls", "llm_input_tokens", "llm_output_tokens", "llm_cost_usd"] as const;
  const maps = ["by_type", "by_status", "by_mode"] as const;
  for (const shard of shards) {
    for (const key of counters) total[key] += Number(shard[key] ?? 0);
    for (const key of maps) {
      for (const [name, count] of Object.entries((shard[key] as Record<string, number> | undefined) ?? {})) {
        total[key][name] = (total[key][name] ?? 0) + Number(count);
      }
    }
  }
  return total;
}
