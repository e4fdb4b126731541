/**
 * The lease race: one queued job, W workers (each its own client, connected beforehand) asking for
 * the next job at the same moment, repeated over several rounds. Measured: the time from the start
 * to the winner's lease (the job's `started_at`, which the engine sets when it leases), the time until
 * every worker has given up or finished, the refused commits (the losers' conflicts), and what the
 * whole race bills. Exactly one winner per race is the engine's promise; a round with another number
 * is reported.
 */
import { createEngine } from "../../src/create-engine";
import { OpCounter } from "../billing-counter";
import { withClients } from "../support/clients";
import type { BenchContext } from "../support/context";
import { NO_TASKS, createJobs, readJobOutcomes } from "../support/jobs";
import { ErrorTally } from "../support/errors";
import type { Row } from "../support/row";
import { median, spreadOf } from "../support/stats";
import { NO_CHANGE_JOB } from "./worker-path";

export async function runLeaseRace(ctx: BenchContext): Promise<Row> {
  const { raceWorkers: workers, raceRounds: rounds } = ctx.settings;
  const { config, registry } = NO_CHANGE_JOB;
  const project = await ctx.project();
  return withClients(project.id, async (clients) => {
    const seeder = clients.open("race-seeder");
    const seederEngine = createEngine({ db: seeder, config, tasks: NO_TASKS, registry });
    const counter = new OpCounter();
    const dbs = Array.from({ length: workers }, (_, i) => clients.open(`racer${i}`));
    // Connected before the race, so the race does not measure channel set-up; counted from here on.
    await Promise.all(dbs.map((db) => db.collection("bench_warmup").doc("x").get()));
    dbs.forEach((db) => clients.count(db, counter));
    const engines = dbs.map((db) => createEngine({ db, config, tasks: NO_TASKS, registry }));

    const toWinner: number[] = [];
    const toAllDone: number[] = [];
    const winnersPerRace: number[] = [];
    const errors = new ErrorTally();
    for (let round = 0; round < rounds; round++) {
      await project.clear();
      await createJobs(seederEngine, await NO_CHANGE_JOB.prepare(seeder, 1, 1));
      const started = Date.now();
      const reports = await Promise.all(
        engines.map((engine, i) => errors.guard(() => engine.worker(`racer-${round}-${i}`).runNext(["priority"]))),
      );
      toAllDone.push(Date.now() - started);
      winnersPerRace.push(reports.filter((report) => report).length);
      const [job] = await readJobOutcomes(seeder);
      if (job?.startedAt) toWinner.push(job.startedAt.getTime() - started);
    }
    const counts = counter.counts;
    return {
      id: "race",
      scenario: "lease race: 1 job",
      variant: `${workers} workers, own clients`,
      per: "race",
      units: rounds,
      completed: winnersPerRace.filter((winners) => winners === 1).length,
      counts,
      seconds: toAllDone.reduce((sum, ms) => sum + ms, 0) / 1000,
      throughput: null,
      latencyMs: spreadOf(toWinner),
      extra: {
        latency_is: "race start → the winner's lease",
        all_workers_done_p50_ms: median(toAllDone),
        conflicts_per_race: counts.failedCommits / rounds,
        winners_per_race: winnersPerRace.join(","),
        ...errors.extra,
      },
    };
  });
}
