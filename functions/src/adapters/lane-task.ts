/** The task handler of a lane: a wake-up, validated, then the lane's ready jobs are run. */
import type { Engine } from "../create-engine";
import * as logs from "../jobs/logs";
import type { Lane } from "../jobs/model";
import { type ReceivedWakeup, WAKEUP_LIMITS, type WakeupPayload, type WakeupTask, wakeupPayloadSchema } from "../jobs/task-queue";
import type { DrainLimits, RunReport } from "../jobs/worker";
import { LANE_TASK_STOP_RUNS_AFTER_SECONDS } from "../tasks/lanes";

/** A lane task runs a wake-up's few jobs, and stops the last of them before the function's timeout cuts it off. */
export const LANE_TASK_LIMITS: DrainLimits = { ...WAKEUP_LIMITS, stopRunsAfterMs: LANE_TASK_STOP_RUNS_AFTER_SECONDS * 1000 };

/** Each further early arrival for the same target is scheduled a second later, so a clock that runs behind converges. */
const EARLY_ARRIVAL_STEP_MS = 1000;

/**
 * The wake-up asked for by a task that arrived before its job's `run_after`. Its name carries the
 * target time and the count of early arrivals, so it is never refused as a duplicate of the task that
 * arrived early (nor of an earlier early arrival), while a duplicated delivery of the same task still
 * enqueues nothing new.
 */
function wakeupAfterEarlyArrival(wakeup: WakeupPayload): WakeupTask {
  const arrivals = (wakeup.early_arrivals ?? 0) + 1;
  const target = wakeup.run_after;
  return {
    lane: wakeup.lane,
    jobId: wakeup.job_id,
    attempt: wakeup.attempt,
    epoch: wakeup.epoch,
    runAfter: new Date(target + (arrivals - 1) * EARLY_ARRIVAL_STEP_MS),
    target: new Date(target),
    reason: `at${target}-${arrivals}`,
    earlyArrivals: arrivals,
  };
}

/**
 * The wake-up that continues a lane task which stopped at its limits before its job was accounted
 * for: it stands in for the task's own wake-up. Named after the last lease the task ran, which only
 * one task ever ran, so it is unique, and a duplicated delivery (which runs other jobs) asks for its own.
 */
function continuation(lane: Lane, wakeup: ReceivedWakeup, last: RunReport, now: Date): WakeupTask {
  return {
    lane,
    jobId: wakeup.job_id,
    attempt: wakeup.attempt,
    epoch: wakeup.epoch,
    runAfter: now,
    reason: `more-${last.jobId}-${last.leaseEpoch}`,
  };
}

/**
 * Runs the lane's ready jobs (poll → lease → execute) in lane order until the named job is accounted
 * for: leased here, or no longer waiting (see `Worker.drain`). The named job need not be the one that
 * runs: the lease decides, so a duplicated or early task runs nothing twice. Two tasks run nothing
 * and read nothing: one that arrived before the `run_after` it was scheduled for (its payload says
 * which) asks for a wake-up at the right time; one whose job this process already leased since the
 * wake-up was asked for is served (an earlier task ran it along with its own).
 */
export async function handleLaneTask(engine: Engine, lane: Lane, data: unknown, limits = LANE_TASK_LIMITS): Promise<RunReport[]> {
  const parsed = wakeupPayloadSchema.safeParse(data);
  if (!parsed.success) {
    // Retrying a malformed task cannot help; log it and let the task end.
    logs.malformedWakeup(lane, parsed.error.issues);
    return [];
  }
  const wakeup = parsed.data;
  if (wakeup.run_after !== undefined && wakeup.run_after > engine.now().getTime()) {
    await engine.tasks.enqueueWakeup(wakeupAfterEarlyArrival({ ...wakeup, run_after: wakeup.run_after }));
    return [];
  }
  if (engine.served(wakeup.job_id, wakeup.epoch)) {
    logs.wakeupServed(lane, wakeup.job_id);
    return [];
  }
  const started = Date.now();
  const reports = await engine.runLane(lane, limits, { jobId: wakeup.job_id, epoch: wakeup.epoch });
  const stoppedAtLimits = reports.length >= limits.maxJobs || Date.now() - started >= limits.budgetMs;
  if (stoppedAtLimits && reports.length > 0 && !engine.served(wakeup.job_id, wakeup.epoch))
    await engine.tasks.enqueueWakeup(continuation(lane, wakeup, reports[reports.length - 1], engine.now()));
  logs.laneTaskDone(lane, wakeup.job_id, reports);
  return reports;
}
