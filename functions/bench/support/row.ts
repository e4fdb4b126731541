/** One line of the benchmark's table, as the scenarios report it and bench-results.json stores it. */
import type { OpCounts } from "../billing-counter";
import type { Spread } from "./stats";

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
}

/** The row's billed operations per completed unit. */
export function perUnit(row: Row): { reads: number; writes: number; rpcs: number } | null {
  if (!row.counts || row.completed === 0) return null;
  return { reads: row.counts.reads / row.completed, writes: row.counts.writes / row.completed, rpcs: row.counts.rpcs / row.completed };
}
