/** The task handler of a lane: a wake-up, validated, then the lane's ready jobs are run. */
import { z } from "zod";
import type { Engine } from "../create-engine";
import * as logs from "../jobs/logs";
import { LANES, type Lane } from "../jobs/model";
import type { WakeupTask } from "../jobs/task-queue";
import type { RunReport } from "../jobs/worker";

const wakeupSchema = z.object({
  lane: z.enum(LANES),
  job_id: z.string().min(1),
  attempt: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  run_after: z.number().optional(),
  early_arrivals: z.number().int().nonnegative().optional(),
});
type Wakeup = z.infer<typeof wakeupSchema>;

/** Each further early arrival for the same target is scheduled a second later, so a clock that runs behind converges. */
const EARLY_ARRIVAL_STEP_MS = 1000;

/**
 * The wake-up asked for by a task that arrived before its job's `run_after`. Its name carries the
 * target time and the count of early arrivals, so it is never refused as a duplicate of the task that
 * arrived early (nor of an earlier early arrival), while a duplicated delivery of the same task still
 * enqueues nothing new.
 */
function wakeupAfterEarlyArrival(wakeup: Wakeup & { run_after: number }): WakeupTask {
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
 * Runs the lane's ready jobs (poll → lease → execute). The named job need not be the one that
 * runs: the lease decides, so a duplicated or early task runs nothing twice. A task that arrived
 * before the `run_after` it was scheduled for (its payload says which) runs nothing and asks for a
 * wake-up at the right time, without reading the job.
 */
export async function handleLaneTask(engine: Engine, lane: Lane, data: unknown): Promise<RunReport[]> {
  const parsed = wakeupSchema.safeParse(data);
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
  const reports = await engine.runLane(lane);
  logs.laneTaskDone(lane, wakeup.job_id, reports);
  return reports;
}
