/**
 * Daily totals, the two ways the issue asks to compare, over one day of run summaries written by the
 * engine's own `recordRun`:
 *
 * - sharded counters (what the engine keeps): each run adds one write, to a random counter shard, in
 *   the batch that ends its attempt; a day's totals are its shards (at most 16 reads); a console that
 *   watches the day (the Days view does) is told of each run by its listener on the shards;
 * - aggregation queries over the run summaries: no write; a day's totals take two queries of sums
 *   and one count() for each type, status and mode, each billed per 1,000 summaries matched; an
 *   aggregation cannot be listened to, so a live view would run them all again.
 *
 * Counted by the billing counter; the two must give the same totals, or the row says so.
 */
import { AggregateField, type DocumentReference, type Firestore, type Query, Timestamp } from "firebase-admin/firestore";
import { registry } from "../../src/handlers";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { JOB_STATUSES } from "../../src/jobs/lifecycle";
import { MODES } from "../../src/jobs/model";
import { DAILY_BREAKDOWNS, DAILY_COUNTERS, RunHistory, type RunSummary, dayKey, recordRun } from "../../src/jobs/run-history";
import type { Writes } from "../../src/jobs/writes";
import { sameValue } from "../../src/util/document-diff";
import { OpCounter, type OpCounts, countOps } from "../billing-counter";
import { withClients } from "../support/clients";
import type { BenchContext } from "../support/context";
import type { Row } from "../support/row";

const DAY = new Date(Date.UTC(2026, 0, 15));
const ATTEMPT_STATUSES = [...JOB_STATUSES, "lease_expired"] as const;
/** Runs recorded while a listener watches the day, for the live figure. */
const LIVE_RUNS = 50;

/** A run of the day with varied type, status, mode and usage, so every total has something to add up. */
function runOf(i: number): RunSummary {
  const started = new Date(DAY.getTime() + 60_000 + i * 1000);
  return {
    job_id: `bench-daily-${i}`,
    job_created_at: DAY,
    attempt: 1,
    lease_epoch: 1,
    type: registry.types[i % registry.types.length],
    subjects: [],
    lane: "priority",
    priority: 100,
    attempt_status: ATTEMPT_STATUSES[i % ATTEMPT_STATUSES.length],
    job_status: "succeeded",
    mode: MODES[i % MODES.length],
    worker_id: "bench",
    started_at: started,
    finished_at: new Date(started.getTime() + 500),
    changes_count: i % 3,
    changes_preview: [],
    error: null,
    scanner_fail: i % 2,
    llm: { calls: i % 4, input_tokens: 100 * (i % 4), output_tokens: 40 * (i % 4), estimated_cost_usd: 0.001 * (i % 4) },
  };
}

/**
 * Records runs `from`..`to` (exclusive) as the engine's final batches do, with the shard write or
 * without it, `perCommit` runs to a commit (the engine commits one run at a time; seeding takes more).
 */
async function recordRuns(db: Firestore, from: number, to: number, options: { withShards: boolean; perCommit: number }): Promise<void> {
  const expire = Timestamp.fromMillis(DAY.getTime() + 400 * 86_400_000);
  for (let start = from; start < to; start += options.perCommit) {
    const batch = db.batch();
    // Without shards only the run summary is written (`recordRun` creates it; the shard is a merge set).
    const writes: Writes = options.withShards
      ? batch
      : { create: (ref: DocumentReference, data) => batch.create(ref, data), set: () => undefined, update: () => undefined };
    for (let i = start; i < Math.min(to, start + options.perCommit); i++) recordRun(writes, db, runOf(i), expire);
    await batch.commit();
  }
}

type Totals = Record<string, number | Record<string, number>>;

/** The day's totals from aggregation queries over its run summaries, in the shape the shards sum to. */
async function aggregatedTotals(db: Firestore, day: Date): Promise<Totals> {
  const runs: Query = db
    .collection(JOB_COLLECTIONS.runSummaries)
    .where("finished_at", ">=", Timestamp.fromDate(day))
    .where("finished_at", "<", Timestamp.fromMillis(day.getTime() + 86_400_000));
  const count = AggregateField.count();
  const sum = (field: string) => AggregateField.sum(field);
  // At most five aggregations a query; each also counts, so what it read is known.
  const [usage, tokens] = await Promise.all([
    runs
      .aggregate({
        runs: count,
        changes: sum("changes_count"),
        scanner_fail: sum("scanner_fail"),
        llm_calls: sum("llm.calls"),
        llm_cost_usd: sum("llm.estimated_cost_usd"),
      })
      .get(),
    runs.aggregate({ runs: count, llm_input_tokens: sum("llm.input_tokens"), llm_output_tokens: sum("llm.output_tokens") }).get(),
  ]);
  const countsBy = async (field: string, values: readonly string[]) => {
    const counts: Record<string, number> = {};
    await Promise.all(
      values.map(async (value) => {
        const n = (await runs.where(field, "==", value).count().get()).data().count;
        if (n > 0) counts[value] = n;
      }),
    );
    return counts;
  };
  const [byType, byStatus, byMode] = await Promise.all([
    countsBy("type", registry.types),
    countsBy("attempt_status", ATTEMPT_STATUSES),
    countsBy("mode", MODES),
  ]);
  return { ...usage.data(), ...tokens.data(), by_type: byType, by_status: byStatus, by_mode: byMode };
}

