/** One line of the benchmark's table, as the scenarios report it and bench-results.json stores it. */
import type { OpCounts } from "../billing-counter";
import { round, type Spread } from "./stats";

export interface Row {
  /** Stable key the targets refer to, e.g. "worker.no_change@4". */
  id: string;
  scenario: string;
  /** Workers or mode, and whether the workers are separate client instances. */
  variant: string;
  /** What the per-unit figures are per: "job", "race", "sweep", "shard", "load". */
  per: string;
  /** Units asked for (jobs, races, sweeps, ...). */
  units: number;
  /** Units that reached the expected end (a job its final status); per-unit figures divide by this. */
  completed: number;
  /** Billed operations of the counted clients, in total. */
  counts: OpCounts | null;
  /** Wall time of the measured part. */
  seconds: number | null;
  /** Completed jobs per second of wall time. */
  throughput: number | null;
  /** Creation → final status for jobs; the row says what for other units. */
  latencyMs: Spread | null;
  /** What else the scenario measured (conflicts, statuses, ...). */
  extra: Record<string, number | string>;
  /**
   * A median of rounds: the round measured right beside the naive baseline, which the ratios to it are
   * of, as the emulator's pace moves over a run (its first rounds are its slowest).
   */
  besideNaive?: Row;
}

/** The row's billed operations per completed unit. */
export function perUnit(row: Row): { reads: number; writes: number; rpcs: number } | null {
  if (!row.counts || row.completed === 0) return null;
  return { reads: row.counts.reads / row.completed, writes: row.counts.writes / row.completed, rpcs: row.counts.rpcs / row.completed };
}

/**
 * Whether every unit asked for reached its expected end within the time limit. Only such a row measures
 * what its targets claim: a run that stalled or failed fast has per-unit figures and jobs/s of a part.
 */
export function complete(row: Row): boolean {
  return row.completed === row.units && row.extra.timed_out !== "yes";
}

/**
 * Of the rounds of one level (in the order they ran), the round of median throughput (the lower of the
 * two middle ones for an even count), its figures as they were, with every round's jobs/s beside them.
 * A level with a round that did not complete is shown by the first such round: the level stalled, and
 * the median of the others would hide it.
 */
export function medianRound(rounds: readonly Row[]): Row {
  if (rounds.length === 1) return rounds[0];
  const byThroughput = [...rounds].sort((a, b) => (a.throughput ?? 0) - (b.throughput ?? 0));
  const incomplete = rounds.find((row) => !complete(row));
  const shown = incomplete ?? byThroughput[Math.floor((byThroughput.length - 1) / 2)];
  const rates = rounds.map((row) => (row.throughput === null ? "–" : String(round(row.throughput))));
  const which = incomplete ? "incomplete_round" : "median_round";
  return { ...shown, extra: { ...shown.extra, rounds_jobs_per_s: rates.join(" / "), [which]: rounds.indexOf(shown) + 1 } };
}
