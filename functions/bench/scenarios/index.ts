/** The scenarios by the names BENCH_SCENARIOS uses, each returning its rows in table order. */
import type { BenchContext } from "../support/context";
import { medianRound, type Row } from "../support/row";
import type { SCENARIO_NAMES } from "../settings";
import { runClientPath } from "./client-path";
import { runDailyTotals } from "./daily-totals";
import { runEnrichmentShard } from "./enrichment-shard";
import { runLeaseRace } from "./lease-race";
import { runModuleLoad } from "./module-load";
import { runNaiveLevel } from "./naive";
import { runWatchdogScenario } from "./watchdog";
import { APPLY_JOB, NO_CHANGE_JOB, runWorkerLevel } from "./worker-path";

type Scenario = (ctx: BenchContext) => Promise<Row[]>;

async function inTurn<T>(items: readonly T[], run: (item: T) => Promise<Row[]>): Promise<Row[]> {
  const rows: Row[] = [];
  for (const item of items) rows.push(...(await run(item)));
  return rows;
}

export const SCENARIOS: Record<(typeof SCENARIO_NAMES)[number], Scenario> = {
  worker: async (ctx) => {
    const { workers, jobs, rounds } = ctx.settings;
    const engine = new Map<number, Row[]>(workers.map((level) => [level, []]));
    const naive = new Map<number, Row>();
    for (let round = 0; round < rounds; round++) {
      // Each round starts one level further on (1, 4, 16; then 4, 16, 1; then 16, 1, 4), so no level
      // always runs right after the same one, or always last, while the emulator's JVM collects
      // what the level before left behind.
      const shift = round % workers.length;
      for (const level of [...workers.slice(shift), ...workers.slice(0, shift)]) {
        engine.get(level)!.push(await runWorkerLevel(ctx, NO_CHANGE_JOB, jobs, level));
        // The naive baseline runs once, right after the engine's first round at its level, so both see the machine alike.
        if (round === 0) naive.set(level, await runNaiveLevel(ctx, jobs, level));
      }
    }
    return workers.flatMap((level) => [{ ...medianRound(engine.get(level)!), besideNaive: engine.get(level)![0] }, naive.get(level)!]);
  },
  apply: (ctx) => inTurn(ctx.settings.workers, async (workers) => [await runWorkerLevel(ctx, APPLY_JOB, ctx.settings.applyJobs, workers)]),
  client: (ctx) => inTurn(["burst", "paced"] as const, async (mode) => [await runClientPath(ctx, mode)]),
  race: async (ctx) => [await runLeaseRace(ctx)],
  watchdog: (ctx) => runWatchdogScenario(ctx),
  daily: (ctx) => runDailyTotals(ctx),
  shard: (ctx) => inTurn(ctx.settings.shardConcurrency, async (concurrency) => [await runEnrichmentShard(ctx, concurrency)]),
  load: (ctx) => runModuleLoad(ctx),
};

/** The naive pattern's warm-up: enough to run its transactions' code paths warm; more would take a minute. */
const NAIVE_WARM_UP_JOBS = 40;

/**
 * A fresh emulator's JVM is slow until its code is compiled: an unreported run of the engine (and a
 * short one of the naive pattern) first, so the first measured level is not the one that pays for it.
 * With 40 jobs, the first round of the first level still measured 95–103 jobs/s against 145–162 in
 * its later rounds.
 */
export async function warmUp(ctx: BenchContext): Promise<void> {
  const jobs = ctx.settings.warmUpJobs;
  if (jobs === 0 || ctx.settings.scenarios.every((name) => name === "load")) return;
  await runWorkerLevel(ctx, NO_CHANGE_JOB, jobs, 4);
  await runNaiveLevel(ctx, Math.min(jobs, NAIVE_WARM_UP_JOBS), 4);
}