// Every total a day has (the engine's one list); the money apart, compared rounded.
const COMPARED = [...DAILY_COUNTERS.filter((key) => key !== "llm_cost_usd"), ...DAILY_BREAKDOWNS];

/** The fields both ways keep, with sums of money rounded to what a report shows. */
function comparable(totals: Record<string, unknown>): Record<string, unknown> {
  const picked = Object.fromEntries(COMPARED.map((key) => [key, totals[key]]));
  return { ...picked, llm_cost_usd: Number(totals.llm_cost_usd).toFixed(6) };
}

/** Whether two ways gave the same totals, the breakdowns' counts included: compared at every depth, in any key order. */
export function sameTotals(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return sameValue(comparable(a), comparable(b));
}

/** The shards' listener reads while `LIVE_RUNS` more runs are recorded. */
async function liveReadsPerRun(watcher: Firestore, writer: Firestore, runs: number, counter: OpCounter): Promise<number> {
  const shards = watcher.collection(JOB_COLLECTIONS.dailySummaries).doc(dayKey(DAY)).collection(JOB_COLLECTIONS.dailyShards);
  let seen = 0;
  let ready!: () => void;
  const first = new Promise<void>((resolve) => (ready = resolve));
  const stop = shards.onSnapshot((snap) => {
    seen = snap.docs.reduce((total, doc) => total + ((doc.get("runs") as number | undefined) ?? 0), 0);
    ready();
  });
  try {
    await first;
    const before = counter.counts.reads;
    await recordRuns(writer, runs, runs + LIVE_RUNS, { withShards: true, perCommit: 1 });
    for (const deadline = Date.now() + 10_000; seen < runs + LIVE_RUNS && Date.now() < deadline;)
      await new Promise((resolve) => setTimeout(resolve, 50));
    if (seen < runs + LIVE_RUNS) throw new Error(`the listener saw ${seen} runs of ${runs + LIVE_RUNS}`);
    return (counter.counts.reads - before) / LIVE_RUNS;
  } finally {
    stop();
  }
}

function dayViewRow(
  id: string,
  scenario: string,
  runs: number,
  view: { counts: OpCounts; ms: number; matches: boolean },
  extra: Row["extra"],
): Row {
  return {
    id,
    scenario,
    variant: `${runs} runs in the day`,
    per: "day view",
    units: 1,
    completed: view.matches ? 1 : 0,
    counts: view.counts,
    seconds: view.ms / 1000,
    throughput: null,
    latencyMs: { p50: view.ms, p95: view.ms, max: view.ms },
    extra: { latency_is: "the day view's wall time", ...extra },
  };
}

export async function runDailyTotals(ctx: BenchContext): Promise<Row[]> {
  const runs = ctx.settings.dailyRuns;
  const project = await ctx.project();
  return withClients(project.id, async (clients) => {
    const writer = clients.open("daily-writer");
    const reader = clients.open("daily-reader");
    // Counted once; timed as the median of three runs, on a reader whose connection is already open.
    const timed = async <T>(fn: () => Promise<T>) => {
      const { result, counts } = await countOps(reader, fn);
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        await fn();
        times.push(performance.now() - started);
      }
      return { result, counts, ms: Math.round(times.sort((a, b) => a - b)[1]) };
    };
    await reader.collection(JOB_COLLECTIONS.dailySummaries).limit(1).get();

    // The same runs both ways: summaries without shards first (aggregation), then with them (the engine's).
    const withoutShards = await countOps(writer, () => recordRuns(writer, 0, runs, { withShards: false, perCommit: 200 }));
    const aggregated = await timed(() => aggregatedTotals(reader, DAY));
    await project.clear();
    const withShards = await countOps(writer, () => recordRuns(writer, 0, runs, { withShards: true, perCommit: 200 }));
    const sharded = await timed(() => new RunHistory(reader).getDailySummary(dayKey(DAY)));
    const matches = sameTotals(aggregated.result, sharded.result);

    const counter = new OpCounter();
    const live = await liveReadsPerRun(clients.open("daily-console", counter), writer, runs, counter);
    const perRun = (counts: OpCounts) => counts.writes / runs;
    return [
      dayViewRow(
        "daily.shards",
        "daily totals: sharded counters (kept)",
        runs,
        { ...sharded, matches },
        {
          writes_per_run: perRun(withShards.counts),
          live_reads_per_run: live,
        },
      ),
      dayViewRow(
        "daily.aggregation",
        "daily totals: aggregation queries over run summaries",
        runs,
        { ...aggregated, matches },
        {
          writes_per_run: perRun(withoutShards.counts),
          live_reads_per_run: "none: an aggregation cannot be listened to; a refresh costs a day view",
          same_totals: matches ? "yes" : "NO",
        },
      ),
    ];
  });
}
