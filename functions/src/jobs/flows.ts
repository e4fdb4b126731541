/**
 * Shard fan-in: when an enrichment shard reaches a final status, its parent's `shards` counters are
 * updated in a transaction, once per shard (a marker `catalog_jobs/{parent}/shard_results/{shard}`
 * is created in the same transaction, so a duplicated notification counts nothing). The shard that
 * completes the set wakes the parent: its `run_after` becomes now and a wake-up task is enqueued,
 * so a worker leases it and aggregates at once instead of at its next check.
 *
 * The parent's aggregation reads the shard jobs themselves, so a shard that never notified (its
 * lease expired and the watchdog deadlettered it) delays the parent only until its next check, or
 * until the watchdog's `wakeParent`.
 */
import { type DocumentSnapshot, Timestamp } from "firebase-admin/firestore";
import type { Job, JobStatus, Lane } from "./model";
import { isOpenStatus } from "./model";
import type { JobQueue } from "./queue";
import type { TaskQueuePort, WakeupTask } from "./task-queue";
import { allShardsDone, countFinishedShard, readShardCounters } from "./flow-counters";

export const SHARD_RESULTS = "shard_results";
const WAKE_REASON = "shards-done";

export interface FanInDeps {
  queue: JobQueue;
  tasks: TaskQueuePort;
  now: () => Date;
}

export type FanInOutcome = "counted" | "duplicate" | "parent_closed";

export class ShardFanIn {
  constructor(private readonly deps: FanInDeps) {}

  /** The worker's `onJobFinished` hook: only enrichment shards concern it. */
  async onJobFinished(job: Job, status: JobStatus): Promise<void> {
    if (job.type !== "CATALOG_ENRICH_FIELD_SHARD") return;
    await this.shardFinished(job.parent_job_id ?? job.payload.parent_job_id, job.id, status);
  }

  /** Counts `shardId` into its parent once; wakes the parent when it was the last one. */
  async shardFinished(parentId: string, shardId: string, status: JobStatus): Promise<FanInOutcome> {
    const { queue } = this.deps;
    const parentRef = queue.jobRef(parentId);
    const markerRef = parentRef.collection(SHARD_RESULTS).doc(shardId);
    const result = await queue.db.runTransaction(async (tx) => {
      const [parent, marker] = await tx.getAll(parentRef, markerRef);
      if (!parent.exists || !isOpenStatus(parent.get("status") as JobStatus)) return { outcome: "parent_closed" as const, wake: null };
      if (marker.exists) return { outcome: "duplicate" as const, wake: null };
      const now = Timestamp.fromDate(this.deps.now());
      const counters = countFinishedShard(readShardCounters(parent.get("shards")), status);
      const wake = allShardsDone(counters) && parent.get("status") === "deferred";
      tx.create(markerRef, { shard_id: shardId, status, recorded_at: now });
      tx.update(parentRef, { shards: counters, updated_at: now, ...(wake ? { run_after: now } : {}) });
      return { outcome: "counted" as const, wake: wake ? this.wakeupFor(parent) : null };
    });
    if (result.wake) await this.deps.tasks.enqueueWakeup(result.wake);
    return result.outcome;
  }

  /**
   * Makes a deferred parent due now and enqueues its wake-up (the watchdog's `completeParent`,
   * once it saw every shard final); a worker then aggregates and completes it. False when the
   * parent is not waiting.
   */
  async wakeParent(parentId: string): Promise<boolean> {
    const { queue } = this.deps;
    const parentRef = queue.jobRef(parentId);
    const wake = await queue.db.runTransaction(async (tx) => {
      const parent = await tx.get(parentRef);
      if (!parent.exists || parent.get("status") !== "deferred") return null;
      const now = Timestamp.fromDate(this.deps.now());
      if ((parent.get("run_after") as Timestamp).toMillis() > now.toMillis()) tx.update(parentRef, { run_after: now, updated_at: now });
      return this.wakeupFor(parent);
    });
    if (!wake) return false;
    await this.deps.tasks.enqueueWakeup(wake);
    return true;
  }

  /** Named after the parent's attempt and epoch: a second wake for the same wait enqueues nothing new. */
  private wakeupFor(parent: DocumentSnapshot): WakeupTask {
    return {
      lane: parent.get("queue") as Lane,
      jobId: parent.id,
      attempt: parent.get("attempts") as number,
      epoch: parent.get("lease_epoch") as number,
      runAfter: this.deps.now(),
      reason: WAKE_REASON,
    };
  }
}
