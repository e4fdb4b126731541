/**
 * A target is measured only on rows that completed every unit they asked for (bench/targets.ts): a
 * stalled level, a shard that failed fast, day views that disagree or a watchdog sweep that recovered
 * nothing would otherwise pass on figures of a part of the run.
 */
import type { OpCounts } from "../../bench/billing-counter";
import { medianRound, type Row } from "../../bench/support/row";
import { evaluateTargets } from "../../bench/targets";

const counts = (reads: number): OpCounts => ({
  reads,
  indexReads: 0,
  writes: reads,
  deletes: 0,
  failedWrites: 0,
  failedCommits: 0,
  rpcs: reads,
  byMethod: {},
  readsByMethod: {},
});

/** A row that completed its units, with the figures the targets read; `fields` changes any of them. */
function row(id: string, fields: Partial<Row> = {}): Row {
  return {
    id,
    scenario: id,
    variant: "",
    per: "job",
    units: 1000,
    completed: 1000,
    counts: counts(1000),
    seconds: 10,
    throughput: 100,
    latencyMs: { p50: 1000, p95: 1000, max: 1000 },
    extra: { timed_out: "no" },
    ...fields,
  };
}

const met = (rows: Row[], target: string, what: string) =>
  evaluateTargets(rows).find((result) => result.row === target && result.what.startsWith(what))!.met;

const workerRows = (at4: Partial<Row>) => [
  row("naive@4", { throughput: 10 }),
  row("worker.no_change@1", { throughput: 100 }),
  row("worker.no_change@4", { throughput: 200, ...at4 }),
];

describe("a worker level that did not complete its jobs", () => {
  it("is measured when it completed them all", () => {
    expect(met(workerRows({}), "worker.no_change@4", "jobs/s ÷ jobs/s at 1 worker")).toBe(true);
    expect(met(workerRows({}), "worker.no_change@4", "jobs/s ÷ naive baseline")).toBe(true);
  });

  it("is not measured when it stalled after part of them, however fast that part ran", () => {
    const stalled = workerRows({ completed: 300 });
    expect(met(stalled, "worker.no_change@4", "jobs/s ÷ jobs/s at 1 worker")).toBeNull();
    expect(met(stalled, "worker.no_change@4", "jobs/s ÷ naive baseline")).toBeNull();
  });

  it("is compared with a naive baseline that collapsed: finishing part of its jobs in the time allowed is its measurement", () => {
    const rows = workerRows({}).map((r) => (r.id === "naive@4" ? { ...r, completed: 862, extra: { timed_out: "yes" } } : r));
    expect(met(rows, "worker.no_change@4", "jobs/s ÷ naive baseline")).toBe(true);
  });

  it("is not measured when it timed out, even with every job done", () => {
    expect(met(workerRows({ extra: { timed_out: "yes" } }), "worker.no_change@4", "jobs/s ÷ jobs/s at 1 worker")).toBeNull();
  });

  it("takes its per-job figures out of the targets too", () => {
    const partial = [row("worker.no_change@1", { completed: 300, counts: counts(300) })];
    expect(met(partial, "worker.no_change@1", "reads/job")).toBeNull();
    expect(met(partial, "worker.no_change@1", "writes/job")).toBeNull();
  });

  it("is shown by its incomplete round, not by the median of its rounds", () => {
    const rounds = [row("worker.no_change@4"), row("worker.no_change@4", { completed: 300, throughput: 400 }), row("worker.no_change@4")];
    const level = medianRound(rounds);
    expect(level.completed).toBe(300);
    expect(level.extra.incomplete_round).toBe(2);
    expect(met([...workerRows({}).slice(0, 2), level], "worker.no_change@4", "jobs/s ÷ jobs/s at 1 worker")).toBeNull();
  });
});

describe("the shard's wall time", () => {
  const shard = (id: string, ms: number, completed: number) =>
    row(id, { per: "shard", units: 1, completed, throughput: null, latencyMs: { p50: ms, p95: ms, max: ms } });

  it("is measured when both shards ended as expected", () => {
    expect(met([shard("shard.c1", 4000, 1), shard("shard.c4", 1000, 1)], "shard.c4", "wall time")).toBe(true);
  });

  it("is not measured when the shard at concurrency 4 failed fast", () => {
    expect(met([shard("shard.c1", 4000, 1), shard("shard.c4", 50, 0)], "shard.c4", "wall time")).toBeNull();
  });
});

describe("the daily totals' read ratio", () => {
  const view = (id: string, reads: number, completed: number) => row(id, { per: "day view", units: 1, completed, counts: counts(reads) });

  it("is not measured when the two ways gave different totals", () => {
    expect(met([view("daily.shards", 16, 1), view("daily.aggregation", 31, 1)], "daily.shards", "reads per day view")).toBe(true);
    expect(met([view("daily.shards", 16, 0), view("daily.aggregation", 31, 0)], "daily.shards", "reads per day view")).toBeNull();
  });
});

describe("the reads per expired lease", () => {
  const sweep = (id: string, reads: number, extra: Row["extra"]) =>
    row(id, { per: "sweep", units: 1, completed: 1, counts: counts(reads), extra });
  const sweeps = (expiredReads: number, recovered: number) => [
    sweep("watchdog.finished", 9, { expired_leases: 0, recovered: 0 }),
    sweep("watchdog.expired", expiredReads, { expired_leases: 10, recovered }),
  ];
  const target = (rows: Row[]) => evaluateTargets(rows).find((result) => result.row === "watchdog.expired")!;

  it("divides the added reads by the leases recovered", () => {
    expect(target(sweeps(19, 10))).toMatchObject({ measured: 1, met: true });
    expect(target(sweeps(49, 10))).toMatchObject({ measured: 4, met: false });
  });

  it("is not measured when the sweep recovered none of the leases planted, or only some", () => {
    expect(target(sweeps(9, 0))).toMatchObject({ measured: null, met: null });
    expect(target(sweeps(14, 5))).toMatchObject({ measured: null, met: null });
  });
});

describe("the ratios to the naive baseline", () => {
  it("are of the round run beside the baseline, not of the median of rounds the emulator ran faster", () => {
    // The baseline ran beside the first round (40 jobs/s); the level's median round ran at 200.
    const rows = [
      row("naive@4", { throughput: 10 }),
      row("worker.no_change@4", { throughput: 200, besideNaive: row("worker.no_change@4", { throughput: 40 }) }),
    ];
    const ratio = evaluateTargets(rows).find((result) => result.what.startsWith("jobs/s ÷ naive baseline (4"))!;
    expect([ratio.measured, ratio.met]).toEqual([4, false]);
  });
});
