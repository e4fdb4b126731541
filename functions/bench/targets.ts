/**
 * The targets of issue 12, as data: each names the row it is shown on, what it measures (from the
 * rows of one run, so every ratio compares figures measured side by side), and its limit. The table
 * and bench-results.json both come from this list, so the README and the check cannot disagree.
 */
import { type Row, complete, perUnit } from "./support/row";
import { NAIVE_ROW } from "./scenarios/naive";

type Rows = (id: string) => Row | undefined;

interface Target {
  /** The row the target is shown on. */
  row: string;
  what: string;
  compare: "at most" | "at least" | "under";
  limit: number;
  /** The measured value, or null when a row it needs was not measured, or not to the end (`complete`). */
  measure: (rows: Rows) => number | null;
}

const reads = (id: string) => (rows: Rows) => perUnitOf(rows(id))?.reads ?? null;
const writes = (id: string) => (rows: Rows) => perUnitOf(rows(id))?.writes ?? null;
const perUnitOf = (row: Row | undefined) => (row ? perUnit(row) : null);

/** `a`'s throughput over `b`'s. */
const throughputRatio = (a: string, b: string) => (rows: Rows) => ratio(rows(a)?.throughput, rows(b)?.throughput);
/** `a`'s jobs/s in the round run beside the naive baseline `naive`, over the baseline's. */
const naiveRatio = (a: string, naive: string) => (rows: Rows) => {
  const row = rows(a);
  return ratio((row?.besideNaive ?? row)?.throughput, rows(naive)?.throughput);
};
/** `a`'s median latency over `b`'s (the wall time of a single-unit row). */
const p50Ratio = (a: string, b: string) => (rows: Rows) => ratio(rows(a)?.latencyMs?.p50, rows(b)?.latencyMs?.p50);

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;
}

/** Reads a sweep added over another sweep, per unit of `per`. */
const readsAdded = (a: string, b: string, per: (rows: Rows) => number | null) => (rows: Rows) => {
  const [over, under, units] = [rows(a)?.counts?.reads, rows(b)?.counts?.reads, per(rows)];
  return over === undefined || under === undefined || !units ? null : (over - under) / units;
};

/**
 * The leases the expired sweep recovered, when it recovered every one planted: a sweep that recovers
 * none adds no reads, and would pass per lease planted. (The scenario counts such a sweep incomplete
 * too; the target does not rely on it.)
 */
function recoveredLeases(rows: Rows): number | null {
  const extra = rows("watchdog.expired")?.extra;
  const recovered = Number(extra?.recovered);
  return recovered > 0 && recovered === Number(extra?.expired_leases) ? recovered : null;
}

const TARGETS: readonly Target[] = [
  { row: "worker.no_change@1", what: "reads/job", compare: "at most", limit: 3, measure: reads("worker.no_change@1") },
  { row: "worker.no_change@1", what: "writes/job", compare: "at most", limit: 6, measure: writes("worker.no_change@1") },
  { row: "worker.no_change@16", what: "reads/job", compare: "at most", limit: 7, measure: reads("worker.no_change@16") },
  {
    row: "worker.no_change@1",
    what: "jobs/s ÷ naive baseline (1 worker)",
    compare: "at least",
    limit: 2.5,
    measure: naiveRatio("worker.no_change@1", `${NAIVE_ROW}1`),
  },
  {
    row: "worker.no_change@4",
    what: "jobs/s ÷ naive baseline (4 workers)",
    compare: "at least",
    limit: 5,
    measure: naiveRatio("worker.no_change@4", `${NAIVE_ROW}4`),
  },
  {
    row: "worker.no_change@4",
    what: "jobs/s ÷ jobs/s at 1 worker (never falls)",
    compare: "at least",
    limit: 1,
    measure: throughputRatio("worker.no_change@4", "worker.no_change@1"),
  },
  {
    row: "worker.no_change@16",
    what: "jobs/s ÷ jobs/s at 4 workers (never falls)",
    compare: "at least",
    limit: 1,
    measure: throughputRatio("worker.no_change@16", "worker.no_change@4"),
  },
  { row: "client.burst", what: "reads/job (FAMILY_AUDIT dry run)", compare: "at most", limit: 6, measure: reads("client.burst") },
  { row: "client.burst", what: "writes/job (FAMILY_AUDIT dry run)", compare: "at most", limit: 7, measure: writes("client.burst") },
  { row: "client.paced", what: "reads/job (FAMILY_AUDIT dry run)", compare: "at most", limit: 6, measure: reads("client.paced") },
  { row: "client.paced", what: "writes/job (FAMILY_AUDIT dry run)", compare: "at most", limit: 7, measure: writes("client.paced") },
  {
    row: "client.burst",
    what: "jobs/s ÷ worker path at 4 workers",
    compare: "at least",
    limit: 0.5,
    measure: throughputRatio("client.burst", "worker.no_change@4"),
  },
  {
    row: "watchdog.expired",
    what: "reads per expired lease (over the sweep with none expired)",
    compare: "at most",
    limit: 2,
    measure: readsAdded("watchdog.expired", "watchdog.finished", recoveredLeases),
  },
  {
    row: "watchdog.finished",
    what: "reads the finished jobs add (over an empty database)",
    compare: "at most",
    limit: 0,
    measure: readsAdded("watchdog.finished", "watchdog.empty", () => 1),
  },
  {
    // "keep the cheaper one for the way the totals are read": a day view, which the console keeps open.
    row: "daily.shards",
    what: "reads per day view ÷ aggregation queries' (the kept way is the cheaper to read)",
    compare: "at most",
    limit: 1,
    measure: (rows) => ratio(rows("daily.shards")?.counts?.reads, rows("daily.aggregation")?.counts?.reads),
  },
  {
    row: "shard.c4",
    what: "wall time ÷ wall time at concurrency 1",
    compare: "under",
    limit: 0.4,
    measure: p50Ratio("shard.c4", "shard.c1"),
  },
  {
    row: "load.entry",
    what: "load time ÷ minimal module's",
    compare: "at most",
    limit: 1.2,
    measure: p50Ratio("load.entry", "load.minimal"),
  },
];

export interface TargetResult {
  row: string;
  what: string;
  compare: Target["compare"];
  limit: number;
  measured: number | null;
  /** null when not measured. */
  met: boolean | null;
}

export function evaluateTargets(rows: readonly Row[]): TargetResult[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  // A row that did not complete every unit is not measured: its figures are of a part of the run. The
  // naive baseline's are what it is compared on: its collapse (a level that finishes few of its jobs in
  // the time allowed, at the rate it finished them) is the measurement.
  const lookup: Rows = (id) => {
    const row = byId.get(id);
    return row && (complete(row) || id.startsWith(NAIVE_ROW)) ? row : undefined;
  };
  return TARGETS.map(({ measure, ...target }) => {
    const measured = measure(lookup);
    const met =
      measured === null
        ? null
        : target.compare === "at most"
          ? measured <= target.limit
          : target.compare === "at least"
            ? measured >= target.limit
            : measured < target.limit;
    return { ...target, measured, met };
  });
}
