/** The scheduled watchdog (also run by the CLI and the local runtime's timer). */
import type { Engine } from "../create-engine";
import { Watchdog, type WatchdogReport } from "../jobs/watchdog";

export function watchdogFor(engine: Engine): Watchdog {
  const { deps } = engine;
  return new Watchdog(
    {
      db: deps.db,
      queue: deps.queue,
      locks: deps.locks,
      now: deps.now,
      enqueueWakeup: (job) =>
        engine.tasks.enqueueWakeup({
          lane: job.queue,
          jobId: job.id,
          attempt: job.attempts,
          epoch: job.lease_epoch,
          runAfter: job.run_after,
          // A stale job's earlier task may exist under the plain name: re-enqueue under a new one.
          reason: job.reason === "stale_queued" ? `stale${Math.floor(deps.now().getTime() / deps.config.staleQueuedMs)}` : undefined,
        }),
      completeParent: engine.completeParent,
    },
    { budgetMs: deps.config.watchdogBudgetMs, staleQueuedMs: deps.config.staleQueuedMs },
  );
}

export function runScheduledWatchdog(engine: Engine, runId?: string): Promise<WatchdogReport> {
  return watchdogFor(engine).run(runId);
}
