import type { JobStatus } from "./model";
import { isPlainRecord } from "../util/object-paths";

export interface ShardCounters {
  /** Null until the parent has created every shard. */
  total: number | null;
  done: number;
  succeeded: number;
  failed: number;
}

/** A stored count, or 0 when it is missing or not a number. */
export function countValue(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

export function readShardCounters(raw: unknown): ShardCounters {
  const shards = isPlainRecord(raw) ? raw : {};
  return {
    total: typeof shards.total === "number" ? shards.total : null,
    done: countValue(shards.done),
    succeeded: countValue(shards.succeeded),
    failed: countValue(shards.failed),
  };
}

export function isSuccessStatus(status: JobStatus): boolean {
  return status === "succeeded" || status === "succeeded_dry_run";
}

/** The counters after one more shard finished with `status`. */
export function countFinishedShard(counters: ShardCounters, status: JobStatus): ShardCounters {
  const succeeded = isSuccessStatus(status);
  return {
    ...counters,
    done: counters.done + 1,
    succeeded: counters.succeeded + (succeeded ? 1 : 0),
    failed: counters.failed + (succeeded ? 0 : 1),
  };
}

export function allShardsDone(counters: ShardCounters): boolean {
  return counters.total !== null && counters.done >= counters.total;
}
